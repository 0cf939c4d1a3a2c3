//! Where the served policy comes from, and one loaded version of it: the
//! policy compiled and its lists bound, the batch runner on it, and what
//! `GET /v1/policy` reports. A reload builds a new [`Loaded`] aside and swaps
//! it in; a request holds the `Arc` it started with until it ends.

use polc::{Batch, BatchOptions, CompileOptions, FsLoader, ListLimits, Policy, RecordLimits};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

/// A policy file and everything `polc run` takes to load it: the sandbox and
/// source limits, list bindings that replace `from` files, list and record limits.
#[derive(Clone, Debug)]
pub struct PolicySource {
    /// The policy file.
    pub path: PathBuf,
    /// Root, outside-root permission and source limits.
    pub options: CompileOptions,
    /// `--list NAME=PATH` bindings, in place of the lists' `from` files.
    pub lists: Vec<(String, PathBuf)>,
    /// Most bytes of one list file.
    pub list_limits: ListLimits,
    /// Most bytes and JSON depth of one record.
    pub record_limits: RecordLimits,
    /// Worker threads of the batch endpoint's pool (`None`: one per core).
    pub batch_threads: Option<usize>,
    /// Serve this bundle (`polc bundle`) instead of `path` and `lists`: each
    /// load reads it (and the public key file) again.
    pub bundle: Option<BundleSource>,
}

/// A bundle served, and the public key file its signature must verify with.
#[derive(Clone, Debug)]
pub struct BundleSource {
    /// The bundle file.
    pub path: PathBuf,
    /// The ed25519 public key file; without it the bundle's hashes are checked but not its signature.
    pub public_key: Option<PathBuf>,
}

impl PolicySource {
    /// The policy at `path` with the defaults of `polc run`.
    pub fn new(path: impl Into<PathBuf>) -> PolicySource {
        PolicySource {
            path: path.into(),
            options: CompileOptions::default(),
            lists: Vec::new(),
            list_limits: ListLimits::default(),
            record_limits: RecordLimits::default(),
            batch_threads: None,
            bundle: None,
        }
    }

    /// The bundle at `path`, checked with the public key file `public_key` if given.
    pub fn from_bundle(path: impl Into<PathBuf>, public_key: Option<PathBuf>) -> PolicySource {
        let path = path.into();
        PolicySource { bundle: Some(BundleSource { path: path.clone(), public_key }), ..PolicySource::new(path) }
    }

    /// Reads and verifies the bundle, compiles its policy and binds its lists.
    fn load_bundle(&self, bundle: &BundleSource) -> Result<(Policy, Vec<PathBuf>), LoadFailure> {
        let failed = |what: String, failed: polc::PolicyError| LoadFailure {
            message: what,
            diagnostics: failed.diagnostics.iter().map(|d| polc::render_json(d, &failed.sources)).collect(),
        };
        let key = match &bundle.public_key {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| LoadFailure::message(format!("cannot read `{}`: {e}", path.display())))?;
                let key = polc::PublicKey::parse(&text).map_err(|e| {
                    LoadFailure::message(format!(
                        "`{}` is not a public key: {} ({})",
                        path.display(),
                        e.message,
                        e.code
                    ))
                })?;
                Some(key)
            }
        };
        let mut policy = Policy::from_bundle_file(&bundle.path, key.as_ref())
            .map_err(|e| failed(format!("the bundle `{}` is refused", bundle.path.display()), e))?;
        policy.set_record_limits(self.record_limits);
        let mut files = vec![bundle.path.clone()];
        files.extend(bundle.public_key.clone());
        Ok((policy, files))
    }

    /// Compiles the policy and binds its lists (blocking: call it off the
    /// async threads). On failure, every diagnostic, rendered as JSON.
    pub fn load(&self) -> Result<Loaded, LoadFailure> {
        let (policy, files) = match &self.bundle {
            Some(bundle) => self.load_bundle(bundle)?,
            None => self.load_files()?,
        };
        // the first decision compiles the conditions into closures: pay it now,
        // not on the first request
        let _ = policy.decide_json("{}", chrono::NaiveDate::MIN);
        // the batch endpoint's pool is made per request (`Loaded::batch`): idle
        // worker threads would keep their allocator heaps for good
        let mut batch_options = BatchOptions::new(chrono::NaiveDate::MIN).limits(&self.options.limits);
        batch_options.threads = self.batch_threads;
        let info = PolicyInfo::of(&policy);
        let stamps = stamps(&files);
        let reasons = crate::metrics::ReasonSeries::of(&policy);
        Ok(Loaded { policy, batch_options, info: Arc::new(info), files, stamps, reasons })
    }
    /// Compiles the policy file and binds its lists.
    fn load_files(&self) -> Result<(Policy, Vec<PathBuf>), LoadFailure> {
        if let Err(error) = std::fs::metadata(&self.path) {
            return Err(LoadFailure::message(format!("cannot read `{}`: {error}", self.path.display())));
        }
        let compilation = polc::compile_with(&self.path, &FsLoader, &self.options);
        let mut files: Vec<PathBuf> = compilation.sources.files().map(|(_, f)| f.path.clone()).collect();
        let mut policy = Policy::from_compilation(compilation).map_err(|failed| LoadFailure {
            message: format!("`{}` does not compile", self.path.display()),
            diagnostics: failed.diagnostics.iter().map(|d| polc::render_json(d, &failed.sources)).collect(),
        })?;
        for list in &policy.program().lists {
            let bound = self.lists.iter().find(|(name, _)| *name == list.name);
            files.push(bound.map_or_else(|| list.from.clone(), |(_, path)| path.clone()));
        }
        policy.set_list_limits(self.list_limits);
        policy.set_record_limits(self.record_limits);
        let problems = policy.bind_default_lists(&FsLoader, &self.lists);
        if !problems.is_empty() {
            let none = polc::SourceMap::default();
            return Err(LoadFailure {
                message: format!("the lists of `{}` cannot be bound", self.path.display()),
                diagnostics: problems.iter().map(|d| polc::render_json(d, &none)).collect(),
            });
        }
        Ok((policy, files))
    }
}

/// Why a load or reload failed: a message, and the policy's diagnostics (as
/// `polc check --format json` renders them) when it did not compile.
#[derive(Clone, Debug, Serialize)]
pub struct LoadFailure {
    /// What failed, in one line.
    pub message: String,
    /// Every diagnostic (errors and warnings), as JSON.
    pub diagnostics: Vec<serde_json::Value>,
}

impl LoadFailure {
    fn message(message: String) -> LoadFailure {
        LoadFailure { message, diagnostics: Vec::new() }
    }
}

/// One loaded version of the policy.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The policy, its lists bound.
    pub policy: Policy,
    /// How its batches are run (their `as_of` is each request's).
    pub batch_options: BatchOptions,
    /// What `GET /v1/policy` says of it.
    pub info: Arc<PolicyInfo>,
    /// Every file it was made of: the policy, the files it `use`s, its lists
    /// (what `--watch` looks at).
    pub files: Vec<PathBuf>,
    /// What those files looked like once it was loaded.
    pub(crate) stamps: Vec<FileStamp>,
    /// Its reason codes' counters, each looked up once.
    pub(crate) reasons: crate::metrics::ReasonSeries,
}

impl Loaded {
    /// A batch runner on it deciding as of `as_of`, on a pool of worker
    /// threads of its own that end when it is dropped (with their allocator
    /// heaps: memory goes back to idle size once the batch is over).
    pub fn batch(&self, as_of: chrono::NaiveDate) -> std::io::Result<Batch> {
        let mut options = self.batch_options.clone();
        options.as_of = as_of;
        Batch::new(&self.policy, options)
    }
}

/// What a file looked like: its modification time and size (`None`: missing).
pub(crate) type FileStamp = Option<(std::time::SystemTime, u64)>;

/// The stamps of `files`, in order.
pub(crate) fn stamps(files: &[PathBuf]) -> Vec<FileStamp> {
    files.iter().map(|path| std::fs::metadata(path).ok().and_then(|m| Some((m.modified().ok()?, m.len())))).collect()
}

/// What is being served: the body of `GET /v1/policy`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyInfo {
    /// The policy's name.
    pub name: String,
    /// Its version, as declared.
    pub version: String,
    /// The `sha256:` hash of its source, as every decision carries it.
    pub policy_hash: String,
    /// Each bound list, by name.
    pub lists: std::collections::BTreeMap<String, ListInfo>,
    /// Every reason code, sorted.
    pub reason_codes: Vec<String>,
    /// The authority's levels, in order.
    pub levels: Vec<String>,
    /// When this version was loaded (RFC 3339, UTC).
    pub loaded_at: String,
    /// How many loads there were before it in this process (0 for the first).
    pub generation: u64,
    /// `sha256:…` of the manifest of the bundle served (`--bundle`), as every decision carries it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
}

/// A bound list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ListInfo {
    /// The `sha256:` hash of its content, as every decision carries it.
    pub hash: String,
    /// How many distinct entries it holds.
    pub entries: usize,
}

impl PolicyInfo {
    fn of(policy: &Policy) -> PolicyInfo {
        let versions = policy.list_versions();
        let lists = policy
            .program()
            .lists
            .iter()
            .zip(policy.lists())
            .filter_map(|(def, set)| {
                let hash = versions.get(&def.name)?.clone();
                Some((def.name.clone(), ListInfo { hash, entries: set.as_ref().map_or(0, |s| s.len()) }))
            })
            .collect();
        PolicyInfo {
            name: policy.name().to_string(),
            version: policy.version().to_string(),
            policy_hash: policy.policy_hash().to_string(),
            lists,
            reason_codes: policy.reason_codes().iter().map(|c| c.to_string()).collect(),
            levels: policy.levels().iter().map(|l| l.to_string()).collect(),
            loaded_at: crate::now_rfc3339(),
            generation: 0,
            bundle: policy.bundle_revision().map(String::from),
        }
    }
}
