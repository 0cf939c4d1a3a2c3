//! The built-in functions, defined once: [`BUILTINS`] gives each its name,
//! signature, checker rule, one-line documentation and an example, and
//! [`evaluate`] computes each. The type checker checks calls from the table,
//! the evaluators dispatch on [`Builtin`] to [`evaluate`], the language
//! reference's table is checked against it, and [`builtins`] lists them for
//! completion. A new built-in is one entry here and one arm of [`evaluate`].

use crate::base::types::{Type, SEX};
use crate::ir::ops::OpError;
use crate::ir::{Builtin, Quantifier};
use crate::value::ident::whole_units_between;
use crate::value::text::Text;
use crate::value::{DurationUnit, Value};
use chrono::NaiveDate;
use rust_decimal::RoundingStrategy;

/// One built-in function.
#[derive(Debug)]
pub struct BuiltinDef {
    /// The name a policy calls it by.
    pub name: &'static str,
    /// What a call of it lowers to.
    pub function: Function,
    /// How the type checker checks a call.
    pub check: Check,
    /// The call as the language reference shows it, e.g. `round(x, places)`.
    pub signature: &'static str,
    /// What it gives, in one line (the reference's second column).
    pub doc: &'static str,
    /// An expression calling it, as a policy would (checked to compile).
    pub example: &'static str,
}

/// What a call lowers to: a built-in function, or a quantifier over a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Builtin(Builtin),
    Quantifier(Quantifier),
}

/// The type checker's rule for a call.
#[derive(Debug)]
pub enum Check {
    /// One argument a parameter, each of one of the parameter's types.
    Args { params: &'static [Param], returns: Returns },
    /// Two or more values of one ordered type (Int and Decimal together are
    /// Decimal); the result has that type.
    SameOrdered,
    /// One list or set; the result is an Int.
    Collection,
    /// A list and a lambda over its elements (`any(xs, x => …)`).
    Lambda,
    /// A Money field of the input, as a path (`requested(applicant.loan.amount)`);
    /// the result is Money.
    InputPath,
}

/// One parameter: the types it accepts; with `widens_int`, an Int argument
/// is widened to Decimal first.
#[derive(Debug)]
pub struct Param {
    pub accepts: &'static [Type],
    pub widens_int: bool,
}

/// The result type of a call checked by [`Check::Args`].
#[derive(Debug)]
pub enum Returns {
    /// Always this type.
    Type(Type),
    /// The first argument's type (after widening).
    First,
}

impl BuiltinDef {
    /// How many arguments a call takes: at least the first, at most the second
    /// (`None`: no upper bound).
    pub fn arity(&self) -> (usize, Option<usize>) {
        match &self.check {
            Check::Args { params, .. } => (params.len(), Some(params.len())),
            Check::SameOrdered => (2, None),
            Check::Collection => (1, Some(1)),
            Check::Lambda => (2, Some(2)),
            Check::InputPath => (1, Some(1)),
        }
    }
}

const fn param(accepts: &'static [Type]) -> Param {
    Param { accepts, widens_int: false }
}

const DATE: Param = param(&[Type::Date]);
const STRING: Param = param(&[Type::String]);
const ID_CARD: Param = param(&[Type::IdCard]);
const BETWEEN: &[Param] = &[DATE, DATE];

/// Every built-in function, in the order the reference and the messages list them.
pub static BUILTINS: &[BuiltinDef] = &[
    BuiltinDef {
        name: "years_between",
        function: Function::Builtin(Builtin::Between(DurationUnit::Years)),
        check: Check::Args { params: BETWEEN, returns: Returns::Type(Type::Int) },
        signature: "years_between(d1, d2)",
        doc: "Int: whole years from d1 to d2 (negative when d2 is earlier); a 29 February birthday is \
              reached on 1 March in a non-leap year",
        example: "years_between(applicant.birth_date, as_of) >= 18",
    },
    BuiltinDef {
        name: "months_between",
        function: Function::Builtin(Builtin::Between(DurationUnit::Months)),
        check: Check::Args { params: BETWEEN, returns: Returns::Type(Type::Int) },
        signature: "months_between(d1, d2)",
        doc: "Int: whole months from d1 to d2 (negative when d2 is earlier)",
        example: "months_between(applicant.employed_since, as_of) < 6",
    },
    BuiltinDef {
        name: "days_between",
        function: Function::Builtin(Builtin::Between(DurationUnit::Days)),
        check: Check::Args { params: BETWEEN, returns: Returns::Type(Type::Int) },
        signature: "days_between(d1, d2)",
        doc: "Int: days from d1 to d2 (negative when d2 is earlier)",
        example: "days_between(applicant.employed_since, as_of) > 90",
    },
    BuiltinDef {
        name: "min",
        function: Function::Builtin(Builtin::Min),
        check: Check::SameOrdered,
        signature: "min(a, b, …)",
        doc: "the least of two or more Int, Decimal, Money or Date values",
        example: "min(applicant.monthly_income, 50000 CNY) > 3000 CNY",
    },
    BuiltinDef {
        name: "max",
        function: Function::Builtin(Builtin::Max),
        check: Check::SameOrdered,
        signature: "max(a, b, …)",
        doc: "the greatest of two or more Int, Decimal, Money or Date values",
        example: "max(applicant.monthly_debt, 1000 CNY) > 20000 CNY",
    },
    BuiltinDef {
        name: "abs",
        function: Function::Builtin(Builtin::Abs),
        check: Check::Args { params: &[param(&[Type::Int, Type::Decimal, Type::Money])], returns: Returns::First },
        signature: "abs(x)",
        doc: "the magnitude of an Int, Decimal or Money, of its own type",
        example: "abs(applicant.balance) > 1000 CNY",
    },
    BuiltinDef {
        name: "round",
        function: Function::Builtin(Builtin::Round),
        check: Check::Args {
            params: &[Param { accepts: &[Type::Decimal, Type::Money], widens_int: true }, param(&[Type::Int])],
            returns: Returns::First,
        },
        signature: "round(x, places)",
        doc: "a Decimal or Money rounded half away from zero (`round(2.5, 0) == 3`, `round(-2.5, 0) == -3`) \
              to 0–28 places",
        example: "round(applicant.monthly_debt / applicant.monthly_income, 2) <= 50%",
    },
    BuiltinDef {
        name: "len",
        function: Function::Builtin(Builtin::Len),
        check: Check::Args { params: &[STRING], returns: Returns::Type(Type::Int) },
        signature: "len(s)",
        doc: "Int: the characters in a String (`len(\"张三\") == 2`)",
        example: "len(applicant.name) < 2",
    },
    BuiltinDef {
        name: "starts_with",
        function: Function::Builtin(Builtin::StartsWith),
        check: Check::Args {
            params: &[param(&[Type::String, Type::IdCard, Type::Phone, Type::CreditCode]), STRING],
            returns: Returns::Type(Type::Bool),
        },
        signature: "starts_with(s, prefix)",
        doc: "Bool: whether a String, IdCard, Phone or CreditCode (as its 18 / 11 characters) starts with \
              the prefix",
        example: "starts_with(applicant.phone, \"170\")",
    },
    BuiltinDef {
        name: "birth_date",
        function: Function::Builtin(Builtin::BirthDate),
        check: Check::Args { params: &[ID_CARD], returns: Returns::Type(Type::Date) },
        signature: "birth_date(id)",
        doc: "Date: the birth date an IdCard holds",
        example: "years_between(birth_date(applicant.id_number), as_of) < 18",
    },
    BuiltinDef {
        name: "sex",
        function: Function::Builtin(Builtin::Sex),
        check: Check::Args { params: &[ID_CARD], returns: Returns::Type(Type::Enum(SEX)) },
        signature: "sex(id)",
        doc: "`Sex`: `male` or `female`, from an IdCard",
        example: "sex(applicant.id_number) == female",
    },
    BuiltinDef {
        name: "region",
        function: Function::Builtin(Builtin::Region),
        check: Check::Args { params: &[ID_CARD], returns: Returns::Type(Type::String) },
        signature: "region(id)",
        doc: "String: the 6-digit region code of an IdCard",
        example: "region(applicant.id_number) == \"110101\"",
    },
    BuiltinDef {
        name: "any",
        function: Function::Quantifier(Quantifier::Any),
        check: Check::Lambda,
        signature: "any(xs, x => cond)",
        doc: "Bool: whether the condition holds for some item of a `list<T>`",
        example: "any(applicant.loans, l => l.overdue)",
    },
    BuiltinDef {
        name: "all",
        function: Function::Quantifier(Quantifier::All),
        check: Check::Lambda,
        signature: "all(xs, x => cond)",
        doc: "Bool: whether the condition holds for every item of a `list<T>`; `all` of nothing is true",
        example: "all(applicant.loans, l => not l.overdue)",
    },
    BuiltinDef {
        name: "count",
        function: Function::Builtin(Builtin::Count),
        check: Check::Collection,
        signature: "count(xs)",
        doc: "Int: the items in a list or set",
        example: "count(applicant.loans) > 3",
    },
    BuiltinDef {
        name: "sum",
        function: Function::Quantifier(Quantifier::Sum),
        check: Check::Lambda,
        signature: "sum(xs, x => expr)",
        doc: "the sum of an Int, Decimal or Money over the items of a `list<T>`; the sum of nothing is zero",
        example: "sum(applicant.loans, l => l.balance) > 500000 CNY",
    },
    BuiltinDef {
        name: "requested",
        function: Function::Builtin(Builtin::Requested),
        check: Check::InputPath,
        signature: "requested(path)",
        doc: "Money: the amount at a Money field of the input as the application requested it, before a \
              `limit`'s counter-offer (elsewhere the field reads the offered amount)",
        example: "requested(applicant.balance) > 1000 CNY",
    },
];

/// Every built-in function (for completion and documentation).
pub fn builtins() -> &'static [BuiltinDef] {
    BUILTINS
}

/// The built-in functions' table of the language reference, in Markdown.
pub fn reference_table() -> String {
    let mut out = String::from("| function | result | example |\n|---|---|---|\n");
    for def in BUILTINS {
        out.push_str(&format!("| `{}` | {} | `{}` |\n", def.signature, def.doc, def.example));
    }
    out
}

/// The built-in function called `name`.
pub fn lookup(name: &str) -> Option<&'static BuiltinDef> {
    BUILTINS.iter().find(|def| def.name == name)
}

impl Builtin {
    /// This function's entry in [`BUILTINS`].
    pub fn def(self) -> Option<&'static BuiltinDef> {
        BUILTINS.iter().find(|def| def.function == Function::Builtin(self))
    }

    /// The name a policy calls it by.
    pub fn name(self) -> &'static str {
        self.def().map_or("?", |def| def.name)
    }
}

/// The value of `builtin` called with `args` (already type-checked, so their
/// number and kinds are the table's; anything else is an internal error).
pub fn evaluate(builtin: Builtin, args: &[&Value]) -> Result<Value, OpError> {
    let unexpected = OpError::Unexpected("built-in called with unexpected values");
    let first = args.first().copied().unwrap_or(&Value::None);
    let second = args.get(1).copied().unwrap_or(&Value::None);
    Ok(match builtin {
        Builtin::Between(unit) => match (first, second) {
            (Value::Date(a), Value::Date(b)) => Value::Int(between(unit, *a, *b)),
            _ => return Err(unexpected),
        },
        Builtin::Min | Builtin::Max => {
            let want = if builtin == Builtin::Min { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater };
            let mut best = first;
            for &v in args.iter().skip(1) {
                if v.compare(best) == Some(want) {
                    best = v;
                }
            }
            best.clone()
        }
        Builtin::Abs => match first {
            Value::Int(i) => Value::Int(i.checked_abs().ok_or(OpError::IntegerOverflow)?),
            Value::Dec(d) => Value::Dec(d.abs()),
            _ => return Err(unexpected),
        },
        Builtin::Round => match (first, second) {
            (Value::Dec(d), Value::Int(places)) => {
                let places = u32::try_from(*places).ok().filter(|p| *p <= 28).ok_or(OpError::RoundPlaces(*places))?;
                Value::Dec(d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero))
            }
            _ => return Err(unexpected),
        },
        Builtin::Len => match first {
            Value::Str(s) => Value::Int(s.chars().count() as i64),
            _ => return Err(unexpected),
        },
        Builtin::StartsWith => match second {
            Value::Str(prefix) => Value::Bool(match first {
                Value::Str(s) => s.starts_with(&**prefix),
                Value::IdCard(v) => v.to_string().starts_with(&**prefix),
                Value::Phone(v) => v.to_string().starts_with(&**prefix),
                Value::CreditCode(v) => v.to_string().starts_with(&**prefix),
                _ => false,
            }),
            _ => return Err(unexpected),
        },
        Builtin::BirthDate => match first {
            Value::IdCard(id) => Value::Date(id.birth_date().ok_or(OpError::NoBirthDate)?),
            _ => return Err(unexpected),
        },
        Builtin::Sex => match first {
            Value::IdCard(id) => Value::Enum(if id.is_male() { 0 } else { 1 }),
            _ => return Err(unexpected),
        },
        Builtin::Region => match first {
            Value::IdCard(id) => Value::Str(Text::from(id.region())),
            _ => return Err(unexpected),
        },
        // the evaluators read the argument from the record as it came (not the offer)
        Builtin::Requested => first.clone(),
        Builtin::Count => match first {
            Value::List(items) => Value::Int(items.len() as i64),
            Value::Set(set) => Value::Int(set.len() as i64),
            _ => return Err(unexpected),
        },
    })
}

/// `years_between`, `months_between`, `days_between`: whole units from `from`
/// to `to` (the compiled closures call this too).
#[inline]
pub fn between(unit: DurationUnit, from: NaiveDate, to: NaiveDate) -> i64 {
    whole_units_between(from, to, unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_function_is_in_the_table_once_and_lowers_to_itself() {
        for (i, def) in BUILTINS.iter().enumerate() {
            assert_eq!(lookup(def.name).map(|d| d.name), Some(def.name));
            assert!(BUILTINS.iter().skip(i + 1).all(|other| other.name != def.name), "{}", def.name);
            if let Function::Builtin(builtin) = def.function {
                assert_eq!(builtin.name(), def.name);
            }
            assert!(def.signature.starts_with(&format!("{}(", def.name)), "{}", def.name);
            assert!(def.example.contains(&format!("{}(", def.name)), "{}", def.name);
        }
    }

    /// Every example in the table (and so in the language reference) compiles.
    #[test]
    fn every_example_compiles() {
        let mut source = String::from(
            "policy examples version \"1\"\n\
             record Loan { balance: Money, overdue: Bool }\n\
             record Applicant {\n  id: String\n  name: String\n  id_number: IdCard\n  phone: Phone\n  \
             birth_date: Date\n  employed_since: Date\n  monthly_income: Money\n  monthly_debt: Money\n  \
             balance: Money\n  loans: list<Loan>\n}\n\
             input applicant: Applicant\n",
        );
        for (i, def) in BUILTINS.iter().enumerate() {
            source.push_str(&format!("rule E{i:02} decline when {}\n", def.example));
        }
        let compilation =
            crate::compile_source(std::path::Path::new("examples.pol"), &source, &crate::MemoryLoader::new());
        let errors: Vec<_> = compilation.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty() && compilation.program.is_some(), "{errors:#?}\n{source}");
    }
}
