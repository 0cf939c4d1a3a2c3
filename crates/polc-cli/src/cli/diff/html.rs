//! `polc diff --format html`: one self-contained page (no script, no font,
//! nothing fetched) with the swap matrix as a heat-mapped table, the charts
//! of [`super::chart`] inline as SVG, and the report's tables.

use super::chart::{grouped_bars, Bar, Grouped};
use polc::diff::{DiffReport, Rate, SegmentRow, DECISIONS};
use std::fmt::Write;

/// The report as an HTML document.
pub fn render(report: &DiffReport) -> String {
    let (old, new) = (&report.old, &report.new);
    let mut page = String::new();
    let title = format!("polc diff: {} {} → {} {}", old.policy, old.version, new.policy, new.version);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\n<title>{}</title>\n<style>{STYLE}</style></head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(page, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        page,
        "<p class=\"meta\">as of {} · {} records · {} decided differently ({}) · \
         <span class=\"key old\"></span> old <span class=\"key new\"></span> new</p>",
        report.as_of,
        report.records,
        report.changed,
        Rate::new(report.changed, report.records).percent()
    );
    tiles(&mut page, report);
    matrix(&mut page, report);
    page.push_str("<h2>Approval rate</h2>\n");
    if report.segments.is_empty() {
        page.push_str(&grouped_bars(&approval_chart("approval rate, overall", "all records", report, &[])));
    }
    for segment in &report.segments {
        let title = format!("approval rate by {}", segment.field);
        let rows: Vec<&SegmentRow> = segment.rows.iter().chain(&segment.other).collect();
        page.push_str(&grouped_bars(&approval_chart(&title, "all", report, &rows)));
    }
    label(&mut page, report);
    offers(&mut page, report);
    reasons(&mut page, report);
    referrals(&mut page, report);
    scores(&mut page, report);
    segments(&mut page, report);
    examples(&mut page, report);
    policies(&mut page, report);
    page.push_str("</body></html>\n");
    page
}

const STYLE: &str = "body{font-family:sans-serif;margin:24px auto;max-width:1120px;color:#1d2733}\
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #d6dde6}\
.meta{color:#4a5868}table{border-collapse:collapse;margin:8px 0}\
td,th{border:1px solid #d6dde6;padding:4px 10px;text-align:right}th{background:#f1f4f8}\
td.name,th.name{text-align:left}.tiles{display:flex;gap:14px;flex-wrap:wrap}\
.tile{border:1px solid #d6dde6;border-radius:6px;padding:10px 16px;min-width:180px}\
.tile b{display:block;font-size:20px}.key{display:inline-block;width:12px;height:12px;margin:0 3px 0 10px}\
.key.old{background:#9aa9bc}.key.new{background:#1f5fbf}svg{display:block;margin:8px 0}\
.up{color:#a33}.down{color:#262}code{font-size:13px}";

/// `&`, `<`, `>`, `"` escaped for text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

fn percent_bar(rate: &Rate) -> Bar {
    let value = if rate.of == 0 { 0.0 } else { rate.count as f64 * 100.0 / rate.of as f64 };
    Bar { value, shown: rate.percent() }
}

fn count_bar(count: u64) -> Bar {
    Bar { value: count as f64, shown: count.to_string() }
}

fn tiles(page: &mut String, report: &DiffReport) {
    page.push_str("<div class=\"tiles\">");
    let mut tile = |name: &str, value: String| {
        let _ = write!(page, "<div class=\"tile\">{}<b>{}</b></div>", escape(name), escape(&value));
    };
    tile("approval rate", format!("{} → {}", report.approval_old.percent(), report.approval_new.percent()));
    if let Some(label) = &report.label {
        tile(
            "bad rate of the approved",
            format!("{} → {}", label.approved_old.percent(), label.approved_new.percent()),
        );
    }
    if let Some(sums) = &report.exposure {
        tile(&format!("{} approved", sums.field), format!("{} → {}", sums.approved_old, sums.approved_new));
    }
    page.push_str("</div>\n");
}

/// The swap matrix, each cell shaded by its share (blue: unchanged, orange: a swap).
fn matrix(page: &mut String, report: &DiffReport) {
    page.push_str("<h2>Swap matrix</h2>\n<table class=\"matrix\"><tr><th class=\"name\">old \\ new</th>");
    for d in DECISIONS {
        let _ = write!(page, "<th>{d}</th>");
    }
    page.push_str("<th>total</th></tr>\n");
    let most = report.matrix.iter().map(|c| c.share.count).max().unwrap_or(0).max(1);
    for (row, old) in DECISIONS.iter().enumerate() {
        let _ = write!(page, "<tr><th class=\"name\">{old}</th>");
        let mut total = 0;
        for column in 0..DECISIONS.len() {
            let Some(cell) = report.matrix.get(row * DECISIONS.len() + column) else { continue };
            total += cell.share.count;
            let strength = 0.08 + 0.8 * (cell.share.count as f64 / most as f64).sqrt();
            let hue = if row == column { "31,95,191" } else { "221,110,28" };
            let alpha = if cell.share.count == 0 { 0.0 } else { strength };
            let _ = write!(
                page,
                "<td style=\"background:rgba({hue},{alpha:.3})\">{}<br><small>{}</small></td>",
                cell.share.count,
                cell.share.percent()
            );
        }
        let _ = writeln!(page, "<td>{total}</td></tr>");
    }
    page.push_str("</table>\n");
}

fn approval_chart<'a>(title: &'a str, all: &str, report: &DiffReport, rows: &[&SegmentRow]) -> Grouped<'a> {
    let mut categories = vec![(all.to_string(), percent_bar(&report.approval_old), percent_bar(&report.approval_new))];
    categories
        .extend(rows.iter().map(|r| (r.value.clone(), percent_bar(&r.approval_old), percent_bar(&r.approval_new))));
    Grouped { title, axis: "approved, %", categories, at_least: 100.0 }
}

fn label(page: &mut String, report: &DiffReport) {
    let Some(label) = &report.label else { return };
    let _ = writeln!(page, "<h2>Bad rate (label <code>{}</code>)</h2>", escape(&label.field));
    let categories = vec![
        ("approved".to_string(), percent_bar(&label.approved_old), percent_bar(&label.approved_new)),
        ("swap-outs · swap-ins".to_string(), percent_bar(&label.swap_out), percent_bar(&label.swap_in)),
        ("portfolio".to_string(), percent_bar(&label.all), percent_bar(&label.all)),
    ];
    let chart = Grouped { title: "bad rate", axis: "bad, %", categories, at_least: 0.0 };
    page.push_str(&grouped_bars(&chart));
    for segment in &report.segments {
        let title = format!("bad rate of the approved by {}", segment.field);
        let mut categories =
            vec![("all".to_string(), percent_bar(&label.approved_old), percent_bar(&label.approved_new))];
        for row in segment.rows.iter().chain(&segment.other) {
            if let (Some(old), Some(new)) = (&row.bad_rate_old, &row.bad_rate_new) {
                categories.push((row.value.clone(), percent_bar(old), percent_bar(new)));
            }
        }
        page.push_str(&grouped_bars(&Grouped { title: &title, axis: "bad, %", categories, at_least: 0.0 }));
    }
    page.push_str("<table><tr><th class=\"name\">population</th><th>bad rate</th><th>bad</th><th>labelled</th></tr>\n");
    for (name, rate) in [
        ("approved, old", &label.approved_old),
        ("approved, new", &label.approved_new),
        ("swap-ins (approved by new only)", &label.swap_in),
        ("swap-outs (approved by old only)", &label.swap_out),
        ("portfolio", &label.all),
    ] {
        let _ = writeln!(
            page,
            "<tr><td class=\"name\">{name}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            rate.percent(),
            rate.count,
            rate.of
        );
    }
    page.push_str("</table>\n");
    if label.unlabelled + label.invalid > 0 {
        let _ = writeln!(
            page,
            "<p class=\"meta\">left out of every rate: {} without a label, {} with a value that is no Bool or 0/1</p>",
            label.unlabelled, label.invalid
        );
    }
}

/// The counter-offers of both versions: where a credit limit cut the request.
fn offers(page: &mut String, report: &DiffReport) {
    let Some(offers) = &report.offers else { return };
    page.push_str(
        "<h2>Counter-offers</h2>\n<p class=\"meta\">decisions on which a credit limit cut the requested \
         amount, and the amounts offered instead (exact sums)</p>\n<table><tr><th class=\"name\"></th>\
         <th>offers</th><th>approved</th><th>offered</th><th>offered, approved</th></tr>\n",
    );
    for (name, side) in [("old", &offers.old), ("new", &offers.new)] {
        let _ = writeln!(
            page,
            "<tr><td class=\"name\">{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            side.offers, side.approved, side.offered, side.approved_offered
        );
    }
    page.push_str("</table>\n");
    if offers.old.overflow || offers.new.overflow {
        page.push_str("<p class=\"up\">A sum left the range of a decimal: these sums are wrong.</p>\n");
    }
}

fn reasons(page: &mut String, report: &DiffReport) {
    let fired: Vec<_> = report.reasons.iter().filter(|r| r.fired_old + r.fired_new > 0).collect();
    if fired.is_empty() {
        return;
    }
    page.push_str("<h2>Reason codes</h2>\n");
    let categories =
        fired.iter().map(|r| (r.code.clone(), count_bar(r.fired_old), count_bar(r.fired_new))).collect::<Vec<_>>();
    let chart = Grouped { title: "records each code fired on", axis: "records", categories, at_least: 0.0 };
    page.push_str(&grouped_bars(&chart));
    page.push_str(
        "<table><tr><th class=\"name\">code</th><th>old</th><th>new</th><th>change</th>\
         <th>now firing on swaps</th><th>no longer firing on swaps</th><th class=\"name\">message</th></tr>\n",
    );
    for r in &report.reasons {
        let _ = writeln!(
            page,
            "<tr><td class=\"name\"><code>{}</code></td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td><td class=\"name\">{}</td></tr>",
            escape(&r.code),
            r.fired_old,
            r.fired_new,
            change(r.fired_old, r.fired_new),
            r.added_on_swaps,
            r.dropped_on_swaps,
            escape(r.message.as_deref().unwrap_or(""))
        );
    }
    page.push_str("</table>\n");
}

fn change(old: u64, new: u64) -> String {
    match new.cmp(&old) {
        std::cmp::Ordering::Greater => format!("<td class=\"up\">+{}</td>", new - old),
        std::cmp::Ordering::Less => format!("<td class=\"down\">−{}</td>", old - new),
        std::cmp::Ordering::Equal => "<td>0</td>".to_string(),
    }
}

fn referrals(page: &mut String, report: &DiffReport) {
    if report.referrals.is_empty() {
        return;
    }
    page.push_str("<h2>Referral load per authority level</h2>\n");
    let categories = report.referrals.iter().map(|l| (l.level.clone(), count_bar(l.old), count_bar(l.new))).collect();
    let chart = Grouped { title: "referrals per level", axis: "referrals", categories, at_least: 0.0 };
    page.push_str(&grouped_bars(&chart));
}

fn scores(page: &mut String, report: &DiffReport) {
    if report.scores.is_empty() {
        return;
    }
    page.push_str(
        "<h2>Scores</h2>\n<table><tr><th class=\"name\">scorecard</th><th>mean, old</th><th>mean, new</th>\
         <th>scored, old</th><th>scored, new</th></tr>\n",
    );
    for s in &report.scores {
        let mean = |m: Option<String>| m.unwrap_or_else(|| "—".to_string());
        let _ = writeln!(
            page,
            "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.name),
            mean(s.mean_old.map(|m| m.to_string())),
            mean(s.mean_new.map(|m| m.to_string())),
            s.scored_old,
            s.scored_new
        );
    }
    page.push_str("</table>\n");
}

fn segments(page: &mut String, report: &DiffReport) {
    for segment in &report.segments {
        let _ = writeln!(page, "<h2>By <code>{}</code></h2>", escape(&segment.field));
        page.push_str(
            "<table><tr><th class=\"name\">value</th><th>records</th><th>changed</th>\
             <th>approval, old</th><th>approval, new</th><th>bad rate of the approved, old</th>\
             <th>bad rate of the approved, new</th></tr>\n",
        );
        let bad = |rate: &Option<Rate>| rate.as_ref().map_or(String::new(), Rate::percent);
        for row in segment.rows.iter().chain(&segment.other) {
            let _ = writeln!(
                page,
                "<tr><td class=\"name\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&row.value),
                row.records,
                row.changed,
                row.approval_old.percent(),
                row.approval_new.percent(),
                bad(&row.bad_rate_old),
                bad(&row.bad_rate_new)
            );
        }
        page.push_str("</table>\n");
    }
}

fn examples(page: &mut String, report: &DiffReport) {
    if report.examples.is_empty() {
        return;
    }
    let _ = writeln!(page, "<h2>Changed records: decision or reasons (the first {})</h2>", report.examples.len());
    page.push_str(
        "<table><tr><th>line</th><th class=\"name\">id</th><th class=\"name\">old</th><th class=\"name\">new</th>\
         <th class=\"name\">reasons that differ</th></tr>\n",
    );
    for e in &report.examples {
        let codes = |v: &polc::Verdict| v.reasons.iter().map(|c| c.as_str().to_string()).collect::<Vec<_>>();
        let (was, is) = (codes(&e.old), codes(&e.new));
        let came = is.iter().filter(|c| !was.contains(c)).map(|c| format!("+{c}"));
        let gone = was.iter().filter(|c| !is.contains(c)).map(|c| format!("−{c}"));
        let differ: Vec<String> = came.chain(gone).collect();
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"name\">{}</td><td class=\"name\">{}</td><td class=\"name\">{}</td><td class=\"name\">{}</td></tr>",
            e.line,
            escape(e.id.as_deref().unwrap_or("")),
            e.old.decision,
            e.new.decision,
            escape(&differ.join(" "))
        );
    }
    page.push_str("</table>\n");
}

fn policies(page: &mut String, report: &DiffReport) {
    page.push_str(
        "<h2>Versions</h2>\n<table><tr><th class=\"name\"></th><th class=\"name\">policy</th>\
                   <th class=\"name\">version</th><th class=\"name\">policy_hash</th></tr>\n",
    );
    for (side, p) in [("old", &report.old), ("new", &report.new)] {
        let _ = writeln!(
            page,
            "<tr><td class=\"name\">{side}</td><td class=\"name\">{}</td><td class=\"name\">{}</td><td class=\"name\"><code>{}</code></td></tr>",
            escape(&p.policy),
            escape(&p.version),
            escape(&p.policy_hash)
        );
    }
    page.push_str("</table>\n");
    if !report.shared_lists.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"meta\">lists read once for both: {}</p>",
            escape(&report.shared_lists.join(", "))
        );
    }
}
