//! The input record read from the columns of Arrow record batches: a plan made
//! once per input schema (which column holds which field, and how its cells
//! are read), then every batch's columns downcast once and each row's record
//! assembled straight from the typed arrays — no JSON text on the way.
//!
//! Column names are the fields' dotted paths (`loan.amount`); a `List`/`Set`
//! field is a column of JSON text (`["CN","HK"]`), read by the JSON value
//! reader ([`crate::io::record`]), so that its checks are the JSONL ones. A
//! cell is read with the same functions as a JSONL value: one number grammar,
//! one date grammar, one reader of identifiers and enum variants.

use super::csv::CsvRows;
use super::{Rows, TabularError};
use crate::base::types::{RecordId, Schema, Type};
use crate::io::record::{decode_within, float_decimal, read_date, read_enum, DecodeError};
use crate::value::ident::{CreditCode, IdCard, Phone};
use crate::value::number::{parse_decimal, parse_int, shorten};
use crate::value::text::Text;
use crate::value::Value;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema as ArrowSchema};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Which column holds each field of the input record, and how its cells are
/// read (see the module documentation). Made once per input schema.
#[derive(Debug)]
pub struct InputColumns {
    root: Vec<Node>,
    /// The column of the input's `id` field, for the id of a row that is not a record.
    id_column: Option<usize>,
    columns: usize,
    /// The warnings: optional fields without a column, then one per column in
    /// `ignored`, in its order.
    warnings: Vec<String>,
    /// The columns that are no field of the input record.
    ignored: Vec<String>,
    max_depth: usize,
    /// For enum variants and the values of list cells.
    schema: Schema,
}

/// A field of a record: a leaf read from one column, or a nested record.
#[derive(Debug)]
enum Node {
    Leaf { path: String, column: Option<usize>, ty: Type, optional: bool },
    Record { fields: Vec<Node>, optional: bool },
}

impl InputColumns {
    /// The plan for records of type `input` from batches of schema `arrow`.
    /// A required field without a column, a column of a type its field cannot
    /// be read from, or a column name given twice is an error, before any row
    /// is read; a column that is no field, or an optional field without a
    /// column, is a warning ([`InputColumns::warnings`]). Lists nest at most
    /// `max_depth` deep.
    pub fn new(
        schema: &Schema,
        input: RecordId,
        arrow: &ArrowSchema,
        max_depth: usize,
    ) -> Result<InputColumns, TabularError> {
        let names: Vec<&str> = arrow.fields().iter().map(|f| f.name().as_str()).collect();
        for (i, name) in names.iter().enumerate() {
            if names.iter().take(i).any(|other| other == name) {
                return Err(TabularError::DuplicateColumn { column: (*name).to_string() });
            }
        }
        let mut planner = Planner { schema, arrow, used: vec![false; names.len()], warnings: Vec::new() };
        let root = planner.record(input, "", false)?;
        let record_name = schema.record(input).map(|r| r.name.clone()).unwrap_or_default();
        let mut warnings = planner.warnings;
        let mut ignored = Vec::new();
        for (name, used) in names.iter().zip(&planner.used) {
            if !used {
                warnings.push(format!("column `{}` is not a field of `{record_name}`: ignored", shorten(name)));
                ignored.push((*name).to_string());
            }
        }
        let id_column = names.iter().position(|n| *n == "id");
        let columns = names.len();
        Ok(InputColumns { root, id_column, columns, warnings, ignored, max_depth, schema: schema.clone() })
    }

    /// What the input's columns leave unsaid: columns that are no field,
    /// optional fields without a column (read as `none` in every row).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The warnings but those about the columns `read` names, which a caller
    /// reads besides the record (`polc diff --label claim_paid`).
    pub fn warnings_besides(&self, read: &[&str]) -> Vec<String> {
        let fields = self.warnings.len().saturating_sub(self.ignored.len());
        let columns = self.warnings.iter().skip(fields).zip(&self.ignored);
        let columns = columns.filter(|(_, name)| !read.contains(&name.as_str())).map(|(warning, _)| warning);
        self.warnings.iter().take(fields).chain(columns).cloned().collect()
    }

    /// The record of every row of `batch` (of the schema this plan was made
    /// for), in order; a row whose cells do not make a valid record is that
    /// row's [`DecodeError`], naming the column and the row (`first_row` is
    /// the 1-based number of the batch's first row in its input).
    pub fn records(&self, batch: &RecordBatch, first_row: u64) -> Result<Vec<Row>, TabularError> {
        self.records_in(batch, 0..batch.num_rows(), first_row)
    }

    /// Rows `range` of `rows` (see [`InputColumns::records`]): of a record
    /// batch, or of a piece of CSV read cell by cell.
    pub fn records_in<'r>(
        &self,
        rows: impl Into<Rows<'r>>,
        range: std::ops::Range<usize>,
        first_row: u64,
    ) -> Result<Vec<Row>, TabularError> {
        match rows.into() {
            Rows::Batch(batch) => {
                let cells = self.cells(batch)?;
                let readers = typed_readers(&self.root, &cells);
                let id = |row| self.id_column.and_then(|c| cells.get(c)).and_then(|c| c.text(row));
                Ok(range.map(|row| self.row(&readers, id, row, first_row + row as u64)).collect())
            }
            Rows::Csv(csv) => {
                if csv.width() != self.columns {
                    let message = format!("a piece of {} columns, after {}", csv.width(), self.columns);
                    return Err(TabularError::Schema { message });
                }
                let readers = csv_readers(&self.root, csv);
                let id = |row| self.id_column.map(|c| csv.cell(row, c)).filter(|text| !text.is_empty());
                Ok(range.map(|row| self.row(&readers, id, row, first_row + row as u64)).collect())
            }
        }
    }

    /// Every column of `batch`, downcast once.
    fn cells<'b>(&self, batch: &'b RecordBatch) -> Result<Vec<Cells<'b>>, TabularError> {
        if batch.num_columns() != self.columns {
            let message = format!("a batch of {} columns, after {}", batch.num_columns(), self.columns);
            return Err(TabularError::Schema { message });
        }
        batch
            .columns()
            .iter()
            .zip(batch.schema().fields())
            .map(|(array, field)| {
                Cells::of(array.as_ref()).ok_or_else(|| TabularError::Schema {
                    message: format!("column `{}` changed its type to {}", field.name(), array.data_type()),
                })
            })
            .collect()
    }

    /// Row `row` as a record (its number in the input is `number`; `id`
    /// gives a row's `id` cell).
    fn row<'t>(
        &self,
        readers: &[Reader<'_, impl Leaf>],
        id: impl Fn(usize) -> Option<&'t str>,
        row: usize,
        number: u64,
    ) -> Row {
        let record = read_record(&self.schema, readers, row, self.max_depth, false)
            .map_err(|(path, message)| DecodeError { message: at_row(&path, number, &message), path });
        // a record has its id in it: the cell's text is for a row that is none
        let id = match record {
            Ok(_) => None,
            Err(_) => id(row).map(str::to_string),
        };
        Row { record, id, number }
    }
}

/// One row read as an input record (or why it is not one), with the text of
/// its `id` column and its 1-based number in the input.
#[derive(Debug)]
pub struct Row {
    /// The record, or the field (its column) and what is wrong with it.
    pub record: Result<Value, DecodeError>,
    /// The `id` cell's text, when the row is not a record and there is an `id` column.
    pub id: Option<String>,
    /// 1-based, in the whole input.
    pub number: u64,
}

impl Row {
    /// The row with its record replaced by the reader's own error for it, if
    /// `row_errors` (indexed by the row's place in its batch) holds one: a
    /// ragged or non-UTF-8 CSV row is that row's error whatever its cells say.
    pub fn with_read_error(self, row_errors: Option<&[Option<String>]>, index: usize) -> Row {
        match row_errors.and_then(|e| e.get(index)).and_then(Option::as_ref) {
            Some(message) => Row {
                record: Err(DecodeError { path: String::new(), message: format!("row {}: {message}", self.number) }),
                ..self
            },
            None => self,
        }
    }
}

/// The message of a bad cell: the column, the row, what is wrong.
fn at_row(path: &str, row: u64, message: &str) -> String {
    let column = path.split('.').take_while(|step| !step.chars().all(|c| c.is_ascii_digit())).collect::<Vec<_>>();
    match column.is_empty() {
        true => format!("row {row}: {message}"),
        false => format!("column `{}`, row {row}: {message}", column.join(".")),
    }
}

/// A field of the record as read from one piece of rows: a leaf with its
/// column's cells (a batch's, downcast for the field's type, [`Typed`]; or a
/// CSV column, [`CsvCells`]), or a nested record.
enum Reader<'p, C> {
    Leaf { cells: C, path: &'p str, ty: &'p Type, optional: bool },
    Record { fields: Vec<Reader<'p, C>>, optional: bool },
}

/// The readers of the fields `nodes` over one batch's `cells`: made once a
/// batch (a piece of it), so that a cell is read with one match on what its
/// column and its field are, not several.
fn typed_readers<'b, 'p>(nodes: &'p [Node], cells: &[Cells<'b>]) -> Vec<Reader<'p, Typed<'b>>> {
    nodes
        .iter()
        .map(|node| match node {
            Node::Leaf { path, column, ty, optional } => {
                let cell = column.and_then(|c| cells.get(c)).copied();
                Reader::Leaf { cells: Typed::of(cell, ty), path, ty, optional: *optional }
            }
            Node::Record { fields, optional } => {
                Reader::Record { fields: typed_readers(fields, cells), optional: *optional }
            }
        })
        .collect()
}

/// The readers of the fields `nodes` over a piece of CSV: every leaf with a
/// column reads its cells' text.
fn csv_readers<'b, 'p>(nodes: &'p [Node], rows: &'b CsvRows) -> Vec<Reader<'p, CsvCells<'b>>> {
    nodes
        .iter()
        .map(|node| match node {
            Node::Leaf { path, column, ty, optional } => {
                let cells = CsvCells { rows, column: *column };
                Reader::Leaf { cells, path, ty, optional: *optional }
            }
            Node::Record { fields, optional } => {
                Reader::Record { fields: csv_readers(fields, rows), optional: *optional }
            }
        })
        .collect()
}

/// A leaf's column in one batch, for the pairs of a field type and an Arrow
/// type the inputs mostly hold, read straight from the concrete array; any
/// other pair is read by the general [`Cells::read`] (which the typed reads
/// are the same as, cell for cell).
#[derive(Clone, Copy)]
enum Typed<'b> {
    /// No column, or a column of nulls only: every cell empty.
    Empty,
    /// `Bool` from Boolean.
    Bool(&'b arrow_array::BooleanArray),
    /// `Int` from Int64.
    Int(&'b arrow_array::Int64Array),
    /// `Decimal`/`Money` from Int64.
    IntDec(&'b arrow_array::Int64Array),
    /// `Decimal`/`Money` from Decimal128 of this scale.
    Dec(&'b arrow_array::Decimal128Array, i8),
    /// `Date` from Date32.
    Date(&'b arrow_array::Date32Array),
    /// `String` from Utf8.
    Str(&'b arrow_array::StringArray),
    /// Any other type from Utf8: the cell's text read as a JSONL string would be.
    Text(&'b arrow_array::StringArray),
    /// `String` from Utf8View (Parquet's text, [`super::parquet`]).
    StrView(&'b arrow_array::StringViewArray),
    /// Any other type from Utf8View, as [`Typed::Text`].
    TextView(&'b arrow_array::StringViewArray),
    /// Anything else.
    Any(Cells<'b>),
}

impl<'b> Typed<'b> {
    fn of(cells: Option<Cells<'b>>, ty: &Type) -> Typed<'b> {
        match (cells, ty) {
            (None | Some(Cells::Null), _) => Typed::Empty,
            (Some(Cells::Bool(a)), Type::Bool) => Typed::Bool(a),
            (Some(Cells::Int(IntCells::I64(a))), Type::Int) => Typed::Int(a),
            (Some(Cells::Int(IntCells::I64(a))), Type::Decimal | Type::Money) => Typed::IntDec(a),
            (Some(Cells::Dec(a, scale)), Type::Decimal | Type::Money) => Typed::Dec(a, scale),
            (Some(Cells::Date(a)), Type::Date) => Typed::Date(a),
            (Some(Cells::Utf8(a)), Type::String) => Typed::Str(a),
            (Some(Cells::Utf8(a)), _) => Typed::Text(a),
            (Some(Cells::Utf8View(a)), Type::String) => Typed::StrView(a),
            (Some(Cells::Utf8View(a)), _) => Typed::TextView(a),
            (Some(other), _) => Typed::Any(other),
        }
    }

    #[inline]
    fn is_null(&self, row: usize) -> bool {
        match self {
            Typed::Empty => true,
            Typed::Bool(a) => a.is_null(row),
            Typed::Int(a) | Typed::IntDec(a) => a.is_null(row),
            Typed::Dec(a, _) => a.is_null(row),
            Typed::Date(a) => a.is_null(row),
            Typed::Str(a) | Typed::Text(a) => a.is_null(row),
            Typed::StrView(a) | Typed::TextView(a) => a.is_null(row),
            Typed::Any(cells) => cells.is_null(row),
        }
    }

    /// The cell at `row` read as `ty`, or none when it is empty (inlined
    /// into `read_record`: called, it cost Parquet about 1,000 instructions
    /// a record, callgrind).
    #[inline(always)]
    fn read(&self, schema: &Schema, ty: &Type, row: usize, depth: usize) -> Option<Result<Value, (String, String)>> {
        let plain = |m: String| (String::new(), m);
        if self.is_null(row) {
            return None;
        }
        // INVARIANT: the rows read are rows of the batch, which every column has
        Some(match self {
            Typed::Empty => return None,
            Typed::Bool(a) => Ok(Value::Bool(a.value(row))),
            Typed::Int(a) => Ok(Value::Int(a.value(row))),
            Typed::IntDec(a) => Ok(Value::Dec(Decimal::from(a.value(row)))),
            Typed::Dec(a, scale) => decimal128(a.value(row), *scale).map(Value::Dec).map_err(plain),
            Typed::Date(a) => date32(a.value(row)).map(Value::Date).map_err(plain),
            Typed::Str(a) => Ok(Value::Str(Text::new(a.value(row)))),
            Typed::Text(a) => read_text(schema, ty, a.value(row), depth),
            Typed::StrView(a) => Ok(Value::Str(Text::new(a.value(row)))),
            Typed::TextView(a) => read_text(schema, ty, a.value(row), depth),
            Typed::Any(cells) => cells.read(schema, ty, row, depth),
        })
    }
}

/// A leaf's cells in one piece of rows, read one row at a time: the typed
/// Arrow cells of a record batch, or a column of CSV rows. `read_record` is
/// made once for each, so that neither pays for the other's match.
trait Leaf {
    /// Whether the cell at `row` is empty.
    fn is_null(&self, row: usize) -> bool;
    /// The cell at `row` read as `ty`, or none when it is empty.
    fn read(&self, schema: &Schema, ty: &Type, row: usize, depth: usize) -> Option<Result<Value, (String, String)>>;
}

impl Leaf for Typed<'_> {
    #[inline(always)]
    fn is_null(&self, row: usize) -> bool {
        Typed::is_null(self, row)
    }

    #[inline(always)]
    fn read(&self, schema: &Schema, ty: &Type, row: usize, depth: usize) -> Option<Result<Value, (String, String)>> {
        Typed::read(self, schema, ty, row, depth)
    }
}

/// A leaf's column of CSV rows (none: no column, every cell empty).
#[derive(Clone, Copy)]
struct CsvCells<'b> {
    rows: &'b CsvRows,
    column: Option<usize>,
}

impl Leaf for CsvCells<'_> {
    #[inline]
    fn is_null(&self, row: usize) -> bool {
        self.column.is_none_or(|column| self.rows.cell(row, column).is_empty())
    }

    #[inline]
    fn read(&self, schema: &Schema, ty: &Type, row: usize, depth: usize) -> Option<Result<Value, (String, String)>> {
        // the cell looked up once, for its emptiness and its text
        let cell = self.rows.cell(row, self.column?);
        match (cell.is_empty(), ty) {
            (true, _) => None,
            (false, Type::String) => Some(Ok(Value::Str(Text::new(cell)))),
            (false, _) => Some(read_text(schema, ty, cell, depth)),
        }
    }
}

/// Reads the fields `readers` of one row as a record: `none` when the record
/// is `optional` and every cell of it is empty.
fn read_record(
    schema: &Schema,
    readers: &[Reader<'_, impl Leaf>],
    row: usize,
    depth: usize,
    optional: bool,
) -> Result<Value, (String, String)> {
    if optional && readers_all_empty(readers, row) {
        return Ok(Value::None);
    }
    // the record's own storage, filled in place: one allocation (a `Vec`
    // turned into an `Arc` would be two, and a copy), as the JSONL reader does
    let mut record: Arc<[Value]> = std::iter::repeat_with(|| Value::None).take(readers.len()).collect();
    let values = Arc::get_mut(&mut record).ok_or_else(|| (String::new(), "internal error: shared record".into()))?;
    for (reader, slot) in readers.iter().zip(values.iter_mut()) {
        *slot = match reader {
            Reader::Leaf { cells, path, ty, optional } => match cells.read(schema, ty, row, depth) {
                Some(value) => value.map_err(|(at, m)| (join(path, &at), m))?,
                None if *optional => Value::None,
                None => return Err(((*path).to_string(), "required, but empty".to_string())),
            },
            Reader::Record { fields, optional } => read_record(schema, fields, row, depth, *optional)?,
        };
    }
    Ok(Value::Record(record))
}

/// True when every leaf of `readers` is an empty cell (or has no column).
fn readers_all_empty(readers: &[Reader<'_, impl Leaf>], row: usize) -> bool {
    readers.iter().all(|reader| match reader {
        Reader::Leaf { cells, .. } => cells.is_null(row),
        Reader::Record { fields, .. } => readers_all_empty(fields, row),
    })
}

/// A Date32 cell (days since 1970-01-01), or refused when out of range.
fn date32(days: i32) -> Result<chrono::NaiveDate, String> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).ok_or_else(|| "no epoch".to_string())?;
    let days = chrono::TimeDelta::try_days(i64::from(days));
    days.and_then(|d| epoch.checked_add_signed(d)).ok_or_else(|| "a date out of range".to_string())
}

fn join(path: &str, inner: &str) -> String {
    if inner.is_empty() {
        path.to_string()
    } else {
        format!("{path}.{inner}")
    }
}

/// Builds the plan's tree, marking the columns it uses.
struct Planner<'a> {
    schema: &'a Schema,
    arrow: &'a ArrowSchema,
    used: Vec<bool>,
    warnings: Vec<String>,
}

impl Planner<'_> {
    /// The fields of record `id` at `prefix`, inside an optional record when `within_optional`.
    fn record(&mut self, id: RecordId, prefix: &str, within_optional: bool) -> Result<Vec<Node>, TabularError> {
        let def = self.schema.record(id).ok_or_else(|| TabularError::Schema { message: "unknown record".into() })?;
        let mut nodes = Vec::with_capacity(def.fields.len());
        for field in &def.fields {
            let path = if prefix.is_empty() { field.name.clone() } else { format!("{prefix}.{}", field.name) };
            let optional = field.ty.is_optional();
            let node = match field.ty.unwrap_optional() {
                Type::Record(inner) => {
                    let fields = self.record(*inner, &path, within_optional || optional)?;
                    Node::Record { fields, optional }
                }
                ty => self.leaf(path, ty.clone(), optional, within_optional)?,
            };
            nodes.push(node);
        }
        Ok(nodes)
    }

    fn leaf(&mut self, path: String, ty: Type, optional: bool, within_optional: bool) -> Result<Node, TabularError> {
        let column = self.arrow.fields().iter().position(|f| *f.name() == path);
        match column {
            Some(c) => {
                if let Some(used) = self.used.get_mut(c) {
                    *used = true;
                }
                let data_type = self.arrow.fields().get(c).map(|f| f.data_type().clone()).unwrap_or(DataType::Null);
                if !readable(&ty, &data_type) {
                    return Err(TabularError::ColumnType {
                        column: path,
                        found: data_type.to_string(),
                        expected: expected(&ty, self.schema),
                    });
                }
            }
            None if optional || within_optional => {
                if optional {
                    self.warnings.push(format!("no column `{path}`: the optional field is none in every row"));
                }
            }
            None => return Err(TabularError::MissingColumn { column: path, expected: expected(&ty, self.schema) }),
        }
        Ok(Node::Leaf { path, column, ty, optional })
    }
}

/// The polc type a column is for, as an error names it.
fn expected(ty: &Type, schema: &Schema) -> String {
    match ty {
        Type::Enum(id) => schema.enum_def(*id).map_or("an enum".to_string(), |e| format!("`{}`", e.name)),
        Type::List(_) | Type::Set(_) => "a list (a column of JSON text)".to_string(),
        other => format!("`{}`", schema.display(other)),
    }
}

/// Whether cells of `data` can be read as `ty` (text can be read as anything).
fn readable(ty: &Type, data: &DataType) -> bool {
    use DataType as D;
    let text = matches!(data, D::Utf8 | D::LargeUtf8 | D::Utf8View) || dictionary_text(data);
    let int = data.is_integer();
    // a column with no values at all (every cell null) can stand for anything
    text || *data == D::Null
        || match ty {
            Type::Bool => *data == D::Boolean,
            Type::Int => int,
            Type::Decimal | Type::Money => int || matches!(data, D::Float32 | D::Float64 | D::Decimal128(_, _)),
            Type::Date => *data == D::Date32,
            _ => false,
        }
}

/// Whether `data` is dictionary-encoded text (integer keys, Utf8 values),
/// which is read as the text column it encodes.
fn dictionary_text(data: &DataType) -> bool {
    matches!(data, DataType::Dictionary(key, value) if key.is_integer() && **value == DataType::Utf8)
}

/// A cell of a column read besides the input record (`polc diff`'s
/// `--label` and `--by` columns that are no field), as a plain value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    /// An empty (null) cell, or no such row.
    Null,
    /// A Boolean cell.
    Bool(bool),
    /// An integer cell (within 64 bits).
    Int(i64),
    /// A text cell (every CSV cell).
    Text(&'a str),
    /// Any other value as text: a decimal as written with its scale
    /// (`3033000.00`), a float, a date (`2026-11-22`).
    Other(String),
}

/// A column of a batch, downcast once, read a cell at a time ([`Cell`]).
pub struct Column<'a>(Cells<'a>);

impl<'a> Column<'a> {
    /// The column `array`, or none when its type is not one value a cell
    /// (a list, a struct).
    pub fn of(array: &'a dyn Array) -> Option<Column<'a>> {
        Cells::of(array).map(Column)
    }

    /// Whether a column of `data` is one [`Column::of`] reads.
    pub fn reads(data: &DataType) -> bool {
        use DataType as D;
        data.is_integer()
            || matches!(
                data,
                D::Null
                    | D::Boolean
                    | D::Float32
                    | D::Float64
                    | D::Decimal128(_, _)
                    | D::Date32
                    | D::Utf8
                    | D::LargeUtf8
                    | D::Utf8View
            )
            || dictionary_text(data)
    }

    /// The cell at `row`.
    pub fn cell(&self, row: usize) -> Cell<'a> {
        let cells = &self.0;
        if row >= cells.len() || cells.is_null(row) {
            return Cell::Null;
        }
        if let Some(text) = cells.text(row) {
            return Cell::Text(text);
        }
        match cells {
            Cells::Bool(a) => Cell::Bool(a.value(row)),
            Cells::Int(IntCells::U64(a)) if i64::try_from(a.value(row)).is_err() => {
                Cell::Other(a.value(row).to_string())
            }
            Cells::Int(i) => i.value(row).map_or(Cell::Null, Cell::Int),
            Cells::F32(a) => Cell::Other(a.value(row).to_string()),
            Cells::F64(a) => Cell::Other(a.value(row).to_string()),
            Cells::Dec(a, scale) => Cell::Other(
                decimal128(a.value(row), *scale)
                    .map_or_else(|_| format!("{}e{}", a.value(row), -scale), |d| d.to_string()),
            ),
            Cells::Date(_) => match cells.read(&Schema::default(), &Type::Date, row, 0) {
                Ok(Value::Date(date)) => Cell::Other(date.to_string()),
                _ => Cell::Null,
            },
            Cells::Null | Cells::Utf8(_) | Cells::LargeUtf8(_) | Cells::Utf8View(_) | Cells::Dict(..) => Cell::Null,
        }
    }
}

/// A column's cells, downcast once per batch.
#[derive(Clone, Copy)]
enum Cells<'a> {
    Null,
    Bool(&'a arrow_array::BooleanArray),
    Int(IntCells<'a>),
    F32(&'a arrow_array::Float32Array),
    F64(&'a arrow_array::Float64Array),
    Dec(&'a arrow_array::Decimal128Array, i8),
    Date(&'a arrow_array::Date32Array),
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    Utf8View(&'a arrow_array::StringViewArray),
    /// Dictionary-encoded text: the keys, the values.
    Dict(IntCells<'a>, &'a arrow_array::StringArray),
}

#[derive(Clone, Copy)]
enum IntCells<'a> {
    I8(&'a arrow_array::Int8Array),
    I16(&'a arrow_array::Int16Array),
    I32(&'a arrow_array::Int32Array),
    I64(&'a arrow_array::Int64Array),
    U8(&'a arrow_array::UInt8Array),
    U16(&'a arrow_array::UInt16Array),
    U32(&'a arrow_array::UInt32Array),
    U64(&'a arrow_array::UInt64Array),
}

impl<'a> Cells<'a> {
    fn of(array: &'a dyn Array) -> Option<Cells<'a>> {
        use DataType as D;
        Some(match array.data_type() {
            D::Null => Cells::Null,
            D::Boolean => Cells::Bool(array.as_boolean_opt()?),
            data if data.is_integer() => Cells::Int(IntCells::of(array)?),
            D::Float32 => Cells::F32(array.as_primitive_opt::<Float32Type>()?),
            D::Float64 => Cells::F64(array.as_primitive_opt::<Float64Type>()?),
            D::Decimal128(_, scale) => Cells::Dec(array.as_primitive_opt::<Decimal128Type>()?, *scale),
            D::Date32 => Cells::Date(array.as_primitive_opt::<Date32Type>()?),
            D::Utf8 => Cells::Utf8(array.as_string_opt::<i32>()?),
            D::LargeUtf8 => Cells::LargeUtf8(array.as_string_opt::<i64>()?),
            D::Utf8View => Cells::Utf8View(array.as_string_view_opt()?),
            data if dictionary_text(data) => {
                let dictionary = array.as_any_dictionary_opt()?;
                Cells::Dict(IntCells::of(dictionary.keys())?, dictionary.values().as_string_opt::<i32>()?)
            }
            _ => return None,
        })
    }

    fn is_null(&self, row: usize) -> bool {
        match self {
            Cells::Null => true,
            Cells::Bool(a) => a.is_null(row),
            Cells::Int(i) => i.array().is_null(row),
            Cells::F32(a) => a.is_null(row),
            Cells::F64(a) => a.is_null(row),
            Cells::Dec(a, _) => a.is_null(row),
            Cells::Date(a) => a.is_null(row),
            Cells::Utf8(a) => a.is_null(row),
            Cells::LargeUtf8(a) => a.is_null(row),
            Cells::Utf8View(a) => a.is_null(row),
            Cells::Dict(keys, values) => dictionary_key(keys, values, row).is_none(),
        }
    }

    /// The text of a text cell (none for a null or another type).
    fn text(&self, row: usize) -> Option<&'a str> {
        if row >= self.len() || self.is_null(row) {
            return None;
        }
        match self {
            Cells::Utf8(a) => Some(a.value(row)),
            Cells::LargeUtf8(a) => Some(a.value(row)),
            Cells::Utf8View(a) => Some(a.value(row)),
            Cells::Dict(keys, values) => dictionary_key(keys, values, row).map(|key| values.value(key)),
            _ => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            Cells::Null => 0,
            Cells::Bool(a) => a.len(),
            Cells::Int(i) => i.array().len(),
            Cells::F32(a) => a.len(),
            Cells::F64(a) => a.len(),
            Cells::Dec(a, _) => a.len(),
            Cells::Date(a) => a.len(),
            Cells::Utf8(a) => a.len(),
            Cells::LargeUtf8(a) => a.len(),
            Cells::Utf8View(a) => a.len(),
            Cells::Dict(keys, _) => keys.array().len(),
        }
    }

    /// The non-null cell at `row` read as `ty`; an error is the path inside
    /// the cell (for a list: `0.country`) and what is wrong.
    fn read(&self, schema: &Schema, ty: &Type, row: usize, depth: usize) -> Result<Value, (String, String)> {
        let plain = |m: String| (String::new(), m);
        if row >= self.len() {
            return Err(plain("no such row".into()));
        }
        if let Some(text) = self.text(row) {
            return read_text(schema, ty, text, depth);
        }
        match (self, ty) {
            (Cells::Bool(a), Type::Bool) => Ok(Value::Bool(a.value(row))),
            (Cells::Int(i), Type::Int) => i.value(row).map(Value::Int).map_err(plain),
            (Cells::Int(i), Type::Decimal | Type::Money) => match i {
                IntCells::U64(a) => Ok(Value::Dec(Decimal::from(a.value(row)))),
                other => other.value(row).map(|n| Value::Dec(Decimal::from(n))).map_err(plain),
            },
            (Cells::F32(a), Type::Decimal | Type::Money) => {
                float_decimal(f64::from(a.value(row))).map(Value::Dec).map_err(plain)
            }
            (Cells::F64(a), Type::Decimal | Type::Money) => float_decimal(a.value(row)).map(Value::Dec).map_err(plain),
            (Cells::Dec(a, scale), Type::Decimal | Type::Money) => {
                decimal128(a.value(row), *scale).map(Value::Dec).map_err(plain)
            }
            (Cells::Date(a), Type::Date) => date32(a.value(row)).map(Value::Date).map_err(plain),
            _ => Err(plain(format!("cannot be read as {}", ty_name(ty)))),
        }
    }
}

/// The place in `values` of the text of dictionary cell `row`: none when
/// the cell is null (its key, or the value it names).
fn dictionary_key(keys: &IntCells<'_>, values: &arrow_array::StringArray, row: usize) -> Option<usize> {
    if keys.array().is_null(row) {
        return None;
    }
    let key = keys.value(row).ok().and_then(|k| usize::try_from(k).ok())?;
    (key < values.len() && !values.is_null(key)).then_some(key)
}

impl<'a> IntCells<'a> {
    fn of(array: &'a dyn Array) -> Option<IntCells<'a>> {
        use DataType as D;
        Some(match array.data_type() {
            D::Int8 => IntCells::I8(array.as_primitive_opt::<Int8Type>()?),
            D::Int16 => IntCells::I16(array.as_primitive_opt::<Int16Type>()?),
            D::Int32 => IntCells::I32(array.as_primitive_opt::<Int32Type>()?),
            D::Int64 => IntCells::I64(array.as_primitive_opt::<Int64Type>()?),
            D::UInt8 => IntCells::U8(array.as_primitive_opt::<UInt8Type>()?),
            D::UInt16 => IntCells::U16(array.as_primitive_opt::<UInt16Type>()?),
            D::UInt32 => IntCells::U32(array.as_primitive_opt::<UInt32Type>()?),
            D::UInt64 => IntCells::U64(array.as_primitive_opt::<UInt64Type>()?),
            _ => return None,
        })
    }

    fn array(&self) -> &'a dyn Array {
        match self {
            IntCells::I8(a) => *a,
            IntCells::I16(a) => *a,
            IntCells::I32(a) => *a,
            IntCells::I64(a) => *a,
            IntCells::U8(a) => *a,
            IntCells::U16(a) => *a,
            IntCells::U32(a) => *a,
            IntCells::U64(a) => *a,
        }
    }

    fn value(&self, row: usize) -> Result<i64, String> {
        Ok(match self {
            IntCells::I8(a) => i64::from(a.value(row)),
            IntCells::I16(a) => i64::from(a.value(row)),
            IntCells::I32(a) => i64::from(a.value(row)),
            IntCells::I64(a) => a.value(row),
            IntCells::U8(a) => i64::from(a.value(row)),
            IntCells::U16(a) => i64::from(a.value(row)),
            IntCells::U32(a) => i64::from(a.value(row)),
            IntCells::U64(a) => {
                let n = a.value(row);
                i64::try_from(n).map_err(|_| format!("expected a whole number within 64 bits, found `{n}`"))?
            }
        })
    }
}

/// A Decimal128 cell (`mantissa` × 10^-`scale`) exactly, or refused.
fn decimal128(mantissa: i128, scale: i8) -> Result<Decimal, String> {
    // the common cell: a mantissa within 64 bits at a scale `Decimal` holds, which
    // `Decimal::new` takes as it is (`try_from_i128_with_scale` gives the same value)
    if let (Ok(small), 0..=28) = (i64::try_from(mantissa), scale) {
        return Ok(Decimal::new(small, u32::from(scale.unsigned_abs())));
    }
    let too_big = || format!("`{mantissa}e{}` is beyond 28 significant digits", -i32::from(scale));
    if scale < 0 {
        let mut value = Decimal::try_from_i128_with_scale(mantissa, 0).map_err(|_| too_big())?;
        for _ in 0..scale.unsigned_abs() {
            value = value.checked_mul(Decimal::TEN).ok_or_else(too_big)?;
        }
        return Ok(value);
    }
    Decimal::try_from_i128_with_scale(mantissa, u32::from(scale.unsigned_abs())).map_err(|_| too_big())
}

/// The name of a type in a message.
fn ty_name(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "true or false",
        Type::Int => "a whole number",
        Type::Decimal | Type::Money => "a decimal number",
        Type::Date => "a date",
        _ => "text",
    }
}

/// A text cell read as `ty`, as a JSONL string (or, for numbers and
/// booleans, as the JSONL value written in the cell) would be read.
fn read_text(schema: &Schema, ty: &Type, text: &str, depth: usize) -> Result<Value, (String, String)> {
    let plain = |m: String| (String::new(), m);
    match ty {
        Type::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(plain(format!("expected true or false, found `{}`", shorten(text)))),
        },
        Type::Int => parse_int(text)
            .map(Value::Int)
            .ok_or_else(|| plain(format!("expected a whole number within 64 bits, found `{}`", shorten(text)))),
        Type::Decimal | Type::Money => parse_decimal(text).map(Value::Dec).map_err(plain),
        Type::Date => read_date(text).map(Value::Date).map_err(plain),
        Type::String => Ok(Value::Str(Text::new(text))),
        Type::IdCard => IdCard::parse(text).map(Value::IdCard).map_err(plain),
        Type::Phone => Phone::parse(text).map(Value::Phone).map_err(plain),
        Type::CreditCode => CreditCode::parse(text).map(Value::CreditCode).map_err(plain),
        Type::List(_) | Type::Set(_) => {
            let json: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| plain(format!("expected a JSON array, found `{}` ({e})", shorten(text))))?;
            decode_within(schema, ty, &json, depth).map_err(|e| (e.path, e.message))
        }
        Type::Enum(id) => read_enum(schema, *id, text).map_err(plain),
        _ => Err(plain("this type cannot be read from a column".into())),
    }
}

#[cfg(test)]
mod decimal_cells {
    use super::decimal128;
    use rust_decimal::Decimal;

    #[test]
    fn a_decimal_cell_within_64_bits_reads_as_the_general_conversion_gives() {
        let mantissas = [
            0,
            1,
            -1,
            12_345,
            -12_345,
            i128::from(i64::MAX),
            i128::from(i64::MIN),
            i128::from(i64::MAX) + 1,
            i128::from(i64::MIN) - 1,
        ];
        for mantissa in mantissas {
            for scale in 0..=28i8 {
                let general = Decimal::try_from_i128_with_scale(mantissa, u32::from(scale.unsigned_abs())).unwrap();
                let read = decimal128(mantissa, scale).unwrap();
                assert_eq!(
                    (read, read.scale(), read.is_sign_negative()),
                    (general, general.scale(), general.is_sign_negative()),
                    "{mantissa}e-{scale}"
                );
            }
        }
        assert!(decimal128(1, 29).is_err(), "a scale beyond 28 is refused");
        assert_eq!(decimal128(5, -2).unwrap(), Decimal::from(500));
    }
}
