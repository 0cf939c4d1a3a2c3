//! The outline (document symbols: groups and their rules, records and their
//! fields, enums and their variants, the authority's levels, tests, …) and
//! the folding ranges (every declaration over several lines, runs of comments).

use crate::convert;
use crate::document::Document;
use crate::workspace::Analyzed;
use lsp_types::*;
use polc::{DefId, DefKind, FileId};

pub fn symbols(_doc: &Document, analyzed: &Analyzed, _params: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let analysis = &analyzed.analysis;
    let index = &analysis.index;
    let lines = analysis.sources.get(FileId(0))?.lines();
    let symbol = |id: DefId| -> Option<DocumentSymbol> {
        let d = index.definition(id)?;
        let name = if d.name.is_empty() { d.kind.keyword().to_string() } else { d.name.clone() };
        let selection = convert::range(lines, d.span.start as usize, d.span.end as usize);
        let mut range = convert::range(lines, d.full.start as usize, d.full.end as usize);
        // the selection must lie within the range
        if range.start > selection.start || range.end < selection.end {
            range = selection;
        }
        #[expect(deprecated, reason = "`deprecated` is a required field of the protocol's type")]
        Some(DocumentSymbol {
            name,
            detail: (!d.detail.is_empty()).then(|| d.detail.clone()),
            kind: symbol_kind(d.kind),
            tags: None,
            deprecated: None,
            range,
            selection_range: selection,
            children: None,
        })
    };
    let mut top = Vec::new();
    for (id, d) in index.definitions_in(FileId(0)) {
        if d.parent.is_some() || matches!(d.kind, DefKind::Parameter) {
            continue;
        }
        let Some(mut s) = symbol(id) else { continue };
        let children: Vec<DocumentSymbol> = index
            .members(id)
            .iter()
            .filter(|m| index.definition(**m).is_some_and(|c| c.span.file == FileId(0)))
            .filter_map(|m| symbol(*m))
            .collect();
        if !children.is_empty() {
            s.children = Some(children);
        }
        top.push(s);
    }
    Some(DocumentSymbolResponse::Nested(top))
}

fn symbol_kind(kind: DefKind) -> SymbolKind {
    match kind {
        DefKind::Policy => SymbolKind::FILE,
        DefKind::Enum => SymbolKind::ENUM,
        DefKind::Variant => SymbolKind::ENUM_MEMBER,
        DefKind::Record => SymbolKind::STRUCT,
        DefKind::Field => SymbolKind::FIELD,
        DefKind::Input => SymbolKind::VARIABLE,
        DefKind::List => SymbolKind::ARRAY,
        DefKind::Const => SymbolKind::CONSTANT,
        DefKind::Let => SymbolKind::VARIABLE,
        DefKind::Group => SymbolKind::NAMESPACE,
        DefKind::Rule => SymbolKind::EVENT,
        DefKind::Escalation => SymbolKind::KEY,
        DefKind::Level => SymbolKind::OBJECT,
        DefKind::Fixture => SymbolKind::OBJECT,
        DefKind::Test => SymbolKind::METHOD,
        DefKind::Parameter => SymbolKind::TYPE_PARAMETER,
    }
}

pub fn folding(doc: &Document, analyzed: &Analyzed, _params: FoldingRangeParams) -> Option<Vec<FoldingRange>> {
    let analysis = &analyzed.analysis;
    let lines = analysis.sources.get(FileId(0))?.lines();
    let mut ranges: Vec<FoldingRange> = Vec::new();
    let mut add = |start: u32, end: u32, kind: Option<FoldingRangeKind>| {
        if end > start && !ranges.iter().any(|r| r.start_line == start) {
            ranges.push(FoldingRange { start_line: start, end_line: end, kind, ..FoldingRange::default() });
        }
    };
    for (_, d) in analysis.index.definitions_in(FileId(0)) {
        if matches!(d.kind, DefKind::Parameter | DefKind::Policy) {
            continue;
        }
        let start = convert::position(lines, d.full.start as usize).line;
        let end = convert::position(lines, d.full.end as usize).line;
        add(start, end, None);
    }
    // runs of two or more lines that are comments only
    let mut run: Option<(u32, u32)> = None;
    for (n, line) in doc.text.lines().enumerate() {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        if line.trim_start().starts_with("//") {
            run = Some(run.map_or((n, n), |(s, _)| (s, n)));
        } else if let Some((s, e)) = run.take() {
            add(s, e, Some(FoldingRangeKind::Comment));
        }
    }
    if let Some((s, e)) = run {
        add(s, e, Some(FoldingRangeKind::Comment));
    }
    ranges.sort_by_key(|r| r.start_line);
    Some(ranges)
}
