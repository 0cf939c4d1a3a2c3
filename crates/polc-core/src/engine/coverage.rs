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
//! To add a kind of site (match arms, scorecard bins, limits): a [`SiteKind`]
//! variant, its [`Reach`] states, the sites pushed in [`Coverage::of`] with an
//! offset kept in [`SiteIndex`], and a hook (an [`Observer`] method called by the
//! evaluator, or the decision) that calls [`Coverage::hit`].

use crate::base::source::Span;
use crate::eval::{Decision, Observer, Outcome};
use crate::ir::Program;

/// What a coverage site is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SiteKind {
    /// A rule: it should fire in some test.
    Rule,
    /// An authority level: it should authorise some test, and (unless it is the
    /// root) escalate some test to the level above.
    Level,
}

impl SiteKind {
    /// The word for it in reports: `rule`, `level`.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Rule => "rule",
            SiteKind::Level => "level",
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
}

impl Reach {
    /// The word for it in reports and JSON: `fired`, `authorises`, `escalates`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Fired => "fired",
            Reach::Authorises => "authorises",
            Reach::Escalates => "escalates",
        }
    }

    /// What a report says of a state no test reached: `never fired`.
    pub fn never(self) -> &'static str {
        match self {
            Reach::Fired => "never fired",
            Reach::Authorises => "never authorised",
            Reach::Escalates => "never escalated",
        }
    }
}

/// A place in the policy and how many tests reached each of its states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub kind: SiteKind,
    /// A rule's code, a level's name.
    pub name: String,
    /// The declaration (a rule, a `level` block).
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SiteIndex {
    /// Rule `i` (into `Program::rules`) is site `rules + i`.
    pub rules: usize,
    /// Level `l` (a variant of the levels' enum) is site `levels + l`.
    pub levels: usize,
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
        Coverage { sites, index: SiteIndex { rules, levels } }
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

/// Counts, while one test is evaluated, what it reached: the rules that fired.
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

    #[test]
    fn a_program_without_sites_is_fully_covered() {
        assert_eq!(Coverage::default().percent(), 100.0);
        assert_eq!(Coverage::default().totals(), (0, 0));
    }
}
