//! Decodes one JSON input record given as a `serde_json` value (the embedding
//! API's path) against the input record type. A record that does not match is
//! rejected with the JSON path of the first problem. The values are read by
//! the same functions as the text readers ([`super::json`], [`super::plan`]):
//! one number grammar ([`super::number`]), one date grammar, the same checks.

use crate::base::limits::RecordLimits;
use crate::base::types::{EnumId, Schema, Type};
use crate::value::ident::{parse_date, CreditCode, IdCard, Phone};
use crate::value::number::{parse_decimal, parse_int, shorten};
use crate::value::text::Text;
use crate::value::Value;
use chrono::NaiveDate;
use serde_json::Value as Json;
use std::sync::Arc;

/// Why a record was not evaluated: where (`loan.amount`) and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DecodeError {
    /// The JSON path of the value at fault, e.g. `loan.amount` (empty for the whole line).
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// Decodes `json` as a value of record type `ty`, with the default depth limit.
/// Fields the schema does not know are ignored; a missing optional field is `none`.
pub fn decode(schema: &Schema, ty: &Type, json: &Json) -> Result<Value, DecodeError> {
    decode_within(schema, ty, json, RecordLimits::default().json_depth())
}

/// Decodes `json` as a value of record type `ty`, its arrays and objects nested
/// at most `max_depth` deep (counted as the text readers count them, including
/// the values of keys the schema does not name).
pub fn decode_within(schema: &Schema, ty: &Type, json: &Json, max_depth: usize) -> Result<Value, DecodeError> {
    let mut path = Vec::new();
    let mut reader = Tree { schema, path: &mut path, max_depth };
    let result = reader.value(ty, json, 0);
    result.map_err(|message| DecodeError { path: path.join("."), message })
}

/// The error for a record nested past the depth limit (both readers say this).
pub(crate) fn too_deep(max_depth: usize) -> String {
    format!("nested more than --max-json-depth ({max_depth}) levels deep")
}

/// A date in the one date grammar, or the error both readers give.
pub(crate) fn read_date(text: &str) -> Result<NaiveDate, String> {
    parse_date(text).ok_or_else(|| format!("`{}` is not a date (YYYY-MM-DD, e.g. 2026-11-22)", shorten(text)))
}

/// The variant of enum `id` named `text`, or the error both readers give
/// (variant names are matched exactly: `City` is not `city`).
pub(crate) fn read_enum(schema: &Schema, id: EnumId, text: &str) -> Result<Value, String> {
    let def = schema.enum_def(id).ok_or("unknown enum")?;
    match def.variants.iter().position(|v| v == text) {
        Some(v) => Ok(Value::Enum(v as u32)),
        None => {
            let case = def.variants.iter().find(|v| v.eq_ignore_ascii_case(text));
            let hint = case.map(|v| format!("; variant names are exact: write `{v}`")).unwrap_or_default();
            Err(format!("`{}` is not a `{}` (one of: {}){hint}", shorten(text), def.name, def.variants.join(", ")))
        }
    }
}

/// Reads a parsed JSON tree against the schema, keeping the path to the value being read.
struct Tree<'a> {
    schema: &'a Schema,
    path: &'a mut Vec<String>,
    max_depth: usize,
}

impl Tree<'_> {
    /// Reads `json` as `ty`, inside containers nested `depth` deep.
    fn value(&mut self, ty: &Type, json: &Json, depth: usize) -> Result<Value, String> {
        let kind = |j: &Json| match j {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        };
        let expected = |what: &str| format!("expected {what}, found {}", kind(json));
        match (ty, json) {
            (Type::Optional(_), Json::Null) => Ok(Value::None),
            (Type::Optional(inner), _) => self.value(inner, json, depth),
            (_, Json::Null) => Err("required, but null".to_string()),
            (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
            (Type::Bool, _) => Err(expected("true or false")),
            (Type::Int, Json::Number(n)) => {
                let text = n.to_string();
                parse_int(&text)
                    .map(Value::Int)
                    .ok_or_else(|| format!("expected a whole number within 64 bits, found `{}`", shorten(&text)))
            }
            (Type::Int, _) => Err(expected("a whole number")),
            (Type::Decimal | Type::Money, Json::String(s)) => parse_decimal(s).map(Value::Dec),
            (Type::Decimal | Type::Money, Json::Number(n)) => parse_decimal(&n.to_string()).map(Value::Dec),
            (Type::Decimal | Type::Money, _) => Err(expected("a decimal number or a decimal string")),
            (Type::Date, Json::String(s)) => read_date(s).map(Value::Date),
            (Type::Date, _) => Err(expected("a date string (YYYY-MM-DD)")),
            (Type::String, Json::String(s)) => Ok(Value::Str(Text::new(s))),
            (Type::String, _) => Err(expected("a string")),
            (Type::IdCard, Json::String(s)) => IdCard::parse(s).map(Value::IdCard),
            (Type::Phone, Json::String(s)) => Phone::parse(s).map(Value::Phone),
            (Type::CreditCode, Json::String(s)) => CreditCode::parse(s).map(Value::CreditCode),
            (Type::IdCard | Type::Phone | Type::CreditCode, _) => Err(expected("a string")),
            (Type::Enum(id), Json::String(s)) => read_enum(self.schema, *id, s),
            (Type::Enum(_), _) => Err(expected("a string naming a variant")),
            (Type::Record(id), Json::Object(map)) => {
                let depth = self.enter(depth)?;
                let def = self.schema.record(*id).ok_or("unknown record")?;
                // the members in the text's order (the map keeps it), as the text
                // readers read them, so that the first problem is theirs too
                let mut fields: Vec<Option<Value>> = vec![None; def.fields.len()];
                for (key, json) in map {
                    match def.fields.iter().position(|f| f.name == *key) {
                        Some(i) => {
                            let field = def.fields.get(i).ok_or("unknown field")?;
                            self.path.push(field.name.clone());
                            let value = self.value(&field.ty, json, depth)?;
                            self.path.pop();
                            if let Some(slot) = fields.get_mut(i) {
                                *slot = Some(value);
                            }
                        }
                        // what the text readers skip still counts towards the depth
                        None if nests_deeper_than(json, self.max_depth - depth) => {
                            return Err(too_deep(self.max_depth))
                        }
                        None => {}
                    }
                }
                let mut values = Vec::with_capacity(fields.len());
                for (field, value) in def.fields.iter().zip(fields) {
                    match value {
                        Some(value) => values.push(value),
                        None if field.ty.is_optional() => values.push(Value::None),
                        None => {
                            self.path.push(field.name.clone());
                            return Err("missing field".to_string());
                        }
                    }
                }
                Ok(Value::Record(values.into()))
            }
            (Type::Record(_), _) => Err(expected("an object")),
            (Type::List(inner) | Type::Set(inner), Json::Array(items)) => {
                let depth = self.enter(depth)?;
                let mut values = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    self.path.push(i.to_string());
                    values.push(self.value(inner, item, depth)?);
                    self.path.pop();
                }
                if let Type::Set(_) = ty {
                    let mut set = crate::value::SetValue::new();
                    for v in &values {
                        set.insert(v);
                    }
                    return Ok(Value::Set(Arc::new(set)));
                }
                Ok(Value::List(values.into()))
            }
            (Type::List(_) | Type::Set(_), _) => Err(expected("an array")),
            (Type::Duration | Type::NoneLiteral | Type::Error, _) => {
                Err("this type cannot be read from JSON".to_string())
            }
        }
    }

    /// One level deeper, within the limit.
    fn enter(&self, depth: usize) -> Result<usize, String> {
        let depth = depth + 1;
        if depth > self.max_depth {
            return Err(too_deep(self.max_depth));
        }
        Ok(depth)
    }
}

/// True when `json`'s arrays and objects nest more than `levels` deep; read
/// without recursion, so that any tree an embedder built is safe to measure.
fn nests_deeper_than(json: &Json, levels: usize) -> bool {
    let mut stack: Vec<(&Json, usize)> = vec![(json, 0)];
    while let Some((value, depth)) = stack.pop() {
        let deeper = depth + 1;
        match value {
            Json::Array(_) | Json::Object(_) if deeper > levels => return true,
            Json::Array(items) => stack.extend(items.iter().map(|child| (child, deeper))),
            Json::Object(map) => stack.extend(map.values().map(|child| (child, deeper))),
            _ => {}
        }
    }
    false
}
