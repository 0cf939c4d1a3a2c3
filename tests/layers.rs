//! The layers of `polc-core` point one way. Every `crate::…` and `super::…`
//! path in the library's code (not its unit tests) is read, and the use of
//! one top-level module by another must go down this order:
//!
//! ```text
//! base ← value ← syntax ← ir ← sema
//!                          ir ← eval ← io ← engine
//! ```
//!
//! `value` is the values every stage shares; `ir` is the vocabulary `sema`
//! writes the checked program in (and what each operation computes), so the
//! checker and the evaluator both stand on it and neither on the other. A
//! module may use any module below it, never one beside or above it, so the
//! graph has no cycle. The crate root (`lib.rs`: the compile driver and the
//! re-exports) is above them all and not counted.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and its layer: a module may use only lower layers.
const LAYERS: [(&str, u32); 8] =
    [("base", 0), ("value", 1), ("syntax", 2), ("ir", 3), ("sema", 4), ("eval", 4), ("io", 5), ("engine", 6)];

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(name, _)| *name == module).map(|(_, layer)| *layer)
}

/// The library's source files with their module paths (`["eval", "compiled"]`),
/// leaving out the files that are unit tests (`#[cfg(test)] mod tests;`).
/// `parent` is the file that declares the modules of `dir` (`lib.rs`,
/// `eval/mod.rs`, or `syntax/parse.rs` for `syntax/parse/`).
fn modules(dir: &Path, parent: &Path, path: &[String], out: &mut Vec<(PathBuf, Vec<String>)>) {
    let test_only = test_modules(&std::fs::read_to_string(parent).unwrap_or_default());
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    entries.sort();
    for entry in entries {
        let Some(stem) = entry.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
        if test_only.contains(&stem) {
            continue;
        }
        let mut child = path.to_vec();
        if entry.is_dir() {
            child.push(stem.clone());
            let beside = dir.join(format!("{stem}.rs"));
            let parent = if beside.is_file() { beside } else { entry.join("mod.rs") };
            modules(&entry, &parent, &child, out);
        } else if entry.extension().is_some_and(|e| e == "rs") {
            if stem != "mod" && stem != "lib" {
                child.push(stem);
            }
            out.push((entry, child));
        }
    }
}

/// The modules a file declares as `#[cfg(test)] mod name;`.
fn test_modules(text: &str) -> BTreeSet<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|pair| pair[0] == "#[cfg(test)]")
        .filter_map(|pair| pair[1].strip_prefix("mod ").and_then(|m| m.strip_suffix(';')).map(str::to_string))
        .collect()
}

/// The code of a file without its comments and its inline `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed == "#[cfg(test)]" {
            break; // unit tests come last in a file
        }
        if trimmed.starts_with("//") {
            continue;
        }
        out.push_str(line.split(" // ").next().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The top-level modules a file's paths name.
fn uses(text: &str, path: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let word = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (at, _) in text.match_indices("crate::") {
        let before = text.get(..at).and_then(|b| b.chars().last());
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `polc_core::…` or the like
        }
        let rest = text.get(at + "crate::".len()..).unwrap_or("");
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c}`: the first word of each top-level item
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        found.insert(word(group.get(i..).unwrap_or("")));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(word(rest));
        }
    }
    // `super::super::x` from a nested file may reach the root, and then `x`
    for (at, _) in text.match_indices("super::") {
        let before = text.get(..at).and_then(|b| b.chars().last());
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // counted with the first `super::`
        }
        let mut rest = text.get(at..).unwrap_or("");
        let mut depth = path.len();
        while let Some(next) = rest.strip_prefix("super::") {
            depth = depth.saturating_sub(1);
            rest = next;
        }
        if depth == 0 {
            found.insert(word(rest));
        }
    }
    found.into_iter().filter(|m| layer(m).is_some()).collect()
}

#[test]
fn the_layers_of_polc_core_point_one_way() {
    common::at_workspace_root();
    let root = Path::new("crates/polc-core/src");
    let lib = std::fs::read_to_string(root.join("lib.rs")).unwrap_or_default();
    let declared: Vec<&str> = lib.lines().filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';')).collect();
    let unknown: Vec<&&str> = declared.iter().filter(|m| layer(m).is_none()).collect();
    assert!(unknown.is_empty(), "top-level modules without a layer in tests/layers.rs: {unknown:?}");
    assert_eq!(declared.len(), LAYERS.len(), "lib.rs declares {declared:?}");

    let mut files = Vec::new();
    modules(root, &root.join("lib.rs"), &[], &mut files);
    assert!(files.len() > 40, "found only {} source files", files.len());
    let mut edges: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (file, path) in &files {
        let Some(top) = path.first() else { continue }; // lib.rs itself
        let text = code(&std::fs::read_to_string(file).unwrap_or_default());
        for used in uses(&text, path) {
            if used != *top {
                edges.entry((top.clone(), used)).or_default().push(file.display().to_string());
            }
        }
    }
    let wrong: Vec<String> = edges
        .iter()
        .filter(|((from, to), _)| layer(to) >= layer(from))
        .map(|((from, to), files)| format!("{from} uses {to} (in {})", files.join(", ")))
        .collect();
    assert!(wrong.is_empty(), "uses that point up or sideways:\n{}", wrong.join("\n"));
    // the graph this test has seen, to notice when the scan stops finding paths
    for expected in [("eval", "ir"), ("sema", "ir"), ("ir", "value"), ("io", "eval"), ("engine", "io")] {
        let key = (expected.0.to_string(), expected.1.to_string());
        assert!(edges.contains_key(&key), "no use of {} by {} found", expected.1, expected.0);
    }
}

#[test]
fn the_scan_finds_paths_in_every_form() {
    let text = "use crate::ir::{Expr, ExprKind};\nlet x = crate::eval::decide(a);\nuse crate::{base::x, \
                value::{a, b}};\nuse super::super::syntax::ast;\nlet y = polc_core::engine::Policy;\n";
    let found = uses(text, &["sema".to_string(), "check".to_string()]);
    let expected: BTreeSet<String> = ["base", "eval", "ir", "syntax", "value"].map(String::from).into();
    assert_eq!(found, expected);
    // comments and unit tests do not count
    assert_eq!(
        code("// crate::eval\nuse crate::ir::X;\n#[cfg(test)]\nuse crate::engine::Y;\n").trim(),
        "use crate::ir::X;"
    );
}

/// The library knows no HTTP and no async runtime: only `polc-server` does
/// (docs/ARCHITECTURE.md). Reads the dependency tables of both library crates.
#[test]
fn the_library_depends_on_no_http_or_async_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for manifest in ["crates/polc/Cargo.toml", "crates/polc-core/Cargo.toml"] {
        let text = std::fs::read_to_string(root.join(manifest)).unwrap_or_default();
        assert!(!text.is_empty(), "{manifest} is read");
        let mut table = String::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                table = line.to_string();
                continue;
            }
            if !table.contains("dependencies") || line.starts_with('#') {
                continue;
            }
            let name = line.split(['=', ' ', '.']).next().unwrap_or("");
            for banned in ["axum", "tokio", "hyper", "tower", "reqwest", "polc-server"] {
                assert!(
                    name != banned || table.contains("dev-dependencies"),
                    "{manifest} {table} depends on `{banned}`: HTTP and async belong in polc-server"
                );
            }
            // nor Python: only polc-py links pyo3 (and may hold unsafe code)
            for banned in ["pyo3", "arrow-pyarrow", "polc-py"] {
                assert!(
                    name != banned || table.contains("dev-dependencies"),
                    "{manifest} {table} depends on `{banned}`: Python belongs in polc-py"
                );
            }
        }
    }
}
