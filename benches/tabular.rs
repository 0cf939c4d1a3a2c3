//! `polc run` from Parquet, CSV and JSON Lines on the reference workload, per
//! core, end to end (the real binary); and peak RSS reading Parquet files of
//! two sizes. Not a timed test: run it by hand (see docs/performance.md).
//!
//! ```text
//! cargo run --release -p polc --example gen_workload -- /tmp/polc-tab --n 1000000
//! POLC_BENCH_DIR=/tmp/polc-tab cargo bench -p polc-cli --bench tabular
//! ```
//!
//! The setup converts `applicants.jsonl` to `applicants.csv` (dotted column
//! names) and `applicants.parquet` (typed columns: Date32 dates, Decimal128
//! money and rates, Int64 counts, Boolean flags, text for the rest), once.
#![expect(clippy::panic, reason = "a benchmark's setup fails by panicking")]

use arrow_array::builder::{BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use polc_core::io::tabular::parquet::ParquetDecisions;
use serde_json::Value;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

/// The columns of the reference workload, and how each is typed in Parquet.
const COLUMNS: [(&str, Kind); 17] = [
    ("id", Kind::Text),
    ("id_number", Kind::Text),
    ("birth_date", Kind::Date),
    ("is_student", Kind::Bool),
    ("monthly_income", Kind::Money(2)),
    ("monthly_debt", Kind::Money(2)),
    ("credit_score", Kind::Int),
    ("overdue_count_24m", Kind::Int),
    ("phone", Kind::Text),
    ("device_id", Kind::Text),
    ("branch_level", Kind::Text),
    ("loan.product", Kind::Text),
    ("loan.amount", Kind::Money(2)),
    ("loan.term_months", Kind::Int),
    ("loan.funder", Kind::Text),
    ("loan.transfer_count", Kind::Int),
    ("loan.premium_rate", Kind::Money(4)),
];

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Date,
    Bool,
    Int,
    Money(i8),
}

fn main() {
    let dir = PathBuf::from(std::env::var("POLC_BENCH_DIR").unwrap_or_else(|_| "/tmp/polc-tab".into()));
    let jsonl = dir.join("applicants.jsonl");
    if !jsonl.is_file() {
        eprintln!("no {}: generate it with examples/gen_workload.rs (see the file's documentation)", jsonl.display());
        return;
    }
    let (csv, parquet) = (dir.join("applicants.csv"), dir.join("applicants.parquet"));
    if !csv.is_file() || !parquet.is_file() {
        convert(&jsonl, &csv, &parquet);
    }
    if std::env::var_os("POLC_BENCH_CONVERT_ONLY").is_some() {
        return;
    }
    let records =
        std::io::BufReader::new(std::fs::File::open(&jsonl).unwrap_or_else(|e| panic!("{e}"))).lines().count();
    let lists: Vec<String> = ["fraud_ids", "grey_phones", "bad_devices"]
        .iter()
        .flat_map(|l| ["--list".to_string(), format!("{l}={}", dir.join("lists").join(format!("{l}.txt")).display())])
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let policy = root.join("policies/consumer_loan.pol");
    println!("polc run, {records} records, --threads 1, best of 3 (records/s per core; wall clock, and CPU time):");
    let mut rates = Vec::new();
    let mut cpu_rates = Vec::new();
    for input in [&jsonl, &csv, &parquet] {
        let mut best = f64::MAX;
        let mut best_cpu = f64::MAX;
        for _ in 0..3 {
            let cpu_before = children_cpu_seconds();
            let started = std::time::Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_polc"))
                .arg("run")
                .arg(&policy)
                .arg("--input")
                .arg(input)
                .args(["--as-of", "2026-11-22", "--threads", "1", "-q", "-o", "/dev/null"])
                .args(&lists)
                .status()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(status.success());
            best = best.min(started.elapsed().as_secs_f64());
            if let (Some(before), Some(after)) = (cpu_before, children_cpu_seconds()) {
                best_cpu = best_cpu.min(after - before);
            }
        }
        let rate = records as f64 / best;
        rates.push(rate);
        let cpu_rate = records as f64 / best_cpu;
        cpu_rates.push(cpu_rate);
        println!(
            "  {:<22} {best:>7.2} s  {rate:>10.0} records/s   CPU {best_cpu:>7.2} s  {cpu_rate:>10.0} records/s",
            input.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        );
    }
    for (what, rates) in [("wall clock", &rates), ("CPU time", &cpu_rates)] {
        if let [jsonl, csv, parquet] = rates[..] {
            let (csv, parquet) = (100.0 * csv / jsonl, 100.0 * parquet / jsonl);
            println!("  {what}: CSV {csv:.0} % of JSONL, Parquet {parquet:.0} % of JSONL");
        }
    }
}

/// User and system CPU seconds of this process's waited-for children
/// (`/proc/self/stat`'s cutime and cstime, in clock ticks of 1/100 s):
/// unlike the wall clock, not stretched by other work on the machine.
fn children_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // the fields after the command's `(name)`: state is field 3, cutime 16, cstime 17
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
    Some((ticks(16)? + ticks(17)?) / 100.0)
}

/// Writes the JSONL records as CSV and as typed Parquet, a piece at a time.
fn convert(jsonl: &Path, csv: &Path, parquet: &Path) {
    let input = std::io::BufReader::new(std::fs::File::open(jsonl).unwrap_or_else(|e| panic!("{e}")));
    let mut csv = ::csv::Writer::from_path(csv).unwrap_or_else(|e| panic!("{e}"));
    csv.write_record(COLUMNS.iter().map(|(name, _)| *name)).unwrap_or_else(|e| panic!("{e}"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(parquet).unwrap_or_else(|e| panic!("{e}")));
    let mut writer: Option<ParquetDecisions> = None;
    let mut piece: Vec<Vec<String>> = Vec::new();
    let mut flush = |piece: &mut Vec<Vec<String>>, writer: &mut Option<ParquetDecisions>| {
        if piece.is_empty() {
            return;
        }
        let batch = typed(piece);
        let w = writer.get_or_insert_with(|| ParquetDecisions::new(batch.schema()).unwrap_or_else(|e| panic!("{e}")));
        out.write_all(&w.write(&batch).unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"));
        piece.clear();
    };
    for line in input.lines() {
        let line = line.unwrap_or_else(|e| panic!("{e}"));
        let record: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}"));
        let cells: Vec<String> = COLUMNS
            .iter()
            .map(|(name, _)| {
                let value = name.split('.').fold(&record, |v, key| &v[key]);
                match value {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            })
            .collect();
        csv.write_record(&cells).unwrap_or_else(|e| panic!("{e}"));
        piece.push(cells);
        if piece.len() == 8192 {
            flush(&mut piece, &mut writer);
        }
    }
    flush(&mut piece, &mut writer);
    if let Some(w) = writer {
        out.write_all(&w.finish().unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"));
    }
    csv.flush().unwrap_or_else(|e| panic!("{e}"));
}

/// A piece of rows as a typed record batch.
fn typed(rows: &[Vec<String>]) -> RecordBatch {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let columns: Vec<(&str, ArrayRef)> = COLUMNS
        .iter()
        .enumerate()
        .map(|(c, (name, kind))| {
            let cells = rows.iter().map(|r| r.get(c).map(String::as_str).unwrap_or(""));
            let array: ArrayRef = match kind {
                Kind::Text => {
                    let mut b = StringBuilder::new();
                    cells.for_each(|s| b.append_option((!s.is_empty()).then_some(s)));
                    Arc::new(b.finish())
                }
                Kind::Date => {
                    let mut b = Date32Builder::new();
                    cells.for_each(|s| {
                        let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
                        b.append_value((date - epoch).num_days() as i32)
                    });
                    Arc::new(b.finish())
                }
                Kind::Bool => {
                    let mut b = BooleanBuilder::new();
                    cells.for_each(|s| b.append_value(s == "true"));
                    Arc::new(b.finish())
                }
                Kind::Int => {
                    let mut b = Int64Builder::new();
                    cells.for_each(|s| b.append_value(s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))));
                    Arc::new(b.finish())
                }
                Kind::Money(scale) => {
                    let mut b = Decimal128Builder::new();
                    cells.for_each(|s| {
                        let d: rust_decimal::Decimal = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
                        let mut d = d;
                        d.rescale(u32::from(scale.unsigned_abs()));
                        b.append_value(d.mantissa())
                    });
                    let array = b.finish().with_precision_and_scale(28, *scale).unwrap_or_else(|e| panic!("{e}"));
                    Arc::new(array)
                }
            };
            (*name, array)
        })
        .collect();
    RecordBatch::try_from_iter(columns).unwrap_or_else(|e| panic!("{e}"))
}
