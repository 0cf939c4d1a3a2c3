//! CSV records split from a byte stream, in the dialect of the `csv` crate's
//! default reader (RFC 4180): cells separated by commas, a cell in double
//! quotes may hold commas, line breaks and doubled quotes, a record ends at
//! `\n`, `\r` or `\r\n`, and empty lines are skipped.
//!
//! Most lines of a portfolio export hold no quote: such a line, up to its
//! `\n` (and a `\r` before it), is one record, split at its commas with
//! `memchr` — a few instructions a byte. A record with a quote, or with a
//! `\r` inside its line, is parsed by `csv_core`, the state machine the `csv`
//! crate itself runs, from where the record starts. Both paths give the
//! `csv` crate's cells (`tests::same_cells_as_the_csv_crate`).

use memchr::{memchr, memchr2};
use std::io::{ErrorKind, Read};

/// Bytes read from the input at a time, at least.
const READ_AHEAD: usize = 256 * 1024;

/// One record: the bytes of its cells and where each ends.
#[derive(Debug, Default)]
pub struct Record {
    /// The cells' bytes, in order; on a split line, with the commas between them.
    bytes: Vec<u8>,
    /// The end of each cell in `bytes`.
    ends: Vec<usize>,
    /// How many bytes lie between one cell's end and the next one's start:
    /// one (the comma) on a split line, none from `csv_core`.
    gap: usize,
}

impl Record {
    /// The number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// All the cells' bytes, with what lies between them: one UTF-8 check of
    /// this is a check of every cell.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The byte range of each cell in [`Record::bytes`], in order.
    pub fn ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let gap = self.gap;
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let range = start..end;
            start = end + gap;
            range
        })
    }
}

/// Pushes the place of every comma in `line` onto `ends`, eight bytes at a
/// time: a line's sixteen or so commas cost less this way than a `memchr`
/// call each.
fn push_commas(line: &[u8], ends: &mut Vec<usize>) {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW: u64 = 0x7F * ONES;
    const HIGH: u64 = 0x80 * ONES;
    let mut words = line.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        // the high bit of each byte that is a comma: `v` is zero there, and
        // `(v & LOW) + LOW | v` has the high bit of every byte that is not
        let v = u64::from_le_bytes(bytes) ^ (u64::from(b',') * ONES);
        let mut commas = !(((v & LOW).wrapping_add(LOW)) | v) & HIGH;
        while commas != 0 {
            ends.push(base + (commas.trailing_zeros() / 8) as usize);
            commas &= commas - 1;
        }
        base += 8;
    }
    let rest = words.remainder();
    ends.extend(rest.iter().enumerate().filter(|(_, &b)| b == b',').map(|(i, _)| base + i));
}

/// The records of a CSV byte stream, one at a time.
pub struct Records<R: Read> {
    input: R,
    /// Bytes read and not yet taken: `buffer[start..end]`.
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    /// The input has no more bytes.
    eof: bool,
    /// Whether the first bytes (a byte-order mark) have been looked at.
    begun: bool,
    /// The parser of records with quotes: between records it is at the start
    /// of one, as after any record it parses.
    core: csv_core::Reader,
}

impl<R: Read> Records<R> {
    /// The records of `input`; a UTF-8 byte-order mark at its start is skipped.
    pub fn new(input: R) -> Records<R> {
        let mut core = csv_core::Reader::new();
        // a line break is skipped between records: this first read makes the
        // parser take the byte-order mark as read, as it does after its first
        // record, so that a record it parses later keeps a leading U+FEFF
        let _ = core.read_record(b"\n", &mut [], &mut []);
        Records { input, buffer: Vec::new(), start: 0, end: 0, eof: false, begun: false, core }
    }

    /// Reads the next record into `record`: false at the end of the input.
    pub fn read(&mut self, record: &mut Record) -> std::io::Result<bool> {
        if !self.begun {
            while self.end < 3 && !self.eof {
                self.fill()?;
            }
            if self.buffer.get(..3) == Some(b"\xEF\xBB\xBF".as_slice()) {
                self.start = 3;
            }
            self.begun = true;
        }
        // how far past `start` the line end has been looked for already: a
        // line longer than what one read brings is not searched again from
        // its start after every read (a pipe hands over 64 KiB at a time)
        let mut searched: usize = 0;
        loop {
            // empty lines are no records
            let unread = self.buffer.get(self.start..self.end).unwrap_or_default();
            let blank = unread.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
            self.start += blank;
            searched = searched.saturating_sub(blank);
            if self.start == self.end {
                if self.eof {
                    return Ok(false);
                }
                self.fill()?;
                continue;
            }
            let unread = self.buffer.get(self.start..self.end).unwrap_or_default();
            let (line, next) = match memchr(b'\n', unread.get(searched..).unwrap_or_default()) {
                Some(at) => (unread.get(..searched + at).unwrap_or_default(), self.start + searched + at + 1),
                None if !self.eof => {
                    searched = unread.len();
                    self.fill()?;
                    continue;
                }
                None => (unread, self.end),
            };
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if memchr2(b'"', b'\r', line).is_some() {
                return self.parse(record);
            }
            record.bytes.clear();
            record.bytes.extend_from_slice(line);
            record.ends.clear();
            push_commas(line, &mut record.ends);
            record.ends.push(line.len());
            record.gap = 1;
            self.start = next;
            return Ok(true);
        }
    }

    /// Parses the record at `start` with `csv_core`, reading more input as
    /// it needs.
    fn parse(&mut self, record: &mut Record) -> std::io::Result<bool> {
        use csv_core::ReadRecordResult as Parsed;
        let (mut written, mut cells) = (0, 0);
        record.bytes.resize(record.bytes.capacity().max(256), 0);
        record.ends.resize(record.ends.capacity().max(32), 0);
        record.gap = 0;
        loop {
            if self.start == self.end && !self.eof {
                self.fill()?;
                continue;
            }
            let input = self.buffer.get(self.start..self.end).unwrap_or_default();
            let output = record.bytes.get_mut(written..).unwrap_or_default();
            let ends = record.ends.get_mut(cells..).unwrap_or_default();
            let (parsed, read, wrote, ended) = self.core.read_record(input, output, ends);
            self.start += read;
            written += wrote;
            cells += ended;
            match parsed {
                Parsed::InputEmpty => {}
                Parsed::OutputFull => record.bytes.resize(record.bytes.len() * 2, 0),
                Parsed::OutputEndsFull => record.ends.resize(record.ends.len() * 2, 0),
                Parsed::Record => {
                    record.bytes.truncate(written);
                    record.ends.truncate(cells);
                    return Ok(true);
                }
                Parsed::End => {
                    record.bytes.clear();
                    record.ends.clear();
                    return Ok(false);
                }
            }
        }
    }

    /// Reads more of the input after what is unread, moving that to the
    /// buffer's start and growing the buffer when it is full.
    fn fill(&mut self) -> std::io::Result<()> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buffer.len() - self.end < READ_AHEAD / 4 {
            let size = (self.buffer.len() * 2).max(self.end + READ_AHEAD);
            self.buffer.resize(size, 0);
        }
        loop {
            let space = self.buffer.get_mut(self.end..).unwrap_or_default();
            match self.input.read(space) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(read) => {
                    self.end += read;
                    return Ok(());
                }
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Record, Records};
    use proptest::prelude::*;

    /// Hands out its bytes `step` at a time, as a pipe or a slow disk may.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            let (head, rest) = self.bytes.split_at(n);
            out.get_mut(..n).unwrap_or_default().copy_from_slice(head);
            self.bytes = rest;
            Ok(n)
        }
    }

    /// Every record's cells, as this reader reads them.
    fn ours(bytes: &[u8], step: usize) -> Vec<Vec<Vec<u8>>> {
        let mut records = Records::new(Trickle { bytes, step });
        let mut record = Record::default();
        let mut all = Vec::new();
        while records.read(&mut record).unwrap_or(false) {
            let cells = record.ranges().map(|r| record.bytes().get(r).unwrap_or_default().to_vec()).collect();
            all.push(cells);
        }
        all
    }

    /// Every record's cells, as the `csv` crate reads them (as `polc run` did).
    fn theirs(bytes: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = ::csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(bytes);
        let mut record = ::csv::ByteRecord::new();
        let mut all = Vec::new();
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            all.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        all
    }

    /// The bytes CSV is made of, and some it should not hold.
    fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop::sample::select(vec![
            b'a', b'b', b' ', b',', b',', b'"', b'"', b'\n', b'\n', b'\r', 0xEF, 0xBB, 0xBF, 0xC3, 0xA9, 0xFF,
        ]);
        prop::collection::vec(byte, 0..80)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn same_cells_as_the_csv_crate(bytes in csv_bytes(), step in 1usize..9) {
            let expected = theirs(&bytes);
            prop_assert_eq!(&ours(&bytes, step), &expected);
            prop_assert_eq!(&ours(&bytes, usize::MAX), &expected);
        }
    }

    #[test]
    fn lines_split_quoted_and_broken_across_reads() {
        let text = b"\xEF\xBB\xBFid,name\r\n1,plain\n\xEF\xBB\xBF\"q\",z\n\n2,\"a, \"\"quoted\"\"\ncell\"\r3,\xEF\xBB\xBFx\n4,last";
        let expected: Vec<Vec<Vec<u8>>> = vec![
            vec![b"id".to_vec(), b"name".to_vec()],
            vec![b"1".to_vec(), b"plain".to_vec()],
            // a mark at the start of a later record (with a quote: parsed by `csv_core`) is kept
            vec![b"\xEF\xBB\xBF\"q\"".to_vec(), b"z".to_vec()],
            vec![b"2".to_vec(), b"a, \"quoted\"\ncell".to_vec()],
            vec![b"3".to_vec(), b"\xEF\xBB\xBFx".to_vec()],
            vec![b"4".to_vec(), b"last".to_vec()],
        ];
        assert_eq!(theirs(text), expected);
        for step in [1, 2, 3, 5, 64, usize::MAX] {
            assert_eq!(ours(text, step), expected, "read {step} bytes at a time");
        }
    }

    proptest! {
        #[test]
        fn commas_found_eight_bytes_at_a_time_are_the_commas(line in prop::collection::vec(
            // commas, and the bytes a bit off one (0x2C) or a carry away
            prop::sample::select(vec![b',', b',', 0x2B, 0x2D, 0xAC, 0x6C, 0x0C, 0x00, 0x7F, 0x80, 0xFF, b'a']), 0..70)) {
            let mut ends = Vec::new();
            super::push_commas(&line, &mut ends);
            let commas: Vec<usize> = line.iter().enumerate().filter(|(_, &b)| b == b',').map(|(i, _)| i).collect();
            prop_assert_eq!(ends, commas);
        }
    }

    #[test]
    fn a_line_longer_than_the_buffer() {
        let long = "x".repeat(super::READ_AHEAD * 3 + 17);
        let text = format!("a,{long}\n\"q\",{long}\nb,c\n");
        let expected = theirs(text.as_bytes());
        assert_eq!(expected.len(), 3);
        assert_eq!(ours(text.as_bytes(), usize::MAX), expected);
        assert_eq!(ours(text.as_bytes(), 4096), expected);
    }
}
