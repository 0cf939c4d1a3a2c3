//! A decode plan: made once per policy from its schema, it holds for every
//! record type the keys as bytes and how to read each field's value, so that a
//! line of batch input is read straight into a record without consulting the
//! schema or building error context on the way.
//!
//! The plan reads the lines batch input is made of: keys as plain strings (in
//! any order, schema order first tried), values in their usual form. It gives
//! up on the first thing it does not read itself — an escape in a key or a
//! value, a decimal beyond 18 digits, a value of the wrong type, a duplicate
//! or missing key, any JSON error — and the line is then read again, from the
//! start, by the general reader in [`super::json`], which decides whether the
//! line is a record and says where it is not. The invariant between the two:
//! every line the plan reads, the general reader reads to the same value.

use crate::base::limits::RecordLimits;
use crate::base::source::strip_bom;
use crate::base::types::{RecordId, Schema, Type};
use crate::io::json::{decode_record_within, plain_len, same_bytes, skip_value_at, value_at};
use crate::io::record::DecodeError;
use crate::value::ident::{parse_date, CreditCode, IdCard, Phone};
use crate::value::number::{parse_plain_decimal, plain_decimal_prefix};
use crate::value::text::Text;
use crate::value::Value;
use rust_decimal::Decimal;
use std::sync::Arc;

/// How to read the input records of one schema (see the module documentation).
#[derive(Debug)]
pub struct DecodePlan {
    /// Indexed by [`RecordId`].
    records: Vec<RecordPlan>,
    input: RecordId,
}

#[derive(Debug)]
struct RecordPlan {
    fields: Box<[FieldPlan]>,
    /// Bit `i` is set when field `i` must be given.
    required: u64,
    /// False for a record of more than 64 fields, which the general reader reads.
    fits: bool,
}

#[derive(Debug)]
struct FieldPlan {
    key: Box<[u8]>,
    /// `"key":`, the key as the usual line writes it.
    pattern: Box<[u8]>,
    read: Read,
    /// `null` reads as `none`.
    optional: bool,
}

/// An enum variant's name in quotes, and its first eight bytes as a number
/// with a mask, so that most other values are told apart in one comparison.
#[derive(Debug)]
struct Variant {
    quoted: Box<[u8]>,
    head: u64,
    mask: u64,
}

impl Variant {
    fn new(name: &str) -> Variant {
        let quoted: Box<[u8]> = format!("\"{name}\"").into_bytes().into();
        let mut head = [0u8; 8];
        let mut mask = [0u8; 8];
        for ((h, m), &b) in head.iter_mut().zip(mask.iter_mut()).zip(quoted.iter()) {
            (*h, *m) = (b, 0xff);
        }
        Variant { quoted, head: u64::from_le_bytes(head), mask: u64::from_le_bytes(mask) }
    }
}

/// How a field's value is read.
#[derive(Debug)]
enum Read {
    Bool,
    Int,
    Decimal,
    Date,
    Str,
    IdCard,
    Phone,
    CreditCode,
    /// The variants' names, each in quotes (`"city"`): a value matching one
    /// is that variant, with no scanning for its end.
    Enum(Box<[Variant]>),
    Record(usize),
    /// Lists and sets: by the general reader, from where the value starts.
    General(Type),
}

impl DecodePlan {
    /// The plan for records of type `input` (and the records nested in them).
    pub fn new(schema: &Schema, input: RecordId) -> DecodePlan {
        let records = schema
            .records
            .iter()
            .map(|def| {
                let fields: Box<[FieldPlan]> = def
                    .fields
                    .iter()
                    .map(|f| FieldPlan {
                        key: f.name.as_bytes().into(),
                        pattern: format!("\"{}\":", f.name).into_bytes().into(),
                        read: Read::of(schema, f.ty.unwrap_optional()),
                        optional: f.ty.is_optional(),
                    })
                    .collect();
                let required =
                    fields.iter().enumerate().filter(|(i, f)| *i < 64 && !f.optional).fold(0, |m, (i, _)| m | 1 << i);
                RecordPlan { fits: fields.len() <= 64, fields, required }
            })
            .collect();
        DecodePlan { records, input }
    }

    /// Decodes one JSON text as an input record, nested at most `max_depth`
    /// deep: by the plan when it can, else by the general reader, which also
    /// gives every error.
    pub fn decode(&self, schema: &Schema, text: &str, max_depth: usize) -> Result<Value, DecodeError> {
        let max_depth = max_depth.min(RecordLimits::JSON_DEPTH_CEILING);
        match self.read(schema, strip_bom(text), max_depth) {
            Some(record) => Ok(record),
            None => decode_record_within(schema, self.input, text, max_depth),
        }
    }

    /// The record, when the plan reads the whole line.
    fn read(&self, schema: &Schema, text: &str, max_depth: usize) -> Option<Value> {
        let mut cursor = Cursor { text, bytes: text.as_bytes(), pos: 0 };
        cursor.skip_ws();
        let record = self.record(schema, &mut cursor, self.input.0 as usize, 1, max_depth)?;
        cursor.skip_ws();
        (cursor.pos == text.len()).then_some(record)
    }

    /// Reads an object as record `id`, the object being nested `depth` deep.
    fn record(&self, schema: &Schema, c: &mut Cursor, id: usize, depth: usize, max_depth: usize) -> Option<Value> {
        let plan = self.records.get(id).filter(|p| p.fits && depth <= max_depth)?;
        c.eat(b'{')?;
        let fields = &plan.fields;
        let mut record: Arc<[Value]> = std::iter::repeat_with(|| Value::None).take(fields.len()).collect();
        let slots = Arc::get_mut(&mut record)?;
        let mut seen: u64 = 0;
        let mut next = 0;
        c.skip_ws();
        if c.eat(b'}').is_none() {
            loop {
                c.skip_ws();
                // the usual line: the next field's key, then its colon
                let index = if let Some(f) = fields.get(next).filter(|f| c.at(&f.pattern)) {
                    c.pos += f.pattern.len();
                    c.skip_ws();
                    next
                } else {
                    let index = match fields.get(next).filter(|f| c.at_key(&f.key)) {
                        Some(f) => {
                            c.pos += f.key.len() + 2;
                            next
                        }
                        None => {
                            let key = c.plain_string()?.as_bytes();
                            match fields.iter().position(|f| same_bytes(&f.key, key)) {
                                Some(i) => i,
                                None => {
                                    c.colon()?;
                                    skip_value_at(c.text, &mut c.pos, depth, max_depth)?;
                                    if c.comma_or_end(b'}')? {
                                        break;
                                    }
                                    continue;
                                }
                            }
                        }
                    };
                    c.colon()?;
                    index
                };
                let bit = 1u64 << index;
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
                let (field, slot) = (fields.get(index)?, slots.get_mut(index)?);
                self.value(schema, c, field, depth, max_depth, slot)?;
                next = index + 1;
                if c.comma_or_end(b'}')? {
                    break;
                }
            }
        }
        (seen & plan.required == plan.required).then_some(Value::Record(record))
    }

    /// Reads the value of `field` of a record nested `depth` deep into `slot`.
    /// Each kind is stored in place: a value built first and then moved there
    /// was written in parts and read back whole, which stalls the CPU.
    fn value(
        &self,
        schema: &Schema,
        c: &mut Cursor,
        field: &FieldPlan,
        depth: usize,
        max_depth: usize,
        slot: &mut Value,
    ) -> Option<()> {
        if c.peek() == b'n' {
            // the slot is still `none`
            return (field.optional && c.eat_word(b"null")).then_some(());
        }
        match &field.read {
            Read::Bool => {
                if c.eat_word(b"true") {
                    *slot = Value::Bool(true);
                } else if c.eat_word(b"false") {
                    *slot = Value::Bool(false);
                } else {
                    return None;
                }
            }
            Read::Int => *slot = Value::Int(c.int()?),
            Read::Decimal => {
                *slot = Value::Dec(if c.peek() == b'"' {
                    c.quoted_decimal()?
                } else {
                    parse_plain_decimal(c.number()?.as_bytes())?
                })
            }
            Read::Date => *slot = Value::Date(parse_date(c.fixed_string(10).or_else(|| c.plain_string())?)?),
            Read::Str => *slot = Value::Str(Text::new(c.plain_string()?)),
            // 18 characters accepted by `IdCard::parse` are digits and `X`: no escapes
            Read::IdCard => {
                let text = c.fixed_string(18).or_else(|| c.plain_string())?;
                *slot = Value::IdCard(IdCard::parse(text).ok()?);
            }
            Read::Phone => *slot = Value::Phone(Phone::parse(c.plain_string()?).ok()?),
            Read::CreditCode => *slot = Value::CreditCode(CreditCode::parse(c.plain_string()?).ok()?),
            Read::Enum(variants) => {
                let next = c.next_word();
                let index = variants.iter().position(|v| next & v.mask == v.head && c.at(&v.quoted))?;
                c.pos += variants.get(index).map_or(0, |v| v.quoted.len());
                *slot = Value::Enum(index as u32);
            }
            Read::Record(id) => *slot = self.record(schema, c, *id, depth + 1, max_depth)?,
            Read::General(ty) => *slot = value_at(schema, ty, c.text, &mut c.pos, depth, max_depth)?,
        }
        Some(())
    }
}

impl Read {
    fn of(schema: &Schema, ty: &Type) -> Read {
        match ty {
            Type::Bool => Read::Bool,
            Type::Int => Read::Int,
            Type::Decimal | Type::Money => Read::Decimal,
            Type::Date => Read::Date,
            Type::String => Read::Str,
            Type::IdCard => Read::IdCard,
            Type::Phone => Read::Phone,
            Type::CreditCode => Read::CreditCode,
            Type::Enum(id) => Read::Enum(
                schema
                    .enum_def(*id)
                    .map(|def| def.variants.iter().map(|v| Variant::new(v)).collect())
                    .unwrap_or_default(),
            ),
            Type::Record(id) => Read::Record(id.0 as usize),
            other => Read::General(other.clone()),
        }
    }
}

/// The place in the line being read; every method leaves it unspecified when
/// it returns `None` (the line is then read again from the start).
struct Cursor<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
}

impl<'t> Cursor<'t> {
    /// The byte at the cursor; 0 at the end (a 0 byte is never valid there).
    #[inline]
    fn peek(&self) -> u8 {
        self.bytes.get(self.pos).copied().unwrap_or(0)
    }

    #[inline]
    fn skip_ws(&mut self) {
        while matches!(self.peek(), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    #[inline]
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek() == byte).then(|| self.pos += 1)
    }

    fn eat_word(&mut self, word: &[u8]) -> bool {
        let found = self.bytes.get(self.pos..self.pos + word.len()) == Some(word);
        if found {
            self.pos += word.len();
        }
        found
    }

    /// The next eight bytes as a number (zeros past the end of the line).
    #[inline]
    fn next_word(&self) -> u64 {
        match self.bytes.get(self.pos..self.pos + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
            Some(word) => u64::from_le_bytes(word),
            None => {
                let mut word = [0u8; 8];
                for (w, &b) in word.iter_mut().zip(self.bytes.get(self.pos..).unwrap_or_default()) {
                    *w = b;
                }
                u64::from_le_bytes(word)
            }
        }
    }

    /// True when `bytes` come next.
    #[inline]
    fn at(&self, bytes: &[u8]) -> bool {
        self.bytes.get(self.pos..self.pos + bytes.len()).is_some_and(|b| same_bytes(b, bytes))
    }

    /// True when the key `"key"` starts at the cursor.
    #[inline]
    fn at_key(&self, key: &[u8]) -> bool {
        let start = self.pos + 1;
        self.peek() == b'"'
            && self.bytes.get(start..start + key.len()).is_some_and(|k| same_bytes(k, key))
            && self.bytes.get(start + key.len()) == Some(&b'"')
    }

    /// `:` after a key, with any white space around it.
    #[inline]
    fn colon(&mut self) -> Option<()> {
        if self.peek() != b':' {
            self.skip_ws();
        }
        self.eat(b':')?;
        self.skip_ws();
        Some(())
    }

    /// After a value: `,` (false) or `close` (true).
    #[inline]
    fn comma_or_end(&mut self, close: u8) -> Option<bool> {
        let mut byte = self.peek();
        if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            self.skip_ws();
            byte = self.peek();
        }
        self.pos += 1;
        match byte {
            b',' => Some(false),
            b if b == close => Some(true),
            _ => None,
        }
    }

    /// A string without escapes at the cursor, without its quotes.
    #[inline]
    fn plain_string(&mut self) -> Option<&'t str> {
        if self.peek() != b'"' {
            return None;
        }
        let start = self.pos + 1;
        let end = start + plain_len(self.bytes.get(start..)?);
        if self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        // the text is a `str` and `"` is ASCII, so the slice is on char boundaries
        self.text.get(start..end)
    }

    /// The `len` bytes between quotes at the cursor when the second quote
    /// follows them; else `None` and the cursor stays. The bytes are not
    /// checked — they may hold a quote, a backslash or a control character —
    /// so only a caller whose parser accepts none of those may use this (a
    /// date: digits and dashes; an ID number: digits and `X`).
    #[inline]
    fn fixed_string(&mut self, len: usize) -> Option<&'t str> {
        let end = self.pos + 1 + len;
        if self.peek() != b'"' || self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        let text = self.text.get(self.pos + 1..end)?;
        self.pos = end + 1;
        Some(text)
    }

    /// A decimal in quotes (`"12.50"`) of the form [`parse_plain_decimal`]
    /// reads, read as it is scanned.
    #[inline]
    fn quoted_decimal(&mut self) -> Option<Decimal> {
        let start = self.pos + 1;
        let (decimal, len) = plain_decimal_prefix(self.bytes.get(start..)?)?;
        if self.bytes.get(start + len) != Some(&b'"') {
            return None;
        }
        self.pos = start + len + 1;
        Some(decimal)
    }

    /// A number's text of the form `-?digits(.digits)?`, which is all
    /// [`parse_plain_decimal`] reads; an exponent is left to the general reader.
    fn number(&mut self) -> Option<&'t str> {
        let start = self.pos;
        while matches!(self.peek(), b'0'..=b'9' | b'.' | b'-') {
            self.pos += 1;
        }
        if matches!(self.peek(), b'e' | b'E' | b'+') {
            return None;
        }
        self.text.get(start..self.pos)
    }

    /// A whole number of at most 18 digits (longer ones, leading zeros and
    /// fractions are left to the general reader).
    fn int(&mut self) -> Option<i64> {
        let negative = self.eat(b'-').is_some();
        let start = self.pos;
        if self.peek() == b'0' && self.bytes.get(start + 1).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let mut n: i64 = 0;
        while let digit @ b'0'..=b'9' = self.peek() {
            if self.pos - start == 18 {
                return None;
            }
            n = n * 10 + i64::from(digit - b'0');
            self.pos += 1;
        }
        if self.pos == start || matches!(self.peek(), b'.' | b'e' | b'E') {
            return None;
        }
        Some(if negative { -n } else { n })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::types::{EnumDef, FieldDef, RecordDef};

    /// A schema with a field of every kind the plan reads, a nested record
    /// and a list (which it leaves to the general reader).
    fn schema() -> (Schema, RecordId) {
        let mut schema = Schema::new();
        let field = |name: &str, ty: Type| FieldDef { name: name.into(), ty, span: Default::default() };
        let opt = |ty: Type| Type::Optional(Box::new(ty));
        schema.enums.push(EnumDef { name: "Level".into(), variants: vec!["branch".into(), "city".into()], span: None });
        schema.records.push(RecordDef {
            name: "Loan".into(),
            fields: vec![field("amount", Type::Money), field("term", Type::Int)],
            span: None,
        });
        schema.records.push(RecordDef {
            name: "Applicant".into(),
            fields: vec![
                field("id", Type::String),
                field("id_number", Type::IdCard),
                field("birth", Type::Date),
                field("student", Type::Bool),
                field("score", Type::Int),
                field("rate", Type::Decimal),
                field("phone", Type::Phone),
                field("company", opt(Type::CreditCode)),
                field("level", Type::Enum(crate::base::types::EnumId(1))),
                field("device", opt(Type::String)),
                field("loan", Type::Record(RecordId(0))),
                field("tags", opt(Type::List(Box::new(Type::String)))),
            ],
            span: None,
        });
        (schema, RecordId(1))
    }

    /// Each field's usual value first, then forms the plan leaves to the
    /// general reader or that are errors.
    const FIELDS: [(&str, &[&str]); 12] = [
        ("id", &[r#""A1""#, r#""A\u0031""#, "7", "null", r#""张三""#]),
        (
            "id_number",
            &[
                r#""110100199003070138""#,
                r#""110100199003070139""#,
                r#"" 110100199003070138""#,
                "1",
                r#""１１０１００１９９００３０７０１３８""#,
                r#""11010019900307013x""#,
            ],
        ),
        ("birth", &[r#""1990-03-07""#, r#""1990-02-30""#, r#""1990-3-7""#, "19900307"]),
        ("student", &["false", "true", "null", "tru", "0"]),
        (
            "score",
            &[
                "720",
                "-3",
                "007",
                "1.5",
                "1e2",
                "123456789012345678",
                "1234567890123456789",
                "-",
                "\"7\"",
                "-0",
                "+1",
                "0",
            ],
        ),
        (
            "rate",
            &[
                r#""0.0498""#,
                "0.0498",
                "-12.50",
                "1e-2",
                r#""1.""#,
                "01.5",
                r#""12345678901234567890.5""#,
                "-.5",
                r#""0700""#,
                r#""+1""#,
                r#"" 1.5""#,
                r#""200000.000000000000000000000001""#,
                "200000.000000000000000000000001",
                "1.0000000000000000000000000000000",
                "1e400",
                r#""1.5E2""#,
                "-0.0",
                "0.5",
            ],
        ),
        ("phone", &[r#""13812345678""#, r#""+86 138-1234-5678""#, r#""12812345678""#, "13812345678"]),
        ("company", &[r#""91110100MA00000157""#, "null", r#""91110100MA00000158""#]),
        ("level", &[r#""city""#, r#""branch""#, r#""town""#, r#""cit\u0079""#]),
        ("device", &[r#""0fbac5e3c00d""#, "null", r#""a\"b""#, "[]"]),
        (
            "loan",
            &[
                r#"{"amount":"1000.00","term":12}"#,
                r#"{"term":12,"amount":"1000.00"}"#,
                r#"{"amount":"1"}"#,
                r#"{ "amount" : 5 , "term" : 1 }"#,
                "{}",
            ],
        ),
        ("tags", &[r#"["a","b"]"#, "null", "[]", r#"["a",1]"#]),
    ];

    /// A small deterministic generator (no dependency needed for this).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    fn line(rng: &mut Lcg, usual: bool) -> String {
        let mut parts: Vec<String> = FIELDS
            .iter()
            .map(|(key, forms)| {
                let form = if usual || rng.below(4) > 0 { forms[0] } else { forms[rng.below(forms.len())] };
                let ws = if !usual && rng.below(8) == 0 { " " } else { "" };
                format!("{ws}\"{key}\"{ws}:{ws}{form}{ws}")
            })
            .collect();
        if !usual {
            match rng.below(8) {
                0 => parts.swap(rng.below(12), rng.below(12)),
                1 => {
                    parts.remove(rng.below(12));
                }
                2 => parts.insert(rng.below(12), r#""extra":{"x":[1,null,"y"]}"#.into()),
                3 => {
                    let again = parts[rng.below(12)].clone();
                    parts.push(again);
                }
                4 => parts.insert(rng.below(12), r#""\u0069d":"B""#.into()),
                _ => {}
            }
        }
        let tail = if !usual && rng.below(16) == 0 { ["", " x", ",", "\n", "\r"][rng.below(5)] } else { "" };
        let head = if !usual && rng.below(16) == 0 { ["\u{feff}", " ", "\u{feff}\u{feff}"][rng.below(3)] } else { "" };
        format!("{head}{{{}}}{tail}", parts.join(","))
    }

    #[test]
    fn the_plan_reads_what_the_general_reader_reads_and_leaves_the_rest_to_it() {
        let (schema, input) = schema();
        let plan = DecodePlan::new(&schema, input);
        let mut rng = Lcg(42);
        let (mut by_plan, mut total) = (0, 0);
        for round in 0..20_000 {
            let text = line(&mut rng, round % 10 == 0);
            let general = decode_record_within(&schema, input, &text, 64);
            if let Some(value) = plan.read(&schema, &text, 64) {
                assert_eq!(Ok(&value), general.as_ref(), "{text}");
                by_plan += 1;
            }
            assert_eq!(plan.decode(&schema, &text, 64), general, "{text}");
            // the serde path (the embedding API) reads every record the text readers
            // read, to the same value; and serde_json's grammar is the readers' grammar
            let parsed = serde_json::from_str::<serde_json::Value>(crate::base::source::strip_bom(&text));
            match (&general, parsed) {
                (Ok(value), Ok(json)) => {
                    let serde = crate::io::record::decode_within(&schema, &Type::Record(input), &json, 64);
                    assert_eq!(serde.as_ref(), Ok(value), "{text}");
                }
                (Ok(_), Err(e)) => panic!("serde_json refuses what the reader reads ({e}): {text}"),
                // the readers stop at the first problem, which may come before a syntax error
                (Err(_), _) => {}
            }
            total += 1;
        }
        // the usual lines (one in ten, and some of the others) are read by the plan
        assert!(by_plan > total / 10, "the plan read {by_plan} of {total} lines");
    }

    #[test]
    fn the_usual_line_is_read_by_the_plan_and_depth_limits_hold() {
        let (schema, input) = schema();
        let plan = DecodePlan::new(&schema, input);
        let text = line(&mut Lcg(1), true);
        assert!(plan.read(&schema, &text, 64).is_some(), "{text}");
        // the nested loan object is two deep and the tags list two
        assert!(plan.read(&schema, &text, 2).is_some());
        assert_eq!(plan.read(&schema, &text, 1), None);
        assert_eq!(plan.decode(&schema, &text, 1), decode_record_within(&schema, input, &text, 1));
        assert!(plan.decode(&schema, &text, 1).is_err());
    }
}
