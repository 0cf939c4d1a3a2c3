//! What a policy's names and expressions are, for editors (the language
//! server): every definition, the definition each use resolves to, and the type
//! of each expression by its span. The checker fills it in when asked
//! ([`crate::analyze`]); [`crate::compile`] never builds it.
//!
//! Queries take a file and a byte offset (convert an editor's position with
//! [`crate::base::lines::LineIndex::offset_utf16`]) and return plain data.

use crate::base::source::{FileId, SourceMap, Span};
use crate::base::types::{Schema, Type};
use crate::sema::resolve::Declarations;
use crate::syntax::ast::{ExpectedOutcome, Outcome, Trigger};
use rustc_hash::FxHashMap as HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// A definition in an [`Index`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefId(pub u32);

/// What a definition declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefKind {
    /// The `policy NAME` header.
    Policy,
    Enum,
    /// A variant of an enum (its parent).
    Variant,
    Record,
    /// A field of a record (its parent).
    Field,
    Input,
    List,
    Const,
    Let,
    Group,
    /// A rule, named by its reason code (its parent is its group, if any).
    Rule,
    /// The authority block's escalation reason code.
    Escalation,
    /// A `level` block of the authority.
    Level,
    Fixture,
    /// A `test "name"`, named by its string.
    Test,
    /// The parameter of a lambda (`x` in `any(xs, x => …)`).
    Parameter,
}

impl DefKind {
    /// The word that declares it (`const`, `level`, …).
    pub fn keyword(self) -> &'static str {
        match self {
            DefKind::Policy => "policy",
            DefKind::Enum => "enum",
            DefKind::Variant => "variant",
            DefKind::Record => "record",
            DefKind::Field => "field",
            DefKind::Input => "input",
            DefKind::List => "list",
            DefKind::Const => "const",
            DefKind::Let => "let",
            DefKind::Group => "group",
            DefKind::Rule => "rule",
            DefKind::Escalation => "escalate",
            DefKind::Level => "level",
            DefKind::Fixture => "fixture",
            DefKind::Test => "test",
            DefKind::Parameter => "parameter",
        }
    }
}

/// One declared thing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Definition {
    /// What it declares.
    pub kind: DefKind,
    /// As written (a test's name without its quotes).
    pub name: String,
    /// The name as written: where "go to definition" lands and what a rename edits.
    pub span: Span,
    /// The whole declaration.
    pub full: Span,
    /// The enum of a variant, the record of a field, the group of a rule.
    pub parent: Option<DefId>,
    /// The enum or record its values have, when it has one (an input, field,
    /// list, const, let or parameter): "go to type definition", completion after `.`.
    pub type_def: Option<DefId>,
    /// A short description: a const's type and value, a field's or let's type,
    /// a rule's message and outcome, a list's element type and file, a level's
    /// limits, an enum's variants. Empty when nothing is known (a let whose
    /// expression has an error).
    pub detail: String,
    /// A rule's governance clauses (§15) as a policy writes them, one a line:
    /// `basis industry "…"`, `effective 2027-07-01 ..`, `overridable by head_office`.
    /// Empty for other definitions and for rules without them.
    pub governance: String,
}

impl Definition {
    /// One line, as a hover shows it: `let dti: Decimal`, `rule A01 "未满18周岁" (decline)`.
    pub fn signature(&self) -> String {
        let keyword = self.kind.keyword();
        let name = &self.name;
        let detail = &self.detail;
        match self.kind {
            _ if detail.is_empty() => format!("{keyword} {name}"),
            // `(does not parse)`
            _ if detail.starts_with('(') => format!("{keyword} {name} {detail}"),
            DefKind::Field | DefKind::Input | DefKind::List | DefKind::Const | DefKind::Let | DefKind::Parameter => {
                format!("{keyword} {name}: {detail}")
            }
            DefKind::Test => format!("{keyword} {name:?}: {detail}"),
            _ => format!("{keyword} {name} {detail}"),
        }
    }
}

/// A use of a definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The name as written at the use.
    pub span: Span,
    /// What it names.
    pub def: DefId,
}

/// The type of the innermost expression at a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeAt {
    /// The expression.
    pub span: Span,
    /// As a policy author writes it (`Money`, `set<Funder>`, `String?`).
    pub ty: String,
}

/// What an editor shows for a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// What the hover is about: the name, or the expression.
    pub span: Span,
    /// The definition named there (used or declared), if any.
    pub definition: Option<DefId>,
    /// The definition's signature, or else the expression's type.
    pub text: String,
    /// The type of the innermost expression there, if it has one.
    pub ty: Option<String>,
}

/// Definitions, references and expression types of a whole policy (all its files).
#[derive(Clone, Debug, Default)]
pub struct Index {
    defs: Vec<Definition>,
    names: SpanTable<DefId>,
    refs: SpanTable<DefId>,
    /// Each expression's type, as an index into `type_table`: a few distinct
    /// types serve a policy's hundred thousand expressions.
    types: SpanTable<u32>,
    type_table: Vec<Type>,
    members: HashMap<DefId, Vec<DefId>>,
    schema: Schema,
}

impl Index {
    /// Every definition, in declaration order.
    pub fn definitions(&self) -> &[Definition] {
        &self.defs
    }

    /// The definition `id` (of this index).
    pub fn definition(&self, id: DefId) -> Option<&Definition> {
        self.defs.get(id.0 as usize)
    }

    /// Every use, by file and position.
    pub fn references(&self) -> impl Iterator<Item = Reference> + '_ {
        self.refs.entries().iter().map(|&(span, def)| Reference { span, def })
    }

    /// The definition named at `offset` in `file`: the one a use there refers
    /// to, or the one whose name is written there. An offset just after a name
    /// (where an editor's cursor stands) counts as on it.
    pub fn definition_at(&self, file: FileId, offset: usize) -> Option<DefId> {
        self.reference_at(file, offset).map(|r| r.def).or_else(|| self.names.innermost(file, offset).map(|e| e.1))
    }

    /// The use at `offset` in `file`, if there is one.
    pub fn reference_at(&self, file: FileId, offset: usize) -> Option<Reference> {
        self.refs.innermost(file, offset).map(|&(span, def)| Reference { span, def })
    }

    /// Where `def` is used (not where it is declared), by file and position.
    pub fn references_of(&self, def: DefId) -> Vec<Span> {
        self.refs.entries().iter().filter(|(_, d)| *d == def).map(|(span, _)| *span).collect()
    }

    /// The type of the innermost expression at `offset` in `file`.
    pub fn type_at(&self, file: FileId, offset: usize) -> Option<TypeAt> {
        let (span, ty) = self.types.innermost(file, offset)?;
        let ty = self.type_table.get(*ty as usize)?;
        Some(TypeAt { span: *span, ty: self.schema.display(ty).to_string() })
    }

    /// What to show for `offset` in `file`: the definition named there, else
    /// the type of the expression there.
    pub fn hover_at(&self, file: FileId, offset: usize) -> Option<Hover> {
        let ty = self.type_at(file, offset);
        let named = match self.reference_at(file, offset) {
            Some(r) => Some((r.span, r.def)),
            None => self.names.innermost(file, offset).map(|&(span, def)| (span, def)),
        };
        if let Some((span, def)) = named {
            let found = self.definition(def)?;
            let mut text = found.signature();
            if !found.governance.is_empty() {
                text.push('\n');
                text.push_str(&found.governance);
            }
            return Some(Hover { span, definition: Some(def), text, ty: ty.map(|t| t.ty) });
        }
        let ty = ty?;
        Some(Hover { span: ty.span, definition: None, text: ty.ty.clone(), ty: Some(ty.ty) })
    }

    /// What a definition holds: a record's fields, an enum's variants, a group's rules.
    pub fn members(&self, def: DefId) -> &[DefId] {
        self.members.get(&def).map_or(&[], Vec::as_slice)
    }

    /// The definitions declared in `file`, in declaration order (an outline).
    pub fn definitions_in(&self, file: FileId) -> impl Iterator<Item = (DefId, &Definition)> + '_ {
        self.defs.iter().enumerate().filter(move |(_, d)| d.span.file == file).map(|(i, d)| (DefId(i as u32), d))
    }
}

/// Spans with a value, found by the innermost span holding an offset. The
/// entries are sorted on the first query, not when the checker is done: an
/// editor's edit publishes its diagnostics without waiting for the sort.
struct SpanTable<T> {
    /// The entries as recorded, until the first query takes them to sort.
    recorded: Mutex<Vec<(Span, T)>>,
    sorted: OnceLock<Sorted<T>>,
}

/// A [`SpanTable`]'s entries, sorted.
#[derive(Clone, Debug)]
struct Sorted<T> {
    /// By file, then start, then end from the widest.
    entries: Vec<(Span, T)>,
    /// The furthest end among the entries of the same file up to each one.
    reach: Vec<u32>,
}

impl<T> Default for SpanTable<T> {
    fn default() -> SpanTable<T> {
        SpanTable { recorded: Mutex::new(Vec::new()), sorted: OnceLock::new() }
    }
}

impl<T: Clone> Clone for SpanTable<T> {
    fn clone(&self) -> SpanTable<T> {
        SpanTable { recorded: Mutex::new(Vec::new()), sorted: OnceLock::from(self.sorted().clone()) }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for SpanTable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpanTable").field("entries", &self.entries()).finish()
    }
}

impl<T> SpanTable<T> {
    /// The entries, to be sorted when first asked for; of entries with one
    /// span the first given is kept.
    fn new(entries: Vec<(Span, T)>) -> SpanTable<T> {
        SpanTable { recorded: Mutex::new(entries), sorted: OnceLock::new() }
    }

    /// By file, then start, then end from the widest.
    fn entries(&self) -> &[(Span, T)] {
        &self.sorted().entries
    }

    fn sorted(&self) -> &Sorted<T> {
        self.sorted.get_or_init(|| {
            // INVARIANT: only this initialisation takes the recorded entries, once
            let mut recorded = self.recorded.lock().unwrap_or_else(PoisonError::into_inner);
            Sorted::new(std::mem::take(&mut *recorded))
        })
    }

    /// The entry with the innermost span holding `offset` (its start ≤ offset ≤ its end):
    /// of nested spans the one that starts last, of spans starting together the shortest.
    fn innermost(&self, file: FileId, offset: usize) -> Option<&(Span, T)> {
        let Sorted { entries, reach } = self.sorted();
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        let first = entries.partition_point(|(s, _)| s.file < file);
        let past = entries.partition_point(|(s, _)| (s.file, s.start) <= (file, offset));
        for at in (first..past).rev() {
            // no entry from here back reaches the offset
            if reach.get(at).is_none_or(|&end| end < offset) {
                return None;
            }
            let entry = entries.get(at)?;
            if entry.0.end >= offset {
                return Some(entry);
            }
        }
        None
    }
}

impl<T> Sorted<T> {
    /// Sorts `entries`; of entries with one span the first given is kept.
    fn new(entries: Vec<(Span, T)>) -> Sorted<T> {
        // one integer key each: file, start, end from the widest, then the order given
        let mut keyed: Vec<(u128, Span, T)> = entries
            .into_iter()
            .enumerate()
            .map(|(i, (s, value))| {
                let key = (u128::from(s.file.0) << 96)
                    | (u128::from(s.start) << 64)
                    | (u128::from(u32::MAX - s.end) << 32)
                    | (i as u128 & 0xFFFF_FFFF);
                (key, s, value)
            })
            .collect();
        keyed.sort_unstable_by_key(|entry| entry.0);
        let mut entries: Vec<(Span, T)> = keyed.into_iter().map(|(_, s, value)| (s, value)).collect();
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        let mut reach = Vec::with_capacity(entries.len());
        let mut previous: Option<(FileId, u32)> = None;
        for (span, _) in &entries {
            let furthest = match previous {
                Some((file, end)) if file == span.file => end.max(span.end),
                _ => span.end,
            };
            reach.push(furthest);
            previous = Some((span.file, furthest));
        }
        Sorted { entries, reach }
    }
}

// ------------------------------------------------------------------ building

/// Collects the index while the checker runs: definitions come from the
/// declarations at the start, uses and types as the checker resolves them.
#[derive(Debug, Default)]
pub(crate) struct IndexBuilder {
    defs: Vec<Definition>,
    /// Each definition by the span of its name.
    by_span: HashMap<Span, DefId>,
    members: HashMap<DefId, Vec<DefId>>,
    /// Reason codes (the rules', the escalation's), the first declaration of each.
    codes: HashMap<String, DefId>,
    /// The first authority block's levels by name.
    levels: HashMap<String, DefId>,
    /// What declarations that do not parse declared, by name.
    broken: HashMap<String, DefId>,
    /// The lambda parameters in scope, innermost last.
    parameters: Vec<(String, DefId)>,
    refs: Vec<(Span, DefId)>,
    /// Each typed expression, its type an index into `type_table`.
    types: Vec<(Span, u32)>,
    type_table: Vec<Type>,
    type_ids: HashMap<Type, u32>,
}

impl IndexBuilder {
    /// Every definition the declarations make, with what is known of each
    /// before checking (the rest is added by [`IndexBuilder::set_detail`]).
    pub(crate) fn new(decls: &Declarations<'_>, sources: &SourceMap) -> IndexBuilder {
        let mut b = IndexBuilder::default();
        let text = |span: Span| one_line(sources.snippet(span));
        b.define_types_and_values(decls, &text);
        b.define_rules_and_levels(decls, &text);
        b.define_tests_and_broken(decls, &text);
        b.uses_by_name(decls);
        b
    }

    /// The header, enums and variants, records and fields, the input, lists, consts and lets.
    fn define_types_and_values(&mut self, decls: &Declarations<'_>, text: &dyn Fn(Span) -> String) {
        let b = self;
        if let Some(h) = &decls.header {
            let title = h.title.as_ref().map(|t| format!("{} ", quoted(&t.value))).unwrap_or_default();
            b.define(
                DefKind::Policy,
                &h.name.name,
                h.name.span,
                h.span,
                None,
                format!("{title}version {}", quoted(&h.version.value)),
            );
        }
        for e in &decls.enums {
            let names: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
            let id = b.define(DefKind::Enum, &e.name.name, e.name.span, e.span, None, braced(&names));
            for v in &e.variants {
                b.define(DefKind::Variant, &v.name, v.span, v.span, Some(id), format!("of {}", e.name.name));
            }
        }
        for r in &decls.records {
            let names: Vec<&str> = r.fields.iter().map(|f| f.name.name.as_str()).collect();
            let id = b.define(DefKind::Record, &r.name.name, r.name.span, r.span, None, braced(&names));
            for f in &r.fields {
                b.define(
                    DefKind::Field,
                    &f.name.name,
                    f.name.span,
                    f.name.span.to(f.ty.span),
                    Some(id),
                    text(f.ty.span),
                );
            }
        }
        for i in &decls.inputs {
            b.define(DefKind::Input, &i.name.name, i.name.span, i.span, None, text(i.ty.span));
        }
        for (l, _) in &decls.lists {
            let column = l.column.as_ref().map(|c| format!(" column {}", quoted(&c.value))).unwrap_or_default();
            let detail = format!("set<{}> from {}{column}", text(l.ty.span), quoted(&l.from.value));
            b.define(DefKind::List, &l.name.name, l.name.span, l.span, None, detail);
        }
        for c in &decls.consts {
            let detail = format!("{} = {}", text(c.ty.span), text(c.value.span));
            b.define(DefKind::Const, &c.name.name, c.name.span, c.span, None, detail);
        }
        for l in &decls.lets {
            b.define(DefKind::Let, &l.name.name, l.name.span, l.span, None, String::new());
        }
    }

    /// Groups, rules, the escalation code and the levels.
    fn define_rules_and_levels(&mut self, decls: &Declarations<'_>, text: &dyn Fn(Span) -> String) {
        let b = self;
        let mut groups: HashMap<&str, DefId> = HashMap::default();
        for g in &decls.groups {
            let title = g.title.as_ref().map(|t| format!("{} ", quoted(&t.value))).unwrap_or_default();
            let rules = if g.rules == 1 { "rule" } else { "rules" };
            let id = b.define(
                DefKind::Group,
                &g.name.name,
                g.name.span,
                g.span,
                None,
                format!("{title}({} {rules})", g.rules),
            );
            groups.entry(g.name.name.as_str()).or_insert(id);
        }
        for (r, group) in &decls.rules {
            let parent = group.as_deref().and_then(|g| groups.get(g)).copied();
            let id = b.define(DefKind::Rule, &r.code.name, r.code.span, r.span, parent, rule_detail(r));
            b.defs[id.0 as usize].governance = rule_governance(r);
            b.codes.entry(r.code.name.clone()).or_insert(id);
        }
        for (n, a) in decls.authorities.iter().enumerate() {
            let message = a.message.as_ref().map(|m| format!("{} ", quoted(&m.value))).unwrap_or_default();
            let detail = format!("{message}(over {})", a.over.dotted());
            let id = b.define(DefKind::Escalation, &a.escalate.name, a.escalate.span, a.escalate.span, None, detail);
            b.codes.entry(a.escalate.name.clone()).or_insert(id);
            for level in &a.levels {
                let above: Vec<&str> = level.above.iter().map(|l| l.name.as_str()).collect();
                let mut parts = Vec::new();
                if !above.is_empty() {
                    parts.push(format!("above {}", above.join(", ")));
                }
                parts.extend(level.limits.iter().map(|l| text(l.span)));
                if level.limits.is_empty() && !level.incomplete {
                    parts.push("no limits".to_string());
                }
                let id =
                    b.define(DefKind::Level, &level.name.name, level.name.span, level.span, None, parts.join("; "));
                if n == 0 {
                    b.levels.entry(level.name.name.clone()).or_insert(id);
                }
            }
        }
    }

    /// Fixtures, tests, and what the declarations that do not parse declared.
    fn define_tests_and_broken(&mut self, decls: &Declarations<'_>, text: &dyn Fn(Span) -> String) {
        let b = self;
        for f in &decls.fixtures {
            let given = f.record.entries.len();
            b.define(DefKind::Fixture, &f.name.name, f.name.span, f.span, None, format!("({given} fields given)"));
        }
        for t in &decls.tests {
            let span = match &t.expect {
                ExpectedOutcome::Approve { span, .. }
                | ExpectedOutcome::Decline { span, .. }
                | ExpectedOutcome::Refer { span, .. }
                | ExpectedOutcome::Error { span } => *span,
            };
            b.define(DefKind::Test, &t.name.value, t.name.span, t.span, None, format!("expect {}", text(span)));
        }
        for broken in &decls.broken_names {
            let Some(kind) = declared_by(&broken.keyword) else { continue };
            let name = &broken.name;
            let id = b.define(kind, &name.name, name.span, broken.span, None, "(does not parse)".to_string());
            match kind {
                DefKind::Rule | DefKind::Escalation => b.codes.entry(name.name.clone()).or_insert(id),
                DefKind::Level => b.levels.entry(name.name.clone()).or_insert(id),
                _ => b.broken.entry(name.name.clone()).or_insert(id),
            };
        }
    }

    /// The uses that are names of reason codes, levels, the input and fixtures,
    /// which resolve whatever the types: `refer to LEVEL`, `above LEVEL`, a
    /// test's `given INPUT = FIXTURE`, its expected level and `[CODES]`.
    fn uses_by_name(&mut self, decls: &Declarations<'_>) {
        for (rule, _) in &decls.rules {
            if let Outcome::Refer(Some(level)) = &rule.outcome {
                self.use_level(level.span, &level.name);
            }
        }
        for level in decls.authorities.first().iter().flat_map(|a| &a.levels) {
            for above in &level.above {
                self.use_level(above.span, &above.name);
            }
        }
        let mut fixtures: HashMap<&str, Span> = HashMap::default();
        for fixture in &decls.fixtures {
            fixtures.entry(fixture.name.name.as_str()).or_insert(fixture.name.span);
        }
        for fixture in &decls.fixtures {
            if let Some(base) = &fixture.base {
                match fixtures.get(base.name.as_str()) {
                    Some(&defined) => self.use_of(base.span, defined),
                    None => self.use_broken(base.span, &base.name),
                }
            }
        }
        for test in &decls.tests {
            let given = &test.given;
            if let Some(input) = decls.inputs.first().filter(|i| i.name.name == given.input.name) {
                self.use_of(given.input.span, input.name.span);
            }
            if let Some(base) = &given.base {
                match fixtures.get(base.name.as_str()) {
                    Some(&fixture) => self.use_of(base.span, fixture),
                    None => self.use_broken(base.span, &base.name),
                }
            }
            let (level, codes) = match &test.expect {
                ExpectedOutcome::Approve { at, .. } => (at.as_ref(), None),
                ExpectedOutcome::Decline { codes, .. } => (None, codes.as_ref()),
                ExpectedOutcome::Refer { to, codes, .. } => (Some(to), codes.as_ref()),
                ExpectedOutcome::Error { .. } => (None, None),
            };
            if let Some(level) = level {
                self.use_level(level.span, &level.name);
            }
            for code in codes.into_iter().flatten() {
                self.use_code(code.span, &code.name);
            }
        }
    }

    /// The index of definitions alone, for a policy that is not checked (a
    /// file too large or too deeply nested, or one that cannot be read).
    pub(crate) fn definitions_only(decls: &Declarations<'_>, sources: &SourceMap) -> Index {
        IndexBuilder::new(decls, sources).finish(Schema::new())
    }

    fn define(
        &mut self,
        kind: DefKind,
        name: &str,
        span: Span,
        full: Span,
        parent: Option<DefId>,
        detail: String,
    ) -> DefId {
        let id = DefId(self.defs.len() as u32);
        self.defs.push(Definition {
            kind,
            name: name.to_string(),
            span,
            full,
            parent,
            type_def: None,
            detail,
            governance: String::new(),
        });
        self.by_span.entry(span).or_insert(id);
        if let Some(parent) = parent {
            self.members.entry(parent).or_default().push(id);
        }
        id
    }

    /// The definition whose name is written at `span`.
    pub(crate) fn defined_at(&self, span: Span) -> Option<DefId> {
        self.by_span.get(&span).copied()
    }

    /// The `n`th member of the definition whose name is at `span` (a variant by number).
    pub(crate) fn member(&self, span: Span, n: usize) -> Option<DefId> {
        self.members.get(&self.defined_at(span)?)?.get(n).copied()
    }

    /// A use at `span` of the definition whose name is written at `defined_at`.
    pub(crate) fn use_of(&mut self, span: Span, defined_at: Span) {
        if let Some(def) = self.defined_at(defined_at) {
            self.refs.push((span, def));
        }
    }

    /// A use at `span` of `def`.
    pub(crate) fn use_def(&mut self, span: Span, def: Option<DefId>) {
        if let Some(def) = def {
            self.refs.push((span, def));
        }
    }

    /// A use of a name that only a declaration that does not parse declares.
    pub(crate) fn use_broken(&mut self, span: Span, name: &str) {
        let def = self.broken.get(name).copied();
        self.use_def(span, def);
    }

    /// A use of a reason code (in a test's expectation).
    pub(crate) fn use_code(&mut self, span: Span, code: &str) {
        let def = self.codes.get(code).copied();
        self.use_def(span, def);
    }

    /// A use of an authority level by name (`refer to`, `above`, `expect … at`).
    pub(crate) fn use_level(&mut self, span: Span, name: &str) {
        let def = self.levels.get(name).copied();
        self.use_def(span, def);
    }

    /// The type of the expression at `span`.
    pub(crate) fn typed(&mut self, span: Span, ty: &Type) {
        if ty.is_error() {
            return;
        }
        let id = match self.type_ids.get(ty) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.type_table.len()).unwrap_or(u32::MAX);
                self.type_table.push(ty.clone());
                self.type_ids.insert(ty.clone(), id);
                id
            }
        };
        self.types.push((span, id));
    }

    /// A lambda parameter comes into scope.
    pub(crate) fn enter_parameter(&mut self, name: &str, span: Span, lambda: Span, detail: String) {
        let id = self.define(DefKind::Parameter, name, span, lambda, None, detail);
        self.parameters.push((name.to_string(), id));
    }

    /// The innermost lambda parameter goes out of scope.
    pub(crate) fn leave_parameter(&mut self) {
        self.parameters.pop();
    }

    /// A use of the lambda parameter `name` in scope.
    pub(crate) fn use_parameter(&mut self, span: Span, name: &str) {
        let def = self.parameters.iter().rev().find(|(n, _)| n == name).map(|(_, d)| *d);
        self.use_def(span, def);
    }

    /// Sets what the checker found out about the definition named at `span`:
    /// its detail (unless `None`) and the enum or record of its type.
    pub(crate) fn set_detail(&mut self, span: Span, detail: Option<String>, type_def: Option<Span>) {
        let type_def = type_def.and_then(|s| self.defined_at(s));
        let Some(def) = self.defined_at(span).and_then(|d| self.defs.get_mut(d.0 as usize)) else { return };
        if let Some(detail) = detail {
            def.detail = detail;
        }
        def.type_def = type_def.or(def.type_def);
    }

    pub(crate) fn finish(self, schema: Schema) -> Index {
        Index {
            names: SpanTable::new(self.defs.iter().enumerate().map(|(i, d)| (d.span, DefId(i as u32))).collect()),
            defs: self.defs,
            refs: SpanTable::new(self.refs),
            types: SpanTable::new(self.types),
            type_table: self.type_table,
            members: self.members,
            schema,
        }
    }
}

/// What the keyword before a name declares.
fn declared_by(keyword: &str) -> Option<DefKind> {
    Some(match keyword {
        "policy" => DefKind::Policy,
        "enum" => DefKind::Enum,
        "record" => DefKind::Record,
        "input" => DefKind::Input,
        "list" => DefKind::List,
        "const" => DefKind::Const,
        "let" => DefKind::Let,
        "group" => DefKind::Group,
        "rule" => DefKind::Rule,
        "escalate" => DefKind::Escalation,
        "level" => DefKind::Level,
        "fixture" => DefKind::Fixture,
        _ => return None,
    })
}

/// `"message" (decline)`, `(refer to provincial, unless)`.
fn rule_detail(rule: &crate::syntax::ast::RuleDecl) -> String {
    let outcome = match &rule.outcome {
        Outcome::Decline => "decline".to_string(),
        Outcome::Refer(None) => "refer".to_string(),
        Outcome::Refer(Some(level)) => format!("refer to {}", level.name),
    };
    let trigger = if rule.trigger == Trigger::Unless { ", unless" } else { "" };
    match &rule.message {
        Some(m) => format!("{} ({outcome}{trigger})", quoted(&m.value)),
        None => format!("({outcome}{trigger})"),
    }
}

/// A rule's `basis`, `effective` and `overridable by` clauses, one a line,
/// indented as the formatter writes them under the rule.
fn rule_governance(rule: &crate::syntax::ast::RuleDecl) -> String {
    let mut lines = Vec::new();
    if let Some(basis) = &rule.basis {
        lines.push(format!("  basis {} {}", basis.kind.keyword(), quoted(&basis.citation.value)));
    }
    if let Some(effective) = &rule.effective {
        lines.push(format!("  effective {}", effective.text()));
    }
    if let Some(overridable) = &rule.overridable {
        lines.push(format!("  overridable by {}", overridable.level.name));
    }
    lines.join("\n")
}

/// A string as a policy writes it: in quotes, with `"`, `\` and control
/// characters escaped.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `{ a, b, c }`, the first 20 and a count of the rest.
fn braced(names: &[&str]) -> String {
    let shown: Vec<&str> = names.iter().take(20).copied().collect();
    let more = names.len().saturating_sub(shown.len());
    let more = if more > 0 { format!(", … {more} more") } else { String::new() };
    format!("{{ {}{more} }}", shown.join(", "))
}

/// A piece of source on one line: white space runs made one space, at most
/// 200 characters (and `…`).
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::new();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() > 800 {
            break;
        }
    }
    match out.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", out.get(..at).unwrap_or("")),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: u32) -> Span {
        Span { file: FileId(0), start, end }
    }

    #[test]
    fn the_innermost_span_holding_an_offset_is_found() {
        // `applicant.loan.amount < 5` and a later rule
        let table = SpanTable::new(vec![
            (span(0, 25), "whole"),
            (span(0, 21), "amount"),
            (span(0, 14), "loan"),
            (span(0, 9), "applicant"),
            (span(24, 25), "5"),
            (span(40, 45), "later"),
            (Span { file: FileId(1), start: 0, end: 99 }, "other file"),
        ]);
        let at = |offset| table.innermost(FileId(0), offset).map(|e| e.1);
        assert_eq!(at(0), Some("applicant"));
        assert_eq!(at(9), Some("applicant"), "just after a name is on it");
        assert_eq!(at(10), Some("loan"));
        assert_eq!(at(16), Some("amount"));
        assert_eq!(at(22), Some("whole"));
        assert_eq!(at(24), Some("5"));
        assert_eq!(at(30), None);
        assert_eq!(at(42), Some("later"));
        assert_eq!(at(1000), None);
        assert_eq!(table.innermost(FileId(1), 50).map(|e| e.1), Some("other file"));
        assert_eq!(table.innermost(FileId(2), 0).map(|e| e.1), None);
    }

    #[test]
    fn a_table_sorts_once_on_its_first_query_wherever_it_is_asked() {
        let table = SpanTable::new(vec![(span(5, 9), "b"), (span(0, 20), "a"), (span(5, 9), "b again")]);
        // a clone made before any query sorts for itself and agrees
        let copy = table.clone();
        let answers = std::thread::scope(|s| {
            let asked = [&table, &copy].map(|t| s.spawn(move || t.innermost(FileId(0), 6).map(|e| e.1)));
            asked.map(|h| h.join().ok().flatten())
        });
        assert_eq!(answers, [Some("b"), Some("b")], "of entries with one span the first given is kept");
        let order: Vec<&str> = table.entries().iter().map(|e| e.1).collect();
        assert_eq!(order, ["a", "b"]);
        assert_eq!(copy.entries().len(), 2);
        assert_eq!(table.innermost(FileId(0), 15).map(|e| e.1), Some("a"));
    }

    #[test]
    fn strings_are_quoted_as_a_policy_writes_them() {
        assert_eq!(quoted("信用评分"), "\"信用评分\"");
        assert_eq!(quoted("a\"b\\c\nd\u{7}"), "\"a\\\"b\\\\c\\nd\\u{7}\"");
    }

    #[test]
    fn one_line_collapses_and_shortens() {
        assert_eq!(one_line("a  <=\n   200_000 CNY"), "a <= 200_000 CNY");
        let long = one_line(&"信 ".repeat(500));
        assert_eq!(long.chars().count(), 201);
        assert!(long.ends_with('…'));
    }
}
