//! The library API a service uses: compile once, bind lists, evaluate from
//! JSON values, text or any `Serialize`, from many threads.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use polc::{Decision, MemoryLoader, Policy};
use serde::Serialize;
use std::sync::Arc;

const POLICY: &str = r#"
policy demo version "1"
enum Level { branch, head }
record Applicant { id: String, id_number: IdCard, income: Money, level: Level }
input applicant: Applicant
list fraud_ids: IdCard from "fraud.txt"
rule F01 "fraud list" decline when applicant.id_number in fraud_ids
rule R01 "low income" refer when applicant.income < 5_000 CNY
authority over applicant.level escalate E01 {
  level branch { applicant.income <= 100_000 CNY }
  level head above branch
}
"#;

#[derive(Serialize)]
struct Applicant<'a> {
    id: &'a str,
    id_number: &'a str,
    income: &'a str,
    level: &'a str,
}

fn policy() -> Policy {
    let loader = MemoryLoader::new().with("fraud.txt", "# none yet\n");
    Policy::from_source("demo.pol", POLICY, &loader).unwrap_or_else(|e| panic!("{e}"))
}

fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

#[test]
fn policy_is_send_sync_and_cheap_to_share() {
    common::at_workspace_root();
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Policy>();
    let policy = Arc::new(policy());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let policy = Arc::clone(&policy);
            std::thread::spawn(move || {
                let income = format!("{}000", i + 1);
                let record = Applicant { id: "T", id_number: "110100199003070138", income: &income, level: "branch" };
                policy.evaluate(&record, as_of()).map(|v| v.decision)
            })
        })
        .collect();
    let decisions: Vec<_> = handles.into_iter().map(|h| h.join().ok().and_then(Result::ok)).collect();
    assert_eq!(decisions, [Some(Decision::Refer); 4]);
}

#[test]
fn evaluate_from_values_text_and_serialize_agree() {
    common::at_workspace_root();
    let policy = policy();
    let record = Applicant { id: "T1", id_number: "110100199003070138", income: "200000.00", level: "branch" };
    let value = serde_json::to_value(&record).unwrap_or_default();
    let text = value.to_string();
    let a = policy.evaluate(&record, as_of());
    let b = policy.evaluate_value(&value, as_of());
    let c = policy.evaluate_json(&text, as_of());
    assert_eq!(a, b);
    assert_eq!(b, c);
    let verdict = a.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((verdict.decision, verdict.refer_to.as_ref().map(polc::Level::as_str)), (Decision::Refer, Some("head")));
    assert_eq!(verdict.reasons, ["E01"]);
    // the verdict is the decision line, stamped like every line `polc run` writes
    let hash = policy.policy_hash();
    let fraud = &policy.list_versions()["fraud_ids"];
    assert_eq!(
        serde_json::to_string(&verdict).unwrap_or_default(),
        format!(
            r#"{{"id":"T1","decision":"refer","refer_to":"head","reasons":["E01"],"as_of":"2026-11-22","policy":"demo","version":"1","policy_hash":"{hash}","lists":{{"fraud_ids":"{fraud}"}}}}"#
        )
    );
    assert_eq!(serde_json::to_string(&verdict).unwrap_or_default(), policy.decide_json_line(&text, as_of()));
}

#[test]
fn lists_bind_from_memory_and_files() {
    common::at_workspace_root();
    let mut policy = policy();
    let record = Applicant { id: "T2", id_number: "110100199003070138", income: "9000", level: "branch" };
    assert_eq!(policy.evaluate(&record, as_of()).map(|v| v.decision), Ok(Decision::Approve));
    assert_eq!(policy.bind_list("fraud_ids", ["110100199003070138"]), Ok(1));
    let verdict = policy.evaluate(&record, as_of()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((verdict.decision, verdict.reasons.clone()), (Decision::Decline, vec![polc::ReasonCode::new("F01")]));

    let loader = MemoryLoader::new().with("ids.txt", "110100198511200248\nnot an id\n");
    let error = policy.bind_list_file("fraud_ids", "ids.txt".as_ref(), &loader).err();
    assert!(error.is_some_and(|e| e.code.as_str() == "L0402" && e.message.starts_with("ids.txt:2:")));
    assert!(policy.bind_list("no_such_list", ["x"]).is_err_and(|e| e.code.as_str() == "L0404"));
}

#[test]
fn lines_decide_into_one_buffer_with_their_outcomes() {
    common::at_workspace_root();
    let policy = policy();
    let mut scratch = polc::Scratch::default();
    let mut out = String::new();
    let lines = [
        r#"{"id":"L1","id_number":"110100199003070138","income":"4000.00","level":"branch"}"#,
        r#"{"id":"L2","id_number":"110100199003070138","income":"9000.00","level":"branch"}"#,
        r#"{"id":"L3","income":"1"}"#,
    ];
    let mut outcomes = Vec::new();
    for line in lines {
        outcomes.push(policy.decide_line_into(line, as_of(), &mut scratch, polc::LineOptions::default(), &mut out));
        out.push('\n');
    }
    let kinds: Vec<polc::LineKind> = outcomes.iter().map(|o| o.kind).collect();
    assert_eq!(kinds, [polc::LineKind::Refer, polc::LineKind::Approve, polc::LineKind::RecordError]);
    // reasons are indices into the program's sorted codes
    let codes = &policy.program().codes;
    let first: Vec<&str> = outcomes[0].reasons.iter().map(|&r| codes[r as usize].as_str()).collect();
    assert_eq!(first, ["R01"]);
    // the buffer holds the same lines `decide_line` gives, in order
    let expected: String = lines
        .iter()
        .map(|l| policy.decide_line(l, as_of(), &mut scratch, polc::LineOptions::default()) + "\n")
        .collect();
    assert_eq!(out, expected);
    assert!(out.lines().nth(2).is_some_and(|l| l.contains(r#""id":"L3","decision":"error""#)));
}

#[test]
fn a_run_of_lines_decides_as_each_line_alone() {
    common::at_workspace_root();
    let mut policy = policy();
    assert_eq!(policy.bind_list("fraud_ids", ["110100198511200248"]), Ok(1));
    let mut scratch = polc::Scratch::default();
    // more lines than one group of lookups started together, with a list hit,
    // a bad record and a line that is not JSON among them
    let lines: Vec<String> = (0..21)
        .map(|i| match i % 7 {
            3 => format!(r#"{{"id":"B{i}","id_number":"110100198511200248","income":"9000","level":"head"}}"#),
            5 => format!(r#"{{"id":"B{i}","id_number":"110100199003070139","income":"1","level":"branch"}}"#),
            6 => "not json".to_string(),
            _ => {
                format!(r#"{{"id":"B{i}","id_number":"110100199003070138","income":"{}000","level":"branch"}}"#, i + 1)
            }
        })
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (mut together, mut outcomes) = (String::new(), Vec::new());
    policy.decide_lines_into(&lines, as_of(), &mut scratch, polc::LineOptions::default(), &mut together, |o| {
        outcomes.push(o);
    });
    let (mut alone, mut expected) = (String::new(), Vec::new());
    for line in &lines {
        expected.push(policy.decide_line_into(line, as_of(), &mut scratch, polc::LineOptions::default(), &mut alone));
        alone.push('\n');
    }
    assert_eq!(together, alone);
    assert_eq!(outcomes, expected);
    let kinds = |k: polc::LineKind| outcomes.iter().filter(|o| o.kind == k).count();
    assert_eq!((kinds(polc::LineKind::Decline), kinds(polc::LineKind::RecordError)), (3, 6));
}

/// A record the policy cannot decide (a division by zero) writes an `error`
/// line after the lines already in the buffer, not instead of them.
#[test]
fn a_rule_failure_keeps_the_lines_before_it() {
    common::at_workspace_root();
    let source = "policy ratio version \"1\"\nrecord A { id: String, income: Money, debt: Money }\ninput a: A\n\
                  rule D01 decline when a.debt / a.income > 0.5\n";
    let policy = Policy::from_source("ratio.pol", source, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<String> = (0..20)
        .map(|i| format!(r#"{{"id":"Z{i}","income":"{}","debt":"100"}}"#, if i % 6 == 2 { 0 } else { 1000 }))
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut scratch = polc::Scratch::default();
    let (mut together, mut kinds) = (String::new(), Vec::new());
    policy.decide_lines_into(&lines, as_of(), &mut scratch, polc::LineOptions::default(), &mut together, |o| {
        kinds.push(o.kind);
    });
    let alone: String = lines
        .iter()
        .map(|l| policy.decide_line(l, as_of(), &mut scratch, polc::LineOptions::default()) + "\n")
        .collect();
    assert_eq!(together, alone);
    assert_eq!(together.lines().count(), 20);
    assert_eq!(kinds.iter().filter(|&&k| k == polc::LineKind::RuleError).count(), 3, "{kinds:?}");
    assert!(together.lines().nth(2).is_some_and(|l| l.contains(r#""id":"Z2","decision":"error""#)), "{together}");
}

#[test]
fn bad_records_are_errors_not_decisions() {
    common::at_workspace_root();
    let policy = policy();
    let problem =
        policy.evaluate_json(r#"{"id":"T3","id_number":"110100199003070139","income":"1","level":"branch"}"#, as_of());
    assert!(problem.is_err_and(|e| e.path == "id_number"));
}

#[test]
fn compile_errors_come_back_as_diagnostics() {
    common::at_workspace_root();
    let failed =
        Policy::from_source("bad.pol", "policy p version \"1\"\nrule A decline when x", &MemoryLoader::new()).err();
    let codes: Vec<&str> = failed.iter().flat_map(|f| f.diagnostics.iter().map(|d| d.code.as_str())).collect();
    assert!(codes.contains(&"N0109") && codes.contains(&"N0103"), "{codes:?}");
}

#[test]
fn record_limits_apply_to_json_text() {
    common::at_workspace_root();
    let mut policy = policy();
    let record = r#"{"id":"A1","id_number":"110100199003070138","income":"8000.00","level":"branch","extra":[[[1]]]}"#;
    assert!(policy.evaluate_json(record, as_of()).is_ok());
    policy.set_record_limits(polc::RecordLimits { max_json_depth: 2, ..polc::RecordLimits::default() });
    let error = policy.evaluate_json(record, as_of()).err().unwrap_or_else(|| panic!("too deep"));
    assert_eq!(error.message, "nested more than --max-json-depth (2) levels deep");
    policy.set_record_limits(polc::RecordLimits { max_line_bytes: 40, ..polc::RecordLimits::default() });
    let error = policy.evaluate_json(record, as_of()).err().unwrap_or_else(|| panic!("too long"));
    assert_eq!(error.message, "the record is longer than --max-line-bytes (40 bytes)");
    assert!(policy.decide_json_line(record, as_of()).contains(r#""id":"A1","decision":"error""#));
}

#[test]
fn compile_options_widen_the_root_for_shared_files() {
    common::at_workspace_root();
    let loader = MemoryLoader::new().with("policies/common.pol", "enum Level { branch, head }\n").with(
        "policies/products/demo.pol",
        "policy demo version \"1\"\nuse \"../common.pol\"\nrecord A { id: String, level: Level }\ninput a: A\n\
             rule R01 refer when a.level == head\n",
    );
    let strict = polc::compile("policies/products/demo.pol".as_ref(), &loader);
    assert!(strict.diagnostics.iter().any(|d| d.code.as_str() == "N0116"));
    let options = polc::CompileOptions { root: Some("policies".into()), ..polc::CompileOptions::default() };
    let widened = polc::compile_with("policies/products/demo.pol".as_ref(), &loader, &options);
    assert!(widened.diagnostics.is_empty(), "{:?}", widened.diagnostics);
    assert!(Policy::from_compilation(widened).is_ok());
}
