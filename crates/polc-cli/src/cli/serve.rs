//! `polc serve POLICY`: the decision service (the `polc-server` crate) with
//! the flags of `polc run`, signals (SIGHUP reloads, SIGTERM and SIGINT drain
//! and stop) and logs on standard error.

use super::run::{json_depth, parse_binding, MAX_THREADS};
use super::term::{errln, shown_path};
use super::{examples, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use clap::{Args, ValueEnum};
use polc::RecordLimits;
use polc_server::{BundleSource, DecisionLogConfig, PolicySource, Server, ServerConfig};
use std::path::PathBuf;
use std::time::Duration;

/// Serve decisions over HTTP.
///
/// POST /v1/decide (one JSON record → its decision line, as `polc run` writes
/// it), POST /v1/decide/batch (JSONL in, decision lines out, streamed), GET
/// /v1/policy, /healthz, /readyz, /metrics, /openapi.json, POST
/// /v1/admin/reload. SIGHUP reloads the policy and lists (a failed reload keeps
/// the version served); SIGTERM or SIGINT stops accepting, lets the requests
/// in flight finish and flushes the decision log. Logs go to standard error.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc serve policies/consumer_loan.pol --listen 127.0.0.1:8080",
    "polc serve policies/consumer_loan.pol --decision-log /var/log/polc/decisions.jsonl --decision-log-required",
    "polc serve policies/consumer_loan.pol --list fraud_ids=/data/fraud_ids.txt --admin-token-file /etc/polc/token --log-format json",
    "polc serve --bundle /srv/polc/consumer_loan.polb --public-key /etc/polc/committee.pub",
    "polc serve policies/consumer_loan.pol --listen 0.0.0.0:8443 --tls-cert /etc/polc/cert.pem --tls-key /etc/polc/key.pem",
))]
pub struct ServeArgs {
    /// The policy file.
    #[arg(value_name = "POLICY", required_unless_present = "bundle", conflicts_with = "bundle")]
    policy: Option<PathBuf>,
    /// Serve the policy and lists of a bundle (`polc bundle`), every file's
    /// sha256 checked; a reload reads the bundle file again. Decisions carry
    /// `"bundle":"sha256:…"`, and GET /v1/policy shows it.
    #[arg(long, value_name = "B.polb", conflicts_with = "lists")]
    bundle: Option<PathBuf>,
    /// Refuse the bundle (at start and on every reload) unless its manifest
    /// is signed by this ed25519 public key.
    #[arg(long, value_name = "K", requires = "bundle")]
    public_key: Option<PathBuf>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The address to listen on (port 0: any free port, logged at start).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Bind list NAME from PATH instead of its `from` file; repeatable, once per list.
    #[arg(long = "list", value_name = "NAME=PATH", value_parser = parse_binding)]
    lists: Vec<(String, PathBuf)>,
    /// Worker threads of the batch endpoint, 1 to 256 (default: all cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS as i64))]
    threads: Option<u16>,
    /// Reload when a file of the policy (the policy, a file it `use`s, a
    /// list) changes, looking every second (a failed reload keeps the version served).
    #[arg(long)]
    watch: bool,
    /// The file holding the bearer token of POST /v1/admin/reload (without
    /// it the admin endpoints are refused; SIGHUP still reloads).
    #[arg(long, value_name = "F")]
    admin_token_file: Option<PathBuf>,
    /// Append every decision to this JSONL file (decision id, timestamp,
    /// request id, as_of, input sha256, the decision line), off the request path.
    #[arg(long, value_name = "F", help_heading = "Decision log")]
    decision_log: Option<PathBuf>,
    /// Rotate the decision log before it would pass this size: the file is
    /// renamed F.1, F.2, … (nothing is deleted).
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = 100 << 20, help_heading = "Decision log")]
    decision_log_max_bytes: usize,
    /// Log each input record itself, not only its sha256.
    #[arg(long, help_heading = "Decision log")]
    decision_log_input: bool,
    /// Refuse a decision (503) that could not be written to the decision log.
    #[arg(long, requires = "decision_log", help_heading = "Decision log")]
    decision_log_required: bool,
    /// Log lines as text or as JSON objects.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// The least important log lines written.
    #[arg(long, value_enum, default_value_t = LogLevel::Info)]
    log_level: LogLevel,
    /// When to colour the diagnostics of a policy that does not load at start.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
    /// Most bytes in one input line or record; a longer one is an `error` decision.
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = RecordLimits::default().max_line_bytes, help_heading = "Sandbox and limits")]
    max_line_bytes: usize,
    /// Deepest nesting of JSON arrays and objects in one record, at most 512.
    #[arg(long, value_name = "N", value_parser = json_depth, default_value_t = RecordLimits::default().max_json_depth, help_heading = "Sandbox and limits")]
    max_json_depth: usize,
    /// Most bytes of a POST /v1/decide body (413 above).
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = 1 << 20, help_heading = "Sandbox and limits")]
    max_body_bytes: usize,
    /// Most bytes of a POST /v1/decide/batch body (the response is cut off above).
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = 4 << 30, help_heading = "Sandbox and limits")]
    max_batch_bytes: usize,
    /// Most decision requests at once; more are refused with 503.
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = 1024, help_heading = "Sandbox and limits")]
    max_concurrency: usize,
    /// Most batch requests streaming at once; more are refused with 503.
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = 4, help_heading = "Sandbox and limits")]
    max_batches: usize,
    /// Seconds a request may take to arrive (408 after), and a batch body may
    /// stall between two pieces.
    #[arg(long, value_name = "SECS", value_parser = super::at_least_one, default_value_t = 30, help_heading = "Sandbox and limits")]
    request_timeout: usize,
    /// Seconds to wait at shutdown for the requests in flight.
    #[arg(long, value_name = "SECS", value_parser = super::at_least_one, default_value_t = 30, help_heading = "Sandbox and limits")]
    shutdown_timeout: usize,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

pub fn run(args: ServeArgs) -> u8 {
    if let Some(name) = super::paths::twice_bound(&args.lists) {
        errln!("error: list `{}` is bound twice with --list: give each list once", super::term::Shown(name));
        return USAGE_OR_IO;
    }
    let admin_token = match &args.admin_token_file {
        None => None,
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
            Ok(_) => {
                errln!("error: `{}` is empty: put the admin token in it", shown_path(path));
                return USAGE_OR_IO;
            }
            Err(error) => {
                errln!("error: cannot read `{}`: {error}", shown_path(path));
                return USAGE_OR_IO;
            }
        },
    };
    init_logs(args.log_format, args.log_level);
    let options = args.source.options();
    // a decision is made on the async worker threads: give them the stack the
    // deepest program `--max-nesting` admits
    let stack = options.limits.stack_bytes(2 << 20).max(2 << 20);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(stack).build() {
        Ok(runtime) => runtime,
        Err(error) => {
            errln!("error: cannot start the server's threads: {error}");
            return USAGE_OR_IO;
        }
    };
    let source = PolicySource {
        path: args.policy.clone().or_else(|| args.bundle.clone()).unwrap_or_default(),
        options,
        lists: args.lists.clone(),
        list_limits: args.source.list_limits(),
        record_limits: RecordLimits { max_line_bytes: args.max_line_bytes, max_json_depth: args.max_json_depth },
        batch_threads: args.threads.map(usize::from),
        bundle: args.bundle.clone().map(|path| BundleSource { path, public_key: args.public_key.clone() }),
    };
    let config = ServerConfig {
        source,
        max_body_bytes: args.max_body_bytes,
        max_batch_bytes: args.max_batch_bytes as u64,
        request_timeout: Duration::from_secs(args.request_timeout as u64),
        max_concurrency: args.max_concurrency,
        max_batches: args.max_batches,
        admin_token,
        decision_log: args.decision_log.as_ref().map(|path| DecisionLogConfig {
            path: path.clone(),
            max_bytes: args.decision_log_max_bytes as u64,
            include_input: args.decision_log_input,
            required: args.decision_log_required,
        }),
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout as u64),
    };
    runtime.block_on(serve(config, &args))
}

async fn serve(config: ServerConfig, args: &ServeArgs) -> u8 {
    let server = match Server::new(config) {
        Ok(server) => server,
        Err(error) => {
            match &args.decision_log {
                Some(path) => errln!("error: cannot open the decision log `{}`: {error}", shown_path(path)),
                None => errln!("error: cannot start: {error}"),
            }
            return USAGE_OR_IO;
        }
    };
    if server.reload().await.is_err() {
        // the same problems, drawn for people
        let again = match (&args.bundle, &args.policy) {
            (Some(bundle), _) => super::bundle::load(bundle, args.public_key.as_deref(), args.color),
            (None, Some(policy)) => super::load_policy(policy, &args.source, &args.lists, args.color, false),
            (None, None) => Err(USAGE_OR_IO),
        };
        return match again {
            Err(code) => code,
            Ok(_) => POLICY_ERRORS,
        };
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match polc_server::tls::server_config_from_files(cert, key) {
            Ok(config) => Some(config),
            Err(error) => {
                errln!("error: cannot serve TLS: {error}");
                return USAGE_OR_IO;
            }
        },
        _ => None,
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            errln!("error: cannot listen on {}: {error}", args.listen);
            return USAGE_OR_IO;
        }
    };
    match listener.local_addr() {
        Ok(addr) => tracing::info!(%addr, tls = tls.is_some(), "listening"),
        Err(error) => tracing::warn!(%error, "listening, at an address the system does not tell"),
    }
    let reloader = server.clone();
    tokio::spawn(async move {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::error!("cannot watch for SIGHUP: reload with POST /v1/admin/reload");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading");
            let _ = reloader.reload().await;
        }
    });
    if args.watch {
        let watcher = server.clone();
        tokio::spawn(async move { watcher.watch(Duration::from_secs(1)).await });
    }
    let shutdown = async {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut terms) => {
                    terms.recv().await;
                }
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
            () = terminate => tracing::info!("SIGTERM"),
        }
    };
    let served = match tls {
        Some(config) => server.serve_tls(listener, config, shutdown).await,
        None => server.serve(listener, shutdown).await,
    };
    match served {
        Ok(()) => OK,
        Err(error) => {
            errln!("error: the server stopped: {error}");
            USAGE_OR_IO
        }
    }
}

fn init_logs(format: LogFormat, level: LogLevel) {
    let level = match level {
        LogLevel::Error => tracing::Level::ERROR,
        LogLevel::Warn => tracing::Level::WARN,
        LogLevel::Info => tracing::Level::INFO,
        LogLevel::Debug => tracing::Level::DEBUG,
    };
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(level).with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
