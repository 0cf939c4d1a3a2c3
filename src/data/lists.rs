//! List files: one value a line (`#` comments and blank lines ignored), or a CSV
//! column. Every entry is parsed as the list's element type; a bad entry is an
//! error naming file and line (L codes), never skipped.

use crate::data::ident::{CreditCode, IdCard, Phone};
use crate::data::record::parse_decimal;
use crate::eval::value::{SetValue, Value};
use crate::types::{Schema, Type};
use chrono::NaiveDate;
use std::sync::Arc;

/// A problem in a list's data, with the 1-based line it is on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ListError {
    /// The diagnostic code (`L0401`…`L0405`).
    pub code: &'static str,
    /// The 1-based line of the list file, when one is at fault.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Parses a list's text. `column` selects a CSV column by its header name.
pub fn parse_list(text: &str, element: &Type, column: Option<&str>, schema: &Schema) -> Result<SetValue, ListError> {
    let mut set = SetValue::new();
    set.reserve(text.len() / 12);
    let mut lines = text.lines().enumerate();
    let column_index = match column {
        None => None,
        Some(name) => {
            let (_, header) = lines.find(|(_, l)| !is_skipped(l)).ok_or_else(|| ListError {
                code: "L0405",
                line: None,
                message: format!("the CSV file is empty: no header with a column `{name}`"),
            })?;
            let index = split_csv(header).iter().position(|h| h.trim() == name).ok_or_else(|| ListError {
                code: "L0405",
                line: Some(1),
                message: format!("the CSV header has no column `{name}` (it has: {})", header.trim()),
            })?;
            Some(index)
        }
    };
    for (number, line) in lines {
        if is_skipped(line) {
            continue;
        }
        let entry = match column_index {
            None => line.trim().to_string(),
            Some(i) => split_csv(line).get(i).map(|s| s.trim().to_string()).ok_or_else(|| ListError {
                code: "L0402",
                line: Some(number + 1),
                message: format!("the line has no column {}", i + 1),
            })?,
        };
        let value = parse_entry(&entry, element, schema).map_err(|message| ListError {
            code: "L0402",
            line: Some(number + 1),
            message,
        })?;
        set.insert(&value);
    }
    Ok(set)
}

fn is_skipped(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// Splits one CSV line; fields may be quoted with `"` (a doubled `""` is a quote).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let pushed = match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                Some('"')
            }
            ('"', _) => {
                quoted = !quoted;
                None
            }
            (',', false) => {
                fields.push(String::new());
                None
            }
            _ => Some(c),
        };
        if let (Some(c), Some(field)) = (pushed, fields.last_mut()) {
            field.push(c);
        }
    }
    fields
}

fn parse_entry(text: &str, element: &Type, schema: &Schema) -> Result<Value, String> {
    match element {
        Type::String => Ok(Value::Str(Arc::from(text))),
        Type::IdCard => IdCard::parse(text).map(Value::IdCard),
        Type::Phone => Phone::parse(text).map(Value::Phone),
        Type::CreditCode => CreditCode::parse(text).map(Value::CreditCode),
        Type::Int => {
            text.replace('_', "").parse().map(Value::Int).map_err(|_| format!("`{text}` is not a whole number"))
        }
        Type::Decimal | Type::Money => parse_decimal(text).map(Value::Dec),
        Type::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)")),
        Type::Enum(id) => {
            let def = schema.enum_def(*id).ok_or("unknown enum")?;
            def.variants
                .iter()
                .position(|v| v == text)
                .map(|v| Value::Enum(v as u32))
                .ok_or_else(|| format!("`{text}` is not a `{}`", def.name))
        }
        _ => Err("this list's element type cannot be read from a file".to_string()),
    }
}
