//! The authority block (§6): levels form a tree over an enum, each level's limits
//! must lie within its parent's (delegation consistency). A codes.

use super::containment::{self, Bounds, LevelBounds, Pair};
use super::Checker;
use crate::base::codes::Code;
use crate::base::diag::{did_you_mean, Diagnostic};
use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir::{self, CmpOp, Expr, ExprKind};
use crate::syntax::ast::{self, LimitBound};
use crate::value::Value;

impl Checker<'_> {
    pub(crate) fn authority(&mut self, decl: &ast::AuthorityDecl) -> Option<ir::Authority> {
        let over = self.path_expr(&decl.over);
        let levels_enum = match &over.ty {
            Type::Enum(id) => *id,
            Type::Error => return None,
            other => {
                let shown = self.show(other);
                self.report(
                    Diagnostic::error(Code::A0301, format!("`authority over` needs an enum field, found `{shown}`"))
                        .at(decl.over.span, format!("this is `{shown}`"))
                        .help("name the input field that holds the application's level, e.g. `applicant.branch_level`"),
                );
                return None;
            }
        };
        let variants = self.schema.enum_def(levels_enum).map(|e| e.variants.clone()).unwrap_or_default();
        let enum_name = self.schema.variant_enum_name(levels_enum).to_string();

        // level blocks by variant
        let mut blocks: Vec<Option<&ast::LevelDecl>> = vec![None; variants.len()];
        for level in &decl.levels {
            if let Some(i) = variants.iter().position(|v| *v == level.name.name) {
                self.index_variant(level.name.span, levels_enum, i as u32);
            }
            match variants.iter().position(|v| *v == level.name.name) {
                Some(i) => match blocks.get(i).copied().flatten() {
                    Some(first) => self.report(
                        Diagnostic::error(Code::A0304, format!("level `{}` is declared twice", level.name.name))
                            .at(level.name.span, "second block")
                            .also(first.name.span, "first block"),
                    ),
                    None => {
                        if let Some(slot) = blocks.get_mut(i) {
                            *slot = Some(level);
                        }
                    }
                },
                None => {
                    let help = did_you_mean(&level.name.name, variants.iter().map(String::as_str));
                    self.report(
                        Diagnostic::error(
                            Code::A0303,
                            format!("`{}` is not a variant of `{enum_name}`", level.name.name),
                        )
                        .at(level.name.span, "unknown level")
                        .help(help.unwrap_or_else(|| format!("the levels are: {}", variants.join(", ")))),
                    );
                }
            }
        }
        // a level whose block did not parse was reported already
        let unparsed: Vec<bool> =
            variants.iter().zip(&blocks).map(|(v, b)| b.is_none() && self.decls.broken.contains(v)).collect();
        let missing: Vec<&str> = variants
            .iter()
            .zip(&blocks)
            .zip(&unparsed)
            .filter(|((_, b), unparsed)| b.is_none() && !**unparsed)
            .map(|((v, _), _)| v.as_str())
            .collect();
        if !missing.is_empty() {
            let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            self.report(
                Diagnostic::error(Code::A0302, format!("no level block for {list}"))
                    .at(decl.over.span, format!("every `{enum_name}` needs a level"))
                    .help(format!(
                        "add `level {} above …` (a level with no limits is unlimited)",
                        missing.first().copied().unwrap_or("")
                    )),
            );
        }

        // the tree: parent[child] = the level that names it in `above`
        let mut parent: Vec<Option<u32>> = vec![None; variants.len()];
        let mut parent_span: Vec<Option<Span>> = vec![None; variants.len()];
        for (p, level) in blocks.iter().enumerate() {
            let Some(level) = level else { continue };
            for child in &level.above {
                let Some(c) = variants.iter().position(|v| *v == child.name) else {
                    let help = did_you_mean(&child.name, variants.iter().map(String::as_str));
                    self.report(
                        Diagnostic::error(Code::A0303, format!("`{}` is not a variant of `{enum_name}`", child.name))
                            .at(child.span, "unknown level")
                            .maybe_help(help),
                    );
                    continue;
                };
                if c == p {
                    self.report(
                        Diagnostic::error(Code::A0305, format!("level `{}` is placed above itself", child.name))
                            .at(child.span, "a level cannot be its own parent"),
                    );
                    continue;
                }
                match parent.get(c).copied().flatten() {
                    Some(first) => {
                        let first_span = parent_span.get(c).copied().flatten().unwrap_or(child.span);
                        let first_name = variants.get(first as usize).cloned().unwrap_or_default();
                        self.report(
                            Diagnostic::error(
                                Code::A0306,
                                format!("level `{}` is placed under two levels", child.name),
                            )
                            .at(child.span, format!("placed under `{}` here", level.name.name))
                            .also(first_span, format!("and under `{first_name}` here"))
                            .help("levels form a tree: each level escalates to exactly one level above it"),
                        );
                    }
                    None => {
                        if let Some(slot) = parent.get_mut(c) {
                            *slot = Some(p as u32);
                        }
                        if let Some(slot) = parent_span.get_mut(c) {
                            *slot = Some(child.span);
                        }
                    }
                }
            }
        }
        let structure_ok =
            !self.diagnostics.iter().any(|d| matches!(d.code, Code::A0302 | Code::A0303 | Code::A0304 | Code::A0306))
                && !unparsed.contains(&true);
        let depth = self.tree_depths(&variants, &blocks, &parent, decl.span, structure_ok)?;

        // limits, then delegation consistency; a level whose limits are not all
        // known (one did not parse or check) is not compared with its neighbours
        let mut levels = Vec::with_capacity(variants.len());
        let mut bounds: Vec<LevelBounds> = Vec::with_capacity(variants.len());
        let mut known: Vec<bool> = Vec::with_capacity(variants.len());
        for (i, name) in variants.iter().enumerate() {
            let block = blocks.get(i).copied().flatten();
            let mut limits = Vec::new();
            let mut escalates = Vec::new();
            let mut level_bounds = LevelBounds::new();
            let mut complete = block.is_none_or(|b| !b.incomplete) && !unparsed.get(i).copied().unwrap_or(false);
            for limit in block.map(|b| b.limits.as_slice()).unwrap_or_default() {
                match self.limit(limit, &mut level_bounds) {
                    Some(expr) => {
                        limits.push(expr);
                        escalates.push(
                            limit.escalate.as_ref().map(|(c, m)| (c.name.clone(), m.as_ref().map(|m| m.value.clone()))),
                        );
                    }
                    None => complete = false,
                }
            }
            bounds.push(level_bounds);
            known.push(complete);
            levels.push(ir::Level {
                name: name.clone(),
                parent: parent.get(i).copied().flatten(),
                depth: depth.get(i).copied().unwrap_or(0),
                limits,
                escalates,
                limit_codes: Vec::new(),
                mixed_codes: false,
                span: block.map_or(decl.span, |b| b.name.span),
            });
        }
        for (child, level) in levels.iter().enumerate() {
            let Some(p) = level.parent else { continue };
            if !known.get(child).copied().unwrap_or(false) || !known.get(p as usize).copied().unwrap_or(false) {
                continue;
            }
            let (Some(child_bounds), Some(parent_bounds)) = (bounds.get(child), bounds.get(p as usize)) else {
                continue;
            };
            let parent_name = levels.get(p as usize).map_or("", |l| l.name.as_str());
            let pair = Pair { child: &level.name, child_span: level.span, parent: parent_name };
            let found = containment::contained(&pair, child_bounds, parent_bounds);
            if found.errors.is_empty() && found.warnings.is_empty() {
                // the parent is no wider than the child: whatever the child escalates,
                // the parent cannot authorise either
                let parent_span = levels.get(p as usize).map_or(level.span, |l| l.span);
                let reverse = Pair { child: parent_name, child_span: parent_span, parent: &level.name };
                if containment::no_wider(&reverse, parent_bounds, child_bounds) {
                    self.report(
                        Diagnostic::warning(
                            Code::W0508,
                            format!("level `{parent_name}` can never authorise what `{}` escalates to it", level.name),
                        )
                        .at(parent_span, format!("its limits are no wider than `{}`'s", level.name))
                        .also(level.span, "escalates here")
                        .help(format!("widen `{parent_name}`'s limits, or place `{}` under another level", level.name)),
                    );
                }
            }
            for d in found.errors.into_iter().chain(found.warnings) {
                self.report(d);
            }
        }
        if self.diagnostics.iter().any(|d| d.code.family() == crate::base::codes::Family::Authority) {
            return None;
        }
        Some(ir::Authority {
            title: decl.title.as_ref().map(|t| t.value.clone()),
            over,
            levels_enum,
            escalate: decl.escalate.name.clone(),
            message: decl.message.as_ref().map(|m| m.value.clone()),
            levels,
            span: decl.span,
        })
    }

    /// Depth of each level from the single root; reports cycles and root count.
    fn tree_depths(
        &mut self,
        variants: &[String],
        blocks: &[Option<&ast::LevelDecl>],
        parent: &[Option<u32>],
        span: Span,
        check_roots: bool,
    ) -> Option<Vec<u32>> {
        let mut depth = vec![0u32; variants.len()];
        let mut ok = true;
        for start in 0..variants.len() {
            let mut seen = vec![start];
            let mut at = start;
            while let Some(p) = parent.get(at).copied().flatten() {
                let p = p as usize;
                if seen.contains(&p) {
                    // report each cycle once, from its lowest-numbered member
                    let in_cycle = seen.iter().skip_while(|&&i| i != p);
                    if seen.first() == Some(&p) && in_cycle.clone().all(|&i| i >= start) {
                        let names: Vec<&str> =
                            seen.iter().rev().filter_map(|&i| variants.get(i).map(String::as_str)).collect();
                        let at_span = blocks.get(start).copied().flatten().map_or(span, |b| b.name.span);
                        self.report(
                            Diagnostic::error(
                                Code::A0305,
                                format!("the levels form a cycle: {}", names.join(" above ")),
                            )
                            .at(at_span, "part of the cycle")
                            .help("levels form a tree with one root; remove one `above`"),
                        );
                    }
                    ok = false;
                    break;
                }
                seen.push(p);
                at = p;
            }
            if let Some(slot) = depth.get_mut(start) {
                *slot = (seen.len() - 1) as u32;
            }
        }
        if !ok {
            return None;
        }
        if !check_roots {
            // a missing or unknown level was reported already; its roots would only repeat it
            return Some(depth);
        }
        let roots: Vec<usize> = (0..variants.len()).filter(|&i| parent.get(i).copied().flatten().is_none()).collect();
        if roots.len() > 1 {
            let spans: Vec<(Span, &str)> = roots
                .iter()
                .filter_map(|&r| {
                    blocks.get(r).copied().flatten().map(|b| (b.name.span, variants.get(r).map_or("", String::as_str)))
                })
                .collect();
            let names: Vec<String> = spans.iter().map(|(_, n)| format!("`{n}`")).collect();
            let mut d = Diagnostic::error(
                Code::A0307,
                format!("the levels have {} roots: {}", roots.len(), names.join(", ")),
            )
            .help("exactly one level (the top decision body) may have nothing above it; place the others with `above`");
            for (i, (s, _)) in spans.iter().enumerate() {
                d = if i == 0 { d.at(*s, "a root") } else { d.also(*s, "another root") };
            }
            if d.primary.is_none() {
                d = d.at(span, "no single root");
            }
            self.report(d);
            return None;
        }
        Some(depth)
    }

    fn path_expr(&mut self, path: &ast::Path) -> Expr {
        let mut segments = path.segments.iter();
        let Some(first) = segments.next() else {
            return super::expr::error_expr(path.span);
        };
        let mut e = ast::Expr { kind: ast::ExprKind::Name(first.clone()), span: first.span };
        for segment in segments {
            let span = e.span.to(segment.span);
            e = ast::Expr { kind: ast::ExprKind::Field(Box::new(e), segment.clone()), span };
        }
        let checked = self.expr(&e, None);
        if checked.ty.is_optional() {
            self.report(
                Diagnostic::error(Code::A0313, "an authority path may not be optional")
                    .at(path.span, "may be `none`")
                    .help("make the field required in the input record"),
            );
            return super::expr::error_expr(path.span);
        }
        checked
    }

    /// Checks one limit; returns it as a Bool expression (a guarded limit
    /// `L when G` as `not G or L`: it holds where it does not apply) and records
    /// its bounds under its guard.
    fn limit(&mut self, limit: &ast::Limit, bounds: &mut LevelBounds) -> Option<Expr> {
        let path = self.path_expr(&limit.path);
        let guard = limit.guard.as_ref().map(|g| {
            self.narrowed.clear();
            let e = self.expr(g, Some(&Type::Bool));
            self.coerce(e, &Type::Bool, "a limit's guard")
        });
        if path.ty.is_error() || guard.as_ref().is_some_and(|g| g.ty.is_error()) {
            return None;
        }
        let span = limit.span;
        let guard_key = limit.guard.as_ref().map(|g| (self.source_text(g.span), g.span));
        let entry = bounds.entry(limit.path.dotted()).or_default().entry(guard_key);
        let checked = self.limit_bound(limit, path, entry)?;
        Some(match guard {
            None => checked,
            Some(g) => {
                let skip = Expr::new(ExprKind::Not(Box::new(g)), Type::Bool, span);
                Expr::new(ExprKind::Or(Box::new(skip), Box::new(checked)), Type::Bool, span)
            }
        })
    }

    /// A limit's bound as a Bool expression over `path`; records it in `entry`.
    fn limit_bound(&mut self, limit: &ast::Limit, path: Expr, entry: &mut Bounds) -> Option<Expr> {
        let span = limit.span;
        let constant = |checker: &mut Checker<'_>, value: &ast::Expr, ty: &Type| -> Option<Expr> {
            let e = checker.expr(value, Some(ty));
            let e = checker.coerce(e, ty, "this limit");
            if e.ty.is_error() {
                return None;
            }
            let v = checker.fold_limit(&e)?;
            Some(Expr::constant(v, e.ty, e.span))
        };
        let bool_expr = |kind: ExprKind| Expr::new(kind, Type::Bool, span);
        match &limit.bound {
            LimitBound::AtMost(v) | LimitBound::Below(v) | LimitBound::AtLeast(v) => {
                if !path.ty.is_ordered() {
                    let shown = self.show(&path.ty);
                    self.report(
                        Diagnostic::error(Code::T0212, format!("`{shown}` values have no order"))
                            .at(limit.path.span, format!("this is `{shown}`"))
                            .help("limit it with `in {…}` instead"),
                    );
                    return None;
                }
                let value = constant(self, v, &path.ty)?;
                super::lint::whole_number_rate(self, &path, &[v]);
                let ExprKind::Const(raw) = &value.kind else {
                    return None;
                };
                let op = match &limit.bound {
                    LimitBound::AtMost(_) => CmpOp::Le,
                    LimitBound::Below(_) => CmpOp::Lt,
                    _ => CmpOp::Ge,
                };
                match op {
                    CmpOp::Ge => entry.at_least(raw.clone(), true, span),
                    _ => entry.at_most(raw.clone(), op == CmpOp::Le, span),
                }
                Some(bool_expr(ExprKind::Compare(op, Box::new(path), Box::new(value))))
            }
            LimitBound::InRange(lo, hi) => {
                if !path.ty.is_ordered() {
                    let shown = self.show(&path.ty);
                    self.report(
                        Diagnostic::error(Code::T0212, format!("`{shown}` values have no order"))
                            .at(limit.path.span, format!("this is `{shown}`")),
                    );
                    return None;
                }
                super::lint::whole_number_rate(self, &path, &[lo, hi]);
                let lo = constant(self, lo, &path.ty)?;
                let hi = constant(self, hi, &path.ty)?;
                if let (ExprKind::Const(l), ExprKind::Const(h)) = (&lo.kind, &hi.kind) {
                    entry.at_least(l.clone(), true, span);
                    entry.at_most(h.clone(), true, span);
                }
                Some(bool_expr(ExprKind::InRange(Box::new(path), Box::new(lo), Box::new(hi))))
            }
            LimitBound::InSet(set) => {
                let ty = Type::Set(Box::new(path.ty.clone()));
                let value = constant(self, set, &ty)?;
                if let ExprKind::Const(Value::Set(s)) = &value.kind {
                    entry.within((**s).clone(), span);
                }
                Some(bool_expr(ExprKind::In(Box::new(path), Box::new(value))))
            }
        }
    }

    fn fold_limit(&mut self, e: &Expr) -> Option<Value> {
        if super::first_non_constant(e).is_some() {
            self.report(
                Diagnostic::error(Code::A0310, "an authority limit must be a constant")
                    .at(e.span, "not known when the policy is compiled")
                    .help("write a literal such as `200_000 CNY` or name a `const`"),
            );
            return None;
        }
        self.fold_constant(e, "an authority limit")
    }
}
