//! `polc run` with tabular data: CSV or Parquet input (`--input F.csv`,
//! `--input-format`), and decisions as CSV or Parquet (`--output-format`).
//! Input is read a piece at a time (CSV records, Parquet row groups), each
//! piece decided in parallel on the batch's pool and written before the next
//! is read: memory does not grow with the input. JSON Lines in and out stays
//! on the line runner (`run::stream`).

use super::sink::Sink;
use clap::ValueEnum;
use indicatif::ProgressBar;
use polc::arrow::RecordBatch;
use polc::arrow::SchemaRef;
use polc::diff::TablePiece;
use polc::{Batch, BatchSummary, Verdict};
use polc_core::io::tabular::csv::{CsvBatches, CsvPiece};
use polc_core::io::tabular::decisions::write_csv;
use polc_core::io::tabular::parquet::{ParquetBatches, ParquetDecisions};
use polc_core::io::tabular::{DecisionColumns, InputColumns, Rows, TabularError};
use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// Records a piece holds: enough to keep every worker busy, small enough
/// that a piece's records and decisions stay a few MiB.
pub const PIECE_ROWS: usize = 8192;

/// A data format.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines: one JSON object a line.
    Jsonl,
    /// CSV with a header of column names (dotted for nested fields).
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The format a file's extension names (`.csv`, `.parquet`/`.pq`), if any.
    pub fn of_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// What a tabular run reads and writes.
#[derive(Clone, Copy, Debug)]
pub struct Formats<'a> {
    /// The input's path (`-`: standard input).
    pub input: &'a Path,
    /// The input's format.
    pub format: Format,
    /// The decisions' format.
    pub output: Format,
    /// No warnings on standard error.
    pub quiet: bool,
}

/// Decides `formats.input` (read from `reader`, or reopened for Parquet) and
/// writes the decisions to `sink`, returning the counts. Columns that are
/// no field, and optional fields without a column, are warned about on
/// standard error unless quiet.
pub fn stream(
    batch: &Batch,
    formats: Formats<'_>,
    reader: Box<dyn Read + Send>,
    mut sink: Sink<'_>,
    progress: &ProgressBar,
) -> std::io::Result<BatchSummary> {
    let Formats { input, format, output, quiet } = formats;
    let name = shown_name(input);
    let bad = |e: TabularError| Error::new(ErrorKind::InvalidData, format!("cannot read {name}: {e}"));
    let mut out = Decisions::new(batch, output)?;
    let mut summary = BatchSummary::new(batch.policy());
    let warned = |columns: &InputColumns| {
        if !quiet {
            for warning in columns.warnings() {
                super::term::errln!("warning: {name}: {warning}");
            }
        }
    };
    let decided = |verdicts: Vec<Verdict>, out: &mut Decisions, sink: &mut Sink<'_>| {
        progress.inc(verdicts.len() as u64);
        out.write(&verdicts, sink)
    };
    match format {
        Format::Csv | Format::Parquet => {
            let mut table = Table::open(input, format, reader)?;
            let columns = batch.input_columns(&table.schema()).map_err(bad)?;
            warned(&columns);
            let mut row = 1;
            // the decision lines of a piece, one string a part of it, kept from piece to piece
            let mut lines = Vec::new();
            while let Some(piece) = table.next_rows().map_err(bad)? {
                let (rows, errors) = piece.rows();
                if output == Format::Jsonl {
                    // decision lines written from the decisions, as the JSON Lines runner writes them
                    let counted =
                        batch.decide_rows_into_pieces(&columns, rows, row, errors, &mut lines).map_err(bad)?;
                    row += rows.num_rows() as u64;
                    summary.merge(&counted);
                    progress.inc(rows.num_rows() as u64);
                    for text in &lines {
                        sink.write(text.as_bytes())?;
                    }
                    continue;
                }
                let (verdicts, counted) = batch.decide_rows(&columns, rows, row, errors).map_err(bad)?;
                row += verdicts.len() as u64;
                summary.merge(&counted);
                decided(verdicts, &mut out, &mut sink)?;
            }
        }
        Format::Jsonl => {
            // JSON Lines in, a table out: the line runner's verdicts, a piece at a time
            let mut pending = Vec::with_capacity(PIECE_ROWS);
            let counted = batch
                .verdicts_jsonl(reader, |verdict| {
                    pending.push(verdict);
                    if pending.len() == PIECE_ROWS {
                        progress.inc(pending.len() as u64);
                        out.write(&pending, &mut sink)?;
                        pending.clear();
                    }
                    Ok(())
                })
                .map_err(|e| match e {
                    polc::BatchError::Read(e) => Error::new(e.kind(), format!("cannot read {name}: {e}")),
                    other => Error::from(other),
                })?;
            out.write(&pending, &mut sink)?;
            summary.merge(&counted);
            summary.bytes = counted.bytes;
        }
    }
    out.finish(&mut sink)?;
    Ok(summary)
}

/// A CSV or Parquet input read a piece at a time.
pub enum Table {
    /// CSV, from any reader (boxed: its parser's tables are large).
    Csv(Box<CsvBatches<Box<dyn Read + Send>>>),
    /// Parquet, from a file (its footer is read first).
    Parquet(ParquetBatches),
}

impl Table {
    /// Opens `input` (already opened as `reader`; Parquet is opened again, as
    /// a file) as a table of `format`; reads the CSV header or the Parquet footer.
    pub fn open(input: &Path, format: Format, reader: Box<dyn Read + Send>) -> std::io::Result<Table> {
        let name = shown_name(input);
        let bad = |e: TabularError| Error::new(ErrorKind::InvalidData, format!("cannot read {name}: {e}"));
        match format {
            Format::Parquet => {
                if input.as_os_str() == "-" {
                    return Err(Error::new(
                        ErrorKind::InvalidInput,
                        "Parquet cannot be read from standard input (its footer is at the end): give a file",
                    ));
                }
                drop(reader);
                let file =
                    std::fs::File::open(input).map_err(|e| Error::new(e.kind(), format!("cannot read {name}: {e}")))?;
                Ok(Table::Parquet(ParquetBatches::new(file, PIECE_ROWS).map_err(bad)?))
            }
            Format::Csv | Format::Jsonl => Ok(Table::Csv(Box::new(CsvBatches::new(reader, PIECE_ROWS).map_err(bad)?))),
        }
    }

    /// The table's columns.
    pub fn schema(&self) -> SchemaRef {
        match self {
            Table::Csv(csv) => csv.schema(),
            Table::Parquet(parquet) => parquet.schema(),
        }
    }

    /// The next piece as a record batch (CSV's as text columns), or none at the end.
    pub fn next_piece(&mut self) -> Result<Option<TablePiece>, TabularError> {
        Ok(match self {
            Table::Csv(csv) => match csv.next_piece()? {
                Some(piece) => {
                    let batch = piece.rows.to_batch(&csv.schema())?;
                    Some(TablePiece { batch, row_errors: Some(piece.row_errors) })
                }
                None => None,
            },
            Table::Parquet(parquet) => parquet.next_batch()?.map(|batch| TablePiece { batch, row_errors: None }),
        })
    }

    /// The next piece as read (CSV's rows not turned into Arrow columns), or none at the end.
    pub fn next_rows(&mut self) -> Result<Option<Piece>, TabularError> {
        Ok(match self {
            Table::Csv(csv) => csv.next_piece()?.map(Piece::Csv),
            Table::Parquet(parquet) => parquet.next_batch()?.map(Piece::Batch),
        })
    }
}

/// A piece of a table as `polc run` decides it.
pub enum Piece {
    /// CSV rows as read.
    Csv(CsvPiece),
    /// A Parquet record batch.
    Batch(RecordBatch),
}

impl Piece {
    /// The piece's rows, and each row's read error (CSV) when there are any.
    fn rows(&self) -> (Rows<'_>, Option<&[Option<String>]>) {
        match self {
            Piece::Csv(piece) => (Rows::Csv(&piece.rows), Some(&piece.row_errors)),
            Piece::Batch(batch) => (Rows::Batch(batch), None),
        }
    }
}

/// How an input is named in messages: `` `path` `` or standard input.
pub fn shown_name(input: &Path) -> String {
    if input.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        format!("`{}`", super::term::shown_path(input))
    }
}

/// Where decisions go, in their format.
enum Decisions {
    Jsonl,
    Csv { columns: DecisionColumns, header: bool },
    Parquet { columns: DecisionColumns, writer: Option<Box<ParquetDecisions>> },
}

impl Decisions {
    fn new(batch: &Batch, format: Format) -> std::io::Result<Decisions> {
        let columns = batch.decision_columns();
        Ok(match format {
            Format::Jsonl => Decisions::Jsonl,
            Format::Csv => Decisions::Csv { columns, header: true },
            Format::Parquet => {
                let writer = ParquetDecisions::new(columns.schema())?;
                Decisions::Parquet { columns, writer: Some(Box::new(writer)) }
            }
        })
    }

    /// Writes `verdicts`, in order.
    fn write(&mut self, verdicts: &[Verdict], sink: &mut Sink<'_>) -> std::io::Result<()> {
        match self {
            Decisions::Jsonl => {
                let mut text = String::with_capacity(verdicts.len() * 400);
                for verdict in verdicts {
                    text.push_str(&serde_json::to_string(verdict).map_err(Error::other)?);
                    text.push('\n');
                }
                sink.write(text.as_bytes())
            }
            Decisions::Csv { columns, header } => {
                if verdicts.is_empty() && !*header {
                    return Ok(());
                }
                let table = columns.encode(verdicts).map_err(Error::other)?;
                let mut csv = ::csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
                write_csv(&mut csv, &table, *header).map_err(Error::other)?;
                *header = false;
                let bytes = csv.into_inner().map_err(|e| Error::other(e.to_string()))?;
                sink.write(&bytes)
            }
            Decisions::Parquet { columns, writer } => {
                if verdicts.is_empty() {
                    return Ok(());
                }
                let table = columns.encode(verdicts).map_err(Error::other)?;
                let writer = writer.as_mut().ok_or_else(|| Error::other("the Parquet output is closed"))?;
                let bytes = writer.write(&table)?;
                sink.write_bytes(&bytes)
            }
        }
    }

    /// Completes the output (a CSV header for no rows, the Parquet footer).
    fn finish(mut self, sink: &mut Sink<'_>) -> std::io::Result<()> {
        match &mut self {
            Decisions::Csv { header: true, .. } => self.write(&[], sink),
            Decisions::Parquet { writer, .. } => match writer.take() {
                Some(writer) => sink.write_bytes(&writer.finish()?),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}
