//! Hover: the signature of the definition at the cursor (a field with its
//! record, a const's value, a rule's message, outcome, basis, effective dates
//! and exception, a list's element type and entries, a level's limits, an
//! enum's variants), else the type of the innermost expression there.

use crate::convert;
use crate::document::Document;
use crate::workspace::Analyzed;
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};
use polc::{DefKind, FileId};

pub fn hover(_doc: &Document, analyzed: &Analyzed, params: HoverParams) -> Option<Hover> {
    let analysis = &analyzed.analysis;
    let file = analysis.sources.get(FileId(0))?;
    let offset = convert::offset(file.lines(), params.text_document_position_params.position);
    let found = analysis.index.hover_at(FileId(0), offset)?;
    let mut text = format!("```pol\n{}\n```", found.text);
    // a `level` block's name is also a use of its enum's variant: show the level
    let level = analysis.index.definitions().iter().find(|d| d.kind == DefKind::Level && d.span == found.span);
    if let Some(level) = level {
        text = format!("```pol\n{}\n```\n\n{text}", level.signature());
    }
    if let Some(def) = found.definition.and_then(|id| analysis.index.definition(id)) {
        let parent = def.parent.and_then(|p| analysis.index.definition(p));
        match (def.kind, parent) {
            (DefKind::Field, Some(record)) => text.push_str(&format!("\n\nfield of record `{}`", record.name)),
            (DefKind::Variant, Some(e)) => text.push_str(&format!("\n\nvariant of enum `{}`", e.name)),
            (DefKind::Rule, Some(group)) => text.push_str(&format!("\n\nin group `{}`", group.name)),
            _ => {}
        }
        if def.kind == DefKind::List {
            match analyzed.list_entries.get(&def.name) {
                Some(1) => text.push_str("\n\n1 entry"),
                Some(n) => text.push_str(&format!("\n\n{n} entries")),
                None => {}
            }
        }
        if def.kind == DefKind::Let {
            // a let's definition: its declaration as written
            let written = analysis.sources.snippet(def.full);
            if !written.is_empty() && written.len() <= 2_000 {
                text.push_str(&format!("\n\n```pol\n{written}\n```"));
            }
        }
        if let Some(ty) = found.ty.as_ref().filter(|t| !found.text.contains(t.as_str())) {
            text.push_str(&format!("\n\nexpression: `{ty}`"));
        }
    }
    let range = convert::span_range(&analysis.sources, found.span);
    Some(Hover { contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: text }), range })
}
