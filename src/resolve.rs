//! Loads the root policy and every file it `use`s, then gathers all declarations
//! into one table, reporting duplicates, `use` cycles and header problems (N codes).

use crate::ast::*;
use crate::diag::Diagnostic;
use crate::parse::parse;
use crate::source::{FileId, Loader, SourceFile, SourceMap, Span};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Everything declared by a policy and the files it uses.
#[derive(Debug, Default)]
pub struct Declarations {
    pub header: Option<PolicyHeader>,
    pub enums: Vec<EnumDecl>,
    pub records: Vec<RecordDecl>,
    pub inputs: Vec<InputDecl>,
    /// With the file each list was declared in (its `from` is relative to it).
    pub lists: Vec<(ListDecl, FileId)>,
    pub consts: Vec<ConstDecl>,
    pub lets: Vec<LetDecl>,
    /// With the group each rule stands in.
    pub rules: Vec<(RuleDecl, Option<String>)>,
    pub authorities: Vec<AuthorityDecl>,
    pub tests: Vec<TestDecl>,
    pub fixtures: Vec<FixtureDecl>,
    /// Value-level names (input, lists, consts, lets) and type names (enums,
    /// records) share one namespace, as §3 requires.
    pub names: HashMap<String, (DeclKind, Span)>,
    /// Declarations that failed to parse; uses of these names are not errors again.
    pub broken: std::collections::HashSet<String>,
}

impl Declarations {
    /// A file with no header, input, rules, authority or tests is a library
    /// meant to be `use`d (like `policies/common.pol`): it is checked, but not
    /// asked for what only a policy needs.
    pub fn is_library(&self) -> bool {
        self.header.is_none()
            && self.inputs.is_empty()
            && self.rules.is_empty()
            && self.authorities.is_empty()
            && self.tests.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    Enum,
    Record,
    Input,
    List,
    Const,
    Let,
    Fixture,
}

impl DeclKind {
    pub fn with_article(self) -> String {
        let noun = self.noun();
        let article = if matches!(noun.chars().next(), Some('a' | 'e' | 'i' | 'o' | 'u')) { "an" } else { "a" };
        format!("{article} {noun}")
    }

    pub fn noun(self) -> &'static str {
        match self {
            DeclKind::Enum => "enum",
            DeclKind::Record => "record",
            DeclKind::Input => "input",
            DeclKind::List => "list",
            DeclKind::Const => "const",
            DeclKind::Let => "let",
            DeclKind::Fixture => "fixture",
        }
    }
}

/// Reads and parses `root` and, transitively, every `use`d file.
pub fn load(root: &Path, loader: &dyn Loader) -> (SourceMap, Vec<Module>, Vec<Diagnostic>) {
    let mut state = LoadState { loader, sources: SourceMap::default(), modules: Vec::new(), diagnostics: Vec::new() };
    let root = normalize(root);
    match loader.load(&root) {
        Ok(text) => {
            let mut stack = Vec::new();
            state.visit(root, text, &mut stack);
        }
        Err(error) => {
            let d = Diagnostic::error("N0107", format!("cannot read `{}`: {error}", root.display()));
            state.diagnostics.push(d);
        }
    }
    (state.sources, state.modules, state.diagnostics)
}

/// Like [`load`] for a root given as text (`polc eval` from an editor buffer, tests).
pub fn load_source(name: &Path, text: String, loader: &dyn Loader) -> (SourceMap, Vec<Module>, Vec<Diagnostic>) {
    let mut state = LoadState { loader, sources: SourceMap::default(), modules: Vec::new(), diagnostics: Vec::new() };
    let mut stack = Vec::new();
    state.visit(normalize(name), text, &mut stack);
    (state.sources, state.modules, state.diagnostics)
}

struct LoadState<'a> {
    loader: &'a dyn Loader,
    sources: SourceMap,
    modules: Vec<Module>,
    diagnostics: Vec<Diagnostic>,
}

impl LoadState<'_> {
    fn visit(&mut self, path: PathBuf, text: String, stack: &mut Vec<PathBuf>) -> FileId {
        let name = path.display().to_string();
        let file = self.sources.add(SourceFile::new(path.clone(), name, text));
        let text = self.sources.get(file).map(|f| f.text.clone()).unwrap_or_default();
        let (module, diagnostics) = parse(file, &text);
        self.diagnostics.extend(diagnostics);
        stack.push(path.clone());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for item in &module.items {
            let Item::Use(use_decl) = item else { continue };
            let target = normalize(&dir.join(&use_decl.path.value));
            if stack.contains(&target) {
                let chain: Vec<String> = stack
                    .iter()
                    .skip_while(|p| **p != target)
                    .chain(std::iter::once(&target))
                    .map(|p| p.display().to_string())
                    .collect();
                self.diagnostics.push(
                    Diagnostic::error("N0108", format!("`use` cycle: {}", chain.join(" → ")))
                        .at(use_decl.path.span, "this `use` closes the cycle")
                        .help("move the shared declarations into a file that neither uses"),
                );
                continue;
            }
            if self.sources.find(&target).is_some() {
                continue; // already loaded through another path of the tree
            }
            match self.loader.load(&target) {
                Ok(text) => {
                    self.visit(target, text, stack);
                }
                Err(error) => self.diagnostics.push(
                    Diagnostic::error("N0107", format!("cannot read `{}`: {error}", target.display()))
                        .at(use_decl.path.span, "used here"),
                ),
            }
        }
        stack.pop();
        self.modules.push(module);
        file
    }
}

/// Lexically removes `.` and `..` (the loader may not be a file system).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Gathers the declarations of all modules; the root module is file 0.
pub fn collect(modules: Vec<Module>) -> (Declarations, Vec<Diagnostic>) {
    let mut decls = Declarations::default();
    let mut diagnostics = Vec::new();
    let root = FileId(0);
    let mut seen_root_header = false;
    for module in modules {
        decls.broken.extend(module.broken.iter().cloned());
        for (index, item) in module.items.into_iter().enumerate() {
            match item {
                Item::Policy(header) => {
                    if module.file != root {
                        diagnostics.push(
                            Diagnostic::error("N0113", "a used file cannot have its own `policy` header")
                                .at(header.span, "second policy header")
                                .help("remove this line: a file brought in by `use` shares the root policy's name and version"),
                        );
                    } else if seen_root_header {
                        let first = decls.header.as_ref().map(|h| h.span);
                        let mut d = Diagnostic::error("N0113", "the policy header is given twice")
                            .at(header.span, "second header");
                        if let Some(first) = first {
                            d = d.also(first, "first header");
                        }
                        diagnostics.push(d);
                    } else {
                        seen_root_header = true;
                        if index != 0 {
                            diagnostics.push(
                                Diagnostic::error("N0112", "the `policy` header must come first")
                                    .at(header.span, "not the first declaration")
                                    .help("move this line to the top of the file"),
                            );
                        }
                        decls.header = Some(header);
                    }
                }
                Item::Use(_) => {}
                Item::Enum(e) => {
                    declare(&mut decls, &mut diagnostics, &e.name, DeclKind::Enum);
                    decls.enums.push(e);
                }
                Item::Record(r) => {
                    declare(&mut decls, &mut diagnostics, &r.name, DeclKind::Record);
                    decls.records.push(r);
                }
                Item::Input(i) => {
                    declare(&mut decls, &mut diagnostics, &i.name, DeclKind::Input);
                    decls.inputs.push(i);
                }
                Item::List(l) => {
                    declare(&mut decls, &mut diagnostics, &l.name, DeclKind::List);
                    decls.lists.push((l, module.file));
                }
                Item::Const(c) => {
                    declare(&mut decls, &mut diagnostics, &c.name, DeclKind::Const);
                    decls.consts.push(c);
                }
                Item::Let(l) => {
                    declare(&mut decls, &mut diagnostics, &l.name, DeclKind::Let);
                    decls.lets.push(l);
                }
                Item::Group(g) => {
                    let group = g.name.name.clone();
                    decls.rules.extend(g.rules.into_iter().map(|r| (r, Some(group.clone()))));
                }
                Item::Rule(r) => decls.rules.push((r, None)),
                Item::Authority(a) => decls.authorities.push(a),
                Item::Test(t) => decls.tests.push(t),
                Item::Fixture(f) => {
                    declare(&mut decls, &mut diagnostics, &f.name, DeclKind::Fixture);
                    decls.fixtures.push(f);
                }
            }
        }
    }
    if decls.header.is_none() && !decls.is_library() {
        diagnostics.push(Diagnostic::error("N0112", "the policy has no `policy` header").help(
            "start the file with `policy NAME \"title\" version \"V\"`; name and version go into every decision",
        ));
    }
    check_reason_codes(&decls, &mut diagnostics);
    (decls, diagnostics)
}

fn declare(decls: &mut Declarations, diagnostics: &mut Vec<Diagnostic>, name: &Ident, kind: DeclKind) {
    if let Some((first_kind, first_span)) = decls.names.get(&name.name) {
        diagnostics.push(
            Diagnostic::error("N0101", format!("`{}` is declared twice", name.name))
                .at(name.span, format!("second declaration ({})", kind.noun()))
                .also(*first_span, format!("first declared here ({})", first_kind.noun()))
                .help("names must be unique across the policy and the files it uses; rename one"),
        );
        return;
    }
    decls.names.insert(name.name.clone(), (kind, name.span));
}

fn check_reason_codes(decls: &Declarations, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let codes = decls.rules.iter().map(|(r, _)| &r.code).chain(decls.authorities.iter().map(|a| &a.escalate));
    for code in codes {
        if let Some(first) = seen.get(code.name.as_str()) {
            diagnostics.push(
                Diagnostic::error("N0102", format!("reason code `{}` is used twice", code.name))
                    .at(code.span, "second use")
                    .also(*first, "first used here")
                    .help("every rule and the authority's escalation need their own code, so a decision's reasons say which fired"),
            );
        } else {
            seen.insert(&code.name, code.span);
        }
    }
}
