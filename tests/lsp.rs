//! `polc lsp` driven by a real client over standard input and output
//! (JSON-RPC with `Content-Length` framing): diagnostics equal to `polc
//! check`'s, incremental edits, hover, definition, references, rename,
//! completion, formatting, outline, folding, quick fixes, code lenses, and
//! random edit sequences that must leave the diagnostics of `polc check`.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

#[path = "lsp/client.rs"]
#[expect(dead_code, reason = "`Client::pid` is for the bench (benches/lsp.rs), which reads the server's memory")]
mod client;
mod common;

use client::Client;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `file:` URI of a path (absolute), percent-encoded as the server writes it.
pub fn uri(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::from("file://");
    for byte in absolute.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn root() -> PathBuf {
    common::at_workspace_root();
    std::fs::canonicalize(common::workspace_root()).unwrap_or_else(|e| panic!("no workspace root: {e}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `polc check --format json PATH`: each diagnostic in `PATH` itself.
fn check_json(path: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(["check", "--format", "json"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run polc check: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let shown = path.display().to_string();
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
        .filter(|d| d["file"] == shown.as_str())
        .collect()
}

/// A diagnostic as (code, severity, line, column in characters, message
/// with its help), the fields both sides have, from `polc check`'s JSON.
fn from_check(d: &Value) -> (String, String, u64, u64, String) {
    let message = match d["help"].as_str() {
        Some(help) => format!("{}\nhelp: {help}", d["message"].as_str().unwrap_or("")),
        None => d["message"].as_str().unwrap_or("").to_string(),
    };
    let code = d["code"].as_str().unwrap_or("").to_string();
    let severity = d["severity"].as_str().unwrap_or("").to_string();
    // a diagnostic with no place is shown at the start of the file
    let line = d["line"].as_u64().filter(|&l| l > 0).unwrap_or(1);
    (code, severity, line, d["column"].as_u64().filter(|&c| c > 0).unwrap_or(1), message)
}

/// The same from a published diagnostic, its UTF-16 character turned into
/// a column in characters of `text`.
fn from_lsp(d: &Value, text: &str) -> (String, String, u64, u64, String) {
    let line = d["range"]["start"]["line"].as_u64().unwrap_or(0);
    let units = d["range"]["start"]["character"].as_u64().unwrap_or(0);
    let line_text = text.split('\n').nth(line as usize).unwrap_or("");
    let (mut seen, mut chars) = (0u64, 0u64);
    for c in line_text.chars() {
        if seen >= units {
            break;
        }
        seen += c.len_utf16() as u64;
        chars += 1;
    }
    let severity = match d["severity"].as_u64() {
        Some(1) => "error",
        Some(2) => "warning",
        _ => "other",
    };
    let code = d["code"].as_str().unwrap_or("").to_string();
    (code, severity.to_string(), line + 1, chars + 1, d["message"].as_str().unwrap_or("").to_string())
}

fn assert_same_as_check(published: &[Value], path: &Path, text: &str) {
    let mut ours: Vec<_> = published.iter().map(|d| from_lsp(d, text)).collect();
    let mut theirs: Vec<_> = check_json(path).iter().map(from_check).collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "the server's diagnostics of {} differ from `polc check`'s", path.display());
}

fn position(line: u32, character: u32) -> Value {
    json!({ "line": line, "character": character })
}

fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position(line, character) })
}

/// The 0-based line and UTF-16 character of the first `needle` in `text` (plus `plus` characters).
fn find(text: &str, needle: &str, plus: u32) -> (u32, u32) {
    let offset = text.find(needle).unwrap_or_else(|| panic!("`{needle}` is not in the text"));
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before.get(start..).unwrap_or("").encode_utf16().count() as u32;
    (line, character + plus)
}

fn hover_text(client: &mut Client, uri: &str, (line, character): (u32, u32)) -> String {
    let hover = client.request("textDocument/hover", at(uri, line, character));
    hover["contents"]["value"].as_str().unwrap_or_else(|| panic!("no hover at {line}:{character}: {hover}")).to_string()
}

fn labels(items: &Value) -> Vec<String> {
    let list = items.get("items").unwrap_or(items);
    list.as_array().into_iter().flatten().filter_map(|i| i["label"].as_str().map(String::from)).collect()
}

/// A copy of the shipped policies (and their lists) in a temporary directory.
fn shipped_copy() -> tempfile::TempDir {
    let root = root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
    std::fs::create_dir(dir.path().join("lists")).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(root.join("policies")).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(entry.file_name())).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    for entry in std::fs::read_dir(root.join("policies/lists")).into_iter().flatten().flatten() {
        std::fs::copy(entry.path(), dir.path().join("lists").join(entry.file_name())).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

#[test]
fn diagnostics_on_open_are_those_of_polc_check() {
    let root = root();
    let mut client = Client::start(&root);
    for file in [
        "tests/lsp/errors.pol",
        "policies/consumer_loan.pol",
        "policies/micro_business_loan.pol",
        "tests/policies/error_and_warning.pol",
    ] {
        let path = root.join(file);
        let text = read(&path);
        let uri = uri(&path);
        client.open(&uri, &text);
        let published = client.diagnostics(&uri, Some(1));
        assert_same_as_check(&published, &path, &text);
        if file.starts_with("policies/") {
            assert!(published.is_empty(), "{file}: {published:?}");
        }
    }
    client.shutdown();
}

#[test]
fn diagnostics_carry_the_code_labels_and_fixes() {
    let root = root();
    let path = root.join("tests/lsp/errors.pol");
    let (text, uri) = (read(&path), uri(&path));
    let mut client = Client::start(&root);
    client.open(&uri, &text);
    let published = client.diagnostics(&uri, Some(1));
    let n0105 = published.iter().find(|d| d["code"] == "N0105").unwrap_or_else(|| panic!("no N0105: {published:?}"));
    assert_eq!(n0105["source"], "polc");
    assert_eq!(n0105["message"], "unknown field `credit_scor` on `Applicant`\nhelp: did you mean `credit_score`?");
    assert_eq!(n0105["relatedInformation"][0]["message"], "not a field of `Applicant`");
    let warning = published.iter().find(|d| d["code"] == "W0501").unwrap_or_else(|| panic!("no W0501"));
    assert_eq!(warning["severity"], 2, "warnings are warnings");
    // each fix is a quick fix: the did-you-mean name, `3_000 CNY`, `70%`
    let mut written = Vec::new();
    for d in &published {
        let actions = client.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": d["range"], "context": { "diagnostics": [d] } }),
        );
        for action in actions.as_array().into_iter().flatten() {
            assert_eq!(action["kind"], "quickfix");
            let edits = &action["edit"]["changes"][uri.as_str()];
            written.push((action["title"].as_str().unwrap_or("").to_string(), edits[0]["newText"].clone()));
        }
    }
    written.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        written,
        [
            ("write `3_000 CNY`".to_string(), json!("3_000 CNY")),
            ("write `70%`".to_string(), json!("70%")),
            ("write `credit_score`".to_string(), json!("credit_score")),
            ("write `online`".to_string(), json!("online")),
        ]
    );
    client.shutdown();
}

#[test]
fn incremental_edits_update_the_diagnostics() {
    let root = root();
    let path = root.join("tests/lsp/errors.pol");
    let (text, uri) = (read(&path), uri(&path));
    let mut client = Client::start(&root);
    client.open(&uri, &text);
    assert_eq!(client.diagnostics(&uri, Some(1)).len(), 5);
    // fix the typo: `credit_scor` + `e`
    let (line, character) = find(&text, "credit_scor <", "credit_scor".len() as u32);
    client.edit(&uri, 2, (line, character), (line, character), "e");
    let after = client.diagnostics(&uri, Some(2));
    assert_eq!(after.len(), 4, "{after:?}");
    assert!(!after.iter().any(|d| d["code"] == "N0105"));
    // replace the Chinese message of A01 (a range inside multi-byte text)
    let (line, start) = find(&text, "收入不足", 0);
    client.edit(&uri, 3, (line, start), (line, start + 4), "收入低于门槛");
    let after = client.diagnostics(&uri, Some(3));
    let t0202 = after.iter().find(|d| d["code"] == "T0202").unwrap_or_else(|| panic!("no T0202: {after:?}"));
    // the column moved by two characters (UTF-16 units: Chinese is one each)
    let (_, before) = find(&text, "3000", 0);
    assert_eq!(t0202["range"]["start"]["character"], before + 2);
    // a burst of edits is applied in order and checked once it is done
    for (version, edit) in [(4, "x"), (5, "y"), (6, "z")] {
        client.edit(&uri, version, (0, 0), (0, 0), edit);
    }
    let last = client.diagnostics(&uri, Some(6));
    assert!(
        last.iter().any(|d| d["code"].as_str().is_some_and(|c| c.starts_with('P'))),
        "`zyx//` does not parse: {last:?}"
    );
    client.shutdown();
}

#[test]
fn hover_tells_types_fields_consts_rules_lists_and_levels() {
    let root = root();
    let path = root.join("policies/consumer_loan.pol");
    let (text, uri) = (read(&path), uri(&path));
    let mut client = Client::start(&root);
    client.open(&uri, &text);
    client.diagnostics(&uri, Some(1));
    let on = |needle: &str, plus: u32| find(&text, needle, plus);
    let hover = |client: &mut Client, at: (u32, u32)| hover_text(client, &uri, at);
    // a let, where it is used: its type and its definition
    let dti = hover(&mut client, on("dti <= 50%", 1));
    assert!(dti.contains("let dti: Decimal"), "{dti}");
    assert!(dti.contains("applicant.monthly_debt / applicant.monthly_income"), "{dti}");
    // a field: its type and its record
    let amount = hover(&mut client, on("loan.amount <= 200_000", 6));
    assert!(amount.contains("field amount: Money") && amount.contains("record `Loan`"), "{amount}");
    // a list: element type, file and entries
    let list = hover(&mut client, on("in fraud_ids", 4));
    assert!(list.contains("list fraud_ids: set<IdCard> from \"lists/fraud_ids.txt\""), "{list}");
    let entries = read(&root.join("policies/lists/fraud_ids.txt"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert!(list.contains(&format!("\n\n{entries} entries")), "{list}");
    // a rule: its message and outcome
    let rule = hover(&mut client, on("A03 \"", 1));
    assert!(rule.contains("rule A03 \"负债收入比超过50%\"") && rule.contains("decline"), "{rule}");
    // and its governance: where the threshold comes from
    assert!(rule.contains("\n  basis industry \"行业惯例：月还款额不超过月收入的50%\""), "{rule}");
    // an enum: its variants; a const: its value
    let product = hover(&mut client, on("enum Product", 6));
    assert!(product.contains("consumer_loan") && product.contains("mortgage_loan"), "{product}");
    let funders = hover(&mut client, on("in eligible_funders", 4));
    assert!(
        funders.contains("const eligible_funders: set<Funder> = {") && funders.contains("trust_company"),
        "{funders}"
    );
    // a level: its limits
    let level = hover(&mut client, on("level provincial", 7));
    assert!(level.starts_with("```pol\nlevel provincial above city"), "{level}");
    assert!(level.contains("1_000_000 CNY") && level.contains("variant provincial of Level"), "{level}");
    // an expression: its type
    let ty = hover(&mut client, on("> 0 CNY", 3));
    assert!(ty.contains("Money"), "{ty}");
    client.shutdown();
}

#[test]
fn definition_and_references_cross_files() {
    let root = root();
    let path = root.join("policies/consumer_loan.pol");
    let common = root.join("policies/common.pol");
    let (text, uri) = (read(&path), uri(&path));
    let (common_text, common_uri) = (read(&common), self::uri(&common));
    let mut client = Client::start(&root);
    client.open(&uri, &text);
    client.diagnostics(&uri, Some(1));
    // a list declared in common.pol
    let (line, character) = find(&text, "in fraud_ids", 4);
    let def = client.request("textDocument/definition", at(&uri, line, character));
    assert_eq!(def["uri"], common_uri.as_str());
    assert_eq!(def["range"]["start"]["line"], find(&common_text, "fraud_ids", 0).0);
    // a field's type definition: `applicant.loan` → record Loan
    let (line, character) = find(&text, "applicant.loan.amount", 12);
    let ty = client.request("textDocument/typeDefinition", at(&uri, line, character));
    assert_eq!(ty["range"]["start"]["line"], find(&text, "record Loan", 0).0);
    // a reason code in a test goes to its rule
    let (line, character) = find(&text, "[A01]", 2);
    let def = client.request("textDocument/definition", at(&uri, line, character));
    assert_eq!(def["range"]["start"]["line"], find(&text, "rule A01", 0).0);
    // a fixture
    let (line, character) = find(&text, "applicant = clean", 13);
    let def = client.request("textDocument/definition", at(&uri, line, character));
    assert_eq!(def["range"]["start"]["line"], find(&text, "fixture clean", 0).0);
    // the references of variant `city` of common.pol's Level: both files
    let (line, character) = find(&text, "level city", 7);
    let refs = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": position(line, character), "context": { "includeDeclaration": true } }),
    );
    let files: Vec<&str> = refs.as_array().into_iter().flatten().filter_map(|r| r["uri"].as_str()).collect();
    assert!(files.contains(&common_uri.as_str()) && files.contains(&uri.as_str()), "{refs}");
    let in_policy = files.iter().filter(|f| **f == uri.as_str()).count();
    assert!(in_policy >= 5, "`city` is used in the level, above, tests and the fixture: {refs}");
    // from common.pol, the references reach the open policy that uses it
    client.open(&common_uri, &common_text);
    client.diagnostics(&common_uri, Some(1));
    let (line, character) = find(&common_text, "fraud_ids", 1);
    let refs = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": common_uri }, "position": position(line, character), "context": { "includeDeclaration": false } }),
    );
    let files: Vec<&str> = refs.as_array().into_iter().flatten().filter_map(|r| r["uri"].as_str()).collect();
    assert_eq!(files, [uri.as_str()], "{refs}");
    client.shutdown();
}

#[test]
fn rename_edits_every_use_in_every_file() {
    let dir = shipped_copy();
    let path = dir.path().join("consumer_loan.pol");
    let (text, uri) = (read(&path), uri(&path));
    let common_uri = self::uri(&dir.path().join("common.pol"));
    let mut client = Client::start(dir.path());
    client.open(&uri, &text);
    client.diagnostics(&uri, Some(1));
    let (line, character) = find(&text, "in grey_phones", 4);
    let prepared = client.request("textDocument/prepareRename", at(&uri, line, character));
    assert_eq!(prepared["placeholder"], "grey_phones");
    let mut params = at(&uri, line, character);
    params["newName"] = json!("grey_list");
    let edit = client.request("textDocument/rename", params.clone());
    let changes = &edit["changes"];
    assert_eq!(changes[uri.as_str()].as_array().map(Vec::len), Some(1), "{edit}");
    assert_eq!(changes[common_uri.as_str()].as_array().map(Vec::len), Some(1), "{edit}");
    assert_eq!(changes[uri.as_str()][0]["newText"], "grey_list");
    // a name that is not an identifier is refused
    params["newName"] = json!("not a name");
    let refused = client.request_raw("textDocument/rename", params);
    assert!(
        refused["error"]["message"].as_str().is_some_and(|m| m.contains("`not a name` is not a valid name")),
        "{refused}"
    );
    client.shutdown();
}

#[test]
fn completion_fits_the_place() {
    let dir = shipped_copy();
    let path = dir.path().join("consumer_loan.pol");
    let text = read(&path);
    let uri = uri(&path);
    let mut client = Client::start(dir.path());
    client.open(&uri, &text);
    client.diagnostics(&uri, Some(1));
    // type at the end of the admission group, one case at a time
    let (line, _) = find(&text, "  rule A08", 0);
    let line = line + 1; // the group's closing brace
    let mut version = 1;
    let mut complete = |client: &mut Client, typed: &str| {
        version += 1;
        client.edit(&uri, version, (line, 0), (line, 0), &format!("{typed}\n"));
        let character = typed.encode_utf16().count() as u32;
        let items = client.request("textDocument/completion", at(&uri, line, character));
        // and take it back
        version += 1;
        client.edit(&uri, version, (line, 0), (line + 1, 0), "");
        labels(&items)
    };
    let fields = complete(&mut client, "  rule A09 decline when applicant.");
    assert!(fields.contains(&"credit_score".to_string()) && fields.contains(&"loan".to_string()), "{fields:?}");
    assert!(!fields.contains(&"amount".to_string()), "amount is Loan's: {fields:?}");
    let loan = complete(&mut client, "  rule A09 decline when applicant.loan.");
    assert!(loan.contains(&"amount".to_string()) && loan.contains(&"funder".to_string()), "{loan:?}");
    let variants = complete(&mut client, "  rule A09 decline when applicant.loan.product == ");
    assert_eq!(variants, ["consumer_loan", "auto_loan", "micro_business_loan", "mortgage_loan"]);
    let in_set = complete(&mut client, "  rule A09 decline when applicant.loan.funder in {bank, ");
    assert!(in_set.contains(&"trust_company".to_string()) && in_set.len() == 16, "{in_set:?}");
    let lists = complete(&mut client, "  rule A09 decline when applicant.phone in ");
    assert!(lists.contains(&"grey_phones".to_string()) && lists.contains(&"bad_devices".to_string()), "{lists:?}");
    let levels = complete(&mut client, "  rule A09 refer to ");
    assert_eq!(levels, ["city", "provincial", "head_office", "committee"]);
    let code = complete(&mut client, "  rule ");
    assert_eq!(code, ["A09"], "the next free code of the group");
    let anywhere = complete(&mut client, "  rule A09 decline when years_");
    assert!(anywhere.contains(&"years_between".to_string()) && anywhere.contains(&"age".to_string()), "{anywhere:?}");
    let head = complete(&mut client, "  rule A09 \"说明\" ");
    assert!(head.contains(&"decline".to_string()) && head.contains(&"refer".to_string()), "{head:?}");
    client.shutdown();
}

#[test]
fn formatting_is_polc_fmt() {
    let root = root();
    let path = root.join("tests/lsp/unformatted.pol");
    let (text, uri) = (read(&path), uri(&path));
    let mut client = Client::start(&root);
    client.open(&uri, &text);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let expected = Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(["fmt", "-"])
        .stdin(std::fs::File::open(&path).unwrap_or_else(|e| panic!("{e}")))
        .output()
        .unwrap_or_else(|e| panic!("cannot run polc fmt: {e}"));
    let expected = String::from_utf8_lossy(&expected.stdout).to_string();
    assert_ne!(expected, text, "the fixture is not formatted");
    assert_eq!(edits[0]["newText"], expected.as_str());
    assert_eq!(edits[0]["range"]["start"], position(0, 0));
    // a formatted file needs no edit; one that does not parse gets none
    client.edit(&uri, 2, (0, 0), (999, 0), &expected);
    let none = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(none, json!([]));
    client.edit(&uri, 3, (0, 0), (0, 0), "rule {{{\n");
    let broken = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert_eq!(broken, Value::Null);
    client.shutdown();
}

#[test]
fn outline_folding_and_code_lenses() {
    let dir = shipped_copy();
    let path = dir.path().join("consumer_loan.pol");
    let (text, uri) = (read(&path), uri(&path));
    let mut client = Client::start(dir.path());
    client.open(&uri, &text);
    client.diagnostics(&uri, Some(1));
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    let names: Vec<&str> = symbols.as_array().into_iter().flatten().filter_map(|s| s["name"].as_str()).collect();
    for name in ["consumer_loan", "Product", "Loan", "Applicant", "fraud", "admission", "city", "clean"] {
        assert!(names.contains(&name), "no symbol `{name}` in {names:?}");
    }
    let admission =
        symbols.as_array().into_iter().flatten().find(|s| s["name"] == "admission").cloned().unwrap_or_default();
    let rules: Vec<&str> =
        admission["children"].as_array().into_iter().flatten().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(rules, ["A01", "A02", "A03", "A04", "R04", "A05", "A06", "A07", "A08"]);
    let folds = client.request("textDocument/foldingRange", json!({ "textDocument": { "uri": uri } }));
    let starts: Vec<u64> = folds.as_array().into_iter().flatten().filter_map(|f| f["startLine"].as_u64()).collect();
    assert!(starts.contains(&u64::from(find(&text, "group admission", 0).0)), "{folds}");
    assert!(starts.contains(&u64::from(find(&text, "record Loan", 0).0)), "{folds}");
    // lenses: run each test; on each rule, how many tests fire it
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": uri } }));
    let lenses = lenses.as_array().cloned().unwrap_or_default();
    let a01_line = find(&text, "rule A01", 5).0;
    let a01 =
        lenses.iter().find(|l| l["range"]["start"]["line"] == a01_line).unwrap_or_else(|| panic!("no lens on A01"));
    assert!(
        a01["command"]["title"].as_str().is_some_and(|t| t.ends_with("fire it") || t.ends_with("fires it")),
        "{a01}"
    );
    let run =
        lenses.iter().find(|l| l["command"]["command"] == "polc.runTest").unwrap_or_else(|| panic!("no run lens"));
    let command = &run["command"];
    let result = client.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    assert_eq!(result["passed"], true, "{result}");
    assert!(client.notifications.iter().any(|n| n["method"] == "window/showMessage"
        && n["params"]["message"].as_str().is_some_and(|m| m.contains("passed"))));
    client.shutdown();
}

#[test]
fn a_change_in_a_used_file_rechecks_the_policies_that_use_it() {
    let dir = shipped_copy();
    let policy = dir.path().join("consumer_loan.pol");
    let common = dir.path().join("common.pol");
    let (text, uri) = (read(&policy), uri(&policy));
    let (common_text, common_uri) = (read(&common), self::uri(&common));
    let mut client = Client::start(dir.path());
    client.open(&uri, &text);
    assert!(client.diagnostics(&uri, Some(1)).is_empty());
    client.open(&common_uri, &common_text);
    client.diagnostics(&common_uri, Some(1));
    // rename the variant `city` in the unsaved common.pol buffer
    let (line, character) = find(&common_text, "city", 0);
    client.edit(&common_uri, 2, (line, character), (line, character + 4), "town");
    let policy_now = client.diagnostics_until(&uri, |ds| !ds.is_empty());
    assert!(policy_now.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains("city"))), "{policy_now:?}");
    // and back
    client.edit(&common_uri, 3, (line, character), (line, character + 4), "city");
    assert!(client.diagnostics_until(&uri, <[Value]>::is_empty).is_empty());
    client.shutdown();
}

#[test]
fn list_file_errors_are_reported_like_polc_check() {
    let dir = shipped_copy();
    let path = dir.path().join("consumer_loan.pol");
    std::fs::write(dir.path().join("lists/bad_devices.txt"), "good\n\u{0}bad\n").unwrap_or_else(|e| panic!("{e}"));
    let (text, uri) = (read(&path), uri(&path));
    let mut client = Client::start(dir.path());
    client.open(&uri, &text);
    let published = client.diagnostics(&uri, Some(1));
    assert!(published.iter().any(|d| d["code"].as_str().is_some_and(|c| c.starts_with('L'))), "{published:?}");
    assert_same_as_check(&published, &path, &text);
    // an edit above the list moves its diagnostic with it (no new check of the files)
    client.edit(&uri, 2, (0, 0), (0, 0), "\n");
    let moved = client.diagnostics(&uri, Some(2));
    let line = |ds: &[Value]| {
        ds.iter()
            .find(|d| d["code"].as_str().is_some_and(|c| c.starts_with('L')))
            .map(|d| d["range"]["start"]["line"].clone())
    };
    assert_eq!(line(&moved).and_then(|l| l.as_u64()), line(&published).and_then(|l| l.as_u64()).map(|l| l + 1));
    // fixing the file on disk and saving: the error goes
    std::fs::write(dir.path().join("lists/bad_devices.txt"), "good\n").unwrap_or_else(|e| panic!("{e}"));
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": uri } }));
    let after = client.diagnostics(&uri, Some(2));
    assert!(after.is_empty(), "{after:?}");
    client.shutdown();
}

#[test]
fn bad_requests_get_errors_and_the_server_goes_on() {
    let root = root();
    let mut client = Client::start(&root);
    let unknown = client.request_raw("polc/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    let bad = client.request_raw("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(bad["error"]["code"], -32602);
    // a document that is not open: nothing, not an error
    let none = client.request("textDocument/hover", at("file:///nowhere.pol", 0, 0));
    assert_eq!(none, Value::Null);
    // a buffer of garbage, a huge line, positions beyond the text
    let uri = "untitled:garbage";
    client.open(uri, "\u{0}\u{feff}规则 {{{{ \"unterminated\n");
    client.diagnostics(uri, Some(1));
    client.edit(uri, 2, (90, 90), (0, 0), &"x".repeat(200_000));
    assert!(!client.diagnostics(uri, Some(2)).is_empty());
    for method in
        ["textDocument/hover", "textDocument/definition", "textDocument/completion", "textDocument/documentHighlight"]
    {
        let _ = client.request(method, at(uri, 0, 100_000));
    }
    client.shutdown();
}

mod random_edits {
    use super::*;
    use proptest::prelude::*;

    /// An edit: where (as fractions of the text), what is removed, what is written.
    #[derive(Clone, Debug)]
    struct Edit {
        at: f64,
        remove: usize,
        insert: String,
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let pieces = prop::sample::select(vec![
            "",
            "a",
            "规则",
            "收入不足",
            "\n",
            "}",
            "{",
            "\"",
            "rule X01 decline when ",
            "applicant.",
            "CNY",
            " and ",
            "// 注释\n",
            "😀",
            "%",
            "..=",
            "group g {",
            "let q = 1\n",
        ]);
        (0.0..1.0f64, 0usize..12, prop::collection::vec(pieces, 0..3)).prop_map(|(at, remove, parts)| Edit {
            at,
            remove,
            insert: parts.concat(),
        })
    }

    /// The LSP position (line, UTF-16 character) of a character index of `text`.
    pub(super) fn lsp_position(text: &str, chars: usize) -> (u32, u32) {
        let before: String = text.chars().take(chars).collect();
        let line = before.matches('\n').count() as u32;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before.get(start..).unwrap_or("").encode_utf16().count() as u32)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any edits (deleting any run of characters, inserting text, Chinese
        /// and emoji included) leave no panic or hang, and after the last the
        /// diagnostics are `polc check`'s of the final text.
        #[test]
        fn the_diagnostics_after_random_edits_are_polc_checks(edits in prop::collection::vec(edit(), 1..16)) {
            let root = root();
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let path = dir.path().join("edited.pol");
            let mut text = read(&root.join("tests/lsp/errors.pol"));
            std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
            let uri = uri(&path);
            let mut client = Client::start(dir.path());
            client.open(&uri, &text);
            let mut version = 1;
            for e in &edits {
                let count = text.chars().count();
                let start = ((count as f64) * e.at) as usize;
                let end = (start + e.remove).min(count);
                let (from, to) = (lsp_position(&text, start), lsp_position(&text, end));
                version += 1;
                client.edit(&uri, version, from, to, &e.insert);
                let (a, b) = (text.char_indices().nth(start).map_or(text.len(), |c| c.0), text.char_indices().nth(end).map_or(text.len(), |c| c.0));
                text.replace_range(a..b, &e.insert);
            }
            let published = client.diagnostics(&uri, Some(version));
            std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
            assert_same_as_check(&published, &path, &text);
            client.shutdown();
        }
    }
}

/// Edits through the server to a long policy, each waited for (so each is
/// parsed with the last parse reused): after every one the diagnostics are
/// `polc check`'s of the text.
mod reused_parses {
    use super::*;
    use proptest::prelude::*;
    use std::fmt::Write as _;

    /// 500 rules in groups of 50 over 20 lets, with warnings (a rule that a
    /// later one repeats, an unused let) to keep.
    fn generated() -> String {
        let mut text = String::from(
            "policy big version \"1\"\nrecord A {\n  id: String\n  age: Int\n  score: Int\n  income: Money\n}\ninput a: A\n",
        );
        for i in 0..20 {
            let _ = writeln!(text, "let l{i} = a.age * {} + a.score - {i}", i % 7 + 1);
        }
        text.push_str("let unused = a.age + 1\n");
        for i in 0..500 {
            if i % 50 == 0 {
                if i > 0 {
                    text.push_str("}\n");
                }
                let _ = writeln!(text, "group g{} \"组 {}\" {{", i / 50, i / 50);
            }
            let outcome = if i % 3 == 0 { "refer" } else { "decline" };
            let _ = writeln!(
                text,
                "  rule R{i:04} \"规则 {i}\" {outcome} when l{} > {} and a.age in {}..= {} or a.income > {} CNY",
                i % 20,
                i % 1000,
                i % 10,
                i % 10 + 5,
                100_000 + i
            );
        }
        text.push_str("}\n");
        text
    }

    /// An edit: where (a fraction of the text's characters), how many
    /// characters it removes and what it writes; mostly edits that keep the
    /// policy parsing, some that break it, and new or changed declarations.
    fn edit() -> impl Strategy<Value = (f64, usize, &'static str)> {
        let inserts = prop::sample::select(vec![
            "",
            " ",
            "1",
            "9",
            "\n",
            "规",
            "则",
            "😀",
            "x",
            "}",
            "(",
            "// 注释\n",
            " and a.age > 1",
            "\nlet l3 = 2\n",
            "\n  rule R0007 \"重复\" decline when a.age > 3\n",
            "\nlet extra = a.score\n",
        ]);
        (0.0..1.0f64, 0usize..4, inserts)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn every_edit_of_a_long_policy_leaves_polc_checks_diagnostics(
            edits in prop::collection::vec(edit(), 1..10),
        ) {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let path = dir.path().join("long.pol");
            let mut text = generated();
            std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
            let uri = uri(&path);
            let mut client = Client::start(dir.path());
            client.open(&uri, &text);
            let published = client.diagnostics(&uri, Some(1));
            assert_same_as_check(&published, &path, &text);
            for (version, (at, remove, insert)) in (2..).zip(&edits) {
                let count = text.chars().count();
                let start = ((count as f64) * at) as usize;
                let end = (start + remove).min(count);
                let (from, to) = (random_edits::lsp_position(&text, start), random_edits::lsp_position(&text, end));
                client.edit(&uri, version, from, to, insert);
                let byte = |i: usize| text.char_indices().nth(i).map_or(text.len(), |c| c.0);
                let (a, b) = (byte(start), byte(end));
                text.replace_range(a..b, insert);
                let published = client.diagnostics(&uri, Some(version));
                std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
                assert_same_as_check(&published, &path, &text);
            }
            client.shutdown();
        }
    }

    /// Edits that change what other declarations see, each checked against
    /// `polc check`: a let's type (its readers' conditions stop typing), a
    /// duplicate reason code in another group, a let renamed (its readers'
    /// names go unknown, then come back), and each taken back.
    #[test]
    fn edits_that_change_a_signature_or_a_code_leave_polc_checks_diagnostics() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("long.pol");
        let original = generated();
        std::fs::write(&path, &original).unwrap_or_else(|e| panic!("{e}"));
        let uri = uri(&path);
        let mut client = Client::start(dir.path());
        client.open(&uri, &original);
        let _ = client.diagnostics(&uri, Some(1));
        let replace = |text: &str, old: &str, new: &str| {
            assert!(text.contains(old), "the policy has `{old}`");
            text.replacen(old, new, 1)
        };
        let edits: [(&str, &str); 6] = [
            ("let l3 = a.age * 4 + a.score - 3", "let l3 = a.age > 4"),
            ("let l3 = a.age > 4", "let l3 = a.age * 4 + a.score - 3"),
            ("  rule R0260 ", "  rule R0007 "),
            ("  rule R0007 \"规则 260\"", "  rule R0260 \"规则 260\""),
            ("let l5 ", "let l5x "),
            ("let l5x ", "let l5 "),
        ];
        let mut text = original.clone();
        for (version, (old, new)) in (2..).zip(edits) {
            let next = replace(&text, old, new);
            let at = text.find(old).unwrap_or_else(|| panic!("`{old}` is in the text"));
            let chars = text.get(..at).map_or(0, |t| t.chars().count());
            let (from, to) = (
                random_edits::lsp_position(&text, chars),
                random_edits::lsp_position(&text, chars + old.chars().count()),
            );
            client.edit(&uri, version, from, to, new);
            text = next;
            let published = client.diagnostics(&uri, Some(version));
            std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
            assert_same_as_check(&published, &path, &text);
            let errors = published.iter().filter(|d| d["severity"] == 1).count();
            match version {
                2 | 4 | 6 => assert!(errors > 0, "edit {version} ({old} → {new}) makes errors"),
                _ => assert_eq!(errors, 0, "edit {version} takes the error back"),
            }
        }
        client.shutdown();
    }
}

/// The alternatives of the first `match` in the TextMate grammar's expression
/// patterns that is named `scope` (or captures it): `\b(?:a|b)\b` → a, b.
fn grammar_words(grammar: &Value, scope: &str) -> Vec<String> {
    let patterns = grammar["repository"]["expression"]["patterns"].as_array().cloned().unwrap_or_default();
    let pattern = patterns
        .iter()
        .find(|p| p["name"] == scope || p["captures"]["1"]["name"] == scope)
        .unwrap_or_else(|| panic!("no pattern for `{scope}` in the grammar"));
    let regex = pattern["match"].as_str().unwrap_or("");
    let open = regex.find('(').unwrap_or_else(|| panic!("no group in {regex}"));
    let inner = regex.get(open + 1..).unwrap_or("").trim_start_matches("?:");
    let close = inner.find(')').unwrap_or(inner.len());
    let mut words: Vec<String> = inner.get(..close).unwrap_or("").split('|').map(String::from).collect();
    words.sort();
    words
}

#[test]
fn the_textmate_grammar_knows_every_built_in_reserved_word_and_keyword() {
    let root = root();
    let grammar: Value = serde_json::from_str(&read(&root.join("editors/vscode/syntaxes/pol.tmLanguage.json")))
        .unwrap_or_else(|e| panic!("the grammar is not JSON: {e}"));
    let mut builtins: Vec<String> =
        polc_core::ir::builtins::builtins().iter().map(|def| def.name.to_string()).collect();
    builtins.sort();
    assert_eq!(grammar_words(&grammar, "support.function.builtin.pol"), builtins, "the grammar's built-in functions");
    // the words the language reserves (held equal to the pest grammar's by polc-core's
    // tests): operators and literals in the TextMate grammar
    let mut reserved: Vec<String> = polc_core::syntax::keywords::RESERVED.iter().map(|w| w.to_string()).collect();
    reserved.sort();
    // operators and literals are all reserved; the reserved control words (`if`, `match`, …)
    // are highlighted with `when` and `unless`, which are not
    let mut highlighted = grammar_words(&grammar, "keyword.operator.word.pol");
    highlighted.extend(grammar_words(&grammar, "constant.language.pol"));
    let control = grammar_words(&grammar, "keyword.control.pol");
    highlighted.extend(control.iter().filter(|w| reserved.contains(w)).cloned());
    highlighted.sort();
    assert_eq!(highlighted, reserved, "the grammar's reserved words");
    // and every keyword of the pest grammar (`kw_x = @{ "x" ~ !ident_char }`) has a scope
    let scopes = [
        "keyword.other.declaration.pol",
        "keyword.control.pol",
        "keyword.control.outcome.pol",
        "keyword.operator.word.pol",
        "constant.language.pol",
        "support.type.builtin.pol",
    ];
    let known: Vec<String> = scopes.iter().flat_map(|scope| grammar_words(&grammar, scope)).collect();
    let pest = read(&root.join("grammar/pol.pest"));
    let keywords: Vec<&str> =
        pest.lines().filter(|l| l.starts_with("kw_")).filter_map(|l| l.split('"').nth(1)).collect();
    assert!(keywords.len() > 40, "{keywords:?}");
    let missing: Vec<&&str> = keywords.iter().filter(|k| !known.iter().any(|w| w == *k)).collect();
    assert!(missing.is_empty(), "keywords the TextMate grammar does not highlight: {missing:?}");
}

/// A source line with a caret under a UTF-16 character of it.
fn pointed(text: &str, (line, character): (u32, u32)) -> String {
    let source = text.lines().nth(line as usize).unwrap_or("");
    let columns: usize = source.encode_utf16().take(character as usize).count();
    let prefix: String = char::decode_utf16(source.encode_utf16().take(columns)).filter_map(Result::ok).collect();
    // a wide character takes two columns in a terminal
    let width: usize = prefix.chars().map(|c| if (c as u32) >= 0x2e80 { 2 } else { 1 }).sum();
    format!("{:>4} | {source}\n     | {}^", line + 1, " ".repeat(width))
}

#[test]
fn the_session_in_docs_editor_md_is_what_the_server_says() {
    let root = root();
    let path = root.join("policies/consumer_loan.pol");
    let (text, uri) = (read(&path), uri(&path));
    let mut client = Client::start(&root);
    client.open(&uri, &text);
    let published = client.diagnostics(&uri, Some(1));
    let mut session = String::from("````text\n");
    session.push_str(&format!(
        "→ textDocument/didOpen policies/consumer_loan.pol\n← textDocument/publishDiagnostics: {} diagnostics\n\n",
        published.len()
    ));
    let at_dti = find(&text, "dti <= 50%", 1);
    session.push_str(&format!("→ textDocument/hover\n{}\n← ", pointed(&text, at_dti)));
    session.push_str(&hover_text(&mut client, &uri, at_dti).replace('\n', "\n  "));
    session.push_str("\n\n");
    let at_amount = find(&text, "loan.amount <= 200_000", 6);
    session.push_str(&format!("→ textDocument/hover\n{}\n← ", pointed(&text, at_amount)));
    session.push_str(&hover_text(&mut client, &uri, at_amount).replace('\n', "\n  "));
    session.push_str("\n\n");
    // type `applicant.loan.` on a new line of the admission group, and complete
    let (line, _) = find(&text, "  rule A08", 0);
    let typed = "  rule A09 decline when applicant.loan.";
    client.edit(&uri, 2, (line + 1, 0), (line + 1, 0), &format!("{typed}\n"));
    let at_dot = (line + 1, typed.encode_utf16().count() as u32);
    let edited = client.diagnostics(&uri, Some(2));
    let items = client.request("textDocument/completion", at(&uri, at_dot.0, at_dot.1));
    let now: String = text.lines().take(line as usize + 1).map(|l| format!("{l}\n")).collect::<String>() + typed;
    session.push_str(&format!("→ textDocument/didChange (typed on line {})\n{}\n", line + 2, pointed(&now, at_dot)));
    session.push_str(&format!("← textDocument/publishDiagnostics: {} diagnostics\n", edited.len()));
    for d in &edited {
        session.push_str(&format!(
            "  {} {}\n",
            d["code"].as_str().unwrap_or(""),
            d["message"].as_str().unwrap_or("").replace('\n', "\n    ")
        ));
    }
    session.push_str("→ textDocument/completion\n← ");
    let list = items.get("items").unwrap_or(&items);
    let shown: Vec<String> = list
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| format!("{:<14} {}", i["label"].as_str().unwrap_or(""), i["detail"].as_str().unwrap_or("")))
        .collect();
    session.push_str(&shown.join("\n  "));
    session.push_str("\n````\n");
    client.shutdown();

    let doc = root.join("docs/editor.md");
    let committed = read(&doc);
    let (start, end) = ("<!-- recorded by tests/lsp.rs -->\n", "<!-- end of the recorded session -->");
    let head =
        committed.find(start).map(|i| i + start.len()).unwrap_or_else(|| panic!("docs/editor.md lost its marker"));
    let tail = committed.find(end).unwrap_or_else(|| panic!("docs/editor.md lost its end marker"));
    let generated = format!("{}{session}{}", committed.get(..head).unwrap_or(""), committed.get(tail..).unwrap_or(""));
    if std::env::var_os("POLC_UPDATE_DOCS").is_some() {
        std::fs::write(&doc, &generated).unwrap_or_else(|e| panic!("{e}"));
    } else {
        assert!(
            committed == generated,
            "docs/editor.md's session is not what the server says now: run `POLC_UPDATE_DOCS=1 cargo test --test lsp the_session`\n{session}"
        );
    }
}
