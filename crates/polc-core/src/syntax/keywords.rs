//! The language's words in one place: the words an expression reserves
//! (never a name) and the words that start a top-level declaration. The
//! grammar (`grammar/pol.pest`) spells them again, since pest cannot read a
//! Rust constant; the tests below hold the two equal, so the parser's
//! recovery, the editor's completion and the grammar cannot drift apart.

/// The words an expression reserves: never a name (the grammar's `keyword`).
pub const RESERVED: &[&str] =
    &["and", "or", "not", "in", "exists", "true", "false", "none", "as_of", "if", "then", "else", "match"];

/// The words that start a top-level declaration (the grammar's `item`
/// alternatives, by their first keyword). They are contextual: usable as names.
pub const DECLARATION_STARTS: &[&str] = &[
    "policy",
    "use",
    "enum",
    "record",
    "input",
    "list",
    "const",
    "let",
    "group",
    "rule",
    "authority",
    "test",
    "fixture",
    "limit",
    "output",
    "scorecard",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::grammar_text::{body, quoted};
    use std::collections::BTreeSet;

    fn set(words: &[&str]) -> BTreeSet<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn the_reserved_words_are_the_grammars_keywords() {
        assert_eq!(quoted("keyword").into_iter().collect::<BTreeSet<_>>(), set(RESERVED));
    }

    #[test]
    fn the_declaration_starts_are_the_first_keywords_of_the_grammars_items() {
        let mut grammar = BTreeSet::new();
        for alternative in body("item").split('|') {
            let declaration = alternative.trim();
            let first = body(declaration).split_whitespace().next().unwrap_or("").to_string();
            let keyword = first.strip_prefix("kw_").unwrap_or_else(|| panic!("{declaration} starts with {first}"));
            // `kw_x = @{ "x" ~ !ident_char }`: the word itself, from the keyword's rule
            let word = quoted(&first).into_iter().next().unwrap_or_default();
            assert_eq!(word, keyword, "{first}");
            grammar.insert(word);
        }
        assert_eq!(grammar, set(DECLARATION_STARTS));
    }
}
