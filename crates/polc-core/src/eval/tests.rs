//! The interpreter and the checker's constant evaluator (`ir::constant`)
//! agree on every constant expression: the same value, or the same first
//! fault at the same node. Both compute through `ir::ops` and
//! `ir::builtins`; this holds their walks (order, short-circuits) equal.

use super::{Evaluator, LetSlot, LetSlots, NoTrace, NONE};
use crate::base::source::{FileId, Span};
use crate::base::types::Type;
use crate::ir::constant;
use crate::ir::{ArithOp, Builtin, CmpOp, Expr, ExprKind};
use crate::value::text::Text;
use crate::value::{DurationUnit, Value};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Builds random well-typed constant expressions, each node with its own span.
struct Gen {
    state: u64,
    nodes: usize,
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        self.state = self.state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.state >> 33) as usize) % n.max(1)
    }

    fn node(&mut self, kind: ExprKind, ty: Type) -> Expr {
        self.nodes += 1;
        Expr::new(kind, ty, Span::new(FileId(0), self.nodes, self.nodes + 1))
    }

    fn constant(&mut self, value: Value, ty: Type) -> Expr {
        self.node(ExprKind::Const(value), ty)
    }

    fn arith(&mut self) -> ArithOp {
        [ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div][self.below(4)]
    }

    fn int(&mut self, depth: u32) -> Expr {
        let leaf = depth == 0 || self.below(4) == 0;
        if leaf {
            let n = [0, 1, -1, 2, 7, 1000, i64::MAX, i64::MIN, -3][self.below(9)];
            return self.constant(Value::Int(n), Type::Int);
        }
        let d = depth - 1;
        let kind = match self.below(8) {
            0 | 1 => ExprKind::Arith(self.arith(), Box::new(self.int(d)), Box::new(self.int(d))),
            2 => ExprKind::Neg(Box::new(self.int(d))),
            3 => ExprKind::Call(Builtin::Abs, vec![self.int(d)]),
            4 => {
                let n = 2 + self.below(3);
                let args = (0..n).map(|_| self.int(d)).collect();
                ExprKind::Call([Builtin::Min, Builtin::Max][self.below(2)], args)
            }
            5 => {
                let unit = [DurationUnit::Days, DurationUnit::Months, DurationUnit::Years][self.below(3)];
                ExprKind::Call(Builtin::Between(unit), vec![self.date(d), self.date(d)])
            }
            6 => {
                let none = self.constant(Value::None, Type::Optional(Box::new(Type::Int)));
                let first = if self.below(2) == 0 { none } else { self.int(d) };
                ExprKind::Coalesce(Box::new(first), Box::new(self.int(d)))
            }
            _ => ExprKind::Call(Builtin::Len, vec![self.string()]),
        };
        self.node(kind, Type::Int)
    }

    fn decimal(&mut self, depth: u32) -> Expr {
        if depth == 0 || self.below(4) == 0 {
            let text =
                ["0", "0.5", "-2.5", "12000.00", "0.0001", "79228162514264337593543950335", "1e-28"][self.below(7)];
            let value = Decimal::from_scientific(text).or_else(|_| text.parse()).unwrap_or_default();
            return self.constant(Value::Dec(value), Type::Decimal);
        }
        let d = depth - 1;
        let kind = match self.below(7) {
            0 | 1 => ExprKind::Arith(self.arith(), Box::new(self.decimal(d)), Box::new(self.decimal(d))),
            2 => ExprKind::ToDecimal(Box::new(self.int(d))),
            3 => ExprKind::Neg(Box::new(self.decimal(d))),
            4 => {
                let places = [0, 2, 28, 29, -1][self.below(5)];
                let places = self.constant(Value::Int(places), Type::Int);
                ExprKind::Call(Builtin::Round, vec![self.decimal(d), places])
            }
            5 => ExprKind::Arith(self.arith(), Box::new(self.int(d)), Box::new(self.decimal(d))),
            _ => ExprKind::Call(Builtin::Max, vec![self.decimal(d), self.decimal(d)]),
        };
        self.node(kind, Type::Decimal)
    }

    fn date(&mut self, depth: u32) -> Expr {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        if depth == 0 || self.below(3) == 0 {
            let date = [day(2026, 11, 22), day(2008, 2, 29), day(1, 1, 1), day(262_000, 12, 31)][self.below(4)];
            return self.constant(Value::Date(date), Type::Date);
        }
        let unit = [DurationUnit::Days, DurationUnit::Months, DurationUnit::Years][self.below(3)];
        let n = [1, 6, -13, i64::MAX / 2, i64::MIN][self.below(5)];
        let duration = self.constant(Value::Duration(n, unit), Type::Duration);
        let op = [ArithOp::Add, ArithOp::Sub][self.below(2)];
        let kind = ExprKind::Arith(op, Box::new(self.date(depth - 1)), Box::new(duration));
        self.node(kind, Type::Date)
    }

    fn string(&mut self) -> Expr {
        let text = ["", "张三", "110101", "a long string that is not held inline"][self.below(4)];
        self.constant(Value::Str(Text::new(text)), Type::String)
    }

    fn condition(&mut self, depth: u32) -> Expr {
        if depth == 0 || self.below(5) == 0 {
            let b = self.below(2) == 0;
            return self.constant(Value::Bool(b), Type::Bool);
        }
        let d = depth - 1;
        let cmp = [CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge][self.below(6)];
        let kind = match self.below(12) {
            0 => ExprKind::Not(Box::new(self.condition(d))),
            1 | 10 => ExprKind::And(Box::new(self.condition(d)), Box::new(self.condition(d))),
            2 | 11 => ExprKind::Or(Box::new(self.condition(d)), Box::new(self.condition(d))),
            3 => ExprKind::Compare(cmp, Box::new(self.int(d)), Box::new(self.int(d))),
            4 => ExprKind::Compare(cmp, Box::new(self.decimal(d)), Box::new(self.decimal(d))),
            5 => ExprKind::Compare(cmp, Box::new(self.date(d)), Box::new(self.date(d))),
            6 => {
                let items = (0..self.below(4)).map(|_| self.int(d)).collect();
                let set = self.node(ExprKind::SetLit(items), Type::Set(Box::new(Type::Int)));
                ExprKind::In(Box::new(self.int(d)), Box::new(set))
            }
            7 => ExprKind::InRange(Box::new(self.decimal(d)), Box::new(self.decimal(d)), Box::new(self.decimal(d))),
            8 => ExprKind::Call(Builtin::StartsWith, vec![self.string(), self.string()]),
            _ => ExprKind::Exists(Box::new(self.int(d))),
        };
        self.node(kind, Type::Bool)
    }
}

/// The interpreter's value of a constant expression (no program, no record).
fn interpret(expr: &Expr) -> Result<Value, (String, Span)> {
    let (mut lets, mut locals, mut observer) = (LetSlots::default(), Vec::new(), NoTrace);
    let mut evaluator = Evaluator {
        program: None,
        input: &NONE,
        requested: &NONE,
        as_of: NaiveDate::MIN,
        lists: &[],
        lets: &mut lets,
        locals: &mut locals,
        observer: &mut observer,
    };
    evaluator.eval(expr).map(std::borrow::Cow::into_owned).map_err(|fault| (fault.message.clone(), fault.span))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    #[test]
    fn the_interpreter_and_constant_folding_agree(seed in proptest::prelude::any::<u64>(), kind in 0..4usize) {
        let mut generate = Gen { state: seed, nodes: 0 };
        let expr = match kind {
            0 => generate.int(4),
            1 => generate.decimal(4),
            2 => generate.date(3),
            _ => generate.condition(4),
        };
        let folded = constant::evaluate(&expr).map_err(|error| (error.message, error.span));
        proptest::prop_assert_eq!(folded, interpret(&expr), "{:?}", expr);
    }
}

#[test]
fn faults_come_from_the_first_failing_operand_in_both() {
    let mut generate = Gen { state: 1, nodes: 0 };
    let zero = generate.constant(Value::Int(0), Type::Int);
    let one = generate.constant(Value::Int(1), Type::Int);
    let min = generate.constant(Value::Int(i64::MIN), Type::Int);
    let divide = generate.node(ExprKind::Arith(ArithOp::Div, Box::new(one), Box::new(zero)), Type::Int);
    let negate = generate.node(ExprKind::Neg(Box::new(min)), Type::Int);
    let both = generate.node(ExprKind::Arith(ArithOp::Add, Box::new(divide), Box::new(negate)), Type::Int);
    let expected = Err(("division by zero".to_string(), Span::new(FileId(0), 4, 5)));
    assert_eq!(interpret(&both), expected);
    assert_eq!(constant::evaluate(&both).map_err(|e| (e.message, e.span)), expected);
}

#[test]
fn and_or_and_coalesce_stop_early_in_both() {
    let mut generate = Gen { state: 1, nodes: 0 };
    let failing = |generate: &mut Gen| {
        let (one, zero) = (generate.constant(Value::Int(1), Type::Int), generate.constant(Value::Int(0), Type::Int));
        generate.node(ExprKind::Arith(ArithOp::Div, Box::new(one), Box::new(zero)), Type::Int)
    };
    let fails = failing(&mut generate);
    let zero = generate.constant(Value::Int(0), Type::Int);
    let failing_condition = generate.node(ExprKind::Compare(CmpOp::Eq, Box::new(fails), Box::new(zero)), Type::Bool);
    let (no, yes) =
        (generate.constant(Value::Bool(false), Type::Bool), generate.constant(Value::Bool(true), Type::Bool));
    let and = generate.node(ExprKind::And(Box::new(no), Box::new(failing_condition.clone())), Type::Bool);
    let or = generate.node(ExprKind::Or(Box::new(yes), Box::new(failing_condition)), Type::Bool);
    let given = generate.constant(Value::Int(5), Type::Int);
    let fallback = failing(&mut generate);
    let coalesce = generate.node(ExprKind::Coalesce(Box::new(given), Box::new(fallback)), Type::Int);
    for (expr, value) in [(and, Value::Bool(false)), (or, Value::Bool(true)), (coalesce, Value::Int(5))] {
        assert_eq!(interpret(&expr), Ok(value.clone()));
        assert_eq!(constant::evaluate(&expr), Ok(value));
    }
}

#[test]
fn a_reset_empties_every_slot_filled_whatever_it_held() {
    let mut lets = LetSlots::default();
    lets.reset(5);
    assert_eq!(lets.len(), 5);
    // a scalar, a value owning memory, a fault, a slot filled twice, one past the end
    lets.fill(0, LetSlot::Done(Value::Int(7)));
    lets.fill(1, LetSlot::Done(Value::Str("a string on the heap".into())));
    lets.fill(2, LetSlot::Failed(super::fault("failed", Span::new(FileId(0), 1, 2))));
    lets.fill(3, LetSlot::Done(Value::Int(1)));
    lets.fill(3, LetSlot::Done(Value::Str("then a string".into())));
    lets.fill(6, LetSlot::Done(Value::Bool(true)));
    assert_eq!(lets.len(), 7);
    assert!(matches!(lets.get(3), Some(LetSlot::Done(Value::Str(_)))));
    // the same length as before the fill past the end: only the filled slots are emptied
    lets.reset(7);
    assert!(lets.iter().all(|slot| matches!(slot, LetSlot::Empty)), "{:?}", &*lets);
    lets.fill(4, LetSlot::Done(Value::Int(2)));
    // another length: every slot new
    lets.reset(3);
    assert_eq!(lets.len(), 3);
    assert!(lets.iter().all(|slot| matches!(slot, LetSlot::Empty)));
    lets.fill(2, LetSlot::Done(Value::Int(3)));
    lets.reset(3);
    assert!(lets.iter().all(|slot| matches!(slot, LetSlot::Empty)));
}
