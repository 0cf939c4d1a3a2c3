//! Decodes one JSON input record given as a `serde_json` value (the embedding
//! API's path) against the input record type. A record that does not match is
//! rejected with the JSON path of the first problem. The values are read by
//! the same functions as the text readers ([`super::json`], [`super::plan`]):
//! one number grammar ([`super::number`]), one date grammar, the same checks.
//!
//! A JSON number for a decimal field is read exactly or refused, whichever
//! serde_json features the build has (see `json_decimal`).

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
                    .or_else(|| negative_zero(n).then_some(0))
                    .map(Value::Int)
                    .ok_or_else(|| format!("expected a whole number within 64 bits, found `{}`", shorten(&text)))
            }
            (Type::Int, _) => Err(expected("a whole number")),
            (Type::Decimal | Type::Money, Json::String(s)) => parse_decimal(s).map(Value::Dec),
            (Type::Decimal | Type::Money, Json::Number(n)) => json_decimal(n).map(Value::Dec),
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

/// The exact decimal of a JSON number: its text, when serde_json keeps the
/// text (`arbitrary_precision`) or the number is whole within 64 bits.
/// Otherwise serde_json holds a 64-bit binary float, and the decimal its
/// shortest form writes is taken only when that has at most 15 significant
/// digits and the float lies within ±2^53: then it is the one decimal of at
/// most 15 digits that reads as this float, so whoever wrote such a decimal
/// gets it back exactly. Anything else may not be what was written, and is
/// refused rather than rounded.
pub(crate) fn json_decimal(n: &serde_json::Number) -> Result<rust_decimal::Decimal, String> {
    let text = n.to_string();
    if n.is_i64() || n.is_u64() || numbers_keep_their_text() {
        return parse_decimal(&text);
    }
    match n.as_f64() {
        Some(x) if float_is_exact(x, &text) => parse_decimal(&text),
        _ => Err(format!(
            "the JSON number read as `{}` may not be the decimal written: a number with a fraction or an exponent \
             arrives as a binary floating-point number, exact only to 15 significant digits within ±2^53; write it \
             as a decimal string",
            shorten(&text)
        )),
    }
}

/// Whether the float `x`, whose shortest form is `text`, is the one decimal
/// of at most 15 significant digits within ±2^53 that reads as it.
fn float_is_exact(x: f64, text: &str) -> bool {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    x.is_finite() && x.abs() < EXACT && significant_digits(text) <= 15
}

/// The decimal of a binary float from a column (a Parquet or Arrow
/// `Float64`), by the rule JSON numbers follow without their text (see
/// [`json_decimal`]): taken when its shortest form has at most 15 significant
/// digits within ±2^53, refused otherwise.
#[cfg_attr(not(feature = "arrow"), expect(dead_code, reason = "read by the Arrow columns only"))]
pub(crate) fn float_decimal(x: f64) -> Result<rust_decimal::Decimal, String> {
    let text = if x.is_finite() { format!("{x}") } else { String::new() };
    if float_is_exact(x, &text) {
        return parse_decimal(&text);
    }
    Err(format!(
        "the floating-point cell `{x}` may not be the decimal meant: a float is exact only to 15 significant \
         digits within ±2^53; store money as a decimal or a text column"
    ))
}

/// True for the float −0, which is how serde_json without
/// `arbitrary_precision` holds the whole number `-0` (the text readers read
/// it as 0).
fn negative_zero(n: &serde_json::Number) -> bool {
    !numbers_keep_their_text() && n.as_f64().is_some_and(|x| x == 0.0 && x.is_sign_negative()) && n.is_f64()
}

/// Whether serde_json keeps a number's text as written (its
/// `arbitrary_precision` feature, which another crate of the build may turn
/// on): `0.10` then stays `0.10` instead of the float's `0.1`. Asked once.
fn numbers_keep_their_text() -> bool {
    static KEEPS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *KEEPS.get_or_init(|| serde_json::from_str::<serde_json::Number>("0.10").is_ok_and(|n| n.to_string() == "0.10"))
}

/// The significant digits of a number's text: its mantissa's digits without
/// the zeros before the first other digit and after the last one.
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let first = digits.iter().position(|&d| d != b'0');
    let last = digits.iter().rposition(|&d| d != b'0');
    match (first, last) {
        (Some(first), Some(last)) => last - first + 1,
        _ => 0,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits_leave_out_the_zeros_around_them() {
        for (text, n) in [("0", 0), ("0.035", 2), ("12000.1", 6), ("123000.0", 3), ("1e20", 1), ("-1.5e-7", 2)] {
            assert_eq!(significant_digits(text), n, "{text}");
        }
        assert_eq!(significant_digits("1234567.123456789"), 16);
    }

    #[test]
    fn a_float_is_a_decimal_only_when_it_cannot_be_another_one() {
        let read = |x: f64| serde_json::Number::from_f64(x).map(|n| json_decimal(&n));
        let exact = |x: f64, text: &str| {
            assert_eq!(read(x), Some(parse_decimal(text)), "{x}");
        };
        exact(0.035, "0.035");
        exact(12000.1, "12000.1");
        exact(-1.5e-7, "-0.00000015");
        exact(123456789012345.0, "123456789012345");
        // `-0` is a whole number, which serde_json holds as the float −0
        let zero = serde_json::from_str::<Json>("-0").ok().map(|json| decode(&Schema::new(), &Type::Int, &json));
        assert_eq!(zero, Some(Ok(Value::Int(0))));
        if numbers_keep_their_text() {
            // `from_f64` then keeps the float's shortest text: read as written
            exact(0.1 + 0.2, "0.30000000000000004");
            return;
        }
        for x in [0.1 + 0.2, 1e20, 9_007_199_254_740_993.0, 1234567.123456789] {
            let refused = read(x).and_then(Result::err).unwrap_or_default();
            assert!(refused.starts_with("the JSON number read as `"), "{x}: {refused}");
        }
    }
}
