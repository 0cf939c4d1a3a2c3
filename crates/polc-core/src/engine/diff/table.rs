//! A diff over a table (the `arrow` feature): CSV or Parquet pieces read by
//! the column reader ([`crate::io::tabular::columns`]), every row decided by
//! both versions on the diff's pool, in sub-pieces of [`SUB_ROWS`], and
//! counted as a JSON line of the same record is. `--label` and `--by`
//! fields the input record does not declare are read from the columns of
//! their name.

use super::fields::{self, FieldSource};
use super::report::{self, ChangedRecord, DiffReport};
use super::tally::Tally;
use super::{Beside, Diff, DiffError, DiffSink, SegmentKey, Work};
use crate::engine::batch::BatchError;
use crate::io::output::AsOf;
use crate::io::tabular::columns::{Column, InputColumns};
use crate::io::tabular::TabularError;
use arrow_array::RecordBatch;
use arrow_schema::Schema as ArrowSchema;
use rayon::prelude::*;
use std::io;
use std::sync::Mutex;

/// Rows a worker reads and decides at a time.
const SUB_ROWS: usize = 1024;

/// A piece of a table: its rows, and for each row what made it unreadable
/// before its cells were read (a ragged CSV row), if anything.
#[derive(Debug)]
pub struct TablePiece {
    /// The rows, in the columns of the schema the diff's [`InputColumns`] were made for.
    pub batch: RecordBatch,
    /// One entry per row, or none when every row has its cells.
    pub row_errors: Option<Vec<Option<String>>>,
}

/// The columns of one batch read besides the record: the label's and each
/// `--by` field's, for those the input record does not declare.
pub(super) struct Extra<'b> {
    label: Option<Column<'b>>,
    by: Vec<Option<Column<'b>>>,
}

impl Extra<'_> {
    pub(super) fn label(&self, row: usize) -> fields::Label {
        self.label.as_ref().map_or(fields::Label::Missing, |c| fields::label_of_cell(&c.cell(row)))
    }

    pub(super) fn segment(&self, index: usize, row: usize) -> SegmentKey {
        match self.by.get(index).and_then(Option::as_ref) {
            Some(column) => fields::segment_of_cell(&column.cell(row)),
            None => SegmentKey::Missing,
        }
    }
}

impl Diff {
    /// How records are read from tables of `schema` (see
    /// [`crate::engine::batch::Batch::input_columns`]), with the columns of
    /// undeclared `--label` and `--by` fields checked: the label's column
    /// must be there (as the JSONL label must be in the first line), and
    /// each one must hold one value a cell.
    pub fn input_columns(&self, schema: &ArrowSchema) -> Result<InputColumns, DiffError> {
        let program = self.old.program();
        let depth = self.old.record_limits().json_depth();
        let columns = InputColumns::new(&program.schema, program.input.record, schema, depth)
            .map_err(|e| DiffError::Field(e.to_string()))?;
        let check = |source: Option<&FieldSource>, flag: &str, required: bool| {
            let Some(FieldSource::Undeclared { key }) = source else { return Ok(()) };
            let key = key.key();
            match schema.fields().iter().find(|f| f.name() == key) {
                None if required => Err(DiffError::Field(format!(
                    "`{flag} {key}`: the table has no column `{key}` (the input record does not declare it either)"
                ))),
                None => Ok(()),
                Some(field) if Column::reads(field.data_type()) => Ok(()),
                Some(field) => Err(DiffError::Field(format!(
                    "`{flag} {key}`: column `{key}` holds {}, not one value a row",
                    field.data_type()
                ))),
            }
        };
        check(self.label.as_ref(), "--label", true)?;
        for source in &self.by {
            check(Some(source), "--by", false)?;
        }
        Ok(columns)
    }

    /// The names of the columns read besides the record (undeclared
    /// `--label` and `--by` fields): the input columns' warnings about
    /// ignored columns leave them out ([`InputColumns::warnings_besides`]).
    pub fn columns_read(&self) -> Vec<&str> {
        fn undeclared(s: &FieldSource) -> Option<&str> {
            match s {
                FieldSource::Undeclared { key } => Some(key.key()),
                FieldSource::Decoded { .. } => None,
            }
        }
        self.label.iter().chain(&self.by).filter_map(undeclared).collect()
    }

    /// Decides every row of the pieces `next` hands out (until none) with
    /// both versions, reading them by `columns` (from
    /// [`Diff::input_columns`]), and reports what changed: the report a JSON
    /// Lines input of the same records gives. A bad cell is its row's
    /// `error` under both versions; rows are numbered from 1 across pieces
    /// (a changed record's `line`). An error from `next` (the file breaks
    /// off) is [`BatchError::Read`], every row before it counted.
    ///
    /// # Panics
    ///
    /// A panic while deciding (a bug) is raised again here.
    pub fn run_tables<S: DiffSink + ?Sized>(
        &self,
        columns: &InputColumns,
        mut next: impl FnMut() -> Result<Option<TablePiece>, TabularError>,
        sink: &mut S,
    ) -> Result<DiffReport, BatchError> {
        let as_of = &AsOf::new(self.options.as_of);
        let scratches = &Mutex::new(Vec::<Work>::new());
        let mut total = self.empty_tally();
        let mut examples = Vec::new();
        let mut first_row = 1;
        let read_error = |e: TabularError| BatchError::Read(io::Error::new(io::ErrorKind::InvalidData, e.to_string()));
        while let Some(piece) = next().map_err(read_error)? {
            let rows = piece.batch.num_rows();
            let extra = self.extra(&piece.batch);
            let starts: Vec<usize> = (0..rows).step_by(SUB_ROWS).collect();
            let decided: Vec<Result<(Tally, Vec<ChangedRecord>), TabularError>> = self.pool.install(|| {
                starts
                    .par_iter()
                    .map(|&start| {
                        let range = start..(start + SUB_ROWS).min(rows);
                        self.sub_piece(columns, &piece, &extra, range, first_row, as_of, scratches)
                    })
                    .collect()
            });
            for part in decided {
                let (tally, changed) = part.map_err(read_error)?;
                self.take_piece(&tally, changed, &mut total, &mut examples, sink)?;
            }
            sink.rows(rows as u64);
            first_row += rows as u64;
        }
        Ok(report::build(self, &total, examples))
    }

    /// The undeclared label's and segments' columns of `batch`.
    fn extra<'b>(&self, batch: &'b RecordBatch) -> Extra<'b> {
        let column = |source: &FieldSource| match source {
            FieldSource::Undeclared { key } => batch.column_by_name(key.key()).and_then(|a| Column::of(a.as_ref())),
            FieldSource::Decoded { .. } => None,
        };
        Extra { label: self.label.as_ref().and_then(column), by: self.by.iter().map(column).collect() }
    }

    /// Rows `range` of a piece decided and counted; the changed records kept
    /// for the sink (every one, or the first few as examples).
    #[expect(clippy::too_many_arguments, reason = "a sub-piece's place and the run's shared state")]
    fn sub_piece(
        &self,
        columns: &InputColumns,
        piece: &TablePiece,
        extra: &Extra<'_>,
        range: std::ops::Range<usize>,
        first_row: u64,
        as_of: &AsOf,
        scratches: &Mutex<Vec<Work>>,
    ) -> Result<(Tally, Vec<ChangedRecord>), TabularError> {
        let (every, examples) = (self.options.every_change, self.options.examples);
        let read = columns.records_in(&piece.batch, range.clone(), first_row)?;
        let mut work = scratches.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
        let mut tally = self.empty_tally();
        let mut changed = Vec::new();
        for (row, index) in read.into_iter().zip(range) {
            let early = piece.row_errors.as_ref().and_then(|e| e.get(index)).is_some_and(Option::is_some);
            let record = if early { None } else { row.record.ok() };
            let keep = every || changed.len() < examples;
            let beside = Beside::Row(extra, index);
            self.count(record.as_ref(), beside, row.number, as_of, &mut work, &mut tally, keep.then_some(&mut changed));
        }
        if let Ok(mut spares) = scratches.lock() {
            spares.push(work);
        }
        Ok((tally, changed))
    }
}
