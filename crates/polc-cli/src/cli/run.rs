//! `polc run POLICY --input F.jsonl`: decide every record, one JSON line out per
//! line in, in input order, streaming (memory does not grow with the input).

use super::summary::Summary;
use super::{ColorChoice, OK, USAGE_OR_IO};
use chrono::NaiveDate;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use polc::{LineOutcome, Policy, RecordLimits};
use polc_core::eval::Scratch;
use polc_core::io::output::LineOptions;
use polc_core::io::record::DecodeError;
use std::fs::File;
use std::io::IsTerminal;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Decide applicant records with a policy.
///
/// Reads JSON Lines (one applicant a line) and writes one decision a line, in
/// input order: {"id":…,"decision":"approve"|"refer"|"decline"|"error",…}.
/// A line that is not a valid record gets an `error` decision naming the field;
/// the batch goes on. Lists are loaded from each `list … from "path"` unless
/// bound with --list.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The policy file.
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// JSON Lines input, one record a line (`-` for standard input).
    #[arg(long, short, value_name = "F.jsonl")]
    input: PathBuf,
    /// Where to write the decisions (default: standard output). A file is
    /// written beside it and renamed over it when complete, so it is never left
    /// half-written; a device or pipe (e.g. /dev/null) is written in place.
    #[arg(long, short, value_name = "F")]
    output: Option<PathBuf>,
    /// The evaluation date, YYYY-MM-DD (default: today in Asia/Shanghai).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Bind list NAME from PATH instead of its `from` file; repeatable.
    #[arg(long = "list", value_name = "NAME=PATH", value_parser = parse_binding)]
    lists: Vec<(String, PathBuf)>,
    /// Worker threads (default: all cores). Output order never depends on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Add `"messages": {code: message}` to each decision.
    #[arg(long)]
    messages: bool,
    /// Add `"trace"` to each decision: every rule, whether it fired and the
    /// values that decided it, with source lines; and the authority walk.
    /// Slower: use it to investigate, not for whole portfolios.
    #[arg(long)]
    explain: bool,
    /// No progress bar and no summary on standard error.
    #[arg(long, short)]
    quiet: bool,
    /// Also write the closing summary (counts per decision and reason code,
    /// elapsed time) as JSON to this file.
    #[arg(long, value_name = "F")]
    summary_json: Option<PathBuf>,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    source: super::SourceArgs,
    /// Most bytes in one input line; a longer line is an `error` decision
    /// and only this much of it is kept in memory.
    #[arg(long, value_name = "N", value_parser = super::at_least_one, default_value_t = RecordLimits::default().max_line_bytes, help_heading = "Sandbox and limits")]
    max_line_bytes: usize,
    /// Deepest nesting of JSON arrays and objects in one input line, at most 512.
    #[arg(long, value_name = "N", value_parser = json_depth, default_value_t = RecordLimits::default().max_json_depth, help_heading = "Sandbox and limits")]
    max_json_depth: usize,
}

fn json_depth(text: &str) -> Result<usize, String> {
    let ceiling = RecordLimits::JSON_DEPTH_CEILING;
    super::at_least_one(text).and_then(|n| {
        if n <= ceiling {
            Ok(n)
        } else {
            Err(format!(
                "{n} is more than {ceiling}: no record nests that deep, and reading one would need a larger stack"
            ))
        }
    })
}

pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    polc_core::value::ident::parse_date(text).ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD)"))
}

pub fn parse_binding(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => Ok((name.to_string(), PathBuf::from(path))),
        _ => Err(format!("`{text}` is not NAME=PATH")),
    }
}

/// Today's date in Asia/Shanghai (UTC+8 all year).
pub fn today_in_shanghai() -> NaiveDate {
    (chrono::Utc::now() + chrono::TimeDelta::hours(8)).date_naive()
}

/// Bytes of input decided together.
const BLOCK: usize = 1 << 20;

/// Decisions are written in pieces of whole lines of at most this many bytes
/// (a longer line alone): POSIX makes a write of up to `PIPE_BUF` bytes to a
/// pipe atomic, so a reader never sees part of a line, even if polc is killed.
const PIPE_BUF: usize = 4096;

pub fn run(args: RunArgs) -> u8 {
    let mut policy = match super::load_policy(&args.policy, &args.source, &args.lists, args.color, !args.quiet) {
        Ok(policy) => policy,
        Err(code) => return code,
    };
    policy.set_record_limits(RecordLimits { max_line_bytes: args.max_line_bytes, max_json_depth: args.max_json_depth });
    let as_of = args.as_of.unwrap_or_else(today_in_shanghai);
    // a worker's stack grows with the deepest program `--max-nesting` admits
    let stack = args.source.options().limits.stack_bytes(16 << 20);
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(args.threads.unwrap_or(0)).stack_size(stack).build() {
        Ok(pool) => pool,
        Err(error) => {
            eprintln!("error: cannot start worker threads: {error}");
            return USAGE_OR_IO;
        }
    };
    let input = if args.input.as_os_str() == "-" {
        Input { reader: Box::new(std::io::stdin()), name: "standard input".into() }
    } else {
        match File::open(&args.input) {
            Ok(f) => Input { reader: Box::new(f), name: format!("`{}`", args.input.display()) },
            Err(error) => {
                eprintln!("error: cannot read `{}`: {error}", args.input.display());
                return USAGE_OR_IO;
            }
        }
    };
    let options = LineOptions { messages: args.messages, explain: args.explain };
    let total_bytes =
        (args.input.as_os_str() != "-").then(|| std::fs::metadata(&args.input).map(|m| m.len()).ok()).flatten();
    let progress = progress_bar(total_bytes, args.quiet);
    let started = std::time::Instant::now();
    let result = match &args.output {
        Some(path) => write_output(path, |out| stream(&policy, input, out, as_of, &pool, options, &progress)),
        None => {
            // unbuffered: every write `stream` makes ends at a line (see `Pieces`)
            let pieces = if stdout_is_a_file() { Pieces::Whole } else { Pieces::Lines };
            let mut out = std::io::stdout().lock();
            let sink = Sink { out: &mut out, pieces };
            stream(&policy, input, sink, as_of, &pool, options, &progress).and_then(|s| out.flush().map(|_| s))
        }
    };
    match result {
        Ok(summary) => {
            progress.finish_and_clear();
            let elapsed = started.elapsed();
            if !args.quiet {
                eprint!("{}", summary.render(policy.program(), elapsed));
            }
            if let Some(path) = &args.summary_json {
                let json = summary.json(policy.program(), elapsed, as_of);
                if let Err(error) = std::fs::write(path, format!("{json:#}\n")) {
                    eprintln!("error: cannot write `{}`: {error}", path.display());
                    return USAGE_OR_IO;
                }
            }
            OK
        }
        // the reader of our output went away (`polc run … | head`): stop quietly
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => USAGE_OR_IO,
        Err(error) => {
            eprintln!("error: {error}");
            USAGE_OR_IO
        }
    }
}

/// Bytes of a block decided as one piece (a piece ends at a line, so it may
/// be longer): a few hundred records, enough to make handing it to a worker
/// cheap, small enough that the workers share the last pieces of the input.
const PIECE: usize = 128 << 10;

/// Pieces decided or waiting to be decided at any moment, per worker thread:
/// enough that a worker never waits for the reader or the writer, few enough
/// that memory does not grow with the input.
const PIECES_IN_FLIGHT: usize = 24;

/// Decides the input in three stages running at once: a reader cutting the
/// input into blocks of whole lines, the worker pool deciding pieces of the
/// blocks, and this thread writing decisions in input order. Workers never
/// wait for each other: a piece is handed out as soon as it is read, and the
/// writer puts finished pieces back in order. A fixed number of pieces is in
/// flight at once (see [`PIECES_IN_FLIGHT`]), so memory does not grow with
/// the input.
fn stream(
    policy: &Policy,
    input: Input,
    mut sink: Sink<'_>,
    as_of: NaiveDate,
    pool: &rayon::ThreadPool,
    options: LineOptions,
    progress: &ProgressBar,
) -> std::io::Result<Summary> {
    let mut summary = Summary::new(policy.program());
    // written pieces' buffers go back to the workers (fresh ones cost page faults)
    let spare_texts = &std::sync::Mutex::new(Vec::<String>::new());
    let scratches = &std::sync::Mutex::new(Vec::<Scratch>::new());
    let in_flight = PIECES_IN_FLIGHT * pool.current_num_threads();
    std::thread::scope(|scope| {
        let (block_tx, block_rx) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(2);
        // decided pieces in any order, each with its place in the input
        let (done_tx, done_rx) = std::sync::mpsc::channel::<(u64, Piece)>();
        // a piece is handed out for a credit, which the writer gives back once it is written
        let (credit_tx, credit_rx) = std::sync::mpsc::sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = credit_tx.try_send(());
        }
        // decided blocks go back to the reader to be filled again: fresh memory
        // for every block cost more in page faults than deciding did
        let (spare_tx, spare_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(4);
        let max_line = policy.record_limits().max_line_bytes;
        scope.spawn(move || read_blocks(input, max_line, &block_tx, &spare_rx));
        scope.spawn(move || {
            pool.in_place_scope_fifo(|workers| {
                let mut next: u64 = 0;
                for block in block_rx {
                    let block = match block {
                        Ok(block) => std::sync::Arc::new(block),
                        Err(error) => {
                            let _ = done_tx.send((next, Piece::Failed(error)));
                            return;
                        }
                    };
                    for range in piece_ranges(&block, PIECE) {
                        if credit_rx.recv().is_err() {
                            return; // the writer stopped
                        }
                        let (block, done_tx, spare_tx) = (block.clone(), done_tx.clone(), spare_tx.clone());
                        let (place, bytes) = (next, range.len() as u64);
                        next += 1;
                        workers.spawn_fifo(move |_| {
                            // a bug in deciding must not leave the writer waiting for this
                            // piece forever: its panic goes to the writer, in place
                            let decided = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                let lines = split_lines(block.get(range).unwrap_or_default());
                                let mut scratch = take_spare(scratches);
                                let mut text = take_spare(spare_texts);
                                text.reserve(lines.len() * 512);
                                let mut summary = Summary::new(policy.program());
                                decide_piece(policy, &lines, as_of, &mut scratch, options, &mut text, &mut summary);
                                give_back(scratches, scratch, usize::MAX);
                                DecidedPiece { text, summary, bytes }
                            }));
                            if let Some(block) = std::sync::Arc::into_inner(block) {
                                let _ = spare_tx.try_send(block);
                            }
                            let _ = done_tx.send((place, decided.map_or_else(Piece::Panicked, Piece::Decided)));
                        });
                    }
                }
            });
        });
        // pieces decided ahead of the one to be written next, by place
        let mut waiting = std::collections::BTreeMap::new();
        let mut next: u64 = 0;
        for (place, piece) in done_rx {
            waiting.insert(place, piece);
            while let Some(piece) = waiting.remove(&next) {
                next += 1;
                let piece = match piece {
                    Piece::Decided(piece) => piece,
                    Piece::Failed(error) => return Err(error),
                    Piece::Panicked(payload) => std::panic::resume_unwind(payload),
                };
                summary.merge(&piece.summary);
                sink.write(piece.text.as_bytes())?;
                let _ = credit_tx.send(());
                progress.inc(piece.bytes);
                let secs = progress.elapsed().as_secs_f64();
                if secs > 0.0 {
                    progress.set_message(format!(
                        "{} records, {:.0}/s",
                        summary.records,
                        summary.records as f64 / secs
                    ));
                }
                let mut text = piece.text;
                text.clear();
                give_back(spare_texts, text, in_flight);
            }
        }
        Ok(())
    })?;
    Ok(summary)
}

/// The records' source, and its name for read errors.
struct Input {
    reader: Box<dyn Read + Send>,
    name: String,
}

/// How the decisions may be cut into writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pieces {
    /// Standard output, pipes, devices: whole lines, at most `PIPE_BUF` bytes a write.
    Lines,
    /// A temporary file nobody reads before it is complete: writes of any size.
    Any,
    /// A regular file written in place (standard output sent to a file): a
    /// piece of whole lines a write. Every write ends at a line, but a file
    /// gives no atomicity: a write cut by `kill -9` may end mid-line.
    Whole,
}

/// True when standard output is a regular file (`polc run … > out.jsonl`).
fn stdout_is_a_file() -> bool {
    use std::os::fd::AsFd;
    let stdout = std::io::stdout();
    let fd = stdout.as_fd().try_clone_to_owned();
    fd.ok().and_then(|fd| File::from(fd).metadata().ok()).is_some_and(|m| m.is_file())
}

/// Where decisions go, and how they may be cut into writes.
struct Sink<'a> {
    out: &'a mut dyn Write,
    pieces: Pieces,
}

impl Sink<'_> {
    /// Writes `text`, whole lines each ending in a newline.
    fn write(&mut self, text: &[u8]) -> std::io::Result<()> {
        match self.pieces {
            Pieces::Lines => write_whole_lines(self.out, text),
            Pieces::Any | Pieces::Whole => self.out.write_all(text),
        }
    }
}

/// Writes `text` (whole lines, each ending in a newline) in pieces of whole
/// lines of at most `PIPE_BUF` bytes (a longer line alone).
fn write_whole_lines(out: &mut dyn Write, mut text: &[u8]) -> std::io::Result<()> {
    while !text.is_empty() {
        let window = text.get(..PIPE_BUF).unwrap_or(text);
        let end = match memchr::memrchr(b'\n', window) {
            Some(at) if window.len() == PIPE_BUF || at + 1 == text.len() => at + 1,
            _ => memchr::memchr(b'\n', text).map_or(text.len(), |at| at + 1),
        };
        let (piece, rest) = text.split_at(end);
        out.write_all(piece)?;
        text = rest;
    }
    Ok(())
}

/// Consecutive decided lines: their text (each line ending in a newline),
/// counts, and the bytes of input they came from.
struct DecidedPiece {
    text: String,
    summary: Summary,
    bytes: u64,
}

/// What the deciding stage hands the writer, at a place in the input.
enum Piece {
    Decided(DecidedPiece),
    /// Reading the input failed here.
    Failed(std::io::Error),
    /// Deciding the piece panicked (a bug), with the panic's payload.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// A buffer from `spares`, or a new one.
fn take_spare<T: Default>(spares: &std::sync::Mutex<Vec<T>>) -> T {
    spares.lock().ok().and_then(|mut spares| spares.pop()).unwrap_or_default()
}

/// Keeps `spare` for reuse, unless `spares` already holds `most`.
fn give_back<T>(spares: &std::sync::Mutex<Vec<T>>, spare: T, most: usize) {
    if let Ok(mut spares) = spares.lock() {
        if spares.len() < most {
            spares.push(spare);
        }
    }
}

/// Reads the input in blocks of whole lines (about a MiB each; a longer line
/// makes its block longer) and sends them on; stops when the receiver goes away.
/// Of a line longer than `max_line` only its first `max_line + 1` bytes are
/// kept (enough to tell it is too long, and to find its `"id"`), so memory stays
/// bounded whatever the input.
fn read_blocks(
    mut input: Input,
    max_line: usize,
    blocks: &std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>,
    spare: &std::sync::mpsc::Receiver<Vec<u8>>,
) {
    let mut buffer: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    // the line at the end of the buffer is over-long: drop its bytes up to its newline
    let mut skipping = false;
    loop {
        let filled = buffer.len();
        // `read_to_end` fills the spare capacity without zeroing it first
        let read = match (&mut input.reader).take(BLOCK as u64).read_to_end(&mut buffer) {
            Ok(n) => n,
            Err(e) => {
                let _ = blocks.send(Err(std::io::Error::new(e.kind(), format!("cannot read {}: {e}", input.name))));
                return;
            }
        };
        if skipping {
            match memchr::memchr(b'\n', buffer.get(filled..).unwrap_or_default()) {
                None => buffer.truncate(filled),
                Some(at) => {
                    buffer.drain(filled..filled + at);
                    skipping = false;
                }
            }
        }
        if read == 0 {
            if !buffer.is_empty() {
                let _ = blocks.send(Ok(buffer));
            }
            return;
        }
        let unfinished = memchr::memrchr(b'\n', &buffer).map_or(0, |at| at + 1);
        if !skipping && buffer.len() - unfinished > max_line {
            buffer.truncate(unfinished + max_line + 1);
            skipping = true;
        }
        if buffer.len() < BLOCK || unfinished == 0 {
            continue;
        }
        // send everything up to the last newline; keep the unfinished line
        let mut rest = spare.try_recv().unwrap_or_else(|_| Vec::with_capacity(2 * BLOCK));
        rest.clear();
        rest.extend_from_slice(buffer.get(unfinished..).unwrap_or_default());
        buffer.truncate(unfinished);
        if blocks.send(Ok(std::mem::replace(&mut buffer, rest))).is_err() {
            return;
        }
    }
}

/// Cuts a block of whole lines into consecutive ranges of at least `size`
/// bytes (the last may be shorter), each ending just after a newline or at the
/// block's end.
fn piece_ranges(block: &[u8], size: usize) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::with_capacity(block.len() / size.max(1) + 1);
    let mut start = 0;
    while start < block.len() {
        let from = (start + size.max(1)).min(block.len()) - 1;
        let end = memchr::memchr(b'\n', block.get(from..).unwrap_or_default()).map_or(block.len(), |at| from + at + 1);
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// The lines of a block, each without its newline; a final line without one counts.
fn split_lines(block: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::with_capacity(block.len() / 256 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', block) {
        lines.push(block.get(start..end).unwrap_or_default());
        start = end + 1;
    }
    if start < block.len() {
        lines.push(block.get(start..).unwrap_or_default());
    }
    lines
}

/// Decides a piece of raw input lines (each possibly not UTF-8, empty or cut
/// short) into one output line each, in order: runs of readable lines go to
/// [`Policy::decide_lines_into`] together, the others become error lines here.
fn decide_piece(
    policy: &Policy,
    raw_lines: &[&[u8]],
    as_of: NaiveDate,
    scratch: &mut Scratch,
    options: LineOptions,
    out: &mut String,
    summary: &mut Summary,
) {
    let mut run: Vec<&str> = Vec::with_capacity(raw_lines.len());
    for raw in raw_lines {
        match readable(policy, raw) {
            Ok(line) => run.push(line),
            Err((id, error)) => {
                policy.decide_lines_into(&run, as_of, scratch, options, out, |o| summary.count(&o));
                run.clear();
                out.push_str(&polc_core::io::output::record_error(
                    policy.program(),
                    policy.stamp(),
                    id.as_deref(),
                    &error,
                ));
                out.push('\n');
                summary.count(&LineOutcome::record_error());
            }
        }
    }
    policy.decide_lines_into(&run, as_of, scratch, options, out, |o| summary.count(&o));
}

/// A raw input line as text to decide, or why it cannot be (with the record's
/// id when one can be found).
fn readable<'l>(policy: &Policy, raw: &'l [u8]) -> Result<&'l str, (Option<String>, DecodeError)> {
    let trimmed = raw.strip_suffix(b"\r").unwrap_or(raw);
    let max_line = policy.record_limits().max_line_bytes;
    if trimmed.len() > max_line {
        // only the line's start was kept (see `read_blocks`); it may end inside a character
        let start = String::from_utf8_lossy(trimmed.get(..max_line).unwrap_or(trimmed));
        let message = format!("the line is longer than --max-line-bytes ({max_line} bytes)");
        return Err((polc_core::io::json::find_id(&start), DecodeError { path: String::new(), message }));
    }
    // simdutf8 checks a usual line of 400 ASCII bytes in a fifth of the instructions std takes
    let problem = match simdutf8::basic::from_utf8(trimmed) {
        // a record starts with `{`: only another line can be all white space
        Ok(text) if !text.starts_with('{') && text.trim().is_empty() => "empty line",
        Ok(text) => return Ok(text),
        Err(_) => "the line is not valid UTF-8",
    };
    Err((None, DecodeError { path: String::new(), message: problem.into() }))
}

/// A progress bar on standard error when it is a terminal (hidden otherwise):
/// bytes of input read, records per second, time left.
fn progress_bar(total_bytes: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match total_bytes {
        Some(total) => {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template("{bar:40} {percent:>3}%  {msg}  eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        }
        None => ProgressBar::new_spinner(),
    }
}

/// Writes the decisions to `path`. A regular file (or a new one) is written
/// through a temporary file beside it and renamed over it when complete, so an
/// interrupted run never leaves a half-written output; a symbolic link is
/// followed and its target replaced. Anything else — `/dev/null`, a named pipe,
/// a terminal — is written in place: renaming over it would replace the device
/// with a plain file.
fn write_output<T>(path: &Path, write: impl FnOnce(Sink<'_>) -> std::io::Result<T>) -> std::io::Result<T> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            let target = std::fs::canonicalize(path).map_err(|e| with_path(e, path))?;
            write_atomically(&target, Some(meta.permissions()), write)
        }
        Ok(_) => {
            // unbuffered, like standard output: every write ends at a line
            let mut file = std::fs::OpenOptions::new().write(true).open(path).map_err(|e| with_path(e, path))?;
            write(Sink { out: &mut file, pieces: Pieces::Lines })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => write_atomically(path, None, write),
        Err(error) => Err(with_path(error, path)),
    }
}

/// Writes a temporary file beside `path` (named after it and this process, so
/// two runs never share one), flushes it to disk and renames it over `path`.
/// On failure the temporary file is removed and `path` is untouched.
fn write_atomically<T>(
    path: &Path,
    permissions: Option<std::fs::Permissions>,
    write: impl FnOnce(Sink<'_>) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "output".into());
    let temp = dir.join(format!(".{name}.{}.polc-tmp", std::process::id()));
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp).map_err(|e| with_path(e, &temp))?;
    // writes of any size: a temporary file is only renamed into place once
    // complete, so nobody reads it half-written. A piece of a block's decisions
    // (hundreds of KiB in a long run) goes straight to the file; small ones (a
    // short run) are gathered first, as a system call per piece would cost more.
    let behind = file.try_clone().map_err(|e| with_path(e, &temp))?;
    let mut out = BufWriter::with_capacity(64 << 10, file);
    let written = std::thread::scope(|scope| {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        scope.spawn(move || flush_behind(&behind, &stopped));
        let written = write(Sink { out: &mut out, pieces: Pieces::Any });
        drop(stop);
        written
    });
    let result = written.and_then(|r| {
        out.flush()?;
        out.get_ref().sync_all()?;
        if let Some(permissions) = permissions {
            out.get_ref().set_permissions(permissions)?;
        }
        Ok(r)
    });
    drop(out);
    match result.and_then(|r| std::fs::rename(&temp, path).map(|_| r).map_err(|e| with_path(e, path))) {
        Ok(r) => Ok(r),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Flushes `file` to disk while it is being written, until `stop` is dropped:
/// a run of a million records writes ~500 MB, and flushing it only at the end
/// kept the run waiting a quarter of a second. Errors are left to the final flush.
fn flush_behind(file: &File, stop: &std::sync::mpsc::Receiver<()>) {
    const STEP: u64 = 32 << 20;
    let mut flushed = 0;
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(std::time::Duration::from_millis(100))
    {
        let len = file.metadata().map_or(0, |m| m.len());
        if len >= flushed + STEP && file.sync_data().is_ok() {
            flushed = len;
        }
    }
}

fn with_path(error: std::io::Error, path: &Path) -> std::io::Error {
    std::io::Error::new(error.kind(), format!("`{}`: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flushing_behind_stops_when_told_and_leaves_the_data_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("out.jsonl");
        let mut file = File::create(&path).unwrap_or_else(|e| panic!("{e}"));
        let behind = file.try_clone().unwrap_or_else(|e| panic!("{e}"));
        let line = "{\"id\":\"A1\",\"decision\":\"approve\"}\n".repeat(1 << 10);
        std::thread::scope(|scope| {
            let (stop, stopped) = std::sync::mpsc::channel::<()>();
            let flusher = scope.spawn(move || flush_behind(&behind, &stopped));
            // more than one flushing step (32 MiB), in steps a flush may fall between
            for _ in 0..1200 {
                file.write_all(line.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            }
            drop(stop);
            assert!(flusher.join().is_ok());
        });
        let written = std::fs::metadata(&path).map(|m| m.len()).unwrap_or_default();
        assert_eq!(written, 1200 * line.len() as u64);
    }

    /// The pieces `write_whole_lines` writes.
    fn pieces(text: &str) -> Vec<String> {
        struct Pieces(Vec<String>);
        impl Write for Pieces {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.push(String::from_utf8_lossy(buf).into_owned());
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut out = Pieces(Vec::new());
        write_whole_lines(&mut out, text.as_bytes()).unwrap_or_default();
        out.0
    }

    #[test]
    fn pieces_cover_the_block_and_end_at_lines() {
        let block = b"a\nbb\nccc\n\ndddd\neeeee";
        for size in [1, 2, 3, 5, 8, 100] {
            let ranges = piece_ranges(block, size);
            assert_eq!(ranges.first().map(|r| r.start), Some(0));
            assert_eq!(ranges.last().map(|r| r.end), Some(block.len()));
            for pair in ranges.windows(2) {
                let [a, b] = pair else { continue };
                assert_eq!(a.end, b.start, "consecutive");
                assert!(a.len() >= size, "only the last piece is short: {a:?} of {size}");
                assert_eq!(block.get(a.end - 1), Some(&b'\n'), "ends at a line: {a:?}");
            }
        }
        assert_eq!(piece_ranges(block, 3), [0..5, 5..9, 9..15, 15..block.len()]);
        assert_eq!(piece_ranges(b"no newline", 4).len(), 1, "one piece, the whole block");
        assert!(piece_ranges(b"", 4).is_empty());
    }

    #[test]
    fn output_is_written_in_whole_lines_of_at_most_pipe_buf_bytes() {
        let line = format!("{}\n", "x".repeat(999));
        let text = line.repeat(10);
        let written = pieces(&text);
        assert_eq!(written.concat(), text);
        assert!(written.iter().all(|p| p.len() <= PIPE_BUF && p.ends_with('\n')), "{:?}", written.len());
        assert_eq!(written.len(), 3, "four 1,000-byte lines to a piece");
        // a line longer than PIPE_BUF goes alone
        let long = format!("a\n{}\nb\n", "y".repeat(PIPE_BUF + 10));
        let written = pieces(&long);
        assert_eq!(written, ["a\n".to_string(), format!("{}\n", "y".repeat(PIPE_BUF + 10)), "b\n".to_string()]);
        assert!(pieces("").is_empty());
    }
}
