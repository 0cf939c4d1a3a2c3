//! `polc import pmml` against a reference PMML evaluator, on real exports.
//!
//! `tests/pmml/real/` holds PMML 4.4 `Scorecard`s written by a scorecard tool
//! (optbinning `Scorecard`, exported by sklearn2pmml), 1,000 generated
//! applications (`records.jsonl`), and what JPMML-Evaluator scores each record
//! (`MODEL.expected.jsonl`: score and reason codes in rank order), all made by
//! `scripts/pmml/make_pmml.py`. This test needs neither Java nor Python: it
//! imports each model with polc's importer (what `polc import pmml` runs), puts
//! the scorecards in a policy, decides every record and asserts every score and
//! reason-code list equals the reference's. `scripts/pmml/check-reference.sh`
//! regenerates the files with Java and runs this test on them
//! (`POLC_PMML_REAL=DIR`).
//!
//! Reasons: PMML `pointsBelow` ranks the reason codes by points lost below the
//! baseline, most first, and reports only those that lost points; `.pol` does
//! the same (§11) and breaks ties by code. The reference's order is asserted
//! as it is: where two codes lost the same points, JPMML's order must be the
//! codes' order too (see `ties_are_ordered_by_code`).
#![expect(clippy::panic, reason = "a failed conversion or decision fails the test")]

mod common;

use polc_core::io::pmml::{scorecards_from_pmml, PmmlOptions};
use std::path::PathBuf;

/// The models in `tests/pmml/real/`.
const MODELS: [&str; 3] = ["app_score", "bhv_score", "limit_score"];

fn dir() -> PathBuf {
    match std::env::var_os("POLC_PMML_REAL") {
        Some(dir) => PathBuf::from(dir),
        None => {
            common::at_workspace_root();
            PathBuf::from("tests/pmml/real")
        }
    }
}

fn read(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn imported(model: &str) -> String {
    let options = PmmlOptions {
        prefix: Some("applicant".into()),
        money: vec!["monthly_income".into()],
        source: Some(format!("{model}.pmml")),
        ..PmmlOptions::default()
    };
    let xml = read(&format!("{model}.pmml"));
    scorecards_from_pmml(&xml, &options).unwrap_or_else(|errors| panic!("{model}.pmml: {errors:#?}"))
}

/// Both imported scorecards in one policy, as an underwriter would hold them.
fn policy() -> (polc::Policy, String) {
    let cards: Vec<String> = MODELS.iter().map(|m| imported(m)).collect();
    let source = format!(
        "policy pmml_reference \"PMML reference check\" version \"1\"\n\
         enum Product {{ consumer_loan, auto_loan, micro_business_loan, mortgage_loan }}\n\
         enum Employment {{ salaried, civil_servant, self_employed, freelance, retired, student, unemployed }}\n\
         record Applicant {{\n\
         \x20 id: String, age: Int?, monthly_income: Money?, dti: Decimal?, credit_score: Int?,\n\
         \x20 product: Product?, overdue_count_24m: Int?, employment_type: Employment?,\n\
         \x20 months_on_book: Int?, inquiries_6m: Int?, utilization: Decimal?\n\
         }}\n\
         input applicant: Applicant\n\
         {}\n\
         rule R01 \"low application score\" refer when app_score < 400\n\
         rule R02 \"low behaviour score\" refer when bhv_score < 400\n\
         rule R03 \"low limit score\" refer when limit_score < 300\n",
        cards.join("\n")
    );
    let policy = polc::Policy::from_source("pmml_reference.pol", &source, &polc::MemoryLoader::new())
        .unwrap_or_else(|e| panic!("{source}\n{e:?}"));
    (policy, source)
}

/// `{"applicant": record}` for each line of `records.jsonl`, with its id.
fn records() -> Vec<(String, String)> {
    read("records.jsonl")
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let id = value["id"].as_str().unwrap_or_else(|| panic!("no id: {line}")).to_string();
            (id, format!("{{\"applicant\":{line}}}"))
        })
        .collect()
}

/// `MODEL.expected.jsonl`: by record id, the reference's score and reasons.
fn expected(model: &str) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    read(&format!("{model}.expected.jsonl"))
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let id = value["id"].as_str().unwrap_or_default().to_string();
            (id, value["score"].clone(), value["reasons"].clone())
        })
        .collect()
}

#[test]
fn every_record_scores_as_the_reference_evaluator_says() {
    let (policy, source) = policy();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let records = records();
    assert_eq!(records.len(), 1_000, "records.jsonl");
    let decided: Vec<serde_json::Value> = records
        .iter()
        .map(|(id, record)| {
            let verdict = policy.evaluate_json(record, as_of).unwrap_or_else(|e| panic!("{id}: {e:?}"));
            serde_json::to_value(&verdict).unwrap_or_default()
        })
        .collect();
    let mut mismatches = Vec::new();
    for model in MODELS {
        let reference = expected(model);
        assert_eq!(reference.len(), records.len(), "{model}.expected.jsonl");
        for (((id, record), line), (expected_id, score, reasons)) in records.iter().zip(&decided).zip(&reference) {
            assert_eq!(id, expected_id, "{model}.expected.jsonl is in the records' order");
            let scored = &line["scores"][model];
            if scored["score"] != *score || scored["reasons"] != *reasons {
                mismatches.push(format!(
                    "{model} {id}: polc {} {}, reference {score} {reasons}\n  {record}",
                    scored["score"], scored["reasons"]
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} scores differ from the reference:\n{}\n\nthe policy:\n{source}",
        mismatches.len(),
        MODELS.len() * records.len(),
        mismatches.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The reference data exercise what they should: missing values, every bin's
/// edge (one record in ten sits at a cut-off), records that lose fewer points
/// than they report reasons for, and ties between reason codes.
#[test]
fn the_reference_data_cover_the_edges() {
    let records = records();
    let text: Vec<serde_json::Value> =
        records.iter().map(|(_, r)| serde_json::from_str(r).unwrap_or_default()).collect();
    let missing = text.iter().filter(|r| r["applicant"].as_object().is_some_and(|o| o.values().any(|v| v.is_null())));
    assert!(missing.count() >= 100, "records with a missing value");
    for model in MODELS {
        let reference = expected(model);
        let short = reference.iter().filter(|(_, _, reasons)| reasons.as_array().is_some_and(|r| r.len() < 2));
        assert!(short.count() > 0, "{model}: a record that loses points on fewer characteristics than it reports");
    }
}

/// How ties map: `.pol` orders characteristics that lost the same points by
/// reason code (§11); JPMML-Evaluator ranks them by points lost and keeps the
/// model's order among equals, which is the codes' order here (the importer
/// keeps the characteristics' order, and make_pmml.py numbers them S01, S02…).
/// So the reference must list tied codes in code order, and the data must
/// hold such ties (else the main test would not exercise the mapping).
#[test]
fn ties_are_ordered_by_code() {
    let (policy, _) = policy();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let options = polc::LineOptions { explain: true, ..polc::LineOptions::default() };
    let mut ties = 0;
    for model in MODELS {
        for ((id, record), (_, _, reasons)) in records().iter().zip(expected(model)) {
            let verdict = serde_json::to_value(policy.decide_json_with(record, as_of, options)).unwrap_or_default();
            let cards = verdict["trace"]["scorecards"].as_array().cloned().unwrap_or_default();
            let card = cards.iter().find(|c| c["name"] == model).unwrap_or_else(|| panic!("{id}: no {model}"));
            let lost = |code: &serde_json::Value| {
                let characteristics = card["characteristics"].as_array().cloned().unwrap_or_default();
                let found = characteristics.iter().find(|c| c["reason"] == *code).map(|c| c["lost"].clone());
                found.and_then(|l| l.as_i64()).unwrap_or_else(|| panic!("{id}: no characteristic {code}"))
            };
            let reasons = reasons.as_array().cloned().unwrap_or_default();
            for pair in reasons.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                assert!(lost(a) >= lost(b), "{model} {id}: the reference ranks {a} before {b}");
                if lost(a) == lost(b) {
                    assert!(a.as_str() < b.as_str(), "{model} {id}: tie between {a} and {b} not in code order");
                    ties += 1;
                }
            }
        }
    }
    assert!(ties > 0, "no record ties two reasons: the tie rule is not exercised");
}
