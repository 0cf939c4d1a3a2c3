//! The three readers of record data agree on any JSON text: the decode plan
//! ([`super::plan`]), the general reader ([`super::json`]) and the serde path
//! (`serde_json::from_str` then [`super::record::decode`]) give the same
//! value, or an error at the same path. Lines are generated with every field
//! kind in usual and odd forms: numbers as JSON numbers and as strings, huge
//! and malformed numbers, escapes (surrogate pairs, lone surrogates, control
//! characters), byte-order marks, keys in any order, missing, repeated or
//! unknown, and values nested past the depth limit.
//!
//! Where the serde path cannot agree, by what it is given: a key given twice
//! is already resolved in a `serde_json::Value` (the text readers refuse a
//! field given twice),
//! a byte-order mark is the caller's to remove, and text serde_json does not
//! parse has no path (the text readers must refuse it too).

use crate::base::source::strip_bom;
use crate::base::types::{EnumDef, EnumId, FieldDef, RecordDef, RecordId, Schema, Type};
use crate::io::json::decode_record_within;
use crate::io::plan::DecodePlan;
use proptest::prelude::*;

const DEPTH: usize = 16;

/// A schema with a field of every kind, a nested record, lists and a set.
fn schema() -> (Schema, RecordId) {
    let mut schema = Schema::new();
    let field = |name: &str, ty: Type| FieldDef { name: name.into(), ty, span: Default::default() };
    let opt = |ty: Type| Type::Optional(Box::new(ty));
    let list = |ty: Type| Type::List(Box::new(ty));
    schema.enums.push(EnumDef { name: "Level".into(), variants: vec!["branch".into(), "city".into()], span: None });
    schema.records.push(RecordDef {
        name: "Loan".into(),
        fields: vec![
            field("amount", Type::Money),
            field("term", Type::Int),
            field("next", opt(Type::Record(RecordId(0)))),
        ],
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
            field("level", Type::Enum(EnumId(1))),
            field("device", opt(Type::String)),
            field("loan", Type::Record(RecordId(0))),
            field("tags", opt(list(Type::String))),
            field("codes", opt(Type::Set(Box::new(Type::Int)))),
            field("history", opt(list(Type::Record(RecordId(0))))),
        ],
        span: None,
    });
    (schema, RecordId(1))
}

/// A string's characters written as JSON: as they are where JSON allows it,
/// else (or when `escape`) as escapes; `broken` adds an escape JSON refuses.
fn json_string(chars: &[char], escape: u8, broken: u8) -> String {
    let mut out = String::from("\"");
    for (i, &c) in chars.iter().enumerate() {
        let must = c == '"' || c == '\\' || c < ' ';
        match (escape % 4, must) {
            (0, false) => out.push(c),
            (1, _) | (0, true) if matches!(c, '"' | '\\' | '\n' | '\t' | '/') => {
                out.push('\\');
                out.push(match c {
                    '\n' => 'n',
                    '\t' => 't',
                    other => other,
                });
            }
            // a raw control character: not JSON
            (2, true) if i % 2 == 0 => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{:04X}", unit));
                }
            }
        }
    }
    match broken % 8 {
        1 => out.push_str("\\x"),
        2 => out.push_str("\\ud800"),
        3 => out.push_str("\\udc00\\ud800"),
        4 => out.push_str("\\u12"),
        _ => {}
    }
    out.push('"');
    out
}

/// Characters strings are made of: plain, Chinese, outside the BMP, quotes,
/// backslashes, control characters, the separators JavaScript refuses.
fn chars() -> impl Strategy<Value = Vec<char>> {
    let pick = prop::sample::select(vec![
        'a', 'Z', '0', '7', ' ', '-', '张', '三', '😀', '"', '\\', '/', '\n', '\t', '\u{1}', '\u{7f}', '\u{2028}', 'é',
        'X', '\u{feff}',
    ]);
    prop::collection::vec(pick, 0..12)
}

/// A string as valid JSON: mostly plain text, else with escapes.
fn good_string() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-zA-Z0-9 张三😀é_-]{0,30}".prop_map(|t| format!("\"{t}\"")),
        1 => (chars(), prop::sample::select(vec![0u8, 1, 3])).prop_map(|(c, escape)| json_string(&c, escape, 0)),
    ]
}

/// A string in any form, valid or not (raw control characters, bad escapes).
fn any_string() -> impl Strategy<Value = String> {
    (chars(), any::<u8>(), any::<u8>()).prop_map(|(c, e, b)| json_string(&c, e, b))
}

/// Number texts JSON allows: whole, fractions, exponents, up to 31 digits.
fn good_number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,4})?",
        1 => "-?(0|[1-9][0-9]{0,30})(\\.[0-9]{1,30})?([eE][-+]?[0-9]{1,4})?",
    ]
}

/// Number texts, valid and not: huge, tiny, exponents, signs, leading zeros.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        good_number(),
        "[-+]?[0-9]{0,3}\\.?[0-9]{0,3}[eE]?[-+]?[0-9]{0,2}",
        prop::sample::select(vec![
            "0",
            "-0",
            "-0.0",
            "12000.00",
            "0.0498",
            "1e400",
            "1E-400",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "79228162514264337593543950335",
            "79228162514264337593543950336",
            "0.0000000000000000000000000001",
            "0.00000000000000000000000000001",
            "1.0000000000000000000000000000000",
            "007",
            "1.",
            ".5",
            "1e",
            "+1",
            "--1",
            "0x10",
            "NaN",
            "Infinity",
        ])
        .prop_map(str::to_string),
    ]
}

/// A resident ID number with a valid check character: region, birth date, sequence.
fn id_number() -> impl Strategy<Value = String> {
    ("[1-6][0-9]{5}", 1950..2010u32, 1..13u32, 1..29u32, "[0-9]{3}").prop_map(|(region, y, m, d, seq)| {
        let body = format!("{region}{y:04}{m:02}{d:02}{seq}");
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
        let check = b"10X98765432".get((sum % 11) as usize).copied().unwrap_or(b'0') as char;
        format!("{body}{check}")
    })
}

/// A field's value in its usual, valid form.
fn usual(kind: &'static str) -> BoxedStrategy<String> {
    let quoted = |texts: Vec<&'static str>| prop::sample::select(texts).prop_map(|t| format!("\"{t}\""));
    let maybe_null = |s: BoxedStrategy<String>| prop_oneof![4 => s, 1 => Just("null".to_string())].boxed();
    let decimal = prop_oneof![good_number(), good_number().prop_map(|n| format!("\"{n}\""))].boxed();
    match kind {
        "id" => good_string().boxed(),
        "device" => maybe_null(good_string().boxed()),
        "id_number" => id_number().prop_map(|id| format!("\"{id}\"")).boxed(),
        "birth" => {
            (1900..2100u32, 1..13u32, 1..29u32).prop_map(|(y, m, d)| format!("\"{y:04}-{m:02}-{d:02}\"")).boxed()
        }
        "student" => prop::sample::select(vec!["true", "false"]).prop_map(str::to_string).boxed(),
        "score" | "term" => "-?(0|[1-9][0-9]{0,17})".boxed(),
        "rate" | "amount" => decimal,
        "phone" => "\"1[3-9][0-9]{9}\"".boxed(),
        "company" => maybe_null(quoted(vec!["91110100MA00000157", "91350100M000100Y43"]).boxed()),
        "level" => quoted(vec!["city", "branch"]).boxed(),
        "loan" => loan(2, false),
        "tags" => maybe_null(
            prop::collection::vec(good_string(), 0..3).prop_map(|items| format!("[{}]", items.join(","))).boxed(),
        ),
        "codes" => maybe_null(
            prop::collection::vec("-?[0-9]{1,5}", 0..4).prop_map(|items| format!("[{}]", items.join(", "))).boxed(),
        ),
        _ => maybe_null(
            prop::collection::vec(loan(1, false), 0..3).prop_map(|items| format!("[{}]", items.join(","))).boxed(),
        ),
    }
}

/// A field's value in an odd form: the wrong type, a malformed or huge
/// number, a bad escape, an invalid identifier or date.
fn odd(kind: &'static str) -> BoxedStrategy<String> {
    let quoted = |texts: Vec<&'static str>| prop::sample::select(texts).prop_map(|t| format!("\"{t}\""));
    let wrong = prop::sample::select(vec!["null", "true", "[]", "{}", "\"\"", "1", "nul", "[1,{\"x\":null}]", "\"x\""])
        .prop_map(str::to_string);
    let numbers = prop_oneof![number(), number().prop_map(|n| format!("\"{n}\""))];
    let specific: BoxedStrategy<String> = match kind {
        "id" | "device" => any_string().boxed(),
        "id_number" => prop_oneof![
            quoted(vec!["11010019900307013x", "110100199003070139", " 110100199003070138", "110100199002300138"]),
            "\"[0-9X]{17,19}\"",
            Just("\"\\u0031\\u0031\\u0030100199003070138\"".to_string()),
            Just("\"１１０１００１９９００３０７０１３８\"".to_string()),
        ]
        .boxed(),
        "birth" => prop_oneof![
            quoted(vec![
                "1990-02-30",
                "2001-02-29",
                "1990-3-7",
                "19900307",
                "0000-01-01",
                " 1990-03-07",
                "1990-03-07 "
            ]),
            "\"[0-9]{4}-[0-9]{2}-[0-9]{2}\"",
            Just("\"\\u0031990-03-07\"".to_string()),
        ]
        .boxed(),
        "student" => quoted(vec!["true", "0"]).boxed(),
        "score" | "term" | "rate" | "amount" | "codes" => numbers.boxed(),
        "phone" => quoted(vec!["12812345678", "+86 138-1234-5678", "1381234567", " 13812345678"]).boxed(),
        "company" => quoted(vec!["91110100MA00000158", "91110100ma00000157", "9111010"]).boxed(),
        "level" => prop_oneof![quoted(vec!["City", "town", "cit\\u0079", "city "]), any_string()].boxed(),
        "loan" => loan(2, true),
        "tags" => prop::collection::vec(any_string(), 0..3).prop_map(|items| format!("[{}]", items.join(","))).boxed(),
        _ => prop::collection::vec(loan(1, true), 0..3).prop_map(|items| format!("[{}]", items.join(","))).boxed(),
    };
    prop_oneof![3 => specific, 1 => wrong].boxed()
}

/// A loan object, its `next` loan nested `depth` more; `odd`: in odd forms too.
fn loan(depth: u32, odd: bool) -> BoxedStrategy<String> {
    let amount = if odd {
        prop_oneof![number(), number().prop_map(|n| format!("\"{n}\""))].boxed()
    } else {
        prop_oneof![good_number(), good_number().prop_map(|n| format!("\"{n}\""))].boxed()
    };
    let term = if odd { number().boxed() } else { "(0|[1-9][0-9]{0,3})".boxed() };
    let next = if depth == 0 { Just("null".to_string()).boxed() } else { loan(depth - 1, odd) };
    let shapes = if odd { 6 } else { 3 };
    (amount, term, next, any::<u8>())
        .prop_map(move |(amount, term, next, shape)| match shape % shapes {
            0 => format!("{{\"term\":{term},\"amount\":{amount}}}"),
            1 => format!("{{ \"amount\" : {amount} , \"term\" : {term}, \"next\": {next} }}"),
            2 => format!("{{\"amount\":{amount},\"term\":{term}}}"),
            3 => format!("{{\"amount\":{amount}}}"),
            4 => format!("{{\"amount\":{amount},\"term\":{term},\"x\":{}}}", nested(usize::from(shape) % 24)),
            _ => format!("{{\"amount\":{amount},\"term\":{term},\"next\":{next},\"next\":null}}"),
        })
        .boxed()
}

/// Arrays nested `depth` deep.
fn nested(depth: usize) -> String {
    "[".repeat(depth) + &"]".repeat(depth)
}

const FIELDS: [&str; 14] = [
    "id",
    "id_number",
    "birth",
    "student",
    "score",
    "rate",
    "phone",
    "company",
    "level",
    "device",
    "loan",
    "tags",
    "codes",
    "history",
];

/// A whole line: every field in its usual form but a few, then changes to
/// its shape now and then.
fn line() -> impl Strategy<Value = String> {
    let values: Vec<BoxedStrategy<String>> = FIELDS.iter().map(|&k| usual(k)).collect();
    let odd_values: Vec<BoxedStrategy<String>> = FIELDS.iter().map(|&k| odd(k)).collect();
    let odd_fields = prop::collection::vec(0..FIELDS.len(), 0..3);
    let changes = prop::collection::vec((any::<u8>(), any::<u8>()), 0..3);
    let shape = prop_oneof![3 => Just(Vec::new()), 1 => changes];
    (values, odd_values, odd_fields, shape, any::<u8>(), any::<u8>()).prop_map(
        |(values, odd_values, odd_fields, changes, head, tail)| {
            let mut members: Vec<String> = FIELDS
                .iter()
                .enumerate()
                .zip(values.into_iter().zip(odd_values))
                .map(|((i, k), (usual, odd))| format!("\"{k}\":{}", if odd_fields.contains(&i) { odd } else { usual }))
                .collect();
            for (what, at) in changes {
                let at = usize::from(at) % members.len().max(1);
                match what % 8 {
                    0 => {
                        let other = (at + 3) % members.len().max(1);
                        members.swap(at, other);
                    }
                    1 if members.len() > 1 => {
                        members.remove(at);
                    }
                    2 => members.insert(at, format!("\"extra\":{{\"deep\":{}}}", nested(usize::from(what) % 24))),
                    3 => {
                        let again = members.get(at).cloned().unwrap_or_default();
                        members.push(again);
                    }
                    4 => members.insert(at, "\"\\u0069d\":\"B\"".to_string()),
                    5 => members.insert(at, format!("\"x\":{}", nested(DEPTH - 2 + usize::from(what) % 4))),
                    6 => {
                        if let Some(m) = members.get_mut(at) {
                            *m = m.replacen(':', " :\n\t", 1);
                        }
                    }
                    _ => {}
                }
            }
            let head = if head % 16 == 0 {
                ["\u{feff}", " ", "\u{feff}\u{feff}", "\t"][usize::from(head / 16) % 4]
            } else {
                ""
            };
            let tail =
                if tail % 16 == 0 { [" ", "\n", " x", ",", "}", "\r\n"][usize::from(tail / 16) % 6] } else { "" };
            format!("{head}{{{}}}{tail}", members.join(","))
        },
    )
}

/// Whether `text` names a key twice in some object: serde_json kept one of
/// them, so its tree holds fewer keys than the text (the serde path cannot
/// see a repeat; the text readers refuse it).
fn repeats_a_key(text: &str, tree: &serde_json::Value) -> bool {
    count_keys(tree) != count_keys_in_text(text)
}

fn count_keys(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Array(items) => items.iter().map(count_keys).sum(),
        serde_json::Value::Object(map) => map.len() + map.values().map(count_keys).sum::<usize>(),
        _ => 0,
    }
}

/// The keys in a JSON text (strings followed by a colon), counted by a scan.
fn count_keys_in_text(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut count) = (0, 0);
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            while i < bytes.len() && bytes.get(i) != Some(&b'"') {
                i += if bytes.get(i) == Some(&b'\\') { 2 } else { 1 };
            }
            i += 1;
            let mut j = i;
            while matches!(bytes.get(j), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                j += 1;
            }
            if bytes.get(j) == Some(&b':') {
                count += 1;
            }
        } else {
            i += 1;
        }
    }
    count
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_plan_the_general_reader_and_the_serde_path_agree(text in line()) {
        let (schema, input) = schema();
        let plan = DecodePlan::new(&schema, input);
        let general = decode_record_within(&schema, input, &text, DEPTH);
        prop_assert_eq!(&plan.decode(&schema, &text, DEPTH), &general, "plan and general reader: {}", text);
        match serde_json::from_str::<serde_json::Value>(strip_bom(&text)) {
            Ok(json) if !repeats_a_key(strip_bom(&text), &json) => {
                let serde = super::record::decode_within(&schema, &Type::Record(input), &json, DEPTH);
                match (&serde, &general) {
                    (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", text),
                    (Err(a), Err(b)) => prop_assert_eq!(&a.path, &b.path, "{} / {}: {}", a.message, b.message, text),
                    _ => prop_assert!(false, "serde path {:?}, general reader {:?}: {}", serde, general, text),
                }
            }
            // a key given twice: the text readers refuse a field given twice and
            // read every value of an unknown key; what they accept, the serde path
            // accepts alike (it sees one of the values)
            Ok(json) => {
                if let Ok(value) = &general {
                    let serde = super::record::decode_within(&schema, &Type::Record(input), &json, DEPTH);
                    prop_assert_eq!(serde.as_ref(), Ok(value), "{}", text);
                }
            }
            // text serde_json does not parse is not a record for the text readers either
            Err(e) => prop_assert!(general.is_err(), "serde_json: {}; general reader: {:?}; {}", e, general, text),
        }
    }
}

/// The first problem of a record is the first in its text, whichever reader
/// reads it: before, the serde path checked the keys it does not know first,
/// then the fields in schema order, so it named another path.
#[test]
fn the_first_problem_in_the_text_is_the_one_reported() {
    let (schema, input) = schema();
    let deep = nested(DEPTH + 1);
    let lines = [
        // a wrong value before a key nested too deep
        format!(r#"{{"company":true,"x":{deep},"id":""}}"#),
        // a nested value too deep before a wrong one
        format!(r#"{{"x":{deep},"company":true}}"#),
        // a wrong value in a field after one that is missing in schema order
        r#"{"level":"town"}"#.to_string(),
    ];
    for text in lines {
        let general = decode_record_within(&schema, input, &text, DEPTH).map(|_| ());
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let serde = super::record::decode_within(&schema, &Type::Record(input), &json, DEPTH).map(|_| ());
        assert_eq!(serde.map_err(|e| e.path), general.map_err(|e| e.path), "{text}");
    }
}
