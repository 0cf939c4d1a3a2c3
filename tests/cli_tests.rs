//! The real `polc` binary on tests, part two (§16): test files beside their
//! policy (`NAME.test.pol`), derived fixtures, coverage and `--fail-under`.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use binary::{polc, text};
use serde_json::Value;
use std::path::Path;

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

#[test]
fn fail_under_exits_1_below_the_threshold() {
    common::at_workspace_root();
    let out = polc(&["test", SPLIT, "--fail-under", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", text(&out.stdout), text(&out.stderr));
    let dir = copy_of_split(false);
    let policy = path_in(&dir, "loan.pol");
    let out = polc(&["test", &policy, "--fail-under", "50"]);
    assert_eq!(out.status.code(), Some(1), "no tests: 0% covered");
    assert!(text(&out.stderr).contains("coverage 0.0% is below --fail-under 50%"), "{}", text(&out.stderr));
    assert_eq!(polc(&["test", &policy, "--fail-under", "0"]).status.code(), Some(0));
    for bad in ["120", "half", "--fail-under=-1"] {
        let out = match bad.strip_prefix("--") {
            Some(_) => polc(&["test", &policy, bad]),
            None => polc(&["test", &policy, "--fail-under", bad]),
        };
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(text(&out.stderr).contains("is not a percentage from 0 to 100"), "{}", text(&out.stderr));
    }
}

#[test]
fn coverage_lists_what_no_test_reached_with_its_place() {
    common::at_workspace_root();
    let dir = copy_of_split(true);
    let tests = path_in(&dir, "loan.test.pol");
    // with only its first two tests nothing escalates, nor is authorised at the head office
    let kept = std::fs::read_to_string(&tests).unwrap_or_default();
    let cut = kept.find("test \"a large amount is referred").unwrap_or(kept.len());
    std::fs::write(&tests, kept.get(..cut).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    let policy = path_in(&dir, "loan.pol");
    let out = polc(&["test", &policy, "--coverage"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("total: 3/5 covered (60%)"), "{stdout}");
    assert!(stdout.contains(&format!("level head_office: never authorised  ({policy}:23:9)")), "{stdout}");
    let out = polc(&["test", &policy, "--coverage", "--format", "json"]);
    let report: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap_or(Value::Null);
    let sites = &report["coverage"]["sites"];
    assert_eq!(sites.as_array().map(Vec::len), Some(4), "{report}");
    assert_eq!(
        sites[3],
        serde_json::json!({
            "kind": "level", "name": "head_office", "file": policy, "line": 23, "column": 9,
            "states": {"authorises": 0}, "covered": false, "not_reached": ["authorises"],
        })
    );
    assert_eq!(sites[2]["states"], serde_json::json!({"authorises": 1, "escalates": 0}));
    assert_eq!(sites[2]["not_reached"], serde_json::json!(["escalates"]));
    assert_eq!(report["coverage"]["percent"], 60.0);
}
