//! The language server's latency and memory, measured with the integration
//! tests' client (`tests/lsp/client.rs`) against the release binary: the time
//! from sending a one-character `didChange` to receiving the diagnostics of
//! that version, on the shipped policies and on a generated 10k-rule policy,
//! and the server's resident memory with that policy open.
//!
//! In the bench's own process, with a counting allocator, it also weighs the
//! 10k-rule file's syntax tree and the analysis the server keeps of it, and
//! times the front end on an edit with and without the last parse reused.
//!
//! ```text
//! cargo bench -p polc-cli --bench lsp          # POLC_BENCH_EDITS=N edits per file (default 40)
//! POLC_BENCH_PART=process cargo bench -p polc-cli --bench lsp   # only the in-process part (for perf)
//! ```
#![expect(clippy::panic, reason = "a bench that cannot run fails by panicking")]

#[path = "../tests/lsp/client.rs"]
#[expect(dead_code, reason = "the bench uses a part of the tests' client")]
mod client;

use client::Client;
use serde_json::Value;
use std::alloc::System;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The bench's heap, counted: what a value holds is the growth of
/// `allocated()` while it lives.
#[global_allocator]
static HEAP: cap::Cap<System> = cap::Cap::new(System, usize::MAX);

/// `make`'s result and the heap bytes it holds.
fn weighed<T>(make: impl FnOnce() -> T) -> (T, usize) {
    let before = HEAP.allocated();
    let value = make();
    (value, HEAP.allocated().saturating_sub(before))
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The median of some durations, in milliseconds.
fn median_ms(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times.get(times.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// In this process: the syntax tree's and the analysis's heap size, and the
/// front end's time on a one-character edit, with and without reuse.
fn in_process(path: &Path, n: usize) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    let (tree, parsed) = weighed(|| polc_core::syntax::parse::parse(polc::FileId(0), &text));
    drop(tree);
    let options = polc::CompileOptions::default();
    let overlays = vec![(path.to_path_buf(), text.clone())];
    let (analysis, held) = weighed(|| polc::analyze_overlaid(path, &polc::FsLoader, &overlays, &options));
    println!(
        "heap: the file's text {:.1} MiB, its syntax tree {:.1} MiB, the analysis the server keeps {:.1} MiB \
         ({:.1}× the tree, {:.1}× the text)",
        mib(text.len()),
        mib(parsed),
        mib(held),
        held as f64 / parsed as f64,
        held as f64 / text.len() as f64
    );
    let at = text.len() / 2;
    let at = text.get(at..).and_then(|t| t.find('\n')).map_or(at, |i| at + i);
    let mut last = analysis;
    let (mut whole, mut reusing) = (Vec::new(), Vec::new());
    for i in 0..n {
        let mut edited = text.clone();
        if i % 2 == 0 {
            edited.insert(at, ' ');
        }
        let overlays = vec![(path.to_path_buf(), edited)];
        let started = Instant::now();
        let fresh = polc::analyze_overlaid(path, &polc::FsLoader, &overlays, &options);
        whole.push(started.elapsed());
        drop(fresh);
        let started = Instant::now();
        last = polc::analyze_overlaid_reusing(path, &polc::FsLoader, &overlays, &options, last);
        reusing.push(started.elapsed());
    }
    println!(
        "front end on an edit (in process, median of {n}): {:.1} ms whole, {:.1} ms with the last parse reused",
        median_ms(whole),
        median_ms(reusing)
    );
}

/// The `file:` URI of a path, as the client module expects it.
pub fn uri(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file://");
    for byte in absolute.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

const FIELDS: [&str; 8] = ["age", "score", "overdue", "term", "transfers", "inquiries", "lenders", "months"];

/// `benches/compile.rs`'s 10k-rule policy: rules in groups of 50 over 200 lets.
fn generated(rules: usize, lets: usize) -> String {
    let mut text = String::from("policy big version \"1\"\nenum Level { city, provincial, committee }\nrecord A {\n  id: String\n  level: Level\n  income: Money\n");
    for f in FIELDS {
        let _ = writeln!(text, "  {f}: Int");
    }
    text.push_str("}\ninput a: A\n");
    for i in 0..lets {
        let f = FIELDS[i % FIELDS.len()];
        let _ = writeln!(text, "let l{i} = a.{f} * {} + a.{} - {i}", i % 7 + 1, FIELDS[(i + 3) % FIELDS.len()]);
    }
    for i in 0..rules {
        if i % 50 == 0 {
            if i > 0 {
                text.push_str("}\n");
            }
            let _ = writeln!(text, "group g{} \"组 {}\" {{", i / 50, i / 50);
        }
        let l = i % lets.max(1);
        let f = FIELDS[i % FIELDS.len()];
        let outcome = if i % 3 == 0 { "refer" } else { "decline" };
        let _ = writeln!(
            text,
            "  rule R{i:06} \"规则 {i}\" {outcome} when l{l} > {} and a.{f} in {}..= {} or a.income > {} CNY",
            i % 1000,
            i % 10,
            i % 10 + 5,
            100_000 + i
        );
    }
    text.push_str("}\nauthority over a.level escalate E00001 {\n  level city { a.income <= 100_000 CNY }\n  level provincial above city { a.income <= 1_000_000 CNY }\n  level committee above provincial\n}\n");
    text
}

/// Resident memory of a process (VmRSS, KiB), on Linux.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Timing {
    open: Duration,
    edits: Vec<Duration>,
}

/// Opens `path` and makes `n` one-character edits in the middle of the file
/// (typing a space at the end of a line, then taking it back), each time
/// waiting for the diagnostics of the new version.
fn measure(client: &mut Client, path: &Path, n: usize) -> Timing {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    let uri = uri(path);
    let started = Instant::now();
    client.open(&uri, &text);
    let first = client.diagnostics(&uri, Some(1));
    let open = started.elapsed();
    let line = text.lines().count() / 2;
    let end = text.lines().nth(line).map_or(0, |l| l.encode_utf16().count()) as u32;
    let line = line as u32;
    let mut edits = Vec::with_capacity(n);
    for i in 0..n {
        let version = i as i64 + 2;
        let started = Instant::now();
        match i % 2 {
            0 => client.edit(&uri, version, (line, end), (line, end), " "),
            _ => client.edit(&uri, version, (line, end), (line, end + 1), ""),
        }
        let published = client.diagnostics(&uri, Some(version));
        edits.push(started.elapsed());
        assert_eq!(published.len(), first.len(), "a space at the end of a line changes no diagnostic");
    }
    Timing { open, edits }
}

fn summary(name: &str, t: &Timing) -> String {
    let mut sorted = t.edits.clone();
    sorted.sort();
    let at = |q: f64| sorted.get(((sorted.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{name:<32} open {:>7.1} ms   edit→diagnostics: median {:>6.1} ms, p90 {:>6.1} ms, max {:>6.1} ms ({} edits)",
        ms(t.open),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(1.0)),
        sorted.len()
    )
}

fn main() {
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = std::fs::canonicalize(root).unwrap_or_else(|e| panic!("{e}"));
    let n: usize = std::env::var("POLC_BENCH_EDITS").ok().and_then(|v| v.parse().ok()).unwrap_or(40);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let big = dir.path().join("rules_10000.pol");
    std::fs::write(&big, generated(10_000, 200)).unwrap_or_else(|e| panic!("{e}"));
    if std::env::var("POLC_BENCH_PART").is_ok_and(|p| p == "process") {
        in_process(&big, n);
        return;
    }

    for file in ["policies/consumer_loan.pol", "policies/micro_business_loan.pol"] {
        let mut client = Client::start_with(&root, Value::Null);
        let timing = measure(&mut client, &root.join(file), n);
        println!("{}", summary(file, &timing));
        client.shutdown();
    }

    let mut client = Client::start_with(dir.path(), Value::Null);
    let idle = rss_kib(client.pid());
    let timing = measure(&mut client, &big, n.min(20));
    let open = rss_kib(client.pid());
    println!("{}", summary("rules_10000.pol (generated)", &timing));
    let size = std::fs::metadata(&big).map(|m| m.len()).unwrap_or(0);
    if let (Some(idle), Some(open)) = (idle, open) {
        println!(
            "memory: {} KiB idle, {} KiB with the 10k-rule file open (+{} KiB); the file is {} KiB: {:.1}× its text",
            idle,
            open,
            open.saturating_sub(idle),
            size / 1024,
            open.saturating_sub(idle) as f64 * 1024.0 / size as f64
        );
    }
    client.shutdown();
    in_process(&big, n.min(20));
}
