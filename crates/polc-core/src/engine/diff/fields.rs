//! What a diff reads of each record besides deciding it: the two policies'
//! input types compared field by field (one decoding serves both only when
//! they are the same), and the `--label`, `--by` and `--exposure` fields
//! resolved once against the input type.

use crate::base::diag::did_you_mean;
use crate::base::types::{Schema, Type};
use crate::io::json::{find_top_level, TopKey, TopLevel};
use crate::ir::Program;
use crate::value::Value;
use rust_decimal::Decimal;

/// Where a field named on the command line is read from.
#[derive(Clone, Debug)]
pub(super) enum FieldSource {
    /// A field of the input type: its indices from the record down, and its type.
    Decoded { path: Vec<u32>, ty: Type },
    /// A top-level key the input type does not declare (a label kept beside
    /// the application, say), found in the line's text.
    Undeclared { key: Box<TopKey> },
}

/// The differences between the input types of two programs, one sentence
/// each (empty when a record decoded for one is a record of the other).
pub(super) fn input_differences(old: &Program, new: &Program) -> Vec<String> {
    let mut differences = Vec::new();
    let (a, b) = (Type::Record(old.input.record), Type::Record(new.input.record));
    compare(&old.schema, &a, &new.schema, &b, "", &mut differences);
    differences
}

/// Compares two types structurally (names of records aside), field by field.
fn compare(sa: &Schema, a: &Type, sb: &Schema, b: &Type, at: &str, out: &mut Vec<String>) {
    let place = |at: &str| if at.is_empty() { "the input record".to_string() } else { format!("field `{at}`") };
    match (a, b) {
        (Type::Record(ra), Type::Record(rb)) => {
            let (Some(ra), Some(rb)) = (sa.record(*ra), sb.record(*rb)) else { return };
            let join = |name: &str| if at.is_empty() { name.to_string() } else { format!("{at}.{name}") };
            for field in &ra.fields {
                if !rb.fields.iter().any(|f| f.name == field.name) {
                    out.push(format!("field `{}` is in OLD only", join(&field.name)));
                }
            }
            for field in &rb.fields {
                if !ra.fields.iter().any(|f| f.name == field.name) {
                    out.push(format!("field `{}` is in NEW only", join(&field.name)));
                }
            }
            let names_a: Vec<&str> = ra.fields.iter().map(|f| f.name.as_str()).collect();
            let names_b: Vec<&str> = rb.fields.iter().map(|f| f.name.as_str()).collect();
            let common_a: Vec<&str> = names_a.iter().copied().filter(|n| names_b.contains(n)).collect();
            let common_b: Vec<&str> = names_b.iter().copied().filter(|n| names_a.contains(n)).collect();
            if common_a != common_b {
                out.push(format!("the fields of {} are declared in another order", place(at)));
            }
            for field in &ra.fields {
                if let Some(other) = rb.fields.iter().find(|f| f.name == field.name) {
                    compare(sa, &field.ty, sb, &other.ty, &join(&field.name), out);
                }
            }
        }
        (Type::Enum(ea), Type::Enum(eb)) => {
            let (Some(ea), Some(eb)) = (sa.enum_def(*ea), sb.enum_def(*eb)) else { return };
            if ea.variants != eb.variants {
                out.push(format!(
                    "{} is enum `{}` {{ {} }} in OLD, `{}` {{ {} }} in NEW",
                    place(at),
                    ea.name,
                    ea.variants.join(", "),
                    eb.name,
                    eb.variants.join(", ")
                ));
            }
        }
        (Type::Optional(a), Type::Optional(b)) | (Type::Set(a), Type::Set(b)) | (Type::List(a), Type::List(b)) => {
            compare(sa, a, sb, b, at, out);
        }
        _ if std::mem::discriminant(a) == std::mem::discriminant(b) => {}
        _ => out.push(format!("{} is `{}` in OLD, `{}` in NEW", place(at), sa.display(a), sb.display(b))),
    }
}

/// What a field may be, for the messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// `--label`: Bool, or an Int that is 0 or 1.
    Label,
    /// `--by`: any value.
    Segment,
    /// `--exposure`: Money or Decimal.
    Exposure,
}

impl Role {
    fn flag(self) -> &'static str {
        match self {
            Role::Label => "--label",
            Role::Segment => "--by",
            Role::Exposure => "--exposure",
        }
    }
}

/// Resolves a dotted field path (`loan.product`) against the input type. A
/// single name the input type does not declare is read from the line's text
/// (not for `--exposure`: money is read as the policy reads it).
pub(super) fn resolve(program: &Program, dotted: &str, role: Role) -> Result<FieldSource, String> {
    let schema = &program.schema;
    let flag = role.flag();
    let mut ty = Type::Record(program.input.record);
    let mut path = Vec::new();
    let parts: Vec<&str> = dotted.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("`{flag} {dotted}` is not a field path (names joined by `.`)"));
    }
    for (depth, part) in parts.iter().enumerate() {
        let Type::Record(id) = ty.unwrap_optional().clone() else {
            return Err(format!("`{flag} {dotted}`: `{}` is not a record", parts[..depth].join(".")));
        };
        let Some(record) = schema.record(id) else { return Err(format!("`{flag} {dotted}`: no such record")) };
        match record.fields.iter().position(|f| f.name == *part) {
            Some(index) => {
                path.push(index as u32);
                ty = record.fields.get(index).map_or(Type::Error, |f| f.ty.clone());
            }
            None if depth == 0 && parts.len() == 1 && role != Role::Exposure => {
                return Ok(FieldSource::Undeclared { key: Box::new(TopKey::new(part)) });
            }
            None => {
                let names = record.fields.iter().map(|f| f.name.as_str());
                let hint = did_you_mean(part, names).map(|s| format!(" ({s})")).unwrap_or_default();
                return Err(format!("`{flag} {dotted}`: record `{}` has no field `{part}`{hint}", record.name));
            }
        }
    }
    let shown = schema.display(&ty).to_string();
    let fits = match role {
        Role::Label => matches!(ty.unwrap_optional(), Type::Bool | Type::Int),
        Role::Segment => !matches!(ty.unwrap_optional(), Type::Record(_) | Type::Set(_) | Type::List(_)),
        Role::Exposure => matches!(ty.unwrap_optional(), Type::Money | Type::Decimal),
    };
    if !fits {
        let wanted = match role {
            Role::Label => "a label is a Bool, or an Int that is 0 or 1 (1: went bad)",
            Role::Segment => "a segment is a single value (an enum, a string, a number, a Bool)",
            Role::Exposure => "an exposure is a Money (or Decimal) field",
        };
        return Err(format!("`{flag} {dotted}` is `{shown}` in the input record: {wanted}"));
    }
    Ok(FieldSource::Decoded { path, ty })
}

/// The value at `path` in a decoded record (`None` when a record on the way is absent).
pub(super) fn at_path<'v>(record: &'v Value, path: &[u32]) -> Option<&'v Value> {
    let mut value = record;
    for &index in path {
        match value {
            Value::Record(fields) => value = fields.get(index as usize)?,
            _ => return None,
        }
    }
    Some(value)
}

/// A record's label: went bad, stayed good, not labelled, or not a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Label {
    Bad,
    Good,
    Missing,
    Invalid,
}

/// The label of a record (decoded) or of its line's text.
pub(super) fn label_of(source: &FieldSource, record: Option<&Value>, text: Option<&str>) -> Label {
    match source {
        FieldSource::Decoded { path, .. } => match record.and_then(|r| at_path(r, path)) {
            Some(Value::Bool(true)) | Some(Value::Int(1)) => Label::Bad,
            Some(Value::Bool(false)) | Some(Value::Int(0)) => Label::Good,
            Some(Value::None) | None => Label::Missing,
            Some(_) => Label::Invalid,
        },
        FieldSource::Undeclared { key } => match text.and_then(|t| find_key(key, record.is_some(), t)) {
            None => Label::Missing,
            Some(TopLevel::Json(raw)) => match raw {
                "true" | "1" => Label::Bad,
                "false" | "0" => Label::Good,
                "null" => Label::Missing,
                _ => Label::Invalid,
            },
            Some(TopLevel::Str(_)) => Label::Invalid,
        },
    }
}

/// The value of an undeclared top-level key in a line's text: read from the
/// key on when the line was decoded (so is valid JSON), else by the full reader.
fn find_key<'t>(key: &TopKey, decoded: bool, text: &'t str) -> Option<TopLevel<'t>> {
    if decoded {
        key.find_in_object(text)
    } else {
        find_top_level(text, key.key())
    }
}

/// A segment of the portfolio: one value of a `--by` field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SegmentKey {
    /// The field is absent (or `null`).
    Missing,
    /// A Bool value.
    Bool(bool),
    /// An Int value.
    Int(i64),
    /// An enum's variant, by its index.
    Variant(u32),
    /// Any other value, as text.
    Text(Box<str>),
}

/// The segment of a record (decoded) or of its line's text.
pub(super) fn segment_of(source: &FieldSource, record: Option<&Value>, text: Option<&str>) -> SegmentKey {
    match source {
        FieldSource::Decoded { path, .. } => match record.and_then(|r| at_path(r, path)) {
            None | Some(Value::None) => SegmentKey::Missing,
            Some(Value::Bool(b)) => SegmentKey::Bool(*b),
            Some(Value::Int(i)) => SegmentKey::Int(*i),
            Some(Value::Enum(v)) => SegmentKey::Variant(*v),
            Some(Value::Str(s)) => SegmentKey::Text(s.as_str().into()),
            Some(Value::Dec(d)) => SegmentKey::Text(d.normalize().to_string().into()),
            Some(Value::Date(d)) => SegmentKey::Text(d.to_string().into()),
            Some(other) => SegmentKey::Text(format!("{other:?}").into()),
        },
        FieldSource::Undeclared { key } => match text.and_then(|t| find_key(key, record.is_some(), t)) {
            None | Some(TopLevel::Json("null")) => SegmentKey::Missing,
            Some(TopLevel::Json("true")) => SegmentKey::Bool(true),
            Some(TopLevel::Json("false")) => SegmentKey::Bool(false),
            Some(TopLevel::Json(raw)) => match raw.parse::<i64>() {
                Ok(i) => SegmentKey::Int(i),
                Err(_) => SegmentKey::Text(raw.into()),
            },
            Some(TopLevel::Str(s)) => SegmentKey::Text(s.into()),
        },
    }
}

/// A segment's name as the report shows it.
pub(super) fn segment_name(schema: &Schema, source: &FieldSource, key: &SegmentKey) -> String {
    match key {
        SegmentKey::Missing => "(none)".to_string(),
        SegmentKey::Bool(b) => b.to_string(),
        SegmentKey::Int(i) => i.to_string(),
        SegmentKey::Variant(v) => match source {
            FieldSource::Decoded { ty, .. } => match ty.unwrap_optional() {
                Type::Enum(id) => schema.variant_name(*id, *v).to_string(),
                _ => v.to_string(),
            },
            FieldSource::Undeclared { .. } => v.to_string(),
        },
        SegmentKey::Text(t) => t.to_string(),
    }
}

/// The exposure of a record: its Money (or Decimal) at the field, if present.
pub(super) fn amount_of(path: &[u32], record: Option<&Value>) -> Option<Decimal> {
    match record.and_then(|r| at_path(r, path)) {
        Some(Value::Dec(d)) => Some(*d),
        _ => None,
    }
}

/// The label in a table's cell (a column the input record does not
/// declare): as [`label_of`] reads a JSON value, and a text cell (every CSV
/// cell) as the JSON text it holds (`true`, `1`).
#[cfg(feature = "arrow")]
pub(super) fn label_of_cell(cell: &crate::io::tabular::columns::Cell<'_>) -> Label {
    use crate::io::tabular::columns::Cell;
    match cell {
        Cell::Null => Label::Missing,
        Cell::Bool(true) | Cell::Int(1) | Cell::Text("true" | "1") => Label::Bad,
        Cell::Bool(false) | Cell::Int(0) | Cell::Text("false" | "0") => Label::Good,
        _ => Label::Invalid,
    }
}

/// The segment in a table's cell (a column the input record does not
/// declare), as [`segment_of`] reads the JSON value; a text cell holding
/// `true`, `false` or a whole number (as JSON writes it) is that value.
#[cfg(feature = "arrow")]
pub(super) fn segment_of_cell(cell: &crate::io::tabular::columns::Cell<'_>) -> SegmentKey {
    use crate::io::tabular::columns::Cell;
    match cell {
        Cell::Null => SegmentKey::Missing,
        Cell::Bool(b) => SegmentKey::Bool(*b),
        Cell::Int(i) => SegmentKey::Int(*i),
        Cell::Text("true") => SegmentKey::Bool(true),
        Cell::Text("false") => SegmentKey::Bool(false),
        // only a number written as JSON writes it (`7`, not `07` or `+7`)
        Cell::Text(text) => match text.parse::<i64>() {
            Ok(i) if i.to_string() == *text => SegmentKey::Int(i),
            _ => SegmentKey::Text((*text).into()),
        },
        Cell::Other(text) => SegmentKey::Text(text.as_str().into()),
    }
}
