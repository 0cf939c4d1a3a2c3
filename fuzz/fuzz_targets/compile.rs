//! Arbitrary text as a policy: parse, resolve, check, lower and render every
//! diagnostic, without a panic. The policy may `use "common.pol"` (the shipped one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use polc::{MemoryLoader, RenderOptions};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loader = MemoryLoader::new()
        .with("common.pol", include_str!("../../policies/common.pol"))
        .with("lists/fraud_ids.txt", include_str!("../../policies/lists/fraud_ids.txt"));
    let compilation = polc::compile_source("p.pol".as_ref(), &text, &loader);
    for d in compilation.diagnostics.iter().take(20) {
        let _ = polc::render_human(d, &compilation.sources, RenderOptions { color: false, width: 80 });
        let _ = polc::render_json(d, &compilation.sources);
    }
});
