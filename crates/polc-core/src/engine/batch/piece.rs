//! Deciding one piece of raw input lines (each possibly not UTF-8, empty, cut
//! short or too long): into decision lines, or into verdicts. Every error
//! carries its input line number.

use super::stream::Lines;
use crate::eval::Scratch;
use crate::io::output::{self, AsOf, LineOptions};
use crate::io::record::DecodeError;
use crate::io::verdict::{Decision, Verdict};
use crate::{LineKind, LineOutcome, Policy};

/// Decides a piece into one output line each (ending in a newline), in
/// order, and one outcome each: runs of readable lines go to
/// [`Policy::decide_lines_into`] together, the others become error lines here.
pub(super) fn decide_lines(
    policy: &Policy,
    piece: Lines<'_>,
    as_of: &AsOf,
    scratch: &mut Scratch,
    options: LineOptions,
    out: &mut String,
    outcomes: &mut Vec<LineOutcome>,
) {
    let mut run: Vec<&str> = Vec::with_capacity(piece.lines.len());
    let mut run_first = piece.first;
    let run_of = |run: &[&str], first: u64, scratch: &mut Scratch, out: &mut String, outcomes: &mut Vec<_>| {
        let lines = Run { policy, lines: run, first, as_of, options };
        decide_run(lines, scratch, out, outcomes);
    };
    for (number, raw) in (piece.first..).zip(piece.lines) {
        match readable(policy, raw) {
            Ok(line) => run.push(line),
            Err((id, error)) => {
                run_of(&run, run_first, scratch, out, outcomes);
                run.clear();
                run_first = number + 1;
                let (program, stamp) = (policy.program(), policy.stamp());
                out.push_str(&output::record_error(program, stamp, as_of, Some(number), id.as_deref(), &error));
                out.push('\n');
                outcomes.push(LineOutcome::record_error());
            }
        }
    }
    run_of(&run, run_first, scratch, out, outcomes);
}

/// Decides a piece into one verdict each, in order, with what each was.
pub(super) fn decide_verdicts(
    policy: &Policy,
    piece: Lines<'_>,
    as_of: &AsOf,
    scratch: &mut Scratch,
    options: LineOptions,
    out: &mut Vec<(Verdict, LineOutcome)>,
) {
    for (number, raw) in (piece.first..).zip(piece.lines) {
        out.push(line_verdict(policy, raw, number, as_of, options, scratch));
    }
}

/// The verdict of input line `number` (its raw bytes, without the newline),
/// exactly what its decision line says, and what it was.
pub(super) fn line_verdict(
    policy: &Policy,
    raw: &[u8],
    number: u64,
    as_of: &AsOf,
    options: LineOptions,
    scratch: &mut Scratch,
) -> (Verdict, LineOutcome) {
    let (mut verdict, outcome) = match readable(policy, raw) {
        Ok(line) => policy.verdict_of_text(line, as_of, options, scratch),
        Err((id, error)) => (policy.record_error_verdict(as_of, id.as_deref(), &error), LineOutcome::record_error()),
    };
    if verdict.decision == Decision::Error {
        verdict.line = Some(number);
    }
    (verdict, outcome)
}

/// Consecutive readable lines and how to decide them.
struct Run<'a> {
    policy: &'a Policy,
    lines: &'a [&'a str],
    /// The input line number of the first.
    first: u64,
    as_of: &'a AsOf,
    options: LineOptions,
}

/// Decides consecutive readable lines and numbers the error lines among the
/// decisions (the library's line writer knows no line numbers: its error lines
/// are rewritten, which only error lines pay for).
fn decide_run(run: Run<'_>, scratch: &mut Scratch, out: &mut String, outcomes: &mut Vec<LineOutcome>) {
    if run.lines.is_empty() {
        return;
    }
    let start = out.len();
    let (mut index, mut errors) = (0u64, Vec::new());
    run.policy.decide_lines_into(run.lines, run.as_of.date(), scratch, run.options, out, |outcome| {
        if matches!(outcome.kind, LineKind::RuleError | LineKind::RecordError) {
            errors.push(index);
        }
        index += 1;
        outcomes.push(outcome);
    });
    if errors.is_empty() {
        return;
    }
    // from the first error line on, copied once, in stretches between the
    // places where a number goes
    let end_of = |text: &[u8], from: usize| {
        memchr::memchr(b'\n', text.get(from..).unwrap_or_default()).map_or(text.len(), |at| from + at)
    };
    let (mut line, mut at) = (errors.first().copied().unwrap_or(0), start);
    for _ in 0..line {
        at = end_of(out.as_bytes(), at) + 1;
    }
    let decided = out.split_off(at.min(out.len()));
    let bytes = decided.as_bytes();
    let key = memchr::memmem::Finder::new(output::ERROR_KEY);
    let (mut line_start, mut copied) = (0usize, 0usize);
    for error in errors {
        while line < error {
            line_start = end_of(bytes, line_start) + 1;
            line += 1;
        }
        let within = bytes.get(line_start..end_of(bytes, line_start)).unwrap_or_default();
        if let Some(found) = key.find(within) {
            let insert = line_start + found + output::ERROR_KEY.len();
            out.push_str(decided.get(copied..insert).unwrap_or_default());
            output::push_line_number(out, run.first + error);
            copied = insert;
        }
    }
    out.push_str(decided.get(copied..).unwrap_or_default());
}

/// A raw input line as text to decide, or why it cannot be (with the record's
/// id when one can be found: before or after a byte that is not UTF-8, after a
/// byte order mark).
pub(in crate::engine) fn readable<'l>(
    policy: &Policy,
    raw: &'l [u8],
) -> Result<&'l str, (Option<String>, DecodeError)> {
    let trimmed = raw.strip_suffix(b"\r").unwrap_or(raw);
    let max_line = policy.record_limits().max_line_bytes;
    let error = |message: String| DecodeError { path: String::new(), message };
    if trimmed.len() > max_line {
        // only the line's start was kept (see `read_blocks`); it may end inside a character
        let start = String::from_utf8_lossy(trimmed.get(..max_line).unwrap_or(trimmed));
        let message = format!("the line is longer than --max-line-bytes ({max_line} bytes)");
        return Err((id_in(&start), error(message)));
    }
    if let Some(rest) = trimmed.strip_prefix("\u{feff}".as_bytes()) {
        let message = "the line starts with a byte order mark (U+FEFF): write the input as UTF-8 without one";
        return Err((id_in(&String::from_utf8_lossy(rest)), error(message.into())));
    }
    // simdutf8 checks a usual line of 400 ASCII bytes in a fifth of the instructions std takes
    match simdutf8::basic::from_utf8(trimmed) {
        // a record starts with `{`: only another line can be all white space
        Ok(text) if !text.starts_with('{') && text.trim().is_empty() => Err((None, error("empty line".into()))),
        Ok(text) => Ok(text),
        Err(_) => {
            let at = std::str::from_utf8(trimmed).err().map_or(0, |e| e.valid_up_to()) + 1;
            let message = format!("the line is not valid UTF-8 (at byte {at})");
            Err((id_in(&String::from_utf8_lossy(trimmed)), error(message)))
        }
    }
}

/// The `"id"` of a line that cannot be decided, unless it is itself damaged
/// (holds a replacement character where a byte was not UTF-8).
fn id_in(text: &str) -> Option<String> {
    crate::io::json::find_id(text).filter(|id| !id.contains('\u{fffd}'))
}
