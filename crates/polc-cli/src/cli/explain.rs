//! `polc explain CODE`: the long explanation of a diagnostic code.

use super::term::{errln, out, Shown};
use super::{examples, OK, USAGE_OR_IO};
use clap::Args;

/// Explain a diagnostic code, with a wrong and a fixed example.
///
/// Codes are shown in brackets by `polc check`, e.g. `T0202`. Every code is
/// also listed in docs/diagnostics.md.
#[derive(Args, Debug)]
#[command(after_help = examples!("polc explain T0202", "polc explain w0505"))]
pub struct ExplainArgs {
    /// The code, e.g. T0202 (case does not matter).
    #[arg(value_name = "CODE")]
    code: String,
}

pub fn run(args: ExplainArgs) -> u8 {
    match polc_core::base::codes::lookup(&args.code) {
        Some(doc) => {
            out!("{}", polc_core::base::codes::explain(doc));
            OK
        }
        None => {
            let known = polc_core::base::codes::CODES.iter().map(|c| c.code.as_str());
            let hint = polc_core::base::diag::did_you_mean(&args.code.to_uppercase(), known)
                .map(|h| format!("; {h}"))
                .unwrap_or_default();
            errln!("error: no diagnostic code `{}`{hint}", Shown(&args.code));
            errln!("the codes are listed in docs/diagnostics.md");
            USAGE_OR_IO
        }
    }
}
