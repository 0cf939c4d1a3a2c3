//! Parquet in and out (the `parquet` feature): a file read row group by row
//! group as record batches of at most `rows` rows (never the whole file in
//! memory), and decision batches written as they come.

use super::TabularError;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ArrowWriter;
use std::fs::File;

/// A Parquet file's record batches, read as they are asked for.
pub struct ParquetBatches {
    reader: ParquetRecordBatchReader,
    schema: SchemaRef,
}

impl ParquetBatches {
    /// Opens `file` (reading its footer: the schema and the row groups);
    /// batches hold at most `rows` rows.
    pub fn new(file: File, rows: usize) -> Result<ParquetBatches, TabularError> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(read_error)?;
        let schema = builder.schema().clone();
        let reader = builder.with_batch_size(rows.max(1)).build().map_err(read_error)?;
        Ok(ParquetBatches { reader, schema })
    }

    /// The file's columns.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The next batch, or none at the end of the file.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>, TabularError> {
        match self.reader.next() {
            None => Ok(None),
            Some(Ok(batch)) => Ok(Some(batch)),
            Some(Err(error)) => Err(TabularError::Read { message: format!("the file breaks off: {error}") }),
        }
    }
}

fn read_error(error: parquet::errors::ParquetError) -> TabularError {
    TabularError::Read { message: format!("not a readable Parquet file: {error}") }
}

/// Rows of a Parquet row group the decisions are written in: what a writer
/// holds in memory before it writes a group out.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Writes decision batches as a Parquet file (Snappy-compressed) in row
/// groups of [`ROW_GROUP_ROWS`], handing out the file's bytes as they are
/// made, so that they can go to any writer (standard output, a pipe) while
/// only the row group being filled is held.
pub struct ParquetDecisions {
    writer: ArrowWriter<Vec<u8>>,
}

impl ParquetDecisions {
    /// A writer of batches of `schema`.
    pub fn new(schema: SchemaRef) -> std::io::Result<ParquetDecisions> {
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(Vec::new(), schema, Some(properties)).map_err(std::io::Error::other)?;
        Ok(ParquetDecisions { writer })
    }

    /// Writes one batch; returns the bytes of the file made so far and not yet handed out.
    pub fn write(&mut self, batch: &RecordBatch) -> std::io::Result<Vec<u8>> {
        self.writer.write(batch).map_err(std::io::Error::other)?;
        self.writer.sync()?;
        // INVARIANT: taking the bytes out writes nothing: the writer counts the
        // bytes it wrote (the footer's offsets) itself, not by the buffer's length
        Ok(std::mem::take(self.writer.inner_mut()))
    }

    /// Writes the last row group and the footer; returns the last bytes of the file.
    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        self.writer.into_inner().map_err(std::io::Error::other)
    }
}
