//! Embedding polc in a service: compile the policy once at start-up, bind its
//! lists, share it between threads, decide each application as it arrives
//! into a typed verdict, and decide whole files in parallel, in input order.
//!
//! ```text
//! cargo run --example embed
//! ```

use polc::{Batch, BatchOptions, DecidedLines, Decision, FsLoader, Policy, RenderOptions, Verdict};
use serde::Serialize;
use std::sync::Arc;

/// An application as the service holds it. Money travels as decimal strings,
/// so nothing is lost to floating point.
#[derive(Serialize)]
struct Application {
    id: String,
    id_number: String,
    birth_date: String,
    is_student: bool,
    monthly_income: String,
    monthly_debt: String,
    credit_score: i64,
    overdue_count_24m: i64,
    phone: String,
    device_id: Option<String>,
    branch_level: String,
    loan: Loan,
}

#[derive(Serialize)]
struct Loan {
    product: String,
    amount: String,
    term_months: i64,
    funder: String,
    transfer_count: i64,
    premium_rate: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Compile once; errors come back as diagnostics, never a half-built policy.
    let mut policy = match Policy::from_file("policies/consumer_loan.pol".as_ref(), &FsLoader) {
        Ok(policy) => policy,
        Err(failed) => {
            // drawn for people with the `human` feature; `polc::render_json` for tools
            for d in &failed.diagnostics {
                eprint!("{}", polc::render_human(d, &failed.sources, RenderOptions { color: false, width: 100 }));
            }
            return Err("the policy does not compile".into());
        }
    };
    // 2. Lists were bound from their `from` files; a service may rebind one from
    //    its own store, here from memory.
    policy.bind_list("grey_phones", ["13055749755", "13900000000"])?;

    // 3. Share it: `Policy` is Send + Sync and cheap to clone.
    let policy = Arc::new(policy);
    let as_of = polc::NaiveDate::from_ymd_opt(2026, 11, 22).ok_or("bad date")?;
    let application = Application {
        id: "WEB-0001".into(),
        id_number: "110100199003070138".into(),
        birth_date: "1990-03-07".into(),
        is_student: false,
        monthly_income: "12000.00".into(),
        monthly_debt: "3000.00".into(),
        credit_score: 600,
        overdue_count_24m: 0,
        phone: "13800138000".into(),
        device_id: None,
        branch_level: "city".into(),
        loan: Loan {
            product: "consumer_loan".into(),
            amount: "300000.00".into(),
            term_months: 24,
            funder: "bank".into(),
            transfer_count: 0,
            premium_rate: "0.035".into(),
        },
    };
    let worker = {
        let policy = Arc::clone(&policy);
        std::thread::spawn(move || policy.evaluate(&application, as_of))
    };
    // 4. A typed verdict: the decision, levels, reasons, and the stamp every
    //    decision line carries (as_of, policy, version, hashes).
    let verdict: Verdict = worker.join().map_err(|_| "worker failed")??;
    let level = |level: &Option<polc::Level>| level.as_ref().map_or("-".to_string(), ToString::to_string);
    let reasons: Vec<&str> = verdict.reasons.iter().map(|r| r.as_str()).collect();
    match verdict.decision {
        Decision::Approve => println!("approved at {}", level(&verdict.level)),
        Decision::Refer => println!("refer to {} because {}", level(&verdict.refer_to), reasons.join(", ")),
        Decision::Decline => println!("declined: {}", reasons.join(", ")),
        // never an approval
        Decision::Error => {
            println!("not decided: {}", verdict.error.as_ref().map(ToString::to_string).unwrap_or_default())
        }
    }
    for code in &verdict.reasons {
        println!("  {code}: {}", policy.message(code.as_str()).unwrap_or_default());
    }
    // the same JSON a `polc run` line has
    println!("{}", serde_json::to_string(&verdict)?);
    // JSON text: an invalid record is an `error` verdict naming the field
    let rejected = policy.decide_json(r#"{"id":"bad","loan":{}}"#, as_of);
    if let Some(error) = &rejected.error {
        println!("rejected record {:?}: {} at `{}`", rejected.id, error.message, error.path.as_deref().unwrap_or(""));
    }

    // 5. A batch: JSONL from any reader, decided on a pool of worker threads,
    //    decision lines handed over in input order, counts at the end.
    let batch = Batch::new(&policy, BatchOptions::new(as_of))?;
    let file = std::fs::File::open("examples/applicants.jsonl")?;
    let mut lines = 0;
    let summary = batch.run_jsonl(file, &mut |piece: &DecidedLines<'_>| {
        lines += piece.outcomes.len(); // write `piece.text` to a file, a socket, a response body
        Ok(())
    })?;
    println!(
        "{lines} lines decided: {} approved, {} referred, {} declined, {} errors",
        summary.approve,
        summary.refer,
        summary.decline,
        summary.errors()
    );
    for (code, n) in summary.reasons() {
        println!("  {code} {n}");
    }
    Ok(())
}
