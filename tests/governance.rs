//! §15 end to end: `effective` rules and limits take part only in their range,
//! const versions are chosen by `as_of` (none in force: `error`), overridable
//! declines become referrals to the level that may grant the exception, and
//! the compiled evaluator decides all of it like the interpreter, without
//! handing anything to it.
#![expect(clippy::panic, reason = "a policy that does not compile fails the test")]

use polc::{MemoryLoader, Policy};
use polc_core::eval::{decide_traced, NoTrace, Outcome, Scratch};
use serde_json::json;

const POLICY: &str = r#"
policy g "治理" version "1"
enum Level { city, provincial, head_office }
record Applicant {
  id: String
  score: Int
  student: Bool
  overdue: Int
  amount: Money
  level: Level
}
input applicant: Applicant

const min_score: Int = 550 effective ..< 2027-01-01 basis company "风险偏好 2026"
const min_score: Int = 580
  basis company "风险偏好 2027"
  effective 2027-01-01 ..
const max_amount: Money = 500_000 CNY effective 2026-01-01 ..

rule A01 "在校大学生" decline when applicant.student basis regulation "银保监办发〔2020〕90号"
rule A04 decline when applicant.score < min_score basis company "风险偏好"
rule A05 decline when applicant.overdue >= 3 overridable by head_office basis industry "行业惯例"
rule A09 decline when applicant.amount > 300_000 CNY effective ..< 2026-12-01
rule A10 decline when applicant.amount > max_amount

authority over applicant.level escalate E01 {
  level city { applicant.amount <= 200_000 CNY }
  level provincial above city { applicant.amount <= 1_000_000 CNY }
  level head_office above provincial
}
"#;

fn day(text: &str) -> chrono::NaiveDate {
    polc_core::value::ident::parse_date(text).unwrap_or_default()
}

/// Decides the record both ways, insists they agree, and names the outcome.
fn decide(policy: &Policy, as_of: &str, changes: serde_json::Value) -> String {
    let mut record =
        json!({"id": "T", "score": 700, "student": false, "overdue": 0, "amount": "100000", "level": "city"});
    if let (Some(base), Some(changes)) = (record.as_object_mut(), changes.as_object()) {
        for (k, v) in changes {
            base.insert(k.clone(), v.clone());
        }
    }
    let Ok(decoded) = policy.decode(&record) else { return "undecodable".to_string() };
    let mut scratch = Scratch::default();
    let compiled = policy.decide(&decoded, day(as_of), &mut scratch);
    let interpreted = decide_traced(policy.program(), policy.lists(), &decoded, day(as_of), &mut scratch, &mut NoTrace);
    assert_eq!(compiled, interpreted, "as_of {as_of}, record {record}");
    let program = policy.program();
    let level = |l: Option<u32>| {
        l.and_then(|l| program.authority.as_ref()?.levels.get(l as usize)).map_or("-".to_string(), |l| l.name.clone())
    };
    let codes: Vec<&str> =
        compiled.reasons.iter().filter_map(|&r| program.codes.get(r as usize)).map(String::as_str).collect();
    match &compiled.outcome {
        Outcome::Approve { level: l } => format!("approve at {}", level(*l)),
        Outcome::Refer { to } => format!("refer to {} {codes:?}", level(*to)),
        Outcome::Decline => format!("decline {codes:?}"),
        Outcome::Error { code, message, .. } => format!("error in {code}: {message}"),
    }
}

fn policy() -> Policy {
    Policy::from_source("g.pol", POLICY, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn const_versions_are_chosen_by_as_of() {
    let p = policy();
    assert_eq!(decide(&p, "2026-11-22", json!({"score": 560})), "approve at city");
    assert_eq!(decide(&p, "2026-12-31", json!({"score": 560})), "approve at city");
    assert_eq!(decide(&p, "2027-01-01", json!({"score": 560})), r#"decline ["A04"]"#);
    assert_eq!(decide(&p, "2027-01-01", json!({"score": 580})), "approve at city");
}

#[test]
fn an_as_of_outside_every_version_of_a_needed_const_is_an_error() {
    let p = policy();
    let got = decide(&p, "2025-06-01", json!({}));
    assert!(got.starts_with("error in A10: no version of const `max_amount` is in force on 2025-06-01"), "{got}");
}

#[test]
fn rules_out_of_their_effective_range_take_no_part() {
    let p = policy();
    assert_eq!(decide(&p, "2026-11-30", json!({"amount": "400000"})), r#"decline ["A09"]"#);
    assert_eq!(decide(&p, "2026-12-01", json!({"amount": "400000"})), r#"refer to provincial ["E01"]"#);
}

#[test]
fn overridable_declines_alone_are_referred_to_the_granting_level() {
    let p = policy();
    assert_eq!(decide(&p, "2026-11-22", json!({"overdue": 3})), r#"refer to head_office ["A05"]"#);
    // with the escalation: the level nearest the root, both codes
    assert_eq!(
        decide(&p, "2026-11-22", json!({"overdue": 3, "amount": "300000"})),
        r#"refer to head_office ["A05", "E01"]"#
    );
    // the own level is above the granting one: referred to the own level, never down
    assert_eq!(
        decide(&p, "2026-11-22", json!({"overdue": 3, "level": "head_office"})),
        r#"refer to head_office ["A05"]"#
    );
    // another decline: an exception cannot lift it, every decline is a reason
    assert_eq!(decide(&p, "2026-11-22", json!({"overdue": 3, "score": 500})), r#"decline ["A04", "A05"]"#);
    assert_eq!(decide(&p, "2026-11-22", json!({"overdue": 3, "student": true})), r#"decline ["A01", "A05"]"#);
}

#[test]
fn the_compiled_evaluator_reads_versions_without_the_interpreter() {
    let p = policy();
    let executable = polc_core::eval::Executable::new(p.program().clone());
    assert_eq!(executable.compiled().interpreted().len(), 0);
}

#[test]
fn the_formatter_writes_one_clause_a_line_in_a_fixed_order() {
    let text = "policy g version \"1\"\nconst m: Int = 5 effective 2026-01-01 ..< 2027-01-01 basis company \"c\"\n\
                rule A01 decline when m > 1 overridable by city effective 2026-01-01 .. basis industry \"i\"\n";
    let formatted = polc_core::syntax::format::format(text).unwrap_or_else(|_| panic!("does not format"));
    assert_eq!(
        formatted,
        "policy g version \"1\"\nconst m: Int = 5\n  basis company \"c\"\n  effective 2026-01-01 ..< 2027-01-01\n\n\
         rule A01 decline when m > 1\n  basis industry \"i\"\n  effective 2026-01-01 ..\n  overridable by city\n"
    );
    let again = polc_core::syntax::format::format(&formatted).unwrap_or_else(|_| panic!("does not format again"));
    assert_eq!(again, formatted);
}
