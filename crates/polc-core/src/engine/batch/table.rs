//! Arrow record batches decided on the batch runner's pool (the `arrow`
//! feature): rows read from their columns ([`crate::io::tabular::columns`]),
//! decided in parallel in pieces, and written back as a decision batch of the
//! flattened decision columns, one row out per row in, in order.

use super::{Batch, BatchSummary};
use crate::eval::Scratch;
use crate::io::output::AsOf;
use crate::io::record::DecodeError;
use crate::io::tabular::{DecisionColumns, InputColumns, TabularError};
use crate::io::verdict::Verdict;
use crate::LineOutcome;
use arrow_array::RecordBatch;
use arrow_schema::Schema as ArrowSchema;
use chrono::NaiveDate;
use rayon::prelude::*;

/// Rows a worker reads and decides at a time.
const PIECE_ROWS: usize = 1024;

impl Batch {
    /// Decides every row of `batch` (columns named by the input record's
    /// dotted field paths; see `docs/tools.md`) in parallel on the pool, and
    /// returns one decision row per input row, in order, in the columns of
    /// [`Batch::decision_columns`]. A row whose cells are not a valid record
    /// is an `error` row naming the column and the row (its 1-based position
    /// in `batch`); the rest of the batch goes on. A required field without a
    /// column, or a column of a type its field cannot be read from, is an
    /// `Err` before any row is decided.
    pub fn decide_batch(&self, batch: &RecordBatch) -> Result<RecordBatch, TabularError> {
        let columns = self.input_columns(&batch.schema())?;
        let (verdicts, _) = self.decide_rows(&columns, batch, 1, None)?;
        self.decision_columns().encode(&verdicts).map_err(|e| TabularError::Schema { message: e.to_string() })
    }

    /// [`Batch::decide_batch`] as of another date (the same pool).
    pub fn decide_batch_as_of(&self, batch: &RecordBatch, as_of: NaiveDate) -> Result<RecordBatch, TabularError> {
        self.with_as_of(as_of).decide_batch(batch)
    }

    /// How records are read from batches of `schema` (made once, for every
    /// batch of a file): an error when a required field has no column or a
    /// column the wrong type; the warnings say what is ignored.
    pub fn input_columns(&self, schema: &ArrowSchema) -> Result<InputColumns, TabularError> {
        let program = self.policy.program();
        let depth = self.policy.record_limits().json_depth();
        InputColumns::new(&program.schema, program.input.record, schema, depth)
    }

    /// The columns of this policy's decision batches.
    pub fn decision_columns(&self) -> DecisionColumns {
        DecisionColumns::new(self.policy.program(), self.policy.list_versions().keys())
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
                            let early = row_errors.and_then(|e| e.get(index)).and_then(Option::as_ref);
                            let record = match early {
                                Some(message) => Err(DecodeError {
                                    path: String::new(),
                                    message: format!("row {}: {message}", row.number),
                                }),
                                None => row.record,
                            };
                            match record {
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
