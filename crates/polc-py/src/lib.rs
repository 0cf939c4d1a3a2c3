//! `polc._polc`: the native half of the Python package `polc` — a compiled
//! policy that decides JSON records with the GIL released, and `check`.
//!
//! The Python half (`python/polc/__init__.py`) turns dicts into JSON text and
//! decision lines back into dicts (numbers with a fraction as `decimal.Decimal`),
//! so a decision is byte for byte the line `polc run` writes for the record.

use polc::{Compilation, CompileOptions, Diagnostic, FsLoader, Policy, RenderOptions, SourceMap};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

mod table;

/// The extension's Rust allocations come from mimalloc, as `polc run`'s do (each
/// decision allocates its verdict; Python's own memory is untouched). Arrow
/// buffers handed to pyarrow are freed through their release callback, by Rust.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A diagnostic as the Python side builds `polc.Diagnostic` from it:
/// (code, severity, message, file, line, column, help, rendered).
type DiagnosticTuple = (String, String, String, Option<String>, Option<u64>, Option<u64>, Option<String>, String);

/// Width the rendered text of a diagnostic wraps at (no colour).
const RENDER_WIDTH: usize = 100;

fn diagnostic_tuple(d: &Diagnostic, sources: &SourceMap) -> DiagnosticTuple {
    let json = polc::render_json(d, sources);
    let text = |key: &str| json.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let number = |key: &str| json.get(key).and_then(serde_json_u64);
    let rendered = polc::render_human(d, sources, RenderOptions { color: false, width: RENDER_WIDTH });
    (
        d.code.as_str().to_string(),
        d.severity.as_str().to_string(),
        d.message.clone(),
        text("file").filter(|f| !f.is_empty()),
        number("line"),
        number("column"),
        d.help.clone(),
        rendered,
    )
}

fn serde_json_u64(value: &serde_json::Value) -> Option<u64> {
    value.as_u64()
}

/// Raises `polc.PolicyError` (defined in Python, `polc/_types.py`) with the
/// rendered errors as its message and every diagnostic as objects.
fn policy_error(py: Python<'_>, diagnostics: &[Diagnostic], sources: &SourceMap) -> PyErr {
    let tuples: Vec<DiagnosticTuple> = diagnostics.iter().map(|d| diagnostic_tuple(d, sources)).collect();
    let message: Vec<&str> = tuples.iter().filter(|t| t.1 == "error").map(|t| t.7.trim_end()).collect();
    let message = message.join("\n\n");
    let raised = py
        .import("polc._types")
        .and_then(|module| module.getattr("PolicyError"))
        .and_then(|class| class.call1((message, tuples)));
    match raised {
        Ok(error) => PyErr::from_value(error),
        Err(error) => error,
    }
}

/// The decision date: `YYYY-MM-DD`, or today in China (UTC+8) as `polc run` takes it.
fn as_of_date(as_of: Option<&str>) -> PyResult<polc::NaiveDate> {
    match as_of {
        Some(text) => polc_core::value::ident::parse_date(text)
            .ok_or_else(|| PyValueError::new_err(format!("`{text}` is not a date (YYYY-MM-DD)"))),
        None => Ok((chrono::Utc::now() + chrono::TimeDelta::hours(8)).date_naive()),
    }
}

/// Raises `polc.InputError` (a `ValueError`): a table whose columns do not fit the input record.
fn input_error(py: Python<'_>, error: &polc::arrow::TabularError) -> PyErr {
    let raised = py
        .import("polc._types")
        .and_then(|module| module.getattr("InputError"))
        .and_then(|class| class.call1((error.to_string(),)));
    match raised {
        Ok(error) => PyErr::from_value(error),
        Err(error) => error,
    }
}

/// A compiled policy with its lists bound, shared by every thread that decides with it.
#[pyclass(frozen, module = "polc._polc")]
struct NativePolicy {
    policy: Policy,
    /// The warnings of compiling it.
    warnings: Vec<DiagnosticTuple>,
    /// The batch runners made so far, by their number of threads (0: one a
    /// core), kept for the next table (Spark decides many per partition).
    runners: Mutex<Vec<(usize, Arc<polc::Batch>)>>,
}

impl NativePolicy {
    fn new(policy: Policy, warnings: Vec<DiagnosticTuple>) -> NativePolicy {
        NativePolicy { policy, warnings, runners: Mutex::new(Vec::new()) }
    }

    /// The batch runner with `threads` workers (0: one a core).
    fn runner(&self, threads: usize, as_of: polc::NaiveDate) -> PyResult<Arc<polc::Batch>> {
        let mut runners = self.runners.lock().map_err(|_| PyValueError::new_err("a thread failed while deciding"))?;
        if let Some((_, runner)) = runners.iter().find(|(n, _)| *n == threads) {
            return Ok(runner.clone());
        }
        let mut options = polc::BatchOptions::new(as_of);
        if threads > 0 {
            options = options.threads(threads);
        }
        let runner = Arc::new(
            polc::Batch::new(&self.policy, options)
                .map_err(|e| PyValueError::new_err(format!("cannot start the worker threads: {e}")))?,
        );
        runners.push((threads, runner.clone()));
        Ok(runner)
    }
}

#[pymethods]
impl NativePolicy {
    /// Compiles `path` and binds its lists: from `lists` (name, path) where
    /// given, else from each list's `from` file (as `polc run --list`).
    #[staticmethod]
    #[pyo3(signature = (path, lists = None))]
    fn from_file(py: Python<'_>, path: PathBuf, lists: Option<Vec<(String, PathBuf)>>) -> PyResult<NativePolicy> {
        let overrides = lists.unwrap_or_default();
        let mut seen = std::collections::BTreeSet::new();
        if let Some((name, _)) = overrides.iter().find(|(name, _)| !seen.insert(name.clone())) {
            return Err(PyValueError::new_err(format!("list `{name}` is bound twice: give each list once")));
        }
        let loaded = py.detach(|| load(&path, &overrides));
        match loaded {
            Ok((policy, warnings)) => Ok(NativePolicy::new(policy, warnings)),
            Err((diagnostics, sources)) => Err(policy_error(py, &diagnostics, &sources)),
        }
    }

    /// Decides one record given as JSON text into the decision line `polc run`
    /// writes for it (a record that does not match is an `error` decision).
    #[pyo3(signature = (record, as_of = None))]
    fn decide_json(&self, py: Python<'_>, record: &str, as_of: Option<&str>) -> PyResult<String> {
        let as_of = as_of_date(as_of)?;
        let record = record.to_string();
        Ok(py.detach(|| self.policy.decide_json_line(&record, as_of)))
    }

    /// Decides many JSON records in parallel, one decision line each, in order.
    #[pyo3(signature = (records, as_of = None, threads = 0))]
    fn decide_json_many(
        &self,
        py: Python<'_>,
        records: Vec<String>,
        as_of: Option<&str>,
        threads: usize,
    ) -> PyResult<Vec<String>> {
        let as_of = as_of_date(as_of)?;
        let runner = py.detach(|| self.runner(threads, as_of))?;
        py.detach(|| {
            let lines: Vec<&str> = records.iter().map(String::as_str).collect();
            let verdicts = runner.with_as_of(as_of).decide_records(&lines);
            verdicts
                .iter()
                .map(|v| {
                    serde_json::to_string(v).map_err(|e| PyValueError::new_err(format!("cannot write a decision: {e}")))
                })
                .collect()
        })
    }

    /// Decides every row of an Arrow table or record batch (anything with
    /// `__arrow_c_stream__` or `__arrow_c_array__`) into a pyarrow Table of
    /// flattened decisions: one row per input row, in order, one chunk a piece of up to
    /// 8,192 rows of an input batch (docs/python.md).
    #[pyo3(signature = (data, as_of = None, threads = 0))]
    fn decide_arrow<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        as_of: Option<&str>,
        threads: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let as_of = as_of_date(as_of)?;
        let (input, _) = table::batches_of(data)?;
        let runner = py.detach(|| self.runner(threads, as_of))?;
        let decided = py.detach(|| table::decide_all(&runner, &input, as_of));
        drop(input);
        match decided {
            Ok(batches) => table::to_table(py, batches, polc::arrow::decision_schema(&runner)),
            Err(error) => Err(input_error(py, &error)),
        }
    }

    /// The schema of the decision tables, known before any record (for Spark's `mapInArrow`).
    fn decision_schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let runner = py.detach(|| self.runner(1, (chrono::Utc::now()).date_naive()))?;
        table::schema_to_py(py, &polc::arrow::decision_schema(&runner))
    }

    /// The policy's name, version and hash, and its lists' versions.
    #[getter]
    fn name(&self) -> &str {
        self.policy.name()
    }

    #[getter]
    fn version(&self) -> &str {
        self.policy.version()
    }

    #[getter]
    fn policy_hash(&self) -> &str {
        self.policy.policy_hash()
    }

    #[getter]
    fn list_versions(&self) -> BTreeMap<String, String> {
        self.policy.list_versions().clone()
    }

    /// The message of a reason code (`rule CODE "message" …`).
    fn message(&self, code: &str) -> Option<String> {
        self.policy.message(code).map(str::to_string)
    }

    #[getter]
    fn warnings(&self) -> Vec<DiagnosticTuple> {
        self.warnings.clone()
    }
}

type Loaded = Result<(Policy, Vec<DiagnosticTuple>), (Vec<Diagnostic>, SourceMap)>;

fn load(path: &std::path::Path, overrides: &[(String, PathBuf)]) -> Loaded {
    let Compilation { sources, diagnostics, program } = polc::compile_with(path, &FsLoader, &CompileOptions::default());
    let warnings: Vec<DiagnosticTuple> =
        diagnostics.iter().filter(|d| !d.is_error()).map(|d| diagnostic_tuple(d, &sources)).collect();
    let compiled = Compilation { sources: SourceMap::default(), diagnostics, program };
    let mut policy = match Policy::from_compilation(compiled) {
        Ok(policy) => policy,
        Err(failed) => return Err((failed.diagnostics, sources)),
    };
    let problems = policy.bind_default_lists(&FsLoader, overrides);
    if problems.is_empty() {
        Ok((policy, warnings))
    } else {
        Err((problems, sources))
    }
}

/// Type-checks the policy at `path` (and, unless `skip_lists`, loads its
/// lists) as `polc check` does: every error and warning, in order.
#[pyfunction]
#[pyo3(signature = (path, skip_lists = false))]
fn check(py: Python<'_>, path: PathBuf, skip_lists: bool) -> Vec<DiagnosticTuple> {
    py.detach(|| {
        if let Err(error) = std::fs::File::open(&path) {
            let d = Diagnostic::error(
                polc_core::base::codes::Code::N0107,
                format!("cannot read `{}`: {error}", path.display()),
            );
            return vec![diagnostic_tuple(&d, &SourceMap::default())];
        }
        let options = CompileOptions { test_files: true, ..CompileOptions::default() };
        let Compilation { sources, mut diagnostics, program } = polc::compile_with(&path, &FsLoader, &options);
        if let Some(program) = program.filter(|_| !skip_lists) {
            let compiled =
                Compilation { sources: SourceMap::default(), diagnostics: Vec::new(), program: Some(program) };
            if let Ok(mut policy) = Policy::from_compilation(compiled) {
                diagnostics.extend(policy.bind_default_lists(&FsLoader, &[]));
            }
        }
        diagnostics.iter().map(|d| diagnostic_tuple(d, &sources)).collect()
    })
}

/// The explanation of a diagnostic code (`polc explain CODE`), if it is one.
#[pyfunction]
fn explain(code: &str) -> Option<String> {
    polc_core::base::codes::lookup(code).map(polc_core::base::codes::explain)
}

#[pymodule]
fn _polc(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativePolicy>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
