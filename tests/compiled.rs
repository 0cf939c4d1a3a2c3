//! The compiled evaluator (`eval::decide`, closures) and the tree interpreter
//! (`eval::decide_traced`, used for `--explain` and coverage) decide every
//! record alike: outcome, reasons, authority walk, and for faults the same
//! first fault. Checked on the shipped example records and on conditions
//! chosen to reach every compiled shape, against records with missing values,
//! zeros and extremes.

mod common;

use polc::{FsLoader, MemoryLoader, Policy};
use polc_core::eval::{decide_traced, Executable, NoTrace, Outcome, Scratch};
use serde_json::{json, Value};
use std::path::Path;

fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

/// Decides `record` both ways and insists they agree; returns how many agreed (1 or 0 if undecodable).
fn agree(policy: &Policy, record: &Value, what: &str) -> usize {
    let Ok(decoded) = policy.decode(record) else {
        return 0;
    };
    let mut scratch = Scratch::default();
    let compiled = policy.decide(&decoded, as_of(), &mut scratch);
    let interpreted = decide_traced(policy.program(), policy.lists(), &decoded, as_of(), &mut scratch, &mut NoTrace);
    assert_eq!(compiled, interpreted, "{what}\nrecord: {record}");
    1
}

#[test]
fn shipped_policies_decide_the_example_records_alike() {
    common::at_workspace_root();
    for (policy, records) in [
        ("policies/consumer_loan.pol", "examples/applicants.jsonl"),
        ("policies/micro_business_loan.pol", "examples/micro_business_loan.jsonl"),
    ] {
        let policy = Policy::from_file(Path::new(policy), &FsLoader).unwrap_or_else(|e| panic!("{policy}: {e}"));
        let text = std::fs::read_to_string(records).unwrap_or_else(|e| panic!("{records}: {e}"));
        let decided: usize = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{records}: {e}")))
            .map(|record: Value| agree(&policy, &record, records))
            .sum();
        assert!(decided >= 15, "{records}: only {decided} records decided");
    }
}

const SCHEMA: &str = r#"
enum Level { city, provincial, head_office }
enum Kind { a, b, c }
record Prior { amount: Money, overdue: Bool }
record Applicant {
  id: String
  id_number: IdCard
  birth_date: Date
  income: Money
  debt: Money
  bonus: Money?
  score: Int
  extra: Int?
  rate: Decimal
  start: Date?
  phone: Phone
  device_id: String?
  kind: Kind
  flag: Bool
  priors: list<Prior>
  level: Level
}
input applicant: Applicant
list ids: IdCard from "ids.txt"
list devices: String from "devices.txt"
const kinds: set<Kind> = {a, c}
let ratio = applicant.debt / applicant.income
let age = years_between(applicant.birth_date, as_of)
let total = applicant.income + (applicant.bonus ?? 0 CNY)
let doubled = applicant.score * 2
"#;

/// Conditions reaching every compiled shape and several fallbacks.
const CONDITIONS: &[&str] = &[
    "applicant.score < 600",
    "applicant.score == 700",
    "applicant.score != 700",
    "600 <= applicant.score",
    "not (applicant.extra exists)",
    "applicant.extra exists and applicant.extra > 3",
    "applicant.extra exists and applicant.extra != 3",
    "applicant.score + 1 > 700",
    "applicant.score - applicant.score * 2 < -600",
    "applicant.score / (applicant.score - applicant.score) > 1",
    "applicant.score * 9_000_000_000_000_000_000 > 0",
    "-applicant.score < 0",
    "doubled >= 1400",
    "applicant.income > 0 CNY",
    "applicant.income >= 10_000 CNY",
    "applicant.income == 10000.00 CNY",
    "20_000 CNY > applicant.income",
    "applicant.bonus exists and applicant.bonus > 500 CNY",
    "(applicant.bonus ?? 1 CNY) == 500.50 CNY",
    "applicant.bonus exists and applicant.bonus != 500.5 CNY",
    "ratio <= 50%",
    "50% >= ratio",
    "0.25 == ratio",
    "applicant.debt / applicant.income <= 50%",
    "applicant.debt / applicant.income > 0.2500",
    "1 < applicant.income / applicant.debt",
    "ratio > 0.25",
    "ratio == 0.25",
    "total > 10_000 CNY",
    "applicant.income / applicant.debt > 3",
    "applicant.income * 1.5 > applicant.debt",
    "applicant.rate in 2% ..= 8%",
    "applicant.rate in 0.035 ..= 0.035",
    "applicant.score in 600 ..= 700",
    "applicant.income in applicant.debt ..= 20_000 CNY",
    "applicant.start exists and applicant.start in 2020-01-01 ..= as_of",
    "age < 18",
    "age >= 36",
    "months_between(applicant.birth_date, as_of) > 400",
    "applicant.birth_date < 2000-01-01",
    "applicant.start exists and applicant.start > applicant.birth_date",
    "(applicant.start ?? as_of) == as_of",
    "applicant.kind in kinds",
    "applicant.kind in {b}",
    "applicant.kind == b",
    "applicant.level != city",
    "applicant.flag",
    "not applicant.flag",
    "applicant.flag or applicant.score > 0",
    "applicant.flag and applicant.score / 0 > 0",
    "applicant.score > 0 or applicant.score / 0 > 0",
    "applicant.id_number in ids",
    "applicant.device_id exists and applicant.device_id in devices",
    "(applicant.device_id ?? \"\") in devices",
    "applicant.device_id exists and applicant.device_id == \"dev-1\"",
    "any(applicant.priors, p => p.overdue)",
    "sum(applicant.priors, p => p.amount) > 3000 CNY",
    "count(applicant.priors) >= 2",
    "len(applicant.id) > 2",
    "starts_with(applicant.phone, \"138\")",
    "birth_date(applicant.id_number) == applicant.birth_date",
    "max(applicant.score, 650) > 660",
    "round(ratio, 1) == 0.3",
    "abs(applicant.income - applicant.debt) > 0 CNY",
    "applicant.birth_date + 18 years > as_of",
    "ratio <= 50% and age >= 18 and applicant.kind in kinds and not (applicant.score < 550)",
    // conditionals and decision tables (§10)
    "(if applicant.score > 650 then 1 else 2) == 1",
    "(if applicant.extra exists then applicant.extra else 0) > 3",
    "(if applicant.flag then applicant.income else applicant.debt) > 3000 CNY",
    "(if applicant.flag then 0.5 else 1) * applicant.income > 5000 CNY",
    "(if applicant.score > 600 then applicant.start else none) exists",
    "if applicant.flag then applicant.score > 600 else if applicant.kind == b then true else ratio > 20%",
    "(if applicant.score > 0 then applicant.score / 0 else 1) > 0",
    "applicant.score in 600 ..< 700",
    "applicant.rate in 2% ..< 3.5%",
    "(match applicant.kind { a => 1, b | c => 2 }) == 2",
    "(match applicant.kind { kinds => 1, b => 2 }) == 1",
    "(match applicant.score { < 600 => \"low\", 600 ..< 700 => \"mid\", >= 700 => \"high\" }) == \"mid\"",
    "match applicant.kind, applicant.level { a, city => true, a, provincial | head_office => false, b | c, _ => applicant.flag }",
    "(match applicant.extra { none => 0, < 3 => 1, >= 3 => 2 }) > 1",
    "(match applicant.rate { < 3% => 0.5, >= 3% => 1 }) * applicant.income > 5000 CNY",
    "(match applicant.bonus { none => 0 CNY, <= 500.50 CNY => 1 CNY, > 500.50 CNY => 2 CNY }) == 1 CNY",
    "(match applicant.start { none => as_of, _ => 2000-01-01 }) < as_of",
    "(match applicant.start { none => 0, < 2021-05-01 => 1, 2021-05-01 ..= 2026-11-21 => 2, >= 2026-11-22 => 3 }) == 2",
    "(match applicant.device_id { none => 0, {\"dev-1\"} => 1, _ => 2 }) == 1",
    "(match applicant.score { < 0 => applicant.score / 0, _ => 1 }) == 1",
    "(match applicant.flag { true => 1, false => 2 }) == 1",
    "(match applicant.flag, applicant.kind { true, _ => 0, false, a => 1, false, b | c => match applicant.score { < 650 => 2, _ => 3 } }) >= 2",
];

/// The first of [`records`].
fn records_base() -> Value {
    records().first().cloned().unwrap_or_default()
}

fn records() -> Vec<Value> {
    let base = json!({
        "id": "T1", "id_number": "110100199003070138", "birth_date": "1990-03-07",
        "income": "10000.00", "debt": "2500.00", "bonus": "500.50", "score": 700, "extra": null,
        "rate": "0.035", "start": "2021-05-01", "phone": "13800138000", "device_id": "dev-1",
        "kind": "a", "flag": false,
        "priors": [{"amount": "1000.00", "overdue": false}, {"amount": "2500.50", "overdue": true}],
        "level": "city"
    });
    let variants: &[(&str, Value)] = &[
        ("score", json!(550)),
        ("score", json!(0)),
        ("score", json!(-5)),
        ("score", json!(i64::MAX)),
        ("extra", json!(3)),
        ("extra", json!(4)),
        ("income", json!("0")),
        ("income", json!("0.00")),
        ("income", json!("9999999999999999.99")),
        ("income", json!("20000")),
        ("debt", json!("0")),
        ("debt", json!("5000.001")),
        ("debt", json!("3333.33")),
        // a ratio exactly at, and one fen either side of, `ratio <= 50%`
        ("debt", json!("5000.00")),
        ("debt", json!("5000.01")),
        ("debt", json!("4999.99")),
        ("debt", json!("-2500.00")),
        ("income", json!("-10000.00")),
        ("bonus", json!(null)),
        ("bonus", json!("500.5")),
        ("rate", json!("0.02")),
        ("rate", json!("0.0800")),
        ("rate", json!("0.08000000000000000000000001")),
        ("rate", json!("0.019999")),
        ("start", json!(null)),
        ("start", json!("2026-11-22")),
        ("birth_date", json!("2008-11-23")),
        ("birth_date", json!("2008-11-22")),
        ("birth_date", json!("1900-02-28")),
        ("device_id", json!(null)),
        ("device_id", json!("bad-1")),
        ("id_number", json!("110101194612160431")),
        ("kind", json!("b")),
        ("flag", json!(true)),
        ("priors", json!([])),
        ("level", json!("head_office")),
    ];
    let mut records = vec![base.clone()];
    for (field, value) in variants {
        let mut record = base.clone();
        record[*field] = value.clone();
        records.push(record);
    }
    records
}

#[test]
fn every_compiled_shape_agrees_with_the_interpreter() {
    common::at_workspace_root();
    let loader = MemoryLoader::new().with("ids.txt", "110101194612160431\n").with("devices.txt", "bad-1\n");
    let records = records();
    let mut decided = 0;
    for condition in CONDITIONS {
        for outcome in ["decline when", "decline unless", "refer when"] {
            let source = format!("policy t version \"1\"\n{SCHEMA}\nrule X01 {outcome} {condition}\n");
            let policy =
                Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("`{condition}`: {e}"));
            for record in &records {
                decided += agree(&policy, record, condition);
            }
        }
    }
    assert_eq!(decided, CONDITIONS.len() * 3 * records.len(), "every record decodes");
}

#[test]
fn authority_walks_agree_with_the_interpreter() {
    common::at_workspace_root();
    let authority = r#"
authority over applicant.level escalate E01 {
  level city { applicant.income <= 20_000 CNY  applicant.rate in 2% ..= 8%  applicant.kind in {a, b}  applicant.debt <= 3_000 CNY }
  level provincial above city { applicant.income <= 100_000 CNY  applicant.rate in 1% ..= 8%  applicant.debt <= 50_000 CNY }
  level head_office above provincial { applicant.income <= 500_000 CNY  applicant.debt <= 100_000 CNY }
}
rule R01 refer to provincial when applicant.score < 650
rule D01 decline when applicant.flag
"#;
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{authority}");
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    let decided: usize = records().iter().map(|r| agree(&policy, r, "authority")).sum();
    assert_eq!(decided, records().len());
}

#[test]
fn credit_limits_offers_and_outputs_agree_with_the_interpreter() {
    common::at_workspace_root();
    // lines that cut, decline under their floor, fail (score 550) and read lets;
    // rules, an authority limit and outputs that read the (offered) amount
    let body = r#"
limit L01 "负债倍数" applicant.income <= applicant.debt * 4 floor 5_000 CNY
limit L02 applicant.income <= 12_000.005 CNY - (applicant.bonus ?? 0 CNY)
limit L03 applicant.income <= 1_000_000 CNY / (applicant.score - 550)
rule R01 refer when applicant.income > 9_000 CNY
rule R02 refer when requested(applicant.income) > 15_000 CNY
rule D01 decline when ratio > 100%
authority over applicant.level escalate E01 {
  level city { applicant.income <= 8_000 CNY }
  level provincial above city { applicant.income <= 100_000 CNY }
  level head_office above provincial
}
output offered = applicant.income
output asked = requested(applicant.income)
output ratio = ratio
output age = age
output kind = applicant.kind
output start = applicant.start
output device = applicant.device_id
output phone = applicant.phone
output flag = applicant.flag
output per_point = applicant.income / applicant.score
"#;
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{body}");
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    let decided: usize = records().iter().map(|r| agree(&policy, r, "limits and outputs")).sum();
    assert_eq!(decided, records().len());
    // the records reach every kind of result
    let mut scratch = Scratch::default();
    let mut seen = std::collections::BTreeSet::new();
    for record in records() {
        let Ok(decoded) = policy.decode(&record) else { continue };
        let d = policy.decide(&decoded, as_of(), &mut scratch);
        let kind = match (&d.outcome, &d.offer) {
            (polc_core::eval::Outcome::Error { code, .. }, _) => format!("error in {code}"),
            (_, Some(offer)) => format!("offer of {} codes", offer.adjustments.len()),
            (outcome, None) => format!("{outcome:?}").split([' ', '{']).next().unwrap_or_default().to_string(),
        };
        seen.insert(kind);
    }
    let seen: Vec<&str> = seen.iter().map(String::as_str).collect();
    for kind in ["error in L03", "error in per_point", "offer of 1 codes", "offer of 3 codes", "Decline"] {
        assert!(seen.contains(&kind), "no record gives `{kind}`: {seen:?}");
    }
}

#[test]
fn scorecards_agree_with_the_interpreter() {
    common::at_workspace_root();
    let scorecards = r#"
scorecard app "申请评分卡" base 520 reasons 2 {
  characteristic applicant.score "信用分" reason S01 baseline 40 {
    < 600       => 10
    600 ..< 700 => 30
    >= 700      => 45
  }
  characteristic applicant.kind reason S02 baseline 20 {
    a | b => 20
    c     => -5
  }
  characteristic applicant.extra reason S03 baseline 10 {
    none  => 0
    < 4   => 5
    >= 4  => 10
  }
  characteristic applicant.bonus reason S04 baseline 10 {
    none             => 0
    <= 500.50 CNY    => 10
    > 500.50 CNY     => 15
  }
  characteristic ratio reason S05 baseline 10 {
    < 30%  => 10
    >= 30% => 0
  }
}
scorecard tiny base 0 {
  characteristic applicant.score * 9_000_000_000_000_000 reason T01 baseline 0 {
    _ => 0
  }
}
let strong = app >= 560
rule D01 decline when app < 540
rule R01 refer when not strong and applicant.flag
rule R02 refer when applicant.level == head_office and tiny > 0
"#;
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{scorecards}");
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    let decided: usize = records().iter().map(|r| agree(&policy, r, "scorecards")).sum();
    assert_eq!(decided, records().len());
    // no fallback: every characteristic, total and rule over them runs as closures
    assert_eq!(interpreted_after(&policy, &source, "scorecard app"), Vec::<String>::new());
}

/// The shapes a characteristic compiles to its points by region: a let not
/// yet computed read through its shape (`if`, a ratio placed without
/// dividing, at and beside its bounds, and by zero), a Bool, a `String?` of
/// `none`/`_`, an enum, a computed let; then lets read after the score placed
/// them without storing them.
#[test]
fn scorecard_characteristics_by_region_agree_with_the_interpreter() {
    common::at_workspace_root();
    let scorecards = r#"
let guarded = if applicant.income > 0 CNY then ratio else 100%
scorecard shapes base 100 reasons 2 {
  characteristic guarded reason G01 baseline 10 {
    < 25%       => 10
    25% ..< 50% => 5
    >= 50%      => 0
  }
  characteristic applicant.flag reason G02 baseline 10 {
    true  => 0
    false => 10
  }
  characteristic applicant.device_id reason G03 baseline 10 {
    none => 0
    _    => 10
  }
  characteristic age reason G04 baseline 10 {
    < 18      => 0
    18 ..< 60 => 10
    >= 60     => 5
  }
  characteristic applicant.kind reason G05 baseline 2 {
    a     => 1
    b | c => 2
  }
  characteristic ratio reason G06 baseline 10 {
    <= 25% => 10
    > 25%  => 0
  }
}
rule Q01 decline when shapes < 40
rule Q02 refer when guarded > 40%
rule Q03 refer when ratio == 25%
"#;
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{scorecards}");
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    let mut records = records();
    // ratios exactly on, and beside, the 25% and 50% bounds
    for debt in ["2500.00", "2499.99", "2500.01", "5000", "4999.999", "-5000.00"] {
        let mut record = records.first().cloned().unwrap_or_default();
        record["debt"] = json!(debt);
        records.push(record);
    }
    let decided: usize = records.iter().map(|r| agree(&policy, r, "characteristics by region")).sum();
    assert_eq!(decided, records.len());
    assert_eq!(interpreted_after(&policy, &source, "let guarded"), Vec::<String>::new());
    // the records reach errors (a zero income: `ratio` divides by zero) and scores
    let mut scratch = Scratch::default();
    let (mut errors, mut scored) = (0, 0);
    for record in &records {
        let Ok(decoded) = policy.decode(record) else { continue };
        let decision = policy.decide(&decoded, as_of(), &mut scratch);
        errors += usize::from(matches!(decision.outcome, Outcome::Error { .. }));
        scored += usize::from(decision.scores.first().is_some_and(|s| s.points.len() == 6));
    }
    assert!(errors > 0 && scored > 0, "{errors} errors, {scored} scored");
}

/// The characteristics' fast paths at their edges: Int bins on, beside and
/// beyond their bounds (negative too), an optional Money subject (`none`)
/// placed at scales above, at and below its bounds' (`500.5`, `500.50`,
/// `500.505`, `500`), a negative and a tiny Decimal rate, a `none` Int, and a
/// points sum that overflows (the score's fault, not a wrapped score); each
/// decision as the interpreter's, `scores` included.
#[test]
fn scorecard_fast_paths_agree_with_the_interpreter_at_their_edges() {
    common::at_workspace_root();
    let scorecards = r#"
scorecard edges base -10 reasons 2 {
  characteristic applicant.score reason E01 baseline 10 {
    < -1        => -7
    -1 ..= 0    => 0
    1 ..< 700   => 5
    >= 700      => 10
  }
  characteristic applicant.bonus reason E02 baseline 10 {
    none               => 0
    < 500.50 CNY       => 3
    500.50 CNY         => 7
    > 500.50 CNY       => 10
  }
  characteristic applicant.rate reason E03 baseline 10 {
    < 0%        => -5
    0% ..< 2%   => 1
    >= 2%       => 4
  }
  characteristic applicant.extra reason E04 baseline 10 {
    none  => 1
    <= 3  => 2
    > 3   => 3
  }
}
scorecard huge base 9_000_000_000_000_000_000 {
  characteristic applicant.flag reason H01 baseline 0 {
    true  => 300_000_000_000_000_000
    false => 0
  }
}
rule E10 decline when edges < 0
rule H10 refer when huge > 0
"#;
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{scorecards}");
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    let mut records = records();
    let edges: &[(&str, Value)] = &[
        ("score", json!(-2)),
        ("score", json!(-1)),
        ("score", json!(1)),
        ("score", json!(699)),
        ("score", json!(i64::MIN)),
        ("bonus", json!("500.50")),
        ("bonus", json!("500.505")),
        ("bonus", json!("500.495")),
        ("bonus", json!("500")),
        ("bonus", json!("501")),
        ("bonus", json!("-500.50")),
        ("bonus", json!("500.5000000000000000000001")),
        ("rate", json!("-0.0001")),
        ("rate", json!("0")),
        ("rate", json!("0.0000000000000000000000000001")),
        ("rate", json!("0.020")),
        ("extra", json!(-4)),
    ];
    for (field, value) in edges {
        let mut record = records.first().cloned().unwrap_or_default();
        record[*field] = value.clone();
        records.push(record);
    }
    let decided: usize = records.iter().map(|r| agree(&policy, r, "fast paths at their edges")).sum();
    assert_eq!(decided, records.len());
    assert_eq!(interpreted_after(&policy, &source, "scorecard edges"), Vec::<String>::new());
    // the flag's points overflow the sum: an error, and otherwise a score
    let mut scratch = Scratch::default();
    let (mut overflowed, mut scored) = (0, 0);
    for record in &records {
        let Ok(decoded) = policy.decode(record) else { continue };
        let decision = policy.decide(&decoded, as_of(), &mut scratch);
        match decision.outcome {
            Outcome::Error { code, .. } => overflowed += usize::from(code == "H10" || code == "huge"),
            _ => scored += usize::from(decision.scores.len() == 2),
        }
    }
    assert!(overflowed > 0 && scored > 0, "{overflowed} overflowed, {scored} scored");
}

/// The expressions at or after `marker` in `source` that the compiled program
/// hands to the tree interpreter, as written.
/// The score's shortest way (its fields placed first in one loop, then the
/// other characteristics, then the sum) falls back to the ordered sum as soon
/// as anything fails: the first fault is the same as the interpreter's,
/// whether an overflow of the sum comes before a characteristic's fault (the
/// flag's points) or after it, and a let read by a rule before the score.
#[test]
fn a_score_that_fails_part_of_the_way_fails_as_the_interpreter_does() {
    common::at_workspace_root();
    let scorecards = r#"
scorecard mixed base 9_000_000_000_000_000_000 reasons 2 {
  characteristic applicant.flag reason M01 baseline 0 {
    true  => 300_000_000_000_000_000
    false => 0
  }
  characteristic ratio reason M02 baseline 10 {
    < 25%       => 10
    25% ..< 50% => 5
    >= 50%      => 0
  }
  characteristic applicant.kind reason M03 baseline 5 {
    a     => 5
    b | c => 1
  }
  characteristic doubled reason M04 baseline 5 {
    < 0         => 0
    0 ..< 1_000 => 3
    >= 1_000    => 5
  }
  characteristic applicant.score reason M05 baseline 5 {
    < 600  => 0
    >= 600 => 5
  }
}
rule M09 refer when applicant.extra ?? 0 > 3 and ratio > 90%
rule M10 refer when mixed > 9_000_000_000_000_000_010
"#;
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{scorecards}");
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    let mut records = Vec::new();
    let base = records_base();
    for flag in [false, true] {
        for income in ["10000.00", "0", "3000.00"] {
            for score in [json!(700), json!(550), json!(i64::MAX), json!(-5)] {
                for extra in [json!(null), json!(4)] {
                    for kind in ["a", "b"] {
                        let mut record = base.clone();
                        record["flag"] = json!(flag);
                        record["income"] = json!(income);
                        record["score"] = score.clone();
                        record["extra"] = extra.clone();
                        record["kind"] = json!(kind);
                        records.push(record);
                    }
                }
            }
        }
    }
    let decided: usize = records.iter().map(|r| agree(&policy, r, "a score failing part of the way")).sum();
    assert_eq!(decided, records.len());
    // every way out was taken: scored, an overflow, a characteristic's fault
    let mut scratch = Scratch::default();
    let mut messages = std::collections::BTreeSet::new();
    let mut scored = 0;
    for record in &records {
        let Ok(decoded) = policy.decode(record) else { continue };
        match policy.decide(&decoded, as_of(), &mut scratch).outcome {
            Outcome::Error { message, .. } => {
                messages.insert(message);
            }
            _ => scored += 1,
        }
    }
    assert!(scored > 0 && messages.len() >= 2, "{scored} scored, faults {messages:?}");
}

fn interpreted_after(policy: &Policy, source: &str, marker: &str) -> Vec<String> {
    let from = source.find(marker).unwrap_or(0) as u32;
    let executable = Executable::new(policy.program().clone());
    executable
        .compiled()
        .interpreted()
        .iter()
        .filter(|span| span.start >= from)
        .map(|span| source.get(span.start as usize..span.end as usize).unwrap_or("?").to_string())
        .collect()
}

#[test]
fn conditionals_and_tables_run_as_closures_without_the_interpreter() {
    common::at_workspace_root();
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let marker = "// (end of CONDITIONS[..])";
    let first = CONDITIONS.iter().position(|c| c.starts_with("(if ")).unwrap_or(CONDITIONS.len());
    let tables = CONDITIONS.get(first..).unwrap_or_default();
    assert!(tables.len() >= 20, "the §10 shapes");
    for condition in tables {
        let source = format!("policy t version \"1\"\n{SCHEMA}\n{marker}\nrule X01 decline when {condition}\n");
        let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("`{condition}`: {e}"));
        assert_eq!(interpreted_after(&policy, &source, marker), Vec::<String>::new(), "`{condition}`");
    }
    // and a table whose arm needs the interpreter hands over only that arm's body
    let source = format!(
        "policy t version \"1\"\n{SCHEMA}\n{marker}\n\
         rule X01 decline when (match applicant.kind {{ a => count(applicant.priors), _ => 0 }}) > 1\n"
    );
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(interpreted_after(&policy, &source, marker), ["count(applicant.priors)"]);
}

#[test]
fn a_table_over_an_int_let_and_an_enum_field_agrees_with_the_interpreter() {
    common::at_workspace_root();
    // `doubled` (the schema's let) overflows at `i64::MAX` (the let fails);
    // `c` below 1_300 has no arm but `_`; the line is read by the limit and
    // by two rules (computed once, then in place)
    let lets = r#"
let line = match doubled, applicant.kind {
  >= 1_300, a        => 5_000 CNY
  >= 1_300, b | c    => 4_000.50 CNY
  1_000 ..< 1_300, a => 3_000 CNY
  < 1_000, b         => 2_000 CNY
  _, _               => 1_000 CNY
}
limit L01 applicant.debt <= line floor 100 CNY
rule M01 refer when line > 2_500 CNY
rule M02 decline when line == 1_000 CNY and applicant.flag
"#;
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{lets}");
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    let base = records_base();
    let mut decided = 0;
    let mut records = 0;
    for score in [json!(700), json!(650), json!(649), json!(500), json!(499), json!(-5), json!(i64::MAX)] {
        for kind in ["a", "b", "c"] {
            for flag in [false, true] {
                let mut record = base.clone();
                record["score"] = score.clone();
                record["kind"] = json!(kind);
                record["flag"] = json!(flag);
                records += 1;
                decided += agree(&policy, &record, "a table over an Int let and an enum field");
            }
        }
    }
    assert_eq!(decided, records);
}

#[test]
fn a_line_let_read_once_computed_in_place_agrees_with_the_interpreter() {
    common::at_workspace_root();
    // `cap` is read by the limit alone (computed in its place, its slot never
    // filled), and fails on a zero income; `band` is read by the line alone too
    let lets = r#"
let band = match doubled, applicant.kind {
  >= 1_300, a => 2
  _, _        => 1
}
let cap = 10_000 CNY * band / (applicant.income / 10_000 CNY)
limit L01 applicant.debt <= cap floor 100 CNY
rule M01 refer when applicant.score > 650
"#;
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{lets}");
    let loader = MemoryLoader::new().with("ids.txt", "").with("devices.txt", "");
    let policy = Policy::from_source("t.pol", &source, &loader).unwrap_or_else(|e| panic!("{e}"));
    let records = records();
    let decided: usize = records.iter().map(|r| agree(&policy, r, "a line let read once")).sum();
    assert_eq!(decided, records.len());
}

#[test]
fn a_table_over_an_enum_of_more_than_64_variants_finds_every_arm() {
    let variants: Vec<String> = (0..70).map(|i| format!("v{i}")).collect();
    let source = format!(
        "policy t version \"1\"\nenum Big {{ {} }}\nrecord R {{ id: String, big: Big }}\ninput r: R\n\
         let weight = match r.big {{\n  v1 | v65 => 1\n  v69      => 2\n  _        => 0\n}}\n\
         rule W01 decline when weight == 1\nrule W02 refer when weight == 2\n",
        variants.join(", ")
    );
    let policy = Policy::from_source("t.pol", &source, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"));
    for (variant, expected) in
        [("v1", "decline"), ("v65", "decline"), ("v69", "refer"), ("v64", "approve"), ("v3", "approve")]
    {
        let record = json!({"id": "x", "big": variant});
        assert_eq!(agree(&policy, &record, variant), 1);
        let verdict = policy.decide_json(&record.to_string(), as_of());
        assert_eq!(serde_json::to_value(verdict.decision).ok(), Some(json!(expected)), "{variant}");
    }
}

#[test]
fn the_scoring_bench_policies_compile_and_run_as_closures() {
    // benches/engine.rs times these two (issue #14's bar, docs/performance.md):
    // they must compile, decide alike both ways, and the additions must run
    // without the interpreter, or the bench would measure the slow path
    common::at_workspace_root();
    let text = std::fs::read_to_string("examples/applicants.jsonl").unwrap_or_else(|e| panic!("{e}"));
    let records: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"))).collect();
    let mut offers = 0;
    for path in ["benches/policies/scoring_base.pol", "benches/policies/scoring_full.pol"] {
        let policy = Policy::from_file(Path::new(path), &FsLoader).unwrap_or_else(|e| panic!("{path}: {e}"));
        let decided: usize = records.iter().map(|r| agree(&policy, r, path)).sum();
        assert_eq!(decided, records.len(), "{path}");
        let executable = Executable::new(policy.program().clone());
        assert_eq!(executable.compiled().interpreted().len(), 0, "{path}: the interpreter's share");
        let mut scratch = Scratch::default();
        for record in &records {
            let decoded = policy.decode(record).unwrap_or_else(|e| panic!("{e}"));
            let decision = policy.decide(&decoded, as_of(), &mut scratch);
            offers += usize::from(decision.offer.is_some());
            // a zero income neither faults the scorecard nor the base policy
            assert!(!matches!(decision.outcome, Outcome::Error { .. }), "{path}: {:?} {record}", decision.outcome);
            if path.ends_with("full.pol") {
                assert_eq!(decision.scores.len(), 1, "{path}: app_score is reported");
            }
        }
    }
    // the limit cuts some amounts, so the bench pays for counter-offers too
    assert!(offers > 0, "no counter-offer");
}
