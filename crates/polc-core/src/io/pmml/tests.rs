//! PMML predicates and models to `.pol` text, and what has no translation.

use super::*;

/// A document up to the characteristics (which start on line 9).
const PREFIX: &str = r#"<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.3">
<DataDictionary>
  <DataField name="age" optype="continuous" dataType="integer"/>
  <DataField name="rate" optype="continuous" dataType="double"/>
  <DataField name="product" optype="categorical" dataType="string"/>
</DataDictionary>
<Scorecard modelName="s" initialScore="100" useReasonCodes="true">
<Characteristics>
"#;
const SUFFIX: &str = "\n</Characteristics>\n</Scorecard>\n</PMML>";

fn convert(body: &str) -> Result<String, Vec<PmmlError>> {
    scorecards_from_pmml(&format!("{PREFIX}{body}{SUFFIX}"), &PmmlOptions::default())
}

/// The bins as written, white space runs made one space (the `=>` are aligned).
fn bins_of(body: &str) -> Vec<String> {
    let text = convert(body).unwrap_or_else(|e| panic!("{e:?}"));
    let bins = text.lines().filter(|l| l.starts_with("    "));
    bins.map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

fn first_error(body: &str) -> PmmlError {
    match convert(body) {
        Ok(text) => panic!("converted: {text}"),
        Err(errors) => errors.into_iter().next().unwrap_or_else(|| panic!("no error")),
    }
}

fn characteristic(field_bins: &str) -> String {
    format!(r#"<Characteristic name="c" reasonCode="R1" baselineScore="10">{field_bins}</Characteristic>"#)
}

#[test]
fn first_match_bins_become_unique() {
    let bins = bins_of(&characteristic(
        r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="lessThan" value="25"/></Attribute>
           <Attribute partialScore="2"><SimplePredicate field="age" operator="lessThan" value="35"/></Attribute>
           <Attribute partialScore="3"><True/></Attribute>"#,
    ));
    assert_eq!(bins, ["< 25 => 1", "25 ..< 35 => 2", "_ => 3"]);
}

#[test]
fn open_lower_ends_of_whole_numbers_are_closed() {
    let bins = bins_of(&characteristic(
        r#"<Attribute partialScore="1"><CompoundPredicate booleanOperator="and">
             <SimplePredicate field="age" operator="greaterThan" value="17"/>
             <SimplePredicate field="age" operator="lessOrEqual" value="30"/></CompoundPredicate></Attribute>
           <Attribute partialScore="2"><SimplePredicate field="age" operator="greaterThan" value="30"/></Attribute>
           <Attribute partialScore="0"><SimplePredicate field="age" operator="isMissing"/></Attribute>"#,
    ));
    assert_eq!(bins, ["18 ..< 31 => 1", ">= 31 => 2", "none => 0"]);
    let error = first_error(&characteristic(
        r#"<Attribute partialScore="1"><CompoundPredicate booleanOperator="and">
             <SimplePredicate field="rate" operator="greaterThan" value="0.1"/>
             <SimplePredicate field="rate" operator="lessOrEqual" value="0.3"/></CompoundPredicate></Attribute>"#,
    ));
    assert_eq!(error.line, 9);
    assert!(error.element.starts_with("CompoundPredicate"), "{error}");
    assert!(error.message.contains("open at its lower end"), "{error}");
}

#[test]
fn or_joins_touching_ranges_and_values() {
    let bins = bins_of(&characteristic(
        r#"<Attribute partialScore="1"><CompoundPredicate booleanOperator="or">
             <SimplePredicate field="rate" operator="lessThan" value="0.1"/>
             <CompoundPredicate booleanOperator="and">
               <SimplePredicate field="rate" operator="greaterOrEqual" value="0.1"/>
               <SimplePredicate field="rate" operator="lessOrEqual" value="0.25"/></CompoundPredicate>
           </CompoundPredicate></Attribute>
           <Attribute partialScore="2"><True/></Attribute>"#,
    ));
    assert_eq!(bins, ["<= 0.25 => 1", "_ => 2"]);
    let bins = bins_of(&characteristic(
        r#"<Attribute partialScore="1"><CompoundPredicate booleanOperator="or">
             <SimplePredicate field="product" operator="equal" value="auto_loan"/>
             <SimplePredicate field="product" operator="equal" value="mortgage_loan"/></CompoundPredicate></Attribute>
           <Attribute partialScore="2"><SimpleSetPredicate field="product" booleanOperator="isIn">
             <Array type="string">auto_loan "micro loan"</Array></SimpleSetPredicate></Attribute>"#,
    ));
    assert_eq!(bins, ["auto_loan | mortgage_loan => 1", r#"{"micro loan"} => 2"#]);
    let error = first_error(&characteristic(
        r#"<Attribute partialScore="1"><CompoundPredicate booleanOperator="or">
             <SimplePredicate field="rate" operator="lessThan" value="0.1"/>
             <SimplePredicate field="rate" operator="greaterThan" value="0.2"/></CompoundPredicate></Attribute>"#,
    ));
    assert!(error.message.contains("not one range"), "{error}");
}

#[test]
fn what_has_no_translation_names_its_element_and_line() {
    let cases = [
        (
            r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="notEqual" value="3"/></Attribute>"#,
            Code::P0018,
            "SimplePredicate field=\"age\" operator=\"notEqual\"",
            "has no `.pol` pattern",
        ),
        (r#"<Attribute partialScore="1.5"><True/></Attribute>"#, Code::P0018, "Attribute", "whole numbers"),
        (r#"<Attribute><ComplexPartialScore/><True/></Attribute>"#, Code::P0018, "Attribute", "ComplexPartialScore"),
        (
            r#"<Attribute partialScore="1" reasonCode="R2"><True/></Attribute>"#,
            Code::P0018,
            "Attribute",
            "one reason code",
        ),
        (
            r#"<Attribute partialScore="1"><CompoundPredicate booleanOperator="xor"><True/></CompoundPredicate></Attribute>"#,
            Code::P0018,
            "CompoundPredicate booleanOperator=\"xor\"",
            "only `and` and `or`",
        ),
        (
            r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="lessThan" value="5"/></Attribute>
            <Attribute partialScore="2"><SimplePredicate field="rate" operator="lessThan" value="5"/></Attribute>"#,
            Code::P0018,
            "SimplePredicate field=\"rate\" operator=\"lessThan\"",
            "one subject",
        ),
        (
            r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="lessThan" value="5"/></Attribute>
            <Attribute partialScore="1"><True/></Attribute><Attribute partialScore="2"><True/></Attribute>"#,
            Code::P0019,
            "True",
            "never matches",
        ),
        (
            r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="lessThan" value="50"/></Attribute>
            <Attribute partialScore="2"><SimplePredicate field="age" operator="lessThan" value="20"/></Attribute>"#,
            Code::P0019,
            "SimplePredicate field=\"age\" operator=\"lessThan\"",
            "never matches",
        ),
        (
            r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="between" value="5"/></Attribute>"#,
            Code::P0017,
            "SimplePredicate field=\"age\" operator=\"between\"",
            "unknown operator",
        ),
        (
            r#"<Attribute partialScore="1"><SimplePredicate field="height" operator="lessThan" value="5"/></Attribute>"#,
            Code::P0017,
            "SimplePredicate field=\"height\" operator=\"lessThan\"",
            "not in the `DataDictionary`",
        ),
        (
            r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="equal" value="2.5"/></Attribute>"#,
            Code::P0019,
            "SimplePredicate field=\"age\" operator=\"equal\"",
            "not a whole number",
        ),
    ];
    for (bins, code, element, words) in cases {
        let error = first_error(&characteristic(bins));
        assert_eq!(error.element, element, "{error}");
        assert_eq!(error.code, code, "{error}");
        let said = format!("{} {}", error.message, error.help.as_deref().unwrap_or(""));
        assert!(said.contains(words), "{error} {said}");
        assert!(error.line >= 9, "{error}");
    }
}

#[test]
fn errors_point_at_the_attribute_at_fault() {
    let body = characteristic(
        r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="notEqual" value="3"/></Attribute>"#,
    );
    let error = first_error(&body);
    let xml = format!("{}{body}", PREFIX);
    assert_eq!(xml.get(error.range.clone()), Some(r#"operator="notEqual""#));
    let diagnostic = error.diagnostic(crate::base::source::FileId(0));
    assert_eq!(diagnostic.code, Code::P0018);
    assert!(diagnostic.help.is_some());
}

#[test]
fn equal_on_a_number_is_a_point_and_arrows_are_aligned() {
    let text = convert(&characteristic(
        r#"<Attribute partialScore="2"><SimplePredicate field="age" operator="lessThan" value="18"/></Attribute>
           <Attribute partialScore="1"><SimplePredicate field="age" operator="equal" value="18"/></Attribute>
           <Attribute partialScore="3"><True/></Attribute>"#,
    ))
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(text.contains("    < 18 => 2\n    18   => 1\n    _    => 3\n"), "{text}");
    // a point inside an earlier range is taken by it; one around a range's inside splits it
    let error = first_error(&characteristic(
        r#"<Attribute partialScore="1"><SimplePredicate field="age" operator="equal" value="18"/></Attribute>
           <Attribute partialScore="2"><SimplePredicate field="age" operator="lessThan" value="30"/></Attribute>"#,
    ));
    assert_eq!(error.code, Code::P0018);
    assert!(error.message.contains("two pieces"), "{error}");
}

#[test]
fn a_missing_value_replacement_becomes_a_default() {
    let xml = r#"<PMML version="4.4"><DataDictionary><DataField name="age" dataType="integer"/>
<DataField name="product" optype="categorical" dataType="string"/></DataDictionary>
<Scorecard modelName="s" useReasonCodes="false"><MiningSchema><MiningField name="age" missingValueReplacement="40"/></MiningSchema>
<Characteristics><Characteristic name="age">
<Attribute partialScore="3"><SimplePredicate field="age" operator="lessThan" value="30"/></Attribute>
<Attribute partialScore="9"><True/></Attribute></Characteristic></Characteristics></Scorecard></PMML>"#;
    let text = scorecards_from_pmml(xml, &PmmlOptions::default()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(text.contains("characteristic age ?? 40 \"age\" reason S01 baseline 0 {"), "{text}");
    let missing = xml.replace(
        r#"<Attribute partialScore="9"><True/>"#,
        r#"<Attribute partialScore="9"><SimplePredicate field="age" operator="isMissing"/>"#,
    );
    let errors = scorecards_from_pmml(&missing, &PmmlOptions::default()).err().unwrap_or_default();
    assert_eq!(errors.first().map(|e| e.code), Some(Code::P0019), "{errors:?}");
    let categorical = xml
        .replace(r#"name="age" missingValueReplacement="40""#, r#"name="product" missingValueReplacement="x""#)
        .replace(r#"field="age""#, r#"field="product""#)
        .replace(r#"operator="lessThan" value="30""#, r#"operator="equal" value="a""#);
    let errors = scorecards_from_pmml(&categorical, &PmmlOptions::default()).err().unwrap_or_default();
    assert!(errors.first().is_some_and(|e| e.message.contains("missingValueReplacement")), "{errors:?}");
}

/// optbinning writes every number `double` and cuts whole numbers at halves;
/// `--int FIELD` makes the bounds the whole numbers that decide the same.
#[test]
fn int_fields_cut_at_halves_become_whole_numbers() {
    let body = characteristic(
        r#"<Attribute partialScore="1"><SimplePredicate field="rate" operator="lessThan" value="21.5"/></Attribute>
           <Attribute partialScore="2"><CompoundPredicate booleanOperator="and">
             <SimplePredicate field="rate" operator="greaterOrEqual" value="21.5"/>
             <SimplePredicate field="rate" operator="lessThan" value="24.5"/></CompoundPredicate></Attribute>
           <Attribute partialScore="3"><CompoundPredicate booleanOperator="and">
             <SimplePredicate field="rate" operator="greaterThan" value="24.5"/>
             <SimplePredicate field="rate" operator="lessOrEqual" value="30.2"/></CompoundPredicate></Attribute>
           <Attribute partialScore="4"><SimplePredicate field="rate" operator="greaterThan" value="30.2"/></Attribute>
           <Attribute partialScore="0"><SimplePredicate field="rate" operator="isMissing"/></Attribute>"#,
    );
    let xml = format!("{PREFIX}{body}{SUFFIX}");
    let int = PmmlOptions { int: vec!["rate".into()], ..PmmlOptions::default() };
    let text = scorecards_from_pmml(&xml, &int).unwrap_or_else(|e| panic!("{e:?}"));
    let bins: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    // x < 21.5 ⇔ x <= 21; 24.5 < x <= 30.2 ⇔ 25 <= x <= 30
    assert_eq!(bins, ["< 22 => 1", "22 ..< 25 => 2", "25 ..< 31 => 3", ">= 31 => 4", "none => 0"]);
    // without `--int`, `(24.5, 30.2]` on a double has no pattern
    let error = first_error(&body);
    assert_eq!(error.code, Code::P0018, "{error:?}");
    assert!(error.help.as_deref().is_some_and(|h| h.contains("--int FIELD")), "{error:?}");
    // `--int` on a categorical field, or a replacement that is not whole
    let categorical = PmmlOptions { int: vec!["product".into()], ..PmmlOptions::default() };
    let on_product = characteristic(
        r#"<Attribute partialScore="1"><SimplePredicate field="product" operator="equal" value="a"/></Attribute>
           <Attribute partialScore="2"><True/></Attribute>"#,
    );
    let errors = scorecards_from_pmml(&format!("{PREFIX}{on_product}{SUFFIX}"), &categorical).err().unwrap_or_default();
    assert!(errors.first().is_some_and(|e| e.code == Code::P0018 && e.message.contains("categorical")), "{errors:?}");
    let replaced = xml.replace("<Characteristics>", r#"<MiningSchema><MiningField name="rate" missingValueReplacement="40.5"/></MiningSchema><Characteristics>"#)
        .replace(r#"<Attribute partialScore="0"><SimplePredicate field="rate" operator="isMissing"/></Attribute>"#, "");
    let errors = scorecards_from_pmml(&replaced, &int).err().unwrap_or_default();
    assert!(
        errors.first().is_some_and(|e| e.code == Code::P0018 && e.message.contains("not a whole number")),
        "{errors:?}"
    );
}

/// Ties: `.pol` reports the lower code first, PMML evaluators the earlier
/// characteristic; when the codes do not ascend the import says so.
#[test]
fn codes_out_of_order_are_noted() {
    let two = |first: &str, second: &str| {
        format!(
            r#"<Characteristic name="a" reasonCode="{first}" baselineScore="10"><Attribute partialScore="1"><SimplePredicate field="rate" operator="lessThan" value="3"/></Attribute><Attribute partialScore="1"><True/></Attribute></Characteristic>
               <Characteristic name="b" reasonCode="{second}" baselineScore="10"><Attribute partialScore="1"><SimplePredicate field="age" operator="lessThan" value="3"/></Attribute><Attribute partialScore="1"><True/></Attribute></Characteristic>"#
        )
    };
    let in_order = convert(&two("A1", "A2")).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!in_order.contains("// note:"), "{in_order}");
    let reversed = convert(&two("A2", "A1")).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(reversed.contains("// note: the reason codes are not in the characteristics' order"), "{reversed}");
    let parsed = crate::syntax::format::format(&reversed).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(parsed, reversed, "the note is in `polc fmt`'s layout");
}

#[test]
fn model_level_problems() {
    let not_xml = scorecards_from_pmml("<PMML><Scorecard>", &PmmlOptions::default());
    assert!(not_xml.is_err_and(|e| e[0].message.starts_with("not well-formed XML")));
    let entity = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><PMML version="4.4"/>"#;
    assert!(scorecards_from_pmml(entity, &PmmlOptions::default()).is_err(), "no DTDs, so no entity expansion");
    let old = scorecards_from_pmml(r#"<PMML version="3.2"><Scorecard modelName="s"/></PMML>"#, &PmmlOptions::default());
    assert!(old.is_err_and(|e| e[0].message.contains("only PMML 4.x")));
    let none = scorecards_from_pmml(r#"<PMML version="4.4"><TreeModel/></PMML>"#, &PmmlOptions::default());
    assert!(none.is_err_and(|e| e[0].message.contains("no `Scorecard`")));
    let bad_name = scorecards_from_pmml(
        r#"<PMML version="4.4"><Scorecard modelName="app score"><Characteristics/></Scorecard></PMML>"#,
        &PmmlOptions::default(),
    );
    assert!(bad_name.is_err_and(|e| e[0].help.as_deref().is_some_and(|h| h.contains("--name NAME"))));
}

#[test]
fn options_name_prefix_and_money() {
    let xml = r#"<PMML version="4.4"><DataDictionary><DataField name="income" dataType="double"/></DataDictionary>
<Scorecard modelName="x" useReasonCodes="false"><Characteristics><Characteristic name="收入">
<Attribute partialScore="3"><SimplePredicate field="income" operator="lessThan" value="5000.00"/></Attribute>
<Attribute partialScore="9"><True/></Attribute></Characteristic></Characteristics></Scorecard></PMML>"#;
    let options = PmmlOptions {
        name: Some("income_score".into()),
        prefix: Some("applicant".into()),
        money: vec!["income".into()],
        source: Some("m.pmml".into()),
        ..PmmlOptions::default()
    };
    let text = scorecards_from_pmml(xml, &options).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        text,
        "// generated by `polc import pmml` from m.pmml (PMML 4.4)\n\
         scorecard income_score base 0 reasons 0 {\n\
         \x20 characteristic applicant.income \"收入\" reason S01 baseline 0 {\n\
         \x20   < 5000 CNY => 3\n\
         \x20   _          => 9\n\
         \x20 }\n\
         }\n"
    );
}

/// One random PMML predicate on the integer field `age`, for the property test.
#[derive(Clone, Debug)]
enum Random {
    Compare(&'static str, i64),
    Between(&'static str, i64, &'static str, i64),
}

impl Random {
    fn holds(&self, v: i64) -> bool {
        let compare = |op: &str, bound: i64| match op {
            "lessThan" => v < bound,
            "lessOrEqual" => v <= bound,
            "greaterThan" => v > bound,
            "greaterOrEqual" => v >= bound,
            _ => v == bound,
        };
        match self {
            Random::Compare(op, bound) => compare(op, *bound),
            Random::Between(a, x, b, y) => compare(a, *x) && compare(b, *y),
        }
    }

    fn xml(&self) -> String {
        let simple =
            |op: &str, bound: i64| format!(r#"<SimplePredicate field="age" operator="{op}" value="{bound}"/>"#);
        match self {
            Random::Compare(op, bound) => simple(op, *bound),
            Random::Between(a, x, b, y) => {
                format!(
                    r#"<CompoundPredicate booleanOperator="and">{}{}</CompoundPredicate>"#,
                    simple(a, *x),
                    simple(b, *y)
                )
            }
        }
    }
}

/// Whether the `.pol` pattern `text` (as the importer writes them for an Int) matches `v`.
fn pol_matches(text: &str, v: i64) -> bool {
    let n = |t: &str| t.trim().parse::<i64>().unwrap_or_else(|_| panic!("`{t}` in `{text}`"));
    if text == "_" {
        true
    } else if let Some((a, b)) = text.split_once("..<") {
        n(a) <= v && v < n(b)
    } else if let Some((a, b)) = text.split_once("..=") {
        n(a) <= v && v <= n(b)
    } else if let Some(t) = text.strip_prefix("<=") {
        v <= n(t)
    } else if let Some(t) = text.strip_prefix(">=") {
        v >= n(t)
    } else if let Some(t) = text.strip_prefix('<') {
        v < n(t)
    } else if let Some(t) = text.strip_prefix('>') {
        v > n(t)
    } else {
        v == n(text)
    }
}

fn random_predicate() -> impl proptest::strategy::Strategy<Value = Random> {
    use proptest::prelude::*;
    let op =
        prop_oneof![Just("lessThan"), Just("lessOrEqual"), Just("greaterThan"), Just("greaterOrEqual"), Just("equal")];
    let lower = prop_oneof![Just("greaterThan"), Just("greaterOrEqual")];
    let upper = prop_oneof![Just("lessThan"), Just("lessOrEqual")];
    prop_oneof![
        (op, 0i64..20).prop_map(|(op, v)| Random::Compare(op, v)),
        (lower, 0i64..20, upper, 0i64..20).prop_map(|(a, x, b, y)| Random::Between(a, x, b, y)),
    ]
}

proptest::proptest! {
    /// First-match PMML bins and the unique `.pol` bins they become agree on every
    /// value around the cut-offs: the same points, or no bin in both; and when the
    /// importer refuses a bin as dead (P0019) or split (P0018), it is.
    #[test]
    fn unique_bins_score_as_first_match(
        predicates in proptest::collection::vec(random_predicate(), 1..6),
        catch_all in proptest::bool::ANY,
    ) {
        let mut body = String::new();
        for (points, p) in predicates.iter().enumerate() {
            body.push_str(&format!(r#"<Attribute partialScore="{points}">{}</Attribute>"#, p.xml()));
        }
        if catch_all {
            body.push_str(r#"<Attribute partialScore="99"><True/></Attribute>"#);
        }
        let first_match = |v: i64| -> Option<i64> {
            let found = predicates.iter().position(|p| p.holds(v)).map(|i| i as i64);
            found.or(catch_all.then_some(99))
        };
        let values = -5i64..30;
        match convert(&characteristic(&body)) {
            Ok(text) => {
                let bins: Vec<(String, i64)> = text
                    .lines()
                    .filter(|l| l.starts_with("    "))
                    .filter_map(|l| l.split_once("=>"))
                    .map(|(p, n)| (p.trim().to_string(), n.trim().parse().unwrap_or(-1)))
                    .collect();
                // a last `_` is the table's default: it takes what no other bin matches
                let (default, bins) = match bins.split_last() {
                    Some(((p, n), rest)) if p == "_" => (Some(*n), rest),
                    _ => (None, bins.as_slice()),
                };
                for v in values {
                    let mut hits: Vec<i64> = bins.iter().filter(|(p, _)| pol_matches(p, v)).map(|(_, n)| *n).collect();
                    if hits.is_empty() {
                        hits.extend(default);
                    }
                    let expected: Vec<i64> = first_match(v).into_iter().collect();
                    proptest::prop_assert_eq!(&hits, &expected, "age {} in\n{}", v, text);
                }
            }
            Err(errors) => {
                let error = errors.first().cloned().unwrap_or_else(|| panic!("no error"));
                // what each bin takes under first match, over values that show every cut-off
                let taken = |i: usize| -> Vec<i64> { values.clone().filter(|&v| first_match(v) == Some(i as i64)).collect() };
                let dead = (0..predicates.len()).any(|i| taken(i).is_empty());
                let split = (0..predicates.len()).any(|i| taken(i).windows(2).any(|w| w[1] != w[0] + 1));
                match error.code {
                    Code::P0019 => proptest::prop_assert!(dead, "{}", error),
                    Code::P0018 => proptest::prop_assert!(split && error.message.contains("two pieces"), "{}", error),
                    other => proptest::prop_assert!(false, "unexpected {}: {}", other, error),
                }
            }
        }
    }
}
