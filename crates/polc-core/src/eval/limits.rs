//! Credit limits and counter-offers (§12), applied before every rule: each
//! limit's line against the requested amount; the smallest cutting line,
//! rounded down to the fen, is the offer, unless a cutting line is below its
//! floor (then that limit declines). With an offer, everything after reads the
//! offered amount at the limited path ([`offered_input`]).

use super::compiled::{wide_mul, POW10};
use super::Fault;
use crate::ir::Program;
use crate::value::Value;
use rust_decimal::{Decimal, RoundingStrategy};

/// What one credit limit did to one record (for coverage and traces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitEffect {
    /// The requested amount is within the line.
    NotCut,
    /// The line is below the requested amount: a counter-offer.
    Cut,
    /// The line is below the requested amount and below the floor: a decline reason.
    Declined,
}

/// A counter-offer: the amount offered instead of the one requested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The smallest cutting line, rounded down to the fen, with two decimal places.
    pub amount: Decimal,
    /// The codes (indices into `Program::codes`) of every limit that cut, sorted.
    pub adjustments: Vec<u32>,
}

/// What one credit limit compared: the requested amount, its line, and its
/// floor (computed only for a limit that cuts; its default when it has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amounts {
    pub requested: Decimal,
    pub line: Decimal,
    pub floor: Option<Decimal>,
}

/// The result of applying the credit limits to one record.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Codes (indices into `Program::codes`) of the limits that declined.
    pub(crate) declines: Vec<u32>,
    /// The counter-offer, when some limit cut and none declined.
    pub(crate) offer: Option<Offer>,
}

/// How the limits' lines and floors are computed (by the interpreter or the
/// closures) and who is told what each limit did.
pub(crate) trait LimitLines {
    /// The line of credit limit `index` (`None`: no amount).
    fn line(&mut self, index: usize) -> Result<Option<Decimal>, Fault>;
    /// The floor of credit limit `index`, which has one (`None`: no amount).
    fn floor(&mut self, index: usize) -> Result<Option<Decimal>, Fault>;
    /// What limit `index` did, with the amounts it compared.
    fn effect(&mut self, _index: usize, _effect: LimitEffect, _amounts: &Amounts) {}
}

/// The default floor: one fen.
fn default_floor() -> Decimal {
    Decimal::new(1, 2)
}

/// Applies every credit limit of `program` to the record `input` (as requested).
/// A fault is the failing limit's, with its code.
pub(crate) fn apply(
    program: &Program,
    lines: &mut impl LimitLines,
    input: &Value,
    as_of: chrono::NaiveDate,
) -> Result<Applied, (String, Fault)> {
    let mut applied = Applied::default();
    let Some(first) = program.credit_limits.first() else {
        return Ok(applied);
    };
    let requested = match read(input, &first.path) {
        Some(Value::Dec(d)) => *d,
        _ => {
            let fault = super::fault(format!("`{}` has no amount", first.path_text), first.span);
            return Err((first.code.clone(), fault));
        }
    };
    let mut smallest: Option<Decimal> = None;
    let mut adjustments = Vec::new();
    for (index, limit) in program.credit_limits.iter().enumerate() {
        // out of force on `as_of` (§15): it takes no part
        if !crate::ir::in_force(limit.effective.as_ref(), as_of) {
            continue;
        }
        let code = program.limit_codes.get(index).copied().unwrap_or(0);
        let line = match lines.line(index) {
            Ok(Some(d)) => d,
            Ok(None) => return Err((limit.code.clone(), super::fault("the line has no amount", limit.line.span))),
            Err(fault) => return Err((limit.code.clone(), fault)),
        };
        if at_most(requested, line) {
            lines.effect(index, LimitEffect::NotCut, &Amounts { requested, line, floor: None });
            continue;
        }
        // the floor is computed only for a limit that cuts
        let floor = match &limit.floor {
            None => default_floor(),
            Some(floor) => match lines.floor(index) {
                Ok(Some(d)) => d,
                Ok(None) => return Err((limit.code.clone(), super::fault("the floor has no amount", floor.span))),
                Err(fault) => return Err((limit.code.clone(), fault)),
            },
        };
        let amounts = Amounts { requested, line, floor: Some(floor) };
        if line < floor {
            lines.effect(index, LimitEffect::Declined, &amounts);
            applied.declines.push(code);
            continue;
        }
        lines.effect(index, LimitEffect::Cut, &amounts);
        adjustments.push(code);
        smallest = Some(smallest.map_or(line, |s| s.min(line)));
    }
    if let (Some(line), true) = (smallest, applied.declines.is_empty()) {
        let amount = offered_amount(line);
        adjustments.sort_unstable();
        applied.offer = Some(Offer { amount, adjustments });
    }
    Ok(applied)
}

/// `a <= b`, as `Decimal`'s order says: by their mantissas brought to one
/// scale where that is exact in an `i128` (amounts of money and lines are),
/// else by `Decimal`'s comparison.
#[inline]
fn at_most(a: Decimal, b: Decimal) -> bool {
    let (sa, sb) = (a.scale(), b.scale());
    let (ma, mb) = (a.mantissa(), b.mantissa());
    let scaled = if sa >= sb {
        POW10.get((sa - sb) as usize).and_then(|p| wide_mul(mb, *p)).map(|mb| (ma, mb))
    } else {
        POW10.get((sb - sa) as usize).and_then(|p| wide_mul(ma, *p)).map(|ma| (ma, mb))
    };
    match scaled {
        Some((ma, mb)) => ma <= mb,
        None => a <= b,
    }
}

/// The amount a cutting line offers: rounded down to the fen, with two decimal places.
pub fn offered_amount(line: Decimal) -> Decimal {
    let mut amount = line.round_dp_with_strategy(2, RoundingStrategy::ToNegativeInfinity);
    amount.rescale(2);
    amount
}

/// The record with the offered amount at the limited path, when there is an
/// offer: what every rule, let, output and authority limit reads.
pub(crate) fn offered_input(program: &Program, input: &Value, applied: &Applied) -> Option<Value> {
    let offer = applied.offer.as_ref()?;
    let path = &program.credit_limits.first()?.path;
    Some(replaced(input, path, Value::Dec(offer.amount)))
}

/// The value at `path` (field indices) inside `value`.
fn read<'v>(value: &'v Value, path: &[u32]) -> Option<&'v Value> {
    path.iter().try_fold(value, |at, &index| match at {
        Value::Record(fields) => fields.get(index as usize),
        _ => None,
    })
}

/// `value` with the value at `path` replaced by `new` (records along the
/// path copied, everything else shared).
fn replaced(value: &Value, path: &[u32], new: Value) -> Value {
    let Some((&head, rest)) = path.split_first() else {
        return new;
    };
    match value {
        Value::Record(fields) => {
            let fields: Vec<Value> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| if i == head as usize { replaced(f, rest, new.clone()) } else { f.clone() })
                .collect();
            Value::Record(fields.into())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_compare_with_lines_as_decimals_do() {
        use std::str::FromStr;
        let numbers = [
            "0",
            "-0",
            "0.00",
            "1",
            "1.00",
            "0.99",
            "1.01",
            "-1",
            "-1.00",
            "50000000",
            "50000000.00",
            "49999999.99",
            "50000000.01",
            "0.0000000000000000000000000001",
            "-0.0000000000000000000000000001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7922816251426433759354395033.5",
            "1000.5",
            "1000.50",
            "1000.49",
        ];
        let parse = |s: &str| Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        for a in numbers {
            for b in numbers {
                let (a, b) = (parse(a), parse(b));
                assert_eq!(at_most(a, b), a <= b, "{a} <= {b}");
            }
        }
    }

    #[test]
    fn replacing_a_nested_field_changes_only_it() {
        let inner = Value::Record(vec![Value::Int(1), Value::Dec(Decimal::new(500, 0))].into());
        let record = Value::Record(vec![Value::Bool(true), inner].into());
        let changed = replaced(&record, &[1, 1], Value::Dec(Decimal::new(300, 0)));
        assert_eq!(read(&changed, &[1, 1]), Some(&Value::Dec(Decimal::new(300, 0))));
        assert_eq!(read(&changed, &[1, 0]), Some(&Value::Int(1)));
        assert_eq!(read(&changed, &[0]), Some(&Value::Bool(true)));
        assert_eq!(read(&record, &[1, 1]), Some(&Value::Dec(Decimal::new(500, 0))), "the original is unchanged");
    }
}
