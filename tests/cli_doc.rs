//! `polc doc` through the real binary: the shipped policies' Markdown
//! (snapshots), HTML that escapes what the policy says, and bad input —
//! a policy with errors gets its diagnostics, exit 1 and no file.
#![expect(clippy::panic, reason = "test helpers fail the test by panicking")]

mod binary;
mod common;

use binary::{polc, text};

fn doc(args: &[&str]) -> String {
    let mut all = vec!["doc"];
    all.extend_from_slice(args);
    let out = polc(&all);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// `text` with every `sha256:` digest as `sha256:…`.
fn without_digests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("sha256:") {
        let (before, after) = rest.split_at(at + "sha256:".len());
        out.push_str(before);
        out.push('…');
        rest = after.trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

#[test]
fn the_shipped_policies_as_markdown() {
    common::at_workspace_root();
    for policy in ["consumer_loan", "micro_business_loan"] {
        let md = doc(&[&format!("policies/{policy}.pol"), "--as-of", "2026-11-22"]);
        // the digests change with every edit of a policy or list: the tests below check them
        insta::assert_snapshot!(format!("doc_{policy}"), without_digests(&md));
    }
}

#[test]
fn the_markdown_shows_what_a_committee_reads() {
    common::at_workspace_root();
    let md = doc(&["policies/micro_business_loan.pol", "--as-of", "2026-11-22"]);
    // title, version, hash
    assert!(md.starts_with("# 小微企业经营贷款保证保险核保政策\n"), "{md}");
    assert!(md.contains("| Version | 2026.12 |"));
    assert!(md.contains("| Hash | `sha256:"));
    assert!(
        md.contains("| Effective dates | 2027-07-01 (the one date of its effective clauses; what has none is always in force) |"),
        "{md}"
    );
    // conditions written for people, no Rust debug output
    assert!(md.contains("`enterprise.legal_rep.id_number` is on list `fraud_ids`"), "{md}");
    assert!(md.contains("`enterprise.tax_rating` is one of {`A`, `B`, `M`}"));
    assert!(md.contains("`enterprise.loan.term_months` is from 3 to 36 (inclusive)"));
    assert!(md.contains("`debt_ratio` > 70%"));
    assert!(!md.contains("Binary(") && !md.contains("Ident {") && !md.contains("span"), "debug output");
    // the authority matrix: a row per limit, a column per level
    assert!(
        md.contains("| Limit | Applies when | `city` | `provincial` | `head_office` | `committee` | Escalates with |")
    );
    assert!(md.contains("| `enterprise.loan.amount` | `enterprise.segment` = `micro` | ≤ 300,000 CNY | ≤ 1,500,000 CNY | ≤ 5,000,000 CNY | — | E02 |"), "{md}");
    // a scorecard's bins with points, a decision table's rows
    assert!(md.contains("| < 3 | 10 | taken in"));
    assert!(md.contains("| `Grade.A` | `credit_loan` | 1,000,000 CNY |"), "{md}");
    // lists with their source, entry count and digest
    assert!(md.contains("| `abnormal_enterprises` | `CreditCode` | lists/abnormal_enterprises.txt | 2 | `sha256:"));
    assert!(md.contains("| `fraud_ids` | `IdCard` | lists/fraud_ids.txt | 308 | `sha256:"));
    let digest = md.split("| `fraud_ids` |").nth(1).and_then(|row| row.split("`sha256:").nth(1)).unwrap_or("");
    assert!(digest.len() > 64 && digest.chars().take(64).all(|c| c.is_ascii_hexdigit()), "{digest}");
    // coverage from the policy's tests
    assert!(md.contains("## Test coverage (测试覆盖)"));
    assert!(md.contains("| rule |"));
}

const WITH_MARKUP: &str = r#"policy odd "<b>标题</b> & co" version "1<2"
record A { n: Int }
input a: A
group g "<i>group</i>" {
  rule X01 "<script>alert('x')</script> | *bold*" decline when a.n > 1
}
test "x" {
  given a = { n: 2 }
  as_of 2026-11-22
  expect decline [X01]
}
"#;

#[test]
fn what_the_policy_says_is_text_in_html_and_markdown() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("odd.pol");
    std::fs::write(&path, WITH_MARKUP).unwrap_or_else(|e| panic!("{e}"));
    let path = path.to_string_lossy().to_string();
    let html = doc(&[&path, "--format", "html"]);
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "{html}");
    assert!(html.contains("<h1>&lt;b&gt;标题&lt;/b&gt; &amp; co</h1>"), "{html}");
    assert!(!html.contains("<i>group"), "{html}");
    // self-contained: no fetch of any kind
    for reference in ["http:", "https:", "<link", "@import", "url(", "<img", "<script"] {
        assert!(!html.contains(reference), "the HTML refers to {reference}");
    }
    assert!(html.contains("default-src 'none'"));
    assert!(html.contains("@media print"));
    let md = doc(&[&path]);
    assert!(md.contains("&lt;script>alert('x')&lt;/script> \\| \\*bold\\*"), "{md}");
    assert!(!md.contains("<script>"));
}

#[test]
fn a_policy_with_errors_gets_its_diagnostics_and_no_file() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("broken.pol");
    std::fs::write(
        &path,
        "policy broken version \"1\"\nrecord A { n: Int }\ninput a: A\nrule X01 decline when a.m > 1\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let target = dir.path().join("broken.html");
    let out = polc(&["doc", &path.to_string_lossy(), "--format", "html", "-o", &target.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("N0"), "a diagnostic with its code: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no document was written"));
    assert!(out.stdout.is_empty());
    let left: Vec<_> = std::fs::read_dir(dir.path()).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 1, "only the policy, no output or temporary file: {left:?}");
    let missing = polc(&["doc", "no/such.pol"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn the_output_file_is_written_whole() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let target = dir.path().join("consumer_loan.html");
    std::fs::write(&target, "old").unwrap_or_else(|e| panic!("{e}"));
    let target_arg = target.to_string_lossy().to_string();
    let out =
        polc(&["doc", "policies/consumer_loan.pol", "--format", "html", "-o", &target_arg, "--as-of", "2026-11-22"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let html = std::fs::read_to_string(&target).unwrap_or_else(|e| panic!("{e}"));
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(html.contains("个人消费贷款保证保险核保政策"));
    let left = std::fs::read_dir(dir.path()).into_iter().flatten().count();
    assert_eq!(left, 1, "no temporary file left");
}

const GOVERNED: &str = r#"policy governed "有依据的政策" version "2026.12"
enum Level { city, provincial }
record A { score: Int, amount: Money, level: Level }
input a: A
const min_score: Int = 550 effective ..< 2026-12-01 basis company "风险偏好 2026"
const min_score: Int = 580 effective 2026-12-01 .. basis company "风险偏好 2027"
group admission "准入标准" {
  rule A04 "信用评分过低" decline when a.score < min_score
    basis industry "行业惯例" overridable by provincial
  rule A09 "年龄" decline when a.score < 0 basis regulation "银保监办发〔2020〕90号" effective 2026-01-01 ..< 2028-01-01
  limit L01 "额度" a.amount <= 100_000 CNY basis company "授信政策" effective 2026-06-01 ..
}
authority over a.level escalate E01 "超出本级授权" {
  level city { a.amount <= 50_000 CNY }
  level provincial above city
}
test "low score" {
  given a = { score: 500, amount: 10_000 CNY, level: city }
  as_of 2026-11-22
  expect refer to provincial [A04]
}
"#;

#[test]
fn basis_effective_ranges_and_exceptions_are_shown() {
    common::at_workspace_root();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("governed.pol");
    std::fs::write(&path, GOVERNED).unwrap_or_else(|e| panic!("{e}"));
    let md = doc(&[&path.to_string_lossy()]);
    assert!(md.contains("| Effective dates | 2026-01-01 to 2028-01-01 (the first and the last date"), "{md}");
    assert!(
        md.contains("| `A04` | 信用评分过低 | decline when | `a.score` < `min_score` | industry: 行业惯例; exception (特批) by `provincial` | always |"),
        "{md}"
    );
    assert!(
        md.contains("| regulation: 银保监办发〔2020〕90号 | from 2026-01-01 until 2028-01-01 (not included) |"),
        "{md}"
    );
    assert!(
        md.contains("| `L01` | 额度 | `a.amount` | ≤ 100,000 CNY | 0.01 CNY | company: 授信政策 | from 2026-06-01 |"),
        "{md}"
    );
    assert!(
        md.contains("| const | `min_score` | `Int` | 550 | company: 风险偏好 2026 | until 2026-12-01 (not included) |"),
        "{md}"
    );
    assert!(md.contains("| const | `min_score` | `Int` | 580 | company: 风险偏好 2027 | from 2026-12-01 |"), "{md}");
}
