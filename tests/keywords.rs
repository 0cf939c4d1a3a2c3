//! The editors' grammars know every word of the language: each keyword of the
//! pest grammar (`kw_…` rules and the reserved words) is highlighted by the
//! TextMate grammar that VS Code and the other editors use.

use std::collections::BTreeSet;

const PEST: &str = include_str!("../grammar/pol.pest");
const TEXTMATE: &str = include_str!("../editors/vscode/syntaxes/pol.tmLanguage.json");

/// Every word the pest grammar spells as a keyword: `kw_x = @{ "x" ~ !ident_char }`.
fn pest_keywords() -> BTreeSet<String> {
    PEST.lines()
        .filter(|line| line.starts_with("kw_"))
        .filter_map(|line| line.split('"').nth(1))
        .filter(|word| word.chars().all(|c| c.is_ascii_alphabetic() || c == '_'))
        .map(str::to_string)
        .collect()
}

/// Every word of a `\\b(?:a|b|…)\\b` alternation or a `\\b(word)` capture in the TextMate grammar.
fn textmate_words() -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for piece in TEXTMATE.split("\\\\b(").skip(1) {
        let group = piece.trim_start_matches("?:");
        let group = group.split(')').next().unwrap_or("");
        words.extend(group.split('|').map(str::to_string));
    }
    words
}

#[test]
fn the_textmate_grammar_highlights_every_keyword_of_the_language() {
    let keywords = pest_keywords();
    assert!(keywords.len() > 40, "{keywords:?}");
    let highlighted = textmate_words();
    let missing: Vec<_> = keywords.iter().filter(|k| !highlighted.contains(*k)).collect();
    assert!(missing.is_empty(), "not highlighted by editors/vscode/syntaxes/pol.tmLanguage.json: {missing:?}");
    for word in polc::keywords::RESERVED.iter().chain(polc::keywords::DECLARATION_STARTS) {
        assert!(highlighted.contains(*word), "`{word}` is not highlighted");
    }
}
