//! Runs a policy's in-language tests and measures coverage: which rules fired
//! and which authority levels authorised or escalated in some test. No I/O.

use crate::base::source::Span;
use crate::eval::{decide_traced, Decision, Observer, Outcome, Scratch};
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

/// Per rule: how many tests made it fire. Per level: how many tests it
/// authorised, and how many escalated from it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub rules: Vec<(String, usize)>,
    pub levels: Vec<LevelCoverage>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelCoverage {
    pub name: String,
    pub authorised: usize,
    pub escalated: usize,
    /// The root can only be escalated to, never from.
    pub is_root: bool,
}

impl Coverage {
    /// (covered, total) over rules and levels: a rule is covered when it fired,
    /// a level when it authorised and (unless it is the root) escalated.
    pub fn totals(&self) -> (usize, usize) {
        let rules = self.rules.iter().filter(|(_, n)| *n > 0).count();
        let levels = self.levels.iter().filter(|l| l.is_covered()).count();
        (rules + levels, self.rules.len() + self.levels.len())
    }
}

impl LevelCoverage {
    pub fn is_covered(&self) -> bool {
        self.authorised > 0 && (self.is_root || self.escalated > 0)
    }
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
    let mut fired = vec![0usize; program.rules.len()];
    let level_count = program.authority.as_ref().map_or(0, |a| a.levels.len());
    let (mut authorised, mut escalated) = (vec![0usize; level_count], vec![0usize; level_count]);
    let mut scratch = Scratch::default();
    let mut results = Vec::with_capacity(program.tests.len());
    for test in &program.tests {
        let as_of = test.as_of.unwrap_or(default_as_of);
        let mut counter = FiredCounter { fired: &mut fired };
        let decision = decide_traced(program, policy.lists(), &test.record, as_of, &mut scratch, &mut counter);
        // a declined or failed application was authorised by nobody
        let went_through = matches!(decision.outcome, Outcome::Approve { .. } | Outcome::Refer { .. });
        if let Some(walk) = decision.authority.filter(|_| went_through) {
            if let Some(n) = walk.authorised_by.and_then(|l| authorised.get_mut(l as usize)) {
                *n += 1;
            }
            if walk.authorised_by != Some(walk.own) {
                if let Some(n) = escalated.get_mut(walk.own as usize) {
                    *n += 1;
                }
            }
        }
        results.push(judge(program, test, &decision));
    }
    let rules = program.rules.iter().zip(fired).map(|(r, n)| (r.code.clone(), n)).collect();
    let levels = program
        .authority
        .iter()
        .flat_map(|a| a.levels.iter())
        .zip(authorised.into_iter().zip(escalated))
        .map(|(level, (authorised, escalated))| LevelCoverage {
            name: level.name.clone(),
            authorised,
            escalated,
            is_root: level.parent.is_none(),
        })
        .collect();
    TestReport { results, coverage: Coverage { rules, levels } }
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

/// Counts, per rule, the tests that made it fire.
struct FiredCounter<'a> {
    fired: &'a mut [usize],
}

impl Observer for FiredCounter<'_> {
    const VALUES: bool = false;

    fn rule_end(&mut self, index: usize, fired: Option<bool>) {
        if fired == Some(true) {
            if let Some(n) = self.fired.get_mut(index) {
                *n += 1;
            }
        }
    }
}
