//! The `polc` command line: parses arguments and hands each subcommand to its
//! module in `src/cli/`. The library does the work; this binary owns files,
//! standard streams and exit codes (0 ok, 1 policy errors, 2 usage or I/O,
//! 130/143 interrupted).

mod cli;

/// The binary allocates from mimalloc: compiling a large policy and deciding a
/// batch make millions of small allocations across threads, where glibc's
/// per-thread arenas grow by `mprotect` calls (a profile of `polc check` on 10k
/// rules spent a fifth of its time there). The library leaves the choice to
/// the program that embeds it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    // without the watcher (the system is out of threads) the signals keep
    // their default action: the run stops, and may leave its temporary file
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if !cli::serves(&args) {
        let _ = cli::signals::install();
    }
    // `polc eval` and `polc test` evaluate on this thread: give it a stack for the
    // deepest program any `--max-nesting` admits (address space, not memory, until used)
    let deepest = polc::Limits { max_nesting: polc::Limits::NESTING_CEILING, ..polc::Limits::default() };
    let worker = std::thread::Builder::new().name("polc".into()).stack_size(deepest.stack_bytes(8 << 20));
    match worker.spawn(move || cli::main(args)).map(|handle| handle.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(_)) => {
            // a bug: the panic message is already on standard error
            cli::signals::remove_temporaries();
            ExitCode::from(101)
        }
        Err(error) => {
            cli::term::to_stderr(&format!("error: cannot start: {error}\n"));
            ExitCode::from(cli::USAGE_OR_IO)
        }
    }
}
