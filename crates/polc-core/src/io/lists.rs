//! List files: one value a line, or a column of a CSV file (read with the
//! `csv` crate: quoted fields, quoted line breaks, CRLF). Every entry is parsed
//! as the list's element type; a bad entry is an error naming its line (L
//! codes), never skipped.
//!
//! What a line holds, decided once for every kind of list ([`line_entry`]):
//! one byte-order mark at the start of the file is ignored; white space around
//! an entry is not part of it; a blank line, or one whose first character is
//! `#`, holds nothing; `#` after white space starts a comment (`110… # court
//! order` is the entry `110…`); a control or invisible character (NUL, a tab
//! or carriage return inside the entry, U+200B, a second byte-order mark) is
//! an error, since such an entry could never match what it looks like.
//! Duplicates are one entry: a list is a set.

use crate::base::codes::Code;
use crate::base::source::strip_bom;
use crate::base::types::{Schema, Type};
use crate::io::record::{read_date, read_enum};
use crate::value::ident::{CreditCode, IdCard, Phone};
use crate::value::number::{parse_decimal, parse_int, shorten};
use crate::value::text::Text;
use crate::value::{SetValue, Value};

/// A problem in a list's data, with the 1-based line it is on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ListError {
    /// The diagnostic code (`L0401`…`L0407`).
    pub code: Code,
    /// The 1-based line of the list file (or entry of an in-memory list), when one is at fault.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ListError {
    fn entry(line: usize, message: String) -> ListError {
        ListError { code: Code::L0402, line: Some(line), message }
    }
}

/// Parses a list's text. `column` selects a CSV column by its header name.
pub fn parse_list(text: &str, element: &Type, column: Option<&str>, schema: &Schema) -> Result<SetValue, ListError> {
    let text = strip_bom(text);
    let integer_keyed = matches!(element, Type::IdCard | Type::Phone | Type::Int | Type::Date | Type::Enum(_));
    match column {
        Some(name) => parse_csv(text, element, name, schema),
        None if integer_keyed => parse_integer_list(text, element, schema),
        None => {
            let mut set = SetValue::new();
            for (number, line) in text.lines().enumerate() {
                let entry = line_entry(line).map_err(|m| ListError::entry(number + 1, m))?;
                if let Some(entry) = entry {
                    set.insert(&parse_entry(entry, element, schema).map_err(|m| ListError::entry(number + 1, m))?);
                }
            }
            Ok(set)
        }
    }
}

/// Parses entries given one by one (not a file's lines: `#` is no comment
/// and nothing is skipped). White space around an entry is removed as in a
/// file; an empty entry, or one with a control or invisible character, is an
/// error naming its 1-based position.
pub fn parse_entries<S: AsRef<str>>(entries: &[S], element: &Type, schema: &Schema) -> Result<SetValue, ListError> {
    let mut set = SetValue::new();
    for (number, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref().trim();
        let fail = |m: String| ListError::entry(number + 1, m);
        if entry.is_empty() {
            return Err(fail("the entry is empty: a list entry cannot be empty".into()));
        }
        check_visible(entry).map_err(fail)?;
        set.insert(&parse_entry(entry, element, schema).map_err(fail)?);
    }
    Ok(set)
}

/// The entry on one line of a list file, or `None` for a blank or comment line.
pub fn line_entry(line: &str) -> Result<Option<&str>, String> {
    let entry = line.trim();
    if entry.is_empty() || entry.starts_with('#') {
        return Ok(None);
    }
    // `#` after white space starts a comment
    let bytes = entry.as_bytes();
    let comment = memchr::memchr_iter(b'#', bytes)
        .find(|&i| entry.get(..i).and_then(|before| before.chars().next_back()).is_some_and(char::is_whitespace));
    let entry = comment.and_then(|i| entry.get(..i)).map_or(entry, str::trim_end);
    check_visible(entry)?;
    Ok(Some(entry))
}

/// An error when `entry` holds a character that cannot be seen or typed: it
/// would make the entry differ from what it looks like.
fn check_visible(entry: &str) -> Result<(), String> {
    if entry.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(());
    }
    for (i, c) in entry.chars().enumerate() {
        let what = match c {
            '\0' => "a NUL character (U+0000): the file looks like UTF-16; save it as UTF-8".to_string(),
            '\t' => "a tab: a list holds one value a line (a CSV file needs `column \"…\"`)".to_string(),
            '\r' => "a carriage return: save the file with LF or CRLF line endings".to_string(),
            '\n' => "a line break: an entry is one line".to_string(),
            '\u{feff}' => "a byte-order mark (U+FEFF): were several files joined? remove it".to_string(),
            c if c.is_control() => format!("a control character (U+{:04X}): remove it", u32::from(c)),
            '\u{00ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' => {
                format!("an invisible character (U+{:04X}): remove it", u32::from(c))
            }
            _ => continue,
        };
        return Err(format!("character {} of the entry is {what}", i + 1));
    }
    Ok(())
}

fn parse_entry(text: &str, element: &Type, schema: &Schema) -> Result<Value, String> {
    match element {
        Type::String => Ok(Value::Str(Text::new(text))),
        Type::IdCard => IdCard::parse(text).map(Value::IdCard),
        Type::Phone => Phone::parse(text).map(Value::Phone),
        Type::CreditCode => CreditCode::parse(text).map(Value::CreditCode),
        Type::Int => parse_int(text).map(Value::Int).ok_or_else(|| {
            format!(
                "`{}` is not a whole number within 64 bits (digits with an optional `-`; no `+`, leading zeros, `_` \
                 or fraction)",
                shorten(text)
            )
        }),
        Type::Decimal | Type::Money => parse_decimal(text).map(Value::Dec),
        Type::Date => read_date(text).map(Value::Date),
        Type::Enum(id) => read_enum(schema, *id, text),
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
    let key = |line: &str| -> Result<Option<u64>, String> {
        let Some(entry) = line_entry(line)? else { return Ok(None) };
        let value = parse_entry(entry, element, schema)?;
        SetValue::small_key(&value).map(Some).ok_or_else(|| "cannot be a list key".to_string())
    };
    let chunks: Vec<Option<Vec<u64>>> = bounds
        .par_windows(2)
        .map(|w| {
            let chunk = text.get(w[0]..w[1]).unwrap_or("");
            let mut keys = Vec::with_capacity(chunk.len() / 12 + 1);
            for line in chunk.lines() {
                keys.extend(key(line).ok()?);
            }
            Some(keys)
        })
        .collect();
    if chunks.iter().any(Option::is_none) {
        // find and report the first bad line, exactly as the plain path does
        for (number, line) in text.lines().enumerate() {
            key(line).map_err(|message| ListError::entry(number + 1, message))?;
        }
    }
    let total = chunks.iter().flatten().map(Vec::len).sum();
    let mut keys = Vec::with_capacity(total);
    for chunk in chunks.into_iter().flatten() {
        keys.extend(chunk);
    }
    Ok(SetValue::from_small_keys(keys))
}

/// The column `name` of a CSV file: the first row that is not blank or a
/// comment is the header; a row whose fields are all empty (`,,`, as
/// spreadsheets write) is blank; a row whose first field starts with `#` is
/// a comment.
fn parse_csv(text: &str, element: &Type, name: &str, schema: &Schema) -> Result<SetValue, ListError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let line_of = |row: &csv::StringRecord| row.position().map_or(1, |p| usize::try_from(p.line()).unwrap_or(0));
    let skipped = |row: &csv::StringRecord| {
        row.iter().all(|f| f.trim().is_empty()) || row.get(0).is_some_and(|f| f.trim_start().starts_with('#'))
    };
    let mut rows = reader.records();
    let mut next_row = || -> Result<Option<csv::StringRecord>, ListError> {
        for row in rows.by_ref() {
            let row = row.map_err(|e| {
                let line = e.position().map(|p| usize::try_from(p.line()).unwrap_or(0));
                ListError { code: Code::L0402, line, message: format!("the file cannot be read as CSV: {e}") }
            })?;
            if !skipped(&row) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    };
    let Some(header) = next_row()? else {
        return Err(ListError {
            code: Code::L0405,
            line: None,
            message: format!("the CSV file is empty: no header with a column `{name}`"),
        });
    };
    let index = column_index(&header, name).map_err(|message| ListError {
        code: Code::L0405,
        line: Some(line_of(&header)),
        message,
    })?;
    let mut set = SetValue::new();
    while let Some(row) = next_row()? {
        let line = line_of(&row);
        let Some(field) = row.get(index) else {
            let message =
                format!("the row has no `{name}` field: it has {} fields, `{name}` is field {}", row.len(), index + 1);
            return Err(ListError::entry(line, message));
        };
        let entry = field.trim();
        if entry.is_empty() {
            let message =
                format!("the `{name}` field is empty: a list entry cannot be empty (fill it or remove the row)");
            return Err(ListError::entry(line, message));
        }
        check_visible(entry).map_err(|m| ListError::entry(line, m))?;
        set.insert(&parse_entry(entry, element, schema).map_err(|m| ListError::entry(line, m))?);
    }
    Ok(set)
}

/// Where column `name` is in the header, or what is wrong with the header.
fn column_index(header: &csv::StringRecord, name: &str) -> Result<usize, String> {
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    let found: Vec<usize> = names.iter().enumerate().filter(|(_, n)| **n == name).map(|(i, _)| i).collect();
    match found.as_slice() {
        [index] => return Ok(*index),
        [first, second, ..] => {
            return Err(format!(
                "the CSV header has two columns named `{name}` (fields {} and {}): which one is meant cannot be known",
                first + 1,
                second + 1
            ))
        }
        [] => {}
    }
    let listed: Vec<String> = names.iter().map(|n| format!("`{}`", shorten(n))).collect();
    let mut message = format!("the CSV header has no column `{name}` (it has: {})", listed.join(", "));
    if let Some(close) = names.iter().find(|n| n.eq_ignore_ascii_case(name)) {
        message.push_str(&format!("; column names are exact: write `column \"{close}\"` or rename the column"));
    } else if names.len() == 1 && names.first().is_some_and(|n| n.contains([';', '\t'])) {
        message.push_str("; the header has no comma: save the file as comma-separated values");
    }
    Err(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ident::IdCard;
    use crate::value::Value;

    const GOOD: &str = "110100199003070138";

    fn id(text: &str) -> Value {
        Value::IdCard(IdCard::parse(text).expect("valid"))
    }

    fn load(text: &str, element: &Type, column: Option<&str>) -> Result<SetValue, ListError> {
        parse_list(text, element, column, &Schema::new())
    }

    #[test]
    fn integer_lists_load_in_parallel_and_report_the_first_bad_line() {
        let mut text = String::from("# header\n\n");
        for _ in 0..50_000 {
            text.push_str(GOOD);
            text.push('\n');
        }
        text.push_str("110100198511200248\n");
        let set = load(&text, &Type::IdCard, None).expect("parses");
        assert_eq!(set.len(), 2);
        assert!(set.contains(&id(GOOD)));
        let bad = format!("{text}not-an-id\n{GOOD}\n110100199003070139\n");
        let error = load(&bad, &Type::IdCard, None).expect_err("a bad entry");
        assert_eq!((error.code, error.line), (Code::L0402, Some(50_004)));
        let ints = load("1\n-1\n# c\n2000\n-0\n", &Type::Int, None).expect("ints");
        assert_eq!(ints.len(), 4, "-1 is a key like any other, -0 is 0");
    }

    #[test]
    fn a_line_holds_one_entry_and_maybe_a_comment() {
        assert_eq!(line_entry("  abc  "), Ok(Some("abc")));
        assert_eq!(line_entry("abc # added 2026-01"), Ok(Some("abc")));
        assert_eq!(line_entry("abc\t# tab then comment"), Ok(Some("abc")));
        assert_eq!(line_entry("abc#1"), Ok(Some("abc#1")), "`#` inside an entry is part of it");
        assert_eq!(line_entry("a b c"), Ok(Some("a b c")), "white space inside is kept");
        assert_eq!(line_entry("   # indented comment"), Ok(None));
        assert_eq!(line_entry("\u{3000}abc\u{3000}"), Ok(Some("abc")), "ideographic spaces are white space");
        assert_eq!(line_entry(""), Ok(None));
        for bad in ["ab\u{0}c", "a\tb", "a\rb", "\u{feff}abc", "abc\u{200b}", "a\u{7f}"] {
            assert!(line_entry(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            line_entry("d9f3\u{200b}a1"),
            Err("character 5 of the entry is an invisible character (U+200B): remove it".to_string())
        );
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_not_part_of_any_entry() {
        for element in [Type::String, Type::IdCard] {
            let set = load(&format!("\u{feff}{GOOD}\r\n110100198511200248\r\n"), &element, None).expect("loads");
            assert_eq!(set.len(), 2);
            let first = if element == Type::String { Value::Str(Text::new(GOOD)) } else { id(GOOD) };
            assert!(set.contains(&first), "{element:?}: the first entry is found");
        }
        let csv = load(&format!("\u{feff}id_number,source\r\n{GOOD},court\r\n"), &Type::IdCard, Some("id_number"));
        assert!(csv.is_ok_and(|set| set.contains(&id(GOOD))));
        // a second mark (files joined) is an error, not an entry that never matches
        let joined = load(&format!("{GOOD}\n\u{feff}110100198511200248\n"), &Type::String, None);
        assert_eq!(joined.map_err(|e| (e.code, e.line)), Err((Code::L0402, Some(2))));
    }

    #[test]
    fn csv_lists_follow_rfc_4180() {
        let text = "name,id_number,note\n\
                    \"Zhang, San\",110100199003070138,\"a note\non two lines\"\n\
                    # a comment row\n\
                    ,,\n\
                    Li,\"110100198511200248\",\"say \"\"hi\"\"\"\n";
        let set = load(text, &Type::IdCard, Some("id_number")).expect("loads");
        assert_eq!(set.len(), 2);
        let names = load(text, &Type::String, Some("name")).expect("loads");
        assert!(names.contains(&Value::Str(Text::new("Zhang, San"))));
        // a line break inside the column read is an error, with the row's line
        let error = load(text, &Type::String, Some("note")).expect_err("a line break");
        assert_eq!((error.code, error.line), (Code::L0402, Some(2)));
        assert!(error.message.contains("a line break"), "{}", error.message);
        let empty = load("id,n\n,1\n", &Type::String, Some("id")).expect_err("an empty field");
        assert_eq!(empty.line, Some(2));
        let short = load("a,id\n1\n", &Type::String, Some("id")).expect_err("a short row");
        assert!(short.message.contains("has 1 fields"), "{}", short.message);
    }

    #[test]
    fn csv_headers_are_matched_exactly_and_say_what_they_have() {
        let message = |text: &str| load(text, &Type::String, Some("id")).map(|_| ()).map_err(|e| (e.code, e.message));
        assert_eq!(message(" id ,x\na,b\n"), Ok(()), "white space around a header name is not part of it");
        assert_eq!(
            message("ID,x\na,b\n"),
            Err((
                Code::L0405,
                "the CSV header has no column `id` (it has: `ID`, `x`); column names are exact: write `column \"ID\"` \
                 or rename the column"
                    .into()
            ))
        );
        assert!(message("id;x\na;b\n").is_err_and(|(_, m)| m.ends_with("save the file as comma-separated values")));
        assert!(message("id,id\na,b\n").is_err_and(|(_, m)| m.contains("two columns named `id` (fields 1 and 2)")));
        assert!(message("").is_err_and(|(_, m)| m.contains("the CSV file is empty")));
    }

    #[test]
    fn entries_given_one_by_one_are_values_not_lines() {
        let schema = Schema::new();
        let set = parse_entries(&["#tag", " a "], &Type::String, &schema).expect("loads");
        assert!(set.contains(&Value::Str(Text::new("#tag"))), "no comments in entries");
        assert!(set.contains(&Value::Str(Text::new("a"))));
        let error = parse_entries(&["a", "b\nc"], &Type::String, &schema).expect_err("a line break");
        assert_eq!(error.line, Some(2));
        assert!(parse_entries(&[""], &Type::String, &schema).is_err(), "an empty entry is an error");
    }

    #[test]
    fn numbers_in_lists_follow_the_record_grammar() {
        for bad in ["0700", "+5", "2_000", "1.5", "1e3", " 1 2"] {
            assert!(load(bad, &Type::Int, None).is_err(), "{bad:?}");
        }
        for bad in ["0700.5", ".5", "5.", "12,000", "200000.000000000000000000000001"] {
            assert!(load(bad, &Type::Money, None).is_err(), "{bad:?}");
        }
        let money = load("1.50\n1.5\n1e0\n", &Type::Money, None).expect("loads");
        assert_eq!(money.len(), 2, "1.50 and 1.5 are one amount");
    }
}
