//! Decisions as JSON lines (§5): `id`, `decision` (with `line` on error lines of
//! a batch), `level` / `refer_to`, `reasons`, then `as_of` and the policy's name,
//! version and source hash, and the bound lists' hashes.

use crate::eval::trace::{Trace, ValueTrace};
use crate::eval::{Decision, Outcome};
use crate::io::record::DecodeError;
use crate::io::verdict::{
    self, CharacteristicExplanation, CreditLimitExplanation, ErrorSpan, ExplainedValue, Explanation, Level,
    LimitExplanation, OutputValue, ReasonCode, RuleExplanation, ScorecardExplanation, Verdict, VerdictError,
};
use crate::ir::Program;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// What every decision line of a policy ends with: its name, version and
/// source hash, and the version (content hash) of each bound list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    /// List name to `sha256:…` of its content, for every bound list.
    pub lists: BTreeMap<String, String>,
    /// The JSON tail, precomputed: `,"policy":…,"lists":{…}}`.
    suffix: String,
    /// Each reason code as a JSON string, by code index.
    codes: Vec<String>,
    /// `"decision":"approve","level":…,"reasons":[` by approving level, then
    /// the same without a level.
    approve: Vec<String>,
    /// `"decision":"refer","refer_to":…,"reasons":[` likewise.
    refer: Vec<String>,
    /// `sha256:…` of the manifest of the bundle the policy was loaded from, if any.
    pub bundle: Option<String>,
    /// Each output's index and `"name":`, sorted by name (as a line's `outputs`).
    outputs: Vec<(usize, String)>,
}

impl Stamp {
    /// The stamp of `program` with these list versions.
    pub fn new(program: &Program, lists: BTreeMap<String, String>) -> Stamp {
        let mut suffix = decision_suffix(&program.name, &program.version, &program.hash);
        if !lists.is_empty() {
            suffix.pop(); // the closing brace
            suffix.push_str(",\"lists\":");
            suffix.push_str(&serde_json::to_string(&lists).unwrap_or_default());
            suffix.push('}');
        }
        let quoted = |text: &str| {
            let mut out = String::new();
            push_json_string(&mut out, text);
            out
        };
        let levels: Vec<Option<&str>> = program
            .authority
            .iter()
            .flat_map(|a| a.levels.iter().map(|l| Some(l.name.as_str())))
            .chain(std::iter::once(None))
            .collect();
        let heads = |word: &str, key: &str| -> Vec<String> {
            levels.iter().map(|level| decision_head(word, level.map(|l| (key, l)))).collect()
        };
        Stamp {
            codes: program.codes.iter().map(|c| quoted(c)).collect(),
            approve: heads("approve", "level"),
            refer: heads("refer", "refer_to"),
            outputs: {
                let mut keys: Vec<(usize, &str)> =
                    program.outputs.iter().map(|o| o.name.as_str()).enumerate().collect();
                keys.sort_by(|a, b| a.1.cmp(b.1));
                keys.into_iter().map(|(i, name)| (i, format!("{}:", quoted(name)))).collect()
            },
            lists,
            suffix,
            bundle: None,
        }
    }

    /// The stamp with `"bundle":REVISION` at the end of every line (a policy
    /// loaded from a bundle), or without it.
    pub fn with_bundle(mut self, bundle: Option<String>) -> Stamp {
        if let Some(revision) = &bundle {
            self.suffix.pop(); // the closing brace
            self.suffix.push_str(",\"bundle\":");
            push_json_string(&mut self.suffix, revision);
            self.suffix.push('}');
        }
        self.bundle = bundle;
        self
    }

    /// Of the precomputed `heads` of one outcome (one per level, then the one
    /// without a level; see [`decision_head`]), the one for `level`.
    fn head(heads: &[String], level: Option<u32>) -> Option<&str> {
        let without = heads.len().checked_sub(1)?;
        let index = match level {
            None => without,
            Some(level) => Some(level as usize).filter(|&l| l < without)?,
        };
        heads.get(index).map(String::as_str)
    }
}

/// `"decision":"WORD"`, then `,"KEY":"LEVEL"` when given, then `,"reasons":[`.
fn decision_head(word: &str, level: Option<(&str, &str)>) -> String {
    let mut out = format!("\"decision\":\"{word}\"");
    if let Some((key, level)) = level {
        out.push_str(&format!(",\"{key}\":"));
        push_json_string(&mut out, level);
    }
    out.push_str(",\"reasons\":[");
    out
}

/// The name of level `level` of the authority, when there is one.
fn level_name(program: &Program, level: Option<u32>) -> Option<&str> {
    let authority = program.authority.as_ref()?;
    authority.levels.get(level? as usize).map(|l| l.name.as_str())
}

/// What a decision line carries besides the decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineOptions {
    /// `"messages": {code: message}` for the reasons given.
    pub messages: bool,
    /// `"trace"`: every rule with the values that decided it, and the authority walk.
    pub explain: bool,
}

/// The verdict of a decision: what its line says, as data (with the trace
/// when one is given, and the reasons' messages when `options` asks for them).
pub fn verdict(
    program: &Program,
    stamp: &Stamp,
    as_of: &AsOf,
    id: Option<&str>,
    decision: &Decision,
    options: LineOptions,
    trace: Option<&Trace>,
) -> Verdict {
    let mut verdict = stamped(stamp, program, as_of, id, verdict::Decision::Error);
    let (decided, level, refer_to) = match &decision.outcome {
        Outcome::Error { code, message, span } => {
            let span = program
                .sources
                .locate(*span)
                .map(|(file, line, column)| ErrorSpan::new(file, line, column, span.start, span.end));
            verdict.error = Some(VerdictError::rule(ReasonCode::new(code.as_str()), message.as_str(), span));
            return verdict;
        }
        Outcome::Approve { level } => (verdict::Decision::Approve, level_name(program, *level), None),
        Outcome::Refer { to } => (verdict::Decision::Refer, None, level_name(program, *to)),
        Outcome::Decline => (verdict::Decision::Decline, None, None),
    };
    verdict.decision = decided;
    verdict.level = level.map(Level::new);
    verdict.refer_to = refer_to.map(Level::new);
    let codes = decision.reasons.iter().filter_map(|&r| program.codes.get(r as usize));
    verdict.reasons = codes.map(|c| ReasonCode::new(c.as_str())).collect();
    verdict.scores = scores(program, decision);
    verdict.offer = decision.offer.as_ref().map(|offer| {
        let codes = offer.adjustments.iter().filter_map(|&r| program.codes.get(r as usize));
        verdict::Offer::new(offer.amount, codes.map(|c| ReasonCode::new(c.as_str())).collect())
    });
    if !program.outputs.is_empty() {
        let values = program.outputs.iter().zip(&decision.outputs);
        verdict.outputs = Some(values.map(|(o, v)| (o.name.clone(), output_value(program, &o.expr.ty, v))).collect());
    }
    if options.messages {
        let messages = verdict
            .reasons
            .iter()
            .filter_map(|code| Some((code.clone(), message_of(program, code.as_str())?.to_string())));
        verdict.messages = Some(messages.collect());
    }
    verdict.trace = trace.map(|t| explanation(program, t));
    verdict
}

/// An output's value as its line carries it (§13): Money with two decimal
/// places, Decimal exactly (without trailing zeros), enums by name.
pub fn output_value(program: &Program, ty: &crate::base::types::Type, value: &crate::value::Value) -> OutputValue {
    use crate::base::types::Type;
    use crate::value::Value;
    match (value, ty.unwrap_optional()) {
        (Value::None, _) => OutputValue::None,
        (Value::Bool(b), _) => OutputValue::Bool(*b),
        (Value::Int(i), _) => OutputValue::Int(*i),
        (Value::Dec(d), Type::Money) => {
            let mut amount = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToNegativeInfinity);
            amount.rescale(2);
            OutputValue::Text(amount.to_string())
        }
        (Value::Dec(d), _) => OutputValue::Text(d.normalize().to_string()),
        (Value::Date(d), _) => OutputValue::Text(d.to_string()),
        (Value::Str(s), _) => OutputValue::Text(s.as_str().to_string()),
        (Value::IdCard(v), _) => OutputValue::Text(v.to_string()),
        (Value::Phone(v), _) => OutputValue::Text(v.to_string()),
        (Value::CreditCode(v), _) => OutputValue::Text(v.to_string()),
        (Value::Enum(v), Type::Enum(e)) => OutputValue::Text(program.schema.variant_name(*e, *v).to_string()),
        (other, ty) => OutputValue::Text(other.display(ty, &program.schema)),
    }
}

/// The `"scores"` of a decided line, by scorecard name.
fn scores(program: &Program, decision: &Decision) -> BTreeMap<String, verdict::Score> {
    decision
        .scores
        .iter()
        .filter_map(|s| {
            let card = program.scorecards.get(s.card)?;
            let reasons = card.adverse_reasons(&s.points).into_iter().map(ReasonCode::new).collect();
            Some((card.name.clone(), verdict::Score { score: s.score, reasons }))
        })
        .collect()
}

/// The JSON line of a decision (with its trace, when one is given): the
/// [`verdict()`], serialised.
pub fn decision(
    program: &Program,
    stamp: &Stamp,
    as_of: &AsOf,
    id: Option<&str>,
    decision: &Decision,
    options: LineOptions,
    trace: Option<&Trace>,
) -> String {
    to_line(&verdict(program, stamp, as_of, id, decision, options, trace))
}

/// The verdict of a record that could not be decoded; `line` is its input
/// line number when known (a batch).
pub fn record_error_verdict(
    program: &Program,
    stamp: &Stamp,
    as_of: &AsOf,
    line: Option<u64>,
    id: Option<&str>,
    error: &DecodeError,
) -> Verdict {
    let mut verdict = stamped(stamp, program, as_of, id, verdict::Decision::Error);
    verdict.line = line;
    verdict.error = Some(VerdictError::record(error.path.as_str(), error.message.as_str()));
    verdict
}

/// The JSON line of a record that could not be decoded; `line` is its input
/// line number when known (a batch).
pub fn record_error(
    program: &Program,
    stamp: &Stamp,
    as_of: &AsOf,
    line: Option<u64>,
    id: Option<&str>,
    error: &DecodeError,
) -> String {
    to_line(&record_error_verdict(program, stamp, as_of, line, id, error))
}

/// A verdict's decision line (without a newline).
pub fn to_line(verdict: &Verdict) -> String {
    // a verdict holds strings, numbers and maps with string keys: it always serialises
    serde_json::to_string(verdict).unwrap_or_default()
}

/// A verdict with the policy's stamp and nothing decided yet.
fn stamped(stamp: &Stamp, program: &Program, as_of: &AsOf, id: Option<&str>, decision: verdict::Decision) -> Verdict {
    Verdict {
        id: id.map(String::from),
        decision,
        line: None,
        level: None,
        refer_to: None,
        reasons: Vec::new(),
        scores: BTreeMap::new(),
        offer: None,
        outputs: None,
        messages: None,
        error: None,
        trace: None,
        as_of: as_of.date(),
        policy: program.name.clone(),
        version: program.version.clone(),
        policy_hash: program.hash.clone(),
        lists: stamp.lists.clone(),
        bundle: stamp.bundle.clone(),
    }
}

/// The key every error line has, and nothing in a string can spell: inside a
/// JSON string every `"` follows a backslash.
pub const ERROR_KEY: &str = "\"decision\":\"error\"";

/// Appends `line` (one decision line, without its newline) to `out`, with
/// `"line":N` right after `"decision":"error"` when it is an error line: where
/// [`record_error`] puts it, for the error lines a batch gets from
/// [`crate::Policy::decide_lines_into`], which knows no line numbers. Other
/// lines are appended unchanged. (A caller numbering many lines at once may
/// find [`ERROR_KEY`] itself and write [`push_line_number`] after it.)
pub fn push_numbered(out: &mut String, line: &str, number: u64) {
    match line.find(ERROR_KEY) {
        Some(at) => {
            let (head, tail) = line.split_at(at + ERROR_KEY.len());
            out.push_str(head);
            push_line_number(out, number);
            out.push_str(tail);
        }
        None => out.push_str(line),
    }
}

/// Appends `,"line":N`.
pub fn push_line_number(out: &mut String, number: u64) {
    use std::fmt::Write;
    let _ = write!(out, ",\"line\":{number}");
}

/// The message of a rule or of the escalation code.
pub fn message_of<'a>(program: &'a Program, code: &str) -> Option<&'a str> {
    program
        .rules
        .iter()
        .find(|r| r.code == code)
        .and_then(|r| r.message.as_deref())
        .or_else(|| program.credit_limits.iter().find(|l| l.code == code).and_then(|l| l.message.as_deref()))
        .or_else(|| program.authority.as_ref().filter(|a| a.escalate == code).and_then(|a| a.message.as_deref()))
        .or_else(|| {
            let own = program.authority.iter().flat_map(|a| a.levels.iter().flat_map(|l| l.escalates.iter().flatten()));
            own.filter(|(c, _)| c == code).find_map(|(_, message)| message.as_deref())
        })
}

/// The `"trace"` of `--explain`: per rule, whether it fired, where, and the
/// values of its sub-expressions; per authority limit visited, whether it held.
pub fn explanation(program: &Program, trace: &Trace) -> Explanation {
    let place = |span: crate::base::source::Span| program.sources.locate(span).map(|(_, line, column)| (line, column));
    let values = |values: &[ValueTrace]| -> Vec<ExplainedValue> {
        values
            .iter()
            .map(|v| {
                let (line, column) = place(v.span).unwrap_or_default();
                ExplainedValue { expr: v.source.clone(), value: v.value.clone(), line, column }
            })
            .collect()
    };
    let rules = trace
        .rules
        .iter()
        .filter_map(|r| {
            let rule = program.rules.get(r.rule)?;
            let (line, column) = place(rule.span).unwrap_or_default();
            let code = ReasonCode::new(rule.code.as_str());
            Some(RuleExplanation {
                code,
                fired: r.fired,
                line,
                column,
                values: values(&r.values),
                in_force: r.in_force,
            })
        })
        .collect();
    let authority = trace
        .limits
        .iter()
        .filter_map(|l| {
            let level = program.authority.as_ref()?.levels.get(l.level as usize)?;
            let (line, column) = place(l.span).unwrap_or_default();
            Some(LimitExplanation {
                level: Level::new(level.name.as_str()),
                limit: program.sources.snippet(l.span).to_string(),
                held: l.held,
                line,
                column,
                values: values(&l.values),
            })
        })
        .collect();
    let scorecards = trace
        .scorecards
        .iter()
        .filter_map(|card| {
            let def = program.scorecards.get(card.card)?;
            let characteristics = card
                .characteristics
                .iter()
                .zip(&def.characteristics)
                .map(|(c, d)| {
                    let (line, column) = place(d.span).unwrap_or_default();
                    CharacteristicExplanation {
                        reason: ReasonCode::new(c.reason.as_str()),
                        label: c.label.clone(),
                        subject: c.subject.clone(),
                        value: c.value.clone(),
                        bin: c.bin.clone(),
                        points: c.points,
                        baseline: c.baseline,
                        lost: c.lost(),
                        line,
                        column,
                    }
                })
                .collect();
            Some(ScorecardExplanation { name: def.name.clone(), score: card.score, base: card.base, characteristics })
        })
        .collect();
    let credit_limits = trace
        .credit_limits
        .iter()
        .filter_map(|t| {
            use crate::eval::limits::{offered_amount, LimitEffect};
            let limit = program.credit_limits.get(t.limit)?;
            let (line, column) = place(limit.span).unwrap_or_default();
            let effect = match t.effect {
                LimitEffect::NotCut => "within",
                LimitEffect::Cut => "cut",
                LimitEffect::Declined => "declined",
            };
            Some(CreditLimitExplanation {
                code: ReasonCode::new(limit.code.as_str()),
                effect: effect.to_string(),
                requested: t.requested.to_string(),
                credit_line: t.line.to_string(),
                floor: t.floor.map(|f| f.to_string()),
                offer: (t.effect == LimitEffect::Cut).then(|| offered_amount(t.line).to_string()),
                arm: t.arm.clone(),
                line,
                column,
                values: values(&t.values),
            })
        })
        .collect();
    Explanation { rules, authority, scorecards, credit_limits }
}

/// Writes the line of a decision without messages or trace: the common case,
/// written directly (no intermediate JSON tree). Equal to [`decision`]'s output.
pub fn write_decision(
    out: &mut String,
    program: &Program,
    stamp: &Stamp,
    as_of: &AsOf,
    id: Option<&str>,
    decision: &Decision,
) {
    let head = match &decision.outcome {
        Outcome::Approve { level } => Stamp::head(&stamp.approve, *level),
        Outcome::Refer { to } => Stamp::head(&stamp.refer, *to),
        Outcome::Decline => Some("\"decision\":\"decline\",\"reasons\":["),
        Outcome::Error { .. } => None,
    };
    let Some(head) = head else {
        // errors are rare (and a level out of range is a bug): take the
        // general path, after the lines `out` already holds
        out.push_str(&self::decision(program, stamp, as_of, id, decision, LineOptions::default(), None));
        return;
    };
    out.push('{');
    if let Some(id) = id {
        out.push_str("\"id\":");
        push_json_string(out, id);
        out.push(',');
    }
    out.push_str(head);
    for (i, &r) in decision.reasons.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(stamp.codes.get(r as usize).map_or("\"\"", String::as_str));
    }
    out.push(']');
    write_scores(out, program, decision);
    write_offer(out, stamp, decision);
    write_outputs(out, program, stamp, decision);
    out.push_str(&as_of.json);
    out.push_str(&stamp.suffix);
}

/// `,"scores":{…}` when the decision carries scores, as [`scores`] gives them
/// (the decision holds them sorted by scorecard name).
fn write_scores(out: &mut String, program: &Program, decision: &Decision) {
    use std::fmt::Write;
    if decision.scores.is_empty() {
        return;
    }
    out.push_str(",\"scores\":{");
    for (i, s) in decision.scores.iter().enumerate() {
        let Some(card) = program.scorecards.get(s.card) else { continue };
        if i > 0 {
            out.push(',');
        }
        push_json_string(out, &card.name);
        let _ = write!(out, ":{{\"score\":{},\"reasons\":[", s.score);
        for (j, code) in card.adverse_reasons(&s.points).into_iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_json_string(out, code);
        }
        out.push_str("]}");
    }
    out.push('}');
}

/// `,"offer":{"amount":"…","adjustments":[…]}` when the decision carries an offer.
fn write_offer(out: &mut String, stamp: &Stamp, decision: &Decision) {
    use std::fmt::Write;
    let Some(offer) = &decision.offer else { return };
    let _ = write!(out, ",\"offer\":{{\"amount\":\"{}\",\"adjustments\":[", offer.amount);
    for (i, &r) in offer.adjustments.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(stamp.codes.get(r as usize).map_or("\"\"", String::as_str));
    }
    out.push_str("]}");
}

/// `,"outputs":{…}` when the policy has outputs, each as [`output_value`]
/// gives it, sorted by name.
fn write_outputs(out: &mut String, program: &Program, stamp: &Stamp, decision: &Decision) {
    use std::fmt::Write;
    if program.outputs.is_empty() {
        return;
    }
    out.push_str(",\"outputs\":{");
    let mut first = true;
    for (index, key) in &stamp.outputs {
        let (Some(output), Some(value)) = (program.outputs.get(*index), decision.outputs.get(*index)) else { continue };
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(key);
        match output_value(program, &output.expr.ty, value) {
            OutputValue::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            OutputValue::Int(n) => {
                let _ = write!(out, "{n}");
            }
            OutputValue::Text(text) => push_json_string(out, &text),
            OutputValue::None => out.push_str("null"),
        }
    }
    out.push('}');
}

/// `,"as_of":"`, before the date.
const AS_OF_KEY: &str = ",\"as_of\":\"";

/// The evaluation date as every decision line of a batch carries it,
/// `,"as_of":"YYYY-MM-DD"`: written once per batch, like the [`Stamp`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsOf {
    date: NaiveDate,
    json: String,
}

impl AsOf {
    pub fn new(date: NaiveDate) -> AsOf {
        // `YYYY-MM-DD` (a year outside 0–9999 with its sign, as chrono writes it)
        AsOf { date, json: format!(",\"as_of\":\"{date}\"") }
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }

    /// `YYYY-MM-DD`.
    pub fn text(&self) -> &str {
        self.json.get(AS_OF_KEY.len()..self.json.len() - 1).unwrap_or_default()
    }
}

/// `,"policy":…,"version":…,"policy_hash":…}`: the same for every decision of a
/// program (it follows `"as_of"`).
pub fn decision_suffix(name: &str, version: &str, hash: &str) -> String {
    let mut out = String::from(",\"policy\":");
    push_json_string(&mut out, name);
    out.push_str(",\"version\":");
    push_json_string(&mut out, version);
    out.push_str(",\"policy_hash\":");
    push_json_string(&mut out, hash);
    out.push('}');
    out
}

/// Appends `text` as a JSON string literal.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    if !text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(text);
        out.push('"');
        return;
    }
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemoryLoader, Policy};

    #[test]
    fn the_direct_writer_matches_the_general_one() {
        let source = "policy p \"题\" version \"1\\\"q\"\nenum L { low, high }\nrecord A { id: String, n: Int, l: L }\n\
                      input a: A\nrule B2 decline when a.n > 10\nrule A1 decline when a.n > 5\nrule R1 refer when a.n > 1\n\
                      rule Z1 decline when 100 / (a.n - 3) > 1000\n\
                      authority over a.l escalate E01 { level low { a.n <= 0 } level high above low }\n";
        let policy = Policy::from_source("p.pol", source, &MemoryLoader::new()).expect("compiles");
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let as_of_line = AsOf::new(as_of);
        let mut scratch = crate::eval::Scratch::default();
        let mut outcomes = std::collections::BTreeSet::new();
        for id in ["A1", "with \"quotes\" and \\ backslash", "控制\u{1}字符\n", ""] {
            for n in [-1, 0, 2, 3, 7, 20] {
                for l in ["low", "high"] {
                    let json = serde_json::json!({"id": id, "n": n, "l": l});
                    let record = policy.decode(&json).expect("decodes");
                    let decision = policy.decide(&record, as_of, &mut scratch);
                    // the line is added to what the buffer holds (a batch's earlier lines)
                    let mut fast = String::from("earlier line\n");
                    write_decision(&mut fast, policy.program(), policy.stamp(), &as_of_line, Some(id), &decision);
                    let general = self::decision(
                        policy.program(),
                        policy.stamp(),
                        &as_of_line,
                        Some(id),
                        &decision,
                        LineOptions::default(),
                        None,
                    );
                    assert_eq!(fast, format!("earlier line\n{general}"));
                    let parsed: serde_json::Value = serde_json::from_str(&general).expect("valid JSON");
                    assert_eq!(parsed["id"], id);
                    assert_eq!(parsed["as_of"], "2026-01-01");
                    outcomes.insert(format!("{} {} {}", parsed["decision"], parsed["level"], parsed["refer_to"]));
                }
            }
        }
        let seen: Vec<&str> = outcomes.iter().map(String::as_str).collect();
        assert_eq!(
            seen,
            [
                "\"approve\" \"high\" null",
                "\"approve\" \"low\" null",
                "\"decline\" null null",
                "\"error\" null null",
                "\"refer\" null \"high\""
            ],
            "every outcome is written"
        );
    }

    #[test]
    fn the_direct_writer_writes_offers_and_outputs_as_the_general_one() {
        let source = "policy p \"题\" version \"1\"\nenum P { a, b }\n\
                      record A { id: String, n: Int, p: P, amount: Money, rate: Decimal, d: Date, note: String? }\n\
                      input x: A\n\
                      let line = match x.n, x.p { >= 10, a => 300 CNY  >= 10, b => 200 CNY  < 10, _ => 1.005 CNY }\n\
                      limit L02 x.amount <= 250 CNY\nlimit L01 x.amount <= line floor 1 CNY\n\
                      rule R1 refer when x.n > 20\nrule D1 decline when x.n < 0\n\
                      output z_amount = x.amount\noutput asked = requested(x.amount)\noutput n = x.n\n\
                      output big = x.n > 5\noutput p = x.p\noutput rate = x.rate\noutput d = x.d\n\
                      output note = x.note\noutput quoted = \"引号\\\"\"\n";
        let policy = Policy::from_source("p.pol", source, &MemoryLoader::new()).expect("compiles");
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let as_of_line = AsOf::new(as_of);
        let mut scratch = crate::eval::Scratch::default();
        let mut offers = 0;
        for n in [-1, 3, 12, 30] {
            for p in ["a", "b"] {
                for (amount, note) in [("100.00", serde_json::Value::Null), ("400", serde_json::json!("备注\"x"))] {
                    let json = serde_json::json!({"id": "I", "n": n, "p": p, "amount": amount, "rate": "0.0350",
                                                  "d": "2026-02-03", "note": note});
                    let record = policy.decode(&json).expect("decodes");
                    let decision = policy.decide(&record, as_of, &mut scratch);
                    offers += usize::from(decision.offer.is_some());
                    let mut fast = String::new();
                    write_decision(&mut fast, policy.program(), policy.stamp(), &as_of_line, Some("I"), &decision);
                    let general = self::decision(
                        policy.program(),
                        policy.stamp(),
                        &as_of_line,
                        Some("I"),
                        &decision,
                        LineOptions::default(),
                        None,
                    );
                    assert_eq!(fast, general);
                }
            }
        }
        assert!(offers >= 4, "offers are written ({offers})");
    }

    #[test]
    fn the_date_of_a_batch_is_the_date_of_each_line() {
        for (y, m, d) in [(2026, 3, 4), (999, 2, 28), (10000, 1, 1)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("date");
            assert_eq!(AsOf::new(date).json, format!(",\"as_of\":\"{date}\""));
            assert_eq!(AsOf::new(date).date(), date);
            assert_eq!(AsOf::new(date).text(), date.to_string());
        }
        let date = NaiveDate::from_ymd_opt(2026, 3, 4).expect("date");
        assert_eq!(AsOf::new(date).json, ",\"as_of\":\"2026-03-04\"");
    }

    #[test]
    fn a_numbered_error_line_is_the_one_record_error_writes() {
        let source =
            "policy p version \"1\"\nrecord A { id: String, n: Int }\ninput a: A\nrule Z1 decline when 1 / a.n > 0\n";
        let policy = Policy::from_source("p.pol", source, &MemoryLoader::new()).expect("compiles");
        let (program, stamp) = (policy.program(), policy.stamp());
        let date = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let as_of = &AsOf::new(date);
        let error = DecodeError { path: "n".into(), message: "\"decision\":\"error\" in a message".into() };
        for id in [None, Some("A1"), Some("\"decision\":\"error\"")] {
            let plain = record_error(program, stamp, as_of, None, id, &error);
            let mut numbered = String::new();
            push_numbered(&mut numbered, &plain, 42);
            assert_eq!(numbered, record_error(program, stamp, as_of, Some(42), id, &error));
            let parsed: serde_json::Value = serde_json::from_str(&numbered).expect("valid JSON");
            assert_eq!((parsed["line"].as_u64(), parsed["error"]["path"].as_str()), (Some(42), Some("n")));
        }
        // a rule's failure is an error line too; other lines are left as they are
        let mut scratch = crate::eval::Scratch::default();
        for (n, numbered) in [(0, true), (1, false)] {
            let record = policy.decode(&serde_json::json!({"id": "A1", "n": n})).expect("decodes");
            let decision = policy.decide(&record, date, &mut scratch);
            let plain = self::decision(program, stamp, as_of, Some("A1"), &decision, LineOptions::default(), None);
            let mut out = String::new();
            push_numbered(&mut out, &plain, 7);
            let parsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
            assert_eq!(parsed.get("line").is_some(), numbered, "{out}");
            assert_eq!(out == plain, !numbered);
        }
    }
}
