//! Loads the root policy and every file it `use`s, then gathers all declarations
//! into one table, reporting duplicates, `use` cycles and header problems (N codes).

use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::limits::{CompileOptions, Limits};
use crate::base::source::{load_text_within, FileId, LoadError, Loader, SourceFile, SourceMap, Span};
use crate::syntax::ast::*;
use crate::syntax::parse::{parse_source, reparse_source, LastParse};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Everything declared by a policy and the files it uses, borrowed from
/// their syntax trees (which an editor's analysis keeps: checking copies none).
#[derive(Debug, Default)]
pub struct Declarations<'m> {
    pub header: Option<&'m PolicyHeader>,
    pub enums: Vec<&'m EnumDecl>,
    pub records: Vec<&'m RecordDecl>,
    pub inputs: Vec<&'m InputDecl>,
    /// With the file each list was declared in (its `from` is relative to it).
    pub lists: Vec<(&'m ListDecl, FileId)>,
    pub consts: Vec<&'m ConstDecl>,
    /// As written, or made from a scorecard (see [`scorecard_lets`]).
    pub lets: Vec<Cow<'m, LetDecl>>,
    /// With the group each rule stands in.
    pub rules: Vec<(&'m RuleDecl, Option<&'m str>)>,
    /// Each group's head, in file order (its rules are in `rules`).
    pub groups: Vec<GroupHead>,
    pub authorities: Vec<&'m AuthorityDecl>,
    /// The credit limits (§12), with the group each stands in.
    pub credit_limits: Vec<(&'m CreditLimitDecl, Option<&'m str>)>,
    /// The outputs (§13), in file order.
    pub outputs: Vec<&'m OutputDecl>,
    pub tests: Vec<&'m TestDecl>,
    pub fixtures: Vec<&'m FixtureDecl>,
    /// Each scorecard (its lets are in `lets`).
    pub scorecards: Vec<&'m ScorecardDecl>,
    /// Value-level names (input, lists, consts, lets) and type names (enums,
    /// records) share one namespace, as §3 requires.
    pub names: HashMap<String, (DeclKind, Span)>,
    /// What declarations, rules, levels and the escalation code that failed to
    /// parse declared; uses of these names are not errors again.
    pub broken: std::collections::HashSet<String>,
    /// The same names where they are written (for an editor's index).
    pub broken_names: Vec<BrokenName>,
    /// The words of what failed to parse: names it may have used, so they are
    /// neither unknown nor unused.
    pub mentioned: std::collections::HashSet<String>,
    /// An `authority` block's head failed to parse: its levels are unknown.
    pub broken_authority: bool,
}

impl Declarations<'_> {
    /// A file with no header, input, rules, authority or tests is a library
    /// meant to be `use`d (like `policies/common.pol`): it is checked, but not
    /// asked for what only a policy needs.
    pub fn is_library(&self) -> bool {
        self.header.is_none()
            && self.inputs.is_empty()
            && self.rules.is_empty()
            && self.authorities.is_empty()
            && self.credit_limits.is_empty()
            && self.outputs.is_empty()
            && self.tests.is_empty()
    }
}

/// A `group NAME "title" { … }` without its rules.
#[derive(Clone, Debug)]
pub struct GroupHead {
    pub name: Ident,
    pub title: Option<StrLit>,
    /// The whole group, rules and all.
    pub span: Span,
    /// How many of its rules parsed.
    pub rules: usize,
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
    Scorecard,
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
            DeclKind::Scorecard => "scorecard",
        }
    }
}

/// Reads and parses `entry` and, transitively, every `use`d file, within
/// `limits` and, unless `sandbox` is `None`, inside its root; with
/// `test_files`, also the entry's test file (`NAME.test.pol`) when there is one.
pub fn load<'a>(
    entry: &Path,
    loader: &'a dyn Loader,
    limits: &Limits,
    sandbox: Option<&'a Sandbox<'a>>,
    test_files: bool,
) -> (SourceMap, Vec<Module>, Vec<Diagnostic>) {
    load_reusing(entry, loader, limits, sandbox, test_files, Reuse::new())
}

/// The last parse of files by their path, for [`load_reusing`].
pub type Reuse = HashMap<PathBuf, LastParse>;

/// Like [`load`], with the trees of the files' last parses (by path) reused
/// for the declarations that did not change (an editor's analysis; see
/// `syntax/parse/reuse.rs`). Test files are always parsed whole.
pub fn load_reusing<'a>(
    entry: &Path,
    loader: &'a dyn Loader,
    limits: &Limits,
    sandbox: Option<&'a Sandbox<'a>>,
    test_files: bool,
    reuse: Reuse,
) -> (SourceMap, Vec<Module>, Vec<Diagnostic>) {
    let entry = normalize(entry);
    // read within the source limit: a file over it is not read, a device or pipe only that far
    match LoadState::new(loader, limits, sandbox).read(&entry, None) {
        Ok(text) => load_source_reusing(&entry, text, loader, limits, sandbox, test_files, reuse),
        Err(problem) => (SourceMap::default(), Vec::new(), vec![problem.0]),
    }
}

/// Like [`load`] for an entry given as text (`polc eval` from an editor buffer, tests).
pub fn load_source<'a>(
    name: &Path,
    text: String,
    loader: &'a dyn Loader,
    limits: &Limits,
    sandbox: Option<&'a Sandbox<'a>>,
    test_files: bool,
) -> (SourceMap, Vec<Module>, Vec<Diagnostic>) {
    load_source_reusing(name, text, loader, limits, sandbox, test_files, Reuse::new())
}

/// [`load_source`] with [`load_reusing`]'s last parses.
pub fn load_source_reusing<'a>(
    name: &Path,
    text: String,
    loader: &'a dyn Loader,
    limits: &Limits,
    sandbox: Option<&'a Sandbox<'a>>,
    test_files: bool,
    reuse: Reuse,
) -> (SourceMap, Vec<Module>, Vec<Diagnostic>) {
    let name = normalize(name);
    let mut state = LoadState::new(loader, limits, sandbox);
    state.reuse = reuse;
    let mut stack = Vec::new();
    state.visit(name.clone(), text, None, &mut stack);
    if test_files {
        state.visit_test_file(&name);
    }
    state.finish()
}

struct LoadState<'a> {
    loader: &'a dyn Loader,
    limits: Limits,
    sandbox: Option<&'a Sandbox<'a>>,
    sources: SourceMap,
    modules: Vec<Module>,
    diagnostics: Vec<Diagnostic>,
    /// The last parses to reuse, by path.
    reuse: Reuse,
    /// Bytes and declarations loaded so far, across files.
    bytes: usize,
    declarations: usize,
    /// A limit was exceeded: load nothing more.
    stopped: bool,
}

impl<'a> LoadState<'a> {
    fn new(loader: &'a dyn Loader, limits: &Limits, sandbox: Option<&'a Sandbox<'a>>) -> LoadState<'a> {
        LoadState {
            loader,
            limits: *limits,
            sandbox,
            sources: SourceMap::default(),
            modules: Vec::new(),
            diagnostics: Vec::new(),
            reuse: Reuse::new(),
            bytes: 0,
            declarations: 0,
            stopped: false,
        }
    }

    fn finish(self) -> (SourceMap, Vec<Module>, Vec<Diagnostic>) {
        (self.sources, self.modules, self.diagnostics)
    }

    /// The text of `path`, read within what is left of the source limit; else
    /// the problem, and whether it is the limit (then nothing more is loaded).
    fn read(&self, path: &Path, used_at: Option<Span>) -> Result<String, Box<(Diagnostic, bool)>> {
        let remaining = self.source_limit().saturating_sub(self.bytes);
        match load_text_within(self.loader, path, remaining) {
            Ok(text) => Ok(text),
            Err(LoadError::TooLarge { size, .. }) => {
                let size = size.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
                Err(Box::new((self.limit_error(path, size, used_at), true)))
            }
            Err(error) => {
                let d = Diagnostic::error(Code::N0107, format!("cannot read `{}`: {error}", path.display()));
                let d = match used_at {
                    Some(span) => d.at(span, "used here"),
                    None => d,
                };
                Err(Box::new((d, false)))
            }
        }
    }

    /// The test file of the policy `entry`, if it has one: a file that does not
    /// exist is no problem, one that cannot be read is.
    fn visit_test_file(&mut self, entry: &Path) {
        let Some(path) = crate::sema::test_file::test_file_of(entry) else { return };
        if self.stopped || self.sources.find(&path).is_some() {
            return;
        }
        let remaining = self.source_limit().saturating_sub(self.bytes);
        match load_text_within(self.loader, &path, remaining) {
            Ok(text) => self.visit(path, text, None, &mut Vec::new()),
            Err(LoadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => match self.read(&path, None) {
                Ok(text) => self.visit(path, text, None, &mut Vec::new()),
                Err(problem) => {
                    let (problem, over_limit) = *problem;
                    self.diagnostics.push(problem);
                    self.stopped |= over_limit;
                }
            },
        }
    }

    /// Spans are 32-bit offsets, so no source may pass 4 GiB whatever the flag says.
    fn source_limit(&self) -> usize {
        self.limits.max_source_bytes.min(u32::MAX as usize)
    }

    /// P0007 when `size` more bytes would take the sources past the limit.
    fn source_limit_error(&self, path: &Path, size: usize, used_at: Option<Span>) -> Option<Diagnostic> {
        (self.bytes.saturating_add(size) > self.source_limit()).then(|| self.limit_error(path, Some(size), used_at))
    }

    /// P0007 for `path`, of `size` bytes when known (a device or pipe read to the limit is not).
    fn limit_error(&self, path: &Path, size: Option<usize>, used_at: Option<Span>) -> Diagnostic {
        let limit = self.source_limit();
        let message = match (self.bytes, size) {
            (0, Some(size)) => format!("`{}` is {size} bytes, more than --max-source-bytes ({limit})", path.display()),
            (0, None) => format!("`{}` holds more than --max-source-bytes ({limit}) bytes", path.display()),
            (bytes, Some(size)) => format!(
                "with `{}` the policy's sources come to {} bytes, more than --max-source-bytes ({limit})",
                path.display(),
                bytes.saturating_add(size)
            ),
            (_, None) => format!(
                "with `{}` the policy's sources come to more than --max-source-bytes ({limit}) bytes",
                path.display()
            ),
        };
        let d = Diagnostic::error(Code::P0007, message)
            .help("a policy this large cannot be reviewed; if it is meant, raise the limit with --max-source-bytes N");
        match used_at {
            Some(span) => d.at(span, "used here"),
            None => d,
        }
    }

    fn visit(&mut self, path: PathBuf, mut text: String, used_at: Option<Span>, stack: &mut Vec<PathBuf>) {
        // one byte-order mark is not part of the policy: not in its hash, its
        // columns or the snippets diagnostics show
        let mark = text.len() - crate::base::source::strip_bom(&text).len();
        text.drain(..mark);
        if let Some(problem) = self.source_limit_error(&path, text.len(), used_at) {
            self.diagnostics.push(problem);
            self.stopped = true;
            return;
        }
        self.bytes += text.len();
        let name = path.display().to_string();
        let file = self.sources.add(SourceFile::new(path.clone(), name, text));
        let text = self.sources.get(file).map(|f| f.text.clone()).unwrap_or_default();
        let test_file = crate::sema::test_file::is_test_file(&path);
        let (mut module, diagnostics) = match self.reuse.remove(&path) {
            Some(last) if !test_file => reparse_source(file, &text, &self.limits, last),
            _ => parse_source(file, &text, &self.limits),
        };
        self.diagnostics.extend(diagnostics);
        if test_file {
            let name = self.sources.get(file).map(|f| f.name.clone()).unwrap_or_default();
            self.diagnostics.extend(crate::sema::test_file::keep_tests_only(&mut module, &text, &name));
        }
        if let Some(problem) = self.count_declarations(&module) {
            self.diagnostics.push(problem);
            self.stopped = true;
            self.modules.push(module);
            return;
        }
        stack.push(path.clone());
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for item in &module.items {
            let Item::Use(use_decl) = item else { continue };
            if self.stopped {
                break;
            }
            let target = normalize(&dir.join(&use_decl.path.value));
            if let Some(problem) = self.outside_root(&target, use_decl.path.span, "`use`") {
                self.diagnostics.push(problem);
                continue;
            }
            if stack.contains(&target) {
                let chain: Vec<String> = stack
                    .iter()
                    .skip_while(|p| **p != target)
                    .chain(std::iter::once(&target))
                    .map(|p| p.display().to_string())
                    .collect();
                self.diagnostics.push(
                    Diagnostic::error(Code::N0108, format!("`use` cycle: {}", chain.join(" → ")))
                        .at(use_decl.path.span, "this `use` closes the cycle")
                        .help("move the shared declarations into a file that neither uses"),
                );
                continue;
            }
            if self.sources.find(&target).is_some() {
                continue; // already loaded through another path of the tree
            }
            match self.read(&target, Some(use_decl.path.span)) {
                Ok(text) => self.visit(target, text, Some(use_decl.path.span), stack),
                Err(problem) => {
                    let (problem, over_limit) = *problem;
                    self.diagnostics.push(problem);
                    if over_limit {
                        self.stopped = true;
                        break;
                    }
                }
            }
        }
        stack.pop();
        self.modules.push(module);
    }

    /// P0008 at the first declaration past the limit.
    fn count_declarations(&mut self, module: &Module) -> Option<Diagnostic> {
        let limit = self.limits.max_declarations;
        for item in &module.items {
            self.declarations = self.declarations.saturating_add(item.declaration_count());
            if self.declarations > limit {
                return Some(
                    Diagnostic::error(Code::P0008, format!("more than --max-declarations ({limit}) declarations"))
                        .at(item.span(), "one too many")
                        .help("split the policy, or raise the limit with --max-declarations N if it is meant"),
                );
            }
        }
        None
    }

    fn outside_root(&self, target: &Path, span: Span, what: &str) -> Option<Diagnostic> {
        self.sandbox.and_then(|sandbox| sandbox.check(target, span, what))
    }
}

/// The directory a policy's `use` and `list … from` paths must stay inside.
#[derive(Clone)]
pub struct Sandbox<'a> {
    /// Absolute and without `.` or `..`.
    root: PathBuf,
    /// As given (relative paths stay relative), to show in messages.
    shown: PathBuf,
    /// Follows symbolic links (when it has them).
    loader: &'a dyn Loader,
}

impl<'a> Sandbox<'a> {
    /// The sandbox `options` ask for when compiling `entry`; `None` when paths may go anywhere.
    pub fn new(options: &CompileOptions, entry: &Path, loader: &'a dyn Loader) -> Option<Sandbox<'a>> {
        if options.allow_outside_root {
            return None;
        }
        let root = match &options.root {
            Some(root) => root.clone(),
            None => entry.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let shown = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root.clone() };
        Some(Sandbox { root: absolute(&root), shown, loader })
    }

    /// Whether `target` is inside the root: by its text and, when both exist
    /// on disk, after following symbolic links.
    pub fn admits(&self, target: &Path) -> bool {
        if !absolute(target).starts_with(&self.root) {
            return false;
        }
        match (self.loader.canonical(&self.root), self.loader.canonical(target)) {
            (Some(root), Some(target)) => target.starts_with(root),
            _ => true,
        }
    }

    /// N0116 when `target`, named by `what` at `span`, is outside the root.
    pub fn check(&self, target: &Path, span: Span, what: &str) -> Option<Diagnostic> {
        if self.admits(target) {
            return None;
        }
        Some(
            Diagnostic::error(Code::N0116, format!("{what} path `{}` is outside the policy root", target.display()))
                .at(span, "outside the root")
                .help(format!(
                    "a policy may read only files under `{}`; move the file there, or pass --root DIR or --allow-outside-root",
                    self.shown.display()
                )),
        )
    }
}

/// `path` made absolute (against the working directory) and normalised; the
/// loader may not be a file system, so nothing is looked up.
fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() { Path::new(".") } else { path };
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Lexically removes `.` and `..` (kept here for the stages that import it from here).
pub use crate::base::source::normalize;

/// Gathers the declarations of all modules; the root module is file 0.
pub fn collect(modules: &[Module]) -> (Declarations<'_>, Vec<Diagnostic>) {
    let mut decls = Declarations::default();
    let mut diagnostics = Vec::new();
    let root = FileId(0);
    let mut seen_root_header = false;
    for module in modules {
        decls.broken.extend(module.broken.declared.iter().cloned());
        decls.broken_names.extend(module.broken.named.iter().cloned());
        decls.mentioned.extend(module.broken.mentioned.iter().cloned());
        decls.broken_authority |= module.broken.authority;
        for (index, item) in module.items.iter().enumerate() {
            match item {
                Item::Policy(header) => {
                    if module.file != root {
                        diagnostics.push(
                            Diagnostic::error(Code::N0113, "a used file cannot have its own `policy` header")
                                .at(header.span, "second policy header")
                                .help("remove this line: a file brought in by `use` shares the root policy's name and version"),
                        );
                    } else if seen_root_header {
                        let first = decls.header.as_ref().map(|h| h.span);
                        let mut d = Diagnostic::error(Code::N0113, "the policy header is given twice")
                            .at(header.span, "second header");
                        if let Some(first) = first {
                            d = d.also(first, "first header");
                        }
                        diagnostics.push(d);
                    } else {
                        seen_root_header = true;
                        if index != 0 {
                            diagnostics.push(
                                Diagnostic::error(Code::N0112, "the `policy` header must come first")
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
                    if !const_version(&decls, &mut diagnostics, c) {
                        declare(&mut decls, &mut diagnostics, &c.name, DeclKind::Const);
                    }
                    decls.consts.push(c);
                }
                Item::Let(l) => {
                    declare(&mut decls, &mut diagnostics, &l.name, DeclKind::Let);
                    decls.lets.push(Cow::Borrowed(l));
                }
                Item::Group(g) => {
                    let group = g.name.name.as_str();
                    let head =
                        GroupHead { name: g.name.clone(), title: g.title.clone(), span: g.span, rules: g.rules.len() };
                    decls.groups.push(head);
                    decls.rules.extend(g.rules.iter().map(|r| (r, Some(group))));
                    decls.credit_limits.extend(g.limits.iter().map(|l| (l, Some(group))));
                }
                Item::Rule(r) => decls.rules.push((r, None)),
                Item::Authority(a) => decls.authorities.push(a),
                Item::CreditLimit(l) => decls.credit_limits.push((l, None)),
                Item::Output(o) => decls.outputs.push(o),
                Item::Test(t) => decls.tests.push(t),
                Item::Fixture(f) => {
                    declare(&mut decls, &mut diagnostics, &f.name, DeclKind::Fixture);
                    decls.fixtures.push(f);
                }
                Item::Scorecard(card) => {
                    declare(&mut decls, &mut diagnostics, &card.name, DeclKind::Scorecard);
                    decls.lets.extend(scorecard_lets(card, &mut diagnostics).into_iter().map(Cow::Owned));
                    decls.scorecards.push(card);
                }
            }
        }
    }
    // a header that did not parse was reported already
    if decls.header.is_none() && !decls.is_library() && !decls.mentioned.contains("policy") {
        diagnostics.push(Diagnostic::error(Code::N0112, "the policy has no `policy` header").help(
            "start the file with `policy NAME \"title\" version \"V\"`; name and version go into every decision",
        ));
    }
    check_reason_codes(&decls, &mut diagnostics);
    check_escalation_messages(&decls, &mut diagnostics);
    (decls, diagnostics)
}

/// Whether `c` is another version of a const already declared (§15): two
/// consts of one name where either has an `effective` range. Versions whose
/// ranges share a day are reported (N0130); a version is never a duplicate name.
fn const_version(decls: &Declarations<'_>, diagnostics: &mut Vec<Diagnostic>, c: &ConstDecl) -> bool {
    let earlier: Vec<&ConstDecl> = decls.consts.iter().copied().filter(|e| e.name.name == c.name.name).collect();
    if earlier.is_empty() || (c.effective.is_none() && earlier.iter().all(|e| e.effective.is_none())) {
        return false;
    }
    let always = Effective { from: None, until: None, span: c.name.span };
    let mine = c.effective.unwrap_or(always);
    if let Some(first) = earlier.iter().find(|e| e.effective.unwrap_or(always).overlaps(&mine)) {
        let theirs = first.effective.unwrap_or(always);
        let day = match (mine.from, theirs.from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let on = day.map_or_else(
            || match (mine.until, theirs.until) {
                (Some(a), Some(b)) => format!(" (both are in force on the day before {})", a.min(b)),
                _ => " (both are in force on every day)".to_string(),
            },
            |d| format!(" (both are in force on {d})"),
        );
        let label = |e: &ConstDecl| match e.effective {
            Some(r) => format!("in force {}", r.text()),
            None => "no `effective`: in force always".to_string(),
        };
        diagnostics.push(
            Diagnostic::error(Code::N0130, format!("versions of const `{}` overlap{on}", c.name.name))
                .at(c.effective.map_or(c.name.span, |e| e.span), label(c))
                .also(first.effective.map_or(first.name.span, |e| e.span), format!("the other version, {}", label(first)))
                .help("versions of a const are in force on disjoint ranges: end one where the next starts (`..< D` and `D ..`)"),
        );
    }
    true
}

fn declare(decls: &mut Declarations<'_>, diagnostics: &mut Vec<Diagnostic>, name: &Ident, kind: DeclKind) {
    if let Some((first_kind, first_span)) = decls.names.get(&name.name) {
        diagnostics.push(
            Diagnostic::error(Code::N0101, format!("`{}` is declared twice", name.name))
                .at(name.span, format!("second declaration ({})", kind.noun()))
                .also(*first_span, format!("first declared here ({})", first_kind.noun()))
                .help("names must be unique across the policy and the files it uses; rename one"),
        );
        return;
    }
    decls.names.insert(name.name.clone(), (kind, name.span));
}

/// The name of the let that holds a characteristic's points: the scorecard's
/// name and the characteristic's reason code (a name no one can write).
pub fn characteristic_let(scorecard: &str, reason: &str) -> String {
    format!("{scorecard}.{reason}")
}

/// A scorecard as lets: one per characteristic (a one-subject `match` whose
/// arms are the bins), and the scorecard's own, `base` plus each of them. So a
/// score is computed at most once per evaluation, only when read, by both
/// evaluators, and its tables get every check a `match` gets.
/// A bin whose points are not a whole-number literal is T0228, and counts 0
/// (so the score stays an Int and nothing else is reported because of it).
fn scorecard_lets(card: &ScorecardDecl, diagnostics: &mut Vec<Diagnostic>) -> Vec<LetDecl> {
    let span = card.span;
    if let Some(n) = card.reasons.filter(|n| n.value < 0) {
        diagnostics.push(
            Diagnostic::error(Code::T0228, "`reasons` is how many reason codes to report")
                .at(n.span, "a negative count")
                .help("write a count of 0 or more, e.g. `reasons 3`"),
        );
    }
    let mut total = Expr { kind: ExprKind::Int(card.base.value), span: card.base.span };
    let mut lets = Vec::new();
    for c in &card.characteristics {
        let name = Ident { name: characteristic_let(&card.name.name, &c.reason.name), span: c.reason.span };
        let mut bins = c.bins.clone();
        for bin in &mut bins {
            if !is_points(&bin.body) {
                diagnostics.push(
                    Diagnostic::error(Code::T0228, "a bin's points must be a whole number")
                        .at(bin.body.span, "not a whole-number literal")
                        .help("write the points as an Int literal, e.g. `=> 25` or `=> -10`"),
                );
                bin.body = Expr { kind: ExprKind::Int(0), span: bin.body.span };
            }
        }
        let table = MatchExpr { subjects: vec![c.subject.clone()], arms: bins };
        let value = Expr { kind: ExprKind::Match(Box::new(table)), span: c.span };
        lets.push(LetDecl { name: name.clone(), ty: None, value, span: c.span });
        let points = Expr { kind: ExprKind::Name(name), span: c.span };
        total = Expr { kind: ExprKind::Binary(BinOp::Add, Box::new(total), Box::new(points)), span };
    }
    lets.push(LetDecl { name: card.name.clone(), ty: None, value: total, span });
    lets
}

/// A whole-number literal, possibly negated: a bin's points.
fn is_points(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_) => true,
        ExprKind::Neg(inner) => matches!(inner.kind, ExprKind::Int(_)),
        _ => false,
    }
}

fn check_reason_codes(decls: &Declarations<'_>, diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let characteristics = decls.scorecards.iter().flat_map(|s| s.characteristics.iter().map(|c| &c.reason));
    let codes = decls
        .rules
        .iter()
        .map(|(r, _)| &r.code)
        .chain(decls.credit_limits.iter().map(|(l, _)| &l.code))
        .chain(decls.authorities.iter().map(|a| &a.escalate))
        .chain(characteristics);
    for code in codes {
        if let Some(first) = seen.get(code.name.as_str()) {
            diagnostics.push(
                Diagnostic::error(Code::N0102, format!("reason code `{}` is used twice", code.name))
                    .at(code.span, "second use")
                    .also(*first, "first used here")
                    .help("every rule, limit and the authority's escalation need their own code, so a decision's reasons say which fired"),
            );
        } else {
            seen.insert(&code.name, code.span);
        }
    }
    // a limit's own escalation code (§14) may stand on several limits, but is no rule's or limit's code
    let escalations = decls.authorities.iter().flat_map(|a| a.levels.iter().flat_map(|l| &l.limits));
    for (code, _) in escalations.filter_map(|l| l.escalate.as_ref()) {
        let taken = decls.rules.iter().map(|(r, _)| &r.code).chain(decls.credit_limits.iter().map(|(l, _)| &l.code));
        if let Some(first) = taken.into_iter().find(|c| c.name == code.name) {
            diagnostics.push(
                Diagnostic::error(Code::N0102, format!("reason code `{}` is used twice", code.name))
                    .at(code.span, "used as an escalation code")
                    .also(first.span, "first used here")
                    .help("an escalation code says which authority limit failed; give it a code no rule or credit limit has"),
            );
        }
    }
}

/// One escalation code, one message (A0314): a limit's own code (§14) may stand
/// on several limits, and may be the block's, but a decision's `messages` give
/// each code one text.
fn check_escalation_messages(decls: &Declarations<'_>, diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, &StrLit> = HashMap::new();
    let block = decls.authorities.iter().map(|a| (&a.escalate, a.message.as_ref()));
    let own = decls.authorities.iter().flat_map(|a| a.levels.iter().flat_map(|l| &l.limits));
    let own = own.filter_map(|l| l.escalate.as_ref()).map(|(code, message)| (code, message.as_ref()));
    for (code, message) in block.chain(own) {
        let Some(message) = message else { continue };
        match first.get(code.name.as_str()) {
            Some(earlier) if earlier.value != message.value => diagnostics.push(
                Diagnostic::error(
                    Code::A0314,
                    format!("escalation code `{}` has two messages", code.name),
                )
                .at(message.span, "a second message")
                .also(earlier.span, "first message")
                .help("write the message once (the other limits may give the code alone), or give this limit its own code"),
            ),
            Some(_) => {}
            None => {
                first.insert(&code.name, message);
            }
        }
    }
}
