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
