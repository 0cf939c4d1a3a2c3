//! CSV read in pieces: a header of column names (one byte-order mark before
//! it ignored), then pieces of at most `rows` records, each the rows' text as
//! read ([`CsvRows`]), which the column reader ([`super::columns`]) reads cell
//! by cell — no Arrow columns built on the way — or turned into an Arrow
//! record batch of text columns ([`CsvRows::to_batch`]). An empty cell is a
//! null. A row with more or fewer cells than the header, or cells that are
//! not UTF-8, is that row's error (its cells are left empty), never the end
//! of the file: rows in are rows out.

mod records;

use super::TabularError;
use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use records::{Record, Records};
use std::io::Read;
use std::sync::Arc;

/// A CSV reader handing out pieces of rows.
pub struct CsvBatches<R: Read> {
    records: Records<R>,
    schema: SchemaRef,
    rows: usize,
    record: Record,
    /// Bytes of text the last piece held: the next one's text is made that
    /// large at once, not grown a doubling at a time.
    bytes: usize,
    done: bool,
}

/// A piece of CSV: its rows' cells, and for each row what made it
/// unreadable (a ragged row, bytes that are not UTF-8), if anything.
#[derive(Debug)]
pub struct CsvPiece {
    /// The rows' cells, one per header name a row.
    pub rows: CsvRows,
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
        let bytes = 0;
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
        let mut rows = CsvRows {
            text: String::with_capacity(self.bytes + self.bytes / 8),
            cells: Vec::with_capacity(self.rows * width),
            width,
        };
        let mut row_errors = Vec::with_capacity(self.rows);
        while row_errors.len() < self.rows {
            if !self.records.read(&mut self.record).map_err(read_error)? {
                self.done = true;
                break;
            }
            let cells = self.record.len();
            if cells != width {
                rows.push_empty();
                row_errors.push(Some(format!("the row has {cells} cells, the header {width} columns")));
                continue;
            }
            // the record's cells as text, checked once, and each cell a slice of it
            let error = match simdutf8::basic::from_utf8(self.record.bytes()) {
                Ok(text) => {
                    let start = rows.text.len();
                    rows.text.push_str(text);
                    rows.cells.extend(self.record.ranges().map(|r| (start + r.start, start + r.end)));
                    None
                }
                Err(_) => {
                    rows.push_empty();
                    Some("the row is not UTF-8 text".to_string())
                }
            };
            row_errors.push(error);
        }
        if row_errors.is_empty() {
            return Ok(None);
        }
        self.bytes = rows.text.len();
        Ok(Some(CsvPiece { rows, row_errors }))
    }
}

/// The rows of a piece of CSV, each `width` cells of text.
#[derive(Debug)]
pub struct CsvRows {
    /// The rows' cells' text, end to end.
    text: String,
    /// Where each cell lies in `text`: row by row, `width` a row.
    cells: Vec<(usize, usize)>,
    width: usize,
}

impl CsvRows {
    /// The number of rows.
    pub fn num_rows(&self) -> usize {
        self.cells.len().checked_div(self.width).unwrap_or(0)
    }

    /// The number of cells a row (the header's columns).
    pub fn width(&self) -> usize {
        self.width
    }

    /// The cell of `row` in `column` (empty: a null), or empty when there is none.
    #[inline]
    pub fn cell(&self, row: usize, column: usize) -> &str {
        let place = self.cells.get(row * self.width + column);
        place.and_then(|&(start, end)| self.text.get(start..end)).unwrap_or_default()
    }

    /// A row of empty cells (for a row that could not be read).
    fn push_empty(&mut self) {
        let end = self.text.len();
        self.cells.extend(std::iter::repeat_n((end, end), self.width));
    }

    /// The rows as an Arrow record batch of `schema`'s text columns (the
    /// header's, [`CsvBatches::schema`]); an empty cell is a null.
    pub fn to_batch(&self, schema: &SchemaRef) -> Result<RecordBatch, TabularError> {
        let rows = self.num_rows();
        let arrays: Vec<ArrayRef> = (0..self.width)
            .map(|column| {
                let mut builder = StringBuilder::with_capacity(rows, self.text.len() / self.width.max(1));
                for row in 0..rows {
                    let cell = self.cell(row, column);
                    builder.append_option((!cell.is_empty()).then_some(cell));
                }
                Arc::new(builder.finish()) as ArrayRef
            })
            .collect();
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| TabularError::Read { message: e.to_string() })
    }
}

fn read_error(error: std::io::Error) -> TabularError {
    TabularError::Read { message: error.to_string() }
}
