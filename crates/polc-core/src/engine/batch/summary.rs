//! What a batch decided, counted: records, each decision, the two kinds of
//! error, reasons and levels, and the bytes of input read.

use crate::engine::policy::Names;
use crate::io::verdict::{Level, ReasonCode};
use crate::{LineKind, LineOutcome, Policy};
use std::sync::Arc;

/// Counts of what a batch decided (`polc run`'s closing summary).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchSummary {
    /// Input lines (or records) decided, one verdict each.
    pub records: u64,
    /// Approved.
    pub approve: u64,
    /// Referred.
    pub refer: u64,
    /// Declined.
    pub decline: u64,
    /// Lines that were not valid records (`error` verdicts with a `path`).
    pub record_errors: u64,
    /// Records whose evaluation failed at run time (`error` verdicts with a `rule`).
    pub rule_errors: u64,
    /// Bytes of input the decided lines came from (of a line longer than the
    /// record limit, only the part kept).
    pub bytes: u64,
    /// Per reason code, by index into the policy's codes.
    reasons: Vec<u64>,
    /// Approvals per authorising level, by level index.
    approved_by: Vec<u64>,
    /// Referrals per level referred to, by level index.
    referred_to: Vec<u64>,
    names: Arc<Names>,
}

impl BatchSummary {
    /// Nothing counted yet, for `policy`'s codes and levels.
    pub fn new(policy: &Policy) -> BatchSummary {
        let names = policy.names();
        BatchSummary {
            records: 0,
            approve: 0,
            refer: 0,
            decline: 0,
            record_errors: 0,
            rule_errors: 0,
            bytes: 0,
            reasons: vec![0; names.codes.len()],
            approved_by: vec![0; names.levels.len()],
            referred_to: vec![0; names.levels.len()],
            names,
        }
    }

    /// `error` verdicts of both kinds.
    pub fn errors(&self) -> u64 {
        self.record_errors + self.rule_errors
    }

    /// Counts one decided line.
    pub fn count(&mut self, line: &LineOutcome) {
        self.records += 1;
        let by_level = match line.kind {
            LineKind::Approve => {
                self.approve += 1;
                Some(&mut self.approved_by)
            }
            LineKind::Refer => {
                self.refer += 1;
                Some(&mut self.referred_to)
            }
            LineKind::Decline => {
                self.decline += 1;
                None
            }
            LineKind::RuleError => {
                self.rule_errors += 1;
                None
            }
            LineKind::RecordError => {
                self.record_errors += 1;
                None
            }
        };
        if let Some(n) = by_level.zip(line.level).and_then(|(counts, l)| counts.get_mut(l as usize)) {
            *n += 1;
        }
        for &r in &line.reasons {
            if let Some(n) = self.reasons.get_mut(r as usize) {
                *n += 1;
            }
        }
    }

    /// Adds the counts of `other` (a summary of other lines of the same policy).
    pub fn merge(&mut self, other: &BatchSummary) {
        self.records += other.records;
        self.approve += other.approve;
        self.refer += other.refer;
        self.decline += other.decline;
        self.record_errors += other.record_errors;
        self.rule_errors += other.rule_errors;
        self.bytes += other.bytes;
        let add = |mine: &mut Vec<u64>, theirs: &Vec<u64>| {
            for (n, m) in mine.iter_mut().zip(theirs) {
                *n += m;
            }
        };
        add(&mut self.reasons, &other.reasons);
        add(&mut self.approved_by, &other.approved_by);
        add(&mut self.referred_to, &other.referred_to);
    }

    /// Each reason code given at least once, with how many verdicts gave it, in code order.
    pub fn reasons(&self) -> impl Iterator<Item = (&ReasonCode, u64)> + '_ {
        self.names.codes.iter().zip(self.reasons.iter().copied()).filter(|(_, n)| *n > 0)
    }

    /// Each level that authorised at least one approval, with how many, in the authority's order.
    pub fn approved_by(&self) -> impl Iterator<Item = (&Level, u64)> + '_ {
        self.names.levels.iter().zip(self.approved_by.iter().copied()).filter(|(_, n)| *n > 0)
    }

    /// Each level referred to at least once, with how many times, in the authority's order.
    pub fn referred_to(&self) -> impl Iterator<Item = (&Level, u64)> + '_ {
        self.names.levels.iter().zip(self.referred_to.iter().copied()).filter(|(_, n)| *n > 0)
    }
}
