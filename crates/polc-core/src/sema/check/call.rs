//! Type-checking of calls: the built-in functions (arity, argument types,
//! result type) and the quantifiers `any`, `all` and `sum` with their lambda.

use super::expr::{error_expr, widen, widen_if_int};
use super::Checker;
use crate::base::codes::Code;
use crate::base::diag::{did_you_mean, Diagnostic};
use crate::base::source::Span;
use crate::base::types::{Type, SEX};
use crate::ir::{Builtin, Expr, ExprKind, Quantifier};
use crate::syntax::ast::{self, DurationUnit, ExprKind as A};

impl Checker<'_> {
    pub(crate) fn call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        let builtin = match name.name.as_str() {
            "years_between" => Some(Builtin::Between(DurationUnit::Years)),
            "months_between" => Some(Builtin::Between(DurationUnit::Months)),
            "days_between" => Some(Builtin::Between(DurationUnit::Days)),
            "min" => Some(Builtin::Min),
            "max" => Some(Builtin::Max),
            "abs" => Some(Builtin::Abs),
            "round" => Some(Builtin::Round),
            "len" => Some(Builtin::Len),
            "starts_with" => Some(Builtin::StartsWith),
            "birth_date" => Some(Builtin::BirthDate),
            "sex" => Some(Builtin::Sex),
            "region" => Some(Builtin::Region),
            "count" => Some(Builtin::Count),
            "any" | "all" | "sum" => None,
            other => {
                let help = did_you_mean(other, FUNCTIONS.iter().copied());
                self.report(
                    Diagnostic::error(Code::N0110, format!("unknown function `{other}`"))
                        .at(name.span, "not a built-in function")
                        .help(help.unwrap_or_else(|| format!("the built-in functions are: {}", FUNCTIONS.join(", ")))),
                );
                return error_expr(span);
            }
        };
        let Some(builtin) = builtin else {
            return self.quantifier(name, args, span);
        };
        let arity = match builtin {
            Builtin::Min | Builtin::Max => 2..=usize::MAX,
            Builtin::Between(_) | Builtin::Round | Builtin::StartsWith => 2..=2,
            _ => 1..=1,
        };
        if !arity.contains(&args.len()) {
            let wanted = if *arity.end() == usize::MAX {
                format!("at least {}", arity.start())
            } else {
                arity.start().to_string()
            };
            self.report(
                Diagnostic::error(
                    Code::T0205,
                    format!("`{}` takes {wanted} argument(s), {} given", name.name, args.len()),
                )
                .at(span, "wrong number of arguments"),
            );
            return error_expr(span);
        }
        let mut checked: Vec<Expr> = Vec::with_capacity(args.len());
        for arg in args {
            let e = self.expr(arg, None);
            checked.push(self.require_value(e));
        }
        let fname = name.name.as_str();
        let ty = match builtin {
            Builtin::Between(_) => {
                for a in &mut checked {
                    self.expect_arg(a, &[Type::Date], fname);
                }
                Type::Int
            }
            Builtin::Min | Builtin::Max => {
                let mut ty: Option<Type> = None;
                for a in &checked {
                    ty = Some(match (ty, &a.ty) {
                        (None, t) => t.clone(),
                        (Some(Type::Int), Type::Decimal) | (Some(Type::Decimal), Type::Int) => Type::Decimal,
                        (Some(t), _) => t,
                    });
                }
                let ty = ty.unwrap_or(Type::Error);
                let mut out = Vec::new();
                for a in checked.drain(..) {
                    let a = if ty == Type::Decimal { widen_if_int(a) } else { a };
                    let a = self.coerce(a, &ty, &format!("`{fname}`"));
                    out.push(a);
                }
                checked = out;
                if !ty.is_ordered() {
                    let shown = self.show(&ty);
                    self.report(
                        Diagnostic::error(Code::T0212, format!("`{fname}` needs ordered values, found `{shown}`"))
                            .at(span, "not Int, Decimal, Money or Date"),
                    );
                    return error_expr(span);
                }
                ty
            }
            Builtin::Abs => {
                let ty = checked.first().map_or(Type::Error, |a| a.ty.clone());
                if let Some(a) = checked.first_mut() {
                    self.expect_arg(a, &[Type::Int, Type::Decimal, Type::Money], fname);
                }
                ty
            }
            Builtin::Round => {
                let mut it = checked.iter_mut();
                let ty = match it.next() {
                    Some(a) => {
                        if a.ty == Type::Int {
                            *a = widen(std::mem::replace(a, error_expr(span)));
                        }
                        self.expect_arg(a, &[Type::Decimal, Type::Money], fname);
                        a.ty.clone()
                    }
                    None => Type::Error,
                };
                if let Some(places) = it.next() {
                    self.expect_arg(places, &[Type::Int], fname);
                }
                ty
            }
            Builtin::Len => {
                if let Some(a) = checked.first_mut() {
                    self.expect_arg(a, &[Type::String], fname);
                }
                Type::Int
            }
            Builtin::StartsWith => {
                let mut it = checked.iter_mut();
                if let Some(a) = it.next() {
                    self.expect_arg(a, &[Type::String, Type::IdCard, Type::Phone, Type::CreditCode], fname);
                }
                if let Some(b) = it.next() {
                    self.expect_arg(b, &[Type::String], fname);
                }
                Type::Bool
            }
            Builtin::BirthDate | Builtin::Sex | Builtin::Region => {
                if let Some(a) = checked.first_mut() {
                    self.expect_arg(a, &[Type::IdCard], fname);
                }
                match builtin {
                    Builtin::BirthDate => Type::Date,
                    Builtin::Sex => Type::Enum(SEX),
                    _ => Type::String,
                }
            }
            Builtin::Count => {
                if let Some(a) = checked.first() {
                    if !matches!(a.ty, Type::List(_) | Type::Set(_) | Type::Error) {
                        let shown = self.show(&a.ty);
                        self.report(
                            Diagnostic::error(Code::T0201, format!("`count` needs a list, found `{shown}`"))
                                .at(a.span, format!("this is `{shown}`")),
                        );
                    }
                }
                Type::Int
            }
        };
        if checked.iter().any(|a| a.ty.is_error()) {
            return error_expr(span);
        }
        Expr::new(ExprKind::Call(builtin, checked), ty, span)
    }

    fn expect_arg(&mut self, arg: &mut Expr, allowed: &[Type], function: &str) {
        if arg.ty.is_error() || allowed.contains(&arg.ty) {
            return;
        }
        let found = self.show(&arg.ty);
        let wanted: Vec<String> = allowed.iter().map(|t| format!("`{}`", self.show(t))).collect();
        self.report(
            Diagnostic::error(Code::T0201, format!("`{function}` expects {}, found `{found}`", wanted.join(" or ")))
                .at(arg.span, format!("this is `{found}`")),
        );
        *arg = error_expr(arg.span);
    }

    fn quantifier(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        let quantifier = match name.name.as_str() {
            "any" => Quantifier::Any,
            "all" => Quantifier::All,
            _ => Quantifier::Sum,
        };
        let (Some(list_arg), Some(lambda), 2) = (args.first(), args.get(1), args.len()) else {
            self.report(
                Diagnostic::error(Code::T0205, format!("`{}` takes a list and a lambda", name.name))
                    .at(span, "wrong arguments")
                    .help(format!("write `{}(xs, x => …)`", name.name)),
            );
            return error_expr(span);
        };
        let list = self.expr(list_arg, None);
        let list = self.require_value(list);
        let element = match &list.ty {
            Type::List(t) => (**t).clone(),
            Type::Error => Type::Error,
            other => {
                let shown = self.show(other);
                self.report(
                    Diagnostic::error(Code::T0201, format!("`{}` needs a list, found `{shown}`", name.name))
                        .at(list.span, format!("this is `{shown}`")),
                );
                Type::Error
            }
        };
        let A::Lambda(param, body) = &lambda.kind else {
            self.report(
                Diagnostic::error(Code::T0205, format!("the second argument of `{}` must be a lambda", name.name))
                    .at(lambda.span, "not a lambda")
                    .help(format!("write `{}(xs, x => …)`", name.name)),
            );
            return error_expr(span);
        };
        let slot = self.locals.len() as u32;
        self.index_enter_parameter(param, lambda.span, &element);
        self.locals.push((param.name.clone(), slot, element));
        self.max_locals = self.max_locals.max(slot + 1);
        let body = self.expr(body, (quantifier != Quantifier::Sum).then_some(&Type::Bool));
        self.locals.pop();
        self.index_leave_parameter();
        let ty = match quantifier {
            Quantifier::Any | Quantifier::All => {
                let body = self.coerce(body, &Type::Bool, &format!("the lambda of `{}`", name.name));
                return Expr::new(
                    ExprKind::Quantifier(quantifier, Box::new(list), slot, Box::new(body)),
                    Type::Bool,
                    span,
                );
            }
            Quantifier::Sum => match body.ty {
                Type::Int | Type::Decimal | Type::Money | Type::Error => body.ty.clone(),
                _ => {
                    let shown = self.show(&body.ty);
                    self.report(
                        Diagnostic::error(Code::T0201, format!("`sum` adds numbers or Money, found `{shown}`"))
                            .at(body.span, format!("this is `{shown}`")),
                    );
                    Type::Error
                }
            },
        };
        Expr::new(ExprKind::Quantifier(quantifier, Box::new(list), slot, Box::new(body)), ty, span)
    }
}

const FUNCTIONS: &[&str] = &[
    "years_between",
    "months_between",
    "days_between",
    "min",
    "max",
    "abs",
    "round",
    "len",
    "starts_with",
    "birth_date",
    "sex",
    "region",
    "any",
    "all",
    "count",
    "sum",
];
