//! Syntax errors in words a policy author knows (P0001): what was expected,
//! what was found (invisible and full-width characters named), and a help line
//! for the usual slips — `=` for `==`, `&&`, `200,000`, a keyword misspelt, an
//! unclosed bracket. `if`/`else` where a rule needs `when` get their own code (P0010).

use super::{Builder, CodeBytes, Rule};
use crate::base::codes::Code;
use crate::base::diag::{did_you_mean, Diagnostic};
use crate::base::source::Span;
use pest::error::{ErrorVariant, InputLocation};

impl Builder {
    /// The diagnostic for pest's `error` in `text` (which starts at `self.offset`);
    /// `next` says what follows `text` in the file, for an error at its end.
    pub(super) fn syntax_error(&self, text: &str, error: &pest::error::Error<Rule>, next: &str) -> Diagnostic {
        let pos = match error.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
        let before = text.get(..pos).unwrap_or("");
        let rest = text.get(pos..).unwrap_or("");
        let positives: &[Rule] = match &error.variant {
            ErrorVariant::ParsingError { positives, .. } => positives,
            ErrorVariant::CustomError { .. } => &[],
        };
        if let Some(diagnostic) = self.conditional(before, rest, pos, positives) {
            return diagnostic;
        }
        let open = unclosed_bracket(before);
        let mut words = expected_words(positives);
        // pest names rules, not the brackets that may close one: add the closer
        let continues_expression = positives.contains(&Rule::infix_op);
        let closers: &[&str] = match open {
            Some((_, b'(')) if continues_expression => &["`)`"],
            Some((_, b'[')) => &["`,`", "`]`"],
            Some((_, b'{')) if continues_expression => &["`,`", "`}`"],
            _ => &[],
        };
        words.retain(|w| !closers.contains(w));
        words.splice(0..0, closers.iter().copied());
        let expected = join_or(&words);
        let at_text_end = !has_code(rest);
        let (span, found) = if at_text_end {
            // nothing left of this declaration: point just after its last token
            let end = before.trim_end().len() + self.offset;
            (Span::new(self.file, end, end), next.to_string())
        } else {
            let len = token_at(rest);
            let span = Span::new(self.file, pos + self.offset, pos + self.offset + len);
            (span, describe_found(rest.get(..len).unwrap_or("")))
        };
        let mut diagnostic = Diagnostic::error(Code::P0001, format!("expected {expected}, found {found}"))
            .at(span, format!("expected {expected}"));
        let closer = match open {
            Some((_, b'(')) => Some(("`(`", "close it with `)`")),
            Some((_, b'[')) => Some(("`[`", "close it with `]`")),
            Some(_) => Some(("`{`", "close the block with `}`")),
            None => None,
        };
        match (open, closer) {
            (Some((at, _)), Some((bracket, help))) if at_text_end => {
                let start = at + self.offset;
                diagnostic =
                    diagnostic.also(Span::new(self.file, start, start + 1), format!("this {bracket} is never closed"));
                diagnostic.help(help)
            }
            _ => {
                let separator = !closers.is_empty() && closers.contains(&"`,`");
                let help = syntax_help(before, rest, positives, &words).or_else(|| {
                    // `{consumer_loan auto_loan}`
                    (separator && !word_at(rest).is_empty()).then(|| "separate the members with `,`".to_string())
                });
                diagnostic.maybe_help(help)
            }
        }
    }

    /// P0010 for the conditional words where a rule's grammar, not an `if`
    /// expression, failed: `elif` (written `else if`), `if` where a rule needs
    /// `when` or `unless`, and `then`/`else` with no `if` before them in the
    /// declaration. At the error, or just before it (a word read as a name).
    fn conditional(&self, before: &str, rest: &str, pos: usize, positives: &[Rule]) -> Option<Diagnostic> {
        const WORDS: [&str; 4] = ["if", "then", "else", "elif"];
        let here = word_at(rest);
        let (word, start) = if WORDS.contains(&here) {
            (here, pos)
        } else {
            let trimmed = before.trim_end();
            let last = trimmed.rsplit(|c: char| !is_word_char(c)).next().unwrap_or("");
            if !WORDS.contains(&last) {
                return None;
            }
            (last, trimmed.len() - last.len())
        };
        let open_if = before.split(|c: char| !is_word_char(c)).any(|w| w == "if");
        let rule_needs_trigger = positives.iter().any(|r| matches!(r, Rule::kw_when | Rule::kw_unless));
        let (message, label, help) = match word {
            "elif" => (
                "`elif` is written `else if`".to_string(),
                "not a keyword",
                "chain conditions with `if C1 then A else if C2 then B else D`",
            ),
            "if" if rule_needs_trigger => (
                "a rule says when it fires with `when`, not `if`".to_string(),
                "`if` here",
                "write `decline when …` or `refer unless …`; `if … then … else …` is an expression",
            ),
            "then" | "else" if !open_if => (
                format!("`{word}` without an `if`"),
                "no `if` before it",
                "a rule says when it fires with `when` or `unless`; a second rule handles the other case (or write the value as `if C then A else B`)",
            ),
            _ => return None,
        };
        let start = start + self.offset;
        Some(
            Diagnostic::error(Code::P0010, message)
                .at(Span::new(self.file, start, start + word.len()), label)
                .help(help),
        )
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The word at the start of `rest` ("" if it starts with something else).
fn word_at(rest: &str) -> &str {
    let len = rest.chars().take_while(|&c| is_word_char(c)).map(char::len_utf8).sum::<usize>();
    rest.get(..len).unwrap_or("")
}

/// Length in bytes of the token at the start of `rest` (at least one
/// character): a word, a run of operator characters (`&&`, `=>`), or one character.
pub(super) fn token_at(rest: &str) -> usize {
    let word = word_at(rest).len();
    if word > 0 {
        return word;
    }
    let operator = rest.bytes().take_while(|b| b"=<>!&|.?+-*/%".contains(b)).count();
    if operator > 0 {
        return operator;
    }
    rest.chars().next().map_or(0, char::len_utf8)
}

/// How a found token is shown: in backticks, or named when it cannot be seen.
fn describe_found(token: &str) -> String {
    let mut chars = token.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => {
            invisible(c).map_or_else(|| format!("`{token}`"), |name| format!("{name} (U+{:04X})", c as u32))
        }
        _ => format!("`{token}`"),
    }
}

/// The name of a character that shows as nothing, or as an ordinary space.
fn invisible(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{FEFF}' => "a byte-order mark",
        '\u{3000}' => "a full-width space",
        '\u{00A0}' => "a no-break space",
        '\u{200B}'..='\u{200D}' | '\u{2060}' => "a zero-width character",
        c if c.is_control() => "a control character",
        c if c.is_whitespace() => "a space character",
        _ => return None,
    })
}

/// The ASCII character a full-width one (as a Chinese input method types) stands for.
fn half_width(c: char) -> Option<char> {
    const PAIRS: &[(char, char)] = &[
        ('（', '('),
        ('）', ')'),
        ('，', ','),
        ('、', ','),
        ('：', ':'),
        ('“', '"'),
        ('”', '"'),
        ('＝', '='),
        ('＜', '<'),
        ('＞', '>'),
        ('｛', '{'),
        ('｝', '}'),
        ('【', '['),
        ('】', ']'),
        ('［', '['),
        ('］', ']'),
        ('％', '%'),
        ('．', '.'),
        ('。', '.'),
        ('＋', '+'),
        ('－', '-'),
        ('＊', '*'),
        ('／', '/'),
        ('？', '?'),
    ];
    PAIRS.iter().find(|(full, _)| *full == c).map(|(_, ascii)| *ascii)
}

/// The innermost bracket open at the end of `text` (outside strings and
/// comments), with its offset.
fn unclosed_bracket(text: &str) -> Option<(usize, u8)> {
    let mut open: Vec<(usize, u8)> = Vec::new();
    for (i, b) in CodeBytes::new(text) {
        match b {
            b'(' | b'[' | b'{' => open.push((i, b)),
            b')' | b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// Whether `text` holds anything but white space and comments.
pub(super) fn has_code(text: &str) -> bool {
    first_code(text).is_some()
}

/// Where the first thing that is not white space or a comment starts; reads
/// only as far as that (so it costs nothing on a long tail).
pub(super) fn first_code(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b.is_ascii_whitespace() {
            at += 1;
        } else if b == b'/' && bytes.get(at + 1) == Some(&b'/') {
            at = memchr::memchr(b'\n', bytes.get(at..).unwrap_or_default()).map_or(bytes.len(), |n| at + n + 1);
        } else {
            return Some(at);
        }
    }
    None
}

/// The help line for a slip recognised by what stands around the error.
fn syntax_help(before: &str, rest: &str, positives: &[Rule], words: &[&str]) -> Option<String> {
    let word = word_at(rest);
    let wants_name = words.contains(&"a name");
    let reserved = ["and", "or", "not", "in", "exists", "true", "false", "none", "as_of"];
    if reserved.contains(&word) && wants_name {
        return Some(format!("`{word}` is a keyword and cannot be used as a name"));
    }
    if wants_name && word.starts_with(|c: char| c.is_ascii_digit()) {
        return Some("a name or reason code starts with a letter, e.g. `A01`".to_string());
    }
    if let Some(help) = slip(before, rest, word) {
        return Some(help.to_string());
    }
    // `from lists/fraud.txt`, `version 2`, `group admission 准入`
    let bare = rest.split_whitespace().next().unwrap_or("");
    if words.contains(&"a string in double quotes") && bare.starts_with(is_word_char) {
        return Some(format!("write it in double quotes: `\"{bare}\"`"));
    }
    if let Some(c) = rest.chars().next() {
        if let Some(ascii) = half_width(c) {
            return Some(format!("`{c}` is a full-width character: write `{ascii}`"));
        }
        match invisible(c) {
            Some("a byte-order mark") => return Some(
                "only the start of a file may hold a byte-order mark; delete this one (most editors do not show it)"
                    .to_string(),
            ),
            Some("a zero-width character" | "a control character") => {
                return Some("delete it (most editors do not show it)".to_string())
            }
            Some(_) => return Some("write an ordinary space".to_string()),
            None => {}
        }
    }
    let operator = rest.get(..token_at(rest)).unwrap_or("");
    let continues_expression = positives.contains(&Rule::infix_op);
    match operator {
        "=" if continues_expression => return Some("to compare, write `==`".to_string()),
        "=>" if continues_expression => return Some("to compare, write `>=`".to_string()),
        "=<" => return Some("to compare, write `<=`".to_string()),
        "<>" => return Some("to test for a difference, write `!=`".to_string()),
        "&&" | "||" | "&" | "|" => return Some("write `and` / `or` instead of `&&` / `||`".to_string()),
        "!" => return Some("write `not` instead of `!`".to_string()),
        _ => {}
    }
    let digits_before = before.ends_with(|c: char| c.is_ascii_digit());
    let digits_after =
        rest.strip_prefix(',').is_some_and(|r| r.len() >= 3 && r.bytes().take(3).all(|b| b.is_ascii_digit()));
    if digits_before && digits_after {
        return Some("group digits with `_`, not `,`: write e.g. `200_000`".to_string());
    }
    // a keyword misspelt: `whn`, `declin`
    let keywords: Vec<&str> = positives.iter().flat_map(|r| rule_keywords(*r)).copied().collect();
    if !word.is_empty() && !keywords.is_empty() {
        return did_you_mean(word, keywords.iter().copied());
    }
    None
}

/// The help for a slip that other languages, spreadsheets or habits suggest.
fn slip(before: &str, rest: &str, word: &str) -> Option<&'static str> {
    let before = before.trim_end();
    Some(match rest.chars().next()? {
        '≥' => "write `>=`",
        '≤' => "write `<=`",
        '≠' => "write `!=`",
        '×' => "write `*`",
        '÷' => "write `/`",
        '¥' | '￥' | '元' => "amounts are written with `CNY` after the number: `200_000 CNY`",
        '[' => "a set is written in braces: `{a, b}`",
        ';' => "declarations do not end with `;`: delete it",
        // a quote with no other on its line: a string never closed
        '"' if !rest.get(1..).and_then(|r| r.lines().next()).unwrap_or("").contains('"') => {
            "a string ends with `\"` on the same line"
        }
        _ => match word {
            "between" => "a range is written `x in lo ..= hi`",
            "yuan" | "RMB" | "rmb" | "cny" => "amounts are written with `CNY`: `200_000 CNY`",
            _ if before.ends_with("to when") || before.ends_with("to unless") => {
                "`refer to` needs the level it refers to: `refer to provincial when …`"
            }
            _ if before.ends_with("rule decline") || before.ends_with("rule refer") => {
                "a rule starts with its reason code: `rule A01 decline when …`"
            }
            _ => return None,
        },
    })
}

/// The keywords a rule starts with (for "did you mean").
fn rule_keywords(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::outcome => &["decline", "refer"],
        Rule::kw_when | Rule::kw_unless => &["when", "unless"],
        Rule::expected_outcome => &["approve", "decline", "refer", "error"],
        other => keyword(other).map_or(&[], std::slice::from_ref),
    }
}

/// "a, b or c"
fn join_or(words: &[&str]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The grammar rules pest expected, as words a policy author knows.
fn expected_words(positives: &[Rule]) -> Vec<&'static str> {
    // one member of a block, alone (after recovery): say which member
    match positives {
        [Rule::rule_decl] => return vec!["a rule (`rule CODE … when …`)", "`}`"],
        [Rule::level_decl] => return vec!["a level (`level NAME …`)", "`}`"],
        [Rule::limit] => return vec!["a limit (`path <= value`, `path in {…}`)", "`}`"],
        _ => {}
    }
    let mut words: Vec<&str> = Vec::new();
    for rule in positives {
        let word = match rule {
            // one token stands for every binary operator
            Rule::infix_op => "an operator (`and`, `or`, `<`, `==`, `in`, `+`, …)",
            Rule::ident | Rule::path => "a name",
            Rule::string | Rule::string_inner => "a string in double quotes",
            Rule::expr
            | Rule::paren
            | Rule::number
            | Rule::date
            | Rule::quantity
            | Rule::named
            | Rule::set_lit
            | Rule::lambda
            | Rule::prefix_op => "an expression",
            Rule::call_args => "`(`",
            Rule::type_expr | Rule::named_type | Rule::set_type | Rule::list_type => "a type",
            Rule::outcome => "an outcome (`decline` or `refer`)",
            Rule::kw_when | Rule::kw_unless => "`when` or `unless`",
            Rule::policy_decl
            | Rule::use_decl
            | Rule::enum_decl
            | Rule::record_decl
            | Rule::input_decl
            | Rule::list_decl
            | Rule::const_decl
            | Rule::let_decl
            | Rule::group_decl
            | Rule::rule_decl
            | Rule::authority_decl
            | Rule::test_decl
            | Rule::fixture_decl => "a declaration",
            Rule::EOI => "end of file",
            Rule::field_decl => "a field (`name: Type`)",
            Rule::level_decl => "`level`",
            Rule::limit => "a limit (`path <= value`, `path in {…}`)",
            Rule::limit_op => "`<=`, `<` or `>=`",
            Rule::record_lit => "a record `{ field: value, … }`",
            Rule::record_entry => "a field (`name: value`)",
            Rule::given => "`given`",
            Rule::expect => "`expect`",
            Rule::expected_outcome => "`approve`, `decline`, `refer to LEVEL` or `error`",
            Rule::as_of_clause => "`as_of`",
            Rule::code_list => "a list of reason codes `[A01, …]`",
            Rule::optional_mark => "`?`",
            Rule::field_access => "`.`",
            Rule::currency | Rule::percent_sign | Rule::duration_unit => "a unit (`CNY`, `%`, `days`, …)",
            Rule::open_brace => "`{`",
            Rule::close_brace => "`}`",
            Rule::close_paren => "`)`",
            Rule::close_bracket => "`]`",
            Rule::comma => "`,`",
            Rule::colon => "`:`",
            Rule::equals => "`=`",
            other => keyword_word(*other),
        };
        if !word.is_empty() && !words.contains(&word) {
            words.push(word);
        }
    }
    // the keywords a declaration may start with are "a declaration", which is
    // noise after an operand (the error is inside the declaration)
    let starts = [
        "`policy`",
        "`use`",
        "`enum`",
        "`record`",
        "`input`",
        "`const`",
        "`let`",
        "`group`",
        "`test`",
        "`fixture`",
        "`scorecard`",
    ];
    if words.iter().filter(|w| starts.contains(w)).count() > 1 {
        words
            .retain(|w| !starts.contains(w) && !["`list`", "`rule`", "`authority`", "`limit`", "`output`"].contains(w));
        if !words.contains(&"a declaration") {
            words.push("a declaration");
        }
    }
    if positives.contains(&Rule::infix_op) {
        words.retain(|w| *w != "a declaration");
    }
    if words.len() > 1 {
        words.retain(|w| *w != "end of file");
    }
    // after an operand, "an operator" says it: `.name`, `exists` and the `(`
    // of a call are noise
    if positives.contains(&Rule::infix_op) {
        words.retain(|w| !["`.`", "`exists`", "`(`"].contains(w));
    }
    // the ways an expression can start are all "an expression"
    if words.contains(&"an expression") {
        let starts = [
            "a string in double quotes",
            "a name",
            "`as_of`",
            "`not`",
            "`true`",
            "`false`",
            "`none`",
            "`if`",
            "`match`",
        ];
        words.retain(|w| !starts.contains(w));
    }
    words
}

/// A keyword token in backticks ("" for other rules).
fn keyword_word(rule: Rule) -> &'static str {
    keyword(rule).and_then(|k| KEYWORD_WORDS.iter().find(|(w, _)| w == k)).map_or("", |(_, quoted)| quoted)
}

/// The word a `kw_…` rule matches, from a table made once (errors can be
/// many: naming rules by formatting them each time was most of their cost).
fn keyword(rule: Rule) -> Option<&'static &'static str> {
    static WORDS: std::sync::OnceLock<Vec<Option<&'static &'static str>>> = std::sync::OnceLock::new();
    let words = WORDS.get_or_init(|| {
        let slots = Rule::all_rules().iter().map(|&r| r as usize + 1).max().unwrap_or(0);
        let mut words = vec![None; slots];
        for &r in Rule::all_rules() {
            let name = format!("{r:?}");
            let word = name.strip_prefix("kw_").and_then(|k| KEYWORD_WORDS.iter().find(|(w, _)| *w == k));
            if let Some(slot) = words.get_mut(r as usize) {
                *slot = word.map(|(w, _)| w);
            }
        }
        words
    });
    words.get(rule as usize).copied().flatten()
}

const KEYWORD_WORDS: &[(&str, &str)] = &[
    ("policy", "`policy`"),
    ("version", "`version`"),
    ("use", "`use`"),
    ("enum", "`enum`"),
    ("record", "`record`"),
    ("input", "`input`"),
    ("list", "`list`"),
    ("from", "`from`"),
    ("column", "`column`"),
    ("const", "`const`"),
    ("let", "`let`"),
    ("group", "`group`"),
    ("rule", "`rule`"),
    ("decline", "`decline`"),
    ("refer", "`refer`"),
    ("to", "`to`"),
    ("when", "`when`"),
    ("unless", "`unless`"),
    ("authority", "`authority`"),
    ("over", "`over`"),
    ("escalate", "`escalate`"),
    ("level", "`level`"),
    ("above", "`above`"),
    ("test", "`test`"),
    ("fixture", "`fixture`"),
    ("limit", "`limit`"),
    ("floor", "`floor`"),
    ("output", "`output`"),
    ("outputs", "`outputs`"),
    ("given", "`given`"),
    ("with", "`with`"),
    ("as_of", "`as_of`"),
    ("expect", "`expect`"),
    ("approve", "`approve`"),
    ("at", "`at`"),
    ("error", "`error`"),
    ("and", "`and`"),
    ("or", "`or`"),
    ("not", "`not`"),
    ("in", "`in`"),
    ("exists", "`exists`"),
    ("set", "`set`"),
    ("true", "`true`"),
    ("false", "`false`"),
    ("none", "`none`"),
    ("if", "`if`"),
    ("then", "`then`"),
    ("else", "`else`"),
    ("match", "`match`"),
    ("scorecard", "`scorecard`"),
    ("characteristic", "`characteristic`"),
    ("base", "`base`"),
    ("baseline", "`baseline`"),
    ("reasons", "`reasons`"),
    ("reason", "`reason`"),
    ("basis", "`basis`"),
    ("effective", "`effective`"),
    ("overridable", "`overridable`"),
    ("by", "`by`"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_words_operator_runs_or_one_character() {
        assert_eq!(token_at("when x"), 4);
        assert_eq!(token_at("&& b"), 2);
        assert_eq!(token_at("..= 3"), 3);
        assert_eq!(token_at("（a"), '（'.len_utf8());
        assert_eq!(token_at(""), 0);
    }

    #[test]
    fn invisible_characters_are_named() {
        assert_eq!(describe_found("\u{FEFF}"), "a byte-order mark (U+FEFF)");
        assert_eq!(describe_found("\u{3000}"), "a full-width space (U+3000)");
        assert_eq!(describe_found("x"), "`x`");
    }

    /// The help of the first diagnostic for a rule written as `condition`.
    fn help_for(rule: &str) -> String {
        let text = format!("policy p version \"1\"\n{rule}\n");
        let (_, diagnostics) = crate::syntax::parse::parse(crate::base::source::FileId(0), &text);
        diagnostics.first().and_then(|d| d.help.clone()).unwrap_or_default()
    }

    #[test]
    fn the_usual_slips_get_their_help() {
        for (rule, help) in [
            ("rule A01 decline when a.x ≥ 5", "`>=`"),
            ("rule A01 decline when a.x in [1, 2]", "braces"),
            ("const c: Int = 5;", "`;`"),
            ("rule A01 decline when a.x == \"abc", "same line"),
            ("rule A01 decline when a.x between 1 and 5", "..="),
            ("rule A01 decline when a.income > 5 yuan", "`CNY`"),
            ("rule A01 refer to when a.x", "needs the level"),
            ("rule decline when a.x < 5", "reason code"),
            ("rule A01 decline when a.x = 5", "`==`"),
            ("rule A01 decline when a.x > 200,000", "`_`"),
            ("rule A01 decline whn a.x < 5", "`when`"),
            ("rule A01 decline when a.x < 5 && a.y", "`and`"),
            ("rule A01 decline when （a.x < 5)", "`(`"),
            ("rule 01 decline when a.x < 5", "starts with a letter"),
            ("list fraud: IdCard from lists/fraud.txt", "`\"lists/fraud.txt\"`"),
            ("group admission 准入 {", "`\"准入\"`"),
        ] {
            assert!(help_for(rule).contains(help), "{rule}: {}", help_for(rule));
        }
        // a message after the outcome is not an unclosed string
        assert!(!help_for("rule A01 decline \"msg\" when a.x").contains("same line"));
    }

    #[test]
    fn every_keyword_token_has_its_word() {
        for &rule in Rule::all_rules() {
            let name = format!("{rule:?}");
            if let Some(word) = name.strip_prefix("kw_") {
                assert_eq!(keyword(rule).copied(), Some(word), "{name}");
                assert_eq!(keyword_word(rule), format!("`{word}`"));
            } else {
                assert_eq!(keyword(rule), None, "{name}");
            }
        }
    }

    #[test]
    fn code_is_anything_but_space_and_comments() {
        assert!(!has_code("  \n // a { \n\t"));
        assert!(has_code("// a\n \"s\""));
        assert!(has_code("x"));
        assert!(!has_code(""));
    }

    #[test]
    fn the_innermost_open_bracket_is_found_outside_strings() {
        assert_eq!(unclosed_bracket("when (a and {b}"), Some((5, b'(')));
        assert_eq!(unclosed_bracket("when \"(\" and x"), None);
        assert_eq!(unclosed_bracket("group g { rule A when (x)"), Some((8, b'{')));
    }
}
