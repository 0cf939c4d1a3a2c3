//! Shared by the tests of the real `polc` binary (tests/cli*.rs): run it with
//! arguments, with standard input, or with chosen standard streams, and read
//! what it wrote. Not every test file uses every helper.
#![allow(dead_code, reason = "each test binary uses a different part")]

use serde_json::Value;
use std::process::{Command, Output, Stdio};

/// Runs `polc` with `args`, no standard input, no colours.
pub fn polc(args: &[&str]) -> Output {
    polc_with(args, Stdio::piped(), Stdio::piped())
}

/// Runs `polc` with `args` and the given standard output and error.
pub fn polc_with(args: &[&str], stdout: Stdio, stderr: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .output()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"))
}

/// Runs `polc` with `args`, writing `stdin` to its standard input.
pub fn polc_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_polc"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run polc: {e}"));
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin).unwrap_or_else(|e| panic!("cannot write stdin: {e}"));
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("polc failed: {e}"))
}

/// What a stream held, as text (invalid UTF-8 replaced).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// Each line of a stream as JSON (`null` where a line is not JSON).
pub fn lines(bytes: &[u8]) -> Vec<Value> {
    text(bytes).lines().map(|l| serde_json::from_str(l).unwrap_or(Value::Null)).collect()
}
