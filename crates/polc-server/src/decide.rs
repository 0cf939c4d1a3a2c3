//! `POST /v1/decide`: one JSON record in, its decision out — the body is the
//! line `polc run` writes for it, written by the library's line writer.
//!
//! A record that does not match the policy's input type is 422 and malformed
//! JSON 400, both with that `error` decision line as the body (its
//! `error.path` names the field); a rule that fails at run time is a decided
//! `error` (200). None of them is ever an approval.

use crate::api::{content_type_is, error, json_text, not_ready, quoted, RequestId};
use crate::State;
use axum::body::Body;
use axum::extract::{Query, Request, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;
use polc::{LineKind, LineOptions, NaiveDate, Scratch};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The query of the decision endpoints. An unknown parameter is refused (a
/// misspelt `as_of` must not decide as of today).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DecideQuery {
    /// The evaluation date, YYYY-MM-DD (default: the server's date in Asia/Shanghai).
    pub as_of: Option<String>,
    /// Add the trace: every rule, whether it fired, and the values that decided it.
    pub explain: Option<bool>,
    /// Add `messages`: each reason code's message.
    pub messages: Option<bool>,
}

/// The query, read; or the refusal.
pub fn read_query(
    query: Result<Query<DecideQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<DecideQuery, Box<Response>> {
    match query {
        Ok(Query(query)) => Ok(query),
        Err(rejection) => Err(Box::new(error(StatusCode::BAD_REQUEST, "bad_query", rejection.body_text()))),
    }
}

/// `?as_of=`, else today in Asia/Shanghai (UTC+8 all year), as `polc run`.
pub fn as_of(query: &DecideQuery) -> Result<NaiveDate, Box<Response>> {
    match &query.as_of {
        None => Ok((chrono::Utc::now() + chrono::TimeDelta::hours(8)).date_naive()),
        Some(text) => polc_core::value::ident::parse_date(text).ok_or_else(|| {
            Box::new(error(
                StatusCode::BAD_REQUEST,
                "bad_query",
                format!("as_of {} is not a date (YYYY-MM-DD)", quoted(text)),
            ))
        }),
    }
}

/// What both decision endpoints read before deciding: the query, the date it
/// gives (or today's), and a body of one of the `accepted` content types
/// (`send` says what to send instead: 415 otherwise).
pub fn decision_request(
    query: Result<Query<DecideQuery>, axum::extract::rejection::QueryRejection>,
    headers: &HeaderMap,
    accepted: &[&str],
    send: &str,
) -> Result<(DecideQuery, NaiveDate), Box<Response>> {
    let query = read_query(query)?;
    let as_of = as_of(&query)?;
    if !content_type_is(headers, accepted) {
        return Err(Box::new(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send {send}"),
        )));
    }
    Ok((query, as_of))
}

/// Decides one record.
#[utoipa::path(post, path = "/v1/decide", params(DecideQuery),
    request_body(content = Object, content_type = "application/json", description = "One applicant record, as a line of `polc run`'s input"),
    responses(
        (status = 200, description = "The decision line (approve, refer, decline, or a rule's run-time error)", body = Object),
        (status = 400, description = "Malformed JSON (the error decision line), not UTF-8, or a bad query", body = Object),
        (status = 413, description = "The body is over --max-body-bytes", body = crate::api::ErrorBody),
        (status = 415, description = "Not application/json", body = crate::api::ErrorBody),
        (status = 422, description = "The record does not match the input type: the error decision line, naming the JSON path", body = Object),
        (status = 503, description = "Overloaded, no policy loaded, or (with --decision-log-required) the decision could not be logged", body = crate::api::ErrorBody),
    ))]
pub async fn decide(AxumState(state): AxumState<Arc<State>>, request: Request) -> Response {
    // the parts read by reference: no copy of the headers, the query parsed once
    let (parts, body) = request.into_parts();
    let query = Query::<DecideQuery>::try_from_uri(&parts.uri);
    let (query, as_of) =
        match decision_request(query, &parts.headers, &["application/json"], "the record as `application/json`") {
            Ok(request) => request,
            Err(response) => return *response,
        };
    let bytes = match read_body(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return error(StatusCode::BAD_REQUEST, "not_utf8", "the body is not UTF-8 text");
    };
    let Some(loaded) = state.current() else { return not_ready() };
    let options = LineOptions { messages: query.messages.unwrap_or(false), explain: query.explain.unwrap_or(false) };
    // the line `polc run` writes, by the library's own writer
    let mut line = String::with_capacity(1024);
    let outcome = SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => loaded.policy.decide_line_into(text, as_of, &mut scratch, options, &mut line),
        Err(_) => loaded.policy.decide_line_into(text, as_of, &mut Scratch::default(), options, &mut line),
    });
    let status = if outcome.kind == LineKind::RecordError {
        if serde_json::from_str::<serde::de::IgnoredAny>(polc::strip_bom(text)).is_err() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    } else {
        StatusCode::OK
    };
    state.metrics.count_outcome(&loaded.policy, &loaded.reasons, &outcome);
    let decision_id = state.new_id();
    if let Some(log) = &state.log {
        let request_id = parts.extensions.get::<RequestId>().map_or("", |id| id.0.as_str());
        let mut entry = String::with_capacity(line.len() + 256);
        EntryParts {
            decision_id: &decision_id,
            timestamp: &crate::now_rfc3339(),
            request_id,
            as_of,
            line: None,
            input_sha256: Some(&hex(&Sha256::digest(&bytes))),
            input: log.include_input().then_some(text),
            decision: &line,
        }
        .write(&mut entry);
        if log.append(entry).await.is_err() {
            state.metrics.refused.with_label_values(&["decision_log"]).inc();
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "decision_log_unavailable",
                "the decision could not be written to the decision log (--decision-log-required): not given",
            );
        }
    }
    let mut response = json_text(status, line);
    if let Ok(value) = HeaderValue::from_str(&decision_id) {
        response.headers_mut().insert("x-decision-id", value);
    }
    response
}

thread_local! {
    /// The evaluator's buffers, reused by the decisions made on this worker thread.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The body, at most `max` bytes (413 above, with a JSON body).
async fn read_body(body: Body, max: usize) -> Result<bytes::Bytes, Response> {
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is over {max} bytes (--max-body-bytes)"),
        )
    };
    match http_body_util::Limited::new(body, max).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(error(StatusCode::BAD_REQUEST, "bad_body", format!("cannot read the body: {e}"))),
    }
}

/// One decision log line: the decision id, when, the request, `as_of`, the
/// input line of a batch, the input's sha256 (and the input, when asked), and
/// the decision line as written.
pub struct EntryParts<'a> {
    pub decision_id: &'a str,
    pub timestamp: &'a str,
    pub request_id: &'a str,
    pub as_of: NaiveDate,
    pub line: Option<u64>,
    pub input_sha256: Option<&'a str>,
    pub input: Option<&'a str>,
    pub decision: &'a str,
}

impl EntryParts<'_> {
    /// Appends the entry, a line, to `out`.
    pub fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(
            out,
            "{{\"decision_id\":{},\"timestamp\":\"{}\",\"request_id\":{},\"as_of\":\"{}\"",
            quoted(self.decision_id),
            self.timestamp,
            quoted(self.request_id),
            self.as_of
        );
        if let Some(line) = self.line {
            let _ = write!(out, ",\"line\":{line}");
        }
        if let Some(sha) = self.input_sha256 {
            let _ = write!(out, ",\"input_sha256\":\"sha256:{sha}\"");
        }
        if let Some(input) = self.input {
            let _ = write!(out, ",\"input\":{}", quoted(input));
        }
        let _ = writeln!(out, ",\"decision\":{}}}", self.decision);
    }
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
