//! polc-server: the decision service behind `polc serve`, on axum, tokio and
//! tower, on the `polc` façade.
//!
//! [`Server::new`] takes a [`ServerConfig`]; [`Server::reload`] loads (or
//! reloads) the policy aside and swaps it in atomically; [`Server::router`] is
//! the axum application (every route, its limits and metrics), for tests and
//! for embedding; [`Server::serve`] runs it on a listener until a shutdown
//! future resolves, then drains the requests in flight and flushes the
//! decision log.
//!
//! ```text
//! POST /v1/decide            one JSON record → its decision line (?as_of=, ?explain=, ?messages=)
//! POST /v1/decide/batch      JSONL in → decision lines out, in order, streamed both ways
//! GET  /v1/policy            what is served: name, version, hashes, lists, loaded-at
//! POST /v1/admin/reload      recompile and swap (bearer token)
//! GET  /healthz /readyz /metrics /openapi.json
//! ```
//!
//! Every decision is the library's: a single decision's body is the line
//! `polc::Policy::decide_line_into` writes, a batch's lines are the batch
//! runner's, both exactly what `polc run` writes for the same record.

mod api;
mod batch;
mod decide;
mod dlog;
mod limit;
mod metrics;
mod source;
pub mod tls;

pub use dlog::DecisionLogConfig;
pub use metrics::Metrics;
pub use source::{BundleSource, ListInfo, LoadFailure, Loaded, PolicyInfo, PolicySource};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The policy served, and how it is loaded.
    pub source: PolicySource,
    /// Most bytes of a `POST /v1/decide` body (413 above).
    pub max_body_bytes: usize,
    /// Most bytes of a `POST /v1/decide/batch` body.
    pub max_batch_bytes: u64,
    /// Longest wait for a request's head and body, and between two pieces of a
    /// batch body (408, or the batch stops).
    pub request_timeout: Duration,
    /// Most decision requests handled at once; one more is refused (503).
    pub max_concurrency: usize,
    /// Most batch requests streaming at once; one more is refused (503).
    pub max_batches: usize,
    /// The bearer token of the admin endpoints (`None`: they are refused).
    pub admin_token: Option<String>,
    /// The decision log, if any.
    pub decision_log: Option<DecisionLogConfig>,
    /// Longest wait for the requests in flight at shutdown.
    pub shutdown_timeout: Duration,
}

impl ServerConfig {
    /// The defaults for a policy file.
    pub fn new(source: PolicySource) -> ServerConfig {
        ServerConfig {
            source,
            max_body_bytes: 1 << 20,
            max_batch_bytes: 4 << 30,
            request_timeout: Duration::from_secs(30),
            max_concurrency: 1024,
            max_batches: 4,
            admin_token: None,
            decision_log: None,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// The running service's state, shared by every request.
#[derive(Debug)]
pub(crate) struct State {
    pub config: ServerConfig,
    pub metrics: Arc<Metrics>,
    pub log: Option<dlog::DecisionLog>,
    /// The version being served (`None` until the first load succeeds).
    pub current: RwLock<Option<Arc<Loaded>>>,
    /// One reload at a time.
    pub reloading: tokio::sync::Mutex<()>,
    pub loads: AtomicU64,
    pub draining: AtomicBool,
    pub decisions: tokio::sync::Semaphore,
    pub batches: Arc<tokio::sync::Semaphore>,
    /// Decision ids: this process's random prefix and a counter.
    pub id_prefix: String,
    pub next_id: AtomicU64,
}

impl State {
    /// The version being served now.
    pub fn current(&self) -> Option<Arc<Loaded>> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// A new id, unique in this process and (by its random prefix) across processes.
    pub fn new_id(&self) -> String {
        format!("{}-{:x}", self.id_prefix, self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

/// The decision service.
#[derive(Clone, Debug)]
pub struct Server {
    state: Arc<State>,
}

/// The outcome of a successful load: what is served now.
pub type Reloaded = Arc<PolicyInfo>;

impl Server {
    /// A server with no policy loaded yet (`/readyz` is 503 until
    /// [`Server::reload`] succeeds), with its metrics and decision log open.
    pub fn new(config: ServerConfig) -> std::io::Result<Server> {
        let metrics = Arc::new(Metrics::new().map_err(std::io::Error::other)?);
        let log = match &config.decision_log {
            Some(log) => Some(dlog::DecisionLog::open(log, Arc::clone(&metrics))?),
            None => None,
        };
        let state = State {
            decisions: tokio::sync::Semaphore::new(config.max_concurrency.max(1)),
            batches: Arc::new(tokio::sync::Semaphore::new(config.max_batches.max(1))),
            config,
            metrics,
            log,
            current: RwLock::new(None),
            reloading: tokio::sync::Mutex::new(()),
            loads: AtomicU64::new(0),
            draining: AtomicBool::new(false),
            id_prefix: format!("{:016x}", random_u64()),
            next_id: AtomicU64::new(0),
        };
        Ok(Server { state: Arc::new(state) })
    }

    /// Loads the policy aside (compiling it and binding its lists on a
    /// blocking thread) and swaps it in: requests that started before go on
    /// with the version they have. On failure the version served stays, the
    /// failure is logged and counted, and returned.
    pub async fn reload(&self) -> Result<Reloaded, LoadFailure> {
        let state = Arc::clone(&self.state);
        let _one_at_a_time = state.reloading.lock().await;
        let source = state.config.source.clone();
        let loaded = match tokio::task::spawn_blocking(move || source.load()).await {
            Ok(result) => result,
            Err(error) => Err(LoadFailure { message: format!("the load stopped: {error}"), diagnostics: Vec::new() }),
        };
        match loaded {
            Ok(mut loaded) => {
                let generation = state.loads.fetch_add(1, Ordering::Relaxed);
                let mut info = (*loaded.info).clone();
                info.generation = generation;
                loaded.info = Arc::new(info);
                let info = Arc::clone(&loaded.info);
                state.metrics.reloads.with_label_values(&["success"]).inc();
                state.metrics.loaded_at.set(chrono::Utc::now().timestamp());
                let previous = {
                    let mut current = match state.current.write() {
                        Ok(current) => current,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    current.replace(Arc::new(loaded))
                };
                // the old pool's threads stop when its last request lets go of it
                drop(previous);
                tracing::info!(
                    policy = %info.name, version = %info.version, policy_hash = %info.policy_hash,
                    generation, "policy loaded"
                );
                Ok(info)
            }
            Err(failure) => {
                state.metrics.reloads.with_label_values(&["failure"]).inc();
                let diagnostics = serde_json::to_string(&failure.diagnostics).unwrap_or_default();
                tracing::error!(message = %failure.message, %diagnostics, "policy load failed; the version served stays");
                Err(failure)
            }
        }
    }

    /// Reloads whenever a file of the version served (the policy, a file it
    /// `use`s, a list) changes its modification time or size, looking every
    /// `every`; runs until the server stops. A change seen while the files are
    /// still being written may fail to load: the old version stays, and the
    /// next look, once the files are still, loads it.
    pub async fn watch(&self, every: Duration) {
        // the files as they were when a reload failed: not tried again until they change
        let mut failed: Option<Vec<source::FileStamp>> = None;
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if self.state.draining.load(Ordering::SeqCst) {
                return;
            }
            let Some(loaded) = self.state.current() else { continue };
            let (files, then) = (loaded.files.clone(), loaded.stamps.clone());
            drop(loaded);
            let Ok(now) = tokio::task::spawn_blocking(move || source::stamps(&files)).await else { continue };
            if now == then || failed.as_ref() == Some(&now) {
                continue;
            }
            tracing::info!("a file of the policy changed: reloading");
            failed = match self.reload().await {
                Ok(_) => None,
                Err(_) => Some(now),
            };
        }
    }

    /// What is served now (`None` before the first successful load).
    pub fn policy(&self) -> Option<Arc<PolicyInfo>> {
        self.state.current().map(|loaded| Arc::clone(&loaded.info))
    }

    /// The metrics (to read them in tests, or serve them elsewhere).
    pub fn metrics(&self) -> &Metrics {
        &self.state.metrics
    }

    /// The axum application: every route with its limits and metrics.
    pub fn router(&self) -> axum::Router {
        api::router(Arc::clone(&self.state))
    }

    /// Serves on `listener` until `shutdown` resolves; then stops accepting,
    /// lets the requests in flight finish (at most
    /// [`ServerConfig::shutdown_timeout`]), and flushes the decision log.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        // a response is written whole: send it at once (TCP_NODELAY), not
        // after the client's delayed ACK of the one before
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "cannot set TCP_NODELAY");
            }
        });
        self.serve_on(listener, shutdown).await
    }

    /// Like [`Server::serve`], over TLS with `config` (see [`tls::server_config`]):
    /// each connection is handed to the application once its handshake is
    /// done; shutdown drains the same way.
    pub async fn serve_tls(
        &self,
        listener: tokio::net::TcpListener,
        config: Arc<rustls::ServerConfig>,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        self.serve_on(tls::TlsListener::new(listener, config)?, shutdown).await
    }

    async fn serve_on<L>(
        &self,
        listener: L,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()>
    where
        L: axum::serve::Listener,
        L::Addr: std::fmt::Debug,
    {
        let state = Arc::clone(&self.state);
        let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
        let signal_state = Arc::clone(&state);
        let signal = async move {
            shutdown.await;
            signal_state.draining.store(true, Ordering::SeqCst);
            tracing::info!("shutting down: no new connections; draining the requests in flight");
            let _ = stopping_tx.send(true);
        };
        let app = self.router().into_make_service();
        let serving = axum::serve(listener, app).with_graceful_shutdown(signal);
        let mut stopping = stopping_rx;
        let timeout = state.config.shutdown_timeout;
        let outcome = tokio::select! {
            result = serving => result,
            () = async move {
                let _ = stopping.wait_for(|&stop| stop).await;
                tokio::time::sleep(timeout).await;
            } => {
                tracing::warn!(seconds = timeout.as_secs(), "requests still in flight after the shutdown timeout: stopping");
                Ok(())
            }
        };
        self.close_log().await;
        outcome
    }

    /// Writes out and closes the decision log (after the last request).
    async fn close_log(&self) {
        let state = Arc::clone(&self.state);
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(log) = &state.log {
                log.close();
            }
        })
        .await;
        tracing::info!("stopped");
    }
}

/// Now, in RFC 3339 with milliseconds, UTC.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// 64 random bits from the standard library's randomly seeded hasher.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    hasher.finish()
}
