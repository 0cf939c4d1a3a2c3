//! `polc import pmml`'s converter on a realistic PMML 4.4 scorecard export
//! (`tests/pmml/*.pmml`): the generated `.pol` text is snapshot-tested, compiles
//! in a policy, is formatted, and scores every record as the PMML model does.
#![expect(clippy::panic, reason = "a failed conversion fails the test")]

mod common;

use polc_core::io::pmml::{scorecards_from_pmml, PmmlOptions};

const MODEL: &str = "tests/pmml/application_scorecard.pmml";

fn converted(path: &str, options: &PmmlOptions) -> String {
    common::at_workspace_root();
    let xml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    scorecards_from_pmml(&xml, options).unwrap_or_else(|errors| panic!("{path}: {errors:?}"))
}

fn options() -> PmmlOptions {
    PmmlOptions {
        prefix: Some("applicant".into()),
        money: vec!["monthly_income".into()],
        source: Some("application_scorecard.pmml".into()),
        ..PmmlOptions::default()
    }
}

#[test]
fn an_application_scorecard_export() {
    let text = converted(MODEL, &options());
    insta::assert_snapshot!(text);
}

/// The generated scorecard in a policy: it compiles without a diagnostic, `polc fmt` leaves it
/// as it is, and for every combination of values at and around each cut-off it scores as the
/// PMML model does (first matching attribute, `pointsBelow` reasons), evaluated here from the XML.
#[test]
fn the_generated_scorecard_compiles_formats_and_scores_like_the_pmml() {
    let scorecard = converted(MODEL, &options());
    let formatted = polc_core::syntax::format::format(&scorecard).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(formatted, scorecard, "polc fmt leaves the import as it is");
    let source = format!(
        "policy p \"PMML import\" version \"1\"\n\
         enum Product {{ consumer_loan, auto_loan, micro_business_loan, mortgage_loan }}\n\
         record Applicant {{ id: String, age: Int, product: Product, device_id: String?, dti: Decimal,\n\
         \x20 monthly_income: Money, overdue_count_24m: Int }}\n\
         input applicant: Applicant\n{scorecard}\n\
         rule R01 \"low score\" refer when app_score < 600\n"
    );
    let policy = polc::Policy::from_source("p.pol", &source, &polc::MemoryLoader::new())
        .unwrap_or_else(|e| panic!("{source}\n{e:?}"));
    let model = Model::read(MODEL);
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let mut records = 0;
    for age in [18, 24, 25, 34, 35, 54, 55, 70] {
        for product in ["consumer_loan", "auto_loan", "micro_business_loan", "mortgage_loan"] {
            for device in [None, Some("d1")] {
                for dti in ["0", "0.29", "0.3", "0.44", "0.45", "0.9"] {
                    for income in ["0", "4999.99", "5000", "19999.99", "20000", "50000"] {
                        for overdue in [0, 1, 2, 3, 9] {
                            let fields: Vec<(&str, Option<String>)> = vec![
                                ("age", Some(age.to_string())),
                                ("product", Some(product.to_string())),
                                ("device_id", device.map(str::to_string)),
                                ("dti", Some(dti.to_string())),
                                ("monthly_income", Some(income.to_string())),
                                ("overdue_count_24m", Some(overdue.to_string())),
                            ];
                            let record = serde_json::json!({
                                "id": "T", "age": age, "product": product, "device_id": device,
                                "dti": dti, "monthly_income": income, "overdue_count_24m": overdue,
                            });
                            let verdict = policy.evaluate_value(&record, as_of).unwrap_or_else(|e| panic!("{e:?}"));
                            let line = serde_json::to_value(&verdict).unwrap_or_default();
                            let (score, reasons) = model.score(&fields);
                            let scored = &line["scores"]["app_score"];
                            assert_eq!(scored["score"], serde_json::json!(score), "{record} {line}");
                            assert_eq!(scored["reasons"], serde_json::json!(reasons), "{record} {line}");
                            records += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(records, 11_520);
}

/// A PMML scorecard read straight from the XML, scored as PMML says: each characteristic takes
/// its first attribute whose predicate holds.
struct Model {
    base: i64,
    /// Per characteristic: reason code, baseline, attributes.
    characteristics: Vec<(String, i64, Vec<Attribute>)>,
    reasons: usize,
}

/// An attribute's predicate and its points.
type Attribute = (Predicate, i64);

enum Predicate {
    True,
    Simple { field: String, operator: String, value: String },
    Set { field: String, values: Vec<String> },
    And(Vec<Predicate>),
    Or(Vec<Predicate>),
}

impl Model {
    fn read(path: &str) -> Model {
        let xml = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}"));
        let card = doc.descendants().find(|n| n.has_tag_name("Scorecard")).unwrap_or_else(|| panic!("no Scorecard"));
        let number = |n: roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse::<i64>().ok());
        let reasons = doc.descendants().filter(|n| n.attribute("feature") == Some("reasonCode")).count();
        let characteristics = card
            .descendants()
            .filter(|n| n.has_tag_name("Characteristic"))
            .map(|c| {
                let attributes = c
                    .children()
                    .filter(|n| n.has_tag_name("Attribute"))
                    .map(|a| {
                        let predicate = a.children().find(|n| n.is_element()).unwrap_or_else(|| panic!("no predicate"));
                        (Predicate::read(predicate), number(a, "partialScore").unwrap_or_default())
                    })
                    .collect();
                let code = c.attribute("reasonCode").unwrap_or_default().to_string();
                (code, number(c, "baselineScore").unwrap_or_default(), attributes)
            })
            .collect();
        Model { base: number(card, "initialScore").unwrap_or_default(), characteristics, reasons }
    }

    fn score(&self, record: &[(&str, Option<String>)]) -> (i64, Vec<String>) {
        let mut total = self.base;
        let mut lost: Vec<(i64, String)> = Vec::new();
        for (code, baseline, attributes) in &self.characteristics {
            let points = attributes
                .iter()
                .find(|(p, _)| p.holds(record))
                .map(|(_, points)| *points)
                .unwrap_or_else(|| panic!("no attribute of {code} matches {record:?}"));
            total += points;
            if baseline - points > 0 {
                lost.push((baseline - points, code.clone()));
            }
        }
        lost.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        (total, lost.into_iter().take(self.reasons).map(|(_, code)| code).collect())
    }
}

impl Predicate {
    fn read(node: roxmltree::Node) -> Predicate {
        let attribute = |a: &str| node.attribute(a).unwrap_or_default().to_string();
        let parts = || node.children().filter(|n| n.is_element()).map(Predicate::read).collect();
        match node.tag_name().name() {
            "True" => Predicate::True,
            "SimplePredicate" => Predicate::Simple {
                field: attribute("field"),
                operator: attribute("operator"),
                value: attribute("value"),
            },
            "SimpleSetPredicate" => {
                let array = node.children().find(|n| n.has_tag_name("Array")).and_then(|a| a.text()).unwrap_or("");
                Predicate::Set {
                    field: attribute("field"),
                    values: array.split_whitespace().map(str::to_string).collect(),
                }
            }
            "CompoundPredicate" if attribute("booleanOperator") == "and" => Predicate::And(parts()),
            "CompoundPredicate" => Predicate::Or(parts()),
            other => panic!("the test model has no {other}"),
        }
    }

    fn holds(&self, record: &[(&str, Option<String>)]) -> bool {
        let value = |field: &str| record.iter().find(|(f, _)| *f == field).and_then(|(_, v)| v.clone());
        let decimal =
            |text: &str| rust_decimal::Decimal::from_str_exact(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        match self {
            Predicate::True => true,
            Predicate::Simple { field, operator, value: bound } => match (operator.as_str(), value(field)) {
                ("isMissing", v) => v.is_none(),
                ("isNotMissing", v) => v.is_some(),
                (_, None) => false,
                ("equal", Some(v)) => v == *bound,
                (op, Some(v)) => {
                    let (v, bound) = (decimal(&v), decimal(bound));
                    match op {
                        "lessThan" => v < bound,
                        "lessOrEqual" => v <= bound,
                        "greaterThan" => v > bound,
                        "greaterOrEqual" => v >= bound,
                        other => panic!("the test model has no {other}"),
                    }
                }
            },
            Predicate::Set { field, values } => value(field).is_some_and(|v| values.contains(&v)),
            Predicate::And(parts) => parts.iter().all(|p| p.holds(record)),
            Predicate::Or(parts) => parts.iter().any(|p| p.holds(record)),
        }
    }
}
