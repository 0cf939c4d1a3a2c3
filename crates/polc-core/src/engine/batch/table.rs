//! Arrow record batches decided on the batch runner's pool (the `arrow`
//! feature): rows read from their columns ([`crate::io::tabular::columns`]),
//! decided in parallel in pieces, each piece encoded straight from the
//! decisions into the flattened decision columns ([`DecisionRows`]), and the
//! pieces joined into one decision batch per input batch, one row out per row
//! in, in order. The batches of a table are decided together, as one job.

use super::{Batch, BatchSummary};
use crate::eval::Scratch;
use crate::io::output::AsOf;
use crate::io::tabular::decisions::DecisionRows;
use crate::io::tabular::{DecisionColumns, InputColumns, TabularError};
use crate::io::verdict::Verdict;
use crate::LineOutcome;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::Schema as ArrowSchema;
use chrono::NaiveDate;
use rayon::prelude::*;
use std::ops::Range;

/// Rows a worker reads and decides at a time.
const PIECE_ROWS: usize = 1024;

/// Rows of a piece of [`Batch::decide_tables`]: a batch of up to this many
/// rows (a Parquet row group, a Spark batch) is one piece, whose columns are
/// the decision batch's without a copy; a larger one is cut into pieces
/// joined after (a copy of their columns).
const TABLE_PIECE_ROWS: usize = 8192;

/// One batch to decide: how its rows are read, the rows' numbers (from
/// `first_row`), and the errors found before its cells were read (a ragged
/// CSV row), one entry a row, when given.
#[derive(Clone, Copy)]
pub struct TableInput<'a> {
    /// How records are read from `batch` ([`Batch::input_columns`] of its schema).
    pub columns: &'a InputColumns,
    /// The rows.
    pub batch: &'a RecordBatch,
    /// The 1-based number of its first row.
    pub first_row: u64,
    /// Per row, an error found before its cells were read (its row's `error` decision).
    pub row_errors: Option<&'a [Option<String>]>,
}

impl Batch {
    /// Decides every row of `batch` (columns named by the input record's
    /// dotted field paths; see `docs/tools.md`) in parallel on the pool, and
    /// returns one decision row per input row, in order, in the columns of
    /// [`Batch::decision_columns`]. A row whose cells are not a valid record
    /// is an `error` row naming the column and the row (its 1-based position
    /// in `batch`); the rest of the batch goes on. A required field without a
    /// column, or a column of a type its field cannot be read from, is an
    /// `Err` before any row is decided.
    ///
    /// The columns are those of [`Batch::table_decision_columns`]: the stamp
    /// columns (`as_of`, `policy`, `version`, `policy_hash`, `lists.NAME`) are
    /// dictionary arrays of their one value.
    pub fn decide_batch(&self, batch: &RecordBatch) -> Result<RecordBatch, TabularError> {
        let mut decided = self.decide_batches(std::slice::from_ref(batch))?;
        decided.pop().ok_or_else(|| TabularError::Schema { message: "no decision batch".to_string() })
    }

    /// [`Batch::decide_batch`] as of another date (the same pool).
    pub fn decide_batch_as_of(&self, batch: &RecordBatch, as_of: NaiveDate) -> Result<RecordBatch, TabularError> {
        self.with_as_of(as_of).decide_batch(batch)
    }

    /// Decides the batches of a table together, as one parallel job (not one
    /// job a batch, which a table of many small batches would make mostly
    /// waiting): one decision batch per input batch, as
    /// [`Batch::decide_batch`] decides each (rows numbered within their batch).
    pub fn decide_batches(&self, batches: &[RecordBatch]) -> Result<Vec<RecordBatch>, TabularError> {
        // the batches of a table share a schema: one reader for each schema met
        let mut readers: Vec<(arrow_schema::SchemaRef, InputColumns)> = Vec::new();
        let mut which = Vec::with_capacity(batches.len());
        for batch in batches {
            let schema = batch.schema();
            match readers.iter().position(|(s, _)| *s == schema) {
                Some(i) => which.push(i),
                None => {
                    readers.push((schema.clone(), self.input_columns(&schema)?));
                    which.push(readers.len() - 1);
                }
            }
        }
        let inputs: Vec<TableInput<'_>> = batches
            .iter()
            .zip(&which)
            .filter_map(|(batch, &i)| {
                let columns = &readers.get(i)?.1;
                Some(TableInput { columns, batch, first_row: 1, row_errors: None })
            })
            .collect();
        let (decided, _) = self.decide_tables(&inputs, &self.table_decision_columns())?;
        Ok(decided)
    }

    /// [`Batch::decide_batches`] as of another date (the same pool).
    pub fn decide_batches_as_of(
        &self,
        batches: &[RecordBatch],
        as_of: NaiveDate,
    ) -> Result<Vec<RecordBatch>, TabularError> {
        self.with_as_of(as_of).decide_batches(batches)
    }

    /// Decides `inputs` together on the pool into one batch of `columns`
    /// (this policy's, plain or with dictionary stamps) per input, in order,
    /// and counts the decisions. A row whose cells are not a valid record, or
    /// that has an entry in its input's `row_errors`, is an `error` row with
    /// its number; the rest go on. Each piece of rows is encoded straight from
    /// its decisions by the worker that decided it.
    pub fn decide_tables(
        &self,
        inputs: &[TableInput<'_>],
        columns: &DecisionColumns,
    ) -> Result<(Vec<RecordBatch>, BatchSummary), TabularError> {
        let policy = &self.policy;
        let program = policy.program();
        let as_of = self.options.as_of;
        let pieces: Vec<(usize, Range<usize>)> = inputs
            .iter()
            .enumerate()
            .flat_map(|(i, input)| {
                let rows = input.batch.num_rows();
                (0..rows).step_by(TABLE_PIECE_ROWS).map(move |start| (i, start..(start + TABLE_PIECE_ROWS).min(rows)))
            })
            .collect();
        type Piece = Result<(usize, Vec<ArrayRef>, BatchSummary), TabularError>;
        let decided: Vec<Piece> = self.pool.install(|| {
            pieces
                .par_iter()
                .map_init(Scratch::default, |scratch, (i, range)| {
                    let input =
                        inputs.get(*i).ok_or_else(|| TabularError::Schema { message: "no such batch".into() })?;
                    let read = input.columns.records_in(input.batch, range.clone(), input.first_row)?;
                    let mut rows = DecisionRows::new(program, columns, range.len());
                    let mut summary = BatchSummary::new(policy);
                    for (row, index) in read.into_iter().zip(range.clone()) {
                        let row = row.with_read_error(input.row_errors, index);
                        match row.record {
                            Ok(record) => {
                                let decision = policy.decide(&record, as_of, scratch);
                                rows.push_decision(policy.record_id(&record), &decision);
                                summary.count(&LineOutcome::new(decision));
                            }
                            Err(error) => {
                                rows.push_record_error(row.id.as_deref(), row.number, &error.path, &error.message);
                                summary.count(&LineOutcome::record_error());
                            }
                        }
                    }
                    Ok((*i, rows.finish(), summary))
                })
                .collect()
        });
        let mut summary = BatchSummary::new(policy);
        let mut by_input: Vec<Vec<Vec<ArrayRef>>> = inputs.iter().map(|_| Vec::new()).collect();
        for piece in decided {
            let (i, arrays, counted) = piece?;
            summary.merge(&counted);
            if let Some(slot) = by_input.get_mut(i) {
                slot.push(arrays);
            }
        }
        let as_of_text = as_of.to_string();
        let lists = policy.list_versions();
        let mut stamp: Vec<Option<&str>> =
            vec![Some(as_of_text.as_str()), Some(&program.name), Some(&program.version), Some(&program.hash)];
        stamp.extend(columns.list_names().map(|name| lists.get(name).map(String::as_str)));
        let bad = |e: arrow_schema::ArrowError| TabularError::Schema { message: e.to_string() };
        // the joins (copies of the pieces' columns, the stamp's keys) on the pool too
        let batches = self.pool.install(|| {
            by_input
                .into_par_iter()
                .zip(inputs)
                .map(|(mut pieces, input)| {
                    if pieces.is_empty() {
                        pieces.push(DecisionRows::new(program, columns, 0).finish());
                    }
                    columns.join(pieces, input.batch.num_rows(), &stamp).map_err(bad)
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok((batches, summary))
    }

    /// How records are read from batches of `schema` (made once, for every
    /// batch of a file): an error when a required field has no column or a
    /// column the wrong type; the warnings say what is ignored.
    pub fn input_columns(&self, schema: &ArrowSchema) -> Result<InputColumns, TabularError> {
        let program = self.policy.program();
        let depth = self.policy.record_limits().json_depth();
        InputColumns::new(&program.schema, program.input.record, schema, depth)
    }

    /// The columns of this policy's decisions as `polc run` writes them to
    /// CSV and Parquet (every column plain).
    pub fn decision_columns(&self) -> DecisionColumns {
        DecisionColumns::new(self.policy.program(), self.policy.list_versions().keys())
    }

    /// The columns of [`Batch::decide_batch`]'s decision batches: those of
    /// [`Batch::decision_columns`], the stamp columns dictionary-encoded.
    pub fn table_decision_columns(&self) -> DecisionColumns {
        self.decision_columns().with_dictionary_stamps()
    }

    /// Decides the rows of `batch` read by `columns`, in parallel, in order:
    /// one verdict per row (error verdicts carry the row's number, counting
    /// from `first_row`), and their counts. `row_errors`, when given, has one
    /// entry per row: a row with one (a ragged CSV row) is an `error` verdict
    /// with that message.
    pub fn decide_rows(
        &self,
        columns: &InputColumns,
        batch: &RecordBatch,
        first_row: u64,
        row_errors: Option<&[Option<String>]>,
    ) -> Result<(Vec<Verdict>, BatchSummary), TabularError> {
        let (policy, options) = (&self.policy, self.options.line);
        let as_of = &AsOf::new(self.options.as_of);
        let rows = batch.num_rows();
        let starts: Vec<usize> = (0..rows).step_by(PIECE_ROWS).collect();
        let pieces: Vec<Result<Vec<(Verdict, LineOutcome)>, TabularError>> = self.pool.install(|| {
            starts
                .par_iter()
                .map_init(Scratch::default, |scratch, &start| {
                    let range = start..(start + PIECE_ROWS).min(rows);
                    let read = columns.records_in(batch, range.clone(), first_row)?;
                    Ok(read
                        .into_iter()
                        .zip(range)
                        .map(|(row, index)| {
                            let row = row.with_read_error(row_errors, index);
                            match row.record {
                                Ok(record) => policy.verdict_of_record(&record, as_of, options, scratch),
                                Err(error) => {
                                    let mut verdict = policy.record_error_verdict(as_of, row.id.as_deref(), &error);
                                    verdict.line = Some(row.number);
                                    (verdict, LineOutcome::record_error())
                                }
                            }
                        })
                        .collect())
                })
                .collect()
        });
        let mut summary = BatchSummary::new(policy);
        let mut verdicts = Vec::with_capacity(rows);
        for piece in pieces {
            for (verdict, outcome) in piece? {
                summary.count(&outcome);
                verdicts.push(verdict);
            }
        }
        Ok((verdicts, summary))
    }
}
