//! polc-core: the compiler and interpreter behind the `polc` façade crate.
//!
//! ```text
//! .pol text ──parse──▶ ast::Module ──resolve──▶ Declarations ──check──▶ Checked
//!   (grammar/pol.pest,    (spans,        (use, names,        (types, authority,
//!    src/parse.rs)         no schema)      N codes)            T/A/W codes)
//!                                                                   │ lower
//!                                                                   ▼
//! JSON record ──data::record::decode──▶ Value ──eval::decide──▶ Decision ◀── ir::Program
//! ```
//!
//! ```
//! use polc_core::{Policy, MemoryLoader};
//! let source = r#"
//!     policy demo version "1"
//!     record Applicant { id: String, age: Int }
//!     input applicant: Applicant
//!     rule A01 "too young" decline when applicant.age < 18
//! "#;
//! let policy = Policy::from_source("demo.pol", source, &MemoryLoader::new()).expect("compiles");
//! let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
//! let line = policy.decide_json_line(r#"{"id":"X1","age":17}"#, as_of);
//! assert!(line.starts_with(r#"{"id":"X1","decision":"decline","reasons":["A01"]"#));
//! ```

// The pipeline, in order; each module's doc says what it owns.
pub mod base;
pub mod engine;
pub mod eval;
pub mod io;
pub mod ir;
pub mod sema;
pub mod syntax;
pub mod value;

// What the façade crate (`polc`) re-exports as the embedding API.
pub use base::codes::Code;
#[cfg(feature = "human")]
pub use base::diag::{render_human, RenderOptions};
pub use base::diag::{render_json, Diagnostic, Fix, Label, Severity};
pub use base::limits::{CompileOptions, Limits, ListLimits, RecordLimits};
pub use base::lines::{LineCol, LineIndex};
pub use base::source::{strip_bom, FileId, FsLoader, LoadError, Loader, MemoryLoader, Overlay, SourceMap, Span};
/// The calendar date type of `as_of` and of date values (chrono's).
pub use chrono::NaiveDate;
pub use engine::batch::{
    Batch, BatchError, BatchOptions, BatchSummary, DecidedLines, DecisionSink, InputRecord, WriteLines,
};
pub use engine::bundle::{bundle, open as open_bundle, Built, BundleOptions, Opened};
pub use engine::policy::{Compilation, LineKind, LineOutcome, Policy, PolicyError};
pub use eval::{Outcome, Scratch};
pub use io::bundle::{BundleError, BundleLimits, Manifest, PublicKey, SecretKey};
pub use io::lists::ListError;
pub use io::output::LineOptions;
pub use io::record::DecodeError;
pub use io::verdict::{
    CharacteristicExplanation, CreditLimitExplanation, Decision, ErrorKind, ErrorSpan, ExplainedValue, Explanation,
    Level, LimitExplanation, Offer, OutputValue, ReasonCode, RuleExplanation, Score, ScorecardExplanation, Verdict,
    VerdictError,
};
pub use ir::builtins::{builtins, BuiltinDef};
pub use sema::index::{DefId, DefKind, Definition, Hover, Index, Reference, TypeAt};

use sema::resolve::Reuse;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Parses, resolves, checks and lowers the policy at `root` and the files it uses.
/// With the default [`CompileOptions`]: default limits, and `use` and
/// `list … from` paths confined to the directory of `root`.
pub fn compile(root: &Path, loader: &dyn Loader) -> Compilation {
    compile_with(root, loader, &CompileOptions::default())
}

/// Like [`compile`], with the given limits and root directory.
pub fn compile_with(root: &Path, loader: &dyn Loader, options: &CompileOptions) -> Compilation {
    with_compiler_stack(
        &options.limits,
        || lower(front_end(Root::Path(root), loader, options, false, Reuse::new())),
        compile_failed,
    )
}

/// Like [`compile`], with the root file's text given.
pub fn compile_source(name: &Path, text: &str, loader: &dyn Loader) -> Compilation {
    compile_source_with(name, text, loader, &CompileOptions::default())
}

/// Like [`compile_with`], with the root file's text given.
pub fn compile_source_with(name: &Path, text: &str, loader: &dyn Loader, options: &CompileOptions) -> Compilation {
    let root = Root::Text(name, text);
    with_compiler_stack(
        &options.limits,
        || lower(front_end(root, loader, options, false, Reuse::new())),
        compile_failed,
    )
}

/// Everything the front end found in a policy, errors or not: the sources,
/// the same diagnostics as [`compile_with`] gives (in the same order), each
/// file's syntax tree (what parsed) and the [`Index`] of what every name and
/// expression is (what resolved and typed). For editors: a file with errors
/// can still be asked what is at a position.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Every file read.
    pub sources: SourceMap,
    /// Errors and warnings, sorted by place: those of [`compile_with`].
    pub diagnostics: Vec<Diagnostic>,
    /// The syntax tree of each file read, in file order (see [`Analysis::module`]).
    pub modules: Vec<syntax::ast::Module>,
    /// Definitions, uses and types.
    pub index: Index,
}

impl Analysis {
    /// The syntax tree of `file`.
    pub fn module(&self, file: FileId) -> Option<&syntax::ast::Module> {
        self.modules.iter().find(|m| m.file == file)
    }

    /// Whether any diagnostic is an error (then [`compile_with`] gives no program).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses, resolves and checks the policy at `root` and the files it uses,
/// and indexes them (it does not lower: see [`Analysis`]).
pub fn analyze(root: &Path, loader: &dyn Loader, options: &CompileOptions) -> Analysis {
    with_compiler_stack(
        &options.limits,
        || front_end(Root::Path(root), loader, options, true, Reuse::new()).analysis,
        |message| Analysis { diagnostics: vec![internal_error(message)], ..Analysis::default() },
    )
}

/// Like [`analyze`], with the root file's text given (an editor's buffer).
pub fn analyze_source(name: &Path, text: &str, loader: &dyn Loader, options: &CompileOptions) -> Analysis {
    with_compiler_stack(
        &options.limits,
        || front_end(Root::Text(name, text), loader, options, true, Reuse::new()).analysis,
        |message| Analysis { diagnostics: vec![internal_error(message)], ..Analysis::default() },
    )
}

/// Like [`analyze`], with `overlays` (path and text) standing in for those
/// files, whether the root or a file it uses, on disk or not: the unsaved
/// buffers of an editor. Other files come from `loader`.
pub fn analyze_overlaid(
    root: &Path,
    loader: &dyn Loader,
    overlays: &[(PathBuf, String)],
    options: &CompileOptions,
) -> Analysis {
    let overlay = overlays.iter().fold(Overlay::new(loader), |o, (path, text)| o.with(path, text.clone()));
    analyze(root, &overlay, options)
}

/// Like [`analyze_overlaid`], parsing again only what changed since
/// `previous` (the last analysis of the same root with the same options): in
/// each file whose last parse had no syntax problem, the top-level
/// declarations an edit did not touch keep their syntax trees (their spans
/// moved by the edit). The analysis is [`analyze_overlaid`]'s; an editor's
/// path, never `polc check`'s.
pub fn analyze_overlaid_reusing(
    root: &Path,
    loader: &dyn Loader,
    overlays: &[(PathBuf, String)],
    options: &CompileOptions,
    previous: Analysis,
) -> Analysis {
    let overlay = overlays.iter().fold(Overlay::new(loader), |o, (path, text)| o.with(path, text.clone()));
    let reuse = last_parses(previous);
    with_compiler_stack(
        &options.limits,
        || {
            let FrontEnd { analysis, checked } = front_end(Root::Path(root), &overlay, options, true, reuse);
            drop_elsewhere(checked);
            analysis
        },
        |message| Analysis { diagnostics: vec![internal_error(message)], ..Analysis::default() },
    )
}

/// Drops `value` on a thread of its own (here when none can start): freeing
/// a 10k-rule policy's typed program or its last index costs tens of millions
/// of instructions that an editor's diagnostics need not wait for.
fn drop_elsewhere<T: Send + 'static>(value: T) {
    // a thread that cannot start drops the closure, and the value with it
    let _ = std::thread::Builder::new().name("polc-drop".into()).spawn(move || drop(value));
}

/// The syntax trees of `analysis` that are clean parses of their files' text
/// (no syntax problem in the file), by path, to be reused.
fn last_parses(analysis: Analysis) -> Reuse {
    let Analysis { sources, diagnostics, modules, index } = analysis;
    drop_elsewhere(index);
    let mut unclean = std::collections::HashSet::new();
    for d in diagnostics.iter().filter(|d| d.code.family() == base::codes::Family::Parse) {
        match &d.primary {
            Some(label) => unclean.insert(label.span.file),
            // a problem of no file: reuse nothing
            None => return Reuse::new(),
        };
    }
    modules
        .into_iter()
        .filter(|m| !unclean.contains(&m.file))
        .filter_map(|module| {
            let file = sources.get(module.file)?;
            Some((file.path.clone(), syntax::parse::LastParse { text: file.text.clone(), module }))
        })
        .collect()
}

/// Where the root policy comes from.
#[derive(Clone, Copy)]
enum Root<'a> {
    Path(&'a Path),
    Text(&'a Path, &'a str),
}

/// An [`Analysis`] with the checked program when there were no errors.
struct FrontEnd {
    analysis: Analysis,
    checked: Option<sema::check::Checked>,
}

/// Loads, parses, resolves and checks; with `index`, keeps the syntax trees
/// and indexes them. Building the index never changes the diagnostics.
fn front_end(root: Root<'_>, loader: &dyn Loader, options: &CompileOptions, index: bool, reuse: Reuse) -> FrontEnd {
    let limits = &options.limits;
    let (Root::Path(entry) | Root::Text(entry, _)) = root;
    let sandbox = sema::resolve::Sandbox::new(options, &sema::resolve::normalize(entry), loader);
    let (sources, modules, mut diagnostics) = match root {
        Root::Path(path) => {
            sema::resolve::load_reusing(path, loader, limits, sandbox.as_ref(), options.test_files, reuse)
        }
        Root::Text(name, text) => sema::resolve::load_source_reusing(
            name,
            text.to_string(),
            loader,
            limits,
            sandbox.as_ref(),
            options.test_files,
            reuse,
        ),
    };
    let (checked, index) = match diagnostics.iter().any(|d| d.code.stops_checking()) {
        // the program was not built, or a file it uses was not read: checking
        // the rest would only report what is missing (an index still has the
        // definitions that parsed)
        true => {
            let decls = index.then(|| sema::resolve::collect(&modules).0);
            (None, decls.map(|decls| sema::index::IndexBuilder::definitions_only(&decls, &sources)))
        }
        false => {
            // the declarations borrow the trees, which the analysis then keeps
            let (decls, more) = sema::resolve::collect(&modules);
            diagnostics.extend(more);
            let checked = sema::check::check(&decls, &sources, limits, sandbox.as_ref(), index);
            diagnostics.extend(checked.diagnostics);
            base::diag::sort(&mut diagnostics);
            (checked.checked, checked.index)
        }
    };
    let mut trees = if index.is_some() { modules } else { Vec::new() };
    trees.sort_by_key(|m| m.file);
    let analysis = Analysis { sources, diagnostics, modules: trees, index: index.unwrap_or_default() };
    FrontEnd { analysis, checked }
}

/// The front end's result lowered to a program when it has no errors.
fn lower(front: FrontEnd) -> Compilation {
    let FrontEnd { analysis: Analysis { sources, diagnostics, .. }, checked } = front;
    let program = match checked {
        Some(checked) if !diagnostics.iter().any(Diagnostic::is_error) => {
            Some(ir::lower::lower(checked.program, source_hash(&sources), std::sync::Arc::new(sources.clone())))
        }
        _ => None,
    };
    Compilation { sources, diagnostics, program }
}

/// Runs the compiler on a thread with a stack sized for the deepest program the
/// nesting limit ([`Limits::max_nesting`]) admits, whatever the caller's stack;
/// `failed` makes the result when the thread cannot start or stops.
fn with_compiler_stack<T: Send>(
    limits: &Limits,
    compile: impl FnOnce() -> T + Send,
    failed: impl FnOnce(&str) -> T,
) -> T {
    let stack = limits.stack_bytes(64 << 20);
    std::thread::scope(|scope| {
        let worker =
            std::thread::Builder::new().name("polc-compile".into()).stack_size(stack).spawn_scoped(scope, compile);
        match worker {
            Ok(handle) => match handle.join() {
                Ok(result) => result,
                Err(_) => failed("the compiler stopped unexpectedly"),
            },
            Err(_) => failed("cannot start the compiler thread"),
        }
    })
}

fn internal_error(message: &str) -> Diagnostic {
    Diagnostic::error(Code::N0107, message)
}

fn compile_failed(message: &str) -> Compilation {
    Compilation { sources: SourceMap::default(), diagnostics: vec![internal_error(message)], program: None }
}

/// `sha256:` + the digest of every source file's length and bytes, in load
/// order; test files (`NAME.test.pol`) are not part of the policy (§16).
fn source_hash(sources: &SourceMap) -> String {
    let mut hasher = Sha256::new();
    for (_, file) in sources.files().filter(|(_, f)| !sema::test_file::is_test_file(&f.path)) {
        hasher.update((file.text.len() as u64).to_le_bytes());
        hasher.update(file.text.as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
