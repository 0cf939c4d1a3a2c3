//! Text to AST: the pest grammar's pairs folded into a spanned, untyped tree
//! (P codes), and the formatter that prints that tree back canonically.

pub mod ast;
pub mod format;
pub mod keywords;
pub mod operators;
pub mod parse;
pub mod shift;

/// The grammar's text, read by the tests that hold Rust tables (the operators,
/// the keywords) equal to what `grammar/pol.pest` admits.
#[cfg(test)]
pub(crate) mod grammar_text {
    const GRAMMAR: &str = include_str!("../../../../grammar/pol.pest");

    /// The body of the grammar rule `name` (from its line to the one that
    /// closes it), between its first `{` and its last `}`; empty when there is no such rule.
    pub(crate) fn body(name: &str) -> String {
        let Some(start) = GRAMMAR.find(&format!("\n{name} ")).map(|i| i + 1) else { return String::new() };
        let mut rule = String::new();
        for line in GRAMMAR.get(start..).unwrap_or("").lines() {
            rule.push_str(line);
            rule.push('\n');
            if line.trim_end().ends_with('}') {
                break;
            }
        }
        let open = rule.find('{').map_or(0, |i| i + 1);
        let close = rule.rfind('}').unwrap_or(rule.len());
        rule.get(open..close).unwrap_or("").to_string()
    }

    /// The symbols in quotes of the rule `name`.
    pub(crate) fn quoted(name: &str) -> Vec<String> {
        body(name).split('"').skip(1).step_by(2).map(str::to_string).collect()
    }
}
