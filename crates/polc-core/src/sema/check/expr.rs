//! Type-checking of expressions: resolves names, widens Int to Decimal, enforces
//! the Money rules, narrows optionals after `exists` (flow typing).

use super::{let_id, Checker};
use crate::base::codes::Code;
use crate::base::diag::{closest, did_you_mean, Diagnostic};
use crate::base::source::Span;
use crate::base::types::{EnumId, Type};
use crate::ir::{ArithOp, CmpOp, Expr, ExprKind};
use crate::sema::resolve::DeclKind;
use crate::syntax::ast::{self, BinOp, ExprKind as A};
use crate::value::ident::{CreditCode, IdCard, Phone};
use crate::value::text::Text;
use crate::value::{SetValue, Value};
use std::sync::Arc;

impl Checker<'_> {
    /// Checks an expression; `expected` guides bare enum variants and
    /// identifier strings. The type found is noted in the index, if one is made.
    pub(crate) fn expr(&mut self, e: &ast::Expr, expected: Option<&Type>) -> Expr {
        let checked = self.expr_of_kind(e, expected);
        self.index_type(e.span, &checked.ty);
        checked
    }

    // inlined into `expr`, so that checking costs no extra call per expression
    #[inline(always)]
    fn expr_of_kind(&mut self, e: &ast::Expr, expected: Option<&Type>) -> Expr {
        let span = e.span;
        let constant = |v: Value, t: Type| Expr::constant(v, t, span);
        match &e.kind {
            A::Int(i) => constant(Value::Int(*i), Type::Int),
            A::Decimal(d) | A::Percent(d) => constant(Value::Dec(*d), Type::Decimal),
            A::Money(d) => constant(Value::Dec(*d), Type::Money),
            A::Date(d) => constant(Value::Date(*d), Type::Date),
            A::Duration(n, unit) => constant(Value::Duration(*n, *unit), Type::Duration),
            A::Str(s) => self.string_literal(s, span, expected),
            A::Bool(b) => constant(Value::Bool(*b), Type::Bool),
            A::None => constant(Value::None, Type::NoneLiteral),
            A::AsOf => Expr::new(ExprKind::AsOf, Type::Date, span),
            A::Name(ident) => self.name(ident, expected),
            A::Field(target, field) => self.field(e, target, field),
            A::Call(name, args) => self.call(name, args, span),
            A::Lambda(..) => {
                self.report(
                    Diagnostic::error(Code::T0217, "a lambda can only be an argument of `any`, `all` or `sum`")
                        .at(span, "not allowed here"),
                );
                error_expr(span)
            }
            A::Neg(operand) => {
                let inner = self.expr(operand, expected);
                let inner = self.require_value(inner);
                match inner.ty {
                    Type::Int | Type::Decimal | Type::Money | Type::Error => {
                        let ty = inner.ty.clone();
                        Expr::new(ExprKind::Neg(Box::new(inner)), ty, span)
                    }
                    _ => {
                        let shown = self.show(&inner.ty);
                        self.report(
                            Diagnostic::error(Code::T0204, format!("cannot negate `{shown}`"))
                                .at(inner.span, format!("this is `{shown}`")),
                        );
                        error_expr(span)
                    }
                }
            }
            A::Not(operand) => {
                let inner = self.expr(operand, Some(&Type::Bool));
                let inner = self.coerce(inner, &Type::Bool, "`not`");
                Expr::new(ExprKind::Not(Box::new(inner)), Type::Bool, span)
            }
            A::Binary(op, left, right) => self.binary(*op, left, right, span),
            A::Exists(operand) => {
                let inner = self.expr(operand, None);
                if !inner.ty.is_optional() && !inner.ty.is_error() {
                    let shown = self.show(&inner.ty);
                    self.report(
                        Diagnostic::warning(Code::W0506, "`exists` on a value that is never `none`")
                            .at(inner.span, format!("this is `{shown}`, not optional"))
                            .help("remove the `exists` test: it is always true"),
                    );
                }
                Expr::new(ExprKind::Exists(Box::new(inner)), Type::Bool, span)
            }
            A::In(element, set) => self.membership(element, set, span),
            A::InRange(value, lo_ast, hi_ast) => {
                let value = self.expr(value, None);
                let value = self.require_value(value);
                let lo = self.expr(lo_ast, Some(&value.ty));
                let hi = self.expr(hi_ast, Some(&value.ty));
                let (value, lo) = self.unify_ordered(value, lo, "in a range");
                let (value, hi) = self.unify_ordered(value, hi, "in a range");
                let (lo, hi) = self.unify_ordered(lo, hi, "in a range");
                if [&value, &lo, &hi].iter().any(|e| e.ty.is_error()) {
                    return error_expr(span);
                }
                super::lint::whole_number_rate(self, &value, &[lo_ast, hi_ast]);
                Expr::new(ExprKind::InRange(Box::new(value), Box::new(lo), Box::new(hi)), Type::Bool, span)
            }
            A::Set(items) => self.set_literal(items, span, expected),
            A::InHalfOpen(x, lo, hi) => self.half_open(x, lo, hi, span),
            A::If(c, a, b) => self.if_expr(c, a, b, span, expected),
            A::Match(m) => self.match_expr(m, span, expected),
        }
    }

    fn string_literal(&mut self, s: &str, span: Span, expected: Option<&Type>) -> Expr {
        let parsed = match expected.map(Type::unwrap_optional) {
            Some(Type::IdCard) => Some(IdCard::parse(s).map(Value::IdCard).map(|v| (v, Type::IdCard))),
            Some(Type::Phone) => Some(Phone::parse(s).map(Value::Phone).map(|v| (v, Type::Phone))),
            Some(Type::CreditCode) => Some(CreditCode::parse(s).map(Value::CreditCode).map(|v| (v, Type::CreditCode))),
            _ => None,
        };
        match parsed {
            Some(Ok((value, ty))) => Expr::constant(value, ty, span),
            Some(Err(message)) => {
                self.report(Diagnostic::error(Code::T0216, message).at(span, "invalid identifier literal"));
                error_expr(span)
            }
            None => Expr::constant(Value::Str(Text::new(s)), Type::String, span),
        }
    }

    // -------------------------------------------------------------- names and fields

    fn name(&mut self, ident: &ast::Ident, expected: Option<&Type>) -> Expr {
        let span = ident.span;
        let name = ident.name.as_str();
        if let Some((_, slot, ty)) = self.locals.iter().rev().find(|(n, _, _)| n == name) {
            let (slot, ty) = (*slot, ty.clone());
            let ty = self.narrow(name, ty);
            self.index_parameter(span, name);
            return Expr::new(ExprKind::Local(slot), ty, span);
        }
        if let Some((input, record)) = &self.input {
            if input == name {
                let record = *record;
                self.index_use(span, self.decls.inputs.first().map(|i| i.name.span));
                return Expr::new(ExprKind::Input, Type::Record(record), span);
            }
        }
        if let Some(index) = self.let_by_name(name) {
            self.index_use(span, self.decls.lets.get(index).map(|l| l.name.span));
            self.used.insert(name.to_string());
            if self.let_in_progress(index) {
                self.report(
                    Diagnostic::error(Code::N0114, format!("`{name}` is defined in terms of itself"))
                        .at(span, "used inside its own definition")
                        .help("lets cannot depend on themselves, directly or through other lets"),
                );
                return error_expr(span);
            }
            let ty = self.let_expr(index).unwrap_or(Type::Error);
            let ty = self.narrow(name, ty);
            return Expr::new(ExprKind::Let(let_id(index)), ty, span);
        }
        if let Some(index) = self.const_by_name(name) {
            self.index_use(span, self.decls.consts.get(index).map(|c| c.name.span));
            self.used.insert(name.to_string());
            if self.versioned.contains_key(name) {
                return self.versioned_const(name, span);
            }
            if self.const_in_progress(index) {
                self.report(
                    Diagnostic::error(Code::N0114, format!("`{name}` is defined in terms of itself"))
                        .at(span, "used inside its own definition"),
                );
                return error_expr(span);
            }
            return match self.const_value(index) {
                Some((value, ty)) => Expr::constant(value, ty, span),
                None => error_expr(span),
            };
        }
        if let Some((id, ty)) = self.list_by_name(name) {
            self.index_use(span, self.decls.lists.get(id.0 as usize).map(|(l, _)| l.name.span));
            self.used.insert(name.to_string());
            return Expr::new(ExprKind::List(id), ty, span);
        }
        // A bare enum variant where an enum is expected, or one no other enum has.
        if let Some(Type::Enum(id)) = expected.map(Type::unwrap_optional) {
            if let Some(v) = self.variant_index(*id, name) {
                self.index_variant(span, *id, v);
                return Expr::constant(Value::Enum(v), Type::Enum(*id), span);
            }
        }
        let owners: Vec<(EnumId, u32)> = self.variant_owners(name).to_vec();
        if let [(id, v)] = owners.as_slice() {
            self.index_variant(span, *id, *v);
            return Expr::constant(Value::Enum(*v), Type::Enum(*id), span);
        }
        if owners.len() > 1 {
            let names: Vec<String> =
                owners.iter().map(|(id, _)| format!("`{}.{name}`", self.schema.variant_enum_name(*id))).collect();
            self.report(
                Diagnostic::error(Code::T0213, format!("`{name}` is a variant of more than one enum"))
                    .at(span, "which enum is meant cannot be told here")
                    .help(format!("write {}", names.join(" or "))),
            );
            return error_expr(span);
        }
        if let Some(Type::Enum(id)) = expected.map(Type::unwrap_optional) {
            let variants = self.schema.enum_def(*id).map(|e| e.variants.clone()).unwrap_or_default();
            let enum_name = self.schema.variant_enum_name(*id).to_string();
            let help = did_you_mean(name, variants.iter().map(String::as_str));
            self.report(
                Diagnostic::error(Code::N0106, format!("`{name}` is not a variant of `{enum_name}`"))
                    .at(span, format!("expected a `{enum_name}`"))
                    .maybe_fix(span, closest(name, variants.iter().map(String::as_str)))
                    .help(help.unwrap_or_else(|| format!("the variants are: {}", variants.join(", ")))),
            );
            return error_expr(span);
        }
        self.unknown_name(ident);
        error_expr(span)
    }

    fn unknown_name(&mut self, ident: &ast::Ident) {
        // a type or fixture where a value is meant still names its declaration,
        // and so does a declaration that does not parse
        self.index_use(ident.span, self.decls.names.get(&ident.name).map(|(_, span)| *span));
        self.index_broken(ident.span, &ident.name);
        // a declaration that failed (to parse, or to check) was reported already
        if self.touched_by_broken(&ident.name)
            || matches!(
                self.name_kind(&ident.name),
                Some(DeclKind::Input | DeclKind::Let | DeclKind::Const | DeclKind::List)
            )
        {
            return;
        }
        let mut candidates: Vec<String> = self.decls.names.keys().cloned().collect();
        candidates.extend(self.locals.iter().map(|(n, _, _)| n.clone()));
        let help = did_you_mean(&ident.name, candidates.iter().map(String::as_str));
        let d = match self.name_kind(&ident.name) {
            Some(kind) => {
                Diagnostic::error(Code::T0218, format!("`{}` names {}, not a value", ident.name, kind.with_article()))
                    .at(ident.span, "not a value")
            }
            None => Diagnostic::error(Code::N0103, format!("unknown name `{}`", ident.name))
                .at(ident.span, "not declared")
                .maybe_fix(ident.span, closest(&ident.name, candidates.iter().map(String::as_str)))
                .maybe_help(help),
        };
        self.report(d);
    }

    fn variant_index(&self, id: EnumId, name: &str) -> Option<u32> {
        self.variant_owners(name).iter().find(|(owner, _)| *owner == id).map(|&(_, v)| v)
    }

    /// Strips the optional from a path proven to exist here.
    fn narrow(&self, key: &str, ty: Type) -> Type {
        match ty {
            Type::Optional(inner) if self.narrowed.iter().any(|k| k == key) => *inner,
            other => other,
        }
    }

    fn field(&mut self, whole: &ast::Expr, target: &ast::Expr, field: &ast::Ident) -> Expr {
        // `Level.city`: a qualified enum variant.
        if let A::Name(name) = &target.kind {
            if let Some(id) = self.enum_by_name(&name.name).filter(|_| !self.is_value_name(&name.name)) {
                self.index_type_name(name.span, &Type::Enum(id));
                return match self.variant_index(id, &field.name) {
                    Some(v) => {
                        self.index_variant(field.span, id, v);
                        Expr::constant(Value::Enum(v), Type::Enum(id), whole.span)
                    }
                    None => {
                        let variants = self.schema.enum_def(id).map(|e| e.variants.clone()).unwrap_or_default();
                        let help = did_you_mean(&field.name, variants.iter().map(String::as_str));
                        self.report(
                            Diagnostic::error(
                                Code::N0106,
                                format!("`{}` is not a variant of `{}`", field.name, name.name),
                            )
                            .at(field.span, "no such variant")
                            .maybe_fix(field.span, closest(&field.name, variants.iter().map(String::as_str)))
                            .help(help.unwrap_or_else(|| format!("the variants are: {}", variants.join(", ")))),
                        );
                        error_expr(whole.span)
                    }
                };
            }
        }
        let target = self.expr(target, None);
        let record = match &target.ty {
            Type::Record(r) => *r,
            Type::Error => return error_expr(whole.span),
            Type::Optional(inner) if matches!(**inner, Type::Record(_)) => {
                if let Type::Record(record) = **inner {
                    // the field is known even where the record may be `none`
                    if let Some(at) = self.field_position(record, &field.name) {
                        self.index_field(field.span, record, at);
                    }
                }
                let key = path_key(whole).map(|k| k.rsplit_once('.').map_or(k.clone(), |(head, _)| head.to_string()));
                let d = Diagnostic::error(Code::T0203, "this record may be `none`")
                    .at(target.span, "optional: may be `none`")
                    .help(format!("guard it first: `{} exists and …`", key.unwrap_or_else(|| "x".to_string())));
                self.report(d);
                return error_expr(whole.span);
            }
            other => {
                let shown = self.show(other);
                self.report(
                    Diagnostic::error(Code::T0219, format!("`{shown}` has no fields"))
                        .at(field.span, format!("`.{}` on `{shown}`", field.name)),
                );
                return error_expr(whole.span);
            }
        };
        let Some(def) = self.schema.record(record) else {
            return error_expr(whole.span);
        };
        match self.field_position(record, &field.name) {
            Some(index) => {
                self.index_field(field.span, record, index);
                let Some(def) = self.schema.record(record) else { return error_expr(whole.span) };
                let mut ty = def.fields.get(index).map_or(Type::Error, |f| f.ty.clone());
                // only an optional field is narrowed (`x exists and …`): no
                // path written out for the others
                if matches!(ty, Type::Optional(_)) {
                    if let Some(key) = path_key(whole) {
                        ty = self.narrow(&key, ty);
                    }
                }
                Expr::new(ExprKind::Field(Box::new(target), index as u32), ty, whole.span)
            }
            None => {
                let help = did_you_mean(&field.name, def.fields.iter().map(|f| f.name.as_str()));
                let record_name = def.name.clone();
                self.report(
                    Diagnostic::error(Code::N0105, format!("unknown field `{}` on `{record_name}`", field.name))
                        .at(field.span, format!("not a field of `{record_name}`"))
                        .maybe_fix(field.span, closest(&field.name, def.fields.iter().map(|f| f.name.as_str())))
                        .maybe_help(help),
                );
                error_expr(whole.span)
            }
        }
    }

    fn is_value_name(&self, name: &str) -> bool {
        self.locals.iter().any(|(n, _, _)| n == name)
            || self.input.as_ref().is_some_and(|(n, _)| n == name)
            || self.let_by_name(name).is_some()
            || self.const_by_name(name).is_some()
            || self.list_by_name(name).is_some()
    }

    /// A bare name that names nothing declared (so may be an enum variant).
    fn is_bare_unknown(&self, e: &ast::Expr) -> bool {
        matches!(&e.kind, A::Name(n) if !self.is_value_name(&n.name))
    }

    // -------------------------------------------------------------- coercion

    /// Converts `e` to `target`: Int widens to Decimal, T to T?, `none` to any T?.
    pub(crate) fn coerce(&mut self, e: Expr, target: &Type, context: &str) -> Expr {
        if e.ty == *target || e.ty.is_error() || target.is_error() {
            return e;
        }
        match (&e.ty, target) {
            (Type::Int, Type::Decimal) => widen(e),
            (Type::NoneLiteral, Type::Optional(_)) => Expr { ty: target.clone(), ..e },
            (inner, Type::Optional(t)) if inner == &**t => Expr { ty: target.clone(), ..e },
            (Type::Int, Type::Optional(t)) if **t == Type::Decimal => {
                let w = widen(e);
                Expr { ty: target.clone(), ..w }
            }
            (Type::Set(a), Type::Set(b)) if **a == Type::Int && **b == Type::Decimal => {
                Expr { ty: target.clone(), ..e }
            }
            (Type::Int | Type::Decimal, Type::Money) => {
                self.money_with_number(&e, context);
                error_expr(e.span)
            }
            (Type::Optional(inner), t) if **inner == *t || (**inner == Type::Int && *t == Type::Decimal) => {
                self.optional_used(&e);
                error_expr(e.span)
            }
            _ => {
                let (found, wanted) = (self.show(&e.ty), self.show(target));
                self.report(
                    Diagnostic::error(Code::T0201, format!("expected `{wanted}`, found `{found}`"))
                        .at(e.span, format!("this is `{found}`"))
                        .help(format!("{context} needs a `{wanted}`")),
                );
                error_expr(e.span)
            }
        }
    }

    /// Rejects an optional where a value is needed (T0203).
    pub(crate) fn require_value(&mut self, e: Expr) -> Expr {
        if e.ty.is_optional() {
            self.optional_used(&e);
            return error_expr(e.span);
        }
        e
    }

    fn optional_used(&mut self, e: &Expr) {
        let shown = self.show(&e.ty);
        let subject = self.snippet_hint(e);
        self.report(
            Diagnostic::error(Code::T0203, format!("`{shown}` may be `none` here"))
                .at(e.span, "may be `none`")
                .help(format!("guard it with `{subject} exists and …`, or give a default: `{subject} ?? …`")),
        );
    }

    fn snippet_hint(&self, e: &Expr) -> String {
        fn key(e: &Expr, checker: &Checker<'_>) -> Option<String> {
            match &e.kind {
                ExprKind::Input => checker.input.as_ref().map(|(n, _)| n.clone()),
                ExprKind::Let(id) => checker.decls.lets.get(id.0 as usize).map(|l| l.name.name.clone()),
                ExprKind::Local(slot) => checker.locals.iter().find(|(_, s, _)| s == slot).map(|(n, _, _)| n.clone()),
                ExprKind::Field(target, index) => {
                    let Type::Record(r) = target.ty else {
                        return None;
                    };
                    let field = checker.schema.record(r)?.fields.get(*index as usize)?.name.clone();
                    Some(format!("{}.{field}", key(target, checker)?))
                }
                _ => None,
            }
        }
        key(e, self).unwrap_or_else(|| "x".to_string())
    }

    fn money_with_number(&mut self, number: &Expr, context: &str) {
        let shown = self.show(&number.ty);
        let example = match &number.kind {
            ExprKind::Const(Value::Int(i)) => format!("{} CNY", group_thousands(&i.to_string())),
            ExprKind::Const(Value::Dec(d)) => format!("{d} CNY"),
            _ => "an amount such as `200_000 CNY`".to_string(),
        };
        let help = if example.ends_with("CNY") {
            format!("write `{example}` for an amount of money")
        } else {
            format!("write {example}")
        };
        self.report(
            Diagnostic::error(Code::T0202, format!("{context} mixes `Money` with a bare `{shown}`"))
                .at(number.span, format!("this is `{shown}`, not `Money`"))
                .maybe_fix(number.span, Some(example.as_str()).filter(|e| e.ends_with("CNY")))
                .help(help),
        );
    }

    fn unify_ordered(&mut self, a: Expr, b: Expr, context: &str) -> (Expr, Expr) {
        let (a, b) = self.unify(a, b, context);
        if !a.ty.is_ordered() {
            let shown = self.show(&a.ty);
            self.report(
                Diagnostic::error(Code::T0212, format!("`{shown}` values have no order"))
                    .at(a.span, format!("this is `{shown}`"))
                    .help("`<`, `<=`, `>`, `>=` and ranges apply to Int, Decimal, Money and Date; use `==` or `in`"),
            );
            return (error_expr(a.span), b);
        }
        (a, b)
    }

    /// Brings two operands to one type (Int widens to Decimal); reports a mismatch.
    fn unify(&mut self, a: Expr, b: Expr, context: &str) -> (Expr, Expr) {
        let a = self.require_value(a);
        let b = self.require_value(b);
        if a.ty == b.ty || a.ty.is_error() || b.ty.is_error() {
            return (a, b);
        }
        match (&a.ty, &b.ty) {
            (Type::Int, Type::Decimal) => (widen(a), b),
            (Type::Decimal, Type::Int) => (a, widen(b)),
            (Type::Money, Type::Int | Type::Decimal) => {
                self.money_with_number(&b, &format!("comparing {context}"));
                (a, error_expr(b.span))
            }
            (Type::Int | Type::Decimal, Type::Money) => {
                self.money_with_number(&a, &format!("comparing {context}"));
                (error_expr(a.span), b)
            }
            (Type::Date, Type::Date) => (a, b),
            _ => {
                let (left, right) = (self.show(&a.ty), self.show(&b.ty));
                self.report(
                    Diagnostic::error(Code::T0201, format!("cannot compare `{left}` with `{right}`"))
                        .at(b.span, format!("this is `{right}`"))
                        .also(a.span, format!("this is `{left}`")),
                );
                (a, error_expr(b.span))
            }
        }
    }

    // -------------------------------------------------------------- operators

    fn binary(&mut self, op: BinOp, left: &ast::Expr, right: &ast::Expr, span: Span) -> Expr {
        match op {
            BinOp::And | BinOp::Or => {
                let context = if op == BinOp::And { "`and`" } else { "`or`" };
                let l = self.expr(left, Some(&Type::Bool));
                let l = self.coerce(l, &Type::Bool, context);
                // the right operand runs only when the left is true (and) / false (or)
                let facts = exists_facts(left, op == BinOp::And);
                let before = self.narrowed.len();
                self.narrowed.extend(facts);
                let r = self.expr(right, Some(&Type::Bool));
                let r = self.coerce(r, &Type::Bool, context);
                self.narrowed.truncate(before);
                let kind = if op == BinOp::And { ExprKind::And } else { ExprKind::Or };
                Expr::new(kind(Box::new(l), Box::new(r)), Type::Bool, span)
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (l, r) = if self.is_bare_unknown(left) && !self.is_bare_unknown(right) {
                    let r = self.expr(right, None);
                    let l = self.expr(left, Some(&r.ty));
                    (l, r)
                } else {
                    let l = self.expr(left, None);
                    let r = self.expr(right, Some(&l.ty));
                    (l, r)
                };
                let cmp = match op {
                    BinOp::Eq => CmpOp::Eq,
                    BinOp::Ne => CmpOp::Ne,
                    BinOp::Lt => CmpOp::Lt,
                    BinOp::Le => CmpOp::Le,
                    BinOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                let context = format!("with `{}`", op.symbol());
                let (l, r) = if matches!(cmp, CmpOp::Eq | CmpOp::Ne) {
                    self.unify(l, r, &context)
                } else {
                    self.unify_ordered(l, r, &context)
                };
                if l.ty.is_error() || r.ty.is_error() {
                    // reported already: the comparison has no type to give an outer error
                    return error_expr(span);
                }
                super::lint::whole_number_rate(self, &l, &[right]);
                super::lint::whole_number_rate(self, &r, &[left]);
                if matches!(l.ty, Type::Record(_) | Type::List(_) | Type::Set(_) | Type::Duration) {
                    let shown = self.show(&l.ty);
                    self.report(
                        Diagnostic::error(Code::T0204, format!("`{shown}` values cannot be compared"))
                            .at(span, "not comparable"),
                    );
                    return error_expr(span);
                }
                Expr::new(ExprKind::Compare(cmp, Box::new(l), Box::new(r)), Type::Bool, span)
            }
            BinOp::Coalesce => {
                let l = self.expr(left, None);
                let inner = match &l.ty {
                    Type::Optional(inner) => (**inner).clone(),
                    Type::Error => Type::Error,
                    other => {
                        let shown = self.show(other);
                        self.report(
                            Diagnostic::warning(Code::W0506, "`??` on a value that is never `none`")
                                .at(l.span, format!("this is `{shown}`, not optional"))
                                .help("remove `?? …`: the default is never used"),
                        );
                        other.clone()
                    }
                };
                let r = self.expr(right, Some(&inner));
                let r = self.coerce(r, &inner, "the default after `??`");
                Expr::new(ExprKind::Coalesce(Box::new(l), Box::new(r)), inner, span)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => self.arithmetic(op, left, right, span),
        }
    }

    fn arithmetic(&mut self, op: BinOp, left: &ast::Expr, right: &ast::Expr, span: Span) -> Expr {
        let l = self.expr(left, None);
        let r = self.expr(right, None);
        let l = self.require_value(l);
        let r = self.require_value(r);
        let arith = match op {
            BinOp::Add => ArithOp::Add,
            BinOp::Sub => ArithOp::Sub,
            BinOp::Mul => ArithOp::Mul,
            _ => ArithOp::Div,
        };
        use Type as T;
        let result = match (arith, &l.ty, &r.ty) {
            (_, T::Error, _) | (_, _, T::Error) => Some((T::Error, false)),
            (ArithOp::Add | ArithOp::Sub | ArithOp::Mul, T::Int, T::Int) => Some((T::Int, false)),
            (ArithOp::Div, T::Int | T::Decimal, T::Int | T::Decimal) => Some((T::Decimal, true)),
            (_, T::Int | T::Decimal, T::Int | T::Decimal) => Some((T::Decimal, true)),
            (ArithOp::Add | ArithOp::Sub, T::Money, T::Money) => Some((T::Money, false)),
            (ArithOp::Mul, T::Money, T::Int | T::Decimal) | (ArithOp::Mul, T::Int | T::Decimal, T::Money) => {
                Some((T::Money, true))
            }
            (ArithOp::Div, T::Money, T::Int | T::Decimal) => Some((T::Money, true)),
            (ArithOp::Div, T::Money, T::Money) => Some((T::Decimal, false)),
            (ArithOp::Add, T::Date, T::Duration) | (ArithOp::Sub, T::Date, T::Duration) => Some((T::Date, false)),
            (ArithOp::Add, T::Duration, T::Date) => Some((T::Date, false)),
            _ => None,
        };
        let Some((ty, widen_ints)) = result else {
            self.arithmetic_error(arith, &l, &r, span);
            return error_expr(span);
        };
        let (l, r) = if widen_ints { (widen_if_int(l), widen_if_int(r)) } else { (l, r) };
        Expr::new(ExprKind::Arith(arith, Box::new(l), Box::new(r)), ty, span)
    }

    fn arithmetic_error(&mut self, op: ArithOp, l: &Expr, r: &Expr, span: Span) {
        use Type as T;
        let symbol = match op {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        };
        match (op, &l.ty, &r.ty) {
            (ArithOp::Add | ArithOp::Sub, T::Money, T::Int | T::Decimal) => {
                self.money_with_number(r, &format!("`{symbol}`"));
            }
            (ArithOp::Add | ArithOp::Sub, T::Int | T::Decimal, T::Money) => {
                self.money_with_number(l, &format!("`{symbol}`"));
            }
            (ArithOp::Sub, T::Date, T::Date) => self.report(
                Diagnostic::error(Code::T0207, "dates cannot be subtracted")
                    .at(span, "`Date - Date`")
                    .help("use `days_between(a, b)`, `months_between(a, b)` or `years_between(a, b)`"),
            ),
            (ArithOp::Add | ArithOp::Sub, T::Date, T::Int | T::Decimal) => self.report(
                Diagnostic::error(Code::T0204, format!("cannot apply `{symbol}` to a date and a bare number"))
                    .at(r.span, "a number, not a duration")
                    .help("write the unit: e.g. `18 years`, `6 months` or `30 days`"),
            ),
            (_, T::Duration, _) | (_, _, T::Duration) => self.report(
                Diagnostic::error(Code::T0210, "a duration can only be added to or subtracted from a date")
                    .at(span, "not date arithmetic")
                    .help("write e.g. `as_of - 6 months`"),
            ),
            _ => {
                let (left, right) = (self.show(&l.ty), self.show(&r.ty));
                self.report(
                    Diagnostic::error(Code::T0204, format!("cannot apply `{symbol}` to `{left}` and `{right}`"))
                        .at(span, format!("`{left} {symbol} {right}`"))
                        .also(l.span, format!("`{left}`"))
                        .also(r.span, format!("`{right}`"))
                        .help(
                            "Money allows `Money ± Money`, `Money * number`, `Money / number` and `Money / Money` (a Decimal)",
                        ),
                );
            }
        }
    }

    fn membership(&mut self, element: &ast::Expr, set: &ast::Expr, span: Span) -> Expr {
        let element = self.expr(element, None);
        let element = self.require_value(element);
        let expected = Type::Set(Box::new(element.ty.clone()));
        let set = self.expr(set, Some(&expected));
        let member_ty = match &set.ty {
            Type::Set(t) => (**t).clone(),
            Type::Error => Type::Error,
            other => {
                let shown = self.show(other);
                self.report(
                    Diagnostic::error(Code::T0201, format!("`in` needs a set, found `{shown}`"))
                        .at(set.span, format!("this is `{shown}`"))
                        .help("write a set `{a, b}`, name a `list` or a `set` const, or a range `lo ..= hi`"),
                );
                return error_expr(span);
            }
        };
        if element.ty.is_error() || member_ty.is_error() {
            return error_expr(span);
        }
        let element = match (&element.ty, &member_ty) {
            (a, b) if a == b => element,
            (Type::Int, Type::Decimal) => widen(element),
            _ => {
                let (found, wanted) = (self.show(&element.ty), self.show(&member_ty));
                self.report(
                    Diagnostic::error(Code::T0201, format!("a `{found}` cannot be a member of a `set<{wanted}>`"))
                        .at(element.span, format!("this is `{found}`"))
                        .also(set.span, format!("a set of `{wanted}`")),
                );
                return error_expr(span);
            }
        };
        Expr::new(ExprKind::In(Box::new(element), Box::new(set)), Type::Bool, span)
    }

    fn set_literal(&mut self, items: &[ast::Expr], span: Span, expected: Option<&Type>) -> Expr {
        let mut element_ty = match expected {
            Some(Type::Set(t)) => Some((**t).clone()),
            _ => None,
        };
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            let e = self.expr(item, element_ty.as_ref());
            let e = match &element_ty {
                Some(t) if e.ty == Type::Int && *t == Type::Decimal => widen(e),
                Some(t) if !t.is_error() && !e.ty.is_error() && e.ty != *t => {
                    let (found, wanted) = (self.show(&e.ty), self.show(t));
                    if *t == Type::Money && matches!(e.ty, Type::Int | Type::Decimal) {
                        self.money_with_number(&e, "a set of `Money`");
                    } else {
                        self.report(
                            Diagnostic::error(Code::T0201, format!("a set of `{wanted}` cannot hold a `{found}`"))
                                .at(e.span, format!("this is `{found}`")),
                        );
                    }
                    error_expr(e.span)
                }
                _ => e,
            };
            if element_ty.is_none() && !e.ty.is_error() {
                element_ty = Some(e.ty.clone());
            }
            checked.push(e);
        }
        let element_ty = element_ty.unwrap_or(Type::Error);
        let ty = Type::Set(Box::new(element_ty.clone()));
        // a literal of constants is a constant set
        if checked.iter().all(|e| matches!(e.kind, ExprKind::Const(_))) {
            let mut set = SetValue::new();
            for e in &checked {
                if let ExprKind::Const(v) = &e.kind {
                    set.insert(v);
                }
            }
            return Expr::constant(Value::Set(Arc::new(set)), ty, span);
        }
        Expr::new(ExprKind::SetLit(checked), ty, span)
    }
}

pub(crate) fn error_expr(span: Span) -> Expr {
    Expr::constant(Value::None, Type::Error, span)
}

pub(crate) fn widen(e: Expr) -> Expr {
    let span = e.span;
    if let ExprKind::Const(Value::Int(i)) = e.kind {
        return Expr::constant(Value::Dec(i.into()), Type::Decimal, span);
    }
    Expr::new(ExprKind::ToDecimal(Box::new(e)), Type::Decimal, span)
}

pub(crate) fn widen_if_int(e: Expr) -> Expr {
    if e.ty == Type::Int {
        widen(e)
    } else {
        e
    }
}

/// `a.b.c` for a name or a chain of field accesses.
pub(crate) fn path_key(e: &ast::Expr) -> Option<String> {
    match &e.kind {
        A::Name(n) => Some(n.name.clone()),
        A::Field(target, field) => Some(format!("{}.{}", path_key(target)?, field.name)),
        _ => None,
    }
}

/// Paths that exist whenever `e` evaluates to `truth`.
pub(crate) fn exists_facts(e: &ast::Expr, truth: bool) -> Vec<String> {
    match &e.kind {
        A::Exists(inner) if truth => path_key(inner).into_iter().collect(),
        A::Not(inner) => exists_facts(inner, !truth),
        A::Binary(BinOp::And, a, b) if truth => {
            let mut facts = exists_facts(a, true);
            facts.extend(exists_facts(b, true));
            facts
        }
        A::Binary(BinOp::Or, a, b) if !truth => {
            let mut facts = exists_facts(a, false);
            facts.extend(exists_facts(b, false));
            facts
        }
        _ => Vec::new(),
    }
}

fn group_thousands(digits: &str) -> String {
    let (sign, digits) = digits.strip_prefix('-').map_or(("", digits), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

impl crate::base::types::Schema {
    pub(crate) fn variant_enum_name(&self, id: EnumId) -> &str {
        self.enum_def(id).map_or("?", |e| e.name.as_str())
    }
}
