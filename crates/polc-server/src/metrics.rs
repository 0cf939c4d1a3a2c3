//! The server's Prometheus metrics, in a registry of its own (no global
//! state: a process may run several servers, as the tests do). `GET /metrics`
//! is this registry in the text exposition format, written by `prometheus`.

use polc::{LineKind, LineOutcome, Policy};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};
use std::sync::OnceLock;

/// The routes, as metric labels (a fixed set: an unknown path is `unmatched`,
/// the last).
pub(crate) const ROUTES: [&str; 9] = [
    "/v1/decide",
    "/v1/decide/batch",
    "/v1/policy",
    "/v1/admin/reload",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "unmatched",
];

/// The index in [`ROUTES`] of a matched path (`unmatched` for any other).
pub(crate) fn route_index(path: Option<&str>) -> usize {
    let last = ROUTES.len() - 1;
    path.and_then(|path| ROUTES.iter().take(last).position(|route| *route == path)).unwrap_or(last)
}

/// A labelled series looked up on its first use and kept: a request then
/// counts with an atomic add, not a hash of its labels under a lock. (Made
/// on first use, as `with_label_values` would make it: a series no request
/// touched is not exposed.)
#[derive(Clone, Debug)]
pub(crate) struct Series<T>(OnceLock<T>);

impl<T> Default for Series<T> {
    fn default() -> Series<T> {
        Series(OnceLock::new())
    }
}

impl<T> Series<T> {
    pub(crate) fn get(&self, make: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(make)
    }
}

/// The series each request touches, by route: its latency, and its count
/// when it answers 200 (any other status is looked up by its labels).
#[derive(Debug, Default)]
struct RouteSeries {
    latency: Series<Histogram>,
    ok: Series<IntCounter>,
}

/// The decision counters by [`LineKind`], looked up once.
#[derive(Debug, Default)]
struct DecisionSeries {
    approve: Series<IntCounter>,
    refer: Series<IntCounter>,
    decline: Series<IntCounter>,
    error: Series<IntCounter>,
    record_errors: Series<IntCounter>,
    rule_errors: Series<IntCounter>,
}

/// The reason counters of one loaded policy, by its reason codes' indices
/// ([`Policy::reason_codes`]), each looked up on its first use.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReasonSeries(Vec<Series<IntCounter>>);

impl ReasonSeries {
    /// One empty slot per reason code of `policy`.
    pub(crate) fn of(policy: &Policy) -> ReasonSeries {
        ReasonSeries(policy.reason_codes().iter().map(|_| Series::default()).collect())
    }
}

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
    /// The handles of the hot path, by route ([`ROUTES`]).
    routes: Vec<RouteSeries>,
    decided: DecisionSeries,
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
            routes: ROUTES.iter().map(|_| RouteSeries::default()).collect(),
            decided: DecisionSeries::default(),
            registry,
        })
    }

    /// Counts one answered request of route `route` (an index in [`ROUTES`]).
    pub(crate) fn count_request(&self, route: usize, status: axum::http::StatusCode, seconds: f64) {
        let label = ROUTES.get(route).copied().unwrap_or("unmatched");
        match self.routes.get(route) {
            Some(series) => {
                series.latency.get(|| self.latency.with_label_values(&[label])).observe(seconds);
                if status == axum::http::StatusCode::OK {
                    series.ok.get(|| self.requests.with_label_values(&[label, "200"])).inc();
                } else {
                    self.requests.with_label_values(&[label, status.as_str()]).inc();
                }
            }
            None => {
                self.latency.with_label_values(&[label]).observe(seconds);
                self.requests.with_label_values(&[label, status.as_str()]).inc();
            }
        }
    }

    /// Counts one decided line of `policy`, whose reason counters are `reasons`.
    pub(crate) fn count_outcome(&self, policy: &Policy, reasons: &ReasonSeries, outcome: &LineOutcome) {
        let d = &self.decided;
        let (series, label) = match outcome.kind {
            LineKind::Approve => (&d.approve, "approve"),
            LineKind::Refer => (&d.refer, "refer"),
            LineKind::Decline => (&d.decline, "decline"),
            LineKind::RecordError | LineKind::RuleError => (&d.error, "error"),
        };
        series.get(|| self.decisions.with_label_values(&[label])).inc();
        match outcome.kind {
            LineKind::RecordError => d.record_errors.get(|| self.decision_errors.with_label_values(&["record"])).inc(),
            LineKind::RuleError => d.rule_errors.get(|| self.decision_errors.with_label_values(&["rule"])).inc(),
            _ => {}
        }
        for &reason in &outcome.reasons {
            let (Some(series), Some(code)) =
                (reasons.0.get(reason as usize), policy.reason_codes().get(reason as usize))
            else {
                continue;
            };
            series.get(|| self.reasons.with_label_values(&[code.as_str()])).inc();
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
