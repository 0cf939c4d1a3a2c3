//! The real `polc` binary: exit codes (0 ok, 1 policy errors, 2 usage or I/O),
//! output formats, and the reference workload sample.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use binary::*;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// How many entries a directory holds.
fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).into_iter().flatten().flatten().count()
}

const POLICY: &str = "policies/consumer_loan.pol";
const SAMPLE: &str = "examples/applicants.jsonl";

#[test]
fn check_passes_on_the_shipped_policies() {
    common::at_workspace_root();
    let out = polc(&["check", POLICY, "policies/micro_business_loan.pol", "policies/common.pol"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("checked 3 files: 0 errors, 0 warnings"), "a library file checks clean too");
    let out = polc(&["run", "policies/common.pol", "--input", SAMPLE]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("it is a library, not a policy"));
}

#[test]
fn check_reports_errors_with_exit_1() {
    common::at_workspace_root();
    let out = polc(&["check", "--root", "tests", "tests/ui/names/unknown_field.pol"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("N0105"), "{stderr}");
    assert!(stderr.contains("did you mean `credit_score`?"), "{stderr}");
    assert!(stderr.contains("1 error"), "{stderr}");
}

#[test]
fn check_json_has_one_object_per_diagnostic() {
    common::at_workspace_root();
    let out = polc(&["check", "--root", "tests", "--format", "json", "tests/ui/types/money_vs_number.pol"]);
    assert_eq!(out.status.code(), Some(1));
    let diagnostics = lines(&out.stdout);
    assert_eq!(diagnostics.len(), 1);
    let d = &diagnostics[0];
    assert_eq!(d["code"], "T0202");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "tests/ui/types/money_vs_number.pol");
    assert_eq!((d["line"].clone(), d["column"].clone()), (Value::from(4), Value::from(45)));
    assert_eq!(d["labels"][0]["primary"], true);
    assert_eq!(d["help"], "write `200_000 CNY` for an amount of money");
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    common::at_workspace_root();
    let file = "tests/ui/warnings/unused_let.pol";
    assert_eq!(polc(&["check", "--root", "tests", file]).status.code(), Some(0));
    assert_eq!(polc(&["check", "--root", "tests", "--deny-warnings", file]).status.code(), Some(1));
}

#[test]
fn check_of_a_missing_file_is_an_io_error() {
    common::at_workspace_root();
    let out = polc(&["check", "no/such/policy.pol"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read `no/such/policy.pol`"));
}

#[test]
fn usage_errors_exit_2() {
    common::at_workspace_root();
    assert_eq!(polc(&["run", POLICY]).status.code(), Some(2), "--input is required");
    assert_eq!(polc(&["frobnicate"]).status.code(), Some(2));
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-13-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a date"));
}

#[test]
fn help_teaches() {
    common::at_workspace_root();
    let out = polc(&["run", "--help"]);
    let help = text(&out.stdout);
    for flag in ["--input", "--output", "--as-of", "--list", "--threads", "NAME=PATH"] {
        assert!(help.contains(flag), "run --help lacks {flag}");
    }
    assert!(text(&polc(&["--help"]).stdout).contains("Exit codes: 0 ok, 1 policy errors, 2 usage or I/O errors"));
}

/// The shipped sample reproduces the reference decisions record by record.
#[test]
fn run_reproduces_the_reference_workload_sample() {
    common::at_workspace_root();
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = lines(&out.stdout);
    let expected: Vec<Value> = std::fs::read_to_string("tests/workload/expected.jsonl")
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect();
    assert_eq!(got.len(), expected.len());
    for (want, have) in expected.iter().zip(&got) {
        for key in ["id", "decision", "level", "refer_to"] {
            assert_eq!(want.get(key), have.get(key), "{key} of {}", want["id"]);
        }
        let reasons = have["reasons"].clone();
        assert_eq!(want.get("reasons").cloned().unwrap_or(Value::Array(vec![])), reasons, "reasons of {}", want["id"]);
        assert_eq!(have["policy"], "consumer_loan");
        assert_eq!(have["version"], "2026.11");
    }
    assert!(text(&out.stderr).contains("1000 records"));
}

#[test]
fn output_is_identical_for_any_thread_count() {
    common::at_workspace_root();
    let one = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "--threads", "1", "-q"]);
    let two = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "--threads", "2", "-q"]);
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, two.stdout);
    assert!(one.stderr.is_empty(), "--quiet prints nothing: {}", text(&one.stderr));
}

/// Several MiB blocks, each cut into many pieces decided in any order by the
/// workers, with broken lines among them: every thread count writes the same
/// output, one line per input line, in input order.
#[test]
fn a_long_input_keeps_its_order_on_any_thread_count() {
    common::at_workspace_root();
    let sample = std::fs::read_to_string(SAMPLE).unwrap_or_default();
    let mut input = Vec::new();
    let mut ids = Vec::new();
    for round in 0..9 {
        for (i, line) in sample.lines().enumerate() {
            let id = format!("R{round}-{i}");
            let line = line.replacen("\"id\":\"", &format!("\"id\":\"{id}-"), 1);
            input.extend_from_slice(line.as_bytes());
            input.push(b'\n');
            ids.push(Some(id));
            if (i + round) % 97 == 0 {
                // a broken line: not JSON, empty, or not UTF-8
                input.extend_from_slice([&b"{\"id\":"[..], b"", b"\xff\xfe"][i % 3]);
                input.push(b'\n');
                ids.push(None);
            }
        }
    }
    assert!(input.len() > 3 << 20, "more than three blocks: {}", input.len());
    let run = |threads: &str| {
        polc_stdin(&["run", POLICY, "--input", "-", "--as-of", "2026-11-22", "--threads", threads, "-q"], &input)
    };
    let one = run("1");
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    let decided = lines(&one.stdout);
    assert_eq!(decided.len(), ids.len());
    for (line, id) in decided.iter().zip(&ids) {
        match id {
            Some(id) => {
                assert!(line["id"].as_str().is_some_and(|have| have.starts_with(&format!("{id}-"))), "{id}: {line}")
            }
            None => assert_eq!(line["decision"], "error", "{line}"),
        }
    }
    for threads in ["2", "3", "8"] {
        let many = run(threads);
        assert_eq!(many.status.code(), Some(0));
        assert!(many.stdout == one.stdout, "--threads {threads} wrote other output");
    }
}

/// A record the policy cannot decide (here a division by zero) gets an
/// `error` line in its place; the lines decided before it in the same batch
/// are kept (they were once dropped with it).
#[test]
fn a_record_that_fails_at_run_time_loses_no_other_line() {
    common::at_workspace_root();
    let mut input = String::new();
    for i in 0..300 {
        let (income, debt) = match i % 7 {
            3 => ("0.00", "100.00"),
            5 => ("1000.00", "900.00"),
            _ => ("1000.00", "100.00"),
        };
        input.push_str(&format!("{{\"id\":\"E{i}\",\"monthly_income\":\"{income}\",\"monthly_debt\":\"{debt}\"}}\n"));
    }
    for threads in ["1", "2"] {
        let out = polc_stdin(
            &["run", "tests/policies/runtime_error.pol", "--input", "-", "--as-of", "2026-11-22", "--threads", threads],
            input.as_bytes(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let decided = lines(&out.stdout);
        assert_eq!(decided.len(), 300, "one line per record");
        for (i, line) in decided.iter().enumerate() {
            assert_eq!(line["id"], format!("E{i}"));
            let want = match i % 7 {
                3 => "error",
                5 => "decline",
                _ => "approve",
            };
            assert_eq!(line["decision"], want, "{line}");
        }
        assert_eq!(decided[3]["error"]["message"], "division by zero");
        assert_eq!(decided[3]["error"]["rule"], "D01");
        assert!(text(&out.stderr).contains("300 records"), "{}", text(&out.stderr));
    }
}

#[test]
fn output_file_is_written_whole() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("decisions.jsonl");
    let path_text = path.to_string_lossy().to_string();
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "--output", &path_text]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(written.lines().count(), 1000);
    assert_eq!(files_in(dir.path()), 1, "no temporary file is left behind");
}

#[test]
fn standard_output_sent_to_a_file_gets_the_same_lines() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (named, redirected) = (dir.path().join("named.jsonl"), dir.path().join("redirected.jsonl"));
    let named_text = named.to_string_lossy().to_string();
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "-q", "--output", &named_text]);
    assert_eq!(out.status.code(), Some(0));
    // `polc run … > redirected.jsonl`: written in place, a piece of lines a write
    let file = std::fs::File::create(&redirected).unwrap_or_else(|e| panic!("{e}"));
    let status = Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "-q"])
        .stdout(file)
        .status()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"));
    assert_eq!(status.code(), Some(0));
    let (a, b) = (std::fs::read(&named).unwrap_or_default(), std::fs::read(&redirected).unwrap_or_default());
    assert_eq!(text(&a).lines().count(), 1000);
    assert_eq!(a, b);
}

#[cfg(unix)]
#[test]
fn output_to_a_named_pipe_writes_in_place_and_keeps_the_pipe() {
    common::at_workspace_root();
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let fifo = dir.path().join("decisions.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap_or_default())
    };
    let fifo_text = fifo.to_string_lossy().to_string();
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "-q", "--output", &fifo_text]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let read = reader.join().unwrap_or_default();
    assert_eq!(read.lines().count(), 1000);
    let kind = std::fs::symlink_metadata(&fifo).map(|m| m.file_type()).unwrap_or_else(|e| panic!("{e}"));
    assert!(kind.is_fifo(), "the pipe must not be replaced by a file");
    assert_eq!(files_in(dir.path()), 1, "no temporary file is left behind");
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_the_target_and_keeps_its_permissions() {
    common::at_workspace_root();
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let target = dir.path().join("decisions.jsonl");
    std::fs::write(&target, "old\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap_or_else(|e| panic!("{e}"));
    let link = dir.path().join("latest.jsonl");
    std::os::unix::fs::symlink(&target, &link).unwrap_or_else(|e| panic!("{e}"));
    let link_text = link.to_string_lossy().to_string();
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "-q", "--output", &link_text]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::symlink_metadata(&link).map(|m| m.file_type().is_symlink()).unwrap_or(false));
    assert_eq!(std::fs::read_to_string(&target).unwrap_or_default().lines().count(), 1000);
    let mode = std::fs::metadata(&target).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(mode, 0o640);
}

#[test]
fn a_failed_run_leaves_an_existing_output_untouched() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("decisions.jsonl");
    std::fs::write(&path, "yesterday's decisions\n").unwrap_or_else(|e| panic!("{e}"));
    let path_text = path.to_string_lossy().to_string();
    // a directory opens but cannot be read: the run fails part-way
    let input = dir.path().to_string_lossy().to_string();
    let out = polc(&["run", POLICY, "--input", &input, "--as-of", "2026-11-22", "-q", "--output", &path_text]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), "yesterday's decisions\n");
    assert_eq!(files_in(dir.path()), 1, "no temporary file is left behind");
}

#[test]
fn every_input_line_gets_one_output_line_in_order() {
    common::at_workspace_root();
    let good = std::fs::read_to_string(SAMPLE).unwrap_or_default();
    let first = good.lines().next().unwrap_or_default();
    let mut input = Vec::new();
    input.extend_from_slice(first.as_bytes());
    input.extend_from_slice(b"\n\n{\"id\":\"broken\",\n");
    input.extend_from_slice(b"{\"id\":\"X\",\"id_number\":\"123\"}\n");
    input.extend_from_slice(&[0xff, 0xfe, b'\n']);
    input.extend_from_slice(first.replace("\"A0000001\"", "\"LAST\"").as_bytes());
    let out = polc_stdin(&["run", POLICY, "--input", "-", "--as-of", "2026-11-22"], &input);
    assert_eq!(out.status.code(), Some(0), "bad records do not fail the batch");
    let got = lines(&out.stdout);
    let decisions: Vec<&str> = got.iter().map(|d| d["decision"].as_str().unwrap_or("?")).collect();
    assert_eq!(decisions, ["approve", "error", "error", "error", "error", "approve"]);
    assert_eq!(got[1]["error"]["message"], "empty line");
    assert!(got[2]["error"]["message"].as_str().is_some_and(|m| m.starts_with("not valid JSON")));
    assert_eq!(got[3]["id"], "X");
    assert_eq!(got[3]["error"]["path"], "id_number");
    assert_eq!(got[4]["error"]["message"], "the line is not valid UTF-8 (at byte 1)");
    assert_eq!(got[5]["id"], "LAST");
    assert!(text(&out.stderr).contains("6 records"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("4 invalid records, 0 rule failures"), "{}", text(&out.stderr));
}

#[test]
fn lists_can_be_rebound() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let first: Value =
        serde_json::from_str(std::fs::read_to_string(SAMPLE).unwrap_or_default().lines().next().unwrap_or_default())
            .unwrap_or(Value::Null);
    let list = dir.path().join("ids.txt");
    std::fs::write(&list, format!("# one entry\n{}\n", first["id_number"].as_str().unwrap_or(""))).ok();
    let binding = format!("fraud_ids={}", list.display());
    let input = dir.path().join("one.jsonl");
    std::fs::write(&input, format!("{first}\n")).ok();
    let input = input.to_string_lossy().to_string();
    let out = polc(&["run", POLICY, "--input", &input, "--as-of", "2026-11-22", "--list", &binding]);
    let got = lines(&out.stdout);
    assert_eq!(got[0]["decision"], "decline");
    assert_eq!(got[0]["reasons"], serde_json::json!(["F01"]));

    let out = polc(&["run", POLICY, "--input", &input, "--list", "fraud=x.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("L0404"), "{}", text(&out.stderr));

    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "110100199003070138\nnot-an-id\n").ok();
    let binding = format!("fraud_ids={}", bad.display());
    let out = polc(&["run", POLICY, "--input", &input, "--list", &binding]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("L0402") && stderr.contains("bad.txt:2"), "{stderr}");
}

#[test]
fn messages_are_added_on_request() {
    common::at_workspace_root();
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "--messages", "-q"]);
    let got = lines(&out.stdout);
    let referred = got.iter().find(|d| d["reasons"] == serde_json::json!(["R04"]));
    let referred = referred.unwrap_or_else(|| panic!("the sample has an R04 referral"));
    assert_eq!(referred["messages"]["R04"], "信用评分550至619需复核");
}

#[test]
fn policy_errors_stop_a_run_with_exit_1() {
    common::at_workspace_root();
    let out = polc(&["run", "tests/ui/names/unknown_field.pol", "--root", "tests", "--input", SAMPLE]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(Path::new(SAMPLE).exists());
}

#[test]
fn micro_business_loan_sample_decisions() {
    common::at_workspace_root();
    let out = polc(&[
        "run",
        "policies/micro_business_loan.pol",
        "--input",
        "examples/micro_business_loan.jsonl",
        "--as-of",
        "2026-11-22",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: Vec<String> = lines(&out.stdout)
        .iter()
        .map(|d| {
            let reasons: Vec<&str> = d["reasons"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let level = d.get("level").or(d.get("refer_to")).and_then(Value::as_str).unwrap_or("");
            format!(
                "{} {} {} {}",
                d["id"].as_str().unwrap_or(""),
                d["decision"].as_str().unwrap_or(""),
                level,
                reasons.join(",")
            )
        })
        .collect();
    insta::assert_snapshot!(summary.join("\n"));
}

#[test]
fn explain_prints_the_catalogue_entry() {
    common::at_workspace_root();
    let out = polc(&["explain", "t0202"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("T0202: Money mixed with a bare number"), "{stdout}");
    assert!(stdout.contains("Wrong:") && stdout.contains("200_000 CNY"));
    let out = polc(&["explain", "T0299"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no diagnostic code `T0299`"));
}

#[test]
fn test_runs_the_shipped_policies_with_full_coverage() {
    common::at_workspace_root();
    let out = polc(&["test", "policies", "--coverage"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("✓ a minor is declined"), "{stdout}");
    assert_eq!(stdout.matches("total: ").count(), 2, "two policies; common.pol has no header: {stdout}");
    assert_eq!(stdout.matches("covered (100%)").count(), 2, "{stdout}");
    assert!(stdout.trim_end().ends_with(" passed, 0 failed"), "{stdout}");
}

#[test]
fn test_failures_show_expected_and_actual() {
    common::at_workspace_root();
    let out = polc(&["test", "tests/policies/failing.pol"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("✓ an adult is approved"), "{stdout}");
    assert!(
        stdout.contains("✗ a student is declined for the wrong reason  (tests/policies/failing.pol:23)"),
        "{stdout}"
    );
    assert!(stdout.contains("expected  decline [A01]") && stdout.contains("actual    decline [A02]"), "{stdout}");
    assert!(stdout.trim_end().ends_with("1 passed, 1 failed"), "{stdout}");
}

#[test]
fn test_json_reports_results_and_coverage() {
    common::at_workspace_root();
    let out = polc(&["test", "tests/policies/failing.pol", "--coverage", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let reports = lines(&out.stdout);
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!((r["passed"].clone(), r["failed"].clone()), (Value::from(1), Value::from(1)));
    assert_eq!(r["tests"][1]["actual"], "decline [A02]");
    assert_eq!(r["coverage"]["rules"][0], serde_json::json!({"code": "A01", "fired": 0}));
    assert_eq!((r["coverage"]["covered"].clone(), r["coverage"]["total"].clone()), (Value::from(1), Value::from(2)));
}

#[test]
fn test_of_a_policy_that_does_not_compile_fails() {
    common::at_workspace_root();
    let out = polc(&["test", "--root", "tests", "tests/ui/tests/unknown_reason_code.pol"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("does not compile"));
    assert!(text(&out.stderr).contains("N0115"));
    assert_eq!(polc(&["test", "no/such/dir"]).status.code(), Some(2));
}

fn sample_record(change: impl FnOnce(&mut Value)) -> String {
    let first = std::fs::read_to_string(SAMPLE).unwrap_or_default();
    let mut record: Value = serde_json::from_str(first.lines().next().unwrap_or("{}")).unwrap_or(Value::Null);
    change(&mut record);
    record.to_string()
}

#[test]
fn eval_explains_one_record_for_people() {
    common::at_workspace_root();
    let record = sample_record(|r| {
        r["birth_date"] = Value::from("2010-03-07");
        r["credit_score"] = Value::from(600);
        r["branch_level"] = Value::from("city");
        r["loan"]["amount"] = Value::from("350000.00");
    });
    let out = polc_stdin(&["eval", POLICY, "--as-of", "2026-11-22"], record.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn eval_rejects_a_record_that_does_not_match() {
    common::at_workspace_root();
    let record = sample_record(|r| r["loan"]["amount"] = Value::from("lots"));
    let out = polc_stdin(&["eval", POLICY], record.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("at `loan.amount`"), "{}", text(&out.stderr));
}

#[test]
fn run_explain_adds_a_trace() {
    common::at_workspace_root();
    let record = sample_record(|r| r["credit_score"] = Value::from(600));
    let out =
        polc_stdin(&["run", POLICY, "--input", "-", "--as-of", "2026-11-22", "--explain", "-q"], record.as_bytes());
    let decision = &lines(&out.stdout)[0];
    let rules = decision["trace"]["rules"].as_array().cloned().unwrap_or_default();
    assert_eq!(rules.len(), 12, "every rule is in the trace");
    let r04 = rules.iter().find(|r| r["code"] == "R04").cloned().unwrap_or(Value::Null);
    assert_eq!(r04["fired"], true);
    assert!(r04["line"].as_u64().is_some_and(|l| l > 1));
    let values = r04["values"].as_array().cloned().unwrap_or_default();
    assert!(values.iter().any(|v| v["expr"] == "applicant.credit_score" && v["value"] == "600"), "{values:?}");
    assert!(decision["trace"]["authority"].as_array().is_some_and(|a| !a.is_empty()));
    // without --explain there is no trace
    let out = polc_stdin(&["run", POLICY, "--input", "-", "--as-of", "2026-11-22", "-q"], record.as_bytes());
    assert!(lines(&out.stdout)[0].get("trace").is_none());
}

#[test]
fn fmt_check_passes_on_the_shipped_and_test_policies() {
    common::at_workspace_root();
    let out = polc(&[
        "fmt",
        "--check",
        "policies/common.pol",
        POLICY,
        "policies/micro_business_loan.pol",
        "tests/policies/failing.pol",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn fmt_rewrites_and_check_reports() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("p.pol");
    let messy = "policy p version \"1\"\nrecord A{age:Int}\ninput a:A\nrule A01 decline when ((a.age<18))  // minors\n";
    std::fs::write(&file, messy).ok();
    let path = file.to_string_lossy().to_string();
    let out = polc(&["fmt", "--check", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("not formatted"), "{}", text(&out.stdout));
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), messy, "--check changes nothing");
    assert_eq!(polc(&["fmt", &path]).status.code(), Some(0));
    let formatted = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(formatted.contains("rule A01 decline when a.age < 18  // minors"), "{formatted}");
    assert_eq!(polc(&["fmt", "--check", &path]).status.code(), Some(0));
    std::fs::write(&file, "policy p version \"1\"\nrule A01 decline\n").ok();
    let out = polc(&["fmt", &path]);
    assert_eq!(out.status.code(), Some(1), "a file with syntax errors is not formatted");
    assert!(text(&out.stderr).contains("P0001"));
}

#[test]
fn a_closed_output_pipe_is_not_a_crash() {
    common::at_workspace_root();
    // enough output to fill the pipe's buffer after the reader has gone
    let mut args = vec!["test", "--coverage"];
    args.extend(std::iter::repeat_n("policies", 100));
    let mut child = Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"));
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
}

#[test]
fn test_human_output_snapshot() {
    common::at_workspace_root();
    let out = polc(&["test", "tests/policies/failing.pol", "--coverage"]);
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn explain_human_output_snapshot() {
    common::at_workspace_root();
    insta::assert_snapshot!(text(&polc(&["explain", "A0308"]).stdout));
}

#[test]
fn run_summary_counts_decisions_and_reasons() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let summary = dir.path().join("summary.json");
    let summary_path = summary.to_string_lossy().to_string();
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "--summary-json", &summary_path]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("1000 records in"), "{stderr}");
    assert!(stderr.contains("reasons, most frequent first:\n  E01 "), "{stderr}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap_or_default()).unwrap_or(Value::Null);
    assert_eq!(json["records"], 1000);
    let decisions: Vec<Value> = lines(&out.stdout);
    let count = |d: &str| decisions.iter().filter(|x| x["decision"] == d).count();
    assert_eq!(json["approve"], count("approve"));
    assert_eq!(json["refer"], count("refer"));
    assert_eq!(json["decline"], count("decline"));
    let r04 =
        decisions.iter().filter(|d| d["reasons"].as_array().is_some_and(|r| r.contains(&Value::from("R04")))).count();
    assert_eq!(json["reasons"]["R04"], r04);
    assert_eq!(json["policy"], "consumer_loan");
}

#[test]
fn every_decision_names_the_versions_of_its_lists() {
    common::at_workspace_root();
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "-q"]);
    let decisions = lines(&out.stdout);
    let versions = decisions[0]["lists"].clone();
    for name in ["fraud_ids", "grey_phones", "bad_devices"] {
        assert!(versions[name].as_str().is_some_and(|v| v.starts_with("sha256:") && v.len() == 71), "{versions}");
    }
    assert!(decisions.iter().all(|d| d["lists"] == versions), "every line carries the same versions");
    // another content for one list gives another version for that list only
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let list = dir.path().join("ids.txt");
    std::fs::write(&list, "110100199003070138\n").ok();
    let binding = format!("fraud_ids={}", list.display());
    let out = polc(&["run", POLICY, "--input", SAMPLE, "--as-of", "2026-11-22", "-q", "--list", &binding]);
    let other = lines(&out.stdout)[0]["lists"].clone();
    assert_ne!(other["fraud_ids"], versions["fraud_ids"]);
    assert_eq!(other["grey_phones"], versions["grey_phones"]);
}

#[test]
fn a_policy_cannot_read_outside_its_root_unless_allowed() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let policy = dir.path().join("loan.pol");
    std::fs::write(&policy, "policy loan version \"1\"\nuse \"../../../../../../../../etc/passwd\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let policy = policy.to_string_lossy().to_string();
    let out = polc(&["check", &policy]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("N0116"), "{stderr}");
    assert!(stderr.contains("`use` path `/etc/passwd` is outside the policy root"), "{stderr}");
    assert!(stderr.contains("--allow-outside-root"), "{stderr}");
    // allowed, the file is read (and is not a policy)
    let out = polc(&["check", "--allow-outside-root", &policy]);
    assert!(!text(&out.stderr).contains("N0116"), "{}", text(&out.stderr));
    // a root above it admits it too
    let out = polc(&["check", "--root", "/", &policy]);
    assert!(!text(&out.stderr).contains("N0116"), "{}", text(&out.stderr));
}

#[test]
fn each_source_limit_has_a_flag_named_in_its_error() {
    common::at_workspace_root();
    let cases: [(&str, &str, &str); 4] = [
        ("--max-source-bytes", "100", "P0007"),
        ("--max-declarations", "3", "P0008"),
        ("--max-nesting", "2", "P0005"),
        ("--max-string-bytes", "4", "P0009"),
    ];
    for (flag, value, code) in cases {
        let out = polc(&["check", POLICY, flag, value]);
        assert_eq!(out.status.code(), Some(1), "{flag}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(code), "{flag}: {stderr}");
        assert!(stderr.contains(&format!("{flag} ({value}")), "{flag}: {stderr}");
    }
    let out = polc(&["check", POLICY, "--max-nesting", "5000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("5000 is more than 4096"), "{}", text(&out.stderr));
    assert_eq!(polc(&["check", POLICY, "--max-declarations", "0"]).status.code(), Some(2));
}

#[test]
fn record_limits_turn_lines_into_error_decisions() {
    common::at_workspace_root();
    let deep = format!(r#"{{"id":"DEEP","x":{}{}}}"#, "[".repeat(10), "]".repeat(10));
    let long = format!(r#"{{"id":"LONG","note":"{}"}}"#, "x".repeat(5000));
    let good = std::fs::read_to_string(SAMPLE).unwrap_or_default().lines().next().unwrap_or_default().to_string();
    let input = format!("{good}\n{deep}\n{long}\n{good}\n");
    let args = ["run", POLICY, "--input", "-", "--as-of", "2026-11-22", "-q", "--max-json-depth", "4"];
    let out = polc_stdin(&[&args[..], &["--max-line-bytes", "4096"]].concat(), input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let decisions = lines(&out.stdout);
    assert_eq!(decisions.len(), 4);
    assert_eq!(decisions[1]["id"], "DEEP");
    assert_eq!(decisions[1]["decision"], "error");
    assert_eq!(decisions[1]["error"]["message"], "nested more than --max-json-depth (4) levels deep");
    assert_eq!(decisions[2]["id"], "LONG");
    assert_eq!(decisions[2]["error"]["message"], "the line is longer than --max-line-bytes (4096 bytes)");
    assert_eq!(decisions[0], decisions[3]);
}

#[test]
fn an_endless_line_is_cut_off_without_holding_it_in_memory() {
    common::at_workspace_root();
    // 64 MiB without a newline, then a good record: the long line becomes one
    // error decision and the record after it is still decided
    let good = std::fs::read_to_string(SAMPLE).unwrap_or_default().lines().next().unwrap_or_default().to_string();
    let mut input = Vec::with_capacity(65 << 20);
    input.extend_from_slice(br#"{"id":"HUGE","note":""#);
    input.resize(64 << 20, b'x');
    input.push(b'\n');
    input.extend_from_slice(good.as_bytes());
    input.push(b'\n');
    let out = polc_stdin(&["run", POLICY, "--input", "-", "--as-of", "2026-11-22", "-q"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let decisions = lines(&out.stdout);
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["id"], "HUGE");
    assert_eq!(decisions[0]["error"]["message"], "the line is longer than --max-line-bytes (1048576 bytes)");
    assert_ne!(decisions[1]["decision"], "error");
}

#[test]
fn a_killed_run_leaves_only_whole_lines_on_standard_output() {
    common::at_workspace_root();
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("many.jsonl");
    let sample = std::fs::read_to_string(SAMPLE).unwrap_or_default();
    std::fs::write(&input, sample.repeat(200)).unwrap_or_else(|e| panic!("{e}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(["run", POLICY, "--as-of", "2026-11-22", "-q", "--input"])
        .arg(&input)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"));
    let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut first = vec![0u8; 100_000];
    stdout.read_exact(&mut first).unwrap_or_else(|e| panic!("{e}"));
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    first.extend_from_slice(&rest);
    assert_eq!(first.last(), Some(&b'\n'), "the output ends with a whole line");
    for line in text(&first).lines() {
        assert!(serde_json::from_str::<Value>(line).is_ok(), "a partial line: {line}");
    }
}

#[test]
fn eval_and_explain_show_every_scorecard_characteristic() {
    common::at_workspace_root();
    let policy = "tests/policies/scorecard.pol";
    let record =
        r#"{"id":"X1","birth_date":"2004-05-01","device_id":null,"loan":{"product":"auto_loan","amount":"1000.00"}}"#;
    let out = polc_stdin(&["eval", policy, "--as-of", "2026-11-22"], record.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    for characteristic in ["age = 22", "applicant.loan.product = auto_loan", "applicant.device_id = none"] {
        assert!(shown.contains(characteristic), "{characteristic}: {shown}");
    }
    insta::assert_snapshot!(shown);
    let out =
        polc_stdin(&["run", policy, "--input", "-", "--as-of", "2026-11-22", "--explain", "-q"], record.as_bytes());
    let decision = &lines(&out.stdout)[0];
    assert_eq!(decision["scores"]["app_score"]["score"], 550);
    let card = &decision["trace"]["scorecards"][0];
    assert_eq!(
        (&card["name"], &card["score"], &card["base"]),
        (&Value::from("app_score"), &Value::from(550), &Value::from(520))
    );
    let characteristics = card["characteristics"].as_array().cloned().unwrap_or_default();
    let rows: Vec<(String, String, String, i64, i64)> = characteristics
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("?").to_string();
            (s("reason"), s("value"), s("bin"), c["points"].as_i64().unwrap_or(-1), c["lost"].as_i64().unwrap_or(-1))
        })
        .collect();
    let row = |r: &str, v: &str, b: &str, p: i64, l: i64| (r.to_string(), v.to_string(), b.to_string(), p, l);
    assert_eq!(
        rows,
        [
            row("S01", "22", "< 25", 10, 30),
            row("S02", "auto_loan", "consumer_loan | auto_loan", 20, 0),
            row("S03", "none", "none", 0, 10),
        ]
    );
}

#[test]
fn check_as_of_reports_what_is_in_force_on_a_date() {
    common::at_workspace_root();
    let policy = "policies/micro_business_loan.pol";
    for (day, value, old, new) in [
        ("2027-06-30", "= 2", "in force      2", "not in force  3"),
        ("2027-07-01", "= 3", "not in force  2", "in force      3"),
    ] {
        let out = polc(&["check", "--as-of", day, policy]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let report = text(&out.stdout);
        assert!(report.contains(&format!("in force on {day}")), "{report}");
        assert!(report.contains(&format!("min_years_in_operation {value}")), "{report}");
        assert!(report.contains(&format!("{old} (effective ..< 2027-07-01)")), "{report}");
        assert!(report.contains(&format!("{new} (effective 2027-07-01 ..)")), "{report}");
    }
    let out = polc(&["check", "--as-of", "2027-07-01", "--format", "json", policy]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let line: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap_or_else(|e| panic!("{e}"));
    let report = &line["in_force"];
    assert_eq!(report["as_of"], "2027-07-01");
    assert_eq!(report["consts"][0]["name"], "min_years_in_operation");
    assert_eq!(report["consts"][0]["value"], "3");
    assert_eq!(report["consts"][0]["versions"][1]["in_force"], true);
    let b05 = report["rules"].as_array().and_then(|r| r.iter().find(|r| r["code"] == "B05")).cloned();
    assert_eq!(b05.map(|r| r["basis"].clone()), Some(Value::from("industry \"行业惯例：营业收入降幅不超过30%\"")));
}

#[test]
fn run_explain_traces_every_credit_limit() {
    common::at_workspace_root();
    let policy = "tests/policies/credit_table.pol";
    let records = [
        r#"{"id":"A","score":650,"product":"auto_loan","amount":"200000.00"}"#,
        r#"{"id":"B","score":550,"product":"consumer_loan","amount":"200000.00"}"#,
        r#"{"id":"C","score":720,"product":"auto_loan","amount":"450000.00"}"#,
    ]
    .join("\n");
    let out =
        polc_stdin(&["run", policy, "--input", "-", "--as-of", "2026-11-22", "--explain", "-q"], records.as_bytes());
    let decided = lines(&out.stdout);
    assert_eq!(decided.len(), 3, "{}", text(&out.stderr));
    let traced: Vec<String> = decided
        .iter()
        .map(|d| {
            let head = format!("{} {} offer {}", d["id"], d["decision"], d["offer"]);
            let limits = serde_json::to_string_pretty(&d["trace"]["credit_limits"]).unwrap_or_default();
            format!("{head}\n{limits}")
        })
        .collect();
    // A: L01 cuts to the table's 100 000 (arm `600 ..< 700, _`), L02 is within
    let a = &decided[0]["trace"]["credit_limits"];
    assert_eq!(
        (&a[0]["code"], &a[0]["effect"], &a[0]["offer"]),
        (&Value::from("L01"), &Value::from("cut"), &Value::from("100000.00"))
    );
    assert_eq!(a[0]["arm"], "600 ..< 700, _");
    assert_eq!(a[1]["effect"], "within");
    assert_eq!(a[1]["floor"], Value::Null);
    // B: the line is below the floor; C: both cut, the smaller wins
    assert_eq!(decided[1]["trace"]["credit_limits"][0]["effect"], "declined");
    assert_eq!(decided[2]["offer"]["amount"], "400000.00");
    insta::assert_snapshot!(traced.join("\n\n"));
}
