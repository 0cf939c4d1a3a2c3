//! What a policy has in force on a date (§15): each rule and credit limit in or
//! out of force, and the version of each versioned const that `as_of` chooses.
//! `polc check --as-of D` prints it for a committee or an auditor.

use crate::ir::{self, BasisDef, Program};
use crate::syntax::ast::Effective;
use chrono::NaiveDate;
use serde::Serialize;

/// The policy on one date.
#[derive(Clone, Debug, Serialize)]
pub struct InForce {
    pub as_of: String,
    pub policy: String,
    pub version: String,
    pub rules: Vec<Part>,
    pub limits: Vec<Part>,
    pub consts: Vec<ConstOnDate>,
}

/// A rule or credit limit.
#[derive(Clone, Debug, Serialize)]
pub struct Part {
    pub code: String,
    pub in_force: bool,
    /// `2026-01-01 ..< 2027-01-01`; none: always.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

/// A const with versions.
#[derive(Clone, Debug, Serialize)]
pub struct ConstOnDate {
    pub name: String,
    /// The value in force (none: no version is: a decision that needs it is `error`).
    pub value: Option<String>,
    pub versions: Vec<VersionOnDate>,
}

/// One version of a const.
#[derive(Clone, Debug, Serialize)]
pub struct VersionOnDate {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    pub in_force: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

fn basis_text(basis: Option<&BasisDef>) -> Option<String> {
    basis.map(|b| format!("{} \"{}\"", b.kind.keyword(), b.citation))
}

fn part(code: &str, effective: Option<&Effective>, basis: Option<&BasisDef>, day: NaiveDate) -> Part {
    Part {
        code: code.to_string(),
        in_force: ir::in_force(effective, day),
        effective: effective.map(Effective::text),
        basis: basis_text(basis),
    }
}

/// What `program` has in force on `day`.
pub fn in_force(program: &Program, day: NaiveDate) -> InForce {
    let rules = program.rules.iter().map(|r| part(&r.code, r.effective.as_ref(), r.basis.as_ref(), day)).collect();
    let limits =
        program.credit_limits.iter().map(|l| part(&l.code, l.effective.as_ref(), l.basis.as_ref(), day)).collect();
    let mut consts: Vec<ConstOnDate> = program
        .const_versions
        .iter()
        .map(|c| {
            let shown = |v: &ir::ConstVersion| v.value.display(&c.ty, &program.schema);
            ConstOnDate {
                name: c.name.clone(),
                value: c.in_force(day).map(|(_, v)| shown(v)),
                versions: c
                    .versions
                    .iter()
                    .map(|v| VersionOnDate {
                        value: shown(v),
                        effective: v.effective.as_ref().map(Effective::text),
                        in_force: ir::in_force(v.effective.as_ref(), day),
                        basis: basis_text(v.basis.as_ref()),
                    })
                    .collect(),
            }
        })
        .collect();
    consts.sort_by(|a, b| a.name.cmp(&b.name));
    InForce {
        as_of: day.to_string(),
        policy: program.name.clone(),
        version: program.version.clone(),
        rules,
        limits,
        consts,
    }
}

impl InForce {
    /// The report for people.
    pub fn text(&self) -> String {
        let mut out = format!("policy {} version {}: in force on {}\n", self.policy, self.version, self.as_of);
        for (title, parts) in [("rules", &self.rules), ("credit limits", &self.limits)] {
            if parts.is_empty() {
                continue;
            }
            let (inside, outside): (Vec<&Part>, Vec<&Part>) = parts.iter().partition(|p| p.in_force);
            out.push_str(&format!("  {title}: {} in force, {} out of force\n", inside.len(), outside.len()));
            for p in inside.iter().filter(|p| p.effective.is_some()) {
                out.push_str(&format!(
                    "    in force      {} (effective {})\n",
                    p.code,
                    p.effective.as_deref().unwrap_or("")
                ));
            }
            for p in &outside {
                out.push_str(&format!(
                    "    out of force  {} (effective {})\n",
                    p.code,
                    p.effective.as_deref().unwrap_or("")
                ));
            }
        }
        if !self.consts.is_empty() {
            out.push_str("  const versions:\n");
        }
        for c in &self.consts {
            match &c.value {
                Some(v) => out.push_str(&format!("    {} = {v}\n", c.name)),
                None => out
                    .push_str(&format!("    {}: no version in force (a decision that needs it is `error`)\n", c.name)),
            }
            for v in &c.versions {
                let mark = if v.in_force { "in force    " } else { "not in force" };
                let range = v.effective.as_deref().unwrap_or("always");
                out.push_str(&format!("      {mark}  {} (effective {range})\n", v.value));
            }
        }
        out
    }
}
