//! Evaluation semantics: every operator and built-in, decision rules of §5,
//! authority escalation of §6, run-time faults and record decoding.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod common;

use polc::{MemoryLoader, Policy};
use serde_json::{json, Value};

const SCHEMA: &str = r#"
enum Level { city, provincial, head_office, committee }
record Prior { amount: Money, overdue: Bool }
record Applicant {
  id: String
  id_number: IdCard
  birth_date: Date
  income: Money
  debt: Money
  score: Int
  rate: Decimal
  phone: Phone
  device_id: String?
  bonus: Money?
  company: CreditCode?
  priors: list<Prior>
  name: String
  level: Level
}
input applicant: Applicant
"#;

fn record() -> Value {
    json!({
        "id": "T1", "id_number": "110100199003070138", "birth_date": "1990-03-07",
        "income": "10000.00", "debt": "2500.00", "score": 700, "rate": "0.035",
        "phone": "13800138000", "device_id": null, "bonus": "500.50", "company": "91110100MA00000157",
        "priors": [{"amount": "1000.00", "overdue": false}, {"amount": "2500.50", "overdue": true}],
        "name": "张三", "level": "city"
    })
}

fn as_of() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
}

fn policy(body: &str) -> Policy {
    let source = format!("policy t version \"1\"\n{SCHEMA}\n{body}");
    match Policy::from_source("t.pol", &source, &MemoryLoader::new().with("ids.txt", "110100199003070138\n")) {
        Ok(p) => p,
        Err(e) => panic!("policy does not compile: {e}\n{body}"),
    }
}

fn decide_with(body: &str, record: &Value) -> Value {
    let line = policy(body).decide_json_line(&record.to_string(), as_of());
    serde_json::from_str(&line).unwrap_or(Value::Null)
}

/// Whether `condition` holds for the default record.
fn holds(condition: &str) -> bool {
    holds_for(condition, &record())
}

fn holds_for(condition: &str, record: &Value) -> bool {
    let decision = decide_with(&format!("rule X01 decline when {condition}"), record);
    match decision["decision"].as_str() {
        Some("decline") => true,
        Some("approve") => false,
        _ => panic!("`{condition}` gave {decision}"),
    }
}

fn error_of(condition: &str) -> Value {
    let decision = decide_with(&format!("rule X01 decline when {condition}"), &record());
    assert_eq!(decision["decision"], "error", "`{condition}` gave {decision}");
    decision["error"].clone()
}

#[test]
fn integer_arithmetic() {
    common::at_workspace_root();
    assert!(holds("applicant.score + 5 == 705"));
    assert!(holds("applicant.score - 701 == -1"));
    assert!(holds("applicant.score * 2 == 1400"));
    assert!(holds("-applicant.score == -700"));
    assert!(holds("applicant.score / 8 == 87.5"), "Int / Int is an exact Decimal");
}

#[test]
fn decimal_arithmetic_and_widening() {
    common::at_workspace_root();
    assert!(holds("applicant.rate + 1 == 1.035"));
    assert!(holds("applicant.rate * 2 == 7%"));
    assert!(holds("applicant.rate - 0.035 == 0"));
    assert!(holds("1 / 3 * 3 < 1.0000001"));
    assert!(holds("applicant.rate > 3%"));
    assert!(holds("applicant.score > 699.5"), "Int widens to Decimal in comparisons");
}

#[test]
fn money_arithmetic() {
    common::at_workspace_root();
    assert!(holds("applicant.income - applicant.debt == 7_500 CNY"));
    assert!(holds("applicant.income + applicant.debt == 12_500.00 CNY"));
    assert!(holds("applicant.income * 2 == 20_000 CNY"));
    assert!(holds("3 * applicant.income == 30_000 CNY"));
    assert!(holds("applicant.income * 1.5 == 15_000 CNY"));
    assert!(holds("applicant.income / 4 == 2_500 CNY"));
    assert!(holds("applicant.debt / applicant.income == 25%"), "Money / Money is a Decimal");
    assert!(holds("-applicant.debt == -2_500 CNY"));
}

#[test]
fn money_never_meets_a_bare_number() {
    common::at_workspace_root();
    let source = format!("policy t version \"1\"\n{SCHEMA}\nrule X01 decline when applicant.income > 5000");
    let compilation = polc::compile_source("t.pol".as_ref(), &source, &MemoryLoader::new());
    let codes: Vec<&str> = compilation.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["T0202"]);
    assert!(compilation.program.is_none());
}

#[test]
fn comparisons() {
    common::at_workspace_root();
    assert!(holds("applicant.score == 700"));
    assert!(holds("applicant.score != 701"));
    assert!(holds("applicant.score < 701 and applicant.score <= 700"));
    assert!(holds("applicant.score > 699 and applicant.score >= 700"));
    assert!(!holds("applicant.score < 700"));
    assert!(holds("applicant.name == \"张三\""));
    assert!(holds("applicant.level == city"));
    assert!(holds("city == applicant.level"), "a bare variant on the left takes the right's enum");
    assert!(holds("applicant.level != Level.provincial"));
    assert!(holds("applicant.birth_date < 2000-01-01"));
    assert!(holds("applicant.id_number == \"110100199003070138\""));
    assert!(holds("applicant.phone == \"+86 138-0013-8000\""), "phone literals are normalised");
}

#[test]
fn boolean_logic_short_circuits() {
    common::at_workspace_root();
    assert!(holds("true and not false"));
    assert!(holds("false or true"));
    assert!(!holds("not true"));
    assert!(holds("not applicant.score in {1, 2}"), "`not x in S` is `not (x in S)`");
    // the right operand would divide by zero: it is never evaluated
    assert!(!holds("applicant.score < 0 and applicant.score / 0 > 1"));
    assert!(holds("applicant.score > 0 or applicant.score / 0 > 1"));
}

#[test]
fn sets_lists_and_ranges() {
    common::at_workspace_root();
    assert!(holds("applicant.score in {600, 700}"));
    assert!(holds("applicant.level in {city, provincial}"));
    assert!(!holds("applicant.level in {head_office}"));
    assert!(holds("applicant.rate in 2% ..= 8%"));
    assert!(holds("applicant.rate in 3.5% ..= 3.5%"), "ranges include both ends");
    assert!(!holds("applicant.score in 701 ..= 800"));
    assert!(holds("applicant.birth_date in 1990-01-01 ..= 1990-12-31"));
    let lists = "list ids: IdCard from \"ids.txt\"\nrule X01 decline when applicant.id_number in ids";
    assert_eq!(decide_with(lists, &record())["reasons"], json!(["X01"]));
}

#[test]
fn none_exists_and_defaults() {
    common::at_workspace_root();
    assert!(!holds("applicant.device_id exists"));
    assert!(holds("applicant.bonus exists"));
    assert!(holds("(applicant.device_id ?? \"none\") == \"none\""));
    assert!(holds("applicant.bonus ?? 0 CNY > 500 CNY"), "`??` binds tighter than `>`");
    // flow typing: after `exists`, the optional is its value
    assert!(holds("applicant.bonus exists and applicant.bonus > 500 CNY"));
    assert!(holds("not (applicant.device_id exists) or len(applicant.device_id) > 100"));
    let mut with_device = record();
    with_device["device_id"] = json!("abc");
    assert!(holds_for("applicant.device_id exists and starts_with(applicant.device_id, \"ab\")", &with_device));
}

#[test]
fn dates_and_durations() {
    common::at_workspace_root();
    assert!(holds("applicant.birth_date + 18 years == 2008-03-07"));
    assert!(holds("as_of - 6 months == 2026-05-22"));
    assert!(holds("as_of + 10 days == 2026-12-02"));
    assert!(holds("2026-01-31 + 1 month == 2026-03-01"), "a missing day rolls to the 1st of the next month");
    assert!(holds("years_between(applicant.birth_date, as_of) == 36"));
    assert!(holds("months_between(applicant.birth_date, as_of) == 440"));
    assert!(holds("days_between(2026-11-01, as_of) == 21"));
    assert!(holds("days_between(as_of, 2026-11-01) == -21"), "an earlier second date counts negative");
}

#[test]
fn leap_day_birthday_is_reached_on_first_of_march() {
    common::at_workspace_root();
    let mut r = record();
    r["birth_date"] = json!("2008-02-29");
    let age_on = |as_of: &str| format!("years_between(applicant.birth_date, {as_of}) == 18");
    assert!(!holds_for(&age_on("2026-02-28"), &r));
    assert!(holds_for(&age_on("2026-03-01"), &r));
    assert!(holds_for("applicant.birth_date + 18 years == 2026-03-01", &r));
}

#[test]
fn numeric_builtins() {
    common::at_workspace_root();
    assert!(holds("min(applicant.score, 500, 800) == 500"));
    assert!(holds("max(applicant.income, applicant.debt) == 10_000 CNY"));
    assert!(holds("max(1, 2.5) == 2.5"));
    assert!(holds("min(as_of, applicant.birth_date) == 1990-03-07"));
    assert!(holds("abs(-3) == 3 and abs(-2.5) == 2.5 and abs(-applicant.debt) == 2_500 CNY"));
    assert!(holds("round(2.5, 0) == 3 and round(-2.5, 0) == -3"), "half away from zero, not banker's");
    assert!(holds("round(0.125, 2) == 0.13 and round(applicant.rate, 2) == 0.04"));
    assert!(holds("round(applicant.income / 3, 2) == 3_333.33 CNY"));
}

#[test]
fn text_and_identifier_builtins() {
    common::at_workspace_root();
    assert!(holds("len(applicant.name) == 2"), "len counts characters, not bytes");
    assert!(holds("starts_with(applicant.name, \"张\")"));
    assert!(holds("starts_with(applicant.phone, \"138\")"));
    assert!(holds("starts_with(applicant.id_number, \"1101\")"));
    assert!(holds("birth_date(applicant.id_number) == 1990-03-07"));
    assert!(holds("sex(applicant.id_number) == male"));
    assert!(holds("region(applicant.id_number) == \"110100\""));
    assert!(holds("applicant.company exists and starts_with(applicant.company, \"9111\")"));
}

#[test]
fn list_builtins() {
    common::at_workspace_root();
    assert!(holds("count(applicant.priors) == 2"));
    assert!(holds("any(applicant.priors, p => p.overdue)"));
    assert!(!holds("all(applicant.priors, p => p.overdue)"));
    assert!(holds("all(applicant.priors, p => p.amount > 0 CNY)"));
    assert!(holds("sum(applicant.priors, p => p.amount) == 3_500.50 CNY"));
    assert!(holds("sum(applicant.priors, p => 1) == 2"));
    let mut empty = record();
    empty["priors"] = json!([]);
    assert!(holds_for("all(applicant.priors, p => p.overdue)", &empty), "`all` of nothing is true");
    assert!(!holds_for("any(applicant.priors, p => true)", &empty));
    assert!(holds_for("sum(applicant.priors, p => p.amount) == 0 CNY", &empty));
}

#[test]
fn runtime_faults_fail_closed() {
    common::at_workspace_root();
    let e = error_of("applicant.income / (applicant.debt - applicant.debt) > 1");
    assert_eq!(e["rule"], "X01");
    assert_eq!(e["message"], "division by zero");
    assert_eq!((e["span"]["file"].clone(), e["span"]["line"].clone()), (json!("t.pol"), json!(23)));
    assert!(e["span"]["column"].as_u64().is_some_and(|c| c > 1));
    let e = error_of("applicant.score * 9_000_000_000_000_000_000 > 0");
    assert_eq!(e["message"], "arithmetic overflow in `*`");
    let e = error_of("as_of + 999_999_999 years > as_of");
    assert_eq!(e["message"], "date out of range");
    for huge in ["9223372036854775807 months", "9223372036854775807 days", "9223372036854775807 years"] {
        let e = error_of(&format!("as_of + {huge} > as_of"));
        assert!(
            e["message"].as_str().is_some_and(|m| m.contains("out of range") || m.contains("overflow")),
            "{huge}: {e}"
        );
    }
    let e = error_of("round(applicant.rate, applicant.score) > 0");
    assert!(e["message"].as_str().is_some_and(|m| m.contains("cannot round")));
}

#[test]
fn an_unbound_list_is_an_error_never_an_approval() {
    common::at_workspace_root();
    let source = format!("policy t version \"1\"\n{SCHEMA}\nlist ids: IdCard from \"ids.txt\"\nrule F01 decline when applicant.id_number in ids");
    let compilation = polc::compile_source("t.pol".as_ref(), &source, &MemoryLoader::new());
    let policy = Policy::from_compilation(compilation).unwrap_or_else(|e| panic!("{e}"));
    let line = policy.decide_json_line(&record().to_string(), as_of());
    let decision: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
    assert_eq!(decision["decision"], "error");
    assert_eq!(decision["error"]["message"], "list `ids` is not bound");
}

#[test]
fn lets_are_computed_once_and_only_when_needed() {
    common::at_workspace_root();
    // `boom` would fail, but no rule that runs needs it
    let body = "let boom = applicant.score / 0\nrule X01 decline when applicant.score < 0 and boom > 1";
    assert_eq!(decide_with(body, &record())["decision"], "approve");
    let body = "let ratio = applicant.debt / applicant.income\nrule X01 decline when ratio > 20%\nrule X02 decline when ratio < 30%";
    assert_eq!(decide_with(body, &record())["reasons"], json!(["X01", "X02"]));
}

const AUTHORITY: &str = r#"
authority over applicant.level escalate E01 "超出本级授权" {
  level city { applicant.income <= 20_000 CNY  applicant.rate in 2% ..= 8% }
  level provincial above city { applicant.income <= 100_000 CNY  applicant.rate in 1% ..= 8% }
  level head_office above provincial { applicant.income <= 500_000 CNY }
  level committee above head_office
}
"#;

fn with_income(income: &str, level: &str) -> Value {
    let mut r = record();
    r["income"] = json!(income);
    r["level"] = json!(level);
    r
}

#[test]
fn authority_approves_escalates_and_declines() {
    common::at_workspace_root();
    let body =
        format!("{AUTHORITY}\nrule R04 refer when applicant.score < 620\nrule A01 decline when applicant.score < 300");
    let d = decide_with(&body, &with_income("10000", "city"));
    assert_eq!((d["decision"].clone(), d["level"].clone()), (json!("approve"), json!("city")));
    let d = decide_with(&body, &with_income("50000", "city"));
    assert_eq!(
        (d["decision"].clone(), d["refer_to"].clone(), d["reasons"].clone()),
        (json!("refer"), json!("provincial"), json!(["E01"]))
    );
    let d = decide_with(&body, &with_income("900000", "city"));
    assert_eq!(d["refer_to"], "committee", "walks up past every level that cannot authorise");
    let d = decide_with(&body, &with_income("50000", "provincial"));
    assert_eq!(d["level"], "provincial");
}

#[test]
fn root_that_cannot_authorise_declines_with_the_escalation_code() {
    common::at_workspace_root();
    let body = r#"
authority over applicant.level escalate E01 {
  level city { applicant.income <= 20_000 CNY }
  level provincial above city { applicant.income <= 100_000 CNY }
  level head_office above provincial { applicant.income <= 500_000 CNY }
  level committee above head_office { applicant.income <= 1_000_000 CNY }
}
rule R04 refer when applicant.score < 800"#;
    let d = decide_with(body, &with_income("2000000", "city"));
    assert_eq!((d["decision"].clone(), d["reasons"].clone()), (json!("decline"), json!(["E01"])));
}

#[test]
fn refer_goes_to_the_level_nearest_the_root() {
    common::at_workspace_root();
    let body = format!("{AUTHORITY}\nrule R04 refer when applicant.score < 800\nrule R09 refer to head_office when applicant.score < 900");
    // own level city (plain refer), head_office (refer to), no escalation
    let d = decide_with(&body, &with_income("10000", "city"));
    assert_eq!((d["refer_to"].clone(), d["reasons"].clone()), (json!("head_office"), json!(["R04", "R09"])));
    // escalation to committee beats the refer to head_office
    let d = decide_with(&body, &with_income("900000", "city"));
    assert_eq!((d["refer_to"].clone(), d["reasons"].clone()), (json!("committee"), json!(["E01", "R04", "R09"])));
    // a plain refer stays at the applicant's own level
    let only_plain = format!("{AUTHORITY}\nrule R04 refer when applicant.score < 800");
    assert_eq!(decide_with(&only_plain, &with_income("10000", "provincial"))["refer_to"], "provincial");
}

#[test]
fn refer_to_a_level_means_at_least_that_level() {
    common::at_workspace_root();
    let body = format!("{AUTHORITY}\nrule R09 refer to provincial when applicant.score < 900");
    // from below the level: up to it
    assert_eq!(decide_with(&body, &with_income("10000", "city"))["refer_to"], "provincial");
    // from the level itself or above it: its own level, never down (§5)
    assert_eq!(decide_with(&body, &with_income("10000", "provincial"))["refer_to"], "provincial");
    assert_eq!(decide_with(&body, &with_income("10000", "head_office"))["refer_to"], "head_office");
    let d = decide_with(&body, &with_income("10000", "committee"));
    assert_eq!((d["refer_to"].clone(), d["reasons"].clone()), (json!("committee"), json!(["R09"])));
    // an escalation nearer the root still wins over the own level
    let d = decide_with(&body, &with_income("900000", "head_office"));
    assert_eq!((d["refer_to"].clone(), d["reasons"].clone()), (json!("committee"), json!(["E01", "R09"])));
}

#[test]
fn declines_win_and_reasons_are_sorted_and_complete() {
    common::at_workspace_root();
    let body = "rule Z9 refer when true\nrule B2 decline when applicant.score > 1\nrule A1 decline when applicant.score > 2\nrule C3 decline unless applicant.score > 1000";
    let d = decide_with(body, &record());
    assert_eq!((d["decision"].clone(), d["reasons"].clone()), (json!("decline"), json!(["A1", "B2", "C3"])));
    assert_eq!(d["id"], "T1");
    assert_eq!(d["policy"], "t");
    assert!(d["policy_hash"].as_str().is_some_and(|h| h.starts_with("sha256:") && h.len() == 71));
}

#[test]
fn plain_refer_without_authority_has_no_level() {
    common::at_workspace_root();
    let d = decide_with("rule R1 refer when applicant.score > 1", &record());
    assert_eq!(d["decision"], "refer");
    assert!(d.get("refer_to").is_none());
}

fn decode_error(change: impl FnOnce(&mut Value)) -> Value {
    let mut r = record();
    change(&mut r);
    let d = decide_with("rule X01 decline when applicant.score < 0", &r);
    assert_eq!(d["decision"], "error", "{d}");
    assert_eq!(d["id"], r["id"]);
    d["error"].clone()
}

#[test]
fn records_that_do_not_match_the_schema_are_errors_with_a_path() {
    common::at_workspace_root();
    let e = decode_error(|r| {
        r.as_object_mut().map(|o| o.remove("score"));
    });
    assert_eq!((e["path"].clone(), e["message"].clone()), (json!("score"), json!("missing field")));
    let e = decode_error(|r| r["score"] = json!("700"));
    assert_eq!(e["message"], "expected a whole number, found a string");
    let e = decode_error(|r| r["score"] = json!(1.5));
    assert_eq!(e["path"], "score");
    let e = decode_error(|r| r["id_number"] = json!("110100199003070139"));
    assert!(e["message"].as_str().is_some_and(|m| m.contains("check character should be `8`")));
    let e = decode_error(|r| r["level"] = json!("town"));
    assert!(e["message"].as_str().is_some_and(|m| m.starts_with("`town` is not a `Level`")));
    let e = decode_error(|r| r["income"] = json!("12,000"));
    assert_eq!(e["path"], "income");
    let e = decode_error(|r| r["priors"][1]["amount"] = json!(null));
    assert_eq!((e["path"].clone(), e["message"].clone()), (json!("priors.1.amount"), json!("required, but null")));
    let e = decode_error(|r| r["phone"] = json!("12800138000"));
    assert_eq!(e["path"], "phone");
    let e = decode_error(|r| r["company"] = json!("91110100MA00000158"));
    assert_eq!(e["path"], "company");
    let e = decode_error(|r| r["birth_date"] = json!("1990-02-30"));
    assert_eq!(e["path"], "birth_date");
}

#[test]
fn money_from_json_numbers_is_exact() {
    common::at_workspace_root();
    let mut r = record();
    r["rate"] = json!(0.1);
    r["debt"] = serde_json::from_str("0.30000000000000004").unwrap_or(Value::Null);
    assert!(holds_for("applicant.rate * 3 == 0.3", &r));
    assert!(holds_for("applicant.debt > 0.3 CNY", &r), "no float rounding on the way in");
}

#[test]
fn invalid_json_lines_are_errors() {
    common::at_workspace_root();
    let line = policy("rule X01 decline when applicant.score < 0").decide_json_line("{\"id\": \"T9\", ", as_of());
    let d: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
    assert_eq!(d["decision"], "error");
    assert!(d["error"]["message"].as_str().is_some_and(|m| m.starts_with("not valid JSON")));
}

/// A policy with credit limits on `applicant.income` (the schema's one Money
/// field that is a plausible requested amount here) and outputs.
const LIMITS: &str = r#"
let cap = applicant.debt * 10
limit L02 "负债倍数" applicant.income <= cap floor 5_000 CNY
limit L01 "上限" applicant.income <= 8_000.009 CNY
rule R01 refer when applicant.income > 7_000 CNY
rule R02 refer when requested(applicant.income) > 9_000 CNY
output offered = applicant.income
output asked = requested(applicant.income)
"#;

fn with_money(income: &str, debt: &str) -> Value {
    let mut r = record();
    r["income"] = json!(income);
    r["debt"] = json!(debt);
    r
}

#[test]
fn a_limit_below_the_request_makes_a_counter_offer_that_rules_and_outputs_see() {
    common::at_workspace_root();
    // within both lines: no offer, rules read the amount as requested
    let d = decide_with(LIMITS, &with_money("6000", "1000"));
    assert_eq!(d["decision"], "approve");
    assert!(d.get("offer").is_none(), "{d}");
    assert_eq!(d["outputs"], json!({"asked": "6000.00", "offered": "6000.00"}));
    // L01 cuts 10 000 to 8 000.009, rounded down to the fen; R01 reads the offer,
    // R02 the request; the offer rides on the referral
    let d = decide_with(LIMITS, &with_money("10000", "2000"));
    assert_eq!((d["decision"].clone(), d["reasons"].clone()), (json!("refer"), json!(["R01", "R02"])));
    assert_eq!(d["offer"], json!({"amount": "8000.00", "adjustments": ["L01"]}));
    assert_eq!(d["outputs"], json!({"asked": "10000.00", "offered": "8000.00"}));
    // both cut: the smallest line wins, every cutting code is listed, sorted
    let d = decide_with(LIMITS, &with_money("10000", "650.5"));
    assert_eq!(d["offer"], json!({"amount": "6505.00", "adjustments": ["L01", "L02"]}));
    assert_eq!(d["reasons"], json!(["R02"]), "the offer 6 505 is not above 7 000");
    // a cutting line under its floor declines with the limit's code; no offer
    let d = decide_with(LIMITS, &with_money("10000", "400"));
    assert_eq!((d["decision"].clone(), d["reasons"].clone()), (json!("decline"), json!(["L02"])));
    assert!(d.get("offer").is_none(), "{d}");
    assert_eq!(d["outputs"], json!({"asked": "10000.00", "offered": "10000.00"}), "no offer: the request is read");
}

#[test]
fn a_line_that_fails_or_an_output_that_fails_makes_the_record_an_error() {
    common::at_workspace_root();
    let body = "limit L01 applicant.income <= 1000 CNY / (applicant.score - 700)\nrule R01 refer when true";
    let d = decide_with(body, &record());
    assert_eq!((d["decision"].clone(), d["error"]["rule"].clone()), (json!("error"), json!("L01")));
    let body = "output per_point = applicant.income / (applicant.score - 700)\nrule D01 decline when true";
    let d = decide_with(body, &record());
    assert_eq!((d["decision"].clone(), d["error"]["rule"].clone()), (json!("error"), json!("per_point")));
    assert!(d.get("outputs").is_none() && d.get("reasons").is_none(), "{d}");
}

#[test]
fn outputs_are_written_by_type_and_sorted_by_name() {
    common::at_workspace_root();
    let body = r#"
output z_money = applicant.income * 1.5
output y_decimal = applicant.debt / applicant.income
output x_int = applicant.score
output w_bool = applicant.score > 600
output v_date = applicant.birth_date
output u_enum = applicant.level
output t_text = applicant.name
output s_id = applicant.id_number
output r_phone = applicant.phone
output q_none = applicant.device_id
output p_some = applicant.bonus
output o_credit = applicant.company
"#;
    let d = decide_with(body, &record());
    let line = serde_json::to_string(&d["outputs"]).unwrap_or_default();
    assert_eq!(
        line,
        r#"{"o_credit":"91110100MA00000157","p_some":"500.50","q_none":null,"r_phone":"13800138000","s_id":"110100199003070138","t_text":"张三","u_enum":"city","v_date":"1990-03-07","w_bool":true,"x_int":700,"y_decimal":"0.25","z_money":"15000.00"}"#
    );
}

#[test]
fn a_policy_without_limits_or_outputs_writes_no_new_fields() {
    common::at_workspace_root();
    let d = decide_with("rule R01 refer when applicant.score > 1", &record());
    let mut keys: Vec<&str> = d.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    assert_eq!(keys, ["as_of", "decision", "id", "policy", "policy_hash", "reasons", "version"]);
}
