//! Delegation containment (§6, §14): a level's limits must lie within those of
//! the level above it, path by path and guard by guard (A0308, A0309, W0515).
//!
//! Under a guard `g`, a level's limits on a path are its unguarded limits and
//! its limits `when g` (a guard is compared by its text, white space aside).
//! A child's limits under `g` must lie within the parent's under `g`; a guard
//! only one of them has is compared with the other's unguarded limits. Where
//! the child has other guards than the parent's on a path, whether its guards
//! together keep it within the parent cannot be decided: a warning says so.

use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::Span;
use crate::value::{SetValue, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// One level's limits on one path under one guard (or none), reduced to bounds.
#[derive(Default, Clone)]
pub(super) struct Bounds {
    /// The tightest maximum: (value, inclusive, the limit's span).
    upper: Option<(Value, bool, Span)>,
    /// The tightest minimum: (value, inclusive, the limit's span).
    lower: Option<(Value, bool, Span)>,
    /// Every `in {…}` set (the level allows their intersection).
    sets: Vec<(SetValue, Span)>,
}

impl Bounds {
    /// Records a maximum, keeping the tighter of two.
    pub(super) fn at_most(&mut self, value: Value, inclusive: bool, span: Span) {
        let tighter = match &self.upper {
            None => true,
            Some((v, inc, _)) => match value.compare(v) {
                Some(Ordering::Less) => true,
                Some(Ordering::Equal) => *inc && !inclusive,
                _ => false,
            },
        };
        if tighter {
            self.upper = Some((value, inclusive, span));
        }
    }

    /// Records a minimum, keeping the tighter of two.
    pub(super) fn at_least(&mut self, value: Value, inclusive: bool, span: Span) {
        let tighter = match &self.lower {
            None => true,
            Some((v, inc, _)) => match value.compare(v) {
                Some(Ordering::Greater) => true,
                Some(Ordering::Equal) => *inc && !inclusive,
                _ => false,
            },
        };
        if tighter {
            self.lower = Some((value, inclusive, span));
        }
    }

    /// Records a set.
    pub(super) fn within(&mut self, set: SetValue, span: Span) {
        self.sets.push((set, span));
    }

    /// Both levels of bounds at once: what holds where `self` and `other` both apply.
    fn and(&self, other: &Bounds) -> Bounds {
        let mut both = self.clone();
        if let Some((v, inc, span)) = &other.upper {
            both.at_most(v.clone(), *inc, *span);
        }
        if let Some((v, inc, span)) = &other.lower {
            both.at_least(v.clone(), *inc, *span);
        }
        both.sets.extend(other.sets.iter().cloned());
        both
    }

    fn is_empty(&self) -> bool {
        self.upper.is_none() && self.lower.is_none() && self.sets.is_empty()
    }
}

/// One level's limits on one path: unguarded, and by guard.
#[derive(Default)]
pub(super) struct PathBounds {
    unguarded: Bounds,
    /// By guard text: the guard's span (its first) and the bounds under it.
    guarded: BTreeMap<String, (Span, Bounds)>,
}

impl PathBounds {
    /// The bounds a limit with `guard` (its text and span) adds to.
    pub(super) fn entry(&mut self, guard: Option<(String, Span)>) -> &mut Bounds {
        match guard {
            None => &mut self.unguarded,
            Some((text, span)) => &mut self.guarded.entry(text).or_insert_with(|| (span, Bounds::default())).1,
        }
    }

    /// What the level allows where `guard` holds (and no other guard is known to).
    fn under(&self, guard: Option<&str>) -> Bounds {
        match guard.and_then(|g| self.guarded.get(g)) {
            Some((_, bounds)) => self.unguarded.and(bounds),
            None => self.unguarded.clone(),
        }
    }
}

/// A level's limits: by path (its dotted text).
pub(super) type LevelBounds = BTreeMap<String, PathBounds>;

/// Two levels, one above the other, as the diagnostics name them.
pub(super) struct Pair<'a> {
    pub(super) child: &'a str,
    pub(super) child_span: Span,
    pub(super) parent: &'a str,
}

/// What containment found: errors (A0308/A0309) and warnings (W0515).
#[derive(Default)]
pub(super) struct Findings {
    pub(super) errors: Vec<Diagnostic>,
    pub(super) warnings: Vec<Diagnostic>,
}

/// The problems of `child`'s limits against `parent`'s, the level above it.
pub(super) fn contained(pair: &Pair<'_>, child: &LevelBounds, parent: &LevelBounds) -> Findings {
    let mut findings = Findings::default();
    let empty = PathBounds::default();
    for (path, p) in parent {
        let c = child.get(path).unwrap_or(&empty);
        let mut undecided = Vec::new();
        // unguarded, then each of the parent's guards
        let keys = std::iter::once(None).chain(p.guarded.iter().map(|(g, (span, _))| Some((g.as_str(), *span))));
        for key in keys {
            let guard = key.map(|(g, _)| g);
            let p_bounds = p.under(guard);
            if p_bounds.is_empty() {
                continue;
            }
            let c_bounds = c.under(guard);
            // the child's own guards may or may not cover this case: where none
            // of them holds it is unlimited (unguarded), or compared by its
            // unguarded limits under a guard of the parent's it does not have
            let unsure = match guard {
                _ if c.guarded.is_empty() => Unsure::No,
                None => Unsure::Unlimited,
                Some(g) if c.guarded.contains_key(g) => Unsure::No,
                Some(_) => Unsure::All,
            };
            let under = Under { path, guard: key, unsure };
            compare(pair, &under, &c_bounds, &p_bounds, &mut findings, &mut undecided);
        }
        // the child's guards the parent does not have: within its unguarded limits
        for (g, (span, _)) in c.guarded.iter().filter(|(g, _)| !p.guarded.contains_key(*g)) {
            if p.unguarded.is_empty() {
                continue;
            }
            let under = Under { path, guard: Some((g.as_str(), *span)), unsure: Unsure::No };
            compare(pair, &under, &c.under(Some(g)), &p.unguarded, &mut findings, &mut undecided);
        }
        if let Some(first) = undecided.first() {
            findings.warnings.push(undecidable(pair, path, c, *first));
        }
    }
    findings
}

/// Where a comparison stands: the path, the guard (text and span) if any, and
/// which failures guards of the child's that differ from the parent's may
/// cover (those are undecided, not errors).
struct Under<'a> {
    path: &'a str,
    guard: Option<(&'a str, Span)>,
    unsure: Unsure,
}

/// Which failures of a comparison are undecided rather than errors.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unsure {
    /// None: every failure is an error.
    No,
    /// The child has no limit of a kind where the parent has one (A0309).
    Unlimited,
    /// Every failure.
    All,
}

/// Compares a child's bounds with its parent's under one guard; a failure that
/// the child's other guards may cover goes to `undecided` (the parent's span).
fn compare(
    pair: &Pair<'_>,
    under: &Under<'_>,
    c: &Bounds,
    p: &Bounds,
    findings: &mut Findings,
    undecided: &mut Vec<Span>,
) {
    let mut fail = |diagnostic: Diagnostic, parent_span: Span| {
        let unsure = match under.unsure {
            Unsure::No => false,
            Unsure::Unlimited => diagnostic.code == Code::A0309,
            Unsure::All => true,
        };
        if unsure {
            undecided.push(parent_span);
        } else {
            findings.errors.push(diagnostic);
        }
    };
    if let Some((pv, p_inc, p_span)) = &p.upper {
        match &c.upper {
            None => fail(unlimited(pair, under, *p_span, "upper limit"), *p_span),
            Some((cv, c_inc, c_span)) => {
                let too_high = match cv.compare(pv) {
                    Some(Ordering::Greater) => true,
                    Some(Ordering::Equal) => *c_inc && !p_inc,
                    _ => false,
                };
                if too_high {
                    fail(exceeds(pair, under, *c_span, *p_span, "the upper limit"), *p_span);
                }
            }
        }
    }
    if let Some((pv, p_inc, p_span)) = &p.lower {
        match &c.lower {
            None => fail(unlimited(pair, under, *p_span, "lower limit"), *p_span),
            Some((cv, c_inc, c_span)) => {
                let too_low = match cv.compare(pv) {
                    Some(Ordering::Less) => true,
                    Some(Ordering::Equal) => *c_inc && !p_inc,
                    _ => false,
                };
                if too_low {
                    fail(exceeds(pair, under, *c_span, *p_span, "the lower limit"), *p_span);
                }
            }
        }
    }
    for (pset, p_span) in &p.sets {
        // INVARIANT: the child allows the intersection of its sets; one of them
        // within the parent's is enough (two sets on one path are rare: when
        // none alone is within, this reports what may be a narrower intersection)
        match c.sets.first() {
            None => fail(unlimited(pair, under, *p_span, "set limit"), *p_span),
            Some((_, first_span)) => {
                if !c.sets.iter().any(|(cset, _)| cset.is_subset(pset)) {
                    fail(exceeds(pair, under, *first_span, *p_span, "the set"), *p_span);
                }
            }
        }
    }
}

/// `when GUARD` for a message, or nothing.
fn when(under: &Under<'_>) -> String {
    under.guard.map(|(g, _)| format!(" when `{g}`")).unwrap_or_default()
}

fn exceeds(pair: &Pair<'_>, under: &Under<'_>, child_limit: Span, parent_limit: Span, what: &str) -> Diagnostic {
    let (child, parent, path) = (pair.child, pair.parent, under.path);
    let d = Diagnostic::error(
        Code::A0308,
        format!("level `{child}` may approve more than `{parent}` on `{path}`{}", when(under)),
    )
    .at(child_limit, format!("{what} of `{child}`"))
    .also(parent_limit, format!("exceeds this limit of `{parent}`, the level above"))
    .help(format!(
        "a level's limits must lie within those of the level it escalates to; tighten `{child}` or widen `{parent}`"
    ));
    guard_label(d, under)
}

fn unlimited(pair: &Pair<'_>, under: &Under<'_>, parent_limit: Span, what: &str) -> Diagnostic {
    let (child, parent, path) = (pair.child, pair.parent, under.path);
    let d = Diagnostic::error(
        Code::A0309,
        format!("level `{child}` is unlimited on `{path}`{} but `{parent}` above it is limited", when(under)),
    )
    .at(pair.child_span, format!("no {what} on `{path}`"))
    .also(parent_limit, format!("`{parent}` is limited here"))
    .help(format!("give `{child}` a limit on `{path}` within `{parent}`'s"));
    guard_label(d, under)
}

/// Labels the guard a comparison was made under, when it is not on a limit already labelled.
fn guard_label(d: Diagnostic, under: &Under<'_>) -> Diagnostic {
    match under.guard {
        Some((_, span))
            if !d.secondary.iter().chain(&d.primary).any(|l| l.span.start <= span.start && span.end <= l.span.end) =>
        {
            d.also(span, "under this guard")
        }
        _ => d,
    }
}

/// W0515: the child's guards on `path` differ from the parent's, and whether
/// they keep it within the parent's limits cannot be decided.
fn undecidable(pair: &Pair<'_>, path: &str, c: &PathBounds, parent_limit: Span) -> Diagnostic {
    let (child, parent) = (pair.child, pair.parent);
    let guards: Vec<String> = c.guarded.keys().map(|g| format!("`{g}`")).collect();
    let mut d = Diagnostic::warning(
        Code::W0515,
        format!("cannot decide whether level `{child}` stays within `{parent}` on `{path}`"),
    )
    .at(parent_limit, format!("`{parent}`'s limit here"));
    if let Some((span, _)) = c.guarded.values().next() {
        d = d.also(*span, format!("`{child}` is limited on `{path}` only under its own guards"));
    }
    d.help(format!(
        "`{child}` limits `{path}` when {}; give it an unguarded limit within `{parent}`'s, or the same guards as `{parent}`",
        guards.join(", ")
    ))
}

/// Whether `upper`'s limits lie within `lower`'s, decidedly (no error and no
/// undecided guard): then `upper` is no wider than `lower`.
pub(super) fn no_wider(pair: &Pair<'_>, upper: &LevelBounds, lower: &LevelBounds) -> bool {
    let findings = contained(pair, upper, lower);
    findings.errors.is_empty() && findings.warnings.is_empty()
}
