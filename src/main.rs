//! The `polc` command line: parses arguments and hands each subcommand to its
//! module in `src/cli/`. The library does the work; this binary owns files,
//! standard streams and exit codes (0 ok, 1 policy errors, 2 usage or I/O).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    ExitCode::from(cli::run(args))
}
