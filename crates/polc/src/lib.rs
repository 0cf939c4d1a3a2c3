//! polc: compiler and interpreter for `.pol` underwriting policies
//! (financing credit / guarantee insurance).
//!
//! This crate is the embedding API; the stages behind it live in `polc-core`.
//!
//! ```text
//! .pol text ──parse──▶ ast::Module ──resolve──▶ Declarations ──check──▶ Checked
//!                                                                   │ lower
//!                                                                   ▼
//! JSON record ──decode──▶ Value ──eval::decide──▶ Decision ◀── ir::Program
//! ```
//!
//! ```
//! use polc::{Policy, MemoryLoader};
//! let source = r#"
//!     policy demo version "1"
//!     record Applicant { id: String, age: Int }
//!     input applicant: Applicant
//!     rule A01 "too young" decline when applicant.age < 18
//! "#;
//! let policy = Policy::from_source("demo.pol", source, &MemoryLoader::new()).expect("compiles");
//! let as_of = polc::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
//! let line = policy.decide_json_line(r#"{"id":"X1","age":17}"#, as_of);
//! assert!(line.starts_with(r#"{"id":"X1","decision":"decline","reasons":["A01"]"#));
//! ```

#![warn(missing_docs)]

/// Removes one UTF-8 byte-order mark from the start of a text: the text entry
/// points do it; do it too before parsing text for [`Policy::evaluate_value`].
pub use polc_core::strip_bom;
/// `analyze`, `Analysis` and its `Index` (definitions, uses, types) are the
/// front end for editors: what a policy holds, errors or not.
pub use polc_core::{
    analyze, analyze_overlaid, analyze_source, compile, compile_source, compile_source_with, compile_with,
    render_human, render_json, Analysis, Code, Compilation, CompileOptions, Decision, DecodeError, DefId, DefKind,
    Definition, Diagnostic, FileId, FsLoader, Hover, Index, Label, Limits, LineCol, LineIndex, LineKind, LineOptions,
    LineOutcome, ListError, ListLimits, LoadError, Loader, MemoryLoader, NaiveDate, Outcome, Overlay, Policy,
    PolicyError, RecordLimits, Reference, RenderOptions, Scratch, Severity, SourceMap, Span, TypeAt, Verdict,
};
/// Every built-in function: its name, signature, documentation and an
/// example (for completion and help in editors).
pub use polc_core::{builtins, BuiltinDef};
