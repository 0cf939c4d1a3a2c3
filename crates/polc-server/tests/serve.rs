//! The decision service over real HTTP: each test starts a server on a
//! loopback port (127.0.0.1:0) and calls it with an HTTP client.

use polc_server::{DecisionLogConfig, PolicySource, Server, ServerConfig};
use std::path::{Path, PathBuf};
use std::time::Duration;

const DEMO: &str = r#"policy demo version "VERSION"
record Applicant { id: String, id_number: IdCard, age: Int }
input applicant: Applicant
list fraud_ids: IdCard from "fraud_ids.txt"
rule A01 "too young" decline when applicant.age < 18
rule F01 "on the fraud list" decline when applicant.id_number in fraud_ids
"#;

const FRAUD: &str = "110100198511200248\n";
const GOOD: &str = r#"{"id":"X1","id_number":"110100199003070138","age":30}"#;
const YOUNG: &str = r#"{"id":"X2","id_number":"110100199003070138","age":17}"#;
const FRAUDSTER: &str = r#"{"id":"X3","id_number":"110100198511200248","age":40}"#;

/// A running server, its address and its shutdown switch.
struct Running {
    base: String,
    server: Server,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<ServeTask>,
    dir: tempfile::TempDir,
    client: reqwest::Client,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn policy_path(&self) -> PathBuf {
        self.dir.path().join("demo.pol")
    }

    async fn post(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client.post(self.url(path)).header("content-type", content_type).body(body).send().await.expect("sent")
    }

    async fn decide(&self, record: &str) -> (u16, serde_json::Value) {
        let response = self.post("/v1/decide?as_of=2026-11-22", "application/json", record.to_string()).await;
        let status = response.status().as_u16();
        (status, serde_json::from_str(&response.text().await.expect("a body")).expect("a JSON body"))
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self.client.get(self.url(path)).send().await.expect("sent");
        (response.status().as_u16(), response.text().await.expect("a body"))
    }

    async fn stop(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("joined").expect("served");
        }
        self.dir
    }
}

fn write_demo(dir: &Path, version: &str) {
    std::fs::write(dir.join("demo.pol"), DEMO.replace("VERSION", version)).expect("written");
}

async fn start_with(configure: impl FnOnce(&mut ServerConfig, &Path), load: bool) -> Running {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_demo(dir.path(), "1");
    std::fs::write(dir.path().join("fraud_ids.txt"), FRAUD).expect("written");
    let mut source = PolicySource::new(dir.path().join("demo.pol"));
    source.batch_threads = Some(2);
    let mut config = ServerConfig::new(source);
    config.admin_token = Some("s3cret".into());
    configure(&mut config, dir.path());
    let server = Server::new(config).expect("a server");
    if load {
        server.reload().await.expect("the policy loads");
    }
    let (base, stop, task) = listen(&server).await;
    Running { base, server, stop: Some(stop), task: Some(task), dir, client: reqwest::Client::new() }
}

/// `server` serving plain HTTP on a free loopback port: its base URL, the
/// sender that stops it, and the serving task.
async fn listen(server: &Server) -> (String, tokio::sync::oneshot::Sender<()>, ServeTask) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = server.clone();
    let task = tokio::spawn(async move {
        serving
            .serve(listener, async move {
                let _ = stopped.await;
            })
            .await
    });
    (base, stop, task)
}

type ServeTask = tokio::task::JoinHandle<std::io::Result<()>>;

async fn start() -> Running {
    start_with(|_, _| {}, true).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decide_gives_the_decision_line_of_the_library() {
    let s = start().await;
    let policy = polc::Policy::from_file(&s.policy_path(), &polc::FsLoader).expect("compiles");
    let as_of = polc::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
    for (record, decision) in [(GOOD, "approve"), (YOUNG, "decline"), (FRAUDSTER, "decline")] {
        let response = s.post("/v1/decide?as_of=2026-11-22", "application/json", record.to_string()).await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert!(response.headers().contains_key("x-decision-id"));
        let text = response.text().await.expect("a body");
        assert_eq!(text, policy.decide_json_line(record, as_of), "the body is the library's line");
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(value["decision"], decision);
        assert_eq!(value["as_of"], "2026-11-22");
    }
    let (_, young) = s.decide(YOUNG).await;
    assert_eq!(young["reasons"], serde_json::json!(["A01"]));
    // explain and messages
    let response =
        s.post("/v1/decide?as_of=2026-11-22&explain=true&messages=true", "application/json", YOUNG.to_string()).await;
    let value: serde_json::Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    assert_eq!(value["messages"]["A01"], "too young");
    assert_eq!(value["trace"]["rules"][0]["code"], "A01");
    assert_eq!(value["trace"]["rules"][0]["fired"], true);
    // without as_of: today in Asia/Shanghai
    let response = s.post("/v1/decide", "application/json", GOOD.to_string()).await;
    let value: serde_json::Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    let today = (chrono::Utc::now() + chrono::TimeDelta::hours(8)).date_naive().to_string();
    assert_eq!(value["as_of"], today);
    // a request id given is echoed, one made up otherwise
    let response = s
        .client
        .post(s.url("/v1/decide"))
        .header("content-type", "application/json; charset=utf-8")
        .header("x-request-id", "req-42")
        .body(GOOD)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["x-request-id"], "req-42");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_clear_json_error_and_never_an_approval() {
    let s = start_with(|c, _| c.max_body_bytes = 4096, true).await;
    // a record that does not match: 422, the error line naming the path
    let (status, body) = s.decide(r#"{"id":"X9","id_number":"110100199003070138","age":"old"}"#).await;
    assert_eq!(status, 422);
    assert_eq!(body["decision"], "error");
    assert_eq!(body["error"]["path"], "age");
    assert_eq!(body["id"], "X9");
    // malformed JSON: 400, an error line too
    let (status, body) = s.decide(r#"{"id":"X9", "age": 3"#).await;
    assert_eq!(status, 400);
    assert_eq!(body["decision"], "error");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    for (path, content_type, body, status, code) in [
        ("/v1/decide", "text/plain", GOOD.to_string(), 415, "unsupported_media_type"),
        ("/v1/decide?as_of=2026-13-01", "application/json", GOOD.to_string(), 400, "bad_query"),
        ("/v1/decide?asof=2026-11-01", "application/json", GOOD.to_string(), 400, "bad_query"),
        ("/v1/decide?explain=maybe", "application/json", GOOD.to_string(), 400, "bad_query"),
        ("/v1/decide", "application/json", format!("{{\"id\":\"{}\"}}", "x".repeat(5000)), 413, "payload_too_large"),
        ("/v1/nope", "application/json", GOOD.to_string(), 404, "not_found"),
        ("/v1/decide/batch", "application/json", GOOD.to_string(), 415, "unsupported_media_type"),
        ("/v1/decide/batch?explain=true", "application/x-ndjson", GOOD.to_string(), 400, "bad_query"),
    ] {
        let response = s.post(path, content_type, body).await;
        assert_eq!(response.status().as_u16(), status, "{path} {content_type}");
        let value: serde_json::Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
        assert_eq!(value["error"]["code"], code, "{path}");
        assert!(value["error"]["message"].as_str().is_some_and(|m| !m.is_empty() && !m.ends_with('.')));
    }
    // not UTF-8
    let response = s.post("/v1/decide", "application/json", vec![b'{', 0xff, b'}']).await;
    assert_eq!(response.status().as_u16(), 400);
    // a method a route does not have
    let response = s.client.get(s.url("/v1/decide")).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 405);
    let (status, body) = s.get("/v1/decide/nothing").await;
    assert_eq!((status, body.contains("not_found")), (404, true));
    // a deep record is refused by the record limits, not by a stack overflow
    let deep = format!("{{\"id\":\"D\",\"x\":{}{}}}", "[".repeat(1000), "]".repeat(1000));
    let (status, body) = s.decide(&deep).await;
    assert!(status == 400 || status == 422, "{status}");
    assert_eq!(body["decision"], "error");
    // the server still answers
    assert_eq!(s.decide(GOOD).await.0, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_small_endpoints() {
    let s = start_with(|_, _| {}, false).await;
    assert_eq!(s.get("/healthz").await.0, 200);
    let (status, body) = s.get("/readyz").await;
    assert_eq!((status, body.contains("not_ready")), (503, true), "not ready before a policy is loaded");
    assert_eq!(s.decide(GOOD).await.0, 503);
    assert_eq!(s.get("/v1/policy").await.0, 503);
    s.server.reload().await.expect("loads");
    assert_eq!(s.get("/readyz").await.0, 200);
    let (status, body) = s.get("/v1/policy").await;
    assert_eq!(status, 200);
    let info: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!((info["name"].as_str(), info["version"].as_str()), (Some("demo"), Some("1")));
    assert!(info["policy_hash"].as_str().is_some_and(|h| h.starts_with("sha256:")));
    assert_eq!(info["lists"]["fraud_ids"]["entries"], 1);
    assert!(info["lists"]["fraud_ids"]["hash"].as_str().is_some_and(|h| h.starts_with("sha256:")));
    assert!(info["loaded_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(info["reason_codes"], serde_json::json!(["A01", "F01"]));
    s.decide(YOUNG).await;
    s.decide(GOOD).await;
    let (status, metrics) = s.get("/metrics").await;
    assert_eq!(status, 200);
    for expected in [
        "polc_decisions_total{decision=\"decline\"} 1",
        "polc_decisions_total{decision=\"approve\"} 1",
        "polc_decision_reasons_total{reason=\"A01\"} 1",
        "polc_http_requests_total{route=\"/v1/decide\",status=\"503\"} 1",
        "polc_http_request_duration_seconds_bucket{route=\"/v1/decide\"",
        "polc_reloads_total{result=\"success\"} 1",
    ] {
        assert!(metrics.contains(expected), "{expected} in\n{metrics}");
    }
    let (status, openapi) = s.get("/openapi.json").await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&openapi).expect("JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in ["/v1/decide", "/v1/decide/batch", "/v1/policy", "/v1/admin/reload", "/healthz", "/readyz", "/metrics"]
    {
        assert!(doc["paths"][path].is_object(), "{path} in the OpenAPI document");
    }
    assert!(doc["paths"]["/v1/decide"]["post"]["responses"]["422"].is_object());
    s.stop().await;
}

/// The value of one series in Prometheus text (0 when absent).
fn metric(metrics: &str, series: &str) -> u64 {
    metrics.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decide_bodies_are_the_library_lines_byte_for_byte_and_counted() {
    // the example policy: levels, scores, an offer, outputs, lists; the example records
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("policies/consumer_loan.pol");
    let server = Server::new(ServerConfig::new(PolicySource::new(path.clone()))).expect("a server");
    server.reload().await.expect("the policy loads");
    let (base, stop, task) = listen(&server).await;
    let policy = polc::Policy::from_file(&path, &polc::FsLoader).expect("compiles");
    let as_of = polc::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
    let text = std::fs::read_to_string(root.join("examples/applicants.jsonl")).expect("the example records");
    let mut records: Vec<String> = text.lines().take(150).map(String::from).collect();
    // error bodies: a field of the wrong type (422), malformed JSON (400), not a record (422)
    records.push(text.lines().next().expect("a record").replace(r#""credit_score":841"#, r#""credit_score":"high""#));
    records.push(r#"{"id":"E2", "credit_score": "#.into());
    records.push("[1,2]".into());
    let client = reqwest::Client::new();
    let (mut approve, mut refer, mut decline, mut error, mut ok, mut unprocessable, mut bad) = (0, 0, 0, 0, 0, 0, 0);
    let mut kinds = std::collections::BTreeSet::new();
    let mut reasons = std::collections::BTreeMap::<String, u64>::new();
    for record in &records {
        for (query, options) in [
            ("", polc::LineOptions { messages: false, explain: false }),
            ("&explain=true", polc::LineOptions { messages: false, explain: true }),
            ("&messages=true", polc::LineOptions { messages: true, explain: false }),
            ("&explain=true&messages=true", polc::LineOptions { messages: true, explain: true }),
        ] {
            let response = client
                .post(format!("{base}/v1/decide?as_of=2026-11-22{query}"))
                .header("content-type", "application/json")
                .body(record.clone())
                .send()
                .await
                .expect("sent");
            let status = response.status().as_u16();
            let body = response.text().await.expect("a body");
            let verdict = policy.decide_json_with(record, as_of, options);
            let expected = serde_json::to_string(&verdict).expect("a line");
            assert_eq!(body, expected, "{record}{query}: the body is the library's line");
            if query.is_empty() {
                assert_eq!(body, policy.decide_json_line(record, as_of), "{record}: the line `polc run` writes");
            }
            let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            let decision = value["decision"].as_str().expect("a decision").to_string();
            match (decision.as_str(), status) {
                ("approve", 200) => approve += 1,
                ("refer", 200) => refer += 1,
                ("decline", 200) => decline += 1,
                ("error", 422) => (error, unprocessable) = (error + 1, unprocessable + 1),
                ("error", 400) => (error, bad) = (error + 1, bad + 1),
                other => panic!("{record}{query}: {other:?}"),
            }
            if status == 200 {
                ok += 1;
            }
            kinds.insert(decision);
            for code in value["reasons"].as_array().into_iter().flatten() {
                *reasons.entry(code.as_str().expect("a code").to_string()).or_default() += 1;
            }
        }
    }
    assert!(kinds.len() >= 3, "the records exercise several decisions: {kinds:?}");
    assert_eq!((unprocessable, bad), (8, 4), "two records that do not match, one malformed, four ways each");
    // the counters, looked up once and kept, count every request
    let metrics = client.get(format!("{base}/metrics")).send().await.expect("sent").text().await.expect("a body");
    for (series, n) in [
        ("polc_decisions_total{decision=\"approve\"}", approve),
        ("polc_decisions_total{decision=\"refer\"}", refer),
        ("polc_decisions_total{decision=\"decline\"}", decline),
        ("polc_decisions_total{decision=\"error\"}", error),
        ("polc_decision_errors_total{kind=\"record\"}", error),
        ("polc_http_requests_total{route=\"/v1/decide\",status=\"200\"}", ok),
        ("polc_http_requests_total{route=\"/v1/decide\",status=\"422\"}", unprocessable),
        ("polc_http_requests_total{route=\"/v1/decide\",status=\"400\"}", bad),
        ("polc_http_request_duration_seconds_count{route=\"/v1/decide\"}", ok + unprocessable + bad),
    ] {
        assert_eq!(metric(&metrics, series), n, "{series} in\n{metrics}");
    }
    assert!(reasons.len() >= 3, "{reasons:?}");
    for (code, n) in &reasons {
        let series = format!("polc_decision_reasons_total{{reason=\"{code}\"}}");
        assert_eq!(metric(&metrics, &series), *n, "{series} in\n{metrics}");
    }
    let _ = stop.send(());
    task.await.expect("joined").expect("served");
}

/// JSONL text of `n` records, every third declined.
fn records(n: usize) -> String {
    (0..n)
        .map(|i| {
            let age = if i % 3 == 0 { 16 } else { 30 };
            format!("{{\"id\":\"B{i}\",\"id_number\":\"110100199003070138\",\"age\":{age}}}\n")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_streams_one_line_per_input_line_in_order() {
    let s = start().await;
    // the workspace's reference policy and its examples: the library's lines exactly
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let policy_path = root.join("policies/consumer_loan.pol");
    let input = std::fs::read_to_string(root.join("examples/applicants.jsonl")).expect("examples");
    let mut source = PolicySource::new(&policy_path);
    source.batch_threads = Some(2);
    let reference = Server::new(ServerConfig::new(source)).expect("a server");
    reference.reload().await.expect("loads");
    let (base, stop, task) = listen(&reference).await;
    let response = s
        .client
        .post(format!("{base}/v1/decide/batch?as_of=2026-11-22"))
        .header("content-type", "application/x-ndjson")
        .body(input.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.expect("a body");
    let policy = polc::Policy::from_file(&policy_path, &polc::FsLoader).expect("compiles");
    let as_of = polc::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
    let expected: Vec<String> = input.lines().map(|l| policy.decide_json_line(l, as_of)).collect();
    let got: Vec<&str> = text.lines().collect();
    assert_eq!(got.len(), expected.len());
    for (i, (got, expected)) in got.iter().zip(&expected).enumerate() {
        // error lines of a batch carry their line number
        if expected.contains("\"decision\":\"error\"") {
            assert!(got.contains(&format!("\"line\":{}", i + 1)), "{got}");
        } else {
            assert_eq!(got, expected, "line {}", i + 1);
        }
    }
    // single decisions agree with the batch's lines
    for line in input.lines().take(20) {
        let response = s
            .client
            .post(format!("{base}/v1/decide?as_of=2026-11-22"))
            .header("content-type", "application/json")
            .body(line.to_string())
            .send()
            .await
            .expect("sent");
        assert_eq!(response.text().await.expect("a body"), policy.decide_json_line(line, as_of));
    }
    let _ = stop.send(());
    task.await.expect("joined").expect("served");

    // a body streamed in pieces that split lines, bad lines among them
    let body = format!("{}not json\n\n{}", records(5000), records(3));
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> = body.as_bytes().chunks(777).map(|c| Ok(c.to_vec())).collect();
    let stream = futures_util::stream::iter(pieces);
    let response = s
        .client
        .post(s.url("/v1/decide/batch?as_of=2026-11-22"))
        .header("content-type", "application/x-ndjson")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("sent");
    let text = response.text().await.expect("a body");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(lines.len(), 5005);
    assert_eq!(lines[0]["id"], "B0");
    assert_eq!(lines[0]["decision"], "decline");
    assert_eq!(lines[4999]["id"], "B4999");
    assert_eq!((lines[5000]["decision"].as_str(), lines[5000]["line"].as_u64()), (Some("error"), Some(5001)));
    assert_eq!((lines[5001]["decision"].as_str(), lines[5001]["line"].as_u64()), (Some("error"), Some(5002)));
    assert_eq!(lines[5004]["id"], "B2");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_over_its_size_is_cut_off_never_shortened_silently() {
    let s = start_with(|c, _| c.max_batch_bytes = 100_000, true).await;
    let body = records(10_000);
    // declared too large: 413 before anything is decided
    let response = s.post("/v1/decide/batch", "application/x-ndjson", body.clone()).await;
    assert_eq!(response.status().as_u16(), 413);
    // streamed without a length: the response is cut off with an error
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> = body.as_bytes().chunks(4096).map(|c| Ok(c.to_vec())).collect();
    let response = s
        .client
        .post(s.url("/v1/decide/batch"))
        .header("content-type", "application/x-ndjson")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(pieces)))
        .send()
        .await;
    match response {
        // the usual case: the decisions so far, then the response is cut off
        Ok(response) => {
            assert_eq!(response.status().as_u16(), 200);
            assert!(response.text().await.is_err(), "the body is incomplete, not a shorter complete one");
        }
        // the server cut the connection while the client was still writing the
        // body (a race on a loaded machine): no response at all, so nothing
        // complete and shorter either
        Err(error) => assert!(error.is_request() || error.is_body(), "a cut connection, not a response: {error:?}"),
    }
    assert_eq!(s.decide(GOOD).await.0, 200);
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_refuses_with_503_and_slow_bodies_time_out() {
    let s = start_with(
        |c, _| {
            c.max_concurrency = 1;
            c.request_timeout = Duration::from_millis(600);
        },
        true,
    )
    .await;
    // a request whose body is still coming holds the only permit
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let slow = s
        .client
        .post(s.url("/v1/decide"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let slow = tokio::spawn(slow);
    tx.send(Ok(b"{\"id\":".to_vec())).await.expect("sent");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let response = s.post("/v1/decide", "application/json", GOOD.to_string()).await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    assert!(response.text().await.expect("a body").contains("overloaded"));
    // probes are not limited
    assert_eq!(s.get("/healthz").await.0, 200);
    // the slow one times out
    let slow = slow.await.expect("joined").expect("answered");
    assert_eq!(slow.status().as_u16(), 408);
    drop(tx);
    assert_eq!(s.decide(GOOD).await.0, 200);
    let (_, metrics) = s.get("/metrics").await;
    assert!(metrics.contains("polc_refused_requests_total{why=\"overloaded\"} 1"), "{metrics}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_needs_the_token_and_a_failed_one_keeps_the_old_version() {
    let s = start().await;
    let reload = |token: Option<&str>| {
        let mut request = s.client.post(s.url("/v1/admin/reload"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(reload(None).await.expect("sent").status().as_u16(), 401);
    assert_eq!(reload(Some("wrong")).await.expect("sent").status().as_u16(), 401);
    write_demo(s.dir.path(), "2");
    let response = reload(Some("s3cret")).await.expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let info: serde_json::Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    assert_eq!((info["version"].as_str(), info["generation"].as_u64()), (Some("2"), Some(1)));
    assert_eq!(s.decide(GOOD).await.1["version"], "2");
    // a policy that does not compile: 422 with its diagnostics, version 2 stays
    std::fs::write(s.policy_path(), "policy broken version \"3\"\nrule A01 decline when nothing.here\n")
        .expect("written");
    let response = reload(Some("s3cret")).await.expect("sent");
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    assert_eq!(body["error"]["code"], "reload_failed");
    assert!(body["error"]["diagnostics"].as_array().is_some_and(|d| !d.is_empty() && d[0]["code"].is_string()));
    assert_eq!(s.decide(GOOD).await.1["version"], "2");
    // a list that cannot be read fails the reload too
    write_demo(s.dir.path(), "4");
    std::fs::remove_file(s.dir.path().join("fraud_ids.txt")).expect("removed");
    assert_eq!(reload(Some("s3cret")).await.expect("sent").status().as_u16(), 422);
    assert_eq!(s.decide(GOOD).await.1["version"], "2");
    let (_, metrics) = s.get("/metrics").await;
    assert!(metrics.contains("polc_reloads_total{result=\"failure\"} 2"), "{metrics}");
    // without a token file the admin endpoints are off
    let off = start_with(|c, _| c.admin_token = None, true).await;
    let response = off.client.post(off.url("/v1/admin/reload")).bearer_auth("s3cret").send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 403);
    off.stop().await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_under_load_fail_no_request_and_mix_no_versions() {
    let s = std::sync::Arc::new(start().await);
    let mut clients = Vec::new();
    for c in 0..4 {
        let s = std::sync::Arc::clone(&s);
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for i in 0..150 {
                if (i + c) % 10 == 0 {
                    let response =
                        s.post("/v1/decide/batch?as_of=2026-11-22", "application/x-ndjson", records(300)).await;
                    assert_eq!(response.status().as_u16(), 200);
                    let text = response.text().await.expect("a whole body");
                    let lines: Vec<serde_json::Value> =
                        text.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
                    assert_eq!(lines.len(), 300);
                    let first = (lines[0]["version"].clone(), lines[0]["policy_hash"].clone());
                    assert!(
                        lines.iter().all(|l| (l["version"].clone(), l["policy_hash"].clone()) == first),
                        "one batch, one version"
                    );
                    seen.push(first);
                } else {
                    let (status, body) = s.decide(if i % 2 == 0 { GOOD } else { YOUNG }).await;
                    assert_eq!(status, 200, "{body}");
                    seen.push((body["version"].clone(), body["policy_hash"].clone()));
                }
            }
            seen
        }));
    }
    let reloader = {
        let s = std::sync::Arc::clone(&s);
        tokio::spawn(async move {
            let mut failed = 0;
            for round in 0..12 {
                if round % 4 == 3 {
                    std::fs::write(s.policy_path(), "policy demo version \"x\"\nrule broken\n").expect("written");
                } else {
                    write_demo(s.dir.path(), &format!("v{round}"));
                }
                let response =
                    s.client.post(s.url("/v1/admin/reload")).bearer_auth("s3cret").send().await.expect("sent");
                if response.status().as_u16() != 200 {
                    failed += 1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            failed
        })
    };
    let mut all = Vec::new();
    for client in clients {
        all.extend(client.await.expect("a client"));
    }
    assert_eq!(reloader.await.expect("the reloader"), 3);
    // each version always came with its own hash: no response mixed two loads
    let mut hashes = std::collections::BTreeMap::new();
    for (version, hash) in all {
        let known = hashes.entry(version.to_string()).or_insert_with(|| hash.to_string());
        assert_eq!(*known, hash.to_string(), "version {version}");
    }
    assert!(hashes.len() >= 2, "the load saw reloads: {hashes:?}");
    let s = std::sync::Arc::into_inner(s).expect("the last handle");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_the_requests_in_flight_and_flushes_the_log() {
    let mut s = start_with(
        |c, dir| {
            c.decision_log = Some(DecisionLogConfig {
                path: dir.join("decisions.jsonl"),
                max_bytes: 1 << 30,
                include_input: false,
                required: true,
            })
        },
        true,
    )
    .await;
    // a batch whose body is still coming when the shutdown starts
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let in_flight = s
        .client
        .post(s.url("/v1/decide/batch?as_of=2026-11-22"))
        .header("content-type", "application/x-ndjson")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let in_flight = tokio::spawn(async move {
        let response = in_flight.await.expect("answered");
        response.text().await.expect("a whole body")
    });
    tx.send(Ok(records(1000).into_bytes())).await.expect("sent");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(s.decide(GOOD).await.0, 200);
    let _ = s.stop.take().map(|stop| stop.send(()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // draining: not ready, no new connections
    let fresh = reqwest::Client::new();
    assert!(fresh.get(s.url("/healthz")).send().await.is_err(), "no new connections while draining");
    tx.send(Ok(records(500).into_bytes())).await.expect("sent");
    drop(tx);
    let text = in_flight.await.expect("joined");
    assert_eq!(text.lines().count(), 1500, "the request in flight finished");
    let dir = s.stop().await;
    let log = std::fs::read_to_string(dir.path().join("decisions.jsonl")).expect("the log");
    assert_eq!(log.lines().count(), 1501, "every decision logged before the process could stop");
    for line in log.lines() {
        let entry: serde_json::Value = serde_json::from_str(line).expect("JSON");
        assert!(entry["decision"]["decision"].is_string() && entry["decision_id"].is_string());
        assert!(entry["input_sha256"].as_str().is_some_and(|h| h.len() == 71));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decision_log_rotates_by_size_and_loses_nothing() {
    let s = start_with(
        |c, dir| {
            c.decision_log = Some(DecisionLogConfig {
                path: dir.join("decisions.jsonl"),
                max_bytes: 20_000,
                include_input: true,
                required: false,
            })
        },
        true,
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..200 {
        let record = format!("{{\"id\":\"S{i}\",\"id_number\":\"110100199003070138\",\"age\":{}}}", 10 + i % 50);
        let response = s.post("/v1/decide?as_of=2026-11-22", "application/json", record).await;
        ids.push(response.headers()["x-decision-id"].to_str().expect("text").to_string());
        assert_eq!(response.status().as_u16(), 200);
    }
    let batch = format!("{}\r\nnot json\n", records(2000).trim_end());
    let response = s.post("/v1/decide/batch?as_of=2026-11-22", "application/x-ndjson", batch.clone()).await;
    assert_eq!(response.text().await.expect("a body").lines().count(), 2001);
    let dir = s.stop().await;
    let mut lines = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(dir.path()).expect("the directory") {
        let path = entry.expect("an entry").path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("decisions.jsonl")) {
            files += 1;
            let text = std::fs::read_to_string(&path).expect("a log file");
            assert!(text.len() <= 20_000 || text.lines().count() == 1, "{} is over the size", path.display());
            lines.extend(text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON")));
        }
    }
    assert!(files > 10, "rotated: {files} files");
    assert_eq!(lines.len(), 2201, "one line per decision, none lost");
    let mut decision_ids: Vec<&str> = lines.iter().filter_map(|l| l["decision_id"].as_str()).collect();
    decision_ids.sort_unstable();
    decision_ids.dedup();
    assert_eq!(decision_ids.len(), 2201, "unique decision ids");
    assert!(ids.iter().all(|id| decision_ids.binary_search(&id.as_str()).is_ok()));
    // batch entries carry the line, its input and that input's hash
    let batch_inputs: Vec<&str> = batch.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut batch_entries: Vec<&serde_json::Value> = lines.iter().filter(|l| l["line"].is_u64()).collect();
    batch_entries.sort_by_key(|l| l["line"].as_u64());
    assert_eq!(batch_entries.len(), 2001);
    for (entry, input) in batch_entries.iter().zip(&batch_inputs) {
        assert_eq!(entry["input"], *input);
        let expected = format!("sha256:{}", sha256_hex(input.as_bytes()));
        assert_eq!(entry["input_sha256"], expected, "line {}", entry["line"]);
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_required_log_fails_closed() {
    let required = start_with(
        |c, _| {
            c.decision_log = Some(DecisionLogConfig {
                path: "/dev/full".into(),
                max_bytes: 1 << 20,
                include_input: false,
                required: true,
            })
        },
        true,
    )
    .await;
    let (status, body) = required.decide(GOOD).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("decision_log_unavailable")));
    assert!(body.get("decision").is_none(), "no decision given unlogged");
    let response = required.post("/v1/decide/batch", "application/x-ndjson", records(10)).await;
    assert!(response.text().await.is_err(), "a batch is cut off before its first line");
    let (_, metrics) = required.get("/metrics").await;
    assert!(metrics.contains("polc_decision_log_errors_total 2"), "{metrics}");
    required.stop().await;
    // not required: the decision is given, the failure counted
    let optional = start_with(
        |c, _| {
            c.decision_log = Some(DecisionLogConfig {
                path: "/dev/full".into(),
                max_bytes: 1 << 20,
                include_input: false,
                required: false,
            })
        },
        true,
    )
    .await;
    assert_eq!(optional.decide(GOOD).await.0, 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, metrics) = optional.get("/metrics").await;
    assert!(metrics.contains("polc_decision_log_lost_lines_total 1"), "{metrics}");
    optional.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reloads_when_the_policy_or_a_list_changes() {
    let s = start().await;
    let watcher = s.server.clone();
    let watching = tokio::spawn(async move { watcher.watch(Duration::from_millis(50)).await });
    let until = |what: &'static str, done: Box<dyn Fn(&serde_json::Value) -> bool + Send>| {
        let s = &s;
        async move {
            for _ in 0..200 {
                let (_, verdict) = s.decide(FRAUDSTER).await;
                if done(&verdict) {
                    return verdict;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("no reload: {what}")
        }
    };
    // let the watcher see the files once before they change
    tokio::time::sleep(Duration::from_millis(150)).await;
    write_demo(s.dir.path(), "2-longer");
    until("the policy changed", Box::new(|v| v["version"] == "2-longer")).await;
    // a list changes: the fraudster is no longer on it
    std::fs::write(s.dir.path().join("fraud_ids.txt"), "# cleared\n110100199003070138\n").expect("written");
    let verdict = until("the list changed", Box::new(|v| v["decision"] == "approve")).await;
    assert_eq!(verdict["version"], "2-longer");
    // a broken policy keeps the version served
    std::fs::write(s.policy_path(), "policy demo version \"3\"\nrule broken\n").expect("written");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.decide(FRAUDSTER).await.1["version"], "2-longer");
    let (_, metrics) = s.get("/metrics").await;
    assert!(
        metrics.contains("polc_reloads_total{result=\"failure\"} 1"),
        "one failed reload, not one a look: {metrics}"
    );
    watching.abort();
    s.stop().await;
}

/// Bundles `demo.pol` of `dir` (version `version`) to `demo.polb`, signed with `key`.
fn write_bundle(dir: &Path, version: &str, key: &polc::SecretKey) -> String {
    write_demo(dir, version);
    let options = polc::BundleOptions {
        sign_key: Some(key),
        built_at: ("2026-12-02T00:00:00Z".into(), 0),
        ..polc::BundleOptions::default()
    };
    let built = polc::bundle(&dir.join("demo.pol"), &polc::FsLoader, &options).expect("bundles");
    std::fs::write(dir.join("demo.polb"), &built.bytes).expect("written");
    built.revision
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_is_served_with_its_revision_and_reload_reads_it_again() {
    let key = polc::SecretKey::from_seed([3; 32]);
    let first = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let seen = std::sync::Arc::clone(&first);
    let s = start_with(
        move |config, dir| {
            std::fs::write(dir.join("fraud_ids.txt"), FRAUD).expect("written");
            *seen.lock().expect("lock") = write_bundle(dir, "1", &key);
            std::fs::write(dir.join("committee.pub"), key.public_key().to_hex()).expect("written");
            let mut source = PolicySource::from_bundle(dir.join("demo.polb"), Some(dir.join("committee.pub")));
            source.batch_threads = Some(2);
            config.source = source;
            // the files beside the bundle are not what is served
            std::fs::remove_file(dir.join("demo.pol")).expect("removed");
            std::fs::remove_file(dir.join("fraud_ids.txt")).expect("removed");
        },
        true,
    )
    .await;
    let first = first.lock().expect("lock").clone();
    let (_, info) = s.get("/v1/policy").await;
    let info: serde_json::Value = serde_json::from_str(&info).expect("JSON");
    assert_eq!(info["bundle"].as_str(), Some(first.as_str()));
    assert_eq!(info["lists"]["fraud_ids"]["entries"], 1);
    let (status, line) = s.decide(FRAUDSTER).await;
    assert_eq!(
        (status, line["decision"].as_str(), line["bundle"].as_str()),
        (200, Some("decline"), Some(first.as_str()))
    );
    // a new bundle at the same path: reload reads it
    std::fs::write(s.dir.path().join("fraud_ids.txt"), FRAUD).expect("written");
    let second = write_bundle(s.dir.path(), "2", &polc::SecretKey::from_seed([3; 32]));
    let reload = || s.client.post(s.url("/v1/admin/reload")).bearer_auth("s3cret").send();
    assert_eq!(reload().await.expect("sent").status().as_u16(), 200);
    let (_, line) = s.decide(GOOD).await;
    assert_eq!((line["version"].as_str(), line["bundle"].as_str()), (Some("2"), Some(second.as_str())));
    // a tampered bundle is refused and the version served stays
    let mut bytes = std::fs::read(s.dir.path().join("demo.polb")).expect("read");
    let at = bytes.windows(9).position(|w| w == b"too young").expect("the policy text");
    bytes[at] = b'T';
    std::fs::write(s.dir.path().join("demo.polb"), &bytes).expect("written");
    let response = reload().await.expect("sent");
    assert_eq!(response.status().as_u16(), 422);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    assert_eq!(body["error"]["diagnostics"][0]["code"], "B0703");
    assert_eq!(s.decide(GOOD).await.1["bundle"].as_str(), Some(second.as_str()));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_https_with_a_self_signed_certificate_and_drains_on_shutdown() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_demo(dir.path(), "1");
    std::fs::write(dir.path().join("fraud_ids.txt"), FRAUD).expect("written");
    let mut source = PolicySource::new(dir.path().join("demo.pol"));
    source.batch_threads = Some(2);
    let server = Server::new(ServerConfig::new(source)).expect("a server");
    server.reload().await.expect("the policy loads");
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("a certificate");
    let (cert, key) = (made.cert.pem(), made.key_pair.serialize_pem());
    let config = polc_server::tls::server_config(cert.as_bytes(), key.as_bytes()).expect("a TLS identity");
    assert!(polc_server::tls::server_config(b"not pem", key.as_bytes()).is_err());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = server.clone();
    let task = tokio::spawn(async move {
        serving
            .serve_tls(listener, config, async move {
                let _ = stopped.await;
            })
            .await
    });
    let client = || {
        reqwest::Client::builder()
            .use_rustls_tls()
            .add_root_certificate(reqwest::Certificate::from_pem(cert.as_bytes()).expect("a PEM certificate"))
            .resolve("localhost", addr)
            .build()
            .expect("a client")
    };
    let https = client();
    let base = format!("https://localhost:{}", addr.port());
    let response = https
        .post(format!("{base}/v1/decide?as_of=2026-11-22"))
        .header("content-type", "application/json")
        .body(YOUNG)
        .send()
        .await
        .expect("answered over TLS");
    assert_eq!(response.status().as_u16(), 200);
    let line: serde_json::Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    assert_eq!(line["decision"], "decline");
    // plain HTTP on the TLS port gets no answer, and a client that does not trust the certificate refuses it
    assert!(reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .map_or(true, |r| !r.status().is_success()));
    let untrusting = reqwest::Client::builder().use_rustls_tls().resolve("localhost", addr).build().expect("a client");
    assert!(untrusting.get(format!("{base}/healthz")).send().await.is_err());
    // a batch still streaming when the shutdown starts finishes over TLS
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let in_flight = https
        .post(format!("{base}/v1/decide/batch?as_of=2026-11-22"))
        .header("content-type", "application/x-ndjson")
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let in_flight = tokio::spawn(async move { in_flight.await.expect("answered").text().await.expect("a whole body") });
    tx.send(Ok(records(300).into_bytes())).await.expect("sent");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = stop.send(());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(client().get(format!("{base}/healthz")).send().await.is_err(), "no new connections while draining");
    tx.send(Ok(records(200).into_bytes())).await.expect("sent");
    drop(tx);
    assert_eq!(in_flight.await.expect("joined").lines().count(), 500, "the request in flight finished");
    task.await.expect("joined").expect("served");
}
