//! Parquet in and out (the `parquet` feature): a file read row group by row
//! group as record batches of at most `rows` rows (never the whole file in
//! memory), and decision batches written as they come.

use super::TabularError;
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ArrowWriter;
use std::fs::File;

/// A Parquet file's record batches, read as they are asked for.
pub struct ParquetBatches {
    reader: ParquetRecordBatchReader,
    schema: SchemaRef,
}

impl ParquetBatches {
    /// Opens `file` (reading its footer: the schema and the row groups);
    /// batches hold at most `rows` rows. Text columns are read as string
    /// views ([`text_as_views`]).
    pub fn new(file: File, rows: usize) -> Result<ParquetBatches, TabularError> {
        let footer = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(read_error)?;
        let options = ArrowReaderOptions::new().with_schema(text_as_views(footer.schema()));
        let footer = ArrowReaderMetadata::try_new(footer.metadata().clone(), options).map_err(read_error)?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, footer);
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

/// `schema` with its text columns (`Utf8`, `LargeUtf8`) read as string views
/// (`Utf8View`): a cell is then a view of the page's bytes, short text held in
/// the view itself, where `Utf8` copies every cell into a buffer of its own.
/// The cells read the same (the record reader reads every text type alike).
fn text_as_views(schema: &SchemaRef) -> SchemaRef {
    let fields = schema.fields().iter().map(|field| match field.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 => {
            std::sync::Arc::new(Field::clone(field).with_data_type(DataType::Utf8View))
        }
        _ => field.clone(),
    });
    std::sync::Arc::new(Schema::new_with_metadata(fields.collect::<Vec<_>>(), schema.metadata().clone()))
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

#[cfg(test)]
mod tests {
    use super::{ParquetBatches, ParquetDecisions};
    use arrow_array::cast::AsArray;
    use arrow_array::{ArrayRef, Int64Array, LargeStringArray, RecordBatch, StringArray};
    use arrow_schema::DataType;
    use std::io::Write;
    use std::sync::Arc;

    /// Text written as `Utf8` or `LargeUtf8` is read back as string views,
    /// cell for cell (nulls, empty text, text longer than a view holds, CJK);
    /// other columns keep their type; batches hold at most the rows asked for.
    #[test]
    fn text_columns_are_read_as_string_views_with_the_cells_written() {
        let cells = [Some("gold"), None, Some(""), Some("a text longer than twelve bytes"), Some("个人消费贷款")];
        let batch = RecordBatch::try_from_iter([
            ("tier", Arc::new(StringArray::from(cells.to_vec())) as ArrayRef),
            ("note", Arc::new(LargeStringArray::from(cells.to_vec())) as ArrayRef),
            ("count", Arc::new(Int64Array::from(vec![Some(1), None, Some(3), Some(4), Some(5)])) as ArrayRef),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let mut writer = ParquetDecisions::new(batch.schema()).unwrap_or_else(|e| panic!("{e}"));
        let mut bytes = writer.write(&batch).unwrap_or_else(|e| panic!("{e}"));
        bytes.extend(writer.finish().unwrap_or_else(|e| panic!("{e}")));
        let mut file = tempfile::tempfile().unwrap_or_else(|e| panic!("{e}"));
        file.write_all(&bytes).unwrap_or_else(|e| panic!("{e}"));
        let mut batches = ParquetBatches::new(file, 2).unwrap_or_else(|e| panic!("{e}"));
        let types: Vec<DataType> = batches.schema().fields().iter().map(|f| f.data_type().clone()).collect();
        assert_eq!(types, [DataType::Utf8View, DataType::Utf8View, DataType::Int64]);
        let (mut tiers, mut notes, mut counts, mut sizes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        while let Some(read) = batches.next_batch().unwrap_or_else(|e| panic!("{e}")) {
            sizes.push(read.num_rows());
            tiers.extend(read.column(0).as_string_view().iter().map(|c| c.map(str::to_string)));
            notes.extend(read.column(1).as_string_view().iter().map(|c| c.map(str::to_string)));
            counts.extend(read.column(2).as_primitive::<arrow_array::types::Int64Type>().iter());
        }
        let written: Vec<Option<String>> = cells.iter().map(|c| c.map(str::to_string)).collect();
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!((tiers, notes), (written.clone(), written));
        assert_eq!(counts, [Some(1), None, Some(3), Some(4), Some(5)]);
    }
}
