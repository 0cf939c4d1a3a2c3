//! Arbitrary text through `polc fmt`: no panic, and whatever formats is a fixed
//! point (formatting it again changes nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(once) = polc_core::syntax::format::format(text) {
        let twice = polc_core::syntax::format::format(&once).unwrap_or_else(|_| panic!("formatted text no longer parses:\n{once}"));
        assert_eq!(once, twice, "formatting is not idempotent");
    }
});
