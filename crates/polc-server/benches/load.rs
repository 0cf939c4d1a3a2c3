//! `cargo bench -p polc-server --bench load -- WORKLOAD_DIR [--seconds N] [--connections N]
//! [--rounds N] [--workers N] [--wrk-threads N] [--no-batch]`:
//! the decision service under load, on loopback, client and server sharing the machine.
//!
//! `--workers` is the tokio worker threads both servers run on (default 2),
//! `--wrk-threads` wrk's threads (default 1): the same for both servers. On
//! 2 cores, 2 workers and one wrk thread gave both servers their best tail
//! (docs/performance.md): a second wrk thread competes with the servers.
//! `--no-batch` measures `/v1/decide` alone (steps 2 and 3 below skipped).
//! The process allocates from mimalloc, as `polc serve` does.
//!
//! Starts, in this process, the decision service on `policies/consumer_loan.pol`
//! with the workload's lists (see `examples/gen_workload.rs`), and beside it the
//! same axum stack answering a constant body (the decision line of the same
//! record) — the HTTP stack's own limit, measured in the same run. Then:
//!
//! 1. `wrk` (a real load generator: `scripts/load.sh` installs it) against each,
//!    HTTP/1.1 keep-alive, N connections, POST of one applicant record: requests/s,
//!    p50/p90/p99/max, non-2xx count, the peak RSS of this process;
//! 2. the whole `WORKLOAD_DIR/applicants.jsonl` streamed to `/v1/decide/batch`
//!    (decisions/s, every line counted back);
//! 3. the same batch again while `wrk` keeps N connections busy on `/v1/decide`:
//!    the peak RSS, and the RSS once both are over.
//!
//! The RSS is this whole process: the server and the batch client (which
//! streams: a few chunks in memory), not `wrk`.

#![expect(clippy::panic, reason = "a benchmark that cannot set up fails loudly")]

use axum::http::header;
use futures_util::StreamExt;
use polc_server::{PolicySource, Server, ServerConfig};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The allocator `polc serve` runs on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Options {
    workload: PathBuf,
    seconds: u64,
    connections: u64,
    rounds: u64,
    workers: usize,
    wrk_threads: u64,
    batch: bool,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut options = Options {
        workload: PathBuf::new(),
        seconds: 10,
        connections: 64,
        rounds: 1,
        workers: 2,
        wrk_threads: 1,
        batch: true,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--workers" => options.workers = args.next().and_then(|v| v.parse().ok()).unwrap_or(options.workers).max(1),
            "--wrk-threads" => {
                options.wrk_threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(options.wrk_threads).max(1)
            }
            "--no-batch" => options.batch = false,
            "--seconds" => options.seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(options.seconds),
            "--rounds" => options.rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(options.rounds).max(1),
            "--connections" => {
                options.connections = args.next().and_then(|v| v.parse().ok()).unwrap_or(options.connections)
            }
            _ => options.workload = PathBuf::from(arg),
        }
    }
    if options.workload.as_os_str().is_empty() {
        options.workload = std::env::temp_dir().join("polc-bench/1m");
    }
    options
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Samples this process's RSS every 20 ms until stopped; the peak.
struct RssPeak {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl RssPeak {
    fn start() -> RssPeak {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak = rss_kib();
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib());
                std::thread::sleep(Duration::from_millis(20));
            }
            peak.max(rss_kib())
        });
        RssPeak { stop, thread }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

/// What `wrk` measured (latencies in microseconds).
#[derive(Debug, Default)]
struct WrkResult {
    requests: u64,
    seconds: f64,
    errors: u64,
    p50: u64,
    p90: u64,
    p99: u64,
    max: u64,
}

impl WrkResult {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// The wrk script: POST the record, and print the summary on one line.
const WRK_SCRIPT: &str = r#"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("POLC_LOAD_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("polc-load requests=%d duration_us=%d errors=%d p50=%d p90=%d p99=%d max=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"#;

fn wrk(url: &str, script: &Path, body: &Path, threads: u64, connections: u64, seconds: u64) -> WrkResult {
    let output = std::process::Command::new("wrk")
        .args([&format!("-t{threads}"), &format!("-c{connections}"), &format!("-d{seconds}s"), "--timeout", "5s", "-s"])
        .arg(script)
        .arg(url)
        .env("POLC_LOAD_BODY", body)
        .output()
        .unwrap_or_else(|e| panic!("cannot run wrk ({e}): run scripts/load.sh, which installs it"));
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("polc-load "))
        .unwrap_or_else(|| panic!("wrk said: {text}{}", String::from_utf8_lossy(&output.stderr)));
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    WrkResult {
        requests: field("requests"),
        seconds: field("duration_us") as f64 / 1e6,
        errors: field("errors"),
        p50: field("p50"),
        p90: field("p90"),
        p99: field("p99"),
        max: field("max"),
    }
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

fn row(name: &str, round: u64, r: &WrkResult, rss: u64) {
    println!(
        "| {name} | {round} | {:.0} | {} | {} | {} | {} | {} | {} MiB |",
        r.rate(),
        ms(r.p50),
        ms(r.p90),
        ms(r.p99),
        ms(r.max),
        r.errors,
        rss / 1024
    );
}

async fn serve(router: axum::Router) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // as `Server::serve` sets it
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    (format!("http://{addr}"), stop)
}

async fn polc_server(workload: &Path) -> (String, tokio::sync::oneshot::Sender<()>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut source = PolicySource::new(root.join("policies/consumer_loan.pol"));
    for list in ["fraud_ids", "grey_phones", "bad_devices"] {
        source.lists.push((list.to_string(), workload.join(format!("lists/{list}.txt"))));
    }
    let server = Server::new(ServerConfig::new(source)).unwrap_or_else(|e| panic!("{e}"));
    if let Err(failure) = server.reload().await {
        panic!("the policy does not load: {failure:?}");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = server
            .serve(listener, async move {
                let _ = stopped.await;
            })
            .await;
    });
    (format!("http://{addr}"), stop)
}

/// Streams the file to the batch endpoint; the lines that came back and the seconds.
async fn batch(client: &reqwest::Client, url: &str, input: &Path) -> (u64, f64) {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(8);
    let path = input.to_path_buf();
    std::thread::spawn(move || {
        let mut file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        loop {
            let mut chunk = vec![0u8; 256 << 10];
            match file.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => {
                    chunk.truncate(n);
                    if tx.blocking_send(Ok(chunk)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let started = Instant::now();
    let response = client
        .post(format!("{url}/v1/decide/batch?as_of=2026-11-22"))
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200, "the batch request");
    let mut body = response.bytes_stream();
    let mut lines = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap_or_else(|e| panic!("the batch was cut off: {e}"));
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    (lines, started.elapsed().as_secs_f64())
}

fn main() {
    let options = options();
    let input = options.workload.join("applicants.jsonl");
    // read line by line: the RSS figures are this process's, so the workload is never held whole
    let file = std::fs::File::open(&input).unwrap_or_else(|e| {
        panic!("{}: {e} (make it with scripts/load.sh or examples/gen_workload.rs)", input.display())
    });
    let (mut lines_in, mut record) = (0u64, String::new());
    for line in std::io::BufRead::lines(std::io::BufReader::new(file)) {
        let line = line.unwrap_or_else(|e| panic!("{e}"));
        if lines_in == 0 {
            record = line;
        }
        lines_in += 1;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.workers)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async move {
        let idle_start = rss_kib();
        let (polc_url, polc_stop) = polc_server(&options.workload).await;
        let client = reqwest::Client::new();
        let decision = client
            .post(format!("{polc_url}/v1/decide?as_of=2026-11-22"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(record.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(decision.status().as_u16(), 200);
        let line = decision.text().await.unwrap_or_else(|e| panic!("{e}"));
        let constant: &'static str = Box::leak(line.into_boxed_str());
        let router = axum::Router::new().route(
            "/v1/decide",
            axum::routing::post(move |_body: axum::body::Bytes| async move {
                ([(header::CONTENT_TYPE, "application/json")], constant)
            }),
        );
        let (constant_url, constant_stop) = serve(router).await;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let script = dir.path().join("post.lua");
        let body = dir.path().join("record.json");
        std::fs::write(&script, WRK_SCRIPT).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&body, &record).unwrap_or_else(|e| panic!("{e}"));
        let idle = rss_kib();
        let (n, secs, t) = (options.connections, options.seconds, options.wrk_threads);
        let decide_url = format!("{polc_url}/v1/decide?as_of=2026-11-22");
        let constant_decide = format!("{constant_url}/v1/decide");
        // warm both up
        let (w1, w2) = (decide_url.clone(), constant_decide.clone());
        let (s1, b1) = (script.clone(), body.clone());
        let _ = tokio::task::spawn_blocking(move || {
            wrk(&w2, &s1, &b1, t, n, 2);
            wrk(&w1, &s1, &b1, t, n, 2);
        })
        .await;
        let rounds = options.rounds;
        println!(
            "## POST /v1/decide, {n} connections, {secs} s a run, {rounds} alternating round(s), HTTP/1.1 keep-alive (wrk -t{t}, {} tokio workers)\n",
            options.workers
        );
        println!("| server | round | requests/s | p50 | p90 | p99 | max | non-2xx/errors | peak RSS |");
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let (mut best_constant, mut best_polc) = (0f64, 0f64);
        let mut ratios = Vec::new();
        for round in 1..=rounds {
            let mut constant_rate = 0f64;
            for (name, url) in [("constant body (axum)", &constant_decide), ("polc decide", &decide_url)] {
                let peak = RssPeak::start();
                let (url, s, b) = (url.clone(), script.clone(), body.clone());
                let result = tokio::task::spawn_blocking(move || wrk(&url, &s, &b, t, n, secs))
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let rss = peak.stop();
                row(name, round, &result, rss);
                if name.starts_with("polc") {
                    best_polc = best_polc.max(result.rate());
                    ratios.push(format!("{:.0} %", 100.0 * result.rate() / constant_rate.max(1e-9)));
                } else {
                    best_constant = best_constant.max(result.rate());
                    constant_rate = result.rate();
                }
            }
        }
        println!(
            "\nbest of each: polc {best_polc:.0} requests/s, constant body {best_constant:.0}: {:.0} %; round by round: {}",
            100.0 * best_polc / best_constant.max(1e-9),
            ratios.join(", ")
        );
        let _ = constant_stop.send(());
        if !options.batch {
            let _ = polc_stop.send(());
            return;
        }

        println!("\n## POST /v1/decide/batch, {lines_in} lines\n");
        let peak = RssPeak::start();
        let (lines, seconds) = batch(&client, &polc_url, &input).await;
        let rss = peak.stop();
        assert_eq!(lines, lines_in, "one decision line per input line");
        println!("alone: {lines} decisions in {seconds:.2} s = {:.0} decisions/s, peak RSS {} MiB", lines as f64 / seconds, rss / 1024);

        let peak = RssPeak::start();
        let (url, s, b) = (decide_url.clone(), script.clone(), body.clone());
        let load = tokio::task::spawn_blocking(move || wrk(&url, &s, &b, t, n, secs));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (lines, seconds) = batch(&client, &polc_url, &input).await;
        let single = load.await.unwrap_or_else(|e| panic!("{e}"));
        let rss = peak.stop();
        assert_eq!(lines, lines_in, "one decision line per input line");
        println!(
            "with {n} connections on /v1/decide: batch {:.0} decisions/s, decide {:.0} requests/s (p99 {}, {} non-2xx), peak RSS {} MiB",
            lines as f64 / seconds,
            single.rate(),
            ms(single.p99),
            single.errors,
            rss / 1024
        );
        drop(client);
        tokio::time::sleep(Duration::from_secs(2)).await;
        println!(
            "RSS: {} MiB at start, {} MiB idle with the policy loaded, {} MiB after the load",
            idle_start / 1024,
            idle / 1024,
            rss_kib() / 1024
        );
        let _ = polc_stop.send(());
    });
}
