//! `use` across directories, shared files, and what a used file may hold.

use polc::MemoryLoader;

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
    let compilation = polc::compile("products/loan/policy.pol".as_ref(), &loader());
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code).collect();
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
    let compilation = polc::compile("products/loan/policy.pol".as_ref(), &loader());
    assert!(compilation.diagnostics.iter().all(|d| d.code != "W0502" && d.code != "W0503"));
}

#[test]
fn a_file_used_twice_is_loaded_once() {
    let loader = loader().with(
        "products/loan/twice.pol",
        "policy loan version \"1\"\nuse \"../../shared/common.pol\"\nuse \"../../shared/types/person.pol\"\n\
         input applicant: Applicant\nrule A01 decline when applicant.age < adult_age\n",
    );
    let compilation = polc::compile("products/loan/twice.pol".as_ref(), &loader);
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.is_empty(), "no duplicate declarations from a diamond: {codes:?}");
}
