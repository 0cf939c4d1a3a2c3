//! `cargo bench -p polc --bench compile`: compile time of generated policies, to
//! show it grows linearly: 1k / 10k / 100k rules over 20 / 200 / 2000 lets, and
//! 10k / 40k / 100k varied rules (many on one field, as real policies have), and
//! 10k / 40k / 100k rules `rule Rk decline when r.i == k` (issue #12's case).
//! `POLC_BENCH_RULES=N` times one size only, `POLC_BENCH_SET=lets|varied|equalities` one set,
//! `POLC_BENCH_WRITE=DIR` also writes each policy there (for `polc check`).
//! Each size also times `analyze` (the front end with the editor's index, no
//! lowering); `POLC_BENCH_ONLY=compile|analyze` runs only one of the two (for callgrind).

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

/// A policy with `rules` varied rules: Int, Money, Decimal, String, Bool,
/// optional and enum fields; `==`, `<`, `>=`, `in` sets and ranges, `when`
/// and `unless`; all three outcomes; groups of 1 to 97 rules and runs of rules
/// at top level. Many rules test one field with one outcome: the pairwise
/// subsumption lint once made that quadratic.
fn varied(rules: usize) -> String {
    let mut text = String::from(
        "policy varied version \"1\"\n\
         enum Level { city, provincial, committee }\n\
         enum Product { consumer_loan, auto_loan, micro_business_loan, mortgage_loan, credit_card, other }\n\
         record A {\n  id: String\n  level: Level\n  income: Money\n  debt: Money\n  score: Int\n  age: Int\n  \
         overdue: Int\n  term: Int\n  rate: Decimal\n  ratio: Decimal\n  product: Product\n  region: String\n  \
         student: Bool\n  device: String?\n}\ninput a: A\nlet dti = a.debt / a.income\n",
    );
    let products = ["consumer_loan", "auto_loan", "micro_business_loan", "mortgage_loan", "credit_card", "other"];
    let (mut i, mut block) = (0usize, 0usize);
    while i < rules {
        let size = (1 + (block * 37) % 97).min(rules - i);
        let grouped = block % 11 != 10;
        if grouped {
            let _ = writeln!(text, "group g{block} \"组 {block}\" {{");
        }
        for _ in 0..size {
            let k = i % 1000;
            let some: Vec<&str> =
                products.iter().enumerate().filter(|(p, _)| (i >> p) & 1 == 1).map(|(_, p)| *p).collect();
            let some = if some.is_empty() { "other".to_string() } else { some.join(", ") };
            let rule = match i % 12 {
                0 => format!("decline when a.score < {}", 300 + k % 500),
                1 => format!("refer when a.age >= {}", 18 + k % 60),
                2 => format!("decline when a.income < {} CNY", 1_000 + k * 7),
                3 => format!("refer to provincial when a.rate in {}% ..= {}%", 1 + k % 5, 6 + k % 5),
                4 => format!("decline unless a.product in {{{some}}}"),
                5 => format!("decline when a.overdue == {i}"),
                6 => format!("refer when a.student and a.term > {}", k % 60),
                7 => format!("decline when a.device exists and a.device == \"d{i}\""),
                8 => format!("decline when dti > {}%", 5 + k % 90),
                9 => format!("refer when a.ratio <= {}.5", k % 100),
                10 => format!("decline when a.region == \"R{i}\""),
                _ => format!(
                    "refer to committee when a.income > {} CNY and a.score in 500 ..= {}",
                    10_000 + k,
                    600 + k % 100
                ),
            };
            let indent = if grouped { "  " } else { "" };
            let _ = writeln!(text, "{indent}rule V{i:06} \"规则 {i}\" {rule}");
            i += 1;
        }
        if grouped {
            text.push_str("}\n");
        }
        block += 1;
    }
    text.push_str(
        "authority over a.level escalate E00001 {\n  level city { a.income <= 100_000 CNY }\n  \
         level provincial above city { a.income <= 1_000_000 CNY }\n  level committee above provincial\n}\n",
    );
    text
}

/// The case of issue #12: `rule Rk decline when r.i == k`, every rule on one
/// field with one outcome and a different point.
fn equalities(rules: usize) -> String {
    let mut text = String::from("policy eq version \"1\"\nrecord R { id: String, i: Int }\ninput r: R\n");
    for k in 0..rules {
        let _ = writeln!(text, "rule R{k} decline when r.i == {k}");
    }
    text
}

/// Best of `runs` compilations in milliseconds, with the best parse alone and
/// the best analysis (`None` when `POLC_BENCH_ONLY` leaves one out).
fn time_compile(text: &str, runs: usize) -> (f64, f64, Option<f64>) {
    let only = std::env::var("POLC_BENCH_ONLY").unwrap_or_default();
    let mut analysis_best = None;
    if only != "compile" {
        let mut best = f64::MAX;
        for _ in 0..runs {
            let start = Instant::now();
            let options = polc::CompileOptions::default();
            let analysis = polc::analyze_source(Path::new("big.pol"), text, &MemoryLoader::new(), &options);
            best = best.min(start.elapsed().as_secs_f64() * 1000.0);
            assert!(!analysis.has_errors() && !analysis.index.definitions().is_empty());
        }
        analysis_best = Some(best);
    }
    if only == "analyze" {
        return (f64::NAN, f64::NAN, analysis_best);
    }
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let compilation = polc::compile_source(Path::new("big.pol"), text, &MemoryLoader::new());
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        let errors: Vec<_> = compilation.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
        assert!(errors.is_empty() && compilation.program.is_some(), "generated policy has errors: {errors:?}");
        best = best.min(elapsed);
    }
    let mut parse_best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        let (module, _) = polc_core::syntax::parse::parse(polc_core::base::source::FileId(0), text);
        parse_best = parse_best.min(start.elapsed().as_secs_f64() * 1000.0);
        drop(module);
    }
    (best, parse_best, analysis_best)
}

fn main() {
    // POLC_BENCH_RULES=10000 measures one size only (for callgrind or perf)
    let only: Option<usize> = std::env::var("POLC_BENCH_RULES").ok().and_then(|v| v.parse().ok());
    let set = std::env::var("POLC_BENCH_SET").unwrap_or_default();
    let lets: Vec<(&str, usize, String)> =
        [(1_000, 20), (10_000, 200), (100_000, 2_000)].map(|(r, l)| ("lets", r, format!("{l:>4} lets"))).into();
    let varied_sizes: Vec<(&str, usize, String)> =
        [10_000, 40_000, 100_000].map(|r| ("varied", r, "  varied".to_string())).into();
    let equality_sizes: Vec<(&str, usize, String)> =
        [10_000, 40_000, 100_000].map(|r| ("equalities", r, "    r.i == k".to_string())).into();
    let mut previous: Option<(&str, usize, f64)> = None;
    for (kind, rules, what) in lets.into_iter().chain(varied_sizes).chain(equality_sizes) {
        if only.is_some_and(|only| only != rules) || (!set.is_empty() && set != kind) {
            continue;
        }
        let text = match kind {
            "lets" => generated(rules, what.trim().trim_end_matches(" lets").parse().unwrap_or(0)),
            "varied" => varied(rules),
            _ => equalities(rules),
        };
        // POLC_BENCH_WRITE=DIR also writes the policy, for timing `polc check` on it
        if let Some(dir) = std::env::var_os("POLC_BENCH_WRITE") {
            // `rules_N.pol` (scripts/bench.sh times `polc check` on one) and `varied_N.pol`
            let name = if kind == "lets" { format!("rules_{rules}.pol") } else { format!("{kind}_{rules}.pol") };
            let path = std::path::Path::new(&dir).join(name);
            if let Err(error) = std::fs::write(&path, &text) {
                eprintln!("cannot write {}: {error}", path.display());
                std::process::exit(2);
            }
        }
        let runs = if rules >= 40_000 || only.is_some() { 1 } else { 5 };
        let (best, parse_best, analysis) = time_compile(&text, runs);
        let per_rule = best * 1000.0 / rules as f64;
        let growth = previous
            .filter(|(k, _, _)| *k == kind)
            .map(|(_, r, t)| format!(", x{:.1} for x{:.1} rules", best / t, rules as f64 / r as f64))
            .unwrap_or_default();
        let analysis = analysis.map(|ms| format!("; analysis with the index {ms:.1} ms")).unwrap_or_default();
        println!(
            "compile {rules:>6} rules, {what} ({:>5} KiB): {best:9.1} ms ({per_rule:.1} µs/rule{growth}); parsing alone {parse_best:.1} ms{analysis}",
            text.len() / 1024
        );
        previous = Some((kind, rules, best));
    }
}
