//! The real `polc` binary on tests, part two (§16): test files beside their
//! policy (`NAME.test.pol`), derived fixtures, coverage and `--fail-under`.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn polc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

const SPLIT: &str = "tests/policies/split/loan.pol";
const SPLIT_TESTS: &str = "tests/policies/split/loan.test.pol";

/// A copy of the split policy (and, with `tests`, its test file) in a new directory.
fn copy_of_split(tests: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let copy = |from: &str, name: &str| {
        std::fs::copy(from, dir.path().join(name)).unwrap_or_else(|e| panic!("cannot copy {from}: {e}"));
    };
    copy(SPLIT, "loan.pol");
    if tests {
        copy(SPLIT_TESTS, "loan.test.pol");
    }
    dir
}

fn path_in(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

#[test]
fn test_finds_the_test_file_beside_the_policy() {
    common::at_workspace_root();
    for target in [SPLIT, SPLIT_TESTS, "tests/policies/split"] {
        let out = polc(&["test", target]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{target}: {stdout}{}", text(&out.stderr));
        assert_eq!(stdout.matches("tests/policies/split/loan.pol\n").count(), 1, "{target}: run once: {stdout}");
        assert!(stdout.contains("✓ a minor student is declined twice over"), "{target}: {stdout}");
        assert!(stdout.trim_end().ends_with("5 passed, 0 failed"), "{target}: {stdout}");
    }
}

#[test]
fn a_failing_test_in_a_test_file_names_that_file() {
    common::at_workspace_root();
    let dir = copy_of_split(true);
    let tests = path_in(&dir, "loan.test.pol");
    let text_of = std::fs::read_to_string(&tests).unwrap_or_default();
    std::fs::write(&tests, text_of.replace("expect decline [A01, A02]", "expect decline [A01]"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = polc(&["test", &path_in(&dir, "loan.pol")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("✗ a minor student is declined twice over  ({tests}:")), "{stdout}");
}

#[test]
fn check_checks_the_test_file_and_names_it() {
    common::at_workspace_root();
    let out = polc(&["check", SPLIT]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let dir = copy_of_split(true);
    let tests = path_in(&dir, "loan.test.pol");
    let broken = std::fs::read_to_string(&tests).unwrap_or_default().replace("age: 17", "agee: 17");
    std::fs::write(&tests, format!("{broken}\nlet stray = 1\n")).unwrap_or_else(|e| panic!("{e}"));
    // the policy, the test file and the directory all check the pair once
    for target in [path_in(&dir, "loan.pol"), tests.clone(), dir.path().display().to_string()] {
        let out = polc(&["check", "--format", "json", &target]);
        assert_eq!(out.status.code(), Some(1), "{target}");
        let diagnostics: Vec<Value> =
            text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or(Value::Null)).collect();
        let codes: Vec<&str> = diagnostics.iter().filter_map(|d| d["code"].as_str()).collect();
        assert_eq!(codes, ["N0105", "N0126"], "{target}: {diagnostics:?}");
        for d in &diagnostics {
            assert_eq!(d["file"], Value::from(tests.clone()), "{d}");
        }
    }
}

#[test]
fn the_test_file_is_not_part_of_the_policy_hash() {
    common::at_workspace_root();
    let record = r#"{"id":"X1","age":30,"student":false,"amount":"50000.00","level":"branch"}"#;
    let decide = |dir: &tempfile::TempDir| {
        let input = path_in(dir, "in.jsonl");
        std::fs::write(&input, format!("{record}\n")).unwrap_or_else(|e| panic!("{e}"));
        let out = polc(&["run", &path_in(dir, "loan.pol"), "--input", &input, "--as-of", "2026-11-22"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let (with, without) = (copy_of_split(true), copy_of_split(false));
    let line = decide(&with);
    assert!(line.contains(r#""policy_hash":"sha256:"#), "{line}");
    assert_eq!(line, decide(&without));
    // a change to the policy itself does change it
    let policy = path_in(&without, "loan.pol");
    let changed = std::fs::read_to_string(&policy).unwrap_or_default().replace("未满18周岁", "未成年");
    std::fs::write(&policy, changed).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(line, decide(&without));
}

#[test]
fn a_policy_without_a_test_file_still_tests() {
    common::at_workspace_root();
    let dir = copy_of_split(false);
    let out = polc(&["test", &path_in(&dir, "loan.pol")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("(no tests)"), "{}", text(&out.stdout));
    assert!(Path::new(SPLIT_TESTS).is_file());
}
