//! Hostile policies cannot crash the compiler: nesting beyond the limit is a
//! clear error (P0005), never a stack overflow.

mod common;

use polc::MemoryLoader;

const HEAD: &str = "policy t version \"1\"\nrecord R { a: Int, b: Bool }\ninput r: R\n";

fn codes(body: &str) -> Vec<&'static str> {
    let source = format!("{HEAD}{body}\n");
    let compilation = polc::compile_source("t.pol".as_ref(), &source, &MemoryLoader::new());
    compilation.diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn deep_brackets() {
    common::at_workspace_root();
    let n = 100_000;
    let body = format!("rule A01 decline when {}r.a{} > 1", "(".repeat(n), ")".repeat(n));
    assert_eq!(codes(&body), ["P0005"]);
}

#[test]
fn long_operator_chains() {
    common::at_workspace_root();
    let sum = vec!["r.a"; 100_000].join(" + ");
    assert_eq!(codes(&format!("rule A01 decline when {sum} > 1")), ["P0005"]);
    let conjunction = vec!["r.b"; 100_000].join(" and ");
    assert_eq!(codes(&format!("rule A01 decline when {conjunction}")), ["P0005"]);
}

#[test]
fn long_prefix_runs() {
    common::at_workspace_root();
    assert_eq!(codes(&format!("rule A01 decline when {}r.b", "not ".repeat(100_000))), ["P0005"]);
    assert_eq!(codes(&format!("rule A01 decline when {}r.a > 1", "-".repeat(100_000))), ["P0005"]);
}

#[test]
fn long_let_chains() {
    common::at_workspace_root();
    let mut body = String::from("let l0 = r.a\n");
    for i in 1..5_000 {
        body.push_str(&format!("let l{i} = l{} + 1\n", i - 1));
    }
    body.push_str("rule A01 decline when l4999 > 1\n");
    assert!(codes(&body).contains(&"P0005"));
}

#[test]
fn nesting_within_the_limit_is_fine() {
    common::at_workspace_root();
    let body = format!("rule A01 decline when {}r.a{} > 1", "(".repeat(100), ")".repeat(100));
    assert_eq!(codes(&body), Vec::<&str>::new());
}

/// `leaf` under `levels` real nodes of the program (brackets alone add none).
fn nest(levels: usize, leaf: &str) -> String {
    format!("{}{leaf}{}", "(1 + ".repeat(levels), ")".repeat(levels))
}

#[test]
fn lets_count_towards_the_depth_of_what_reads_them() {
    common::at_workspace_root();
    // each let is within the limit, but evaluating the rule recurses through all of them
    let body = format!(
        "let l1 = {}\nlet l2 = {}\nrule A01 decline when {} > 1",
        nest(100, "r.a"),
        nest(100, "l1"),
        nest(100, "l2")
    );
    assert_eq!(codes(&body), ["P0005"]);
}

/// A program `depth` levels deep in all: a let and a condition reading it.
fn deepest_program(depth: usize) -> String {
    let half = depth / 2 - 2;
    format!("{HEAD}let deep = {}\nrule A01 decline when {} > 1\n", nest(half, "r.a"), nest(half, "deep"))
}

#[test]
fn the_deepest_program_allowed_evaluates_on_an_ordinary_thread() {
    common::at_workspace_root();
    let source = deepest_program(256);
    let policy = polc::Policy::from_source("t.pol", &source, &MemoryLoader::new()).expect("within the limit");
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
    let line = policy.decide_json_line(r#"{"a": 5, "b": true}"#, as_of);
    assert!(line.contains(r#""decision":"decline""#), "{line}");
    let too_deep = deepest_program(300);
    assert_eq!(codes(too_deep.strip_prefix(HEAD).unwrap_or_default()), ["P0005"]);
}
#[test]
fn a_raised_nesting_limit_compiles_and_evaluates_with_stacks_sized_to_it() {
    common::at_workspace_root();
    let limits = polc::Limits { max_nesting: 4096, ..polc::Limits::default() };
    let options = polc::CompileOptions { limits, ..polc::CompileOptions::default() };
    let source = deepest_program(4096);
    let compilation = polc::compile_source_with("t.pol".as_ref(), &source, &MemoryLoader::new(), &options);
    let policy = polc::Policy::from_compilation(compilation).expect("within the raised limit");
    // an embedder evaluating such a program gives its thread the stack Limits asks for
    let stack = limits.stack_bytes(2 << 20);
    let worker = std::thread::Builder::new().stack_size(stack).spawn(move || {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
        policy.decide_json_line(r#"{"a": 5, "b": true}"#, as_of)
    });
    let line = worker.expect("a thread").join().expect("no stack overflow");
    assert!(line.contains(r#""decision":"decline""#), "{line}");
}
