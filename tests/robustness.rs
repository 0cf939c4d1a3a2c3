//! No input makes polc panic: the parser and checker on arbitrary and mutated
//! policy text, the record reader on arbitrary and mutated JSON, list loading on
//! arbitrary bytes. Bounded case counts keep the suite fast; docs/reliability.md
//! records longer runs.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use polc::{MemoryLoader, Policy};
use proptest::prelude::*;
use std::path::Path;

fn seed_policies() -> Vec<String> {
    common::at_workspace_root();
    ["policies/consumer_loan.pol", "policies/micro_business_loan.pol", "tests/policies/failing.pol"]
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect()
}

fn compile(text: &str) {
    let loader =
        MemoryLoader::new().with("common.pol", std::fs::read_to_string("policies/common.pol").unwrap_or_default());
    let compilation = polc::compile_source(Path::new("p.pol"), text, &loader);
    // rendering must not panic either
    for d in compilation.diagnostics.iter().take(20) {
        let _ = polc::render_human(d, &compilation.sources, polc::RenderOptions { color: false, width: 80 });
        let _ = polc::render_json(d, &compilation.sources);
    }
    let _ = polc_core::syntax::format::format(text);
}

/// One small edit: delete, duplicate or replace a run of bytes (kept UTF-8).
fn mutate(text: &str, at: usize, len: usize, kind: u8, with: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at % chars.len().max(1);
    let end = (at + len).min(chars.len());
    let (head, rest) = chars.split_at(at);
    let (middle, tail) = rest.split_at(end - at);
    let middle: String = middle.iter().collect();
    let inserted = match kind % 4 {
        0 => String::new(),
        1 => format!("{middle}{middle}"),
        2 => with.to_string(),
        _ => format!("{with}{middle}"),
    };
    head.iter().collect::<String>() + &inserted + &tail.iter().collect::<String>()
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ",",
    ".",
    ":",
    "=",
    "==",
    "<",
    "..=",
    "??",
    "-",
    "*",
    "/",
    "%",
    "\"",
    "\\",
    " and ",
    " or ",
    " not ",
    " in ",
    " exists",
    " rule ",
    " decline ",
    " when ",
    " CNY",
    " 18 years",
    "2026-02-30",
    "99999999999999999999",
    "none",
    "applicant",
    "level",
    "\n",
    "//",
    "张",
    "\u{0}",
];

fn json_record() -> serde_json::Value {
    common::at_workspace_root();
    let line = std::fs::read_to_string("examples/applicants.jsonl").unwrap_or_default();
    serde_json::from_str(line.lines().next().unwrap_or("{}")).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        compile(&text);
    }

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..80)) {
        compile(&format!("policy p version \"1\"\n{}", tokens.concat()));
    }

    #[test]
    fn mutated_policies_never_panic(
        which in 0usize..3, at in any::<usize>(), len in 0usize..40, kind in any::<u8>(),
        with in proptest::sample::select(TOKENS),
    ) {
        let seeds = seed_policies();
        let seed = seeds.get(which).cloned().unwrap_or_default();
        compile(&mutate(&seed, at, len, kind, with));
    }

    #[test]
    fn arbitrary_lines_never_panic_the_reader(line in "\\PC{0,300}") {
        let policy = policy();
        let _ = policy.decide_json_line(&line, as_of());
    }

    #[test]
    fn mutated_records_never_panic_the_reader(at in any::<usize>(), len in 0usize..20, kind in any::<u8>(),
        with in proptest::sample::select(&["\"", "{", "}", "[", "]", ",", ":", "null", "-1e999", "1.5", "\\u0000", "\\ud800", "张", "99999999999999999999999999999"][..])) {
        let policy = policy();
        let text = mutate(&json_record().to_string(), at, len, kind, with);
        let line = policy.decide_json_line(&text, as_of());
        let decision: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        prop_assert!(decision.get("decision").is_some(), "every line gets a decision: {line}");
    }

    #[test]
    fn arbitrary_list_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes);
        let mut policy = policy();
        for list in ["fraud_ids", "grey_phones", "bad_devices"] {
            let _ = policy.bind_list_text(list, &text);
        }
    }
}

fn policy() -> Policy {
    common::at_workspace_root();
    common::at_workspace_root();
    let text = std::fs::read_to_string("policies/consumer_loan.pol").unwrap_or_default();
    let common = std::fs::read_to_string("policies/common.pol").unwrap_or_default();
    let loader = MemoryLoader::new()
        .with("common.pol", common)
        .with("lists/fraud_ids.txt", "")
        .with("lists/grey_phones.txt", "")
        .with("lists/bad_devices.txt", "");
    Policy::from_source("consumer_loan.pol", &text, &loader).unwrap_or_else(|e| panic!("{e}"))
}

fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

/// 256 cases per property by default; `POLC_FUZZ_CASES=N` for longer runs.
fn cases() -> u32 {
    std::env::var("POLC_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
}
