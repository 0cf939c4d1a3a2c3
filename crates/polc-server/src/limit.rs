//! The middleware: every request is given a request id, counted and timed
//! ([`observe`]); decision requests are also held to the concurrency limit
//! (refused with 503 when it is full, never queued without bound) and to the
//! request timeout ([`limit`]).

use crate::api::{error, RequestId};
use crate::State;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The routes, as metric labels (a fixed set: an unknown path is `unmatched`).
fn route_label(path: Option<&str>) -> &'static str {
    match path {
        Some("/v1/decide") => "/v1/decide",
        Some("/v1/decide/batch") => "/v1/decide/batch",
        Some("/v1/policy") => "/v1/policy",
        Some("/v1/admin/reload") => "/v1/admin/reload",
        Some("/healthz") => "/healthz",
        Some("/readyz") => "/readyz",
        Some("/metrics") => "/metrics",
        Some("/openapi.json") => "/openapi.json",
        _ => "unmatched",
    }
}

/// A request id given by the client is kept when it is short and plain
/// (at most 128 of `A-Z a-z 0-9 . _ : -`), otherwise a new one is made.
fn client_request_id(request: &Request) -> Option<String> {
    let value = request.headers().get("x-request-id")?.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
    (!value.is_empty() && value.len() <= 128 && value.chars().all(plain)).then(|| value.to_string())
}

/// Request id, metrics (count by route and status, latency, in flight) and a
/// debug log line for every request.
pub async fn observe(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let route = route_label(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str));
    let id = client_request_id(&request).unwrap_or_else(|| state.new_id());
    request.extensions_mut().insert(RequestId(id.clone()));
    let method = request.method().clone();
    state.metrics.in_flight.inc();
    let mut response = next.run(request).await;
    state.metrics.in_flight.dec();
    let elapsed = started.elapsed();
    let status = response.status();
    state.metrics.latency.with_label_values(&[route]).observe(elapsed.as_secs_f64());
    state.metrics.requests.with_label_values(&[route, status.as_str()]).inc();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    if status.is_server_error() {
        tracing::warn!(request_id = %id, %method, route, status = status.as_u16(), micros = elapsed.as_micros() as u64, "request failed");
    } else {
        tracing::debug!(request_id = %id, %method, route, status = status.as_u16(), micros = elapsed.as_micros() as u64, "request");
    }
    response
}

/// The concurrency limit and the request timeout, for the decision routes.
pub async fn limit(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = state.decisions.try_acquire() else {
        state.metrics.refused.with_label_values(&["overloaded"]).inc();
        let mut response = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            format!("the server is handling {} requests, its limit: retry", state.config.max_concurrency),
        );
        response.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
        return response;
    };
    match tokio::time::timeout(state.config.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => error(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!("the request took longer than {} ms", state.config.request_timeout.as_millis()),
        ),
    }
}
