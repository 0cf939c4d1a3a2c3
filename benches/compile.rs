//! `cargo bench --bench compile`: compile time of generated policies with
//! 1k / 10k / 100k rules (and 20 / 200 / 2000 lets), to show it grows linearly.

use polc::MemoryLoader;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

const FIELDS: [&str; 8] = ["age", "score", "overdue", "term", "transfers", "inquiries", "lenders", "months"];

/// A policy with `rules` rules over `lets` lets and eight Int fields, in groups of 50.
fn generated(rules: usize, lets: usize) -> String {
    let mut text = String::from("policy big version \"1\"\nenum Level { city, provincial, committee }\nrecord A {\n  id: String\n  level: Level\n  income: Money\n");
    for f in FIELDS {
        let _ = writeln!(text, "  {f}: Int");
    }
    text.push_str("}\ninput a: A\n");
    for i in 0..lets {
        let f = FIELDS[i % FIELDS.len()];
        let _ = writeln!(text, "let l{i} = a.{f} * {} + a.{} - {i}", i % 7 + 1, FIELDS[(i + 3) % FIELDS.len()]);
    }
    for i in 0..rules {
        if i % 50 == 0 {
            if i > 0 {
                text.push_str("}\n");
            }
            let _ = writeln!(text, "group g{} \"组 {}\" {{", i / 50, i / 50);
        }
        let l = i % lets.max(1);
        let f = FIELDS[i % FIELDS.len()];
        let outcome = if i % 3 == 0 { "refer" } else { "decline" };
        let _ = writeln!(
            text,
            "  rule R{i:06} \"规则 {i}\" {outcome} when l{l} > {} and a.{f} in {}..= {} or a.income > {} CNY",
            i % 1000,
            i % 10,
            i % 10 + 5,
            100_000 + i
        );
    }
    text.push_str("}\nauthority over a.level escalate E00001 {\n  level city { a.income <= 100_000 CNY }\n  level provincial above city { a.income <= 1_000_000 CNY }\n  level committee above provincial\n}\n");
    text
}

fn main() {
    let mut previous: Option<(usize, f64)> = None;
    // POLC_BENCH_RULES=10000 measures one size only (for callgrind or perf)
    let only: Option<usize> = std::env::var("POLC_BENCH_RULES").ok().and_then(|v| v.parse().ok());
    for (rules, lets) in [(1_000, 20), (10_000, 200), (100_000, 2_000)] {
        if only.is_some_and(|only| only != rules) {
            continue;
        }
        let text = generated(rules, lets);
        // POLC_BENCH_WRITE=DIR also writes the policy, for timing `polc check` on it
        if let Some(dir) = std::env::var_os("POLC_BENCH_WRITE") {
            let path = std::path::Path::new(&dir).join(format!("rules_{rules}.pol"));
            if let Err(error) = std::fs::write(&path, &text) {
                eprintln!("cannot write {}: {error}", path.display());
                std::process::exit(2);
            }
        }
        let runs = if rules >= 100_000 || only.is_some() { 1 } else { 5 };
        let mut best = f64::MAX;
        for _ in 0..runs {
            let start = Instant::now();
            let compilation = polc::compile_source(Path::new("big.pol"), &text, &MemoryLoader::new());
            let elapsed = start.elapsed().as_secs_f64() * 1000.0;
            let errors: Vec<_> = compilation.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
            assert!(errors.is_empty() && compilation.program.is_some(), "generated policy has errors: {errors:?}");
            best = best.min(elapsed);
        }
        let mut parse_best = f64::MAX;
        for _ in 0..runs {
            let start = Instant::now();
            let (module, _) = polc_core::syntax::parse::parse(polc_core::base::source::FileId(0), &text);
            parse_best = parse_best.min(start.elapsed().as_secs_f64() * 1000.0);
            drop(module);
        }
        let per_rule = best * 1000.0 / rules as f64;
        let growth = previous.map(|(r, t)| format!(", x{:.1} for x{} rules", best / t, rules / r)).unwrap_or_default();
        println!(
            "compile {rules:>6} rules, {lets:>4} lets ({:>5} KiB): {best:8.1} ms ({per_rule:.1} µs/rule{growth}); parsing alone {parse_best:.1} ms",
            text.len() / 1024
        );
        previous = Some((rules, best));
    }
}
