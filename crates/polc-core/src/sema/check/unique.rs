//! The unique hit policy of a decision table, decided statically: which arms
//! can match the same values (overlap) and which values no arm matches (gap).
//!
//! Each subject's values are split into elementary cells by every bound and
//! value its patterns name: an enum's variants, `false`/`true`, the points and
//! the pieces between them for Int, Decimal, Money and Date (Int and Date are
//! discrete: a piece between two neighbours may be empty; Decimal and Money are
//! dense: the bound itself is a cell between `< 5` and `> 5`), `none` for an
//! optional subject, and for a subject without finite reasoning its named
//! values and "any other value". Every pattern matches a cell wholly or not at
//! all, so one witness value per cell decides it. The table's cells are the
//! product, walked depth first with pruning (a branch where no arm is left is
//! a gap; where the arms left test nothing further, nothing below changes).
//!
//! INVARIANT (bounded work): the walk and the match matrix together take at
//! most [`MAX_STEPS`] steps; beyond that the verdict is `too_large` and the
//! table is an error (T0227), never silently accepted.

use crate::ir::table::PatternTest;
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The most steps (cells visited plus pattern tests) one table's check may take.
pub(crate) const MAX_STEPS: usize = 1_000_000;

/// What a subject's values are, for the reasoning.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Domain {
    /// An enum of this many variants.
    Enum(u32),
    Bool,
    /// Whole numbers.
    Int,
    /// Days.
    Date,
    /// Decimal and Money: between two values there is always a third.
    Dense,
    /// No finite reasoning: only the values the patterns name, and the rest.
    Opaque,
}

/// A subject: its domain, and whether it may be `none`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Subject {
    pub domain: Domain,
    pub optional: bool,
}

/// One elementary cell of a subject's values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    /// Every value of the cell behaves as this one.
    Value(Value),
    /// A value of an opaque subject that no pattern names.
    Other,
}

impl Cell {
    fn matched_by(&self, pattern: &PatternTest) -> bool {
        match self {
            Cell::Value(v) => pattern.matches(v),
            Cell::Other => matches!(pattern, PatternTest::Any),
        }
    }
}

/// What the check found.
#[derive(Debug, Default)]
pub(crate) struct Verdict {
    /// For each arm that overlaps an earlier one: (earlier arm, later arm, a
    /// combination both match), the earliest earlier arm for each later arm.
    pub overlaps: Vec<(usize, usize, Vec<Cell>)>,
    /// A combination no arm matches.
    pub gap: Option<Vec<Cell>>,
    /// The table needs more than [`MAX_STEPS`] steps, or a witness could not be
    /// computed exactly: nothing else here is meaningful.
    pub too_large: bool,
}

/// Checks `arms` (each a pattern per subject) over `subjects`.
pub(crate) fn analyse(subjects: &[Subject], arms: &[Vec<PatternTest>]) -> Verdict {
    let mut verdict = Verdict::default();
    let mut steps = 0usize;
    let mut columns: Vec<Vec<Cell>> = Vec::with_capacity(subjects.len());
    for (i, subject) in subjects.iter().enumerate() {
        let column: Vec<&PatternTest> = arms.iter().filter_map(|a| a.get(i)).collect();
        match cells(subject, &column) {
            Some(cells) => columns.push(cells),
            None => {
                verdict.too_large = true;
                return verdict;
            }
        }
    }
    // matches[arm][subject][cell]
    let mut matches: Vec<Vec<Vec<bool>>> = Vec::with_capacity(arms.len());
    for arm in arms {
        let mut per_subject = Vec::with_capacity(columns.len());
        for (i, cells) in columns.iter().enumerate() {
            steps = steps.saturating_add(cells.len());
            if steps > MAX_STEPS {
                verdict.too_large = true;
                return verdict;
            }
            let pattern = arm.get(i).unwrap_or(&PatternTest::Any);
            per_subject.push(cells.iter().map(|c| c.matched_by(pattern)).collect());
        }
        matches.push(per_subject);
    }
    // from each depth on, whether an arm is `_` for every remaining subject
    let wild_from: Vec<Vec<bool>> = arms
        .iter()
        .map(|arm| {
            let mut out = vec![true; subjects.len() + 1];
            for i in (0..subjects.len()).rev() {
                let wild = matches!(arm.get(i), Some(PatternTest::Any) | None);
                out[i] = wild && out[i + 1];
            }
            out
        })
        .collect();
    let mut walk = Walk { columns: &columns, matches: &matches, wild_from: &wild_from, steps, verdict };
    let alive: Vec<usize> = (0..arms.len()).collect();
    let mut chosen = Vec::with_capacity(subjects.len());
    walk.explore(0, &alive, &mut chosen);
    let mut verdict = walk.verdict;
    verdict.overlaps.sort_by_key(|(earlier, later, _)| (*later, *earlier));
    verdict
}

struct Walk<'a> {
    columns: &'a [Vec<Cell>],
    matches: &'a [Vec<Vec<bool>>],
    wild_from: &'a [Vec<bool>],
    steps: usize,
    verdict: Verdict,
}

impl Walk<'_> {
    fn explore(&mut self, depth: usize, alive: &[usize], chosen: &mut Vec<usize>) {
        if self.verdict.too_large {
            return;
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.verdict.too_large = true;
            return;
        }
        let settled = alive.iter().all(|&a| self.wild_from.get(a).and_then(|w| w.get(depth)).copied().unwrap_or(true));
        if alive.is_empty() || settled {
            if alive.is_empty() && self.verdict.gap.is_some() {
                return;
            }
            let witness = self.witness(chosen);
            if alive.is_empty() {
                self.verdict.gap = Some(witness);
                return;
            }
            if let Some((&first, rest)) = alive.split_first() {
                for &later in rest {
                    self.overlap(first, later, &witness);
                }
            }
            return;
        }
        let Some(cells) = self.columns.get(depth) else { return };
        for cell in 0..cells.len() {
            let next: Vec<usize> = alive
                .iter()
                .copied()
                .filter(|&a| {
                    self.matches.get(a).and_then(|m| m.get(depth)).and_then(|m| m.get(cell)).copied().unwrap_or(false)
                })
                .collect();
            // once a gap is known, a branch with no arm left has nothing to add
            if next.is_empty() && self.verdict.gap.is_some() {
                continue;
            }
            chosen.push(cell);
            self.explore(depth + 1, &next, chosen);
            chosen.pop();
        }
    }

    /// The cells chosen so far, then the first cell of each remaining subject.
    fn witness(&self, chosen: &[usize]) -> Vec<Cell> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(i, cells)| cells.get(chosen.get(i).copied().unwrap_or(0)).cloned())
            .collect()
    }

    fn overlap(&mut self, earlier: usize, later: usize, witness: &[Cell]) {
        match self.verdict.overlaps.iter_mut().find(|(_, l, _)| *l == later) {
            Some(found) if found.0 > earlier => *found = (earlier, later, witness.to_vec()),
            Some(_) => {}
            None => self.verdict.overlaps.push((earlier, later, witness.to_vec())),
        }
    }
}

/// A subject's elementary cells, or `None` when a witness cannot be computed
/// exactly (a bound at the edge of what a decimal or a date holds).
fn cells(subject: &Subject, column: &[&PatternTest]) -> Option<Vec<Cell>> {
    let mut out: Vec<Cell> = match &subject.domain {
        Domain::Enum(n) => (0..*n).map(|v| Cell::Value(Value::Enum(v))).collect(),
        Domain::Bool => vec![Cell::Value(Value::Bool(false)), Cell::Value(Value::Bool(true))],
        Domain::Opaque => {
            let mut named: Vec<Value> = Vec::new();
            for pattern in column {
                if let PatternTest::Values(values) = pattern {
                    for v in values {
                        if !named.iter().any(|n| n.equals(v)) {
                            named.push(v.clone());
                        }
                    }
                }
            }
            named.into_iter().map(Cell::Value).chain([Cell::Other]).collect()
        }
        Domain::Int | Domain::Date | Domain::Dense => {
            let mut bounds: Vec<Value> = Vec::new();
            for pattern in column {
                match pattern {
                    PatternTest::Values(values) => bounds.extend(values.iter().cloned()),
                    PatternTest::Interval { lo, hi } => bounds.extend(lo.iter().chain(hi).map(|b| b.value.clone())),
                    PatternTest::Any | PatternTest::None => {}
                }
            }
            bounds.sort_by(|a, b| a.compare(b).unwrap_or(std::cmp::Ordering::Equal));
            bounds.dedup_by(|a, b| a.equals(b));
            ordered_cells(&subject.domain, &bounds)?.into_iter().map(Cell::Value).collect()
        }
    };
    if subject.optional {
        out.push(Cell::Value(Value::None));
    }
    Some(out)
}

/// One witness per elementary piece of an ordered domain split at `bounds`
/// (sorted, distinct): below the first, each bound, between each two, above the last.
fn ordered_cells(domain: &Domain, bounds: &[Value]) -> Option<Vec<Value>> {
    let Some(first) = bounds.first() else {
        return Some(vec![match domain {
            Domain::Date => Value::Date(NaiveDate::from_ymd_opt(2000, 1, 1)?),
            Domain::Dense => Value::Dec(Decimal::ZERO),
            _ => Value::Int(0),
        }]);
    };
    let mut out = Vec::with_capacity(bounds.len() * 2 + 1);
    out.extend(step(domain, first, -1));
    for pair in bounds.windows(2) {
        let [a, b] = pair else { continue };
        out.push(a.clone());
        if let Some(between) = between(domain, a, b)? {
            out.push(between);
        }
    }
    if let Some(last) = bounds.last() {
        out.push(last.clone());
        out.extend(step(domain, last, 1));
    }
    Some(out)
}

/// The value one unit below or above `v` (none past the end of the type).
fn step(domain: &Domain, v: &Value, by: i64) -> Option<Value> {
    match (domain, v) {
        (Domain::Int, Value::Int(i)) => i.checked_add(by).map(Value::Int),
        (Domain::Date, Value::Date(d)) => {
            if by < 0 {
                d.pred_opt().map(Value::Date)
            } else {
                d.succ_opt().map(Value::Date)
            }
        }
        (Domain::Dense, Value::Dec(d)) => d.checked_add(Decimal::from(by)).map(Value::Dec),
        (Domain::Dense, Value::Int(i)) => Decimal::from(*i).checked_add(Decimal::from(by)).map(Value::Dec),
        _ => None,
    }
}

/// A value strictly between `a < b`: `Ok(None)` when there is none (neighbouring
/// whole numbers or days); `None` when it cannot be computed exactly.
fn between(domain: &Domain, a: &Value, b: &Value) -> Option<Option<Value>> {
    match (domain, a, b) {
        (Domain::Int, Value::Int(x), Value::Int(y)) => {
            Some(if y.checked_sub(*x)? >= 2 { Some(Value::Int(x.checked_add(1)?)) } else { None })
        }
        (Domain::Date, Value::Date(x), Value::Date(y)) => {
            let next = x.succ_opt()?;
            Some((next < *y).then_some(Value::Date(next)))
        }
        (Domain::Dense, _, _) => {
            let x = decimal(a)?;
            let y = decimal(b)?;
            let mid = x.checked_add(y)?.checked_div(Decimal::TWO)?;
            // exact and strictly inside, or the check cannot be trusted
            (x < mid && mid < y).then_some(Some(Value::Dec(mid.normalize())))
        }
        _ => None,
    }
}

fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Dec(d) => Some(*d),
        Value::Int(i) => Some(Decimal::from(*i)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
