//! §15 in the checker: const versions (each read of a versioned const becomes
//! [`ExprKind::Versioned`]), the level an exception goes to (A0332), and the
//! warning for an `effective` range no test's `as_of` reaches (W0530).

use super::Checker;
use crate::base::codes::Code;
use crate::base::diag::{did_you_mean, Diagnostic};
use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir::{self, BasisDef, ConstVersion, ConstVersions, Expr, ExprKind};
use crate::sema::resolve::Declarations;
use crate::syntax::ast::{self, Effective};
use crate::value::Value;
use std::collections::HashMap;

/// The consts that have versions: a name declared more than once, or once
/// with an `effective` range, with its declarations' indices.
pub(super) fn versioned(decls: &Declarations<'_>) -> HashMap<String, Vec<usize>> {
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in decls.consts.iter().enumerate() {
        by_name.entry(c.name.name.clone()).or_default().push(i);
    }
    by_name.retain(|_, indices| indices.iter().any(|&i| decls.consts.get(i).is_some_and(|c| c.effective.is_some())));
    by_name
}

/// The IR form of a `basis` clause.
pub(super) fn basis(basis: Option<&ast::Basis>) -> Option<BasisDef> {
    basis.map(|b| BasisDef { kind: b.kind, citation: b.citation.value.clone() })
}

impl Checker<'_> {
    /// A read of a versioned const: the versions are checked (each value,
    /// one type for all) on the first read.
    pub(super) fn versioned_const(&mut self, name: &str, span: Span) -> Expr {
        if let Some(id) = self.const_versions.iter().position(|v| v.name == name) {
            let ty = self.version_type(name);
            return Expr::new(ExprKind::Versioned(id as u32), ty, span);
        }
        let indices = self.versioned.get(name).cloned().unwrap_or_default();
        let decls = self.decls;
        let mut versions = Vec::new();
        let mut first_type: Option<(Type, Span)> = None;
        let mut failed = false;
        for index in indices {
            let Some(decl) = decls.consts.get(index) else { continue };
            let Some((value, ty)) = self.const_value(index) else {
                failed = true;
                continue;
            };
            match &first_type {
                Some((first, first_span)) if *first != ty => {
                    let (this, that) = (self.schema.display(&ty).to_string(), self.schema.display(first).to_string());
                    let first_span = *first_span;
                    self.report(
                        Diagnostic::error(Code::T0201, format!("versions of const `{name}` have different types"))
                            .at(decl.ty.span, format!("this version is `{this}`"))
                            .also(first_span, format!("this one is `{that}`"))
                            .help("every version of a const has the same type: only its value changes on a date"),
                    );
                    failed = true;
                }
                Some(_) => {}
                None => first_type = Some((ty, decl.ty.span)),
            }
            versions.push(ConstVersion {
                effective: decl.effective,
                value,
                basis: basis(decl.basis.as_ref()),
                span: decl.span,
            });
        }
        let Some((ty, _)) = first_type.filter(|_| !failed) else {
            return Expr::new(ExprKind::Const(Value::None), Type::Error, span);
        };
        versions.sort_by_key(|v| v.effective.and_then(|e| e.from));
        let id = self.const_versions.len() as u32;
        self.const_versions.push(ConstVersions { name: name.to_string(), ty: ty.clone(), versions });
        Expr::new(ExprKind::Versioned(id), ty, span)
    }

    fn version_type(&mut self, name: &str) -> Type {
        let first = self.versioned.get(name).and_then(|v| v.first().copied());
        first.and_then(|i| self.const_value(i)).map_or(Type::Error, |(_, t)| t)
    }

    /// The level variant `overridable by LEVEL` names (A0332 when none).
    pub(super) fn exception_level(&mut self, level: &ast::Ident, authority: Option<&ir::Authority>) -> Option<u32> {
        let names: Vec<String> = match authority {
            Some(a) => a.levels.iter().map(|l| l.name.clone()).collect(),
            None if self.is_level_name(None, &level.name) => return None,
            None => self.decls.authorities.iter().flat_map(|a| a.levels.iter().map(|l| l.name.name.clone())).collect(),
        };
        if let Some(i) = names.iter().position(|n| *n == level.name) {
            return Some(i as u32);
        }
        let help = did_you_mean(&level.name, names.iter().map(String::as_str)).unwrap_or_else(|| {
            if authority.is_none() && self.decls.authorities.is_empty() {
                "an exception is granted by a level of the `authority` block: declare one".to_string()
            } else {
                "name a level of the `authority` block".to_string()
            }
        });
        self.report(
            Diagnostic::error(Code::A0332, format!("unknown level `{}` in `overridable by`", level.name))
                .at(level.span, "not an authority level")
                .help(help),
        );
        None
    }
}

/// W0530: every `effective` range (rules, limits, const versions) that no
/// test's `as_of` lies in, when the policy has tests.
pub(super) fn unreached(checker: &mut Checker<'_>, rules: &[ir::RuleDef], limits: &[ir::CreditLimit]) {
    let decls = checker.decls;
    if decls.tests.is_empty() {
        return;
    }
    let days: Vec<chrono::NaiveDate> = decls.tests.iter().filter_map(|t| t.as_of.map(|(d, _)| d)).collect();
    let reached = |e: &Effective| days.iter().any(|&d| e.contains(d));
    let mut found: Vec<(String, Effective)> = Vec::new();
    for r in rules {
        if let Some(e) = r.effective.filter(|e| !reached(e)) {
            found.push((format!("rule `{}`", r.code), e));
        }
    }
    for l in limits {
        if let Some(e) = l.effective.filter(|e| !reached(e)) {
            found.push((format!("limit `{}`", l.code), e));
        }
    }
    for c in &decls.consts {
        if let Some(e) = c.effective.filter(|e| !reached(e)) {
            found.push((format!("this version of const `{}`", c.name.name), e));
        }
    }
    for (what, e) in found {
        checker.report(
            Diagnostic::warning(Code::W0530, format!("no test has an `as_of` on which {what} is in force"))
                .at(e.span, format!("in force {}", e.text()))
                .help(format!("add a test with `as_of` in {}", e.text())),
        );
    }
}
