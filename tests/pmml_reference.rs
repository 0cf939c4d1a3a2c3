//! `polc import pmml` against a reference PMML evaluator, on real exports.
//!
//! `tests/pmml/real/` holds PMML 4.4 `Scorecard`s written by a scorecard tool
//! (optbinning `Scorecard`, exported by sklearn2pmml), 1,000 generated
//! applications (`records.jsonl`), and what JPMML-Evaluator scores each record
//! (`MODEL.expected.jsonl`: score and reason codes in rank order), all made by
//! `scripts/pmml/make_pmml.py`. This test needs neither Java nor Python: it
//! imports each model with polc's importer (what `polc import pmml` runs), puts
//! the scorecards in a policy, decides every record and asserts every score
//! equals the reference's and every reason-code list maps to it as below.
//! `scripts/pmml/check-reference.sh` regenerates the files with Java and runs
//! this test on them (`POLC_PMML_REAL=DIR`).
//!
//! Reasons (docs/tools.md): both rank the reason codes by points lost below the
//! baseline (`pointsBelow`), most first. JPMML-Evaluator also reports codes that
//! lost nothing (points = baseline), after the others; `.pol` reports only those
//! that lost points (§11), so polc's list is the reference's up to its first
//! code that lost nothing. On a tie `.pol` puts the lower code first, JPMML the
//! earlier characteristic: the same here, as the codes ascend with the
//! characteristics (`ties_are_ordered_by_code`).
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
        // optbinning's PMML calls every number `double`; the policy holds these as Int
        int: ["age", "credit_score", "overdue_count_24m", "months_on_book", "inquiries_6m"].map(String::from).to_vec(),
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

/// Each line of `records.jsonl` (an `Applicant`), with its id.
fn records() -> Vec<(String, String)> {
    read("records.jsonl")
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let id = value["id"].as_str().unwrap_or_else(|| panic!("no id: {line}")).to_string();
            (id, line.to_string())
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

/// One record as polc decided it, for one scorecard: the score, the reasons
/// reported, and the points each characteristic lost (by reason code).
struct Scored {
    score: serde_json::Value,
    reasons: Vec<String>,
    lost: Vec<(String, i64)>,
}

/// Every record decided with its trace: per record, per model.
fn decided(policy: &polc::Policy) -> Vec<Vec<Scored>> {
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let options = polc::LineOptions { explain: true, ..polc::LineOptions::default() };
    records()
        .iter()
        .map(|(id, record)| {
            let verdict = policy.decide_json_with(record, as_of, options);
            let line = serde_json::to_value(&verdict).unwrap_or_default();
            assert_ne!(line["decision"], "error", "{id}: {line}");
            let cards = line["trace"]["scorecards"].as_array().cloned().unwrap_or_default();
            MODELS
                .iter()
                .map(|model| {
                    let card = cards.iter().find(|c| c["name"] == *model).unwrap_or_else(|| panic!("{id}: no {model}"));
                    let characteristics = card["characteristics"].as_array().cloned().unwrap_or_default();
                    let lost = characteristics
                        .iter()
                        .map(|c| {
                            (c["reason"].as_str().unwrap_or_default().to_string(), c["lost"].as_i64().unwrap_or(-1))
                        })
                        .collect();
                    let reasons = line["scores"][model]["reasons"].as_array().cloned().unwrap_or_default();
                    let reasons = reasons.iter().map(|r| r.as_str().unwrap_or_default().to_string()).collect();
                    Scored { score: line["scores"][model]["score"].clone(), reasons, lost }
                })
                .collect()
        })
        .collect()
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    let items = value.as_array().cloned().unwrap_or_default();
    items.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
}

/// The scores equal the reference's on every record. The reasons map as
/// docs/tools.md says: JPMML-Evaluator ranks every reason code whose
/// characteristic is at or below its baseline, and so also reports codes that
/// lost nothing (points = baseline); `.pol` reports only characteristics that
/// lost points (§11: "when that is positive"). So polc's reasons are the
/// reference's up to its first code that lost nothing, and every code after
/// that lost nothing either.
#[test]
fn every_record_scores_as_the_reference_evaluator_says() {
    let (policy, source) = policy();
    let records = records();
    assert_eq!(records.len(), 1_000, "records.jsonl");
    let decided = decided(&policy);
    let mut mismatches = Vec::new();
    for (m, model) in MODELS.iter().enumerate() {
        let reference = expected(model);
        assert_eq!(reference.len(), records.len(), "{model}.expected.jsonl");
        for (((id, record), scored), (expected_id, score, reasons)) in records.iter().zip(&decided).zip(&reference) {
            assert_eq!(id, expected_id, "{model}.expected.jsonl is in the records' order");
            let scored = &scored[m];
            let reasons = strings(reasons);
            let lost = |code: &String| scored.lost.iter().find(|(c, _)| c == code).map(|(_, l)| *l);
            let positive: Vec<String> = reasons.iter().filter(|c| lost(c).is_some_and(|l| l > 0)).cloned().collect();
            let rest_lost_nothing = reasons[positive.len().min(reasons.len())..].iter().all(|c| lost(c) == Some(0));
            let prefix = reasons.get(..positive.len()) == Some(positive.as_slice());
            if scored.score != *score || scored.reasons != positive || !prefix || !rest_lost_nothing {
                mismatches.push(format!(
                    "{model} {id}: polc {} {:?} (lost {:?}), reference {score} {reasons:?}\n  {record}",
                    scored.score, scored.reasons, scored.lost
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

/// The reference data exercise what they should: missing values, records that
/// lose points on fewer characteristics than the model reports, and reference
/// lists that go on with codes that lost nothing.
#[test]
fn the_reference_data_cover_the_edges() {
    let records = records();
    let text: Vec<serde_json::Value> =
        records.iter().map(|(_, r)| serde_json::from_str(r).unwrap_or_default()).collect();
    let missing = text.iter().filter(|r| r.as_object().is_some_and(|o| o.values().any(|v| v.is_null())));
    assert!(missing.count() >= 100, "records with a missing value");
    let (policy, _) = policy();
    let decided = decided(&policy);
    for (m, model) in MODELS.iter().enumerate() {
        let reference = expected(model);
        let reported = reference.iter().map(|(_, _, r)| strings(r).len()).max().unwrap_or(0);
        assert!(reported >= 2, "{model}: reports several reasons");
        let short = decided.iter().filter(|d| d[m].reasons.len() < reported).count();
        assert!(short > 0, "{model}: a record that loses points on fewer characteristics than it reports");
        let zero = decided.iter().zip(&reference).filter(|(d, (_, _, r))| d[m].reasons.len() < strings(r).len());
        assert!(zero.count() > 0, "{model}: a reference list with a code that lost nothing");
    }
}

/// How ties map: `.pol` orders characteristics that lost the same points by
/// reason code (§11); JPMML-Evaluator ranks by points lost and keeps the
/// model's order among equals, which is the codes' order here (the importer
/// keeps the characteristics' order, and make_pmml.py numbers them S01, S02…).
/// The main test asserts they agree; this one asserts the data hold such ties,
/// so that the agreement covers them.
#[test]
fn ties_are_ordered_by_code() {
    let (policy, _) = policy();
    let decided = decided(&policy);
    let mut ties = 0;
    for (m, model) in MODELS.iter().enumerate() {
        for record in &decided {
            let scored = &record[m];
            let lost = |code: &String| scored.lost.iter().find(|(c, _)| c == code).map_or(0, |(_, l)| *l);
            for pair in scored.reasons.windows(2) {
                let (a, b) = (&pair[0], &pair[1]);
                assert!(lost(a) >= lost(b), "{model}: {a} before {b}");
                if lost(a) == lost(b) {
                    assert!(a < b, "{model}: tie between {a} and {b} not in code order");
                    ties += 1;
                }
            }
        }
    }
    assert!(ties > 0, "no record ties two reported reasons: the tie rule is not exercised");
}
