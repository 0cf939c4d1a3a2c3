//! Completion, from the text before the cursor and the index: a record's
//! fields after `.`, an enum's variants where that enum is expected (after
//! `==`, `!=` or inside `in {…}` on a value of it, after `Enum.`), lists after
//! `in`, levels after `refer to` and `above`, the next free reason code after
//! `rule`, and elsewhere the names in scope, the built-in functions with their
//! signatures and the keywords that fit the place.

use crate::convert;
use crate::document::Document;
use crate::workspace::Analyzed;
use lsp_types::*;
use polc::keywords::{DECLARATION_STARTS, RESERVED};
use polc::{Analysis, DefId, DefKind, Definition, FileId};

pub fn completion(_doc: &Document, analyzed: &Analyzed, params: CompletionParams) -> Option<CompletionResponse> {
    let analysis = &analyzed.analysis;
    let file = analysis.sources.get(FileId(0))?;
    let lines = file.lines();
    let offset = convert::offset(lines, params.text_document_position.position);
    let line_start = lines.line_range(lines.line_of(offset)).start;
    let before = file.text.get(line_start..offset).unwrap_or("");
    let items = items(analysis, before, offset);
    Some(CompletionResponse::Array(items))
}

/// What fits after `before` (the line up to the cursor, at byte `offset`).
fn items(analysis: &Analysis, before: &str, offset: usize) -> Vec<CompletionItem> {
    let index = &analysis.index;
    let typed = trailing_word(before);
    let head = before.get(..before.len() - typed.len()).unwrap_or("");
    // `a.b.` — the fields of b's record, or `Enum.` — its variants
    if let Some(path) = head.strip_suffix('.') {
        let segments = trailing_path(path);
        return match resolve_path(analysis, &segments) {
            Some(def) => members(analysis, def),
            None => Vec::new(),
        };
    }
    let words: Vec<&str> = head.split_whitespace().collect();
    // `level x above a, ` : more parents
    if words.contains(&"above") && words.first() == Some(&"level") && head.trim_end().ends_with(',') {
        return levels(analysis);
    }
    match words.as_slice() {
        [.., "refer", "to"] | [.., "above"] | [.., "at"] | [.., "overridable", "by"] => return levels(analysis),
        // §15: the kinds of a basis
        [.., "basis"] => return ["regulation", "industry", "company"].into_iter().map(keyword).collect(),
        [.., "rule"] => return next_reason_code(analysis, offset).into_iter().collect(),
        [.., subject, "==" | "!="] => {
            if let Some(items) = variants_of_path(analysis, subject) {
                return items;
            }
        }
        _ => {}
    }
    // inside `x in {…` : the variants of x's enum
    if let Some(open) = head.rfind('{').filter(|&i| !head.get(i..).unwrap_or("").contains('}')) {
        let inside = head.get(..open).unwrap_or("").trim_end();
        if let Some(subject) = inside.strip_suffix("in").map(str::trim_end) {
            let subject = subject.rsplit(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
            if let Some(items) = variants_of_path(analysis, subject) {
                return items;
            }
        }
    }
    if matches!(words.last(), Some(&"in")) {
        let lists = index.definitions().iter().filter(|d| d.kind == DefKind::List || d.kind == DefKind::Const);
        return lists.map(|d| item(d, kind_of(d.kind))).collect();
    }
    if words.is_empty() {
        // the first word of a line: a declaration, or a rule or level inside a block
        let mut out: Vec<CompletionItem> = DECLARATION_STARTS.iter().chain(&["level"]).map(|k| keyword(k)).collect();
        out.extend(next_reason_code(analysis, offset).map(|mut i| {
            i.label = format!("rule {}", i.label);
            i.insert_text = Some(i.label.clone());
            i
        }));
        return out;
    }
    expression(analysis, &words)
}

/// Names in scope, built-in functions and the keywords of an expression (or
/// of a rule's head: its outcome, `when`, `unless`).
fn expression(analysis: &Analysis, words: &[&str]) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = Vec::new();
    let in_rule_head =
        matches!(words, ["rule", _] | ["rule", _, _]) || words.first() == Some(&"rule") && words.len() <= 3;
    if in_rule_head && !words.iter().any(|w| matches!(*w, "decline" | "refer")) {
        out.extend(["decline", "refer", "refer to"].iter().map(|k| keyword(k)));
    }
    if words.iter().any(|w| matches!(*w, "decline" | "refer")) && !words.iter().any(|w| matches!(*w, "when" | "unless"))
    {
        out.extend(["when", "unless"].iter().map(|k| keyword(k)));
    }
    let names = analysis
        .index
        .definitions()
        .iter()
        .filter(|d| matches!(d.kind, DefKind::Input | DefKind::Let | DefKind::Const | DefKind::List));
    out.extend(names.map(|d| item(d, kind_of(d.kind))));
    for b in polc::builtins() {
        out.push(CompletionItem {
            label: b.name.to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(b.signature.to_string()),
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: format!("{}\n\n```pol\n{}\n```", b.doc, b.example),
            })),
            insert_text: Some(format!("{}(", b.name)),
            ..CompletionItem::default()
        });
    }
    out.extend(RESERVED.iter().map(|k| keyword(k)));
    out
}

/// The word being typed at the end of `before` (letters, digits, `_`).
fn trailing_word(before: &str) -> &str {
    let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
    before.get(start..).unwrap_or("")
}

/// `a.b.c` at the end of `text`, as its names.
fn trailing_path(text: &str) -> Vec<&str> {
    let start = text.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).map_or(0, |i| i + 1);
    text.get(start..).unwrap_or("").split('.').collect()
}

/// What a dotted path names: the record or enum whose members follow a `.`.
fn resolve_path(analysis: &Analysis, segments: &[&str]) -> Option<DefId> {
    let index = &analysis.index;
    let (first, rest) = segments.split_first()?;
    let (id, head) = index.definitions().iter().enumerate().find(|(_, d)| {
        d.name == *first
            && matches!(d.kind, DefKind::Input | DefKind::Let | DefKind::Const | DefKind::Parameter | DefKind::Enum)
    })?;
    let mut current = match head.kind {
        DefKind::Enum => DefId(id as u32),
        _ => head.type_def?,
    };
    for segment in rest {
        let field =
            index.members(current).iter().find(|m| index.definition(**m).is_some_and(|d| d.name == *segment))?;
        current = index.definition(*field)?.type_def?;
    }
    Some(current)
}

/// The members of a record (its fields) or an enum (its variants).
fn members(analysis: &Analysis, def: DefId) -> Vec<CompletionItem> {
    let index = &analysis.index;
    index.members(def).iter().filter_map(|m| index.definition(*m)).map(|d| item(d, kind_of(d.kind))).collect()
}

/// The variants of the enum a path's values have, if it is an enum.
fn variants_of_path(analysis: &Analysis, path: &str) -> Option<Vec<CompletionItem>> {
    let segments: Vec<&str> = trailing_path(path);
    let def = resolve_path(analysis, &segments)?;
    let d = analysis.index.definition(def)?;
    (d.kind == DefKind::Enum).then(|| members(analysis, def))
}

fn levels(analysis: &Analysis) -> Vec<CompletionItem> {
    let defs = analysis.index.definitions().iter().filter(|d| d.kind == DefKind::Level);
    defs.map(|d| item(d, CompletionItemKind::ENUM_MEMBER)).collect()
}

/// The next free reason code of the group the cursor is in (or of the rules
/// outside groups): the prefix of its last rule with the next number, as wide.
fn next_reason_code(analysis: &Analysis, offset: usize) -> Option<CompletionItem> {
    let index = &analysis.index;
    let offset = u32::try_from(offset).unwrap_or(u32::MAX);
    let group = index.definitions().iter().enumerate().find(|(_, d)| {
        d.kind == DefKind::Group && d.full.file == FileId(0) && d.full.start < offset && offset < d.full.end
    });
    let rules: Vec<&Definition> = match group {
        Some((id, _)) => index.members(DefId(id as u32)).iter().filter_map(|m| index.definition(*m)).collect(),
        None => index.definitions().iter().filter(|d| d.kind == DefKind::Rule && d.parent.is_none()).collect(),
    };
    let all: Vec<&str> = index
        .definitions()
        .iter()
        .filter(|d| matches!(d.kind, DefKind::Rule | DefKind::Escalation))
        .map(|d| d.name.as_str())
        .collect();
    let last = rules.iter().rev().find_map(|d| split_code(&d.name))?;
    let (prefix, width) = (last.0, last.2);
    let highest = all.iter().filter_map(|c| split_code(c)).filter(|(p, _, _)| *p == prefix).map(|(_, n, _)| n).max()?;
    let code =
        (highest + 1..highest + 10_000).map(|n| format!("{prefix}{n:0width$}")).find(|c| !all.contains(&c.as_str()))?;
    Some(CompletionItem {
        label: code.clone(),
        kind: Some(CompletionItemKind::CONSTANT),
        detail: Some(format!("the next free reason code after {prefix}{highest:0width$}")),
        insert_text: Some(code),
        preselect: Some(true),
        ..CompletionItem::default()
    })
}

/// `A07` as (`A`, 7, 2): letters, number, digits written.
fn split_code(code: &str) -> Option<(&str, u64, usize)> {
    let digits = code.len() - code.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (prefix, number) = code.split_at(code.len() - digits);
    (digits > 0).then_some(())?;
    Some((prefix, number.parse().ok()?, digits))
}

fn kind_of(kind: DefKind) -> CompletionItemKind {
    match kind {
        DefKind::Field => CompletionItemKind::FIELD,
        DefKind::Variant => CompletionItemKind::ENUM_MEMBER,
        DefKind::Enum => CompletionItemKind::ENUM,
        DefKind::Record => CompletionItemKind::STRUCT,
        DefKind::Const => CompletionItemKind::CONSTANT,
        DefKind::Let | DefKind::Input | DefKind::Parameter => CompletionItemKind::VARIABLE,
        DefKind::List => CompletionItemKind::VALUE,
        DefKind::Rule | DefKind::Escalation => CompletionItemKind::CONSTANT,
        _ => CompletionItemKind::REFERENCE,
    }
}

fn item(d: &Definition, kind: CompletionItemKind) -> CompletionItem {
    CompletionItem { label: d.name.clone(), kind: Some(kind), detail: Some(d.signature()), ..CompletionItem::default() }
}

fn keyword(word: &str) -> CompletionItem {
    CompletionItem { label: word.to_string(), kind: Some(CompletionItemKind::KEYWORD), ..CompletionItem::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_split_into_prefix_number_and_width() {
        assert_eq!(split_code("A07"), Some(("A", 7, 2)));
        assert_eq!(split_code("R000123"), Some(("R", 123, 6)));
        assert_eq!(split_code("FRAUD"), None);
    }

    #[test]
    fn the_word_and_path_being_typed() {
        assert_eq!(trailing_word("when applicant.lo"), "lo");
        assert_eq!(trailing_path("when (applicant.loan"), vec!["applicant", "loan"]);
    }
}
