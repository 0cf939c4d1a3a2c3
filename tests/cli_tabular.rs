//! `polc run` with CSV and Parquet input and output, through the real binary:
//! the same decisions as JSON Lines, and every kind of bad input — a missing,
//! extra or mistyped column, a bad cell, a ragged row, a byte-order mark,
//! quoted commas, nulls in a required field, a corrupted or empty file. Rows in
//! = rows out, in order, in every test where the input can be read at all.
//! CSV fixtures are in tests/tabular/; Parquet inputs are built here from them.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray,
};
use binary::*;
use polc_core::io::tabular::parquet::{ParquetBatches, ParquetDecisions};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

const POLICY: &str = "policies/consumer_loan.pol";
const AS_OF: &str = "2026-11-22";

fn run(input: &str, extra: &[&str]) -> std::process::Output {
    common::at_workspace_root();
    let mut args = vec!["run", POLICY, "--input", input, "--as-of", AS_OF];
    args.extend_from_slice(extra);
    polc(&args)
}

/// The decision lines of a run that succeeded.
fn decided(input: &str, extra: &[&str]) -> Vec<Value> {
    let out = run(input, &[&["-q"], extra].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    lines(&out.stdout)
}

fn ids(lines: &[Value]) -> Vec<String> {
    lines.iter().map(|l| l["id"].as_str().unwrap_or("").to_string()).collect()
}

fn field<'a>(line: &'a Value, key: &str) -> &'a str {
    line[key].as_str().unwrap_or("")
}

/// The first `n` records of tests/tabular/applicants.jsonl, decided from JSON Lines.
fn expected(n: usize) -> Vec<Value> {
    let all = decided("tests/tabular/applicants.jsonl", &[]);
    all.into_iter().take(n).collect()
}

#[test]
fn csv_input_decides_exactly_as_json_lines() {
    let from_csv = decided("tests/tabular/applicants.csv", &[]);
    assert_eq!(from_csv.len(), 12);
    assert_eq!(from_csv, expected(12));
    // a dotted column reaches the nested field: these records differ by `loan.*`
    assert!(from_csv.iter().any(|l| field(l, "decision") == "decline"));
    // by --input-format too, whatever the extension
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let renamed = dir.path().join("applicants.txt");
    std::fs::copy("tests/tabular/applicants.csv", &renamed).unwrap_or_else(|e| panic!("{e}"));
    let renamed = renamed.to_string_lossy().to_string();
    assert_eq!(decided(&renamed, &["--input-format", "csv"]), expected(12));
    // and from standard input
    let csv = std::fs::read("tests/tabular/applicants.csv").unwrap_or_else(|e| panic!("{e}"));
    let out = polc_stdin(&["run", POLICY, "-i", "-", "--input-format", "csv", "--as-of", AS_OF, "-q"], &csv);
    assert_eq!(lines(&out.stdout), expected(12), "{}", text(&out.stderr));
}

#[test]
fn a_missing_required_column_is_an_error_before_any_decision() {
    let out = run("tests/tabular/missing_column.csv", &["-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no decision written");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no column `loan.amount`: the input record needs it (`Money`)"), "{stderr}");
}

#[test]
fn an_extra_column_is_ignored_with_a_warning_as_jsonl_ignores_unknown_keys() {
    let out = run("tests/tabular/extra_column.csv", &[]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "warning: `tests/tabular/extra_column.csv`: column `segment` is not a field of `Applicant`: ignored"
        ),
        "{stderr}"
    );
    assert_eq!(lines(&out.stdout), expected(5));
}

#[test]
fn a_bad_cell_is_that_rows_error_naming_the_column_and_the_row() {
    let lines = decided("tests/tabular/bad_cell.csv", &[]);
    let want = expected(5);
    assert_eq!(ids(&lines), ids(&want), "rows in = rows out, in order");
    let bad = &lines[2];
    assert_eq!(field(bad, "decision"), "error");
    assert_eq!(bad["line"], 3);
    assert_eq!(bad["error"]["path"], "credit_score");
    assert_eq!(
        bad["error"]["message"],
        "column `credit_score`, row 3: expected a whole number within 64 bits, found `high`"
    );
    for i in [0, 1, 3, 4] {
        assert_eq!(lines[i], want[i], "the rest of the batch goes on");
    }
}

#[test]
fn a_ragged_row_is_that_rows_error_and_the_file_goes_on() {
    let lines = decided("tests/tabular/ragged.csv", &[]);
    let want = expected(5);
    assert_eq!(lines.len(), 5);
    assert_eq!(field(&lines[1], "decision"), "error");
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["error"]["message"], "row 2: the row has 16 cells, the header 17 columns");
    for i in [0, 2, 3, 4] {
        assert_eq!(lines[i], want[i]);
    }
}

#[test]
fn a_byte_order_mark_and_quoted_commas_are_read() {
    assert_eq!(decided("tests/tabular/bom.csv", &[]), expected(5));
    let quoted = decided("tests/tabular/quoted_commas.csv", &[]);
    assert_eq!(quoted.len(), 5);
    assert_eq!(field(&quoted[0], "id"), "A0000001, the first");
    assert_eq!(field(&quoted[0], "decision"), field(&expected(1)[0], "decision"));
}

#[test]
fn a_list_field_is_a_column_of_json_text_checked_as_jsonl_checks_it() {
    common::at_workspace_root();
    let out = polc(&["run", "tests/tabular/tags.pol", "-i", "tests/tabular/tags.csv", "--as-of", AS_OF, "-q"]);
    let lines = lines(&out.stdout);
    let decisions: Vec<&str> = lines.iter().map(|l| field(l, "decision")).collect();
    assert_eq!(decisions, ["approve", "decline", "decline", "error", "error"]);
    assert_eq!(lines[1]["reasons"], serde_json::json!(["C01"]));
    assert_eq!(lines[4]["error"]["path"], "countries.0");
    assert_eq!(lines[4]["error"]["message"], "column `countries`, row 5: expected a string, found a number");
}

#[test]
fn csv_and_parquet_decisions_have_the_flattened_columns_one_row_per_record() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv_out = dir.path().join("decisions.csv");
    let out = run("tests/tabular/bad_cell.csv", &["-q", "-o", &csv_out.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&csv_out).unwrap_or_default();
    let mut rows = written.lines();
    assert_eq!(
        rows.next(),
        Some(
            "id,decision,line,level,refer_to,reasons,error.rule,error.path,error.message,as_of,policy,version,\
             policy_hash,lists.bad_devices,lists.fraud_ids,lists.grey_phones"
        )
    );
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), 5);
    assert!(rows[2].starts_with("A0000003,error,3,,,,,credit_score,\"column `credit_score`, row 3:"), "{}", rows[2]);
    assert!(rows[3].starts_with("A0000004,decline,,,,\"[\"\"A04\"\"]\""), "{}", rows[3]);

    let parquet_out = dir.path().join("decisions.parquet");
    let out = run("tests/tabular/bad_cell.csv", &["-q", "-o", &parquet_out.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file = std::fs::File::open(&parquet_out).unwrap_or_else(|e| panic!("{e}"));
    let mut batches = ParquetBatches::new(file, 1024).unwrap_or_else(|e| panic!("{e}"));
    let batch = batches.next_batch().unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("a batch"));
    assert_eq!(batch.num_rows(), 5);
    let decision = batch.column_by_name("decision").unwrap_or_else(|| panic!("a decision column"));
    // the reader gives text columns as string views
    let decision = decision.as_any().downcast_ref::<arrow_array::StringViewArray>().unwrap_or_else(|| panic!("text"));
    let decisions: Vec<&str> = decision.iter().flatten().collect();
    assert_eq!(decisions, ["approve", "approve", "error", "decline", "approve"]);
    assert!(batches.next_batch().unwrap_or_else(|e| panic!("{e}")).is_none());
}

/// The first five applicants as a typed Parquet file: dates as Date32,
/// incomes as Decimal128, loan amounts as Float64, counts as integers.
fn typed_parquet(path: &Path, change: impl FnOnce(&mut Vec<(&'static str, ArrayRef)>)) {
    common::at_workspace_root();
    let text = std::fs::read_to_string("tests/tabular/applicants.csv").unwrap_or_default();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).take(5).map(|l| l.split(',').collect()).collect();
    let cell = |c: usize| rows.iter().map(move |r| r[c]).collect::<Vec<_>>();
    let strings = |c: usize| Arc::new(StringArray::from(cell(c))) as ArrayRef;
    let optional = |c: usize| {
        Arc::new(StringArray::from(cell(c).into_iter().map(|s| (!s.is_empty()).then_some(s)).collect::<Vec<_>>()))
            as ArrayRef
    };
    let ints = |c: usize| {
        Arc::new(Int64Array::from(cell(c).iter().map(|s| s.parse().unwrap_or(-1)).collect::<Vec<i64>>())) as ArrayRef
    };
    let cents = |c: usize| {
        let values: Vec<i128> =
            cell(c).iter().map(|s| (s.parse::<f64>().unwrap_or(0.0) * 100.0).round() as i128).collect();
        let array = Decimal128Array::from(values).with_precision_and_scale(18, 2).unwrap_or_else(|e| panic!("{e}"));
        Arc::new(array) as ArrayRef
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let dates: Vec<i32> = cell(2)
        .iter()
        .map(|s| (chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default() - epoch).num_days() as i32)
        .collect();
    let mut columns: Vec<(&'static str, ArrayRef)> = vec![
        ("id", strings(0)),
        ("id_number", strings(1)),
        ("birth_date", Arc::new(Date32Array::from(dates))),
        ("is_student", Arc::new(BooleanArray::from(cell(3).iter().map(|s| *s == "true").collect::<Vec<_>>()))),
        ("monthly_income", cents(4)),
        ("monthly_debt", cents(5)),
        ("credit_score", ints(6)),
        (
            "overdue_count_24m",
            Arc::new(Int32Array::from(cell(7).iter().map(|s| s.parse().unwrap_or(-1)).collect::<Vec<i32>>())),
        ),
        ("phone", strings(8)),
        ("device_id", optional(9)),
        ("branch_level", strings(10)),
        ("loan.product", strings(11)),
        (
            "loan.amount",
            Arc::new(Float64Array::from(cell(12).iter().map(|s| s.parse().unwrap_or(0.0)).collect::<Vec<f64>>())),
        ),
        ("loan.term_months", ints(13)),
        ("loan.funder", strings(14)),
        ("loan.transfer_count", ints(15)),
        ("loan.premium_rate", strings(16)),
    ];
    change(&mut columns);
    let batch = RecordBatch::try_from_iter(columns).unwrap_or_else(|e| panic!("{e}"));
    let mut writer = ParquetDecisions::new(batch.schema()).unwrap_or_else(|e| panic!("{e}"));
    let mut bytes = writer.write(&batch).unwrap_or_else(|e| panic!("{e}"));
    bytes.extend(writer.finish().unwrap_or_else(|e| panic!("{e}")));
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn typed_parquet_columns_decide_exactly_as_json_lines() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("applicants.parquet");
    typed_parquet(&path, |_| {});
    assert_eq!(decided(&path.to_string_lossy(), &[]), expected(5));
}

#[test]
fn a_parquet_column_of_the_wrong_type_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("wrong_type.parquet");
    typed_parquet(&path, |columns| {
        columns[6] = ("credit_score", Arc::new(Float64Array::from(vec![700.0; 5])));
    });
    let out = run(&path.to_string_lossy(), &["-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("column `credit_score` holds Float64, which cannot be read as `Int`"), "{stderr}");
}

#[test]
fn a_null_in_a_required_parquet_field_is_that_rows_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("nulls.parquet");
    typed_parquet(&path, |columns| {
        columns[12] =
            ("loan.amount", Arc::new(Float64Array::from(vec![Some(3033000.0), None, Some(10.0), None, Some(5.5)])));
    });
    let lines = decided(&path.to_string_lossy(), &[]);
    assert_eq!(ids(&lines), ids(&expected(5)));
    for (i, row) in [(1, 2), (3, 4)] {
        assert_eq!(field(&lines[i], "decision"), "error");
        assert_eq!(lines[i]["error"]["path"], "loan.amount");
        assert_eq!(lines[i]["error"]["message"], format!("column `loan.amount`, row {row}: required, but empty"));
    }
    assert_ne!(field(&lines[0], "decision"), "error");
}

#[test]
fn a_corrupted_or_empty_parquet_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good = dir.path().join("good.parquet");
    typed_parquet(&good, |_| {});
    let bytes = std::fs::read(&good).unwrap_or_default();
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&cut.to_string_lossy(), &["-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("not a readable Parquet file"), "{}", text(&out.stderr));

    let empty = dir.path().join("empty.parquet");
    std::fs::write(&empty, b"").unwrap_or_else(|e| panic!("{e}"));
    let out = run(&empty.to_string_lossy(), &["-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a readable Parquet file"), "{}", text(&out.stderr));

    // a file of no rows is no error: no decisions
    let none = dir.path().join("none.parquet");
    typed_parquet(&none, |columns| {
        for (_, array) in columns.iter_mut() {
            *array = array.slice(0, 0);
        }
    });
    assert_eq!(decided(&none.to_string_lossy(), &[]), Vec::<Value>::new());
}

#[test]
fn parquet_is_not_read_from_standard_input_and_explain_needs_json_lines() {
    common::at_workspace_root();
    let out = polc_stdin(&["run", POLICY, "-i", "-", "--input-format", "parquet", "--as-of", AS_OF, "-q"], b"PAR1");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Parquet cannot be read from standard input"), "{}", text(&out.stderr));
    let out = run("tests/tabular/applicants.csv", &["-q", "--output-format", "csv", "--explain"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--explain and --messages add JSON"), "{}", text(&out.stderr));
}
