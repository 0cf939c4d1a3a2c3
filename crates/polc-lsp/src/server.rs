//! The message loop: initialization, the buffers' notifications, the
//! requests, and the publication of diagnostics once the client's burst of
//! messages is handled (the debounce: a burst of edits costs one check).

use crate::diagnostics;
use crate::document::Document;
use crate::workspace::Workspace;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

/// How long the server waits for the next message of a burst (a paste, a
/// multi-cursor edit sent as several changes) before checking; an edit that
/// comes while a check runs waits for it, and all of them are applied first.
const QUIET: Duration = Duration::from_millis(5);

/// Serves one client on `connection` until `exit`.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": { "name": "polc", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result).map_err(|e| e.to_string())?;
    let quiet = params
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("debounceMs"))
        .and_then(Value::as_u64)
        .map_or(QUIET, |ms| Duration::from_millis(ms.min(2_000)));
    let mut server = Server {
        connection,
        workspace: Workspace::default(),
        dirty: BTreeSet::new(),
        published: HashMap::new(),
        contributions: HashMap::new(),
        shutting_down: false,
    };
    loop {
        let Ok(message) = connection.receiver.recv() else { return Ok(()) };
        if server.handle(message) == Flow::Exit {
            return Ok(());
        }
        // the rest of the burst, then the check
        while !server.dirty.is_empty() {
            match connection.receiver.recv_timeout(quiet) {
                Ok(message) => {
                    if server.handle(message) == Flow::Exit {
                        return Ok(());
                    }
                }
                Err(_) => server.publish(),
            }
        }
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(PositionEncodingKind::UTF16),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::INCREMENTAL),
            save: Some(TextDocumentSyncSaveOptions::Supported(true)),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        type_definition_provider: Some(TypeDefinitionProviderCapability::Simple(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), " ".into(), "{".into(), ",".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        code_lens_provider: Some(CodeLensOptions { resolve_provider: Some(false) }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![crate::lens::RUN_TEST.into()],
            work_done_progress_options: WorkDoneProgressOptions::default(),
        }),
        ..ServerCapabilities::default()
    }
}

#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Exit,
}

pub(crate) struct Server<'a> {
    connection: &'a Connection,
    pub(crate) workspace: Workspace,
    /// Open documents to check and publish for.
    dirty: BTreeSet<String>,
    /// What each file shows now (by URI), as last published.
    published: HashMap<String, Vec<Diagnostic>>,
    /// Each root's diagnostics by the file they are in (by URI).
    contributions: HashMap<String, HashMap<String, Vec<Diagnostic>>>,
    shutting_down: bool,
}

impl Server<'_> {
    fn handle(&mut self, message: Message) -> Flow {
        match message {
            Message::Request(request) => {
                if self.shutting_down {
                    self.respond_error(request.id, ErrorCode::InvalidRequest, "the server is shutting down");
                    return Flow::Continue;
                }
                if request.method == req::Shutdown::METHOD {
                    self.shutting_down = true;
                    self.send(Response::new_ok(request.id, ()).into());
                    return Flow::Continue;
                }
                self.request(request);
                Flow::Continue
            }
            Message::Notification(n) if n.method == notif::Exit::METHOD => Flow::Exit,
            Message::Notification(n) => {
                self.notification(n);
                Flow::Continue
            }
            Message::Response(_) => Flow::Continue,
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) else { return };
                let uri = p.text_document.uri.as_str().to_string();
                let doc = Document::new(p.text_document.uri, p.text_document.version, p.text_document.text);
                self.changed(&uri, Some(doc));
            }
            notif::DidChangeTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) else { return };
                let uri = p.text_document.uri.as_str().to_string();
                let Some(mut doc) = self.workspace.documents.remove(&uri) else { return };
                doc.apply(p.text_document.version, p.content_changes);
                self.changed(&uri, Some(doc));
            }
            notif::DidSaveTextDocument::METHOD => {
                // list files and other files may have been saved with it
                self.workspace.disk_generation += 1;
                self.workspace.generation += 1;
                self.dirty.extend(self.workspace.documents.keys().cloned());
            }
            notif::DidChangeWatchedFiles::METHOD => {
                self.workspace.disk_generation += 1;
                self.workspace.generation += 1;
                self.dirty.extend(self.workspace.documents.keys().cloned());
            }
            notif::DidCloseTextDocument::METHOD => {
                let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) else { return };
                let uri = p.text_document.uri.as_str().to_string();
                self.changed(&uri, None);
                self.workspace.analyses.remove(&uri);
                self.dirty.remove(&uri);
                let targets =
                    self.contributions.remove(&uri).map(|c| c.into_keys().collect::<Vec<_>>()).unwrap_or_default();
                self.republish(targets);
            }
            _ => {}
        }
    }

    /// A buffer opened, changed or closed: it and the open files that read it
    /// are to be checked again.
    fn changed(&mut self, uri: &str, doc: Option<Document>) {
        let path = match (&doc, self.workspace.documents.get(uri)) {
            (Some(d), _) | (None, Some(d)) => d.path.clone(),
            (None, None) => return,
        };
        let readers = self.workspace.dependents(&path);
        match doc {
            Some(doc) => {
                self.workspace.documents.insert(uri.to_string(), doc);
                self.dirty.insert(uri.to_string());
            }
            None => {
                self.workspace.documents.remove(uri);
            }
        }
        self.workspace.generation += 1;
        self.dirty.extend(readers.into_iter().filter(|r| r != uri || self.workspace.documents.contains_key(r)));
    }

    /// Checks every dirty document and publishes what changed.
    fn publish(&mut self) {
        let dirty = std::mem::take(&mut self.dirty);
        let mut targets = BTreeSet::new();
        for root in dirty {
            let Some(analyzed) = self.workspace.analysis(&root) else { continue };
            let Ok(root_uri) = root.parse::<Uri>() else { continue };
            let sources = &analyzed.analysis.sources;
            let mut by_file: HashMap<String, Vec<Diagnostic>> = HashMap::new();
            by_file.insert(root.clone(), Vec::new());
            for d in analyzed.analysis.diagnostics.iter().chain(&analyzed.list_diagnostics) {
                let (uri, diagnostic) = diagnostics::to_lsp(&root_uri, d, sources);
                let file = uri.map_or_else(|| root.clone(), |u| u.as_str().to_string());
                by_file.entry(file).or_default().push(diagnostic);
            }
            let before = self.contributions.insert(root.clone(), by_file).unwrap_or_default();
            targets.extend(before.into_keys());
            targets.extend(self.contributions.get(&root).into_iter().flat_map(|c| c.keys().cloned()));
            targets.insert(root);
        }
        self.republish(targets);
    }

    /// Publishes, for each file, every root's diagnostics in it (each once),
    /// when they differ from what it shows or it is an open document.
    fn republish(&mut self, targets: impl IntoIterator<Item = String>) {
        for target in targets {
            let mut seen = HashSet::new();
            let mut all = Vec::new();
            // the file's own check first, then the files that read it
            let own = self.contributions.get(&target).and_then(|c| c.get(&target));
            let others =
                self.contributions.iter().filter(|(root, _)| **root != target).filter_map(|(_, c)| c.get(&target));
            for d in own.into_iter().chain(others).flatten() {
                if seen.insert(serde_json::to_string(d).unwrap_or_default()) {
                    all.push(d.clone());
                }
            }
            let open = self.workspace.documents.get(&target);
            if open.is_none() && self.published.get(&target) == Some(&all) {
                continue;
            }
            let Ok(uri) = target.parse::<Uri>() else { continue };
            let params = PublishDiagnosticsParams { uri, diagnostics: all.clone(), version: open.map(|d| d.version) };
            self.send(Notification::new(notif::PublishDiagnostics::METHOD.into(), params).into());
            self.published.insert(target, all);
        }
    }

    fn request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        let result = match method.as_str() {
            req::HoverRequest::METHOD => self.with(params, crate::hover::hover),
            req::GotoDefinition::METHOD => self.with(params, crate::navigate::definition),
            req::GotoTypeDefinition::METHOD => self.with(params, crate::navigate::type_definition),
            req::References::METHOD => {
                serde_json::from_value(params).map(|p| to_json(crate::navigate::references(&mut self.workspace, p)))
            }
            req::DocumentHighlightRequest::METHOD => self.with(params, crate::navigate::highlight),
            req::PrepareRenameRequest::METHOD => self.with(params, crate::navigate::prepare_rename),
            req::Rename::METHOD => {
                serde_json::from_value(params).map(|p| crate::navigate::rename(&mut self.workspace, p))
            }
            req::Completion::METHOD => self.with(params, crate::complete::completion),
            req::Formatting::METHOD => self.with(params, crate::edit::formatting),
            req::DocumentSymbolRequest::METHOD => self.with(params, crate::outline::symbols),
            req::FoldingRangeRequest::METHOD => self.with(params, crate::outline::folding),
            req::CodeActionRequest::METHOD => self.with(params, crate::edit::code_actions),
            req::CodeLensRequest::METHOD => {
                serde_json::from_value(params).map(|p| to_json(crate::lens::code_lenses(&mut self.workspace, p)))
            }
            req::ExecuteCommand::METHOD => serde_json::from_value(params).map(|p| {
                let result = crate::lens::execute(&mut self.workspace, p);
                let (kind, message) = match &result {
                    Ok(value) if value["passed"] == Value::Bool(true) => (MessageType::INFO, value["message"].clone()),
                    Ok(value) => (MessageType::WARNING, value["message"].clone()),
                    Err(message) => (MessageType::ERROR, Value::from(message.as_str())),
                };
                let message = message.as_str().unwrap_or_default().to_string();
                let shown = ShowMessageParams { typ: kind, message };
                self.send(Notification::new(notif::ShowMessage::METHOD.into(), shown).into());
                result
            }),
            _ => {
                self.respond_error(id, ErrorCode::MethodNotFound, &format!("`{method}` is not supported"));
                return;
            }
        };
        match result {
            Ok(Ok(value)) => self.send(Response::new_ok(id, value).into()),
            Ok(Err(message)) => self.respond_error(id, ErrorCode::RequestFailed, &message),
            Err(error) => self.respond_error(id, ErrorCode::InvalidParams, &format!("bad parameters: {error}")),
        }
    }

    /// Runs a request on a document's analysis: `f` gets the document, its
    /// analysis (up to date) and the parameters.
    fn with<P, R>(
        &mut self,
        params: Value,
        f: impl FnOnce(&Document, &crate::workspace::Analyzed, P) -> Option<R>,
    ) -> Result<Result<Value, String>, serde_json::Error>
    where
        P: serde::de::DeserializeOwned + HasDocument,
        R: serde::Serialize,
    {
        let params: P = serde_json::from_value(params)?;
        let uri = params.document().as_str().to_string();
        if self.workspace.analysis(&uri).is_none() {
            return Ok(Ok(Value::Null));
        }
        let (Some(doc), Some(analyzed)) = (self.workspace.documents.get(&uri), self.workspace.analyses.get(&uri))
        else {
            return Ok(Ok(Value::Null));
        };
        Ok(Ok(f(doc, analyzed, params).map_or(Value::Null, |r| serde_json::to_value(r).unwrap_or(Value::Null))))
    }

    fn send(&self, message: Message) {
        // a closed channel: the client is gone, and `recv` ends the loop
        let _ = self.connection.sender.send(message);
    }

    fn respond_error(&self, id: RequestId, code: ErrorCode, message: &str) {
        self.send(Response::new_err(id, code as i32, message.to_string()).into());
    }
}

fn to_json<R: serde::Serialize>(result: Result<R, String>) -> Result<Value, String> {
    result.map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
}

/// Parameters that name one document.
pub(crate) trait HasDocument {
    fn document(&self) -> &Uri;
}

macro_rules! has_document {
    ($($t:ty => $($field:ident).+;)+) => { $(impl HasDocument for $t { fn document(&self) -> &Uri { &self.$($field).+ } })+ };
}
has_document! {
    HoverParams => text_document_position_params.text_document.uri;
    GotoDefinitionParams => text_document_position_params.text_document.uri;
    DocumentHighlightParams => text_document_position_params.text_document.uri;
    TextDocumentPositionParams => text_document.uri;
    CompletionParams => text_document_position.text_document.uri;
    DocumentFormattingParams => text_document.uri;
    DocumentSymbolParams => text_document.uri;
    FoldingRangeParams => text_document.uri;
    CodeActionParams => text_document.uri;
}
