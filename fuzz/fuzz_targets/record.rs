//! Arbitrary bytes as one input line for the shipped consumer-loan policy: every
//! line gets exactly one decision line, a line that is not a valid record is
//! never approved, the decode plan reads every line to what the general JSON
//! reader makes of it (value or error), and the compiled evaluator decides a
//! valid record exactly as the tree interpreter does; the typed verdict of the
//! line serialises to the line and reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polc::{MemoryLoader, Policy};
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let loader = MemoryLoader::new()
            .with("policies/consumer_loan.pol", include_str!("../../policies/consumer_loan.pol"))
            .with("policies/common.pol", include_str!("../../policies/common.pol"))
            .with("policies/lists/fraud_ids.txt", include_str!("../../policies/lists/fraud_ids.txt"))
            .with("policies/lists/grey_phones.txt", include_str!("../../policies/lists/grey_phones.txt"))
            .with("policies/lists/bad_devices.txt", include_str!("../../policies/lists/bad_devices.txt"));
        Policy::from_source("policies/consumer_loan.pol", include_str!("../../policies/consumer_loan.pol"), &loader)
            .unwrap_or_else(|e| panic!("the shipped policy and its lists load: {e}"))
    })
}

fn plan() -> &'static polc_core::io::plan::DecodePlan {
    static PLAN: OnceLock<polc_core::io::plan::DecodePlan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let program = policy().program();
        polc_core::io::plan::DecodePlan::new(&program.schema, program.input.record)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    if line.contains('\n') {
        return; // one line at a time, as `polc run` hands them over
    }
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
    let decided = policy().decide_json_line(line, as_of);
    assert!(!decided.contains('\n'), "one decision line per input line");
    let decision: serde_json_lite::Decision = serde_json_lite::parse(&decided);
    let verdict = policy().decide_json(line, as_of);
    assert_eq!(serde_json::to_string(&verdict).ok().as_deref(), Some(decided.as_str()), "the verdict is the line");
    let read: Result<polc::Verdict, _> = serde_json::from_str(&decided);
    assert_eq!(read.ok().as_ref(), Some(&verdict), "the line reads back into the verdict: {decided}");
    let program = policy().program();
    let general = polc_core::io::json::decode_record_within(&program.schema, program.input.record, line, 64);
    assert_eq!(plan().decode(&program.schema, line, 64), general, "the decode plan and the general reader disagree");
    if policy().evaluate_json(line, as_of).is_err() {
        assert_eq!(decision.0, "error", "an unreadable record must be an error: {decided}");
    }
    // the serde path (the embedding API) reads every record the text readers read, to the same value
    if let Ok(value) = &general {
        let json = serde_json::from_str::<serde_json::Value>(polc::strip_bom(line));
        let json = json.unwrap_or_else(|e| panic!("serde_json refuses a line the readers read ({e}): {line}"));
        let ty = polc_core::base::types::Type::Record(program.input.record);
        let serde = polc_core::io::record::decode_within(&program.schema, &ty, &json, 64);
        assert_eq!(serde.as_ref(), Ok(value), "the serde path and the text readers disagree on {line}");
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(line) {
        if let Ok(record) = policy().decode(&json) {
            let (program, lists) = (policy().program(), policy().lists());
            let mut scratch = polc::Scratch::default();
            let compiled = policy().decide(&record, as_of, &mut scratch);
            let interpreted =
                polc_core::eval::decide_traced(program, lists, &record, as_of, &mut scratch, &mut polc_core::eval::NoTrace);
            assert_eq!(compiled, interpreted, "the two evaluators disagree on {line}");
        }
    }
});

/// Just enough JSON reading for the check above, without another dependency.
mod serde_json_lite {
    pub struct Decision(pub String);

    pub fn parse(line: &str) -> Decision {
        let marker = "\"decision\":\"";
        let start = line.find(marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("no decision: {line}"));
        let rest = line.get(start..).unwrap_or_default();
        Decision(rest.split('"').next().unwrap_or_default().to_string())
    }
}
