//! `polc diff --old-rev REV`: a [`Loader`] that reads the policy, its `use`d
//! files and its lists' `from` files as committed at a git revision, with
//! `git show REV:PATH` (the `git` on the PATH; no library of git is linked).

use polc::Loader;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Reads files at `rev` of the repository that holds the policy; the files
/// bound with `--list` are read from disk.
pub struct GitLoader {
    rev: String,
    /// The repository's top directory, with links followed.
    top: PathBuf,
    /// The directory paths are relative to (the current one), with links followed.
    cwd: PathBuf,
    /// `--list` files, read from disk.
    on_disk: Vec<PathBuf>,
}

impl GitLoader {
    /// A loader of `rev` in the repository of `policy`; a message when there
    /// is no such repository or revision.
    pub fn new(rev: &str, policy: &Path, lists: &[(String, PathBuf)]) -> Result<GitLoader, String> {
        if rev.starts_with('-') || rev.contains(':') {
            return Err("a revision neither starts with `-` nor holds `:`".to_string());
        }
        let cwd = std::env::current_dir().and_then(std::fs::canonicalize).map_err(|e| e.to_string())?;
        let dir = match policy.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => cwd.join(parent),
            _ => cwd.clone(),
        };
        let top = git(&dir, &["rev-parse", "--show-toplevel"])?;
        let top = std::fs::canonicalize(String::from_utf8_lossy(&top).trim()).map_err(|e| e.to_string())?;
        git(&top, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .map_err(|_| format!("no commit `{rev}` in the repository at `{}`", top.display()))?;
        let on_disk = lists.iter().map(|(_, path)| lexical(&cwd.join(path))).collect();
        Ok(GitLoader { rev: rev.to_string(), top, cwd, on_disk })
    }

    /// `path` relative to the repository's top, `/`-separated.
    fn in_repository(&self, path: &Path) -> std::io::Result<String> {
        let absolute = lexical(&self.cwd.join(path));
        let relative = absolute.strip_prefix(&self.top).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("`{}` is outside the repository at `{}`", path.display(), self.top.display()),
            )
        })?;
        let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        Ok(parts.join("/"))
    }

    fn show(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let relative = self.in_repository(path)?;
        git(&self.top, &["show", &format!("{}:{relative}", self.rev)]).map_err(|message| {
            std::io::Error::new(std::io::ErrorKind::NotFound, format!("not in revision {}: {message}", self.rev))
        })
    }

    fn on_disk(&self, path: &Path) -> bool {
        self.on_disk.contains(&lexical(&self.cwd.join(path)))
    }
}

impl Loader for GitLoader {
    fn load(&self, path: &Path) -> std::io::Result<String> {
        if self.on_disk(path) {
            return polc::FsLoader.load(path);
        }
        String::from_utf8(self.show(path)?).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    fn load_bytes_within(&self, path: &Path, max_bytes: usize) -> Result<Vec<u8>, polc::LoadError> {
        if self.on_disk(path) {
            return polc::FsLoader.load_bytes_within(path, max_bytes);
        }
        let bytes = self.show(path).map_err(polc::LoadError::Io)?;
        if bytes.len() > max_bytes {
            return Err(polc::LoadError::TooLarge { max_bytes, size: Some(bytes.len() as u64) });
        }
        Ok(bytes)
    }
}

/// `path` with `.` and `..` taken away without asking the file system (a
/// file of the revision need not exist on disk).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Runs git in `dir`; its standard output, or its first line of error.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let output =
        Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        let error = String::from_utf8_lossy(&output.stderr);
        Err(error.lines().next().unwrap_or("git failed").trim().to_string())
    }
}
