//! Bundles of policies: [`bundle`] packs a policy, every file it `use`s, its
//! lists and its test file with a manifest (io::bundle); [`Policy::from_bundle`]
//! loads one from memory, every hash (and the signature, given a key) checked.

use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::limits::CompileOptions;
use crate::base::source::{normalize, LoadError, Loader, SourceMap};
use crate::engine::policy::{Policy, PolicyError};
use crate::io::bundle::{self, BundleError, BundleLimits, FileRole, Manifest, ManifestList, ManifestPolicy};
use crate::io::bundle::{PublicKey, SecretKey};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

pub use crate::io::bundle::{Built, Opened};

/// What [`bundle`] is given besides the policy.
#[derive(Clone, Debug, Default)]
pub struct BundleOptions<'a> {
    /// How the policy is compiled (root, limits); its test file is always read.
    pub compile: CompileOptions,
    /// `--list NAME=PATH` bindings, in place of the lists' `from` files.
    pub lists: Vec<(String, PathBuf)>,
    /// The key to sign the manifest with.
    pub sign_key: Option<&'a SecretKey>,
    /// When the bundle is made: RFC 3339 text, and seconds since 1970 (every entry's mtime).
    pub built_at: (String, u64),
}

/// Packs the policy at `path` (which must compile and whose lists must bind)
/// with every file it reads through `loader` into a bundle.
pub fn bundle(path: &Path, loader: &dyn Loader, options: &BundleOptions<'_>) -> Result<Built, PolicyError> {
    let compile = CompileOptions { test_files: true, ..options.compile.clone() };
    let compilation = crate::compile_with(path, loader, &compile);
    let sources: Vec<(PathBuf, String)> =
        compilation.sources.files().map(|(_, f)| (f.path.clone(), f.text.to_string())).collect();
    let mut policy = Policy::from_compilation(compilation)?;
    let problems = policy.bind_default_lists(loader, &options.lists);
    if !problems.is_empty() {
        return Err(PolicyError { sources: SourceMap::default(), diagnostics: problems });
    }
    let place = |p: &Path| loader.canonical(p).unwrap_or_else(|| normalize(p));
    // the policy's own files keep their places relative to one another
    let defaults: Vec<&crate::ir::ListDef> =
        policy.program().lists.iter().filter(|l| !options.lists.iter().any(|(n, _)| *n == l.name)).collect();
    let placed: Vec<PathBuf> =
        sources.iter().map(|(p, _)| place(p)).chain(defaults.iter().map(|l| place(&l.from))).collect();
    let base = common_dir(&placed);
    let inside = |p: &Path| -> Result<String, PolicyError> {
        let relative = place(p);
        let relative = relative.strip_prefix(&base).unwrap_or(&relative);
        archive_path("policy", relative).ok_or_else(|| refused(p))
    };
    let mut files: Vec<(String, FileRole, Vec<u8>)> = Vec::new();
    let entry = path_key(&sources, path);
    for (file, text) in &sources {
        let role = if crate::sema::test_file::is_test_file(file) {
            FileRole::Test
        } else if Some(file) == entry.as_ref() {
            FileRole::Policy
        } else {
            FileRole::Module
        };
        files.push((inside(file)?, role, text.clone().into_bytes()));
    }
    let policy_path = files.iter().find(|f| f.1 == FileRole::Policy).map(|f| f.0.clone()).unwrap_or_default();
    let mut lists = Vec::new();
    let max = policy.list_limits().max_list_bytes;
    for (def, set) in policy.program().lists.iter().zip(policy.lists()) {
        let bound = options.lists.iter().find(|(n, _)| *n == def.name).map(|(_, p)| p);
        let (source, at) = match bound {
            Some(p) => {
                let name = p.file_name().map_or_else(|| "list".into(), |n| n.to_string_lossy().into_owned());
                (p.clone(), archive_path(&format!("bound/{}", def.name), Path::new(&name)).ok_or_else(|| refused(p))?)
            }
            None => (def.from.clone(), inside(&def.from)?),
        };
        let bytes = loader.load_bytes_within(&source, max).map_err(|e| unreadable(&source, &e))?;
        let hash = policy.list_versions().get(&def.name).cloned().unwrap_or_default();
        let entries = set.as_ref().map_or(0, |s| s.len());
        lists.push(ManifestList { name: def.name.clone(), path: at.clone(), entries, hash });
        if !files.iter().any(|f| f.0 == at) {
            files.push((at, FileRole::List, bytes));
        }
    }
    let manifest = Manifest {
        format: bundle::FORMAT,
        policy: ManifestPolicy {
            name: policy.name().to_string(),
            version: policy.version().to_string(),
            hash: policy.policy_hash().to_string(),
            path: policy_path,
        },
        files: Vec::new(),
        lists,
        built_at: options.built_at.0.clone(),
        polc_version: env!("CARGO_PKG_VERSION").to_string(),
        signer: None,
    };
    Ok(bundle::write(manifest, &files, options.sign_key, options.built_at.1))
}

impl Policy {
    /// Loads a policy from a bundle's bytes (`polc bundle`): every file's size
    /// and sha256 is checked against the manifest, and with `key` the
    /// manifest's signature too (an unsigned bundle is then refused). Nothing
    /// is written anywhere. Every decision carries the bundle's revision as
    /// `"bundle"` ([`Policy::bundle_revision`]).
    pub fn from_bundle(bytes: &[u8], key: Option<&PublicKey>) -> Result<Policy, PolicyError> {
        Policy::from_opened(open(bytes, key)?)
    }

    /// Like [`Policy::from_bundle`], reading the bundle file at `path` into memory first.
    pub fn from_bundle_file(path: &Path, key: Option<&PublicKey>) -> Result<Policy, PolicyError> {
        let bytes = std::fs::read(path).map_err(|e| {
            let d = Diagnostic::error(Code::B0701, format!("cannot read the bundle `{}`: {e}", path.display()));
            PolicyError { sources: SourceMap::default(), diagnostics: vec![d] }
        })?;
        Policy::from_bundle(&bytes, key)
    }

    /// Compiles the policy of a bundle already opened, binding each list from
    /// the file the manifest names.
    pub fn from_opened(opened: Opened) -> Result<Policy, PolicyError> {
        let Opened { manifest, revision, files, .. } = opened;
        let loader = BundleLoader { files };
        // every file is in memory: nothing can be reached outside the bundle
        let options = CompileOptions { allow_outside_root: true, ..CompileOptions::default() };
        let compilation = crate::compile_with(Path::new(&manifest.policy.path), &loader, &options);
        let mut policy = Policy::from_compilation(compilation)?;
        if policy.policy_hash() != manifest.policy.hash {
            let message = format!(
                "the policy compiled from the bundle has hash {}, the manifest says {}",
                policy.policy_hash(),
                manifest.policy.hash
            );
            return Err(bundle_error(BundleError::new(Code::B0703, message)));
        }
        for list in &manifest.lists {
            if let Err(error) = policy.bind_list_file(&list.name, Path::new(&list.path), &loader) {
                let d = Diagnostic::error(error.code, error.message);
                return Err(PolicyError { sources: SourceMap::default(), diagnostics: vec![d] });
            }
        }
        let missing: Vec<&str> = policy
            .program()
            .lists
            .iter()
            .filter(|l| !manifest.lists.iter().any(|m| m.name == l.name))
            .map(|l| l.name.as_str())
            .collect();
        if !missing.is_empty() {
            let message = format!("the manifest binds no file to the list(s) {}", missing.join(", "));
            return Err(bundle_error(BundleError::new(Code::B0702, message)));
        }
        policy.set_bundle_revision(revision);
        Ok(policy)
    }
}

/// Reads and verifies a bundle's bytes (the first half of [`Policy::from_bundle`]).
pub fn open(bytes: &[u8], key: Option<&PublicKey>) -> Result<Opened, PolicyError> {
    bundle::read(bytes, key, BundleLimits::default()).map_err(bundle_error)
}

/// A bundle problem as a policy error, with the fix its code knows.
pub fn bundle_error(error: BundleError) -> PolicyError {
    let help = match error.code {
        Code::B0703 | Code::B0706 | Code::B0707 => {
            "the bundle was changed after it was made: make it again with `polc bundle`"
        }
        Code::B0704 => "check that the public key is the signer's; otherwise this is not the bundle that was signed",
        Code::B0705 => "sign the bundle when making it: `polc bundle POLICY -o B.polb --sign-key KEY`",
        _ => "make the bundle again with `polc bundle POLICY -o B.polb`",
    };
    let d = Diagnostic::error(error.code, error.message).help(help);
    PolicyError { sources: SourceMap::default(), diagnostics: vec![d] }
}

/// The files of a bundle, by archive path.
struct BundleLoader {
    files: BTreeMap<String, Vec<u8>>,
}

impl BundleLoader {
    fn get(&self, path: &Path) -> Option<&Vec<u8>> {
        let key = normalize(path);
        self.files.get(key.to_str()?)
    }
}

impl Loader for BundleLoader {
    fn load(&self, path: &Path) -> std::io::Result<String> {
        let bytes =
            self.get(path).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not in the bundle"))?;
        String::from_utf8(bytes.clone()).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    fn load_bytes_within(&self, path: &Path, max_bytes: usize) -> Result<Vec<u8>, LoadError> {
        let bytes = self
            .get(path)
            .ok_or_else(|| LoadError::Io(std::io::Error::new(std::io::ErrorKind::NotFound, "not in the bundle")))?;
        if bytes.len() > max_bytes {
            return Err(LoadError::TooLarge { max_bytes, size: Some(bytes.len() as u64) });
        }
        Ok(bytes.clone())
    }

    fn size(&self, path: &Path) -> Option<u64> {
        self.get(path).map(|b| b.len() as u64)
    }
}

/// Of `sources`, the path that is the policy compiled from `path`.
fn path_key(sources: &[(PathBuf, String)], path: &Path) -> Option<PathBuf> {
    let wanted = normalize(path);
    sources.iter().map(|(p, _)| p).find(|p| normalize(p) == wanted).cloned().or_else(|| {
        // the entry file is the first one read
        sources.iter().map(|(p, _)| p.clone()).find(|p| !crate::sema::test_file::is_test_file(p))
    })
}

/// The deepest directory holding every one of `paths`.
fn common_dir(paths: &[PathBuf]) -> PathBuf {
    let mut dirs = paths.iter().map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default());
    let Some(mut common) = dirs.next() else { return PathBuf::new() };
    for dir in dirs {
        let shared: PathBuf =
            common.components().zip(dir.components()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect();
        common = shared;
    }
    common
}

/// `prefix/` and `relative` with `/` separators, if `relative` is a plain relative path.
fn archive_path(prefix: &str, relative: &Path) -> Option<String> {
    let mut parts = vec![prefix.to_string()];
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_string()),
            _ => return None,
        }
    }
    let path = parts.join("/");
    bundle::check_path(&path).ok().map(|()| path)
}

fn refused(path: &Path) -> PolicyError {
    let message = format!("`{}` cannot be placed in a bundle: its path is not plain relative text", path.display());
    bundle_error(BundleError::new(Code::B0708, message))
}

fn unreadable(path: &Path, error: &LoadError) -> PolicyError {
    let d = Diagnostic::error(Code::L0401, format!("cannot read `{}`: {error}", path.display()));
    PolicyError { sources: SourceMap::default(), diagnostics: vec![d] }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::source::MemoryLoader;

    const POLICY: &str = "policy demo version \"3\"\nuse \"lib/common.pol\"\nrecord Applicant { id: String, age: Int, id_number: IdCard }\n\
                          input applicant: Applicant\nlist fraud_ids: IdCard from \"lists/fraud.txt\"\n\
                          rule A01 \"too young\" decline when applicant.age < min_age\n\
                          rule F01 \"fraud\" decline when applicant.id_number in fraud_ids\n";

    fn loader() -> MemoryLoader {
        MemoryLoader::new()
            .with("p/demo.pol", POLICY)
            .with("p/lib/common.pol", "const min_age: Int = 18\n")
            .with("p/lists/fraud.txt", "110100198511200248\n")
    }

    fn options() -> BundleOptions<'static> {
        BundleOptions { built_at: ("2026-12-02T00:00:00Z".into(), 0), ..BundleOptions::default() }
    }

    #[test]
    fn a_bundle_decides_as_its_files_do_and_stamps_its_revision() {
        let built = bundle(Path::new("p/demo.pol"), &loader(), &options()).expect("bundles");
        let paths: Vec<&str> = built.manifest.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["policy/demo.pol", "policy/lib/common.pol", "policy/lists/fraud.txt"]);
        let from_files = Policy::from_file(Path::new("p/demo.pol"), &loader()).expect("compiles");
        let from_bundle = Policy::from_bundle(&built.bytes, None).expect("loads");
        assert_eq!(from_bundle.bundle_revision(), Some(built.revision.as_str()));
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a date");
        let record = r#"{"id":"X","age":17,"id_number":"110100198511200248"}"#;
        let plain = from_files.decide_json_line(record, as_of);
        let bundled = from_bundle.decide_json_line(record, as_of);
        assert_eq!(
            bundled,
            format!("{},\"bundle\":\"{}\"}}", plain.strip_suffix('}').unwrap_or_default(), built.revision)
        );
        let verdict = from_bundle.decide_json(record, as_of);
        assert_eq!(serde_json::to_string(&verdict).ok().as_deref(), Some(bundled.as_str()));
    }

    #[test]
    fn a_bound_list_is_packed_under_its_name() {
        let loader = loader().with("/data/other.txt", "110100199003070138\n");
        let mut options = options();
        options.lists = vec![("fraud_ids".into(), PathBuf::from("/data/other.txt"))];
        let built = bundle(Path::new("p/demo.pol"), &loader, &options).expect("bundles");
        assert_eq!(built.manifest.lists[0].path, "bound/fraud_ids/other.txt");
        let policy = Policy::from_bundle(&built.bytes, None).expect("loads");
        assert_eq!(policy.list_versions()["fraud_ids"], built.manifest.lists[0].hash);
    }
}
