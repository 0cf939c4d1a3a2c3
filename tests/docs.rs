//! Documentation stays true: `docs/diagnostics.md` is generated from
//! `crates/polc-core/src/base/codes.rs`, and every code the source emits is documented there.
//! Regenerate with `POLC_UPDATE_DOCS=1 cargo test -p polc --test docs`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn diagnostics_md_is_generated_from_the_catalogue() {
    common::at_workspace_root();
    let generated = polc_core::base::codes::markdown();
    let path = Path::new("docs/diagnostics.md");
    if std::env::var_os("POLC_UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).expect("write docs/diagnostics.md");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/diagnostics.md is stale: run `POLC_UPDATE_DOCS=1 cargo test -p polc --test docs`"
    );
}

fn codes_in_source(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            codes_in_source(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("codes.rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            // every use of a code is `Code::X0000` (the typed catalogue of base/codes.rs)
            for (i, _) in text.match_indices("Code::") {
                let candidate = text.get(i + 6..i + 11).unwrap_or("");
                let mut chars = candidate.chars();
                let is_code = matches!(chars.next(), Some('P' | 'N' | 'T' | 'A' | 'L' | 'W' | 'B'))
                    && chars.clone().take(4).all(|c| c.is_ascii_digit())
                    && text.get(i + 11..i + 12).is_none_or(|next| !next.chars().all(|c| c.is_alphanumeric()));
                if is_code {
                    found.insert(candidate.to_string());
                }
            }
        }
    }
}

#[test]
fn every_emitted_code_is_documented_and_every_documented_code_is_emitted() {
    common::at_workspace_root();
    let mut emitted = BTreeSet::new();
    codes_in_source(Path::new("crates"), &mut emitted);
    let documented: BTreeSet<String> = polc_core::base::codes::CODES.iter().map(|c| c.code.to_string()).collect();
    let undocumented: Vec<_> = emitted.difference(&documented).collect();
    let unused: Vec<_> = documented.difference(&emitted).collect();
    assert!(undocumented.is_empty(), "codes emitted but not in crates/polc-core/src/base/codes.rs: {undocumented:?}");
    assert!(unused.is_empty(), "codes documented but never emitted: {unused:?}");
}

#[test]
fn codes_are_unique() {
    common::at_workspace_root();
    let mut seen = BTreeSet::new();
    for c in polc_core::base::codes::CODES {
        assert!(seen.insert(c.code.as_str()), "{} is listed twice", c.code.as_str());
    }
}

#[test]
fn each_code_is_in_the_catalogue_section_of_its_letter() {
    use polc_core::base::codes::{Code, Family};
    for &code in Code::ALL {
        let letter = match code.family() {
            Family::Parse => 'P',
            Family::Names => 'N',
            Family::Types => 'T',
            Family::Authority => 'A',
            Family::Lists => 'L',
            Family::Warnings => 'W',
            Family::Bundles => 'B',
        };
        assert!(code.as_str().starts_with(letter), "{code} is in the section of `{letter}` codes");
    }
}

/// Replaces the generated table after the marker naming `source` in `text` with `table`.
fn with_generated(text: &str, source: &str, table: &str) -> Option<String> {
    let marker = format!("<!-- generated from {source} by ");
    let start = text.find(&marker)?;
    let body = start + text.get(start..)?.find('\n')? + 1;
    let end = body + text.get(body..)?.find("<!-- end of generated table -->")?;
    Some(format!("{}{table}{}", text.get(..body)?, text.get(end..)?))
}

#[test]
fn the_reference_tables_are_generated_from_the_operator_and_built_in_tables() {
    common::at_workspace_root();
    let path = Path::new("docs/language.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = with_generated(
        &committed,
        "crates/polc-core/src/syntax/operators.rs",
        &polc_core::syntax::operators::reference_table(),
    )
    .and_then(|text| {
        with_generated(&text, "crates/polc-core/src/ir/builtins.rs", &polc_core::ir::builtins::reference_table())
    });
    let Some(generated) = generated else { panic!("docs/language.md has lost a generated table's markers") };
    if std::env::var_os("POLC_UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).expect("write docs/language.md");
    } else {
        assert!(
            committed == generated,
            "docs/language.md's operator or built-in table is stale: run `POLC_UPDATE_DOCS=1 cargo test -p polc --test docs`"
        );
    }
}

#[test]
fn the_unknown_function_explanation_lists_every_built_in() {
    let names: Vec<&str> = polc_core::ir::builtins::builtins().iter().map(|def| def.name).collect();
    let explanation = polc_core::Code::N0110.doc().explanation;
    assert!(
        explanation.contains(&format!("Only the built-in functions exist: {}.", names.join(", "))),
        "N0110's explanation in base/codes.rs does not list the built-in functions: {explanation}"
    );
}
