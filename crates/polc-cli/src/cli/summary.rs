//! The closing summary of `polc run`: counts per decision, per authority level
//! and per reason code, for a risk officer (standard error) and as JSON.

use super::term::shown;
use polc::{BatchSummary, Policy};
use std::time::Duration;

/// The counts `polc run` closes with; the library counts them.
struct Counts<'a> {
    summary: &'a BatchSummary,
    policy: &'a Policy,
}

impl Counts<'_> {
    /// `n` as a percentage of the records, one decimal (0.0 for no records).
    fn percent(&self, n: u64) -> f64 {
        let records = self.summary.records;
        if records == 0 {
            0.0
        } else {
            (n as f64 * 1000.0 / records as f64).round() / 10.0
        }
    }

    /// Reason codes that were given, most frequent first (then by code), with
    /// their counts and messages.
    fn reasons_by_count(&self) -> Vec<(&str, u64, Option<&str>)> {
        let mut reasons: Vec<_> =
            self.summary.reasons().map(|(code, n)| (code.as_str(), n, self.policy.message(code.as_str()))).collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        reasons
    }

    /// The summary for people (standard error): counts with percentages,
    /// approvals and referrals per level, reasons by frequency with their messages.
    fn render(&self, elapsed: Duration) -> String {
        let summary = self.summary;
        let secs = elapsed.as_secs_f64();
        let rate = if secs > 0.0 { summary.records as f64 / secs } else { 0.0 };
        let mut out = format!("{} records in {secs:.2}s ({rate:.0}/s)\n", summary.records);
        let width = summary.records.to_string().len();
        let row = |word: &str, n: u64| format!("  {word:<8} {n:>width$}  {:>5.1}%", self.percent(n));
        let levels = |word: &str, levels: Vec<(&str, u64)>| {
            if levels.is_empty() {
                String::new()
            } else {
                let each: Vec<String> = levels.iter().map(|(name, n)| format!("{} {n}", shown(name))).collect();
                format!("   {word} {}", each.join(", "))
            }
        };
        let approved_by = summary.approved_by().map(|(l, n)| (l.as_str(), n)).collect();
        let referred_to = summary.referred_to().map(|(l, n)| (l.as_str(), n)).collect();
        out.push_str(&format!("{}{}\n", row("approve", summary.approve), levels("at", approved_by)));
        out.push_str(&format!("{}{}\n", row("refer", summary.refer), levels("to", referred_to)));
        out.push_str(&format!("{}\n", row("decline", summary.decline)));
        out.push_str(&row("error", summary.errors()));
        if summary.errors() > 0 {
            out.push_str(&format!(
                "   {} invalid record{}, {} rule failure{}",
                summary.record_errors,
                if summary.record_errors == 1 { "" } else { "s" },
                summary.rule_errors,
                if summary.rule_errors == 1 { "" } else { "s" }
            ));
        }
        out.push('\n');
        let reasons = self.reasons_by_count();
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
    /// the run was: as_of, the input, the policy and the bound lists' hashes, and
    /// the bundle's revision when the policy came from one (`polc run --bundle`).
    fn json(&self, elapsed: Duration, as_of: chrono::NaiveDate, input: &str) -> serde_json::Value {
        let (summary, policy) = (self.summary, self.policy);
        let secs = elapsed.as_secs_f64();
        let counts = |pairs: Vec<(&str, u64)>| -> serde_json::Map<String, serde_json::Value> {
            pairs.into_iter().map(|(name, n)| (name.to_string(), serde_json::Value::from(n))).collect()
        };
        let reasons = self.reasons_by_count();
        let reason_counts = counts(reasons.iter().map(|(c, n, _)| (*c, *n)).collect());
        let by_reason: Vec<serde_json::Value> = reasons
            .iter()
            .map(|(code, n, message)| {
                serde_json::json!({"code": code, "count": n, "percent": self.percent(*n), "message": message})
            })
            .collect();
        let mut json = serde_json::json!({
            "records": summary.records,
            "approve": summary.approve,
            "refer": summary.refer,
            "decline": summary.decline,
            "error": summary.errors(),
            "invalid_records": summary.record_errors,
            "rule_failures": summary.rule_errors,
            "percent": {
                "approve": self.percent(summary.approve),
                "refer": self.percent(summary.refer),
                "decline": self.percent(summary.decline),
                "error": self.percent(summary.errors()),
            },
            "approved_by": counts(summary.approved_by().map(|(l, n)| (l.as_str(), n)).collect()),
            "referred_to": counts(summary.referred_to().map(|(l, n)| (l.as_str(), n)).collect()),
            "reasons": reason_counts,
            "by_reason": by_reason,
            "elapsed_seconds": secs,
            "records_per_second": if secs > 0.0 { summary.records as f64 / secs } else { 0.0 },
            "as_of": as_of.to_string(),
            "input": input,
            "policy": policy.name(),
            "version": policy.version(),
            "policy_hash": policy.policy_hash(),
            "lists": policy.list_versions(),
        });
        // the bundle's revision, as every decision line carries it (only when run from one)
        if let (Some(revision), Some(map)) = (policy.bundle_revision(), json.as_object_mut()) {
            map.insert("bundle".to_string(), serde_json::Value::from(revision));
        }
        json
    }
}

/// The summary for people (standard error): counts with percentages,
/// approvals and referrals per level, reasons by frequency with their messages.
pub fn render(summary: &BatchSummary, policy: &Policy, elapsed: Duration) -> String {
    Counts { summary, policy }.render(elapsed)
}

/// The summary as JSON (`--summary-json`).
pub fn json(
    summary: &BatchSummary,
    policy: &Policy,
    elapsed: Duration,
    as_of: chrono::NaiveDate,
    input: &str,
) -> serde_json::Value {
    Counts { summary, policy }.json(elapsed, as_of, input)
}
