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
