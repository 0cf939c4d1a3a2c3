//! `polc lsp`: the language server for editors, on standard input and output
//! (the `polc-lsp` crate does the work).

use super::{OK, USAGE_OR_IO};
use clap::Args;

/// Run the language server (LSP over standard input and output) for editors.
///
/// An editor starts it and talks to it: diagnostics as `polc check` reports
/// them, hover, go to definition, references, rename, completion,
/// formatting, outline, quick fixes and test lenses. See docs/editor.md.
#[derive(Args, Debug)]
#[command(after_help = super::examples!("polc lsp"))]
pub struct LspArgs {
    /// Accepted for editors that pass it; standard input and output are the only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(args: LspArgs) -> u8 {
    let _ = args.stdio;
    match polc_lsp::run_stdio() {
        Ok(()) => OK,
        Err(error) => {
            super::term::to_stderr(&format!("error: {error}\n"));
            USAGE_OR_IO
        }
    }
}
