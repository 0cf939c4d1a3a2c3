//! `polc import pmml FILE`: a scorecard exported as PMML 4.x, written as `.pol`
//! text (to standard output, or a file with `--output`).

use super::term::{errln, outln, shown_path};
use super::{examples, print_diagnostics, ColorChoice, OK, POLICY_ERRORS, USAGE_OR_IO};
use clap::{Args, Subcommand};
use polc_core::base::source::{strip_bom, SourceFile, SourceMap};
use polc_core::io::pmml::{scorecards_from_pmml, PmmlOptions};
use std::path::PathBuf;

/// Translate a model from another format into `.pol`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(subcommand)]
    format: ImportFormat,
}

#[derive(Subcommand, Debug)]
enum ImportFormat {
    Pmml(PmmlArgs),
}

/// Translate a PMML 4.x scorecard into a `.pol` scorecard.
///
/// Reads the `Scorecard` models of a PMML document (what scorecard tools
/// export) and writes each as a `scorecard` declaration (docs/language.md):
/// `initialScore` is the base, each `Characteristic` a characteristic with its
/// `reasonCode` and `baselineScore`, each `Attribute` a bin with its
/// `partialScore`. PMML takes the first bin that matches; `.pol` bins are
/// unique, so each bin is written as what it matches less what the bins before
/// it took (`< 25`, `< 35` become `< 25`, `25 ..< 35`); `integer` fields have
/// whole-number bounds (`> 17` is `>= 18`).
///
/// Subjects are the PMML field names: give `--prefix applicant` to make `age`
/// `applicant.age`, and `--money FIELD` for each field that is Money in the
/// policy (its bounds get ` CNY`), `--int FIELD` for each whole-number field
/// the PMML calls `double` (`< 21.5` becomes `< 22`). Categorical values that are `.pol` names are
/// written as enum variants (`consumer_loan | auto_loan`), others as strings.
///
/// What has no `.pol` meaning is an error naming the PMML element and its line,
/// and nothing is written (P0017 unreadable document, P0018 no translation,
/// P0019 a bin that never matches; `polc explain P0018`). Check the result in
/// the policy with `polc check`: the policy's types decide whether each subject
/// and bound fits.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc import pmml model.pmml --prefix applicant > scorecard.pol",
    "polc import pmml model.pmml --prefix applicant --money monthly_income --output policies/app_score.pol",
    "polc import pmml optbinning.pmml --prefix applicant --int age,credit_score,overdue_count_24m",
    "polc import pmml model.pmml --name behaviour_score",
))]
struct PmmlArgs {
    /// The PMML file (PMML 4.x, UTF-8).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The scorecard's name (default: the model's `modelName`).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// A path written before every field, e.g. `applicant` for `applicant.age`.
    #[arg(long, value_name = "PATH")]
    prefix: Option<String>,
    /// A field that is Money in the policy (repeat, or separate with commas).
    #[arg(long, value_name = "FIELD", value_delimiter = ',')]
    money: Vec<String>,
    /// A field that is Int in the policy although the PMML says `double`
    /// (repeat, or separate with commas): `< 21.5` is written `< 22`.
    #[arg(long, value_name = "FIELD", value_delimiter = ',')]
    int: Vec<String>,
    /// Write the scorecard to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Let --output replace a file that exists.
    #[arg(long, requires = "output")]
    force: bool,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

pub fn run(args: ImportArgs) -> u8 {
    match args.format {
        ImportFormat::Pmml(args) => pmml(args),
    }
}

fn pmml(args: PmmlArgs) -> u8 {
    let max_bytes = polc::Limits::default().max_source_bytes;
    let text = match polc_core::base::source::load_text_within(&polc::FsLoader, &args.file, max_bytes) {
        Ok(text) => text,
        Err(error) => {
            errln!("error: cannot read `{}`: {error}", shown_path(&args.file));
            return USAGE_OR_IO;
        }
    };
    let text = strip_bom(&text).to_string();
    if let Some(output) = args.output.as_ref().filter(|o| !args.force && o.exists()) {
        errln!("error: `{}` exists: give --force to replace it", shown_path(output));
        return USAGE_OR_IO;
    }
    let source = args.file.file_name().map(|n| n.to_string_lossy().into_owned());
    let options = PmmlOptions { name: args.name, prefix: args.prefix, money: args.money, int: args.int, source };
    let scorecards = match scorecards_from_pmml(&text, &options) {
        Ok(scorecards) => scorecards,
        Err(errors) => {
            let mut sources = SourceMap::default();
            let name = shown_path(&args.file);
            let file = sources.add(SourceFile::new(args.file.clone(), name, text));
            let diagnostics: Vec<_> = errors.iter().map(|e| e.diagnostic(file)).collect();
            print_diagnostics(&diagnostics, &sources, args.color);
            errln!("error: {} could not be translated: nothing was written", count(diagnostics.len()));
            return POLICY_ERRORS;
        }
    };
    let Some(output) = args.output else {
        super::term::to_stdout(&scorecards);
        return OK;
    };
    match super::sink::write_output(&output, |mut sink| sink.write(scorecards.as_bytes())) {
        Ok(()) => {
            outln!("wrote {}", shown_path(&output));
            OK
        }
        Err(error) => {
            errln!("error: {error}");
            USAGE_OR_IO
        }
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 element".to_string()
    } else {
        format!("{n} elements")
    }
}
