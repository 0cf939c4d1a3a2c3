//! `polc fmt` never changes a policy's meaning and is idempotent: over every
//! `.pol` in the repository and over generated programs.

mod common;

use polc::{FsLoader, MemoryLoader};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// The program with every span and the sources removed: what a formatting
/// change must not alter.
fn fingerprint(program: &polc_core::ir::Program) -> String {
    let p = program;
    let enums: Vec<(&String, &Vec<String>)> = p.schema.enums.iter().map(|e| (&e.name, &e.variants)).collect();
    let records: Vec<(&String, Vec<(&String, &polc_core::base::types::Type)>)> =
        p.schema.records.iter().map(|r| (&r.name, r.fields.iter().map(|f| (&f.name, &f.ty)).collect())).collect();
    let debug = format!(
        "{:?}",
        (
            &p.name,
            &p.title,
            &p.version,
            enums,
            records,
            &p.input,
            &p.lets,
            &p.lists,
            &p.rules,
            &p.authority,
            &p.codes,
            &p.tests
        ),
    ) + &format!("{:?}", (&p.scorecards, &p.reported_scores));
    strip_spans(&debug)
}

fn strip_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find('}').map_or(rest.len(), |e| e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn comment_count(text: &str) -> usize {
    text.lines().filter(|l| l.contains("//")).map(|l| l.matches("//").count()).sum()
}

/// Formats `text` (the file at `path`); checks idempotence, comments and meaning.
fn check_formatting(path: &Path, text: &str, loader: &dyn polc::Loader) -> Result<(), String> {
    let Ok(formatted) = polc_core::syntax::format::format(text) else { return Ok(()) }; // syntax errors: nothing to format
    let again = polc_core::syntax::format::format(&formatted)
        .map_err(|_| format!("{}: formatted text does not parse", path.display()))?;
    if again != formatted {
        return Err(format!(
            "{}: formatting is not idempotent\n--- once\n{formatted}\n--- twice\n{again}",
            path.display()
        ));
    }
    if comment_count(text) != comment_count(&formatted) {
        return Err(format!("{}: comments were lost\n{formatted}", path.display()));
    }
    let before = polc::compile_source(path, text, loader);
    let after = polc::compile_source(path, &formatted, loader);
    let codes = |c: &polc::Compilation| c.diagnostics.iter().map(|d| d.code.as_str()).collect::<Vec<_>>();
    if codes(&before) != codes(&after) {
        return Err(format!(
            "{}: diagnostics changed: {:?} -> {:?}\n{formatted}",
            path.display(),
            codes(&before),
            codes(&after)
        ));
    }
    match (&before.program, &after.program) {
        (Some(a), Some(b)) if fingerprint(a) != fingerprint(b) => {
            Err(format!("{}: the formatted policy compiles to a different program\n{formatted}", path.display()))
        }
        _ => Ok(()),
    }
}

fn pol_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() && !path.ends_with("target") && !path.ends_with(".git") {
            pol_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "pol") {
            out.push(path);
        }
    }
}

#[test]
fn every_policy_in_the_repository_formats_without_changing_meaning() {
    common::at_workspace_root();
    let mut files = Vec::new();
    pol_files(Path::new("policies"), &mut files);
    pol_files(Path::new("tests"), &mut files);
    pol_files(Path::new("benches"), &mut files);
    assert!(files.len() > 90, "found {} files", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            check_formatting(path, &text, &FsLoader).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_shipped_policies_are_formatted() {
    common::at_workspace_root();
    for file in ["policies/common.pol", "policies/consumer_loan.pol", "policies/micro_business_loan.pol"] {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        assert_eq!(
            polc_core::syntax::format::format(&text).ok().as_deref(),
            Some(text.as_str()),
            "{file}: run `polc fmt {file}`"
        );
    }
}

#[test]
fn formatting_normalises_layout() {
    common::at_workspace_root();
    let messy = "policy   t   version \"1\"\n// the applicant\nrecord A { age: Int, income: Money, level: Level }\n\
                 enum Level{city,committee}\ninput a : A\nlet   x=((a.age))+ 1*2  // doubled\n\
                 rule R1 \"long message\" decline when not a.age in {1,2} and (a.income>5 CNY or x<3)\n\
                 rule Z2 refer   unless a.level==city\n";
    let formatted = polc_core::syntax::format::format(messy).unwrap_or_default();
    insta::assert_snapshot!(formatted);
}

/// The funder kinds of `policies/common.pol`, each with its Chinese name.
const FUNDERS: [(&str, &str); 16] = [
    ("bank", "银行"),
    ("trust_company", "信托公司"),
    ("consumer_finance_company", "消费金融公司"),
    ("financial_leasing_company", "金融租赁公司"),
    ("wealth_management_subsidiary", "理财子公司"),
    ("finance_company", "财务公司"),
    ("loan_company", "贷款公司"),
    ("asset_management_company", "金融资产管理公司"),
    ("asset_investment_company", "金融资产投资公司"),
    ("auto_finance_company", "汽车金融公司"),
    ("microfinance_company", "小额贷款公司"),
    ("financing_leasing_company", "融资租赁公司"),
    ("commercial_factoring_company", "商业保理公司"),
    ("p2p_platform", "网络借贷平台"),
    ("individual", "个人"),
    ("guarantee_company", "融资担保公司"),
];

fn format_ok(text: &str) -> String {
    let formatted = polc_core::syntax::format::format(text).unwrap_or_default();
    let again = polc_core::syntax::format::format(&formatted).unwrap_or_default();
    assert_eq!(again, formatted, "formatting is not idempotent");
    let result = check_formatting(Path::new("t.pol"), text, &MemoryLoader::new());
    assert!(result.is_ok(), "{}", result.err().unwrap_or_default());
    formatted
}

#[test]
fn an_enum_and_a_set_keep_a_comment_on_each_element_line() {
    let variants: String = FUNDERS.iter().map(|(v, name)| format!("  {v},  // {name}\n")).collect();
    let eligible: String = FUNDERS.iter().take(13).map(|(v, name)| format!("  {v}, // {name}\n")).collect();
    let text = format!(
        "policy t version \"1\"\n\nenum Funder {{\n{variants}}}\n\n\
         // The 13 funder kinds the 2020 guideline allows (可合作资金方).\n\
         const eligible_funders: set<Funder> = {{\n{eligible}}}\n\n\
         record A {{ funder: Funder }}\ninput a: A\nrule C01 decline unless a.funder in eligible_funders\n"
    );
    let formatted = format_ok(&text);
    for (variant, name) in FUNDERS {
        let lines: Vec<&str> =
            formatted.lines().filter(|l| l.trim_start().starts_with(&format!("{variant},"))).collect();
        let expected = if FUNDERS.iter().position(|(v, _)| *v == variant) < Some(13) { 2 } else { 1 };
        assert_eq!(lines.len(), expected, "`{variant}` is not on its own line:\n{formatted}");
        for line in lines {
            assert!(line.ends_with(&format!("// {name}")), "`{variant}` lost `{name}`: {line}\n{formatted}");
        }
    }
    insta::assert_snapshot!(formatted);
}

#[test]
fn comments_between_record_entries_stay_on_their_lines() {
    let text = "policy t version \"1\"\nrecord A { age: Int, income: Money }\ninput a: A\n\
                rule R1 decline when a.age < 18\n\
                fixture base = {\n  age: 30,        // adult\n  // in yuan\n  income: 5 CNY,\n}\n\
                test \"young\" {\n  given a = base with {\n    age: 17,  // too young\n  }\n  expect decline [R1]\n}\n";
    let formatted = format_ok(text);
    assert!(formatted.contains("\n  age: 30,  // adult\n  // in yuan\n  income: 5 CNY,\n"), "{formatted}");
    assert!(formatted.contains("\n    age: 17,  // too young\n  }\n"), "{formatted}");
}

#[test]
fn long_chains_are_broken_at_the_width() {
    let terms: Vec<String> = (0..30).map(|i| format!("a.amount_{}", i % 3)).collect();
    let checks: Vec<String> = (1..=12).map(|i| format!("a.amount_{} > {i}00 CNY", i % 3)).collect();
    let text = format!(
        "policy t version \"1\"\nrecord A {{ amount_0: Money, amount_1: Money, amount_2: Money, ok: Bool }}\ninput a: A\n\
         let total = {}\nrule R1 decline when total > 1 CNY and {}\n\
         rule R2 decline when a.ok or ({})\n",
        terms.join(" + "),
        checks.join(" and "),
        checks.join(" and ")
    );
    let formatted = format_ok(&text);
    for line in formatted.lines() {
        assert!(line.chars().count() <= 100, "over the width: {line}\n{formatted}");
    }
    let continued = |prefix: &str| formatted.lines().filter(|l| l.trim_start().starts_with(prefix)).count();
    assert!(continued("+ ") >= 3, "{formatted}");
    assert!(continued("and ") >= 22, "{formatted}");
    insta::assert_snapshot!(formatted);
}

#[test]
fn parentheses_written_around_and_inside_or_are_kept() {
    let text = "policy t version \"1\"\nrecord A { age: Int, ok: Bool }\ninput a: A\n\
                rule R1 decline when (a.age > 1 and a.ok) or a.age > 90\n\
                rule R2 decline when a.age > 90 or (a.age > 1 and a.ok)\n\
                rule R3 decline when a.age > 1 and a.ok or a.age > 90\n";
    let formatted = format_ok(text);
    assert!(formatted.contains("when (a.age > 1 and a.ok) or a.age > 90\n"), "{formatted}");
    assert!(formatted.contains("when a.age > 90 or (a.age > 1 and a.ok)\n"), "{formatted}");
    assert!(formatted.contains("when a.age > 1 and a.ok or a.age > 90\n"), "{formatted}");
}

/// A policy with a one-subject table, a two-subject table written on one line,
/// and a scorecard, laid out carelessly and commented between and after arms.
const TABLES: &str = "policy t version \"1\"\n\
enum Product { consumer_loan, auto_loan, micro_business_loan }\n\
enum Grade { A, B, C, D }\n\
record A { score: Int, age: Int, product: Product, device: String?, amount: Money }\n\
input a: A\n\
// grade by score\n\
let grade = match a.score {\n\
  // the best\n\
  >= 660 => A  // prime\n\
  620 ..< 660 => B\n\
  580 ..< 620 => C\n\
\n\
  // the rest\n\
  < 580 => D\n\
}\n\
let line = match grade, a.product { A, consumer_loan | auto_loan => 300_000 CNY, A, micro_business_loan => 500_000 CNY\n\
  B | C, _ => 150_000 CNY  // middle\n\
  D, _ => 0 CNY }\n\
scorecard app \"申请评分卡\" base 520 reasons 2 {  // the card\n\
  // by age\n\
  characteristic a.age \"年龄\" reason S01 baseline 40 {\n\
    < 25 => 10\n\
    25 ..< 35 => 30  // young\n\
    35 ..< 55 => 45\n\
    >= 55 => -5\n\
    // end of age\n\
  }\n\
  characteristic a.product reason S02 baseline 20 {\n\
    consumer_loan | auto_loan => 20\n\
    _ => 5\n\
  }\n\
  characteristic a.device \"设备\" reason S103 baseline 100 { none => 0, _ => 100 }\n\
}\n\
rule S10 decline when app < 560\n\
rule L01 decline when a.amount > line\n";

#[test]
fn tables_and_scorecards_are_laid_out_in_aligned_columns_with_their_comments() {
    let formatted = format_ok(TABLES);
    let lines: Vec<&str> = formatted.lines().collect();
    let column = |needle: &str, of: &str| {
        let line = lines.iter().find(|l| l.trim_start().starts_with(needle)).copied().unwrap_or_default();
        line.find(of).map(|byte| line.get(..byte).map_or(0, unicode_width::UnicodeWidthStr::width))
    };
    // one arm a line, `=>` in one column per table
    for table in [[">= 660", "620 ..<", "580 ..<", "< 580"], ["A,     consumer_loan", "A,     micro", "B | C,", "D,"]] {
        let arrows: Vec<Option<usize>> = table.iter().map(|arm| column(arm, "=>")).collect();
        assert!(arrows.iter().all(|a| a.is_some() && *a == arrows[0]), "{table:?}: {arrows:?}\n{formatted}");
    }
    // the second subject's column lines up too
    assert!(
        formatted.contains(
            "  A,     consumer_loan | auto_loan => 300_000 CNY\n\
             \x20 A,     micro_business_loan       => 500_000 CNY\n\
             \x20 B | C, _                         => 150_000 CNY  // middle\n\
             \x20 D,     _                         => 0 CNY\n}"
        ),
        "{formatted}"
    );
    // a scorecard's heads in columns, its points right-aligned per characteristic
    let reasons: Vec<Option<usize>> = ["characteristic a.age", "characteristic a.product", "characteristic a.device"]
        .iter()
        .map(|c| column(c, "reason"))
        .collect();
    assert!(reasons.iter().all(|r| r.is_some() && *r == reasons[0]), "{reasons:?}\n{formatted}");
    assert!(formatted.contains("    none =>   0\n    _    => 100\n"), "{formatted}");
    assert!(formatted.contains("    >= 55     => -5\n"), "{formatted}");
    // every comment kept, on its line: own-line ones above their arm, trailing ones after it
    assert!(formatted.contains("  // the best\n  >= 660      => A  // prime\n"), "{formatted}");
    assert!(formatted.contains("=> C\n\n  // the rest\n  < 580       => D\n"), "{formatted}");
    assert!(formatted.contains("=> 150_000 CNY  // middle\n"), "{formatted}");
    assert!(formatted.contains("reasons 2 {  // the card\n  // by age\n  characteristic a.age"), "{formatted}");
    assert!(formatted.contains("=> 30  // young\n"), "{formatted}");
    assert!(formatted.contains("=> -5\n    // end of age\n  }\n"), "{formatted}");
    insta::assert_snapshot!(formatted);
}

#[test]
fn a_comment_above_a_rule_whose_condition_holds_a_table_stays_above_the_rule() {
    let text = "policy t version \"1\"\nenum G { A, B, C }\nrecord R { g: G }\ninput r: R\n\
                // why this rule\nrule G01 decline when match r.g { A | B => false, C => true }\n";
    let formatted = format_ok(text);
    let comment = formatted.find("// why this rule");
    let rule = formatted.find("rule G01");
    assert!(comment.is_some() && comment < rule, "{formatted}");
    assert!(formatted.contains("  A | B => false\n  C     => true\n"), "{formatted}");
}

// ------------------------------------------------------------------ generated programs

const SCHEMA: &str = "enum Level { city, provincial, committee }\n\
record Prior { amount: Money, overdue: Bool }\n\
record A { age: Int, score: Int, income: Money, rate: Decimal, student: Bool, nick: String?, bonus: Money?, level: Level, priors: list<Prior> }\n\
input a: A\n";

fn int_expr(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        (0i64..1000).prop_map(|n| n.to_string()),
        Just("a.age".to_string()),
        Just("a.score".to_string()),
        Just("count(a.priors)".to_string()),
        Just("years_between(2000-01-01, as_of)".to_string()),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let sub = int_expr(depth - 1);
    prop_oneof![
        leaf,
        (sub.clone(), sub.clone(), prop_oneof![Just("+"), Just("-"), Just("*")])
            .prop_map(|(l, r, op)| format!("{l} {op} {r}")),
        (sub.clone(), sub.clone()).prop_map(|(l, r)| format!("({l} + {r}) * 2")),
        sub.clone().prop_map(|e| format!("-({e})")),
        (sub.clone(), sub.clone()).prop_map(|(l, r)| format!("max({l}, {r})")),
        // a comment the layout cannot keep in place goes above the declaration
        (sub.clone(), sub).prop_map(|(l, r)| format!("max({l},  // inside a call\n    {r})")),
    ]
    .boxed()
}

fn money_expr(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        (0i64..1_000_000).prop_map(|n| format!("{n} CNY")),
        Just("a.income".to_string()),
        Just("(a.bonus ?? 0 CNY)".to_string()),
        Just("sum(a.priors, p => p.amount)".to_string()),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let sub = money_expr(depth - 1);
    prop_oneof![
        leaf,
        (sub.clone(), sub.clone()).prop_map(|(l, r)| format!("{l} + {r}")),
        (sub, int_expr(0)).prop_map(|(m, n)| format!("{m} * {n}")),
    ]
    .boxed()
}

fn bool_expr(depth: u32) -> BoxedStrategy<String> {
    let cmp = prop_oneof![Just("<"), Just("<="), Just(">"), Just(">="), Just("=="), Just("!=")];
    let leaf = prop_oneof![
        (int_expr(2), cmp.clone(), int_expr(1)).prop_map(|(l, op, r)| format!("{l} {op} {r}")),
        (money_expr(1), cmp, money_expr(1)).prop_map(|(l, op, r)| format!("{l} {op} {r}")),
        Just("a.student".to_string()),
        Just("(a.nick exists and len(a.nick) > 3)".to_string()),
        Just("a.level in {city, provincial}".to_string()),
        Just("a.rate in 1% ..= 8%".to_string()),
        Just("any(a.priors, p => p.overdue)".to_string()),
        Just("(not (a.nick exists) or starts_with(a.nick, \"x\"))".to_string()),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let sub = bool_expr(depth - 1);
    prop_oneof![
        leaf,
        (sub.clone(), sub.clone()).prop_map(|(l, r)| format!("{l} and {r}")),
        (sub.clone(), sub.clone()).prop_map(|(l, r)| format!("({l}) or {r}")),
        sub.clone().prop_map(|e| format!("not ({e})")),
        (sub.clone(), sub.clone(), sub.clone()).prop_map(|(a, b, c)| format!("({a} and {b}) or {c}")),
        (sub.clone(), sub.clone(), sub.clone()).prop_map(|(a, b, c)| format!("{a} or ({b} and {c})")),
        sub.prop_map(|e| format!("(({e}))")),
    ]
    .boxed()
}

/// What goes between two elements or operands: a space, or a line break with
/// (maybe) a trailing comment before it and an own-line comment after it.
fn separator() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(" ".to_string()),
        1 => Just("\n    ".to_string()),
        1 => Just("  // 说明\n    ".to_string()),
        1 => Just("\n    // 另起一行\n    ".to_string()),
        1 => Just(" // why\n  // and more\n    ".to_string()),
    ]
}

/// `first op second op …` with generated separators around each operator.
fn joined(operands: Vec<String>, op: &'static str, separators: Vec<String>) -> String {
    let mut out = String::new();
    for (i, operand) in operands.iter().enumerate() {
        if i > 0 {
            let sep = separators.get(i).map_or(" ", String::as_str);
            out.push_str(&format!("{sep}{op} "));
        }
        out.push_str(operand);
    }
    out
}

/// A long `and` chain (a rule's condition) and a long `+` chain (a let's
/// value), over the width, with comments between some operands.
fn long_chains() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(bool_expr(0), 3..14),
        proptest::collection::vec(separator(), 14),
        proptest::collection::vec(int_expr(0), 3..30),
        proptest::collection::vec(separator(), 30),
        any::<bool>(),
    )
        .prop_map(|(conditions, seps, terms, term_seps, or_first)| {
            let and_chain = joined(conditions, "and", seps);
            let condition = if or_first { format!("a.student or ({and_chain})") } else { and_chain };
            format!("rule L01 refer when {condition}\nlet _total = {}\n", joined(terms, "+", term_seps))
        })
}

/// An enum and a set of its variants, laid out one way or another, with
/// comments after some elements and between others.
fn commented_lists() -> impl Strategy<Value = String> {
    (1usize..16, proptest::collection::vec(separator(), 16), proptest::collection::vec(separator(), 16)).prop_map(
        |(count, enum_seps, set_seps)| {
            let list = |seps: &[String]| {
                let mut out = String::new();
                for i in 0..count {
                    let sep = seps.get(i).map_or(" ", String::as_str);
                    // a separator with a comment needs the comma before it
                    out.push_str(&format!("k{i},{sep}"));
                }
                out
            };
            format!(
                "enum Kind {{ // 资金方\n  {}}}\nconst _kinds: set<Kind> = {{{}}}  // 可合作\n",
                list(&enum_seps),
                list(&set_seps)
            )
        },
    )
}

/// A fixture and a test whose record literals have comments between entries.
fn commented_records() -> impl Strategy<Value = String> {
    proptest::collection::vec(separator(), 12).prop_map(|seps| {
        let sep = |i: usize| seps.get(i).map_or(" ", String::as_str).to_string();
        format!(
            "fixture base = {{{}age: 30,{}score: 700, income: 5_000 CNY,{}rate: 3.5,{}student: false,{}nick: none, bonus: none,\
             {}level: city,{}priors: [{}{{ amount: 1 CNY, overdue: false }},{}] }}\n\
             test \"young\" {{\n  given a = base with {{{}age: 17,{}score: 1{}}}\n  expect approve\n}}\n",
            sep(0), sep(1), sep(2), sep(3), sep(4), sep(5), sep(6), sep(7), sep(8), sep(9), sep(10), sep(11)
        )
    })
}

/// A rule with random outcome, trigger, message and comment.
fn rule(index: usize) -> impl Strategy<Value = String> {
    (bool_expr(2), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        move |(cond, decline, when, msg, comment)| {
            let message = if msg { format!(" \"规则 {index} message\"") } else { String::new() };
            let outcome = if decline { "decline" } else { "refer" };
            let trigger = if when { "when" } else { "unless" };
            let comment = if comment { "   // why this rule" } else { "" };
            format!("rule R{index:02}{message}   {outcome} {trigger}\n    {cond}{comment}\n")
        },
    )
}

fn policy() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(any::<u8>(), 1..6),
        int_expr(2),
        any::<bool>(),
        (long_chains(), commented_lists(), commented_records()),
    )
        .prop_flat_map(|(rules, let_value, grouped, extra)| {
            let count = rules.len();
            let rules: Vec<_> = (0..count).map(rule).collect();
            (rules, Just(let_value), Just(grouped), Just(extra))
        })
    .prop_map(|(rules, let_value, grouped, (chains, lists, records))| {
        let mut text = format!("// generated\npolicy g \"生成\" version \"1\"\n{SCHEMA}\nlet _x = {let_value}  // a let\n\n");
        text.push_str(&lists);
        text.push_str(&chains);
        text.push_str(&records);
        if grouped {
            text.push_str("group g \"组\" {\n  // first\n");
            for r in &rules {
                text.push_str(r);
            }
            text.push_str("}\n");
        } else {
            for r in &rules {
                text.push_str(r);
                text.push('\n');
            }
        }
        text.push_str("authority over a.level escalate E01 {\n  level city { a.income <= 100 CNY }  // small\n  level provincial above city { a.income <= 1_000 CNY }\n  level committee above provincial\n}\n// the end\n");
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_policies_format_without_changing_meaning(text in policy()) {
        let compiled = polc::compile_source(Path::new("g.pol"), &text, &MemoryLoader::new());
        prop_assert!(compiled.program.is_some(), "generator made an invalid policy: {:?}\n{text}",
            compiled.diagnostics.iter().map(|d| (d.code.as_str(), d.message.clone())).collect::<Vec<_>>());
        let result = check_formatting(Path::new("g.pol"), &text, &MemoryLoader::new());
        prop_assert!(result.is_ok(), "{}", result.err().unwrap_or_default());
        // the generator's trailing comments stay after code, its own-line ones alone
        let formatted = polc_core::syntax::format::format(&text).unwrap_or_default();
        for line in formatted.lines() {
            let code = line.split("//").next().unwrap_or("").trim();
            if line.contains("// 说明") || line.contains("// why") {
                prop_assert!(!code.is_empty(), "a trailing comment left its line: {}\n{}", line, formatted);
            }
            if line.contains("// 另起一行") || line.contains("// and more") {
                prop_assert!(code.is_empty(), "an own-line comment was joined: {}\n{}", line, formatted);
            }
        }
    }
}

#[test]
fn an_if_written_in_parentheses_keeps_them() {
    // a characteristic's subject ends where its label begins; the parentheses
    // the author wrote around an `if` say where its `else` branch ends
    let text = "policy p version \"1\"\n\nrecord A {\n  id: String\n  income: Money\n  debt: Money\n}\n\ninput a: A\n\nscorecard s base 100 {\n  characteristic (if a.income > 0 CNY then a.debt / a.income else 100%) \"负债收入比\" reason S01 baseline 10 {\n    < 50%  => 10\n    >= 50% =>  0\n  }\n}\n\nrule R01 decline when s < 100\n";
    let formatted = format_ok(text);
    assert!(
        formatted.contains("characteristic (if a.income > 0 CNY then a.debt / a.income else 100%) \"负债收入比\""),
        "{formatted}"
    );
    check_formatting(Path::new("p.pol"), text, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"));
}
