//! Compile-time diagnostics as plain data, and the one renderer that turns them
//! into miette reports (human) or JSON objects (CI).

use crate::base::codes::Code;
#[cfg(feature = "human")]
use crate::base::excerpt::{for_people, Excerpt, LabelRequest};
#[cfg(feature = "human")]
use crate::base::source::FileId;
use crate::base::source::{SourceMap, Span};
#[cfg(feature = "human")]
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan};
#[cfg(feature = "human")]
use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The policy cannot be used.
    Error,
    /// The policy works, but probably not as meant.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A place in a source, with what to say about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it (may be empty).
    pub message: String,
}

/// One problem found in a policy or its lists. `code` is stable and documented
/// in `docs/diagnostics.md` (see [`crate::base::codes`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The stable code, e.g. `T0202` (see `docs/diagnostics.md`).
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// Where the problem is; `None` only for problems with no place in a source
    /// (an unreadable root file).
    pub primary: Option<Label>,
    /// Other places involved: the first definition of a duplicate, the parent's limit.
    pub secondary: Vec<Label>,
    /// How to fix it, when known.
    pub help: Option<String>,
    /// Edits that apply the help, when it is a mechanical one (the
    /// did-you-mean name, `200_000 CNY`, `70%`): an editor's quick fix.
    pub fixes: Vec<Fix>,
}

/// One edit that fixes a [`Diagnostic`]: write `replacement` over `span`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// The text to replace (in the file of the span).
    pub span: Span,
    /// What to write instead.
    pub replacement: String,
}

impl Diagnostic {
    /// A new error with no place yet.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    /// A new warning with no place yet.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    /// Sets the primary place and its label.
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label { span, message: label.into() });
        self
    }

    /// Adds another place involved.
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label { span, message: label.into() });
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the help line when there is one.
    pub fn maybe_help(mut self, help: Option<String>) -> Diagnostic {
        self.help = help.or(self.help);
        self
    }

    /// Adds an edit that applies the help: write `replacement` over `span`.
    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Diagnostic {
        self.fixes.push(Fix { span, replacement: replacement.into() });
        self
    }

    /// [`Diagnostic::fix`] when there is a replacement.
    pub fn maybe_fix(self, span: Span, replacement: Option<&str>) -> Diagnostic {
        match replacement {
            Some(text) => self.fix(span, text),
            None => self,
        }
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file and position, errors before warnings at the same place.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        let span = d.primary.as_ref().map(|l| l.span).unwrap_or_default();
        (span.file, span.start, d.severity, d.code)
    });
}

// ------------------------------------------------------------------ human rendering
// (behind the `human` feature: miette's renderer and its terminal stack)

#[cfg(feature = "human")]
/// How to render for people.
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    /// Use colours (for a terminal).
    pub color: bool,
    /// Wrap at this many columns (taken as at least [`MIN_RENDER_WIDTH`]).
    pub width: usize,
}

#[cfg(feature = "human")]
/// The narrowest rendering: below it, miette wraps a message a few letters a line.
pub const MIN_RENDER_WIDTH: usize = 40;

#[cfg(feature = "human")]
/// Renders one diagnostic as a miette report. Safe for any span (past the end,
/// inside a character, reversed, on a 1 MB line) and any text: miette is shown
/// only an [`Excerpt`] of the file, and control characters in the message,
/// labels, help and file name are escaped (and a huge one loses its middle). The header's `file:line:column`
/// counts characters, like [`render_json`]. Costs no more for the thousandth
/// diagnostic of a file than for the first.
pub fn render_human(diag: &Diagnostic, sources: &SourceMap, options: RenderOptions) -> String {
    let width = options.width.max(MIN_RENDER_WIDTH);
    let report = Report::new(diag, sources, width);
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}[{}]: {}\n", diag.severity.as_str(), diag.code, report.message);
    }
    out
}

#[cfg(feature = "human")]
/// A diagnostic bound to an excerpt of its source, in the shape miette renders.
#[derive(Debug)]
struct Report {
    /// `None` for a related note (a label in another file).
    code: Option<Code>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: Option<Excerpt>,
    related: Vec<Report>,
}

#[cfg(feature = "human")]
impl Report {
    fn new(diag: &Diagnostic, sources: &SourceMap, width: usize) -> Report {
        let severity = match diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        };
        let mut report = Report {
            code: Some(diag.code),
            severity,
            message: for_people(&diag.message, false),
            help: diag.help.as_deref().map(|h| for_people(h, true)),
            source: None,
            related: Vec::new(),
        };
        let Some(primary) = &diag.primary else {
            return report;
        };
        let file = primary.span.file;
        let here = std::iter::once((primary, true))
            .chain(diag.secondary.iter().filter(|l| l.span.file == file).map(|l| (l, false)));
        report.source = excerpt(sources, file, here, width);
        // miette draws one source per report: a label in another file becomes
        // a related note with its own snippet
        for label in diag.secondary.iter().filter(|l| l.span.file != file) {
            report.related.push(Report {
                code: None,
                severity: miette::Severity::Advice,
                message: for_people(&label.message, false),
                help: None,
                source: excerpt(sources, label.span.file, std::iter::once((label, true)), width),
                related: Vec::new(),
            });
        }
        report
    }
}

#[cfg(feature = "human")]
/// The excerpt of one file showing `labels` (all in that file), if the file is known.
fn excerpt<'a>(
    sources: &SourceMap,
    file: FileId,
    labels: impl Iterator<Item = (&'a Label, bool)>,
    width: usize,
) -> Option<Excerpt> {
    let file = sources.get(file)?;
    let requests: Vec<LabelRequest<'_>> = labels
        .map(|(label, primary)| LabelRequest {
            start: label.span.start as usize,
            end: label.span.end as usize,
            message: &label.message,
            primary,
        })
        .collect();
    Some(Excerpt::new(file, &requests, width))
}

#[cfg(feature = "human")]
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(feature = "human")]
impl std::error::Error for Report {}

#[cfg(feature = "human")]
impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.map(|code| Box::new(code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let labels = self.source.as_ref().map_or(&[][..], |s| s.labels());
        (!labels.is_empty()).then(|| Box::new(labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = &'a dyn miette::Diagnostic>>
        })
    }
}

// ------------------------------------------------------------------ JSON rendering

/// One JSON object per diagnostic: code, severity, message, file, line, column,
/// labels (each with file, line, column, end_line, end_column, message, primary), help.
pub fn render_json(diag: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let place = |span: Span| {
        let file = sources.get(span.file);
        let (line, column) = file.map_or((0, 0), |f| f.line_col(span.start));
        let (end_line, end_column) = file.map_or((0, 0), |f| f.line_col(span.end));
        (file.map_or("", |f| f.name.as_str()).to_string(), line, column, end_line, end_column)
    };
    let label_json = |label: &Label, primary: bool| {
        let (file, line, column, end_line, end_column) = place(label.span);
        serde_json::json!({
            "file": file, "line": line, "column": column,
            "end_line": end_line, "end_column": end_column,
            "message": label.message, "primary": primary,
        })
    };
    let (file, line, column) = match &diag.primary {
        Some(label) => {
            let (file, line, column, _, _) = place(label.span);
            (serde_json::Value::from(file), serde_json::Value::from(line), serde_json::Value::from(column))
        }
        None => (serde_json::Value::Null, serde_json::Value::Null, serde_json::Value::Null),
    };
    let labels: Vec<_> = diag
        .primary
        .iter()
        .map(|l| label_json(l, true))
        .chain(diag.secondary.iter().map(|l| label_json(l, false)))
        .collect();
    serde_json::json!({
        "code": diag.code.as_str(),
        "severity": diag.severity.as_str(),
        "message": diag.message,
        "file": file,
        "line": line,
        "column": column,
        "labels": labels,
        "help": diag.help,
    })
}

/// "did you mean `x`?" over a set of known names.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The known name [`did_you_mean`] proposes for `name`, if any is close.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|&(d, c)| d <= (name.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|&(d, c)| (d, c.to_string()))
        .map(|(_, c)| c)
}
