//! The files the command line is given: `.pol` files found below a directory,
//! lists bound twice, and the same file named twice (an output over an input).

use std::path::{Path, PathBuf};

/// The name of a list bound more than once in `lists` (`--list NAME=…` given
/// twice: the second would silently win or be ignored).
pub fn twice_bound(lists: &[(String, PathBuf)]) -> Option<&str> {
    let mut seen = std::collections::BTreeSet::new();
    lists.iter().map(|(name, _)| name.as_str()).find(|name| !seen.insert(*name))
}

/// The files to work on: each path given, with a directory replaced by the
/// `.pol` files below it, in name order (hidden directories and `target` are
/// skipped; symbolic links to directories are not followed, so a loop cannot
/// make the walk endless).
pub fn expand(paths: &[PathBuf], keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &keep, &mut files);
        } else {
            files.push(path.clone());
        }
    }
    files
}

/// `files` with each test file (`NAME.test.pol`) whose policy exists replaced
/// by that policy, which reads it, and each file kept once, in order.
pub fn policies_for_tests(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::with_capacity(files.len());
    for file in files {
        let file = match polc_core::sema::test_file::policy_of(&file) {
            Some(policy) if policy.is_file() => policy,
            _ => file,
        };
        if !out.contains(&file) {
            out.push(file);
        }
    }
    out
}

fn walk(dir: &Path, keep: &impl Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<(PathBuf, bool)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
        .collect();
    entries.sort();
    for (path, is_dir) in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if is_dir {
            if !name.starts_with('.') && name != "target" {
                walk(&path, keep, out);
            }
        } else if path.extension().is_some_and(|e| e == "pol") && keep(&path) {
            out.push(path);
        }
    }
}

/// What makes two paths one file: its device and inode when it exists (hard
/// and symbolic links included), else its directory with links followed and
/// its name. `None` for a device, pipe or terminal: writing two streams to
/// `/dev/null` is harmless, and reading one and writing another pipe too.
#[derive(Debug, PartialEq, Eq)]
pub enum Identity {
    Existing { device: u64, inode: u64 },
    New(PathBuf),
}

pub fn identity(path: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Some(Identity::Existing { device: meta.dev(), inode: meta.ino() }),
        Ok(_) => None,
        Err(_) => {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            Some(Identity::New(dir.join(path.file_name()?)))
        }
    }
}

/// True when `a` and `b` name one regular file (or would, once written).
pub fn same(a: &Path, b: &Path) -> bool {
    identity(a).is_some_and(|a| identity(b).is_some_and(|b| a == b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_bound_twice_is_found() {
        let bind = |n: &str| (n.to_string(), PathBuf::from("x"));
        assert_eq!(twice_bound(&[bind("a"), bind("b")]), None);
        assert_eq!(twice_bound(&[bind("a"), bind("b"), bind("a")]), Some("a"));
    }

    #[test]
    fn one_file_is_found_under_two_names() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("a.jsonl");
        std::fs::write(&file, "x").unwrap_or_else(|e| panic!("{e}"));
        let linked = dir.path().join("b.jsonl");
        std::fs::hard_link(&file, &linked).unwrap_or_else(|e| panic!("{e}"));
        let dotted = dir.path().join(".").join("new.json");
        let new = dir.path().join("new.json");
        let other = dir.path().join("other.json");
        assert!(same(&file, &linked), "a hard link");
        assert!(same(&dotted, &new), "a file yet to be written");
        assert!(!same(&new, &other) && !same(&new, &file));
        let null = Path::new("/dev/null");
        assert!(!same(null, null), "a device may take both");
    }
}
