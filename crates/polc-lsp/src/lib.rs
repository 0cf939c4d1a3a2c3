//! polc-lsp: the language server for `.pol` policies (`polc lsp`), on
//! rust-analyzer's `lsp-server` crate: one thread reads the messages in the
//! order the client sent them and handles each in turn, so edits are applied
//! in order and a request always sees every edit sent before it.
//!
//! ```text
//! stdin ──lsp-server──▶ Server::handle ──didOpen/didChange──▶ Workspace (buffers)
//!                            │                                    │ polc::analyze_overlaid
//!                            ├── hover, definition, …  ◀── Analysis (index, diagnostics)
//!                            └── publishDiagnostics (after the client's burst of messages)
//! ```
//!
//! Only this crate knows the protocol; everything it shows comes from the
//! compiler's front end (`polc::analyze*`, the index, the formatter, the test runner).

mod complete;
mod convert;
mod diagnostics;
mod document;
mod edit;
mod hover;
mod lens;
mod navigate;
mod outline;
mod server;
mod workspace;

pub use server::serve;

/// Runs the server on standard input and output until the client says `exit`
/// (or closes the stream); an error is a broken connection.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join().map_err(|e| format!("the connection broke: {e}"))
}
