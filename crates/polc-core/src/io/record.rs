//! Decodes one JSON input record against the input record type. A record that
//! does not match is rejected with the JSON path of the first problem.

use crate::base::types::{Schema, Type};
use crate::value::ident::{CreditCode, IdCard, Phone};
use crate::value::text::Text;
use crate::value::Value;
use rust_decimal::Decimal;
use serde_json::Value as Json;
use std::str::FromStr;
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

/// Decodes `json` as a value of record type `ty`. Fields the schema does not
/// know are ignored; a missing optional field is `none`.
pub fn decode(schema: &Schema, ty: &Type, json: &Json) -> Result<Value, DecodeError> {
    let mut path = Vec::new();
    decode_at(schema, ty, json, &mut path).map_err(|message| DecodeError { path: path.join("."), message })
}

fn decode_at(schema: &Schema, ty: &Type, json: &Json, path: &mut Vec<String>) -> Result<Value, String> {
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
        (Type::Optional(inner), _) => decode_at(schema, inner, json, path),
        (_, Json::Null) => Err("required, but null".to_string()),
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Bool, _) => Err(expected("true or false")),
        (Type::Int, Json::Number(n)) => {
            n.as_i64().map(Value::Int).ok_or_else(|| format!("expected a whole number within 64 bits, found `{n}`"))
        }
        (Type::Int, _) => Err(expected("a whole number")),
        (Type::Decimal | Type::Money, Json::String(s)) => parse_decimal(s).map(Value::Dec),
        (Type::Decimal | Type::Money, Json::Number(n)) => parse_decimal(&n.to_string()).map(Value::Dec),
        (Type::Decimal | Type::Money, _) => Err(expected("a decimal number or a decimal string")),
        (Type::Date, Json::String(s)) => crate::value::ident::parse_date(s)
            .map(Value::Date)
            .ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)")),
        (Type::Date, _) => Err(expected("a date string (YYYY-MM-DD)")),
        (Type::String, Json::String(s)) => Ok(Value::Str(Text::new(s))),
        (Type::String, _) => Err(expected("a string")),
        (Type::IdCard, Json::String(s)) => IdCard::parse(s).map(Value::IdCard),
        (Type::Phone, Json::String(s)) => Phone::parse(s).map(Value::Phone),
        (Type::CreditCode, Json::String(s)) => CreditCode::parse(s).map(Value::CreditCode),
        (Type::IdCard | Type::Phone | Type::CreditCode, _) => Err(expected("a string")),
        (Type::Enum(id), Json::String(s)) => {
            let def = schema.enum_def(*id).ok_or("unknown enum")?;
            def.variants
                .iter()
                .position(|v| v == s)
                .map(|v| Value::Enum(v as u32))
                .ok_or_else(|| format!("`{s}` is not a `{}` (one of: {})", def.name, def.variants.join(", ")))
        }
        (Type::Enum(_), _) => Err(expected("a string naming a variant")),
        (Type::Record(id), Json::Object(map)) => {
            let def = schema.record(*id).ok_or("unknown record")?;
            let mut fields = Vec::with_capacity(def.fields.len());
            for field in &def.fields {
                path.push(field.name.clone());
                let value = match map.get(&field.name) {
                    Some(j) => decode_at(schema, &field.ty, j, path)?,
                    None if field.ty.is_optional() => Value::None,
                    None => return Err("missing field".to_string()),
                };
                path.pop();
                fields.push(value);
            }
            Ok(Value::Record(fields.into()))
        }
        (Type::Record(_), _) => Err(expected("an object")),
        (Type::List(inner) | Type::Set(inner), Json::Array(items)) => {
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                values.push(decode_at(schema, inner, item, path)?);
                path.pop();
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
        (Type::Duration | Type::NoneLiteral | Type::Error, _) => Err("this type cannot be read from JSON".to_string()),
    }
}

/// Parses an exact decimal: `12000.00`, `-0.5`, `1e3`.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    if let Some(d) = parse_plain_decimal(text.as_bytes()) {
        return Ok(d);
    }
    let t = text.trim();
    let valid_chars =
        !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    let parsed = if !valid_chars {
        None
    } else if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        Decimal::from_str(t).ok()
    };
    parsed.ok_or_else(|| format!("`{text}` is not a decimal number (or has more than 28 significant digits)"))
}

/// `-?digits(.digits)?` with at most 18 digits, the common case, read directly.
pub(crate) fn parse_plain_decimal(bytes: &[u8]) -> Option<Decimal> {
    match plain_decimal_prefix(bytes)? {
        (decimal, len) if len == bytes.len() => Some(decimal),
        _ => None,
    }
}

/// The decimal [`parse_plain_decimal`] reads at the start of `bytes`, and how
/// many bytes it takes: the digits and point end at the first other byte,
/// which the caller checks (a closing quote, say).
pub(crate) fn plain_decimal_prefix(bytes: &[u8]) -> Option<(Decimal, usize)> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // digits beyond 18 wrap the mantissa, but such a number is refused below
    let mut mantissa: u64 = 0;
    let mut at = 0;
    let mut take_digits = |at: &mut usize| {
        let start = *at;
        while let Some(digit) = digits.get(*at).map(|b| b.wrapping_sub(b'0')).filter(|&d| d < 10) {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
            *at += 1;
        }
        *at - start
    };
    let whole = take_digits(&mut at);
    let mut scale = 0;
    if whole > 0 && digits.get(at) == Some(&b'.') {
        at += 1;
        scale = take_digits(&mut at);
        if scale == 0 {
            return None;
        }
    }
    // more digits than that are left to the general parser
    if whole == 0 || whole + scale > 18 {
        return None;
    }
    let mantissa = i64::try_from(mantissa).ok()?;
    Some((Decimal::new(if negative { -mantissa } else { mantissa }, scale as u32), usize::from(negative) + at))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn decimals_read_as_rust_decimal_reads_them(text in "-?[0-9]{1,14}(\\.[0-9]{1,14})?") {
            proptest::prop_assert_eq!(parse_decimal(&text).ok(), Decimal::from_str(&text).ok());
        }

        /// Exactly `-?digits(.digits)?` with at most 18 digits is read, to the
        /// value rust_decimal reads; followed by a quote, the prefix reader
        /// reads the same and stops at the quote.
        #[test]
        fn plain_decimals_are_exactly_the_plain_form(text in "[-0-9.]{0,22}") {
            let body = text.strip_prefix('-').unwrap_or(&text);
            let (whole, fraction) = body.split_once('.').map_or((body, None), |(w, f)| (w, Some(f)));
            let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
            let plain = digits(whole)
                && fraction.is_none_or(digits)
                && whole.len() + fraction.map_or(0, str::len) <= 18;
            let read = parse_plain_decimal(text.as_bytes());
            proptest::prop_assert_eq!(read.is_some(), plain, "{}", text);
            if let Some(read) = read {
                proptest::prop_assert_eq!(Some(read), Decimal::from_str(&text).ok());
            }
            let quoted = format!("{text}\"");
            let prefix = plain_decimal_prefix(quoted.as_bytes()).filter(|&(_, len)| len == text.len());
            proptest::prop_assert_eq!(prefix.map(|(d, _)| d), read);
        }
    }

    #[test]
    fn plain_decimals_read_exactly() {
        for text in [
            "0",
            "12000.00",
            "-0.5",
            "0.0350",
            "999999999999999999",
            "1.000000000000000001",
            "-12.5",
            "9999999999999999999",
            "-99999999999.99999999",
            "00012.50",
            "-0",
            "123456789012345678",
            "1234567890123456789",
            "12345678901234567.89",
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551615",
            "0.000000000000000001",
        ] {
            assert_eq!(parse_decimal(text), Ok(Decimal::from_str(text).unwrap_or_default()), "{text}");
        }
        assert_eq!(parse_decimal("1e3").map(|d| d.normalize().to_string()).as_deref(), Ok("1000"));
        for bad in ["", "-", "1.2.3", "12,000", "abc", "1_000", "1-2", "+-1"] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
    }
}
