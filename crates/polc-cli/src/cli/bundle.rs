//! `polc bundle POLICY -o B.polb`: a policy and every file it reads packed
//! into one verified, optionally signed archive; `keygen`, `verify`, `inspect`.

use super::run::parse_binding;
use super::sink::write_output;
use super::term::{errln, outln, shown_path};
use super::{examples, print_diagnostics, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use clap::{Args, Subcommand};
use polc::{Code, Diagnostic, FsLoader, Policy, PublicKey, SecretKey, SourceMap};
use std::path::{Path, PathBuf};

/// Pack a policy into a bundle, or make keys for, verify and inspect bundles.
///
/// A bundle (`.polb`) is a tar archive of the policy, every file it `use`s,
/// its lists and its `NAME.test.pol`, with `manifest.json` (the policy's name,
/// version and hash, each file's path, size and sha256, each list's entry
/// count and hash, the build time and polc's version) and, with --sign-key,
/// `manifest.sig`: an ed25519 signature over the manifest. `polc run
/// --bundle`, `polc serve --bundle` and `Policy::from_bundle` load it from
/// memory, checking every hash, and the signature with --public-key; every
/// decision then carries `"bundle":"sha256:…"`, the manifest's hash.
/// Refusals have B codes (`polc explain B0703`); see docs/governance.md.
#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = examples!(
        "polc bundle policies/consumer_loan.pol -o consumer_loan.polb",
        "polc bundle keygen -o committee.key",
        "polc bundle policies/consumer_loan.pol -o consumer_loan.polb --sign-key committee.key",
        "polc bundle verify consumer_loan.polb --public-key committee.key.pub",
        "polc bundle inspect consumer_loan.polb",
    )
)]
pub struct BundleArgs {
    #[command(subcommand)]
    action: Option<Action>,
    /// The policy file.
    #[arg(value_name = "POLICY", required = true)]
    policy: Option<PathBuf>,
    /// Where to write the bundle (written beside it and renamed into place).
    #[arg(long, short, value_name = "B.polb", required = true)]
    output: Option<PathBuf>,
    /// Pack list NAME from PATH instead of its `from` file; repeatable, once per list.
    #[arg(long = "list", value_name = "NAME=PATH", value_parser = parse_binding)]
    lists: Vec<(String, PathBuf)>,
    /// Sign the manifest with this ed25519 secret key (`polc bundle keygen`).
    #[arg(long, value_name = "KEY")]
    sign_key: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
}

#[derive(Subcommand, Debug)]
enum Action {
    Keygen(KeygenArgs),
    Verify(VerifyArgs),
    Inspect(InspectArgs),
}

/// Make an ed25519 key pair to sign bundles with.
///
/// Writes the secret key to KEY (mode 0600) and the public key to KEY.pub,
/// each as one line of 64 hex digits after a `#` comment line: the secret
/// key file holds the 32-byte seed, the public key file the 32-byte public
/// key. Existing files are never overwritten.
#[derive(Args, Debug)]
struct KeygenArgs {
    /// The secret key file to write (the public key goes to KEY.pub).
    #[arg(long, short, value_name = "KEY")]
    output: PathBuf,
}

/// Check a bundle: every file's size and sha256, the signature (with
/// --public-key), and that its policy compiles and its lists bind.
#[derive(Args, Debug)]
struct VerifyArgs {
    /// The bundle.
    #[arg(value_name = "B.polb")]
    bundle: PathBuf,
    /// Require a signature by this public key (`KEY.pub` of `polc bundle keygen`).
    #[arg(long, value_name = "K")]
    public_key: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// Print a bundle's revision and manifest as JSON (its hashes checked).
#[derive(Args, Debug)]
struct InspectArgs {
    /// The bundle.
    #[arg(value_name = "B.polb")]
    bundle: PathBuf,
    /// Also check the signature with this public key.
    #[arg(long, value_name = "K")]
    public_key: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

pub fn run(args: BundleArgs) -> u8 {
    match args.action {
        Some(Action::Keygen(keygen)) => return self::keygen(&keygen),
        Some(Action::Verify(verify)) => return self::verify(&verify),
        Some(Action::Inspect(inspect)) => return self::inspect(&inspect),
        None => {}
    }
    let (Some(policy), Some(output)) = (&args.policy, &args.output) else {
        errln!("error: give the policy and -o B.polb");
        return USAGE_OR_IO;
    };
    if let Some(name) = super::paths::twice_bound(&args.lists) {
        errln!("error: list `{}` is bound twice with --list: give each list once", super::term::Shown(name));
        return USAGE_OR_IO;
    }
    if let Err(error) = std::fs::metadata(policy) {
        errln!("error: cannot read `{}`: {error}", shown_path(policy));
        return USAGE_OR_IO;
    }
    let key = match &args.sign_key {
        Some(path) => match read_key(path, SecretKey::parse, args.color) {
            Ok(key) => Some(key),
            Err(code) => return code,
        },
        None => None,
    };
    let now = chrono::Utc::now();
    let built_at =
        (now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), u64::try_from(now.timestamp()).unwrap_or(0));
    let options = polc::BundleOptions {
        compile: args.source.options(),
        lists: args.lists.clone(),
        sign_key: key.as_ref(),
        built_at,
    };
    let built = match polc::bundle(policy, &FsLoader, &options) {
        Ok(built) => built,
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, &failed.sources, args.color);
            let io = failed.diagnostics.iter().any(|d| d.code.is_usage_or_io());
            return if io { USAGE_OR_IO } else { POLICY_ERRORS };
        }
    };
    if let Err(error) = write_output(output, |mut sink| sink.write(&built.bytes)) {
        errln!("error: {error}");
        return USAGE_OR_IO;
    }
    let signed = match &key {
        Some(key) => format!(", signed by {}", key.public_key().to_hex()),
        None => String::new(),
    };
    errln!(
        "bundled {} version {} ({} files{signed}) into `{}`\nrevision {}",
        built.manifest.policy.name,
        built.manifest.policy.version,
        built.manifest.files.len(),
        shown_path(output),
        built.revision
    );
    OK
}

/// Loads a bundle for `run` and `serve`: reads it and the key, verifies and
/// compiles it, printing any problem; on failure, the exit code.
pub fn load(path: &Path, public_key: Option<&Path>, color: ColorChoice) -> Result<Policy, u8> {
    let key = match public_key {
        Some(path) => Some(read_key(path, PublicKey::parse, color)?),
        None => None,
    };
    Policy::from_bundle_file(path, key.as_ref()).map_err(|failed| {
        print_diagnostics(&failed.diagnostics, &failed.sources, color);
        let io = failed.diagnostics.iter().any(|d| d.code.is_usage_or_io());
        if io {
            USAGE_OR_IO
        } else {
            POLICY_ERRORS
        }
    })
}

/// Reads a key file, printing B0710 when it is not a key.
fn read_key<K>(path: &Path, parse: fn(&str) -> Result<K, polc::BundleError>, color: ColorChoice) -> Result<K, u8> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        errln!("error: cannot read `{}`: {error}", shown_path(path));
        USAGE_OR_IO
    })?;
    parse(&text).map_err(|error| {
        let d = Diagnostic::error(error.code, format!("`{}`: {}", path.display(), error.message))
            .help("give the file `polc bundle keygen` wrote: KEY to sign, KEY.pub to verify");
        print_diagnostics(&[d], &SourceMap::default(), color);
        USAGE_OR_IO
    })
}

fn keygen(args: &KeygenArgs) -> u8 {
    let mut seed = [0u8; 32];
    if let Err(error) = getrandom::getrandom(&mut seed) {
        errln!("error: the operating system gave no random bytes: {error}");
        return USAGE_OR_IO;
    }
    let key = SecretKey::from_seed(seed);
    let public = key.public_key().to_hex();
    let mut public_path = args.output.clone().into_os_string();
    public_path.push(".pub");
    let public_path = PathBuf::from(public_path);
    let secret = format!("# polc bundle secret key (ed25519 seed, hex): keep it secret\n{}\n", key.to_hex());
    let public_text = format!("# polc bundle public key (ed25519, hex)\n{public}\n");
    for (path, text, mode) in [(&args.output, secret, 0o600), (&public_path, public_text, 0o644)] {
        if let Err(error) = write_new(path, text.as_bytes(), mode) {
            errln!("error: cannot write `{}`: {error}", shown_path(path));
            return USAGE_OR_IO;
        }
    }
    errln!(
        "wrote the secret key to `{}` and the public key to `{}`",
        shown_path(&args.output),
        shown_path(&public_path)
    );
    outln!("{public}");
    OK
}

/// Writes a file that must not exist yet, with `mode`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(path)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).inspect_err(|_| {
        let _ = std::fs::remove_file(path);
    })
}

fn open(bundle: &Path, public_key: Option<&Path>, color: ColorChoice) -> Result<(Vec<u8>, Option<PublicKey>), u8> {
    let key = match public_key {
        Some(path) => Some(read_key(path, PublicKey::parse, color)?),
        None => None,
    };
    let bytes = std::fs::read(bundle).map_err(|error| {
        let d = Diagnostic::error(Code::B0701, format!("cannot read the bundle `{}`: {error}", bundle.display()));
        print_diagnostics(&[d], &SourceMap::default(), color);
        USAGE_OR_IO
    })?;
    Ok((bytes, key))
}

fn verify(args: &VerifyArgs) -> u8 {
    let (bytes, key) = match open(&args.bundle, args.public_key.as_deref(), args.color) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let refused = |failed: polc::PolicyError| {
        print_diagnostics(&failed.diagnostics, &failed.sources, args.color);
        if failed.diagnostics.iter().any(|d| d.code.is_usage_or_io()) {
            USAGE_OR_IO
        } else {
            POLICY_ERRORS
        }
    };
    let opened = match polc::open_bundle(&bytes, key.as_ref()) {
        Ok(opened) => opened,
        Err(failed) => return refused(failed),
    };
    let (files, manifest) = (opened.files.len(), opened.manifest.clone());
    let signature = match (opened.signed, opened.verified) {
        (true, true) => format!("signature verified ({})", key.as_ref().map(PublicKey::to_hex).unwrap_or_default()),
        (true, false) => "signed, signature not checked (give --public-key)".to_string(),
        (false, _) => "not signed".to_string(),
    };
    let policy = match Policy::from_opened(opened) {
        Ok(policy) => policy,
        Err(failed) => return refused(failed),
    };
    outln!(
        "ok: {} version {}, policy_hash {}\nrevision {}\n{files} files, every sha256 matches; {signature}\nbuilt {} by polc {}",
        manifest.policy.name,
        manifest.policy.version,
        policy.policy_hash(),
        policy.bundle_revision().unwrap_or_default(),
        manifest.built_at,
        manifest.polc_version
    );
    for list in &manifest.lists {
        outln!("list {}: {} entries, {} ({})", list.name, list.entries, list.hash, list.path);
    }
    OK
}

fn inspect(args: &InspectArgs) -> u8 {
    let (bytes, key) = match open(&args.bundle, args.public_key.as_deref(), args.color) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    match polc::open_bundle(&bytes, key.as_ref()) {
        Ok(opened) => {
            let report = serde_json::json!({
                "revision": opened.revision,
                "signed": opened.signed,
                "signature_verified": opened.verified,
                "manifest": opened.manifest,
            });
            outln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            OK
        }
        Err(failed) => {
            print_diagnostics(&failed.diagnostics, &failed.sources, args.color);
            USAGE_OR_IO
        }
    }
}
