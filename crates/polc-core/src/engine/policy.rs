//! The embeddable engine: a compiled program with its bound lists, ready to
//! decide records into typed verdicts or decision lines. Cheap to clone and
//! shareable across threads.

use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::limits::{ListLimits, RecordLimits};
use crate::base::source::{utf8_text, LoadError, Loader, SourceMap};
use crate::base::types::Type;
use crate::eval::trace::Trace;
use crate::eval::{decide, Decision, Executable, Scratch};
use crate::io::lists::{parse_entries, parse_list, ListError};
use crate::io::output::{self, AsOf, LineOptions, Stamp};
use crate::io::plan::DecodePlan;
use crate::io::record::{decode_within, DecodeError};
use crate::io::verdict::{Level, ReasonCode, Verdict};
use crate::ir::Program;
use crate::value::{SetValue, Value};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub use super::outcome::{LineKind, LineOutcome};

fn unknown_list(name: &str) -> ListError {
    ListError { code: Code::L0404, line: None, message: format!("the policy has no list `{name}`") }
}

/// The result of compiling: the sources (to render diagnostics), the
/// diagnostics, and the program when there were no errors.
#[derive(Debug)]
pub struct Compilation {
    /// Every file read, to render the diagnostics against.
    pub sources: SourceMap,
    /// Errors and warnings, sorted by place.
    pub diagnostics: Vec<Diagnostic>,
    /// The compiled program, when there were no errors (for the workspace's
    /// tools; make a [`Policy`] of the compilation to decide with it).
    #[doc(hidden)]
    pub program: Option<crate::ir::Program>,
}

impl Compilation {
    /// True when the policy compiled (no errors; warnings allowed).
    pub fn succeeded(&self) -> bool {
        self.program.is_some()
    }
}

/// A policy that could not be made ready: its diagnostics and sources.
#[derive(Debug)]
pub struct PolicyError {
    /// The files read (empty for list problems, which name their file in the message).
    pub sources: SourceMap,
    /// Why the policy could not be made ready.
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let errors: Vec<String> = self
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("error[{}]: {}", d.code, d.message))
            .collect();
        f.write_str(&errors.join("\n"))
    }
}

impl std::error::Error for PolicyError {}

/// Records whose list lookups are started together ([`Policy::start_list_lookups`]).
pub(crate) const LOOKUP_GROUP: usize = 8;

/// A compiled policy and its lists: decides records into [`Verdict`]s or
/// decision lines. `Send + Sync`; a clone shares the program and the lists.
#[derive(Clone, Debug)]
pub struct Policy {
    program: Arc<Executable>,
    /// The reason codes and the authority's levels, as the verdicts name them.
    names: Arc<Names>,
    lists: Vec<Option<Arc<SetValue>>>,
    /// What every decision line ends with, including the bound lists' versions.
    stamp: Arc<Stamp>,
    /// How JSON input records are read.
    decode_plan: Arc<DecodePlan>,
    /// Limits on the JSON records decided.
    record_limits: RecordLimits,
    /// Limits on the list files read.
    list_limits: ListLimits,
}

impl Policy {
    /// Compiles `path` and binds every list from its `from` file through `loader`.
    pub fn from_file(path: &Path, loader: &dyn Loader) -> Result<Policy, PolicyError> {
        Policy::ready(crate::compile(path, loader), loader)
    }

    /// Compiles source text named `name` (relative `use`/`from` paths resolve
    /// against `name`'s directory) and binds its lists through `loader`.
    pub fn from_source(name: impl AsRef<Path>, text: &str, loader: &dyn Loader) -> Result<Policy, PolicyError> {
        Policy::ready(crate::compile_source(name.as_ref(), text, loader), loader)
    }

    /// Turns a compilation into a policy, leaving every list unbound.
    pub fn from_compilation(compilation: Compilation) -> Result<Policy, PolicyError> {
        let Compilation { sources, diagnostics, program } = compilation;
        match program {
            Some(program) => {
                let lists = vec![None; program.lists.len()];
                let stamp = Arc::new(Stamp::new(&program, Default::default()));
                let decode_plan = Arc::new(DecodePlan::new(&program.schema, program.input.record));
                let (record_limits, list_limits) = (RecordLimits::default(), ListLimits::default());
                let names = Arc::new(Names::new(&program));
                let program = Arc::new(Executable::new(program));
                Ok(Policy { program, names, lists, stamp, decode_plan, record_limits, list_limits })
            }
            None if !diagnostics.iter().any(Diagnostic::is_error) => {
                let d =
                    Diagnostic::error(Code::N0112, "this file has no `policy` header: it is a library, not a policy")
                        .help("run or test a policy that brings it in with `use`");
                Err(PolicyError { sources, diagnostics: vec![d] })
            }
            None => Err(PolicyError { sources, diagnostics }),
        }
    }

    fn ready(compilation: Compilation, loader: &dyn Loader) -> Result<Policy, PolicyError> {
        let mut policy = Policy::from_compilation(compilation)?;
        let problems = policy.bind_default_lists(loader, &[]);
        if problems.is_empty() {
            Ok(policy)
        } else {
            Err(PolicyError { sources: SourceMap::default(), diagnostics: problems })
        }
    }

    /// The policy's name (`policy NAME version …`).
    pub fn name(&self) -> &str {
        &self.program.name
    }

    /// The policy's version.
    pub fn version(&self) -> &str {
        &self.program.version
    }

    /// `sha256:` and the digest of the policy's source files: what every
    /// verdict carries as `policy_hash`.
    pub fn policy_hash(&self) -> &str {
        &self.program.hash
    }

    /// Each bound list's name and `sha256:` content hash, as every verdict carries them.
    pub fn list_versions(&self) -> &BTreeMap<String, String> {
        &self.stamp.lists
    }

    /// Every reason code of the policy (rules and the escalation code), sorted:
    /// [`LineOutcome::reasons`] are indices into this table.
    pub fn reason_codes(&self) -> &[ReasonCode] {
        &self.names.codes
    }

    /// The authority's levels in the order they are declared (empty without an
    /// authority block): [`LineOutcome::level`] is an index into this table.
    pub fn levels(&self) -> &[Level] {
        &self.names.levels
    }

    /// The message of a rule or of the escalation code (`"年龄不足"`), if it has one.
    pub fn message(&self, code: &str) -> Option<&str> {
        output::message_of(&self.program, code)
    }

    /// The code and level tables, shared.
    pub(crate) fn names(&self) -> Arc<Names> {
        Arc::clone(&self.names)
    }

    /// The compiled program (for the workspace's tools: rules, levels, tests, sources).
    #[doc(hidden)]
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// What every decision line of this policy ends with (name, version, hashes).
    #[doc(hidden)]
    pub fn stamp(&self) -> &Stamp {
        &self.stamp
    }

    /// The bound lists, by list id (`None` for a list not bound).
    #[doc(hidden)]
    pub fn lists(&self) -> &[Option<Arc<SetValue>>] {
        &self.lists
    }

    /// Binds every list: from `overrides` (name, path) where given, else from its
    /// `from` file. Returns the problems (L codes); a list with a problem stays unbound.
    pub fn bind_default_lists(
        &mut self,
        loader: &dyn Loader,
        overrides: &[(String, std::path::PathBuf)],
    ) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        for (name, _) in overrides {
            if !self.program.lists.iter().any(|l| &l.name == name) {
                let known: Vec<&str> = self.program.lists.iter().map(|l| l.name.as_str()).collect();
                problems.push(
                    Diagnostic::error(Code::L0404, format!("`--list {name}=…` names no list of this policy"))
                        .maybe_help(crate::base::diag::did_you_mean(name, known.iter().copied()))
                        .help(format!("the policy's lists are: {}", known.join(", "))),
                );
            }
        }
        let program = self.program.clone();
        for list in program.lists.iter() {
            let path = overrides.iter().find(|(n, _)| *n == list.name).map_or(list.from.clone(), |(_, p)| p.clone());
            let Err(error) = self.bind_list_file(&list.name, &path, loader) else { continue };
            let label = match error.code {
                Code::L0401 => "declared here".to_string(),
                _ => format!("while loading list `{}`", list.name),
            };
            let d = Diagnostic::error(error.code, error.message).at(list.span, label);
            let d = match error.code {
                Code::L0401 => d.help(format!("create the file, or bind another with `--list {}=PATH`", list.name)),
                Code::L0402 => d.help("fix or remove the entry: a list never skips an entry it cannot read"),
                Code::L0406 => d.help(format!(
                    "check the path (`--list {}=PATH`); if the list is meant to be this large, raise the limit with \
                     --max-list-bytes N",
                    list.name
                )),
                Code::L0407 => d.help("in Excel: Save As → \"CSV UTF-8\"; in Notepad: Save As → Encoding: UTF-8"),
                _ => d,
            };
            problems.push(d);
        }
        problems
    }

    /// Binds list `name` from text (one entry a line, or the declared CSV
    /// column), read as a list file is; its version is the sha256 of `text`.
    pub fn bind_list_text(&mut self, name: &str, text: &str) -> Result<usize, crate::io::lists::ListError> {
        let index = self.list_index(name)?;
        let list = self.program.lists.get(index).ok_or_else(|| unknown_list(name))?;
        let set = parse_list(text, &list.element, list.column.as_deref(), &self.program.schema)?;
        Ok(self.install_list(index, set, text.as_bytes()))
    }

    /// Binds list `name` from values already in memory: each item is one entry
    /// (white space around it removed; `#` is no comment; an empty entry, or
    /// one with a control or invisible character, is an error naming its
    /// 1-based position).
    pub fn bind_list<I, S>(&mut self, name: &str, entries: I) -> Result<usize, crate::io::lists::ListError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let entries: Vec<S> = entries.into_iter().collect();
        let index = self.list_index(name)?;
        let list = self.program.lists.get(index).ok_or_else(|| unknown_list(name))?;
        let set = parse_entries(&entries, &list.element, &self.program.schema)?;
        let text: Vec<&str> = entries.iter().map(AsRef::as_ref).collect();
        Ok(self.install_list(index, set, text.join("\n").as_bytes()))
    }

    /// Binds list `name` from a file read through `loader`, within the list
    /// limits ([`Policy::set_list_limits`]). An error's message starts with the
    /// file and, for a bad entry, its line (`ids.txt:3: …`).
    pub fn bind_list_file(&mut self, name: &str, path: &Path, loader: &dyn Loader) -> Result<usize, ListError> {
        let index = self.list_index(name)?;
        let max = self.list_limits.max_list_bytes;
        let shown = path.display();
        let error = |code, line, message: String| ListError { code, line, message };
        let bytes = loader.load_bytes_within(path, max).map_err(|e| match e {
            LoadError::TooLarge { size: Some(size), .. } => {
                error(Code::L0406, None, format!("`{shown}` is {size} bytes, more than --max-list-bytes ({max})"))
            }
            LoadError::TooLarge { size: None, .. } => {
                error(Code::L0406, None, format!("`{shown}` holds more than --max-list-bytes ({max}) bytes"))
            }
            other => error(Code::L0401, None, format!("cannot read list `{name}` from `{shown}`: {other}")),
        })?;
        let digest = Sha256::digest(&bytes);
        let text = utf8_text(bytes).map_err(|e| {
            error(Code::L0407, Some(e.line), format!("{shown}:{}: the list file is {}", e.line, e.within_line()))
        })?;
        let list = self.program.lists.get(index).ok_or_else(|| unknown_list(name))?;
        let set = parse_list(&text, &list.element, list.column.as_deref(), &self.program.schema).map_err(|e| {
            let message = match e.line {
                Some(line) => format!("{shown}:{line}: {}", e.message),
                None => format!("{shown}: {}", e.message),
            };
            ListError { message, ..e }
        })?;
        Ok(self.install_digest(index, set, &digest))
    }

    /// Shares `other`'s bound lists where this policy declares a list of the
    /// same name, element type and column whose content hash is the same
    /// (two versions of one policy replayed together keep one copy of each).
    /// Returns the names of the lists shared.
    pub fn share_lists_from(&mut self, other: &Policy) -> Vec<String> {
        let mut shared = Vec::new();
        let (mine, theirs) = (&self.program.lists, &other.program.lists);
        for (index, list) in mine.iter().enumerate() {
            let Some(at) = theirs.iter().position(|l| l.name == list.name) else { continue };
            let (Some(them), Some(Some(set))) = (theirs.get(at), other.lists.get(at)) else { continue };
            let version = self.stamp.lists.get(&list.name);
            let same_element = same_element(&self.program.schema, &list.element, &other.program.schema, &them.element);
            if version.is_some()
                && version == other.stamp.lists.get(&list.name)
                && same_element
                && list.column == them.column
            {
                if let Some(slot) = self.lists.get_mut(index) {
                    *slot = Some(Arc::clone(set));
                    shared.push(list.name.clone());
                }
            }
        }
        shared
    }

    /// `sha256:…` of the manifest of the bundle this policy was loaded from
    /// ([`Policy::from_bundle`]): every decision carries it as `"bundle"`.
    pub fn bundle_revision(&self) -> Option<&str> {
        self.stamp.bundle.as_deref()
    }

    /// Marks every decision from now on with the revision of the bundle the
    /// policy was loaded from.
    pub(crate) fn set_bundle_revision(&mut self, revision: String) {
        let stamp = Stamp::new(&self.program, self.stamp.lists.clone()).with_bundle(Some(revision));
        self.stamp = Arc::new(stamp);
    }

    /// The limits list files are read within.
    pub fn list_limits(&self) -> ListLimits {
        self.list_limits
    }

    /// Reads list files within `limits` from now on.
    pub fn set_list_limits(&mut self, limits: ListLimits) {
        self.list_limits = limits;
    }

    fn list_index(&self, name: &str) -> Result<usize, ListError> {
        self.program.lists.iter().position(|l| l.name == name).ok_or_else(|| unknown_list(name))
    }

    /// Binds list `index` to `set`; its version is the sha256 of `content`.
    fn install_list(&mut self, index: usize, set: SetValue, content: &[u8]) -> usize {
        self.install_digest(index, set, &Sha256::digest(content))
    }

    fn install_digest(&mut self, index: usize, set: SetValue, digest: &[u8]) -> usize {
        let len = set.len();
        if let Some(slot) = self.lists.get_mut(index) {
            *slot = Some(Arc::new(set));
        }
        // the list's version, for the audit trail of every decision
        let version: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let mut versions = self.stamp.lists.clone();
        if let Some(list) = self.program.lists.get(index) {
            versions.insert(list.name.clone(), format!("sha256:{version}"));
        }
        self.stamp = Arc::new(Stamp::new(&self.program, versions).with_bundle(self.stamp.bundle.clone()));
        len
    }

    /// Decides a record given as a JSON value. A record that does not match
    /// the input type is an error naming its JSON path; it is never decided.
    ///
    /// Without serde_json's `arbitrary_precision`, a JSON number is a 64-bit
    /// float: for a `Decimal` or `Money` field it is read as the decimal the
    /// float's shortest form writes when that has at most 15 significant digits
    /// and lies within ±2^53 (then it is the decimal an author wrote with at most
    /// 15 digits), and refused otherwise. Send money as decimal strings
    /// (`"12000.10"`) to keep every digit.
    pub fn evaluate_value(&self, record: &serde_json::Value, as_of: NaiveDate) -> Result<Verdict, DecodeError> {
        let record = self.decode(record)?;
        Ok(self.verdict_of_record(&record, &AsOf::new(as_of), LineOptions::default(), &mut Scratch::default()).0)
    }

    /// Decides a record given as JSON text (within [`Policy::record_limits`]).
    /// A record that does not match the input type is an error naming its
    /// JSON path; it is never decided.
    pub fn evaluate_json(&self, record: &str, as_of: NaiveDate) -> Result<Verdict, DecodeError> {
        let record = self.decode_json(record)?;
        Ok(self.verdict_of_record(&record, &AsOf::new(as_of), LineOptions::default(), &mut Scratch::default()).0)
    }

    /// Decides one record given as JSON text, as `polc run` decides a line: a
    /// record that does not match the input type is an `error` verdict (with
    /// the JSON path in its [`crate::io::verdict::VerdictError`]), never an
    /// `Err`. Its JSON is [`Policy::decide_json_line`]'s line.
    pub fn decide_json(&self, record: &str, as_of: NaiveDate) -> Verdict {
        self.decide_json_with(record, as_of, LineOptions::default())
    }

    /// Like [`Policy::decide_json`], with the reasons' messages and the trace
    /// when `options` asks for them.
    pub fn decide_json_with(&self, record: &str, as_of: NaiveDate, options: LineOptions) -> Verdict {
        self.verdict_of_text(record, &AsOf::new(as_of), options, &mut Scratch::default()).0
    }

    /// The limits JSON records are read within.
    pub fn record_limits(&self) -> RecordLimits {
        self.record_limits
    }

    /// Reads JSON records within `limits` from now on.
    pub fn set_record_limits(&mut self, limits: RecordLimits) {
        self.record_limits = limits;
    }

    /// Decodes one JSON text against the input type, within the record
    /// limits; one byte-order mark before it is ignored.
    pub(crate) fn decode_json(&self, text: &str) -> Result<Value, DecodeError> {
        let limits = self.record_limits;
        if text.len() > limits.max_line_bytes {
            let message = format!("the record is longer than --max-line-bytes ({} bytes)", limits.max_line_bytes);
            return Err(DecodeError { path: String::new(), message });
        }
        // the plan and the general reader each ignore one byte-order mark
        self.decode_plan.decode(&self.program.schema, text, limits.json_depth())
    }

    /// Decides any record that serialises to JSON matching the input record
    /// (money as decimal strings keeps it exact; see [`Policy::evaluate_value`]
    /// for numbers).
    pub fn evaluate<T: serde::Serialize>(&self, record: &T, as_of: NaiveDate) -> Result<Verdict, DecodeError> {
        let value = serde_json::to_value(record)
            .map_err(|e| DecodeError { path: String::new(), message: format!("cannot serialise the record: {e}") })?;
        self.evaluate_value(&value, as_of)
    }

    /// The verdict of a decoded record, and what it was for counting.
    pub(crate) fn verdict_of_record(
        &self,
        record: &Value,
        as_of: &AsOf,
        options: LineOptions,
        scratch: &mut Scratch,
    ) -> (Verdict, LineOutcome) {
        let id = self.record_id(record);
        let (decision, trace) = if options.explain {
            let (decision, trace) = self.explain(record, as_of.date());
            (decision, Some(trace))
        } else {
            (self.decide(record, as_of.date(), scratch), None)
        };
        let verdict = output::verdict(&self.program, &self.stamp, as_of, id, &decision, options, trace.as_ref());
        (verdict, LineOutcome::new(decision))
    }

    /// The verdict of a record given as JSON text (an `error` verdict when it
    /// does not decode), and what it was for counting.
    pub(crate) fn verdict_of_text(
        &self,
        text: &str,
        as_of: &AsOf,
        options: LineOptions,
        scratch: &mut Scratch,
    ) -> (Verdict, LineOutcome) {
        match self.decode_json(text) {
            Ok(record) => self.verdict_of_record(&record, as_of, options, scratch),
            Err(error) => {
                let id = crate::io::json::find_id(text);
                let verdict =
                    output::record_error_verdict(&self.program, &self.stamp, as_of, None, id.as_deref(), &error);
                (verdict, LineOutcome::record_error())
            }
        }
    }

    /// The verdict of a record that could not be read, with its id when known.
    pub(crate) fn record_error_verdict(&self, as_of: &AsOf, id: Option<&str>, error: &DecodeError) -> Verdict {
        output::record_error_verdict(&self.program, &self.stamp, as_of, None, id, error)
    }

    /// The record's `id`: the input's String field named `id`, when it has one.
    pub(crate) fn record_id<'r>(&self, record: &'r Value) -> Option<&'r str> {
        let field = self.program.input.id_field?;
        match record {
            Value::Record(fields) => match fields.get(field as usize) {
                Some(Value::Str(s)) => Some(s.as_str()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Decodes a JSON record against the input type, nested at most as deep
    /// as the record limits allow (the values of keys the type does not name
    /// included, as the text readers count them). The value was parsed by the
    /// caller: a key given twice was already resolved there (serde_json keeps
    /// the last), so untrusted text is better given to [`Policy::evaluate_json`].
    #[doc(hidden)]
    pub fn decode(&self, json: &serde_json::Value) -> Result<Value, DecodeError> {
        let ty = Type::Record(self.program.input.record);
        decode_within(&self.program.schema, &ty, json, self.record_limits.json_depth())
    }

    /// Decides one decoded record.
    #[doc(hidden)]
    pub fn decide(&self, record: &Value, as_of: NaiveDate, scratch: &mut Scratch) -> Decision {
        decide(&self.program, &self.lists, record, as_of, scratch)
    }

    /// One JSONL input line in, one JSON decision line out (never fails: a bad
    /// line gives an `error` decision). The line is
    /// `serde_json::to_string(&policy.decide_json(line, as_of))`, written directly.
    pub fn decide_json_line(&self, line: &str, as_of: NaiveDate) -> String {
        let mut scratch = Scratch::default();
        self.decide_line(line, as_of, &mut scratch, LineOptions::default())
    }

    /// Decides one line of JSONL text, reusing `scratch`.
    #[doc(hidden)]
    pub fn decide_line(&self, line: &str, as_of: NaiveDate, scratch: &mut Scratch, options: LineOptions) -> String {
        let mut text = String::with_capacity(512);
        self.decide_line_into(line, as_of, scratch, options, &mut text);
        text
    }

    /// Like [`Policy::decide_line`], appending the decision's JSON line (without a
    /// newline) to `out` and telling what was decided, for batch summaries: a
    /// batch reuses one buffer for many lines.
    #[doc(hidden)]
    pub fn decide_line_into(
        &self,
        line: &str,
        as_of: NaiveDate,
        scratch: &mut Scratch,
        options: LineOptions,
        out: &mut String,
    ) -> LineOutcome {
        self.write_decision(line, self.decode_json(line), &AsOf::new(as_of), scratch, options, out)
    }

    /// Decides a run of JSONL lines as [`Policy::decide_line_into`] decides each,
    /// every decision line followed by a newline, and tells `outcome` what each
    /// line was. Faster than one line at a time when lists are large: the list
    /// lookups of a few records are started together, so that their cache
    /// misses overlap instead of following one another.
    #[doc(hidden)]
    pub fn decide_lines_into(
        &self,
        lines: &[&str],
        as_of: NaiveDate,
        scratch: &mut Scratch,
        options: LineOptions,
        out: &mut String,
        mut outcome: impl FnMut(LineOutcome),
    ) {
        let as_of = &AsOf::new(as_of);
        let (mut decoded, mut tags) = (Vec::with_capacity(LOOKUP_GROUP), Vec::new());
        for group in lines.chunks(LOOKUP_GROUP) {
            decoded.extend(group.iter().map(|line| self.decode_json(line)));
            self.start_list_lookups(decoded.iter().flatten(), &mut tags);
            for (line, record) in group.iter().zip(decoded.drain(..)) {
                outcome(self.write_decision(line, record, as_of, scratch, options, out));
                out.push('\n');
            }
        }
    }

    /// Reads the first tag of every list lookup `decide` will make for
    /// `records`, in one tight loop of independent reads that the CPU keeps in
    /// flight together: deciding the records after finds those tags in the
    /// cache instead of waiting on each miss in turn. `tags` is scratch space.
    pub(crate) fn start_list_lookups<'p, 'r>(
        &'p self,
        records: impl Iterator<Item = &'r Value>,
        tags: &mut Vec<&'p u8>,
    ) {
        let code = self.program.compiled();
        tags.clear();
        for record in records {
            crate::eval::compiled::first_list_tags(code, &self.lists, record, tags);
        }
        std::hint::black_box(tags.iter().fold(0u8, |acc, tag| acc.wrapping_add(**tag)));
    }

    /// Decides a decoded line (or writes why it could not be decoded).
    fn write_decision(
        &self,
        line: &str,
        decoded: Result<Value, DecodeError>,
        as_of: &AsOf,
        scratch: &mut Scratch,
        options: LineOptions,
        out: &mut String,
    ) -> LineOutcome {
        let program = &self.program;
        match decoded {
            Ok(record) => {
                let id = self.record_id(&record);
                if options.explain {
                    let (decision, trace) = self.explain(&record, as_of.date());
                    let line = output::decision(program, &self.stamp, as_of, id, &decision, options, Some(&trace));
                    out.push_str(&line);
                    return LineOutcome::new(decision);
                }
                let decision = self.decide(&record, as_of.date(), scratch);
                if options.messages {
                    out.push_str(&output::decision(program, &self.stamp, as_of, id, &decision, options, None));
                } else {
                    output::write_decision(out, program, &self.stamp, as_of, id, &decision);
                }
                LineOutcome::new(decision)
            }
            Err(error) => {
                let id = crate::io::json::find_id(line);
                out.push_str(&output::record_error(program, &self.stamp, as_of, None, id.as_deref(), &error));
                LineOutcome::record_error()
            }
        }
    }

    /// Decides one decoded record and explains why (slower than [`Policy::decide`]).
    #[doc(hidden)]
    pub fn explain(&self, record: &Value, as_of: NaiveDate) -> (Decision, Trace) {
        crate::eval::trace::explain(&self.program, &self.lists, record, as_of)
    }
}

/// Whether two list element types read an entry the same way (enums by their
/// variants in order, since a set keeps a variant's index).
fn same_element(sa: &crate::base::types::Schema, a: &Type, sb: &crate::base::types::Schema, b: &Type) -> bool {
    match (a.unwrap_optional(), b.unwrap_optional()) {
        (Type::Enum(x), Type::Enum(y)) => match (sa.enum_def(*x), sb.enum_def(*y)) {
            (Some(x), Some(y)) => x.variants == y.variants,
            _ => false,
        },
        (x, y) => !matches!(x, Type::Record(_) | Type::Set(_) | Type::List(_)) && x == y,
    }
}

/// The names verdicts use, made once per compiled program.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Names {
    pub(crate) codes: Vec<ReasonCode>,
    pub(crate) levels: Vec<Level>,
}

impl Names {
    fn new(program: &Program) -> Names {
        let levels = program.authority.iter().flat_map(|a| a.levels.iter().map(|l| Level::new(l.name.as_str())));
        Names { codes: program.codes.iter().map(|c| ReasonCode::new(c.as_str())).collect(), levels: levels.collect() }
    }
}
