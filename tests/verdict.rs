//! A `Verdict` is the decision line as data: for the example records and
//! thousands of generated and broken ones, `serde_json::to_string(&verdict)`
//! is byte for byte the line `polc run` writes (the fast path writes lines
//! directly), with and without messages and traces, one record at a time and in
//! batches; and every line reads back into the verdict it came from.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use polc::{
    Batch, BatchOptions, DecidedLines, Decision, ErrorKind, FsLoader, LineOptions, MemoryLoader, Policy, Verdict,
};

fn as_of() -> polc::NaiveDate {
    polc::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

fn consumer_loan() -> Policy {
    common::at_workspace_root();
    Policy::from_file("policies/consumer_loan.pol".as_ref(), &FsLoader).unwrap_or_else(|e| panic!("{e}"))
}

/// A policy with every outcome, levels, messages and a rule that can fail at run time.
fn ratio_policy() -> Policy {
    let source = "policy ratio \"比率\" version \"1\\\"q\"\nenum L { low, high }\n\
                  record A { id: String, n: Int, debt: Money, income: Money, l: L }\ninput a: A\n\
                  rule B2 \"太多\" decline when a.n > 10\nrule A1 decline when a.n > 5\n\
                  rule R1 \"复核\" refer when a.n > 1\nrule Z1 \"比率\" decline when a.debt / a.income > 0.5\n\
                  authority over a.l escalate E01 \"超出授权\" { level low { a.n <= 0 } level high above low }\n";
    Policy::from_source("ratio.pol", source, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"))
}

/// A small deterministic generator.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Ids that make the line writers escape: quotes, backslashes, every control
/// character JSON names (`\b` `\f` `\n` `\r` `\t`) and others, and non-ASCII.
const IDS: &[&str] = &[
    "A1",
    "with \"quotes\" and \\ backslash",
    "\u{8}backspace\u{c}form feed",
    "\u{0}\u{1}\u{1f}\u{7f}",
    "tab\there\nnewline\rreturn",
    "控制字符",
    "\u{2028}\u{2029}\u{fffd}😀",
    "",
];

/// Values that a field of the example records may be given instead of its own.
const VALUES: &[&str] = &[
    "null",
    "\"\"",
    "-0",
    "1e3",
    "3.5",
    "99999999999999999999",
    "\"x\"",
    "[]",
    "{}",
    "true",
    "\"0\"",
    "\"0.0000000000000000000000000001\"",
    "\"79228162514264337593543950335\"",
    "\"2026-02-30\"",
];

/// One generated line from `line`: unchanged, or with an odd id, a field
/// changed, removed or given twice, the text cut short or a character in it
/// replaced, or nothing like a record at all. Never a raw newline.
fn mutate(rng: &mut Lcg, line: &str) -> String {
    let mut json: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
    let keys: Vec<String> = json.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let key = keys.get(rng.below(keys.len())).cloned().unwrap_or_default();
    match rng.below(10) {
        0 => line.to_string(),
        1 => {
            json["id"] = rng.pick(IDS).into();
            json.to_string()
        }
        2 => {
            let value: serde_json::Value = serde_json::from_str(rng.pick(VALUES)).unwrap_or_default();
            json[key.as_str()] = value;
            json.to_string()
        }
        3 => {
            if let Some(object) = json.as_object_mut() {
                object.remove(&key);
            }
            json.to_string()
        }
        4 => {
            // the two decimals that make the debt ratio overflow: a rule fails
            json["monthly_income"] = "0.0000000000000000000000000001".into();
            json["monthly_debt"] = "79228162514264337593543950335".into();
            json.to_string()
        }
        5 => {
            let cut = rng.below(line.len());
            line.char_indices().take_while(|(i, _)| *i < cut).map(|(_, c)| c).collect()
        }
        6 => {
            let mut chars: Vec<char> = line.chars().collect();
            let at = rng.below(chars.len());
            chars[at] = ['"', '\\', '{', '}', ',', ':', 'x', '1', ' ', '\u{1}', '\u{8}', 'é', '中'][rng.below(13)];
            chars.into_iter().collect()
        }
        7 => format!("{},\"{key}\":{}}}", line.trim_end_matches('}'), rng.pick(VALUES)),
        8 => rng.pick(&["", "   ", "not json", "[1,2]", "{}", "{\"id\":\"only\"}", "\u{feff}{}", "null"]).to_string(),
        _ => {
            json["credit_score"] = [550, 619, 620, 549, 700][rng.below(5)].into();
            json["branch_level"] = rng.pick(&["city", "provincial", "head_office", "committee"]).into();
            json.to_string()
        }
    }
}

/// The example records and `n` generated from them.
fn generated(n: usize, seed: u64) -> Vec<String> {
    common::at_workspace_root();
    let text = std::fs::read_to_string("examples/applicants.jsonl").unwrap_or_else(|e| panic!("{e}"));
    let examples: Vec<&str> = text.lines().collect();
    let mut rng = Lcg(seed);
    let mut lines: Vec<String> = examples.iter().map(|l| l.to_string()).collect();
    lines.extend((0..n).map(|_| {
        let example = examples[rng.below(examples.len())];
        mutate(&mut rng, example)
    }));
    lines
}

/// Asserts that `line` is the serialised `verdict` and reads back into it.
fn same(line: &str, verdict: &Verdict) {
    let serialised = serde_json::to_string(verdict).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serialised, line, "the verdict's JSON is the line");
    let read: Verdict = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(&read, verdict, "the line reads back into the verdict: {line}");
}

#[test]
fn a_verdict_serialises_to_its_decision_line_for_every_record() {
    let policy = consumer_loan();
    let lines = generated(4000, 7);
    let mut seen = std::collections::BTreeSet::new();
    for line in &lines {
        let verdict = policy.decide_json(line, as_of());
        same(&policy.decide_json_line(line, as_of()), &verdict);
        let kind = verdict.error.as_ref().map(|e| e.kind);
        seen.insert(format!("{} {kind:?}", verdict.decision));
        // the fallible entry point agrees: a verdict exactly when the record is valid
        match policy.evaluate_json(line, as_of()) {
            Ok(evaluated) => assert_eq!(evaluated, verdict),
            Err(error) => {
                let expected = verdict.error.as_ref().filter(|e| e.kind == ErrorKind::Record);
                assert_eq!(
                    expected.map(|e| (e.path.as_deref(), e.message.as_str())),
                    Some((Some(&*error.path), &*error.message))
                );
            }
        }
    }
    let seen: Vec<&str> = seen.iter().map(String::as_str).collect();
    assert_eq!(
        seen,
        ["approve None", "decline None", "error Some(Record)", "error Some(Rule)", "refer None"],
        "every outcome is generated"
    );
}

#[test]
fn every_control_character_in_an_id_is_written_as_serde_json_writes_it() {
    // the direct writer wrote U+0008 and U+000C as `\u0008`, `\u000c`; the general
    // writer (error and messages lines) as `\b`, `\f`: one run wrote both
    let policy = ratio_policy();
    for c in (0u32..0x20).chain([0x7f, 0x2028]).filter_map(char::from_u32) {
        let id = format!("a{c}b");
        for n in [0, 3, 20] {
            let record = serde_json::json!({"id": id, "n": n, "debt": "1", "income": "4", "l": "high"});
            let line = policy.decide_json_line(&record.to_string(), as_of());
            same(&line, &policy.decide_json(&record.to_string(), as_of()));
            let messages =
                policy.decide_json_with(&record.to_string(), as_of(), LineOptions { messages: true, explain: false });
            assert_eq!(messages.id.as_deref(), Some(id.as_str()));
            let written = serde_json::to_string(&messages).unwrap_or_default();
            let head = |l: &str| l.split(",\"decision\"").next().unwrap_or_default().to_string();
            assert_eq!(head(&line), head(&written), "the id is written one way on every line: {c:?}");
        }
    }
}

#[test]
fn messages_traces_and_errors_serialise_to_their_lines_in_batches_too() {
    let policy = ratio_policy();
    let mut lines = Vec::new();
    for (i, id) in IDS.iter().enumerate() {
        for n in [-1, 0, 2, 3, 7, 20] {
            for (debt, income) in [("1", "4"), ("3", "4"), ("1", "0")] {
                let l = ["low", "high"][(i as i32 + n).rem_euclid(2) as usize];
                lines.push(serde_json::json!({"id": id, "n": n, "debt": debt, "income": income, "l": l}).to_string());
            }
        }
    }
    // an empty line, a byte-order mark and a bad record among them (not last:
    // an empty last line is no line)
    lines.extend([String::new(), "\u{feff}{}".to_string(), "{\"id\":\"bad\",\"n\":\"x\"}".to_string()]);
    let input = lines.join("\n");
    for (messages, explain) in [(false, false), (true, false), (false, true), (true, true)] {
        let options = LineOptions { messages, explain };
        let batch =
            Batch::new(&policy, BatchOptions::new(as_of()).threads(2).line(options)).unwrap_or_else(|e| panic!("{e}"));
        let mut text = String::new();
        batch
            .run_jsonl(input.as_bytes(), &mut |piece: &DecidedLines<'_>| {
                text.push_str(piece.text);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let mut verdicts = Vec::new();
        batch
            .verdicts_jsonl(input.as_bytes(), |v| {
                verdicts.push(v);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let in_memory = batch.decide_records(&lines);
        assert_eq!(text.lines().count(), lines.len());
        assert_eq!((verdicts.len(), in_memory.len()), (lines.len(), lines.len()));
        for (number, ((line, verdict), remembered)) in text.lines().zip(&verdicts).zip(&in_memory).enumerate() {
            same(line, verdict);
            assert_eq!(verdict, remembered, "line {}", number + 1);
            assert_eq!(verdict.trace.is_some(), explain && verdict.decision != Decision::Error);
            assert_eq!(verdict.messages.is_some(), messages && verdict.decision != Decision::Error);
            if verdict.decision == Decision::Error {
                assert_eq!(verdict.line, Some(number as u64 + 1), "an error in a batch has its line");
            }
        }
        let errors: Vec<ErrorKind> = verdicts.iter().filter_map(|v| v.error.as_ref().map(|e| e.kind)).collect();
        assert!(errors.contains(&ErrorKind::Rule) && errors.contains(&ErrorKind::Record), "{errors:?}");
    }
}

#[test]
fn a_rule_error_names_the_rule_and_where_it_failed() {
    let policy = ratio_policy();
    let verdict = policy.decide_json(r#"{"id":"Z","n":0,"debt":"1","income":"0","l":"low"}"#, as_of());
    assert_eq!(verdict.decision, Decision::Error);
    assert!(verdict.reasons.is_empty() && verdict.level.is_none());
    let error = verdict.error.clone().unwrap_or_else(|| panic!("an error"));
    assert_eq!((error.kind, error.rule.as_ref().map(|r| r.as_str())), (ErrorKind::Rule, Some("Z1")));
    let span = error.span.unwrap_or_else(|| panic!("a span"));
    assert_eq!((span.file.as_str(), span.line), ("ratio.pol", 8));
    assert!(span.column > 1 && span.start < span.end);
    let line = serde_json::to_string(&verdict).unwrap_or_default();
    assert!(line.starts_with(r#"{"id":"Z","decision":"error","error":{"rule":"Z1","message":"#), "{line}");
    assert!(!line.contains("\"reasons\""), "an error line has no reasons: {line}");
}

#[test]
fn a_verdict_from_elsewhere_reads_with_defaults_and_ignores_fields_it_does_not_know() {
    // a line of a later version (part two adds `offer`, `scores`, `outputs`)
    let line = r#"{"id":"A1","decision":"approve","level":"city","reasons":[],"offer":{"amount":"1.00"},"as_of":"2026-11-22","policy":"p","version":"1","policy_hash":"sha256:00"}"#;
    let verdict: Verdict = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((verdict.decision, verdict.level.as_ref().map(|l| l.as_str())), (Decision::Approve, Some("city")));
    assert!(verdict.lists.is_empty() && verdict.error.is_none() && verdict.line.is_none());
    // a date outside the one grammar is refused, not guessed
    let bad = line.replace("2026-11-22", "22/11/2026");
    assert!(serde_json::from_str::<Verdict>(&bad).is_err());
    let unknown = line.replace("\"approve\"", "\"accept\"");
    assert!(serde_json::from_str::<Verdict>(&unknown).is_err(), "a decision is one of four");
}

/// A policy with three scorecards: one read by rules, one read through a let
/// that no record needs (and whose characteristic can fail at run time), one
/// not read at all.
fn scored_policy() -> Policy {
    let source = r#"policy scored version "1"
enum P { a, b, c }
record A { id: String, n: Int, d: Int, p: P, x: Int? }
input r: A
scorecard risk "风险" base 500 reasons 2 {
  characteristic r.n "n" reason S01 baseline 40 {
    < 10      => 10
    10 ..< 20 => 30
    >= 20     => 45
  }
  characteristic r.p reason S02 baseline 20 {
    a | b => 20
    c     => -5
  }
  characteristic r.x reason S03 baseline 10 {
    none => 0
    _    => 10
  }
}
scorecard other base 7 {
  characteristic 100 / r.d reason T01 baseline 1 {
    _ => 1
  }
}
scorecard unread base 1 {
  characteristic r.n reason U01 baseline 1 {
    _ => 1
  }
}
let fine = other > 0
rule D01 decline when risk < 530
rule R01 refer when risk < 560 and r.n > 5000 and fine
"#;
    Policy::from_source("scored.pol", source, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn scores_serialise_to_their_lines_and_never_appear_on_errors() {
    let policy = scored_policy();
    for n in [0, 9, 10, 19, 20, 1000] {
        for p in ["a", "b", "c"] {
            for x in ["null", "3"] {
                for d in [1, 0] {
                    let line = format!(r#"{{"id":"r{n}{p}{x}{d}","n":{n},"d":{d},"p":"{p}","x":{x}}}"#);
                    let verdict = policy.decide_json(&line, as_of());
                    let written = policy.decide_json_line(&line, as_of());
                    same(&written, &verdict);
                    if d == 0 {
                        // a reported scorecard fails even where no rule needed it: an
                        // error line, named after the scorecard, without scores
                        assert_eq!(verdict.decision, Decision::Error, "{written}");
                        assert!(!written.contains("scores"), "{written}");
                        let rule = verdict.error.as_ref().and_then(|e| e.rule.as_ref()).map(|r| r.as_str());
                        assert_eq!(rule, Some("other"));
                        continue;
                    }
                    assert_ne!(verdict.decision, Decision::Error, "{written}");
                    let keys: Vec<&str> = verdict.scores.keys().map(String::as_str).collect();
                    assert_eq!(keys, ["other", "risk"], "{written}");
                    let risk = &verdict.scores["risk"];
                    let points = match n {
                        n if n < 10 => 10,
                        n if n < 20 => 30,
                        _ => 45,
                    } + if p == "c" { -5 } else { 20 }
                        + if x == "null" { 0 } else { 10 };
                    assert_eq!(risk.score, 500 + points, "{written}");
                    assert!(risk.reasons.len() <= 2);
                }
            }
        }
    }
    // most points lost first, ties by code: n=0 loses 30 (S01), p=c loses 25 (S02), x none loses 10
    let verdict = policy.decide_json(r#"{"id":"t","n":0,"d":1,"p":"c","x":null}"#, as_of());
    let reasons: Vec<&str> = verdict.scores["risk"].reasons.iter().map(|r| r.as_str()).collect();
    assert_eq!(reasons, ["S01", "S02"]);
}

#[test]
fn an_explained_line_shows_each_characteristic_with_its_value_bin_and_points() {
    let policy = scored_policy();
    let options = LineOptions { messages: false, explain: true };
    let line = r#"{"id":"t","n":12,"d":4,"p":"c","x":null}"#;
    let verdict = policy.decide_json_with(line, as_of(), options);
    let trace = verdict.trace.clone().unwrap_or_else(|| panic!("no trace: {verdict:?}"));
    let names: Vec<&str> = trace.scorecards.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["other", "risk"], "the scorecards the line carries, by name");
    for card in &trace.scorecards {
        let points: i64 = card.characteristics.iter().map(|c| c.points).sum();
        assert_eq!(card.base + points, card.score, "{card:?}");
        assert_eq!(verdict.scores[&card.name].score, card.score, "the trace agrees with the scores");
    }
    let risk = &trace.scorecards[1];
    assert_eq!(risk.base, 500);
    let shown: Vec<_> = risk
        .characteristics
        .iter()
        .map(|c| {
            (c.reason.as_str(), c.label.as_deref(), c.value.as_deref(), c.bin.as_deref(), c.points, c.baseline, c.lost)
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("S01", Some("n"), Some("12"), Some("10 ..< 20"), 30, 40, 10),
            ("S02", None, Some("c"), Some("c"), -5, 20, 25),
            ("S03", None, Some("none"), Some("none"), 0, 10, 10),
        ]
    );
    assert_eq!(risk.characteristics[0].subject, "r.n");
    assert!(risk.characteristics.iter().all(|c| c.line >= 6), "each characteristic's own line");
    let other = &trace.scorecards[0].characteristics[0];
    assert_eq!(
        (other.subject.as_str(), other.value.as_deref(), other.bin.as_deref()),
        ("100 / r.d", Some("25"), Some("_"))
    );
    // the line is the verdict, and reads back into it
    let mut scratch = polc::Scratch::default();
    same(&policy.decide_line(line, as_of(), &mut scratch, options), &verdict);
    // an error line has no scorecards in its trace (nor a trace at all)
    let failed = policy.decide_json_with(r#"{"id":"t","n":12,"d":0,"p":"c","x":null}"#, as_of(), options);
    assert_eq!(failed.decision, Decision::Error);
    assert!(failed.trace.as_ref().is_none_or(|t| t.scorecards.is_empty()), "{failed:?}");
}
