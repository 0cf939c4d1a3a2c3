//! Diagnostic fixtures: every `tests/ui/<stage>/<case>.pol` starts with
//! `// expect: CODE`; it is compiled (and its lists bound, as `polc check` does),
//! the code must be reported, and the rendered output is snapshot-tested
//! together with the source.
#![expect(clippy::panic, reason = "a malformed fixture fails the test")]

mod common;

use polc::{CompileOptions, FsLoader, Policy};
use polc_core::base::diag::{render_human, RenderOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Compiles a fixture like `polc check` does; returns the codes and the rendering.
fn check_fixture(path: &Path, source: &str) -> (Vec<&'static str>, String) {
    let compilation = polc::compile_with(path, &FsLoader, &options(source));
    let mut diagnostics = compilation.diagnostics.clone();
    if let Some(program) = compilation.program.clone() {
        let bare = polc::Compilation { sources: Default::default(), diagnostics: Vec::new(), program: Some(program) };
        if let Ok(mut policy) = Policy::from_compilation(bare) {
            policy.set_list_limits(list_limits(source));
            diagnostics.extend(policy.bind_default_lists(&FsLoader, &[]));
        }
    }
    let options = RenderOptions { color: false, width: 100 };
    let rendered: String =
        diagnostics.iter().map(|d| render_human(d, &compilation.sources, options)).collect::<Vec<_>>().join("\n");
    (diagnostics.iter().map(|d| d.code.as_str()).collect(), rendered)
}

/// The fixtures share `tests/ui_common`, so the policy root is `tests`; a
/// fixture may lower a limit with a `// limit: NAME=N` line (NAME as the flag).
fn options(source: &str) -> CompileOptions {
    // as `polc check` does, a fixture's test file (`NAME.test.pol`) is read with it
    let mut options =
        CompileOptions { root: Some(PathBuf::from("tests")), test_files: true, ..CompileOptions::default() };
    for line in source.lines() {
        let Some((name, value)) = line.strip_prefix("// limit: ").and_then(|l| l.split_once('=')) else { continue };
        let value: usize = value.trim().parse().unwrap_or_else(|_| panic!("bad limit line `{line}`"));
        let limits = &mut options.limits;
        match name.trim() {
            "max-source-bytes" => limits.max_source_bytes = value,
            "max-declarations" => limits.max_declarations = value,
            "max-nesting" => limits.max_nesting = value,
            "max-string-bytes" => limits.max_string_bytes = value,
            "max-list-bytes" => {}
            other => panic!("unknown limit `{other}`"),
        }
    }
    options
}

/// The list limits of a fixture: a `// limit: max-list-bytes=N` line lowers the default.
fn list_limits(source: &str) -> polc::ListLimits {
    let limit = source.lines().find_map(|l| l.strip_prefix("// limit: max-list-bytes="));
    let max_list_bytes = limit.map(|n| n.trim().parse().unwrap_or_else(|_| panic!("bad limit `{n}`")));
    polc::ListLimits { max_list_bytes: max_list_bytes.unwrap_or(polc::ListLimits::default().max_list_bytes) }
}

fn expected_code(source: &str) -> Option<String> {
    source.lines().next()?.strip_prefix("// expect: ").map(|c| c.trim().to_string())
}

fn relative(path: &Path) -> PathBuf {
    let root = common::workspace_root().canonicalize().unwrap_or_default();
    path.strip_prefix(&root).unwrap_or(path).to_path_buf()
}

#[test]
fn diagnostics() {
    common::at_workspace_root();
    insta::glob!("ui/**/*.pol", |path| {
        let path = &relative(path);
        if polc_core::sema::test_file::is_test_file(path) {
            return; // part of the fixture beside it, and shown in its snapshot
        }
        let mut source = std::fs::read_to_string(path).unwrap_or_default();
        let expected = expected_code(&source);
        let (codes, rendered) = check_fixture(path, &source);
        let expected = expected.unwrap_or_else(|| format!("(missing `// expect:` line in {})", path.display()));
        assert!(
            codes.iter().any(|c| *c == expected),
            "{}: expected {expected}, got {codes:?}\n{rendered}",
            path.display()
        );
        if let Some(test_file) = polc_core::sema::test_file::test_file_of(path).filter(|p| p.is_file()) {
            let text = std::fs::read_to_string(&test_file).unwrap_or_default();
            source = format!("{source}\n---- {} ----\n{text}", test_file.display());
        }
        insta::assert_snapshot!(format!("{source}\n---- polc check ----\n{rendered}"));
    });
}

/// `polc import pmml` fixtures: every `tests/ui/pmml/<case>.pmml` starts with
/// `<!-- expect: CODE -->` (and may go on with `<!-- options: int A,B -->`, for
/// `--int A,B`: an XML comment cannot hold `--`); its conversion must fail with that code, and the
/// rendered diagnostics are snapshot-tested together with the PMML.
#[test]
fn pmml_diagnostics() {
    use polc_core::base::source::{SourceFile, SourceMap};
    use polc_core::io::pmml::{scorecards_from_pmml, PmmlOptions};
    common::at_workspace_root();
    insta::glob!("ui/pmml/*.pmml", |path| {
        let path = &relative(path);
        let source = std::fs::read_to_string(path).unwrap_or_default();
        let expected = expected_pmml_code(&source)
            .unwrap_or_else(|| format!("(missing `<!-- expect: -->` line in {})", path.display()));
        let int = pmml_int_option(&source);
        let options = PmmlOptions { prefix: Some("applicant".into()), int, ..PmmlOptions::default() };
        let errors = match scorecards_from_pmml(&source, &options) {
            Ok(text) => panic!("{}: expected {expected}, but it converted:\n{text}", path.display()),
            Err(errors) => errors,
        };
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new(path.clone(), path.display().to_string(), source.clone()));
        let diagnostics: Vec<_> = errors.iter().map(|e| e.diagnostic(file)).collect();
        let options = RenderOptions { color: false, width: 100 };
        let rendered: Vec<String> = diagnostics.iter().map(|d| render_human(d, &sources, options)).collect();
        let rendered = rendered.join("\n");
        assert!(
            diagnostics.iter().any(|d| d.code.as_str() == expected),
            "{}: expected {expected}, got {rendered}",
            path.display()
        );
        insta::assert_snapshot!(format!("{source}\n---- polc import pmml ----\n{rendered}"));
    });
}

/// The fields of an `<!-- options: int A,B -->` line (`--int A,B`), the fixture's second line.
fn pmml_int_option(source: &str) -> Vec<String> {
    let line = source.lines().nth(1).and_then(|l| l.strip_prefix("<!-- options: int "));
    let fields = line.and_then(|l| l.strip_suffix("-->")).unwrap_or_default();
    fields.split(',').map(str::trim).filter(|f| !f.is_empty()).map(str::to_string).collect()
}

fn expected_pmml_code(source: &str) -> Option<String> {
    let line = source.lines().next()?.strip_prefix("<!-- expect: ")?;
    Some(line.strip_suffix("-->")?.trim().to_string())
}

#[test]
fn every_code_has_a_fixture() {
    common::at_workspace_root();
    let mut covered = BTreeSet::new();
    let mut stack = vec![Path::new("tests/ui").to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "pol") {
                if let Some(code) = expected_code(&std::fs::read_to_string(&path).unwrap_or_default()) {
                    covered.insert(code);
                }
            } else if path.extension().is_some_and(|e| e == "pmml") {
                if let Some(code) = expected_pmml_code(&std::fs::read_to_string(&path).unwrap_or_default()) {
                    covered.insert(code);
                }
            }
        }
    }
    // L0404 comes from `--list NAME=PATH` and is covered by tests/cli.rs; the B codes
    // are about bundle archives, not `.pol` text: tests/cli_bundle.rs makes each and
    // snapshots it rendered
    let bundles =
        std::fs::read_to_string("tests/snapshots/cli_bundle__every_tampered_bundle_is_refused_with_its_code.snap")
            .unwrap_or_default();
    let missing: Vec<&str> = polc_core::base::codes::CODES
        .iter()
        .map(|c| c.code.as_str())
        .filter(|c| !covered.contains(*c) && *c != "L0404")
        .filter(|c| !(c.starts_with('B') && bundles.contains(&format!("\n{c}\n"))))
        .collect();
    assert!(missing.is_empty(), "codes without a fixture in tests/ui: {missing:?}");
}
