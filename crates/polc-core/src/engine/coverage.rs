//! Test coverage (§16): the registry of a program's coverage sites (rules,
//! authority levels, …), each with the states a test can reach, and the counts.
//!
//! A site is a place in the policy that tests should exercise; a state is one
//! way of exercising it (a rule *fires*; a level *authorises* and *escalates*).
//! [`Coverage::of`] lists every site of a program with zero counts; while the
//! tests run, [`CoverageObserver`] (an evaluation [`Observer`]) and
//! [`Coverage::count_decision`] add what each test reached. Nothing of this
//! runs outside `polc test`: decisions in `polc run` pay nothing for it.
//!
//! To add a kind of site (limits, …): a [`SiteKind`] variant, its [`Reach`]
//! states, the sites pushed in [`Coverage::of`] with an offset kept in
//! [`SiteIndex`], and a hook (an [`Observer`] method called by the evaluator, or
//! the decision) that calls [`Coverage::hit`]. Scorecard bins and `match` arms
//! are counted through [`Observer::arm`], by the span of their table.

use crate::base::source::Span;
use crate::eval::limits::LimitEffect;
use crate::eval::{Decision, Observer, Outcome};
use crate::ir::{Expr, ExprKind, Program};
use crate::value::Value;
use std::collections::HashMap;

/// What a coverage site is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SiteKind {
    /// A rule: it should fire in some test.
    Rule,
    /// An authority level: it should authorise some test, and (unless it is the
    /// root) escalate some test to the level above.
    Level,
    /// A scorecard bin: some test's record should fall in it.
    Bin,
    /// An arm of a `match` table: some test should take it.
    Arm,
    /// A credit limit (§12): some test should be cut by it (a counter-offer or
    /// a decline below its floor) and some test should pass it uncut.
    Limit,
}

impl SiteKind {
    /// The word for it in reports: `rule`, `level`, `bin`, `arm`.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Rule => "rule",
            SiteKind::Level => "level",
            SiteKind::Bin => "bin",
            SiteKind::Arm => "arm",
            SiteKind::Limit => "limit",
        }
    }
}

/// One state of a site that a test can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reach {
    /// A rule fired.
    Fired,
    /// A level authorised the application (approved or referred on its authority).
    Authorises,
    /// The application's own level could not authorise it and escalated.
    Escalates,
    /// A bin or arm was the one that matched.
    Taken,
    /// A credit limit's line was below the requested amount (a counter-offer,
    /// or a decline below its floor).
    Cut,
    /// A credit limit's line held the requested amount.
    NotCut,
}

impl Reach {
    /// The word for it in reports and JSON: `fired`, `authorises`, `escalates`, `taken`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Fired => "fired",
            Reach::Authorises => "authorises",
            Reach::Escalates => "escalates",
            Reach::Taken => "taken",
            Reach::Cut => "cut",
            Reach::NotCut => "not_cut",
        }
    }

    /// What a report says of a state no test reached: `never fired`.
    pub fn never(self) -> &'static str {
        match self {
            Reach::Fired => "never fired",
            Reach::Authorises => "never authorised",
            Reach::Escalates => "never escalated",
            Reach::Taken => "never taken",
            Reach::Cut => "never cut",
            Reach::NotCut => "never passed uncut",
        }
    }
}

/// A place in the policy and how many tests reached each of its states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub kind: SiteKind,
    /// A rule's code, a level's name, a bin as `app_score.S01 < 25`, an arm
    /// as what holds its table and its patterns (`grade: 600 ..< 660`).
    pub name: String,
    /// The declaration (a rule, a `level` block, a bin or arm).
    pub span: Span,
    /// The states to reach, in report order, with how many tests reached each.
    pub states: Vec<(Reach, usize)>,
}

impl Site {
    fn new(kind: SiteKind, name: &str, span: Span, states: &[Reach]) -> Site {
        Site { kind, name: name.to_string(), span, states: states.iter().map(|&r| (r, 0)).collect() }
    }

    /// Whether every state was reached by some test.
    pub fn is_covered(&self) -> bool {
        self.states.iter().all(|(_, n)| *n > 0)
    }

    /// How many tests reached `reach` (`None`: the site has no such state).
    pub fn count(&self, reach: Reach) -> Option<usize> {
        self.states.iter().find(|(r, _)| *r == reach).map(|(_, n)| *n)
    }

    /// The states no test reached.
    pub fn missed(&self) -> impl Iterator<Item = Reach> + '_ {
        self.states.iter().filter(|(_, n)| *n == 0).map(|(r, _)| *r)
    }
}

/// Where each kind's sites start in [`Coverage::sites`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteIndex {
    /// Rule `i` (into `Program::rules`) is site `rules + i`.
    pub rules: usize,
    /// Level `l` (a variant of the levels' enum) is site `levels + l`.
    pub levels: usize,
    /// Credit limit `i` (into `Program::credit_limits`) is site `credit_limits + i`.
    pub credit_limits: usize,
    /// Arm `a` of the table (a bin's characteristic or a `match`) at this span is site `tables[span] + a`.
    pub tables: HashMap<Span, usize>,
}

/// Every site of a program, with counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Rules (by code), then levels (in the enum's order).
    pub sites: Vec<Site>,
    pub index: SiteIndex,
}

impl Coverage {
    /// The registry: every site of `program`, none reached yet.
    pub fn of(program: &Program) -> Coverage {
        let mut sites = Vec::with_capacity(program.rules.len());
        let rules = sites.len();
        sites.extend(program.rules.iter().map(|r| Site::new(SiteKind::Rule, &r.code, r.span, &[Reach::Fired])));
        let levels = sites.len();
        for level in program.authority.iter().flat_map(|a| a.levels.iter()) {
            // the root is only escalated to, never from
            let states: &[Reach] =
                if level.parent.is_none() { &[Reach::Authorises] } else { &[Reach::Authorises, Reach::Escalates] };
            sites.push(Site::new(SiteKind::Level, &level.name, level.span, states));
        }
        let credit_limits = sites.len();
        sites.extend(
            program
                .credit_limits
                .iter()
                .map(|l| Site::new(SiteKind::Limit, &l.code, l.span, &[Reach::Cut, Reach::NotCut])),
        );
        let mut tables = HashMap::new();
        // a scorecard's bins are the arms of each characteristic's table
        for card in &program.scorecards {
            for c in &card.characteristics {
                let Some(points) = program.lets.get(c.points.0 as usize) else { continue };
                for table in tables_in(&points.expr) {
                    let ExprKind::Match(t) = &table.kind else { continue };
                    tables.entry(table.span).or_insert(sites.len());
                    for arm in &t.arms {
                        let name = format!("{}.{} {}", card.name, c.reason, arm.text);
                        sites.push(Site::new(SiteKind::Bin, &name, arm.span, &[Reach::Taken]));
                    }
                }
            }
        }
        // every other table's arms, named by what holds the table
        let lets = program.lets.iter().map(|l| (l.name.as_str(), &l.expr));
        let conditions = program.rules.iter().map(|r| (r.code.as_str(), &r.condition));
        let authority = program.authority.iter().flat_map(|a| {
            let limits = a.levels.iter().flat_map(|l| l.limits.iter().map(|e| (l.name.as_str(), e)));
            std::iter::once(("authority", &a.over)).chain(limits)
        });
        for (owner, root) in lets.chain(conditions).chain(authority) {
            for table in tables_in(root) {
                let ExprKind::Match(t) = &table.kind else { continue };
                if tables.contains_key(&table.span) {
                    continue;
                }
                tables.insert(table.span, sites.len());
                for arm in &t.arms {
                    let name = format!("{owner}: {}", arm.text);
                    sites.push(Site::new(SiteKind::Arm, &name, arm.span, &[Reach::Taken]));
                }
            }
        }
        Coverage { sites, index: SiteIndex { rules, levels, credit_limits, tables } }
    }

    /// One more test reached `reach` of site `site` (nothing if it has no such state).
    pub fn hit(&mut self, site: usize, reach: Reach) {
        if let Some((_, n)) = self.sites.get_mut(site).and_then(|s| s.states.iter_mut().find(|(r, _)| *r == reach)) {
            *n += 1;
        }
    }

    /// What one test's decision reached of the authority: the level that
    /// authorised it, and whether its own level escalated. A declined or failed
    /// application was authorised by nobody.
    pub fn count_decision(&mut self, decision: &Decision) {
        let went_through = matches!(decision.outcome, Outcome::Approve { .. } | Outcome::Refer { .. });
        let Some(walk) = decision.authority.as_ref().filter(|_| went_through) else { return };
        if let Some(level) = walk.authorised_by {
            self.hit(self.index.levels + level as usize, Reach::Authorises);
        }
        if walk.authorised_by != Some(walk.own) {
            self.hit(self.index.levels + walk.own as usize, Reach::Escalates);
        }
    }

    /// (states reached, states): a site with two states counts twice.
    pub fn totals(&self) -> (usize, usize) {
        let states = self.sites.iter().flat_map(|s| &s.states);
        let total = states.clone().count();
        (states.filter(|(_, n)| *n > 0).count(), total)
    }

    /// The share of states reached, in percent (100 when there is nothing to reach).
    pub fn percent(&self) -> f64 {
        match self.totals() {
            (_, 0) => 100.0,
            (covered, total) => covered as f64 * 100.0 / total as f64,
        }
    }

    /// The sites some state of which no test reached, in site order.
    pub fn not_reached(&self) -> impl Iterator<Item = &Site> {
        self.sites.iter().filter(|s| !s.is_covered())
    }
}

/// The `match` tables in `root`, outermost first (a let's table is found under
/// the let that holds it, not under every expression that reads the let).
fn tables_in(root: &Expr) -> Vec<&Expr> {
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(e) = stack.pop() {
        if matches!(e.kind, ExprKind::Match(_)) {
            found.push(e);
        }
        // children pushed in reverse, so they are visited in order
        let children: Vec<&Expr> = e.children().collect();
        stack.extend(children.into_iter().rev());
    }
    found
}

/// Counts, while one test is evaluated, what it reached: the rules that fired,
/// the bins and arms taken.
pub struct CoverageObserver<'a> {
    pub coverage: &'a mut Coverage,
}

impl Observer for CoverageObserver<'_> {
    const VALUES: bool = false;

    fn rule_end(&mut self, index: usize, fired: Option<bool>) {
        if fired == Some(true) {
            let site = self.coverage.index.rules + index;
            self.coverage.hit(site, Reach::Fired);
        }
    }

    fn credit_limit(&mut self, index: usize, effect: LimitEffect, _line: &rust_decimal::Decimal) {
        let reach = match effect {
            LimitEffect::NotCut => Reach::NotCut,
            LimitEffect::Cut | LimitEffect::Declined => Reach::Cut,
        };
        let site = self.coverage.index.credit_limits + index;
        self.coverage.hit(site, reach);
    }

    fn arm(&mut self, table: &Expr, arm: usize, _values: &[&Value]) {
        if let Some(&first) = self.coverage.index.tables.get(&table.span) {
            self.coverage.hit(first + arm, Reach::Taken);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::testing::run_tests;
    use crate::{MemoryLoader, Policy};

    const POLICY: &str = r#"
policy p version "1"
enum Level { branch, head }
record A { id: String, age: Int, amount: Money, level: Level }
input a: A
rule A01 decline when a.age < 18
rule A02 decline when a.age > 99
authority over a.level escalate E01 {
  level branch { a.amount <= 100 CNY }
  level head above branch { a.amount <= 1_000 CNY }
}
fixture ok = { id: "x", age: 30, amount: 50 CNY, level: branch }
test "approved" { given a = ok as_of 2026-01-01 expect approve at branch }
test "escalated" { given a = ok with { amount: 500 CNY } as_of 2026-01-01 expect refer to head }
test "minor" { given a = ok with { age: 17 } as_of 2026-01-01 expect decline [A01] }
test "declined at the root authorises nobody" {
  given a = ok with { amount: 5_000 CNY } as_of 2026-01-01 expect decline [E01]
}
"#;

    fn coverage() -> Coverage {
        let policy = Policy::from_source("p.pol", POLICY, &MemoryLoader::new());
        let Ok(policy) = policy else { panic!("compiles") };
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let report = run_tests(&policy, as_of);
        assert_eq!(report.failed(), 0, "{:?}", report.results);
        report.coverage
    }

    #[test]
    fn every_rule_and_level_is_a_site_with_its_states_counted() {
        let coverage = coverage();
        type Shown<'a> = (SiteKind, &'a str, Vec<(Reach, usize)>);
        let shown: Vec<Shown<'_>> =
            coverage.sites.iter().map(|s| (s.kind, s.name.as_str(), s.states.clone())).collect();
        assert_eq!(
            shown,
            [
                (SiteKind::Rule, "A01", vec![(Reach::Fired, 1)]),
                (SiteKind::Rule, "A02", vec![(Reach::Fired, 0)]),
                (SiteKind::Level, "branch", vec![(Reach::Authorises, 1), (Reach::Escalates, 1)]),
                (SiteKind::Level, "head", vec![(Reach::Authorises, 1)]),
            ]
        );
        assert_eq!(coverage.totals(), (4, 5));
        assert_eq!(coverage.percent(), 80.0);
        let missed: Vec<(&str, Vec<Reach>)> =
            coverage.not_reached().map(|s| (s.name.as_str(), s.missed().collect())).collect();
        assert_eq!(missed, [("A02", vec![Reach::Fired])]);
    }

    const TABLES: &str = r#"
policy p version "1"
enum Product { car, home }
enum Level { branch }
record A { id: String, age: Int, product: Product, level: Level }
input a: A
scorecard s base 500 reasons 1 {
  characteristic a.age reason S01 baseline 30 {
    < 30  => 10
    >= 30 => 30
  }
}
let grade = match a.product { car => 1, home => 2 }
rule R01 refer when s < 520
rule R02 decline when grade > 1 and a.age > 90
rule R03 decline when a.age > 150 and match a.product { car => true, home => false }
authority over a.level escalate E01 {
  level branch { a.age <= 200 }
}
fixture ok = { id: "x", age: 40, product: car, level: branch }
test "old enough" { given a = ok as_of 2026-01-01 expect approve at branch }
test "young" { given a = ok with { age: 20 } as_of 2026-01-01 expect refer to branch [R01] }
"#;

    #[test]
    fn scorecard_bins_and_match_arms_are_sites_taken_by_the_tests() {
        let policy = Policy::from_source("p.pol", TABLES, &MemoryLoader::new());
        let Ok(policy) = policy else { panic!("compiles") };
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let report = run_tests(&policy, as_of);
        assert_eq!(report.failed(), 0, "{:?}", report.results);
        type Shown<'a> = (SiteKind, &'a str, Vec<(Reach, usize)>);
        let shown: Vec<Shown<'_>> = report
            .coverage
            .sites
            .iter()
            .filter(|s| matches!(s.kind, SiteKind::Bin | SiteKind::Arm))
            .map(|s| (s.kind, s.name.as_str(), s.states.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                // each test's record falls in one bin of each characteristic
                (SiteKind::Bin, "s.S01 < 30", vec![(Reach::Taken, 1)]),
                (SiteKind::Bin, "s.S01 >= 30", vec![(Reach::Taken, 1)]),
                // `grade` is read by every test (R02 reads it first), always for a car
                (SiteKind::Arm, "grade: car", vec![(Reach::Taken, 2)]),
                (SiteKind::Arm, "grade: home", vec![(Reach::Taken, 0)]),
                // R03's table is never reached: `a.age > 150` is false first
                (SiteKind::Arm, "R03: car", vec![(Reach::Taken, 0)]),
                (SiteKind::Arm, "R03: home", vec![(Reach::Taken, 0)]),
            ]
        );
        let missed: Vec<&str> = report.coverage.not_reached().map(|s| s.name.as_str()).collect();
        assert_eq!(missed, ["R02", "R03", "grade: home", "R03: car", "R03: home"]);
        let index = &report.coverage.index;
        assert_eq!(index.tables.len(), 3, "the characteristic's table, grade's and R03's");
    }

    const LIMITS: &str = r#"
policy p version "1"
record A { id: String, revenue: Money, amount: Money }
input a: A
limit L01 "line" a.amount <= a.revenue * 30% floor 100 CNY
limit L02 "cap" a.amount <= 10_000 CNY
fixture ok = { id: "x", revenue: 10_000 CNY, amount: 1_000 CNY }
test "within both" { given a = ok as_of 2026-01-01 expect approve }
test "cut to the line" { given a = ok with { amount: 5_000 CNY } as_of 2026-01-01 expect approve }
test "below the floor" { given a = ok with { revenue: 100 CNY } as_of 2026-01-01 expect decline [L01] }
"#;

    #[test]
    fn a_credit_limit_is_a_site_to_cut_and_to_pass_uncut() {
        let policy = Policy::from_source("p.pol", LIMITS, &MemoryLoader::new());
        let Ok(policy) = policy else { panic!("compiles") };
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let report = run_tests(&policy, as_of);
        assert_eq!(report.failed(), 0, "{:?}", report.results);
        let shown: Vec<(&str, Vec<(Reach, usize)>)> = report
            .coverage
            .sites
            .iter()
            .filter(|s| s.kind == SiteKind::Limit)
            .map(|s| (s.name.as_str(), s.states.clone()))
            .collect();
        assert_eq!(
            shown,
            [
                // cut by the second test (a counter-offer) and the third (a decline below the floor)
                ("L01", vec![(Reach::Cut, 2), (Reach::NotCut, 1)]),
                // no test asks for more than 10,000
                ("L02", vec![(Reach::Cut, 0), (Reach::NotCut, 3)]),
            ]
        );
        let missed: Vec<&str> = report.coverage.not_reached().map(|s| s.name.as_str()).collect();
        assert_eq!(missed, ["L02"]);
    }

    #[test]
    fn a_program_without_sites_is_fully_covered() {
        assert_eq!(Coverage::default().percent(), 100.0);
        assert_eq!(Coverage::default().totals(), (0, 0));
    }
}
