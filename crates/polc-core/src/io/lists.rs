//! List files: one value a line (`#` comments and blank lines ignored), or a CSV
//! column. Every entry is parsed as the list's element type; a bad entry is an
//! error naming file and line (L codes), never skipped.

use crate::base::types::{Schema, Type};
use crate::io::record::parse_decimal;
use crate::value::ident::{CreditCode, IdCard, Phone};
use crate::value::text::Text;
use crate::value::{SetValue, Value};

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
    let integer_keyed = matches!(element, Type::IdCard | Type::Phone | Type::Int | Type::Date | Type::Enum(_));
    if column.is_none() && integer_keyed {
        return parse_integer_list(text, element, schema);
    }
    let mut set = SetValue::new();
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
        Type::String => Ok(Value::Str(Text::new(text))),
        Type::IdCard => IdCard::parse(text).map(Value::IdCard),
        Type::Phone => Phone::parse(text).map(Value::Phone),
        Type::CreditCode => CreditCode::parse(text).map(Value::CreditCode),
        Type::Int => {
            text.replace('_', "").parse().map(Value::Int).map_err(|_| format!("`{text}` is not a whole number"))
        }
        Type::Decimal | Type::Money => parse_decimal(text).map(Value::Dec),
        Type::Date => crate::value::ident::parse_date(text)
            .map(Value::Date)
            .ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD)")),
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

/// One value a line, for element types with integer keys: the text is parsed
/// in parallel chunks straight into keys, and the set is built in slot order
/// (see [`SetValue::from_small_keys`]). If any entry is bad, a sequential pass
/// finds the first bad line, so the error is the same as the plain path's.
fn parse_integer_list(text: &str, element: &Type, schema: &Schema) -> Result<SetValue, ListError> {
    use rayon::prelude::*;
    // chunk boundaries just after a newline
    let bytes = text.as_bytes();
    let target = (bytes.len() / (rayon::current_num_threads() * 8)).max(1 << 16);
    let mut bounds = vec![0];
    while let Some(&last) = bounds.last() {
        if last >= bytes.len() {
            break;
        }
        let next = (last + target).min(bytes.len());
        let end = memchr::memchr(b'\n', bytes.get(next..).unwrap_or_default()).map_or(bytes.len(), |i| next + i + 1);
        bounds.push(end);
    }
    let chunks: Vec<Option<Vec<u64>>> = bounds
        .par_windows(2)
        .map(|w| {
            let chunk = text.get(w[0]..w[1]).unwrap_or("");
            let mut keys = Vec::with_capacity(chunk.len() / 12 + 1);
            for line in chunk.lines() {
                if is_skipped(line) {
                    continue;
                }
                let key = parse_entry(line.trim(), element, schema).ok().and_then(|v| SetValue::small_key(&v))?;
                keys.push(key);
            }
            Some(keys)
        })
        .collect();
    if chunks.iter().any(Option::is_none) {
        // find and report the first bad line, exactly as the plain path does
        for (number, line) in text.lines().enumerate() {
            if is_skipped(line) {
                continue;
            }
            let parsed = parse_entry(line.trim(), element, schema);
            if let Err(message) =
                parsed.and_then(|v| SetValue::small_key(&v).ok_or_else(|| "cannot be a list key".to_string()))
            {
                return Err(ListError { code: "L0402", line: Some(number + 1), message });
            }
        }
    }
    let total = chunks.iter().flatten().map(Vec::len).sum();
    let mut keys = Vec::with_capacity(total);
    for chunk in chunks.into_iter().flatten() {
        keys.extend(chunk);
    }
    Ok(SetValue::from_small_keys(keys))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ident::IdCard;
    use crate::value::Value;

    #[test]
    fn integer_lists_load_in_parallel_and_report_the_first_bad_line() {
        let schema = Schema::new();
        let good = "110100199003070138";
        let mut text = String::from("# header\n\n");
        for _ in 0..50_000 {
            text.push_str(good);
            text.push('\n');
        }
        text.push_str("110100198511200248\n");
        let set = parse_list(&text, &Type::IdCard, None, &schema).expect("parses");
        assert_eq!(set.len(), 2);
        assert!(set.contains(&Value::IdCard(IdCard::parse(good).expect("valid"))));
        let bad = format!("{text}not-an-id\n{good}\n110100199003070139\n");
        let error = parse_list(&bad, &Type::IdCard, None, &schema).expect_err("a bad entry");
        assert_eq!((error.code, error.line), ("L0402", Some(50_004)));
        let ints = parse_list("1\n-1\n# c\n2_000\n", &Type::Int, None, &schema).expect("ints");
        assert_eq!(ints.len(), 3, "-1 is a key like any other");
    }
}
