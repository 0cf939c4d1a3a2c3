//! The human renderer draws any span of any text: it never panics (a column
//! past 65,535 once made miette panic), never sends a control character to the
//! terminal, keeps source lines within the width, and its `file:line:column`
//! header counts characters, like the JSON diagnostics.

use polc::{render_human, render_json, Diagnostic, MemoryLoader, RenderOptions, SourceMap};
use polc_core::base::codes::Code;
use polc_core::base::source::{FileId, SourceFile, Span};
use proptest::prelude::*;
use std::path::Path;

const PLAIN: RenderOptions = RenderOptions { color: false, width: 100 };

fn one_file(name: &str, text: &str) -> (SourceMap, FileId) {
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(name.into(), name.to_string(), text.to_string()));
    (sources, id)
}

/// A diagnostic with a primary label on `primary` and secondary ones on `others`.
fn labelled(file: FileId, primary: (usize, usize), others: &[(usize, usize)]) -> Diagnostic {
    let mut d = Diagnostic::error(Code::T0201, "something is wrong").at(Span::new(file, primary.0, primary.1), "here");
    for &(start, end) in others {
        d = d.also(Span::new(file, start, end), "and here");
    }
    d
}

/// The `line:column` of each `╭─[name:line:column]` header (one per snippet).
fn headers(rendered: &str) -> Vec<(usize, usize)> {
    rendered
        .split("╭─[")
        .skip(1)
        .filter_map(|s| {
            let mut parts = s.split(']').next()?.rsplitn(3, ':');
            let column = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            Some((line, column))
        })
        .collect()
}

/// The header of a rendering with one snippet.
fn header(rendered: &str) -> Option<(usize, usize)> {
    headers(rendered).first().copied()
}

/// Columns a terminal gives the characters these tests use.
fn columns(line: &str) -> usize {
    line.chars()
        .map(|c| match c {
            '\u{300}'..='\u{36f}' => 0,
            '\u{1100}'..='\u{115f}' | '\u{2e80}'..='\u{a4cf}' | '\u{ac00}'..='\u{d7a3}' | '\u{ff00}'..='\u{ff60}' => 2,
            _ => 1,
        })
        .sum()
}

/// The lines of a rendering that show source text (` 12 │ …`).
fn source_lines(rendered: &str) -> impl Iterator<Item = &str> {
    rendered.lines().filter(|l| {
        let t = l.trim_start();
        t.split_once(" │").is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn assert_terminal_safe(rendered: &str) {
    let bad: Vec<char> = rendered
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    assert!(bad.is_empty(), "unescaped characters {bad:?} in\n{rendered}");
}

#[test]
fn a_label_past_column_65535_is_drawn_in_a_window_of_its_line() {
    // one 1 MB line, the problem at its end: miette panicked past 65,535 columns
    let elements: Vec<String> = (0..150_000).map(|i| i.to_string()).collect();
    let text = format!(
        "policy t version \"1\"\nrecord A {{ age: Int }}\ninput a: A\nrule A01 decline when a.age in {{{}}} and a.nope\n",
        elements.join(", ")
    );
    assert!(text.len() > 1_000_000);
    let compiled = polc::compile_source(Path::new("long.pol"), &text, &MemoryLoader::new());
    let d = compiled.diagnostics.first().cloned().unwrap_or_else(|| Diagnostic::error(Code::T0201, "no diagnostic"));
    let rendered = render_human(&d, &compiled.sources, PLAIN);
    let json = render_json(&d, &compiled.sources);
    let column = json["column"].as_u64().unwrap_or(0) as usize;
    assert!(column > 1_000_000, "{json}");
    assert_eq!(header(&rendered), Some((4, column)), "{rendered}");
    assert!(rendered.contains("nope"), "the window shows the span:\n{rendered}");
    assert!(rendered.contains('…'), "the window is marked as cut:\n{rendered}");
    for line in source_lines(&rendered) {
        assert!(columns(line) <= 100, "line wider than the terminal: {line}");
    }
    assert!(rendered.len() < 2_000, "{} bytes for one diagnostic", rendered.len());
}

#[test]
fn the_header_column_counts_characters_like_json() {
    let text = "policy t version \"1\"\nrecord A { age: Int }\ninput a: A\nrule A01 \"资金方不在可合作范围\" decline when a.nope\n";
    let compiled = polc::compile_source(Path::new("cjk.pol"), text, &MemoryLoader::new());
    let d = compiled.diagnostics.first().cloned().unwrap_or_else(|| Diagnostic::error(Code::T0201, "no diagnostic"));
    let json = render_json(&d, &compiled.sources);
    let from_json = (json["line"].as_u64().unwrap_or(0) as usize, json["column"].as_u64().unwrap_or(0) as usize);
    let rendered = render_human(&d, &compiled.sources, PLAIN);
    assert_eq!(from_json, (4, 38), "{json}");
    assert_eq!(header(&rendered), Some(from_json), "{rendered}");
}

#[test]
fn control_characters_from_the_input_are_escaped() {
    let text = "let s = \"\u{1b}[2J\u{1b}[31mred\u{7}\"\r\nlet t = \"\u{202e}evil\"\r\n";
    let (sources, file) = one_file("x\u{1b}]0;title\u{7}.pol", text);
    let d = Diagnostic::error(Code::T0201, "unknown value `\u{1b}[31mred`")
        .at(Span::new(file, 8, 24), "the string `\u{1b}[2J`")
        .also(Span::new(file, 35, 43), "reversed \u{202e} here")
        .help("write it without `\u{1b}`\nor `\u{9b}`");
    let rendered = render_human(&d, &sources, PLAIN);
    assert_terminal_safe(&rendered);
    assert!(rendered.contains("unknown value `\\u{1b}[31mred`"), "{rendered}");
    assert!(rendered.contains("\\u{1b}[2J\\u{1b}[31mred\\u{7}"), "the source line is escaped:\n{rendered}");
    assert!(rendered.contains("\\u{202e}evil"), "{rendered}");
    assert!(rendered.contains("x\\u{1b}]0;title\\u{7}.pol:1:9"), "{rendered}");
    let coloured = render_human(&d, &sources, RenderOptions { color: true, width: 100 });
    // colours are miette's own escape sequences; none comes from the input
    assert!(!coloured.contains("\u{1b}[2J") && !coloured.contains("\u{1b}]0;"), "{coloured}");
}

#[test]
fn a_label_at_the_end_of_a_file_without_a_final_line_feed_is_drawn() {
    let (sources, file) = one_file("t.pol", "let x = 1 +");
    let rendered = render_human(&labelled(file, (11, 11), &[]), &sources, PLAIN);
    assert_eq!(header(&rendered), Some((1, 12)), "{rendered}");
    assert!(rendered.contains('▲') && rendered.contains("here"), "{rendered}");
}

#[test]
fn an_empty_file_and_spans_outside_the_text_render() {
    let (sources, file) = one_file("empty.pol", "");
    let rendered = render_human(&labelled(file, (0, 0), &[(5, 2), (u32::MAX as usize, 0)]), &sources, PLAIN);
    assert_eq!(headers(&rendered), [(1, 1)], "{rendered}");
    let (sources, file) = one_file("t.pol", "信用保证\n");
    // inside a character, reversed, past the end
    for span in [(1, 2), (7, 3), (4, 99), (99, 120)] {
        let rendered = render_human(&labelled(file, span, &[]), &sources, PLAIN);
        assert!(header(&rendered).is_some(), "{span:?}:\n{rendered}");
        let json = render_json(&labelled(file, span, &[]), &sources);
        let from_json = (json["line"].as_u64().unwrap_or(0) as usize, json["column"].as_u64().unwrap_or(0) as usize);
        assert_eq!(header(&rendered), Some(from_json), "{span:?}:\n{rendered}");
    }
}

#[test]
fn a_message_quoting_a_huge_name_is_shortened_in_the_middle() {
    let name = "a".repeat(1_000_000);
    let text =
        format!("policy t version \"1\"\nrecord A {{ age: Int }}\ninput x: A\nrule A01 decline when {name}b > 1\n");
    let compiled = polc::compile_source(Path::new("long.pol"), &text, &MemoryLoader::new());
    let d = compiled.diagnostics.first().cloned().unwrap_or_else(|| Diagnostic::error(Code::T0201, "no diagnostic"));
    assert!(d.message.len() > 1_000_000, "the diagnostic itself keeps it: {}", d.message.len());
    let rendered = render_human(&d, &compiled.sources, PLAIN);
    assert!(rendered.len() < 4_000, "{} bytes", rendered.len());
    assert!(rendered.contains("ab`") && rendered.contains(" … "), "{rendered}");
}

#[test]
fn a_terminal_too_narrow_still_gets_whole_words() {
    let (sources, file) = one_file("t.pol", "let x = 1\n");
    for width in [0, 1, 5] {
        let rendered = render_human(&labelled(file, (4, 5), &[]), &sources, RenderOptions { color: false, width });
        assert!(rendered.contains("something is wrong"), "width {width}:\n{rendered}");
    }
}

#[test]
fn a_label_over_many_lines_is_shown_on_its_first_line() {
    let text: String = (0..500).map(|i| format!("  line {i}\n")).collect();
    let text = format!("group g {{\n{text}}}\n");
    let (sources, file) = one_file("t.pol", &text);
    let rendered = render_human(&labelled(file, (0, text.len() - 1), &[]), &sources, PLAIN);
    assert!(source_lines(&rendered).count() <= 3, "{rendered}");
    assert!(rendered.contains("group g {"), "{rendered}");
}

#[test]
fn labels_far_apart_get_a_snippet_each() {
    let text: String = (1..=300).map(|i| format!("let x{i} = {i}\n")).collect();
    let second = text.find("let x250").unwrap_or(0);
    let (sources, file) = one_file("t.pol", &text);
    let rendered = render_human(&labelled(file, (4, 6), &[(second + 4, second + 8)]), &sources, PLAIN);
    assert_eq!(rendered.matches("╭─[").count(), 2, "{rendered}");
    assert!(source_lines(&rendered).count() <= 6, "{rendered}");
}

#[test]
fn tabs_crlf_wide_and_combining_characters_line_up() {
    let text = "policy t version \"1\"\r\n\tlet 资金 = \"é\u{301}\" +\tnope\r\nlet y = 1\r\n";
    let (sources, file) = one_file("t.pol", text);
    let nope = text.find("nope").unwrap_or(0);
    let name = text.find("资金").unwrap_or(0);
    let rendered = render_human(&labelled(file, (nope, nope + 4), &[(name, name + 6)]), &sources, PLAIN);
    assert_eq!(header(&rendered), Some((2, 18)), "{rendered}");
    insta::assert_snapshot!(rendered);
}

/// Text made of what trips renderers: line ends of both kinds, tabs, wide,
/// combining and control characters, and long runs.
fn tricky_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("a".to_string()),
        Just(" ".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\t".to_string()),
        Just("信用".to_string()),
        Just("e\u{301}".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\u{202e}".to_string()),
        Just("😀".to_string()),
        (1usize..3000).prop_map(|n| "x".repeat(n)),
        (1usize..200).prop_map(|n| "保".repeat(n)),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_span_of_any_text_renders_safely(
        text in tricky_text(),
        spans in proptest::collection::vec((0usize..12_000, 0usize..12_000), 1..4),
        width in 0usize..300,
    ) {
        let (sources, file) = one_file("t.pol", &text);
        let (first, rest) = spans.split_first().map_or(((0, 0), &[][..]), |(f, r)| (*f, r));
        let d = labelled(file, first, rest);
        let rendered = render_human(&d, &sources, RenderOptions { color: false, width });
        assert_terminal_safe(&rendered);
        let json = render_json(&d, &sources);
        let from_json = (json["line"].as_u64().unwrap_or(0) as usize, json["column"].as_u64().unwrap_or(0) as usize);
        // miette orders the snippets by place: the primary's is one of them
        prop_assert!(headers(&rendered).contains(&from_json), "{:?} not in\n{}", from_json, rendered);
        if width >= 60 {
            for line in source_lines(&rendered) {
                prop_assert!(columns(line) <= width, "wider than {}: {}\n{}", width, line, rendered);
            }
        }
    }
}
