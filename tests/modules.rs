//! `use` across directories, shared files, and what a used file may hold.

mod common;

use polc::{Compilation, CompileOptions, MemoryLoader};
use std::path::{Path, PathBuf};

/// Compiles with the memory loader's top directory as the policy root (the
/// products reach `../../shared`, outside their own directory).
fn compile(path: &str, loader: &MemoryLoader) -> Compilation {
    let options = CompileOptions { root: Some(PathBuf::new()), ..CompileOptions::default() };
    polc::compile_with(path.as_ref(), loader, &options)
}

fn codes(compilation: &Compilation) -> Vec<&'static str> {
    compilation.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

fn loader() -> MemoryLoader {
    MemoryLoader::new()
        .with(
            "products/loan/policy.pol",
            "policy loan version \"1\"\nuse \"../../shared/common.pol\"\n\
             input applicant: Applicant\n\
             rule A01 decline when applicant.level == city and applicant.age < adult_age\n",
        )
        .with(
            "shared/common.pol",
            "use \"types/person.pol\"\nconst adult_age: Int = 18\nconst unused_here: Int = 1\n\
             list fraud_ids: IdCard from \"lists/fraud_ids.txt\"\n",
        )
        .with(
            "shared/types/person.pol",
            "enum Level { city, committee }\nrecord Applicant { age: Int, level: Level }\n",
        )
        .with("shared/lists/fraud_ids.txt", "110100199003070138\n")
}

#[test]
fn use_resolves_relative_to_the_using_file_across_directories() {
    common::at_workspace_root();
    let compilation = compile("products/loan/policy.pol", &loader());
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.is_empty(), "{codes:?}");
    let program = compilation.program.expect("compiles");
    assert_eq!(
        program.lists[0].from,
        std::path::Path::new("shared/lists/fraud_ids.txt"),
        "list paths are relative to their file"
    );
    let files: Vec<String> = program.sources.files().map(|(_, f)| f.name.clone()).collect();
    assert_eq!(files, ["products/loan/policy.pol", "shared/common.pol", "shared/types/person.pol"]);
}

#[test]
fn unused_declarations_of_a_shared_file_are_not_warned_about() {
    common::at_workspace_root();
    let compilation = compile("products/loan/policy.pol", &loader());
    assert!(compilation.diagnostics.iter().all(|d| d.code.as_str() != "W0502" && d.code.as_str() != "W0503"));
}

#[test]
fn a_file_used_twice_is_loaded_once() {
    common::at_workspace_root();
    let loader = loader().with(
        "products/loan/twice.pol",
        "policy loan version \"1\"\nuse \"../../shared/common.pol\"\nuse \"../../shared/types/person.pol\"\n\
         input applicant: Applicant\nrule A01 decline when applicant.age < adult_age\n",
    );
    let compilation = compile("products/loan/twice.pol", &loader);
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.is_empty(), "no duplicate declarations from a diamond: {codes:?}");
}

#[test]
fn by_default_use_cannot_leave_the_policy_directory() {
    common::at_workspace_root();
    let compilation = polc::compile("products/loan/policy.pol".as_ref(), &loader());
    assert_eq!(codes(&compilation), ["N0116"]);
    let d = &compilation.diagnostics[0];
    assert_eq!(d.message, "`use` path `shared/common.pol` is outside the policy root");
    assert!(compilation.program.is_none());
}

#[test]
fn allow_outside_root_lifts_the_sandbox() {
    common::at_workspace_root();
    let options = CompileOptions { allow_outside_root: true, ..CompileOptions::default() };
    let compilation = polc::compile_with("products/loan/policy.pol".as_ref(), &loader(), &options);
    assert!(codes(&compilation).is_empty(), "{:?}", codes(&compilation));
}

#[test]
fn a_list_from_outside_the_root_is_an_error() {
    common::at_workspace_root();
    let loader = MemoryLoader::new().with(
        "policies/loan.pol",
        "policy loan version \"1\"\nrecord A { id: String }\ninput applicant: A\n\
         list secrets: String from \"../../../etc/passwd\"\n\
         rule A01 decline when applicant.id in secrets\n",
    );
    let compilation = polc::compile("policies/loan.pol".as_ref(), &loader);
    assert_eq!(codes(&compilation), ["N0116"]);
    assert!(compilation.diagnostics[0].message.starts_with("list `from` path `"));
}

#[test]
fn leading_parent_directories_are_kept_when_normalising() {
    common::at_workspace_root();
    assert_eq!(polc_core::sema::resolve::normalize(Path::new("a/../../../b")), Path::new("../../b"));
    assert_eq!(polc_core::sema::resolve::normalize(Path::new("/../etc/./passwd")), Path::new("/etc/passwd"));
    assert_eq!(polc_core::sema::resolve::normalize(Path::new("a/./b/../c")), Path::new("a/c"));
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_out_of_the_root_is_followed_and_refused() {
    common::at_workspace_root();
    let outside = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(outside.path().join("shared.pol"), "const adult_age: Int = 18\n").expect("written");
    let root = tempfile::tempdir().expect("a temporary directory");
    std::os::unix::fs::symlink(outside.path().join("shared.pol"), root.path().join("shared.pol")).expect("linked");
    let policy = root.path().join("loan.pol");
    std::fs::write(
        &policy,
        "policy loan version \"1\"\nuse \"shared.pol\"\nrecord A { age: Int }\ninput applicant: A\n\
         rule A01 decline when applicant.age < adult_age\n",
    )
    .expect("written");
    let compilation = polc::compile(&policy, &polc::FsLoader);
    assert_eq!(codes(&compilation), ["N0116"]);
    let options = CompileOptions { allow_outside_root: true, ..CompileOptions::default() };
    assert!(codes(&polc::compile_with(&policy, &polc::FsLoader, &options)).is_empty());
}

#[test]
fn a_byte_order_mark_at_the_start_of_a_file_is_ignored() {
    common::at_workspace_root();
    let text = "\u{FEFF}policy t version \"1\"\nrecord A { age: Int }\ninput a: A\nrule A01 decline when a.age < 18\n";
    let compilation = polc::compile_source("t.pol".as_ref(), text, &MemoryLoader::new());
    assert!(codes(&compilation).is_empty(), "{:?}", codes(&compilation));
    // anywhere else it is not white space
    let inside = text.replacen("\u{FEFF}", "", 1).replace("input a", "input\u{FEFF} a");
    let compilation = polc::compile_source("t.pol".as_ref(), &inside, &MemoryLoader::new());
    assert!(codes(&compilation).contains(&"P0001"), "{:?}", codes(&compilation));
}
