//! `polc diff`'s text report: the numbers a committee reads, in plain
//! columns (no colour), for a terminal or a file.

use super::report::{DiffReport, Rate, DECISIONS};
use rust_decimal::Decimal;
use std::fmt::Write;

/// The report as text, ending in a newline.
pub fn render_text(report: &DiffReport) -> String {
    let mut out = String::new();
    let (old, new) = (&report.old, &report.new);
    let _ = writeln!(
        out,
        "polc diff: {} {} → {} {}, as of {}",
        old.policy, old.version, new.policy, new.version, report.as_of
    );
    let changed = Rate::new(report.changed, report.records);
    let _ = writeln!(out, "{} records, {} decided differently ({})", report.records, report.changed, changed.percent());
    let _ = writeln!(
        out,
        "approval rate {} → {} ({} → {} approved)",
        report.approval_old.percent(),
        report.approval_new.percent(),
        report.approval_old.count,
        report.approval_new.count
    );
    matrix(&mut out, report);
    label(&mut out, report);
    exposure(&mut out, report);
    offers(&mut out, report);
    reasons(&mut out, report);
    referrals(&mut out, report);
    scores(&mut out, report);
    segments(&mut out, report);
    examples(&mut out, report);
    out
}

fn matrix(out: &mut String, report: &DiffReport) {
    let _ = writeln!(out, "\nswap matrix (rows: old decision, columns: new decision)");
    let _ = write!(out, "  {:<10}", "old \\ new");
    for d in DECISIONS {
        let _ = write!(out, "{:>10}", d.as_str());
    }
    let _ = writeln!(out, "{:>10}", "total");
    let mut totals = [0u64; DECISIONS.len()];
    for (row, o) in DECISIONS.iter().enumerate() {
        let _ = write!(out, "  {:<10}", o.as_str());
        let mut sum = 0;
        for (column, total) in totals.iter_mut().enumerate() {
            let count = report.matrix.get(row * DECISIONS.len() + column).map_or(0, |c| c.share.count);
            let _ = write!(out, "{count:>10}");
            sum += count;
            *total += count;
        }
        let _ = writeln!(out, "{sum:>10}");
    }
    let _ = write!(out, "  {:<10}", "total");
    for total in totals {
        let _ = write!(out, "{total:>10}");
    }
    let _ = writeln!(out, "{:>10}", report.records);
}

fn label(out: &mut String, report: &DiffReport) {
    let Some(label) = &report.label else { return };
    let labelled = label.all.of;
    let _ = writeln!(out, "\nbad rate (label `{}`, {labelled} records labelled)", label.field);
    let row = |out: &mut String, name: &str, rate: &Rate| {
        let _ = writeln!(out, "  {name:<20}{:>9}   ({} bad of {})", rate.percent(), rate.count, rate.of);
    };
    row(out, "portfolio", &label.all);
    row(out, "approved, old", &label.approved_old);
    row(out, "approved, new", &label.approved_new);
    row(out, "swap-ins", &label.swap_in);
    row(out, "swap-outs", &label.swap_out);
    if label.unlabelled + label.invalid > 0 {
        let _ = writeln!(
            out,
            "  left out: {} without a label, {} with a value that is no Bool or 0/1",
            label.unlabelled, label.invalid
        );
    }
}

fn exposure(out: &mut String, report: &DiffReport) {
    let Some(amounts) = &report.exposure else { return };
    let _ = writeln!(out, "\nexposure approved (sum of `{}`, exact)", amounts.field);
    let change = amounts.approved_new.checked_sub(amounts.approved_old);
    let _ = writeln!(out, "  {:<12}{:>24}", "old", amounts.approved_old.to_string());
    let _ = writeln!(out, "  {:<12}{:>24}", "new", amounts.approved_new.to_string());
    let _ = writeln!(out, "  {:<12}{:>24}", "change", change.map_or("—".to_string(), signed));
    let _ = writeln!(out, "  {:<12}{:>24}", "swap-ins", format!("+{}", amounts.swap_in));
    let _ = writeln!(out, "  {:<12}{:>24}", "swap-outs", format!("-{}", amounts.swap_out));
    if amounts.missing > 0 {
        let _ = writeln!(out, "  {} approved records have no `{}` and are not summed", amounts.missing, amounts.field);
    }
    if amounts.overflow {
        let _ = writeln!(out, "  warning: a sum left the range of a decimal: these sums are wrong");
    }
}

fn offers(out: &mut String, report: &DiffReport) {
    let Some(offers) = &report.offers else { return };
    let _ = writeln!(out, "\ncounter-offers (a credit limit cut the requested amount; sums exact)");
    let _ = writeln!(out, "  {:<8}{:>10}{:>10}{:>24}{:>24}", "", "offers", "approved", "offered", "offered, approved");
    for (name, side) in [("old", &offers.old), ("new", &offers.new)] {
        let _ = writeln!(
            out,
            "  {name:<8}{:>10}{:>10}{:>24}{:>24}",
            side.offers,
            side.approved,
            side.offered.to_string(),
            side.approved_offered.to_string()
        );
    }
    if offers.old.overflow || offers.new.overflow {
        let _ = writeln!(out, "  warning: a sum left the range of a decimal: these sums are wrong");
    }
}

fn signed(value: Decimal) -> String {
    if value.is_sign_negative() {
        value.to_string()
    } else {
        format!("+{value}")
    }
}

fn delta(old: u64, new: u64) -> String {
    match new.cmp(&old) {
        std::cmp::Ordering::Greater => format!("+{}", new - old),
        std::cmp::Ordering::Less => format!("-{}", old - new),
        std::cmp::Ordering::Equal => "0".to_string(),
    }
}

fn reasons(out: &mut String, report: &DiffReport) {
    if report.reasons.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nreason codes (records fired on; on swapped records: now firing, no longer firing)");
    let _ =
        writeln!(out, "  {:<8}{:>10}{:>10}{:>10}{:>8}{:>8}  message", "code", "old", "new", "change", "now", "gone");
    for r in &report.reasons {
        let _ = writeln!(
            out,
            "  {:<8}{:>10}{:>10}{:>10}{:>8}{:>8}  {}",
            r.code,
            r.fired_old,
            r.fired_new,
            delta(r.fired_old, r.fired_new),
            r.added_on_swaps,
            r.dropped_on_swaps,
            r.message.as_deref().unwrap_or("")
        );
    }
}

fn referrals(out: &mut String, report: &DiffReport) {
    if report.referrals.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nreferral load per level");
    let _ = writeln!(out, "  {:<16}{:>10}{:>10}{:>10}", "level", "old", "new", "change");
    for l in &report.referrals {
        let _ = writeln!(out, "  {:<16}{:>10}{:>10}{:>10}", l.level, l.old, l.new, delta(l.old, l.new));
    }
}

fn scores(out: &mut String, report: &DiffReport) {
    if report.scores.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nscores (mean over the records each version scored)");
    let _ = writeln!(
        out,
        "  {:<20}{:>12}{:>12}{:>12}{:>12}",
        "scorecard", "mean old", "mean new", "scored old", "scored new"
    );
    let shown = |m: &Option<Decimal>| m.map_or("—".to_string(), |m| m.to_string());
    for s in &report.scores {
        let (was, is) = (shown(&s.mean_old), shown(&s.mean_new));
        let _ = writeln!(out, "  {:<20}{was:>12}{is:>12}{:>12}{:>12}", s.name, s.scored_old, s.scored_new);
    }
}

fn segments(out: &mut String, report: &DiffReport) {
    let labelled = report.label.is_some();
    let bad = |rate: &Option<Rate>| rate.as_ref().map_or(String::new(), Rate::percent);
    for segment in &report.segments {
        let _ = writeln!(out, "\nby `{}`", segment.field);
        let _ = write!(
            out,
            "  {:<20}{:>10}{:>10}{:>12}{:>12}",
            "value", "records", "changed", "approve old", "approve new"
        );
        if labelled {
            let _ = write!(out, "{:>10}{:>10}", "bad old", "bad new");
        }
        out.push('\n');
        for row in segment.rows.iter().chain(&segment.other) {
            let (value, records, changed) = (&row.value, row.records, row.changed);
            let (was, is) = (row.approval_old.percent(), row.approval_new.percent());
            let _ = write!(out, "  {value:<20}{records:>10}{changed:>10}{was:>12}{is:>12}");
            if labelled {
                let _ = write!(out, "{:>10}{:>10}", bad(&row.bad_rate_old), bad(&row.bad_rate_new));
            }
            out.push('\n');
        }
    }
}

fn examples(out: &mut String, report: &DiffReport) {
    if report.examples.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nchanged records: decision or reasons (the first {})", report.examples.len());
    for e in &report.examples {
        let id = e.id.as_deref().unwrap_or("(no id)");
        let codes = |v: &crate::Verdict| v.reasons.iter().map(|c| c.as_str().to_string()).collect::<Vec<_>>();
        let (was, is) = (codes(&e.old), codes(&e.new));
        let gone: Vec<String> = was.iter().filter(|c| !is.contains(c)).map(|c| format!("-{c}")).collect();
        let came: Vec<String> = is.iter().filter(|c| !was.contains(c)).map(|c| format!("+{c}")).collect();
        let _ = writeln!(
            out,
            "  line {:<8} {:<20} {} → {}  {}",
            e.line,
            id,
            e.old.decision,
            e.new.decision,
            came.into_iter().chain(gone).collect::<Vec<_>>().join(" ")
        );
    }
}
