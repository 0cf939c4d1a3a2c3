//! The compiler's diagnostics as the protocol's: the same message and help as
//! `polc check --format github` (one text), the code, the labels as related
//! places, and the fixes (for code actions) in `data`.

use crate::convert;
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, Range, Uri};
use polc::{Diagnostic, Severity, SourceMap};
use serde::{Deserialize, Serialize};

/// One edit of a fix, as `data` carries it to a code action.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FixEdit {
    pub uri: Uri,
    pub range: Range,
    #[serde(rename = "newText")]
    pub new_text: String,
}

/// What `data` holds on a published diagnostic.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DiagnosticData {
    pub fixes: Vec<FixEdit>,
}

/// The file a diagnostic is shown in (`None`: it has no place; the root's,
/// the document `root`)
/// and the diagnostic as LSP has it.
pub fn to_lsp(root: &Uri, d: &Diagnostic, sources: &SourceMap) -> (Option<Uri>, lsp_types::Diagnostic) {
    let place = d.primary.as_ref().and_then(|l| Some((convert::uri_in(root, sources, l.span)?, l)));
    let range = place.as_ref().and_then(|(_, l)| convert::span_range(sources, l.span)).unwrap_or_default();
    let message = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    let labels = d.primary.iter().chain(&d.secondary).filter(|l| !l.message.is_empty());
    let related: Vec<DiagnosticRelatedInformation> = labels
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: convert::location(root, sources, l.span)?,
                message: l.message.clone(),
            })
        })
        .collect();
    let fixes: Vec<FixEdit> = d
        .fixes
        .iter()
        .filter_map(|f| {
            let uri = convert::uri_in(root, sources, f.span)?;
            Some(FixEdit { uri, range: convert::span_range(sources, f.span)?, new_text: f.replacement.clone() })
        })
        .collect();
    let data = match fixes.is_empty() {
        true => None,
        false => serde_json::to_value(DiagnosticData { fixes }).ok(),
    };
    let diagnostic = lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: None,
        source: Some("polc".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data,
    };
    (place.map(|(uri, _)| uri), diagnostic)
}
