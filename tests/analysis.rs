//! The front end for editors (`polc::analyze`): every definition, the
//! definition each use resolves to, each expression's type by span, across
//! `use`d files and unsaved buffers, in files with errors too; positions in
//! UTF-16 units; and the same diagnostics as `compile`, never a panic.

mod common;

use polc::{Analysis, CompileOptions, DefKind, FileId, FsLoader, LineCol, MemoryLoader};
use std::path::{Path, PathBuf};

fn analyze_text(text: &str) -> Analysis {
    polc::analyze_source(Path::new("p.pol"), text, &MemoryLoader::new(), &CompileOptions::default())
}

fn shipped(name: &str) -> (PathBuf, String) {
    common::at_workspace_root();
    let path = PathBuf::from("policies").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(!text.is_empty(), "cannot read {}", path.display());
    (path, text)
}

/// The offset of the `nth` (from 0) occurrence of `needle` in `text`, plus `within`.
fn at(text: &str, needle: &str, nth: usize, within: usize) -> usize {
    let found = text.match_indices(needle).nth(nth).map(|(i, _)| i);
    assert!(found.is_some(), "`{needle}` #{nth} is not in the text");
    found.unwrap_or(0) + within
}

/// The kind and name of the definition named at `offset` of file 0, and its file.
fn named(analysis: &Analysis, offset: usize) -> Option<(DefKind, String, FileId)> {
    let def = analysis.index.definition_at(FileId(0), offset)?;
    analysis.index.definition(def).map(|d| (d.kind, d.name.clone(), d.span.file))
}

fn hover_text(analysis: &Analysis, offset: usize) -> Option<String> {
    analysis.index.hover_at(FileId(0), offset).map(|h| h.text)
}

fn type_at(analysis: &Analysis, offset: usize) -> Option<String> {
    analysis.index.type_at(FileId(0), offset).map(|t| t.ty)
}

#[test]
fn the_reference_policy_resolves_every_kind_of_use() {
    let (path, text) = shipped("consumer_loan.pol");
    let analysis = polc::analyze_source(&path, &text, &FsLoader, &CompileOptions::default());
    assert!(analysis.diagnostics.is_empty(), "{:?}", analysis.diagnostics);
    let common = analysis.sources.find(Path::new("policies/common.pol"));
    assert!(common.is_some(), "common.pol is loaded");
    let def = |offset| named(&analysis, offset);
    let local = |kind, name: &str| Some((kind, name.to_string(), FileId(0)));
    let shared = |kind, name: &str| Some((kind, name.to_string(), common.unwrap_or_default()));

    // names in expressions: a let, the input, a list and a const from common.pol
    let dti_use = at(&text, "dti <= 50%", 0, 1);
    assert_eq!(def(dti_use), local(DefKind::Let, "dti"));
    assert_eq!(hover_text(&analysis, dti_use).as_deref(), Some("let dti: Decimal"));
    assert_eq!(def(at(&text, "applicant.is_student", 0, 3)), local(DefKind::Input, "applicant"));
    assert_eq!(def(at(&text, "in fraud_ids", 0, 5)), shared(DefKind::List, "fraud_ids"));
    assert_eq!(def(at(&text, "in eligible_funders", 0, 5)), shared(DefKind::Const, "eligible_funders"));
    // a field access, at each step of the chain, with the type of each step
    let chain = at(&text, "applicant.loan.funder in", 0, 0);
    assert_eq!(def(chain + 11), local(DefKind::Field, "loan"));
    assert_eq!(type_at(&analysis, chain + 11).as_deref(), Some("Loan"));
    assert_eq!(def(chain + 16), local(DefKind::Field, "funder"));
    assert_eq!(type_at(&analysis, chain + 16).as_deref(), Some("Funder"));
    assert_eq!(type_at(&analysis, chain + 22).as_deref(), Some("Bool"), "on `in`: the membership test");
    assert_eq!(hover_text(&analysis, chain + 16).as_deref(), Some("field funder: Funder"));
    // type names, bare variants, and the variant a `level` block names
    assert_eq!(def(at(&text, "funder: Funder", 0, 9)), shared(DefKind::Enum, "Funder"));
    assert_eq!(def(at(&text, "loan: Loan", 0, 7)), local(DefKind::Record, "Loan"));
    assert_eq!(def(at(&text, "{consumer_loan, auto_loan}", 0, 3)), local(DefKind::Variant, "consumer_loan"));
    assert_eq!(def(at(&text, "level city {", 0, 7)), shared(DefKind::Variant, "city"));
    // levels: `above`, `refer to` in a test, `approve at`
    assert_eq!(def(at(&text, "above city", 0, 7)), local(DefKind::Level, "city"));
    assert_eq!(def(at(&text, "refer to provincial [E01]", 0, 10)), local(DefKind::Level, "provincial"));
    assert_eq!(def(at(&text, "approve at city", 0, 12)), local(DefKind::Level, "city"));
    // reason codes in a test's `[CODES]`, the fixture, a `with` key and a dotted one
    assert_eq!(def(at(&text, "[A01]", 0, 1)), local(DefKind::Rule, "A01"));
    assert_eq!(def(at(&text, "[E01, R04]", 0, 1)), local(DefKind::Escalation, "E01"));
    assert_eq!(def(at(&text, "[E01, R04]", 0, 7)), local(DefKind::Rule, "R04"));
    assert_eq!(def(at(&text, "= clean with", 0, 2)), local(DefKind::Fixture, "clean"));
    assert_eq!(def(at(&text, "with { birth_date", 0, 7)), local(DefKind::Field, "birth_date"));
    assert_eq!(def(at(&text, "loan.funder: p2p", 0, 6)), local(DefKind::Field, "funder"));
    assert_eq!(def(at(&text, "funder: p2p_platform", 0, 9)), shared(DefKind::Variant, "p2p_platform"));
    assert_eq!(def(at(&text, "given applicant", 0, 7)), local(DefKind::Input, "applicant"));
    // a definition's own name, and nothing in a comment or between declarations
    assert_eq!(def(at(&text, "let age", 0, 5)), local(DefKind::Let, "age"));
    assert_eq!(def(at(&text, "group fraud", 0, 7)), local(DefKind::Group, "fraud"));
    assert_eq!(def(at(&text, "Money / Money", 0, 2)), None);
    assert_eq!(analysis.index.hover_at(FileId(0), at(&text, "// ----", 0, 3)), None);
}

#[test]
fn definitions_carry_their_detail() {
    let (path, text) = shipped("consumer_loan.pol");
    let analysis = polc::analyze_source(&path, &text, &FsLoader, &CompileOptions::default());
    let signature = |kind: DefKind, name: &str| {
        let def = analysis.index.definitions().iter().find(|d| d.kind == kind && d.name == name);
        def.map(polc::Definition::signature).unwrap_or_default()
    };
    assert_eq!(signature(DefKind::Let, "age"), "let age: Int");
    assert_eq!(signature(DefKind::Field, "amount"), "field amount: Money");
    assert_eq!(signature(DefKind::Field, "device_id"), "field device_id: String?");
    assert_eq!(signature(DefKind::Input, "applicant"), "input applicant: Applicant");
    assert_eq!(signature(DefKind::List, "bad_devices"), "list bad_devices: set<String> from \"lists/bad_devices.txt\"");
    assert_eq!(signature(DefKind::Rule, "R04"), "rule R04 \"信用评分550至619需复核\" (refer)");
    assert_eq!(signature(DefKind::Rule, "A03"), "rule A03 \"负债收入比超过50%\" (decline, unless)");
    let governance = |name: &str| {
        let def = analysis.index.definitions().iter().find(|d| d.kind == DefKind::Rule && d.name == name);
        def.map(|d| d.governance.clone()).unwrap_or_default()
    };
    assert_eq!(governance("A03"), "  basis industry \"行业惯例：月还款额不超过月收入的50%\"");
    assert_eq!(signature(DefKind::Escalation, "E01"), "escalate E01 \"超出本级授权\" (over applicant.branch_level)");
    assert_eq!(
        signature(DefKind::Enum, "Product"),
        "enum Product { consumer_loan, auto_loan, micro_business_loan, mortgage_loan }"
    );
    assert_eq!(signature(DefKind::Variant, "auto_loan"), "variant auto_loan of Product");
    assert_eq!(signature(DefKind::Group, "admission"), "group admission \"准入标准\" (9 rules)");
    assert_eq!(
        signature(DefKind::Level, "head_office"),
        "level head_office above provincial; applicant.loan.amount <= 5_000_000 CNY; applicant.loan.premium_rate in 1% ..= 10%"
    );
    assert_eq!(signature(DefKind::Level, "committee"), "level committee above head_office; no limits");
    assert_eq!(signature(DefKind::Test, "a minor is declined"), "test \"a minor is declined\": expect decline [A01]");
    assert!(signature(DefKind::Const, "eligible_funders").starts_with("const eligible_funders: set<Funder> = { bank, "));
    assert!(signature(DefKind::Policy, "consumer_loan").contains("version \"2026.11\""));
    // the members of a record, an enum and a group; a field's type definition
    let find = |kind: DefKind, name: &str| {
        let found = analysis.index.definitions().iter().position(|d| d.kind == kind && d.name == name);
        polc::DefId(found.unwrap_or(usize::MAX) as u32)
    };
    let names = |def| -> Vec<String> {
        analysis
            .index
            .members(def)
            .iter()
            .filter_map(|m| analysis.index.definition(*m))
            .map(|d| d.name.clone())
            .collect()
    };
    assert_eq!(
        names(find(DefKind::Record, "Loan")),
        ["product", "amount", "term_months", "funder", "transfer_count", "premium_rate"]
    );
    assert_eq!(names(find(DefKind::Group, "fraud")), ["F01", "F02", "F03"]);
    assert_eq!(names(find(DefKind::Enum, "Level")), ["city", "provincial", "head_office", "committee"]);
    let loan = analysis.index.definition(find(DefKind::Field, "loan")).and_then(|d| d.type_def);
    assert_eq!(loan, Some(find(DefKind::Record, "Loan")));
    let input = analysis.index.definition(find(DefKind::Input, "applicant")).and_then(|d| d.type_def);
    assert_eq!(input, Some(find(DefKind::Record, "Applicant")));
}

#[test]
fn references_of_a_definition_are_every_use_across_files() {
    let (path, text) = shipped("consumer_loan.pol");
    let analysis = polc::analyze_source(&path, &text, &FsLoader, &CompileOptions::default());
    let index = &analysis.index;
    let of = |offset| index.definition_at(FileId(0), offset).map(|d| index.references_of(d)).unwrap_or_default();
    // `dti`: declared once, used once
    let dti = of(at(&text, "let dti", 0, 5));
    assert_eq!(dti.len(), 1);
    assert_eq!(analysis.sources.snippet(dti[0]), "dti");
    // `city` the level: `above city` and every test expecting it
    let city_uses =
        text.matches("above city").count() + text.matches("at city").count() + text.matches("to city").count();
    assert_eq!(of(at(&text, "above city", 0, 7)).len(), city_uses);
    // the variant `city` (declared in common.pol): the level block, `branch_level: city`, …
    let variant = of(at(&text, "level city", 0, 7));
    assert!(variant.iter().all(|s| analysis.sources.snippet(*s) == "city"));
    assert_eq!(variant.len(), 1 + text.matches("branch_level: city").count());
    // a field used in rules, limits and test records alike
    let amount = of(at(&text, "amount: Money", 0, 0));
    assert_eq!(amount.len(), text.matches("loan.amount").count() + text.matches(" amount: ").count() - 1);
    // every reference's span is the name it uses
    for reference in index.references() {
        let def = index.definition(reference.def).map(|d| d.name.as_str());
        let written = analysis.sources.snippet(reference.span);
        assert_eq!(Some(written), def, "at {:?}", reference.span);
    }
}

#[test]
fn a_policy_with_errors_still_answers() {
    let text = "policy p version \"1\"\n\
                record A { id: String, score: Int, income: Money, tags: list<String> }\n\
                input a: A\n\
                let ratio = a.score * 2\n\
                rule T01 \"type error\" decline when a.income > 100 and ratio > 3\n\
                rule T02 \"syntax error\" decline when a.score < \n\
                rule T03 \"unknown field\" refer when a.scor > 1 or a.score > 2\n\
                rule T04 \"fine\" decline when any(a.tags, t => t == \"x\")\n";
    let analysis = analyze_text(text);
    let codes: Vec<&str> = analysis.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["T0202", "P0001", "N0105"]);
    // T01 has a type error on its left; its names resolve and its right is typed
    assert_eq!(named(&analysis, at(text, "a.income > 100", 0, 3)).map(|d| d.1).as_deref(), Some("income"));
    assert_eq!(type_at(&analysis, at(text, "a.income > 100", 0, 3)).as_deref(), Some("Money"));
    assert_eq!(named(&analysis, at(text, "ratio > 3", 0, 0)).map(|d| d.0), Some(DefKind::Let));
    assert_eq!(type_at(&analysis, at(text, "ratio > 3", 0, 7)).as_deref(), Some("Bool"));
    assert_eq!(hover_text(&analysis, at(text, "ratio > 3", 0, 0)).as_deref(), Some("let ratio: Int"));
    // T02 did not parse: only its code is known, the rules around it are whole
    assert_eq!(hover_text(&analysis, at(text, "T02", 0, 0)).as_deref(), Some("rule T02 (does not parse)"));
    assert_eq!(type_at(&analysis, at(text, "a.score < \n", 0, 3)), None);
    assert_eq!(named(&analysis, at(text, "T03", 0, 0)).map(|d| d.0), Some(DefKind::Rule));
    // T03: the unknown field is nothing, its neighbours resolve
    assert_eq!(named(&analysis, at(text, "a.scor >", 0, 3)), None);
    assert_eq!(named(&analysis, at(text, "a.score > 2", 0, 3)).map(|d| d.1).as_deref(), Some("score"));
    assert_eq!(type_at(&analysis, at(text, "a.score > 2", 0, 10)).as_deref(), Some("Int"));
    // a lambda parameter is a definition of its own
    let use_of_t = at(text, "t == ", 0, 0);
    assert_eq!(named(&analysis, use_of_t).map(|d| (d.0, d.1)), Some((DefKind::Parameter, "t".to_string())));
    assert_eq!(hover_text(&analysis, use_of_t).as_deref(), Some("parameter t: String"));
    let param = analysis.index.definition_at(FileId(0), at(text, "t =>", 0, 0));
    assert_eq!(param, analysis.index.definition_at(FileId(0), use_of_t));
}

#[test]
fn what_a_declaration_that_does_not_parse_declares_is_still_a_definition() {
    let text = "policy p version \"1\"\nrecord A { id: String, score: Int, student: Bool }\ninput a: A\n\
                let minor = a.score <\n\
                rule A01 decline when minor\n\
                group g {\n  rule A02 decline when a.score < 550\n  rule A03 decline when a.student ==\n}\n\
                fixture base = { id: }\n\
                test \"t\" {\n  given a = base with { student: true }\n  expect decline [A03]\n}\n";
    let analysis = analyze_text(text);
    let codes: Vec<&str> = analysis.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["P0001", "P0001", "P0001"]);
    let minor = at(text, "when minor", 0, 5);
    assert_eq!(named(&analysis, minor).map(|d| (d.0, d.1)), Some((DefKind::Let, "minor".to_string())));
    assert_eq!(hover_text(&analysis, minor).as_deref(), Some("let minor (does not parse)"));
    let declared = analysis.index.definition_at(FileId(0), minor).and_then(|d| analysis.index.definition(d));
    assert_eq!(declared.map(|d| d.span.start as usize), Some(at(text, "let minor", 0, 4)));
    assert_eq!(named(&analysis, at(text, "[A03]", 0, 1)).map(|d| d.0), Some(DefKind::Rule));
    assert_eq!(named(&analysis, at(text, "base with", 0, 0)).map(|d| d.0), Some(DefKind::Fixture));
    // the rule that parsed in the same group is whole
    assert_eq!(type_at(&analysis, at(text, "a.score < 550", 0, 3)).as_deref(), Some("Int"));
}

#[test]
fn uses_in_a_rule_with_a_type_error_keep_their_definitions() {
    // the comparison fails as a whole (Money with a bare number); the let and
    // field under it are still found, and the operands have their types
    let text = "policy p version \"1\"\nrecord A { id: String, income: Money, debt: Money }\ninput a: A\n\
                let dti = a.debt / a.income\nrule R1 decline when a.income + dti * 2 > 5\n";
    let analysis = analyze_text(text);
    assert!(analysis.has_errors());
    let rule = at(text, "a.income + dti", 0, 0);
    assert_eq!(named(&analysis, rule + 2).map(|d| d.1).as_deref(), Some("income"));
    assert_eq!(named(&analysis, rule + 11).map(|d| d.0), Some(DefKind::Let));
    assert_eq!(type_at(&analysis, rule + 17).as_deref(), Some("Int"), "the literal `2`");
    assert_eq!(type_at(&analysis, rule + 15).as_deref(), Some("Decimal"), "`dti * 2`");
}

#[test]
fn an_analysis_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync + Clone>(_: &T) {}
    let (path, text) = shipped("consumer_loan.pol");
    let analysis = polc::analyze_source(&path, &text, &FsLoader, &CompileOptions::default());
    shareable(&analysis);
    // a used file is found by its path, `.` and `..` or not
    assert!(analysis.sources.find(Path::new("policies/./lists/../common.pol")).is_some());
}

#[test]
fn an_unsaved_buffer_stands_in_for_its_file() {
    let (path, text) = shipped("consumer_loan.pol");
    // the shared file changed in the editor, not on disk: `Level` loses `committee`
    let (common_path, common) = shipped("common.pol");
    let edited = common.replace("head_office, committee }", "head_office }");
    let overlays = vec![(common_path.clone(), edited)];
    let analysis = polc::analyze_overlaid(&path, &FsLoader, &overlays, &CompileOptions::default());
    let codes: Vec<&str> = analysis.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"A0303"), "`level committee` is now unknown: {codes:?}");
    // and the root itself may be a buffer that exists nowhere else
    let unsaved = text.replace("let dti", "let debt_to_income").replace("dti <= 50%", "debt_to_income <= 50%");
    let overlays = vec![(path.clone(), unsaved.clone())];
    let analysis = polc::analyze_overlaid(
        &path,
        &MemoryLoader::new().with(common_path, common),
        &overlays,
        &CompileOptions::default(),
    );
    assert!(analysis.diagnostics.is_empty(), "{:?}", analysis.diagnostics);
    let offset = at(&unsaved, "debt_to_income <= 50%", 0, 0);
    assert_eq!(named(&analysis, offset).map(|d| d.1).as_deref(), Some("debt_to_income"));
}

#[test]
fn editor_positions_in_utf16_units_find_the_same_places() {
    // a Chinese message and an emoji before the name on the same line
    let text = "policy p version \"1\"\nrecord A { id: String, score: Int }\ninput a: A\n\
                rule R1 \"信用评分😀\" decline when a.score < 1\n";
    let analysis = analyze_text(text);
    let lines = analysis.sources.get(FileId(0)).map(|f| f.lines().clone());
    let Some(lines) = lines else { panic!("no file") };
    let score = at(text, "a.score < 1", 0, 2);
    let position = lines.line_col_utf16(score);
    // what an LSP client sends for that place: 0-based line, UTF-16 character
    let line = text[..score].matches('\n').count();
    let before: String = text[..score].rsplit('\n').next().unwrap_or("").to_string();
    assert_eq!(position, LineCol { line: line + 1, column: before.encode_utf16().count() + 1 });
    let offset = lines.offset_utf16(position);
    assert_eq!(offset, score);
    assert_eq!(named(&analysis, offset).map(|d| d.1).as_deref(), Some("score"));
    // characters (what people and JSON diagnostics count) are fewer than UTF-16 units here
    assert_eq!(lines.line_col(score).column + 1, position.column);
}

#[test]
fn a_policy_too_large_to_check_still_lists_its_definitions() {
    let text =
        "policy p version \"1\"\nrecord A { id: String, score: Int }\ninput a: A\nlet x = a.score\nlet y = a.score\n";
    let options =
        CompileOptions { limits: polc::Limits { max_declarations: 4, ..Default::default() }, ..Default::default() };
    let analysis = polc::analyze_source(Path::new("p.pol"), text, &MemoryLoader::new(), &options);
    let compilation = polc::compile_source_with(Path::new("p.pol"), text, &MemoryLoader::new(), &options);
    assert_eq!(analysis.diagnostics, compilation.diagnostics);
    let names: Vec<&str> = analysis.index.definitions().iter().map(|d| d.name.as_str()).collect();
    // the declaration past the limit too: it parsed
    assert_eq!(names, ["p", "A", "id", "score", "a", "x", "y"]);
}

// ---------------------------------------------------------------- damaged input

/// Analyzes `text` as the shipped policy at `path`, asks about every offset,
/// and compares the diagnostics with `compile`'s.
fn analyze_and_ask_everywhere(path: &Path, text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
    let options = CompileOptions::default();
    let analysis = polc::analyze_source(path, text, &FsLoader, &options);
    let compilation = polc::compile_source_with(path, text, &FsLoader, &options);
    proptest::prop_assert_eq!(&analysis.diagnostics, &compilation.diagnostics);
    for (file, source) in analysis.sources.files() {
        let len = source.text.len();
        for offset in 0..=len + 1 {
            let index = &analysis.index;
            if let Some(def) = index.definition_at(file, offset) {
                proptest::prop_assert!(index.definition(def).is_some());
                if offset % 16 == 0 {
                    proptest::prop_assert!(index.references_of(def).iter().all(|s| s.start <= s.end));
                }
            }
            if let Some(ty) = index.type_at(file, offset) {
                proptest::prop_assert!(ty.span.start as usize <= offset && offset <= ty.span.end as usize);
            }
            let _ = index.hover_at(file, offset);
            let lines = source.lines();
            let back = lines.offset_utf16(lines.line_col_utf16(offset));
            proptest::prop_assert!(back <= len && source.text.is_char_boundary(back));
        }
    }
    for reference in analysis.index.references() {
        let file = analysis.sources.get(reference.span.file).map(|f| f.text.len()).unwrap_or(0);
        proptest::prop_assert!(reference.span.end as usize <= file);
    }
    Ok(())
}

/// `text` with the bytes from `at` (a fraction of its length) to `cut` bytes
/// further replaced by `insert`, both ends moved to character boundaries.
fn damaged(text: &str, at: f64, cut: usize, insert: &str) -> String {
    let mut start = (text.len() as f64 * at) as usize;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let mut end = (start + cut).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    format!("{}{insert}{}", &text[..start], &text[end..])
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

    /// The shipped policies with a piece cut out and another put in anywhere
    /// (in Chinese text too): no query panics, and the diagnostics are
    /// `compile`'s, in the same order.
    #[test]
    fn a_damaged_policy_answers_every_position(
        policy in 0usize..3, at in 0.0f64..1.0, cut in 0usize..60, insert in 0usize..16, from in 0.0f64..1.0,
    ) {
        let (path, text) = shipped(["consumer_loan.pol", "micro_business_loan.pol", "common.pol"][policy]);
        let tokens = ["", "{", "}", "(", ")", "\"", ",", "\n", "rule ", "level ", "信用", "😀", "applicant.", " and ", "x =>", "\u{FEFF}"];
        // sometimes a piece of the policy itself, moved elsewhere
        let start = text.char_indices().map(|(i, _)| i).find(|&i| i as f64 >= text.len() as f64 * from).unwrap_or(0);
        let piece: String = text[start..].chars().take(cut).collect();
        let insert = if insert == 0 { piece.as_str() } else { tokens[insert] };
        analyze_and_ask_everywhere(&path, &damaged(&text, at, cut, insert))?;
    }
}

#[test]
fn the_shipped_policies_answer_every_position() {
    for name in ["consumer_loan.pol", "micro_business_loan.pol", "common.pol"] {
        let (path, text) = shipped(name);
        if let Err(error) = analyze_and_ask_everywhere(&path, &text) {
            panic!("{name}: {error}");
        }
    }
}

/// The example of docs/embedding.md ("For editors: analysis").
#[test]
fn the_embedding_example_works_as_written() {
    let (root, text) = shipped("consumer_loan.pol");
    let buffers = vec![(root.clone(), text)];
    let analysis = polc::analyze_overlaid(&root, &FsLoader, &buffers, &CompileOptions::default());
    let Some(file) = analysis.sources.get(FileId(0)) else { panic!("no root") };
    let offset = file.lines().offset_utf16(LineCol { line: 54 + 1, column: 81 + 1 });
    let hover = analysis.index.hover_at(FileId(0), offset).map(|h| h.text);
    assert_eq!(hover.as_deref(), Some("let dti: Decimal"));
    let uses = analysis.index.definition_at(FileId(0), offset).map(|d| analysis.index.references_of(d));
    assert_eq!(uses.map(|u| u.len()), Some(1));
}

#[test]
fn a_rules_hover_shows_its_basis_and_exception() {
    let (path, text) = shipped("micro_business_loan.pol");
    let analysis = polc::analyze_source(&path, &text, &FsLoader, &CompileOptions::default());
    let hover = hover_text(&analysis, at(&text, "rule B05", 0, 5)).unwrap_or_default();
    assert!(hover.starts_with("rule B05 \"营业收入下降超过30%\" (decline)\n"), "{hover}");
    assert!(
        hover.contains("\n  basis industry \"行业惯例：营业收入降幅不超过30%\"\n  overridable by head_office"),
        "{hover}"
    );
    // the governance is the hover's, not the one-line signature's (outline, completion)
    let b05 = analysis.index.definitions().iter().find(|d| d.kind == DefKind::Rule && d.name == "B05");
    assert!(b05.is_some_and(|d| !d.signature().contains('\n')));
    // a rule with a date range
    let ranged =
        "policy p version \"1\"\ninput a: Int\nrule A01 decline when a > 1\n  effective 2026-01-01 ..< 2027-01-01\n";
    let analysis = analyze_text(ranged);
    let hover = hover_text(&analysis, at(ranged, "A01", 0, 1)).unwrap_or_default();
    assert!(hover.ends_with("\n  effective 2026-01-01 ..< 2027-01-01"), "{hover}");
}
