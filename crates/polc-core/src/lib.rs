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
pub use base::diag::{render_json, Diagnostic, Label, Severity};
pub use base::limits::{CompileOptions, Limits, ListLimits, RecordLimits};
pub use base::source::{strip_bom, FsLoader, LoadError, Loader, MemoryLoader, SourceMap, Span};
/// The calendar date type of `as_of` and of date values (chrono's).
pub use chrono::NaiveDate;
pub use engine::batch::{
    Batch, BatchError, BatchOptions, BatchSummary, DecidedLines, DecisionSink, InputRecord, WriteLines,
};
pub use engine::policy::{Compilation, LineKind, LineOutcome, Policy, PolicyError};
pub use eval::{Outcome, Scratch};
pub use io::lists::ListError;
pub use io::output::LineOptions;
pub use io::record::DecodeError;
pub use io::verdict::{
    Decision, ErrorKind, ErrorSpan, ExplainedValue, Explanation, Level, LimitExplanation, ReasonCode, RuleExplanation,
    Verdict, VerdictError,
};

use sha2::{Digest, Sha256};
use std::path::Path;

/// Parses, resolves, checks and lowers the policy at `root` and the files it uses.
/// With the default [`CompileOptions`]: default limits, and `use` and
/// `list … from` paths confined to the directory of `root`.
pub fn compile(root: &Path, loader: &dyn Loader) -> Compilation {
    compile_with(root, loader, &CompileOptions::default())
}

/// Like [`compile`], with the given limits and root directory.
pub fn compile_with(root: &Path, loader: &dyn Loader, options: &CompileOptions) -> Compilation {
    with_compiler_stack(&options.limits, || {
        let sandbox = sema::resolve::Sandbox::new(options, &sema::resolve::normalize(root), loader);
        let (sources, modules, diagnostics) = sema::resolve::load(root, loader, &options.limits, sandbox.as_ref());
        finish(sources, modules, diagnostics, &options.limits, sandbox.as_ref())
    })
}

/// Like [`compile`], with the root file's text given.
pub fn compile_source(name: &Path, text: &str, loader: &dyn Loader) -> Compilation {
    compile_source_with(name, text, loader, &CompileOptions::default())
}

/// Like [`compile_with`], with the root file's text given.
pub fn compile_source_with(name: &Path, text: &str, loader: &dyn Loader, options: &CompileOptions) -> Compilation {
    with_compiler_stack(&options.limits, || {
        let sandbox = sema::resolve::Sandbox::new(options, &sema::resolve::normalize(name), loader);
        let (sources, modules, diagnostics) =
            sema::resolve::load_source(name, text.to_string(), loader, &options.limits, sandbox.as_ref());
        finish(sources, modules, diagnostics, &options.limits, sandbox.as_ref())
    })
}

/// Runs the compiler on a thread with a stack sized for the deepest program the
/// nesting limit ([`Limits::max_nesting`]) admits, whatever the caller's stack.
fn with_compiler_stack(limits: &Limits, compile: impl FnOnce() -> Compilation + Send) -> Compilation {
    let stack = limits.stack_bytes(64 << 20);
    std::thread::scope(|scope| {
        let worker =
            std::thread::Builder::new().name("polc-compile".into()).stack_size(stack).spawn_scoped(scope, compile);
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| internal_error("the compiler stopped unexpectedly")),
            Err(_) => internal_error("cannot start the compiler thread"),
        }
    })
}

fn internal_error(message: &str) -> Compilation {
    Compilation {
        sources: SourceMap::default(),
        diagnostics: vec![Diagnostic::error(Code::N0107, message)],
        program: None,
    }
}

fn finish(
    sources: SourceMap,
    modules: Vec<syntax::ast::Module>,
    mut diagnostics: Vec<Diagnostic>,
    limits: &Limits,
    sandbox: Option<&sema::resolve::Sandbox<'_>>,
) -> Compilation {
    if diagnostics.iter().any(|d| d.code.stops_checking()) {
        // the program was not built, or a file it uses was not read: checking
        // the rest would only report what is missing
        return Compilation { sources, diagnostics, program: None };
    }
    let (decls, more) = sema::resolve::collect(modules);
    diagnostics.extend(more);
    let (checked, more) = sema::check::check(&decls, &sources, limits, sandbox);
    diagnostics.extend(more);
    base::diag::sort(&mut diagnostics);
    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    let program = match checked {
        Some(checked) if !has_errors => {
            Some(ir::lower::lower(checked, source_hash(&sources), std::sync::Arc::new(sources.clone())))
        }
        _ => None,
    };
    Compilation { sources, diagnostics, program }
}

/// `sha256:` + the digest of every source file's length and bytes, in load order.
fn source_hash(sources: &SourceMap) -> String {
    let mut hasher = Sha256::new();
    for (_, file) in sources.files() {
        hasher.update((file.text.len() as u64).to_le_bytes());
        hasher.update(file.text.as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
