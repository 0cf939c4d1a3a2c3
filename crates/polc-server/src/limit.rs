//! The middleware, one layer: every request is given a request id, counted
//! and timed; decision requests are also held to the concurrency limit
//! (refused with 503 when it is full, never queued without bound) and to the
//! request timeout ([`observe`]).

use crate::api::{error, RequestId};
use crate::{metrics, State};
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// A request id given by the client is kept when it is short and plain
/// (at most 128 of `A-Z a-z 0-9 . _ : -`), otherwise a new one is made.
fn client_request_id(request: &Request) -> Option<String> {
    let value = request.headers().get("x-request-id")?.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
    (!value.is_empty() && value.len() <= 128 && value.chars().all(plain)).then(|| value.to_string())
}

/// The one middleware of every route: a request id; the metrics (count by
/// route and status, latency, in flight); for the decision routes, the
/// concurrency limit and the request timeout; and a debug log line.
pub async fn observe(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let route = metrics::route_index(request.extensions().get::<MatchedPath>().map(MatchedPath::as_str));
    let id = client_request_id(&request).unwrap_or_else(|| state.new_id());
    request.extensions_mut().insert(RequestId(id.clone()));
    let method = request.method().clone();
    state.metrics.in_flight.inc();
    let mut response =
        if route == DECIDE || route == BATCH { limit(&state, request, next).await } else { next.run(request).await };
    state.metrics.in_flight.dec();
    let elapsed = started.elapsed();
    let status = response.status();
    state.metrics.count_request(route, status, elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let route = metrics::ROUTES.get(route).copied().unwrap_or("unmatched");
    if status.is_server_error() {
        tracing::warn!(request_id = %id, %method, route, status = status.as_u16(), micros = elapsed.as_micros() as u64, "request failed");
    } else {
        tracing::debug!(request_id = %id, %method, route, status = status.as_u16(), micros = elapsed.as_micros() as u64, "request");
    }
    response
}

/// The indices of the decision routes in [`metrics::ROUTES`].
const DECIDE: usize = 0;
const BATCH: usize = 1;

/// The concurrency limit and the request timeout, for the decision routes.
async fn limit(state: &State, request: Request, next: Next) -> Response {
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
