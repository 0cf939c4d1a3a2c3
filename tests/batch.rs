//! The batch runner a server or a binding drives: JSONL from any `Read + Send`
//! (a slice, a request body arriving in chunks, a reader that fails), decision
//! lines or verdicts out in input order on any number of threads, a sink that
//! stops the run, records in memory decided in parallel.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use polc::{
    Batch, BatchError, BatchOptions, BatchSummary, DecidedLines, Decision, FsLoader, LineKind, Policy, RecordLimits,
    Verdict, WriteLines,
};
use std::io::Read;

fn as_of() -> polc::NaiveDate {
    polc::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

fn policy() -> Policy {
    common::at_workspace_root();
    Policy::from_file("policies/consumer_loan.pol".as_ref(), &FsLoader).unwrap_or_else(|e| panic!("{e}"))
}

/// The example records, repeated to `n` lines, with a broken line every 97th
/// and a line that is not UTF-8 every 1,001st.
fn input(n: usize) -> Vec<u8> {
    common::at_workspace_root();
    let text = std::fs::read_to_string("examples/applicants.jsonl").unwrap_or_else(|e| panic!("{e}"));
    let examples: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for i in 0..n {
        match i {
            _ if i % 1001 == 1000 => out.extend_from_slice(b"{\"id\":\"bytes\xff\"}"),
            _ if i % 97 == 96 => out.extend_from_slice(format!("{{\"id\":\"B{i}\",\"loan\":{{}}}}").as_bytes()),
            _ => out.extend_from_slice(examples[i % examples.len()].as_bytes()),
        }
        out.push(b'\n');
    }
    out
}

fn batch(policy: &Policy, threads: usize) -> Batch {
    Batch::new(policy, BatchOptions::new(as_of()).threads(threads)).unwrap_or_else(|e| panic!("{e}"))
}

/// The decision lines and the summary of a run, and how many pieces the sink got.
fn run(batch: &Batch, input: impl Read + Send) -> (String, BatchSummary, usize) {
    let (mut text, mut pieces) = (String::new(), 0);
    let mut first_lines = Vec::new();
    let summary = batch
        .run_jsonl(input, &mut |piece: &DecidedLines<'_>| {
            assert_eq!(piece.text.lines().count(), piece.outcomes.len(), "one outcome per line");
            first_lines.push((piece.first_line, piece.outcomes.len() as u64));
            text.push_str(piece.text);
            pieces += 1;
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // pieces come in input order, each starting where the last ended
    let mut next = 1;
    for (first, lines) in first_lines {
        assert_eq!(first, next, "pieces in order");
        next += lines;
    }
    (text, summary, pieces)
}

/// A request body as a server sees it: chunks of any size arriving over a
/// channel from another thread.
struct Chunks {
    chunks: std::sync::mpsc::Receiver<Vec<u8>>,
    current: std::io::Cursor<Vec<u8>>,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            match self.chunks.recv() {
                Ok(chunk) => self.current = std::io::Cursor::new(chunk),
                Err(_) => return Ok(0), // the body ended
            }
        }
    }
}

#[test]
fn lines_come_out_in_input_order_whatever_the_threads_and_the_chunks() {
    let policy = policy();
    let input = input(6000);
    let (expected, summary, pieces) = run(&batch(&policy, 1), input.as_slice());
    assert!(pieces > 4, "several pieces: {pieces}");
    assert_eq!(expected.lines().count(), 6000);
    assert_eq!(summary.bytes, input.len() as u64);
    for threads in [2, 4] {
        let (text, again, _) = run(&batch(&policy, threads), input.as_slice());
        assert_eq!(text, expected, "{threads} threads");
        assert_eq!(again, summary);
    }
    // fed a few bytes to a few thousand at a time, from another thread
    let (tx, rx) = std::sync::mpsc::channel();
    let body = input.clone();
    let feeder = std::thread::spawn(move || {
        let mut at = 0;
        let mut size = 1;
        while at < body.len() {
            let end = (at + size).min(body.len());
            if tx.send(body[at..end].to_vec()).is_err() {
                return;
            }
            at = end;
            size = size * 7 % 5003 + 1;
        }
    });
    let (text, chunked, _) = run(&batch(&policy, 2), Chunks { chunks: rx, current: Default::default() });
    assert!(feeder.join().is_ok());
    assert_eq!(text, expected, "a body read in chunks decides as a slice");
    assert_eq!(chunked, summary);
}

#[test]
fn the_summary_counts_what_the_lines_say() {
    let policy = policy();
    let input = input(3000);
    let batch = batch(&policy, 2);
    let (text, summary, _) = run(&batch, input.as_slice());
    let verdicts: Vec<Verdict> =
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"))).collect();
    let count = |d: Decision| verdicts.iter().filter(|v| v.decision == d).count() as u64;
    assert_eq!(summary.records, 3000);
    assert_eq!(
        (summary.approve, summary.refer, summary.decline, summary.errors()),
        (count(Decision::Approve), count(Decision::Refer), count(Decision::Decline), count(Decision::Error))
    );
    assert_eq!(summary.record_errors, 3000 / 97 + 2, "the broken lines and the ones not UTF-8");
    for (code, n) in summary.reasons() {
        assert_eq!(n, verdicts.iter().filter(|v| v.reasons.contains(code)).count() as u64, "{code}");
    }
    for (level, n) in summary.approved_by() {
        let by = verdicts.iter().filter(|v| v.decision == Decision::Approve && v.level.as_ref() == Some(level));
        assert_eq!(n, by.count() as u64, "{level}");
    }
    let referred: u64 = summary.referred_to().map(|(_, n)| n).sum();
    assert_eq!(referred, summary.refer, "every referral goes to a level in this policy");
    // the verdicts handed over one by one count the same
    let mut decisions = Vec::new();
    let again = batch
        .verdicts_jsonl(input.as_slice(), |v| {
            decisions.push(v.decision);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, summary);
    assert_eq!(decisions, verdicts.iter().map(|v| v.decision).collect::<Vec<_>>());
}

/// Endless JSONL: the same record for ever.
struct Endless {
    line: Vec<u8>,
    at: usize,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        for byte in buf.iter_mut() {
            *byte = self.line[self.at];
            self.at = (self.at + 1) % self.line.len();
        }
        Ok(buf.len())
    }
}

#[test]
fn a_sink_error_stops_the_run_even_on_endless_input() {
    let policy = policy();
    let line = input(1);
    let mut pieces = 0;
    let result = batch(&policy, 2).run_jsonl(Endless { line, at: 0 }, &mut |_: &DecidedLines<'_>| {
        pieces += 1;
        if pieces == 3 {
            return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"));
        }
        Ok(())
    });
    match result {
        Err(BatchError::Write(error)) => {
            assert_eq!(
                (error.kind(), error.to_string()),
                (std::io::ErrorKind::BrokenPipe, "the client went away".into())
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(pieces, 3, "nothing is handed over after the error");
}

/// Gives `text`, then fails.
struct FailsAfter {
    text: std::io::Cursor<Vec<u8>>,
}

impl Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.text.read(buf)? {
            0 => Err(std::io::Error::other("the disk went away")),
            n => Ok(n),
        }
    }
}

/// The lines read before a read error were dropped with the error: the
/// reader sent its unfinished block (up to a MiB of whole lines) nowhere.
#[test]
fn the_lines_read_before_a_read_error_are_decided_before_it() {
    let policy = policy();
    let mut text = input(10);
    text.extend_from_slice(b"{\"id\":\"cut sh");
    let mut lines = String::new();
    let result =
        batch(&policy, 2).run_jsonl(FailsAfter { text: std::io::Cursor::new(text) }, &mut WriteLinesTo(&mut lines));
    match result {
        Err(BatchError::Read(error)) => assert_eq!(error.to_string(), "the disk went away"),
        other => panic!("{other:?}"),
    }
    assert_eq!(lines.lines().count(), 10, "every whole line before the error, not the one it cut");
    assert!(!lines.contains("cut sh"));
}

/// Collects decision lines into a string.
struct WriteLinesTo<'a>(&'a mut String);

impl polc::DecisionSink for WriteLinesTo<'_> {
    fn write(&mut self, lines: &DecidedLines<'_>) -> std::io::Result<()> {
        self.0.push_str(lines.text);
        Ok(())
    }
}

#[test]
fn a_line_over_the_limit_is_an_error_line_and_the_run_goes_on() {
    let mut policy = policy();
    policy.set_record_limits(RecordLimits { max_line_bytes: 4096, ..RecordLimits::default() });
    let mut text = input(3);
    let long = format!("{{\"id\":\"LONG\",\"pad\":\"{}\"}}\n", "x".repeat(5 << 20));
    text.extend_from_slice(long.as_bytes());
    text.extend_from_slice(&input(2));
    let mut out = WriteLines(Vec::new());
    let summary = batch(&policy, 2).run_jsonl(text.as_slice(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    let out = String::from_utf8(out.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.lines().count(), 6);
    let error: Verdict = serde_json::from_str(out.lines().nth(3).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((error.id.as_deref(), error.line), (Some("LONG"), Some(4)));
    let message = error.error.map(|e| e.message).unwrap_or_default();
    assert_eq!(message, "the line is longer than --max-line-bytes (4096 bytes)");
    assert_eq!(summary.record_errors, 1);
    assert!(summary.bytes < text.len() as u64, "only the start of the long line was kept");
}

#[test]
fn records_in_memory_are_decided_in_parallel_in_their_order() {
    let policy = policy();
    let text = String::from_utf8_lossy(&input(2500)).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    let batch = batch(&policy, 3);
    let from_text = batch.decide_records(&lines);
    let (expected, _, _) = run(&batch, text.as_bytes());
    assert_eq!(from_text.len(), lines.len());
    for (line, verdict) in expected.lines().zip(&from_text) {
        assert_eq!(serde_json::to_string(verdict).unwrap_or_default(), line);
    }
    // the same records as JSON values (the lossy line is not valid JSON: skipped)
    let values: Vec<serde_json::Value> = lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let from_values = batch.decide_records(&values);
    let kept: Vec<&Verdict> = lines
        .iter()
        .zip(&from_text)
        .filter(|(l, _)| serde_json::from_str::<serde_json::Value>(l).is_ok())
        .map(|(_, v)| v)
        .collect();
    assert_eq!(from_values.len(), kept.len());
    for (position, (value, text)) in from_values.iter().zip(kept).enumerate() {
        assert_eq!((value.decision, &value.reasons, &value.id), (text.decision, &text.reasons, &text.id));
        if value.decision == Decision::Error {
            assert_eq!(value.line, Some(position as u64 + 1), "its place among the values");
        }
    }
    assert!(batch.decide_records::<&str>(&[]).is_empty());
}

#[test]
fn one_batch_serves_many_runs_at_once_and_any_day() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Batch>();
    let policy = policy();
    let input = input(1500);
    let batch = batch(&policy, 2);
    let (expected, _, _) = run(&batch, input.as_slice());
    std::thread::scope(|scope| {
        let runs: Vec<_> = (0..3).map(|_| scope.spawn(|| run(&batch.clone(), input.as_slice()).0)).collect();
        for handle in runs {
            assert_eq!(handle.join().ok().as_deref(), Some(expected.as_str()));
        }
    });
    let later = polc::NaiveDate::from_ymd_opt(2027, 1, 5).unwrap_or_default();
    let next_year = batch.with_as_of(later);
    assert_eq!((next_year.threads(), next_year.options().as_of), (2, later));
    let (text, _, _) = run(&next_year, input.as_slice());
    assert!(text.lines().all(|l| l.contains(r#""as_of":"2027-01-05""#)));
    assert_eq!(batch.options().as_of, as_of(), "the original keeps its date");
}

#[test]
fn the_threads_asked_for_are_taken_within_one_and_the_most() {
    let policy = policy();
    assert_eq!(batch(&policy, 0).threads(), 1);
    assert_eq!(batch(&policy, 3).threads(), 3);
    assert_eq!(batch(&policy, 100_000).threads(), polc::MAX_THREADS);
    let all = Batch::new(&policy, BatchOptions::new(as_of())).unwrap_or_else(|e| panic!("{e}"));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(all.threads(), cores.min(polc::MAX_THREADS));
}

#[test]
fn an_outcome_tells_the_two_kinds_of_error_apart() {
    assert_eq!(LineKind::RuleError.decision(), Decision::Error);
    assert_eq!(LineKind::RecordError.decision(), Decision::Error);
    assert_eq!(LineKind::Refer.decision(), Decision::Refer);
    let policy = policy();
    let mut kinds = Vec::new();
    let lines = "{\"id\":\"x\"}\n\n";
    batch(&policy, 1)
        .run_jsonl(lines.as_bytes(), &mut |piece: &DecidedLines<'_>| {
            kinds.extend(piece.outcomes.iter().map(|o| o.kind));
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kinds, [LineKind::RecordError, LineKind::RecordError]);
    assert_eq!(policy.reason_codes().first().map(|c| c.as_str()), Some("A01"));
    assert_eq!(
        policy.levels().iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        ["city", "provincial", "head_office", "committee"]
    );
}
