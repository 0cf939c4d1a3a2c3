//! Decisions as JSON lines (§5): `id`, `decision`, `level` / `refer_to`,
//! `reasons`, then the policy's name, version and source hash.

use crate::data::record::DecodeError;
use crate::eval::trace::{Trace, ValueTrace};
use crate::eval::{Decision, Outcome};
use crate::ir::Program;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Line<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refer_to: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasons: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<BTreeMap<&'a str, &'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<serde_json::Value>,
    policy: &'a str,
    version: &'a str,
    policy_hash: &'a str,
}

#[derive(Serialize)]
struct ErrorInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<SpanInfo<'a>>,
}

#[derive(Serialize)]
struct SpanInfo<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    start: u32,
    end: u32,
}

fn level_name(program: &Program, level: Option<u32>) -> Option<&str> {
    let authority = program.authority.as_ref()?;
    authority.levels.get(level? as usize).map(|l| l.name.as_str())
}

fn base<'a>(program: &'a Program, id: Option<&'a str>, decision: &'static str) -> Line<'a> {
    Line {
        id,
        decision,
        level: None,
        refer_to: None,
        reasons: None,
        messages: None,
        error: None,
        trace: None,
        policy: &program.name,
        version: &program.version,
        policy_hash: &program.hash,
    }
}

/// The JSON line of a decision.
/// What a decision line carries besides the decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineOptions {
    /// `"messages": {code: message}` for the reasons given.
    pub messages: bool,
    /// `"trace"`: every rule with the values that decided it, and the authority walk.
    pub explain: bool,
}

/// The JSON line of a decision (with its trace, when one is given).
pub fn decision(
    program: &Program,
    id: Option<&str>,
    decision: &Decision,
    options: LineOptions,
    trace: Option<&Trace>,
) -> String {
    let with_messages = options.messages;
    let reasons: Vec<&str> =
        decision.reasons.iter().filter_map(|&r| program.codes.get(r as usize).map(String::as_str)).collect();
    let messages = with_messages
        .then(|| reasons.iter().filter_map(|code| message_of(program, code).map(|m| (*code, m))).collect());
    let mut line = match &decision.outcome {
        Outcome::Approve { level } => Line { level: level_name(program, *level), ..base(program, id, "approve") },
        Outcome::Refer { to } => Line { refer_to: level_name(program, *to), ..base(program, id, "refer") },
        Outcome::Decline => base(program, id, "decline"),
        Outcome::Error { code, message, span } => {
            let error = ErrorInfo {
                rule: Some(code),
                path: None,
                message,
                span: program.sources.locate(*span).map(|(file, line, column)| SpanInfo {
                    file,
                    line,
                    column,
                    start: span.start,
                    end: span.end,
                }),
            };
            let line = Line { error: Some(error), ..base(program, id, "error") };
            return serde_json::to_string(&line).unwrap_or_default();
        }
    };
    line.reasons = Some(reasons);
    line.messages = messages;
    line.trace = trace.map(|t| trace_json(program, t));
    serde_json::to_string(&line).unwrap_or_default()
}

/// The JSON line of a record that could not be decoded.
pub fn record_error(program: &Program, id: Option<&str>, error: &DecodeError) -> String {
    let info = ErrorInfo { rule: None, path: Some(&error.path), message: &error.message, span: None };
    let line = Line { error: Some(info), ..base(program, id, "error") };
    serde_json::to_string(&line).unwrap_or_default()
}

/// The message of a rule or of the escalation code.
pub fn message_of<'a>(program: &'a Program, code: &str) -> Option<&'a str> {
    program
        .rules
        .iter()
        .find(|r| r.code == code)
        .and_then(|r| r.message.as_deref())
        .or_else(|| program.authority.as_ref().filter(|a| a.escalate == code).and_then(|a| a.message.as_deref()))
}

/// The `"trace"` of `--explain`: per rule, whether it fired, where, and the
/// values of its sub-expressions; per authority limit visited, whether it held.
pub fn trace_json(program: &Program, trace: &Trace) -> serde_json::Value {
    let place = |span: crate::source::Span| program.sources.locate(span).map(|(_, line, column)| (line, column));
    let values = |values: &[ValueTrace]| -> Vec<serde_json::Value> {
        values
            .iter()
            .map(|v| {
                let (line, column) = place(v.span).unwrap_or_default();
                serde_json::json!({"expr": v.source, "value": v.value, "line": line, "column": column})
            })
            .collect()
    };
    let rules: Vec<_> = trace
        .rules
        .iter()
        .filter_map(|r| {
            let rule = program.rules.get(r.rule)?;
            let (line, column) = place(rule.span).unwrap_or_default();
            Some(serde_json::json!({
                "code": rule.code, "fired": r.fired, "line": line, "column": column, "values": values(&r.values),
            }))
        })
        .collect();
    let authority: Vec<_> = trace
        .limits
        .iter()
        .filter_map(|l| {
            let level = program.authority.as_ref()?.levels.get(l.level as usize)?;
            let (line, column) = place(l.span).unwrap_or_default();
            Some(serde_json::json!({
                "level": level.name, "limit": program.sources.snippet(l.span), "held": l.held,
                "line": line, "column": column, "values": values(&l.values),
            }))
        })
        .collect();
    serde_json::json!({ "rules": rules, "authority": authority })
}
