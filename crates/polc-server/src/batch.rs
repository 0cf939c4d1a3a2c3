//! `POST /v1/decide/batch`: a JSONL body streamed in, decision lines streamed
//! out in input order, one line per input line — the library's batch runner
//! between two bounded channels, so memory does not grow with the body.
//!
//! ```text
//! request body ──frames──▶ [channel] ──Read──▶ Batch::run_jsonl ──pieces──▶ [channel] ──▶ response body
//!   (async task: size limit, idle timeout)      (blocking thread)   │
//!                                                                   └──▶ decision log (and metrics)
//! ```
//!
//! The status is sent before the first decision, so a failure later (the body
//! over --max-batch-bytes, a stalled client, an unwritable required decision
//! log) cannot change it: the response body is cut off instead, and the client
//! sees an incomplete chunked body, never a short one that looks whole.

use crate::api::{error, not_ready, RequestId};
use crate::decide::{decision_request, hex, DecideQuery};
use crate::State;
use axum::body::Body;
use axum::extract::{Query, State as AxumState};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use bytes::Bytes;
use http_body_util::BodyExt;
use polc::{BatchError, DecidedLines, DecisionSink, NaiveDate};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The content types of a JSONL body.
const JSONL: &[&str] =
    &["application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-lines"];

/// Chunks buffered each way at most.
const CHUNKS: usize = 16;

/// Decides a JSONL body, streaming.
#[utoipa::path(post, path = "/v1/decide/batch", params(DecideQuery),
    request_body(content = String, content_type = "application/x-ndjson", description = "JSON Lines: one applicant record a line"),
    responses(
        (status = 200, description = "One decision line per input line, in order (application/x-ndjson), streamed", content_type = "application/x-ndjson"),
        (status = 400, description = "A bad query (explain and messages are for /v1/decide)", body = crate::api::ErrorBody),
        (status = 413, description = "Content-Length over --max-batch-bytes", body = crate::api::ErrorBody),
        (status = 415, description = "Not a JSONL content type", body = crate::api::ErrorBody),
        (status = 503, description = "Too many batches at once, or no policy loaded", body = crate::api::ErrorBody),
    ))]
pub async fn decide_batch(
    AxumState(state): AxumState<Arc<State>>,
    Extension(request_id): Extension<RequestId>,
    query: Result<Query<DecideQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (query, as_of) = match decision_request(query, &headers, JSONL, "JSON Lines as `application/x-ndjson`") {
        Ok(request) => request,
        Err(response) => return *response,
    };
    if query.explain == Some(true) || query.messages == Some(true) {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_query",
            "explain and messages are given one record at a time: use /v1/decide",
        );
    }
    let max = state.config.max_batch_bytes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is over {max} bytes (--max-batch-bytes)"),
        );
    }
    let Some(loaded) = state.current() else { return not_ready() };
    let Ok(permit) = Arc::clone(&state.batches).try_acquire_owned() else {
        state.metrics.refused.with_label_values(&["overloaded"]).inc();
        let mut response = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            format!("{} batches are streaming, the limit: retry", state.config.max_batches),
        );
        response.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
        return response;
    };
    let batch = match loaded.batch(as_of) {
        Ok(batch) => batch,
        Err(e) => {
            tracing::error!(request_id = %request_id.0, error = %e, "batch refused: cannot start its worker threads");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                format!("cannot start the batch worker threads: {e}"),
            );
        }
    };
    let (in_tx, in_rx) = mpsc::channel(CHUNKS);
    tokio::spawn(forward(body, in_tx, max, state.config.request_timeout));
    let (out_tx, out_rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS);
    let run_state = Arc::clone(&state);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let (tap_tx, tap_rx) = std::sync::mpsc::channel();
        let log = run_state.log.as_ref();
        let tap = log.map(|log| Tap::new(tap_tx, log.include_input(), loaded.policy.record_limits().max_line_bytes));
        let reader = BodyReader { rx: in_rx, chunk: Bytes::new(), tap };
        let mut sink = Sink {
            state: &run_state,
            loaded: &loaded,
            out: out_tx.clone(),
            inputs: tap_rx,
            request_id: &request_id.0,
            as_of,
            log_failed: false,
        };
        let result = batch.run_jsonl(reader, &mut sink);
        let log_failed = sink.log_failed;
        match result {
            Ok(summary) => {
                run_state.metrics.batch_records.observe(summary.records as f64);
                tracing::info!(request_id = %request_id.0, records = summary.records, approve = summary.approve,
                    refer = summary.refer, decline = summary.decline, errors = summary.errors(), "batch decided");
            }
            Err(BatchError::Read(e)) => {
                tracing::warn!(request_id = %request_id.0, error = %e, "batch stopped: cannot read the body");
                let _ = out_tx.blocking_send(Err(e));
            }
            Err(e) => {
                if log_failed {
                    run_state.metrics.refused.with_label_values(&["decision_log"]).inc();
                    tracing::error!(request_id = %request_id.0, "batch stopped: the decision log cannot be written (--decision-log-required)");
                    let _ = out_tx.blocking_send(Err(std::io::Error::other("the decision log cannot be written")));
                } else {
                    tracing::info!(request_id = %request_id.0, error = %e, "batch stopped: the client went away");
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(out_rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let mut response = (StatusCode::OK, Body::from_stream(stream)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"));
    response
}

/// Moves the request body's data into the channel, stopping with an error at
/// `max` bytes or when no data came for `idle`.
async fn forward(mut body: Body, tx: mpsc::Sender<std::io::Result<Bytes>>, max: u64, idle: std::time::Duration) {
    let mut total: u64 = 0;
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => {
                Err(std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no data for {} ms", idle.as_millis())))
            }
            Ok(None) => return,
            Ok(Some(Err(e))) => Err(std::io::Error::other(e)),
            Ok(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => {
                    total = total.saturating_add(data.len() as u64);
                    if total > max {
                        Err(std::io::Error::other(format!("the body is over {max} bytes (--max-batch-bytes)")))
                    } else {
                        Ok(data)
                    }
                }
                Err(_) => continue, // trailers
            },
        };
        let stop = frame.is_err();
        if tx.send(frame).await.is_err() || stop {
            return;
        }
    }
}

/// The body as a `Read`, for the batch runner (on a blocking thread).
struct BodyReader {
    rx: mpsc::Receiver<std::io::Result<Bytes>>,
    chunk: Bytes,
    tap: Option<Tap>,
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) => return Err(e),
                None => {
                    if let Some(tap) = &mut self.tap {
                        tap.end();
                    }
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.chunk.len());
        let taken = self.chunk.split_to(n);
        if let Some(tap) = &mut self.tap {
            tap.feed(&taken);
        }
        if let Some(out) = buf.get_mut(..n) {
            out.copy_from_slice(&taken);
        }
        Ok(n)
    }
}

/// What the decision log records of one input line.
struct LineInput {
    sha256: String,
    text: Option<String>,
}

/// Splits the body into lines as the batch runner does (at `\n`, a final
/// `\r` not part of the record) and hashes each, for the decision log.
struct Tap {
    tx: std::sync::mpsc::Sender<LineInput>,
    hasher: Sha256,
    text: Option<Vec<u8>>,
    keep: usize,
    pending_cr: bool,
    started: bool,
}

impl Tap {
    fn new(tx: std::sync::mpsc::Sender<LineInput>, include_input: bool, keep: usize) -> Tap {
        Tap { tx, hasher: Sha256::new(), text: include_input.then(Vec::new), keep, pending_cr: false, started: false }
    }

    fn add(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.started = true;
        if std::mem::take(&mut self.pending_cr) {
            // the `\r` held back was inside the line after all
            self.push(b"\r");
        }
        let (body, cr) = match bytes.strip_suffix(b"\r") {
            Some(body) => (body, true),
            None => (bytes, false),
        };
        self.push(body);
        self.pending_cr = cr;
    }

    fn push(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        if let Some(text) = &mut self.text {
            let room = self.keep.saturating_sub(text.len());
            text.extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
        }
    }

    fn feed(&mut self, mut bytes: &[u8]) {
        while let Some(at) = bytes.iter().position(|&b| b == b'\n') {
            let (line, rest) = bytes.split_at(at);
            self.add(line);
            self.finish();
            bytes = rest.get(1..).unwrap_or_default();
        }
        self.add(bytes);
    }

    fn finish(&mut self) {
        let hasher = std::mem::replace(&mut self.hasher, Sha256::new());
        let text = self.text.as_mut().map(|t| String::from_utf8_lossy(&std::mem::take(t)).into_owned());
        let _ = self.tx.send(LineInput { sha256: hex(&hasher.finalize()), text });
        self.pending_cr = false;
        self.started = false;
    }

    fn end(&mut self) {
        if self.started || self.pending_cr {
            self.finish();
        }
    }
}

/// Counts, logs and forwards each piece of decision lines.
struct Sink<'a> {
    state: &'a State,
    loaded: &'a crate::Loaded,
    out: mpsc::Sender<Result<Bytes, std::io::Error>>,
    inputs: std::sync::mpsc::Receiver<LineInput>,
    request_id: &'a str,
    as_of: NaiveDate,
    log_failed: bool,
}

impl DecisionSink for Sink<'_> {
    fn write(&mut self, lines: &DecidedLines<'_>) -> std::io::Result<()> {
        self.state.metrics.count_lines(&self.loaded.policy, lines.outcomes);
        if let Some(log) = &self.state.log {
            let timestamp = crate::now_rfc3339();
            let mut entries = String::with_capacity(lines.text.len() * 2);
            for (i, line) in lines.text.lines().enumerate() {
                let input = self.inputs.try_recv().ok();
                let parts = crate::decide::EntryParts {
                    decision_id: &self.state.new_id(),
                    timestamp: &timestamp,
                    request_id: self.request_id,
                    as_of: self.as_of,
                    line: Some(lines.first_line + i as u64),
                    input_sha256: input.as_ref().map(|i| i.sha256.as_str()),
                    input: input.as_ref().and_then(|i| i.text.as_deref()),
                    decision: line,
                };
                parts.write(&mut entries);
            }
            if log.append_blocking(entries).is_err() {
                self.log_failed = true;
                return Err(std::io::Error::other("the decision log cannot be written"));
            }
        }
        self.out
            .blocking_send(Ok(Bytes::copy_from_slice(lines.text.as_bytes())))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}
