//! Generates a consumer-loan workload shaped like the reference one, for
//! benchmarks that must run without `../shared`:
//!
//! ```text
//! cargo run --release --example gen_workload -- OUT_DIR [--n N] [--list-size N] [--label]
//! ```
//!
//! `--label` adds a top-level `"claim_paid": true|false` to each applicant (did the
//! guarantee pay a claim?), likelier with a higher debt-to-income ratio or a lower
//! credit score, for `polc diff --label claim_paid`. It is drawn from a generator of
//! its own, so the applicants are the same with or without it.
//!
//! Writes `OUT_DIR/applicants.jsonl` and `OUT_DIR/lists/{fraud_ids,grey_phones,bad_devices}.txt`
//! (deterministic: a fixed seed). About 3% of applicants hit a list; the rest are spread over
//! the rules of `policies/consumer_loan.pol` like the reference workload.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// SplitMix64: small, fast, deterministic; good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len() as u64) as usize).copied().unwrap_or("")
    }
}

/// Makes one filler list entry.
type MakeEntry = fn(&mut Rng) -> String;

const REGIONS: [&str; 6] = ["110101", "310101", "440103", "510104", "330102", "420102"];
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const FUNDERS: [&str; 13] = [
    "bank",
    "trust_company",
    "consumer_finance_company",
    "financial_leasing_company",
    "wealth_management_subsidiary",
    "finance_company",
    "loan_company",
    "asset_management_company",
    "asset_investment_company",
    "auto_finance_company",
    "microfinance_company",
    "financing_leasing_company",
    "commercial_factoring_company",
];

fn id_number(rng: &mut Rng, year: u64) -> String {
    let (month, day) = (rng.range(1, 12), rng.range(1, 28));
    let body = format!("{}{year:04}{month:02}{day:02}{:03}", rng.pick(&REGIONS), rng.below(1000));
    let sum: u32 = body.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

fn phone(rng: &mut Rng) -> String {
    format!("1{}{:09}", rng.range(3, 9), rng.below(1_000_000_000))
}

fn device(rng: &mut Rng) -> String {
    format!("{:012x}", rng.next() >> 16)
}

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Whether applicant `i` went bad: about 2 % plus 12 % of its debt-to-income
/// ratio, plus 6 % under a credit score of 620 (its own stream of numbers).
fn claim_paid(i: u64, dti: f64, score: u64) -> bool {
    let mut rng = Rng(i.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x0C1A_1B2D);
    let p = 0.02 + 0.12 * dti.min(2.0) + if score < 620 { 0.06 } else { 0.0 };
    rng.chance(p)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let (mut n, mut list_size) = (100_000u64, 100_000u64);
    let mut label = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--n" => n = args.next().and_then(|v| v.parse().ok()).unwrap_or(n),
            "--list-size" => list_size = args.next().and_then(|v| v.parse().ok()).unwrap_or(list_size),
            "--label" => label = true,
            _ => out = Some(PathBuf::from(arg)),
        }
    }
    let Some(out) = out else {
        eprintln!("usage: gen_workload OUT_DIR [--n N] [--list-size N] [--label]");
        std::process::exit(2);
    };
    std::fs::create_dir_all(out.join("lists"))?;
    let mut rng = Rng(20261122);
    let (mut fraud, mut grey, mut bad) = (Vec::new(), Vec::new(), Vec::new());
    let mut file = std::io::BufWriter::new(std::fs::File::create(out.join("applicants.jsonl"))?);
    let mut line = String::with_capacity(512);
    for i in 1..=n {
        let level = rng.pick(&["city", "city", "city", "provincial", "provincial", "head_office"]);
        let year = if rng.chance(0.015) { rng.range(2009, 2012) } else { rng.range(1961, 2007) };
        let id = id_number(&mut rng, year);
        let phone_number = phone(&mut rng);
        let device_id = if rng.chance(0.9) { Some(device(&mut rng)) } else { None };
        if rng.chance(0.011) {
            fraud.push(id.clone());
        }
        if rng.chance(0.011) {
            grey.push(phone_number.clone());
        }
        if let Some(d) = device_id.as_ref().filter(|_| rng.chance(0.012)) {
            bad.push(d.clone());
        }
        let income = rng.range(300_000, 5_000_000) & !1;
        let debt = if rng.chance(0.03) { income / 2 + rng.range(1, income) } else { rng.below(income / 2) };
        let score = if rng.chance(0.02) {
            rng.range(300, 549)
        } else if rng.chance(0.06) {
            rng.range(550, 619)
        } else {
            rng.range(620, 850)
        };
        let (max_amount, products): (u64, &[&str]) = match level {
            "city" => (200_000, &["consumer_loan", "auto_loan"]),
            "provincial" => (1_000_000, &["consumer_loan", "auto_loan", "micro_business_loan"]),
            _ => (5_000_000, &["consumer_loan", "auto_loan", "micro_business_loan", "mortgage_loan"]),
        };
        let escalate = rng.chance(0.28);
        let amount = if escalate {
            rng.range(max_amount + 1, max_amount * 4) * 100
        } else {
            rng.range(10, max_amount / 1000) * 100_000
        };
        let funder = if rng.chance(0.02) { rng.pick(&["p2p_platform", "individual"]) } else { rng.pick(&FUNDERS) };
        line.clear();
        let _ = write!(
            line,
            r#"{{"id":"A{i:07}","id_number":"{id}","birth_date":"{year:04}-{}-{}","is_student":{},"monthly_income":"{}","monthly_debt":"{}","credit_score":{score},"overdue_count_24m":{},"phone":"{phone_number}","device_id":{},"branch_level":"{level}","loan":{{"product":"{}","amount":"{}","term_months":{},"funder":"{funder}","transfer_count":{},"premium_rate":"0.0{}"}}}}"#,
            id.get(10..12).unwrap_or("01"),
            id.get(12..14).unwrap_or("01"),
            rng.chance(0.015),
            money(income),
            money(debt),
            if rng.chance(0.02) { rng.range(3, 9) } else { rng.below(3) },
            device_id.map_or("null".to_string(), |d| format!("\"{d}\"")),
            rng.pick(products),
            money(amount),
            if rng.chance(0.02) { 48 } else { rng.pick(&["6", "12", "24", "36"]).parse().unwrap_or(12) },
            if rng.chance(0.02) { rng.range(2, 4) } else { rng.below(2) },
            rng.range(200, 800),
        );
        if label {
            let claim = claim_paid(i, debt as f64 / income.max(1) as f64, score);
            line.pop();
            let _ = write!(line, r#","claim_paid":{claim}}}"#);
        }
        line.push('\n');
        file.write_all(line.as_bytes())?;
    }
    file.flush()?;
    let lists: [(&str, Vec<String>, MakeEntry); 3] = [
        ("fraud_ids", fraud, |r: &mut Rng| {
            let year = r.range(1946, 2006);
            id_number(r, year)
        }),
        ("grey_phones", grey, phone),
        ("bad_devices", bad, device),
    ];
    for (name, mut entries, make) in lists {
        let size = if name == "bad_devices" { list_size / 2 } else { list_size };
        while (entries.len() as u64) < size {
            entries.push(make(&mut rng));
        }
        std::fs::write(out.join("lists").join(format!("{name}.txt")), entries.join("\n") + "\n")?;
    }
    eprintln!("wrote {n} applicants and lists of {list_size} to {}", out.display());
    Ok(())
}
