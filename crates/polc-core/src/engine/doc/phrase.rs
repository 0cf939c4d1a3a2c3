//! Expressions rendered for people: `applicant.monthly_income >= 3_000 CNY`
//! becomes "`applicant.monthly_income` ≥ 3,000 CNY", `x in fraud_ids` "`x` is
//! on list `fraud_ids`". A [`Phrase`] keeps names apart from words so that
//! each renderer can mark them (backticks, `<code>`).

use crate::syntax::ast::{BinOp, Expr, ExprKind, PatternKind};
use crate::syntax::operators::{self, Operator, ATOM};
use crate::value::duration_word;
use rust_decimal::Decimal;
use std::collections::HashSet;

/// A piece of a rendered expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Words and symbols.
    Text(String),
    /// A name of the policy (a field path, a `let`, a list): set in code type.
    Name(String),
    /// Words a reader should not miss (`never fired`): set in bold.
    Flag(String),
}

/// A rendered expression: words and names in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Phrase(pub Vec<Piece>);

impl Phrase {
    pub fn text(text: impl Into<String>) -> Phrase {
        Phrase(vec![Piece::Text(text.into())])
    }

    pub fn name(name: impl Into<String>) -> Phrase {
        Phrase(vec![Piece::Name(name.into())])
    }

    pub fn flag(text: impl Into<String>) -> Phrase {
        Phrase(vec![Piece::Flag(text.into())])
    }

    pub fn push_text(&mut self, text: &str) {
        match self.0.last_mut() {
            Some(Piece::Text(last)) => last.push_str(text),
            _ => self.0.push(Piece::Text(text.to_string())),
        }
    }

    pub fn push_name(&mut self, name: &str) {
        self.0.push(Piece::Name(name.to_string()));
    }

    pub fn append(&mut self, other: Phrase) {
        for piece in other.0 {
            match piece {
                Piece::Text(t) => self.push_text(&t),
                other => self.0.push(other),
            }
        }
    }

    /// This phrase, then `other`.
    pub fn then(mut self, other: Phrase) -> Phrase {
        self.append(other);
        self
    }

    /// This phrase, then `words`.
    pub fn and_text(mut self, words: &str) -> Phrase {
        self.push_text(words);
        self
    }

    /// The phrase as plain text (names unmarked).
    pub fn plain(&self) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Text(t) | Piece::Name(t) | Piece::Flag(t) => t.as_str(),
            })
            .collect()
    }
}

/// What the renderer knows of the policy's names: which are lists (`in` a
/// list reads "is on list").
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub lists: HashSet<String>,
}

/// Renders `expr` for people.
pub fn phrase(expr: &Expr, names: &Names) -> Phrase {
    let mut out = Phrase::default();
    Writer { names }.expr(expr, 0, &mut out);
    out
}

/// A constant as written in a pattern or a bound, for people (`3,000 CNY`, `50%`).
pub fn pattern(kind: &PatternKind, names: &Names) -> Phrase {
    let w = Writer { names };
    let mut out = Phrase::default();
    match kind {
        PatternKind::Any => out.push_text("any other"),
        PatternKind::None => out.push_text("not given"),
        PatternKind::Compare(op, e) => {
            out.push_text(&format!("{} ", symbol(*op)));
            w.expr(e, 0, &mut out);
        }
        PatternKind::Range { lo, hi, half_open } => {
            w.expr(lo, 0, &mut out);
            out.push_text(if *half_open { " to below " } else { " to " });
            w.expr(hi, 0, &mut out);
        }
        PatternKind::Values(values) => {
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_text(", ");
                }
                w.expr(v, 0, &mut out);
            }
        }
    }
    out
}

/// The comparison as a person writes it.
pub fn symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Or => "or",
        BinOp::And => "and",
        BinOp::Eq => "=",
        BinOp::Ne => "≠",
        BinOp::Lt => "<",
        BinOp::Le => "≤",
        BinOp::Gt => ">",
        BinOp::Ge => "≥",
        BinOp::Coalesce => "otherwise",
        BinOp::Add => "+",
        BinOp::Sub => "−",
        BinOp::Mul => "×",
        BinOp::Div => "÷",
    }
}

/// A decimal with its integer digits grouped by thousands: `1,000,000.5`.
pub fn grouped(value: Decimal) -> String {
    let text = value.normalize().to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("−", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

struct Writer<'a> {
    names: &'a Names,
}

/// How tightly an expression binds (the operator table's level; atoms bind most).
fn level(expr: &Expr) -> u8 {
    match operators::of_expr(expr) {
        Some(Operator::Field) | None => ATOM,
        Some(op) => operators::of(op).map_or(ATOM, |d| d.level),
    }
}

impl Writer<'_> {
    /// Writes `expr`, in parentheses when it binds looser than `context`.
    fn expr(&self, expr: &Expr, context: u8, out: &mut Phrase) {
        let own = level(expr);
        let parens = own < context;
        if parens {
            out.push_text("(");
        }
        self.bare(expr, own, out);
        if parens {
            out.push_text(")");
        }
    }

    fn bare(&self, expr: &Expr, own: u8, out: &mut Phrase) {
        match &expr.kind {
            ExprKind::Int(n) => out.push_text(&grouped(Decimal::from(*n))),
            ExprKind::Decimal(d) => out.push_text(&grouped(*d)),
            ExprKind::Percent(p) => out.push_text(&format!("{}%", grouped(*p * Decimal::from(100)))),
            ExprKind::Money(m) => out.push_text(&format!("{} CNY", grouped(*m))),
            ExprKind::Date(d) => out.push_text(&d.format("%Y-%m-%d").to_string()),
            ExprKind::Duration(n, unit) => out.push_text(&format!("{n} {}", duration_word(*unit))),
            ExprKind::Str(s) => out.push_text(&format!("“{s}”")),
            ExprKind::Bool(true) => out.push_text("true"),
            ExprKind::Bool(false) => out.push_text("false"),
            ExprKind::None => out.push_text("not given"),
            ExprKind::AsOf => out.push_name("as_of"),
            ExprKind::Name(id) => out.push_name(&id.name),
            ExprKind::Field(..) => match dotted(expr) {
                Some(path) => out.push_name(&path),
                None => {
                    if let ExprKind::Field(base, field) = &expr.kind {
                        self.expr(base, ATOM, out);
                        out.push_text(".");
                        out.push_name(&field.name);
                    }
                }
            },
            ExprKind::Call(name, args) => self.call(&name.name, args, out),
            ExprKind::Lambda(param, body) => {
                out.push_name(&param.name);
                out.push_text(" ⇒ ");
                self.expr(body, 0, out);
            }
            ExprKind::Neg(e) => {
                out.push_text("−");
                self.expr(e, own + 1, out);
            }
            ExprKind::Not(e) => {
                out.push_text("not ");
                self.expr(e, own, out);
            }
            ExprKind::Binary(op, l, r) => {
                // a chain of one operator reads without parentheses; mixed `and`/`or` keep them
                let (left, right) = match op {
                    BinOp::And | BinOp::Or | BinOp::Add | BinOp::Mul => (own, own + 1),
                    _ => (own + 1, own + 1),
                };
                let left = if matches!(op, BinOp::And | BinOp::Or) && is_other_logic(l, *op) { own + 1 } else { left };
                self.expr(l, left, out);
                out.push_text(&format!(" {} ", symbol(*op)));
                self.expr(r, right, out);
            }
            ExprKind::Exists(e) => {
                self.expr(e, own + 1, out);
                out.push_text(" is given");
            }
            ExprKind::In(x, set) => {
                self.expr(x, own + 1, out);
                match &set.kind {
                    ExprKind::Name(id) if self.names.lists.contains(&id.name) => {
                        out.push_text(" is on list ");
                        out.push_name(&id.name);
                    }
                    _ => {
                        out.push_text(" is one of ");
                        self.expr(set, own + 1, out);
                    }
                }
            }
            ExprKind::InRange(x, lo, hi) | ExprKind::InHalfOpen(x, lo, hi) => {
                let below = matches!(expr.kind, ExprKind::InHalfOpen(..));
                self.expr(x, own + 1, out);
                out.push_text(" is from ");
                self.expr(lo, own + 1, out);
                out.push_text(if below { " to below " } else { " to " });
                self.expr(hi, own + 1, out);
                if !below {
                    out.push_text(" (inclusive)");
                }
            }
            ExprKind::Set(items) => {
                out.push_text("{");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_text(", ");
                    }
                    self.expr(item, 0, out);
                }
                out.push_text("}");
            }
            ExprKind::If(c, a, b) => {
                out.push_text("if ");
                self.expr(c, 0, out);
                out.push_text(" then ");
                self.expr(a, 0, out);
                out.push_text(" else ");
                self.expr(b, 0, out);
            }
            ExprKind::Match(m) => {
                out.push_text("a decision table on ");
                for (i, s) in m.subjects.iter().enumerate() {
                    if i > 0 {
                        out.push_text(", ");
                    }
                    self.expr(s, 0, out);
                }
                out.push_text(&format!(" ({} rows)", m.arms.len()));
            }
        }
    }

    fn call(&self, name: &str, args: &[Expr], out: &mut Phrase) {
        // the list functions over a lambda read as a sentence
        if let ([list, lambda], true) = (args, matches!(name, "any" | "all" | "count" | "sum")) {
            if let ExprKind::Lambda(param, body) = &lambda.kind {
                let lead = match name {
                    "any" => "some ",
                    "all" => "every ",
                    "count" => "the number of ",
                    _ => "the sum over ",
                };
                out.push_text(lead);
                out.push_name(&param.name);
                out.push_text(" in ");
                self.expr(list, ATOM, out);
                out.push_text(match name {
                    "any" | "all" | "count" => " with ",
                    _ => " of ",
                });
                self.expr(body, 0, out);
                return;
            }
        }
        out.push_text(&format!("{name}("));
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                out.push_text(", ");
            }
            self.expr(arg, 0, out);
        }
        out.push_text(")");
    }
}

fn is_other_logic(expr: &Expr, op: BinOp) -> bool {
    matches!(&expr.kind, ExprKind::Binary(o @ (BinOp::And | BinOp::Or), ..) if *o != op)
}

/// `a.b.c` when the expression is a path of names.
fn dotted(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Name(id) => Some(id.name.clone()),
        ExprKind::Field(base, field) => Some(format!("{}.{}", dotted(base)?, field.name)),
        _ => None,
    }
}

/// The text of a phrase list joined for a table cell.
pub fn join(phrases: Vec<Phrase>, separator: &str) -> Phrase {
    let mut out = Phrase::default();
    for (i, p) in phrases.into_iter().enumerate() {
        if i > 0 {
            out.push_text(separator);
        }
        out.append(p);
    }
    out
}

/// `words` then `phrase`.
pub fn lead(words: &str, phrase: Phrase) -> Phrase {
    let mut out = Phrase::text(words);
    out.append(phrase);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::source::FileId;

    fn render(source: &str) -> String {
        let text = format!("let x = {source}\n");
        let (module, diagnostics) = crate::syntax::parse::parse(FileId(0), &text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let Some(crate::syntax::ast::Item::Let(decl)) = module.items.first() else {
            unreachable!("a let parses to a let")
        };
        let names = Names { lists: ["fraud_ids".to_string()].into() };
        phrase(&decl.value, &names).plain()
    }

    #[test]
    fn comparisons_and_numbers_read_as_people_write_them() {
        assert_eq!(render("applicant.monthly_income >= 3_000 CNY"), "applicant.monthly_income ≥ 3,000 CNY");
        assert_eq!(render("a != 2 and b <= 50%"), "a ≠ 2 and b ≤ 50%");
        assert_eq!(render("a > 0 CNY and (b or c)"), "a > 0 CNY and (b or c)");
        assert_eq!(render("-1_234_567.5"), "−1,234,567.5");
        assert_eq!(render("x * 30%"), "x × 30%");
    }

    #[test]
    fn lists_sets_and_ranges_are_sentences() {
        assert_eq!(render("applicant.id_number in fraud_ids"), "applicant.id_number is on list fraud_ids");
        assert_eq!(render("t in {A, B, M}"), "t is one of {A, B, M}");
        assert_eq!(render("f in eligible_funders"), "f is one of eligible_funders");
        assert_eq!(render("m in 3 ..= 36"), "m is from 3 to 36 (inclusive)");
        assert_eq!(render("d exists and not e"), "d is given and not e");
        assert_eq!(render("any(loans, l => l.days > 30)"), "some l in loans with l.days > 30");
    }

    #[test]
    fn names_are_kept_apart_from_words() {
        let text = "let x = a.b >= 1\n";
        let (module, _) = crate::syntax::parse::parse(FileId(0), text);
        let Some(crate::syntax::ast::Item::Let(decl)) = module.items.first() else { unreachable!("a let") };
        let p = phrase(&decl.value, &Names::default());
        assert_eq!(p.0, vec![Piece::Name("a.b".into()), Piece::Text(" ≥ 1".into())]);
    }
}
