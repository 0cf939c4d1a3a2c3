//! Embedding polc in a service: compile the policy once at start-up, bind its
//! lists, share it between threads, decide each application as it arrives.
//!
//! ```text
//! cargo run --example embed
//! ```

use polc::{FsLoader, Policy, Verdict};
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
            for d in &failed.diagnostics {
                eprint!(
                    "{}",
                    polc_core::base::diag::render_human(
                        d,
                        &failed.sources,
                        polc_core::base::diag::RenderOptions { color: false, width: 100 }
                    )
                );
            }
            return Err("the policy does not compile".into());
        }
    };
    // 2. Lists were bound from their `from` files; a service may rebind one from
    //    its own store, here from memory.
    policy.bind_list("grey_phones", ["13055749755", "13900000000"])?;

    // 3. Share it: `Policy` is Send + Sync and cheap to clone.
    let policy = Arc::new(policy);
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).ok_or("bad date")?;
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
    // 4. Any T: Serialize, a serde_json::Value, or JSON text.
    let verdict: Verdict = worker.join().map_err(|_| "worker failed")??;
    println!("{}", serde_json::to_string(&verdict)?);
    let from_text = policy.evaluate_json(r#"{"id":"bad","loan":{}}"#, as_of);
    if let Err(problem) = from_text {
        println!("rejected record: {} at `{}`", problem.message, problem.path);
    }

    // 5. A batch of JSONL lines: decision lines into one buffer, with what each
    //    line was for counting (list lookups of several records overlap).
    let text = std::fs::read_to_string("examples/applicants.jsonl")?;
    let lines: Vec<&str> = text.lines().collect();
    let (mut scratch, mut out, mut declined) = (polc::Scratch::default(), String::new(), 0);
    policy.decide_lines_into(&lines, as_of, &mut scratch, polc::LineOptions::default(), &mut out, |o| {
        declined += usize::from(o.kind == polc::LineKind::Decline);
    });
    println!("{} lines decided, {declined} declined", out.lines().count());
    Ok(())
}
