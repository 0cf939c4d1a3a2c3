//! Declarations -> a typed, resolved program ([`Checked`]). Reports type errors
//! (T codes), name errors (N codes), authority errors (A codes, `authority.rs`)
//! and warnings (W codes, `lint.rs`). Every problem is collected; none stops the rest.

use crate::base::codes::Code;

mod authority;
mod call;
mod containment;
mod expr;
mod fold;
mod governance;
mod indexing;
mod limits;
mod lint;
mod outputs;
mod scorecard;
mod subsume;
mod table;
mod tests;
pub(crate) mod unique;

use crate::base::diag::{did_you_mean, Diagnostic};
use crate::base::limits::Limits;
use crate::base::source::{SourceMap, Span};
use crate::base::types::{EnumDef, EnumId, FieldDef, RecordDef, RecordId, Schema, Type};
use crate::ir::{self, Expr, ExprKind, LetId, ListId, RuleOutcome};
use crate::sema::index::{Index, IndexBuilder};
use crate::sema::resolve::{DeclKind, Declarations, Sandbox};
use crate::syntax::ast::{self, Outcome, TypeExprKind};
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A checked program, before lowering (constants not yet folded, rules in file order).
#[derive(Debug)]
pub struct Checked {
    pub program: ir::Program,
}

/// What checking gives: the program when there are no errors, every
/// diagnostic, and the index when it was asked for (errors or not).
#[derive(Debug)]
pub struct CheckResult {
    pub checked: Option<Checked>,
    pub diagnostics: Vec<Diagnostic>,
    pub index: Option<Index>,
}

/// Type-checks all declarations. Returns a program only when there are no
/// errors; with `index`, also the [`Index`] of everything that resolved.
pub fn check(
    decls: &Declarations<'_>,
    sources: &SourceMap,
    limits: &Limits,
    sandbox: Option<&Sandbox<'_>>,
    index: bool,
) -> CheckResult {
    let mut checker = Checker::new(decls);
    checker.sources = Some(sources);
    checker.max_nesting = limits.nesting();
    checker.sandbox = sandbox;
    if index {
        checker.start_index(sources);
    }
    checker.declare_schema();
    let input = checker.input();
    let lists = checker.lists(sources);
    for index in 0..decls.lets.len() {
        checker.let_expr(index);
    }
    checker.let_depths();
    for index in 0..decls.consts.len() {
        checker.const_value(index);
    }
    let authority = decls.authorities.first().and_then(|a| checker.authority(a));
    checker.extra_authorities();
    let rules = checker.rules(authority.as_ref());
    if let Some(problem) = rules.iter().find_map(|r| rule_too_deep(r, &checker.let_depths, checker.max_nesting)) {
        checker.report(problem);
    }
    let credit_limits = checker.credit_limits();
    let outputs = checker.outputs();
    checker.constant_parts(&rules);
    let tests = checker.tests(authority.as_ref(), &rules, &credit_limits, &outputs);
    let scorecards = checker.scorecards();
    let reported_scores = {
        let limits = authority.iter().flat_map(|a| a.levels.iter().flat_map(|l| l.limits.iter()));
        let over = authority.iter().map(|a| &a.over);
        let lines = credit_limits.iter().flat_map(|l| std::iter::once(&l.line).chain(l.floor.as_ref()));
        let outputs = outputs.iter().map(|o| &o.expr);
        let read = rules.iter().map(|r| &r.condition).chain(limits).chain(over).chain(lines).chain(outputs);
        checker.reported_scores(&scorecards, read)
    };
    lint::unused(&mut checker);
    lint::rules(&mut checker, &rules);
    governance::unreached(&mut checker, &rules, &credit_limits);
    let index = checker.finish_index();
    let Checker { diagnostics, schema, lets, max_locals, const_versions, .. } = checker;
    if diagnostics.iter().any(Diagnostic::is_error) {
        return CheckResult { checked: None, diagnostics, index };
    }
    let (Some(header), Some(input)) = (&decls.header, input) else {
        return CheckResult { checked: None, diagnostics, index };
    };
    let lets = lets
        .into_iter()
        .zip(&decls.lets)
        .map(|(state, decl)| ir::LetDef {
            name: decl.name.name.clone(),
            expr: match state {
                LetState::Done(e) => e,
                _ => Expr::constant(Value::None, Type::Error, decl.span),
            },
            span: decl.name.span,
        })
        .collect();
    let program = ir::Program {
        name: header.name.name.clone(),
        title: header.title.as_ref().map(|t| t.value.clone()),
        version: header.version.value.clone(),
        hash: String::new(),
        schema,
        input,
        lets,
        lists,
        rules,
        authority,
        credit_limits,
        limit_codes: Vec::new(),
        outputs,
        codes: Vec::new(),
        rule_codes: Vec::new(),
        escalate_code: 0,
        locals: max_locals,
        tests,
        scorecards,
        reported_scores,
        sources: Default::default(),
        const_versions,
    };
    CheckResult { checked: Some(Checked { program }), diagnostics, index }
}

pub(crate) enum LetState {
    Unchecked,
    InProgress,
    Done(Expr),
}

pub(crate) enum ConstState {
    Unchecked,
    InProgress,
    Done(Value, Type),
    Failed,
}

pub(crate) struct Checker<'a> {
    pub(crate) decls: &'a Declarations<'a>,
    pub(crate) schema: Schema,
    enum_ids: HashMap<String, EnumId>,
    record_ids: HashMap<String, RecordId>,
    pub(crate) input: Option<(String, RecordId)>,
    pub(crate) lets: Vec<LetState>,
    let_index: HashMap<String, usize>,
    consts: Vec<ConstState>,
    const_index: HashMap<String, usize>,
    /// The consts with versions (§15): each declaration's index, by name.
    pub(crate) versioned: HashMap<String, Vec<usize>>,
    /// The versioned consts read so far, by the id their reads carry.
    pub(crate) const_versions: Vec<ir::ConstVersions>,
    list_index: HashMap<String, (ListId, Type)>,
    /// For each variant name, the enums that have it (each once) and its number
    /// there, so a bare variant is found without scanning every enum.
    variant_owners: HashMap<String, Vec<(EnumId, u32)>>,
    /// For each record, its fields by name.
    field_index: Vec<HashMap<String, u32>>,
    /// Names referenced anywhere (for unused-declaration warnings).
    pub(crate) used: HashSet<String>,
    /// Lambda parameters in scope: name, slot, type.
    locals: Vec<(String, u32, Type)>,
    max_locals: u32,
    /// Paths known to exist here (flow typing after `x exists and …`).
    narrowed: Vec<String>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// [`Limits::max_nesting`] for chains of lets.
    max_nesting: usize,
    /// Where `list … from` paths may point; `None`: anywhere.
    sandbox: Option<&'a Sandbox<'a>>,
    /// How deep evaluating each let recurses ([`evaluation_depth`]).
    let_depths: Vec<Option<usize>>,
    /// What resolved to what, when an index is asked for ([`indexing`]).
    pub(crate) index: Option<Box<IndexBuilder>>,
    /// The policy's text, for messages that quote it (a limit's guard).
    sources: Option<&'a SourceMap>,
}

impl<'a> Checker<'a> {
    fn new(decls: &'a Declarations<'a>) -> Checker<'a> {
        Checker {
            decls,
            schema: Schema::new(),
            enum_ids: HashMap::from([("Sex".to_string(), crate::base::types::SEX)]),
            record_ids: HashMap::new(),
            input: None,
            lets: decls.lets.iter().map(|_| LetState::Unchecked).collect(),
            let_index: decls.lets.iter().enumerate().map(|(i, l)| (l.name.name.clone(), i)).collect(),
            consts: decls.consts.iter().map(|_| ConstState::Unchecked).collect(),
            // the first declaration of a name is the one a name refers to
            const_index: decls.consts.iter().enumerate().rev().map(|(i, c)| (c.name.name.clone(), i)).collect(),
            versioned: governance::versioned(decls),
            const_versions: Vec::new(),
            list_index: HashMap::new(),
            variant_owners: HashMap::new(),
            field_index: Vec::new(),
            used: HashSet::new(),
            locals: Vec::new(),
            max_locals: 0,
            narrowed: Vec::new(),
            diagnostics: Vec::new(),
            max_nesting: Limits::default().max_nesting,
            sandbox: None,
            let_depths: Vec::new(),
            index: None,
            sources: None,
        }
    }

    /// The source text at `span` on one line (white space runs made one space).
    pub(crate) fn source_text(&self, span: Span) -> String {
        self.sources.map(|s| crate::sema::index::one_line(s.snippet(span))).unwrap_or_default()
    }

    pub(crate) fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn show(&self, ty: &Type) -> String {
        self.schema.display(ty).to_string()
    }

    // -------------------------------------------------------------- schema

    fn declare_schema(&mut self) {
        for decl in &self.decls.enums {
            let id = EnumId(self.schema.enums.len() as u32);
            self.enum_ids.insert(decl.name.name.clone(), id);
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for variant in &decl.variants {
                if let Some(first) = seen.get(variant.name.as_str()) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::N0111,
                            format!("variant `{}` is listed twice in `{}`", variant.name, decl.name.name),
                        )
                        .at(variant.span, "listed again")
                        .also(*first, "first listed here"),
                    );
                }
                seen.insert(&variant.name, variant.span);
            }
            let variants = decl.variants.iter().map(|v| v.name.clone()).collect();
            self.schema.enums.push(EnumDef { name: decl.name.name.clone(), variants, span: Some(decl.name.span) });
        }
        for (i, decl) in self.decls.records.iter().enumerate() {
            self.record_ids.insert(decl.name.name.clone(), RecordId(i as u32));
        }
        for decl in &self.decls.records {
            let mut fields: Vec<FieldDef> = Vec::new();
            let mut by_name: HashMap<String, u32> = HashMap::new();
            for field in &decl.fields {
                if let Some(first) = by_name.get(&field.name.name).and_then(|&i| fields.get(i as usize)) {
                    let first = first.span;
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::N0111,
                            format!("field `{}` is declared twice in `{}`", field.name.name, decl.name.name),
                        )
                        .at(field.name.span, "declared again")
                        .also(first, "first declared here"),
                    );
                    continue;
                }
                let ty = self.resolve_type(&field.ty, TypeUse::Field);
                by_name.insert(field.name.name.clone(), fields.len() as u32);
                fields.push(FieldDef { name: field.name.name.clone(), ty, span: field.name.span });
            }
            self.field_index.push(by_name);
            self.schema.records.push(RecordDef { name: decl.name.name.clone(), fields, span: Some(decl.name.span) });
        }
        for (i, def) in self.schema.enums.iter().enumerate() {
            for (v, variant) in def.variants.iter().enumerate() {
                let owners = self.variant_owners.entry(variant.clone()).or_default();
                if owners.last().is_none_or(|(id, _)| id.0 as usize != i) {
                    owners.push((EnumId(i as u32), v as u32));
                }
            }
        }
    }

    /// The index of field `name` in `record`.
    pub(crate) fn field_position(&self, record: RecordId, name: &str) -> Option<usize> {
        self.field_index.get(record.0 as usize)?.get(name).map(|&i| i as usize)
    }

    /// The enums that have a variant `name`, each with the variant's number.
    pub(crate) fn variant_owners(&self, name: &str) -> &[(EnumId, u32)] {
        self.variant_owners.get(name).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn resolve_type(&mut self, ty: &ast::TypeExpr, usage: TypeUse) -> Type {
        let base = match &ty.kind {
            TypeExprKind::Set(inner) => Type::Set(Box::new(self.resolve_type(inner, TypeUse::Element))),
            TypeExprKind::List(inner) => Type::List(Box::new(self.resolve_type(inner, TypeUse::Element))),
            TypeExprKind::Named(name) => match name.name.as_str() {
                "Bool" => Type::Bool,
                "Int" => Type::Int,
                "Decimal" => Type::Decimal,
                "Money" => Type::Money,
                "Date" => Type::Date,
                "String" => Type::String,
                "IdCard" => Type::IdCard,
                "CreditCode" => Type::CreditCode,
                "Phone" => Type::Phone,
                "Duration" if usage == TypeUse::Let => Type::Duration,
                "Duration" => {
                    self.report(
                        Diagnostic::error(Code::T0210, "a `Duration` cannot be stored")
                            .at(name.span, "not allowed here")
                            .help("durations are only for date arithmetic, e.g. `as_of - 6 months`"),
                    );
                    Type::Error
                }
                other => {
                    if let Some(id) = self.enum_ids.get(other) {
                        let ty = Type::Enum(*id);
                        self.index_type_name(name.span, &ty);
                        ty
                    } else if let Some(id) = self.record_ids.get(other) {
                        let ty = Type::Record(*id);
                        self.index_type_name(name.span, &ty);
                        ty
                    } else if self.touched_by_broken(other) {
                        self.index_broken(name.span, other);
                        Type::Error
                    } else {
                        let builtins =
                            ["Bool", "Int", "Decimal", "Money", "Date", "String", "IdCard", "CreditCode", "Phone"];
                        let candidates: Vec<&str> = builtins
                            .iter()
                            .copied()
                            .chain(self.enum_ids.keys().map(String::as_str))
                            .chain(self.record_ids.keys().map(String::as_str))
                            .collect();
                        let help = did_you_mean(other, candidates).unwrap_or_else(|| {
                            "declare it with `enum` or `record`, or use a built-in type".to_string()
                        });
                        self.report(
                            Diagnostic::error(Code::N0104, format!("unknown type `{other}`"))
                                .at(name.span, "no type with this name")
                                .help(help),
                        );
                        Type::Error
                    }
                }
            },
        };
        if ty.optional {
            Type::Optional(Box::new(base))
        } else {
            base
        }
    }

    // -------------------------------------------------------------- input and lists

    fn input(&mut self) -> Option<ir::InputDef> {
        let decls = self.decls;
        let Some(first) = decls.inputs.first() else {
            // an input declaration that did not parse was reported already
            if decls.is_library() || decls.mentioned.contains("input") {
                return None;
            }
            let mut d = Diagnostic::error(Code::N0109, "the policy declares no `input`")
                .help("declare the record each evaluation receives, e.g. `input applicant: Applicant`");
            if let Some(header) = &decls.header {
                d = d.at(header.span, "this policy has no input");
            }
            self.report(d);
            return None;
        };
        for extra in decls.inputs.iter().skip(1) {
            self.report(
                Diagnostic::error(Code::N0109, "a policy has exactly one `input`")
                    .at(extra.span, "second input")
                    .also(first.span, "first input"),
            );
        }
        let ty = self.resolve_type(&first.ty, TypeUse::Field);
        let Type::Record(record) = ty else {
            if !ty.is_error() {
                let shown = self.show(&ty);
                self.report(
                    Diagnostic::error(Code::T0214, format!("the input must be a record, not `{shown}`"))
                        .at(first.ty.span, "not a record type")
                        .help("declare a `record` with the applicant's fields and use it here"),
                );
            }
            return None;
        };
        self.input = Some((first.name.name.clone(), record));
        self.used.insert(first.name.name.clone());
        let id_field = self
            .schema
            .record(record)
            .and_then(|r| r.fields.iter().position(|f| f.name == "id" && f.ty == Type::String))
            .map(|i| i as u32);
        Some(ir::InputDef { name: first.name.name.clone(), record, id_field })
    }

    fn lists(&mut self, sources: &SourceMap) -> Vec<ir::ListDef> {
        let decls = self.decls;
        let mut out = Vec::new();
        for (decl, file) in &decls.lists {
            let element = self.resolve_type(&decl.ty, TypeUse::Element);
            let allowed = matches!(
                element,
                Type::String
                    | Type::IdCard
                    | Type::Phone
                    | Type::CreditCode
                    | Type::Int
                    | Type::Decimal
                    | Type::Money
                    | Type::Date
                    | Type::Enum(_)
                    | Type::Error
            );
            if !allowed {
                let shown = self.show(&element);
                self.report(
                    Diagnostic::error(Code::L0403, format!("a list cannot hold `{shown}`"))
                        .at(decl.ty.span, "not a list element type")
                        .help("list elements are one value a line: String, IdCard, Phone, CreditCode, Int, Decimal, Money, Date or an enum"),
                );
            }
            let dir = sources.get(*file).and_then(|f| f.path.parent()).unwrap_or(Path::new(""));
            let from = crate::sema::resolve::normalize(&dir.join(&decl.from.value));
            if let Some(problem) = self.sandbox.and_then(|s| s.check(&from, decl.from.span, "list `from`")) {
                self.report(problem);
            }
            let id = ListId(out.len() as u32);
            self.list_index.insert(decl.name.name.clone(), (id, Type::Set(Box::new(element.clone()))));
            out.push(ir::ListDef {
                name: decl.name.name.clone(),
                element,
                from,
                column: decl.column.as_ref().map(|c| c.value.clone()),
                span: decl.name.span,
            });
        }
        out
    }

    // -------------------------------------------------------------- lets and consts

    /// The checked expression of let `index`, checking it on first use.
    pub(crate) fn let_expr(&mut self, index: usize) -> Option<Type> {
        match self.lets.get(index) {
            Some(LetState::Done(e)) => return Some(e.ty.clone()),
            Some(LetState::InProgress) => return None,
            Some(LetState::Unchecked) => {}
            None => return None,
        }
        let decls = self.decls;
        let decl = decls.lets.get(index)?;
        if let Some(slot) = self.lets.get_mut(index) {
            *slot = LetState::InProgress;
        }
        // a let is checked in its own scope: no lambda parameters, no narrowing
        let saved_locals = std::mem::take(&mut self.locals);
        let saved_narrowed = std::mem::take(&mut self.narrowed);
        let annotated = decl.ty.as_ref().map(|t| self.resolve_type(t, TypeUse::Let));
        let mut value = self.expr(&decl.value, annotated.as_ref());
        if let Some(ty) = &annotated {
            value = self.coerce(value, ty, "this let's declared type");
        }
        self.locals = saved_locals;
        self.narrowed = saved_narrowed;
        let ty = value.ty.clone();
        if let Some(slot) = self.lets.get_mut(index) {
            *slot = LetState::Done(value);
        }
        Some(ty)
    }

    /// Reports lets whose chain of dependencies on other lets is deeper than the
    /// nesting limit: evaluating them would recurse that deep.
    fn let_depths(&mut self) {
        let refs: Vec<Vec<usize>> = self
            .lets
            .iter()
            .map(|state| match state {
                LetState::Done(e) => let_references(e),
                _ => Vec::new(),
            })
            .collect();
        let mut depth: Vec<Option<usize>> = vec![None; refs.len()];
        let mut visited = vec![false; refs.len()];
        for start in 0..refs.len() {
            // iterative post-order walk; cycles were reported already (N0114)
            let mut stack = vec![(start, false)];
            while let Some((at, expanded)) = stack.pop() {
                let deps = refs.get(at).map(Vec::as_slice).unwrap_or_default();
                if expanded {
                    let d = match self.lets.get(at) {
                        Some(LetState::Done(e)) => evaluation_depth(e, &depth),
                        _ => 1,
                    };
                    if let Some(slot) = depth.get_mut(at) {
                        *slot = Some(d);
                    }
                    continue;
                }
                if visited.get(at).copied().unwrap_or(true) {
                    continue;
                }
                if let Some(flag) = visited.get_mut(at) {
                    *flag = true;
                }
                stack.push((at, true));
                stack.extend(deps.iter().map(|&r| (r, false)));
            }
        }
        let decls = self.decls;
        let limit = self.max_nesting;
        let deepest = depth.iter().zip(&decls.lets).find(|(d, _)| d.is_some_and(|d| d > limit)).map(|(_, decl)| decl);
        self.let_depths = depth;
        if let Some(decl) = deepest {
            self.report(
                Diagnostic::error(
                    Code::P0005,
                    format!(
                        "`{}` depends on lets nested more than --max-nesting ({limit}) levels deep",
                        decl.name.name
                    ),
                )
                .at(decl.name.span, "too deeply nested")
                .help("a chain of lets this long cannot be reviewed; compute it in fewer steps"),
            );
        }
    }

    pub(crate) fn let_by_name(&self, name: &str) -> Option<usize> {
        self.let_index.get(name).copied()
    }

    pub(crate) fn let_in_progress(&self, index: usize) -> bool {
        matches!(self.lets.get(index), Some(LetState::InProgress))
    }

    pub(crate) fn const_by_name(&self, name: &str) -> Option<usize> {
        self.const_index.get(name).copied()
    }

    pub(crate) fn list_by_name(&self, name: &str) -> Option<(ListId, Type)> {
        self.list_index.get(name).cloned()
    }

    pub(crate) fn enum_by_name(&self, name: &str) -> Option<EnumId> {
        self.enum_ids.get(name).copied()
    }

    /// The folded value of const `index`, checking it on first use.
    pub(crate) fn const_value(&mut self, index: usize) -> Option<(Value, Type)> {
        match self.consts.get(index) {
            Some(ConstState::Done(v, t)) => return Some((v.clone(), t.clone())),
            Some(ConstState::Unchecked) => {}
            _ => return None,
        }
        let decls = self.decls;
        let decl = decls.consts.get(index)?;
        if let Some(slot) = self.consts.get_mut(index) {
            *slot = ConstState::InProgress;
        }
        let ty = self.resolve_type(&decl.ty, TypeUse::Let);
        let saved_locals = std::mem::take(&mut self.locals);
        let value = self.expr(&decl.value, Some(&ty));
        let value = self.coerce(value, &ty, "the const's declared type");
        self.locals = saved_locals;
        let folded = self.fold_constant(&value, "a const");
        let state = match folded {
            Some(v) => ConstState::Done(v, ty),
            None => ConstState::Failed,
        };
        if let Some(slot) = self.consts.get_mut(index) {
            *slot = state;
        }
        match self.consts.get(index) {
            Some(ConstState::Done(v, t)) => Some((v.clone(), t.clone())),
            _ => None,
        }
    }

    pub(crate) fn const_in_progress(&self, index: usize) -> bool {
        matches!(self.consts.get(index), Some(ConstState::InProgress))
    }

    /// Evaluates an expression that must not depend on the input (T0208).
    pub(crate) fn fold_constant(&mut self, value: &Expr, what: &str) -> Option<Value> {
        if value.ty.is_error() {
            return None;
        }
        if let Some(span) = first_non_constant(value) {
            self.report(
                Diagnostic::error(Code::T0208, format!("{what} must be known when the policy is compiled"))
                    .at(span, "depends on the input, a list or `as_of`")
                    .help("use a `let` for values computed from the input"),
            );
            return None;
        }
        let mut problems = Vec::new();
        let folded = fold::fold_checked(value, &|| what.to_string(), &mut problems);
        self.diagnostics.extend(problems);
        folded
    }

    /// T0209 for every constant part of the rules' conditions and the lets
    /// that cannot be computed exactly (lowering folds them).
    fn constant_parts(&mut self, rules: &[ir::RuleDef]) {
        let mut problems = Vec::new();
        for rule in rules {
            let what = || format!("a constant part of rule `{}`", rule.code);
            fold::fold_checked(&rule.condition, &what, &mut problems);
        }
        for (state, decl) in self.lets.iter().zip(&self.decls.lets) {
            if let LetState::Done(e) = state {
                let what = || format!("a constant part of `{}`", decl.name.name);
                fold::fold_checked(e, &what, &mut problems);
            }
        }
        self.diagnostics.extend(problems);
    }

    fn extra_authorities(&mut self) {
        let decls = self.decls;
        if let Some(first) = decls.authorities.first() {
            for extra in decls.authorities.iter().skip(1) {
                self.report(
                    Diagnostic::error(Code::A0311, "a policy has at most one `authority` block")
                        .at(extra.span, "second authority block")
                        .also(first.span, "first authority block")
                        .help("put all levels into one block"),
                );
            }
        }
    }

    // -------------------------------------------------------------- rules

    fn rules(&mut self, authority: Option<&ir::Authority>) -> Vec<ir::RuleDef> {
        let decls = self.decls;
        let mut out = Vec::new();
        for (rule, group) in &decls.rules {
            self.narrowed.clear();
            let condition = self.expr(&rule.condition, Some(&Type::Bool));
            let condition = self.coerce(condition, &Type::Bool, "a rule condition");
            let outcome = match &rule.outcome {
                Outcome::Decline => RuleOutcome::Decline,
                Outcome::Refer(None) => RuleOutcome::Refer(None),
                Outcome::Refer(Some(level)) => RuleOutcome::Refer(self.refer_level(level, authority)),
            };
            let overridable = rule.overridable.as_ref().and_then(|o| self.exception_level(&o.level, authority));
            out.push(ir::RuleDef {
                code: rule.code.name.clone(),
                message: rule.message.as_ref().map(|m| m.value.clone()),
                outcome,
                trigger: rule.trigger,
                condition,
                group: group.map(str::to_string),
                basis: governance::basis(rule.basis.as_ref()),
                effective: rule.effective,
                overridable,
                span: rule.span,
            });
        }
        out
    }

    fn refer_level(&mut self, level: &ast::Ident, authority: Option<&ir::Authority>) -> Option<u32> {
        let Some(authority) = authority else {
            if self.decls.authorities.is_empty() && !self.decls.broken_authority {
                self.report(
                    Diagnostic::error(Code::A0312, format!("`refer to {}` needs an `authority` block", level.name))
                        .at(level.span, "no authority levels are declared")
                        .help("declare the levels with `authority over PATH escalate CODE { level … }`, or write plain `refer`"),
                );
            } else if !self.is_level_name(None, &level.name) {
                let names = self.decls.authorities.iter().flat_map(|a| a.levels.iter().map(|l| l.name.name.as_str()));
                let help = did_you_mean(&level.name, names);
                self.report(
                    Diagnostic::error(Code::A0303, format!("unknown level `{}`", level.name))
                        .at(level.span, "not an authority level")
                        .maybe_help(help),
                );
            }
            return None;
        };
        let names: Vec<&str> = authority.levels.iter().map(|l| l.name.as_str()).collect();
        match names.iter().position(|n| *n == level.name) {
            Some(i) => Some(i as u32),
            None => {
                let help = did_you_mean(&level.name, names.iter().copied());
                self.report(
                    Diagnostic::error(Code::A0303, format!("unknown level `{}`", level.name))
                        .at(level.span, "not an authority level")
                        .maybe_help(help),
                );
                None
            }
        }
    }

    /// Whether `name` is an authority level: one of the checked block's or,
    /// when the block did not check (or parse), one it declares.
    pub(crate) fn is_level_name(&self, authority: Option<&ir::Authority>, name: &str) -> bool {
        match authority {
            Some(a) => a.levels.iter().any(|l| l.name == name),
            None => {
                self.decls.broken_authority
                    || self.decls.broken.contains(name)
                    || self.decls.authorities.iter().any(|a| a.levels.iter().any(|l| l.name.name == name))
            }
        }
    }

    /// Whether a name was declared, or mentioned, by something that did not
    /// parse (so it is neither unknown nor unused).
    pub(crate) fn touched_by_broken(&self, name: &str) -> bool {
        self.decls.broken.contains(name) || self.decls.mentioned.contains(name)
    }

    pub(crate) fn name_kind(&self, name: &str) -> Option<DeclKind> {
        self.decls.names.get(name).map(|(k, _)| *k)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeUse {
    Field,
    Element,
    Let,
}

/// The span of the first sub-expression that is not known at compile time.
pub(crate) fn first_non_constant(expr: &Expr) -> Option<Span> {
    match expr.kind {
        ExprKind::Input | ExprKind::AsOf | ExprKind::Let(_) | ExprKind::List(_) | ExprKind::Versioned(_) => {
            Some(expr.span)
        }
        _ => expr.children().find_map(first_non_constant),
    }
}

/// True when the expression reads nothing but constants.
pub(crate) fn is_constant(expr: &Expr) -> bool {
    first_non_constant(expr).is_none() && !mentions_local(expr)
}

fn mentions_local(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Local(_)) || expr.children().any(mentions_local)
}

pub(crate) fn let_id(index: usize) -> LetId {
    LetId(index as u32)
}

/// How deep the interpreter recurses to evaluate `expr`: its own nesting, with
/// each `let` it reads counting as deep as that let's evaluation (lets are
/// evaluated where they are first read). `let_depths` holds the lets' depths.
pub(crate) fn evaluation_depth(expr: &Expr, let_depths: &[Option<usize>]) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(expr, 1usize)];
    while let Some((e, d)) = stack.pop() {
        let below = match e.kind {
            ExprKind::Let(id) => let_depths.get(id.0 as usize).copied().flatten().unwrap_or(0),
            _ => 0,
        };
        deepest = deepest.max(d.saturating_add(below));
        stack.extend(e.children().map(|c| (c, d + 1)));
    }
    deepest
}

/// P0005 for a rule whose condition, with the lets it reads, nests deeper than `limit`.
fn rule_too_deep(rule: &ir::RuleDef, let_depths: &[Option<usize>], limit: usize) -> Option<Diagnostic> {
    (evaluation_depth(&rule.condition, let_depths) > limit).then(|| {
        Diagnostic::error(
            Code::P0005,
            format!("rule {} with the lets it reads nests more than --max-nesting ({limit}) levels deep", rule.code),
        )
        .at(rule.span, "too deeply nested")
        .help("compute the value in fewer steps: a condition this deep cannot be reviewed")
    })
}

/// The lets an expression reads directly.
fn let_references(expr: &Expr) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        if let ExprKind::Let(id) = e.kind {
            out.push(id.0 as usize);
        }
        stack.extend(e.children());
    }
    out
}
