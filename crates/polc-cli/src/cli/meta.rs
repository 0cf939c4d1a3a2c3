//! `polc completions SHELL` and `polc man`: the command line describing itself,
//! generated from the same argument definitions as `--help`.

use super::term;
use super::{examples, Cli, OK, USAGE_OR_IO};
use clap::{Args, CommandFactory};

/// Print a shell completion script.
///
/// Load it in the running shell, or install it where the shell looks for
/// completions.
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc completions bash > ~/.local/share/bash-completion/completions/polc",
    "polc completions zsh > ~/.zfunc/_polc",
    "polc completions fish > ~/.config/fish/completions/polc.fish",
    "source <(polc completions bash)      # this shell only",
))]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    shell: clap_complete::Shell,
}

pub fn completions(args: CompletionsArgs) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "polc", &mut script);
    term::to_stdout(&String::from_utf8_lossy(&script));
    OK
}

/// Print the manual page (roff), for `man`.
///
/// The page of `polc` itself, or with --command the page of one subcommand
/// (`polc-run(1)`).
#[derive(Args, Debug)]
#[command(after_help = examples!(
    "polc man | man -l -",
    "polc man > /usr/local/share/man/man1/polc.1",
    "polc man --command run > /usr/local/share/man/man1/polc-run.1",
))]
pub struct ManArgs {
    /// The subcommand whose page to print (default: polc's own, which lists them).
    #[arg(long, value_name = "SUBCOMMAND")]
    command: Option<String>,
}

pub fn man(args: ManArgs) -> u8 {
    let polc = Cli::command().version(super::VERSION);
    let page = match &args.command {
        None => polc,
        Some(name) => match polc.find_subcommand(name) {
            Some(sub) => sub.clone().name(format!("polc-{name}")).version(super::VERSION),
            None => {
                let names: Vec<&str> = polc.get_subcommands().map(|c| c.get_name()).collect();
                term::errln!("error: no subcommand `{}`; there are {}", term::Shown(name), names.join(", "));
                return USAGE_OR_IO;
            }
        },
    };
    let mut roff = Vec::new();
    if let Err(error) = clap_mangen::Man::new(page).render(&mut roff) {
        term::errln!("error: cannot render the manual page: {error}");
        return USAGE_OR_IO;
    }
    term::to_stdout(&String::from_utf8_lossy(&roff));
    OK
}
