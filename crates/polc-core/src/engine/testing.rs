//! Runs a policy's in-language tests and measures their coverage (the sites
//! and counts are `coverage.rs`'s). No I/O.

use super::coverage::{Coverage, CoverageObserver};
use crate::base::source::Span;
use crate::eval::{decide_traced, Decision, Outcome, Scratch};
use crate::ir::{Expectation, Program, TestCase};
use crate::Policy;
use chrono::NaiveDate;

/// The result of one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    /// What the test expects, as written in a `.pol` file (`decline [A01]`).
    pub expected: String,
    /// What the policy decided, in the same notation.
    pub actual: String,
    pub span: Span,
}

/// The tests' results and the coverage they reach.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestReport {
    pub results: Vec<TestResult>,
    pub coverage: Coverage,
}

impl TestReport {
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| !r.passed).count()
    }
}

/// Runs every test of the policy; `default_as_of` serves tests without `as_of`.
pub fn run_tests(policy: &Policy, default_as_of: NaiveDate) -> TestReport {
    let program = policy.program();
    let mut coverage = Coverage::of(program);
    let mut scratch = Scratch::default();
    let mut results = Vec::with_capacity(program.tests.len());
    for test in &program.tests {
        let as_of = test.as_of.unwrap_or(default_as_of);
        let mut observer = CoverageObserver { coverage: &mut coverage };
        let decision = decide_traced(program, policy.lists(), &test.record, as_of, &mut scratch, &mut observer);
        coverage.count_decision(&decision);
        results.push(judge(program, test, &decision));
    }
    TestReport { results, coverage }
}

fn judge(program: &Program, test: &TestCase, decision: &Decision) -> TestResult {
    let reasons: Vec<String> =
        decision.reasons.iter().filter_map(|&r| program.codes.get(r as usize).cloned()).collect();
    let level =
        |l: Option<u32>| program.authority.as_ref().and_then(|a| a.levels.get(l? as usize)).map(|l| l.name.clone());
    let codes_match = |codes: &Option<Vec<String>>| codes.as_ref().is_none_or(|c| *c == reasons);
    let passed = match (&test.expect, &decision.outcome) {
        (Expectation::Approve { at }, Outcome::Approve { level: l }) => at.is_none() || *at == level(*l),
        (Expectation::Decline { codes }, Outcome::Decline) => codes_match(codes),
        (Expectation::Refer { to, codes }, Outcome::Refer { to: t }) => {
            Some(to) == level(*t).as_ref() && codes_match(codes)
        }
        (Expectation::Error, Outcome::Error { .. }) => true,
        _ => false,
    };
    let (outputs_match, expected_outputs, actual_outputs) = judge_outputs(program, test, decision);
    let passed = passed && outputs_match;
    let list = |codes: &[String]| format!("[{}]", codes.join(", "));
    let expected = match &test.expect {
        Expectation::Approve { at: Some(l) } => format!("approve at {l}"),
        Expectation::Approve { at: None } => "approve".to_string(),
        Expectation::Decline { codes } => {
            format!("decline{}", codes.as_ref().map(|c| format!(" {}", list(c))).unwrap_or_default())
        }
        Expectation::Refer { to, codes } => {
            format!("refer to {to}{}", codes.as_ref().map(|c| format!(" {}", list(c))).unwrap_or_default())
        }
        Expectation::Error => "error".to_string(),
    };
    let actual = match &decision.outcome {
        Outcome::Approve { level: l } => match level(*l) {
            Some(l) => format!("approve at {l}"),
            None => "approve".to_string(),
        },
        Outcome::Decline => format!("decline {}", list(&reasons)),
        Outcome::Refer { to } => match level(*to) {
            Some(l) => format!("refer to {l} {}", list(&reasons)),
            None => format!("refer {}", list(&reasons)),
        },
        Outcome::Error { code, message, .. } => format!("error in {code}: {message}"),
    };
    let (expected, actual) = (expected + &expected_outputs, actual + &actual_outputs);
    TestResult { name: test.name.clone(), passed, expected, actual, span: test.span }
}

/// Whether each output a test names has the value it expects (§13; outputs it
/// does not name are not checked), and both sides as ` outputs { name: value }`.
fn judge_outputs(program: &Program, test: &TestCase, decision: &Decision) -> (bool, String, String) {
    if test.outputs.is_empty() {
        return (true, String::new(), String::new());
    }
    let mut ok = true;
    let (mut expected, mut actual) = (Vec::new(), Vec::new());
    for (name, want) in &test.outputs {
        let index = program.outputs.iter().position(|o| o.name == *name);
        let got = index.and_then(|i| decision.outputs.get(i));
        let ty = index.and_then(|i| program.outputs.get(i)).map(|o| &o.expr.ty);
        ok &= got.is_some_and(|got| got.equals(want));
        let show = |v: &crate::value::Value| ty.map_or_else(String::new, |ty| v.display(ty, &program.schema));
        expected.push(format!("{name}: {}", show(want)));
        actual.push(format!("{name}: {}", got.map_or_else(|| "(not computed)".to_string(), show)));
    }
    let shown = |items: Vec<String>| format!(" outputs {{ {} }}", items.join(", "));
    (ok, shown(expected), shown(actual))
}
