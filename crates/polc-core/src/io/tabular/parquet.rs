//! Parquet in and out (the `parquet` feature): a file read row group by row
//! group as record batches of at most `rows` rows (never the whole file in
//! memory), and decision batches written as they come.

use super::TabularError;
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ArrowWriter;
use std::fs::File;
use std::io::Write;

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

/// Writes decision batches to a Parquet file (Snappy-compressed), a row
/// group at a time.
pub struct ParquetDecisions<W: Write + Send> {
    writer: ArrowWriter<W>,
}

impl<W: Write + Send> ParquetDecisions<W> {
    /// A writer of batches of `schema` to `out`.
    pub fn new(out: W, schema: SchemaRef) -> std::io::Result<ParquetDecisions<W>> {
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(out, schema, Some(properties)).map_err(std::io::Error::other)?;
        Ok(ParquetDecisions { writer })
    }

    /// Writes one batch.
    pub fn write(&mut self, batch: &RecordBatch) -> std::io::Result<()> {
        self.writer.write(batch).map_err(std::io::Error::other)
    }

    /// Writes the footer; the file is complete.
    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner().map_err(std::io::Error::other)
    }
}
