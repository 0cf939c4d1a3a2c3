//! `polc import pmml` through the real binary: the scorecard on standard output
//! or in a file, errors naming the PMML element with exit 1 and nothing written,
//! and a `--help` that teaches.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use binary::{polc, text};

const MODEL: &str = "tests/pmml/application_scorecard.pmml";

/// The converter's output as `tests/pmml.rs` snapshots it.
fn expected() -> String {
    let snapshot = std::fs::read_to_string("tests/snapshots/pmml__an_application_scorecard_export.snap")
        .unwrap_or_else(|e| panic!("{e}"));
    // after insta's header (`---` … `---`)
    let body = snapshot.splitn(3, "---\n").nth(2).unwrap_or_else(|| panic!("not a snapshot"));
    body.to_string()
}

#[test]
fn a_scorecard_goes_to_standard_output() {
    common::at_workspace_root();
    let out = polc(&["import", "pmml", MODEL, "--prefix", "applicant", "--money", "monthly_income"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim_end(), expected().trim_end());
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let renamed = polc(&["import", "pmml", MODEL, "--name", "application_score"]);
    assert!(text(&renamed.stdout).contains("scorecard application_score \"申请评分卡\" base 520 reasons 3 {"));
    assert!(text(&renamed.stdout).contains("characteristic age \"年龄\""), "no prefix: the field names");
}

/// A real optbinning export (sklearn2pmml) calls every number `double` and cuts
/// whole numbers at halves: `--int` gives the whole-number bounds that decide the same.
#[test]
fn a_real_optbinning_export_with_whole_number_fields() {
    common::at_workspace_root();
    let model = "tests/pmml/real/app_score.pmml";
    let plain = polc(&["import", "pmml", model, "--prefix", "applicant", "--money", "monthly_income"]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    assert!(text(&plain.stdout).contains("    < 27.5        => 90\n"), "{}", text(&plain.stdout));
    let int = ["--int", "age,credit_score", "--int", "overdue_count_24m"];
    let args: Vec<&str> = ["import", "pmml", model, "--prefix", "applicant", "--money", "monthly_income"]
        .into_iter()
        .chain(int)
        .collect();
    let out = polc(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for bin in ["    < 28      => 90\n", "    28 ..< 33 => 84\n", "    >= 67     => 81\n", "    1    =>  85\n"] {
        assert!(stdout.contains(bin), "{bin:?} in\n{stdout}");
    }
    assert!(stdout.contains("    < 3332.2999267578125 CNY "), "Money bounds stay exact:\n{stdout}");
}

#[test]
fn the_output_file_is_not_replaced_without_force() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let target = dir.path().join("app_score.pol");
    let target_arg = target.to_string_lossy().to_string();
    let args = ["import", "pmml", MODEL, "--prefix", "applicant", "--money", "monthly_income", "-o", &target_arg];
    let out = polc(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&target).unwrap_or_default();
    assert_eq!(written.trim_end(), expected().trim_end());
    std::fs::write(&target, "// edited by hand\n").unwrap_or_else(|e| panic!("{e}"));
    let again = polc(&args);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("give --force to replace it"), "{}", text(&again.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap_or_default(), "// edited by hand\n");
    let forced: Vec<&str> = args.iter().copied().chain(["--force"]).collect();
    assert_eq!(polc(&forced).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&target).unwrap_or_default().trim_end(), expected().trim_end());
}

#[test]
fn what_cannot_be_translated_names_the_element_and_writes_nothing() {
    common::at_workspace_root();
    let out = polc(&["import", "pmml", "tests/ui/pmml/not_equal.pmml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing is written: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("P0018"), "{stderr}");
    assert!(stderr.contains("`notEqual` has no `.pol` pattern"), "{stderr}");
    assert!(stderr.contains("tests/ui/pmml/not_equal.pmml:9:"), "the file and line: {stderr}");
    assert!(stderr.contains("in `<SimplePredicate field=\"overdue_count_24m\" operator=\"notEqual\">`"), "{stderr}");
    assert!(stderr.contains("1 element could not be translated: nothing was written"), "{stderr}");
    let missing = polc(&["import", "pmml", "tests/pmml/no_such_model.pmml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read"));
}

#[test]
fn import_pmml_help_teaches() {
    let out = polc(&["import", "pmml", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for words in [
        "--prefix",
        "--money",
        "--int",
        "--name",
        "--output",
        "--force",
        "first bin",
        "25 ..< 35",
        "P0018",
        "Examples:",
    ] {
        assert!(help.contains(words), "import pmml --help lacks {words}:\n{help}");
    }
    let import = text(&polc(&["import", "--help"]).stdout);
    assert!(import.contains("pmml"), "{import}");
}
