//! What a hostile or broken input may cost, and where a policy may read from.
//!
//! Every limit has a default that no real policy or record comes near, a
//! command-line flag of the same name to change it, and an error that names
//! the flag. Number literals need no limit of their own: a whole number must
//! fit in 64 bits and a decimal in 28 significant digits (`P0002`), so a
//! longer literal could never be exact.

use std::path::PathBuf;

/// Limits on a policy's source, checked while compiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total bytes of the policy and every file it uses (`--max-source-bytes`, `P0007`).
    pub max_source_bytes: usize,
    /// Declarations in the policy and every file it uses (`--max-declarations`, `P0008`).
    pub max_declarations: usize,
    /// How deeply expressions (and chains of lets) nest (`--max-nesting`, `P0005`).
    pub max_nesting: usize,
    /// Bytes of one string literal (`--max-string-bytes`, `P0009`).
    pub max_string_bytes: usize,
}

impl Limits {
    /// The largest `max_nesting` accepted: the compiler's and the interpreter's
    /// stacks grow with it (see [`Limits::stack_bytes`]).
    pub const NESTING_CEILING: usize = 4096;

    /// The nesting limit in force: `max_nesting`, at most [`Limits::NESTING_CEILING`].
    pub fn nesting(&self) -> usize {
        self.max_nesting.min(Self::NESTING_CEILING)
    }

    /// Bytes of stack a thread needs to compile, or evaluate, a program that
    /// nests up to `max_nesting` levels: `base` (enough for the default 256
    /// levels) scaled in proportion.
    pub fn stack_bytes(&self, base: usize) -> usize {
        let levels = self.nesting().max(DEFAULT_NESTING);
        base.saturating_mul(levels.div_ceil(DEFAULT_NESTING))
    }
}

const DEFAULT_NESTING: usize = 256;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_source_bytes: 16 << 20,
            max_declarations: 200_000,
            max_nesting: DEFAULT_NESTING,
            max_string_bytes: 64 << 10,
        }
    }
}

/// Limits on one input record line, checked by `polc run` before and while decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLimits {
    /// Bytes of one input line (`--max-line-bytes`). A longer line is an
    /// `error` decision; `polc run` keeps only this much of it in memory.
    pub max_line_bytes: usize,
    /// How deeply JSON arrays and objects nest (`--max-json-depth`), at most
    /// [`RecordLimits::JSON_DEPTH_CEILING`].
    pub max_json_depth: usize,
}

impl RecordLimits {
    /// The largest `max_json_depth` in force, whatever is asked. The readers
    /// recurse once per level of the record *type* (a record may hold itself,
    /// `record Node { next: Node? }`); values the type does not name are
    /// skipped without recursion. So this bounds their stack on any thread: at
    /// the ceiling, within a 2 MiB thread stack even in a debug build.
    pub const JSON_DEPTH_CEILING: usize = 512;

    /// The depth limit in force: `max_json_depth`, at most [`RecordLimits::JSON_DEPTH_CEILING`].
    pub fn json_depth(&self) -> usize {
        self.max_json_depth.min(Self::JSON_DEPTH_CEILING)
    }
}

impl Default for RecordLimits {
    fn default() -> RecordLimits {
        RecordLimits { max_line_bytes: 1 << 20, max_json_depth: 64 }
    }
}

/// Limits on list files, checked while they are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimits {
    /// Bytes of one list file (`--max-list-bytes`, `L0406`). At most this many
    /// bytes (and one more, to tell) are read from any file, device or pipe.
    /// The default, 1 GiB, holds a list of 50 million ID numbers.
    pub max_list_bytes: usize,
}

impl Default for ListLimits {
    fn default() -> ListLimits {
        ListLimits { max_list_bytes: 1 << 30 }
    }
}

/// How to compile a policy: its limits and where `use` and `list … from` may read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// Limits on the source.
    pub limits: Limits,
    /// The directory that `use` and `list … from` paths must stay inside;
    /// `None` means the directory of the policy being compiled.
    pub root: Option<PathBuf>,
    /// Let `use` and `from` paths reach outside the root (`--allow-outside-root`).
    pub allow_outside_root: bool,
    /// Also read the policy's test file, `NAME.test.pol` beside `NAME.pol`, when
    /// there is one (`polc check`, `polc test`); it never changes the policy hash.
    pub test_files: bool,
}
