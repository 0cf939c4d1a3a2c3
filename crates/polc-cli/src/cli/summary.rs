//! The closing summary of `polc run`: counts per decision and per reason code.

use polc::{LineKind, LineOutcome};
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
}

impl Summary {
    pub fn new(program: &Program) -> Summary {
        Summary { reasons: vec![0; program.codes.len()], ..Summary::default() }
    }

    pub fn count(&mut self, line: &LineOutcome) {
        self.records += 1;
        match line.kind {
            LineKind::Approve => self.approve += 1,
            LineKind::Refer => self.refer += 1,
            LineKind::Decline => self.decline += 1,
            LineKind::RuleError => self.rule_errors += 1,
            LineKind::RecordError => self.record_errors += 1,
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
        for (n, m) in self.reasons.iter_mut().zip(&other.reasons) {
            *n += m;
        }
    }

    /// The summary for people (standard error).
    pub fn render(&self, program: &Program, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.records as f64 / secs } else { 0.0 };
        let mut out = format!(
            "{} records in {secs:.2}s ({rate:.0}/s): {} approve, {} refer, {} decline, {} error ({} invalid records, {} rule failures)\n",
            self.records,
            self.approve,
            self.refer,
            self.decline,
            self.record_errors + self.rule_errors,
            self.record_errors,
            self.rule_errors,
        );
        let reasons: Vec<String> = program
            .codes
            .iter()
            .zip(&self.reasons)
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| format!("{code} {n}"))
            .collect();
        if !reasons.is_empty() {
            out.push_str(&format!("reasons: {}\n", reasons.join(", ")));
        }
        out
    }

    /// The summary as JSON (`--summary-json`).
    pub fn json(&self, program: &Program, elapsed: Duration, as_of: chrono::NaiveDate) -> serde_json::Value {
        let secs = elapsed.as_secs_f64();
        let reasons: serde_json::Map<String, serde_json::Value> =
            program.codes.iter().zip(&self.reasons).map(|(c, n)| (c.clone(), serde_json::Value::from(*n))).collect();
        serde_json::json!({
            "records": self.records,
            "approve": self.approve,
            "refer": self.refer,
            "decline": self.decline,
            "error": self.record_errors + self.rule_errors,
            "invalid_records": self.record_errors,
            "rule_failures": self.rule_errors,
            "reasons": reasons,
            "elapsed_seconds": secs,
            "records_per_second": if secs > 0.0 { self.records as f64 / secs } else { 0.0 },
            "policy": program.name,
            "version": program.version,
            "policy_hash": program.hash,
            "as_of": as_of.to_string(),
        })
    }
}
