//! The ordered, parallel batch runner: JSONL from any `Read + Send` decided on
//! a pool of worker threads into decision lines or typed verdicts, in input
//! order, with memory bounded whatever the input; and records already in
//! memory decided in parallel. `polc run` is this runner and a file.
//!
//! ```
//! use polc_core::engine::batch::{Batch, BatchOptions, WriteLines};
//! use polc_core::{MemoryLoader, Policy};
//! let source = "policy demo version \"1\"\nrecord A { id: String, age: Int }\ninput a: A\n\
//!               rule A01 \"too young\" decline when a.age < 18\n";
//! let policy = Policy::from_source("demo.pol", source, &MemoryLoader::new()).expect("compiles");
//! let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
//! let batch = Batch::new(&policy, BatchOptions::new(as_of).threads(2)).expect("worker threads");
//! let input = "{\"id\":\"X1\",\"age\":17}\n{\"id\":\"X2\",\"age\":30}\nnot json\n";
//! let mut out = WriteLines(Vec::new());
//! let summary = batch.run_jsonl(input.as_bytes(), &mut out).expect("decided");
//! assert_eq!((summary.records, summary.decline, summary.approve, summary.record_errors), (3, 1, 1, 1));
//! assert_eq!(String::from_utf8_lossy(&out.0).lines().count(), 3);
//! ```

#[cfg(feature = "arrow")]
mod lines;
pub(in crate::engine) mod piece;
pub(in crate::engine) mod stream;
mod summary;
#[cfg(feature = "arrow")]
mod table;

pub use summary::BatchSummary;
#[cfg(feature = "arrow")]
pub use table::TableInput;

use crate::base::limits::Limits;
use crate::eval::Scratch;
use crate::io::output::{AsOf, LineOptions};
use crate::io::verdict::{Decision, Verdict};
use crate::{LineOutcome, Policy};
use chrono::NaiveDate;
use rayon::prelude::*;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

/// Most worker threads: more only cost memory (stacks, pieces in flight) and
/// time to start them, on any machine this runs on.
pub const MAX_THREADS: usize = 256;

/// Bytes of stack of a worker thread, for a policy compiled with the default
/// nesting limit (see [`BatchOptions::limits`]).
pub const WORKER_STACK_BYTES: usize = 16 << 20;

/// How a [`Batch`] decides.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchOptions {
    /// The evaluation date of every record.
    pub as_of: NaiveDate,
    /// Worker threads, 1 to [`MAX_THREADS`] (`None`: one per core, at most
    /// [`MAX_THREADS`]). A number outside the range is taken as its nearest
    /// end. Output order never depends on it.
    pub threads: Option<usize>,
    /// What each decision carries besides the decision (messages, trace).
    pub line: LineOptions,
    /// Bytes of stack of each worker thread (see [`BatchOptions::limits`]).
    pub stack_bytes: usize,
}

impl BatchOptions {
    /// Decide as of `as_of`, on one thread per core, plain decisions.
    pub fn new(as_of: NaiveDate) -> BatchOptions {
        BatchOptions { as_of, threads: None, line: LineOptions::default(), stack_bytes: WORKER_STACK_BYTES }
    }

    /// On `threads` worker threads (taken within 1 to [`MAX_THREADS`]).
    pub fn threads(mut self, threads: usize) -> BatchOptions {
        self.threads = Some(threads);
        self
    }

    /// With messages or a trace on each decision.
    pub fn line(mut self, line: LineOptions) -> BatchOptions {
        self.line = line;
        self
    }

    /// With worker stacks for a policy compiled under `limits`: a raised
    /// [`Limits::max_nesting`] makes evaluation recurse deeper.
    pub fn limits(mut self, limits: &Limits) -> BatchOptions {
        self.stack_bytes = limits.stack_bytes(WORKER_STACK_BYTES);
        self
    }
}

/// A policy and a pool of worker threads that decide batches with it.
///
/// `Send + Sync`, and a clone shares the pool: keep one per policy and decide
/// any number of batches with it, from any number of threads at once.
#[derive(Clone)]
pub struct Batch {
    policy: Policy,
    pool: Arc<rayon::ThreadPool>,
    options: BatchOptions,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("policy", &self.policy.name())
            .field("threads", &self.pool.current_num_threads())
            .field("options", &self.options)
            .finish()
    }
}

/// Why a batch run stopped before the end of its input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// Reading the input failed; every line before the failure was decided
    /// and handed to the sink.
    #[error("cannot read the input: {0}")]
    Read(#[source] io::Error),
    /// The sink returned this error, and the run stopped.
    #[error("{0}")]
    Write(io::Error),
}

impl BatchError {
    /// The I/O error, from the reader or the sink.
    pub fn io_error(&self) -> &io::Error {
        match self {
            BatchError::Read(error) | BatchError::Write(error) => error,
        }
    }
}

impl From<BatchError> for io::Error {
    fn from(error: BatchError) -> io::Error {
        match error {
            BatchError::Read(e) => io::Error::new(e.kind(), format!("cannot read the input: {e}")),
            BatchError::Write(e) => e,
        }
    }
}

/// Consecutive decision lines handed to a [`DecisionSink`], in input order.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct DecidedLines<'a> {
    /// Whole decision lines, each ending in a newline: exactly the
    /// `serde_json::to_string` of each line's [`Verdict`].
    pub text: &'a str,
    /// What each line was, one per line of `text`.
    pub outcomes: &'a [LineOutcome],
    /// The input line number (1-based) of the first line.
    pub first_line: u64,
    /// Bytes of input these lines came from (for progress).
    pub input_bytes: u64,
}

/// Where [`Batch::run_jsonl`] hands the decision lines: piece after piece, in
/// input order. Returning an error stops the run; it comes back as
/// [`BatchError::Write`]. A closure taking `&DecidedLines` is a sink.
pub trait DecisionSink {
    /// Takes the next piece of decision lines.
    fn write(&mut self, lines: &DecidedLines<'_>) -> io::Result<()>;
}

impl<F: FnMut(&DecidedLines<'_>) -> io::Result<()>> DecisionSink for F {
    fn write(&mut self, lines: &DecidedLines<'_>) -> io::Result<()> {
        self(lines)
    }
}

/// A sink that writes the decision lines to `W` (a file, a socket, a `Vec<u8>`).
#[derive(Debug, Default)]
pub struct WriteLines<W: Write>(pub W);

impl<W: Write> DecisionSink for WriteLines<W> {
    fn write(&mut self, lines: &DecidedLines<'_>) -> io::Result<()> {
        self.0.write_all(lines.text.as_bytes())
    }
}

/// A record a batch can decide from memory: JSON text (`&str`, `String`) or a
/// `serde_json::Value`. Sealed: the library decides what it can read.
pub trait InputRecord: sealed::Decide + Sync {}

impl<T: sealed::Decide + Sync + ?Sized> InputRecord for T {}

mod sealed {
    use super::*;

    pub trait Decide {
        /// The verdict of record `number` (1-based) of a batch, as its batch line gives it.
        fn decide(
            &self,
            policy: &Policy,
            number: u64,
            as_of: &AsOf,
            options: LineOptions,
            scratch: &mut Scratch,
        ) -> Verdict;
    }

    impl Decide for str {
        fn decide(
            &self,
            policy: &Policy,
            number: u64,
            as_of: &AsOf,
            options: LineOptions,
            scratch: &mut Scratch,
        ) -> Verdict {
            // the text is read as a batch reads a line (a byte-order mark or a
            // trailing carriage return included), so the verdict is that line's
            piece::line_verdict(policy, self.as_bytes(), number, as_of, options, scratch).0
        }
    }

    impl Decide for String {
        fn decide(
            &self,
            policy: &Policy,
            number: u64,
            as_of: &AsOf,
            options: LineOptions,
            scratch: &mut Scratch,
        ) -> Verdict {
            self.as_str().decide(policy, number, as_of, options, scratch)
        }
    }

    impl Decide for serde_json::Value {
        fn decide(
            &self,
            policy: &Policy,
            number: u64,
            as_of: &AsOf,
            options: LineOptions,
            scratch: &mut Scratch,
        ) -> Verdict {
            let mut verdict = match policy.decode(self) {
                Ok(record) => policy.verdict_of_record(&record, as_of, options, scratch).0,
                Err(error) => {
                    let id = self.get("id").and_then(serde_json::Value::as_str);
                    policy.record_error_verdict(as_of, id, &error)
                }
            };
            if verdict.decision == Decision::Error {
                verdict.line = Some(number);
            }
            verdict
        }
    }

    impl<T: Decide + ?Sized> Decide for &T {
        fn decide(
            &self,
            policy: &Policy,
            number: u64,
            as_of: &AsOf,
            options: LineOptions,
            scratch: &mut Scratch,
        ) -> Verdict {
            (**self).decide(policy, number, as_of, options, scratch)
        }
    }
}

impl Batch {
    /// A batch runner for `policy` (cloned: a clone shares the program and
    /// lists) on a pool of its own worker threads.
    pub fn new(policy: &Policy, options: BatchOptions) -> io::Result<Batch> {
        let threads = options
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
            .clamp(1, MAX_THREADS);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(options.stack_bytes)
            .thread_name(|i| format!("polc-worker-{i}"))
            .build()
            .map_err(io::Error::other)?;
        Ok(Batch { policy: policy.clone(), pool: Arc::new(pool), options })
    }

    /// The policy it decides with.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// How it decides.
    pub fn options(&self) -> &BatchOptions {
        &self.options
    }

    /// Its worker threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// The same runner (the same pool) deciding as of another date: a service
    /// keeps one batch and decides each request as of its own day.
    pub fn with_as_of(&self, as_of: NaiveDate) -> Batch {
        let mut batch = self.clone();
        batch.options.as_of = as_of;
        batch
    }

    /// Decides every line of JSONL `input` (one record a line), giving `sink`
    /// the decision lines in input order — one line out per line in; a line
    /// that is not a valid record is an `error` line with its input line
    /// number — and returns the counts. Memory stays bounded whatever the
    /// input's size or its lines' lengths (a line over
    /// [`crate::RecordLimits::max_line_bytes`] is an error, and only that much
    /// of it is kept). Nothing needs the whole input: `input` may be a pipe, a
    /// socket, or a request body arriving in chunks.
    ///
    /// # Panics
    ///
    /// A panic while deciding (a bug) is raised again here, after the lines
    /// before it were handed to the sink.
    pub fn run_jsonl<S: DecisionSink + ?Sized>(
        &self,
        input: impl Read + Send,
        sink: &mut S,
    ) -> Result<BatchSummary, BatchError> {
        let (policy, options) = (&self.policy, self.options.line);
        let as_of = &AsOf::new(self.options.as_of);
        // written pieces' buffers go back to the workers (fresh ones cost page faults)
        let spares = &Mutex::new(Vec::<(String, Vec<LineOutcome>)>::new());
        let scratches = &Mutex::new(Vec::<Scratch>::new());
        let decide = |lines: stream::Lines<'_>| {
            let mut scratch = take_spare(scratches);
            let (mut text, mut outcomes) = take_spare(spares);
            text.reserve(lines.lines.len() * 512);
            piece::decide_lines(policy, lines, as_of, &mut scratch, options, &mut text, &mut outcomes);
            give_back(scratches, scratch, usize::MAX);
            let mut summary = BatchSummary::new(policy);
            outcomes.iter().for_each(|outcome| summary.count(outcome));
            (text, outcomes, summary)
        };
        let mut summary = BatchSummary::new(policy);
        stream::stream(&self.pool, input, policy.record_limits().max_line_bytes, &decide, |piece, place| {
            let (mut text, mut outcomes, counted) = piece;
            summary.merge(&counted);
            summary.bytes += place.bytes;
            let lines = DecidedLines {
                text: &text,
                outcomes: &outcomes,
                first_line: place.first_line,
                input_bytes: place.bytes,
            };
            sink.write(&lines).map_err(BatchError::Write)?;
            text.clear();
            outcomes.clear();
            // never more than the pieces in flight
            give_back(spares, (text, outcomes), usize::MAX);
            Ok(())
        })?;
        Ok(summary)
    }

    /// Like [`Batch::run_jsonl`], handing `sink` one [`Verdict`] per input
    /// line instead of its decision line, in input order (error verdicts carry
    /// their input line number in [`Verdict::line`]). Returning an error from
    /// `sink` stops the run.
    pub fn verdicts_jsonl(
        &self,
        input: impl Read + Send,
        mut sink: impl FnMut(Verdict) -> io::Result<()>,
    ) -> Result<BatchSummary, BatchError> {
        let (policy, options) = (&self.policy, self.options.line);
        let as_of = &AsOf::new(self.options.as_of);
        let scratches = &Mutex::new(Vec::<Scratch>::new());
        let decide = |lines: stream::Lines<'_>| {
            let mut scratch = take_spare(scratches);
            let mut verdicts = Vec::with_capacity(lines.lines.len());
            piece::decide_verdicts(policy, lines, as_of, &mut scratch, options, &mut verdicts);
            give_back(scratches, scratch, usize::MAX);
            verdicts
        };
        let mut summary = BatchSummary::new(policy);
        stream::stream(&self.pool, input, policy.record_limits().max_line_bytes, &decide, |verdicts, place| {
            summary.bytes += place.bytes;
            for (verdict, outcome) in verdicts {
                summary.count(&outcome);
                sink(verdict).map_err(BatchError::Write)?;
            }
            Ok(())
        })?;
        Ok(summary)
    }

    /// Decides records held in memory, in parallel on the pool, one verdict
    /// each in their order. A record that is not valid is an `error` verdict
    /// (never a missing one) with its 1-based position as [`Verdict::line`].
    /// JSON text is read as [`Batch::run_jsonl`] reads a line, so the verdict
    /// of the `n`th text is that of line `n` of their JSONL (a byte-order mark
    /// on it is an error; see [`crate::Policy::decide_json`] for one record).
    ///
    /// # Panics
    ///
    /// A panic while deciding (a bug) is raised again here.
    pub fn decide_records<R: InputRecord>(&self, records: &[R]) -> Vec<Verdict> {
        let (policy, options) = (&self.policy, self.options.line);
        let as_of = &AsOf::new(self.options.as_of);
        self.pool.install(|| {
            records
                .par_iter()
                .enumerate()
                .map_init(Scratch::default, |scratch, (index, record)| {
                    sealed::Decide::decide(record, policy, index as u64 + 1, as_of, options, scratch)
                })
                .collect()
        })
    }
}

/// A buffer from `spares`, or a new one.
fn take_spare<T: Default>(spares: &Mutex<Vec<T>>) -> T {
    spares.lock().ok().and_then(|mut spares| spares.pop()).unwrap_or_default()
}

/// Keeps `spare` for reuse, unless `spares` already holds `most`.
fn give_back<T>(spares: &Mutex<Vec<T>>, spare: T, most: usize) {
    if let Ok(mut spares) = spares.lock() {
        if spares.len() < most {
            spares.push(spare);
        }
    }
}
