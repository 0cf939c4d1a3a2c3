//! Shared by the integration tests: the fixtures' paths (`policies/…`,
//! `tests/ui/…`, `examples/…`) are relative to the workspace root, while cargo
//! runs a test binary in its package's directory (`crates/polc`, `crates/polc-cli`).

use std::path::Path;

/// The workspace root: two levels above the package that owns the tests.
pub fn workspace_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Makes the workspace root the working directory. Every test of a binary sets
/// the same directory, so tests running on parallel threads agree.
pub fn at_workspace_root() {
    if let Err(error) = std::env::set_current_dir(workspace_root()) {
        eprintln!("cannot enter the workspace root: {error}");
    }
}
