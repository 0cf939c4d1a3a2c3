//! Builds the [`Document`] of a compiled policy: the declarations as written
//! (its files parsed again, in file order), the bound lists' sizes and digests,
//! and what its tests reached.

use super::phrase::{self, lead, pattern, phrase, Names, Phrase};
use super::{
    Authority, Characteristic, CoverageSummary, CreditLine, Definition, Document, Governance, Group, Level, ListSource,
    MatrixRow, Range, Row, Rule, Scorecard, Table,
};
use crate::base::limits::Limits;
use crate::base::source::Span;
use crate::engine::coverage::{Reach, Site, SiteKind};
use crate::engine::testing::TestReport;
use crate::syntax::ast::{self, Expr, ExprKind, Item, LimitBound, Outcome, Trigger, TypeExpr, TypeExprKind};
use crate::Policy;
use std::collections::HashMap;

/// The document of `policy`, with the coverage of `report` (its tests' run).
pub fn document(policy: &Policy, report: &TestReport) -> Document {
    let program = policy.program();
    let modules = parse_again(policy);
    let names = Names { lists: program.lists.iter().map(|l| l.name.clone()).collect() };
    let sites = Sites::new(&report.coverage.sites);
    let mut doc = Document {
        name: program.name.clone(),
        title: program.title.clone(),
        version: program.version.clone(),
        hash: program.hash.clone(),
        files: modules.iter().map(|(name, _)| name.clone()).collect(),
        coverage: summary(report),
        ..Document::default()
    };
    let mut loose = Group::default();
    let builder = Builder { names: &names, sites: &sites };
    for (_, module) in &modules {
        for item in &module.items {
            match item {
                Item::Group(g) => {
                    let group = Group {
                        name: g.name.name.clone(),
                        title: g.title.as_ref().map(|t| t.value.clone()),
                        rules: g.rules.iter().map(|r| builder.rule(r)).collect(),
                        limits: g.limits.iter().map(|l| builder.credit_line(l)).collect(),
                    };
                    for r in &g.rules {
                        builder.tables(&r.code.name, &r.condition, &mut doc.tables);
                    }
                    doc.groups.push(group);
                }
                Item::Rule(r) => {
                    loose.rules.push(builder.rule(r));
                    builder.tables(&r.code.name, &r.condition, &mut doc.tables);
                }
                Item::CreditLimit(l) => loose.limits.push(builder.credit_line(l)),
                Item::Const(c) => {
                    doc.definitions.push(builder.definition("const", &c.name.name, Some(&c.ty), &c.value, c));
                    builder.tables(&c.name.name, &c.value, &mut doc.tables);
                }
                Item::Let(l) => {
                    doc.definitions.push(builder.definition("let", &l.name.name, l.ty.as_ref(), &l.value, &()));
                    builder.tables(&l.name.name, &l.value, &mut doc.tables);
                }
                Item::Output(o) => {
                    doc.definitions.push(builder.definition("output", &o.name.name, o.ty.as_ref(), &o.value, &()));
                    builder.tables(&o.name.name, &o.value, &mut doc.tables);
                }
                Item::Scorecard(s) => doc.scorecards.push(builder.scorecard(s)),
                Item::Authority(a) => doc.authority = Some(builder.authority(a)),
                Item::List(l) => doc.lists.push(list_source(policy, l)),
                Item::Policy(_)
                | Item::Use(_)
                | Item::Enum(_)
                | Item::Record(_)
                | Item::Input(_)
                | Item::Test(_)
                | Item::Fixture(_) => {}
            }
        }
    }
    if !loose.rules.is_empty() || !loose.limits.is_empty() {
        doc.groups.push(loose);
    }
    doc.effective = overall_range(&doc);
    doc
}

/// Each of the policy's own files (not its test files) parsed again, named as
/// diagnostics name them. The files compiled, so they parse; with the widest
/// limits, whatever limits they were compiled with.
fn parse_again(policy: &Policy) -> Vec<(String, ast::Module)> {
    let limits = Limits {
        max_source_bytes: usize::MAX,
        max_declarations: usize::MAX,
        max_nesting: Limits::NESTING_CEILING,
        max_string_bytes: usize::MAX,
    };
    policy
        .program()
        .sources
        .files()
        .filter(|(_, file)| !file.name.ends_with(".test.pol"))
        .map(|(id, file)| (file.name.clone(), crate::syntax::parse::parse_with(id, &file.text, &limits).0))
        .collect()
}

/// What the tests reached, by kind and name (rules, levels, limits) and by
/// span (bins and arms).
struct Sites<'a> {
    named: HashMap<(SiteKind, &'a str), &'a Site>,
    spans: HashMap<Span, &'a Site>,
}

impl<'a> Sites<'a> {
    fn new(sites: &'a [Site]) -> Sites<'a> {
        let named = sites.iter().map(|s| ((s.kind, s.name.as_str()), s)).collect();
        let spans =
            sites.iter().filter(|s| matches!(s.kind, SiteKind::Bin | SiteKind::Arm)).map(|s| (s.span, s)).collect();
        Sites { named, spans }
    }

    fn count(&self, kind: SiteKind, name: &str, reach: Reach) -> usize {
        self.named.get(&(kind, name)).and_then(|s| s.count(reach)).unwrap_or(0)
    }

    fn taken(&self, span: Span) -> usize {
        self.spans.get(&span).and_then(|s| s.count(Reach::Taken)).unwrap_or(0)
    }
}

/// The governance clauses of a declaration (§15): `basis`, `effective` and
/// `overridable by`, where the declaration can carry them.
pub trait Governed {
    fn governance(&self) -> Governance {
        Governance::default()
    }
}

fn basis(basis: &Option<ast::Basis>) -> Option<(String, String)> {
    basis.as_ref().map(|b| (b.kind.keyword().to_string(), b.citation.value.clone()))
}

fn range(effective: &Option<ast::Effective>) -> Option<Range> {
    effective.as_ref().map(|e| Range { from: e.from, until: e.until })
}

/// A `let` or an output: no clauses.
impl Governed for () {}

impl Governed for ast::RuleDecl {
    fn governance(&self) -> Governance {
        Governance {
            basis: basis(&self.basis),
            effective: range(&self.effective),
            overridable: self.overridable.as_ref().map(|o| o.level.name.clone()),
        }
    }
}

impl Governed for ast::CreditLimitDecl {
    fn governance(&self) -> Governance {
        Governance { basis: basis(&self.basis), effective: range(&self.effective), overridable: None }
    }
}

impl Governed for ast::ConstDecl {
    fn governance(&self) -> Governance {
        Governance { basis: basis(&self.basis), effective: range(&self.effective), overridable: None }
    }
}

impl Governed for ast::ScorecardDecl {
    fn governance(&self) -> Governance {
        Governance { basis: basis(&self.basis), effective: None, overridable: None }
    }
}

struct Builder<'a> {
    names: &'a Names,
    sites: &'a Sites<'a>,
}

impl Builder<'_> {
    fn phrase(&self, expr: &Expr) -> Phrase {
        phrase(expr, self.names)
    }

    fn rule(&self, r: &ast::RuleDecl) -> Rule {
        let outcome = match &r.outcome {
            Outcome::Decline => "decline".to_string(),
            Outcome::Refer(None) => "refer".to_string(),
            Outcome::Refer(Some(level)) => format!("refer to {}", level.name),
        };
        Rule {
            code: r.code.name.clone(),
            message: r.message.as_ref().map(|m| m.value.clone()),
            outcome,
            trigger: match r.trigger {
                Trigger::When => "when",
                Trigger::Unless => "unless",
            }
            .to_string(),
            condition: self.phrase(&r.condition),
            governance: r.governance(),
            fired: self.sites.count(SiteKind::Rule, &r.code.name, Reach::Fired),
        }
    }

    fn credit_line(&self, l: &ast::CreditLimitDecl) -> CreditLine {
        CreditLine {
            code: l.code.name.clone(),
            message: l.message.as_ref().map(|m| m.value.clone()),
            path: l.path.dotted(),
            line: self.phrase(&l.line),
            floor: l.floor.as_ref().map(|f| self.phrase(f)),
            governance: l.governance(),
            cut: self.sites.count(SiteKind::Limit, &l.code.name, Reach::Cut),
            not_cut: self.sites.count(SiteKind::Limit, &l.code.name, Reach::NotCut),
        }
    }

    fn definition(
        &self,
        kind: &str,
        name: &str,
        ty: Option<&TypeExpr>,
        value: &Expr,
        item: &dyn Governed,
    ) -> Definition {
        let value = match &value.kind {
            ExprKind::Match(_) => Phrase::text("the decision table below"),
            _ => self.phrase(value),
        };
        Definition {
            kind: kind.to_string(),
            name: name.to_string(),
            ty: ty.map(type_name),
            value,
            governance: item.governance(),
        }
    }

    /// Every decision table in `root`, outermost first, as held by `owner`.
    fn tables(&self, owner: &str, root: &Expr, out: &mut Vec<Table>) {
        for table in matches_in(root) {
            let ExprKind::Match(m) = &table.kind else { continue };
            let rows = m
                .arms
                .iter()
                .map(|arm| Row {
                    patterns: arm.patterns.iter().map(|p| pattern(&p.kind, self.names)).collect(),
                    result: self.phrase(&arm.body),
                    taken: self.sites.taken(arm.span),
                })
                .collect();
            out.push(Table {
                owner: owner.to_string(),
                subjects: m.subjects.iter().map(|s| self.phrase(s)).collect(),
                rows,
            });
        }
    }

    fn scorecard(&self, s: &ast::ScorecardDecl) -> Scorecard {
        let characteristics = s
            .characteristics
            .iter()
            .map(|c| Characteristic {
                label: c.label.as_ref().map(|l| l.value.clone()),
                subject: self.phrase(&c.subject),
                reason: c.reason.name.clone(),
                baseline: c.baseline.value,
                bins: c
                    .bins
                    .iter()
                    .map(|arm| Row {
                        patterns: arm.patterns.iter().map(|p| pattern(&p.kind, self.names)).collect(),
                        result: self.phrase(&arm.body),
                        taken: self.sites.taken(arm.span),
                    })
                    .collect(),
            })
            .collect();
        Scorecard {
            name: s.name.name.clone(),
            title: s.title.as_ref().map(|t| t.value.clone()),
            base: s.base.value,
            reasons: s.reasons.map_or(3, |r| r.value),
            governance: s.governance(),
            characteristics,
        }
    }

    fn authority(&self, a: &ast::AuthorityDecl) -> Authority {
        let levels: Vec<Level> = a
            .levels
            .iter()
            .map(|l| Level {
                name: l.name.name.clone(),
                above: l.above.iter().map(|p| p.name.clone()).collect(),
                authorises: self.sites.count(SiteKind::Level, &l.name.name, Reach::Authorises),
                // the top level (no level is above it) cannot escalate
                escalates: a
                    .levels
                    .iter()
                    .any(|other| other.above.iter().any(|b| b.name == l.name.name))
                    .then(|| self.sites.count(SiteKind::Level, &l.name.name, Reach::Escalates)),
            })
            .collect();
        let mut rows: Vec<MatrixRow> = Vec::new();
        for (column, level) in a.levels.iter().enumerate() {
            for limit in &level.limits {
                let path = limit.path.dotted();
                let guard = limit.guard.as_ref().map(|g| self.phrase(g));
                let code = limit.escalate.as_ref().map_or(&a.escalate.name, |(code, _)| &code.name);
                let at = match rows.iter().position(|r| r.path == path && r.guard == guard) {
                    Some(at) => at,
                    None => {
                        rows.push(MatrixRow { path, guard, escalate: Vec::new(), cells: vec![None; a.levels.len()] });
                        rows.len() - 1
                    }
                };
                let Some(row) = rows.get_mut(at) else { continue };
                if !row.escalate.contains(code) {
                    row.escalate.push(code.clone());
                }
                let bound = self.bound(&limit.bound);
                if let Some(cell) = row.cells.get_mut(column) {
                    *cell = Some(match cell.take() {
                        Some(before) => phrase::join(vec![before, bound], "; "),
                        None => bound,
                    });
                }
            }
        }
        Authority {
            title: a.title.as_ref().map(|t| t.value.clone()),
            over: a.over.dotted(),
            escalate: (a.escalate.name.clone(), a.message.as_ref().map(|m| m.value.clone())),
            levels,
            rows,
        }
    }

    fn bound(&self, bound: &LimitBound) -> Phrase {
        match bound {
            LimitBound::AtMost(e) => lead("≤ ", self.phrase(e)),
            LimitBound::Below(e) => lead("< ", self.phrase(e)),
            LimitBound::AtLeast(e) => lead("≥ ", self.phrase(e)),
            LimitBound::InSet(e) => lead("one of ", self.phrase(e)),
            LimitBound::InRange(lo, hi) => phrase::join(vec![self.phrase(lo), self.phrase(hi)], " to "),
        }
    }
}

fn list_source(policy: &Policy, l: &ast::ListDecl) -> ListSource {
    let index = policy.program().lists.iter().position(|d| d.name == l.name.name);
    let bound = index.and_then(|i| policy.lists().get(i)).and_then(|l| l.as_ref());
    ListSource {
        name: l.name.name.clone(),
        element: type_name(&l.ty),
        file: l.from.value.clone(),
        column: l.column.as_ref().map(|c| c.value.clone()),
        entries: bound.map(|set| set.len()),
        sha256: bound.and_then(|_| policy.list_versions().get(&l.name.name).cloned()),
    }
}

fn type_name(ty: &TypeExpr) -> String {
    let inner = match &ty.kind {
        TypeExprKind::Named(n) => n.name.clone(),
        TypeExprKind::Set(t) => format!("set<{}>", type_name(t)),
        TypeExprKind::List(t) => format!("list<{}>", type_name(t)),
    };
    if ty.optional {
        format!("{inner}?")
    } else {
        inner
    }
}

/// The `match` expressions in `root`, outermost first.
fn matches_in(root: &Expr) -> Vec<&Expr> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        let children: Vec<&Expr> = match &e.kind {
            ExprKind::Match(m) => {
                found.push(e);
                m.subjects.iter().chain(m.arms.iter().map(|a| &a.body)).collect()
            }
            ExprKind::Field(a, _)
            | ExprKind::Lambda(_, a)
            | ExprKind::Neg(a)
            | ExprKind::Not(a)
            | ExprKind::Exists(a) => {
                vec![a]
            }
            ExprKind::Call(_, args) | ExprKind::Set(args) => args.iter().collect(),
            ExprKind::Binary(_, a, b) | ExprKind::In(a, b) => vec![a, b],
            ExprKind::InRange(a, b, c) | ExprKind::InHalfOpen(a, b, c) | ExprKind::If(a, b, c) => vec![a, b, c],
            ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Percent(_)
            | ExprKind::Money(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(..)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::AsOf
            | ExprKind::Name(_) => Vec::new(),
        };
        stack.extend(children.into_iter().rev());
    }
    found
}

fn summary(report: &TestReport) -> CoverageSummary {
    let coverage = &report.coverage;
    let mut by_kind: Vec<(String, usize, usize)> = Vec::new();
    for site in &coverage.sites {
        let kind = site.kind.as_str();
        let reached = site.states.iter().filter(|(_, n)| *n > 0).count();
        match by_kind.iter_mut().find(|(k, ..)| k == kind) {
            Some((_, r, t)) => {
                *r += reached;
                *t += site.states.len();
            }
            None => by_kind.push((kind.to_string(), reached, site.states.len())),
        }
    }
    let (reached, total) = coverage.totals();
    let missed = coverage
        .not_reached()
        .flat_map(|s| s.missed().map(move |r| format!("{} {} {}", s.kind.as_str(), s.name, r.never())))
        .collect();
    CoverageSummary {
        tests: report.results.len(),
        failed: report.results.iter().filter(|r| !r.passed).map(|r| r.name.clone()).collect(),
        by_kind,
        reached,
        total,
        missed,
    }
}

/// The earliest and the latest date written in the `effective` clauses (a
/// start or an end); `None` when there is none. Open ends are not dates: a
/// policy with `effective 2026-01-01 ..` on one rule reads "from 2026-01-01".
fn overall_range(doc: &Document) -> Option<Range> {
    let rules = doc.groups.iter().flat_map(|g| g.rules.iter().map(|r| &r.governance));
    let limits = doc.groups.iter().flat_map(|g| g.limits.iter().map(|l| &l.governance));
    let defs = doc.definitions.iter().map(|d| &d.governance);
    let ranges: Vec<&Range> = rules.chain(limits).chain(defs).filter_map(|g| g.effective.as_ref()).collect();
    let dates = || ranges.iter().flat_map(|r| [r.from, r.until]).flatten();
    let (first, last) = (dates().min()?, dates().max()?);
    Some(Range { from: Some(first), until: (last != first).then_some(last) })
}
