//! Go to definition and type definition, find references, highlights and
//! rename: for every kind of name the index knows (fields, enums and
//! variants, lists, consts, lets, levels, reason codes, fixtures, tests),
//! across the files a policy uses and the open files that use the same file.

use crate::convert;
use crate::document::Document;
use crate::workspace::{Analyzed, Workspace};
use lsp_types::*;
use polc::{Analysis, DefId, DefKind, FileId, Span};
use std::collections::HashMap;

/// The definition at a position of the document (file 0 of its analysis).
fn def_at(analysis: &Analysis, position: Position) -> Option<(DefId, usize)> {
    let file = analysis.sources.get(FileId(0))?;
    let offset = convert::offset(file.lines(), position);
    Some((analysis.index.definition_at(FileId(0), offset)?, offset))
}

pub fn definition(doc: &Document, analyzed: &Analyzed, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let analysis = &analyzed.analysis;
    let (def, _) = def_at(analysis, params.text_document_position_params.position)?;
    let span = analysis.index.definition(def)?.span;
    Some(GotoDefinitionResponse::Scalar(convert::location(&doc.uri, &analysis.sources, span)?))
}

pub fn type_definition(
    doc: &Document,
    analyzed: &Analyzed,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let analysis = &analyzed.analysis;
    let (def, _) = def_at(analysis, params.text_document_position_params.position)?;
    let ty = analysis.index.definition(def)?.type_def?;
    let span = analysis.index.definition(ty)?.span;
    Some(GotoDefinitionResponse::Scalar(convert::location(&doc.uri, &analysis.sources, span)?))
}

pub fn highlight(
    _doc: &Document,
    analyzed: &Analyzed,
    params: DocumentHighlightParams,
) -> Option<Vec<DocumentHighlight>> {
    let analysis = &analyzed.analysis;
    let (def, _) = def_at(analysis, params.text_document_position_params.position)?;
    let declared = analysis.index.definition(def)?.span;
    let uses = analysis.index.references_of(def).into_iter().map(|s| (s, DocumentHighlightKind::READ));
    let all = std::iter::once((declared, DocumentHighlightKind::WRITE)).chain(uses);
    let file = analysis.sources.get(FileId(0))?;
    let highlights = all
        .filter(|(s, _)| s.file == FileId(0))
        .map(|(s, kind)| DocumentHighlight {
            range: convert::range(file.lines(), s.start as usize, s.end as usize),
            kind: Some(kind),
        })
        .collect();
    Some(highlights)
}

/// Every place the name at the cursor is declared and used, as seen from
/// this document's analysis and from every other open document's that read
/// the file it is declared in (so references in `common.pol` reach the
/// policies open beside it). Each place once; a `level` block and the enum
/// variant it is named after count as one name (renaming one renames both).
pub fn places(workspace: &mut Workspace, uri: &str, position: Position) -> Option<Vec<(Uri, Range, bool)>> {
    let root: Uri = uri.parse().ok()?;
    let analysis = &workspace.analysis(uri)?.analysis;
    let (def, _) = def_at(analysis, position)?;
    let declared = analysis.index.definition(def)?;
    let (kind, name) = (declared.kind, declared.name.clone());
    let home = analysis.sources.get(declared.span.file)?.path.clone();
    let home_start = declared.span.start;
    let mut found: Vec<(Uri, Range, bool)> = Vec::new();
    add_places(&mut found, &root, analysis, def);
    let others: Vec<String> = workspace.documents.keys().filter(|u| u.as_str() != uri).cloned().collect();
    for other in others {
        let Ok(other_root) = other.parse::<Uri>() else { continue };
        let Some(analyzed) = workspace.analysis(&other) else { continue };
        let analysis = &analyzed.analysis;
        let Some(file) = analysis.sources.find(&home) else { continue };
        // the same declaration: same file, same place, same kind and name
        let same = analysis
            .index
            .definitions_in(file)
            .find(|(_, d)| d.span.start == home_start && d.kind == kind && d.name == name);
        if let Some((id, _)) = same {
            add_places(&mut found, &other_root, analysis, id);
        }
    }
    Some(found)
}

/// The declaration and uses of `def` and of the level or variant that shares its name.
fn add_places(found: &mut Vec<(Uri, Range, bool)>, root: &Uri, analysis: &Analysis, def: DefId) {
    let index = &analysis.index;
    let mut defs = vec![def];
    if let Some(d) = index.definition(def) {
        let uses = index.references_of(def);
        for (i, other) in index.definitions().iter().enumerate() {
            let other_id = DefId(i as u32);
            let linked = match (d.kind, other.kind) {
                // the level's name is a use of the variant
                (DefKind::Variant, DefKind::Level) => uses.contains(&other.span),
                (DefKind::Level, DefKind::Variant) => index.references_of(other_id).contains(&d.span),
                _ => false,
            };
            if linked {
                defs.push(other_id);
            }
        }
    }
    for def in defs {
        let Some(d) = index.definition(def) else { continue };
        let spans = std::iter::once((d.span, true)).chain(index.references_of(def).into_iter().map(|s| (s, false)));
        for (span, is_declaration) in spans {
            let (Some(uri), Some(range)) =
                (convert::uri_in(root, &analysis.sources, span), convert::span_range(&analysis.sources, span))
            else {
                continue;
            };
            match found.iter_mut().find(|(u, r, _)| *u == uri && *r == range) {
                // a level's name is its declaration and a use of the variant: a declaration
                Some(place) => place.2 |= is_declaration,
                None => found.push((uri, range, is_declaration)),
            }
        }
    }
}

pub fn references(workspace: &mut Workspace, params: ReferenceParams) -> Result<Option<Vec<Location>>, String> {
    let at = params.text_document_position;
    let Some(places) = places(workspace, at.text_document.uri.as_str(), at.position) else { return Ok(None) };
    let include = params.context.include_declaration;
    Ok(Some(
        places
            .into_iter()
            .filter(|(_, _, decl)| include || !decl)
            .map(|(uri, range, _)| Location { uri, range })
            .collect(),
    ))
}

pub fn prepare_rename(
    _doc: &Document,
    analyzed: &Analyzed,
    params: TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let analysis = &analyzed.analysis;
    let file = analysis.sources.get(FileId(0))?;
    let offset = convert::offset(file.lines(), params.position);
    let def = analysis.index.definition_at(FileId(0), offset)?;
    let d = analysis.index.definition(def)?;
    if d.kind == DefKind::Policy {
        return None;
    }
    // the name under the cursor: a use, or the declaration
    let span: Span = match analysis.index.reference_at(FileId(0), offset) {
        Some(r) => r.span,
        None => d.span,
    };
    if span.file != FileId(0) {
        return None;
    }
    let range = convert::range(file.lines(), span.start as usize, span.end as usize);
    Some(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder: d.name.clone() })
}

#[expect(
    clippy::mutable_key_type,
    reason = "the protocol's `WorkspaceEdit` is keyed by `Uri`, which hashes its text only"
)]
pub fn rename(workspace: &mut Workspace, params: RenameParams) -> Result<serde_json::Value, String> {
    let at = params.text_document_position;
    let uri = at.text_document.uri.as_str().to_string();
    let kind = workspace.analysis(&uri).and_then(|a| {
        let (def, _) = def_at(&a.analysis, at.position)?;
        a.analysis.index.definition(def).map(|d| d.kind)
    });
    let Some(kind) = kind else { return Ok(serde_json::Value::Null) };
    let new_name = params.new_name.trim();
    if !valid_name(kind, new_name) {
        return Err(format!("`{new_name}` is not a valid name for a {}", kind.keyword()));
    }
    let Some(places) = places(workspace, &uri, at.position) else { return Ok(serde_json::Value::Null) };
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (uri, range, _) in places {
        changes.entry(uri).or_default().push(TextEdit { range, new_text: new_name.to_string() });
    }
    Ok(serde_json::to_value(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }).unwrap_or_default())
}

/// Whether `name` can stand where a definition of `kind` is named: an
/// identifier (reason codes are identifiers too; the reserved words are
/// not), or any one-line text without quotes for a test's name.
fn valid_name(kind: DefKind, name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return false };
    match kind {
        DefKind::Test => !name.contains(['"', '\n', '\\']),
        _ => {
            (first.is_ascii_alphabetic() || first == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !polc::keywords::RESERVED.contains(&name)
        }
    }
}
