//! `polc doc`: the policy as a document for the risk committee (§15). One
//! model ([`Document`], built from the compiled policy, its syntax trees and
//! its tests' report) and two renderers of it: Markdown and one self-contained
//! HTML file. No I/O: the caller compiles, binds the lists and runs the tests.

mod build;
pub mod html;
mod layout;
pub mod markdown;
pub mod phrase;

pub use build::document;
pub use phrase::{Phrase, Piece};

/// The committee document of one policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    /// `policy NAME`.
    pub name: String,
    /// The policy's title (`"个人消费贷款保证保险核保政策"`), if it has one.
    pub title: Option<String>,
    pub version: String,
    /// `sha256:` and the digest of the policy's source files (each decision's `policy_hash`).
    pub hash: String,
    /// The first and the last date written in the `effective` clauses of its
    /// rules, limits and constants (`until` is `None` when there is one date);
    /// `None` when no clause is written: then everything is always in force.
    pub effective: Option<Range>,
    /// The policy's source files, as diagnostics name them (the root first).
    pub files: Vec<String>,
    /// Rules and credit limits, group by group in the order written; rules
    /// outside any group come last in a group without a name.
    pub groups: Vec<Group>,
    /// Constants, derived values (`let`) and outputs.
    pub definitions: Vec<Definition>,
    /// Decision tables (`match`), each under what holds it.
    pub tables: Vec<Table>,
    pub scorecards: Vec<Scorecard>,
    pub authority: Option<Authority>,
    pub lists: Vec<ListSource>,
    pub coverage: CoverageSummary,
}

/// An `effective` range: either end may be open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub from: Option<chrono::NaiveDate>,
    /// The first day it is no longer in force (`..< D2`).
    pub until: Option<chrono::NaiveDate>,
}

impl Range {
    /// `2026-01-01 ..< 2027-01-01`, `2026-01-01 ..`, `..< 2027-01-01`.
    pub fn written(&self) -> String {
        let day = |d: &chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        match (&self.from, &self.until) {
            (Some(f), Some(u)) => format!("from {} until {} (not included)", day(f), day(u)),
            (Some(f), None) => format!("from {}", day(f)),
            (None, Some(u)) => format!("until {} (not included)", day(u)),
            (None, None) => "always".to_string(),
        }
    }
}

/// Where a threshold comes from, when it is in force, who may waive it (§15).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Governance {
    /// `regulation`, `industry` or `company`, and the citation.
    pub basis: Option<(String, String)>,
    pub effective: Option<Range>,
    /// `overridable by LEVEL`: the level that may grant an exception.
    pub overridable: Option<String>,
}

impl Governance {
    pub fn is_empty(&self) -> bool {
        self.basis.is_none() && self.effective.is_none() && self.overridable.is_none()
    }
}

/// A group of rules (`group admission "准入标准" { … }`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Empty for the rules written outside any group.
    pub name: String,
    pub title: Option<String>,
    pub rules: Vec<Rule>,
    pub limits: Vec<CreditLine>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    pub code: String,
    pub message: Option<String>,
    /// `decline`, `refer` or `refer to head_office`.
    pub outcome: String,
    /// `when` or `unless`.
    pub trigger: String,
    pub condition: Phrase,
    pub governance: Governance,
    /// How many of the policy's tests made it fire.
    pub fired: usize,
}

/// A credit limit (§12): the requested amount is cut to the line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreditLine {
    pub code: String,
    pub message: Option<String>,
    pub path: String,
    pub line: Phrase,
    pub floor: Option<Phrase>,
    pub governance: Governance,
    /// Tests that it cut, and tests it let through uncut.
    pub cut: usize,
    pub not_cut: usize,
}

/// A `const`, `let` or `output`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Definition {
    /// `const`, `let` or `output`.
    pub kind: String,
    pub name: String,
    pub ty: Option<String>,
    pub value: Phrase,
    pub governance: Governance,
}

/// A decision table: a row per arm.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// What holds it: a `let`, an output, a rule's code.
    pub owner: String,
    pub subjects: Vec<Phrase>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// A pattern per subject.
    pub patterns: Vec<Phrase>,
    pub result: Phrase,
    /// How many tests took this row.
    pub taken: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scorecard {
    pub name: String,
    pub title: Option<String>,
    pub base: i64,
    pub reasons: i64,
    pub governance: Governance,
    pub characteristics: Vec<Characteristic>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Characteristic {
    pub label: Option<String>,
    pub subject: Phrase,
    pub reason: String,
    pub baseline: i64,
    /// A bin's pattern, its points, and how many tests fell in it.
    pub bins: Vec<Row>,
}

/// The authority block as a matrix: a row per limited quantity (and guard),
/// a column per level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Authority {
    pub title: Option<String>,
    /// The field that names the application's own level.
    pub over: String,
    /// The block's escalation code and its message.
    pub escalate: (String, Option<String>),
    pub levels: Vec<Level>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    pub above: Vec<String>,
    /// Tests it authorised, and tests it escalated (`None` for the top level, which cannot).
    pub authorises: usize,
    pub escalates: Option<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatrixRow {
    /// The limited field.
    pub path: String,
    /// `when GUARD`: the applications the row applies to.
    pub guard: Option<Phrase>,
    /// The escalation codes of the row's limits (the block's when they give none).
    pub escalate: Vec<String>,
    /// The limit at each level, in [`Authority::levels`] order; `None`: no limit there.
    pub cells: Vec<Option<Phrase>>,
}

/// A list and where its entries come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListSource {
    pub name: String,
    pub element: String,
    /// The `from` file as written.
    pub file: String,
    pub column: Option<String>,
    /// Entries and `sha256:` digest of the bound list (`None` when not bound).
    pub entries: Option<usize>,
    pub sha256: Option<String>,
}

/// What the policy's own tests show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoverageSummary {
    pub tests: usize,
    /// The names of the tests that failed.
    pub failed: Vec<String>,
    /// States reached and states in all, per kind of site (`rule`, `level`, …).
    pub by_kind: Vec<(String, usize, usize)>,
    pub reached: usize,
    pub total: usize,
    /// What no test reached: `rule A07 never fired`.
    pub missed: Vec<String>,
}

impl CoverageSummary {
    /// `93.5%` of the states reached.
    pub fn percent(&self) -> String {
        match self.total {
            0 => "100%".to_string(),
            total => format!("{:.1}%", self.reached as f64 * 100.0 / total as f64),
        }
    }
}
