//! A JSON reader that decodes one input line straight into a typed [`Value`]
//! against the input record type: no intermediate JSON tree, numbers read
//! exactly from their text. Errors carry the JSON path (`loan.amount`).
//!
//! Decisions a general JSON parser leaves open, taken for underwriting:
//! a key given twice in one object is an error (which value was meant cannot
//! be known); keys the schema does not name are skipped; nesting deeper than
//! the depth limit ([`RecordLimits::max_json_depth`], 64 by default, at most
//! [`RecordLimits::JSON_DEPTH_CEILING`]) is an error; numbers follow RFC 8259
//! exactly ([`super::number`]); one byte-order mark before the record is
//! ignored ([`strip_bom`]).
//!
//! Typed values recurse once per level of the record type; a value the type
//! does not name is skipped without recursion, so no input depth can exhaust
//! the stack.

use crate::base::limits::RecordLimits;
use crate::base::source::strip_bom;
use crate::base::types::{RecordId, Schema, Type};
use crate::io::record::{read_date, read_enum, too_deep, DecodeError};
pub(super) use crate::io::scan::{plain_len, same_bytes};
use crate::value::ident::{CreditCode, IdCard, Phone};
use crate::value::number::{number_len, parse_decimal, parse_int, shorten};
use crate::value::text::Text;
use crate::value::{SetValue, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// Decodes one JSON text as a record of type `record`, with the default depth limit.
pub fn decode_record(schema: &Schema, record: RecordId, text: &str) -> Result<Value, DecodeError> {
    decode_record_within(schema, record, text, RecordLimits::default().max_json_depth)
}

/// Decodes one JSON text as a record of type `record`, its arrays and objects
/// nested at most `max_depth` deep. Returns the record, or the error with the
/// value of a top-level `"id"` string if one was seen.
pub fn decode_record_within(
    schema: &Schema,
    record: RecordId,
    text: &str,
    max_depth: usize,
) -> Result<Value, DecodeError> {
    let text = strip_bom(text);
    let max_depth = max_depth.min(RecordLimits::JSON_DEPTH_CEILING);
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: 0, path: Vec::new(), depth: 0, max_depth };
    let mut value = Value::None;
    let result = reader.skip_ws().and_then(|_| reader.record(schema, record, &mut value)).and_then(|_| {
        reader.skip_ws()?;
        match reader.peek() {
            None => Ok(()),
            Some(_) => Err(reader.syntax("unexpected text after the record")),
        }
    });
    match result {
        Ok(()) => Ok(value),
        Err(message) => Err(DecodeError { path: reader.path_text(), message: message.into() }),
    }
}

/// Reads a value of type `ty` starting at `*pos`, inside a record nested
/// `depth` deep, and moves `*pos` past it; `None` on any error (for the
/// fields of a [`super::plan::DecodePlan`] that it does not read itself).
pub(super) fn value_at(
    schema: &Schema,
    ty: &Type,
    text: &str,
    pos: &mut usize,
    depth: usize,
    max_depth: usize,
) -> Option<Value> {
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: *pos, path: Vec::new(), depth, max_depth };
    let mut value = Value::None;
    reader.value(schema, ty, &mut value).ok()?;
    *pos = reader.pos;
    Some(value)
}

/// Skips any JSON value starting at `*pos` inside a record nested `depth`
/// deep, as [`value_at`] reads one.
pub(super) fn skip_value_at(text: &str, pos: &mut usize, depth: usize, max_depth: usize) -> Option<()> {
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: *pos, path: Vec::new(), depth, max_depth };
    reader.skip_value().ok()?;
    *pos = reader.pos;
    Some(())
}

/// One step of the JSON path to a value: a field name (from the schema) or an index.
enum Seg<'s> {
    Field(&'s str),
    Index(usize),
}

struct Reader<'t, 's> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    path: Vec<Seg<'s>>,
    depth: usize,
    max_depth: usize,
}

/// A step of reading; the error is boxed so that results stay in registers.
type Step<T> = Result<T, Box<str>>;

impl<'t, 's> Reader<'t, 's> {
    /// The path of the value at fault: segments are pushed as an error travels
    /// outwards (innermost first), so that reading a good record pushes nothing.
    fn path_text(&self) -> String {
        let parts: Vec<String> = self
            .path
            .iter()
            .rev()
            .map(|seg| match seg {
                Seg::Field(name) => (*name).to_string(),
                Seg::Index(i) => i.to_string(),
            })
            .collect();
        parts.join(".")
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) -> Step<()> {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
        Ok(())
    }

    fn syntax(&self, what: &str) -> Box<str> {
        Box::from(format!("not valid JSON: {what} at character {}", self.pos + 1))
    }

    fn expect_byte(&mut self, byte: u8) -> Step<()> {
        self.skip_ws()?;
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(&format!("expected `{}`", byte as char)))
        }
    }

    /// What kind of JSON value starts here, for "expected …, found …"; `None`
    /// for text that starts no JSON value.
    fn kind(&self) -> Option<&'static str> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        Some(match rest.first() {
            Some(b'"') => "a string",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b't') if rest.starts_with(b"true") => "a boolean",
            Some(b'f') if rest.starts_with(b"false") => "a boolean",
            Some(b'n') if rest.starts_with(b"null") => "null",
            Some(b'-' | b'0'..=b'9') => "a number",
            None => "the end of the line",
            Some(_) => return None,
        })
    }

    fn found(&self, expected: &str) -> Box<str> {
        match self.kind() {
            Some(kind) => Box::from(format!("expected {expected}, found {kind}")),
            None => {
                // the word that is not JSON, as far as the next white space or bracket
                let rest = self.text.get(self.pos..).unwrap_or("");
                let end =
                    rest.find(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | '}' | ']')).unwrap_or(rest.len());
                let word = shorten(rest.get(..end.max(1)).unwrap_or(rest));
                self.syntax(&format!("expected {expected}, found `{word}`"))
            }
        }
    }

    fn literal(&mut self, word: &str) -> bool {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Step<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(Box::from(too_deep(self.max_depth)));
        }
        Ok(())
    }

    // -------------------------------------------------------------- typed values

    /// Reads a value of type `ty` into `out`.
    fn value(&mut self, schema: &'s Schema, ty: &'s Type, out: &mut Value) -> Step<()> {
        // only what recurses stays in this frame, which is on the stack once per level
        self.skip_ws()?;
        if self.peek() == Some(b'n') {
            if !self.literal("null") {
                return Err(self.found("a value"));
            }
            return match ty {
                Type::Optional(_) => {
                    *out = Value::None;
                    Ok(())
                }
                _ => Err(Box::from("required, but null")),
            };
        }
        match ty {
            Type::Optional(inner) => self.value(schema, inner, out),
            Type::Record(id) => self.record(schema, *id, out),
            Type::List(inner) | Type::Set(inner) => {
                let items = self.array(schema, inner)?;
                *out = sequence(ty, items);
                Ok(())
            }
            _ => {
                *out = self.scalar(schema, ty)?;
                Ok(())
            }
        }
    }

    /// A value of a type that holds no other values.
    #[inline(never)]
    fn scalar(&mut self, schema: &'s Schema, ty: &'s Type) -> Step<Value> {
        Ok(match ty {
            Type::Bool => {
                if self.literal("true") {
                    Value::Bool(true)
                } else if self.literal("false") {
                    Value::Bool(false)
                } else {
                    return Err(self.found("true or false"));
                }
            }
            Type::Int => match self.peek() {
                Some(b'-' | b'0'..=b'9') => {
                    let text = self.number()?;
                    Value::Int(parse_int(text).ok_or_else(|| {
                        Box::<str>::from(format!("expected a whole number within 64 bits, found `{}`", shorten(text)))
                    })?)
                }
                _ => return Err(self.found("a whole number")),
            },
            Type::Decimal | Type::Money => match self.peek() {
                Some(b'"') => Value::Dec(parse_decimal(&self.string()?)?),
                Some(b'-' | b'0'..=b'9') => Value::Dec(parse_decimal(self.number()?)?),
                _ => return Err(self.found("a decimal number or a decimal string")),
            },
            Type::Date => Value::Date(read_date(&self.typed_string("a date string (YYYY-MM-DD)")?)?),
            Type::String => Value::Str(Text::new(self.typed_string("a string")?.as_ref())),
            Type::IdCard => Value::IdCard(IdCard::parse(&self.typed_string("a string")?)?),
            Type::Phone => Value::Phone(Phone::parse(&self.typed_string("a string")?)?),
            Type::CreditCode => Value::CreditCode(CreditCode::parse(&self.typed_string("a string")?)?),
            Type::Enum(id) => read_enum(schema, *id, &self.typed_string("a string naming a variant")?)?,
            _ => return Err(Box::from("this type cannot be read from JSON")),
        })
    }

    fn typed_string(&mut self, expected: &str) -> Step<Cow<'t, str>> {
        if self.peek() == Some(b'"') {
            self.string()
        } else {
            Err(self.found(expected))
        }
    }

    fn record(&mut self, schema: &'s Schema, id: RecordId, out: &mut Value) -> Step<()> {
        self.skip_ws()?;
        if self.peek() != Some(b'{') {
            return Err(self.found("an object"));
        }
        self.pos += 1;
        self.enter()?;
        let def = schema.record(id).ok_or_else(|| Box::<str>::from("unknown record"))?;
        let count = def.fields.len();
        // the record's own storage, filled in place: one allocation (a `Vec`
        // turned into an `Arc` would be two, and a copy)
        let mut record: Arc<[Value]> = std::iter::repeat_with(|| Value::None).take(count).collect();
        let fields = Arc::get_mut(&mut record).ok_or_else(|| Box::<str>::from("internal error: shared record"))?;
        let (mut seen_small, mut seen_large) = ([false; 64], Vec::new());
        let seen: &mut [bool] = if count <= 64 {
            seen_small.get_mut(..count).unwrap_or_default()
        } else {
            seen_large.resize(count, false);
            &mut seen_large
        };
        let mut next_guess = 0;
        self.skip_ws()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws()?;
                if self.peek() != Some(b'"') {
                    return Err(self.syntax("expected a key in double quotes"));
                }
                let index = self.key(def, next_guess)?;
                match index {
                    Some(i) => {
                        let field = def.fields.get(i);
                        match seen.get_mut(i) {
                            Some(true) => {
                                self.path.push(Seg::Field(field.map_or("", |f| f.name.as_str())));
                                return Err(Box::from("this key is given twice"));
                            }
                            Some(flag) => *flag = true,
                            None => {}
                        }
                        let ty = field.map_or(&Type::Error, |f| &f.ty);
                        if let Some(slot) = fields.get_mut(i) {
                            if let Err(e) = self.value(schema, ty, slot) {
                                self.path.push(Seg::Field(field.map_or("", |f| f.name.as_str())));
                                return Err(e);
                            }
                        }
                        next_guess = i + 1;
                    }
                    None => self.skip_value()?,
                }
                self.skip_ws()?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.syntax("expected `,` or `}`")),
                }
            }
        }
        self.depth -= 1;
        if let Some(missing) = def.fields.iter().zip(seen.iter()).find(|(f, seen)| !**seen && !f.ty.is_optional()) {
            self.path.push(Seg::Field(&missing.0.name));
            return Err(Box::from("missing field"));
        }
        *out = Value::Record(record);
        Ok(())
    }

    /// The key at the cursor and its colon: the index of the field it names,
    /// if any. Keys usually come in schema order: the next field's name is
    /// tried directly before the key is scanned.
    #[inline(never)]
    fn key(&mut self, def: &'s crate::base::types::RecordDef, next_guess: usize) -> Step<Option<usize>> {
        let guessed = def.fields.get(next_guess).filter(|f| {
            let name = f.name.as_bytes();
            self.bytes.get(self.pos + 1..self.pos + 1 + name.len()).is_some_and(|key| same_bytes(key, name))
                && self.bytes.get(self.pos + 1 + name.len()) == Some(&b'"')
        });
        let index = match guessed {
            Some(f) => {
                self.pos += f.name.len() + 2;
                Some(next_guess)
            }
            None => {
                let key = self.string()?;
                def.fields.iter().position(|f| f.name == key)
            }
        };
        // `"key":` without a space is the common case
        if self.peek() == Some(b':') {
            self.pos += 1;
        } else {
            self.expect_byte(b':')?;
        }
        Ok(index)
    }

    fn array(&mut self, schema: &'s Schema, element: &'s Type) -> Step<Vec<Value>> {
        if self.peek() != Some(b'[') {
            return Err(self.found("an array"));
        }
        self.pos += 1;
        self.enter()?;
        let mut items = Vec::new();
        self.skip_ws()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                let mut item = Value::None;
                if let Err(e) = self.value(schema, element, &mut item) {
                    self.path.push(Seg::Index(items.len()));
                    return Err(e);
                }
                items.push(item);
                self.skip_ws()?;
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.syntax("expected `,` or `]`")),
                }
            }
        }
        self.depth -= 1;
        Ok(items)
    }

    // -------------------------------------------------------------- raw JSON

    /// A JSON number's text, in RFC 8259's grammar (no leading zeros, no `+`,
    /// no `.5`, no `5.`); the byte after it must end it (`07` is not `0`, `7`).
    fn number(&mut self) -> Step<&'t str> {
        let start = self.pos;
        let len = number_len(self.bytes.get(start..).unwrap_or_default())
            .map_err(|e| self.syntax(&format!("malformed number ({})", e.what())))?;
        self.pos += len;
        if matches!(self.peek(), Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')) {
            return Err(self.syntax("malformed number"));
        }
        Ok(self.text.get(start..self.pos).unwrap_or(""))
    }

    /// A string at the cursor (which is on its opening quote), unescaped.
    fn string(&mut self) -> Step<Cow<'t, str>> {
        self.pos += 1;
        let start = self.pos;
        // fast path: no escapes
        self.pos += plain_len(self.bytes.get(start..).unwrap_or_default());
        match self.peek() {
            Some(b'"') => {
                // the text is a `str` and `"` is ASCII, so this slice is on char boundaries
                let raw = self.text.get(start..self.pos).ok_or_else(|| self.syntax("invalid UTF-8"))?;
                self.pos += 1;
                return Ok(Cow::Borrowed(raw));
            }
            Some(0..=0x1f) => return Err(self.syntax("control character in a string")),
            _ => {}
        }
        let mut out = self.text.get(start..self.pos).ok_or_else(|| self.syntax("invalid UTF-8"))?.to_string();
        loop {
            let Some(b) = self.peek() else { return Err(self.syntax("unterminated string")) };
            self.pos += 1;
            match b {
                b'"' => return Ok(Cow::Owned(out)),
                b'\\' => {
                    let Some(e) = self.peek() else { return Err(self.syntax("unterminated string")) };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&first) {
                                if !self.literal("\\u") {
                                    return Err(self.syntax("unpaired surrogate"));
                                }
                                let second = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&second) {
                                    return Err(self.syntax("unpaired surrogate"));
                                }
                                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                            } else {
                                first
                            };
                            out.push(char::from_u32(code).ok_or_else(|| self.syntax("invalid \\u escape"))?);
                        }
                        _ => return Err(self.syntax("invalid escape")),
                    }
                }
                0..=0x1f => return Err(self.syntax("control character in a string")),
                _ => {
                    // copy one UTF-8 sequence
                    let len = match b {
                        0xF0..=0xFF => 4,
                        0xE0..=0xEF => 3,
                        0xC0..=0xDF => 2,
                        _ => 1,
                    };
                    out.push_str(
                        self.text.get(self.pos - 1..self.pos - 1 + len).ok_or_else(|| self.syntax("invalid UTF-8"))?,
                    );
                    self.pos += len - 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Step<u32> {
        let digits = self.bytes.get(self.pos..self.pos + 4).and_then(|b| std::str::from_utf8(b).ok());
        let value =
            digits.and_then(|d| u32::from_str_radix(d, 16).ok()).ok_or_else(|| self.syntax("invalid \\u escape"))?;
        self.pos += 4;
        Ok(value)
    }

    /// Skips any JSON value (a key the schema does not name), without
    /// recursion: the open arrays and objects are kept as their closing
    /// brackets, each counted against the depth limit as it opens.
    fn skip_value(&mut self) -> Step<()> {
        let mut open: Vec<u8> = Vec::new();
        loop {
            // one value
            self.skip_ws()?;
            match self.peek() {
                Some(b'"') => drop(self.string()?),
                Some(b'-' | b'0'..=b'9') => drop(self.number()?),
                Some(b't') if self.literal("true") => {}
                Some(b'f') if self.literal("false") => {}
                Some(b'n') if self.literal("null") => {}
                Some(bracket @ (b'{' | b'[')) => {
                    self.pos += 1;
                    self.enter()?;
                    let close = if bracket == b'{' { b'}' } else { b']' };
                    self.skip_ws()?;
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        self.depth -= 1;
                    } else {
                        open.push(close);
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                _ => return Err(self.found("a value")),
            }
            // after a value: close what ends here, then the next member, or done
            loop {
                let Some(&close) = open.last() else { return Ok(()) };
                self.skip_ws()?;
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        break;
                    }
                    Some(c) if c == close => {
                        self.pos += 1;
                        self.depth -= 1;
                        open.pop();
                    }
                    _ => return Err(self.syntax("expected `,` or a closing bracket")),
                }
            }
        }
    }

    /// A key and its colon, inside an object being skipped.
    fn skip_key(&mut self) -> Step<()> {
        self.skip_ws()?;
        if self.peek() != Some(b'"') {
            return Err(self.syntax("expected a key in double quotes"));
        }
        self.string()?;
        self.expect_byte(b':')
    }
}

/// A list's or a set's value of the items read.
fn sequence(ty: &Type, items: Vec<Value>) -> Value {
    if let Type::Set(_) = ty {
        let mut set = SetValue::new();
        for v in &items {
            set.insert(v);
        }
        Value::Set(Arc::new(set))
    } else {
        Value::List(items.into())
    }
}

/// The value of a top-level `"id"` string in a line that failed to decode, if
/// one can be found (so the error line can still be matched to its record).
/// Reads the object only as far as the id: a line that is cut short, too long,
/// or broken after its id still has one.
pub fn find_id(text: &str) -> Option<String> {
    let text = strip_bom(text);
    let max_depth = RecordLimits::default().max_json_depth;
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: 0, path: Vec::new(), depth: 0, max_depth };
    reader.skip_ws().ok()?;
    reader.expect_byte(b'{').ok()?;
    loop {
        reader.skip_ws().ok()?;
        if reader.peek() != Some(b'"') {
            return None;
        }
        let key = reader.string().ok()?;
        reader.expect_byte(b':').ok()?;
        if key == "id" {
            reader.skip_ws().ok()?;
            return (reader.peek() == Some(b'"')).then(|| reader.string().ok().map(String::from)).flatten();
        }
        reader.skip_value().ok()?;
        reader.skip_ws().ok()?;
        reader.expect_byte(b',').ok()?;
    }
}

/// A top-level value of a JSON object's text, found by [`find_top_level`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopLevel<'t> {
    /// A string, unescaped.
    Str(Cow<'t, str>),
    /// Any other value as written (`true`, `0`, `null`, `{…}`).
    Json(&'t str),
}

/// The value of top-level key `key` in a JSON object's text (its first
/// occurrence), read only as far as that key; `None` when the object ends,
/// or stops being JSON, before it.
pub fn find_top_level<'t>(text: &'t str, key: &str) -> Option<TopLevel<'t>> {
    let text = strip_bom(text);
    let max_depth = RecordLimits::default().max_json_depth;
    let mut reader = Reader { text, bytes: text.as_bytes(), pos: 0, path: Vec::new(), depth: 0, max_depth };
    reader.skip_ws().ok()?;
    reader.expect_byte(b'{').ok()?;
    loop {
        reader.skip_ws().ok()?;
        if reader.peek() != Some(b'"') {
            return None;
        }
        let name = reader.string().ok()?;
        reader.expect_byte(b':').ok()?;
        reader.skip_ws().ok()?;
        if name == key {
            if reader.peek() == Some(b'"') {
                return reader.string().ok().map(TopLevel::Str);
            }
            let start = reader.pos;
            reader.skip_value().ok()?;
            return text.get(start..reader.pos).map(TopLevel::Json);
        }
        reader.skip_value().ok()?;
        reader.skip_ws().ok()?;
        reader.expect_byte(b',').ok()?;
    }
}

/// A top-level key to look for in many lines: [`TopKey::find_in_object`]
/// finds its value without reading the keys before it.
#[derive(Clone, Debug)]
pub struct TopKey {
    key: String,
    /// `"key"`, when the key can be looked for as bytes (no `"` or `\\`, and
    /// not starting with what may follow a closing quote).
    quoted: Option<memchr::memmem::Finder<'static>>,
}

impl TopKey {
    /// The key `key`.
    pub fn new(key: &str) -> TopKey {
        let plain = !key.contains(['"', '\\']) && !key.starts_with([',', ':', '}', ']', ' ', '\t', '\n', '\r']);
        let quoted = plain.then(|| memchr::memmem::Finder::new(format!("\"{key}\"").as_bytes()).into_owned());
        TopKey { key: key.to_string(), quoted }
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// [`find_top_level`] of this key in `text`, which must be one valid JSON
    /// object (a line whose record was decoded): each `"key"` in the text is
    /// tried from the first, and is the top-level key when its value and then
    /// the rest of the object (`, "k": v …` and one `}`) end the text — at a
    /// deeper level more than one bracket would close. The same answer as
    /// [`find_top_level`] (a test holds them equal), at the cost of reading
    /// the text after the key only.
    pub fn find_in_object<'t>(&self, text: &'t str) -> Option<TopLevel<'t>> {
        let Some(quoted) = &self.quoted else { return find_top_level(text, &self.key) };
        let text = strip_bom(text);
        let bytes = text.as_bytes();
        let mut from = 0;
        while let Some(at) = bytes.get(from..).and_then(|rest| quoted.find(rest)) {
            let start = from + at;
            from = start + 1;
            // an escaped quote is inside a string, not the start of one
            let backslashes = bytes.get(..start).unwrap_or_default().iter().rev().take_while(|&&b| b == b'\\').count();
            if backslashes % 2 == 1 {
                continue;
            }
            let max_depth = RecordLimits::default().max_json_depth;
            let mut reader =
                Reader { text, bytes, pos: start + self.key.len() + 2, path: Vec::new(), depth: 1, max_depth };
            if let Some(found) = value_ending_object(&mut reader) {
                return Some(found);
            }
        }
        None
    }
}

/// After a key: `: value`, then the rest of an object that ends the text.
fn value_ending_object<'t>(reader: &mut Reader<'t, '_>) -> Option<TopLevel<'t>> {
    reader.expect_byte(b':').ok()?;
    reader.skip_ws().ok()?;
    let value = if reader.peek() == Some(b'"') {
        TopLevel::Str(reader.string().ok()?)
    } else {
        let start = reader.pos;
        reader.skip_value().ok()?;
        TopLevel::Json(reader.text.get(start..reader.pos)?)
    };
    loop {
        reader.skip_ws().ok()?;
        match reader.peek() {
            Some(b'}') => {
                reader.pos += 1;
                reader.skip_ws().ok()?;
                return (reader.pos == reader.bytes.len()).then_some(value);
            }
            Some(b',') => {
                reader.pos += 1;
                reader.skip_ws().ok()?;
                if reader.peek() != Some(b'"') {
                    return None;
                }
                reader.string().ok()?;
                reader.expect_byte(b':').ok()?;
                reader.skip_ws().ok()?;
                reader.skip_value().ok()?;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_top_key_is_found_as_the_full_reader_finds_it() {
        let objects = [
            r#"{"id":"a","claim_paid":true}"#,
            r#"{"claim_paid":0,"id":"a"}"#,
            r#"{"loan":{"claim_paid":true},"claim_paid":false}"#,
            r#"{"loan":{"claim_paid":true}}"#,
            r#"{"a":[{"claim_paid":1}],"b":2}"#,
            r#"{"note":"\"claim_paid\":true}","claim_paid":null}"#,
            r#"{"x\"claim_paid":1,"claim_paid":2}"#,
            r#"{"x\\":"claim_paid","claim_paid":"yes"}"#,
            r#"{"k":"claim_paid","claim_paid" : { "deep" : [1, 2] } , "z" : 3 }"#,
            r#"{"claim_paid":true,"claim_paid":false}"#,
            r#"{"id":"b"}"#,
            "\u{feff}{\"claim_paid\":1}\r\n",
            r#"  { "claim_paid" : "a\u0041" }  "#,
        ];
        let key = TopKey::new("claim_paid");
        for text in objects {
            assert_eq!(key.find_in_object(text), find_top_level(text, "claim_paid"), "{text}");
        }
        assert_eq!(key.find_in_object(objects[2]), Some(TopLevel::Json("false")));
        let odd = TopKey::new("a\"b");
        assert_eq!(odd.find_in_object(r#"{"a\"b":1}"#), Some(TopLevel::Json("1")));
    }
    use crate::base::types::{FieldDef, RecordDef};

    fn schema() -> (Schema, RecordId) {
        let mut schema = Schema::new();
        let field = |name: &str, ty: Type| FieldDef { name: name.into(), ty, span: Default::default() };
        schema.records.push(RecordDef {
            name: "A".into(),
            fields: vec![
                field("id", Type::String),
                field("amount", Type::Money),
                field("n", Type::Int),
                field("tags", Type::List(Box::new(Type::String))),
                field("note", Type::Optional(Box::new(Type::String))),
            ],
            span: None,
        });
        (schema, RecordId(0))
    }

    fn decode(text: &str) -> Result<Value, DecodeError> {
        let (schema, id) = schema();
        decode_record(&schema, id, text)
    }

    fn error(text: &str) -> (String, String) {
        let e = decode(text).expect_err("should fail");
        (e.path, e.message)
    }

    #[test]
    fn reads_a_record_exactly() {
        let value = decode(r#"{"id":"\u5f20\"x\"","amount":0.30000000000000004,"n":-7,"tags":["a","b"],"extra":{"deep":[1,{"x":null}]}}"#)
            .expect("decodes");
        let Value::Record(fields) = value else { panic!("a record") };
        assert_eq!(fields[0], Value::Str(Text::new("张\"x\"")));
        assert_eq!(fields[1], Value::Dec("0.30000000000000004".parse().expect("decimal")));
        assert_eq!(fields[2], Value::Int(-7));
        assert_eq!(fields[4], Value::None, "a missing optional is none");
    }

    #[test]
    fn rejects_what_it_cannot_read_unambiguously() {
        let base = r#""amount":"1","n":1,"tags":[]"#;
        assert_eq!(error(&format!(r#"{{"id":"a","id":"b",{base}}}"#)), ("id".into(), "this key is given twice".into()));
        assert_eq!(error(r#"{"id":"a","amount":"1","tags":[]}"#), ("n".into(), "missing field".into()));
        assert_eq!(
            error(&format!(r#"{{"id":"a",{base}}} x"#)).1,
            "not valid JSON: unexpected text after the record at character 41"
        );
        assert_eq!(
            error(&format!(r#"{{"id":"a",{base},"tags2":{}}}"#, "[".repeat(100) + &"]".repeat(100))).1,
            "nested more than --max-json-depth (64) levels deep"
        );
        assert_eq!(
            error(r#"{"id":"a","amount":"1","n":1.5,"tags":[]}"#),
            ("n".into(), "expected a whole number within 64 bits, found `1.5`".into())
        );
        assert_eq!(
            error(r#"{"id":"a","amount":"1","n":1,"tags":["x",2]}"#),
            ("tags.1".into(), "expected a string, found a number".into())
        );
        assert!(error(r#"{"id":"a\x"}"#).1.starts_with("not valid JSON: invalid escape"));
        assert!(error("{\"id\":\"a\u{1}\"}").1.starts_with("not valid JSON: control character"));
        assert!(error(r#"{"id":"a","amount":01.}"#).1.starts_with("not valid JSON"));
        assert!(error("").1.starts_with("expected an object"));
    }

    /// A schema of `levels` records, each with an optional field `n` holding
    /// the next (and a list of them, `l`): JSON nested as deep as the type.
    fn deep_schema(levels: usize) -> Schema {
        let mut schema = Schema::new();
        let field = |name: &str, ty: Type| FieldDef { name: name.into(), ty, span: Default::default() };
        for i in 0..levels {
            let next = Type::Optional(Box::new(Type::Record(RecordId((i + 1).min(levels - 1) as u32))));
            let list = Type::Optional(Box::new(Type::List(Box::new(next.clone()))));
            schema.records.push(RecordDef {
                name: format!("R{i}"),
                fields: vec![field("n", next), field("l", list)],
                span: None,
            });
        }
        schema
    }

    /// Decodes on a thread with `stack` bytes of stack.
    fn decode_on_stack(stack: usize, schema: Schema, text: String, depth: usize) -> Result<(), DecodeError> {
        let run = move || decode_record_within(&schema, RecordId(0), &text, depth).map(|_| ());
        let thread = std::thread::Builder::new().stack_size(stack).spawn(run).expect("a thread");
        thread.join().expect("no stack overflow")
    }

    #[test]
    fn no_depth_of_input_exhausts_the_stack() {
        // values the type does not name are skipped without recursion, however deep
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let deep = format!("{{\"x\":{}1{}}}", open.repeat(200_000), close.repeat(200_000));
            let error = decode_on_stack(64 << 10, deep_schema(1), deep.clone(), usize::MAX);
            assert_eq!(error.map_err(|e| e.message), Err("nested more than --max-json-depth (512) levels deep".into()));
            assert_eq!(find_id(&format!("{}, \"id\": \"A\"}}", deep.trim_end_matches('}'))), None);
        }
        // the type itself may nest (a record may hold itself) as deep as the ceiling:
        // read on a 2 MiB stack, a spawned thread's default, even in a debug build
        // (about 3 KiB a level there, a fraction of that in release)
        let ceiling = RecordLimits::JSON_DEPTH_CEILING;
        let nested = |levels: usize| "{\"n\":".repeat(levels - 1) + "{}" + &"}".repeat(levels - 1);
        assert_eq!(decode_on_stack(2 << 20, deep_schema(ceiling + 8), nested(ceiling), usize::MAX), Ok(()));
        let lists = |levels: usize| "{\"l\":[".repeat(levels / 2) + "{}" + &"]}".repeat(levels / 2);
        assert_eq!(decode_on_stack(2 << 20, deep_schema(ceiling + 8), lists(ceiling - 1), usize::MAX), Ok(()));
        let too_deep = decode_on_stack(2 << 20, deep_schema(ceiling + 8), nested(ceiling + 1), usize::MAX);
        assert!(too_deep.is_err_and(|e| e.message.contains("(512)")));
    }

    #[test]
    fn a_byte_order_mark_before_the_record_is_ignored() {
        let record = r#"{"id":"a","amount":"1","n":1,"tags":[]}"#;
        assert_eq!(decode(&format!("\u{feff}{record}")), decode(record));
        assert!(decode(&format!("\u{feff}\u{feff}{record}")).is_err(), "only one");
        assert_eq!(find_id(&format!("\u{feff}{record}")).as_deref(), Some("a"));
    }

    #[test]
    fn numbers_are_rfc_8259_numbers() {
        let with = |n: &str, amount: &str| decode(&format!(r#"{{"id":"a","amount":{amount},"n":{n},"tags":[]}}"#));
        assert!(with("1", "1").is_ok());
        assert!(with("-0", "-0.0").is_ok());
        for n in ["0700", "+1", "01", "-01", "1.", ".5", "1e", "--1", "0x10"] {
            let message = with(n, "1").expect_err(n).message;
            assert!(message.starts_with("not valid JSON"), "{n}: {message}");
        }
        for amount in ["0700", "+1", ".5", "5.", "-"] {
            assert!(with("1", amount).expect_err(amount).message.starts_with("not valid JSON"), "{amount}");
        }
        // a decimal string follows the same grammar, and is never rounded
        for amount in [r#""0700""#, r#""+1""#, r#""1.""#, r#"" 1""#, r#""200000.000000000000000000000001""#] {
            let error = with("1", amount).expect_err(amount);
            assert_eq!(error.path, "amount", "{amount}");
        }
        assert!(with("1", "200000.000000000000000000000001").is_err_and(|e| e.message.contains("rounded")));
    }

    #[test]
    fn what_is_not_json_is_not_called_null() {
        assert_eq!(error("nope").1, "not valid JSON: expected an object, found `nope` at character 1");
        assert_eq!(error("null").1, "expected an object, found null");
        assert_eq!(
            error(r#"{"id":"a","amount":"1","n":yes,"tags":[]}"#).1,
            "not valid JSON: expected a whole number, found `yes` at character 28"
        );
        assert_eq!(
            error(r#"{"id":"a","amount":"1","n":1,"tags":[],"x":nul}"#).1,
            "not valid JSON: expected a value, found `nul` at character 44"
        );
    }

    #[test]
    fn find_id_reads_only_as_far_as_the_id() {
        assert_eq!(find_id(r#"{"id":"A1","amount":"#).as_deref(), Some("A1"));
        assert_eq!(find_id(r#" { "n": [1, {"id": "inner"}], "id" : "A\u0032" , "#).as_deref(), Some("A2"));
        assert_eq!(find_id(r#"{"amount": 5, "id": 7}"#), None);
        assert_eq!(find_id(r#"{"amount": 5 "id": "A3"}"#), None);
        assert_eq!(find_id(r#"["id", "A4"]"#), None);
        assert_eq!(find_id(""), None);
    }
}
