//! `polc serve`, the real binary: it listens, decides, reloads on SIGHUP,
//! drains and exits 0 on SIGTERM with its decision log written, and refuses
//! to start on a policy that does not compile. HTTP over loopback with a
//! plain `TcpStream` (HTTP/1.1, `Connection: close`).
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const POLICY: &str = r#"policy demo version "VERSION"
record Applicant { id: String, age: Int }
input applicant: Applicant
rule A01 "too young" decline when applicant.age < 18
"#;

fn write_policy(dir: &Path, version: &str) {
    std::fs::write(dir.join("demo.pol"), POLICY.replace("VERSION", version)).unwrap_or_else(|e| panic!("{e}"));
}

/// Starts `polc serve` and waits for its "listening" log line; the child,
/// its address, and the rest of its standard error (read on a thread).
fn start(args: &[&str]) -> (Child, String, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_polc"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) else { break };
        let value: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if value["message"] == "listening" {
            let addr = value["addr"].as_str().unwrap_or_else(|| panic!("no address: {line}")).to_string();
            return (child, addr, rx);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("polc serve did not start listening")
}

/// One request; the status and the body.
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("cannot connect: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap_or_else(|e| panic!("{e}"));
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("cannot send: {e}"));
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap_or_else(|e| panic!("cannot read: {e}"));
    let status = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status: {response}"));
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn decide(addr: &str, record: &str) -> (u16, serde_json::Value) {
    let (status, body) =
        http(addr, "POST", "/v1/decide?as_of=2026-11-22", &[("content-type", "application/json")], record);
    (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([name, &child.id().to_string()]).status();
    assert!(status.is_ok_and(|s| s.success()), "kill {name}");
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}")
}

#[test]
fn serve_decides_reloads_on_sighup_and_drains_on_sigterm() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_policy(dir.path(), "1");
    std::fs::write(dir.path().join("token"), "tok-123\n").unwrap_or_else(|e| panic!("{e}"));
    let policy = dir.path().join("demo.pol");
    let log = dir.path().join("decisions.jsonl");
    let (policy, token, log_path) = (policy.to_string_lossy(), dir.path().join("token"), log.to_string_lossy());
    let token = token.to_string_lossy();
    let (mut child, addr, logs) =
        start(&[&policy, "--admin-token-file", &token, "--decision-log", &log_path, "--decision-log-required"]);
    let (status, verdict) = decide(&addr, r#"{"id":"C1","age":12}"#);
    assert_eq!((status, verdict["decision"].as_str(), verdict["version"].as_str()), (200, Some("decline"), Some("1")));
    assert_eq!(http(&addr, "GET", "/readyz", &[], "").0, 200);
    // SIGHUP: the new version is served
    write_policy(dir.path(), "2");
    signal(&child, "-HUP");
    wait_for("the reload", || decide(&addr, r#"{"id":"C2","age":40}"#).1["version"] == "2");
    // the admin endpoint, with and without the token
    assert_eq!(http(&addr, "POST", "/v1/admin/reload", &[], "").0, 401);
    write_policy(dir.path(), "3");
    let (status, body) = http(&addr, "POST", "/v1/admin/reload", &[("authorization", "Bearer tok-123")], "");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"version\":\"3\""));
    let (status, batch) = http(
        &addr,
        "POST",
        "/v1/decide/batch?as_of=2026-11-22",
        &[("content-type", "application/x-ndjson")],
        "{\"id\":\"B1\",\"age\":10}\n{\"id\":\"B2\",\"age\":50}\n",
    );
    assert_eq!(status, 200);
    assert!(
        batch.contains("\"id\":\"B1\",\"decision\":\"decline\"")
            && batch.contains("\"id\":\"B2\",\"decision\":\"approve\"")
    );
    // SIGTERM: exits 0 after draining, the log complete
    signal(&child, "-TERM");
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break status.code();
        }
        assert!(Instant::now() < deadline, "polc serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, Some(0));
    let text = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{e}"));
    let decisions = text.lines().count();
    assert!(decisions >= 4, "every decision logged: {text}");
    let said: Vec<String> = logs.try_iter().collect();
    assert!(said.iter().any(|l| l.contains("SIGHUP")), "{said:?}");
    assert!(said.iter().any(|l| l.contains("SIGTERM")), "{said:?}");
}

#[test]
fn serve_refuses_a_policy_that_does_not_compile() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("bad.pol"), "policy bad version \"1\"\nrule A01 decline when nothing\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let output = binary::polc(&["serve", &dir.path().join("bad.pol").to_string_lossy(), "--listen", "127.0.0.1:0"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.pol"), "the diagnostics, drawn for people: {stderr}");
    // a token file that is missing is a usage error
    common::at_workspace_root();
    let output = binary::polc(&["serve", "policies/consumer_loan.pol", "--admin-token-file", "/nonexistent/token"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read `/nonexistent/token`"));
}

/// Waits for the child to exit; its exit code.
fn exit_code(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("polc serve did not stop");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn records(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("{{\"id\":\"R{i}\",\"age\":{}}}\n", 10 + i % 40)).collect()
}

/// Sends one chunk of a chunked request body.
fn send_chunk(stream: &mut TcpStream, data: &str) {
    let chunk = format!("{:x}\r\n{data}\r\n", data.len());
    stream.write_all(chunk.as_bytes()).unwrap_or_else(|e| panic!("cannot send: {e}"));
}

/// The status and the decoded body of a chunked response; `None` for the
/// body when it was cut off (no last chunk).
fn read_chunked(stream: &mut TcpStream) -> (u16, Option<String>) {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status: {text}"));
    let Some((_, mut rest)) = text.split_once("\r\n\r\n") else { return (status, None) };
    let mut body = String::new();
    loop {
        let Some((size, after)) = rest.split_once("\r\n") else { return (status, None) };
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { return (status, None) };
        if size == 0 {
            return (status, Some(body));
        }
        let Some(data) = after.get(..size) else { return (status, None) };
        body.push_str(data);
        rest = after.get(size + 2..).unwrap_or_default();
    }
}

#[test]
fn sigterm_lets_a_batch_in_flight_finish_and_logs_every_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_policy(dir.path(), "1");
    let policy = dir.path().join("demo.pol").to_string_lossy().into_owned();
    let log = dir.path().join("decisions.jsonl");
    let log_path = log.to_string_lossy().into_owned();
    let (mut child, addr, _logs) = start(&[&policy, "--decision-log", &log_path, "--decision-log-required"]);
    let mut stream = TcpStream::connect(&addr).unwrap_or_else(|e| panic!("cannot connect: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap_or_else(|e| panic!("{e}"));
    let head = format!(
        "POST /v1/decide/batch?as_of=2026-11-22 HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/x-ndjson\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap_or_else(|e| panic!("cannot send: {e}"));
    send_chunk(&mut stream, &records(0, 1000));
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "-TERM");
    // no new connections once the drain has begun
    wait_for("the listener to close", || TcpStream::connect(&addr).is_err());
    assert!(child.try_wait().unwrap_or_else(|e| panic!("{e}")).is_none(), "still draining");
    send_chunk(&mut stream, &records(1000, 500));
    stream.write_all(b"0\r\n\r\n").unwrap_or_else(|e| panic!("cannot send: {e}"));
    let (status, body) = read_chunked(&mut stream);
    assert_eq!(status, 200);
    let body = body.unwrap_or_else(|| panic!("the batch in flight was cut off"));
    let lines: Vec<serde_json::Value> =
        body.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert_eq!(lines.len(), 1500, "every line of the batch in flight decided");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["id"], format!("R{i}"), "in order");
    }
    assert_eq!(exit_code(&mut child), Some(0));
    let text = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{e}"));
    let mut logged: Vec<u64> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter_map(|entry| entry["line"].as_u64())
        .collect();
    logged.sort_unstable();
    assert_eq!(logged, (1..=1500).collect::<Vec<u64>>(), "each line logged once, none lost");
}

#[test]
fn sigkill_under_concurrent_load_leaves_every_answered_decision_logged() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_policy(dir.path(), "1");
    let policy = dir.path().join("demo.pol").to_string_lossy().into_owned();
    let log = dir.path().join("decisions.jsonl");
    let log_path = log.to_string_lossy().into_owned();
    let (mut child, addr, _logs) =
        start(&[&policy, "--decision-log", &log_path, "--decision-log-required", "--decision-log-max-bytes", "50000"]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (addr, stop) = (addr.clone(), std::sync::Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut answered = Vec::new();
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 20_000 {
                    i += 1;
                    let Ok(mut stream) = TcpStream::connect(&addr) else { break };
                    let body = format!("{{\"id\":\"K{c}-{i}\",\"age\":{}}}", 10 + i % 40);
                    let request = format!(
                        "POST /v1/decide?as_of=2026-11-22 HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
                         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(request.as_bytes()).is_err() {
                        break;
                    }
                    let mut response = String::new();
                    if stream.read_to_string(&mut response).is_err() || !response.starts_with("HTTP/1.1 200") {
                        continue;
                    }
                    // an answer counts once it is whole
                    let Some((head, body)) = response.split_once("\r\n\r\n") else { continue };
                    if serde_json::from_str::<serde_json::Value>(body).is_err() {
                        continue;
                    }
                    let id = head
                        .lines()
                        .find_map(|l| l.strip_prefix("x-decision-id: "))
                        .unwrap_or_else(|| panic!("no decision id: {head}"));
                    answered.push(id.to_string());
                }
                answered
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    signal(&child, "-KILL");
    let _ = child.wait();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answered: Vec<String> = clients.into_iter().flat_map(|c| c.join().unwrap_or_default()).collect();
    assert!(answered.len() > 20, "the load ran: {} answered", answered.len());
    let mut logged = std::collections::BTreeSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("decisions.jsonl") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("{e}"));
        // a write the kill cut short may leave a torn last line, never a torn line before it
        let whole = text.rsplit_once('\n').map_or("", |(whole, _)| whole);
        for line in whole.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let id = value["decision_id"].as_str().unwrap_or_else(|| panic!("no id: {line}")).to_string();
            assert!(logged.insert(id), "a decision logged twice: {line}");
        }
    }
    assert!(files > 1, "the log rotated under load");
    let missing: Vec<&String> = answered.iter().filter(|id| !logged.contains(*id)).collect();
    assert!(missing.is_empty(), "{} answered decisions not in the log: {:?}", missing.len(), missing.first());
}
