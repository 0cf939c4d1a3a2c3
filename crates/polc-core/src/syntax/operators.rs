//! The one operator table: every operator's symbol, precedence level and
//! grouping. The parser folds expressions by it, the formatter decides its
//! parentheses by it, and the language reference's precedence table is
//! generated from it (a test keeps `docs/language.md` equal to
//! [`reference_table`]).

use crate::syntax::ast::{BinOp, Expr, ExprKind};

/// An operator of the expression grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `or`, `and`, the comparisons, `??` and the arithmetic operators.
    Binary(BinOp),
    /// `x in set`, and `x in lo ..= hi` with [`Operator::Range`].
    In,
    /// `lo ..= hi`, only right of `in`.
    Range,
    /// `lo ..< hi` (half-open), only right of `in`.
    RangeHalfOpen,
    /// `not x`.
    Not,
    /// `-x`.
    Negate,
    /// `x exists`.
    Exists,
    /// `x.field`.
    Field,
}

/// Where an operator stands relative to its operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fixity {
    Prefix,
    Infix,
    Postfix,
}

/// How a run of operators of one level groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// Left to right: `a - b - c` is `(a - b) - c`, `a.b.c` is `(a.b).c`.
    Left,
    /// A prefix operator applies to all that follows at its level: `not not x`.
    Right,
    /// A second one is an error (P0004): `a < b < c`, `x in s exists`.
    NonChaining,
}

/// One operator: how it is written and how tightly it binds.
#[derive(Debug)]
pub struct OperatorDef {
    pub operator: Operator,
    /// As written (`.` for field access, whose name follows).
    pub symbol: &'static str,
    pub fixity: Fixity,
    /// 1 binds loosest; [`ATOM`] is an operand's own.
    pub level: u8,
    pub grouping: Grouping,
}

/// The level of an operand that is not an operation (a name, a literal, a
/// call, a parenthesised expression): tighter than every operator.
pub const ATOM: u8 = 11;

const fn def(operator: Operator, symbol: &'static str, fixity: Fixity, level: u8, grouping: Grouping) -> OperatorDef {
    OperatorDef { operator, symbol, fixity, level, grouping }
}

const fn binary(op: BinOp, symbol: &'static str, level: u8, grouping: Grouping) -> OperatorDef {
    def(Operator::Binary(op), symbol, Fixity::Infix, level, grouping)
}

/// Every operator, loosest first.
pub static OPERATORS: &[OperatorDef] = &[
    binary(BinOp::Or, "or", 1, Grouping::Left),
    binary(BinOp::And, "and", 2, Grouping::Left),
    def(Operator::Not, "not", Fixity::Prefix, 3, Grouping::Right),
    binary(BinOp::Eq, "==", 4, Grouping::NonChaining),
    binary(BinOp::Ne, "!=", 4, Grouping::NonChaining),
    binary(BinOp::Lt, "<", 4, Grouping::NonChaining),
    binary(BinOp::Le, "<=", 4, Grouping::NonChaining),
    binary(BinOp::Gt, ">", 4, Grouping::NonChaining),
    binary(BinOp::Ge, ">=", 4, Grouping::NonChaining),
    def(Operator::In, "in", Fixity::Infix, 4, Grouping::NonChaining),
    def(Operator::Exists, "exists", Fixity::Postfix, 4, Grouping::NonChaining),
    def(Operator::Range, "..=", Fixity::Infix, 5, Grouping::NonChaining),
    def(Operator::RangeHalfOpen, "..<", Fixity::Infix, 5, Grouping::NonChaining),
    binary(BinOp::Coalesce, "??", 6, Grouping::Left),
    binary(BinOp::Add, "+", 7, Grouping::Left),
    binary(BinOp::Sub, "-", 7, Grouping::Left),
    binary(BinOp::Mul, "*", 8, Grouping::Left),
    binary(BinOp::Div, "/", 8, Grouping::Left),
    def(Operator::Negate, "-", Fixity::Prefix, 9, Grouping::Right),
    def(Operator::Field, ".", Fixity::Postfix, 10, Grouping::Left),
];

/// The operator written `symbol` in the place `fixity`.
pub fn find(fixity: Fixity, symbol: &str) -> Option<&'static OperatorDef> {
    OPERATORS.iter().find(|def| def.fixity == fixity && def.symbol == symbol)
}

/// The table's entry of `operator`.
pub fn of(operator: Operator) -> Option<&'static OperatorDef> {
    OPERATORS.iter().find(|def| def.operator == operator)
}

/// How tightly `operator` binds.
pub fn level(operator: Operator) -> u8 {
    of(operator).map_or(ATOM, |def| def.level)
}

/// The operator at the top of `expr`, if it is an operation.
pub fn of_expr(expr: &Expr) -> Option<Operator> {
    Some(match &expr.kind {
        ExprKind::Binary(op, ..) => Operator::Binary(*op),
        ExprKind::In(..) | ExprKind::InRange(..) | ExprKind::InHalfOpen(..) => Operator::In,
        ExprKind::Not(_) => Operator::Not,
        ExprKind::Neg(_) => Operator::Negate,
        ExprKind::Exists(_) => Operator::Exists,
        ExprKind::Field(..) => Operator::Field,
        _ => return None,
    })
}

/// The precedence table of the language reference, in Markdown.
pub fn reference_table() -> String {
    let mut out = String::from("| level | operators | a run of them |\n|---|---|---|\n");
    let mut level = 0;
    while let Some(first) = OPERATORS.iter().find(|def| def.level > level) {
        level = first.level;
        let shown: Vec<String> = OPERATORS
            .iter()
            .filter(|def| def.level == level)
            .map(|def| match (def.operator, def.fixity) {
                (Operator::Field, _) => "`.field`".to_string(),
                (Operator::Negate, _) => "unary `-`".to_string(),
                (_, Fixity::Postfix) => format!("postfix `{}`", def.symbol),
                _ => format!("`{}`", def.symbol),
            })
            .collect();
        let s = first.symbol;
        let run = match (first.operator, first.grouping) {
            (Operator::Range | Operator::RangeHalfOpen, _) => {
                "only right of `in`: `x in lo ..= hi`, `x in lo ..< hi`".to_string()
            }
            (Operator::Field, _) => "left to right: `a.b.c` is `(a.b).c`".to_string(),
            (_, Grouping::Left) => format!("left to right: `a {s} b {s} c` is `(a {s} b) {s} c`"),
            (Operator::Negate, _) => "nest: `- -x`".to_string(),
            (_, Grouping::Right) => format!("nest: `{s} {s} x`"),
            (_, Grouping::NonChaining) => format!("do not chain: `a {s} b {s} c` is an error (P0004)"),
        };
        out.push_str(&format!("| {level} | {} | {run} |\n", shown.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_binary_operator_and_every_level_is_in_the_table_once() {
        let ops = [
            BinOp::Or,
            BinOp::And,
            BinOp::Eq,
            BinOp::Ne,
            BinOp::Lt,
            BinOp::Le,
            BinOp::Gt,
            BinOp::Ge,
            BinOp::Coalesce,
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::Div,
        ];
        for op in ops {
            let defs = OPERATORS.iter().filter(|d| d.operator == Operator::Binary(op)).count();
            assert_eq!(defs, 1, "{op:?}");
        }
        for def in OPERATORS {
            assert_eq!(find(def.fixity, def.symbol).map(|d| d.operator), Some(def.operator), "{def:?}");
            // one level, one way of grouping (the parser and the formatter rely on it)
            let same_level = OPERATORS.iter().filter(|d| d.level == def.level);
            assert!(same_level.clone().all(|d| d.grouping == def.grouping), "level {}", def.level);
            assert!(def.level < ATOM);
        }
        assert!(OPERATORS.windows(2).all(|w| w[0].level <= w[1].level), "loosest first");
    }

    #[test]
    fn every_operator_the_grammar_admits_is_in_the_table() {
        let infix = crate::syntax::grammar_text::quoted("infix_op");
        assert!(infix.len() >= 15, "{infix:?}");
        for symbol in &infix {
            assert!(find(Fixity::Infix, symbol).is_some(), "`{symbol}` is in the grammar, not in the table");
        }
        for symbol in crate::syntax::grammar_text::quoted("prefix_op") {
            assert!(find(Fixity::Prefix, &symbol).is_some(), "`{symbol}`");
        }
        for def in OPERATORS.iter().filter(|def| def.fixity == Fixity::Infix) {
            assert!(infix.iter().any(|s| s == def.symbol), "`{}` is in the table, not in the grammar", def.symbol);
        }
    }

    /// The condition of `rule A01 decline when {condition}`, parsed.
    fn parsed(condition: &str) -> Expr {
        let text = format!("rule A01 decline when {condition}\n");
        let (module, diagnostics) = crate::syntax::parse::parse(crate::base::source::FileId(0), &text);
        assert!(diagnostics.is_empty(), "{condition}: {diagnostics:?}");
        match module.items.into_iter().next() {
            Some(crate::syntax::ast::Item::Rule(rule)) => rule.condition,
            other => panic!("{condition}: {other:?}"),
        }
    }

    #[test]
    fn the_parser_folds_by_the_table() {
        // each binary operator parses to itself, and binds as its level says
        for def in OPERATORS {
            let Operator::Binary(op) = def.operator else { continue };
            let e = parsed(&format!("a {} b", def.symbol));
            assert!(matches!(e.kind, ExprKind::Binary(o, ..) if o == op), "{}: {e:?}", def.symbol);
            assert_eq!(op.symbol(), def.symbol);
            for other in OPERATORS.iter().filter(|d| matches!(d.operator, Operator::Binary(_))) {
                if def.grouping == Grouping::NonChaining && other.grouping == Grouping::NonChaining {
                    continue; // `a < b == c` is P0004
                }
                // `a def b other c`: the tighter (or, at one level, the first) operator is inside
                let e = parsed(&format!("a {} b {} c", def.symbol, other.symbol));
                let top = of_expr(&e).and_then(of).map(|d| d.symbol);
                let expected = if other.level > def.level { def.symbol } else { other.symbol };
                assert_eq!(top, Some(expected), "a {} b {} c", def.symbol, other.symbol);
            }
        }
        assert!(matches!(parsed("not a in s").kind, ExprKind::Not(_)));
        assert!(matches!(parsed("-a.b * c").kind, ExprKind::Binary(BinOp::Mul, ..)));
        assert!(matches!(parsed("a ?? b in c ..= d").kind, ExprKind::InRange(..)));
        assert!(matches!(parsed("a + b exists").kind, ExprKind::Exists(_)));
    }
}
