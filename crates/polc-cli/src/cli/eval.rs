//! `polc eval POLICY`: decide one record and explain the decision for people.

use super::term::{errln, out, shown, shown_path, Shown};
use super::{examples, ColorChoice, OK, USAGE_OR_IO};
use crate::cli::run::{parse_binding, parse_date, today_in_shanghai};
use chrono::NaiveDate;
use clap::Args;
use polc_core::eval::trace::{ScorecardTrace, Trace, ValueTrace};
use polc_core::eval::{Decision, Outcome};
use polc_core::ir::{Program, RuleOutcome};

use std::io::Read;
use std::path::PathBuf;
use unicode_width::UnicodeWidthStr;

/// Decide one record and explain why, for people.
///
/// Reads one JSON object (it may span several lines) from standard input or
/// --record, and prints the decision, each rule that fired with the source line
/// and the values that made it fire, each scorecard with every characteristic's
/// value, bin and points, and the authority walk. Control
/// characters in the record are shown escaped (`\u{1b}`), never sent to the terminal.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc eval policies/consumer_loan.pol --record applicant.json --as-of 2026-11-22",
    "head -n 1 examples/applicants.jsonl | polc eval policies/consumer_loan.pol --as-of 2026-11-22 --all",
))]
pub struct EvalArgs {
    /// The policy file.
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// The record to decide (default: standard input).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// The evaluation date, YYYY-MM-DD (default: today in Asia/Shanghai).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Bind list NAME from PATH instead of its `from` file; repeatable, once per list.
    #[arg(long = "list", value_name = "NAME=PATH", value_parser = parse_binding)]
    lists: Vec<(String, PathBuf)>,
    /// Also show the rules that did not fire.
    #[arg(long)]
    all: bool,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
}

pub fn run(args: EvalArgs) -> u8 {
    // one record, read within the bound `polc run` puts on a line (a pretty-printed
    // record spans lines, but not megabytes); a byte-order mark is dropped like everywhere
    let max_bytes = polc::RecordLimits::default().max_line_bytes;
    let read = match &args.record {
        Some(path) => polc_core::base::source::load_text_within(&polc::FsLoader, path, max_bytes)
            .map_err(|error| error.to_string()),
        None => read_stdin_within(max_bytes),
    };
    let text = match read {
        Ok(text) => polc::strip_bom(&text).to_string(),
        Err(error) => {
            let from = args.record.as_deref().map_or("standard input".to_string(), |p| format!("`{}`", shown_path(p)));
            errln!("error: cannot read the record from {from}: {error}");
            return USAGE_OR_IO;
        }
    };
    let policy = match super::load_policy(&args.policy, &args.source, &args.lists, args.color, false) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(json) => json,
        Err(error) => {
            errln!("error: the record is not valid JSON: {error}");
            return USAGE_OR_IO;
        }
    };
    let record = match policy.decode(&json) {
        Ok(record) => record,
        Err(error) => {
            let at = if error.path.is_empty() { String::new() } else { format!(" at `{}`", Shown(&error.path)) };
            errln!(
                "error: the record does not match `{}`{at}: {}",
                Shown(&policy.program().input.name),
                Shown(&error.message)
            );
            return USAGE_OR_IO;
        }
    };
    let as_of = args.as_of.unwrap_or_else(today_in_shanghai);
    let (decision, trace) = policy.explain(&record, as_of);
    let id = json.get("id").and_then(|v| v.as_str());
    out!("{}", render(policy.program(), id, as_of, &decision, &trace, args.all));
    OK
}

/// The explanation as text.
pub fn render(
    program: &Program,
    id: Option<&str>,
    as_of: NaiveDate,
    decision: &Decision,
    trace: &Trace,
    all: bool,
) -> String {
    let mut out = String::new();
    let code_text = |code: &str| match polc_core::io::output::message_of(program, code) {
        Some(m) => format!("{code} {}", shown(m)),
        None => code.to_string(),
    };
    let reasons: Vec<String> =
        decision.reasons.iter().filter_map(|&r| program.codes.get(r as usize)).map(|c| code_text(c)).collect();
    let level = |l: Option<u32>| {
        program.authority.as_ref().and_then(|a| a.levels.get(l? as usize)).map_or("?", |l| l.name.as_str())
    };
    let headline = match &decision.outcome {
        Outcome::Approve { level: Some(l) } => format!("approve at {}", level(Some(*l))),
        Outcome::Approve { level: None } => "approve".to_string(),
        Outcome::Refer { to: Some(t) } => format!("refer to {}", level(Some(*t))),
        Outcome::Refer { to: None } => "refer".to_string(),
        Outcome::Decline => "decline".to_string(),
        Outcome::Error { code, message, .. } => format!("error in {code}: {}", shown(message)),
    };
    let subject = id.map(|i| format!("{}: ", shown(i))).unwrap_or_default();
    out.push_str(&format!("{subject}{headline}\n"));
    for reason in &reasons {
        out.push_str(&format!("  reason {reason}\n"));
    }
    out.push_str(&offer_and_outputs(program, decision, &code_text));
    out.push_str(&format!("policy {} version {}, as of {as_of}\n", shown(&program.name), shown(&program.version)));

    out.push_str(&credit_limits_block(program, trace, &code_text));
    let fired: Vec<_> = trace.rules.iter().filter(|r| r.fired != Some(false)).collect();
    out.push_str("\nrules that fired\n");
    if fired.is_empty() {
        out.push_str("  (none)\n");
    }
    for rule_trace in &fired {
        out.push_str(&rule_block(program, rule_trace.rule, rule_trace.fired, &rule_trace.values));
    }
    let out_of_force: Vec<&str> = trace
        .rules
        .iter()
        .filter(|r| !r.in_force)
        .filter_map(|r| program.rules.get(r.rule).map(|d| d.code.as_str()))
        .collect();
    if !out_of_force.is_empty() {
        out.push_str(&format!("\nrules out of force on {as_of} (not evaluated): {}\n", out_of_force.join(", ")));
    }
    let quiet = trace.rules.len() - fired.len() - out_of_force.len();
    if all && quiet > 0 {
        out.push_str("\nrules that did not fire\n");
        for rule_trace in trace.rules.iter().filter(|r| r.fired == Some(false) && r.in_force) {
            out.push_str(&rule_block(program, rule_trace.rule, rule_trace.fired, &rule_trace.values));
        }
    }
    for card in &trace.scorecards {
        out.push_str(&scorecard_block(program, card));
    }
    if let Some(authority) = &program.authority {
        let own = decision.authority.map(|w| level(Some(w.own))).unwrap_or("?");
        let title = shown(authority.title.as_deref().unwrap_or("authority"));
        out.push_str(&format!("\n{title}: the application comes from `{own}`\n"));
        let width = authority.levels.iter().map(|l| l.name.len()).max().unwrap_or(0);
        let mut last_level = None;
        for limit in &trace.limits {
            let name = level(Some(limit.level));
            let shown_name = if last_level == Some(limit.level) { "" } else { name };
            last_level = Some(limit.level);
            let mark = if limit.held { "✓" } else { "✗" };
            let values = leaf_values(&limit.values, limit.span);
            let values = if values.is_empty() || limit.held { String::new() } else { format!("   ({values})") };
            out.push_str(&format!(
                "  {shown_name:width$}  {mark} {}{values}\n",
                shown(program.sources.snippet(limit.span))
            ));
        }
        if let Some(walk) = decision.authority {
            match walk.authorised_by {
                Some(by) if by == walk.own => out.push_str(&format!("  → `{}` authorises it\n", level(Some(by)))),
                Some(by) => out.push_str(&format!(
                    "  → escalated to `{}` ({})\n",
                    level(Some(by)),
                    escalation_codes(program, trace, walk.own, &code_text)
                )),
                None => out.push_str(&format!(
                    "  → no level authorises it: decline ({})\n",
                    escalation_codes(program, trace, root_of(program, walk.own), &code_text)
                )),
            }
        }
    }
    if !all && quiet > 0 {
        out.push_str(&format!("\n{quiet} other rule(s) did not fire (--all shows them)\n"));
    }
    out
}

/// The counter-offer (§12) and the outputs (§13) of a decided record.
fn offer_and_outputs(program: &Program, decision: &Decision, code_text: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    if let Some(offer) = &decision.offer {
        let cut: Vec<String> =
            offer.adjustments.iter().filter_map(|&c| program.codes.get(c as usize)).map(|c| code_text(c)).collect();
        out.push_str(&format!("  offer {} CNY, cut by {}\n", offer.amount, cut.join(", ")));
    }
    for (output, value) in program.outputs.iter().zip(&decision.outputs) {
        out.push_str(&format!(
            "  output {} = {}\n",
            output.name,
            shown(&value.display(&output.expr.ty, &program.schema))
        ));
    }
    out
}

/// The root of the authority tree above `level`.
fn root_of(program: &Program, level: u32) -> u32 {
    let levels = program.authority.as_ref().map_or(&[][..], |a| a.levels.as_slice());
    let mut at = level;
    for _ in 0..levels.len() {
        match levels.get(at as usize).and_then(|l| l.parent) {
            Some(parent) => at = parent,
            None => break,
        }
    }
    at
}

/// What each credit limit (§12) did, with its line: applied before the rules.
fn credit_limits_block(program: &Program, trace: &Trace, code_text: &dyn Fn(&str) -> String) -> String {
    use polc_core::eval::limits::LimitEffect;
    if trace.credit_limits.is_empty() {
        return String::new();
    }
    let mut out = String::from("\ncredit limits\n");
    for limit_trace in &trace.credit_limits {
        let Some(limit) = program.credit_limits.get(limit_trace.limit) else { continue };
        let effect = match limit_trace.effect {
            LimitEffect::NotCut => "within",
            LimitEffect::Cut => "cut",
            LimitEffect::Declined => "below its floor: decline",
        };
        let values = leaf_values(&limit_trace.values, limit.span);
        let values = if values.is_empty() { String::new() } else { format!("   ({values})") };
        out.push_str(&format!("  {}  {effect}, line {} CNY{values}\n", code_text(&limit.code), limit_trace.line));
    }
    out
}

/// A scorecard's score and how it was reached: each characteristic's value,
/// bin and points in aligned columns, then the adverse-action reasons.
fn scorecard_block(program: &Program, card: &ScorecardTrace) -> String {
    let Some(def) = program.scorecards.get(card.card) else { return String::new() };
    let title = def.title.as_deref().map(|t| format!(" {}", shown(t))).unwrap_or_default();
    let mut out = format!("\nscorecard {}{title}: {} (base {})\n", def.name, card.score, card.base);
    let rows: Vec<[String; 5]> = card
        .characteristics
        .iter()
        .map(|c| {
            let unknown = "(decided when compiled)";
            [
                c.reason.clone(),
                shown(c.label.as_deref().unwrap_or("")).into_owned(),
                format!("{} = {}", shown(&c.subject), shown(c.value.as_deref().unwrap_or(unknown))),
                shown(c.bin.as_deref().unwrap_or("")).into_owned(),
                c.points.to_string(),
            ]
        })
        .collect();
    let width = |column: usize| rows.iter().map(|r| r.get(column).map_or(0, |t| t.width())).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3), width(4)];
    let pad = |text: &str, width: usize| format!("{text}{}", " ".repeat(width.saturating_sub(text.width())));
    for (row, c) in rows.iter().zip(&card.characteristics) {
        let [code, label, value, bin, points] = row;
        let lost = if c.lost() > 0 { format!(", lost {}", c.lost()) } else { String::new() };
        let label = if widths[1] > 0 { format!("{}  ", pad(label, widths[1])) } else { String::new() };
        out.push_str(&format!(
            "  {}  {label}{}  bin {}  {}{points} points  (baseline {}{lost})\n",
            pad(code, widths[0]),
            pad(value, widths[2]),
            pad(bin, widths[3]),
            " ".repeat(widths[4].saturating_sub(points.width())),
            c.baseline,
        ));
    }
    let points: Vec<i64> = card.characteristics.iter().map(|c| c.points).collect();
    let reasons = def.adverse_reasons(&points);
    if reasons.is_empty() {
        out.push_str("  adverse-action reasons: (none)\n");
    } else {
        out.push_str(&format!("  adverse-action reasons: {}\n", reasons.join(", ")));
    }
    out
}

/// The codes an authority walk gave: those of the limits that failed at
/// `level` (the own level for an escalation, the root for a decline), each
/// limit's own or the block's (§14), as the trace shows them.
fn escalation_codes(program: &Program, trace: &Trace, level: u32, code_text: &dyn Fn(&str) -> String) -> String {
    let Some(def) = program.authority.as_ref().and_then(|a| a.levels.get(level as usize)) else {
        return String::new();
    };
    let mut codes: Vec<u32> = trace
        .limits
        .iter()
        .filter(|l| l.level == level && !l.held)
        .filter_map(|l| def.limit_codes.get(l.limit).copied())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let codes: Vec<String> =
        codes.iter().filter_map(|&c| program.codes.get(c as usize)).map(|c| code_text(c)).collect();
    codes.join(", ")
}

fn rule_block(program: &Program, index: usize, fired: Option<bool>, values: &[ValueTrace]) -> String {
    let Some(rule) = program.rules.get(index) else { return String::new() };
    let outcome = match (&rule.outcome, fired) {
        (_, None) => "failed".to_string(),
        (RuleOutcome::Decline, _) => "decline".to_string(),
        (RuleOutcome::Refer(None), _) => "refer".to_string(),
        (RuleOutcome::Refer(Some(l)), _) => format!(
            "refer to {}",
            program.authority.as_ref().and_then(|a| a.levels.get(*l as usize)).map_or("?", |l| l.name.as_str())
        ),
    };
    let mut out = format!("  {}  {outcome}  {}\n", rule.code, shown(rule.message.as_deref().unwrap_or("")));
    if let Some((file, line, _)) = program.sources.locate(rule.span) {
        let source =
            program.sources.get(rule.span.file).map(|f| f.line_text(line).trim().to_string()).unwrap_or_default();
        out.push_str(&format!("      {}:{line}  {}\n", shown(file), shown(&source)));
    }
    let values = leaf_values(values, rule.condition.span);
    if !values.is_empty() {
        out.push_str(&format!("      {values}\n"));
    }
    out
}

/// `x = 1, y = 2` for the sub-expressions worth showing: not the whole
/// condition, and not one whose text is its value.
fn leaf_values(values: &[ValueTrace], whole: polc_core::base::source::Span) -> String {
    values
        .iter()
        .filter(|v| v.span != whole && v.source != v.value && v.value != "true" && v.value != "false")
        .map(|v| format!("{} = {}", shown(&v.source), shown(&v.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Standard input as text, refusing more than `max_bytes`.
fn read_stdin_within(max_bytes: usize) -> Result<String, String> {
    let mut bytes = Vec::new();
    let stdin = std::io::stdin().lock();
    stdin.take(max_bytes as u64 + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() > max_bytes {
        return Err(format!("it holds more than {max_bytes} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text (save it as UTF-8)".to_string())
}
