//! A policy's test file (§16): `NAME.test.pol` beside `NAME.pol` holds only
//! `test` and `fixture` declarations, sees the policy's declarations, and is not
//! part of the policy hash. What the name means, and what such a file may hold.

use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::syntax::ast::{Item, Module};
use std::path::{Path, PathBuf};

/// What a test file's name ends with.
pub const SUFFIX: &str = ".test.pol";

/// Whether `path` names a test file (`NAME.test.pol`).
pub fn is_test_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.len() > SUFFIX.len() && n.ends_with(SUFFIX))
}

/// The test file of the policy at `policy` (`loan.pol` → `loan.test.pol`);
/// `None` when `policy` is not a `.pol` file or is a test file itself.
pub fn test_file_of(policy: &Path) -> Option<PathBuf> {
    if is_test_file(policy) || policy.extension().is_none_or(|e| e != "pol") {
        return None;
    }
    let stem = policy.file_stem()?.to_str()?;
    Some(policy.with_file_name(format!("{stem}{SUFFIX}")))
}

/// The policy a test file belongs to (`loan.test.pol` → `loan.pol`).
pub fn policy_of(test_file: &Path) -> Option<PathBuf> {
    let name = test_file.file_name()?.to_str()?;
    let stem = name.strip_suffix(SUFFIX).filter(|s| !s.is_empty())?;
    Some(test_file.with_file_name(format!("{stem}.pol")))
}

/// N0126 for every declaration of a test file that is not a `test` or a
/// `fixture`; those declarations are dropped, so that they neither join the
/// policy nor cause more errors (a `use` in a test file is not followed).
pub fn keep_tests_only(module: &mut Module, text: &str, file_name: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    module.items.retain(|item| {
        if matches!(item, Item::Test(_) | Item::Fixture(_)) {
            return true;
        }
        let span = item.span();
        // the declaration's keyword, as written: `rule`, `let`, `policy`, …
        let keyword = text
            .get(span.start as usize..span.end as usize)
            .and_then(|t| t.split(|c: char| !c.is_alphanumeric() && c != '_').find(|w| !w.is_empty()))
            .unwrap_or("declaration");
        let policy = policy_of(Path::new(file_name))
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "the policy".to_string());
        diagnostics.push(
            Diagnostic::error(Code::N0126, format!("a test file holds only tests and fixtures, not `{keyword}`"))
                .at(span, format!("`{keyword}` belongs in `{policy}`"))
                .help(format!("move it into `{policy}`: the tests in this file see every declaration of the policy")),
        );
        false
    });
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::limits::CompileOptions;
    use crate::base::source::MemoryLoader;

    const POLICY: &str = "policy p version \"1\"\nrecord A { id: String, age: Int }\ninput a: A\n\
        rule A01 decline when a.age < 18\nfixture adult = { id: \"x\", age: 30 }\n";
    const TESTS: &str = "fixture minor = adult with { age: 17 }\n\
        test \"minor\" { given a = minor as_of 2026-01-01 expect decline [A01] }\n";

    fn compiled(test_files: bool, loader: &MemoryLoader) -> crate::Compilation {
        let options = CompileOptions { test_files, ..CompileOptions::default() };
        crate::compile_source_with(Path::new("p.pol"), POLICY, loader, &options)
    }

    #[test]
    fn the_test_file_is_read_on_request_and_left_out_of_the_hash() {
        let loader = MemoryLoader::new().with("p.test.pol", TESTS);
        let (with, without) = (compiled(true, &loader), compiled(false, &loader));
        let (Some(with), Some(without)) = (with.program, without.program) else {
            panic!("both compile: {:?}", compiled(true, &loader).diagnostics)
        };
        assert_eq!((with.tests.len(), without.tests.len()), (1, 0));
        assert_eq!(with.hash, without.hash);
        let alone = compiled(true, &MemoryLoader::new()).program.map(|p| p.hash);
        assert_eq!(alone, Some(with.hash), "no test file, the same hash");
    }

    #[test]
    fn the_editor_index_sees_the_test_file() {
        let loader = MemoryLoader::new().with("p.test.pol", TESTS);
        let options = CompileOptions { test_files: true, ..CompileOptions::default() };
        let analysis = crate::analyze_source(Path::new("p.pol"), POLICY, &loader, &options);
        assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
        let file = analysis.sources.find(Path::new("p.test.pol"));
        let Some(file) = file else { panic!("the test file is among the sources") };
        let names: Vec<&str> = analysis.index.definitions_in(file).map(|(_, d)| d.name.as_str()).collect();
        assert_eq!(names, ["minor", "minor"], "the fixture and the test");
        // `adult` in the test file is a use of the policy's fixture
        let offset = TESTS.find("adult").unwrap_or_default();
        let def = analysis.index.definition_at(file, offset).and_then(|d| analysis.index.definition(d));
        assert_eq!(def.map(|d| d.name.as_str()), Some("adult"));
    }

    #[test]
    fn a_declaration_in_a_test_file_is_an_error_there() {
        let loader = MemoryLoader::new().with("p.test.pol", format!("let x = 1\n{TESTS}"));
        let compilation = compiled(true, &loader);
        let codes: Vec<_> = compilation.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::N0126]);
        let file = compilation.diagnostics.first().and_then(|d| d.primary.as_ref()).map(|l| l.span.file);
        assert_eq!(file, compilation.sources.find(Path::new("p.test.pol")));
    }

    #[test]
    fn names() {
        assert!(is_test_file(Path::new("a/loan.test.pol")));
        assert!(!is_test_file(Path::new("a/.test.pol")));
        assert!(!is_test_file(Path::new("a/loan.pol")));
        assert_eq!(test_file_of(Path::new("a/loan.pol")), Some(PathBuf::from("a/loan.test.pol")));
        assert_eq!(test_file_of(Path::new("a/loan.test.pol")), None);
        assert_eq!(test_file_of(Path::new("a/loan.txt")), None);
        assert_eq!(policy_of(Path::new("a/loan.test.pol")), Some(PathBuf::from("a/loan.pol")));
        assert_eq!(policy_of(Path::new("a/loan.pol")), None);
    }
}
