//! Table rows decided straight into decision lines (the `arrow` feature):
//! what `polc run --input F.csv|F.parquet` writes as JSON Lines, each line
//! written from the decision as the JSON Lines runner writes it, with no
//! [`crate::io::verdict::Verdict`] made and serialised per row.

use super::{Batch, BatchSummary};
use crate::engine::policy::LOOKUP_GROUP;
use crate::eval::Scratch;
use crate::io::output::{self, AsOf, LineOptions};
use crate::io::record::DecodeError;
use crate::io::tabular::columns::Row;
use crate::io::tabular::{InputColumns, Rows, TabularError};
use crate::value::Value;
use crate::{LineOutcome, Policy};
use rayon::prelude::*;
use std::sync::Mutex;

/// Rows a worker reads and decides at a time.
const PIECE_ROWS: usize = 1024;

impl Batch {
    /// Decides the rows of `batch` (a record batch or a piece of CSV) read by `columns`, in parallel, appending
    /// one decision line each (and a newline) to `out`, in order: the lines
    /// `serde_json` writes of [`Batch::decide_rows`]'s verdicts, and their
    /// counts. `row_errors` and `first_row` are as there.
    pub fn decide_rows_into<'r>(
        &self,
        columns: &InputColumns,
        batch: impl Into<Rows<'r>>,
        first_row: u64,
        row_errors: Option<&[Option<String>]>,
        out: &mut String,
    ) -> Result<BatchSummary, TabularError> {
        let mut texts = Vec::new();
        let summary = self.decide_rows_into_pieces(columns, batch, first_row, row_errors, &mut texts)?;
        texts.iter().for_each(|text| out.push_str(text));
        Ok(summary)
    }

    /// [`Batch::decide_rows_into`], the lines left in `texts`, one string a
    /// piece of rows, in order (their concatenation is the lines): the
    /// strings `texts` holds are cleared and reused, so that a caller that
    /// keeps `texts` from one batch to the next neither copies the lines into
    /// one string nor takes fresh memory for them (grown a doubling at a
    /// time, zeroed by the kernel) each batch.
    pub fn decide_rows_into_pieces<'r>(
        &self,
        columns: &InputColumns,
        batch: impl Into<Rows<'r>>,
        first_row: u64,
        row_errors: Option<&[Option<String>]>,
        texts: &mut Vec<String>,
    ) -> Result<BatchSummary, TabularError> {
        let (policy, options) = (&self.policy, self.options.line);
        let as_of = &AsOf::new(self.options.as_of);
        let batch = batch.into();
        let rows = batch.num_rows();
        let starts: Vec<usize> = (0..rows).step_by(PIECE_ROWS).collect();
        texts.truncate(starts.len());
        texts.resize_with(starts.len(), String::new);
        let scratches = &Mutex::new(Vec::<Scratch>::new());
        let pieces: Vec<Result<BatchSummary, TabularError>> = self.pool.install(|| {
            starts
                .par_iter()
                .zip(texts.par_iter_mut())
                .map(|(&start, text)| {
                    let range = start..(start + PIECE_ROWS).min(rows);
                    let read = columns.records_in(batch, range.clone(), first_row)?;
                    let mut scratch = scratches.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
                    text.clear();
                    text.reserve(range.len() * 256);
                    let mut summary = BatchSummary::new(policy);
                    let read: Vec<Row> = read
                        .into_iter()
                        .zip(range)
                        .map(|(row, index)| row.with_read_error(row_errors, index))
                        .collect();
                    let mut tags = Vec::new();
                    // a group's list lookups started together, as the JSON Lines runner does
                    for group in read.chunks(LOOKUP_GROUP) {
                        policy.start_list_lookups(group.iter().filter_map(|row| row.record.as_ref().ok()), &mut tags);
                        for row in group {
                            let line = Line { policy, as_of, options, number: row.number, id: row.id.as_deref() };
                            summary.count(&line.write(&row.record, &mut scratch, text));
                            text.push('\n');
                        }
                    }
                    if let Ok(mut spares) = scratches.lock() {
                        spares.push(scratch);
                    }
                    Ok(summary)
                })
                .collect()
        });
        let mut summary = BatchSummary::new(policy);
        for piece in pieces {
            summary.merge(&piece?);
        }
        Ok(summary)
    }
}

/// One row's place: what its line is written with.
struct Line<'a> {
    policy: &'a Policy,
    as_of: &'a AsOf,
    options: LineOptions,
    /// Its 1-based number in the input.
    number: u64,
    /// Its `id` cell, for a row that is not a record.
    id: Option<&'a str>,
}

impl Line<'_> {
    /// Decides `record` (or says why it is not one) into `out`, without a newline.
    fn write(&self, record: &Result<Value, DecodeError>, scratch: &mut Scratch, out: &mut String) -> LineOutcome {
        let Line { policy, as_of, options, number, id } = *self;
        let (program, stamp) = (policy.program(), policy.stamp());
        match record {
            Ok(record) => {
                let id = policy.record_id(record);
                if options.explain {
                    let (decision, trace) = policy.explain(record, as_of.date());
                    out.push_str(&output::decision(program, stamp, as_of, id, &decision, options, Some(&trace)));
                    return LineOutcome::new(decision);
                }
                let decision = policy.decide(record, as_of.date(), scratch);
                if options.messages {
                    out.push_str(&output::decision(program, stamp, as_of, id, &decision, options, None));
                } else {
                    output::write_decision(out, program, stamp, as_of, id, &decision);
                }
                LineOutcome::new(decision)
            }
            Err(error) => {
                out.push_str(&output::record_error(program, stamp, as_of, Some(number), id, error));
                LineOutcome::record_error()
            }
        }
    }
}
