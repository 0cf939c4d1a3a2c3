//! The real `polc` binary, for CI and for audit: `check --format
//! json|sarif|github|junit`, directories and standard input, I/O errors as
//! diagnostics, `run --fail-on`, the summary, `"as_of"` and `"line"` on decision
//! lines, completions, the manual page and `--version`.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use binary::*;

use serde_json::Value;

const POLICY: &str = "policies/consumer_loan.pol";
const SAMPLE: &str = "examples/applicants.jsonl";
const FIXTURE: &str = "tests/policies/error_and_warning.pol";

fn first_sample_line() -> String {
    std::fs::read_to_string(SAMPLE).unwrap_or_default().lines().next().unwrap_or_default().to_string()
}

// ------------------------------------------------------------------ check formats

#[test]
fn check_json_has_a_schema_version_and_columns_in_characters() {
    common::at_workspace_root();
    let out = polc(&["check", "--format", "json", FIXTURE]);
    assert_eq!(out.status.code(), Some(1));
    let diagnostics = lines(&out.stdout);
    assert_eq!(diagnostics.len(), 2, "{}", text(&out.stdout));
    assert!(diagnostics.iter().all(|d| d["schema_version"] == 1));
    let error = &diagnostics[1];
    assert_eq!(error["code"], "T0202");
    // `rule A01 "收入不足" decline when applicant.income < 3000`: `3000` starts at
    // character 49 of line 14 (byte 57: each of the four Chinese characters takes three)
    assert_eq!((error["line"].as_u64(), error["column"].as_u64()), (Some(14), Some(49)));
    assert_eq!(error["labels"][0]["end_column"], 53, "end columns count characters too");
}

#[test]
fn check_formats_snapshots() {
    common::at_workspace_root();
    for format in ["json", "sarif", "github", "junit"] {
        let out = polc(&["check", "--format", format, FIXTURE]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        insta::assert_snapshot!(format!("check_format_{format}"), text(&out.stdout));
    }
}

#[test]
fn sarif_has_what_the_2_1_0_schema_requires() {
    common::at_workspace_root();
    let out = polc(&["check", "--format", "sarif", FIXTURE, "policies/common.pol"]);
    let log: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().is_some_and(|s| s.contains("sarif-2.1.0")));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "polc");
    let rules = run["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
    let results = run["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 2);
    for result in &results {
        let rule = &rules[result["ruleIndex"].as_u64().unwrap_or(99) as usize];
        assert_eq!(rule["id"], result["ruleId"], "ruleIndex points at the rule");
        assert!(rule["help"]["text"].as_str().is_some_and(|h| h.contains("Wrong:")), "help from the catalogue");
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(["error", "warning"].contains(&result["level"].as_str().unwrap_or("")));
        assert!(result["message"]["text"].is_string());
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], FIXTURE);
        assert!(location["region"]["startLine"].as_u64().is_some_and(|l| l > 0));
    }
    // an unreadable file is a result too, on its first line
    let out = polc(&["check", "--format", "sarif", "no/such file.pol"]);
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "N0107");
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "no/such%20file.pol");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
}

#[test]
fn an_unreadable_file_is_a_diagnostic_in_every_format() {
    common::at_workspace_root();
    let out = polc(&["check", "no/such.pol", POLICY]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("N0107"), "{stderr}");
    assert!(stderr.contains("cannot read `no/such.pol`"), "{stderr}");
    assert!(stderr.contains("checked 2 files: 1 error, 0 warnings"), "the I/O error is counted: {stderr}");
    let out = polc(&["check", "--format", "json", "no/such.pol"]);
    assert_eq!(out.status.code(), Some(2));
    let diagnostics = lines(&out.stdout);
    assert_eq!(diagnostics.len(), 1, "{}", text(&out.stdout));
    assert_eq!(diagnostics[0]["code"], "N0107");
    assert_eq!(diagnostics[0]["file"], "no/such.pol");
    assert_eq!(diagnostics[0]["line"], Value::Null);
    let out = polc(&["check", "--format", "github", "policies"]);
    assert_eq!(out.status.code(), Some(0), "a directory: {}", text(&out.stderr));
    let out = polc(&["check", "--format", "junit", "no/such.pol"]);
    assert!(text(&out.stdout).contains(r#"errors="1""#), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("<error type=\"N0107\""), "{}", text(&out.stdout));
}

#[test]
fn check_walks_a_directory_and_reads_standard_input() {
    common::at_workspace_root();
    let out = polc(&["check", "policies"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("checked 3 files: 0 errors, 0 warnings"), "{}", text(&out.stderr));
    let source = std::fs::read_to_string(FIXTURE).unwrap_or_default();
    let out = polc_stdin(&["check", "-", "--format", "json", "--stdin-name", "buffer.pol"], source.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let diagnostics = lines(&out.stdout);
    assert_eq!(diagnostics.len(), 2);
    assert!(diagnostics.iter().all(|d| d["file"] == "buffer.pol"), "{}", text(&out.stdout));
    // a relative `use` is found beside the name standard input stands for
    let policy = std::fs::read_to_string(POLICY).unwrap_or_default();
    let out = polc_stdin(&["check", "-", "--stdin-name", POLICY], policy.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = polc_stdin(&["check", "-"], b"\xff\xfe not text");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read `<stdin>`: it is not UTF-8 text"), "{}", text(&out.stderr));
}

#[test]
fn fmt_formats_standard_input_to_standard_output() {
    common::at_workspace_root();
    let out = polc_stdin(
        &["fmt", "-"],
        b"policy p version \"1\"\nrecord A{age:Int}\ninput a:A\nrule A01 decline when ((a.age<18))\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "policy p version \"1\"\n\nrecord A {\n  age: Int\n}\n\ninput a: A\n\nrule A01 decline when a.age < 18\n"
    );
    let formatted = std::fs::read_to_string(POLICY).unwrap_or_default();
    let out = polc_stdin(&["fmt", "-"], formatted.as_bytes());
    assert_eq!(text(&out.stdout), formatted, "a formatted policy comes back as it was");
    let out = polc_stdin(&["fmt", "--check", "-"], b"policy p version \"1\"\nrecord A{age:Int}\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("<stdin>: not formatted"), "{}", text(&out.stdout));
    let out = polc_stdin(&["fmt", "-", "--stdin-name", "editor.pol"], b"policy p version \"1\"\nrule (\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing to replace the buffer with: {}", text(&out.stdout));
    assert!(text(&out.stderr).contains("editor.pol"), "{}", text(&out.stderr));
    let out = polc(&["fmt", "--check", "policies"]);
    assert_eq!(out.status.code(), Some(0), "a directory: {}", text(&out.stdout));
}

// ------------------------------------------------------------------ run: audit and CI

#[test]
fn every_decision_line_carries_as_of() {
    common::at_workspace_root();
    let input = format!("{}\nnot json\n\n", first_sample_line());
    for extra in [&[][..], &["--messages"][..], &["--explain"][..]] {
        let args = [&["run", POLICY, "-i", "-", "--as-of", "2026-03-04", "-q"][..], extra].concat();
        let out = polc_stdin(&args, input.as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let decisions = lines(&out.stdout);
        assert_eq!(decisions.len(), 3);
        for d in &decisions {
            assert_eq!(d["as_of"], "2026-03-04", "{extra:?}: {d}");
        }
    }
    // placed after the decision, before the policy's name
    let out = polc_stdin(&["run", POLICY, "-i", "-", "--as-of", "2026-03-04", "-q"], first_sample_line().as_bytes());
    let line = text(&out.stdout);
    assert!(line.contains(r#"],"as_of":"2026-03-04","policy":"consumer_loan","#), "{line}");
}

#[test]
fn error_lines_carry_their_input_line_number_and_keep_the_id() {
    common::at_workspace_root();
    let good = first_sample_line();
    let cut = good.find(",\"birth_date\"").unwrap_or(0);
    let mut input: Vec<u8> = Vec::new();
    let mut push = |line: &[u8]| {
        input.extend_from_slice(line);
        input.push(b'\n');
    };
    push(good.as_bytes()); // 1
    push(format!("{}\u{feff}{}", &good[..cut + 1], &good[cut + 1..]).as_bytes()); // 2: a BOM later on
    push(&[good.as_bytes().get(..cut).unwrap_or_default(), b",\"x\":\"\xff\"}"].concat()); // 3: not UTF-8, later on
    push(format!("\u{feff}{good}").as_bytes()); // 4: a BOM first
    push(b""); // 5
    push(br#"{"id":"T6","#); // 6: cut short
    push(good.as_bytes()); // 7
    let out = polc_stdin(&["run", POLICY, "-i", "-", "--as-of", "2026-11-22", "-q"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let decisions = lines(&out.stdout);
    assert_eq!(decisions.len(), 7);
    let id = serde_json::from_str::<Value>(&good).unwrap_or(Value::Null)["id"].clone();
    for (i, d) in decisions.iter().enumerate() {
        let number = i as u64 + 1;
        if [1, 7].contains(&number) {
            assert_ne!(d["decision"], "error", "{d}");
            assert_eq!(d.get("line"), None, "only error lines carry it: {d}");
            continue;
        }
        assert_eq!(d["decision"], "error", "{d}");
        assert_eq!(d["line"].as_u64(), Some(number), "{d}");
        match number {
            2..=4 => assert_eq!(d["id"], id, "line {number}: {d}"),
            6 => assert_eq!(d["id"], "T6"),
            _ => assert_eq!(d.get("id"), None),
        }
    }
    assert_eq!(decisions[2]["error"]["message"], format!("the line is not valid UTF-8 (at byte {})", cut + 7));
    assert!(decisions[3]["error"]["message"].as_str().is_some_and(|m| m.contains("byte order mark")));
    // a damaged id is not given as the id
    let out = polc_stdin(&["run", POLICY, "-i", "-", "-q"], b"{\"id\":\"A\xff1\"}\n");
    assert_eq!(lines(&out.stdout)[0].get("id"), None);
}

/// Line numbers across blocks and pieces decided on several threads, for
/// invalid records and for records whose evaluation fails.
#[test]
fn line_numbers_hold_across_blocks_and_threads() {
    common::at_workspace_root();
    let mut input = String::new();
    let mut failing = Vec::new();
    for i in 1..=60_000u64 {
        let line = match i % 1009 {
            0 => "{\"id\":".to_string(),
            7 => format!("{{\"id\":\"E{i}\",\"monthly_income\":\"0.00\",\"monthly_debt\":\"1.00\"}}"),
            _ => format!("{{\"id\":\"E{i}\",\"monthly_income\":\"1000.00\",\"monthly_debt\":\"100.00\"}}"),
        };
        if i % 1009 == 0 || i % 1009 == 7 {
            failing.push(i);
        }
        input.push_str(&line);
        input.push('\n');
    }
    assert!(input.len() > 2 << 20, "several blocks");
    for threads in ["1", "3"] {
        let args = ["run", "tests/policies/runtime_error.pol", "-i", "-", "-q", "--threads", threads];
        let out = polc_stdin(&args, input.as_bytes());
        let decisions = lines(&out.stdout);
        assert_eq!(decisions.len(), 60_000);
        let numbered: Vec<u64> = decisions.iter().filter_map(|d| d["line"].as_u64()).collect();
        assert_eq!(numbered, failing, "--threads {threads}");
        for &n in &failing {
            assert_eq!(decisions[n as usize - 1]["decision"], "error");
        }
    }
}

#[test]
fn fail_on_exits_1_when_a_record_has_that_decision() {
    common::at_workspace_root();
    let run = |fail_on: &str| polc(&["run", POLICY, "-i", SAMPLE, "--as-of", "2026-11-22", "-q", "--fail-on", fail_on]);
    let out = run("decline");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out.stdout).len(), 1000, "every decision is still written");
    assert!(text(&out.stderr).contains("records were declined (--fail-on)"), "{}", text(&out.stderr));
    assert_eq!(run("error").status.code(), Some(0), "the sample has no error");
    let out = run("error,refer");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("were referred"));
    let broken = polc_stdin(&["run", POLICY, "-i", "-", "--fail-on", "error"], b"oops\n");
    assert_eq!(broken.status.code(), Some(1));
    assert!(text(&broken.stderr).contains("1 record got an error decision"), "{}", text(&broken.stderr));
    assert_eq!(run("approve").status.code(), Some(2), "not a decision --fail-on takes");
}

#[test]
fn the_summary_is_for_a_risk_officer() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let summary = dir.path().join("summary.json");
    let summary_path = summary.to_string_lossy().to_string();
    let out = polc(&["run", POLICY, "-i", SAMPLE, "--as-of", "2026-11-22", "--summary-json", &summary_path]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).unwrap_or_default()).unwrap_or(Value::Null);
    let (approve, refer) = (json["approve"].as_u64().unwrap_or(0), json["refer"].as_u64().unwrap_or(0));
    let percent = |n: u64| format!("{:.1}%", n as f64 / 10.0);
    assert!(stderr.contains(&format!("approve   {approve}   {}   at city ", percent(approve))), "{stderr}");
    assert!(stderr.contains(&format!("refer     {refer}   {}   to city ", percent(refer))), "{stderr}");
    assert!(stderr.contains("  E01  231   23.1%  超出本级授权\n"), "with its message: {stderr}");
    // reasons most frequent first
    let counts: Vec<u64> =
        json["by_reason"].as_array().into_iter().flatten().filter_map(|r| r["count"].as_u64()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]) && counts.len() > 5, "{counts:?}");
    assert_eq!(json["by_reason"][0]["message"], "超出本级授权");
    // approvals and referrals per level add up
    let sum = |key: &str| json[key].as_object().into_iter().flatten().filter_map(|(_, n)| n.as_u64()).sum::<u64>();
    assert_eq!((sum("approved_by"), sum("referred_to")), (approve, refer));
    assert_eq!(json["percent"]["approve"].as_f64(), Some(approve as f64 / 10.0));
    // what the run was
    assert_eq!(json["as_of"], "2026-11-22");
    assert_eq!(json["input"], SAMPLE);
    for list in ["fraud_ids", "grey_phones", "bad_devices"] {
        assert!(json["lists"][list].as_str().is_some_and(|h| h.starts_with("sha256:")), "{}", json["lists"]);
    }
    assert!(json["policy_hash"].as_str().is_some_and(|h| h.starts_with("sha256:")));
}

// ------------------------------------------------------------------ describing itself

#[test]
fn every_subcommand_has_examples_and_exit_codes_in_its_help() {
    common::at_workspace_root();
    for command in ["check", "run", "eval", "test", "fmt", "explain", "completions", "man"] {
        let out = polc(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}");
        let help = text(&out.stdout);
        assert!(help.contains(&format!("Examples:\n  polc {command}")), "{command} --help: {help}");
        assert!(help.contains("Exit codes: 0 ok, 1 policy errors, 2 usage or I/O errors"), "{command} --help");
    }
}

#[test]
fn version_completions_and_manual_page() {
    common::at_workspace_root();
    let version = text(&polc(&["--version"]).stdout);
    let commit = version.trim().strip_prefix("polc 0.1.0 (").and_then(|v| v.strip_suffix(')'));
    assert!(
        commit.is_some_and(|c| c == "unknown" || (c.len() >= 7 && c.chars().all(|c| c.is_ascii_hexdigit()))),
        "{version}"
    );
    for (shell, marker) in
        [("bash", "_polc()"), ("zsh", "#compdef polc"), ("fish", "complete -c polc"), ("elvish", "polc")]
    {
        let out = polc(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains(marker) && script.contains("fail-on"), "{shell}: {script}");
    }
    assert_eq!(polc(&["completions", "cmd.exe"]).status.code(), Some(2));
    let out = polc(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.starts_with(".ie") || page.contains(".TH polc 1"), "{page}");
    assert!(page.contains("polc\\-run") || page.contains("run"), "lists the subcommands");
    let page = text(&polc(&["man", "--command", "run"]).stdout);
    assert!(page.contains(".TH polc-run 1"), "{page}");
    assert!(page.contains("fail\\-on"), "{page}");
    let out = polc(&["man", "--command", "frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no subcommand `frobnicate`"));
}
