//! The closing summary of `polc run`: counts per decision, per authority level
//! and per reason code, for a risk officer (standard error) and as JSON.

use super::term::shown;
use polc::{LineKind, LineOutcome, Policy};
use polc_core::ir::Program;
use std::time::Duration;

/// Counts for the closing summary.
#[derive(Debug, Default)]
pub struct Summary {
    pub records: u64,
    pub approve: u64,
    pub refer: u64,
    pub decline: u64,
    /// Lines that were not valid records.
    pub record_errors: u64,
    /// Records whose evaluation failed (a rule's run-time fault).
    pub rule_errors: u64,
    /// Per reason code, by index into the program's codes.
    pub reasons: Vec<u64>,
    /// Approvals per authorising level, by level index.
    pub approved_by: Vec<u64>,
    /// Referrals per level referred to, by level index.
    pub referred_to: Vec<u64>,
}

impl Summary {
    pub fn new(program: &Program) -> Summary {
        let levels = program.authority.as_ref().map_or(0, |a| a.levels.len());
        Summary {
            reasons: vec![0; program.codes.len()],
            approved_by: vec![0; levels],
            referred_to: vec![0; levels],
            ..Summary::default()
        }
    }

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
    pub fn merge(&mut self, other: &Summary) {
        self.records += other.records;
        self.approve += other.approve;
        self.refer += other.refer;
        self.decline += other.decline;
        self.record_errors += other.record_errors;
        self.rule_errors += other.rule_errors;
        let add = |mine: &mut Vec<u64>, theirs: &Vec<u64>| {
            for (n, m) in mine.iter_mut().zip(theirs) {
                *n += m;
            }
        };
        add(&mut self.reasons, &other.reasons);
        add(&mut self.approved_by, &other.approved_by);
        add(&mut self.referred_to, &other.referred_to);
    }

    fn errors(&self) -> u64 {
        self.record_errors + self.rule_errors
    }

    /// `n` as a percentage of the records, one decimal (0.0 for no records).
    fn percent(&self, n: u64) -> f64 {
        if self.records == 0 {
            0.0
        } else {
            (n as f64 * 1000.0 / self.records as f64).round() / 10.0
        }
    }

    /// Reason codes that were given, most frequent first (then by code), with
    /// their counts and messages.
    fn reasons_by_count<'p>(&self, program: &'p Program) -> Vec<(&'p str, u64, Option<&'p str>)> {
        let mut reasons: Vec<_> = program
            .codes
            .iter()
            .zip(&self.reasons)
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| (code.as_str(), *n, polc_core::io::output::message_of(program, code)))
            .collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        reasons
    }

    /// Levels with a count, in the authority's order.
    fn by_level<'p>(program: &'p Program, counts: &[u64]) -> Vec<(&'p str, u64)> {
        let levels = program.authority.iter().flat_map(|a| a.levels.iter().map(|l| l.name.as_str()));
        levels.zip(counts.iter().copied()).filter(|(_, n)| *n > 0).collect()
    }

    /// The summary for people (standard error): counts with percentages,
    /// approvals and referrals per level, reasons by frequency with their messages.
    pub fn render(&self, program: &Program, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.records as f64 / secs } else { 0.0 };
        let mut out = format!("{} records in {secs:.2}s ({rate:.0}/s)\n", self.records);
        let width = self.records.to_string().len();
        let row = |word: &str, n: u64| format!("  {word:<8} {n:>width$}  {:>5.1}%", self.percent(n));
        let levels = |word: &str, counts: &[u64]| {
            let levels = Summary::by_level(program, counts);
            if levels.is_empty() {
                String::new()
            } else {
                let each: Vec<String> = levels.iter().map(|(name, n)| format!("{} {n}", shown(name))).collect();
                format!("   {word} {}", each.join(", "))
            }
        };
        out.push_str(&format!("{}{}\n", row("approve", self.approve), levels("at", &self.approved_by)));
        out.push_str(&format!("{}{}\n", row("refer", self.refer), levels("to", &self.referred_to)));
        out.push_str(&format!("{}\n", row("decline", self.decline)));
        out.push_str(&row("error", self.errors()));
        if self.errors() > 0 {
            out.push_str(&format!(
                "   {} invalid record{}, {} rule failure{}",
                self.record_errors,
                if self.record_errors == 1 { "" } else { "s" },
                self.rule_errors,
                if self.rule_errors == 1 { "" } else { "s" }
            ));
        }
        out.push('\n');
        let reasons = self.reasons_by_count(program);
        if !reasons.is_empty() {
            out.push_str("reasons, most frequent first:\n");
            let code_width = reasons.iter().map(|(c, _, _)| c.len()).max().unwrap_or(0);
            for (code, n, message) in reasons {
                let message = message.map(|m| format!("  {}", shown(m))).unwrap_or_default();
                out.push_str(&format!(
                    "  {:<code_width$} {n:>width$}  {:>5.1}%{message}\n",
                    shown(code),
                    self.percent(n)
                ));
            }
        }
        out
    }

    /// The summary as JSON (`--summary-json`): what `render` shows, and what
    /// the run was: as_of, the input, the policy and the bound lists' hashes.
    pub fn json(&self, policy: &Policy, elapsed: Duration, as_of: chrono::NaiveDate, input: &str) -> serde_json::Value {
        let program = policy.program();
        let secs = elapsed.as_secs_f64();
        let counts = |pairs: Vec<(&str, u64)>| -> serde_json::Map<String, serde_json::Value> {
            pairs.into_iter().map(|(name, n)| (name.to_string(), serde_json::Value::from(n))).collect()
        };
        let reasons = self.reasons_by_count(program);
        let reason_counts = counts(reasons.iter().map(|(c, n, _)| (*c, *n)).collect());
        let by_reason: Vec<serde_json::Value> = reasons
            .iter()
            .map(|(code, n, message)| {
                serde_json::json!({"code": code, "count": n, "percent": self.percent(*n), "message": message})
            })
            .collect();
        serde_json::json!({
            "records": self.records,
            "approve": self.approve,
            "refer": self.refer,
            "decline": self.decline,
            "error": self.errors(),
            "invalid_records": self.record_errors,
            "rule_failures": self.rule_errors,
            "percent": {
                "approve": self.percent(self.approve),
                "refer": self.percent(self.refer),
                "decline": self.percent(self.decline),
                "error": self.percent(self.errors()),
            },
            "approved_by": counts(Summary::by_level(program, &self.approved_by)),
            "referred_to": counts(Summary::by_level(program, &self.referred_to)),
            "reasons": reason_counts,
            "by_reason": by_reason,
            "elapsed_seconds": secs,
            "records_per_second": if secs > 0.0 { self.records as f64 / secs } else { 0.0 },
            "as_of": as_of.to_string(),
            "input": input,
            "policy": program.name,
            "version": program.version,
            "policy_hash": program.hash,
            "lists": policy.stamp().lists,
        })
    }
}
