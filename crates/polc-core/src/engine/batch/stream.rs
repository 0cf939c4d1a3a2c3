//! The pipeline under a batch run: a reader cutting the input into blocks of
//! whole lines, the worker pool deciding pieces of them, and the caller's
//! thread handing decided pieces on in input order. Credits bound what is in
//! flight, so memory does not grow with the input.

use super::BatchError;
use std::io::Read;
use std::sync::mpsc;

/// Bytes of input read as one block (a block ends at a line, so it may be longer).
const BLOCK: usize = 1 << 20;

/// Bytes of a block decided as one piece (a piece ends at a line, so it may
/// be longer): a few hundred records, enough to make handing it to a worker
/// cheap, small enough that the workers share the last pieces of the input.
const PIECE: usize = 128 << 10;

/// Pieces decided or waiting to be decided at any moment, per worker thread:
/// enough that a worker never waits for the reader or the writer, few enough
/// that memory does not grow with the input.
const PIECES_IN_FLIGHT: usize = 24;

/// Most pieces in flight whatever the number of threads (about 300 MB of
/// input and decisions at most).
const MOST_IN_FLIGHT: usize = 1024;

/// Raw input lines (each without its newline) and the line number of the first.
#[derive(Clone, Copy)]
pub(in crate::engine) struct Lines<'a> {
    pub(in crate::engine) lines: &'a [&'a [u8]],
    pub(in crate::engine) first: u64,
}

/// Where a decided piece came from in the input.
#[derive(Clone, Copy, Debug)]
pub(in crate::engine) struct Place {
    /// The input line number of the piece's first line.
    pub(in crate::engine) first_line: u64,
    /// Bytes of input the piece's lines came from.
    pub(in crate::engine) bytes: u64,
}

/// What the deciding stage hands the writer, at a place in the input.
enum Piece<T> {
    Decided(T, Place),
    /// Reading the input failed here.
    Failed(std::io::Error),
    /// Deciding the piece panicked (a bug), with the panic's payload.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// Decides `input` in three stages running at once: a reader thread cutting
/// it into blocks of whole lines, the worker pool deciding pieces of the
/// blocks with `decide`, and this thread giving each decided piece to `write`
/// in input order. Workers never wait for each other: a piece is handed out as
/// soon as it is read, and finished pieces are put back in order here. A fixed
/// number of pieces is in flight at once, so memory does not grow with the
/// input; the reader needs only `Send` (a server may feed it a request body
/// as it arrives).
///
/// A read error is returned after every line before it was written; an error
/// from `write` stops the run (once the reader's current read returns); a
/// panic while deciding is raised again here, in its place.
pub(in crate::engine) fn stream<T: Send>(
    pool: &rayon::ThreadPool,
    input: impl Read + Send,
    max_line: usize,
    decide: &(dyn Fn(Lines<'_>) -> T + Sync),
    mut write: impl FnMut(T, Place) -> Result<(), BatchError>,
) -> Result<(), BatchError> {
    let in_flight = (PIECES_IN_FLIGHT * pool.current_num_threads()).min(MOST_IN_FLIGHT);
    std::thread::scope(|scope| {
        let (block_tx, block_rx) = mpsc::sync_channel::<std::io::Result<Vec<u8>>>(2);
        // decided pieces in any order, each with its place in the input
        let (done_tx, done_rx) = mpsc::channel::<(u64, Piece<T>)>();
        // a piece is handed out for a credit, which the writer gives back once it is written
        let (credit_tx, credit_rx) = mpsc::sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = credit_tx.try_send(());
        }
        // decided blocks go back to the reader to be filled again: fresh memory
        // for every block cost more in page faults than deciding did
        let (spare_tx, spare_rx) = mpsc::sync_channel::<Vec<u8>>(4);
        scope.spawn(move || read_blocks(input, max_line, &block_tx, &spare_rx));
        scope.spawn(move || {
            pool.in_place_scope_fifo(|workers| {
                let mut next: u64 = 0;
                // the input line number of the next piece's first line
                let mut line: u64 = 1;
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
                        let place = Place { first_line: line, bytes: range.len() as u64 };
                        let at = next;
                        next += 1;
                        line += memchr::memchr_iter(b'\n', block.get(range.clone()).unwrap_or_default()).count() as u64;
                        workers.spawn_fifo(move |_| {
                            // a bug in deciding must not leave the writer waiting for this
                            // piece forever: its panic goes to the writer, in place
                            let decided = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                let lines = split_lines(block.get(range).unwrap_or_default());
                                decide(Lines { lines: &lines, first: place.first_line })
                            }));
                            if let Some(block) = std::sync::Arc::into_inner(block) {
                                let _ = spare_tx.try_send(block);
                            }
                            let piece = match decided {
                                Ok(decided) => Piece::Decided(decided, place),
                                Err(payload) => Piece::Panicked(payload),
                            };
                            let _ = done_tx.send((at, piece));
                        });
                    }
                }
            });
        });
        // pieces decided ahead of the one to be written next, by place
        let mut waiting = std::collections::BTreeMap::new();
        let mut next: u64 = 0;
        for (at, piece) in done_rx {
            waiting.insert(at, piece);
            while let Some(piece) = waiting.remove(&next) {
                next += 1;
                match piece {
                    Piece::Decided(decided, place) => write(decided, place)?,
                    Piece::Failed(error) => return Err(BatchError::Read(error)),
                    Piece::Panicked(payload) => std::panic::resume_unwind(payload),
                }
                let _ = credit_tx.send(());
            }
        }
        Ok(())
    })
}

/// Reads the input in blocks of whole lines (about a MiB each; a longer line
/// makes its block longer) and sends them on; stops when the receiver goes away.
/// Of a line longer than `max_line` only its first `max_line + 1` bytes are
/// kept (enough to tell it is too long, and to find its `"id"`), so memory stays
/// bounded whatever the input.
fn read_blocks(
    mut input: impl Read,
    max_line: usize,
    blocks: &mpsc::SyncSender<std::io::Result<Vec<u8>>>,
    spare: &mpsc::Receiver<Vec<u8>>,
) {
    let mut buffer: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    // the line at the end of the buffer is over-long: drop its bytes up to its newline
    let mut skipping = false;
    loop {
        let filled = buffer.len();
        // `read_to_end` fills the spare capacity without zeroing it first (for
        // readers that can, like files and standard input)
        let read = match (&mut input).take(BLOCK as u64).read_to_end(&mut buffer) {
            Ok(n) => n,
            Err(e) => {
                // the whole lines read before the failure are decided first
                let whole = memchr::memrchr(b'\n', &buffer).map_or(0, |at| at + 1);
                buffer.truncate(whole);
                if !buffer.is_empty() && blocks.send(Ok(buffer)).is_err() {
                    return;
                }
                let _ = blocks.send(Err(e));
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A panic while deciding (a bug) must neither hang the run nor lose the
    /// pieces before it: it is raised again by the writer, in its place.
    #[test]
    fn a_panic_while_deciding_is_raised_after_the_pieces_before_it() {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build();
        let Ok(pool) = pool else { return };
        // 40 pieces or so; the one holding line 150,000 panics
        let input: String = (1..=400_000).map(|i| format!("line {i}\n")).collect();
        let decide = |lines: Lines<'_>| {
            let last = lines.first + lines.lines.len() as u64 - 1;
            if (lines.first..=last).contains(&150_000) {
                panic!("a bug in deciding");
            }
            lines.first
        };
        let mut written = Vec::new();
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            stream(&pool, input.as_bytes(), 1 << 20, &decide, |first, place| {
                assert_eq!(first, place.first_line);
                written.push(first);
                Ok(())
            })
        }));
        let payload = run.err().and_then(|p| p.downcast_ref::<&str>().map(|s| s.to_string()));
        assert_eq!(payload.as_deref(), Some("a bug in deciding"));
        assert!(written.len() > 5, "the pieces before it were written: {}", written.len());
        assert_eq!(written.first(), Some(&1));
        assert!(written.windows(2).all(|w| w[0] < w[1]) && written.last().is_some_and(|&l| l < 150_000));
    }

    #[test]
    fn a_read_error_comes_after_the_whole_lines_read_before_it() {
        struct Fails(std::io::Cursor<&'static [u8]>);
        impl Read for Fails {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                match self.0.read(buf)? {
                    0 => Err(std::io::Error::other("gone")),
                    n => Ok(n),
                }
            }
        }
        let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(1).build() else { return };
        let mut lines = Vec::new();
        let decide = |piece: Lines<'_>| piece.lines.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect();
        let result =
            stream(&pool, Fails(std::io::Cursor::new(b"a\nb\nunfinish")), 64, &decide, |got: Vec<String>, _| {
                lines.extend(got);
                Ok(())
            });
        assert!(matches!(result, Err(BatchError::Read(e)) if e.to_string() == "gone"));
        assert_eq!(lines, ["a", "b"]);
    }

    #[test]
    fn lines_are_split_without_their_newlines() {
        let lines: Vec<&[u8]> = split_lines(b"a\n\nbc\nd");
        assert_eq!(lines, [&b"a"[..], b"", b"bc", b"d"]);
        assert_eq!(split_lines(b"a\n").len(), 1, "no empty line after the last newline");
    }
}
