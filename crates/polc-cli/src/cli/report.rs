//! The machine-readable reports of `polc check`: JSON Lines (schema version 1),
//! SARIF 2.1.0 for code scanning, GitHub Actions annotations and JUnit XML.
//! All are built from the JSON form of each diagnostic, so every format gives
//! the same places (1-based lines, columns in characters).

use super::term::shown;
use polc::{Diagnostic, SourceMap};
use serde_json::{json, Map, Value};

/// The version of the JSON diagnostic object `--format json` prints; raised
/// when a field changes meaning or goes away (not when one is added).
pub const SCHEMA_VERSION: u64 = 1;

/// One checked file: its name as shown, its diagnostics as JSON objects (see
/// [`diagnostic_json`]), and whether it could not be read at all.
#[derive(Debug)]
pub struct Checked {
    pub name: String,
    pub diagnostics: Vec<Value>,
    pub unreadable: bool,
}

/// A diagnostic as the JSON object `--format json` prints: `schema_version`
/// first, then code, severity, message, file, line, column (1-based, in
/// characters), labels and help. A diagnostic with no place in a source (a
/// file that cannot be read, a bad list entry) names `file`, the checked file,
/// with line and column `null`.
pub fn diagnostic_json(d: &Diagnostic, sources: &SourceMap, file: &str) -> Value {
    let mut object = Map::new();
    object.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
    if let Value::Object(fields) = polc::render_json(d, sources) {
        object.extend(fields);
    }
    if object.get("file").is_none_or(Value::is_null) {
        object.insert("file".into(), Value::from(file));
    }
    Value::Object(object)
}

fn text<'a>(d: &'a Value, key: &str) -> &'a str {
    d.get(key).and_then(Value::as_str).unwrap_or("")
}

fn number(d: &Value, key: &str) -> Option<u64> {
    d.get(key).and_then(Value::as_u64).filter(|&n| n > 0)
}

fn is_error(d: &Value) -> bool {
    text(d, "severity") == "error"
}

/// The message with its help line, for formats that have one text.
fn message_with_help(d: &Value) -> String {
    match d.get("help").and_then(Value::as_str) {
        Some(help) => format!("{}\nhelp: {help}", text(d, "message")),
        None => text(d, "message").to_string(),
    }
}

/// `file:line:column: error[CODE]: message` and its help, for plain text.
fn plain(d: &Value) -> String {
    let place = match (number(d, "line"), number(d, "column")) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", text(d, "file")),
        _ => text(d, "file").to_string(),
    };
    let mut out = format!("{place}: {}[{}]: {}", text(d, "severity"), text(d, "code"), text(d, "message"));
    if let Some(help) = d.get("help").and_then(Value::as_str) {
        out.push_str(&format!("\n  help: {help}"));
    }
    out
}

// ------------------------------------------------------------------ SARIF

/// The SARIF 2.1.0 log of a check: one run, polc as its tool with a rule per
/// code that occurs (help from the code catalogue), a result per diagnostic.
pub fn sarif(files: &[Checked]) -> Value {
    let diagnostics: Vec<&Value> = files.iter().flat_map(|f| &f.diagnostics).collect();
    let mut codes: Vec<(&str, bool)> = Vec::new();
    for d in &diagnostics {
        if !codes.iter().any(|(c, _)| *c == text(d, "code")) {
            codes.push((text(d, "code"), is_error(d)));
        }
    }
    codes.sort();
    let rules: Vec<Value> = codes.iter().map(|(code, error)| sarif_rule(code, *error)).collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = codes.iter().position(|(c, _)| *c == text(d, "code")).unwrap_or(0);
            sarif_result(d, index)
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "polc",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn sarif_rule(code: &str, error: bool) -> Value {
    let doc = polc_core::base::codes::lookup(code);
    let title = doc.map_or(code, |d| d.title);
    let help = doc.map(polc_core::base::codes::explain).unwrap_or_default();
    json!({
        "id": code,
        "shortDescription": {"text": title},
        "fullDescription": {"text": doc.map_or("", |d| d.explanation)},
        "help": {"text": help},
        "defaultConfiguration": {"level": if error { "error" } else { "warning" }},
    })
}

fn sarif_result(d: &Value, rule_index: usize) -> Value {
    let labels: Vec<&Value> = d.get("labels").and_then(Value::as_array).map(|l| l.iter().collect()).unwrap_or_default();
    let primary = labels.iter().find(|l| l.get("primary") == Some(&Value::Bool(true)));
    let location = match primary {
        Some(label) => sarif_location(label),
        // a file-level problem: its first line (GitHub shows no result without a region)
        None => json!({"physicalLocation": {
            "artifactLocation": {"uri": uri(text(d, "file"))},
            "region": {"startLine": 1},
        }}),
    };
    let related: Vec<Value> = labels
        .iter()
        .filter(|l| l.get("primary") != Some(&Value::Bool(true)))
        .enumerate()
        .map(|(id, label)| {
            let mut location = sarif_location(label);
            if let Value::Object(fields) = &mut location {
                fields.insert("id".into(), Value::from(id));
            }
            location
        })
        .collect();
    let mut result = json!({
        "ruleId": text(d, "code"),
        "ruleIndex": rule_index,
        "level": if is_error(d) { "error" } else { "warning" },
        "message": {"text": message_with_help(d)},
        "locations": [location],
    });
    if let (Value::Object(fields), false) = (&mut result, related.is_empty()) {
        fields.insert("relatedLocations".into(), Value::Array(related));
    }
    result
}

/// A label's place; SARIF's end column is exclusive, like the label's.
fn sarif_location(label: &Value) -> Value {
    let mut region = Map::new();
    for (from, to) in
        [("line", "startLine"), ("column", "startColumn"), ("end_line", "endLine"), ("end_column", "endColumn")]
    {
        if let Some(n) = number(label, from) {
            region.insert(to.into(), Value::from(n));
        }
    }
    if region.is_empty() {
        region.insert("startLine".into(), Value::from(1));
    }
    let mut location = json!({"physicalLocation": {
        "artifactLocation": {"uri": uri(text(label, "file"))},
        "region": region,
    }});
    let message = text(label, "message");
    if let (Value::Object(fields), false) = (&mut location, message.is_empty()) {
        fields.insert("message".into(), json!({"text": message}));
    }
    location
}

/// A file name as a URI reference: relative paths stay relative (to the
/// directory polc ran in), absolute ones become `file://` URIs; every byte
/// outside the unreserved characters and `/` is percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// ------------------------------------------------------------------ GitHub Actions

/// A workflow command per diagnostic: `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message`.
pub fn github(d: &Value) -> String {
    let command = if is_error(d) { "error" } else { "warning" };
    let mut properties = vec![format!("file={}", github_property(&shown(text(d, "file"))))];
    let primary = d
        .get("labels")
        .and_then(Value::as_array)
        .and_then(|labels| labels.iter().find(|l| l.get("primary") == Some(&Value::Bool(true))));
    if let Some(label) = primary {
        for (from, to) in [("line", "line"), ("column", "col"), ("end_line", "endLine"), ("end_column", "endColumn")] {
            if let Some(n) = number(label, from) {
                properties.push(format!("{to}={n}"));
            }
        }
    }
    properties.push(format!("title={}", github_property(&format!("polc {}", text(d, "code")))));
    // the runner shows these lines in the job's log: no terminal escapes from input
    let mut message = shown(text(d, "message")).into_owned();
    if let Some(help) = d.get("help").and_then(Value::as_str) {
        message.push_str(&format!("\nhelp: {}", shown(help)));
    }
    format!("::{command} {}::{}", properties.join(","), github_data(&message))
}

fn github_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

// ------------------------------------------------------------------ JUnit

/// A JUnit XML report: one test case per file, failing when it has errors
/// (or warnings, with `deny_warnings`); an `<error>` when it could not be read.
/// Warnings that do not fail are the case's `<system-out>`.
pub fn junit(files: &[Checked], deny_warnings: bool) -> String {
    let fails = |d: &Value| is_error(d) || deny_warnings;
    let failed = files.iter().filter(|f| !f.unreadable && f.diagnostics.iter().any(fails)).count();
    let unreadable = files.iter().filter(|f| f.unreadable).count();
    let counts = format!(r#"tests="{}" failures="{failed}" errors="{unreadable}""#, files.len());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"polc check\" {counts}>\n"));
    out.push_str(&format!("  <testsuite name=\"polc check\" {counts} skipped=\"0\">\n"));
    for file in files {
        let name = xml_attribute(&file.name);
        out.push_str(&format!("    <testcase classname=\"polc.check\" name=\"{name}\" file=\"{name}\""));
        let failing: Vec<&Value> = file.diagnostics.iter().filter(|d| fails(d)).collect();
        let others: Vec<&Value> = file.diagnostics.iter().filter(|d| !fails(d)).collect();
        if failing.is_empty() && others.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if let Some(first) = failing.first() {
            let element = if file.unreadable { "error" } else { "failure" };
            let more = match failing.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            let body: Vec<String> = failing.iter().map(|d| plain(d)).collect();
            out.push_str(&format!(
                "      <{element} type=\"{}\" message=\"{}{more}\">{}</{element}>\n",
                xml_attribute(text(first, "code")),
                xml_attribute(text(first, "message")),
                xml(&body.join("\n"))
            ));
        }
        if !others.is_empty() {
            let body: Vec<String> = others.iter().map(|d| plain(d)).collect();
            out.push_str(&format!("      <system-out>{}</system-out>\n", xml(&body.join("\n"))));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Text for XML content: the special characters as entities, and characters
/// XML 1.0 cannot hold at all (most control characters) as `\u{…}`.
fn xml(text: &str) -> String {
    escape_xml(text, false)
}

/// Text for an XML attribute: as [`xml`], with line breaks and tabs as
/// character references (a parser would turn them into spaces).
fn xml_attribute(text: &str) -> String {
    escape_xml(text, true)
}

fn escape_xml(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("tests/ui/a b.pol"), "tests/ui/a%20b.pol");
        assert_eq!(uri("/tmp/政策.pol"), "file:///tmp/%E6%94%BF%E7%AD%96.pol");
        assert_eq!(uri("a%b,c.pol"), "a%25b%2Cc.pol");
    }

    #[test]
    fn workflow_commands_escape_their_data_and_properties() {
        let d = json!({
            "code": "T0202", "severity": "warning", "message": "100% of \u{1b}[2J", "help": "do this", "file": "a,b:c.pol",
            "labels": [{"primary": true, "line": 3, "column": 5, "end_line": 3, "end_column": 9}],
        });
        assert_eq!(
            github(&d),
            "::warning file=a%2Cb%3Ac.pol,line=3,col=5,endLine=3,endColumn=9,title=polc T0202::100%25 of \\u{1b}[2J%0Ahelp: do this"
        );
    }

    #[test]
    fn xml_text_holds_only_what_xml_can() {
        assert_eq!(xml("a<b & \"c\"\n\u{1b}[0m"), "a&lt;b &amp; &quot;c&quot;\n\\u{1b}[0m");
        assert_eq!(xml_attribute("a\nb\tc\r"), "a&#10;b&#9;c\\u{d}");
    }
}
