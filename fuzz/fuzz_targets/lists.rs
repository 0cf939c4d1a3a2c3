//! Arbitrary bytes as a list file, for every element type a list may hold:
//! loaded or rejected with a line number, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polc::{MemoryLoader, Policy};
use std::sync::OnceLock;

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

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut policy = policy().clone();
    for name in ["strings", "ids", "phones", "codes", "ints", "amounts", "dates", "levels", "rows"] {
        let _ = policy.bind_list_text(name, &text);
    }
});
