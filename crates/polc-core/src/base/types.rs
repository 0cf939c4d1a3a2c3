//! The static types of §4 and the schema (enums and records) a policy declares.

use crate::base::source::Span;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnumId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(pub u32);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Int,
    Decimal,
    Money,
    Date,
    Duration,
    String,
    IdCard,
    CreditCode,
    Phone,
    Enum(EnumId),
    Record(RecordId),
    Optional(Box<Type>),
    Set(Box<Type>),
    List(Box<Type>),
    /// The type of the literal `none` before it meets an optional.
    NoneLiteral,
    /// A type already reported as wrong; it matches anything so one mistake
    /// gives one error.
    Error,
}

impl Type {
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Decimal | Type::Error)
    }

    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_))
    }

    /// The type inside an optional, or the type itself.
    pub fn unwrap_optional(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner,
            other => other,
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Type::Error)
    }

    /// Types that `<`, `<=`, `>`, `>=` and ranges apply to.
    pub fn is_ordered(&self) -> bool {
        matches!(self, Type::Int | Type::Decimal | Type::Money | Type::Date | Type::Error)
    }
}

/// Every enum and record of a program; built-in `Sex` is enum 0.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub enums: Vec<EnumDef>,
    pub records: Vec<RecordDef>,
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    pub variants: Vec<String>,
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct RecordDef {
    pub name: String,
    pub fields: Vec<FieldDef>,
    pub span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct FieldDef {
    pub name: String,
    pub ty: Type,
    pub span: Span,
}

pub const SEX: EnumId = EnumId(0);

impl Schema {
    pub fn new() -> Schema {
        let sex = EnumDef { name: "Sex".into(), variants: vec!["male".into(), "female".into()], span: None };
        Schema { enums: vec![sex], records: Vec::new() }
    }

    pub fn enum_def(&self, id: EnumId) -> Option<&EnumDef> {
        self.enums.get(id.0 as usize)
    }

    pub fn record(&self, id: RecordId) -> Option<&RecordDef> {
        self.records.get(id.0 as usize)
    }

    pub fn variant_name(&self, id: EnumId, variant: u32) -> &str {
        self.enum_def(id).and_then(|e| e.variants.get(variant as usize)).map_or("?", String::as_str)
    }

    /// Displays a type the way a policy author writes it.
    pub fn display<'a>(&'a self, ty: &'a Type) -> TypeDisplay<'a> {
        TypeDisplay { schema: self, ty }
    }
}

pub struct TypeDisplay<'a> {
    schema: &'a Schema,
    ty: &'a Type,
}

impl fmt::Display for TypeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = |ty| self.schema.display(ty);
        match self.ty {
            Type::Bool => f.write_str("Bool"),
            Type::Int => f.write_str("Int"),
            Type::Decimal => f.write_str("Decimal"),
            Type::Money => f.write_str("Money"),
            Type::Date => f.write_str("Date"),
            Type::Duration => f.write_str("Duration"),
            Type::String => f.write_str("String"),
            Type::IdCard => f.write_str("IdCard"),
            Type::CreditCode => f.write_str("CreditCode"),
            Type::Phone => f.write_str("Phone"),
            Type::Enum(id) => f.write_str(self.schema.enum_def(*id).map_or("?", |e| e.name.as_str())),
            Type::Record(id) => f.write_str(self.schema.record(*id).map_or("?", |r| r.name.as_str())),
            Type::Optional(inner) => write!(f, "{}?", d(inner)),
            Type::Set(inner) => write!(f, "set<{}>", d(inner)),
            Type::List(inner) => write!(f, "list<{}>", d(inner)),
            Type::NoneLiteral => f.write_str("none"),
            Type::Error => f.write_str("{unknown}"),
        }
    }
}
