//! `decide_arrow`: Arrow tables and record batches in (any object with
//! `__arrow_c_stream__` or `__arrow_c_array__`), a pyarrow Table of decisions out.
//!
//! Both ways go through the Arrow C data interface, so no column is copied;
//! struct columns (`loan: struct<amount, …>`, as pyarrow and Polars make of
//! nested dicts) are read as the dotted columns `loan.amount`, … the decoder knows.

use arrow_array::{
    make_array, Array, ArrayRef, RecordBatch, RecordBatchIterator, RecordBatchOptions, RecordBatchReader, StructArray,
};
use arrow_buffer::NullBuffer;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, ToPyArrow};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use polc::arrow::TabularError;
use pyo3::prelude::*;
use std::sync::Arc;

/// The record batches of a Python Arrow object, read through the PyCapsule interface.
pub fn batches_of(data: &Bound<'_, PyAny>) -> PyResult<(Vec<RecordBatch>, SchemaRef)> {
    if data.hasattr("__arrow_c_stream__")? {
        let reader = arrow_array::ffi_stream::ArrowArrayStreamReader::from_pyarrow_bound(data)?;
        let schema = arrow_array::RecordBatchReader::schema(&reader);
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("cannot read the Arrow stream: {e}")))?;
        Ok((batches, schema))
    } else if data.hasattr("__arrow_c_array__")? {
        let batch = RecordBatch::from_pyarrow_bound(data)?;
        let schema = batch.schema();
        Ok((vec![batch], schema))
    } else {
        let kind = data.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".to_string());
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a {kind} is not Arrow data: give a pyarrow Table or RecordBatch, a Polars DataFrame, or anything \
             with `__arrow_c_stream__` or `__arrow_c_array__`"
        )))
    }
}

/// Decides every batch on `batch`'s pool, struct columns flattened first: the
/// batches together, as one parallel job (a table of many small batches is
/// not one job a batch), one decision batch per piece of up to 8,192 rows of
/// an input batch, in order, each made whole by the worker that decided it
/// (nothing is joined after: a large batch gives several).
pub fn decide_all(
    batch: &polc::Batch,
    input: &[RecordBatch],
    as_of: polc::NaiveDate,
) -> Result<Vec<RecordBatch>, TabularError> {
    let flat: Vec<RecordBatch> = input.iter().map(flatten).collect::<Result<_, _>>()?;
    polc::arrow::decide_batches_in_pieces(batch, &flat, as_of)
}

/// The decisions as a pyarrow Table, one chunk a batch: handed over as one
/// Arrow stream, which pyarrow reads whole (`read_all`), not a Python call a batch.
pub fn to_table<'py>(py: Python<'py>, batches: Vec<RecordBatch>, schema: SchemaRef) -> PyResult<Bound<'py, PyAny>> {
    let stream: Box<dyn RecordBatchReader + Send> =
        Box::new(RecordBatchIterator::new(batches.into_iter().map(Ok), schema));
    stream.into_pyarrow(py)?.call_method0("read_all")
}

/// A schema as a pyarrow Schema.
pub fn schema_to_py<'py>(py: Python<'py>, schema: &Schema) -> PyResult<Bound<'py, PyAny>> {
    schema.to_pyarrow(py)
}

/// `batch` with every struct column replaced by its children, named
/// `parent.child` (recursively); a row whose struct is null has null children.
fn flatten(batch: &RecordBatch) -> Result<RecordBatch, TabularError> {
    if !batch.schema().fields().iter().any(|f| matches!(f.data_type(), DataType::Struct(_))) {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        push_flat(field.name(), field, column.clone(), None, &mut fields, &mut columns);
    }
    let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
    RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), columns, &options)
        .map_err(|e| TabularError::Schema { message: format!("cannot flatten the struct columns: {e}") })
}

fn push_flat(
    name: &str,
    field: &Field,
    column: ArrayRef,
    parent_nulls: Option<&NullBuffer>,
    fields: &mut Vec<Field>,
    columns: &mut Vec<ArrayRef>,
) {
    let nulls = NullBuffer::union(parent_nulls, column.logical_nulls().as_ref());
    match column.as_any().downcast_ref::<StructArray>() {
        Some(parent) => {
            for (child_field, child) in parent.fields().iter().zip(parent.columns()) {
                let child_name = format!("{name}.{}", child_field.name());
                push_flat(&child_name, child_field, child.clone(), nulls.as_ref(), fields, columns);
            }
        }
        None => {
            let column = match parent_nulls {
                Some(parent) if parent.null_count() > 0 => with_nulls(&column, nulls),
                _ => column,
            };
            fields.push(Field::new(name, field.data_type().clone(), true));
            columns.push(column);
        }
    }
}

/// `column` with `nulls` as its validity (zero copy of the values).
fn with_nulls(column: &ArrayRef, nulls: Option<NullBuffer>) -> ArrayRef {
    let data = column.to_data().into_builder().nulls(nulls);
    match data.build() {
        Ok(data) => make_array(data),
        // the nulls have the column's length by construction; keep the column as it is otherwise
        Err(_) => column.clone(),
    }
}
