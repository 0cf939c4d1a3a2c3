//! `polc diff` through the real binary: the report's counts agree with two
//! `polc run`s of the same input, the formats, the refusals before any work,
//! `--changed-only` and `--old-rev`.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use binary::*;
use polc_core::io::tabular::parquet::ParquetDecisions;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const SAMPLE: &str = "examples/applicants.jsonl";

/// A copy of `policies/` in a new directory, with `consumer_loan_dti45.pol`
/// beside it: the DTI threshold lowered from 50 % to 45 %.
fn policies() -> (tempfile::TempDir, PathBuf, PathBuf) {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let copy = |from: &Path, to: &Path| std::fs::copy(from, to).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join("lists")).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir("policies/lists").into_iter().flatten().flatten() {
        copy(&entry.path(), &dir.path().join("lists").join(entry.file_name()));
    }
    copy(Path::new("policies/common.pol"), &dir.path().join("common.pol"));
    let old = dir.path().join("consumer_loan.pol");
    copy(Path::new("policies/consumer_loan.pol"), &old);
    let source = std::fs::read_to_string(&old).unwrap_or_else(|e| panic!("{e}"));
    let lowered = source.replace("dti <= 50%", "dti <= 45%").replace("version \"2026.11\"", "version \"dti45\"");
    assert_ne!(lowered, source);
    let new = dir.path().join("consumer_loan_dti45.pol");
    std::fs::write(&new, lowered).unwrap_or_else(|e| panic!("{e}"));
    (dir, old, new)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap_or_else(|| panic!("a UTF-8 path"))
}

fn json(out: &std::process::Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// `polc diff OLD NEW -i INPUT --as-of 2026-11-22 --format json -q EXTRA…`, its report parsed.
fn diff_report(old: &Path, new: &Path, input: &str, extra: &[&str]) -> Value {
    let mut args = vec!["diff", s(old), s(new), "-i", input, "--as-of", "2026-11-22", "--format", "json", "-q"];
    args.extend_from_slice(extra);
    json(&polc(&args))
}

/// Each record's (decision, reasons) under `policy`, by `polc run`.
fn decisions(policy: &Path, input: &str) -> Vec<(String, Vec<String>)> {
    let out = polc(&["run", s(policy), "--input", input, "--as-of", "2026-11-22", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    lines(&out.stdout)
        .iter()
        .map(|line| {
            let reasons = line["reasons"].as_array().into_iter().flatten();
            (
                line["decision"].as_str().unwrap_or("").to_string(),
                reasons.filter_map(|r| r.as_str().map(String::from)).collect(),
            )
        })
        .collect()
}

#[test]
fn the_swap_matrix_is_what_two_runs_decide() {
    let (_dir, old, new) = policies();
    let out = polc(&["diff", s(&old), s(&new), "--input", SAMPLE, "--as-of", "2026-11-22", "--format", "json", "-q"]);
    let report = json(&out);
    let (was, is) = (decisions(&old, SAMPLE), decisions(&new, SAMPLE));
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    for ((o, _), (n, _)) in was.iter().zip(&is) {
        *expected.entry((o.clone(), n.clone())).or_default() += 1;
    }
    let cells = report["matrix"].as_array().unwrap_or_else(|| panic!("a matrix"));
    assert_eq!(cells.len(), 16);
    for cell in cells {
        let key = (cell["old"].as_str().unwrap_or("").to_string(), cell["new"].as_str().unwrap_or("").to_string());
        assert_eq!(cell["share"]["count"].as_u64(), Some(expected.get(&key).copied().unwrap_or(0)), "{key:?}");
    }
    assert_eq!(report["records"], 1000);
    let changed = was.iter().zip(&is).filter(|(o, n)| o.0 != n.0).count() as u64;
    assert!(changed > 0, "lowering the threshold changes some decisions");
    assert_eq!(report["changed"].as_u64(), Some(changed));
    let approved = |d: &[(String, Vec<String>)]| d.iter().filter(|(x, _)| x == "approve").count() as u64;
    assert_eq!(report["approval_old"]["count"].as_u64(), Some(approved(&was)));
    assert_eq!(report["approval_new"]["count"].as_u64(), Some(approved(&is)));
    let a03 = report["reasons"].as_array().into_iter().flatten().find(|r| r["code"] == "A03").cloned();
    let fired = |d: &[(String, Vec<String>)]| d.iter().filter(|(_, r)| r.iter().any(|c| c == "A03")).count() as u64;
    let a03 = a03.unwrap_or_else(|| panic!("A03 is reported"));
    assert_eq!((a03["fired_old"].as_u64(), a03["fired_new"].as_u64()), (Some(fired(&was)), Some(fired(&is))));
    let shared: Vec<&str> = report["shared_lists"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert_eq!(shared, ["bad_devices", "fraud_ids", "grey_phones"]);
}

#[test]
fn the_text_report_reads_like_the_docs() {
    let (_dir, old, new) = policies();
    let out = polc(&[
        "diff",
        s(&old),
        s(&new),
        "-i",
        SAMPLE,
        "--as-of",
        "2026-11-22",
        "--by",
        "loan.product",
        "--exposure",
        "loan.amount",
        "--examples",
        "3",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.starts_with("polc diff: consumer_loan 2026.11 → consumer_loan dti45, as of 2026-11-22\n1000 records, "),
        "{report}"
    );
    for section in [
        "swap matrix",
        "exposure approved (sum of `loan.amount`, exact)",
        "reason codes",
        "referral load per level",
        "by `loan.product`",
        "changed records: decision or reasons (the first 3)",
    ] {
        assert!(report.contains(section), "no {section}: {report}");
    }
    assert!(report.contains("  A03 "), "{report}");
}

/// The sample with a top-level `claim_paid` on every line: true on every 7th.
fn labelled(dir: &Path) -> PathBuf {
    let sample = std::fs::read_to_string(SAMPLE).unwrap_or_else(|e| panic!("{e}"));
    let mut out = String::new();
    for (i, line) in sample.lines().enumerate() {
        let line = line.strip_suffix('}').unwrap_or_else(|| panic!("a JSON object"));
        out.push_str(&format!("{line},\"claim_paid\":{}}}\n", i % 7 == 0));
    }
    let path = dir.join("labelled.jsonl");
    std::fs::write(&path, out).unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn bad_rates_count_the_labels_of_each_population() {
    let (dir, old, new) = policies();
    let input = labelled(dir.path());
    let out = polc(&[
        "diff",
        s(&old),
        s(&new),
        "-i",
        s(&input),
        "--as-of",
        "2026-11-22",
        "--label",
        "claim_paid",
        "--by",
        "branch_level",
        "--format",
        "json",
    ]);
    let report = json(&out);
    let (was, is) = (decisions(&old, s(&input)), decisions(&new, s(&input)));
    let bad = |keep: &dyn Fn(usize) -> bool| {
        let of = (0..was.len()).filter(|&i| keep(i)).count() as u64;
        ((0..was.len()).filter(|&i| keep(i) && i % 7 == 0).count() as u64, of)
    };
    let rate = |name: &str| {
        (report["label"][name]["count"].as_u64().unwrap_or(99), report["label"][name]["of"].as_u64().unwrap_or(99))
    };
    assert_eq!(rate("all"), bad(&|_| true));
    assert_eq!(rate("approved_old"), bad(&|i| was[i].0 == "approve"));
    assert_eq!(rate("approved_new"), bad(&|i| is[i].0 == "approve"));
    assert_eq!(rate("swap_out"), bad(&|i| was[i].0 == "approve" && is[i].0 != "approve"));
    assert_eq!(rate("swap_in"), bad(&|i| is[i].0 == "approve" && was[i].0 != "approve"));
    assert_eq!(report["label"]["unlabelled"], 0);
    // per segment: the bad rate of the approved of one branch level
    let sample = std::fs::read_to_string(SAMPLE).unwrap_or_else(|e| panic!("{e}"));
    let levels: Vec<String> = sample
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .map(|v| v["branch_level"].as_str().unwrap_or("").to_string())
                .unwrap_or_default()
        })
        .collect();
    let rows = report["segments"][0]["rows"].as_array().unwrap_or_else(|| panic!("segment rows"));
    let city = rows.iter().find(|r| r["value"] == "city").unwrap_or_else(|| panic!("a city row"));
    let expected = bad(&|i| levels[i] == "city" && was[i].0 == "approve");
    assert_eq!(
        (city["bad_rate_old"]["count"].as_u64(), city["bad_rate_old"]["of"].as_u64()),
        (Some(expected.0), Some(expected.1))
    );
    let expected = bad(&|i| levels[i] == "city" && is[i].0 == "approve");
    assert_eq!(
        (city["bad_rate_new"]["count"].as_u64(), city["bad_rate_new"]["of"].as_u64()),
        (Some(expected.0), Some(expected.1))
    );
}

#[test]
fn a_label_that_is_missing_or_no_flag_is_refused_before_any_work() {
    let (dir, old, new) = policies();
    let out_file = dir.path().join("report.txt");
    let out = polc(&["diff", s(&old), s(&new), "-i", SAMPLE, "--label", "claim_paid", "-o", s(&out_file)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("error: `--label claim_paid`: the first record has no `claim_paid`"),
        "{}",
        text(&out.stderr)
    );
    assert!(!out_file.exists(), "nothing is written");
    let out = polc(&["diff", s(&old), s(&new), "-i", SAMPLE, "--label", "loan.amount"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`--label loan.amount` is `Money` in the input record: a label is a Bool"),
        "{}",
        text(&out.stderr)
    );
    let out = polc(&["diff", s(&old), s(&new), "-i", SAMPLE, "--by", "loan.prodct"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("record `Loan` has no field `prodct` (did you mean `product`?)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn policies_with_other_input_records_are_refused_naming_the_differences() {
    let (dir, old, _) = policies();
    let other = dir.path().join("other.pol");
    let source = std::fs::read_to_string(&old).unwrap_or_else(|e| panic!("{e}"));
    let changed = source.replace("  credit_score: Int\n", "  credit_score: Decimal\n  region: String?\n");
    assert_ne!(changed, source);
    std::fs::write(
        &other,
        changed
            .replace("applicant.credit_score < 550", "applicant.credit_score < 550.0")
            .replace("applicant.credit_score < 620", "applicant.credit_score < 620.0"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = polc(&["diff", s(&old), s(&other), "-i", SAMPLE, "-q"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error: the two policies read different input records:"), "{stderr}");
    assert!(stderr.contains("  - field `region` is in NEW only"), "{stderr}");
    assert!(stderr.contains("  - field `credit_score` is `Int` in OLD, `Decimal` in NEW"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn changed_only_writes_every_changed_record_as_jsonl() {
    let (dir, old, new) = policies();
    let out_file = dir.path().join("changed.jsonl");
    let out =
        polc(&["diff", s(&old), s(&new), "-i", SAMPLE, "--as-of", "2026-11-22", "--changed-only", "-o", s(&out_file)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read(&out_file).unwrap_or_else(|e| panic!("{e}"));
    let changed = lines(&written);
    let (was, is) = (decisions(&old, SAMPLE), decisions(&new, SAMPLE));
    let expected: Vec<u64> = (0..was.len()).filter(|&i| was[i] != is[i]).map(|i| i as u64 + 1).collect();
    let got: Vec<u64> = changed.iter().filter_map(|c| c["line"].as_u64()).collect();
    assert_eq!(got, expected);
    let first = &changed[0];
    let i = expected[0] as usize - 1;
    assert_eq!(
        (first["old"]["decision"].as_str(), first["new"]["decision"].as_str()),
        (Some(was[i].0.as_str()), Some(is[i].0.as_str()))
    );
    assert_eq!(first["new"]["version"], "dti45");
    assert!(text(&out.stderr).contains("1000 records, "), "{}", text(&out.stderr));
}

#[test]
fn the_html_report_is_one_page_with_its_charts_inline() {
    let (dir, old, new) = policies();
    let input = labelled(dir.path());
    let page = dir.path().join("report.html");
    let out = polc(&[
        "diff",
        s(&old),
        s(&new),
        "-i",
        s(&input),
        "--as-of",
        "2026-11-22",
        "--label",
        "claim_paid",
        "--by",
        "branch_level",
        "--format",
        "html",
        "-o",
        s(&page),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{e}"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    // approval by branch_level, bad rate overall and by branch_level, reason codes, referral load
    assert_eq!(html.matches("<svg").count(), 5, "{html}");
    assert!(html.matches("<rect").count() > 20, "the bars are drawn");
    assert!(html.contains("<table class=\"matrix\">"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="), "nothing is fetched");
}

#[test]
fn old_rev_reads_the_committed_version_with_git() {
    let (dir, old, new) = policies();
    let git = |args: &[&str]| {
        let out =
            Command::new("git").arg("-C").arg(dir.path()).args(args).output().unwrap_or_else(|e| panic!("git: {e}"));
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "the policy as shipped"]);
    std::fs::copy(&new, &old).unwrap_or_else(|e| panic!("{e}"));
    let sample = common::workspace_root().join(SAMPLE);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_polc"))
            .current_dir(dir.path())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let out = run(&[
        "diff",
        "--old-rev",
        "HEAD",
        "consumer_loan.pol",
        "-i",
        s(&sample),
        "--as-of",
        "2026-11-22",
        "--format",
        "json",
        "-q",
    ]);
    let report = json(&out);
    assert_eq!(
        (report["old"]["version"].as_str(), report["new"]["version"].as_str()),
        (Some("2026.11"), Some("dti45"))
    );
    assert!(report["changed"].as_u64() > Some(0));
    let out = run(&["diff", "--old-rev", "no-such-rev", "consumer_loan.pol", "-i", s(&sample)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("error: --old-rev no-such-rev: no commit `no-such-rev`"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["diff", "--old-rev", "HEAD", "consumer_loan.pol", "common.pol", "-i", s(&sample)]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn records_in_error_under_one_version_only_are_a_swap_of_their_own() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let policy = |name: &str, rule: &str| {
        let path = dir.path().join(name);
        let text = format!("policy p version \"{name}\"\nrecord A {{ id: String, n: Int }}\ninput a: A\n{rule}\n");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        path
    };
    let old = policy("old", "rule A01 \"small\" decline when a.n < 1");
    let new = policy("new", "rule A01 \"ratio\" decline when 10 / a.n < 1");
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\":\"a\",\"n\":0}\n{\"id\":\"b\",\"n\":20}\n{\"id\":\"c\",\"n\":5}\nnot json\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let report = diff_report(&old, &new, s(&input), &[]);
    let count = |o: &str, n: &str| {
        report["matrix"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["old"] == o && c["new"] == n)
            .and_then(|c| c["share"]["count"].as_u64())
    };
    assert_eq!(count("decline", "error"), Some(1), "{report}");
    assert_eq!(count("approve", "decline"), Some(1));
    assert_eq!(count("approve", "approve"), Some(1));
    assert_eq!(count("error", "error"), Some(1));
    assert_eq!(report["records"], 4);
}

/// The offers of each `polc run` line of `policy` over `input`: (decision, amount).
fn offers(policy: &Path, input: &str) -> Vec<(String, rust_decimal::Decimal)> {
    let out = polc(&["run", s(policy), "--input", input, "--as-of", "2026-11-22", "-q"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out.stderr));
    lines(&out.stdout)
        .iter()
        .filter_map(|line| {
            let amount = line["offer"]["amount"].as_str()?.parse().unwrap_or_else(|e| panic!("{e}"));
            Some((line["decision"].as_str().unwrap_or("").to_string(), amount))
        })
        .collect()
}

#[test]
fn counter_offers_are_counted_and_summed_exactly_for_both_versions() {
    // beside the copy of `policies/` (lists and common.pol) that `policies()` makes
    let (dir, consumer_old, consumer_new) = policies();
    let old = dir.path().join("micro_business_loan.pol");
    std::fs::copy("policies/micro_business_loan.pol", &old).unwrap_or_else(|e| panic!("{e}"));
    let source = std::fs::read_to_string(&old).unwrap_or_else(|e| panic!("{e}"));
    let tighter = source.replace("enterprise.annual_revenue * 30%", "enterprise.annual_revenue * 6%");
    assert_ne!(tighter, source);
    let new = dir.path().join("micro_business_loan_6.pol");
    std::fs::write(&new, tighter).unwrap_or_else(|e| panic!("{e}"));
    let input = "examples/micro_business_loan.jsonl";
    let report = diff_report(&old, &new, input, &[]);
    for (side, policy) in [("old", &old), ("new", &new)] {
        let expected = offers(policy, input);
        let got = &report["offers"][side];
        assert_eq!(got["offers"].as_u64(), Some(expected.len() as u64), "{side}: {report}");
        let approved: Vec<_> = expected.iter().filter(|(d, _)| d == "approve").collect();
        assert_eq!(got["approved"].as_u64(), Some(approved.len() as u64), "{side}");
        let sum: rust_decimal::Decimal = expected.iter().map(|(_, a)| a).sum();
        assert_eq!(got["offered"].as_str(), Some(sum.to_string().as_str()), "{side}");
        let sum: rust_decimal::Decimal = approved.iter().map(|(_, a)| a).sum();
        assert_eq!(got["approved_offered"].as_str(), Some(sum.to_string().as_str()), "{side}");
    }
    let offered = |side: &str| -> rust_decimal::Decimal {
        report["offers"][side]["offered"].as_str().and_then(|t| t.parse().ok()).unwrap_or_default()
    };
    assert!(offered("new") < offered("old"), "a tighter line offers less: {report}");
    let out = polc(&["diff", s(&old), s(&new), "-i", input, "--as-of", "2026-11-22", "-q"]);
    let shown = text(&out.stdout);
    assert!(shown.contains("counter-offers (a credit limit cut the requested amount; sums exact)"), "{shown}");
    let out = polc(&["diff", s(&old), s(&new), "-i", input, "--as-of", "2026-11-22", "--format", "html", "-q"]);
    let page = text(&out.stdout);
    let offered_new = report["offers"]["new"]["offered"].as_str().unwrap_or("none").to_string();
    assert!(page.contains("<h2>Counter-offers</h2>") && page.contains(&format!("<td>{offered_new}</td>")), "{page}");
    // a policy without credit limits reports no offers at all
    let (old, new) = (consumer_old, consumer_new);
    let report = diff_report(&old, &new, SAMPLE, &[]);
    assert!(report["offers"].is_null(), "{report}");
}

#[test]
fn the_record_limits_apply_to_both_versions() {
    let (dir, old, new) = policies();
    let input = dir.path().join("long.jsonl");
    let sample = std::fs::read_to_string(SAMPLE).unwrap_or_else(|e| panic!("{e}"));
    let first = sample.lines().next().unwrap_or_else(|| panic!("a sample line"));
    let long = first.replacen("{", &format!("{{\"pad\":\"{}\",", "x".repeat(600)), 1);
    std::fs::write(&input, format!("{first}\n{long}\n[[[[1]]]]\n")).unwrap_or_else(|e| panic!("{e}"));
    let report = diff_report(&old, &new, s(&input), &["--max-line-bytes", "500", "--max-json-depth", "3"]);
    assert_eq!(report["records"], 3, "{report}");
    let errors = report["matrix"].as_array().into_iter().flatten().find(|c| c["old"] == "error" && c["new"] == "error");
    assert_eq!(errors.and_then(|c| c["share"]["count"].as_u64()), Some(2), "{report}");
    let out = polc(&["diff", s(&old), s(&new), "-i", s(&input), "--max-json-depth", "9999"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// The sample with a `claim_paid` label (true on every 7th record) and a
/// `channel` (`web`, `branch` or the number 7) the input record does not
/// declare, and one bad cell (record 5's `credit_score` is `abc`), as JSON
/// Lines, as CSV (dotted column names) and as Parquet (dates Date32, money
/// Decimal128, counts Int64, the label Boolean, text for the rest).
fn portfolio(dir: &Path) -> [PathBuf; 3] {
    use arrow_array::builder::{BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder, StringBuilder};
    use arrow_array::{ArrayRef, RecordBatch};
    let sample = std::fs::read_to_string(SAMPLE).unwrap_or_else(|e| panic!("{e}"));
    let mut jsonl = String::new();
    let mut rows: Vec<Vec<(String, Value)>> = Vec::new();
    for (i, line) in sample.lines().enumerate() {
        let mut record: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
        record["claim_paid"] = Value::Bool(i % 7 == 0);
        record["channel"] = [Value::from("web"), Value::from("branch"), Value::from(7)][i % 3].clone();
        if i == 4 {
            record["credit_score"] = Value::from("abc");
        }
        jsonl.push_str(&serde_json::to_string(&record).unwrap_or_else(|e| panic!("{e}")));
        jsonl.push('\n');
        let mut cells = Vec::new();
        flatten("", &record, &mut cells);
        rows.push(cells);
    }
    let names: Vec<String> = rows.first().into_iter().flatten().map(|(name, _)| name.clone()).collect();
    let shown = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let paths = [dir.join("portfolio.jsonl"), dir.join("portfolio.csv"), dir.join("portfolio.parquet")];
    std::fs::write(&paths[0], jsonl).unwrap_or_else(|e| panic!("{e}"));
    let mut csv = ::csv::Writer::from_path(&paths[1]).unwrap_or_else(|e| panic!("{e}"));
    csv.write_record(&names).unwrap_or_else(|e| panic!("{e}"));
    for row in &rows {
        csv.write_record(row.iter().map(|(_, v)| shown(v))).unwrap_or_else(|e| panic!("{e}"));
    }
    csv.flush().unwrap_or_else(|e| panic!("{e}"));
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let columns: Vec<(String, ArrayRef)> = names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let cells = rows.iter().map(|r| r.get(c).map(|(_, v)| v.clone()).unwrap_or(Value::Null));
            let array: ArrayRef = match name.as_str() {
                "birth_date" => {
                    let mut b = Date32Builder::new();
                    for v in cells {
                        let date = chrono::NaiveDate::parse_from_str(&shown(&v), "%Y-%m-%d").unwrap_or_default();
                        b.append_value((date - epoch).num_days() as i32);
                    }
                    Arc::new(b.finish())
                }
                "monthly_income" | "monthly_debt" | "loan.amount" => {
                    let mut b = Decimal128Builder::new();
                    for v in cells {
                        let mut d: rust_decimal::Decimal = shown(&v).parse().unwrap_or_else(|e| panic!("{e}"));
                        d.rescale(2);
                        b.append_value(d.mantissa());
                    }
                    Arc::new(b.finish().with_precision_and_scale(28, 2).unwrap_or_else(|e| panic!("{e}")))
                }
                "overdue_count_24m" | "loan.term_months" => {
                    let mut b = Int64Builder::new();
                    cells.for_each(|v| b.append_option(v.as_i64()));
                    Arc::new(b.finish())
                }
                "is_student" | "claim_paid" => {
                    let mut b = BooleanBuilder::new();
                    cells.for_each(|v| b.append_option(v.as_bool()));
                    Arc::new(b.finish())
                }
                _ => {
                    let mut b = StringBuilder::new();
                    cells.for_each(|v| b.append_option((!v.is_null()).then(|| shown(&v))));
                    Arc::new(b.finish())
                }
            };
            (name.clone(), array)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(columns).unwrap_or_else(|e| panic!("{e}"));
    let mut writer = ParquetDecisions::new(batch.schema()).unwrap_or_else(|e| panic!("{e}"));
    let mut bytes = writer.write(&batch).unwrap_or_else(|e| panic!("{e}"));
    bytes.extend(writer.finish().unwrap_or_else(|e| panic!("{e}")));
    std::fs::write(&paths[2], bytes).unwrap_or_else(|e| panic!("{e}"));
    paths
}

/// A JSON object's leaves as (dotted path, value), in order.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(fields) => {
            for (key, value) in fields {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, value, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

#[test]
fn csv_parquet_and_json_lines_of_one_portfolio_give_the_same_report() {
    let (dir, old, new) = policies();
    let [jsonl, csv, parquet] = portfolio(dir.path());
    let extra = [
        "--label",
        "claim_paid",
        "--by",
        "loan.product",
        "--by",
        "channel",
        "--exposure",
        "loan.amount",
        "--examples",
        "5",
        "--threads",
        "2",
    ];
    let report = diff_report(&old, &new, s(&jsonl), &extra);
    assert_eq!(report["records"], 1000);
    assert!(report["changed"].as_u64() > Some(0), "lowering the threshold changes some decisions");
    let errors = report["matrix"].as_array().into_iter().flatten().find(|c| c["old"] == "error" && c["new"] == "error");
    assert_eq!(errors.map(|c| c["share"]["count"].clone()), Some(Value::from(1)), "the bad cell's row: {report}");
    let channel = &report["segments"][1]["rows"];
    let names: Vec<&str> = channel.as_array().into_iter().flatten().filter_map(|r| r["value"].as_str()).collect();
    assert_eq!(names.len(), 3, "web, branch and 7: {channel}");
    for input in [&csv, &parquet] {
        assert_eq!(diff_report(&old, &new, s(input), &extra), report, "{}", input.display());
    }
    // and as text, on one thread, with the format named instead of found by the extension
    let text_of = |input: &Path, format: &str| {
        let named = dir.path().join(format!("portfolio-{format}.data"));
        std::fs::copy(input, &named).unwrap_or_else(|e| panic!("{e}"));
        let mut args = vec!["diff", s(&old), s(&new), "-i", s(&named), "--as-of", "2026-11-22", "-q"];
        args.extend_from_slice(&["--input-format", format, "--threads", "1"]);
        args.extend_from_slice(&extra[..extra.len() - 2]);
        let out = polc(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let expected = text_of(&jsonl, "jsonl");
    assert!(expected.contains("by `channel`"), "{expected}");
    assert_eq!(text_of(&csv, "csv"), expected);
    assert_eq!(text_of(&parquet, "parquet"), expected);
    // every changed record, in input order, the same from each format
    let changed = |input: &Path| {
        let out = polc(&["diff", s(&old), s(&new), "-i", s(input), "--as-of", "2026-11-22", "--changed-only", "-q"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        lines(&out.stdout)
    };
    let expected = changed(&jsonl);
    // decided differently, or the same with other reasons
    assert!(expected.len() as u64 >= report["changed"].as_u64().unwrap_or(u64::MAX), "{}", expected.len());
    assert_eq!(changed(&csv), expected);
    assert_eq!(changed(&parquet), expected);
}

#[test]
fn a_table_without_the_label_column_is_refused_and_the_columns_read_are_not_warned_about() {
    let (dir, old, new) = policies();
    let [_, csv, parquet] = portfolio(dir.path());
    for input in [&csv, &parquet] {
        let out = polc(&["diff", s(&old), s(&new), "-i", s(input), "--as-of", "2026-11-22", "--label", "went_bad"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("`--label went_bad`: the table has no column `went_bad`"),
            "{}",
            text(&out.stderr)
        );
        let out = polc(&["diff", s(&old), s(&new), "-i", s(input), "--as-of", "2026-11-22", "--label", "claim_paid"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("`claim_paid`"), "the label's column is read: {stderr}");
        assert!(stderr.contains("warning: ") && stderr.contains("column `channel` is not a field"), "{stderr}");
    }
    let out = polc(&["diff", s(&old), s(&new), "-i", s(&dir.path().join("none.csv")), "--as-of", "2026-11-22"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
}
