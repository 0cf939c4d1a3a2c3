//! Arrow record batches decided on the batch runner's pool (the `arrow`
//! feature): rows read from their columns ([`crate::io::tabular::columns`]),
//! decided in parallel in pieces, each piece encoded straight from the
//! decisions into the flattened decision columns ([`DecisionRows`]), and the
//! pieces joined into one decision batch per input batch, one row out per row
//! in, in order. The batches of a table are decided together, as one job.

use super::{Batch, BatchSummary};
use crate::engine::policy::LOOKUP_GROUP;
use crate::eval::Scratch;
use crate::io::output::AsOf;
use crate::io::tabular::decisions::DecisionRows;
use crate::io::tabular::{DecisionColumns, InputColumns, Row, Rows, TabularError};
use crate::io::verdict::Verdict;
use crate::LineOutcome;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::Schema as ArrowSchema;
use chrono::NaiveDate;
use rayon::prelude::*;
use std::ops::Range;

/// Rows a worker reads and decides at a time.
const PIECE_ROWS: usize = 1024;

/// Most rows of a piece of [`Batch::decide_tables`]: a batch of up to this
/// many rows (a Parquet row group, a Spark batch) is one piece, whose columns
/// are the decision batch's without a copy; a larger one is cut into pieces
/// of about equal size.
const TABLE_PIECE_ROWS: usize = 8192;

/// Rows of a piece read into records at a time, each decided before the next
/// are read: few enough that the records are still in the cache when they are
/// decided, enough that reading a part's columns costs nothing next to it.
const READ_ROWS: usize = 256;

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
        let columns = self.table_decision_columns();
        self.with_inputs(batches, |inputs| Ok(self.decide_tables(inputs, &columns)?.0))
    }

    /// Decides the batches of a table together, as [`Batch::decide_batches`]
    /// does, into one decision batch per piece of up to 8,192 rows, in order
    /// (see [`Batch::decide_table_pieces`]): a batch of up to 8,192 rows is one
    /// decision batch, a larger one several, and nothing is joined after. The
    /// rows are numbered within their input batch.
    pub fn decide_batches_in_pieces(&self, batches: &[RecordBatch]) -> Result<Vec<RecordBatch>, TabularError> {
        let columns = self.table_decision_columns();
        self.with_inputs(batches, |inputs| Ok(self.decide_table_pieces(inputs, &columns)?.0))
    }

    /// `decide` given the batches as [`TableInput`]s: the batches of a table
    /// share a schema, so a reader is made for each schema met, not each batch.
    fn with_inputs<T>(
        &self,
        batches: &[RecordBatch],
        decide: impl FnOnce(&[TableInput<'_>]) -> Result<T, TabularError>,
    ) -> Result<T, TabularError> {
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
        decide(&inputs)
    }

    /// [`Batch::decide_batches`] as of another date (the same pool).
    pub fn decide_batches_as_of(
        &self,
        batches: &[RecordBatch],
        as_of: NaiveDate,
    ) -> Result<Vec<RecordBatch>, TabularError> {
        self.with_as_of(as_of).decide_batches(batches)
    }

    /// [`Batch::decide_batches_in_pieces`] as of another date (the same pool).
    pub fn decide_batches_in_pieces_as_of(
        &self,
        batches: &[RecordBatch],
        as_of: NaiveDate,
    ) -> Result<Vec<RecordBatch>, TabularError> {
        self.with_as_of(as_of).decide_batches_in_pieces(batches)
    }

    /// Decides `inputs` together on the pool into one batch of `columns`
    /// (this policy's, plain or with dictionary stamps) per input, in order,
    /// and counts the decisions. A row whose cells are not a valid record, or
    /// that has an entry in its input's `row_errors`, is an `error` row with
    /// its number; the rest go on. Each piece of rows is encoded straight from
    /// its decisions by the worker that decided it; an input of more than one
    /// piece is joined after (a copy of its pieces' columns, on the pool).
    pub fn decide_tables(
        &self,
        inputs: &[TableInput<'_>],
        columns: &DecisionColumns,
    ) -> Result<(Vec<RecordBatch>, BatchSummary), TabularError> {
        let program = self.policy.program();
        let (decided, summary) = self.decide_pieces(inputs, columns, |_, arrays| Ok(arrays))?;
        let mut by_input: Vec<Vec<Vec<ArrayRef>>> = inputs.iter().map(|_| Vec::new()).collect();
        for (i, arrays) in decided {
            if let Some(slot) = by_input.get_mut(i) {
                slot.push(arrays);
            }
        }
        let stamp = Stamp::of(self, columns);
        // the joins (copies of the pieces' columns, the stamp's keys) on the pool too
        let batches = self.pool.install(|| {
            by_input
                .into_par_iter()
                .zip(inputs)
                .map(|(mut pieces, input)| {
                    if pieces.is_empty() {
                        pieces.push(DecisionRows::new(program, columns, 0).finish());
                    }
                    columns.join(pieces, input.batch.num_rows(), &stamp.values()).map_err(schema_error)
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok((batches, summary))
    }

    /// Decides `inputs` together on the pool as [`Batch::decide_tables`]
    /// does, but returns one decision batch per piece, in order, each made
    /// whole (its stamp columns too) by the worker that decided it: nothing is
    /// joined after. An input of up to 8,192 rows is one piece
    /// whose columns are used without a copy; a larger one is cut into
    /// pieces of about equal size. An input without rows gives no piece.
    pub fn decide_table_pieces(
        &self,
        inputs: &[TableInput<'_>],
        columns: &DecisionColumns,
    ) -> Result<(Vec<RecordBatch>, BatchSummary), TabularError> {
        let stamp = Stamp::of(self, columns);
        let values = stamp.values();
        let (decided, summary) = self.decide_pieces(inputs, columns, |rows, arrays| {
            columns.join(vec![arrays], rows, &values).map_err(schema_error)
        })?;
        Ok((decided.into_iter().map(|(_, batch)| batch).collect(), summary))
    }

    /// The pieces of `inputs` decided on the pool, in order: each one's input
    /// (its index) and what `finish` made of its row count and its columns
    /// before the stamp, on the worker that decided it; and the counts.
    fn decide_pieces<T: Send>(
        &self,
        inputs: &[TableInput<'_>],
        columns: &DecisionColumns,
        finish: impl Fn(usize, Vec<ArrayRef>) -> Result<T, TabularError> + Sync,
    ) -> Result<(Vec<(usize, T)>, BatchSummary), TabularError> {
        let policy = &self.policy;
        let pieces: Vec<(usize, Range<usize>)> = inputs
            .iter()
            .enumerate()
            .flat_map(|(i, input)| piece_ranges(input.batch.num_rows()).map(move |range| (i, range)))
            .collect();
        type Piece<T> = Result<(usize, T, BatchSummary), TabularError>;
        let decided: Vec<Piece<T>> = self.pool.install(|| {
            pieces
                .par_iter()
                .map_init(Scratch::default, |scratch, (i, range)| {
                    let input =
                        inputs.get(*i).ok_or_else(|| TabularError::Schema { message: "no such batch".into() })?;
                    let (arrays, summary) = self.decide_piece(input, columns, range.clone(), scratch)?;
                    Ok((*i, finish(range.len(), arrays)?, summary))
                })
                .collect()
        });
        let mut summary = BatchSummary::new(policy);
        let mut out = Vec::with_capacity(decided.len());
        for piece in decided {
            let (i, finished, counted) = piece?;
            summary.merge(&counted);
            out.push((i, finished));
        }
        Ok((out, summary))
    }

    /// The rows `range` of `input` read, decided and encoded into the columns
    /// before the stamp, and their counts. The rows are read [`READ_ROWS`] at
    /// a time and decided straight after, so a record is decided while it is
    /// still in the cache, and the next rows reuse its memory.
    fn decide_piece(
        &self,
        input: &TableInput<'_>,
        columns: &DecisionColumns,
        range: Range<usize>,
        scratch: &mut Scratch,
    ) -> Result<(Vec<ArrayRef>, BatchSummary), TabularError> {
        let policy = &self.policy;
        let as_of = self.options.as_of;
        let mut rows = DecisionRows::new(policy.program(), columns, range.len());
        let mut summary = BatchSummary::new(policy);
        let mut tags = Vec::new();
        for start in range.clone().step_by(READ_ROWS) {
            let part = start..(start + READ_ROWS).min(range.end);
            let read = input.columns.records_in(input.batch, part.clone(), input.first_row)?;
            let read: Vec<Row> =
                read.into_iter().zip(part).map(|(row, index)| row.with_read_error(input.row_errors, index)).collect();
            // a group's list lookups started together, as the JSON Lines runner does
            for group in read.chunks(LOOKUP_GROUP) {
                policy.start_list_lookups(group.iter().filter_map(|row| row.record.as_ref().ok()), &mut tags);
                for row in group {
                    match &row.record {
                        Ok(record) => {
                            let decision = policy.decide(record, as_of, scratch);
                            rows.push_decision(policy.record_id(record), &decision);
                            summary.count(&LineOutcome::new(decision));
                        }
                        Err(error) => {
                            rows.push_record_error(row.id.as_deref(), row.number, &error.path, &error.message);
                            summary.count(&LineOutcome::record_error());
                        }
                    }
                }
            }
        }
        Ok((rows.finish(), summary))
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

    /// Decides the rows of `batch` (a record batch or a piece of CSV) read by `columns`, in parallel, in order:
    /// one verdict per row (error verdicts carry the row's number, counting
    /// from `first_row`), and their counts. `row_errors`, when given, has one
    /// entry per row: a row with one (a ragged CSV row) is an `error` verdict
    /// with that message.
    pub fn decide_rows<'r>(
        &self,
        columns: &InputColumns,
        batch: impl Into<Rows<'r>>,
        first_row: u64,
        row_errors: Option<&[Option<String>]>,
    ) -> Result<(Vec<Verdict>, BatchSummary), TabularError> {
        let (policy, options) = (&self.policy, self.options.line);
        let as_of = &AsOf::new(self.options.as_of);
        let batch = batch.into();
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

/// The ranges of the pieces of a batch of `rows` rows: as few as hold at most
/// [`TABLE_PIECE_ROWS`] each, of about equal size (10,000 rows are two pieces
/// of 5,000, not 8,192 and 1,808); none for no rows.
fn piece_ranges(rows: usize) -> impl Iterator<Item = Range<usize>> {
    let pieces = rows.div_ceil(TABLE_PIECE_ROWS);
    let size = rows.div_ceil(pieces.max(1)).max(1);
    (0..rows).step_by(size).map(move |start| start..(start + size).min(rows))
}

/// The stamp's values of a batch's decisions: `as_of`, `policy`, `version`,
/// `policy_hash`, then the version of each of the columns' lists.
struct Stamp<'a> {
    as_of: String,
    batch: &'a Batch,
    lists: Vec<&'a str>,
}

impl<'a> Stamp<'a> {
    fn of(batch: &'a Batch, columns: &'a DecisionColumns) -> Stamp<'a> {
        Stamp { as_of: batch.options.as_of.to_string(), batch, lists: columns.list_names().collect() }
    }

    /// The values in the order of [`DecisionColumns::join`]'s `stamp`.
    fn values(&self) -> Vec<Option<&str>> {
        let program = self.batch.policy.program();
        let versions = self.batch.policy.list_versions();
        let mut values =
            vec![Some(self.as_of.as_str()), Some(&program.name), Some(&program.version), Some(&program.hash)];
        values.extend(self.lists.iter().map(|name| versions.get(*name).map(String::as_str)));
        values
    }
}

fn schema_error(error: arrow_schema::ArrowError) -> TabularError {
    TabularError::Schema { message: error.to_string() }
}
