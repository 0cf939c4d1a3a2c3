//! The real `polc` binary against a hostile or broken environment: standard
//! streams closed or full, signals mid-run, one file named twice, unbounded
//! numbers, loose dates, and input that would drive a terminal.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use binary::*;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn full() -> Stdio {
    Stdio::from(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap_or_else(|e| panic!("{e}")))
}

const POLICY: &str = "policies/consumer_loan.pol";
const SAMPLE: &str = "examples/applicants.jsonl";
const BROKEN: &str = "tests/policies/error_and_warning.pol";

fn no_panic(out: &Output, what: &str) {
    assert_ne!(out.status.code(), Some(101), "{what} panicked: {}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"), "{what}: {}", text(&out.stderr));
}

// ------------------------------------------------------------------ standard streams

#[test]
fn a_full_standard_error_ends_with_exit_2_not_a_panic() {
    common::at_workspace_root();
    let cases: [&[&str]; 5] = [
        &["check", BROKEN],
        &["check", "no/such.pol"],
        &["run", POLICY, "-i", SAMPLE, "--as-of", "2026-11-22", "-o", "/dev/null"],
        &["explain", "Z9999"],
        &["run", POLICY, "--as-of", "2026-13-01"],
    ];
    for args in cases {
        let out = polc_with(args, Stdio::null(), full());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn a_closed_standard_error_ends_with_exit_2_not_a_panic() {
    common::at_workspace_root();
    // enough diagnostics to fill the pipe's buffer after its reader has gone
    let mut args = vec!["check", "--color", "never"];
    args.extend(std::iter::repeat_n(BROKEN, 300));
    let mut child = Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"));
    drop(child.stderr.take());
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status.code(), Some(2));
}

#[test]
fn a_full_standard_output_says_so_and_exits_2() {
    common::at_workspace_root();
    let cases: [&[&str]; 7] = [
        &["run", POLICY, "-i", SAMPLE, "--as-of", "2026-11-22", "-q"],
        &["check", "--format", "json", BROKEN],
        &["check", "--format", "sarif", BROKEN],
        &["test", "policies"],
        &["explain", "T0202"],
        &["completions", "bash"],
        &["--help"],
    ];
    for args in cases {
        let out = polc_with(args, full(), Stdio::piped());
        no_panic(&out, &format!("{args:?}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("cannot write to standard output"), "{args:?}: {}", text(&out.stderr));
    }
}

#[test]
fn a_full_output_file_is_named() {
    common::at_workspace_root();
    let out = polc(&["run", POLICY, "-i", SAMPLE, "--as-of", "2026-11-22", "-q", "-o", "/dev/full"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot write `/dev/full`: No space left on device"), "{}", text(&out.stderr));
    let out = polc(&["run", POLICY, "-i", SAMPLE, "-q", "-o", "/dev/null", "--summary-json", "/dev/full"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot write `/dev/full`"), "{}", text(&out.stderr));
}

// ------------------------------------------------------------------ signals

/// Runs `polc run … -o OUT` reading a pipe that stays open (so it waits with
/// its temporary file in place), sends `signal` once that file exists, and
/// returns the exit code.
fn interrupt_a_run(signal: &str, dir: &Path) -> Option<i32> {
    use std::io::Write;
    let output = dir.join("decisions.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(["run", POLICY, "--as-of", "2026-11-22", "-q", "-i", "-", "-o"])
        .arg(&output)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    let sample = std::fs::read_to_string(SAMPLE).unwrap_or_default();
    stdin.write_all(sample.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let temporary = dir.join(format!(".decisions.jsonl.{}.polc-tmp", child.id()));
    // not a timing assertion: wait (up to a minute) for the run to reach its writing
    for _ in 0..600 {
        if temporary.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(temporary.exists(), "the run writes {}", temporary.display());
    let sent = Command::new("kill").args([signal, &child.id().to_string()]).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill {signal}");
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    drop(stdin);
    assert!(!temporary.exists(), "{signal} left {}", temporary.display());
    status.code()
}

#[test]
fn a_signal_removes_the_temporary_output_file() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("decisions.jsonl"), "the previous run\n").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(interrupt_a_run("-TERM", dir.path()), Some(143));
    assert_eq!(interrupt_a_run("-INT", dir.path()), Some(130));
    assert_eq!(interrupt_a_run("-HUP", dir.path()), Some(129));
    let left: Vec<_> = std::fs::read_dir(dir.path()).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let previous = std::fs::read_to_string(dir.path().join("decisions.jsonl")).unwrap_or_default();
    assert_eq!(previous, "the previous run\n", "the previous output is untouched");
}

// ------------------------------------------------------------------ arguments

#[test]
fn a_list_bound_twice_is_refused() {
    common::at_workspace_root();
    let twice = ["--list", "fraud_ids=policies/lists/fraud_ids.txt", "--list", "fraud_ids=/dev/null"];
    let out = polc(&[&["run", POLICY, "-i", SAMPLE, "-q"][..], &twice].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing is decided");
    assert!(text(&out.stderr).contains("list `fraud_ids` is bound twice with --list"), "{}", text(&out.stderr));
    let out = polc(&[&["eval", POLICY, "--record", "/dev/null"][..], &twice].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("bound twice"), "{}", text(&out.stderr));
}

#[test]
fn threads_are_bounded() {
    common::at_workspace_root();
    for threads in ["0", "257", "10000", "-1", "many"] {
        let out = polc(&["run", POLICY, "-i", SAMPLE, "-q", &format!("--threads={threads}")]);
        assert_eq!(out.status.code(), Some(2), "--threads {threads}");
        assert!(text(&out.stderr).contains("from 1 to 256"), "{}", text(&out.stderr));
    }
    let one = std::fs::read_to_string(SAMPLE).unwrap_or_default().lines().next().unwrap_or_default().to_string();
    let out =
        polc_stdin(&["run", POLICY, "-i", "-", "-q", "--threads", "256", "--as-of", "2026-11-22"], one.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 1);
}

#[test]
fn as_of_is_a_strict_date_on_every_command() {
    common::at_workspace_root();
    for date in ["+2026-01-01", "-2026-01-01", " 2026-01-01", "2026-1-1"] {
        let flag = format!("--as-of={date}");
        for command in [&["run", POLICY, "-i", SAMPLE][..], &["eval", POLICY, "--record", SAMPLE], &["test", POLICY]] {
            let out = polc(&[command, &[&flag]].concat());
            assert_eq!(out.status.code(), Some(2), "{command:?} {flag}");
            assert!(
                text(&out.stderr).contains(&format!("`{date}` is not a date (YYYY-MM-DD)")),
                "{}",
                text(&out.stderr)
            );
            assert!(out.stdout.is_empty());
        }
    }
    // the value as a separate argument: still refused
    let out = polc(&["run", POLICY, "-i", SAMPLE, "--as-of", "-2026-01-01"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn one_file_is_never_both_written_and_read_or_written_twice() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let at = |name: &str| dir.path().join(name).to_string_lossy().to_string();
    let input = at("in.jsonl");
    std::fs::copy(SAMPLE, &input).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&input, at("link.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    let dotted = format!("{}/./out.jsonl", dir.path().display());
    let cases: [(&[&str], &str); 5] = [
        (&["-i", &input, "-o", &at("out.jsonl"), "--summary-json", &dotted], "--output and --summary-json"),
        (&["-i", &input, "-o", &input], "--output and --input"),
        (&["-i", &input, "-o", &at("link.jsonl")], "--output and --input"),
        (&["-i", &input, "--summary-json", POLICY], "--summary-json and the policy"),
        (&["-i", &input, "-o", &at("ids.txt"), "--list", &format!("fraud_ids={}", at("ids.txt"))], "--list fraud_ids"),
    ];
    for (args, said) in cases {
        let out = polc(&[&["run", POLICY, "-q"][..], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(said) && stderr.contains("are the same file"), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read(&input).ok(), std::fs::read(SAMPLE).ok(), "the input is untouched");
    assert!(!dir.path().join("out.jsonl").exists());
    // devices may take both
    let out = polc(&["run", POLICY, "-i", &input, "-q", "-o", "/dev/null", "--summary-json", "/dev/null"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

// ------------------------------------------------------------------ text for people

/// A record whose id and a field hold terminal escapes: set the window title,
/// clear the screen.
fn hostile_record() -> String {
    let first = std::fs::read_to_string(SAMPLE).unwrap_or_default();
    let mut record: Value = serde_json::from_str(first.lines().next().unwrap_or("{}")).unwrap_or(Value::Null);
    record["id"] = Value::from("\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}X");
    record.to_string()
}

#[test]
fn eval_shows_control_characters_escaped() {
    common::at_workspace_root();
    let out = polc_stdin(&["eval", POLICY, "--as-of", "2026-11-22"], hostile_record().as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "raw control characters: {shown:?}");
    assert!(shown.starts_with("\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{202e}X: "), "{shown}");
    // a record the policy cannot read, with escapes in the value it quotes
    let mut bad: Value = serde_json::from_str(&hostile_record()).unwrap_or(Value::Null);
    bad["id_number"] = Value::from("\u{1b}[31m110");
    let out = polc_stdin(&["eval", POLICY], bad.to_string().as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(!said.contains('\u{1b}') && said.contains("\\u{1b}[31m110"), "{said:?}");
}

#[test]
fn test_and_check_show_names_from_input_escaped() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let name = dir.path().join("evil\u{1b}[2J.pol");
    let policy = "policy p version \"1\"\nrecord A{age:Int}\ninput a:A\nrule A01 decline when a.age < 18\n\
                  test \"minor\" {\n  given a = { age: 17 }\n  as_of 2026-01-01\n  expect approve\n}\n";
    std::fs::write(&name, policy).unwrap_or_else(|e| panic!("{e}"));
    let path = name.to_string_lossy().to_string();
    for args in [&["test", &path][..], &["check", "--format", "github", "no\u{1b}[2J.pol"], &["fmt", "--check", &path]]
    {
        let out = polc(args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains('\u{1b}'), "{args:?}: {all:?}");
        assert!(all.contains("\\u{1b}[2J"), "{args:?}: {all:?}");
    }
    let out = polc(&["explain", "\u{1b}[2J"]);
    assert!(!text(&out.stderr).contains('\u{1b}'), "{:?}", text(&out.stderr));
}

#[test]
fn eval_and_fmt_read_files_within_a_bound_and_drop_a_byte_order_mark() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // a record saved by a Windows tool: a byte-order mark before the JSON
    let record = dir.path().join("record.json");
    let first = std::fs::read_to_string("examples/applicants.jsonl").unwrap_or_default();
    let line = first.lines().next().unwrap_or_default();
    std::fs::write(&record, format!("\u{feff}{line}\n")).unwrap_or_else(|e| panic!("{e}"));
    let path = record.to_string_lossy().to_string();
    let out = polc(&["eval", POLICY, "--record", &path, "--as-of", "2026-11-22"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // a device is read only to the bound, then refused with a message, not read forever
    let out = polc(&["eval", POLICY, "--record", "/dev/zero", "--as-of", "2026-11-22"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("more than"), "{}", text(&out.stderr));
    let out = polc(&["fmt", "--check", "/dev/zero"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("more than"), "{}", text(&out.stderr));
}
