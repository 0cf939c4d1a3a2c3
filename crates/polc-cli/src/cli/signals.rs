//! SIGINT, SIGTERM and SIGHUP: remove the temporary files a run is writing
//! (`.F.<pid>.polc-tmp`) and exit with 128 + the signal (130, 143, 129).
//!
//! A temporary file is registered with [`Temporary::new`] before it is created
//! and forgotten when the guard is dropped (after it was renamed or removed).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The temporary files being written now.
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Starts the thread that waits for a signal. Without it (an error the system
/// gives only when out of resources) the signals keep their default action.
pub fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new().name("polc-signals".into()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            remove_temporaries();
            std::process::exit(128 + signal);
        }
    })?;
    Ok(())
}

/// Removes every registered temporary file (on a signal, or before the
/// process stops because a standard stream failed).
pub fn remove_temporaries() {
    let paths = match TEMPORARIES.lock() {
        Ok(paths) => paths.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

/// A temporary file registered for removal on a signal, while the guard lives.
#[derive(Debug)]
pub struct Temporary {
    path: PathBuf,
}

impl Temporary {
    /// Registers `path` (before it is created, so no moment is left in which a
    /// signal would leave it behind).
    pub fn new(path: &Path) -> Temporary {
        if let Ok(mut paths) = TEMPORARIES.lock() {
            paths.push(path.to_path_buf());
        }
        Temporary { path: path.to_path_buf() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if let Ok(mut paths) = TEMPORARIES.lock() {
            if let Some(at) = paths.iter().position(|p| *p == self.path) {
                paths.swap_remove(at);
            }
        }
    }
}
