//! CSV read in pieces: a header of column names (one byte-order mark before
//! it ignored), then batches of at most `rows` records, each an Arrow record
//! batch of text columns for the column reader ([`super::columns`]). An empty
//! cell is a null. A row with more or fewer cells than the header, or cells
//! that are not UTF-8, is that row's error (its cells are left empty), never
//! the end of the file: rows in are rows out.

mod records;

use super::TabularError;
use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use records::{Record, Records};
use std::io::Read;
use std::sync::Arc;

/// A CSV reader handing out record batches of text columns.
pub struct CsvBatches<R: Read> {
    records: Records<R>,
    schema: SchemaRef,
    rows: usize,
    record: Record,
    /// Bytes of text each column held in the last piece: the next one's
    /// buffers are made that large at once, not grown a doubling at a time.
    bytes: Vec<usize>,
    done: bool,
}

/// A piece of CSV: its rows as text columns, and for each row what made it
/// unreadable (a ragged row, bytes that are not UTF-8), if anything.
#[derive(Debug)]
pub struct CsvPiece {
    /// One text column per header name.
    pub batch: RecordBatch,
    /// One entry per row.
    pub row_errors: Vec<Option<String>>,
}

impl<R: Read> CsvBatches<R> {
    /// Reads the header of `input`; batches hold at most `rows` records.
    pub fn new(input: R, rows: usize) -> Result<CsvBatches<R>, TabularError> {
        let mut records = Records::new(input);
        let mut record = Record::default();
        let header = records.read(&mut record).map_err(read_error)?;
        let mut names = Vec::with_capacity(record.len());
        for (i, range) in record.ranges().enumerate().take_while(|_| header) {
            let name = std::str::from_utf8(record.bytes().get(range).unwrap_or_default())
                .map_err(|_| TabularError::Read { message: format!("the header's column {} is not UTF-8", i + 1) })?;
            names.push(Field::new(name.trim(), DataType::Utf8, true));
        }
        if names.is_empty() || (names.len() == 1 && names.first().is_some_and(|f| f.name().is_empty())) {
            return Err(TabularError::Read {
                message: "no header: a CSV input starts with a line of column names".into(),
            });
        }
        let schema = Arc::new(Schema::new(names));
        let bytes = vec![0; schema.fields().len()];
        Ok(CsvBatches { records, schema, rows: rows.max(1), record, bytes, done: false })
    }

    /// The columns the header names (every one text).
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The next piece, or none at the end of the input.
    pub fn next_piece(&mut self) -> Result<Option<CsvPiece>, TabularError> {
        if self.done {
            return Ok(None);
        }
        let width = self.schema.fields().len();
        let mut columns: Vec<StringBuilder> =
            self.bytes.iter().map(|&bytes| StringBuilder::with_capacity(self.rows, bytes + bytes / 8)).collect();
        let mut row_errors = Vec::with_capacity(self.rows);
        while row_errors.len() < self.rows {
            if !self.records.read(&mut self.record).map_err(read_error)? {
                self.done = true;
                break;
            }
            let cells = self.record.len();
            if cells != width {
                columns.iter_mut().for_each(StringBuilder::append_null);
                row_errors.push(Some(format!("the row has {cells} cells, the header {width} columns")));
                continue;
            }
            // the record's cells as text, checked once, and each cell a slice of it
            let error = match simdutf8::basic::from_utf8(self.record.bytes()) {
                Ok(text) => {
                    for (column, range) in columns.iter_mut().zip(self.record.ranges()) {
                        column.append_option(text.get(range).filter(|cell| !cell.is_empty()));
                    }
                    None
                }
                Err(_) => {
                    columns.iter_mut().for_each(StringBuilder::append_null);
                    Some("the row is not UTF-8 text".to_string())
                }
            };
            row_errors.push(error);
        }
        if row_errors.is_empty() {
            return Ok(None);
        }
        for (bytes, column) in self.bytes.iter_mut().zip(&columns) {
            *bytes = column.values_slice().len();
        }
        let arrays: Vec<ArrayRef> = columns.iter_mut().map(|c| Arc::new(c.finish()) as ArrayRef).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| TabularError::Read { message: e.to_string() })?;
        Ok(Some(CsvPiece { batch, row_errors }))
    }
}

fn read_error(error: std::io::Error) -> TabularError {
    TabularError::Read { message: error.to_string() }
}
