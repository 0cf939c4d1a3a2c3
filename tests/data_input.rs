//! Data input as an attacker and a new user give it (issue #12): records,
//! lists and the loaders, through every entry point of the library. Each test
//! names the defect it pins; a wrong approval is the worst outcome, so most
//! check that a record which must not be approved is not.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use polc::{FsLoader, ListLimits, MemoryLoader, Policy, RecordLimits};
use std::path::Path;

const POLICY: &str = r#"
policy data version "1"
record Loan { amount: Money, term: Int }
record Applicant {
  id: String
  id_number: IdCard
  phone: Phone
  device: String?
  birth: Date
  score: Int
  loan: Loan
}
input applicant: Applicant
list fraud_ids: IdCard from "ids.txt"
list grey_phones: Phone from "phones.txt"
list bad_devices: String from "devices.txt"
list court_ids: IdCard from "court.csv" column "id_number"
rule F01 decline when applicant.id_number in fraud_ids
rule F02 decline when applicant.phone in grey_phones
rule F03 decline when applicant.device exists and applicant.device in bad_devices
rule F04 decline when applicant.id_number in court_ids
rule A01 decline when applicant.score < 550
rule L01 refer when applicant.loan.amount > 200_000 CNY
"#;

const ID: &str = "110100199003070138";
const OTHER_ID: &str = "110100198511200248";

/// The policy with its four lists given as text.
fn policy_with(ids: &str, phones: &str, devices: &str, court: &str) -> Policy {
    let loader = MemoryLoader::new()
        .with("ids.txt", ids)
        .with("phones.txt", phones)
        .with("devices.txt", devices)
        .with("court.csv", court);
    Policy::from_source("data.pol", POLICY, &loader).unwrap_or_else(|e| panic!("{e}"))
}

fn policy() -> Policy {
    policy_with("", "", "", "id_number\n")
}

/// The list files with only the ID and device lists given.
fn files(ids: &str, devices: &str) -> MemoryLoader {
    MemoryLoader::new()
        .with("ids.txt", ids)
        .with("phones.txt", "")
        .with("devices.txt", devices)
        .with("court.csv", "id_number\n")
}

fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

/// A record line with one field's JSON text replaced (`key` at the top level or `loan.key`).
fn record(changes: &[(&str, &str)]) -> String {
    let mut fields = vec![
        ("id", "\"A1\"".to_string()),
        ("id_number", format!("\"{ID}\"")),
        ("phone", "\"13800138000\"".to_string()),
        ("device", "\"d9f3a1c2e4b5\"".to_string()),
        ("birth", "\"1990-03-07\"".to_string()),
        ("score", "700".to_string()),
    ];
    let mut loan = vec![("amount", "\"150000.00\"".to_string()), ("term", "12".to_string())];
    for (key, value) in changes {
        let (list, key) = match key.strip_prefix("loan.") {
            Some(key) => (&mut loan, key),
            None => (&mut fields, *key),
        };
        match list.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = (*value).to_string(),
            None => panic!("no field {key}"),
        }
    }
    let object = |fields: &[(&str, String)]| {
        let parts: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", parts.join(","))
    };
    let loan = object(&loan);
    fields.push(("loan", loan));
    object(&fields)
}

/// The same record with keys escaped, so that the decode plan leaves it to
/// the general reader: both readers are then exercised by each check.
fn escaped(line: &str) -> String {
    line.replace("\"id\":", "\"\\u0069d\":").replace("\"loan\":", "\"\\u006coan\":")
}

/// The decision of a line through every text entry point, which must agree:
/// `decide_json_line`, `decide_lines_into`, and `evaluate_json` (for its error).
fn decision_of(policy: &Policy, line: &str) -> serde_json::Value {
    let alone = policy.decide_json_line(line, as_of());
    let mut together = String::new();
    let mut scratch = polc::Scratch::default();
    policy.decide_lines_into(&[line], as_of(), &mut scratch, polc::LineOptions::default(), &mut together, |_| {});
    assert_eq!(together.trim_end(), alone, "decide_lines_into and decide_json_line agree on {line}");
    let decided: serde_json::Value = serde_json::from_str(&alone).unwrap_or_else(|e| panic!("{e}: {alone}"));
    let text = policy.evaluate_json(line, as_of());
    assert_eq!(text.is_err(), decided["error"]["path"].is_string(), "evaluate_json agrees on {line}");
    decided
}

/// `(decision, reasons)` of a line, read by the decode plan and by the general reader alike.
fn verdict(policy: &Policy, line: &str) -> (String, Vec<String>) {
    let of = |line: &str| {
        let d = decision_of(policy, line);
        let reasons = d["reasons"].as_array().map(|r| r.iter().filter_map(|v| v.as_str()).map(String::from).collect());
        (d["decision"].as_str().unwrap_or_default().to_string(), reasons.unwrap_or_default())
    };
    let plain = of(line);
    assert_eq!(of(&escaped(line)), plain, "the two readers agree on {line}");
    plain
}

/// The error of a line that is not a valid record: `(path, message)`, the same from both readers.
fn record_error(policy: &Policy, line: &str) -> (String, String) {
    let of = |line: &str| {
        let d = decision_of(policy, line);
        assert_eq!(d["decision"], "error", "{line}");
        let field = |name: &str| d["error"][name].as_str().unwrap_or_default().to_string();
        (field("path"), field("message"))
    };
    // the escaped line is longer, so a syntax error is at another character
    let place = |(path, message): (String, String)| {
        let at = message.find(" at character ").unwrap_or(message.len());
        (path, message.get(..at).unwrap_or_default().to_string())
    };
    let plain = of(line);
    assert_eq!(place(of(&escaped(line))), place(plain.clone()), "the two readers agree on {line}");
    plain
}

/// The serde path: the line parsed by serde_json, then `evaluate_value`.
fn serde_verdict(policy: &Policy, line: &str) -> Result<&'static str, polc::DecodeError> {
    let json: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    policy.evaluate_value(&json, as_of()).map(|v| v.decision.as_str())
}

#[test]
fn a_usual_record_is_approved() {
    common::at_workspace_root();
    let policy = policy();
    assert_eq!(verdict(&policy, &record(&[])), ("approve".into(), vec![]));
    assert_eq!(serde_verdict(&policy, &record(&[])), Ok("approve"));
}

/// A list file from Excel or Notepad starts with a byte-order mark: it was
/// part of the first entry, which then never matched (String), or made the
/// list fail to load (IdCard), and the CSV header not match.
#[test]
fn a_byte_order_mark_starts_no_entry_header_or_record() {
    common::at_workspace_root();
    let bom = "\u{feff}";
    let policy = policy_with(
        &format!("{bom}{ID}\n"),
        &format!("{bom}13900000000\n"),
        &format!("{bom}d9f3a1c2e4b5\n"),
        &format!("{bom}id_number,source\n{OTHER_ID},court\n"),
    );
    assert_eq!(verdict(&policy, &record(&[("id_number", &format!("\"{OTHER_ID}\""))])).1, ["F03", "F04"]);
    assert_eq!(verdict(&policy, &record(&[("phone", "\"13900000000\"")])).1, ["F01", "F02", "F03"]);
    // a record line that starts with one: every entry point reads it
    let line = format!("{bom}{}", record(&[("device", "null")]));
    assert_eq!(verdict(&policy, &line), ("decline".into(), vec!["F01".into()]));
    assert_eq!(polc::strip_bom(&line), record(&[("device", "null")]));
    // only one mark: a second is content, and an error, not a silent non-match
    assert_eq!(decision_of(&policy, &format!("{bom}{bom}{}", record(&[])))["decision"], "error");
    let joined = Policy::from_source("data.pol", POLICY, &files(&format!("{ID}\n{bom}{OTHER_ID}\n"), "")).err();
    assert!(joined.is_some_and(|e| e.to_string().contains("ids.txt:2: character 1 of the entry is a byte-order mark")));
}

/// A decimal with more digits than a `Decimal` holds was rounded:
/// `200000.000000000000000000000001` compared equal to 200000, under the limit.
#[test]
fn a_decimal_that_cannot_be_held_exactly_is_an_error_never_rounded() {
    common::at_workspace_root();
    let policy = policy();
    let over = "200000.000000000000000000000001";
    for amount in [format!("\"{over}\""), over.to_string()] {
        let (path, message) = record_error(&policy, &record(&[("loan.amount", &amount)]));
        assert_eq!(path, "loan.amount");
        assert!(message.contains("would have to be rounded"), "{message}");
        let serde = serde_verdict(&policy, &record(&[("loan.amount", &amount)]));
        assert_eq!(serde.map_err(|e| e.path), Err("loan.amount".to_string()));
    }
    // exactly at the limit, and just over it with digits a Decimal holds
    assert_eq!(verdict(&policy, &record(&[("loan.amount", "\"200000.00\"")])).0, "approve");
    assert_eq!(verdict(&policy, &record(&[("loan.amount", "\"200000.0000000000000000000001\"")])).0, "refer");
    // zeros past 28 places change nothing: the value is exact, so it is read
    let long_zeros = format!("\"200000.{}\"", "0".repeat(40));
    assert_eq!(verdict(&policy, &record(&[("loan.amount", &long_zeros)])).0, "approve");
    // the same grammar in a Money list
    let lists = "policy l version \"1\"\nrecord A { id: String, m: Money }\ninput a: A\nlist caps: Money from \"m.txt\"\nrule X decline when a.m in caps\n";
    let loaded = Policy::from_source("l.pol", lists, &MemoryLoader::new().with("m.txt", format!("{over}\n"))).err();
    assert!(loaded.is_some_and(|e| e.to_string().contains("m.txt:1: ") && e.to_string().contains("rounded")));
}

/// `entry # comment` was one entry: a device list annotated by an analyst
/// matched nothing.
#[test]
fn a_comment_after_an_entry_is_not_part_of_it() {
    common::at_workspace_root();
    let policy = policy_with(
        &format!("{ID}   # court order 2026-031\n"),
        "139 0000 0000 # reported twice\n",
        "d9f3a1c2e4b5\t# seen 2026-01\nab#c\n",
        "id_number\n",
    );
    assert_eq!(verdict(&policy, &record(&[])).1, ["F01", "F03"]);
    assert_eq!(verdict(&policy, &record(&[("phone", "\"13900000000\"")])).1, ["F01", "F02", "F03"]);
    // `#` inside an entry, with no white space before it, is part of the entry
    let other = format!("\"{OTHER_ID}\"");
    assert_eq!(verdict(&policy, &record(&[("device", "\"ab#c\""), ("id_number", &other)])).1, ["F03"]);
}

/// `--max-json-depth` had no ceiling, and every reader recursed on skipped
/// values: a deep array overflowed the stack (SIGABRT, no output at all).
#[test]
fn no_depth_of_input_overflows_the_stack() {
    common::at_workspace_root();
    const NODES: &str = "policy n version \"1\"\nrecord Node { id: String, next: Node? }\ninput n: Node\nrule X decline when n.id == \"x\"\n";
    let mut policy = Policy::from_source("n.pol", NODES, &MemoryLoader::new()).unwrap_or_else(|e| panic!("{e}"));
    policy.set_record_limits(RecordLimits { max_json_depth: usize::MAX, ..RecordLimits::default() });
    // a value the type does not name, 200,000 arrays deep
    let skipped = format!("{{\"id\":\"a\",\"junk\":{}{}}}", "[".repeat(200_000), "]".repeat(200_000));
    // the type itself, 600 records deep (a record may hold itself)
    let typed = "{\"id\":\"a\",\"next\":".repeat(600) + "{\"id\":\"a\"}" + &"}".repeat(600);
    for line in [&skipped, &typed] {
        let decided: serde_json::Value =
            serde_json::from_str(&policy.decide_json_line(line, as_of())).unwrap_or_default();
        assert_eq!(decided["decision"], "error");
        assert_eq!(decided["error"]["message"], "nested more than --max-json-depth (512) levels deep");
        assert_eq!(decided["id"], "a");
    }
    assert_eq!(RecordLimits { max_json_depth: 100_000, ..RecordLimits::default() }.json_depth(), 512);
    // the serde path counts depth as the text readers do, skipped values included
    policy.set_record_limits(RecordLimits::default());
    let deep_junk = format!("{{\"id\":\"a\",\"junk\":{}1{}}}", "[".repeat(70), "]".repeat(70));
    let json: serde_json::Value = serde_json::from_str(&deep_junk).unwrap_or_default();
    let serde = policy.evaluate_value(&json, as_of()).map_err(|e| e.message);
    let text = policy.evaluate_json(&deep_junk, as_of()).map_err(|e| e.message);
    assert_eq!(serde, text);
    assert_eq!(serde, Err("nested more than --max-json-depth (64) levels deep".to_string()));
}

/// Sizes were taken from `stat`, so `/dev/zero`, pipes and devices were read
/// without bound (7 GB of memory for `polc check /dev/zero`).
#[test]
fn every_read_is_bounded_by_its_limit() {
    common::at_workspace_root();
    let mut policy = policy();
    assert_eq!(policy.list_limits(), ListLimits { max_list_bytes: 1 << 30 });
    policy.set_list_limits(ListLimits { max_list_bytes: 1 << 20 });
    if Path::new("/dev/zero").exists() {
        let error = policy.bind_list_file("bad_devices", Path::new("/dev/zero"), &FsLoader).err();
        assert_eq!(
            error.map(|e| (e.code.as_str(), e.message)),
            Some(("L0406", "`/dev/zero` holds more than --max-list-bytes (1048576) bytes".to_string()))
        );
        let options = polc::CompileOptions { allow_outside_root: true, ..Default::default() };
        let compiled = polc::compile_with(Path::new("/dev/zero"), &FsLoader, &options);
        let messages: Vec<String> =
            compiled.diagnostics.iter().map(|d| format!("{}: {}", d.code.as_str(), d.message)).collect();
        assert_eq!(messages, ["P0007: `/dev/zero` holds more than --max-source-bytes (16777216) bytes"]);
    }
    // a regular file over the limit is refused by its size, and any loader is held to the limit
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let big = dir.path().join("big.txt");
    std::fs::write(&big, "a\n".repeat(600_000)).unwrap_or_else(|e| panic!("{e}"));
    let error = policy.bind_list_file("bad_devices", &big, &FsLoader).err().map(|e| e.message);
    assert_eq!(error, Some(format!("`{}` is 1200000 bytes, more than --max-list-bytes (1048576)", big.display())));
    let memory = MemoryLoader::new().with("big.txt", "a\n".repeat(600_000));
    let error = policy.bind_list_file("bad_devices", "big.txt".as_ref(), &memory).err().map(|e| e.code.as_str());
    assert_eq!(error, Some("L0406"));
    policy.set_list_limits(ListLimits::default());
    assert_eq!(policy.bind_list_file("bad_devices", &big, &FsLoader), Ok(1));
}

/// `0700` was read as 700; JSON (RFC 8259) has no leading zeros, no `+`, no
/// `.5`, no `5.` — in either reader, in decimal strings, and in lists.
#[test]
fn numbers_are_strict_json_numbers_everywhere() {
    common::at_workspace_root();
    let policy = policy();
    for score in ["0700", "+700", "700.", ".7", "07", "-07", "0x2bc"] {
        let (path, message) = record_error(&policy, &record(&[("score", score)]));
        assert!(message.starts_with("not valid JSON"), "{score}: {path}: {message}");
        assert!(serde_json::from_str::<serde_json::Value>(&record(&[("score", score)])).is_err(), "serde_json agrees");
    }
    for amount in ["\"0150000.00\"", "\"+150000\"", "\"150000.\"", "\"1_500\"", "\"150,000.00\"", "\" 150000\""] {
        let (path, _) = record_error(&policy, &record(&[("loan.amount", amount)]));
        assert_eq!(path, "loan.amount", "{amount}");
        assert!(serde_verdict(&policy, &record(&[("loan.amount", amount)])).is_err(), "{amount}");
    }
    let (_, message) = record_error(&policy, &record(&[("loan.amount", "\"0700\"")]));
    assert_eq!(message, "`0700` is not a decimal number: no leading zeros: write `700`");
    // what JSON allows is read: `-0`, exponents
    assert_eq!(verdict(&policy, &record(&[("score", "-0")])).1, ["A01"]);
    assert_eq!(verdict(&policy, &record(&[("loan.amount", "1.5e5")])).0, "approve");
    assert_eq!(verdict(&policy, &record(&[("loan.amount", "\"2.5E5\"")])).0, "refer");
    let ints = "policy l version \"1\"\nrecord A { id: String, n: Int }\ninput a: A\nlist ns: Int from \"n.txt\"\nrule X decline when a.n in ns\n";
    for bad in ["0700", "+5", "2_000", "1.0"] {
        let loader = MemoryLoader::new().with("n.txt", format!("1\n{bad}\n"));
        let loaded = Policy::from_source("l.pol", ints, &loader).err();
        assert!(loaded.is_some_and(|e| e.to_string().contains("n.txt:2: ")), "{bad}");
    }
}

/// One date grammar (`YYYY-MM-DD`, four-digit year, zero-padded) for records
/// through every reader, lists, fixtures and the embedding API.
#[test]
fn one_date_grammar_everywhere() {
    common::at_workspace_root();
    let policy = policy();
    let dates = [
        "\"1990-3-7\"",
        "\"+1990-03-07\"",
        "\"1990-03-07T00:00:00\"",
        "\"19900307\"",
        "\"１９９０-03-07\"",
        "\"1990-02-30\"",
    ];
    for date in dates {
        let (path, message) = record_error(&policy, &record(&[("birth", date)]));
        assert_eq!(path, "birth", "{date}");
        assert!(message.contains("is not a date (YYYY-MM-DD"), "{message}");
        assert!(serde_verdict(&policy, &record(&[("birth", date)])).is_err_and(|e| e.path == "birth"));
    }
    let dates = "policy l version \"1\"\nrecord A { id: String, d: Date }\ninput a: A\nlist ds: Date from \"d.txt\"\nrule X decline when a.d in ds\n";
    let loader = MemoryLoader::new().with("d.txt", "2026-01-01\n2026-1-1\n");
    let loaded = Policy::from_source("l.pol", dates, &loader).err();
    assert!(loaded.is_some_and(|e| e.to_string().contains("d.txt:2: `2026-1-1` is not a date")));
    let fixture = format!("{dates}test \"t\" {{ given a = {{ id: \"x\", d: 2026-1-1 }} expect approve }}\n");
    let compiled = polc::compile_source(Path::new("l.pol"), &fixture, &MemoryLoader::new().with("d.txt", ""));
    assert!(compiled.diagnostics.iter().any(|d| d.is_error()), "a fixture's date follows the grammar");
}

/// Full-width digits in an ID number said "has 18 characters, … has 18".
#[test]
fn identifier_errors_say_what_is_wrong_and_how_to_fix_it() {
    common::at_workspace_root();
    let policy = policy();
    let full_width = "１１０１００１９９００３０７０１３８";
    let (path, message) = record_error(&policy, &record(&[("id_number", &format!("\"{full_width}\""))]));
    assert_eq!(path, "id_number");
    assert_eq!(
        message,
        format!(
            "`{full_width}` is not a resident ID number: character 1 is `１`, a full-width digit: write ASCII digits \
             (0–9)"
        )
    );
    let (_, phone) = record_error(&policy, &record(&[("phone", "\"１３８００１３８０００\"")]));
    assert!(phone.contains("a full-width digit: write ASCII digits"), "{phone}");
    let loaded = Policy::from_source("data.pol", POLICY, &files(&format!("{ID}\n11010019900307013８\n"), "")).err();
    let message = loaded.map(|e| e.to_string()).unwrap_or_default();
    let expected =
        "ids.txt:2: `11010019900307013８` is not a resident ID number: character 18 is `８`, a full-width digit";
    assert!(message.contains(expected), "{message}");
    // a fixture's ID number goes through the same reader
    let given = format!(
        "{{ id: \"x\", id_number: \"{full_width}\", phone: \"13800138000\", device: none, birth: 1990-03-07, score: \
         700, loan: {{ amount: 1 CNY, term: 1 }} }}"
    );
    let fixture = format!("{POLICY}test \"t\" {{ given applicant = {given} expect approve }}\n");
    let compiled = polc::compile_source(Path::new("data.pol"), &fixture, &files("", ""));
    assert!(
        compiled.diagnostics.iter().any(|d| d.message.contains("a full-width digit")),
        "{:?}",
        compiled.diagnostics
    );
}

/// A line that is not JSON said "expected an object, found null".
#[test]
fn a_line_that_is_not_json_says_so() {
    common::at_workspace_root();
    let policy = policy();
    let decided = decision_of(&policy, "nope, not a record");
    assert_eq!(decided["error"]["message"], "not valid JSON: expected an object, found `nope` at character 1");
    let decided = decision_of(&policy, "null");
    assert_eq!(decided["error"]["message"], "expected an object, found null");
}

/// A GBK list said "stream did not contain valid UTF-8", with no line and no hint.
#[test]
fn a_list_that_is_not_utf8_names_its_line_and_encoding() {
    common::at_workspace_root();
    let mut policy = policy();
    let error = policy.bind_list_file("bad_devices", "tests/ui_common/gbk_names.txt".as_ref(), &FsLoader).err();
    let error = error.unwrap_or_else(|| panic!("a GBK file is refused"));
    assert_eq!((error.code.as_str(), error.line), ("L0407", Some(2)));
    assert_eq!(
        error.message,
        "tests/ui_common/gbk_names.txt:2: the list file is not UTF-8 text: byte 1 of the line is `D5 C5`; they look like \
         GBK / GB 18030 (the usual Chinese Windows encoding): save the file as UTF-8"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let utf16 = dir.path().join("utf16.txt");
    let bytes: Vec<u8> = [0xFF, 0xFE].into_iter().chain("abc\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    std::fs::write(&utf16, bytes).unwrap_or_else(|e| panic!("{e}"));
    let error = policy.bind_list_file("bad_devices", &utf16, &FsLoader).err().map(|e| e.message);
    assert!(error.is_some_and(|m| m.ends_with("the file looks like UTF-16: save it as UTF-8")));
    // a policy file goes through the same check
    let policy_file = dir.path().join("gbk.pol");
    std::fs::write(&policy_file, b"policy p version \"1\"\n// \xd5\xc5\xc8\xfd\n").unwrap_or_else(|e| panic!("{e}"));
    let compiled = polc::compile(&policy_file, &FsLoader);
    let messages: Vec<String> =
        compiled.diagnostics.iter().map(|d| format!("{}: {}", d.code.as_str(), d.message)).collect();
    let expected = format!(
        "N0107: cannot read `{}`: line 2: not UTF-8 text: byte 4 of the line is `D5 C5`; they look like GBK / GB \
         18030 (the usual Chinese Windows encoding): save the file as UTF-8",
        policy_file.display()
    );
    assert_eq!(messages, [expected]);
    // UTF-16 without its mark is valid UTF-8 with NULs: refused as well
    let no_mark: String = "abc\n".encode_utf16().flat_map(u16::to_le_bytes).map(char::from).collect();
    let error = policy.bind_list_text("bad_devices", &no_mark).err().map(|e| e.message);
    assert!(error.is_some_and(|m| m.contains("NUL character (U+0000): the file looks like UTF-16")));
}

/// A CSV list with a quoted line break was misread: the line break split the row.
#[test]
fn csv_lists_read_quoted_line_breaks_and_crlf() {
    common::at_workspace_root();
    let court = format!(
        "\"name\",\"id_number\",\"note\"\r\n\"Zhang, San\",{ID},\"order 1\r\nsecond line of the note\"\r\nLi \
         Si,\"{OTHER_ID}\",\"say \"\"no\"\"\"\r\n"
    );
    let policy = policy_with("", "", "", &court);
    assert_eq!(verdict(&policy, &record(&[])).1, ["F04"]);
    assert_eq!(verdict(&policy, &record(&[("id_number", &format!("\"{OTHER_ID}\""))])).1, ["F04"]);
    // an empty field in the column is an error with its line, never an entry
    let loader = MemoryLoader::new().with("ids.txt", "").with("phones.txt", "").with("devices.txt", "");
    let empty = Policy::from_source("data.pol", POLICY, &loader.with("court.csv", "id_number,x\n,1\n")).err();
    let empty = empty.map(|e| e.to_string()).unwrap_or_default();
    assert!(empty.contains("court.csv:2: the `id_number` field is empty"), "{empty}");
}

/// Line endings: lists and records written on Windows read as on Unix.
#[test]
fn crlf_line_endings_are_read_deliberately() {
    common::at_workspace_root();
    let policy =
        policy_with(&format!("{OTHER_ID}\r\n{ID}\r\n"), "13900000000\r\n", "x\r\nd9f3a1c2e4b5\r\n", "id_number\r\n");
    assert_eq!(verdict(&policy, &record(&[])).1, ["F01", "F03"]);
    // a record line keeps its CR when an embedder splits on LF only: JSON white space
    assert_eq!(verdict(&policy, &format!("{}\r", record(&[]))).1, ["F01", "F03"]);
    // a CR alone inside a line (old Mac endings) is an error, not part of an entry
    let mac = Policy::from_source("data.pol", POLICY, &files("", "abc\rdef\n")).err();
    assert!(mac.is_some_and(|e| e.to_string().contains("devices.txt:1: character 4 of the entry is a carriage return")));
}

/// Lists bound from memory take each item as one value: no comments, no
/// skipped entries, no line break turned into a space.
#[test]
fn entries_bound_from_memory_are_values() {
    common::at_workspace_root();
    let mut policy = policy();
    let entries = ["#tag", " d9f3a1c2e4b5 ", "d9f3a1c2e4b5"];
    assert_eq!(policy.bind_list("bad_devices", entries), Ok(2), "duplicates are one entry");
    assert_eq!(verdict(&policy, &record(&[("device", "\"#tag\"")])).1, ["F03"]);
    assert_eq!(verdict(&policy, &record(&[])).1, ["F03"]);
    let error = policy.bind_list("bad_devices", ["a", "b\nc"]).err();
    assert!(error.is_some_and(|e| e.line == Some(2) && e.message.contains("a line break")));
    assert!(policy.bind_list("bad_devices", ["a", ""]).is_err_and(|e| e.line == Some(2)));
}
