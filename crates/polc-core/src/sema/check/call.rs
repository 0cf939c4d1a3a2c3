//! Type-checking of calls: the built-in functions (arity, argument types,
//! result type, from their table in `ir::builtins`) and the quantifiers
//! `any`, `all` and `sum` with their lambda.

use super::expr::{error_expr, widen, widen_if_int};
use super::Checker;
use crate::base::codes::Code;
use crate::base::diag::{did_you_mean, Diagnostic};
use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir::builtins::{self, Check, Function, Returns};
use crate::ir::{Expr, ExprKind, Quantifier};
use crate::syntax::ast::{self, ExprKind as A};

impl Checker<'_> {
    /// A call of a built-in function, checked by its rule in [`builtins::BUILTINS`].
    pub(crate) fn call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        let Some(def) = builtins::lookup(&name.name) else {
            let names = || builtins::builtins().iter().map(|def| def.name);
            let help = did_you_mean(&name.name, names());
            let listed = || names().collect::<Vec<_>>().join(", ");
            self.report(
                Diagnostic::error(Code::N0110, format!("unknown function `{}`", name.name))
                    .at(name.span, "not a built-in function")
                    .help(help.unwrap_or_else(|| format!("the built-in functions are: {}", listed()))),
            );
            return error_expr(span);
        };
        let builtin = match def.function {
            Function::Builtin(builtin) => builtin,
            Function::Quantifier(quantifier) => return self.quantifier(quantifier, name, args, span),
        };
        let (least, most) = def.arity();
        if args.len() < least || most.is_some_and(|most| args.len() > most) {
            let wanted = if most.is_none() { format!("at least {least}") } else { least.to_string() };
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
        let fname = def.name;
        let ty = match &def.check {
            Check::Args { params, returns } => {
                for (a, param) in checked.iter_mut().zip(params.iter()) {
                    if param.widens_int && a.ty == Type::Int {
                        *a = widen(std::mem::replace(a, error_expr(span)));
                    }
                    self.expect_arg(a, param.accepts, fname);
                }
                match returns {
                    Returns::Type(ty) => ty.clone(),
                    Returns::First => checked.first().map_or(Type::Error, |a| a.ty.clone()),
                }
            }
            Check::SameOrdered => {
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
            Check::Collection => {
                if let Some(a) = checked.first() {
                    if !matches!(a.ty, Type::List(_) | Type::Set(_) | Type::Error) {
                        let shown = self.show(&a.ty);
                        self.report(
                            Diagnostic::error(Code::T0201, format!("`{fname}` needs a list, found `{shown}`"))
                                .at(a.span, format!("this is `{shown}`")),
                        );
                    }
                }
                Type::Int
            }
            // the quantifiers returned above
            Check::Lambda => Type::Error,
            Check::InputPath => {
                let arg = checked.pop().unwrap_or_else(|| error_expr(span));
                match self.money_field(arg, &format!("the argument of `{fname}`")) {
                    Some((_, arg)) => checked.push(arg),
                    None => return error_expr(span),
                }
                Type::Money
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

    fn quantifier(&mut self, quantifier: Quantifier, name: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
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
