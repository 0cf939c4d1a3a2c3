//! What a decided line was, for counting: its kind, its reasons as indices
//! into the policy's codes and its level, without a verdict's strings.

use crate::eval::Decision;

/// What a decided line was, for counting (a batch's summary, a sink's own
/// counts): cheaper than a [`crate::Verdict`], and what [`crate::engine::batch::DecisionSink`] receives
/// beside each piece of lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineOutcome {
    /// What was decided.
    pub kind: LineKind,
    /// The reasons, as indices into [`crate::Policy::reason_codes`], sorted.
    pub reasons: Vec<u32>,
    /// The level that approved it (approve) or that it is referred to (refer),
    /// as an index into [`crate::Policy::levels`].
    pub level: Option<u32>,
}

/// The decision a line carries, with the two kinds of `error` told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// Approved.
    Approve,
    /// Referred to a level.
    Refer,
    /// Declined.
    Decline,
    /// A rule failed at run time (the decision is `error`).
    RuleError,
    /// The line was not a valid record (the decision is `error`).
    RecordError,
}

impl LineKind {
    /// The decision a line of this kind says.
    pub fn decision(self) -> crate::io::verdict::Decision {
        use crate::io::verdict::Decision as D;
        match self {
            LineKind::Approve => D::Approve,
            LineKind::Refer => D::Refer,
            LineKind::Decline => D::Decline,
            LineKind::RuleError | LineKind::RecordError => D::Error,
        }
    }
}

impl LineOutcome {
    pub(crate) fn new(decision: Decision) -> LineOutcome {
        let (kind, level) = match decision.outcome {
            crate::eval::Outcome::Approve { level } => (LineKind::Approve, level),
            crate::eval::Outcome::Refer { to } => (LineKind::Refer, to),
            crate::eval::Outcome::Decline => (LineKind::Decline, None),
            crate::eval::Outcome::Error { .. } => (LineKind::RuleError, None),
        };
        LineOutcome { kind, reasons: decision.reasons, level }
    }

    /// The outcome of a line that was not a valid record.
    pub fn record_error() -> LineOutcome {
        LineOutcome { kind: LineKind::RecordError, reasons: Vec::new(), level: None }
    }
}
