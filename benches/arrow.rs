//! `Batch::decide_batches` (what Python's `decide_arrow` runs) over a decoded
//! table of N rows (default 1,000,000): the shipped applicants under new ids,
//! one in 1009 without a credit score, in batches of 5,000 rows (the row groups
//! of `scripts/bench-python.py`'s Parquet file), columns typed as pyarrow
//! types them from the JSON (text, Int64, Boolean; `loan.*` dotted). Against
//! the verdict path it replaced (`decide_rows`, then the verdicts encoded).
//! Not a timed test: run it by hand (see docs/performance.md).
//!
//! ```text
//! cargo bench -p polc --features arrow --bench arrow               # 1M rows, 2 threads and 1
//! POLC_ARROW_ROWS=50000 POLC_ARROW_RUNS=1 POLC_ARROW_THREADS=1 \
//!   valgrind --tool=callgrind target/release/deps/arrow-*          # instructions per decision
//! ```
#![expect(clippy::panic, reason = "a benchmark's setup fails by panicking")]

use polc::arrow::{ArrayRef, RecordBatch};
use polc::{Batch, BatchOptions, FsLoader, Policy};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

const BATCH_ROWS: usize = 5_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let rows = env("POLC_ARROW_ROWS", 1_000_000);
    let runs = env("POLC_ARROW_RUNS", 3);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("examples/applicants.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    let base: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"))).collect();
    let batches: Vec<RecordBatch> = (0..rows)
        .step_by(BATCH_ROWS)
        .map(|start| {
            let records: Vec<Value> = (start..(start + BATCH_ROWS).min(rows))
                .map(|i| {
                    let mut record = base.get(i % base.len()).cloned().unwrap_or_default();
                    record["id"] = Value::String(format!("S{i:07}"));
                    if i % 1009 == 1008 {
                        record["credit_score"] = Value::Null;
                    }
                    record
                })
                .collect();
            table(&records)
        })
        .collect();
    let policy =
        Policy::from_file(&root.join("policies/consumer_loan.pol"), &FsLoader).unwrap_or_else(|e| panic!("{e}"));
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_else(|| panic!("a date"));
    let threads = std::env::var("POLC_ARROW_THREADS").ok().and_then(|v| v.parse().ok());
    println!("decide_batches, {rows} rows in {} batches, best of {runs}:", batches.len());
    for threads in threads.map(|t| vec![t]).unwrap_or_else(|| vec![2, 1]) {
        let batch = Batch::new(&policy, BatchOptions::new(as_of).threads(threads)).unwrap_or_else(|e| panic!("{e}"));
        let time = |f: &dyn Fn() -> usize| {
            let mut best = f64::MAX;
            for _ in 0..runs {
                let started = Instant::now();
                assert_eq!(f(), rows);
                best = best.min(started.elapsed().as_secs_f64());
            }
            best
        };
        let direct = time(&|| {
            let decided = batch.decide_batches(&batches).unwrap_or_else(|e| panic!("{e}"));
            decided.iter().map(RecordBatch::num_rows).sum()
        });
        println!("  {threads} thread(s): decide_batches {:>10.0} rows/s", rows as f64 / direct);
        if std::env::var_os("POLC_ARROW_ONLY_NEW").is_some() {
            continue;
        }
        let verdicts = time(&|| {
            let columns = batch.decision_columns();
            batches
                .iter()
                .map(|b| {
                    let input = batch.input_columns(&b.schema()).unwrap_or_else(|e| panic!("{e}"));
                    let (verdicts, _) = batch.decide_rows(&input, b, 1, None).unwrap_or_else(|e| panic!("{e}"));
                    columns.encode(&verdicts).unwrap_or_else(|e| panic!("{e}")).num_rows()
                })
                .sum()
        });
        println!("  {threads} thread(s): verdicts, then encoded {:>10.0} rows/s", rows as f64 / verdicts);
    }
}

/// The records as pyarrow's `Table.from_pylist(...).flatten()` types them.
fn table(records: &[Value]) -> RecordBatch {
    let first = records.first().unwrap_or_else(|| panic!("a record"));
    let mut paths: Vec<String> = Vec::new();
    let Value::Object(fields) = first else { panic!("an object") };
    for (key, value) in fields {
        match value {
            Value::Object(inner) => paths.extend(inner.keys().map(|k| format!("{key}.{k}"))),
            _ => paths.push(key.clone()),
        }
    }
    let columns: Vec<(String, ArrayRef)> = paths
        .iter()
        .map(|path| {
            let cells: Vec<&Value> =
                records.iter().map(|r| path.split('.').fold(r, |v, key| v.get(key).unwrap_or(&Value::Null))).collect();
            let array: ArrayRef = if cells.iter().all(|c| c.is_i64() || c.is_null()) {
                Arc::new(polc::arrow::Int64Array::from(cells.iter().map(|c| c.as_i64()).collect::<Vec<_>>()))
            } else if cells.iter().all(|c| c.is_boolean() || c.is_null()) {
                Arc::new(polc::arrow::BooleanArray::from(cells.iter().map(|c| c.as_bool()).collect::<Vec<_>>()))
            } else {
                let texts: Vec<Option<String>> = cells
                    .iter()
                    .map(|c| match c {
                        Value::Null => None,
                        Value::String(s) => Some(s.clone()),
                        other => Some(other.to_string()),
                    })
                    .collect();
                Arc::new(polc::arrow::StringArray::from(texts))
            };
            (path.clone(), array)
        })
        .collect();
    RecordBatch::try_from_iter(columns).unwrap_or_else(|e| panic!("{e}"))
}
