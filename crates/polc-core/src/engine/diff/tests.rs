//! The diff engine against small policies: every count checked by hand.

use super::*;
use crate::io::verdict::Decision;
use crate::MemoryLoader;
use rust_decimal::Decimal;

/// A policy that declines under `min_age` and refers a score under 600 to
/// HQ, with an authority block (city up to 1000, hq above) and a fraud list.
fn policy(version: &str, min_age: u32, list: &str) -> Policy {
    let source = format!(
        "policy demo version \"{version}\"\n\
         enum Level {{ city, hq }}\n\
         record A {{ id: String, age: Int, score: Int, amount: Money, branch: Level, product: String }}\n\
         input a: A\n\
         list fraud: String from \"fraud.txt\"\n\
         rule A01 \"too young\" decline when a.age < {min_age}\n\
         rule F01 \"fraud\" decline when a.id in fraud\n\
         rule R01 \"low score\" refer when a.score < 600\n\
         authority \"auth\" over a.branch escalate E01 \"over the limit\" {{\n\
           level city {{ a.amount <= 1000 CNY }}\n\
           level hq above city\n\
         }}\n"
    );
    let loader = MemoryLoader::new().with("fraud.txt", list);
    match Policy::from_source("demo.pol", &source, &loader) {
        Ok(policy) => policy,
        Err(failed) => unreachable!("the test policy compiles: {:?}", failed.diagnostics),
    }
}

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

fn record(id: &str, age: u32, score: u32, amount: u32, extra: &str) -> String {
    format!(
        "{{\"id\":\"{id}\",\"age\":{age},\"score\":{score},\"amount\":\"{amount}\",\"branch\":\"city\",\"product\":\"p{}\"{extra}}}\n",
        age % 2
    )
}

fn portfolio() -> String {
    [
        record("R1", 17, 700, 500, ",\"bad\":true"),  // decline → decline
        record("R2", 19, 700, 500, ",\"bad\":false"), // approve → decline (A01)
        record("R3", 20, 700, 800, ",\"bad\":1"),     // approve → decline (A01)
        record("R4", 30, 700, 900, ",\"bad\":0"),     // approve → approve
        record("R5", 30, 500, 200, ",\"bad\":0"),     // refer → refer (to its own level, city)
        record("R6", 30, 700, 5000, ",\"bad\":null"), // refer (E01) → refer
        "not json\n".to_string(),                     // error → error
    ]
    .concat()
}

struct Collect(Vec<ChangedRecord>);

impl DiffSink for Collect {
    fn changed(&mut self, record: &ChangedRecord) -> std::io::Result<()> {
        self.0.push(record.clone());
        Ok(())
    }
}

fn cell(report: &DiffReport, old: Decision, new: Decision) -> u64 {
    report.matrix.iter().find(|c| c.old == old && c.new == new).map_or(0, |c| c.share.count)
}

#[test]
fn swap_matrix_and_approval_rates() {
    let (old, new) = (policy("1", 18, "X\n"), policy("2", 21, "X\n"));
    for threads in [1, 2] {
        let diff =
            Diff::new(&old, &new, DiffOptions::new(as_of()).threads(threads)).unwrap_or_else(|e| unreachable!("{e}"));
        let report = diff.run_jsonl(portfolio().as_bytes(), &mut NoChanges).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((report.records, report.changed), (7, 2));
        assert_eq!(cell(&report, Decision::Approve, Decision::Decline), 2);
        assert_eq!(cell(&report, Decision::Approve, Decision::Approve), 1);
        assert_eq!(cell(&report, Decision::Decline, Decision::Decline), 1);
        assert_eq!(cell(&report, Decision::Refer, Decision::Refer), 2);
        assert_eq!(cell(&report, Decision::Error, Decision::Error), 1);
        assert_eq!(report.matrix.len(), 16);
        assert_eq!((report.approval_old.count, report.approval_new.count, report.approval_old.of), (3, 1, 7));
        let a01 = report.reasons.iter().find(|r| r.code == "A01").map(|r| (r.fired_old, r.fired_new, r.added_on_swaps));
        assert_eq!(a01, Some((1, 3, 2)));
        assert_eq!(report.shared_lists, ["fraud"]);
    }
}

#[test]
fn bad_rates_of_the_approved_and_of_the_swaps() {
    let (old, new) = (policy("1", 18, "X\n"), policy("2", 21, "X\n"));
    let diff = Diff::new(&old, &new, DiffOptions::new(as_of()).label("bad").threads(2))
        .unwrap_or_else(|e| unreachable!("{e}"));
    let report = diff.run_jsonl(portfolio().as_bytes(), &mut NoChanges).unwrap_or_else(|e| unreachable!("{e}"));
    let label = report.label.unwrap_or_else(|| unreachable!("asked for"));
    // labelled: R1..R5 (R6 null, the last line has none)
    assert_eq!((label.all.count, label.all.of), (2, 5));
    assert_eq!((label.approved_old.count, label.approved_old.of), (1, 3)); // R2, R3 (bad), R4
    assert_eq!((label.approved_new.count, label.approved_new.of), (0, 1)); // R4
    assert_eq!((label.swap_out.count, label.swap_out.of), (1, 2)); // R2, R3
    assert_eq!((label.swap_in.count, label.swap_in.of), (0, 0));
    assert_eq!(label.swap_in.rate, None);
    assert_eq!(label.unlabelled, 2);
    assert_eq!(label.approved_old.rate, Some(Decimal::new(333_333, 6)));
}

#[test]
fn exposure_is_summed_exactly_in_decimal() {
    let (old, new) = (policy("1", 18, "X\n"), policy("2", 21, "X\n"));
    let options = DiffOptions::new(as_of()).exposure("amount").threads(1);
    let diff = Diff::new(&old, &new, options).unwrap_or_else(|e| unreachable!("{e}"));
    let input = portfolio().replace("\"amount\":\"500\"", "\"amount\":\"500.10\"");
    let report = diff.run_jsonl(input.as_bytes(), &mut NoChanges).unwrap_or_else(|e| unreachable!("{e}"));
    let sums = report.exposure.unwrap_or_else(|| unreachable!("asked for"));
    assert_eq!(sums.approved_old.to_string(), "2200.10"); // 500.10 + 800 + 900
    assert_eq!(sums.approved_new.to_string(), "900");
    assert_eq!(sums.swap_out.to_string(), "1300.10");
    assert_eq!((sums.missing, sums.overflow), (0, false));
}

#[test]
fn segments_referrals_and_changed_records_in_input_order() {
    let (old, new) = (policy("1", 18, "X\n"), policy("2", 21, "X\n"));
    let options = DiffOptions::new(as_of()).by("product").by("branch").examples(1).every_change(true).threads(2);
    let diff = Diff::new(&old, &new, options).unwrap_or_else(|e| unreachable!("{e}"));
    let mut sink = Collect(Vec::new());
    let report = diff.run_jsonl(portfolio().as_bytes(), &mut sink).unwrap_or_else(|e| unreachable!("{e}"));
    let lines: Vec<(u64, Option<&str>)> = sink.0.iter().map(|c| (c.line, c.id.as_deref())).collect();
    assert_eq!(lines, [(2, Some("R2")), (3, Some("R3"))]);
    assert_eq!(report.examples.len(), 1);
    let first = &report.examples[0];
    assert_eq!((first.old.decision, first.new.decision), (Decision::Approve, Decision::Decline));
    assert_eq!(first.new.reasons, ["A01"]);
    let product = &report.segments[0];
    let rows: Vec<(&str, u64, u64)> = product.rows.iter().map(|r| (r.value.as_str(), r.records, r.changed)).collect();
    // p1: ages 17, 19 (R2 swaps); p0: 20 (R3 swaps), 30 ×3; the bad line has no product
    assert_eq!(rows, [("(none)", 1, 0), ("p0", 4, 1), ("p1", 2, 1)]);
    let branch: Vec<&str> = report.segments[1].rows.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(branch, ["(none)", "city"]);
    let loads: Vec<(&str, u64, u64)> = report.referrals.iter().map(|l| (l.level.as_str(), l.old, l.new)).collect();
    // R5: a refer rule refers to the branch's own level; R6 escalates over the limit
    assert_eq!(loads, [("city", 1, 1), ("hq", 1, 1)]);
}

#[test]
fn a_record_in_error_under_one_version_only_is_its_own_cell() {
    let source = |guard: &str| {
        format!(
            "policy p version \"1\"\nrecord A {{ id: String, n: Int }}\ninput a: A\n\
             rule A01 \"div\" decline when 10 / a.n > {guard}\n"
        )
    };
    let compile = |text: String| Policy::from_source("p.pol", &text, &MemoryLoader::new());
    let (Ok(old), Ok(new)) = (compile(source("100")), compile(source("100 and a.n != 0"))) else {
        unreachable!("compiles")
    };
    let diff = Diff::new(&old, &new, DiffOptions::new(as_of()).threads(1)).unwrap_or_else(|e| unreachable!("{e}"));
    let report = diff
        .run_jsonl("{\"id\":\"Z\",\"n\":0}\n{\"id\":\"Y\",\"n\":1}\n".as_bytes(), &mut NoChanges)
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(report.records, 2);
    assert_eq!(cell(&report, Decision::Approve, Decision::Approve), 1);
    let error_row: u64 = [Decision::Approve, Decision::Refer, Decision::Decline, Decision::Error]
        .iter()
        .map(|&n| cell(&report, Decision::Error, n))
        .sum();
    assert_eq!(error_row + cell(&report, Decision::Approve, Decision::Error), 1, "{:?}", report.matrix);
}

#[test]
fn different_input_records_are_refused_with_each_difference() {
    let compile = |record: &str| {
        let text =
            format!("policy p version \"1\"\nenum K {{ a, b }}\n{record}\ninput x: A\nrule A01 decline when x.n < 1\n");
        Policy::from_source("p.pol", &text, &MemoryLoader::new())
    };
    let (Ok(old), Ok(new)) = (
        compile("record A { id: String, n: Int, k: K, gone: Bool }"),
        compile("record A { id: String, n: Decimal, k: K, added: Bool }"),
    ) else {
        unreachable!("compiles")
    };
    match Diff::new(&old, &new, DiffOptions::new(as_of())) {
        Err(DiffError::InputsDiffer { differences }) => assert_eq!(
            differences,
            [
                "field `gone` is in OLD only",
                "field `added` is in NEW only",
                "field `n` is `Int` in OLD, `Decimal` in NEW"
            ]
        ),
        other => unreachable!("{other:?}"),
    }
}

#[test]
fn label_and_segment_fields_are_checked_before_any_work() {
    let (old, new) = (policy("1", 18, "X\n"), policy("2", 21, "X\n"));
    let refused = |options: DiffOptions| match Diff::new(&old, &new, options) {
        Err(DiffError::Field(message)) => message,
        other => unreachable!("{other:?}"),
    };
    let message = refused(DiffOptions::new(as_of()).label("amount"));
    assert_eq!(
        message,
        "`--label amount` is `Money` in the input record: a label is a Bool, or an Int that is 0 or 1 (1: went bad)"
    );
    assert!(refused(DiffOptions::new(as_of()).by("agee.x")).contains("no field `agee`"));
    assert!(refused(DiffOptions::new(as_of()).exposure("claimed")).contains("has no field `claimed`"));
    // an undeclared label is looked for in the first record
    let diff = Diff::new(&old, &new, DiffOptions::new(as_of()).label("bad")).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(diff.check_sample(&record("Q", 30, 700, 1, ",\"bad\":true")).is_ok());
    let missing = diff.check_sample(&record("Q", 30, 700, 1, ""));
    assert!(matches!(missing, Err(DiffError::Field(m)) if m.contains("has no `bad`")));
    let invalid = diff.check_sample(&record("Q", 30, 700, 1, ",\"bad\":\"yes\""));
    assert!(matches!(invalid, Err(DiffError::Field(m)) if m.contains("not a label")));
}

#[test]
fn lists_with_other_content_are_not_shared() {
    let (old, new) = (policy("1", 18, "X\n"), policy("2", 18, "R4\n"));
    let diff = Diff::new(&old, &new, DiffOptions::new(as_of()).threads(1)).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(diff.shared_lists().is_empty());
    let report = diff.run_jsonl(portfolio().as_bytes(), &mut NoChanges).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(cell(&report, Decision::Approve, Decision::Decline), 1);
    let f01 = report.reasons.iter().find(|r| r.code == "F01").map(|r| (r.fired_old, r.fired_new));
    assert_eq!(f01, Some((0, 1)));
}

#[test]
fn the_text_report_shows_the_matrix_and_rates() {
    let (old, new) = (policy("1", 18, "X\n"), policy("2", 21, "X\n"));
    let diff = Diff::new(&old, &new, DiffOptions::new(as_of()).label("bad").threads(1))
        .unwrap_or_else(|e| unreachable!("{e}"));
    let report = diff.run_jsonl(portfolio().as_bytes(), &mut NoChanges).unwrap_or_else(|e| unreachable!("{e}"));
    let text = render_text(&report);
    assert!(
        text.starts_with("polc diff: demo 1 → demo 2, as of 2026-11-22\n7 records, 2 decided differently (28.6 %)\n"),
        "{text}"
    );
    assert!(text.contains("approval rate 42.9 % → 14.3 % (3 → 1 approved)"), "{text}");
    assert!(text.contains("  approve            1         0         2         0         3\n"), "{text}");
    assert!(text.contains("  approved, old          33.3 %   (1 bad of 3)"), "{text}");
}

#[test]
fn the_mean_score_of_each_scorecard_under_each_version() {
    let source = |base: u32| {
        format!(
            "policy p version \"{base}\"\nrecord A {{ id: String, age: Int }}\ninput a: A\n\
             scorecard app_score base {base} {{\n  characteristic a.age reason S01 baseline 0 {{\n    < 30 => 10\n    >= 30 => 40\n  }}\n}}\n\
             rule S10 \"low\" decline when app_score < 560\n"
        )
    };
    let compile = |text: String| Policy::from_source("p.pol", &text, &MemoryLoader::new());
    let (old, new) = match (compile(source(520)), compile(source(530))) {
        (Ok(old), Ok(new)) => (old, new),
        (old, new) => unreachable!("{:?} {:?}", old.err().map(|f| f.diagnostics), new.err().map(|f| f.diagnostics)),
    };
    let diff = Diff::new(&old, &new, DiffOptions::new(as_of()).threads(1)).unwrap_or_else(|e| unreachable!("{e}"));
    let input = "{\"id\":\"a\",\"age\":20}\n{\"id\":\"b\",\"age\":40}\n{\"id\":\"c\",\"age\":41}\n";
    let report = diff.run_jsonl(input.as_bytes(), &mut NoChanges).unwrap_or_else(|e| unreachable!("{e}"));
    let scores: Vec<_> =
        report.scores.iter().map(|s| (s.name.as_str(), s.scored_old, s.mean_old, s.mean_new)).collect();
    // (530 + 560 + 560) / 3 = 550, and 10 more
    assert_eq!(scores, [("app_score", 3, Some(Decimal::new(550, 0)), Some(Decimal::new(560, 0)))]);
    assert!(render_text(&report).contains("scores (mean over the records each version scored)"));
}
