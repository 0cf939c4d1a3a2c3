//! The open documents and their analyses: each open `.pol` file is checked as
//! a root with every open buffer standing in for its file, so a change in
//! `common.pol` re-checks the open files that `use` it. A root's list files
//! are bound as `polc check` binds them; that costs a lowering, so it is
//! redone only when the policy's lists or the files on disk may have changed.

use crate::document::Document;
use polc::{Analysis, CompileOptions, DefKind, Diagnostic, FsLoader, Overlay, Policy, Span};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One open document's analysis, as of a version of it and of the buffers it read.
pub struct Analyzed {
    /// The [`Workspace::generation`] it was made at.
    pub generation: u64,
    pub analysis: Analysis,
    /// The list files' problems, as `polc check` reports them.
    pub list_diagnostics: Vec<Diagnostic>,
    /// Entries of each list as bound (for hover).
    pub list_entries: HashMap<String, usize>,
    lists: ListCheck,
}

/// What the list files' check was made for, and where each list was declared.
#[derive(Clone, Default, PartialEq, Eq)]
struct ListKey {
    /// `(name, detail)` of every list definition: its element type and file.
    lists: Vec<(String, String)>,
    /// [`Workspace::disk_generation`] when it was made.
    disk: u64,
}

#[derive(Clone, Default)]
struct ListCheck {
    key: Option<ListKey>,
    /// Each diagnostic with the start of the list declaration it is about, to
    /// move it with the declaration when text above it changes.
    diagnostics: Vec<(Option<(String, u32)>, Diagnostic)>,
    entries: HashMap<String, usize>,
}

/// Everything the server knows of the files.
#[derive(Default)]
pub struct Workspace {
    pub documents: BTreeMap<String, Document>,
    pub analyses: HashMap<String, Analyzed>,
    /// Bumped by every change to an open buffer.
    pub generation: u64,
    /// Bumped when files on disk may have changed (a save, a watched file).
    pub disk_generation: u64,
    pub options: CompileOptions,
}

impl Workspace {
    /// The open documents whose last analysis read `path` (or that are `path`).
    pub fn dependents(&self, path: &Path) -> BTreeSet<String> {
        let path = polc_core::base::source::normalize(path);
        let mut roots = BTreeSet::new();
        for (uri, doc) in &self.documents {
            let reads = self.analyses.get(uri).is_some_and(|a| {
                a.analysis.sources.files().any(|(_, f)| polc_core::base::source::normalize(&f.path) == path)
            });
            if reads || polc_core::base::source::normalize(&doc.path) == path {
                roots.insert(uri.clone());
            }
        }
        roots
    }

    /// The analysis of an open document, made now if it is out of date.
    pub fn analysis(&mut self, uri: &str) -> Option<&Analyzed> {
        let fresh = self.analyses.get(uri).is_some_and(|a| a.generation == self.generation);
        if !fresh {
            let analyzed = self.analyze(uri)?;
            self.analyses.insert(uri.to_string(), analyzed);
        }
        self.analyses.get(uri)
    }

    fn overlays(&self) -> Vec<(PathBuf, String)> {
        self.documents.values().map(|d| (d.path.clone(), d.text.clone())).collect()
    }

    fn analyze(&mut self, uri: &str) -> Option<Analyzed> {
        let doc = self.documents.get(uri)?;
        let overlays = self.overlays();
        let (analysis, previous) = match self.analyses.remove(uri) {
            // the syntax trees of what the edits did not touch are kept
            Some(last) => (
                polc::analyze_overlaid_reusing(&doc.path, &FsLoader, &overlays, &self.options, last.analysis),
                last.lists,
            ),
            None => (polc::analyze_overlaid(&doc.path, &FsLoader, &overlays, &self.options), ListCheck::default()),
        };
        let lists = self.check_lists(&doc.path, &overlays, &analysis, previous);
        let list_diagnostics = lists.diagnostics.iter().map(|(_, d)| d.clone()).collect();
        let list_entries = lists.entries.clone();
        Some(Analyzed { generation: self.generation, analysis, list_diagnostics, list_entries, lists })
    }

    /// The list files' problems: those of the last check, moved with their
    /// declarations, when the lists and the disk are as they were; else a new
    /// check (a compilation and the binding of every list). Only a policy
    /// without errors has its lists checked, as `polc check` does.
    fn check_lists(
        &self,
        root: &Path,
        overlays: &[(PathBuf, String)],
        analysis: &Analysis,
        previous: ListCheck,
    ) -> ListCheck {
        if analysis.has_errors() {
            return ListCheck::default();
        }
        let declared: Vec<(String, String, Span)> = analysis
            .index
            .definitions()
            .iter()
            .filter(|d| d.kind == DefKind::List)
            .map(|d| (d.name.clone(), d.detail.clone(), d.full))
            .collect();
        let key = ListKey {
            lists: declared.iter().map(|(n, d, _)| (n.clone(), d.clone())).collect(),
            disk: self.disk_generation,
        };
        if previous.key.as_ref() == Some(&key) {
            let moved = previous.diagnostics.into_iter().map(|(at, d)| {
                let now = at.as_ref().and_then(|(name, _)| declared.iter().find(|(n, _, _)| n == name));
                let d = match (&at, now) {
                    (Some((_, before)), Some((_, _, span))) => shifted(d, i64::from(span.start) - i64::from(*before)),
                    _ => d,
                };
                (at, d)
            });
            return ListCheck { key: Some(key), diagnostics: moved.collect(), entries: previous.entries };
        }
        if declared.is_empty() {
            // nothing to bind: no compilation (on a 10k-rule policy, a second
            // front end and a lowering at open, and their memory)
            return ListCheck { key: Some(key), ..ListCheck::default() };
        }
        let overlay = overlays.iter().fold(Overlay::new(&FsLoader), |o, (path, text)| o.with(path, text.clone()));
        let compilation = polc::compile_with(root, &overlay, &self.options);
        let Ok(mut policy) = Policy::from_compilation(compilation) else {
            return ListCheck { key: Some(key), ..ListCheck::default() };
        };
        let problems = policy.bind_default_lists(&FsLoader, &[]);
        let entries = policy
            .program()
            .lists
            .iter()
            .zip(policy.lists())
            .filter_map(|(l, set)| Some((l.name.clone(), set.as_ref()?.len())))
            .collect();
        let diagnostics = problems
            .into_iter()
            .map(|d| {
                let at = d.primary.as_ref().and_then(|l| {
                    declared
                        .iter()
                        .find(|(_, _, s)| s.file == l.span.file && s.start <= l.span.start && l.span.start <= s.end)
                });
                (at.map(|(n, _, s)| (n.clone(), s.start)), d)
            })
            .collect();
        ListCheck { key: Some(key), diagnostics, entries }
    }
}

/// A diagnostic moved by `delta` bytes (its places in the root file, where
/// the list declarations it is about are).
fn shifted(mut d: Diagnostic, delta: i64) -> Diagnostic {
    let mv = |span: &mut Span| {
        let at = |n: u32| u32::try_from((i64::from(n) + delta).max(0)).unwrap_or(u32::MAX);
        (span.start, span.end) = (at(span.start), at(span.end));
    };
    d.primary.iter_mut().for_each(|l| mv(&mut l.span));
    d.secondary.iter_mut().for_each(|l| mv(&mut l.span));
    d.fixes.iter_mut().for_each(|f| mv(&mut f.span));
    d
}

impl Workspace {
    /// The policy of an open document compiled with every open buffer and its
    /// lists bound from their files, as `polc test` runs it; its diagnostics
    /// when it does not compile or a list cannot be bound.
    pub fn policy(&self, uri: &str) -> Result<Policy, String> {
        let doc = self.documents.get(uri).ok_or("the document is not open")?;
        let overlays = self.overlays();
        let overlay = overlays.iter().fold(Overlay::new(&FsLoader), |o, (path, text)| o.with(path, text.clone()));
        let compilation = polc::compile_with(&doc.path, &overlay, &self.options);
        let mut policy = Policy::from_compilation(compilation).map_err(|e| first_problem(&e.diagnostics))?;
        let problems = policy.bind_default_lists(&FsLoader, &[]);
        match problems.is_empty() {
            true => Ok(policy),
            false => Err(first_problem(&problems)),
        }
    }
}

fn first_problem(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    match diagnostics.iter().find(|d| d.is_error()) {
        Some(d) if errors > 1 => format!("the policy does not compile: {} ({} more errors)", d.message, errors - 1),
        Some(d) => format!("the policy does not compile: {}", d.message),
        None => "the policy does not compile".to_string(),
    }
}
