//! polc: compiler and interpreter for `.pol` underwriting policies
//! (financing credit / guarantee insurance), as a library.
//!
//! Compile a policy once ([`Policy::from_file`], [`compile_with`]), bind its
//! lists, then decide applications from any number of threads: one record at a
//! time into a typed [`Verdict`] ([`Policy::evaluate`], [`Policy::decide_json`]),
//! or whole batches in parallel and in input order ([`Batch`]). A verdict
//! serialises to exactly the JSON line `polc run` writes for the record.
//! The library does no I/O of its own beyond the [`Loader`] it is given and the
//! reader a batch is given, and needs no terminal; diagnostics are data
//! ([`Diagnostic`]), drawn for people by `render_human` with the `human` feature.
//!
//! ```text
//! .pol text ──compile──▶ Policy ──bind lists──▶ Policy ──decide──▶ Verdict / decision line
//!                           │                                          ▲
//!                           └── Diagnostic (errors, warnings) ─────────┘ Batch: JSONL in, lines out, in order
//! ```
//!
//! # Compile
//!
//! ```
//! use polc::{MemoryLoader, Policy};
//! let loader = MemoryLoader::new().with("fraud_ids.txt", "110100198511200248\n");
//! let source = r#"
//!     policy demo version "1"
//!     record Applicant { id: String, id_number: IdCard, age: Int }
//!     input applicant: Applicant
//!     list fraud_ids: IdCard from "fraud_ids.txt"
//!     rule A01 "too young" decline when applicant.age < 18
//!     rule F01 "on the fraud list" decline when applicant.id_number in fraud_ids
//! "#;
//! let mut policy = Policy::from_source("demo.pol", source, &loader).expect("compiles");
//! // a list may be bound again from the service's own store
//! assert_eq!(policy.bind_list("fraud_ids", ["110100199003070138"]), Ok(1));
//! assert_eq!((policy.name(), policy.version()), ("demo", "1"));
//! assert!(policy.list_versions()["fraud_ids"].starts_with("sha256:"));
//! ```
//!
//! # Decide one record
//!
//! ```
//! use polc::{Decision, MemoryLoader, Policy};
//! # let source = "policy demo version \"1\"\nrecord Applicant { id: String, age: Int }\n\
//! #               input applicant: Applicant\nrule A01 \"too young\" decline when applicant.age < 18\n";
//! let policy = Policy::from_source("demo.pol", source, &MemoryLoader::new()).expect("compiles");
//! let as_of = polc::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
//!
//! #[derive(serde::Serialize)]
//! struct Applicant { id: String, age: i64 }
//! let verdict = policy.evaluate(&Applicant { id: "X1".into(), age: 17 }, as_of).expect("a valid record");
//! assert_eq!(verdict.decision, Decision::Decline);
//! assert_eq!(verdict.reasons, ["A01"]);
//! assert_eq!(policy.message("A01"), Some("too young"));
//!
//! // JSON text: a record that does not match is an `error` verdict naming the field
//! let bad = policy.decide_json(r#"{"id":"X2","age":"old"}"#, as_of);
//! assert_eq!(bad.decision, Decision::Error);
//! assert_eq!(bad.error.as_ref().and_then(|e| e.path.as_deref()), Some("age"));
//!
//! // a verdict is the decision line `polc run` writes, as data
//! let line = policy.decide_json_line(r#"{"id":"X1","age":17}"#, as_of);
//! assert_eq!(serde_json::to_string(&verdict).expect("serialises"), line);
//! assert_eq!(serde_json::from_str::<polc::Verdict>(&line).expect("reads back"), verdict);
//! ```
//!
//! # Decide a batch from a reader
//!
//! ```
//! use polc::{Batch, BatchOptions, DecidedLines, MemoryLoader, Policy};
//! # let source = "policy demo version \"1\"\nrecord Applicant { id: String, age: Int }\n\
//! #               input applicant: Applicant\nrule A01 \"too young\" decline when applicant.age < 18\n";
//! let policy = Policy::from_source("demo.pol", source, &MemoryLoader::new()).expect("compiles");
//! let as_of = polc::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
//! let batch = Batch::new(&policy, BatchOptions::new(as_of).threads(2)).expect("worker threads");
//!
//! // any `Read + Send`: a file, standard input, a request body arriving in chunks
//! let input = "{\"id\":\"B1\",\"age\":17}\n{\"id\":\"B2\",\"age\":40}\nnot a record\n";
//! let mut out = String::new();
//! let mut sink = |lines: &DecidedLines<'_>| {
//!     out.push_str(lines.text); // whole lines, in input order
//!     Ok(())
//! };
//! let summary = batch.run_jsonl(input.as_bytes(), &mut sink).expect("read and written");
//! assert_eq!((summary.records, summary.approve, summary.decline, summary.record_errors), (3, 1, 1, 1));
//! assert!(out.lines().nth(2).is_some_and(|l| l.starts_with(r#"{"decision":"error","line":3,"#)));
//!
//! // records already in memory: one verdict each, in order, decided in parallel
//! let verdicts = batch.decide_records(&[r#"{"id":"C1","age":30}"#, r#"{"id":"C2","age":12}"#]);
//! let decisions: Vec<_> = verdicts.iter().map(|v| v.decision.as_str()).collect();
//! assert_eq!(decisions, ["approve", "decline"]);
//! ```
//!
//! # Read diagnostics
//!
//! ```
//! use polc::{Code, MemoryLoader, Policy, Severity};
//! let source = "policy p version \"1\"\nrecord A { id: String, age: Int }\ninput a: A\n\
//!               rule A01 decline when a.agee < 18\n";
//! let failed = Policy::from_source("bad.pol", source, &MemoryLoader::new()).expect_err("does not compile");
//! let first = &failed.diagnostics[0];
//! assert_eq!((first.code, first.severity), (Code::N0105, Severity::Error));
//! assert_eq!(first.message, "unknown field `agee` on `A`");
//! assert_eq!(first.help.as_deref(), Some("did you mean `age`?"));
//! // as JSON for tools (file, line, column, labels, help) …
//! let json = polc::render_json(first, &failed.sources);
//! assert_eq!((json["line"].as_u64(), json["column"].as_u64()), (Some(4), Some(25)));
//! // … and, with the `human` feature, drawn for people:
//! #[cfg(feature = "human")]
//! {
//!     let text = polc::render_human(first, &failed.sources, polc::RenderOptions { color: false, width: 80 });
//!     assert!(text.starts_with("N0105") && text.contains("not a field of `A`"));
//! }
//! ```
//!
//! # Features
//!
//! - `arrow` (off): [`arrow`], Arrow record batches decided in parallel
//!   ([`Batch::decide_batch`]); adds the arrow-array, arrow-schema and arrow-select crates.
//! - `human` (off): `render_human` and `RenderOptions`, miette's
//!   renderer for terminals. Without it the library depends on no terminal,
//!   argument-parsing or allocator crate.
//!
//! serde_json is used without `arbitrary_precision` or `preserve_order`; if
//! another crate of your build turns them on, everything works the same (a
//! JSON number for a decimal field is then read from its text). See
//! [`Policy::evaluate_value`] for what a JSON number means without them.

#![warn(missing_docs)]

/// Removes one UTF-8 byte-order mark from the start of a text: the text entry
/// points do it; do it too before parsing text for [`Policy::evaluate_value`].
pub use polc_core::strip_bom;
/// `analyze`, `Analysis` and its `Index` (definitions, uses, types) are the
/// front end for editors: what a policy holds, errors or not.
pub use polc_core::{
    analyze, analyze_overlaid, analyze_overlaid_reusing, analyze_source, compile, compile_source, compile_source_with,
    compile_with, render_json, Analysis, Batch, BatchError, BatchOptions, BatchSummary, CharacteristicExplanation,
    Code, Compilation, CompileOptions, CreditLimitExplanation, DecidedLines, Decision, DecisionSink, DecodeError,
    DefId, DefKind, Definition, Diagnostic, ErrorKind, ErrorSpan, ExplainedValue, Explanation, FileId, Fix, FsLoader,
    Hover, Index, InputRecord, Label, Level, LimitExplanation, Limits, LineCol, LineIndex, LineKind, LineOptions,
    LineOutcome, ListError, ListLimits, LoadError, Loader, MemoryLoader, NaiveDate, Offer, OutputValue, Overlay,
    Policy, PolicyError, ReasonCode, RecordLimits, Reference, RuleExplanation, Score, ScorecardExplanation, Severity,
    SourceMap, Span, TypeAt, Verdict, VerdictError, WriteLines,
};
/// Every built-in function: its name, signature, documentation and an
/// example (for completion and help in editors).
pub use polc_core::{builtins, BuiltinDef};
/// Bundles (`polc bundle`): pack a policy with every file it reads into one
/// archive with a manifest of sha256 hashes and an optional ed25519
/// signature ([`bundle`]); load one with [`Policy::from_bundle`] (see docs/embedding.md).
pub use polc_core::{
    bundle, open_bundle, Built, BundleError, BundleLimits, BundleOptions, Manifest, Opened, PublicKey, SecretKey,
};
#[cfg(feature = "human")]
pub use polc_core::{render_human, RenderOptions};

/// The words an expression reserves and the words that start a declaration
/// (for completion and highlighting in editors; the grammar's own lists).
pub mod keywords {
    pub use polc_core::syntax::keywords::{DECLARATION_STARTS, RESERVED};
}

/// Most worker threads a [`Batch`] starts.
pub use polc_core::engine::batch::MAX_THREADS;

/// Arrow record batches in, decision batches out (the `arrow` feature):
/// [`Batch::decide_batch`] and [`Batch::decide_batch_as_of`] decide every row
/// of a batch in parallel on the batch's pool, one decision row per input row,
/// in order. Input columns are the input record's dotted field paths
/// (`loan.amount`); a `List`/`Set` field is a column of JSON text. The decision
/// columns ([`arrow::decision_schema`]) are the decision line's keys,
/// flattened (`id`, `decision`, `line`, `level`, `refer_to`, `reasons`,
/// `scores.NAME.score`, `offer.amount`, `outputs.NAME`, `error.message`, …),
/// the stamp columns (`as_of`, `policy`, `version`, `policy_hash`,
/// `lists.NAME`) as dictionary arrays of their one value.
/// [`Batch::decide_batches`] decides the batches of a table together;
/// [`Batch::decide_batches_in_pieces`] too, into a decision batch per piece
/// of up to 8,192 rows, nothing joined after.
///
/// ```
/// use polc::arrow::{ArrayRef, RecordBatch, StringArray, Int64Array};
/// use polc::{Batch, BatchOptions, MemoryLoader, Policy};
/// use std::sync::Arc;
/// # let source = "policy demo version \"1\"\nrecord Applicant { id: String, age: Int }\n\
/// #               input applicant: Applicant\nrule A01 \"too young\" decline when applicant.age < 18\n";
/// let policy = Policy::from_source("demo.pol", source, &MemoryLoader::new()).expect("compiles");
/// let as_of = polc::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
/// let batch = Batch::new(&policy, BatchOptions::new(as_of).threads(2)).expect("worker threads");
/// let input = RecordBatch::try_from_iter([
///     ("id", Arc::new(StringArray::from(vec!["A1", "A2"])) as ArrayRef),
///     ("age", Arc::new(Int64Array::from(vec![Some(17), None])) as ArrayRef),
/// ]).expect("a batch");
/// let decisions = batch.decide_batch(&input).expect("the columns fit the input record");
/// assert_eq!(decisions.num_rows(), 2);
/// assert_eq!(decisions.schema(), polc::arrow::decision_schema(&batch));
/// let decision = decisions.column_by_name("decision").expect("a column");
/// let decision = decision.as_any().downcast_ref::<StringArray>().expect("text");
/// assert_eq!((decision.value(0), decision.value(1)), ("decline", "error"));
/// ```
#[cfg(feature = "arrow")]
pub mod arrow {
    pub use arrow_array::{Array, ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray, UInt64Array};
    pub use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
    pub use polc_core::io::tabular::{DecisionColumns, InputColumns, TabularError};

    /// The schema of `batch`'s decision batches, known before any record (for
    /// an engine that needs the output schema up front, such as Spark's
    /// `mapInArrow`).
    pub fn decision_schema(batch: &crate::Batch) -> SchemaRef {
        batch.table_decision_columns().schema()
    }

    /// Decides the batches of a table as of `as_of` on `batch`'s pool, as one
    /// job: [`crate::Batch::decide_batches_as_of`].
    pub fn decide_batches(
        batch: &crate::Batch,
        input: &[RecordBatch],
        as_of: crate::NaiveDate,
    ) -> Result<Vec<RecordBatch>, TabularError> {
        batch.decide_batches_as_of(input, as_of)
    }

    /// Decides the batches of a table as of `as_of` on `batch`'s pool, as one
    /// job, into one decision batch per piece of up to 8,192 rows, nothing
    /// joined after: [`crate::Batch::decide_batches_in_pieces_as_of`].
    pub fn decide_batches_in_pieces(
        batch: &crate::Batch,
        input: &[RecordBatch],
        as_of: crate::NaiveDate,
    ) -> Result<Vec<RecordBatch>, TabularError> {
        batch.decide_batches_in_pieces_as_of(input, as_of)
    }

    /// Decides `input` as of `as_of` on `batch`'s pool: [`crate::Batch::decide_batch_as_of`].
    pub fn decide_batch(
        batch: &crate::Batch,
        input: &RecordBatch,
        as_of: crate::NaiveDate,
    ) -> Result<RecordBatch, TabularError> {
        batch.decide_batch_as_of(input, as_of)
    }
}

/// Two versions of a policy replayed over one portfolio in one pass: the
/// swap matrix, bad rates, reason codes, segments, exposure and referral load
/// of `polc diff` (see [`diff::Diff`]).
pub mod diff {
    pub use polc_core::engine::diff::*;
}

// For the workspace's own crates and tests (the engine's internals, not a
// stable API): reusable evaluation buffers and the internal outcome.
#[doc(hidden)]
pub use polc_core::{Outcome, Scratch};
