//! Edits: formatting (exactly `polc fmt`'s layout) and the quick fixes that
//! apply a diagnostic's fix (the did-you-mean name, `200_000 CNY`, `70%`).

use crate::convert;
use crate::diagnostics::DiagnosticData;
use crate::document::Document;
use crate::workspace::Analyzed;
use lsp_types::*;
use polc::LineIndex;
use std::collections::HashMap;

/// The whole buffer in `polc fmt`'s layout, as one edit (none when it is
/// formatted already, or does not parse).
pub fn formatting(doc: &Document, _analyzed: &Analyzed, _params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let formatted = polc_core::syntax::format::format(&doc.text).ok()?;
    if formatted == doc.text {
        return Some(Vec::new());
    }
    let lines = LineIndex::new(doc.text.as_str().into());
    Some(vec![TextEdit { range: convert::whole(&lines), new_text: formatted }])
}

/// A quick fix for each diagnostic in the request that carries fixes.
#[expect(
    clippy::mutable_key_type,
    reason = "the protocol's `WorkspaceEdit` is keyed by `Uri`, which hashes its text only"
)]
pub fn code_actions(_doc: &Document, _analyzed: &Analyzed, params: CodeActionParams) -> Option<CodeActionResponse> {
    let mut actions = Vec::new();
    for diagnostic in &params.context.diagnostics {
        let Some(data) = diagnostic.data.clone().and_then(|d| serde_json::from_value::<DiagnosticData>(d).ok()) else {
            continue;
        };
        if data.fixes.is_empty() {
            continue;
        }
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for fix in &data.fixes {
            changes
                .entry(fix.uri.clone())
                .or_default()
                .push(TextEdit { range: fix.range, new_text: fix.new_text.clone() });
        }
        let shown: Vec<String> = data.fixes.iter().map(|f| format!("`{}`", f.new_text)).collect();
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("write {}", shown.join(" and ")),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    Some(actions)
}
