//! In-language tests (§8): fixtures and `given` records are typed against the
//! input record and folded to values; expectations name real levels and codes.

use super::Checker;
use crate::base::codes::Code;
use crate::base::diag::{did_you_mean, Diagnostic};
use crate::base::source::Span;
use crate::base::types::{RecordId, Type};
use crate::ir::{self, Expectation, TestCase};
use crate::sema::resolve::Declarations;
use crate::syntax::ast::{self, ExpectedOutcome, FixtureDecl, RecordValue};
use crate::value::Value;
use std::collections::{HashMap, HashSet};

impl<'a> Checker<'a> {
    pub(crate) fn tests(
        &mut self,
        authority: Option<&ir::Authority>,
        rules: &[ir::RuleDef],
        credit_limits: &[ir::CreditLimit],
        outputs: &[ir::OutputDef],
    ) -> Vec<TestCase> {
        let decls = self.decls;
        let Some((input_name, input_record)) = self.input.clone() else { return Vec::new() };
        let fixtures = self.fixtures(input_record);
        let mut codes: HashSet<&str> = rules.iter().map(|r| r.code.as_str()).collect();
        // the block's code, whether or not the block checked
        codes.extend(decls.authorities.first().map(|a| a.escalate.name.as_str()));
        codes.extend(credit_limits.iter().map(|l| l.code.as_str()));
        let escalations = decls.authorities.iter().flat_map(|a| a.levels.iter().flat_map(|l| &l.limits));
        codes.extend(escalations.filter_map(|l| l.escalate.as_ref()).map(|(code, _)| code.name.as_str()));
        let mut out = Vec::new();
        for test in &decls.tests {
            let given = &test.given;
            if given.input.name != input_name {
                self.report(
                    Diagnostic::error(Code::N0103, format!("unknown name `{}`", given.input.name))
                        .at(given.input.span, format!("the input is `{input_name}`"))
                        .help(format!("write `given {input_name} = …`")),
                );
                continue;
            }
            let base = match &given.base {
                None => None,
                Some(name) => match fixtures.get(name.name.as_str()) {
                    Some(value) => Some(value.clone()),
                    None => {
                        let names = decls.fixtures.iter().map(|f| f.name.name.as_str());
                        // a fixture that exists but failed to check was reported already
                        let declared = decls.fixtures.iter().any(|f| f.name.name == name.name);
                        if !declared && !decls.broken.contains(&name.name) {
                            self.report(
                                Diagnostic::error(Code::N0103, format!("unknown fixture `{}`", name.name))
                                    .at(name.span, "no fixture with this name")
                                    .maybe_help(did_you_mean(&name.name, names)),
                            );
                        }
                        continue;
                    }
                },
            };
            let Some(record) = self.record_literal(&given.record, input_record, base) else { continue };
            let Some(expect) = self.expectation(&test.expect, authority, &codes) else { continue };
            let Some(expected_outputs) = self.expected_outputs(test.outputs.as_ref(), outputs) else { continue };
            out.push(TestCase {
                name: test.name.value.clone(),
                record,
                as_of: test.as_of.map(|(d, _)| d),
                expect,
                outputs: expected_outputs,
                span: test.span,
            });
        }
        out
    }

    /// `outputs { name: value, … }`: each name an output, each value of its type.
    fn expected_outputs(
        &mut self,
        lit: Option<&ast::RecordLit>,
        outputs: &[ir::OutputDef],
    ) -> Option<Vec<(String, Value)>> {
        let Some(lit) = lit else { return Some(Vec::new()) };
        let mut out = Vec::new();
        let mut ok = true;
        for (path, value) in &lit.entries {
            let name = path.dotted();
            let Some(output) = outputs.iter().find(|o| o.name == name) else {
                // an output that did not parse or check was reported already
                let declared = self.decls.outputs.iter().any(|o| o.name.name == name);
                if !declared && !self.decls.broken.contains(&name) {
                    let names = outputs.iter().map(|o| o.name.as_str());
                    self.report(
                        Diagnostic::error(Code::N0121, format!("no output is called `{name}`"))
                            .at(path.span, "not an output of the policy")
                            .maybe_help(did_you_mean(&name, names)),
                    );
                }
                ok = false;
                continue;
            };
            if out.iter().any(|(n, _)| *n == name) {
                self.report(
                    Diagnostic::error(Code::N0111, format!("output `{name}` is given twice"))
                        .at(path.span, "given again"),
                );
                ok = false;
                continue;
            }
            match self.literal_value(value, &output.expr.ty.clone()) {
                Some(v) => out.push((name, v)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Every fixture's record, derived ones (`fixture B = A with { … }`) after
    /// their bases; a fixture that does not check (or derives from one that
    /// does not) has no entry. Chains are followed without recursion, so a long
    /// chain cannot exhaust the stack.
    fn fixtures(&mut self, input_record: RecordId) -> HashMap<&'a str, Value> {
        let decls: &'a Declarations<'a> = self.decls;
        let mut by_name: HashMap<&str, &FixtureDecl> = HashMap::new();
        for fixture in &decls.fixtures {
            // a duplicate name was reported (N0101): the first one counts
            by_name.entry(fixture.name.name.as_str()).or_insert(fixture);
        }
        let mut done: HashMap<&'a str, Option<Value>> = HashMap::new();
        for start in &decls.fixtures {
            if done.contains_key(start.name.name.as_str()) {
                continue;
            }
            // from `start` down its bases to one already done, one with no base,
            // an unknown base or a cycle
            let mut chain: Vec<&FixtureDecl> = Vec::new();
            let mut on_chain: HashSet<&str> = HashSet::new();
            let mut current = start;
            let root: Result<Option<Value>, ()> = loop {
                if let Some(value) = done.get(current.name.name.as_str()) {
                    break value.clone().map(Some).ok_or(());
                }
                if !on_chain.insert(current.name.name.as_str()) {
                    self.fixture_cycle(&chain, current);
                    break Err(());
                }
                chain.push(current);
                let Some(base) = &current.base else { break Ok(None) };
                match by_name.get(base.name.as_str()) {
                    Some(next) => current = next,
                    None => {
                        self.unknown_fixture_base(&chain, base);
                        break Err(());
                    }
                }
            };
            let mut value = root;
            for fixture in chain.iter().rev() {
                value = match value {
                    Ok(base) => self.record_literal(&fixture.record, input_record, base).map(Some).ok_or(()),
                    Err(()) => Err(()),
                };
                done.entry(fixture.name.name.as_str()).or_insert_with(|| value.clone().ok().flatten());
            }
        }
        done.into_iter().filter_map(|(name, value)| Some((name, value?))).collect()
    }

    /// N0125: `current` is on `chain` already, so its bases come back to it.
    fn fixture_cycle(&mut self, chain: &[&FixtureDecl], current: &FixtureDecl) {
        let start = chain.iter().position(|f| f.name.name == current.name.name).unwrap_or(0);
        let cycle = chain.get(start..).unwrap_or_default();
        let Some(last) = cycle.last() else { return };
        let Some(closing) = &last.base else { return };
        let mut steps: Vec<String> = cycle.iter().map(|f| format!("`{}`", f.name.name)).collect();
        steps.push(format!("`{}`", current.name.name));
        let d = Diagnostic::error(Code::N0125, format!("fixture cycle: {}", steps.join(" ← ")))
            .at(
                closing.span,
                format!("`{}` is derived from `{}` here, which closes the cycle", last.name.name, closing.name),
            )
            .also(current.name.span, format!("`{}` is declared here", current.name.name))
            .help("start one of these fixtures from a record literal: `fixture NAME = { … }`");
        self.report(d);
    }

    /// An unknown base at the end of `chain` (N0103), unless it failed to parse.
    fn unknown_fixture_base(&mut self, chain: &[&FixtureDecl], base: &ast::Ident) {
        let decls = self.decls;
        if decls.broken.contains(&base.name) {
            return;
        }
        let names = decls.fixtures.iter().map(|f| f.name.name.as_str());
        let mut d = Diagnostic::error(Code::N0103, format!("unknown fixture `{}`", base.name))
            .at(base.span, "no fixture with this name")
            .maybe_help(did_you_mean(&base.name, names));
        if chain.len() > 1 {
            let mut steps: Vec<String> = chain.iter().map(|f| format!("`{}`", f.name.name)).collect();
            steps.push(format!("`{}`", base.name));
            if let Some(first) = chain.first() {
                d = d.also(first.name.span, format!("derived through {}", steps.join(" ← ")));
            }
        }
        self.report(d);
    }

    fn expectation(
        &mut self,
        expect: &ExpectedOutcome,
        authority: Option<&ir::Authority>,
        codes: &HashSet<&str>,
    ) -> Option<Expectation> {
        let mut ok = true;
        let level = |checker: &mut Checker<'_>, ident: &ast::Ident| -> Option<String> {
            if checker.is_level_name(authority, &ident.name) {
                return Some(ident.name.clone());
            }
            let names: Vec<&str> = match authority {
                Some(a) => a.levels.iter().map(|l| l.name.as_str()).collect(),
                None => {
                    checker.decls.authorities.iter().flat_map(|a| &a.levels).map(|l| l.name.name.as_str()).collect()
                }
            };
            checker.report(
                Diagnostic::error(Code::A0303, format!("unknown level `{}`", ident.name))
                    .at(ident.span, "not an authority level")
                    .maybe_help(did_you_mean(&ident.name, names.iter().copied())),
            );
            None
        };
        let mut code_list = |checker: &mut Checker<'_>, list: &Option<Vec<ast::Ident>>| -> Option<Vec<String>> {
            let list = list.as_ref()?;
            let mut out = Vec::new();
            for code in list {
                // a rule that did not parse was reported already; so was an
                // authority head that did not, and any code may have been its
                let broken = checker.decls.broken.contains(&code.name) || checker.decls.broken_authority;
                if !codes.contains(&code.name.as_str()) && !broken {
                    checker.report(
                        Diagnostic::error(Code::N0115, format!("no rule has the reason code `{}`", code.name))
                            .at(code.span, "unknown reason code")
                            .maybe_help(did_you_mean(&code.name, codes.iter().copied())),
                    );
                    ok = false;
                }
                out.push(code.name.clone());
            }
            out.sort();
            out.dedup();
            Some(out)
        };
        let expectation = match expect {
            ExpectedOutcome::Approve { at, .. } => Expectation::Approve {
                at: match at {
                    Some(ident) => Some(level(self, ident)?),
                    None => None,
                },
            },
            ExpectedOutcome::Decline { codes, .. } => Expectation::Decline { codes: code_list(self, codes) },
            ExpectedOutcome::Refer { to, codes, .. } => {
                let to = level(self, to);
                let codes = code_list(self, codes);
                Expectation::Refer { to: to?, codes }
            }
            ExpectedOutcome::Error { .. } => Expectation::Error,
        };
        ok.then_some(expectation)
    }

    /// Types a record literal against `record`, starting from `base` (a fixture
    /// being changed with `with`) or from nothing (then every required field is needed).
    pub(crate) fn record_literal(
        &mut self,
        lit: &ast::RecordLit,
        record: RecordId,
        base: Option<Value>,
    ) -> Option<Value> {
        let def = self.schema.record(record)?.clone();
        let from_base = base.is_some();
        let mut fields: Vec<Option<Value>> = match base {
            Some(Value::Record(values)) => values.iter().cloned().map(Some).collect(),
            _ => vec![None; def.fields.len()],
        };
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut ok = true;
        for (path, value) in &lit.entries {
            let key = path.dotted();
            if let Some(first) = seen.get(&key) {
                self.report(
                    Diagnostic::error(Code::N0111, format!("field `{key}` is given twice"))
                        .at(path.span, "given again")
                        .also(*first, "first given here"),
                );
                ok = false;
                continue;
            }
            seen.insert(key, path.span);
            ok &= self.assign(&mut fields, record, &path.segments, value);
        }
        if !ok {
            // a field given with a wrong value was reported; do not call it missing
            return None;
        }
        let missing: Vec<&str> = def
            .fields
            .iter()
            .zip(&fields)
            .filter(|(f, v)| v.is_none() && !f.ty.is_optional())
            .map(|(f, _)| f.name.as_str())
            .collect();
        if !missing.is_empty() && !from_base {
            let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            self.report(
                Diagnostic::error(Code::T0220, format!("the test record lacks {list}"))
                    .at(lit.span, format!("`{}` needs every field", def.name))
                    .help("give every field (optional ones may be `none`), or start from a fixture: `given applicant = NAME with { … }`"),
            );
            return None;
        }
        ok.then(|| Value::Record(fields.into_iter().map(|v| v.unwrap_or(Value::None)).collect()))
    }

    /// Sets `path` (one or more field names) inside `fields` of `record`.
    fn assign(
        &mut self,
        fields: &mut [Option<Value>],
        record: RecordId,
        path: &[ast::Ident],
        value: &RecordValue,
    ) -> bool {
        let Some((head, rest)) = path.split_first() else { return false };
        let Some(index) = self.field_position(record, &head.name) else {
            let Some(def) = self.schema.record(record) else { return false };
            let help = did_you_mean(&head.name, def.fields.iter().map(|f| f.name.as_str()));
            self.report(
                Diagnostic::error(Code::N0105, format!("unknown field `{}` on `{}`", head.name, def.name))
                    .at(head.span, format!("not a field of `{}`", def.name))
                    .maybe_help(help),
            );
            return false;
        };
        self.index_field(head.span, record, index);
        let ty = self.schema.record(record).and_then(|d| d.fields.get(index)).map_or(Type::Error, |f| f.ty.clone());
        let Some(slot) = fields.get_mut(index) else { return false };
        if rest.is_empty() {
            return match self.literal_value(value, &ty) {
                Some(v) => {
                    *slot = Some(v);
                    true
                }
                None => false,
            };
        }
        // a dotted path changes one field inside a record already given
        let (Type::Record(inner), Some(Value::Record(current))) = (ty.unwrap_optional().clone(), slot.clone()) else {
            self.report(
                Diagnostic::error(Code::T0220, format!("`{}` has no record value to change", head.name))
                    .at(head.span, "not a record given earlier")
                    .help("give the whole record, or change a field of a fixture's record"),
            );
            return false;
        };
        let mut inner_fields: Vec<Option<Value>> = current.iter().cloned().map(Some).collect();
        let ok = self.assign(&mut inner_fields, inner, rest, value);
        *slot = Some(Value::Record(inner_fields.into_iter().map(|v| v.unwrap_or(Value::None)).collect()));
        ok
    }

    fn literal_value(&mut self, value: &RecordValue, ty: &Type) -> Option<Value> {
        match value {
            RecordValue::Record(lit) => match ty.unwrap_optional() {
                Type::Record(r) => self.record_literal(lit, *r, None),
                other => {
                    let shown = self.show(other);
                    self.report(
                        Diagnostic::error(Code::T0201, format!("expected `{shown}`, found a record"))
                            .at(lit.span, "a record literal"),
                    );
                    None
                }
            },
            RecordValue::List(items, span) => match ty.unwrap_optional() {
                Type::List(element) => {
                    let element = (**element).clone();
                    let mut values = Vec::with_capacity(items.len());
                    for item in items {
                        values.push(self.literal_value(item, &element)?);
                    }
                    Some(Value::List(values.into()))
                }
                other => {
                    let shown = self.show(other);
                    self.report(
                        Diagnostic::error(Code::T0201, format!("expected `{shown}`, found a list"))
                            .at(*span, "a list literal"),
                    );
                    None
                }
            },
            RecordValue::Expr(e) => {
                let checked = self.expr(e, Some(ty));
                let checked = self.coerce(checked, ty, "this field");
                if checked.ty.is_error() {
                    return None;
                }
                self.fold_constant(&checked, "test data")
            }
        }
    }
}
