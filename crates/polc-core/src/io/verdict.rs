//! The decision line as typed data: a [`Verdict`] serialises to exactly the JSON
//! line `polc run` writes for the same record, and reads back from one.
//!
//! Field order is the line's: `id`, `decision`, `line`, `level`, `refer_to`,
//! `reasons`, `scores`, `offer`, `outputs`, `messages`, `error`, `trace`, then
//! `as_of`, `policy`, `version`, `policy_hash` and `lists`. Part two of the
//! language adds optional fields after `reasons`; a reader ignores fields it does not know.

use crate::value::ident::parse_date;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// What was decided for one record.
///
/// Deliberately exhaustive: code that acts on a decision handles every one, and
/// `Error` is never an approval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Approved, at the level that authorised it.
    Approve,
    /// Referred to a level for a person to decide.
    Refer,
    /// Declined.
    Decline,
    /// Not decided: the record was not valid, or a rule failed at run time.
    Error,
}

impl Decision {
    /// `approve`, `refer`, `decline` or `error`, as a decision line writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Refer => "refer",
            Decision::Decline => "decline",
            Decision::Error => "error",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Defines a name newtype: serialised as its text, compared with `&str`.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The name as written in the policy.
            pub fn new(name: impl Into<String>) -> $name {
                $name(name.into())
            }

            /// The name as written in the policy.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> $name {
                $name(name.to_string())
            }
        }
    };
}

name_type!(
    /// A reason code: a rule's code (`A01`) or the authority's escalation code (`E01`).
    ReasonCode
);

name_type!(
    /// An authority level, by its name in the policy (`city`, `provincial`).
    Level
);

/// The decision for one record, with everything its decision line says.
///
/// `serde_json::to_string(&verdict)` is byte for byte the line `polc run` writes
/// for the record, and a decision line deserialises back into the same verdict.
/// A verdict of `error` has no `reasons` (the list is empty) and an `error`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Verdict {
    /// The record's `id` (the input's `id` field, when it has a String one;
    /// for an invalid record, the `"id"` found in its text).
    pub id: Option<String>,
    /// Approve, refer, decline or error.
    pub decision: Decision,
    /// The record's 1-based line (or position) in its batch, on error verdicts
    /// of a batch only.
    pub line: Option<u64>,
    /// The level that authorised an approval (when the policy has an authority block).
    pub level: Option<Level>,
    /// The level a referral goes to (none for a plain `refer` without authority).
    pub refer_to: Option<Level>,
    /// The reasons, sorted by code: every fired decline rule, or every fired
    /// refer rule and the escalation code. Empty for approve and error.
    #[serde(default)]
    pub reasons: Vec<ReasonCode>,
    /// Every scorecard the policy's rules and authority read, by name: its
    /// score and adverse-action reasons (§11). On every decided line of such a
    /// policy, never on an error line; absent when the policy reports none.
    #[serde(default)]
    pub scores: BTreeMap<String, Score>,
    /// The counter-offer of the policy's credit limits (§12), on approve and
    /// refer verdicts where a limit cut the requested amount.
    #[serde(default)]
    pub offer: Option<Offer>,
    /// Every output by name (§13), on decided verdicts of a policy with outputs.
    #[serde(default)]
    pub outputs: Option<BTreeMap<String, OutputValue>>,
    /// Each reason's message, when asked for (`LineOptions::messages`).
    pub messages: Option<BTreeMap<ReasonCode, String>>,
    /// Why an `error` verdict was not decided.
    pub error: Option<VerdictError>,
    /// Every rule and authority limit with the values that decided it, when
    /// asked for (`LineOptions::explain`).
    pub trace: Option<Explanation>,
    /// The evaluation date (written `YYYY-MM-DD`, read in that grammar only).
    #[serde(deserialize_with = "date_from_text")]
    pub as_of: NaiveDate,
    /// The policy's name.
    pub policy: String,
    /// The policy's version.
    pub version: String,
    /// `sha256:` and the digest of the policy's source files.
    pub policy_hash: String,
    /// Each bound list's name and `sha256:` content hash.
    #[serde(default)]
    pub lists: BTreeMap<String, String>,
    /// `sha256:…` of the manifest of the bundle the policy was loaded from
    /// (absent for a policy compiled from its files).
    #[serde(default)]
    pub bundle: Option<String>,
}

impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut line = serializer.serialize_struct("Verdict", 18)?;
        optional(&mut line, "id", &self.id)?;
        line.serialize_field("decision", &self.decision)?;
        optional(&mut line, "line", &self.line)?;
        optional(&mut line, "level", &self.level)?;
        optional(&mut line, "refer_to", &self.refer_to)?;
        // an error line has no reasons (a decided one always has the list, maybe empty)
        if self.decision != Decision::Error || !self.reasons.is_empty() {
            line.serialize_field("reasons", &self.reasons)?;
        } else {
            line.skip_field("reasons")?;
        }
        if self.scores.is_empty() {
            line.skip_field("scores")?;
        } else {
            line.serialize_field("scores", &self.scores)?;
        }
        optional(&mut line, "offer", &self.offer)?;
        optional(&mut line, "outputs", &self.outputs)?;
        optional(&mut line, "messages", &self.messages)?;
        optional(&mut line, "error", &self.error)?;
        optional(&mut line, "trace", &self.trace)?;
        line.serialize_field("as_of", &DateText(self.as_of))?;
        line.serialize_field("policy", &self.policy)?;
        line.serialize_field("version", &self.version)?;
        line.serialize_field("policy_hash", &self.policy_hash)?;
        if self.lists.is_empty() {
            line.skip_field("lists")?;
        } else {
            line.serialize_field("lists", &self.lists)?;
        }
        optional(&mut line, "bundle", &self.bundle)?;
        line.end()
    }
}

/// One scorecard's result on a decision line: `{"score":585,"reasons":["S01","S03"]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// The base plus each characteristic's points.
    pub score: i64,
    /// The characteristics that lost the most points, most first (ties by code).
    pub reasons: Vec<ReasonCode>,
}

/// Serialises `value` under `key` when it is there.
fn optional<S: SerializeStruct, T: Serialize>(
    line: &mut S,
    key: &'static str,
    value: &Option<T>,
) -> Result<(), S::Error> {
    match value {
        Some(value) => line.serialize_field(key, value),
        None => line.skip_field(key),
    }
}

/// A counter-offer (§12): the amount offered instead of the one requested, and
/// the credit limits that cut it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Offer {
    /// The amount offered, in CNY with two decimal places (written `"150000.00"`).
    #[serde(serialize_with = "money_text", deserialize_with = "money_from_text")]
    pub amount: Decimal,
    /// The codes of every limit that cut the requested amount, sorted.
    #[serde(default)]
    pub adjustments: Vec<ReasonCode>,
}

impl Offer {
    /// An offer of `amount` (kept as given) cut by the limits `adjustments`.
    pub fn new(amount: Decimal, adjustments: Vec<ReasonCode>) -> Offer {
        Offer { amount, adjustments }
    }
}

/// One output's value (§13) as a decision line carries it: Money (with two
/// decimal places), Decimal, Date (`YYYY-MM-DD`), enum variants, strings and
/// identifiers as text; Int as a number; Bool; `none` as null.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum OutputValue {
    /// `true` or `false`.
    Bool(bool),
    /// An Int.
    Int(i64),
    /// Every other value, as text.
    Text(String),
    /// `none`.
    None,
}

impl<'de> Deserialize<'de> for OutputValue {
    /// Read through a JSON value, so that an Int reads alike whatever number
    /// features serde_json has (`arbitrary_precision` hands numbers over as maps).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OutputValue, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Null => Ok(OutputValue::None),
            serde_json::Value::Bool(b) => Ok(OutputValue::Bool(b)),
            serde_json::Value::String(s) => Ok(OutputValue::Text(s)),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Ok(OutputValue::Int(i)),
                None => Err(serde::de::Error::custom(format!("output `{n}` is not an Int"))),
            },
            other => Err(serde::de::Error::custom(format!("an output is one value, not `{other}`"))),
        }
    }
}

/// A Money amount as a string with its two decimal places.
fn money_text<S: Serializer>(amount: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(amount)
}

/// Reads an amount in polc's one number grammar.
fn money_from_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
    crate::value::number::parse_decimal(&text).map_err(serde::de::Error::custom)
}

/// A date written as chrono writes it: `YYYY-MM-DD` for years 0 to 9999.
struct DateText(NaiveDate);

impl Serialize for DateText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Reads a date in polc's one date grammar (`YYYY-MM-DD`).
fn date_from_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
    parse_date(&text).ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a date (YYYY-MM-DD)")))
}

/// What kind of problem kept a record from being decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The record does not match the input type (or the line is not JSON):
    /// `path` says where. No rule ran.
    Record,
    /// A rule (or the authority walk) failed at run time, e.g. a division by
    /// zero: `rule` and `span` say which and where.
    Rule,
}

/// Why a verdict is `error`.
///
/// On a decision line the kind is not written: a rule error has `rule` (and
/// `span`), a record error `path`, and that is how a line reads back.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerdictError {
    /// A record error or a rule error.
    pub kind: ErrorKind,
    /// The failing rule's code (the escalation code when the authority walk failed).
    pub rule: Option<ReasonCode>,
    /// The JSON path of the value at fault (`loan.amount`; empty for the whole line).
    pub path: Option<String>,
    /// What went wrong.
    pub message: String,
    /// Where in the policy a rule failed.
    pub span: Option<ErrorSpan>,
}

impl VerdictError {
    /// A record that does not match the input type.
    pub fn record(path: impl Into<String>, message: impl Into<String>) -> VerdictError {
        VerdictError {
            kind: ErrorKind::Record,
            rule: None,
            path: Some(path.into()),
            message: message.into(),
            span: None,
        }
    }

    /// A rule that failed at run time.
    pub fn rule(rule: ReasonCode, message: impl Into<String>, span: Option<ErrorSpan>) -> VerdictError {
        VerdictError { kind: ErrorKind::Rule, rule: Some(rule), path: None, message: message.into(), span }
    }
}

impl fmt::Display for VerdictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.rule, &self.path) {
            (Some(rule), _) => write!(f, "{rule}: {}", self.message),
            (None, Some(path)) if !path.is_empty() => write!(f, "{path}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for VerdictError {}

impl Serialize for VerdictError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut error = serializer.serialize_struct("VerdictError", 4)?;
        optional(&mut error, "rule", &self.rule)?;
        optional(&mut error, "path", &self.path)?;
        error.serialize_field("message", &self.message)?;
        optional(&mut error, "span", &self.span)?;
        error.end()
    }
}

impl<'de> Deserialize<'de> for VerdictError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<VerdictError, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            rule: Option<ReasonCode>,
            path: Option<String>,
            message: String,
            span: Option<ErrorSpan>,
        }
        let Fields { rule, path, message, span } = Fields::deserialize(deserializer)?;
        let kind = if rule.is_some() || span.is_some() { ErrorKind::Rule } else { ErrorKind::Record };
        Ok(VerdictError { kind, rule, path, message, span })
    }
}

/// A place in the policy's source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorSpan {
    /// The file, as the policy was compiled from it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset of the start in the file.
    pub start: u32,
    /// Byte offset just past the end.
    pub end: u32,
}

impl ErrorSpan {
    /// A place: file, 1-based line and column (in characters), byte range.
    pub fn new(file: impl Into<String>, line: usize, column: usize, start: u32, end: u32) -> ErrorSpan {
        ErrorSpan { file: file.into(), line, column, start, end }
    }
}

/// Why a record was decided as it was (`polc run --explain`): every rule in
/// code order with the values of its sub-expressions, and each authority
/// limit the walk tested.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Explanation {
    /// Every rule evaluated, in code order.
    pub rules: Vec<RuleExplanation>,
    /// Every authority limit tested, in the order of the walk.
    pub authority: Vec<LimitExplanation>,
    /// Every scorecard the decision carries, with each characteristic's value,
    /// bin and points (absent when there is none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scorecards: Vec<ScorecardExplanation>,
    /// Every credit limit (§12), in code order, as applied before the rules
    /// (absent when the policy has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credit_limits: Vec<CreditLimitExplanation>,
}

/// One credit limit of an [`Explanation`]: the amounts it compared and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreditLimitExplanation {
    /// The limit's code (`L01`).
    pub code: ReasonCode,
    /// `"within"` (the requested amount is within the line), `"cut"` (a
    /// counter-offer) or `"declined"` (the line is below the floor).
    pub effect: String,
    /// The amount as requested, as a decimal string.
    pub requested: String,
    /// The available line, as computed.
    pub credit_line: String,
    /// The floor, when the limit cut (`"0.01"` when it has none); null when
    /// the requested amount was within the line (the floor is not computed).
    pub floor: Option<String>,
    /// What this limit offers: its line rounded down to the fen, when it cut;
    /// the decision's `offer` is the smallest of these.
    pub offer: Option<String>,
    /// The arm the line's table took (`600 ..< 660, auto_loan`), when the
    /// line is a `match` (directly or through lets).
    pub arm: Option<String>,
    /// 1-based line of the limit.
    pub line: usize,
    /// 1-based column of the limit, in characters.
    pub column: usize,
    /// The line's sub-expressions' values, in source order.
    pub values: Vec<ExplainedValue>,
}

/// One scorecard of an [`Explanation`]: how its score was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ScorecardExplanation {
    /// The scorecard's name (its key in the line's `"scores"`).
    pub name: String,
    /// The score: `base` plus each characteristic's points.
    pub score: i64,
    /// `base`.
    pub base: i64,
    /// Every characteristic, in declaration order.
    pub characteristics: Vec<CharacteristicExplanation>,
}

/// One characteristic of a [`ScorecardExplanation`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CharacteristicExplanation {
    /// The reason code it reports when it is among those that lost the most.
    pub reason: ReasonCode,
    /// Its label (`"年龄"`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The subject as written (`applicant.age`).
    pub subject: String,
    /// The subject's value, as the policy would write it (null when the
    /// characteristic was decided when the policy was compiled).
    pub value: Option<String>,
    /// The bin the value fell in, as written (`25 ..< 35`; null as for `value`).
    pub bin: Option<String>,
    /// The bin's points.
    pub points: i64,
    /// The baseline (PMML `baselineScore`).
    pub baseline: i64,
    /// Points lost against the baseline (`baseline - points` when positive, else 0).
    pub lost: i64,
    /// 1-based line of the characteristic.
    pub line: usize,
    /// 1-based column of the characteristic, in characters.
    pub column: usize,
}

/// One rule of an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuleExplanation {
    /// The rule's code.
    pub code: ReasonCode,
    /// Whether it fired (`None`: it failed at run time).
    pub fired: Option<bool>,
    /// 1-based line of the rule.
    pub line: usize,
    /// 1-based column of the rule, in characters.
    pub column: usize,
    /// Its sub-expressions' values, in source order.
    pub values: Vec<ExplainedValue>,
    /// False for a rule out of force on `as_of` (§15): it took no part. Written
    /// only when false (`"in_force":false`).
    #[serde(default = "in_force_default", skip_serializing_if = "is_in_force")]
    pub in_force: bool,
}

fn in_force_default() -> bool {
    true
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
fn is_in_force(in_force: &bool) -> bool {
    *in_force
}

/// One authority limit of an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LimitExplanation {
    /// The level the limit belongs to.
    pub level: Level,
    /// The limit as written (`applicant.loan.amount <= 50_000 CNY`).
    pub limit: String,
    /// Whether it held.
    pub held: bool,
    /// 1-based line of the limit.
    pub line: usize,
    /// 1-based column of the limit, in characters.
    pub column: usize,
    /// Its sub-expressions' values, in source order.
    pub values: Vec<ExplainedValue>,
}

/// A sub-expression and the value it had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExplainedValue {
    /// The sub-expression's source text (white space runs made one space).
    pub expr: String,
    /// Its value, as the policy would write it.
    pub value: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_with_text_and_serialise_as_it() {
        let code = ReasonCode::new("A01");
        assert_eq!(code, "A01");
        assert_eq!(serde_json::to_string(&code).ok().as_deref(), Some("\"A01\""));
        let map: BTreeMap<ReasonCode, u8> = [(code.clone(), 1)].into();
        assert_eq!(map.get("A01"), Some(&1), "a map of codes is read by text");
        assert_eq!(Decision::Refer.to_string(), "refer");
        assert_eq!(serde_json::to_string(&Decision::Decline).ok().as_deref(), Some("\"decline\""));
    }

    #[test]
    fn an_error_kind_is_read_from_the_fields_a_line_has() {
        let rule: Result<VerdictError, _> = serde_json::from_str(
            r#"{"rule":"D01","message":"division by zero","span":{"file":"p.pol","line":3,"column":5,"start":40,"end":52}}"#,
        );
        let record: Result<VerdictError, _> =
            serde_json::from_str(r#"{"path":"loan.amount","message":"missing field"}"#);
        assert_eq!(rule.map(|e| e.kind).ok(), Some(ErrorKind::Rule));
        assert_eq!(record.as_ref().map(|e| e.kind).ok(), Some(ErrorKind::Record));
        assert_eq!(record.map(|e| e.to_string()).ok().as_deref(), Some("loan.amount: missing field"));
    }

    #[test]
    fn an_as_of_is_read_in_the_one_date_grammar() {
        let line = |as_of: &str| {
            format!(
                r#"{{"decision":"approve","reasons":[],"as_of":"{as_of}","policy":"p","version":"1","policy_hash":"h"}}"#
            )
        };
        let read = |as_of: &str| serde_json::from_str::<Verdict>(&line(as_of)).map(|v| v.as_of);
        assert_eq!(read("2026-11-22").ok(), NaiveDate::from_ymd_opt(2026, 11, 22));
        for bad in ["2026-1-22", "+2026-11-22", "2026-02-30", " 2026-11-22"] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
