//! Argument definitions and dispatch; one module per subcommand.

mod bundle;
mod check;
mod coverage;
mod diff;
mod doc;
mod eval;
mod explain;
mod fmt;
mod import;
mod lsp;
mod meta;
mod paths;
mod report;
mod run;
mod serve;
pub mod signals;
mod sink;
mod summary;
mod tabular;
pub mod term;
mod test;

use clap::{Parser, Subcommand, ValueEnum};
use polc::{CompileOptions, Diagnostic, Limits, ListLimits};
use polc_core::base::diag::{render_human, RenderOptions};
use polc_core::base::source::SourceMap;
use std::io::IsTerminal;
use term::errln;

/// Exit code: success.
pub const OK: u8 = 0;
/// Exit code: the policy has errors, a test failed, `fmt --check` found differences,
/// `run --fail-on` matched a record.
pub const POLICY_ERRORS: u8 = 1;
/// Exit code: bad arguments, or a file or standard stream could not be read or written.
pub const USAGE_OR_IO: u8 = 2;

/// `0.1.0 (abc1234)`: the version and the commit it was built from.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("POLC_COMMIT"), ")");

#[derive(Parser, Debug)]
#[command(
    name = "polc",
    version = VERSION,
    about = "Compiler and interpreter for .pol underwriting policies",
    long_about = "polc type-checks .pol underwriting policies (admission criteria, anti-fraud \
lists, tiered authority) and decides applicant records: approve, refer or decline, with the \
reason codes that explain why.\n\n\
Exit codes: 0 ok, 1 policy errors, 2 usage or I/O errors, 130/143 interrupted (SIGINT/SIGTERM).",
    after_help = "Examples:\n  polc check policies/\n  polc run policies/consumer_loan.pol --input examples/applicants.jsonl --as-of 2026-11-22\n  polc explain T0202"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Check(check::CheckArgs),
    Run(run::RunArgs),
    Bundle(bundle::BundleArgs),
    Diff(diff::DiffArgs),
    Doc(doc::DocArgs),
    Eval(eval::EvalArgs),
    Test(test::TestArgs),
    Serve(serve::ServeArgs),
    Fmt(fmt::FmtArgs),
    Explain(explain::ExplainArgs),
    Import(import::ImportArgs),
    Lsp(lsp::LspArgs),
    Completions(meta::CompletionsArgs),
    Man(meta::ManArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when standard error is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

/// Parses the arguments and runs the subcommand; the exit code. Usage errors,
/// `--help` and `--version` are written through [`term`] like everything else.
pub fn main(args: Vec<std::ffi::OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let to_stderr = error.use_stderr();
            let terminal = if to_stderr { std::io::stderr().is_terminal() } else { std::io::stdout().is_terminal() };
            let rendered = error.render();
            let text = if terminal && std::env::var_os("NO_COLOR").is_none() {
                rendered.ansi().to_string()
            } else {
                rendered.to_string()
            };
            if to_stderr {
                term::to_stderr(&text);
            } else {
                term::to_stdout(&text);
            }
            return u8::try_from(error.exit_code()).unwrap_or(USAGE_OR_IO);
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Run(args) => run::run(args),
        Command::Bundle(args) => bundle::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Doc(args) => doc::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Test(args) => test::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Import(args) => import::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Completions(args) => meta::completions(args),
        Command::Man(args) => meta::man(args),
    }
}

/// Whether the arguments run `polc serve`, which handles its own signals
/// (SIGHUP reloads, SIGTERM drains) instead of [`signals::install`]'s.
pub fn serves(args: &[std::ffi::OsString]) -> bool {
    args.get(1).is_some_and(|a| a == "serve")
}

/// The `after_help` of a subcommand: its examples, then the exit codes.
macro_rules! examples {
    ($($example:literal),+ $(,)?) => {
        concat!("Examples:\n", $("  ", $example, "\n",)+ "\n", "Exit codes: 0 ok, 1 policy errors, 2 usage or I/O errors, 130/143 interrupted (SIGINT/SIGTERM).")
    };
}
pub(crate) use examples;

/// Where a policy may read from and what its source may cost; shared by every
/// subcommand that compiles.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Sandbox and limits")]
pub struct SourceArgs {
    /// The directory `use` and `list … from` paths must stay inside
    /// (default: the directory of each policy file).
    #[arg(long, value_name = "DIR")]
    root: Option<std::path::PathBuf>,
    /// Let `use` and `list … from` paths reach outside the root.
    #[arg(long)]
    allow_outside_root: bool,
    /// Most bytes of policy source, all used files together (P0007).
    #[arg(long, value_name = "N", value_parser = at_least_one, default_value_t = Limits::default().max_source_bytes)]
    max_source_bytes: usize,
    /// Most declarations, all used files together (P0008).
    #[arg(long, value_name = "N", value_parser = at_least_one, default_value_t = Limits::default().max_declarations)]
    max_declarations: usize,
    /// Deepest nesting of expressions and chains of lets, at most 4096 (P0005).
    #[arg(long, value_name = "N", value_parser = nesting, default_value_t = Limits::default().max_nesting)]
    max_nesting: usize,
    /// Most bytes in one string literal (P0009).
    #[arg(long, value_name = "N", value_parser = at_least_one, default_value_t = Limits::default().max_string_bytes)]
    max_string_bytes: usize,
    /// Most bytes in one list file, read from any file, device or pipe (L0406).
    #[arg(long, value_name = "N", value_parser = at_least_one, default_value_t = ListLimits::default().max_list_bytes)]
    max_list_bytes: usize,
}

impl SourceArgs {
    pub fn options(&self) -> CompileOptions {
        CompileOptions {
            limits: Limits {
                max_source_bytes: self.max_source_bytes,
                max_declarations: self.max_declarations,
                max_nesting: self.max_nesting,
                max_string_bytes: self.max_string_bytes,
            },
            root: self.root.clone(),
            allow_outside_root: self.allow_outside_root,
            test_files: false,
        }
    }

    pub fn list_limits(&self) -> ListLimits {
        ListLimits { max_list_bytes: self.max_list_bytes }
    }
}

/// A limit given on the command line: a whole number, at least 1.
pub fn at_least_one(text: &str) -> Result<usize, String> {
    match text.replace('_', "").parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{text}` is not a whole number of at least 1")),
    }
}

fn nesting(text: &str) -> Result<usize, String> {
    let ceiling = Limits::NESTING_CEILING;
    at_least_one(text).and_then(|n| {
        if n <= ceiling {
            Ok(n)
        } else {
            Err(format!("{n} is more than {ceiling}: deeper programs would need unreasonably large stacks"))
        }
    })
}

/// Compiles a policy and binds its lists for `run` and `eval`, printing any
/// problems; on failure, the exit code (1 for policy or list errors, 2 when a
/// file cannot be read or a `--list` names no list).
pub fn load_policy(
    path: &std::path::Path,
    source: &SourceArgs,
    lists: &[(String, std::path::PathBuf)],
    color: ColorChoice,
    show_warnings: bool,
) -> Result<polc::Policy, u8> {
    if let Some(name) = paths::twice_bound(lists) {
        errln!("error: list `{}` is bound twice with --list: give each list once", term::Shown(name));
        return Err(USAGE_OR_IO);
    }
    if let Err(error) = std::fs::metadata(path) {
        errln!("error: cannot read `{}`: {error}", term::shown_path(path));
        return Err(USAGE_OR_IO);
    }
    load_policy_with(path, &polc::FsLoader, source, lists, color, show_warnings)
}

/// [`load_policy`] with the policy, its `use`d files and its lists read
/// through `loader` (`polc diff --old-rev` reads them at a git revision).
pub fn load_policy_with(
    path: &std::path::Path,
    loader: &dyn polc::Loader,
    source: &SourceArgs,
    lists: &[(String, std::path::PathBuf)],
    color: ColorChoice,
    show_warnings: bool,
) -> Result<polc::Policy, u8> {
    if let Some(name) = paths::twice_bound(lists) {
        errln!("error: list `{}` is bound twice with --list: give each list once", term::Shown(name));
        return Err(USAGE_OR_IO);
    }
    let compilation = polc::compile_with(path, loader, &source.options());
    if show_warnings {
        let warnings: Vec<_> = compilation.diagnostics.iter().filter(|d| !d.is_error()).cloned().collect();
        print_diagnostics(&warnings, &compilation.sources, color);
    }
    let mut policy = polc::Policy::from_compilation(compilation).map_err(|failed| {
        print_diagnostics(&failed.diagnostics, &failed.sources, color);
        POLICY_ERRORS
    })?;
    policy.set_list_limits(source.list_limits());
    let problems = policy.bind_default_lists(loader, lists);
    if !problems.is_empty() {
        print_diagnostics(&problems, &SourceMap::default(), color);
        let io = problems.iter().any(|d| d.code.is_usage_or_io());
        return Err(if io { USAGE_OR_IO } else { POLICY_ERRORS });
    }
    Ok(policy)
}

/// Prints diagnostics for people on standard error.
pub fn print_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap, color: ColorChoice) {
    let options = RenderOptions { color: color.enabled(), width: terminal_width() };
    for d in diagnostics {
        term::to_stderr(&format!("{}\n", render_human(d, sources, options)));
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100)
}
