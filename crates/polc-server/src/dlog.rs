//! The decision log: every decision appended as one JSON line to a file, by a
//! thread of its own (off the request path), rotated by size.
//!
//! Requests hand the writer whole entries (one line, or all the lines of a
//! batch piece) through a bounded queue: a full queue slows requests down
//! rather than dropping entries. The writer takes what is queued, writes it
//! with one `write_all`, and answers each entry that asked whether it was
//! written: with `--decision-log-required` a request waits for that answer and
//! fails closed (503) when the entry could not be written. Rotation renames the
//! file to `NAME.1`, `NAME.2`, … (the next free number; nothing is deleted)
//! before a write would take it past its size.

use crate::metrics::Metrics;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Where and how decisions are logged.
#[derive(Clone, Debug)]
pub struct DecisionLogConfig {
    /// The file (created if missing, appended to).
    pub path: PathBuf,
    /// Rotate before a write would take the file past this many bytes.
    pub max_bytes: u64,
    /// Log each request's input text, not only its sha256.
    pub include_input: bool,
    /// Fail a request (503) whose decision could not be logged.
    pub required: bool,
}

/// Entries queued at most (each is a line or a batch piece).
const QUEUE: usize = 4096;
/// Entries written together at most.
const GROUP: usize = 512;

/// One thing to append: whole lines, each ending in `\n`.
struct Entry {
    text: String,
    written: Option<oneshot::Sender<bool>>,
}

/// The sending side, held by the server; [`DecisionLog::close`] drains and stops it.
#[derive(Debug)]
pub struct DecisionLog {
    tx: mpsc::Sender<Entry>,
    required: bool,
    include_input: bool,
    writer: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl DecisionLog {
    /// Opens the log (creating its directory's file) and starts its writer.
    pub fn open(config: &DecisionLogConfig, metrics: Arc<Metrics>) -> std::io::Result<DecisionLog> {
        let file = open_append(&config.path)?;
        let size = file.metadata()?.len();
        let next = next_rotation(&config.path);
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = Writer { path: config.path.clone(), file: Some(file), size, max: config.max_bytes, next, metrics };
        let handle = std::thread::Builder::new().name("polc-decision-log".into()).spawn(move || writer.run(rx))?;
        Ok(DecisionLog {
            tx,
            required: config.required,
            include_input: config.include_input,
            writer: std::sync::Mutex::new(Some(handle)),
        })
    }

    /// Whether entries carry the input text.
    pub fn include_input(&self) -> bool {
        self.include_input
    }

    /// Appends lines from async code. `Ok` when logged (required) or queued
    /// (not required); `Err` when a required entry was not written.
    pub async fn append(&self, text: String) -> Result<(), ()> {
        if self.required {
            let (written, answer) = oneshot::channel();
            self.tx.send(Entry { text, written: Some(written) }).await.map_err(|_| ())?;
            if answer.await.unwrap_or(false) {
                Ok(())
            } else {
                Err(())
            }
        } else {
            // a stopped writer has already counted and reported its failure
            let _ = self.tx.send(Entry { text, written: None }).await;
            Ok(())
        }
    }

    /// [`DecisionLog::append`] from a blocking thread (the batch sink).
    pub fn append_blocking(&self, text: String) -> Result<(), ()> {
        if self.required {
            let (written, answer) = oneshot::channel();
            self.tx.blocking_send(Entry { text, written: Some(written) }).map_err(|_| ())?;
            if answer.blocking_recv().unwrap_or(false) {
                Ok(())
            } else {
                Err(())
            }
        } else {
            let _ = self.tx.blocking_send(Entry { text, written: None });
            Ok(())
        }
    }

    /// Writes everything queued, flushes and stops the writer (at shutdown,
    /// once no request is left). Blocking.
    pub fn close(&self) {
        // the writer stops at this empty entry, after everything before it
        let _ = self.tx.blocking_send(Entry { text: String::new(), written: None });
        let handle = self.writer.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// The first free rotation number: one above the highest `NAME.N` beside the file.
fn next_rotation(path: &Path) -> u64 {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else { return 1 };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = format!("{name}.");
    let highest = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix(&prefix)?.parse::<u64>().ok())
        .max();
    highest.map_or(1, |n| n.saturating_add(1))
}

struct Writer {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    max: u64,
    next: u64,
    metrics: Arc<Metrics>,
}

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Entry>) {
        let mut group: Vec<Entry> = Vec::with_capacity(GROUP);
        let mut buffer: Vec<u8> = Vec::new();
        let mut healthy = true;
        loop {
            let Some(first) = rx.blocking_recv() else { break };
            let mut stop = first.text.is_empty() && first.written.is_none();
            if !stop {
                group.push(first);
            }
            while !stop && group.len() < GROUP {
                match rx.try_recv() {
                    Ok(entry) if entry.text.is_empty() && entry.written.is_none() => stop = true,
                    Ok(entry) => group.push(entry),
                    Err(_) => break,
                }
            }
            buffer.clear();
            for entry in &group {
                buffer.extend_from_slice(entry.text.as_bytes());
            }
            let result = self.write(&buffer);
            let lines = bytecount_lines(&buffer);
            match &result {
                Ok(()) => {
                    self.metrics.decision_log_lines.inc_by(lines);
                    if !healthy {
                        tracing::info!(path = %self.path.display(), "decision log: writing again");
                        healthy = true;
                    }
                }
                Err(error) => {
                    self.metrics.decision_log_errors.inc();
                    self.metrics.decision_log_lost.inc_by(lines);
                    // one log line per failure spell, not one per entry
                    if healthy {
                        tracing::error!(path = %self.path.display(), %error, "decision log: cannot write");
                        healthy = false;
                    }
                }
            }
            for entry in group.drain(..) {
                if let Some(written) = entry.written {
                    let _ = written.send(result.is_ok());
                }
            }
            if stop {
                break;
            }
        }
        if let Some(file) = self.file.as_mut() {
            let _ = file.flush();
            let _ = file.sync_data();
        }
    }

    /// Appends whole lines, rotating between two lines whenever the next
    /// would take the file past its size (a single longer line gets a file of
    /// its own).
    fn write(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let room = self.max.saturating_sub(self.size);
            let mut take = 0;
            for end in bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1) {
                if end as u64 > room && take > 0 {
                    break;
                }
                take = end;
                if end as u64 > room {
                    break;
                }
            }
            if take == 0 {
                take = bytes.len();
            }
            if self.size > 0 && take as u64 > room {
                if let Err(error) = self.rotate() {
                    // keep appending to the file as it is rather than lose entries
                    self.metrics.decision_log_errors.inc();
                    tracing::error!(path = %self.path.display(), %error, "decision log: cannot rotate");
                }
                // after a rotation the whole room is there again
                if self.size == 0 {
                    continue;
                }
            }
            let (now, rest) = bytes.split_at(take);
            self.append(now)?;
            bytes = rest;
        }
        Ok(())
    }

    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.file.is_none() {
            let file = open_append(&self.path)?;
            self.size = file.metadata()?.len();
            self.file = Some(file);
        }
        let Some(file) = self.file.as_mut() else { return Err(std::io::Error::other("decision log not open")) };
        match file.write_all(bytes) {
            Ok(()) => {
                self.size = self.size.saturating_add(bytes.len() as u64);
                Ok(())
            }
            Err(error) => {
                // reopen before the next write (the file may have been removed)
                self.file = None;
                Err(error)
            }
        }
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_data()?;
        }
        let mut rotated = self.path.clone().into_os_string();
        rotated.push(format!(".{}", self.next));
        std::fs::rename(&self.path, &rotated)?;
        self.next = self.next.saturating_add(1);
        self.size = 0;
        self.metrics.decision_log_rotations.inc();
        tracing::info!(path = %self.path.display(), rotated = %Path::new(&rotated).display(), "decision log rotated");
        Ok(())
    }
}

fn bytecount_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}
