//! The routes: the router, the JSON error body every refusal has, and the
//! small endpoints (policy, health, readiness, metrics, OpenAPI, reload).
//! The decision endpoints are in [`crate::decide`] and [`crate::batch`].

use crate::source::{ListInfo, PolicyInfo};
use crate::{batch, decide, limit, State};
use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use utoipa::OpenApi;

/// The request id of a request (the client's `x-request-id`, or a new one).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The body of every refusal: `{"error":{"code":…,"message":…}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code: `malformed_json`, `not_utf8`,
    /// `unsupported_media_type`, `bad_query`, `payload_too_large`, `not_found`,
    /// `method_not_allowed`, `not_ready`, `overloaded`, `timeout`,
    /// `decision_log_unavailable`, `unauthorized`, `admin_disabled`,
    /// `reload_failed`, `internal`.
    pub code: String,
    /// For people, one line.
    pub message: String,
    /// A failed reload's diagnostics, as `polc check --format json` gives them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub diagnostics: Option<Vec<serde_json::Value>>,
}

/// A refusal with its JSON body.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = ErrorBody { error: ErrorDetail { code: code.to_string(), message: message.into(), diagnostics: None } };
    json_response(status, &body)
}

/// `value` as a JSON body.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(text) => json_text(status, text),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{{\"error\":{{\"code\":\"internal\",\"message\":{}}}}}", quoted(&e.to_string())),
        )
            .into_response(),
    }
}

/// JSON text as a body.
pub fn json_text(status: StatusCode, text: String) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A string as JSON.
pub fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// Whether the request's content type is `expected` (parameters such as
/// `charset=utf-8` allowed).
pub fn content_type_is(headers: &HeaderMap, expected: &[&str]) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or("").trim();
    expected.iter().any(|e| essence.eq_ignore_ascii_case(e))
}

/// The refusal of a decision request while no policy is loaded.
pub fn not_ready() -> Response {
    error(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "no policy is loaded yet")
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "polc decision service",
        description = "Underwriting decisions by a .pol policy: approve, refer or decline, with reason codes. A decision is exactly the JSON line `polc run` writes for the record."
    ),
    paths(decide::decide, batch::decide_batch, policy, reload, healthz, readyz, metrics, openapi),
    components(schemas(PolicyInfo, ListInfo, ErrorBody, ErrorDetail))
)]
struct ApiDoc;

/// The application.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/v1/decide", post(decide::decide))
        .route("/v1/decide/batch", post(batch::decide_batch))
        .route("/v1/policy", get(policy))
        .route("/v1/admin/reload", post(reload))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), limit::observe))
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    error(StatusCode::NOT_FOUND, "not_found", format!("no route `{}`: see /openapi.json", uri.path()))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("`{method}` is not a method of `{}`", uri.path()),
    )
}

/// What is being served.
#[utoipa::path(get, path = "/v1/policy", responses(
    (status = 200, description = "The policy served: name, version, hashes, lists, loaded-at", body = PolicyInfo),
    (status = 503, description = "No policy loaded yet", body = ErrorBody),
))]
async fn policy(AxumState(state): AxumState<Arc<State>>) -> Response {
    match state.current() {
        Some(loaded) => json_response(StatusCode::OK, &*loaded.info),
        None => not_ready(),
    }
}

/// Recompiles the policy and its lists and swaps them in; requests in flight
/// finish on the version they started with. A failure keeps the old version.
#[utoipa::path(post, path = "/v1/admin/reload", responses(
    (status = 200, description = "Reloaded: what is served now", body = PolicyInfo),
    (status = 401, description = "No or wrong bearer token", body = ErrorBody),
    (status = 403, description = "Admin endpoints are off (no --admin-token-file)", body = ErrorBody),
    (status = 422, description = "The new version does not load; the old one is still served", body = ErrorBody),
))]
async fn reload(AxumState(state): AxumState<Arc<State>>, headers: HeaderMap) -> Response {
    let Some(token) = &state.config.admin_token else {
        return error(
            StatusCode::FORBIDDEN,
            "admin_disabled",
            "admin endpoints are off: start with --admin-token-file",
        );
    };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|given| same_secret(given.trim().as_bytes(), token.as_bytes())) {
        let mut response =
            error(StatusCode::UNAUTHORIZED, "unauthorized", "a valid `Authorization: Bearer` token is needed");
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    let server = crate::Server { state: Arc::clone(&state) };
    match server.reload().await {
        Ok(info) => json_response(StatusCode::OK, &*info),
        Err(failure) => {
            let body = ErrorBody {
                error: ErrorDetail {
                    code: "reload_failed".into(),
                    message: format!("{}; still serving the previous version", failure.message),
                    diagnostics: Some(failure.diagnostics),
                },
            };
            json_response(StatusCode::UNPROCESSABLE_ENTITY, &body)
        }
    }
}

/// Compares two secrets in time that depends on their lengths only.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Alive")))]
async fn healthz() -> Response {
    json_text(StatusCode::OK, "{\"status\":\"ok\"}".into())
}

/// Readiness: a policy is loaded and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", responses(
    (status = 200, description = "Ready: a policy is loaded"),
    (status = 503, description = "No policy loaded yet, or shutting down", body = ErrorBody),
))]
async fn readyz(AxumState(state): AxumState<Arc<State>>) -> Response {
    if state.draining.load(Ordering::SeqCst) {
        return error(StatusCode::SERVICE_UNAVAILABLE, "shutting_down", "the server is shutting down");
    }
    match state.current() {
        Some(loaded) => json_text(
            StatusCode::OK,
            format!("{{\"status\":\"ready\",\"policy_hash\":{}}}", quoted(&loaded.info.policy_hash)),
        ),
        None => not_ready(),
    }
}

/// Prometheus metrics, in the text exposition format.
#[utoipa::path(get, path = "/metrics", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(AxumState(state): AxumState<Arc<State>>) -> Response {
    let mut response = (StatusCode::OK, state.metrics.render()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", responses((status = 200, description = "The OpenAPI 3.1 document")))]
async fn openapi() -> Response {
    json_response(StatusCode::OK, &ApiDoc::openapi())
}
