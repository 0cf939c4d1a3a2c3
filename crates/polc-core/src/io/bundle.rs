//! Bundles as bytes: a tar archive of a policy's files with a manifest (each
//! file's path, size and sha256) and an optional ed25519 signature over it.
//! Written to and read from memory only: nothing here touches a file system.
//!
//! ```text
//! manifest.json            the Manifest, as JSON (its sha256 is the bundle's revision)
//! manifest.sig             optional: hex ed25519 signature over manifest.json's exact bytes
//! policy/…                 the policy, the files it `use`s, its `from` lists, its test file
//! bound/NAME/FILE          a list bound with `--list NAME=PATH` when the bundle was made
//! ```

use crate::base::codes::Code;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;

/// The archive entry holding the manifest.
pub const MANIFEST: &str = "manifest.json";
/// The archive entry holding the manifest's signature.
pub const SIGNATURE: &str = "manifest.sig";
/// The manifest format this polc writes and reads.
pub const FORMAT: u32 = 1;

/// Reads a bundle's bytes into its verified files (see [`read`]).
pub fn read(bytes: &[u8], key: Option<&PublicKey>, limits: BundleLimits) -> Result<Opened, BundleError> {
    let mut entries = entries(bytes, limits)?;
    let Some(manifest_bytes) = entries.remove(MANIFEST) else {
        return Err(BundleError::new(Code::B0702, format!("the bundle has no `{MANIFEST}`")));
    };
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| BundleError::new(Code::B0702, format!("`{MANIFEST}` is not a bundle manifest: {e}")))?;
    if manifest.format != FORMAT {
        let message = format!("`{MANIFEST}` is format {}; this polc reads format {FORMAT}", manifest.format);
        return Err(BundleError::new(Code::B0702, message));
    }
    let signature = entries.remove(SIGNATURE);
    match (key, &signature, &manifest.signer) {
        (Some(key), _, _) => verify_signature(&manifest, &manifest_bytes, signature.as_deref(), key)?,
        // no key given, but the bundle is signed: the signature must still hold for
        // the key the manifest names, so a signed bundle changed afterwards is refused
        // (only a key given proves who signed it)
        (None, Some(_), Some(signer)) => {
            let named = PublicKey::parse(signer).map_err(|e| {
                BundleError::new(Code::B0704, format!("the manifest's signer is not a public key: {}", e.message))
            })?;
            verify_signature(&manifest, &manifest_bytes, signature.as_deref(), &named)?;
        }
        (None, Some(_), None) => {
            let message = "the bundle is signed but its manifest names no signer: the signature cannot be checked";
            return Err(BundleError::new(Code::B0704, message.to_string()));
        }
        (None, None, _) => {}
    }
    let mut files = BTreeMap::new();
    for file in &manifest.files {
        check_path(&file.path)?;
        let Some(bytes) = entries.remove(&file.path) else {
            let message = format!("the manifest lists `{}`, which the archive does not hold", file.path);
            return Err(BundleError::new(Code::B0707, message));
        };
        let digest = sha256_hex(&bytes);
        if bytes.len() as u64 != file.size || digest != file.sha256 {
            let message = format!(
                "`{}` does not match the manifest: {} bytes with sha256 {digest}, the manifest says {} bytes with \
                 sha256 {}",
                file.path,
                bytes.len(),
                file.size,
                file.sha256
            );
            return Err(BundleError::new(Code::B0703, message));
        }
        files.insert(file.path.clone(), bytes);
    }
    if let Some(stray) = entries.keys().next() {
        let message = format!("the archive holds `{stray}`, which the manifest does not list");
        return Err(BundleError::new(Code::B0706, message));
    }
    let named = std::iter::once(&manifest.policy.path).chain(manifest.lists.iter().map(|l| &l.path));
    if let Some(missing) = named.into_iter().find(|path| !files.contains_key(*path)) {
        let message = format!("the manifest names `{missing}` but does not list it among its files");
        return Err(BundleError::new(Code::B0702, message));
    }
    let revision = format!("sha256:{}", sha256_hex(&manifest_bytes));
    Ok(Opened { manifest, revision, signed: signature.is_some(), verified: key.is_some(), files })
}

/// Writes the archive of `files` (archive path, role and bytes) with
/// `manifest` (whose file list is made here, in the order given), signed with
/// `key` if given. `mtime` is every entry's modification time (seconds since 1970).
pub fn write(
    mut manifest: Manifest,
    files: &[(String, FileRole, Vec<u8>)],
    key: Option<&SecretKey>,
    mtime: u64,
) -> Built {
    manifest.format = FORMAT;
    manifest.files = files
        .iter()
        .map(|(path, role, bytes)| ManifestFile {
            path: path.clone(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
            role: *role,
        })
        .collect();
    manifest.signer = key.map(|k| k.public_key().to_hex());
    // a manifest of strings, numbers and lists always serialises
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    manifest_bytes.push(b'\n');
    let mut archive = tar::Builder::new(Vec::new());
    let mut append = |path: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        // writing into a Vec only fails on a path tar cannot hold (checked when made)
        archive.append_data(&mut header, path, bytes)
    };
    let mut written = append(MANIFEST, &manifest_bytes);
    if let Some(key) = key {
        let signature = key.0.sign(&manifest_bytes);
        let text = format!("{}\n", hex(&signature.to_bytes()));
        written = written.and_then(|()| append(SIGNATURE, text.as_bytes()));
    }
    for (path, _, bytes) in files {
        written = written.and_then(|()| append(path, bytes));
    }
    let bytes = written.and_then(|()| archive.into_inner()).unwrap_or_default();
    let revision = format!("sha256:{}", sha256_hex(&manifest_bytes));
    Built { bytes, manifest, revision }
}

/// A bundle made by [`write`].
#[derive(Debug)]
pub struct Built {
    /// The archive.
    pub bytes: Vec<u8>,
    /// Its manifest, as written.
    pub manifest: Manifest,
    /// `sha256:` of the manifest's bytes.
    pub revision: String,
}

/// A bundle read and verified by [`read`].
#[derive(Debug)]
pub struct Opened {
    /// The manifest.
    pub manifest: Manifest,
    /// `sha256:` and the digest of `manifest.json`'s bytes: what every decision
    /// made from the bundle carries as `"bundle"`.
    pub revision: String,
    /// Whether the bundle holds a signature.
    pub signed: bool,
    /// Whether the signature was checked against a public key (and held).
    pub verified: bool,
    /// Every file, by archive path, its size and sha256 checked.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// What a bundle holds and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest format (1).
    pub format: u32,
    /// The policy bundled.
    pub policy: ManifestPolicy,
    /// Every file of the archive but the manifest and its signature.
    pub files: Vec<ManifestFile>,
    /// Every list the policy declares, bound from the file at its path.
    pub lists: Vec<ManifestList>,
    /// When the bundle was made (RFC 3339, UTC).
    pub built_at: String,
    /// The polc that made it.
    pub polc_version: String,
    /// The hex ed25519 public key whose secret key signed the manifest, if signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
}

/// The bundled policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestPolicy {
    /// `policy NAME …`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// `sha256:…` of its sources, as every decision carries it as `policy_hash`.
    pub hash: String,
    /// The archive path of the policy file.
    pub path: String,
}

/// One file of the archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Its archive path (relative, `/`-separated).
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// The hex sha256 of its bytes.
    pub sha256: String,
    /// What it is to the policy.
    pub role: FileRole,
}

/// What a bundled file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    /// The policy file.
    Policy,
    /// A file the policy (or one of its files) `use`s.
    Module,
    /// A list's file.
    List,
    /// The policy's `NAME.test.pol`.
    Test,
}

/// One list of the policy and the file it is bound from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestList {
    /// The list's name.
    pub name: String,
    /// The archive path of its file.
    pub path: String,
    /// How many distinct entries it held when bundled.
    pub entries: usize,
    /// `sha256:…` of its content, as every decision carries it.
    pub hash: String,
}

/// Limits on what a bundle may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BundleLimits {
    /// Most bytes of one entry (default 1 GiB, the default list limit).
    pub max_entry_bytes: u64,
    /// Most entries (default 4096).
    pub max_entries: usize,
}

impl Default for BundleLimits {
    fn default() -> BundleLimits {
        BundleLimits { max_entry_bytes: 1 << 30, max_entries: 4096 }
    }
}

/// Why a bundle was refused: a `B` code and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BundleError {
    /// The code.
    pub code: Code,
    /// What was wrong, naming the entry.
    pub message: String,
}

impl BundleError {
    /// An error with its code.
    pub fn new(code: Code, message: impl Into<String>) -> BundleError {
        BundleError { code, message: message.into() }
    }
}

/// Every entry of the archive, checked (regular files at safe paths, within
/// the limits, each once), by path.
fn entries(bytes: &[u8], limits: BundleLimits) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let corrupt = |e: std::io::Error| BundleError::new(Code::B0701, format!("the bundle is truncated or corrupt: {e}"));
    if bytes.is_empty() {
        return Err(BundleError::new(Code::B0701, "the bundle is empty"));
    }
    let mut archive = tar::Archive::new(bytes);
    let mut out = BTreeMap::new();
    for entry in archive.entries().map_err(corrupt)? {
        let entry = entry.map_err(corrupt)?;
        let path = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| BundleError::new(Code::B0708, "an entry's path is not UTF-8"))?;
        let kind = entry.header().entry_type();
        if !kind.is_file() {
            let what = if kind.is_symlink() || kind.is_hard_link() { "a link" } else { "not a regular file" };
            return Err(BundleError::new(
                Code::B0708,
                format!("the entry `{path}` is {what}: a bundle holds files only"),
            ));
        }
        check_path(&path)?;
        if out.len() >= limits.max_entries {
            let message = format!("the bundle holds more than {} entries", limits.max_entries);
            return Err(BundleError::new(Code::B0709, message));
        }
        let size = entry.header().size().map_err(corrupt)?;
        if size > limits.max_entry_bytes {
            let message =
                format!("the entry `{path}` is {size} bytes, more than the limit ({})", limits.max_entry_bytes);
            return Err(BundleError::new(Code::B0709, message));
        }
        let mut content = Vec::new();
        entry.take(limits.max_entry_bytes.saturating_add(1)).read_to_end(&mut content).map_err(corrupt)?;
        if content.len() as u64 != size {
            let message = format!("the entry `{path}` is cut short: {} of {size} bytes", content.len());
            return Err(BundleError::new(Code::B0701, format!("the bundle is truncated or corrupt: {message}")));
        }
        if out.insert(path.clone(), content).is_some() {
            return Err(BundleError::new(Code::B0708, format!("the archive holds `{path}` twice")));
        }
    }
    if out.is_empty() {
        return Err(BundleError::new(Code::B0701, "the bundle is truncated or corrupt: it holds no entry"));
    }
    Ok(out)
}

/// A path an archive may hold: relative, `/`-separated, with no empty, `.` or
/// `..` part, no backslash, colon or control character.
pub fn check_path(path: &str) -> Result<(), BundleError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.split('/').any(|part| part.is_empty() || part == "." || part == "..")
        || path.chars().any(|c| c == '\\' || c == ':' || c.is_control());
    match bad {
        false => Ok(()),
        true => Err(BundleError::new(
            Code::B0708,
            format!("the entry path `{}` is not a plain relative path inside the bundle", path.escape_debug()),
        )),
    }
}

fn verify_signature(
    manifest: &Manifest,
    manifest_bytes: &[u8],
    signature: Option<&[u8]>,
    key: &PublicKey,
) -> Result<(), BundleError> {
    let Some(signature) = signature else {
        let message = format!("the bundle is not signed, and a public key was given (`{SIGNATURE}` is missing)");
        return Err(BundleError::new(Code::B0705, message));
    };
    let bad = |why: &str| BundleError::new(Code::B0704, format!("the bundle's signature does not verify: {why}"));
    let text = std::str::from_utf8(signature).map_err(|_| bad("`manifest.sig` is not hex text"))?;
    let bytes: [u8; 64] = unhex(text.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("`manifest.sig` is not 128 hex digits"))?;
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    if let Some(signer) = &manifest.signer {
        if *signer != key.to_hex() {
            return Err(bad(&format!("it was signed by key {signer}, not by the key given ({})", key.to_hex())));
        }
    }
    key.0
        .verify_strict(manifest_bytes, &signature)
        .map_err(|_| bad("the manifest or the signature was changed, or the key is not the signer's"))
}

/// An ed25519 public key, to verify bundles with: written as 64 hex digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads a public key file's text: 64 hex digits (white space and `#`
    /// comment lines around them ignored).
    pub fn parse(text: &str) -> Result<PublicKey, BundleError> {
        let bytes = key_bytes(text, "public")?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| BundleError::new(Code::B0710, "the public key is not a valid ed25519 point"))
    }

    /// The key as 64 hex digits.
    pub fn to_hex(&self) -> String {
        hex(self.0.as_bytes())
    }
}

/// An ed25519 secret key, to sign bundles with: its 32-byte seed, written as 64 hex digits.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(public {})", self.public_key().to_hex())
    }
}

impl SecretKey {
    /// The key of a 32-byte seed (give it random bytes from the operating system).
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey(SigningKey::from_bytes(&seed))
    }

    /// Reads a secret key file's text: 64 hex digits (white space and `#`
    /// comment lines around them ignored).
    pub fn parse(text: &str) -> Result<SecretKey, BundleError> {
        key_bytes(text, "secret").map(SecretKey::from_seed)
    }

    /// Its public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The seed as 64 hex digits (keep it secret).
    pub fn to_hex(&self) -> String {
        hex(self.0.as_bytes())
    }
}

fn key_bytes(text: &str, which: &str) -> Result<[u8; 32], BundleError> {
    let digits: String = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().concat();
    unhex(digits.trim()).and_then(|b| b.try_into().ok()).ok_or_else(|| {
        BundleError::new(
            Code::B0710,
            format!("a {which} key file holds 64 hex digits (32 bytes), and this one does not"),
        )
    })
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// The hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest {
            format: FORMAT,
            policy: ManifestPolicy {
                name: "p".into(),
                version: "1".into(),
                hash: "sha256:x".into(),
                path: "policy/p.pol".into(),
            },
            files: Vec::new(),
            lists: Vec::new(),
            built_at: "2026-12-02T00:00:00Z".into(),
            polc_version: "0.1.0".into(),
            signer: None,
        }
    }

    fn files() -> Vec<(String, FileRole, Vec<u8>)> {
        vec![("policy/p.pol".to_string(), FileRole::Policy, b"policy p version \"1\"\n".to_vec())]
    }

    #[test]
    fn a_written_bundle_reads_back_with_its_files_and_revision() {
        let key = SecretKey::from_seed([7; 32]);
        let built = write(manifest(), &files(), Some(&key), 0);
        let opened = read(&built.bytes, Some(&key.public_key()), BundleLimits::default()).expect("reads");
        assert_eq!(opened.revision, built.revision);
        assert!(opened.signed && opened.verified);
        assert_eq!(opened.manifest.files[0].role, FileRole::Policy);
        assert_eq!(opened.files["policy/p.pol"], files()[0].2);
    }

    #[test]
    fn a_signed_bundle_changed_afterwards_is_refused_even_without_a_key() {
        let key = SecretKey::from_seed([3; 32]);
        let built = write(manifest(), &files(), Some(&key), 0);
        assert!(read(&built.bytes, None, BundleLimits::default()).is_ok_and(|o| o.signed && !o.verified));
        // the manifest rewritten (here: another build time), the old signature kept
        let mut entries = entries(&built.bytes, BundleLimits::default()).expect("reads");
        let manifest_text = String::from_utf8(entries.remove(MANIFEST).expect("a manifest")).expect("text");
        let changed = manifest_text.replace("2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z");
        assert_ne!(changed, manifest_text);
        let mut archive = tar::Builder::new(Vec::new());
        let mut append = |path: &str, bytes: &[u8]| {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            archive.append_data(&mut header, path, bytes).expect("appends");
        };
        append(MANIFEST, changed.as_bytes());
        for (path, bytes) in &entries {
            append(path, bytes);
        }
        let tampered = archive.into_inner().expect("a tar");
        let refused = read(&tampered, None, BundleLimits::default()).map(|_| ());
        assert_eq!(refused.map_err(|e| e.code), Err(Code::B0704));
    }

    #[test]
    fn keys_read_back_from_their_hex_and_a_wrong_key_is_refused() {
        let key = SecretKey::from_seed([1; 32]);
        let again = SecretKey::parse(&format!("# polc bundle key\n{}\n", key.to_hex())).expect("parses");
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(PublicKey::parse("abc").map_err(|e| e.code), Err(Code::B0710));
        let built = write(manifest(), &files(), Some(&key), 0);
        let other = SecretKey::from_seed([2; 32]).public_key();
        let error = read(&built.bytes, Some(&other), BundleLimits::default()).expect_err("wrong key");
        assert_eq!(error.code, Code::B0704);
        let unsigned = write(manifest(), &files(), None, 0);
        let error = read(&unsigned.bytes, Some(&other), BundleLimits::default()).expect_err("unsigned");
        assert_eq!(error.code, Code::B0705);
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for path in ["../x", "/etc/passwd", "a/../b", "a//b", "a\\b", "C:x", "", "./a"] {
            assert_eq!(check_path(path).map_err(|e| e.code), Err(Code::B0708), "{path}");
        }
        assert!(check_path("policy/lists/fraud_ids.txt").is_ok());
    }

    #[test]
    fn an_entry_over_the_limit_is_refused_before_it_is_read() {
        let built = write(manifest(), &files(), None, 0);
        let limits = BundleLimits { max_entry_bytes: 8, ..BundleLimits::default() };
        assert_eq!(read(&built.bytes, None, limits).map(|_| ()).map_err(|e| e.code), Err(Code::B0709));
    }
}
