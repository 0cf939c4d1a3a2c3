//! Rules made redundant by another rule (W0505 subsumed, W0507 a referral a
//! decline masks), found by interval and set reasoning in time linear in the rules.
//!
//! A rule whose condition is one comparison of an input path (or a let) with a
//! constant fires on a *region* of that path's values: below a bound, above a
//! bound, one point, or a constant set. Rule `n` is redundant when another rule
//! `w` on the same path fires whenever it does: with the same outcome (W0505;
//! of two identical regions the later one is reported), or — for a referral —
//! a decline (W0507, reported in preference to W0505: it says more).
//!
//! Comparing every rule with every other is quadratic (100k rules took minutes).
//! Instead the regions of each path and outcome are indexed once: the widest
//! upper and lower bounds, the points by value, and the sets largest first.
//! A half-line is within another only if that one's bound is at least as wide,
//! so the widest bound is the only witness to try; a point is within the widest
//! bounds or an equal point. Deciding which sets contain a set is as hard as the
//! orthogonal-vectors problem, so each set is compared with at most
//! [`SET_CANDIDATES`] larger sets: the lint may miss a subsumed set in a policy
//! with more sets than that on one path, never reports a wrong one.
// INVARIANT: every finding is confirmed with `Region::within`, the pairwise
// definition, so indexing can only lose warnings, never invent them.

use crate::ir::{CmpOp, Expr, ExprKind, RuleDef, RuleOutcome};
use crate::syntax::ast::Trigger;
use crate::value::{SetValue, Value};
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::collections::HashMap;

/// How many larger sets one set is compared with, at most.
pub(crate) const SET_CANDIDATES: usize = 64;

/// Why a rule is redundant, and the rule that makes it so (an index into the
/// rules given to [`redundant`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Redundancy {
    /// W0505: a rule with the same outcome fires whenever this one does.
    Subsumed(usize),
    /// W0507: this referral's region lies within a decline rule's.
    MaskedByDecline(usize),
}

/// For each rule, whether another rule makes it redundant.
///
/// A rule with an `effective` range or `overridable by` (§15) is left out on
/// both sides: it takes part on other days, or refers where the other declines,
/// so "remove it" could change decisions (a decline becoming an approval).
pub(crate) fn redundant(rules: &[&RuleDef]) -> Vec<Option<Redundancy>> {
    let regions: Vec<Option<Region>> = rules.iter().map(|r| if governed(r) { None } else { region(r) }).collect();
    let outcomes: Vec<OutcomeKey> = rules.iter().map(|r| outcome_key(&r.outcome)).collect();
    let mut index: HashMap<(&str, OutcomeKey), ClassIndex> = HashMap::new();
    for (at, region) in regions.iter().enumerate() {
        let (Some(region), Some(&outcome)) = (region, outcomes.get(at)) else { continue };
        index.entry((region.path.as_str(), outcome)).or_default().add(at, region);
    }
    for class in index.values_mut() {
        class.sort_sets(&regions);
    }
    let find = |at: usize, region: &Region, outcome: OutcomeKey, same: bool| {
        index.get(&(region.path.as_str(), outcome)).and_then(|class| class.witness(at, region, same, &regions))
    };
    regions
        .iter()
        .zip(&outcomes)
        .enumerate()
        .map(|(at, (region, &outcome))| {
            let region = region.as_ref()?;
            let masked = match outcome {
                OutcomeKey::Refer(_) => find(at, region, OutcomeKey::Decline, false),
                OutcomeKey::Decline => None,
            };
            match masked {
                Some(wide) => Some(Redundancy::MaskedByDecline(wide)),
                None => find(at, region, outcome, true).map(Redundancy::Subsumed),
            }
        })
        .collect()
}

/// Whether a rule's effect depends on the day or may be excepted (§15).
fn governed(rule: &RuleDef) -> bool {
    rule.effective.is_some() || rule.overridable.is_some()
}

/// The outcome as a key: rules are only compared with rules of one outcome
/// (and referrals with declines).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum OutcomeKey {
    Decline,
    /// `refer` (`None`) or `refer to LEVEL`.
    Refer(Option<u32>),
}

fn outcome_key(outcome: &RuleOutcome) -> OutcomeKey {
    match outcome {
        RuleOutcome::Decline => OutcomeKey::Decline,
        RuleOutcome::Refer(level) => OutcomeKey::Refer(*level),
    }
}

/// The values of one input path (or let) for which a rule fires.
#[derive(Debug)]
pub(crate) struct Region {
    pub(crate) path: String,
    pub(crate) shape: Shape,
}

/// A bound: the value, and whether the value itself is included.
type Bound = (Value, bool);

#[derive(Debug)]
pub(crate) enum Shape {
    /// `x < v` (`false`) or `x <= v` (`true`)
    Below(Bound),
    /// `x > v` or `x >= v`
    Above(Bound),
    /// `x == v`
    Point(Value),
    /// `x in {…}`
    Set(SetValue),
}

impl Region {
    /// Whether every value in `self` is in `other` (the pairwise definition).
    pub(crate) fn within(&self, other: &Region) -> bool {
        if self.path != other.path {
            return false;
        }
        match (&self.shape, &other.shape) {
            (Shape::Below(a), Shape::Below(b)) => bound_within(a, b, Ordering::Greater),
            (Shape::Above(a), Shape::Above(b)) => bound_within(a, b, Ordering::Less),
            (Shape::Point(v), Shape::Below(b)) => bound_within(&(v.clone(), true), b, Ordering::Greater),
            (Shape::Point(v), Shape::Above(b)) => bound_within(&(v.clone(), true), b, Ordering::Less),
            (Shape::Point(a), Shape::Point(b)) => a.equals(b),
            (Shape::Set(a), Shape::Set(b)) => a.is_subset(b),
            _ => false,
        }
    }
}

/// Is bound `a` no looser than bound `b`? `outward` is the ordering that
/// means "looser" (Greater for upper bounds, Less for lower bounds).
fn bound_within(a: &Bound, b: &Bound, outward: Ordering) -> bool {
    let ((av, a_inclusive), (bv, b_inclusive)) = (a, b);
    match av.compare(bv) {
        Some(Ordering::Equal) => *b_inclusive || !*a_inclusive,
        Some(o) => o != outward,
        None => false,
    }
}

/// The region of a rule whose condition is `path OP constant` or `path in {…}`.
pub(crate) fn region(rule: &RuleDef) -> Option<Region> {
    let (op, path, value) = match &rule.condition.kind {
        ExprKind::Compare(op, left, right) => match &right.kind {
            ExprKind::Const(v) => (*op, left, v.clone()),
            _ => return None,
        },
        ExprKind::In(left, right) => match &right.kind {
            ExprKind::Const(Value::Set(set)) if rule.trigger == Trigger::When => {
                return Some(Region { path: path_string(left)?, shape: Shape::Set((**set).clone()) });
            }
            _ => return None,
        },
        _ => return None,
    };
    let op = if rule.trigger == Trigger::When { op } else { negate(op)? };
    let path = path_string(path)?;
    let shape = match op {
        CmpOp::Lt => Shape::Below((value, false)),
        CmpOp::Le => Shape::Below((value, true)),
        CmpOp::Gt => Shape::Above((value, false)),
        CmpOp::Ge => Shape::Above((value, true)),
        CmpOp::Eq => Shape::Point(value),
        CmpOp::Ne => return None,
    };
    Some(Region { path, shape })
}

fn negate(op: CmpOp) -> Option<CmpOp> {
    Some(match op {
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
        CmpOp::Eq | CmpOp::Ne => return None,
    })
}

/// A stable key for an input path or a let (`input.3.1`, `let 2`).
fn path_string(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Input => Some("input".into()),
        ExprKind::Let(id) => Some(format!("let {}", id.0)),
        ExprKind::Field(target, index) => Some(format!("{}.{index}", path_string(target)?)),
        ExprKind::ToDecimal(inner) => path_string(inner),
        _ => None,
    }
}

/// A point's value as a key: equal keys exactly for values [`Value::equals`]
/// calls equal (`5`, `5.0` and `5.00` are one number).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum PointKey {
    Number(Decimal),
    Small(u64),
    Wide(u128),
    Text(String),
}

fn point_key(value: &Value) -> Option<PointKey> {
    Some(match value {
        Value::Int(i) => PointKey::Number(Decimal::from(*i).normalize()),
        Value::Dec(d) => PointKey::Number(d.normalize()),
        Value::Str(s) => PointKey::Text(s.as_str().to_string()),
        Value::CreditCode(c) => PointKey::Wide(c.to_key()),
        other => PointKey::Small(SetValue::small_key(other)?),
    })
}

/// The regions of one path and one outcome, indexed.
#[derive(Default)]
struct ClassIndex {
    /// The widest upper bound and the first rule that has it.
    below: Option<(Bound, usize)>,
    /// The widest lower bound and the first rule that has it.
    above: Option<(Bound, usize)>,
    /// The first rule testing each point.
    points: HashMap<PointKey, usize>,
    /// Rules testing a point with no key (none of the language's ordinary
    /// values), compared one by one up to [`SET_CANDIDATES`].
    unkeyed: Vec<usize>,
    /// Rules with a set, largest set first (then in rule order).
    sets: Vec<usize>,
}

impl ClassIndex {
    /// Adds rule `at` (rules are added in order).
    fn add(&mut self, at: usize, region: &Region) {
        match &region.shape {
            Shape::Below(bound) => widen(&mut self.below, bound, at, Ordering::Greater),
            Shape::Above(bound) => widen(&mut self.above, bound, at, Ordering::Less),
            Shape::Point(value) => match point_key(value) {
                Some(key) => {
                    self.points.entry(key).or_insert(at);
                }
                None => self.unkeyed.push(at),
            },
            Shape::Set(_) => self.sets.push(at),
        }
    }

    fn sort_sets(&mut self, regions: &[Option<Region>]) {
        let len = |at: &usize| match regions.get(*at) {
            Some(Some(Region { shape: Shape::Set(s), .. })) => s.len(),
            _ => 0,
        };
        self.sets.sort_by(|a, b| len(b).cmp(&len(a)).then(a.cmp(b)));
    }

    /// A rule of this class other than `at` whose region contains `region`;
    /// with `same` (rule `at` has this class's outcome) not a later identical one.
    fn witness(&self, at: usize, region: &Region, same: bool, regions: &[Option<Region>]) -> Option<usize> {
        let confirm = |wide: usize| {
            let other = regions.get(wide)?.as_ref()?;
            let later_twin = same && wide > at && other.within(region);
            (wide != at && !later_twin && region.within(other)).then_some(wide)
        };
        match &region.shape {
            Shape::Below(_) => self.below.as_ref().and_then(|(_, wide)| confirm(*wide)),
            Shape::Above(_) => self.above.as_ref().and_then(|(_, wide)| confirm(*wide)),
            Shape::Point(value) => {
                let equal = match point_key(value) {
                    Some(key) => self.points.get(&key).copied(),
                    None => self.unkeyed.iter().take(SET_CANDIDATES).copied().find_map(confirm),
                };
                let below = self.below.as_ref().map(|(_, wide)| *wide);
                let above = self.above.as_ref().map(|(_, wide)| *wide);
                [equal, below, above].into_iter().flatten().filter_map(confirm).min()
            }
            Shape::Set(set) => {
                let size = |wide: &usize| match regions.get(*wide) {
                    Some(Some(Region { shape: Shape::Set(s), .. })) => s.len(),
                    _ => 0,
                };
                self.sets
                    .iter()
                    .take_while(|wide| size(wide) >= set.len())
                    .filter(|&&wide| wide != at)
                    .take(SET_CANDIDATES)
                    .find_map(|&wide| confirm(wide))
            }
        }
    }
}

/// Keeps the wider of the bound held and `bound` (of rule `at`); on a tie the
/// one held, which came first.
fn widen(held: &mut Option<(Bound, usize)>, bound: &Bound, at: usize, outward: Ordering) {
    let wider = match held {
        None => true,
        Some((current, _)) => bound_within(current, bound, outward) && !bound_within(bound, current, outward),
    };
    if wider {
        *held = Some((bound.clone(), at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::source::Span;
    use crate::base::types::Type;
    use crate::ir::RuleDef;
    use crate::value::text::Text;
    use proptest::prelude::*;
    use std::sync::Arc;

    /// A rule `input.FIELD OP VALUE` (or `in {…}`), for `when` or `unless`.
    fn rule(field: u32, shape: u8, value: i64, set: u8, trigger: Trigger, outcome: RuleOutcome) -> RuleDef {
        let path = Expr::new(
            ExprKind::Field(Box::new(Expr::new(ExprKind::Input, Type::Error, Span::default())), field),
            Type::Int,
            Span::default(),
        );
        let constant = |v: Value| Box::new(Expr::constant(v, Type::Int, Span::default()));
        let condition = if shape == 6 {
            let mut members = SetValue::new();
            for bit in 0..4 {
                if set >> bit & 1 == 1 {
                    members.insert(&Value::Int(bit));
                }
            }
            ExprKind::In(Box::new(path), constant(Value::Set(Arc::new(members))))
        } else {
            let op = [CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge, CmpOp::Eq, CmpOp::Ne][usize::from(shape)];
            ExprKind::Compare(op, Box::new(path), constant(Value::Int(value)))
        };
        RuleDef {
            code: String::new(),
            message: None,
            outcome,
            trigger,
            condition: Expr::new(condition, Type::Bool, Span::default()),
            group: None,
            basis: None,
            effective: None,
            overridable: None,
            span: Span::default(),
        }
    }

    /// The pairwise definition: the first rule, in order, that makes `at` redundant
    /// (a masking decline first, as [`redundant`] prefers it).
    fn pairwise(rules: &[&RuleDef], at: usize) -> Option<Redundancy> {
        let narrow = region(rules.get(at)?)?;
        let outcome = outcome_key(&rules.get(at)?.outcome);
        let others = || rules.iter().enumerate().filter(|(j, _)| *j != at);
        if matches!(outcome, OutcomeKey::Refer(_)) {
            let masking = others().find(|(_, w)| {
                outcome_key(&w.outcome) == OutcomeKey::Decline && region(w).is_some_and(|w| narrow.within(&w))
            });
            if let Some((j, _)) = masking {
                return Some(Redundancy::MaskedByDecline(j));
            }
        }
        others()
            .find(|(j, w)| {
                outcome_key(&w.outcome) == outcome
                    && region(w).is_some_and(|w| narrow.within(&w) && !(w.within(&narrow) && *j > at))
            })
            .map(|(j, _)| Redundancy::Subsumed(j))
    }

    fn kind(r: Option<Redundancy>) -> u8 {
        match r {
            None => 0,
            Some(Redundancy::Subsumed(_)) => 1,
            Some(Redundancy::MaskedByDecline(_)) => 2,
        }
    }

    proptest! {
        /// The index finds a redundant rule exactly when the pairwise definition
        /// does, and names a rule that really makes it redundant.
        #[test]
        fn index_agrees_with_pairwise_comparison(
            specs in proptest::collection::vec((0u32..2, 0u8..7, 0i64..6, 0u8..16, any::<bool>(), 0u8..3), 0..40)
        ) {
            let outcomes = [RuleOutcome::Decline, RuleOutcome::Refer(None), RuleOutcome::Refer(Some(1))];
            let rules: Vec<RuleDef> = specs
                .iter()
                .map(|&(field, shape, value, set, when, outcome)| {
                    let trigger = if when { Trigger::When } else { Trigger::Unless };
                    rule(field, shape, value, set, trigger, outcomes[usize::from(outcome)].clone())
                })
                .collect();
            let refs: Vec<&RuleDef> = rules.iter().collect();
            let fast = redundant(&refs);
            for (at, found) in fast.iter().enumerate() {
                prop_assert_eq!(kind(*found), kind(pairwise(&refs, at)), "rule {}", at);
                if let Some(Redundancy::Subsumed(w) | Redundancy::MaskedByDecline(w)) = found {
                    let (narrow, wide) = (region(refs[at]), region(refs[*w]));
                    prop_assert!(narrow.zip(wide).is_some_and(|(n, w)| n.within(&w)));
                }
            }
        }
    }

    #[test]
    fn rules_in_force_on_some_days_or_overridable_are_never_called_redundant() {
        let wide = rule(0, 0, 500, 0, Trigger::When, RuleOutcome::Decline);
        let narrow = rule(0, 0, 300, 0, Trigger::When, RuleOutcome::Decline);
        assert_eq!(redundant(&[&wide, &narrow]), [None, Some(Redundancy::Subsumed(0))]);
        // the wide rule in force until a day: the narrow one decides after it
        let mut dated = wide.clone();
        let until = chrono::NaiveDate::from_ymd_opt(2026, 6, 1);
        dated.effective = Some(crate::syntax::ast::Effective { from: None, until, span: Span::default() });
        assert_eq!(redundant(&[&dated, &narrow]), [None, None]);
        // the wide rule overridable: it refers where the narrow one declines
        let mut excepted = wide.clone();
        excepted.overridable = Some(0);
        assert_eq!(redundant(&[&excepted, &narrow]), [None, None]);
        let refer = rule(0, 0, 300, 0, Trigger::When, RuleOutcome::Refer(None));
        assert_eq!(redundant(&[&excepted, &refer]), [None, None]);
        assert_eq!(redundant(&[&narrow, &dated]), [None, None]);
    }

    #[test]
    fn of_two_identical_rules_the_later_is_reported() {
        let a = rule(0, 4, 3, 0, Trigger::When, RuleOutcome::Decline);
        let b = rule(0, 4, 3, 0, Trigger::When, RuleOutcome::Decline);
        assert_eq!(redundant(&[&a, &b]), [None, Some(Redundancy::Subsumed(0))]);
    }

    #[test]
    fn equal_strings_and_enum_variants_are_one_point() {
        let named = |value: Value| {
            let mut r = rule(0, 4, 0, 0, Trigger::When, RuleOutcome::Decline);
            if let ExprKind::Compare(_, _, right) = &mut r.condition.kind {
                right.kind = ExprKind::Const(value);
            }
            r
        };
        let (a, b) = (named(Value::Str(Text::new("R1"))), named(Value::Str(Text::new("R1"))));
        assert_eq!(redundant(&[&a, &b]), [None, Some(Redundancy::Subsumed(0))]);
        let (c, d) = (named(Value::Enum(2)), named(Value::Enum(3)));
        assert_eq!(redundant(&[&c, &d]), [None, None]);
    }
}
