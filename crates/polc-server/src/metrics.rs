//! The server's Prometheus metrics, in a registry of its own (no global
//! state: a process may run several servers, as the tests do). `GET /metrics`
//! is this registry in the text exposition format, written by `prometheus`.

use polc::{LineKind, LineOutcome, Policy, Verdict};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};

/// Every metric the server keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests, by route and status.
    pub requests: IntCounterVec,
    /// Request latency until the response head, by route.
    pub latency: HistogramVec,
    /// Decisions, by decision (`approve`, `refer`, `decline`, `error`).
    pub decisions: IntCounterVec,
    /// Reason codes given, by code.
    pub reasons: IntCounterVec,
    /// Error decisions, by kind (`record`, `rule`).
    pub decision_errors: IntCounterVec,
    /// Records per batch request.
    pub batch_records: Histogram,
    /// Reloads, by result (`success`, `failure`).
    pub reloads: IntCounterVec,
    /// Requests refused, by why (`overloaded`, `not_ready`, `decision_log`).
    pub refused: IntCounterVec,
    /// Requests being handled now.
    pub in_flight: IntGauge,
    /// Lines written to the decision log.
    pub decision_log_lines: IntCounter,
    /// Failed writes (or rotations) of the decision log.
    pub decision_log_errors: IntCounter,
    /// Lines that could not be written to the decision log.
    pub decision_log_lost: IntCounter,
    /// Rotations of the decision log.
    pub decision_log_rotations: IntCounter,
    /// When the policy being served was loaded (Unix seconds).
    pub loaded_at: IntGauge,
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        // 50 µs to 10 s: a decision takes microseconds, a batch request seconds
        let buckets = vec![
            0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            10.0,
        ];
        let counter = |name: &str, help: &str, labels: &[&str]| -> Result<IntCounterVec, prometheus::Error> {
            let c = IntCounterVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let single = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
            let c = IntCounter::new(name, help)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let latency = HistogramVec::new(
            HistogramOpts::new("polc_http_request_duration_seconds", "Time to the response head, by route")
                .buckets(buckets),
            &["route"],
        )?;
        registry.register(Box::new(latency.clone()))?;
        let batch_records = Histogram::with_opts(
            HistogramOpts::new("polc_batch_records", "Records decided per batch request")
                .buckets(prometheus::exponential_buckets(1.0, 10.0, 8)?),
        )?;
        registry.register(Box::new(batch_records.clone()))?;
        Ok(Metrics {
            requests: counter("polc_http_requests_total", "HTTP requests, by route and status", &["route", "status"])?,
            latency,
            decisions: counter("polc_decisions_total", "Decisions, by decision", &["decision"])?,
            reasons: counter("polc_decision_reasons_total", "Reason codes given, by code", &["reason"])?,
            decision_errors: counter("polc_decision_errors_total", "Error decisions, by kind", &["kind"])?,
            batch_records,
            reloads: counter("polc_reloads_total", "Policy reloads, by result", &["result"])?,
            refused: counter("polc_refused_requests_total", "Requests refused, by why", &["why"])?,
            in_flight: gauge("polc_http_requests_in_flight", "Requests being handled")?,
            decision_log_lines: single("polc_decision_log_lines_total", "Lines written to the decision log")?,
            decision_log_errors: single("polc_decision_log_errors_total", "Failed decision log writes or rotations")?,
            decision_log_lost: single(
                "polc_decision_log_lost_lines_total",
                "Decision log lines that were not written",
            )?,
            decision_log_rotations: single("polc_decision_log_rotations_total", "Decision log rotations")?,
            loaded_at: gauge("polc_policy_loaded_timestamp_seconds", "When the served policy was loaded")?,
            registry,
        })
    }

    /// Counts one decided record.
    pub fn count_verdict(&self, verdict: &Verdict) {
        self.decisions.with_label_values(&[verdict.decision.as_str()]).inc();
        for reason in &verdict.reasons {
            self.reasons.with_label_values(&[reason.as_str()]).inc();
        }
        if let Some(error) = &verdict.error {
            self.decision_errors.with_label_values(&[if error.rule.is_some() { "rule" } else { "record" }]).inc();
        }
    }

    /// Counts a piece of batch lines.
    pub fn count_lines(&self, policy: &Policy, outcomes: &[LineOutcome]) {
        let (mut approve, mut refer, mut decline, mut record, mut rule) = (0, 0, 0, 0, 0);
        for outcome in outcomes {
            match outcome.kind {
                LineKind::Approve => approve += 1,
                LineKind::Refer => refer += 1,
                LineKind::Decline => decline += 1,
                LineKind::RecordError => record += 1,
                LineKind::RuleError => rule += 1,
            }
            for &reason in &outcome.reasons {
                if let Some(code) = policy.reason_codes().get(reason as usize) {
                    self.reasons.with_label_values(&[code.as_str()]).inc();
                }
            }
        }
        for (decision, n) in [("approve", approve), ("refer", refer), ("decline", decline), ("error", record + rule)] {
            if n > 0 {
                self.decisions.with_label_values(&[decision]).inc_by(n);
            }
        }
        for (kind, n) in [("record", record), ("rule", rule)] {
            if n > 0 {
                self.decision_errors.with_label_values(&[kind]).inc_by(n);
            }
        }
    }

    /// The registry in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let encoder = prometheus::TextEncoder::new();
        if let Err(error) = encoder.encode(&self.registry.gather(), &mut out) {
            tracing::error!(%error, "cannot encode the metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
