//! `polc test --coverage`: the coverage of a policy's tests for people (a table
//! per kind of site, then what no test reached, with its place) and as JSON.

use super::term::{outln, shown};
use polc::Policy;
use polc_core::engine::coverage::{Coverage, Reach, Site, SiteKind};

/// `FILE:LINE:COLUMN` of a site.
fn place(policy: &Policy, site: &Site) -> (String, usize, usize) {
    match policy.program().sources.locate(site.span) {
        Some((file, line, column)) => (file.to_string(), line, column),
        None => (String::new(), 0, 0),
    }
}

/// The sites of each kind, in site order (a kind's sites are consecutive).
fn by_kind(coverage: &Coverage) -> Vec<(SiteKind, &[Site])> {
    let mut out: Vec<(SiteKind, &[Site])> = Vec::new();
    let mut start = 0;
    for (i, site) in coverage.sites.iter().enumerate() {
        let next = coverage.sites.get(i + 1).map(|s| s.kind);
        if next != Some(site.kind) {
            out.push((site.kind, coverage.sites.get(start..=i).unwrap_or_default()));
            start = i + 1;
        }
    }
    out
}

/// The states any site of `sites` has, in the order they first appear.
fn columns(sites: &[Site]) -> Vec<Reach> {
    let mut columns = Vec::new();
    for (reach, _) in sites.iter().flat_map(|s| &s.states) {
        if !columns.contains(reach) {
            columns.push(*reach);
        }
    }
    columns
}

pub fn print(policy: &Policy, coverage: &Coverage) {
    outln!("  coverage");
    for (kind, sites) in by_kind(coverage) {
        let columns = columns(sites);
        let width = sites.iter().map(|s| s.name.chars().count()).max().unwrap_or(0).max(kind.as_str().len());
        let header: String = columns.iter().map(|c| format!("  {}", c.as_str())).collect();
        outln!("    {:width$}{header}", kind.as_str());
        for site in sites {
            let cells: String = columns
                .iter()
                .map(|&c| {
                    let cell = site.count(c).map_or_else(|| "-".to_string(), |n| n.to_string());
                    format!("  {cell:>w$}", w = c.as_str().len())
                })
                .collect();
            let mark = if site.is_covered() { "" } else { "  ✗" };
            outln!("    {:width$}{cells}{mark}", shown(&site.name));
        }
    }
    let (covered, total) = coverage.totals();
    outln!("    total: {covered}/{total} covered ({:.0}%)", coverage.percent());
    let missed: Vec<&Site> = coverage.not_reached().collect();
    if !missed.is_empty() {
        outln!("    not reached:");
        for site in missed {
            let (file, line, column) = place(policy, site);
            let never: Vec<&str> = site.missed().map(Reach::never).collect();
            outln!(
                "      {} {}: {}  ({}:{line}:{column})",
                site.kind.as_str(),
                shown(&site.name),
                never.join(", "),
                shown(&file)
            );
        }
    }
}

pub fn json(policy: &Policy, coverage: &Coverage) -> serde_json::Value {
    let sites: Vec<_> = coverage
        .sites
        .iter()
        .map(|site| {
            let (file, line, column) = place(policy, site);
            let states: serde_json::Map<String, serde_json::Value> =
                site.states.iter().map(|(r, n)| (r.as_str().to_string(), serde_json::Value::from(*n))).collect();
            let missed: Vec<&str> = site.missed().map(Reach::as_str).collect();
            serde_json::json!({
                "kind": site.kind.as_str(), "name": site.name, "file": file, "line": line, "column": column,
                "states": states, "covered": site.is_covered(), "not_reached": missed,
            })
        })
        .collect();
    let of_kind = |kind: SiteKind| coverage.sites.iter().filter(move |s| s.kind == kind);
    // `rules` and `levels` as before the sites were general, for the readers of that shape
    let rules: Vec<_> = of_kind(SiteKind::Rule)
        .map(|s| serde_json::json!({"code": s.name, "fired": s.count(Reach::Fired).unwrap_or(0)}))
        .collect();
    let levels: Vec<_> = of_kind(SiteKind::Level)
        .map(|s| {
            serde_json::json!({
                "level": s.name,
                "authorised": s.count(Reach::Authorises).unwrap_or(0),
                "escalated": s.count(Reach::Escalates).unwrap_or(0),
                "root": s.count(Reach::Escalates).is_none(),
            })
        })
        .collect();
    let (covered, total) = coverage.totals();
    serde_json::json!({
        "sites": sites, "rules": rules, "levels": levels,
        "covered": covered, "total": total, "percent": coverage.percent(),
    })
}
