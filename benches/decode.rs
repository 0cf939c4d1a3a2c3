//! `cargo bench --bench decode`: the general JSON reader (`io::json`, the one
//! that reads every line the decode plan gives up on, and gives every error)
//! against a serde `DeserializeSeed` that decodes a line straight into a typed
//! `Value` as serde_json parses it, without a tree, and against the serde path
//! of the embedding API (a `serde_json::Value` tree, then `io::record::decode`).
//! The decode plan is shown for scale.
//!
//! Lines: the generated consumer-loan workload (see `examples/gen_workload.rs`),
//! as written (the plan's lines), and the same lines with the id's first
//! character escaped (`"A\u0030…"`), which the plan leaves to the general
//! reader. Every reader must decode every line to the same value.

#![expect(clippy::panic, reason = "a benchmark that cannot set up fails loudly")]

use polc_core::base::types::{RecordId, Schema, Type};
use polc_core::value::ident::{parse_date, CreditCode, IdCard, Phone};
use polc_core::value::number::{parse_decimal, parse_int};
use polc_core::value::text::Text;
use polc_core::value::{SetValue, Value};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

/// How serde_json (with `arbitrary_precision`) hands a number to `deserialize_any`:
/// a map of one entry, this key and the number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The reader's state: the schema, the path to the value at fault, the depth.
struct Ctx<'s> {
    schema: &'s Schema,
    path: RefCell<Vec<String>>,
    max_depth: usize,
}

/// Decodes one value of type `ty`, `depth` containers deep.
struct Seed<'c, 's> {
    ctx: &'c Ctx<'s>,
    ty: &'s Type,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        match self.ty {
            Type::Optional(_) => deserializer.deserialize_option(self),
            Type::Record(_) => deserializer.deserialize_map(self),
            Type::List(_) | Type::Set(_) => deserializer.deserialize_seq(self),
            _ => deserializer.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a value of type {:?}", self.ty)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        match self.ty {
            Type::Optional(_) => Ok(Value::None),
            _ => Err(E::custom("required, but null")),
        }
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        let Type::Optional(inner) = self.ty else { return Err(de::Error::custom("not optional")) };
        Seed { ctx: self.ctx, ty: inner, depth: self.depth }.deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        match self.ty {
            Type::Bool => Ok(Value::Bool(b)),
            _ => Err(E::custom("expected a value of another type, found a boolean")),
        }
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        match self.ty {
            Type::Int => Ok(Value::Int(n)),
            Type::Decimal | Type::Money => Ok(Value::Dec(n.into())),
            _ => Err(E::custom("expected a value of another type, found a number")),
        }
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        match self.ty {
            Type::Int => i64::try_from(n).map(Value::Int).map_err(|_| E::custom("not within 64 bits")),
            Type::Decimal | Type::Money => Ok(Value::Dec(n.into())),
            _ => Err(E::custom("expected a value of another type, found a number")),
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Value, E> {
        self.visit_str(s)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(match self.ty {
            Type::String => Value::Str(Text::new(s)),
            Type::Decimal | Type::Money => Value::Dec(parse_decimal(s).map_err(E::custom)?),
            Type::Date => Value::Date(parse_date(s).ok_or_else(|| E::custom(format!("`{s}` is not a date")))?),
            Type::IdCard => Value::IdCard(IdCard::parse(s).map_err(E::custom)?),
            Type::Phone => Value::Phone(Phone::parse(s).map_err(E::custom)?),
            Type::CreditCode => Value::CreditCode(CreditCode::parse(s).map_err(E::custom)?),
            Type::Enum(id) => {
                let def = self.ctx.schema.enum_def(*id).ok_or_else(|| E::custom("unknown enum"))?;
                let v = def.variants.iter().position(|v| v == s).ok_or_else(|| E::custom("not a variant"))?;
                Value::Enum(v as u32)
            }
            _ => return Err(E::custom("expected a value of another type, found a string")),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Type::Record(id) = self.ty else {
            // a number, as serde_json hands it over: its exact text
            let key: Option<std::borrow::Cow<'de, str>> = map.next_key()?;
            if key.as_deref() != Some(NUMBER_TOKEN) {
                return Err(de::Error::custom("expected a value of another type, found an object"));
            }
            let text: String = map.next_value()?;
            return match self.ty {
                Type::Int => parse_int(&text).map(Value::Int).ok_or_else(|| de::Error::custom("not a whole number")),
                Type::Decimal | Type::Money => parse_decimal(&text).map(Value::Dec).map_err(de::Error::custom),
                _ => Err(de::Error::custom("expected a value of another type, found a number")),
            };
        };
        let depth = self.depth + 1;
        if depth > self.ctx.max_depth {
            return Err(de::Error::custom("nested too deep"));
        }
        let def = self.ctx.schema.record(*id).ok_or_else(|| de::Error::custom("unknown record"))?;
        let mut fields: Vec<Option<Value>> = vec![None; def.fields.len()];
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match def.fields.iter().position(|f| f.name == *key) {
                Some(i) => {
                    let field = &def.fields[i];
                    if fields[i].is_some() {
                        self.ctx.path.borrow_mut().push(field.name.clone());
                        return Err(de::Error::custom("this key is given twice"));
                    }
                    let seed = Seed { ctx: self.ctx, ty: &field.ty, depth };
                    match map.next_value_seed(seed) {
                        Ok(value) => fields[i] = Some(value),
                        Err(e) => {
                            self.ctx.path.borrow_mut().push(field.name.clone());
                            return Err(e);
                        }
                    }
                }
                None => drop(map.next_value::<IgnoredAny>()?),
            }
        }
        let mut values = Vec::with_capacity(fields.len());
        for (field, value) in def.fields.iter().zip(fields) {
            match value {
                Some(v) => values.push(v),
                None if field.ty.is_optional() => values.push(Value::None),
                None => {
                    self.ctx.path.borrow_mut().push(field.name.clone());
                    return Err(de::Error::custom("missing field"));
                }
            }
        }
        Ok(Value::Record(values.into()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let (Type::List(inner) | Type::Set(inner)) = self.ty else {
            return Err(de::Error::custom("expected a value of another type, found an array"));
        };
        let depth = self.depth + 1;
        if depth > self.ctx.max_depth {
            return Err(de::Error::custom("nested too deep"));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Seed { ctx: self.ctx, ty: inner, depth })? {
            items.push(item);
        }
        Ok(match self.ty {
            Type::Set(_) => {
                let mut set = SetValue::new();
                for v in &items {
                    set.insert(v);
                }
                Value::Set(Arc::new(set))
            }
            _ => Value::List(items.into()),
        })
    }
}

/// A line decoded by the seed: the record, or the error with its path.
fn decode_with_seed(schema: &Schema, record: RecordId, text: &str) -> Result<Value, (String, String)> {
    let ctx = Ctx { schema, path: RefCell::new(Vec::new()), max_depth: 64 };
    let ty = Type::Record(record);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = Seed { ctx: &ctx, ty: &ty, depth: 0 }.deserialize(&mut deserializer).and_then(|value| {
        deserializer.end()?;
        Ok(value)
    });
    result.map_err(|e| {
        let path: Vec<String> = ctx.path.borrow().iter().rev().cloned().collect();
        (path.join("."), e.to_string())
    })
}

fn workload(n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polc-bench-{n}"));
    if !dir.join("applicants.jsonl").exists() {
        let status = Command::new(env!("CARGO"))
            .args(["run", "--release", "--quiet", "-p", "polc", "--example", "gen_workload", "--"])
            .arg(&dir)
            .args(["--n", &n.to_string()])
            .status();
        assert!(status.is_ok_and(|s| s.success()), "generating the workload failed");
    }
    dir
}

/// The best of `rounds` passes of `decode` over `lines`, in ns a line; every
/// line must decode.
fn time(lines: &[String], rounds: usize, decode: impl Fn(&str) -> Option<Value>) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        let mut kept = Vec::with_capacity(lines.len());
        for line in lines {
            kept.push(decode(line).unwrap_or_else(|| panic!("not decoded: {line}")));
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e9 / lines.len() as f64);
        drop(kept);
    }
    best
}

fn main() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    if let Err(error) = std::env::set_current_dir(root) {
        eprintln!("cannot enter the workspace root: {error}");
    }
    let n: usize = std::env::var("POLC_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rounds: usize = std::env::var("POLC_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let dir = workload(n);
    let compilation = polc::compile(Path::new("policies/consumer_loan.pol"), &polc::FsLoader);
    let Some(program) = compilation.program else { panic!("the policy does not compile") };
    let (schema, input) = (&program.schema, program.input.record);
    let text = std::fs::read_to_string(dir.join("applicants.jsonl")).unwrap_or_default();
    let usual: Vec<String> = text.lines().map(str::to_string).collect();
    let escaped: Vec<String> = usual.iter().map(|l| l.replacen("\"id\":\"A", "\"id\":\"A\\u0030", 1)).collect();
    let plan = polc_core::io::plan::DecodePlan::new(schema, input);

    // every reader reads every line to the same value
    for line in usual.iter().chain(&escaped).step_by(97) {
        let general = polc_core::io::json::decode_record(schema, input, line).ok();
        assert!(general.is_some(), "{line}");
        let seed = decode_with_seed(schema, input, line);
        assert_eq!(seed.as_ref().ok(), general.as_ref(), "seed ({:?}): {line}", seed.as_ref().err());
        let tree: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        assert_eq!(polc_core::io::record::decode(schema, &Type::Record(input), &tree).ok(), general, "serde: {line}");
        assert_eq!(plan.decode(schema, line, 64).ok(), general, "plan: {line}");
    }

    // POLC_BENCH_ONLY=general|seed|tree|plan|none decodes each line once with
    // one reader and prints nothing (for instruction counts under callgrind;
    // `none` is the setup alone, to subtract)
    if let Ok(only) = std::env::var("POLC_BENCH_ONLY") {
        let lines = if std::env::var_os("POLC_BENCH_ESCAPED").is_some() { &escaped } else { &usual };
        let decode = |line: &str| -> Option<Value> {
            match only.as_str() {
                "general" => polc_core::io::json::decode_record(schema, input, line).ok(),
                "seed" => decode_with_seed(schema, input, line).ok(),
                "tree" => {
                    let json: serde_json::Value = serde_json::from_str(line).ok()?;
                    polc_core::io::record::decode(schema, &Type::Record(input), &json).ok()
                }
                "plan" => plan.decode(schema, line, 64).ok(),
                _ => Some(Value::None),
            }
        };
        let decoded = lines.iter().filter_map(|l| decode(l)).count();
        assert_eq!(decoded, lines.len());
        return;
    }

    println!("decoding {} workload lines, best of {rounds} rounds, ns/line:", usual.len());
    for (what, lines) in [("as written", &usual), ("id escaped (the plan gives up)", &escaped)] {
        let general = time(lines, rounds, |l| polc_core::io::json::decode_record(schema, input, l).ok());
        let seed = time(lines, rounds, |l| decode_with_seed(schema, input, l).ok());
        let tree = time(lines, rounds, |l| {
            let json: serde_json::Value = serde_json::from_str(l).ok()?;
            polc_core::io::record::decode(schema, &Type::Record(input), &json).ok()
        });
        let by_plan = time(lines, rounds, |l| plan.decode(schema, l, 64).ok());
        println!(
            "  {what}: general reader {general:.0}, serde DeserializeSeed {seed:.0}, serde_json::Value + \
             record::decode {tree:.0}; decode plan (falling back to the general reader) {by_plan:.0}"
        );
    }
}
