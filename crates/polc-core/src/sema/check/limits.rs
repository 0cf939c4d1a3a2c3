//! Credit limits (§12): each limit's path is a Money field of the input, its
//! line and floor are Money and never read that path (directly or through lets);
//! all limits limit one path. Also the path argument of `requested(PATH)`.

use super::{Checker, LetState};
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir::{self, Builtin, Expr, ExprKind};
use crate::syntax::ast;

impl Checker<'_> {
    /// Checks every credit limit; returns them in file order.
    pub(crate) fn credit_limits(&mut self) -> Vec<ir::CreditLimit> {
        let decls = self.decls;
        let mut out: Vec<ir::CreditLimit> = Vec::new();
        let mut first: Option<(&ast::CreditLimitDecl, Box<[u32]>)> = None;
        for (decl, group) in &decls.credit_limits {
            self.narrowed.clear();
            let Some((indices, _)) = self.path_of(&decl.path) else {
                // the line's names still resolve, but its type is not compared with a wrong path's
                for e in std::iter::once(&decl.line).chain(decl.floor.as_ref()) {
                    self.expr(e, None);
                }
                continue;
            };
            let line = self.money_expr(&decl.line, "a limit's line");
            let floor = decl.floor.as_ref().map(|f| self.money_expr(f, "a limit's floor"));
            match &first {
                Some((earlier, earlier_path)) if *earlier_path != indices => {
                    self.report(
                        Diagnostic::error(
                            Code::T0242,
                            format!(
                                "limit `{}` limits `{}`, but `{}` limits `{}`",
                                decl.code.name,
                                decl.path.dotted(),
                                earlier.code.name,
                                earlier.path.dotted()
                            ),
                        )
                        .at(decl.path.span, "a second limited amount")
                        .also(earlier.path.span, "the first limited amount")
                        .help("a decision makes one offer: every `limit` of a policy limits the same amount"),
                    );
                    continue;
                }
                Some(_) => {}
                None => first = Some((decl, indices.clone())),
            }
            for (what, expr) in std::iter::once(("line", &line)).chain(floor.iter().map(|f| ("floor", f))) {
                if let Some((span, chain)) = self.reads_path(expr, &indices) {
                    let through = if chain.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " through {}",
                            chain.iter().map(|l| format!("`let {l}`")).collect::<Vec<_>>().join(" → ")
                        )
                    };
                    self.report(
                        Diagnostic::error(
                            Code::T0241,
                            format!("the {what} of limit `{}` reads `{}`{through}", decl.code.name, decl.path.dotted()),
                        )
                        .at(span, format!("reads `{}`", decl.path.dotted()))
                        .also(decl.path.span, "the amount this limit cuts")
                        .help(format!(
                            "a line cannot depend on the amount it limits; write `requested({})` if the requested amount is meant",
                            decl.path.dotted()
                        )),
                    );
                }
            }
            out.push(ir::CreditLimit {
                code: decl.code.name.clone(),
                message: decl.message.as_ref().map(|m| m.value.clone()),
                path: indices,
                path_text: decl.path.dotted(),
                line,
                floor,
                group: group.map(str::to_string),
                basis: super::governance::basis(decl.basis.as_ref()),
                effective: decl.effective,
                span: decl.span,
            });
        }
        out
    }

    /// A Money expression (an Int or Decimal is an error: write `… CNY`).
    fn money_expr(&mut self, expr: &ast::Expr, what: &str) -> Expr {
        let e = self.expr(expr, Some(&Type::Money));
        self.coerce(e, &Type::Money, what)
    }

    /// A limit's path: the field indices from the input and the checked
    /// expression, when it is a Money field of the input (T0240 otherwise).
    fn path_of(&mut self, path: &ast::Path) -> Option<(Box<[u32]>, Expr)> {
        let mut segments = path.segments.iter();
        let first = segments.next()?;
        let mut e = ast::Expr { kind: ast::ExprKind::Name(first.clone()), span: first.span };
        for segment in segments {
            let span = e.span.to(segment.span);
            e = ast::Expr { kind: ast::ExprKind::Field(Box::new(e), segment.clone()), span };
        }
        let checked = self.expr(&e, None);
        self.money_field(checked, "a limit's path")
    }

    /// `checked` when it is a non-optional Money field of the input, with
    /// its field indices; T0240 otherwise (nothing more for an error type).
    pub(crate) fn money_field(&mut self, checked: Expr, what: &str) -> Option<(Box<[u32]>, Expr)> {
        if checked.ty.is_error() {
            return None;
        }
        match input_path(&checked) {
            Some(indices) if checked.ty == Type::Money => Some((indices.into(), checked)),
            indices => {
                let shown = self.show(&checked.ty);
                let label = if indices.is_none() {
                    "not a field of the input".to_string()
                } else {
                    format!("this is `{shown}`")
                };
                self.report(
                    Diagnostic::error(Code::T0240, format!("{what} must be a Money field of the input"))
                        .at(checked.span, label)
                        .help("name the requested amount, e.g. `applicant.loan.amount` (a required `Money` field)"),
                );
                None
            }
        }
    }

    /// Where `expr` reads the field at `path`, with the lets it reads it
    /// through (outermost first); `requested(…)` does not count.
    fn reads_path(&self, expr: &Expr, path: &[u32]) -> Option<(Span, Vec<String>)> {
        let mut seen = vec![false; self.lets.len()];
        self.reads_path_in(expr, path, &mut seen)
    }

    fn reads_path_in(&self, expr: &Expr, path: &[u32], seen: &mut Vec<bool>) -> Option<(Span, Vec<String>)> {
        match &expr.kind {
            ExprKind::Call(Builtin::Requested, _) => return None,
            ExprKind::Field(..) if input_path(expr).is_some_and(|p| p == path) => return Some((expr.span, Vec::new())),
            ExprKind::Let(id) => {
                let index = id.0 as usize;
                if seen.get(index).copied().unwrap_or(true) {
                    return None;
                }
                if let Some(flag) = seen.get_mut(index) {
                    *flag = true;
                }
                let Some(LetState::Done(body)) = self.lets.get(index) else { return None };
                let (_, mut chain) = self.reads_path_in(body, path, seen)?;
                let name = self.decls.lets.get(index).map_or_else(String::new, |l| l.name.name.clone());
                chain.insert(0, name);
                return Some((expr.span, chain));
            }
            _ => {}
        }
        expr.children().find_map(|c| self.reads_path_in(c, path, seen))
    }
}

/// The field indices of a chain of field accesses from the input (`None` for
/// anything else).
pub(crate) fn input_path(expr: &Expr) -> Option<Vec<u32>> {
    let mut indices = Vec::new();
    let mut at = expr;
    loop {
        match &at.kind {
            ExprKind::Field(target, index) => {
                indices.push(*index);
                at = target;
            }
            ExprKind::Input if !indices.is_empty() => {
                indices.reverse();
                return Some(indices);
            }
            _ => return None,
        }
    }
}
