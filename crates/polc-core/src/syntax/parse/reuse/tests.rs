//! Every reused parse is the whole parse: random edits (spaces, line feeds,
//! comments, multi-byte characters that share leading bytes, deleted and
//! repeated lines, new declarations) to every fixture, each parsed with the
//! last parse reused and compared, spans included, with a parse of the text.

use super::super::tests::pol_files;
use super::super::{parse_source, reparse_source};
use super::{LastParse, REUSED};
use crate::base::diag::Diagnostic;
use crate::base::limits::Limits;
use crate::base::source::FileId;
use crate::syntax::ast::Module;
use proptest::prelude::*;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

/// Every `.pol` fixture, with a generated policy of groups of rules.
fn fixtures() -> &'static [String] {
    static FIXTURES: OnceLock<Vec<String>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["policies", "tests", "examples"] {
            pol_files(&root.join(dir), &mut files);
        }
        files.sort();
        let mut texts: Vec<String> = files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
        texts.push(generated(120));
        texts
    })
}

/// Rules in groups of ten, as the editor bench's policy is laid out.
fn generated(rules: usize) -> String {
    let mut text = String::from(
        "policy big version \"1\"\nrecord A {\n  id: String\n  age: Int\n  income: Money\n}\ninput a: A\n",
    );
    for i in 0..rules {
        if i % 10 == 0 {
            if i > 0 {
                text.push_str("}\n");
            }
            let _ = writeln!(text, "group g{} \"组 {}\" {{", i / 10, i / 10);
        }
        let _ = writeln!(text, "  rule R{i:04} \"规则 {i}\" decline when a.age > {} or (a.income > {} CNY)", i % 90, i);
    }
    text.push_str("}\n");
    text
}

/// The module and diagnostics as comparable text, spans included.
fn shown(module: &Module, diagnostics: &[Diagnostic]) -> String {
    let mut parenthesised: Vec<_> = module.parenthesised.iter().collect();
    parenthesised.sort();
    format!("{:?}\n{:#?}\n{:#?}\n{parenthesised:?}\n{diagnostics:#?}", module.file, module.items, module.broken)
}

/// What an edit inserts.
const INSERTS: [&str; 14] = [
    " ",
    "\n",
    "x",
    "组",
    "纪",
    "\"",
    "}",
    "{",
    "// 注释 {\n",
    "1",
    "rule Z99 \"新\" decline when true\n",
    "let zz = 1\n",
    "group gz {\n",
    "  and a.age > 3\n",
];

/// One edit: `kind` picks what it does, `at` and `len` are fractions of the text.
fn apply(text: &str, (kind, at, len): (u8, u16, u8)) -> String {
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(text.len() * usize::from(at) / usize::from(u16::MAX));
    let line_start = text.get(..start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let line_end = text.get(start..).and_then(|t| t.find('\n')).map_or(text.len(), |i| start + i + 1);
    let mut out = text.to_string();
    match kind % 6 {
        // insert at a character boundary
        0 | 1 => {
            let insert = INSERTS.get(usize::from(len) % INSERTS.len()).copied().unwrap_or(" ");
            out.insert_str(start, insert);
        }
        // delete a few characters
        2 => {
            let end = floor(start + usize::from(len % 8) + 1);
            out.replace_range(start..end.max(start), "");
        }
        // a multi-byte character swapped for one with the same first byte (the
        // texts' common prefix then ends inside a character)
        3 => {
            out = match out.find('组') {
                Some(i) if len % 2 == 0 => format!("{}纪{}", &out[..i], &out[i + '组'.len_utf8()..]),
                _ => out.replacen('纪', "组", 1),
            };
        }
        // a line deleted, or repeated
        4 => match len % 2 {
            0 => out.replace_range(line_start..line_end, ""),
            _ => out.insert_str(line_start, &text[line_start..line_end]),
        },
        // a new declaration line
        _ => out.insert_str(line_start, INSERTS.get(10 + usize::from(len) % 4).copied().unwrap_or("")),
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_reused_parse_is_the_parse_of_the_text(
        fixture in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<u8>(), any::<u16>(), any::<u8>()), 1..8),
    ) {
        let limits = Limits::default();
        let fixtures = fixtures();
        let mut text = fixture.get(fixtures).clone();
        let (module, diagnostics) = parse_source(FileId(0), &text, &limits);
        let mut last = diagnostics.is_empty().then(|| LastParse { text: Arc::from(text.as_str()), module });
        for edit in edits {
            text = apply(&text, edit);
            let whole = parse_source(FileId(0), &text, &limits);
            let Some(previous) = last.take() else {
                last = whole.1.is_empty().then(|| LastParse { text: Arc::from(text.as_str()), module: whole.0 });
                continue;
            };
            let reused = reparse_source(FileId(0), &text, &limits, previous);
            prop_assert_eq!(shown(&reused.0, &reused.1), shown(&whole.0, &whole.1), "after editing to:\n{}", text);
            last = reused.1.is_empty().then(|| LastParse { text: Arc::from(text.as_str()), module: reused.0 });
        }
    }
}

/// The property test's edits do reuse trees: a fixed run of them on the
/// generated policy reuses most declarations.
#[test]
fn random_edits_reuse_most_declarations() {
    let limits = Limits::default();
    let original = generated(120);
    let mut text = original.clone();
    let mut last = None;
    let (mut reparsed, mut declarations) = (0, 0);
    let mut seed = 0x2545_f491_u32;
    for _ in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let [a, b, c, d] = seed.to_le_bytes();
        // mostly edits that keep the policy parsing: a space, a character of a
        // string changed, a line deleted or repeated
        let (kind, len) = match a % 8 {
            0..=2 => (0, 0),
            3 | 4 => (3, d),
            5 | 6 => (4, d),
            _ => (a, d),
        };
        text = apply(&text, (kind, u16::from_le_bytes([b, c]), len));
        let before = REUSED.with(std::cell::Cell::get);
        let (module, diagnostics) = match last.take() {
            Some(previous) => {
                reparsed += 1;
                reparse_source(FileId(0), &text, &limits, previous)
            }
            None => parse_source(FileId(0), &text, &limits),
        };
        let whole = parse_source(FileId(0), &text, &limits);
        assert_eq!(shown(&module, &diagnostics), shown(&whole.0, &whole.1));
        if before != REUSED.with(std::cell::Cell::get) {
            declarations += module.items.len();
        }
        last = diagnostics.is_empty().then(|| LastParse { text: Arc::from(text.as_str()), module });
        if last.is_none() && seed % 4 == 0 {
            // back to a policy that parses, now and then
            text = original.clone();
        }
    }
    let reused = REUSED.with(std::cell::Cell::get);
    assert!(reparsed > 50, "{reparsed} of 200 edits left a clean parse to reuse");
    assert!(reused * 10 > declarations * 8, "{reused} declarations reused of {declarations}");
}

#[test]
fn an_edit_inside_one_declaration_reuses_the_others() {
    let limits = Limits::default();
    let text = generated(40);
    let (module, diagnostics) = parse_source(FileId(0), &text, &limits);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let at = text.find("R0025").unwrap_or(0);
    let mut edited = text.clone();
    edited.insert(at, 'X');
    let pieces = module.items.len();
    let last = LastParse { text: Arc::from(text.as_str()), module };
    let before = REUSED.with(std::cell::Cell::get);
    let reused = reparse_source(FileId(0), &edited, &limits, last);
    // the policy header, the record, the input and every group but the edited one
    assert_eq!(REUSED.with(std::cell::Cell::get) - before, pieces - 1);
    let whole = parse_source(FileId(0), &edited, &limits);
    assert_eq!(shown(&reused.0, &reused.1), shown(&whole.0, &whole.1));
    // the group after the edit moved by one byte
    let last_group = reused.0.items.last().map(|i| i.span().start);
    let before = parse_source(FileId(0), &text, &limits).0.items.last().map(|i| i.span().start + 1);
    assert_eq!(last_group, before);
}

#[test]
fn a_different_file_or_a_broken_last_parse_is_not_reused() {
    let limits = Limits::default();
    let text = generated(20);
    let (module, _) = parse_source(FileId(0), &text, &limits);
    let edited = text.replacen("R0003", "R0103", 1);
    let last = LastParse { text: Arc::from(text.as_str()), module: module.clone() };
    let (other, _) = reparse_source(FileId(1), &edited, &limits, last);
    assert_eq!(other.file, FileId(1));
    assert!(other.items.iter().all(|i| i.span().file == FileId(1)));
    let mut broken = module;
    broken.broken.declared.push("R0000".into());
    let last = LastParse { text: Arc::from(text.as_str()), module: broken };
    let (reparsed, _) = reparse_source(FileId(0), &edited, &limits, last);
    assert!(reparsed.broken.declared.is_empty());
}
