//! The decision of §5 for one record: every rule runs, declines win over refers,
//! refers go to the level nearest the root, a run-time fault makes the decision
//! `error` (never `approve`).

use super::compiled::{Frame, ScoredPoints};
use super::limits::{self, Applied, LimitEffect, LimitLines, Offer};
use super::{BoundLists, EvalError, Evaluator, Executable, Fault, LetSlot, LetSlots, Observer};
use crate::base::source::Span;
use crate::ir::{LetId, Program, RuleOutcome};
use crate::syntax::ast::Trigger;
use crate::value::Value;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use smallvec::SmallVec;

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `level`: the authority level that authorised it (when there is an authority block).
    Approve {
        level: Option<u32>,
    },
    /// `to`: the level referred to (none for a plain `refer` without authority).
    Refer {
        to: Option<u32>,
    },
    Decline,
    /// A rule (or the authority) failed at run time.
    Error {
        code: String,
        message: String,
        span: Span,
    },
}

/// A decision: its outcome and its reasons as indices into [`Program::codes`], sorted.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Approve, refer, decline or error.
    pub outcome: Outcome,
    /// The reasons, as indices into the program's sorted reason codes.
    pub reasons: Vec<u32>,
    /// The authority walk, when the policy has an authority block and it ran.
    pub authority: Option<AuthorityWalk>,
    /// The counter-offer of the credit limits (§12), on approve and refer only.
    pub offer: Option<Offer>,
    /// Each output's value (§13), parallel to `Program::outputs`; empty on error.
    pub outputs: Vec<Value>,
    /// The scorecards the policy reports (`Program::reported_scores`), sorted
    /// by name; empty for an error. Held inline for one scorecard (no
    /// allocation a decision); more spill to the heap.
    pub scores: Scores,
}

/// A decision's scores: one inline, more on the heap.
pub type Scores = SmallVec<[ScoreResult; 1]>;

/// A scorecard's points by characteristic: up to 16 inline, more on the heap.
pub type Points = SmallVec<[i64; 16]>;

/// One scorecard's result for a decided record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreResult {
    /// Index into `Program::scorecards`.
    pub card: usize,
    pub score: i64,
    /// Each characteristic's points, in declaration order.
    pub points: Points,
}

/// Where the application came from and which level (if any) authorised it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthorityWalk {
    /// The level the application came from.
    pub own: u32,
    /// The level that authorised it (`None`: not even the root did).
    pub authorised_by: Option<u32>,
}

/// Buffers reused from one record to the next so evaluation does not allocate.
#[derive(Debug, Default)]
pub struct Scratch {
    lets: LetSlots,
    /// Scorecard characteristics' points (the compiled scores'; `Frame::scored`).
    scored: ScoredPoints,
    locals: Vec<Value>,
    declines: Vec<u32>,
    refers: Vec<(u32, Option<u32>)>,
    /// The fired declines that an exception may override (§15): code, level.
    exceptions: Vec<(u32, u32)>,
}

/// Decides one record, with the program's compiled conditions (the fast path).
pub fn decide(
    executable: &Executable,
    lists: &BoundLists,
    input: &Value,
    as_of: NaiveDate,
    scratch: &mut Scratch,
) -> Decision {
    let program = executable.program();
    let Scratch { lets, scored, locals, declines, refers, exceptions } = scratch;
    lets.reset(program.lets.len());
    let code = executable.compiled();
    scored.reset(code);
    let applied = if program.credit_limits.is_empty() {
        Applied::default()
    } else {
        let (lets, scored, locals) = (&mut *lets, &mut *scored, &mut *locals);
        let mut frame =
            Frame { program, code, input, requested: input, as_of, lists, lets, scored, locals, fault: None };
        match limits::apply(program, &mut CompiledConditions { frame: &mut frame }, input, as_of) {
            Ok(applied) => applied,
            Err((code, fault)) => return error(&code, &fault),
        }
    };
    let offered = limits::offered_input(program, input, &applied);
    let seen = offered.as_ref().unwrap_or(input);
    let mut frame =
        Frame { program, code, input: seen, requested: input, as_of, lists, lets, scored, locals, fault: None };
    let mut conditions = CompiledConditions { frame: &mut frame };
    settle(program, &mut conditions, Fired { declines, refers, exceptions }, applied, as_of)
}

/// Decides one record with the tree interpreter, telling `observer` what happens:
/// each rule's code index and whether it fired, each limit tested.
pub fn decide_traced<O: Observer>(
    program: &Program,
    lists: &BoundLists,
    input: &Value,
    as_of: NaiveDate,
    scratch: &mut Scratch,
    observer: &mut O,
) -> Decision {
    let Scratch { lets, locals, declines, refers, exceptions, .. } = scratch;
    lets.reset(program.lets.len());
    let applied = if program.credit_limits.is_empty() {
        Applied::default()
    } else {
        let (lets, locals, observer) = (&mut *lets, &mut *locals, &mut *observer);
        let evaluator =
            Evaluator { program: Some(program), input, requested: input, as_of, lists, lets, locals, observer };
        match limits::apply(program, &mut Interpreted { program, evaluator }, input, as_of) {
            Ok(applied) => applied,
            Err((code, fault)) => return error(&code, &fault),
        }
    };
    let offered = limits::offered_input(program, input, &applied);
    let seen = offered.as_ref().unwrap_or(input);
    let evaluator =
        Evaluator { program: Some(program), input: seen, requested: input, as_of, lists, lets, locals, observer };
    let fired = Fired { declines, refers, exceptions };
    settle(program, &mut Interpreted { program, evaluator }, fired, applied, as_of)
}

/// How a decision's conditions are evaluated: by the tree interpreter (with an
/// observer) or by the compiled closures. `settle` is the same for both.
trait Conditions {
    /// Whether rule `index`'s condition holds.
    fn rule(&mut self, index: usize) -> Result<bool, Fault>;
    /// The level the application comes from (`None`: missing).
    fn own_level(&mut self) -> Result<Option<u32>, Fault>;
    /// Whether limit `index` of `level` holds.
    fn limit(&mut self, level: u32, index: usize) -> Result<bool, Fault>;
    /// The value of output `index`.
    fn output(&mut self, index: usize) -> Result<Value, Fault>;
    /// The value of let `id` (a scorecard's score or a characteristic's points).
    fn let_value(&mut self, id: LetId) -> Result<Value, Fault>;
    /// Rule `index` is out of force on `as_of` (§15): it was not evaluated.
    fn out_of_force(&mut self, _index: usize) {}
    /// The Int in let `id` (0 when it holds no Int): a score or a characteristic's points.
    fn int_let(&mut self, id: LetId) -> Result<i64, Fault> {
        self.let_value(id).map(|v| match v {
            Value::Int(i) => i,
            _ => 0,
        })
    }
    /// Every characteristic's points of scorecard `card`, in order, when its
    /// compiled score computed them in this decision (else read each let).
    fn scored_points(&self, _card: usize) -> Option<&[i64]> {
        None
    }
}

struct Interpreted<'a, O: Observer> {
    program: &'a Program,
    evaluator: Evaluator<'a, O>,
}

impl<O: Observer> Conditions for Interpreted<'_, O> {
    fn rule(&mut self, index: usize) -> Result<bool, Fault> {
        let Some(rule) = self.program.rules.get(index) else {
            return Ok(false);
        };
        self.evaluator.observer.rule_start(index);
        let holds = self.evaluator.eval_bool(&rule.condition);
        let fired = holds.as_ref().ok().map(|&h| h == (rule.trigger == Trigger::When));
        self.evaluator.observer.rule_end(index, fired);
        holds
    }

    fn out_of_force(&mut self, index: usize) {
        self.evaluator.observer.rule_out_of_force(index);
    }

    fn own_level(&mut self) -> Result<Option<u32>, Fault> {
        let Some(authority) = &self.program.authority else {
            return Ok(None);
        };
        Ok(match *self.evaluator.eval(&authority.over)? {
            Value::Enum(v) => Some(v),
            _ => None,
        })
    }

    fn limit(&mut self, level: u32, index: usize) -> Result<bool, Fault> {
        let limit = self.program.authority.as_ref().and_then(|a| a.levels.get(level as usize)?.limits.get(index));
        let Some(limit) = limit else {
            return Ok(true);
        };
        let held = self.evaluator.eval_bool(limit)?;
        self.evaluator.observer.limit(level, index, held);
        Ok(held)
    }

    fn let_value(&mut self, id: LetId) -> Result<Value, Fault> {
        let span = self.program.lets.get(id.0 as usize).map(|l| l.span).unwrap_or_default();
        self.evaluator.let_value(id.0 as usize, span)
    }

    fn output(&mut self, index: usize) -> Result<Value, Fault> {
        let Some(output) = self.program.outputs.get(index) else {
            return Ok(Value::None);
        };
        self.evaluator.observer.output_start(index);
        self.evaluator.eval(&output.expr).map(std::borrow::Cow::into_owned)
    }
}

impl<O: Observer> LimitLines for Interpreted<'_, O> {
    fn line(&mut self, index: usize) -> Result<Option<Decimal>, Fault> {
        match self.program.credit_limits.get(index) {
            Some(limit) => self.evaluator.eval(&limit.line).map(|v| amount(&v)),
            None => Ok(None),
        }
    }

    fn floor(&mut self, index: usize) -> Result<Option<Decimal>, Fault> {
        match self.program.credit_limits.get(index).and_then(|l| l.floor.as_ref()) {
            Some(floor) => self.evaluator.eval(floor).map(|v| amount(&v)),
            None => Ok(None),
        }
    }

    fn effect(&mut self, index: usize, effect: LimitEffect, amounts: &limits::Amounts) {
        self.evaluator.observer.credit_limit_amounts(index, amounts);
        self.evaluator.observer.credit_limit(index, effect, &amounts.line);
    }
}

struct CompiledConditions<'f, 'r> {
    frame: &'f mut Frame<'r>,
}

impl CompiledConditions<'_, '_> {
    fn outcome<T>(&mut self, value: T) -> Result<T, Fault> {
        match self.frame.fault.take() {
            Some(f) => Err(f),
            None => Ok(value),
        }
    }
}

impl Conditions for CompiledConditions<'_, '_> {
    fn rule(&mut self, index: usize) -> Result<bool, Fault> {
        let code = self.frame.code;
        let holds = code.rules.get(index).is_some_and(|condition| condition(self.frame));
        self.outcome(holds)
    }

    fn own_level(&mut self) -> Result<Option<u32>, Fault> {
        let code = self.frame.code;
        let level = code.over.as_ref().and_then(|over| match *over.read(self.frame) {
            Value::Enum(v) => Some(v),
            _ => None,
        });
        self.outcome(level)
    }

    fn limit(&mut self, level: u32, index: usize) -> Result<bool, Fault> {
        let code = self.frame.code;
        let held = code.limits.get(level as usize).and_then(|l| l.get(index)).is_none_or(|limit| limit(self.frame));
        self.outcome(held)
    }

    fn let_value(&mut self, id: LetId) -> Result<Value, Fault> {
        let value = self.frame.let_slot(id.0).cloned().unwrap_or(Value::None);
        self.outcome(value)
    }

    fn int_let(&mut self, id: LetId) -> Result<i64, Fault> {
        // already computed (the score computed its characteristics): read in place
        if let (Some(LetSlot::Done(Value::Int(i))), None) = (self.frame.lets.get(id.0 as usize), &self.frame.fault) {
            return Ok(*i);
        }
        let value = self.frame.let_slot(id.0).map_or(0, |v| match v {
            Value::Int(i) => *i,
            _ => 0,
        });
        self.outcome(value)
    }

    fn scored_points(&self, card: usize) -> Option<&[i64]> {
        // the compiled score keeps its characteristics' points in the frame's
        // typed array, their lets empty; a score the interpreter computed, in them
        let bit = 1u64.checked_shl(u32::try_from(card).ok()?)?;
        if self.frame.scored.complete & bit == 0 {
            return None;
        }
        let start = *self.frame.code.points_at.get(card)?;
        let len = self.frame.program.scorecards.get(card)?.characteristics.len();
        self.frame.scored.points.get(start..start + len)
    }

    fn output(&mut self, index: usize) -> Result<Value, Fault> {
        let code = self.frame.code;
        let value = code.outputs.get(index).map_or(Value::None, |output| output(self.frame));
        self.outcome(value)
    }
}

impl LimitLines for CompiledConditions<'_, '_> {
    fn line(&mut self, index: usize) -> Result<Option<Decimal>, Fault> {
        let code = self.frame.code;
        let amount = code.credit_lines.get(index).and_then(|line| line(self.frame));
        self.outcome(amount)
    }

    fn floor(&mut self, index: usize) -> Result<Option<Decimal>, Fault> {
        let code = self.frame.code;
        let amount = code.credit_floors.get(index).and_then(Option::as_ref).and_then(|f| f(self.frame));
        self.outcome(amount)
    }
}

/// A line's or a floor's value as an amount (`None`: not one).
fn amount(v: &Value) -> Option<Decimal> {
    match v {
        Value::Dec(d) => Some(*d),
        _ => None,
    }
}

/// The fired rules' codes, in buffers reused from one record to the next.
struct Fired<'s> {
    /// Declines no exception can override (rules, credit limits, the authority's root).
    declines: &'s mut Vec<u32>,
    /// Refers: code and `refer to` level.
    refers: &'s mut Vec<(u32, Option<u32>)>,
    /// Overridable declines (§15): code and the level that may grant the exception.
    exceptions: &'s mut Vec<(u32, u32)>,
}

/// Runs every rule and the authority walk, and settles the outcome (§5, §6).
fn settle(
    program: &Program,
    conditions: &mut impl Conditions,
    fired: Fired<'_>,
    applied: Applied,
    as_of: NaiveDate,
) -> Decision {
    let mut decision = settle_rules(program, conditions, fired, applied.declines, as_of);
    if matches!(decision.outcome, Outcome::Error { .. }) {
        return decision;
    }
    if matches!(decision.outcome, Outcome::Approve { .. } | Outcome::Refer { .. }) {
        decision.offer = applied.offer;
    }
    // outputs only for a decided record; a failure makes it `error`
    let mut outputs = Vec::with_capacity(program.outputs.len());
    for (index, output) in program.outputs.iter().enumerate() {
        match conditions.output(index) {
            Ok(value) => outputs.push(value),
            Err(err) => return error(&output.name, &err),
        }
    }
    decision.outputs = outputs;
    decision
}

/// Runs every rule and the authority walk (§5, §6), with the credit limits'
/// declines (`limit_declines`) already known.
fn settle_rules(
    program: &Program,
    conditions: &mut impl Conditions,
    fired: Fired<'_>,
    limit_declines: Vec<u32>,
    as_of: NaiveDate,
) -> Decision {
    let Fired { declines, refers, exceptions } = fired;
    declines.clear();
    refers.clear();
    exceptions.clear();
    declines.extend(limit_declines);
    for (index, rule) in program.rules.iter().enumerate() {
        if !crate::ir::in_force(rule.effective.as_ref(), as_of) {
            conditions.out_of_force(index);
            continue;
        }
        let holds = match conditions.rule(index) {
            Ok(b) => b,
            Err(err) => return error(&rule.code, &err),
        };
        if holds == (rule.trigger == Trigger::When) {
            let code = program.rule_codes.get(index).copied().unwrap_or(0);
            match (&rule.outcome, rule.overridable) {
                (RuleOutcome::Decline, Some(level)) => exceptions.push((code, level)),
                (RuleOutcome::Decline, None) => declines.push(code),
                (RuleOutcome::Refer(to), _) => refers.push((code, *to)),
            }
        }
    }
    let mut own_level = None;
    let mut escalation = None;
    let mut escalation_codes: Vec<u32> = Vec::new();
    let mut walk = None;
    if let Some(authority) = &program.authority {
        let own = match conditions.own_level() {
            Ok(Some(v)) => v,
            Ok(None) => return error(&authority.escalate, &super::fault("the level is missing", authority.over.span)),
            Err(err) => return error(&authority.escalate, &err),
        };
        own_level = Some(own);
        let mut level = Some(own);
        let mut authorised_by = None;
        // the codes of the limits that failed at the own level (§14), then at the root
        let mut own_failures: Vec<u32> = Vec::new();
        let mut root_failures: Vec<u32> = Vec::new();
        while let Some(l) = level {
            let Some(def) = authority.levels.get(l as usize) else {
                break;
            };
            // the own level and the root name what failed; with one code for all
            // their limits the first failure says it, with several every limit runs
            let naming = l == own || def.parent.is_none();
            let failures = match failed_limits(conditions, l, def, naming) {
                Ok(failures) => failures,
                Err(err) => return error(&authority.escalate, &err),
            };
            if failures.is_empty() {
                authorised_by = Some(l);
                break;
            }
            if l == own {
                own_failures.clone_from(&failures);
            }
            if def.parent.is_none() {
                root_failures = failures;
            }
            level = def.parent;
        }
        walk = Some(AuthorityWalk { own, authorised_by });
        match authorised_by {
            Some(l) if l == own => {}
            Some(l) => {
                escalation = Some(l);
                escalation_codes = own_failures;
            }
            None => declines.extend(root_failures),
        }
    }
    let mut scores = Scores::new();
    if let Err((name, err)) = fill_scores(program, conditions, &mut scores) {
        return error(name, &err);
    }
    if !declines.is_empty() {
        // an exception cannot lift another decline: every fired decline is a reason
        let mut reasons = declines.clone();
        reasons.extend(exceptions.iter().map(|(code, _)| *code));
        reasons.sort_unstable();
        reasons.dedup();
        return Decision {
            outcome: Outcome::Decline,
            reasons,
            authority: walk,
            scores,
            offer: None,
            outputs: Vec::new(),
        };
    }
    // only overridable declines fired: referred to (at least) the level that may grant the exception
    refers.extend(exceptions.iter().map(|&(code, level)| (code, Some(level))));
    if refers.is_empty() && escalation.is_none() {
        return Decision {
            outcome: Outcome::Approve { level: own_level },
            reasons: Vec::new(),
            authority: walk,
            scores,
            offer: None,
            outputs: Vec::new(),
        };
    }
    let depth = |level: u32| {
        program.authority.as_ref().and_then(|a| a.levels.get(level as usize)).map_or(u32::MAX, |l| l.depth)
    };
    // the level nearest the root; on a tie the escalation level
    let mut to = escalation;
    for &(_, target) in refers.iter() {
        let candidate = referral_level(program, target, own_level);
        to = match (to, candidate) {
            (None, c) => c,
            (Some(t), Some(c)) if depth(c) < depth(t) => Some(c),
            (t, _) => t,
        };
    }
    let mut reasons: Vec<u32> = refers.iter().map(|(code, _)| *code).collect();
    if escalation.is_some() {
        reasons.extend(escalation_codes);
    }
    reasons.sort_unstable();
    reasons.dedup();
    Decision { outcome: Outcome::Refer { to }, reasons, authority: walk, scores, offer: None, outputs: Vec::new() }
}

/// The codes (indices into `Program::codes`) of the limits of `level` that
/// fail, sorted and each once; empty when all hold. Unless `naming` asks for
/// every failing limit of a level whose limits carry several codes, it stops
/// at the first failure.
fn failed_limits(
    conditions: &mut impl Conditions,
    level: u32,
    def: &crate::ir::Level,
    naming: bool,
) -> Result<Vec<u32>, Fault> {
    let mut failures = Vec::new();
    for index in 0..def.limits.len() {
        if !conditions.limit(level, index)? {
            let code = def.limit_codes.get(index).copied().unwrap_or(0);
            if !failures.contains(&code) {
                failures.push(code);
            }
            if !(naming && def.mixed_codes) {
                break;
            }
        }
    }
    failures.sort_unstable();
    Ok(failures)
}

/// Where a refer rule sends the application (§5): `refer` to its own level;
/// `refer to LEVEL` at least to LEVEL — to its own level when that is LEVEL or
/// above it in the tree (never down), otherwise to LEVEL.
fn referral_level(program: &Program, target: Option<u32>, own: Option<u32>) -> Option<u32> {
    let (Some(target), Some(own)) = (target, own) else {
        return target.or(own);
    };
    let levels = program.authority.as_ref().map_or(&[][..], |a| a.levels.as_slice());
    // walk up from LEVEL: meeting the own level means it is at or above LEVEL
    let mut at = Some(target);
    for _ in 0..=levels.len() {
        match at {
            Some(l) if l == own => return Some(own),
            Some(l) => at = levels.get(l as usize).and_then(|def| def.parent),
            None => break,
        }
    }
    Some(target)
}

/// The scores a decided record carries: every reported scorecard, computed
/// (once: its lets are kept) even where the rules did not need it. A fault
/// computing one is the decision's, under the scorecard's name.
fn fill_scores<'p>(
    program: &'p Program,
    conditions: &mut impl Conditions,
    out: &mut Scores,
) -> Result<(), (&'p str, Fault)> {
    for &card in &program.reported_scores {
        let Some(def) = program.scorecards.get(card) else { continue };
        let score = conditions.int_let(def.total).map_err(|f| (def.name.as_str(), f))?;
        // (the score computed first: it is what completes the compiled points)
        match conditions.scored_points(card) {
            // written in place: no `Points` built and then moved in
            Some(points) => {
                out.push(ScoreResult { card, score, points: Points::new() });
                if let Some(result) = out.last_mut() {
                    result.points.extend_from_slice(points);
                }
            }
            None => {
                let mut points = Points::new();
                for c in &def.characteristics {
                    points.push(conditions.int_let(c.points).map_err(|f| (def.name.as_str(), f))?);
                }
                out.push(ScoreResult { card, score, points });
            }
        }
    }
    Ok(())
}

fn error(code: &str, err: &EvalError) -> Decision {
    Decision {
        outcome: Outcome::Error { code: code.to_string(), message: err.message.clone(), span: err.span },
        reasons: Vec::new(),
        authority: None,
        scores: Scores::new(),
        offer: None,
        outputs: Vec::new(),
    }
}
