//! `polc bundle` through the real binary: a bundle decides byte for byte as its
//! files do (plus `"bundle"`), signed bundles verify, and every way of
//! tampering with one is refused with its B code and nothing decided.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn polc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

fn arg(path: &Path) -> String {
    path.to_string_lossy().to_string()
}

const POLICY: &str = "policies/consumer_loan.pol";
const INPUT: &str = "examples/applicants.jsonl";

const TINY: &str = "policy tiny version \"1\"\nuse \"common.pol\"\n\
record Applicant { id: String, age: Int, id_number: IdCard }\ninput applicant: Applicant\n\
list fraud_ids: IdCard from \"lists/fraud_ids.txt\"\n\
rule A01 \"too young\" decline when applicant.age < min_age\n\
rule F01 \"fraud\" decline when applicant.id_number in fraud_ids\n";

/// A temporary directory with a fixed key pair (`KEY`, `KEY.pub`) and a
/// second public key (`other.pub`), and the policy bundled: `plain.polb`
/// unsigned, `signed.polb` signed with `KEY`.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        common::at_workspace_root();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let key = polc::SecretKey::from_seed([7; 32]);
        let write =
            |name: &str, text: String| std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
        write("KEY", format!("{}\n", key.to_hex()));
        write("KEY.pub", format!("# public\n{}\n", key.public_key().to_hex()));
        write("bad.pub", "-----BEGIN PUBLIC KEY-----\n".to_string());
        write("other.pub", format!("{}\n", polc::SecretKey::from_seed([8; 32]).public_key().to_hex()));
        // a small policy of the tests' own, so that the messages (sizes, hashes) do not follow the shipped ones
        std::fs::create_dir_all(dir.path().join("tiny/lists")).unwrap_or_else(|e| panic!("{e}"));
        write("tiny/tiny.pol", TINY.to_string());
        write("tiny/common.pol", "// Declarations shared by the tiny policy\nconst min_age: Int = 18\n".to_string());
        write("tiny/lists/fraud_ids.txt", "110100198511200248\n".to_string());
        let fixture = Fixture { dir };
        for (name, sign) in [("tiny.polb", false), ("tiny-signed.polb", true)] {
            let (policy, out) = (arg(&fixture.path("tiny/tiny.pol")), arg(&fixture.path(name)));
            let mut args = vec!["bundle", policy.as_str(), "-o", out.as_str()];
            let key = arg(&fixture.path("KEY"));
            if sign {
                args.extend(["--sign-key", key.as_str()]);
            }
            let made = polc(&args);
            assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
        }
        let plain = fixture.path("plain.polb");
        let out = polc(&["bundle", POLICY, "-o", &arg(&plain)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let signed = fixture.path("signed.polb");
        let out = polc(&["bundle", POLICY, "-o", &arg(&signed), "--sign-key", &arg(&fixture.path("KEY"))]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        fixture
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs the bundle `bytes` (written to `name`) over the example input, with a public key file if given.
    fn run(&self, name: &str, bytes: &[u8], key: Option<&str>) -> Output {
        let bundle = self.path(name);
        std::fs::write(&bundle, bytes).unwrap_or_else(|e| panic!("{e}"));
        let bundle = arg(&bundle);
        let mut args = vec!["run", "--bundle", bundle.as_str(), "--input", INPUT, "--as-of", "2026-11-22", "-q"];
        let key = key.map(|k| arg(&self.path(k)));
        if let Some(key) = &key {
            args.extend(["--public-key", key.as_str()]);
        }
        polc(&args)
    }
}

/// One archive entry as the tests rebuild it.
struct Entry {
    path: Vec<u8>,
    kind: tar::EntryType,
    data: Vec<u8>,
    link: Option<&'static str>,
}

fn entries(bundle: &[u8]) -> Vec<Entry> {
    let mut archive = tar::Archive::new(bundle);
    let mut out = Vec::new();
    for entry in archive.entries().unwrap_or_else(|e| panic!("{e}")) {
        let mut entry = entry.unwrap_or_else(|e| panic!("{e}"));
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap_or_else(|e| panic!("{e}"));
        out.push(Entry { path: entry.path_bytes().into_owned(), kind: entry.header().entry_type(), data, link: None });
    }
    out
}

/// An archive of `entries`, their paths written into the header as given
/// (the tar crate's own setters refuse `..` and absolute paths).
fn archive(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        let name = &mut header.as_gnu_mut().unwrap_or_else(|| panic!("a GNU header")).name;
        name.iter_mut().for_each(|b| *b = 0);
        name.get_mut(..entry.path.len()).unwrap_or_else(|| panic!("a short path")).copy_from_slice(&entry.path);
        header.set_size(entry.data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(entry.kind);
        if let Some(link) = entry.link {
            header.set_link_name(link).unwrap_or_else(|e| panic!("{e}"));
        }
        header.set_cksum();
        builder.append(&header, entry.data.as_slice()).unwrap_or_else(|e| panic!("{e}"));
    }
    builder.into_inner().unwrap_or_else(|e| panic!("{e}"))
}

fn edited(bundle: &[u8], edit: impl FnOnce(&mut Vec<Entry>)) -> Vec<u8> {
    let mut all = entries(bundle);
    edit(&mut all);
    archive(&all)
}

fn entry<'a>(all: &'a mut [Entry], path: &str) -> &'a mut Entry {
    all.iter_mut().find(|e| e.path == path.as_bytes()).unwrap_or_else(|| panic!("no entry `{path}`"))
}

fn replace(data: &mut Vec<u8>, from: &str, to: &str) {
    let text = String::from_utf8(data.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains(from), "`{from}` not in the entry");
    *data = text.replacen(from, to, 1).into_bytes();
}

/// The decision lines of a run, each with its `"bundle"` (the last key) taken off.
fn without_bundle(stdout: &str, revision: &str) -> String {
    let suffix = format!(",\"bundle\":\"{revision}\"}}");
    stdout
        .lines()
        .map(|line| match line.strip_suffix(&suffix) {
            Some(head) => format!("{head}}}\n"),
            None => panic!("a line without the bundle's revision: {line}"),
        })
        .collect()
}

fn revision_of(fixture: &Fixture, name: &str) -> String {
    let out = polc(&["bundle", "inspect", &arg(&fixture.path(name))]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    report["revision"].as_str().unwrap_or_else(|| panic!("no revision")).to_string()
}

#[test]
fn a_bundle_decides_byte_for_byte_as_its_files_with_the_bundle_revision() {
    let fixture = Fixture::new();
    let from_files = polc(&["run", POLICY, "--input", INPUT, "--as-of", "2026-11-22", "-q"]);
    assert_eq!(from_files.status.code(), Some(0), "{}", text(&from_files.stderr));
    let revision = revision_of(&fixture, "plain.polb");
    assert!(revision.starts_with("sha256:") && revision.len() == 71, "{revision}");
    let from_bundle = fixture.run("plain.polb", &fixture.bytes("plain.polb"), None);
    assert_eq!(from_bundle.status.code(), Some(0), "{}", text(&from_bundle.stderr));
    assert!(!text(&from_files.stdout).contains("\"bundle\""), "plain runs stay as they were");
    assert_eq!(without_bundle(&text(&from_bundle.stdout), &revision), text(&from_files.stdout));
    assert!(text(&from_files.stdout).lines().count() > 3);
    // the run's summary names the bundle too; a run from files has no such key
    let summary = fixture.path("summary.json");
    let bundle = arg(&fixture.path("plain.polb"));
    let args = ["run", "--bundle", &bundle, "--input", INPUT, "--as-of", "2026-11-22", "-q", "-o", "/dev/null"];
    let out = polc(&[&args[..], &["--summary-json", &arg(&summary)]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["bundle"].as_str(), Some(revision.as_str()), "{json}");
    let out = polc(&[
        "run",
        POLICY,
        "-i",
        INPUT,
        "--as-of",
        "2026-11-22",
        "-q",
        "-o",
        "/dev/null",
        "--summary-json",
        &arg(&summary),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(json.get("bundle").is_none() && json["policy_hash"].is_string(), "{json}");
}

#[test]
fn inspect_shows_every_file_and_list_of_the_manifest() {
    let fixture = Fixture::new();
    let out = polc(&["bundle", "inspect", &arg(&fixture.path("signed.polb"))]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let manifest = &report["manifest"];
    assert_eq!(manifest["policy"]["name"], "consumer_loan");
    assert_eq!(manifest["policy"]["path"], "policy/consumer_loan.pol");
    let files: Vec<(&str, &str)> = manifest["files"]
        .as_array()
        .unwrap_or_else(|| panic!("files"))
        .iter()
        .map(|f| (f["path"].as_str().unwrap_or(""), f["role"].as_str().unwrap_or("")))
        .collect();
    assert!(files.contains(&("policy/consumer_loan.pol", "policy")), "{files:?}");
    assert!(files.contains(&("policy/common.pol", "module")), "{files:?}");
    assert!(files.contains(&("policy/lists/bad_devices.txt", "list")), "{files:?}");
    let lists = manifest["lists"].as_array().unwrap_or_else(|| panic!("lists"));
    assert!(lists.iter().all(|l| l["entries"].as_u64().is_some_and(|n| n > 0) && l["hash"].as_str().is_some()));
    assert_eq!((report["signed"].as_bool(), report["signature_verified"].as_bool()), (Some(true), Some(false)));
    assert_eq!(manifest["signer"].as_str(), Some(polc::SecretKey::from_seed([7; 32]).public_key().to_hex().as_str()));
}

#[test]
fn a_signed_bundle_verifies_and_runs_with_its_key() {
    let fixture = Fixture::new();
    let key = arg(&fixture.path("KEY.pub"));
    let out = polc(&["bundle", "verify", &arg(&fixture.path("signed.polb")), "--public-key", &key]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("ok: consumer_loan version 2026.11"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("signature verified"), "{}", text(&out.stdout));
    let run = fixture.run("signed.polb", &fixture.bytes("signed.polb"), Some("KEY.pub"));
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains(&format!("\"bundle\":\"{}\"", revision_of(&fixture, "signed.polb"))));
}

#[test]
fn keygen_writes_a_key_pair_that_signs_and_verifies_and_never_overwrites() {
    let fixture = Fixture::new();
    let key = fixture.path("new.key");
    let out = polc(&["bundle", "keygen", "-o", &arg(&key)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let public = std::fs::read_to_string(fixture.path("new.key.pub")).unwrap_or_default();
    assert!(public.contains(text(&out.stdout).trim()), "{public}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(mode, 0o600);
    let again = polc(&["bundle", "keygen", "-o", &arg(&key)]);
    assert_eq!(again.status.code(), Some(2));
    let bundle = fixture.path("new.polb");
    let out = polc(&["bundle", POLICY, "-o", &arg(&bundle), "--sign-key", &arg(&key)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = polc(&["bundle", "verify", &arg(&bundle), "--public-key", &arg(&fixture.path("new.key.pub"))]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// Every refusal, its code and its rendered message; nothing is decided.
#[test]
fn every_tampered_bundle_is_refused_with_its_code() {
    let fixture = Fixture::new();
    let (plain, signed) = (fixture.bytes("tiny.polb"), fixture.bytes("tiny-signed.polb"));
    let regular = tar::EntryType::Regular;
    let extra = |path: &str| Entry { path: path.as_bytes().to_vec(), kind: regular, data: b"x\n".to_vec(), link: None };
    let cases: Vec<(&str, &str, Vec<u8>, Option<&str>)> = vec![
        (
            "a byte of a bundled file",
            "B0703",
            edited(&plain, |all| {
                replace(&mut entry(all, "policy/common.pol").data, "Declarations", "Declarationz");
            }),
            None,
        ),
        (
            "a file's hash in the manifest",
            "B0703",
            edited(&plain, |all| {
                let manifest = &mut entry(all, "manifest.json").data;
                let text = String::from_utf8(manifest.clone()).unwrap_or_default();
                let at = text.find("\"sha256\": \"").unwrap_or_else(|| panic!("a sha256")) + 11;
                let flipped = if text.get(at..=at) == Some("0") { "1" } else { "0" };
                *manifest = format!("{}{flipped}{}", &text[..at], &text[at + 1..]).into_bytes();
            }),
            None,
        ),
        (
            "the manifest of a signed bundle",
            "B0704",
            edited(&signed, |all| {
                replace(&mut entry(all, "manifest.json").data, "\"built_at\": \"2", "\"built_at\": \"1");
            }),
            Some("KEY.pub"),
        ),
        ("the wrong public key", "B0704", signed.clone(), Some("other.pub")),
        ("an unsigned bundle given a key", "B0705", plain.clone(), Some("KEY.pub")),
        ("a public key file that is not a key", "B0710", signed.clone(), Some("bad.pub")),
        ("no manifest", "B0702", edited(&plain, |all| all.retain(|e| e.path != b"manifest.json")), None),
        ("a file not in the manifest", "B0706", edited(&plain, |all| all.push(extra("policy/extra.pol"))), None),
        (
            "a manifest file not in the archive",
            "B0707",
            edited(&plain, |all| {
                all.retain(|e| e.path != b"policy/common.pol");
            }),
            None,
        ),
        ("a `..` path", "B0708", edited(&plain, |all| all.push(extra("policy/../../x.pol"))), None),
        ("an absolute path", "B0708", edited(&plain, |all| all.push(extra("/etc/cron.d/polc"))), None),
        (
            "a symbolic link",
            "B0708",
            edited(&plain, |all| {
                all.push(Entry {
                    path: b"policy/link".to_vec(),
                    kind: tar::EntryType::Symlink,
                    data: Vec::new(),
                    link: Some("/etc/passwd"),
                });
            }),
            None,
        ),
        ("a truncated file", "B0701", plain.get(..plain.len() / 2).unwrap_or_default().to_vec(), None),
        ("an empty file", "B0701", Vec::new(), None),
        (
            "an entry over the size limit",
            "B0709",
            {
                // a header claiming 2 GiB: refused before anything is read
                let mut header = tar::Header::new_gnu();
                header.set_path("policy/huge.txt").unwrap_or_else(|e| panic!("{e}"));
                header.set_size(2 << 30);
                header.set_entry_type(regular);
                header.set_cksum();
                let mut bytes = header.as_bytes().to_vec();
                bytes.extend(vec![0u8; 4096]);
                bytes
            },
            None,
        ),
    ];
    let mut rendered = Vec::new();
    for (i, (what, code, bytes, key)) in cases.iter().enumerate() {
        let out = fixture.run(&format!("case{i}.polb"), bytes, *key);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(out.stdout.is_empty(), "{what}: nothing is decided");
        assert!(stderr.starts_with(code), "{what}: expected {code}, got {stderr}");
        let verify = polc(&["bundle", "verify", &arg(&fixture.path(&format!("case{i}.polb")))]);
        if key.is_none() {
            assert!(text(&verify.stderr).starts_with(code), "verify, {what}: {}", text(&verify.stderr));
        }
        rendered.push(format!("== {what}\n{}", stderr.replace(&arg(fixture.dir.path()), "TMP")));
    }
    insta::assert_snapshot!(rendered.join("\n"));
}

#[test]
fn a_malformed_key_file_is_b0710_and_run_refuses_lists_with_a_bundle() {
    let fixture = Fixture::new();
    std::fs::write(fixture.path("bad.pub"), "-----BEGIN PUBLIC KEY-----\n").unwrap_or_else(|e| panic!("{e}"));
    let out = fixture.run("k.polb", &fixture.bytes("signed.polb"), Some("bad.pub"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("B0710"), "{}", text(&out.stderr));
    let bundle = arg(&fixture.path("plain.polb"));
    let out = polc(&["run", "--bundle", &bundle, "--list", "fraud_ids=x.txt", "--input", INPUT]);
    assert_eq!(out.status.code(), Some(2), "a bundle binds its own lists");
    let out = polc(&["run", POLICY, "--bundle", &bundle, "--input", INPUT]);
    assert_eq!(out.status.code(), Some(2), "a policy or a bundle, not both");
}

#[test]
fn bundle_output_is_never_half_written() {
    let fixture = Fixture::new();
    let target = fixture.path("kept.polb");
    std::fs::write(&target, "before").unwrap_or_else(|e| panic!("{e}"));
    // a policy that does not compile: nothing is written, the old file stays
    let broken = fixture.path("broken.pol");
    std::fs::write(&broken, "policy p version \"1\"\nrule A01 decline when nothing.here\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = polc(&["bundle", &arg(&broken), "-o", &arg(&target)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&target).unwrap_or_default(), "before");
    let leftovers: Vec<_> = std::fs::read_dir(fixture.dir.path())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("polc-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}
