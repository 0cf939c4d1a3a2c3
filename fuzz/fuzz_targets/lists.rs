//! Arbitrary bytes as a list file, for every element type a list may hold:
//! loaded or rejected with a line number, never a panic — read as a file is
//! (through a loader, so bytes that are not UTF-8 are refused with their line),
//! as text, and as entries bound one by one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polc::{LoadError, Loader, MemoryLoader, Policy};
use std::path::Path;
use std::sync::OnceLock;
use polc_core::base::codes::Code;

/// A loader that serves the fuzzer's bytes as every file.
struct Bytes<'a>(&'a [u8]);

impl Loader for Bytes<'_> {
    fn load(&self, _: &Path) -> std::io::Result<String> {
        String::from_utf8(self.0.to_vec()).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    fn load_bytes_within(&self, _: &Path, max_bytes: usize) -> Result<Vec<u8>, LoadError> {
        if self.0.len() > max_bytes {
            return Err(LoadError::TooLarge { max_bytes, size: Some(self.0.len() as u64) });
        }
        Ok(self.0.to_vec())
    }
}

const POLICY: &str = r#"policy lists version "1"
enum Level { city, provincial }
record A { id: String }
input a: A
list strings: String from "s.txt"
list ids: IdCard from "i.txt"
list phones: Phone from "p.txt"
list codes: CreditCode from "c.txt"
list ints: Int from "n.txt"
list amounts: Money from "m.txt"
list dates: Date from "d.txt"
list levels: Level from "l.txt"
list rows: String from "r.csv" column "id"
rule A01 decline when a.id in strings
"#;

fn policy() -> &'static Policy {
    static COMPILED: OnceLock<Policy> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let loader = ["s.txt", "i.txt", "p.txt", "c.txt", "n.txt", "m.txt", "d.txt", "l.txt"]
            .iter()
            .fold(MemoryLoader::new(), |loader, file| loader.with(*file, ""))
            .with("r.csv", "id\n");
        Policy::from_source("lists.pol", POLICY, &loader).unwrap_or_else(|e| panic!("compiles: {e}"))
    })
}

const LISTS: [&str; 9] = ["strings", "ids", "phones", "codes", "ints", "amounts", "dates", "levels", "rows"];

fuzz_target!(|data: &[u8]| {
    let mut policy = policy().clone();
    for name in LISTS {
        if let Err(e) = policy.bind_list_file(name, Path::new("f.txt"), &Bytes(data)) {
            let named = matches!(e.code, Code::L0402 | Code::L0405 | Code::L0407);
            assert!(!named || e.message.starts_with("f.txt"), "{}: {}", e.code, e.message);
            assert!(e.code != Code::L0402 || e.line.is_some(), "a bad entry names its line: {}", e.message);
        }
    }
    let text = String::from_utf8_lossy(data);
    for name in LISTS {
        let _ = policy.bind_list_text(name, &text);
    }
    let entries: Vec<&str> = text.lines().collect();
    for name in LISTS {
        let _ = policy.bind_list(name, &entries);
    }
});
