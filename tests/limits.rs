//! Hostile policies cannot crash the compiler: nesting beyond the limit is a
//! clear error (P0005), never a stack overflow.

use polc::MemoryLoader;

const HEAD: &str = "policy t version \"1\"\nrecord R { a: Int, b: Bool }\ninput r: R\n";

fn codes(body: &str) -> Vec<&'static str> {
    let source = format!("{HEAD}{body}\n");
    let compilation = polc::compile_source("t.pol".as_ref(), &source, &MemoryLoader::new());
    compilation.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn deep_brackets() {
    let n = 100_000;
    let body = format!("rule A01 decline when {}r.a{} > 1", "(".repeat(n), ")".repeat(n));
    assert_eq!(codes(&body), ["P0005"]);
}

#[test]
fn long_operator_chains() {
    let sum = vec!["r.a"; 100_000].join(" + ");
    assert_eq!(codes(&format!("rule A01 decline when {sum} > 1")), ["P0005"]);
    let conjunction = vec!["r.b"; 100_000].join(" and ");
    assert_eq!(codes(&format!("rule A01 decline when {conjunction}")), ["P0005"]);
}

#[test]
fn long_prefix_runs() {
    assert_eq!(codes(&format!("rule A01 decline when {}r.b", "not ".repeat(100_000))), ["P0005"]);
    assert_eq!(codes(&format!("rule A01 decline when {}r.a > 1", "-".repeat(100_000))), ["P0005"]);
}

#[test]
fn long_let_chains() {
    let mut body = String::from("let l0 = r.a\n");
    for i in 1..5_000 {
        body.push_str(&format!("let l{i} = l{} + 1\n", i - 1));
    }
    body.push_str("rule A01 decline when l4999 > 1\n");
    assert!(codes(&body).contains(&"P0005"));
}

#[test]
fn nesting_within_the_limit_is_fine() {
    let body = format!("rule A01 decline when {}r.a{} > 1", "(".repeat(100), ")".repeat(100));
    assert_eq!(codes(&body), Vec::<&str>::new());
}
