//! Code lenses: on each `test`, a command that runs it; on each rule, how
//! many of the policy's tests make it fire (from running them all, as
//! `polc test --coverage` does). Tests run only on a policy that compiles.

use crate::convert;
use crate::workspace::Workspace;
use lsp_types::*;
use polc::{DefKind, FileId, NaiveDate};
use polc_core::engine::coverage::{Reach, SiteKind};
use polc_core::engine::testing::{run_tests, TestReport};
use serde_json::{json, Value};

/// The command of the "run test" lens: arguments the document's URI and the test's name.
pub const RUN_TEST: &str = "polc.runTest";

/// Today in Asia/Shanghai: the `as_of` of tests that give none, as in `polc test`.
fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::TimeDelta::hours(8)).date_naive()
}

fn report(workspace: &Workspace, uri: &str) -> Result<TestReport, String> {
    let policy = workspace.policy(uri)?;
    Ok(run_tests(&policy, today()))
}

pub fn code_lenses(workspace: &mut Workspace, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>, String> {
    let uri = params.text_document.uri;
    let key = uri.as_str().to_string();
    let Some(analyzed) = workspace.analysis(&key) else { return Ok(None) };
    let analysis = &analyzed.analysis;
    let Some(file) = analysis.sources.get(FileId(0)) else { return Ok(None) };
    let lines = file.lines();
    let compiles = !analysis.has_errors();
    let defs: Vec<(DefKind, String, Range)> = analysis
        .index
        .definitions_in(FileId(0))
        .filter(|(_, d)| matches!(d.kind, DefKind::Test | DefKind::Rule))
        .map(|(_, d)| (d.kind, d.name.clone(), convert::range(lines, d.span.start as usize, d.span.end as usize)))
        .collect();
    let tests = defs.iter().filter(|d| d.0 == DefKind::Test).count();
    let report = match compiles && tests > 0 {
        true => report(workspace, &key).ok(),
        false => None,
    };
    let mut lenses = Vec::new();
    for (kind, name, range) in defs {
        let command = match kind {
            DefKind::Test => Command {
                title: "▶ run test".into(),
                command: RUN_TEST.into(),
                arguments: Some(vec![json!(uri.as_str()), json!(name)]),
            },
            _ => {
                let Some(report) = &report else { continue };
                let rule = report.coverage.sites.iter().find(|s| s.kind == SiteKind::Rule && s.name == name);
                let Some(n) = rule.and_then(|s| s.count(Reach::Fired)) else {
                    continue;
                };
                let title = match n {
                    0 => "no test fires it".to_string(),
                    1 => "1 test fires it".to_string(),
                    n => format!("{n} tests fire it"),
                };
                Command { title, command: String::new(), arguments: None }
            }
        };
        lenses.push(CodeLens { range, command: Some(command), data: None });
    }
    Ok(Some(lenses))
}

/// `polc.runTest URI NAME`: runs the policy's tests and tells how that one went
/// (a message to the user, and the result as `{name, passed, expected, actual}`).
pub fn execute(workspace: &mut Workspace, params: ExecuteCommandParams) -> Result<Value, String> {
    if params.command != RUN_TEST {
        return Err(format!("unknown command `{}`", params.command));
    }
    let [Value::String(uri), Value::String(name)] = params.arguments.as_slice() else {
        return Err(format!("`{RUN_TEST}` takes a document URI and a test name"));
    };
    let report = report(workspace, uri)?;
    let result = report.results.iter().find(|r| r.name == *name).ok_or_else(|| format!("no test is named {name:?}"))?;
    Ok(json!({
        "name": result.name,
        "passed": result.passed,
        "expected": result.expected,
        "actual": result.actual,
        "message": match result.passed {
            true => format!("test {:?} passed: {}", result.name, result.actual),
            false => format!("test {:?} failed: expected {}, got {}", result.name, result.expected, result.actual),
        },
    }))
}
