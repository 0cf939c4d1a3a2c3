//! A real LSP client for the tests: spawns `polc lsp`, speaks JSON-RPC with
//! `Content-Length` framing over its standard input and output, and keeps
//! the notifications the server sends between responses.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Longest wait for one message: far beyond what any test needs, so that a
/// server that hangs fails the test instead of stalling it.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications received and not yet looked at, in order.
    pub notifications: Vec<Value>,
}

impl Client {
    /// Starts `polc lsp` in `dir` and initializes it.
    pub fn start(dir: &Path) -> Client {
        Client::start_with(dir, json!({}))
    }

    pub fn start_with(dir: &Path, initialization_options: Value) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_polc"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `polc lsp`: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut client = Client { child, stdin, messages, next_id: 1, notifications: Vec::new() };
        let root = super::uri(dir);
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root,
                "capabilities": {},
                "initializationOptions": initialization_options,
            }),
        );
        assert_eq!(result["capabilities"]["positionEncoding"], "utf-16", "{result}");
        client.notify("initialized", json!({}));
        client
    }

    /// The server's process id (to read its memory).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().unwrap_or_else(|| panic!("stdin closed"));
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap_or_else(|e| panic!("cannot write: {e}"));
        stdin.flush().unwrap_or_else(|e| panic!("cannot flush: {e}"));
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response; the `result` (a response
    /// error fails the test).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        if let Some(error) = response.get("error") {
            panic!("`{method}` failed: {error}");
        }
        response.get("result").cloned().unwrap_or(Value::Null)
    }

    /// Sends a request and waits for its whole response (result or error).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next_message();
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.notifications.push(message);
        }
    }

    fn next_message(&mut self) -> Value {
        match self.messages.recv_timeout(PATIENCE) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("the server sent nothing for {PATIENCE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// Waits for the diagnostics of `uri` published for `version` (any
    /// version when `None`), and returns them. Earlier ones are dropped.
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let matches = |n: &Value| {
            n["method"] == "textDocument/publishDiagnostics"
                && n["params"]["uri"] == uri
                && version.is_none_or(|v| n["params"]["version"] == json!(v))
        };
        loop {
            if let Some(at) = self.notifications.iter().rposition(matches) {
                let found = self.notifications.remove(at);
                self.notifications
                    .retain(|n| !(n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri));
                return found["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            let message = self.next_message();
            self.notifications.push(message);
        }
    }

    /// Waits for a publication of `uri`'s diagnostics that `wanted` accepts
    /// (the server may first publish others: those of an earlier state).
    pub fn diagnostics_until(&mut self, uri: &str, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        loop {
            let found = self.diagnostics(uri, None);
            if wanted(&found) {
                return found;
            }
        }
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "pol", "version": 1, "text": text } }),
        );
    }

    /// An incremental change: replace the range (0-based line and UTF-16 character) with `text`.
    pub fn edit(&mut self, uri: &str, version: i64, start: (u32, u32), end: (u32, u32), text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{
                    "range": { "start": { "line": start.0, "character": start.1 }, "end": { "line": end.0, "character": end.1 } },
                    "text": text,
                }],
            }),
        );
    }

    /// `shutdown`, then `exit`: the server must stop with status 0.
    pub fn shutdown(mut self) {
        let result = self.request("shutdown", Value::Null);
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    assert!(status.success(), "`polc lsp` exited with {status}");
                    return;
                }
                Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                _ => {
                    let _ = self.child.kill();
                    panic!("`polc lsp` did not exit after `exit`");
                }
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // a test that failed midway: do not leave the server running
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One message: headers up to an empty line, then `Content-Length` bytes of JSON.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    std::io::Read::read_exact(reader, &mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
