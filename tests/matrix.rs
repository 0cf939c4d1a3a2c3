//! Authority as a matrix (§14): guarded limits apply only where their guard
//! holds, a level may hold several on one path, a limit may carry its own
//! escalation code; and `refer to LEVEL` never refers down (§5). The compiled
//! evaluator and the interpreter agree on all of it.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use polc::{MemoryLoader, Policy};
use polc_core::eval::{decide_traced, NoTrace, Scratch};
use serde_json::{json, Value};

const POLICY: &str = r#"policy matrix version "1"
enum Level { city, provincial, head_office }
enum Segment { micro, small, medium }
enum Product { consumer_loan, micro_business_loan }
record Applicant {
  id: String
  amount: Money
  rate: Decimal
  segment: Segment
  product: Product
  score: Int
  level: Level
}
input applicant: Applicant

authority over applicant.level escalate E01 "超出本级授权" {
  level city {
    applicant.amount <= 500_000 CNY escalate E02 "超出保额授权"
    applicant.amount <= 100_000 CNY when applicant.segment == micro escalate E02
    applicant.amount <= 300_000 CNY when applicant.segment == small escalate E02
    applicant.rate in 2% ..= 8% escalate E03 "超出费率授权"
    applicant.product in {consumer_loan}
  }
  level provincial above city {
    applicant.amount <= 2_000_000 CNY escalate E02
    applicant.amount <= 500_000 CNY when applicant.segment == micro escalate E02
    applicant.rate in 1% ..= 9% escalate E03
  }
  level head_office above provincial {
    applicant.amount <= 5_000_000 CNY escalate E02
    applicant.rate in 1% ..= 10% escalate E03
  }
}
rule R01 refer to provincial when applicant.score < 600
"#;

fn policy() -> Policy {
    Policy::from_source("matrix.pol", POLICY, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"))
}

fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

fn application(amount: &str, segment: &str, level: &str) -> Value {
    json!({"id": "M1", "amount": amount, "rate": "0.05", "segment": segment,
           "product": "consumer_loan", "score": 700, "level": level})
}

fn decide(record: &Value) -> Value {
    let line = policy().decide_json_line(&record.to_string(), as_of());
    serde_json::from_str(&line).unwrap_or(Value::Null)
}

/// (decision, the level that decided or was referred to, reasons)
fn outcome(record: &Value) -> (String, String, Value) {
    let d = decide(record);
    let level = d.get("level").or_else(|| d.get("refer_to")).and_then(Value::as_str).unwrap_or("").to_string();
    (d["decision"].as_str().unwrap_or("").to_string(), level, d["reasons"].clone())
}

fn expect(record: &Value, decision: &str, level: &str, reasons: Value) {
    assert_eq!(outcome(record), (decision.to_string(), level.to_string(), reasons), "{record}");
}

#[test]
fn a_guarded_limit_applies_only_where_its_guard_holds() {
    common::at_workspace_root();
    // 200 000 at city: within the unguarded 500 000 for medium, over micro's 100 000
    expect(&application("200000", "medium", "city"), "approve", "city", json!([]));
    expect(&application("200000", "small", "city"), "approve", "city", json!([]));
    expect(&application("200000", "micro", "city"), "refer", "provincial", json!(["E02"]));
    // several guarded limits on one path: small is held to 300 000
    expect(&application("400000", "small", "city"), "refer", "provincial", json!(["E02"]));
    expect(&application("400000", "medium", "city"), "approve", "city", json!([]));
    // micro at provincial: 500 000 is its line there, above that head office
    expect(&application("500000", "micro", "provincial"), "approve", "provincial", json!([]));
    expect(&application("600000", "micro", "provincial"), "refer", "head_office", json!(["E02"]));
    expect(&application("600000", "medium", "provincial"), "approve", "provincial", json!([]));
}

#[test]
fn an_escalation_names_the_codes_of_the_limits_that_failed_at_the_own_level() {
    common::at_workspace_root();
    // the rate alone
    let mut record = application("50000", "medium", "city");
    record["rate"] = json!("0.085");
    expect(&record, "refer", "provincial", json!(["E03"]));
    // the amount and the rate: both codes
    record["amount"] = json!("600000");
    expect(&record, "refer", "provincial", json!(["E02", "E03"]));
    // a limit without its own code: the block's
    let mut record = application("50000", "medium", "city");
    record["product"] = json!("micro_business_loan");
    expect(&record, "refer", "provincial", json!(["E01"]));
    record["rate"] = json!("0.085");
    expect(&record, "refer", "provincial", json!(["E01", "E03"]));
    // with a refer rule: its code beside them
    record["score"] = json!(500);
    expect(&record, "refer", "provincial", json!(["E01", "E03", "R01"]));
}

#[test]
fn a_decline_at_the_root_names_the_limits_the_root_cannot_authorise() {
    common::at_workspace_root();
    // city fails on amount and rate; head office only on the amount
    let mut record = application("6000000", "medium", "city");
    record["rate"] = json!("0.085");
    expect(&record, "decline", "", json!(["E02"]));
    record["rate"] = json!("0.12");
    expect(&record, "decline", "", json!(["E02", "E03"]));
}

#[test]
fn refer_to_never_refers_down() {
    common::at_workspace_root();
    let mut record = application("50000", "medium", "city");
    record["score"] = json!(500);
    expect(&record, "refer", "provincial", json!(["R01"]));
    record["level"] = json!("provincial");
    expect(&record, "refer", "provincial", json!(["R01"]));
    record["level"] = json!("head_office");
    expect(&record, "refer", "head_office", json!(["R01"]));
}

#[test]
fn the_compiled_evaluator_and_the_interpreter_agree_on_the_matrix() {
    common::at_workspace_root();
    let policy = policy();
    let mut scratch = Scratch::default();
    let mut outcomes = std::collections::BTreeSet::new();
    for amount in ["50000", "100000", "100000.01", "250000", "300000.01", "500000.01", "2500000", "6000000"] {
        for segment in ["micro", "small", "medium"] {
            for level in ["city", "provincial", "head_office"] {
                for rate in ["0.005", "0.05", "0.085", "0.095", "0.12"] {
                    for product in ["consumer_loan", "micro_business_loan"] {
                        let mut record = application(amount, segment, level);
                        record["rate"] = json!(rate);
                        record["product"] = json!(product);
                        let decoded = policy.decode(&record).unwrap_or_else(|e| panic!("{e:?}"));
                        let compiled = policy.decide(&decoded, as_of(), &mut scratch);
                        let interpreted = decide_traced(
                            policy.program(),
                            policy.lists(),
                            &decoded,
                            as_of(),
                            &mut scratch,
                            &mut NoTrace,
                        );
                        assert_eq!(compiled, interpreted, "{record}");
                        outcomes.insert(format!("{:?}", compiled.reasons.len()));
                    }
                }
            }
        }
    }
    assert!(outcomes.len() >= 3, "the records reach zero, one and several reasons: {outcomes:?}");
}

#[test]
fn polc_test_asserts_the_named_outputs_and_shows_both_sides() {
    common::at_workspace_root();
    let source = r#"policy outs version "1"
record Applicant { id: String, amount: Money, income: Money, score: Int }
input applicant: Applicant
limit L01 applicant.amount <= applicant.income * 20
output line = applicant.amount
output asked = requested(applicant.amount)
output prime = applicant.score >= 700
fixture base = { id: "T1", amount: 500_000 CNY, income: 10_000 CNY, score: 720 }
test "the line and the request" {
  given applicant = base
  expect approve outputs { line: 200_000 CNY, asked: 500_000.00 CNY }
}
test "only the named output is checked" {
  given applicant = base with { score: 650 }
  expect approve outputs { prime: false }
}
test "a wrong line fails" {
  given applicant = base
  expect approve outputs { line: 500_000 CNY }
}
test "a wrong outcome fails even with the right outputs" {
  given applicant = base
  expect error outputs { line: 200_000 CNY }
}
"#;
    let policy = Policy::from_source("outs.pol", source, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"));
    let report = polc_core::engine::testing::run_tests(&policy, as_of());
    let results: Vec<(&str, bool)> = report.results.iter().map(|r| (r.name.as_str(), r.passed)).collect();
    assert_eq!(
        results,
        [
            ("the line and the request", true),
            ("only the named output is checked", true),
            ("a wrong line fails", false),
            ("a wrong outcome fails even with the right outputs", false),
        ]
    );
    let wrong = report.results.get(2).unwrap_or_else(|| panic!("no third result"));
    assert_eq!(wrong.expected, "approve outputs { line: 500000 CNY }");
    assert_eq!(wrong.actual, "approve outputs { line: 200000.00 CNY }");
}

#[test]
fn the_credit_matrix_policy_passes_its_tests_with_full_coverage() {
    common::at_workspace_root();
    let path = std::path::Path::new("tests/policies/credit_matrix.pol");
    let policy = Policy::from_file(path, &polc::FsLoader).unwrap_or_else(|e| panic!("{e}"));
    let report = polc_core::engine::testing::run_tests(&policy, as_of());
    let failed: Vec<_> = report.results.iter().filter(|r| !r.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(report.results.len(), 9);
    let (covered, total) = report.coverage.totals();
    assert_eq!(covered, total, "{:#?}", report.coverage);
}

/// One generated authority limit on `applicant.amount`: (guard: none, micro
/// or small; strict `<`; bound in units of 100 CNY).
type GenLimit = (Option<&'static str>, bool, u32);

fn gen_limit() -> impl proptest::strategy::Strategy<Value = GenLimit> {
    use proptest::prelude::*;
    (prop_oneof![Just(None), Just(Some("micro")), Just(Some("small"))], any::<bool>(), 1u32..=4)
}

fn limit_text((guard, strict, bound): &GenLimit) -> String {
    let op = if *strict { "<" } else { "<=" };
    let guard = guard.map(|g| format!(" when applicant.segment == {g}")).unwrap_or_default();
    format!("applicant.amount {op} {} CNY{guard}", bound * 100)
}

/// Whether a level with `limits` authorises `amount` (in CNY) for `segment`, by brute force.
fn authorises(limits: &[GenLimit], amount: u32, segment: &str) -> bool {
    limits.iter().all(|(guard, strict, bound)| {
        guard.is_some_and(|g| g != segment) || if *strict { amount < bound * 100 } else { amount <= bound * 100 }
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, failure_persistence: None, ..Default::default() })]

    /// The containment check against brute force over the boundary values: a
    /// policy it accepts without a warning has no record the lower level
    /// authorises and the upper one does not; one it rejects (A0308/A0309) has
    /// such a record; and the decisions of an accepted policy are the brute
    /// force's.
    #[test]
    fn guarded_containment_agrees_with_brute_force(
        city in proptest::collection::vec(gen_limit(), 0..4),
        provincial in proptest::collection::vec(gen_limit(), 0..4),
    ) {
        let block = |limits: &[GenLimit]| limits.iter().map(limit_text).collect::<Vec<_>>().join("\n    ");
        let source = format!(
            "policy g version \"1\"\nenum Level {{ city, provincial }}\nenum Segment {{ micro, small, medium }}\n\
             record Applicant {{ id: String, amount: Money, segment: Segment, level: Level }}\ninput applicant: Applicant\n\
             authority over applicant.level escalate E01 {{\n  level city {{\n    {}\n  }}\n  level provincial above city {{\n    {}\n  }}\n}}\n",
            block(&city), block(&provincial)
        );
        let compiled = polc::compile_source(std::path::Path::new("g.pol"), &source, &MemoryLoader::new());
        let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code.as_str()).collect();
        let amounts: Vec<u32> = (0..=5).flat_map(|i| [i * 100, i * 100 + 50]).collect();
        let segments = ["micro", "small", "medium"];
        let counterexample = amounts.iter().flat_map(|a| segments.iter().map(move |s| (*a, *s)))
            .find(|(a, s)| authorises(&city, *a, s) && !authorises(&provincial, *a, s));
        let rejected = codes.iter().any(|c| matches!(*c, "A0308" | "A0309"));
        let undecided = codes.contains(&"W0515");
        proptest::prop_assert!(codes.iter().all(|c| matches!(*c, "A0308" | "A0309" | "W0515" | "W0508")), "{codes:?}\n{source}");
        if rejected {
            proptest::prop_assert!(counterexample.is_some(), "rejected without a counterexample: {codes:?}\n{source}");
        } else if !undecided {
            proptest::prop_assert!(counterexample.is_none(), "accepted, but {counterexample:?} breaks it\n{source}");
        }
        if let (Some(program), false) = (compiled.program.clone(), rejected) {
            let bare = polc::Compilation { sources: Default::default(), diagnostics: Vec::new(), program: Some(program) };
            let policy = Policy::from_compilation(bare).unwrap_or_else(|e| panic!("{e}"));
            for (amount, segment) in amounts.iter().flat_map(|a| segments.iter().map(move |s| (*a, *s))) {
                let record = json!({"id": "G", "amount": amount.to_string(), "segment": segment, "level": "city"});
                let d: Value = serde_json::from_str(&policy.decide_json_line(&record.to_string(), as_of())).unwrap_or(Value::Null);
                let expected = if authorises(&city, amount, segment) {
                    "approve"
                } else if authorises(&provincial, amount, segment) {
                    "refer"
                } else {
                    "decline"
                };
                proptest::prop_assert_eq!(d["decision"].as_str(), Some(expected), "{} {}\n{}", amount, segment, source);
            }
        }
    }
}

#[test]
fn the_explanation_shows_what_each_credit_limit_did() {
    common::at_workspace_root();
    use polc_core::eval::limits::LimitEffect;
    let path = std::path::Path::new("tests/policies/credit_matrix.pol");
    let policy = Policy::from_file(path, &polc::FsLoader).unwrap_or_else(|e| panic!("{e}"));
    let record = json!({"id": "A1", "amount": "500000", "monthly_income": "10000", "existing_exposure": "20000",
                        "premium_rate": "0.05", "segment": "small", "branch_level": "city"});
    let decoded = policy.decode(&record).unwrap_or_else(|e| panic!("{e:?}"));
    let (decision, trace) = polc_core::eval::trace::explain(policy.program(), policy.lists(), &decoded, as_of());
    assert_eq!(decision.offer.map(|o| o.amount.to_string()), Some("180000.00".to_string()));
    let effects: Vec<(usize, LimitEffect, String)> =
        trace.credit_limits.iter().map(|t| (t.limit, t.effect, t.line.to_string())).collect();
    assert_eq!(effects, [(0, LimitEffect::Cut, "180000".to_string()), (1, LimitEffect::NotCut, "3000000".to_string())]);
    let l01 = trace
        .credit_limits
        .first()
        .map(|t| t.values.iter().map(|v| (v.source.as_str(), v.value.as_str())).collect::<Vec<_>>());
    assert!(l01.is_some_and(|v| v.contains(&("income_line", "180000 CNY"))), "the line's let is shown");
}
