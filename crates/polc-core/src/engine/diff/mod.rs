//! `polc diff`'s engine: every record of a portfolio decoded once and decided
//! by two versions of a policy, in one pass on the batch runner's pipeline,
//! counted exactly (swap matrix, labels, reasons, segments, exposure in
//! `Decimal`, referral load) into a [`DiffReport`]; changed records are handed
//! to a [`DiffSink`] in input order.
//!
//! ```
//! use polc_core::engine::diff::{Diff, DiffOptions, NoChanges};
//! use polc_core::{MemoryLoader, Policy};
//! let policy = |limit: u32| format!("policy demo version \"{limit}\"\nrecord A {{ id: String, age: Int }}\n\
//!     input a: A\nrule A01 \"too young\" decline when a.age < {limit}\n");
//! let old = Policy::from_source("old.pol", &policy(18), &MemoryLoader::new()).expect("compiles");
//! let new = Policy::from_source("new.pol", &policy(21), &MemoryLoader::new()).expect("compiles");
//! let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
//! let diff = Diff::new(&old, &new, DiffOptions::new(as_of).threads(1)).expect("same input type");
//! let input = "{\"id\":\"X1\",\"age\":17}\n{\"id\":\"X2\",\"age\":19}\n{\"id\":\"X3\",\"age\":30}\n";
//! let report = diff.run_jsonl(input.as_bytes(), &mut NoChanges).expect("decided");
//! assert_eq!((report.records, report.changed), (3, 1));
//! ```

mod fields;
mod report;
#[cfg(feature = "arrow")]
mod table;
mod tally;
mod text;

#[cfg(test)]
mod tests;

pub use fields::SegmentKey;
pub use report::{
    AmountReport, ChangedRecord, DiffReport, LabelReport, LevelLoad, OfferReport, OfferSide, PolicySide, Rate,
    ReasonDelta, ScoreDelta, SegmentReport, SegmentRow, SwapCell, DECISIONS,
};
#[cfg(feature = "arrow")]
pub use table::TablePiece;
pub use tally::{LabelCounts, Matrix, MOST_SEGMENTS};
pub use text::render_text;

use super::batch::piece::readable;
use super::batch::stream::{self, Lines};
use super::batch::{BatchError, MAX_THREADS, WORKER_STACK_BYTES};
use crate::eval::{Decision, Outcome, Scratch};
use crate::io::output::{self, AsOf, LineOptions};
use crate::io::verdict::Verdict;
use crate::value::Value;
use crate::Policy;
use chrono::NaiveDate;
use fields::{FieldSource, Role};
use rust_decimal::Decimal;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use tally::{RecordTally, Tally};

/// How a [`Diff`] decides and what it counts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiffOptions {
    /// The evaluation date of every record, under both versions.
    pub as_of: NaiveDate,
    /// Worker threads (`None`: one per core), as [`super::batch::BatchOptions::threads`].
    pub threads: Option<usize>,
    /// Bytes of stack of each worker thread.
    pub stack_bytes: usize,
    /// The "went bad" field (dotted path; Bool, or Int 0/1), if any.
    pub label: Option<String>,
    /// The fields whose values are segments (dotted paths).
    pub by: Vec<String>,
    /// The Money field summed over the approved records (the sum insured), if any.
    pub exposure: Option<String>,
    /// Changed records kept in the report as examples (the first, in input order).
    pub examples: usize,
    /// Whether every changed record goes to the sink (not only the examples).
    pub every_change: bool,
}

impl DiffOptions {
    /// As of `as_of`, one thread per core, nothing but the matrix and reasons.
    pub fn new(as_of: NaiveDate) -> DiffOptions {
        DiffOptions {
            as_of,
            threads: None,
            stack_bytes: WORKER_STACK_BYTES,
            label: None,
            by: Vec::new(),
            exposure: None,
            examples: 0,
            every_change: false,
        }
    }

    /// On `threads` worker threads.
    pub fn threads(mut self, threads: usize) -> DiffOptions {
        self.threads = Some(threads);
        self
    }

    /// With the bad rates of the label field `field`.
    pub fn label(mut self, field: impl Into<String>) -> DiffOptions {
        self.label = Some(field.into());
        self
    }

    /// With a swap matrix per value of `field` too.
    pub fn by(mut self, field: impl Into<String>) -> DiffOptions {
        self.by.push(field.into());
        self
    }

    /// With the sums of the Money field `field` over the approved records.
    pub fn exposure(mut self, field: impl Into<String>) -> DiffOptions {
        self.exposure = Some(field.into());
        self
    }

    /// Keeping the first `n` changed records in the report.
    pub fn examples(mut self, n: usize) -> DiffOptions {
        self.examples = n;
        self
    }

    /// Handing every changed record to the sink.
    pub fn every_change(mut self, every: bool) -> DiffOptions {
        self.every_change = every;
        self
    }
}

/// Why a diff cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The two versions read different input records: one decoding cannot serve both.
    #[error("the two policies read different input records:\n{}", .differences.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n"))]
    InputsDiffer {
        /// One sentence per difference.
        differences: Vec<String>,
    },
    /// A `--label`, `--by` or `--exposure` field is not usable.
    #[error("{0}")]
    Field(String),
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    Threads(io::Error),
}

/// Where a diff hands the changed records (in input order) and its progress.
pub trait DiffSink {
    /// A record decided differently by the two versions (with
    /// [`DiffOptions::every_change`] every one; otherwise the examples only).
    fn changed(&mut self, _record: &ChangedRecord) -> io::Result<()> {
        Ok(())
    }

    /// Bytes of input decided so far, after each piece.
    fn progress(&mut self, _bytes: u64) {}

    /// Rows of a table decided in the last piece ([`Diff::run_tables`]).
    fn rows(&mut self, _rows: u64) {}
}

/// A sink that takes nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoChanges;

impl DiffSink for NoChanges {}

/// Two versions of a policy and a pool of worker threads that replays a
/// portfolio through both.
pub struct Diff {
    old: Policy,
    new: Policy,
    pool: Arc<rayon::ThreadPool>,
    options: DiffOptions,
    label: Option<FieldSource>,
    by: Vec<FieldSource>,
    exposure: Option<Vec<u32>>,
    /// Both versions' codes together, sorted, and each version's index into them.
    codes: Vec<String>,
    old_codes: Vec<u32>,
    new_codes: Vec<u32>,
    /// The lists the new version reads from the old one's copy (same content).
    shared_lists: Vec<String>,
    /// The scorecards either version reports, by name, sorted; and each
    /// version's scorecard index into them.
    scores: Vec<String>,
    old_scores: Vec<u32>,
    new_scores: Vec<u32>,
}

impl std::fmt::Debug for Diff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diff").field("old", &self.old.name()).field("new", &self.new.name()).finish()
    }
}

impl Diff {
    /// A diff of `old` against `new`: their input records must be the same
    /// (field by field, enum variants in order), and every field the options
    /// name must be one the report can read. Lists with the same content are
    /// shared between the two.
    pub fn new(old: &Policy, new: &Policy, options: DiffOptions) -> Result<Diff, DiffError> {
        let differences = fields::input_differences(old.program(), new.program());
        if !differences.is_empty() {
            return Err(DiffError::InputsDiffer { differences });
        }
        let program = old.program();
        let label = options.label.as_deref().map(|f| fields::resolve(program, f, Role::Label)).transpose();
        let label = label.map_err(DiffError::Field)?;
        let by: Result<Vec<_>, _> = options.by.iter().map(|f| fields::resolve(program, f, Role::Segment)).collect();
        let by = by.map_err(DiffError::Field)?;
        let exposure = match options.exposure.as_deref().map(|f| fields::resolve(program, f, Role::Exposure)) {
            Some(Ok(FieldSource::Decoded { path, .. })) => Some(path),
            Some(Ok(FieldSource::Undeclared { key })) => {
                let key = key.key();
                return Err(DiffError::Field(format!("`--exposure {key}` is not a field of the input record")));
            }
            Some(Err(message)) => return Err(DiffError::Field(message)),
            None => None,
        };
        let mut new = new.clone();
        let mut shared_lists = new.share_lists_from(old);
        shared_lists.sort();
        let mut codes: Vec<String> =
            old.reason_codes().iter().chain(new.reason_codes()).map(|c| c.as_str().to_string()).collect();
        codes.sort();
        codes.dedup();
        let index_of = |policy: &Policy| -> Vec<u32> {
            let at = |c: &str| codes.binary_search_by(|x| x.as_str().cmp(c)).map_or(0, |i| i as u32);
            policy.reason_codes().iter().map(|c| at(c.as_str())).collect()
        };
        let (old_codes, new_codes) = (index_of(old), index_of(&new));
        let reported = |policy: &Policy| -> Vec<String> {
            let program = policy.program();
            program.reported_scores.iter().filter_map(|&i| program.scorecards.get(i).map(|c| c.name.clone())).collect()
        };
        let mut scores: Vec<String> = reported(old).into_iter().chain(reported(&new)).collect();
        scores.sort();
        scores.dedup();
        let card_index = |policy: &Policy| -> Vec<u32> {
            let at = |name: &str| scores.binary_search_by(|x| x.as_str().cmp(name)).map_or(u32::MAX, |i| i as u32);
            policy.program().scorecards.iter().map(|c| at(&c.name)).collect()
        };
        let (old_scores, new_scores) = (card_index(old), card_index(&new));
        let threads = options
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
            .clamp(1, MAX_THREADS);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(options.stack_bytes)
            .thread_name(|i| format!("polc-diff-{i}"))
            .build()
            .map_err(|e| DiffError::Threads(io::Error::other(e)))?;
        let old = old.clone();
        let pool = Arc::new(pool);
        Ok(Diff {
            old,
            new,
            pool,
            options,
            label,
            by,
            exposure,
            codes,
            old_codes,
            new_codes,
            shared_lists,
            scores,
            old_scores,
            new_scores,
        })
    }

    /// The two versions (the new one sharing the old one's lists where they agree).
    pub fn policies(&self) -> (&Policy, &Policy) {
        (&self.old, &self.new)
    }

    /// The lists both versions read from one copy: bound to the same content
    /// (same hash, element type and column).
    pub fn shared_lists(&self) -> &[String] {
        &self.shared_lists
    }

    /// Checks a sample record (the portfolio's first line, say) before any
    /// work: a `--label` field the input record does not declare must be in
    /// it, as a Bool or 0/1.
    pub fn check_sample(&self, line: &str) -> Result<(), DiffError> {
        let Some(source @ FieldSource::Undeclared { key }) = &self.label else { return Ok(()) };
        let key = key.key();
        match fields::label_of(source, None, Some(line)) {
            fields::Label::Bad | fields::Label::Good => Ok(()),
            fields::Label::Missing => Err(DiffError::Field(format!(
                "`--label {key}`: the first record has no `{key}` (the input record does not declare it either)"
            ))),
            fields::Label::Invalid => Err(DiffError::Field(format!(
                "`--label {key}`: the first record's `{key}` is not a label: a label is true/false or 0/1 (1: went bad)"
            ))),
        }
    }

    /// Decides every line of JSONL `input` with both versions, in one pass,
    /// and reports what changed. Memory stays bounded whatever the input.
    ///
    /// # Panics
    ///
    /// A panic while deciding (a bug) is raised again here.
    pub fn run_jsonl<S: DiffSink + ?Sized>(
        &self,
        input: impl Read + Send,
        sink: &mut S,
    ) -> Result<DiffReport, BatchError> {
        let as_of = &AsOf::new(self.options.as_of);
        let scratches = &Mutex::new(Vec::<Work>::new());
        // a piece keeps every changed record for the sink, or its first few as
        // examples (the run's first examples are among its pieces' first)
        let (every, examples) = (self.options.every_change, self.options.examples);
        let decide = |lines: Lines<'_>| {
            let mut work = scratches.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
            let mut tally = self.empty_tally();
            let mut changed = Vec::new();
            for (number, raw) in (lines.first..).zip(lines.lines) {
                let keep = every || changed.len() < examples;
                self.line(raw, number, as_of, &mut work, &mut tally, keep.then_some(&mut changed));
                tally.bytes += raw.len() as u64 + 1;
            }
            if let Ok(mut spares) = scratches.lock() {
                spares.push(work);
            }
            (tally, changed)
        };
        let mut total = self.empty_tally();
        let mut examples = Vec::new();
        let max_line = self.old.record_limits().max_line_bytes;
        stream::stream(&self.pool, input, max_line, &decide, |(tally, changed), place| {
            self.take_piece(&tally, changed, &mut total, &mut examples, sink)?;
            sink.progress(place.bytes);
            Ok(())
        })?;
        Ok(report::build(self, &total, examples))
    }

    /// Adds a decided piece to the run: its tally to `total`, its changed
    /// records to the sink (with `every_change`) and to the examples while
    /// there is room. The JSONL and the table paths both end a piece here.
    fn take_piece<S: DiffSink + ?Sized>(
        &self,
        tally: &Tally,
        changed: Vec<ChangedRecord>,
        total: &mut Tally,
        examples: &mut Vec<ChangedRecord>,
        sink: &mut S,
    ) -> Result<(), BatchError> {
        total.merge(tally);
        for record in changed {
            if self.options.every_change {
                sink.changed(&record).map_err(BatchError::Write)?;
            }
            if examples.len() < self.options.examples {
                examples.push(record);
            }
        }
        Ok(())
    }

    fn empty_tally(&self) -> Tally {
        let levels = (self.old.levels().len(), self.new.levels().len());
        let mut tally =
            Tally::new(self.codes.len(), levels, self.label.is_some(), self.exposure.is_some(), self.by.len());
        tally.scores_old = vec![(0, 0); self.scores.len()];
        tally.scores_new = vec![(0, 0); self.scores.len()];
        tally
    }

    /// Decides one raw line with both versions and counts it.
    fn line(
        &self,
        raw: &[u8],
        number: u64,
        as_of: &AsOf,
        work: &mut Work,
        tally: &mut Tally,
        changed: Option<&mut Vec<ChangedRecord>>,
    ) {
        let (text, record) = match readable(&self.old, raw) {
            Ok(text) => (Some(text), self.old.decode_json(text)),
            Err((_, error)) => (None, Err(error)),
        };
        self.count(record.ok().as_ref(), Beside::Line(text), number, as_of, work, tally, changed);
    }

    /// Decides one record (none: not a record of the input type) with both
    /// versions and counts it; `beside` holds what is read besides the record.
    #[expect(clippy::too_many_arguments, reason = "one record's place, its buffers and its counts")]
    fn count(
        &self,
        record: Option<&Value>,
        beside: Beside<'_>,
        number: u64,
        as_of: &AsOf,
        work: &mut Work,
        tally: &mut Tally,
        changed: Option<&mut Vec<ChangedRecord>>,
    ) {
        let Some(record) = record else {
            // not a record of the input type, which both versions share: an error under both
            tally.add(self.record_tally(None, beside, (ERROR, ERROR), (&[], &[]), (None, None), (None, None)));
            return;
        };
        let date = as_of.date();
        let old = self.old.decide(record, date, &mut work.old);
        let new = self.new.decide(record, date, &mut work.new);
        let (o, n) = (class(&old), class(&new));
        let Work { old_reasons, new_reasons, .. } = work;
        old_reasons.clear();
        old_reasons.extend(old.reasons.iter().filter_map(|&r| self.old_codes.get(r as usize).copied()));
        new_reasons.clear();
        new_reasons.extend(new.reasons.iter().filter_map(|&r| self.new_codes.get(r as usize).copied()));
        let referred = (referred(&old), referred(&new));
        tally::add_scores(&mut tally.scores_old, &self.old_scores, &old.scores);
        tally::add_scores(&mut tally.scores_new, &self.new_scores, &new.scores);
        let offers = (offered(&old), offered(&new));
        tally.add(self.record_tally(Some(record), beside, (o, n), (old_reasons, new_reasons), referred, offers));
        if let Some(changed) = changed {
            if o != n || old_reasons != new_reasons {
                changed.push(self.changed(number, record, as_of, &old, &new));
            }
        }
    }

    fn record_tally<'r>(
        &self,
        record: Option<&Value>,
        beside: Beside<'_>,
        (old, new): (usize, usize),
        (old_reasons, new_reasons): (&'r [u32], &'r [u32]),
        (old_referred, new_referred): (Option<Option<u32>>, Option<Option<u32>>),
        (old_offer, new_offer): (Option<Decimal>, Option<Decimal>),
    ) -> RecordTally<'r> {
        RecordTally {
            old,
            new,
            old_reasons,
            new_reasons,
            old_referred,
            new_referred,
            label: self.label.as_ref().map(|l| beside.label(l, record)),
            amount: self.exposure.as_ref().and_then(|path| fields::amount_of(path, record)),
            old_offer,
            new_offer,
            segments: self.by.iter().enumerate().map(|(i, s)| beside.segment(i, s, record)).collect(),
        }
    }

    fn changed(&self, number: u64, record: &Value, as_of: &AsOf, old: &Decision, new: &Decision) -> ChangedRecord {
        let id = self.old.record_id(record);
        let options = LineOptions { messages: true, ..LineOptions::default() };
        let verdict = |policy: &Policy, decision: &Decision| -> Verdict {
            output::verdict(policy.program(), policy.stamp(), as_of, id, decision, options, None)
        };
        ChangedRecord {
            line: number,
            id: id.map(String::from),
            old: verdict(&self.old, old),
            new: verdict(&self.new, new),
        }
    }
}

/// What a record's label and segments are read from besides the record: the
/// line's text (a top-level key the input record does not declare), or a
/// table's columns.
#[derive(Clone, Copy)]
enum Beside<'a> {
    /// A JSON line's text (none when it is not UTF-8).
    Line(Option<&'a str>),
    /// Row `.1` of a table whose label and `--by` columns are `.0`.
    #[cfg(feature = "arrow")]
    Row(&'a table::Extra<'a>, usize),
}

impl Beside<'_> {
    fn label(self, source: &FieldSource, record: Option<&Value>) -> fields::Label {
        match (self, source) {
            (Beside::Line(text), _) => fields::label_of(source, record, text),
            #[cfg(feature = "arrow")]
            (Beside::Row(extra, row), FieldSource::Undeclared { .. }) => extra.label(row),
            #[cfg(feature = "arrow")]
            (Beside::Row(..), FieldSource::Decoded { .. }) => fields::label_of(source, record, None),
        }
    }

    fn segment(self, index: usize, source: &FieldSource, record: Option<&Value>) -> SegmentKey {
        #[cfg(not(feature = "arrow"))]
        let _ = index;
        match (self, source) {
            (Beside::Line(text), _) => fields::segment_of(source, record, text),
            #[cfg(feature = "arrow")]
            (Beside::Row(extra, row), FieldSource::Undeclared { .. }) => extra.segment(index, row),
            #[cfg(feature = "arrow")]
            (Beside::Row(..), FieldSource::Decoded { .. }) => fields::segment_of(source, record, None),
        }
    }
}

/// A worker's buffers, reused from one piece to the next.
#[derive(Default)]
struct Work {
    old: Scratch,
    new: Scratch,
    /// A record's reasons under each version, as indices into both versions' codes.
    old_reasons: Vec<u32>,
    new_reasons: Vec<u32>,
}

/// The error row and column of a matrix.
const ERROR: usize = 3;

/// A decision's row (or column) in the swap matrix.
fn class(decision: &Decision) -> usize {
    match decision.outcome {
        Outcome::Approve { .. } => tally::APPROVE,
        Outcome::Refer { .. } => 1,
        Outcome::Decline => 2,
        Outcome::Error { .. } => ERROR,
    }
}

/// The amount a decision offers, when a credit limit cut the request.
fn offered(decision: &Decision) -> Option<Decimal> {
    decision.offer.as_ref().map(|offer| offer.amount)
}

/// The level a decision refers to, when it is a referral.
fn referred(decision: &Decision) -> Option<Option<u32>> {
    match decision.outcome {
        Outcome::Refer { to } => Some(to),
        _ => None,
    }
}
