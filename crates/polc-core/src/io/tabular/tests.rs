//! The column reader on hand-made batches: typed cells, optional nested
//! records, the float rule, and what is refused before any row.

use super::columns::InputColumns;
use super::TabularError;
use crate::engine::batch::{Batch, BatchOptions};
use crate::{MemoryLoader, Policy};
use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray, UInt64Array};
use std::sync::Arc;

const SOURCE: &str = "policy t version \"1\"\n\
    record Person { name: String, age: Int }\n\
    record Applicant { id: String, income: Money, score: Int?, co: Person? }\n\
    input applicant: Applicant\n\
    rule A01 \"low income\" decline when applicant.income < 1000 CNY\n";

fn batch() -> Batch {
    let policy = Policy::from_source("t.pol", SOURCE, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e:?}"));
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    Batch::new(&policy, BatchOptions::new(as_of).threads(2)).unwrap_or_else(|e| panic!("{e}"))
}

fn table(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).unwrap_or_else(|e| panic!("{e}"))
}

fn texts(batch: &RecordBatch, column: &str) -> Vec<Option<String>> {
    let array = batch.column_by_name(column).unwrap_or_else(|| panic!("no {column}"));
    array.as_string::<i32>().iter().map(|s| s.map(str::to_string)).collect()
}

#[test]
fn typed_cells_and_optional_nested_records_are_read_as_jsonl_reads_them() {
    let income = Decimal128Array::from(vec![Some(150_000), Some(99_999), Some(500_000), Some(500_000), None])
        .with_precision_and_scale(18, 2)
        .unwrap_or_else(|e| panic!("{e}"));
    let input = table(vec![
        ("id", Arc::new(StringArray::from(vec!["a", "b", "c", "d", "e"]))),
        ("income", Arc::new(income)),
        ("co.name", Arc::new(StringArray::from(vec![None, Some("x"), Some("y"), Some("z"), None]))),
        ("co.age", Arc::new(UInt64Array::from(vec![None, Some(30), None, Some(u64::MAX), None]))),
    ]);
    let decided = batch().decide_batch(&input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decided.num_rows(), 5);
    let decisions: Vec<Option<String>> = texts(&decided, "decision");
    let want = ["approve", "decline", "error", "error", "error"].map(|s| Some(s.to_string()));
    assert_eq!(decisions, want);
    let messages = texts(&decided, "error.message");
    // `co` is optional: none when all its cells are empty, else it needs its required fields
    assert_eq!(messages[2].as_deref(), Some("column `co.age`, row 3: required, but empty"));
    assert_eq!(
        messages[3].as_deref(),
        Some("column `co.age`, row 4: expected a whole number within 64 bits, found `18446744073709551615`")
    );
    assert_eq!(messages[4].as_deref(), Some("column `income`, row 5: required, but empty"));
    assert_eq!(texts(&decided, "id")[4].as_deref(), Some("e"), "an error row keeps its id");
    let line = decided.column_by_name("line").map(|a| a.as_primitive::<arrow_array::types::UInt64Type>().clone());
    let line: Vec<Option<u64>> = line.iter().flat_map(|a| a.iter()).collect();
    assert_eq!(line, [None, None, Some(3), Some(4), Some(5)]);
}

#[test]
fn a_float_is_a_decimal_only_when_it_cannot_be_another_one() {
    let input = table(vec![
        ("id", Arc::new(StringArray::from(vec!["a", "b", "c"]))),
        ("income", Arc::new(Float64Array::from(vec![1500.1, 0.1 + 0.2, 1e20]))),
    ]);
    let decided = batch().decide_batch(&input).unwrap_or_else(|e| panic!("{e}"));
    let decisions = texts(&decided, "decision");
    assert_eq!(decisions[0].as_deref(), Some("approve"));
    for row in [1, 2] {
        assert_eq!(decisions[row].as_deref(), Some("error"));
        let message = texts(&decided, "error.message")[row].clone().unwrap_or_default();
        assert!(message.contains("may not be the decimal meant"), "{message}");
    }
}

#[test]
fn what_cannot_be_read_is_refused_before_any_row_and_what_is_ignored_is_said() {
    let b = batch();
    let missing = table(vec![("id", Arc::new(StringArray::from(vec!["a"])) as ArrayRef)]);
    assert_eq!(
        b.decide_batch(&missing).err(),
        Some(TabularError::MissingColumn { column: "income".into(), expected: "`Money`".into() })
    );
    let wrong = table(vec![
        ("id", Arc::new(StringArray::from(vec!["a"])) as ArrayRef),
        ("income", Arc::new(StringArray::from(vec!["1"]))),
        ("score", Arc::new(Float64Array::from(vec![1.0]))),
    ]);
    assert!(matches!(b.decide_batch(&wrong), Err(TabularError::ColumnType { column, .. }) if column == "score"));
    let extra = table(vec![
        ("id", Arc::new(StringArray::from(vec!["a"])) as ArrayRef),
        ("income", Arc::new(Int64Array::from(vec![5000]))),
        ("segment", Arc::new(StringArray::from(vec!["x"]))),
    ]);
    let columns: InputColumns = b.input_columns(&extra.schema()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        columns.warnings(),
        [
            "no column `score`: the optional field is none in every row",
            "column `segment` is not a field of `Applicant`: ignored",
        ]
    );
    let decided = b.decide_batch(&extra).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(texts(&decided, "decision"), [Some("approve".to_string())]);
}

/// `records` (JSON objects) as a batch of text columns named by their dotted
/// paths: a nested record's fields are its columns (null where it is null), a
/// list is its JSON text.
fn text_table(records: &[serde_json::Value]) -> RecordBatch {
    fn leaves(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, Option<String>)>) {
        match value {
            serde_json::Value::Object(fields) => {
                for (key, value) in fields {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    leaves(&path, value, out);
                }
            }
            serde_json::Value::Null => out.push((prefix.to_string(), None)),
            serde_json::Value::String(s) => out.push((prefix.to_string(), Some(s.clone()))),
            other => out.push((prefix.to_string(), Some(other.to_string()))),
        }
    }
    let rows: Vec<Vec<(String, Option<String>)>> = records
        .iter()
        .map(|r| {
            let mut out = Vec::new();
            leaves("", r, &mut out);
            out
        })
        .collect();
    let mut names: Vec<String> = rows.iter().flatten().map(|(n, _)| n.clone()).collect();
    names.sort();
    names.dedup();
    // a null record's column is a prefix of its fields' columns: keep only the fields'
    let names: Vec<String> =
        names.iter().filter(|n| !names.iter().any(|m| m.starts_with(&format!("{n}.")))).cloned().collect();
    let columns: Vec<(String, ArrayRef)> = names
        .iter()
        .map(|name| {
            let cells: Vec<Option<String>> = rows
                .iter()
                .map(|row| {
                    let parent = |(n, _): &&(String, Option<String>)| name.starts_with(&format!("{n}."));
                    match row.iter().find(|(n, _)| n == name) {
                        Some((_, cell)) => cell.clone(),
                        None => row.iter().find(parent).and_then(|(_, cell)| cell.clone()),
                    }
                })
                .collect();
            (name.clone(), Arc::new(StringArray::from(cells)) as ArrayRef)
        })
        .collect();
    RecordBatch::try_from_iter(columns).unwrap_or_else(|e| panic!("{e}"))
}

/// Every cell of `got` is the cell of `want` in the column of its name (as
/// text, nulls as nulls); both have the same columns in the same order.
fn assert_same_cells(got: &RecordBatch, want: &RecordBatch) {
    let names = |b: &RecordBatch| b.schema().fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
    assert_eq!(names(got), names(want));
    assert_eq!(got.num_rows(), want.num_rows());
    for (field, (g, w)) in want.schema().fields().iter().zip(got.columns().iter().zip(want.columns())) {
        for row in 0..want.num_rows() {
            let cell = |a: &ArrayRef| (a.is_null(row), super::decisions::cell_text(a.as_ref(), row));
            assert_eq!(cell(g), cell(w), "column {}, row {row}", field.name());
        }
    }
}

/// The decisions encoded straight from the engine's decisions are the
/// verdicts' columns (the reference encoding, of `polc run`'s CSV and
/// Parquet), cell for cell: approvals at a level, referrals, declines,
/// scores with their reasons, counter-offers, outputs of every kind, bad
/// cells and run-time (rule) errors; and the stamp is one dictionary value.
#[test]
fn decisions_encoded_from_the_engine_are_the_verdicts_columns() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let jsonl = |path: &str| -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"))).collect()
    };
    let mut income_zero = Vec::new();
    // more rows than a piece (8192): pieces joined
    for i in 0..20_000 {
        let income = if i % 7 == 3 { "0.00" } else { "1000.00" };
        let debt = if i % 5 == 1 { "900.00" } else { "100.00" };
        income_zero.push(serde_json::json!({"id": format!("E{i}"), "monthly_income": income, "monthly_debt": debt}));
    }
    let mut consumer = jsonl("examples/applicants.jsonl");
    // bad cells: a score that is not a number, a missing required field
    if let Some(serde_json::Value::Object(r)) = consumer.get_mut(7) {
        r.insert("credit_score".into(), serde_json::json!("high"));
    }
    if let Some(serde_json::Value::Object(r)) = consumer.get_mut(1500 % 1000) {
        r.insert("monthly_income".into(), serde_json::Value::Null);
    }
    let micro: Vec<serde_json::Value> =
        jsonl("examples/micro_business_loan.jsonl").into_iter().cycle().take(2100).collect();
    let outputs = "policy o version \"1\"\n\
        record Applicant { id: String, income: Money, since: Date, rate: Decimal, score: Int? }\n\
        input applicant: Applicant\n\
        rule A01 \"low income\" decline when applicant.income < 1000 CNY\n\
        output rich = applicant.income > 5000 CNY\n\
        output since = applicant.since\n\
        output rate = applicant.rate\n\
        output half = applicant.income / 3\n\
        output score = applicant.score\n";
    let typed: Vec<serde_json::Value> = (0..1500)
        .map(|i| {
            let score = if i % 3 == 0 { serde_json::Value::Null } else { serde_json::json!(600 + i % 100) };
            serde_json::json!({"id": format!("T{i}"), "income": format!("{}.{:02}", 500 + i * 7, i % 100),
                               "since": "2020-02-29", "rate": "0.1250", "score": score})
        })
        .collect();
    let cases = [
        ("policies/consumer_loan.pol", consumer),
        ("policies/micro_business_loan.pol", micro),
        ("tests/policies/runtime_error.pol", income_zero),
        ("outputs", typed),
    ];
    for (path, records) in cases {
        let policy = match path {
            "outputs" => Policy::from_source("o.pol", outputs, &MemoryLoader::new()),
            _ => Policy::from_file(&root.join(path), &crate::FsLoader),
        };
        let policy = policy.unwrap_or_else(|e| panic!("{e:?}"));
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        let b = Batch::new(&policy, BatchOptions::new(as_of).threads(2)).unwrap_or_else(|e| panic!("{e}"));
        let input = text_table(&records);
        let columns = b.input_columns(&input.schema()).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (verdicts, counted) = b.decide_rows(&columns, &input, 1, None).unwrap_or_else(|e| panic!("{e}"));
        let want = b.decision_columns().encode(&verdicts).unwrap_or_else(|e| panic!("{e}"));
        let got = b.decide_batch(&input).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_same_cells(&got, &want);
        assert_eq!(got.schema(), b.table_decision_columns().schema());
        // the same rows through the plain columns, with the counts
        let plain = b.decision_columns();
        let one =
            [crate::engine::batch::TableInput { columns: &columns, batch: &input, first_row: 1, row_errors: None }];
        let (tables, summary) = b.decide_tables(&one, &plain).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tables.len(), 1);
        assert_eq!(tables.first().map(|t| t.schema()), Some(want.schema()));
        assert_same_cells(tables.first().unwrap_or_else(|| panic!("a table")), &want);
        assert_eq!(
            (
                summary.records,
                summary.approve,
                summary.refer,
                summary.decline,
                summary.record_errors,
                summary.rule_errors
            ),
            (
                counted.records,
                counted.approve,
                counted.refer,
                counted.decline,
                counted.record_errors,
                counted.rule_errors
            ),
        );
        assert_eq!(summary.reasons().collect::<Vec<_>>(), counted.reasons().collect::<Vec<_>>());
        // what the case is there for: each of these columns has values and nulls
        let mixed: &[&str] = match path {
            "policies/consumer_loan.pol" => &["level", "refer_to", "error.path", "line"],
            "policies/micro_business_loan.pol" => {
                &["scores.business_score.reasons", "offer.amount", "offer.adjustments", "outputs.risk_grade"]
            }
            "tests/policies/runtime_error.pol" => &["error.rule", "error.message", "reasons"],
            _ => &["outputs.score"],
        };
        for name in mixed {
            let column = got.column_by_name(name).unwrap_or_else(|| panic!("{path}: no {name}"));
            assert!(column.null_count() > 0 && column.null_count() < column.len(), "{path}: {name}");
        }
        // the stamp: one dictionary value, a zero key a row
        let as_of_column = got.column_by_name("as_of").unwrap_or_else(|| panic!("as_of"));
        let dictionary = as_of_column.as_any_dictionary_opt().unwrap_or_else(|| panic!("a dictionary"));
        assert_eq!(dictionary.values().len(), 1);
    }
}

#[test]
fn rows_decided_into_lines_are_the_verdicts_as_json() {
    let b = batch();
    let income = Decimal128Array::from(vec![Some(150_000), Some(99_999), None, Some(500_000)])
        .with_precision_and_scale(18, 2)
        .unwrap_or_else(|e| panic!("{e}"));
    let input = table(vec![
        ("id", Arc::new(StringArray::from(vec!["a", "b", "c", "d"])) as ArrayRef),
        ("income", Arc::new(income)),
        ("score", Arc::new(Int64Array::from(vec![Some(700), None, Some(1), Some(2)]))),
    ]);
    let columns = b.input_columns(&input.schema()).unwrap_or_else(|e| panic!("{e}"));
    // row 4 is a ragged CSV row, say: an error whatever its cells
    let early = [None, None, None, Some("the row has 2 cells, the header 3 columns".to_string())];
    let (verdicts, counted) = b.decide_rows(&columns, &input, 7, Some(&early)).unwrap_or_else(|e| panic!("{e}"));
    let mut lines = String::new();
    let summary = b.decide_rows_into(&columns, &input, 7, Some(&early), &mut lines).unwrap_or_else(|e| panic!("{e}"));
    let want: String =
        verdicts.iter().map(|v| serde_json::to_string(v).unwrap_or_else(|e| panic!("{e}")) + "\n").collect();
    assert_eq!(lines, want);
    assert!(lines.contains("\"line\":9") && lines.contains("\"line\":10"), "{lines}");
    // the pieces' strings reused: stale text and more strings than pieces left from before
    let mut texts = vec!["stale\n".to_string(); 3];
    let again = b.decide_rows_into_pieces(&columns, &input, 7, Some(&early), &mut texts);
    assert_eq!(again.map(|s| s.approve).ok(), Some(counted.approve));
    assert_eq!(texts.concat(), want);
    assert_eq!(texts.len(), 1, "one piece of rows");
    assert_eq!((summary.approve, summary.decline, summary.errors()), (counted.approve, counted.decline, 2));
}

#[test]
fn cells_read_besides_the_record_and_the_warnings_left_for_them() {
    use super::columns::{Cell, Column};
    let b = batch();
    let dec = Decimal128Array::from(vec![Some(303_300_000), None]).with_precision_and_scale(18, 2);
    let input = table(vec![
        ("id", Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef),
        ("income", Arc::new(Int64Array::from(vec![5000, 6000]))),
        ("claim_paid", Arc::new(arrow_array::BooleanArray::from(vec![Some(true), None]))),
        ("amount", Arc::new(dec.unwrap_or_else(|e| panic!("{e}")))),
        ("big", Arc::new(UInt64Array::from(vec![u64::MAX, 7]))),
    ]);
    let column = |name: &str| input.column_by_name(name).unwrap_or_else(|| panic!("no {name}"));
    let cells = |name: &str| {
        let c = Column::of(column(name).as_ref()).unwrap_or_else(|| panic!("{name} is read"));
        [c.cell(0), c.cell(1), c.cell(2)]
    };
    assert_eq!(cells("claim_paid"), [Cell::Bool(true), Cell::Null, Cell::Null]);
    assert_eq!(cells("amount"), [Cell::Other("3033000.00".into()), Cell::Null, Cell::Null]);
    assert_eq!(cells("big"), [Cell::Other(u64::MAX.to_string()), Cell::Int(7), Cell::Null]);
    assert_eq!(cells("id")[0], Cell::Text("a"));
    let columns = b.input_columns(&input.schema()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(columns.warnings().len(), 4, "{:?}", columns.warnings());
    let left = columns.warnings_besides(&["claim_paid", "big"]);
    assert_eq!(
        left,
        [
            "no column `score`: the optional field is none in every row",
            "column `amount` is not a field of `Applicant`: ignored",
        ]
        .map(String::from)
        .to_vec()
    );
}

#[test]
fn batches_decided_in_pieces_are_the_batches_decided_whole_cut_where_the_pieces_end() {
    // 20,000 rows: three pieces of about equal size; 3 rows: one; none: no piece
    let rows = |n: usize, first: usize| {
        let ids: Vec<String> = (first..first + n).map(|i| format!("r{i}")).collect();
        let income: Vec<Option<i64>> =
            (first..first + n).map(|i| (i % 97 != 0).then_some(500 + 7 * i as i64)).collect();
        table(vec![
            ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
            ("income", Arc::new(Int64Array::from(income))),
        ])
    };
    let inputs = [rows(20_000, 0), rows(3, 20_000), rows(0, 20_003), rows(8_192, 20_003)];
    let b = batch();
    let whole = b.decide_batches(&inputs).unwrap_or_else(|e| panic!("{e}"));
    let pieces = b.decide_batches_in_pieces(&inputs).unwrap_or_else(|e| panic!("{e}"));
    let sizes: Vec<usize> = pieces.iter().map(RecordBatch::num_rows).collect();
    assert_eq!(sizes, [6667, 6667, 6666, 3, 8192]);
    let schema = b.table_decision_columns().schema();
    assert!(pieces.iter().all(|p| p.schema() == schema), "every piece is a whole decision batch");
    let nonempty: Vec<&RecordBatch> = whole.iter().filter(|w| w.num_rows() > 0).collect();
    let joined = arrow_select::concat::concat_batches(&schema, &pieces[..3]).unwrap_or_else(|e| panic!("{e}"));
    assert_same_cells(&joined, nonempty[0]);
    assert_same_cells(&pieces[3], nonempty[1]);
    assert_same_cells(&pieces[4], nonempty[2]);
    // an error row's number is its row in its input batch, whichever piece it is in
    let line = joined.column_by_name("line").map(|a| a.as_primitive::<arrow_array::types::UInt64Type>().clone());
    let numbered: Vec<(usize, u64)> =
        line.iter().flat_map(|a| a.iter()).enumerate().filter_map(|(i, n)| Some((i, n?))).collect();
    assert!(!numbered.is_empty() && numbered.iter().all(|&(i, n)| n == i as u64 + 1 && i % 97 == 0));
}

/// A policy whose outputs are its input's fields, so that a row's line shows
/// every value read: each field type the typed readers read.
const TYPED: &str = "policy ty version \"1\"\n\
    enum Tier { gold, silver }\n\
    record Loan { amount: Money, since: Date? }\n\
    record Applicant { id: String, income: Money, rate: Decimal?, score: Int?, flag: Bool?, born: Date?, tier: Tier?, loan: Loan? }\n\
    input applicant: Applicant\n\
    rule A01 \"low income\" decline when applicant.income < 1000 CNY\n\
    output income = applicant.income\n\
    output rate = applicant.rate\n\
    output score = applicant.score\n\
    output flag = applicant.flag\n\
    output born = applicant.born\n\
    output tier = applicant.tier\n";

fn typed_policy() -> Batch {
    let policy = Policy::from_source("ty.pol", TYPED, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e:?}"));
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    Batch::new(&policy, BatchOptions::new(as_of).threads(2)).unwrap_or_else(|e| panic!("{e}"))
}

/// The decision lines of `input`'s rows.
fn lines_of(b: &Batch, input: &RecordBatch) -> Vec<String> {
    let columns = b.input_columns(&input.schema()).unwrap_or_else(|e| panic!("{e}"));
    let mut out = String::new();
    b.decide_rows_into(&columns, input, 1, None, &mut out).unwrap_or_else(|e| panic!("{e}"));
    out.lines().map(str::to_string).collect()
}

fn decimals(mantissas: &[Option<i128>], precision: u8, scale: i8) -> ArrayRef {
    let array = Decimal128Array::from(mantissas.to_vec()).with_precision_and_scale(precision, scale);
    Arc::new(array.unwrap_or_else(|e| panic!("{e}")))
}

fn dates(days: &[Option<i32>]) -> ArrayRef {
    Arc::new(arrow_array::Date32Array::from(days.to_vec()))
}

fn date_texts(days: &[Option<i32>]) -> ArrayRef {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let text = |d: i32| (epoch + chrono::TimeDelta::days(i64::from(d))).to_string();
    Arc::new(StringArray::from(days.iter().map(|d| d.map(text)).collect::<Vec<_>>()))
}

fn views(cells: &[Option<&str>]) -> ArrayRef {
    Arc::new(arrow_array::StringViewArray::from(cells.to_vec()))
}

fn dictionary<K: arrow_array::types::ArrowDictionaryKeyType>(cells: &[Option<&str>]) -> ArrayRef {
    Arc::new(cells.iter().copied().collect::<arrow_array::DictionaryArray<K>>())
}

/// Each typed column (Decimal128 at the column's scale, Int64 and narrower
/// integers, Boolean, Date32, dictionary-encoded text, nulls in each) is read
/// as the same cells written as text are: the same decision lines, row for
/// row, errors included.
#[test]
fn typed_columns_are_read_as_their_cells_written_as_text_are() {
    use arrow_array::types::{Int32Type as K32, Int8Type as K8};
    let b = typed_policy();
    let ids = [Some("a"), Some("b"), Some("c"), Some("d"), Some("e"), Some("f")];
    let tiers = [Some("gold"), Some("silver"), None, Some("bronze"), Some("gold"), None];
    let income = [Some(150_000), Some(99_999), Some(500_000), Some(123_456_789), Some(100_000), None];
    let income_text = [Some("1500.00"), Some("999.99"), Some("5000.00"), Some("1234567.89"), Some("1000.00"), None];
    let rate = [Some(1250), None, Some(0), Some(-5), Some(99_999), Some(1)];
    let rate_text = [Some("0.1250"), None, Some("0.0000"), Some("-0.0005"), Some("9.9999"), Some("0.0001")];
    let score: [Option<i32>; 6] = [Some(700), None, Some(-1), Some(i32::MAX), Some(i32::MIN), Some(0)];
    let flag = [Some(true), Some(false), None, Some(true), Some(false), Some(true)];
    let born = [Some(0), Some(19_000), None, Some(-719_162), Some(2_932_896), Some(-1)];
    let amount: [Option<i64>; 6] = [None, Some(5000), None, Some(7), None, Some(-3)];
    let since = [None, Some(100), Some(5), None, None, Some(20_000)];
    let text = |cells: &[Option<&str>]| Arc::new(StringArray::from(cells.to_vec())) as ArrayRef;
    let shown = |cells: &[Option<i64>]| {
        text(
            &cells
                .iter()
                .map(|c| c.map(|n| n.to_string()))
                .collect::<Vec<_>>()
                .iter()
                .map(Option::as_deref)
                .collect::<Vec<_>>(),
        )
    };
    let scores: Vec<Option<i64>> = score.iter().map(|s| s.map(i64::from)).collect();
    let flags: Vec<Option<&str>> = flag.iter().map(|f| f.map(|f| if f { "true" } else { "false" })).collect();
    let as_text = table(vec![
        ("id", text(&ids)),
        ("income", text(&income_text)),
        ("rate", text(&rate_text)),
        ("score", shown(&scores)),
        ("flag", text(&flags)),
        ("born", date_texts(&born)),
        ("tier", text(&tiers)),
        ("loan.amount", shown(&amount)),
        ("loan.since", date_texts(&since)),
    ]);
    let want = lines_of(&b, &as_text);
    assert_eq!(want.len(), 6);
    assert!(want[3].contains("column `tier`, row 4"), "{}", want[3]);
    assert!(want[2].contains("column `loan.amount`, row 3: required, but empty"), "{}", want[2]);
    assert!(want[5].contains("column `income`, row 6: required, but empty"), "{}", want[5]);
    let typed = |id: ArrayRef, score: ArrayRef, tier: ArrayRef| {
        table(vec![
            ("id", id),
            ("income", decimals(&income, 18, 2)),
            ("rate", decimals(&rate, 10, 4)),
            ("score", score),
            ("flag", Arc::new(arrow_array::BooleanArray::from(flag.to_vec())) as ArrayRef),
            ("born", dates(&born)),
            ("tier", tier),
            ("loan.amount", Arc::new(Int64Array::from(amount.to_vec())) as ArrayRef),
            ("loan.since", dates(&since)),
        ])
    };
    let int64 = Arc::new(Int64Array::from(scores.clone())) as ArrayRef;
    let int32 = Arc::new(arrow_array::Int32Array::from(score.to_vec())) as ArrayRef;
    let variants = [
        ("Utf8 text, Int64", typed(text(&ids), int64.clone(), text(&tiers))),
        ("dictionary text (Int32 keys), Int32", typed(dictionary::<K32>(&ids), int32, dictionary::<K32>(&tiers))),
        ("dictionary text (Int8 keys), Int64", typed(dictionary::<K8>(&ids), int64.clone(), dictionary::<K8>(&tiers))),
        ("string views (Parquet's text), Int64", typed(views(&ids), int64, views(&tiers))),
    ];
    for (what, input) in variants {
        assert_eq!(lines_of(&b, &input), want, "{what}");
    }
    // a decimal column at another scale: the same values
    let scaled = |income: ArrayRef| {
        let mut columns: Vec<(&str, ArrayRef)> = vec![("id", text(&ids)), ("income", income)];
        columns.push(("rate", text(&rate_text)));
        table(columns)
    };
    let whole = [Some(1500), Some(999), Some(5000), Some(1_234_567), Some(1000), Some(0)];
    let whole_text = [Some("1500"), Some("999"), Some("5000"), Some("1234567"), Some("1000"), Some("0")];
    let want = lines_of(&b, &scaled(text(&whole_text)));
    assert_eq!(lines_of(&b, &scaled(decimals(&whole, 10, 0))), want, "scale 0");
    let hundreds: Vec<Option<i128>> = whole.iter().map(|w| w.map(|w| w * 100)).collect();
    let hundreds_text: Vec<Option<String>> = hundreds.iter().map(|h| h.map(|h| format!("{}.00", h / 100))).collect();
    let hundreds_text: Vec<Option<&str>> = hundreds_text.iter().map(Option::as_deref).collect();
    assert_eq!(lines_of(&b, &scaled(decimals(&hundreds, 12, 2))), lines_of(&b, &scaled(text(&hundreds_text))));
    let cents: Vec<Option<i128>> = [15, 9, 50, 12_345, 10, 0].into_iter().map(Some).collect();
    let cents_text = [Some("1500"), Some("900"), Some("5000"), Some("1234500"), Some("1000"), Some("0")];
    assert_eq!(lines_of(&b, &scaled(decimals(&cents, 10, -2))), lines_of(&b, &scaled(text(&cents_text))), "scale -2");
    let ints =
        Arc::new(Int64Array::from(vec![Some(1500), Some(999), Some(5000), Some(1_234_567), Some(1000), Some(0)]));
    assert_eq!(lines_of(&b, &scaled(ints)), want, "Int64 money");
}

/// What a typed cell cannot hold is its row's error, with the message the
/// general reader gives; a column whose type changes between batches is read
/// by the general reader (`cannot be read as …`); a column of a type its
/// field cannot be read from is refused before any row.
#[test]
fn typed_cells_out_of_range_and_of_the_wrong_type_are_the_errors_they_were() {
    let b = typed_policy();
    let ids = Arc::new(StringArray::from(vec!["a", "b", "c"])) as ArrayRef;
    let big = 1500 * 10_i128.pow(30);
    let input = table(vec![
        ("id", ids.clone()),
        ("income", decimals(&[Some(big), Some(1), Some(500_000)], 38, 30)),
        ("born", dates(&[Some(0), Some(i32::MAX), Some(i32::MIN)])),
    ]);
    let columns = b.input_columns(&input.schema()).unwrap_or_else(|e| panic!("{e}"));
    let rows = columns.records(&input, 1).unwrap_or_else(|e| panic!("{e}"));
    let messages: Vec<String> =
        rows.iter().map(|r| r.record.as_ref().err().map(|e| e.message.clone()).unwrap_or_default()).collect();
    assert_eq!(
        messages,
        [
            format!("column `income`, row 1: `{big}e-30` is beyond 28 significant digits"),
            "column `income`, row 2: `1e-30` is beyond 28 significant digits".to_string(),
            "column `income`, row 3: `500000e-30` is beyond 28 significant digits".to_string(),
        ]
    );
    let input = table(vec![
        ("id", ids.clone()),
        ("income", decimals(&[Some(150_000); 3], 18, 2)),
        ("born", dates(&[Some(0), Some(i32::MAX), Some(i32::MIN)])),
    ]);
    let rows = columns.records(&input, 1).unwrap_or_else(|e| panic!("{e}"));
    let messages: Vec<Option<String>> =
        rows.iter().map(|r| r.record.as_ref().err().map(|e| e.message.clone())).collect();
    assert_eq!(
        messages,
        [
            None,
            Some("column `born`, row 2: a date out of range".to_string()),
            Some("column `born`, row 3: a date out of range".to_string()),
        ]
    );
    // a batch whose `income` is now Boolean and `born` Int64: read cell by cell, refused
    let changed = table(vec![
        ("id", ids.clone()),
        ("income", Arc::new(arrow_array::BooleanArray::from(vec![Some(true), None, Some(false)])) as ArrayRef),
        ("born", Arc::new(Int64Array::from(vec![None, Some(3), None])) as ArrayRef),
    ]);
    let rows = columns.records(&changed, 10).unwrap_or_else(|e| panic!("{e}"));
    let messages: Vec<Option<String>> =
        rows.iter().map(|r| r.record.as_ref().err().map(|e| e.message.clone())).collect();
    assert_eq!(
        messages,
        [
            Some("column `income`, row 10: cannot be read as a decimal number".to_string()),
            Some("column `income`, row 11: required, but empty".to_string()),
            Some("column `income`, row 12: cannot be read as a decimal number".to_string()),
        ]
    );
    assert_eq!(rows.iter().map(|r| r.id.as_deref()).collect::<Vec<_>>(), [Some("a"), Some("b"), Some("c")]);
    // planned: a Boolean column for an `Int`, a dictionary of numbers for a `Date`
    let refused = table(vec![
        ("id", ids.clone()),
        ("income", decimals(&[Some(150_000); 3], 18, 2)),
        ("score", Arc::new(arrow_array::BooleanArray::from(vec![true, false, true])) as ArrayRef),
    ]);
    assert_eq!(
        b.input_columns(&refused.schema()).err(),
        Some(TabularError::ColumnType { column: "score".into(), found: "Boolean".into(), expected: "`Int`".into() })
    );
    let keys = arrow_array::Int32Array::from(vec![0, 1, 0]);
    let numbers = arrow_array::DictionaryArray::new(keys, Arc::new(Int64Array::from(vec![1, 2])));
    let refused = table(vec![("id", ids), ("income", decimals(&[Some(1); 3], 18, 2)), ("born", Arc::new(numbers))]);
    assert!(
        matches!(b.input_columns(&refused.schema()), Err(TabularError::ColumnType { column, .. }) if column == "born")
    );
}

/// A dictionary cell is null when its key is, or when the value its key
/// names is; an id read from a dictionary is the id of a row in error.
#[test]
fn dictionary_text_cells_null_by_key_or_by_value() {
    use super::columns::{Cell, Column};
    let b = typed_policy();
    let keys = arrow_array::Int16Array::from(vec![Some(0), None, Some(1), Some(2)]);
    let values = StringArray::from(vec![Some("x"), None, Some("y")]);
    let ids = arrow_array::DictionaryArray::new(keys, Arc::new(values));
    let input = table(vec![
        ("id", Arc::new(ids) as ArrayRef),
        ("income", decimals(&[None, Some(150_000), Some(150_000), None], 18, 2)),
    ]);
    let column = Column::of(input.column(0).as_ref()).unwrap_or_else(|| panic!("a dictionary is read"));
    assert_eq!(
        [column.cell(0), column.cell(1), column.cell(2), column.cell(3)],
        [Cell::Text("x"), Cell::Null, Cell::Null, Cell::Text("y")]
    );
    let columns = b.input_columns(&input.schema()).unwrap_or_else(|e| panic!("{e}"));
    let rows = columns.records(&input, 1).unwrap_or_else(|e| panic!("{e}"));
    let messages: Vec<Option<String>> =
        rows.iter().map(|r| r.record.as_ref().err().map(|e| e.message.clone())).collect();
    assert_eq!(
        messages,
        [
            Some("column `income`, row 1: required, but empty".to_string()),
            Some("column `id`, row 2: required, but empty".to_string()),
            Some("column `id`, row 3: required, but empty".to_string()),
            Some("column `income`, row 4: required, but empty".to_string()),
        ]
    );
    assert_eq!(rows.iter().map(|r| r.id.as_deref()).collect::<Vec<_>>(), [Some("x"), None, None, Some("y")]);
}

#[test]
fn csv_rows_read_cell_by_cell_decide_as_their_text_columns_do() {
    let csv = b"\xEF\xBB\xBFid,income,score,co.name,co.age\n\
        a,1500.00,700,,\n\
        b,999.99,,x,30\n\
        c,5000,,y,\n\
        \"d, quoted\",\"2,000\",12,\"z \"\"q\"\"\",41\n\
        e,,,,\n\
        f,1000,1,2\n\
        g,1000,\xFF,,\n\
        ,12x,,,\n\
        h,1200,650,w,18446744073709551615\r\n";
    let b = batch();
    let mut reader = super::csv::CsvBatches::new(&csv[..], 4).unwrap_or_else(|e| panic!("{e}"));
    let schema = reader.schema();
    let columns = b.input_columns(&schema).unwrap_or_else(|e| panic!("{e}"));
    let (mut cell_by_cell, mut from_columns, mut first) = (String::new(), String::new(), 1);
    while let Some(piece) = reader.next_piece().unwrap_or_else(|e| panic!("{e}")) {
        let errors = Some(piece.row_errors.as_slice());
        let text = piece.rows.to_batch(&schema).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text.num_rows(), piece.rows.num_rows());
        b.decide_rows_into(&columns, &piece.rows, first, errors, &mut cell_by_cell).unwrap_or_else(|e| panic!("{e}"));
        b.decide_rows_into(&columns, &text, first, errors, &mut from_columns).unwrap_or_else(|e| panic!("{e}"));
        first += piece.rows.num_rows() as u64;
    }
    assert_eq!(cell_by_cell, from_columns);
    let lines: Vec<&str> = cell_by_cell.lines().collect();
    assert_eq!(lines.len(), 9, "rows in are rows out: {cell_by_cell}");
    let has = |row: usize, text: &str| {
        assert!(
            lines.get(row).is_some_and(|l| l.contains(text)),
            "line {}: {:?} lacks {text}",
            row + 1,
            lines.get(row)
        );
    };
    has(0, "\"decision\":\"approve\"");
    has(1, "\"decision\":\"decline\"");
    has(2, "column `co.age`, row 3: required, but empty");
    has(3, "\"id\":\"d, quoted\"");
    has(3, "column `income`, row 4: ");
    has(4, "column `income`, row 5: required, but empty");
    has(5, "row 6: the row has 4 cells, the header 5 columns");
    has(6, "row 7: the row is not UTF-8 text");
    has(7, "column `id`, row 8: required, but empty");
    has(8, "column `co.age`, row 9: expected a whole number within 64 bits");
}
