//! Tabular data in and out (the `arrow` feature): input records read from the
//! columns of Arrow record batches or from pieces of CSV rows ([`columns`],
//! [`Rows`]), CSV read in pieces ([`csv`]), decisions written as record batches of
//! flattened columns and as CSV ([`decisions`]), Parquet read by row group and
//! written by batch ([`parquet`], the `parquet` feature).
//!
//! Every format reaches the engine through the one column reader, so a cell is
//! checked as a JSONL value of its field is, and a bad cell is that row's
//! `error` decision naming the column and the row.

pub mod columns;
pub mod csv;
pub mod decisions;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(test)]
mod tests;

pub use columns::{InputColumns, Row};
pub use decisions::DecisionColumns;

use arrow_array::RecordBatch;
use csv::CsvRows;

/// The rows the column reader reads records from: an Arrow record batch, or
/// a piece of CSV as read (its cells' text, no Arrow columns built).
#[derive(Clone, Copy, Debug)]
pub enum Rows<'a> {
    /// A record batch (Parquet, Arrow, or CSV turned into text columns).
    Batch(&'a RecordBatch),
    /// CSV rows, in the columns of the header the reader was made for.
    Csv(&'a CsvRows),
}

impl Rows<'_> {
    /// The number of rows.
    pub fn num_rows(&self) -> usize {
        match self {
            Rows::Batch(batch) => batch.num_rows(),
            Rows::Csv(rows) => rows.num_rows(),
        }
    }
}

impl<'a> From<&'a RecordBatch> for Rows<'a> {
    fn from(batch: &'a RecordBatch) -> Rows<'a> {
        Rows::Batch(batch)
    }
}

impl<'a> From<&'a CsvRows> for Rows<'a> {
    fn from(rows: &'a CsvRows) -> Rows<'a> {
        Rows::Csv(rows)
    }
}

/// Why a table could not be read at all (as opposed to a bad cell, which is
/// its row's `error` decision): found before any row is decided, or, for a
/// file that breaks off, when its next piece is read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TabularError {
    /// A required field of the input record has no column.
    #[error("no column `{column}`: the input record needs it ({expected})")]
    MissingColumn {
        /// The field's dotted path, the column name it needs.
        column: String,
        /// The field's type.
        expected: String,
    },
    /// A column's type cannot hold its field's values (a Parquet `Int64` for a `Date`).
    #[error("column `{column}` holds {found}, which cannot be read as {expected}")]
    ColumnType {
        /// The column.
        column: String,
        /// Its Arrow type.
        found: String,
        /// The field's type.
        expected: String,
    },
    /// Two columns have one name.
    #[error("column `{column}` is given twice")]
    DuplicateColumn {
        /// The name.
        column: String,
    },
    /// The table's shape changed or is not one of a record (a batch of other columns).
    #[error("{message}")]
    Schema {
        /// What is wrong.
        message: String,
    },
    /// The file could not be read (not CSV or Parquet, corrupted, cut off).
    #[error("{message}")]
    Read {
        /// What the reader said.
        message: String,
    },
}
