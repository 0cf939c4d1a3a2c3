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
        )
    );
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
    let codes = |c: &polc::Compilation| c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>();
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
        (sub.clone(), sub).prop_map(|(l, r)| format!("max({l}, {r})")),
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
        sub.prop_map(|e| format!("(({e}))")),
    ]
    .boxed()
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
    (proptest::collection::vec(any::<u8>(), 1..6), int_expr(2), any::<bool>()).prop_flat_map(|(rules, let_value, grouped)| {
        let count = rules.len();
        let rules: Vec<_> = (0..count).map(rule).collect();
        (rules, Just(let_value), Just(grouped))
    })
    .prop_map(|(rules, let_value, grouped)| {
        let mut text = format!("// generated\npolicy g \"生成\" version \"1\"\n{SCHEMA}\nlet _x = {let_value}  // a let\n\n");
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
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_policies_format_without_changing_meaning(text in policy()) {
        let compiled = polc::compile_source(Path::new("g.pol"), &text, &MemoryLoader::new());
        prop_assert!(compiled.program.is_some(), "generator made an invalid policy: {:?}\n{text}",
            compiled.diagnostics.iter().map(|d| (d.code, d.message.clone())).collect::<Vec<_>>());
        let result = check_formatting(Path::new("g.pol"), &text, &MemoryLoader::new());
        prop_assert!(result.is_ok(), "{}", result.err().unwrap_or_default());
    }
}
