//! The decision of §5 for one record: every rule runs, declines win over refers,
//! refers go to the level nearest the root, a run-time fault makes the decision
//! `error` (never `approve`).

use super::{BoundLists, EvalError, Evaluator, LetSlot, NoTrace, Observer};
use crate::ast::Trigger;
use crate::eval::value::Value;
use crate::ir::{Program, RuleOutcome};
use crate::source::Span;
use chrono::NaiveDate;

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
    lets: Vec<LetSlot>,
    locals: Vec<Value>,
    declines: Vec<u32>,
    refers: Vec<(u32, Option<u32>)>,
}

/// Decides one record.
pub fn decide(
    program: &Program,
    lists: &BoundLists,
    input: &Value,
    as_of: NaiveDate,
    scratch: &mut Scratch,
) -> Decision {
    decide_traced(program, lists, input, as_of, scratch, &mut NoTrace)
}

/// Decides one record, telling `observer` what happens
/// each rule's code index and whether it fired.
pub fn decide_traced<O: Observer>(
    program: &Program,
    lists: &BoundLists,
    input: &Value,
    as_of: NaiveDate,
    scratch: &mut Scratch,
    observer: &mut O,
) -> Decision {
    scratch.lets.clear();
    scratch.lets.resize(program.lets.len(), LetSlot::Empty);
    scratch.declines.clear();
    scratch.refers.clear();
    let mut evaluator = Evaluator {
        program: Some(program),
        input,
        as_of,
        lists,
        lets: &mut scratch.lets,
        locals: &mut scratch.locals,
        observer,
    };
    for (index, rule) in program.rules.iter().enumerate() {
        evaluator.observer.rule_start(index);
        let holds = match evaluator.eval_bool(&rule.condition) {
            Ok(b) => b,
            Err(err) => {
                evaluator.observer.rule_end(index, None);
                return error(&rule.code, &err);
            }
        };
        let fired = holds == (rule.trigger == Trigger::When);
        evaluator.observer.rule_end(index, Some(fired));
        if fired {
            let code = program.rule_codes.get(index).copied().unwrap_or(0);
            match rule.outcome {
                RuleOutcome::Decline => scratch.declines.push(code),
                RuleOutcome::Refer(to) => scratch.refers.push((code, to)),
            }
        }
    }
    let mut own_level = None;
    let mut escalation = None;
    let mut walk = None;
    if let Some(authority) = &program.authority {
        let own = match evaluator.eval(&authority.over).as_deref() {
            Ok(Value::Enum(v)) => *v,
            Ok(_) => return error(&authority.escalate, &super::fault("the level is missing", authority.over.span)),
            Err(err) => return error(&authority.escalate, err),
        };
        own_level = Some(own);
        let mut level = Some(own);
        let mut authorised_by = None;
        while let Some(l) = level {
            let Some(def) = authority.levels.get(l as usize) else {
                break;
            };
            let mut all_hold = true;
            for (index, limit) in def.limits.iter().enumerate() {
                let held = evaluator.eval_bool(limit);
                if let Ok(held) = held {
                    evaluator.observer.limit(l, index, held);
                }
                match held {
                    Ok(true) => {}
                    Ok(false) => {
                        all_hold = false;
                        break;
                    }
                    Err(err) => return error(&authority.escalate, &err),
                }
            }
            if all_hold {
                authorised_by = Some(l);
                break;
            }
            level = def.parent;
        }
        walk = Some(AuthorityWalk { own, authorised_by });
        match authorised_by {
            Some(l) if l == own => {}
            Some(l) => escalation = Some(l),
            None => scratch.declines.push(program.escalate_code),
        }
    }
    if !scratch.declines.is_empty() {
        let mut reasons = scratch.declines.clone();
        reasons.sort_unstable();
        return Decision { outcome: Outcome::Decline, reasons, authority: walk };
    }
    if scratch.refers.is_empty() && escalation.is_none() {
        return Decision { outcome: Outcome::Approve { level: own_level }, reasons: Vec::new(), authority: walk };
    }
    let depth = |level: u32| {
        program.authority.as_ref().and_then(|a| a.levels.get(level as usize)).map_or(u32::MAX, |l| l.depth)
    };
    // the level nearest the root; on a tie the escalation level
    let mut to = escalation;
    for &(_, target) in &scratch.refers {
        let candidate = target.or(own_level);
        to = match (to, candidate) {
            (None, c) => c,
            (Some(t), Some(c)) if depth(c) < depth(t) => Some(c),
            (t, _) => t,
        };
    }
    let mut reasons: Vec<u32> = scratch.refers.iter().map(|(code, _)| *code).collect();
    if escalation.is_some() {
        reasons.push(program.escalate_code);
    }
    reasons.sort_unstable();
    Decision { outcome: Outcome::Refer { to }, reasons, authority: walk }
}

fn error(code: &str, err: &EvalError) -> Decision {
    Decision {
        outcome: Outcome::Error { code: code.to_string(), message: err.message.clone(), span: err.span },
        reasons: Vec::new(),
        authority: None,
    }
}
