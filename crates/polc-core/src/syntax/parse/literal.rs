//! Literals: strings (escapes, P0003, P0009), dates (P0002) and numbers. A
//! number is held exactly or is an error (P0002): whole numbers in 64 bits,
//! decimals, amounts and percentages (divided by 100) in an exact decimal —
//! never rounded, so `0.000000000000000000000000000001` is not silently 0.

use super::{Builder, Rule};
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::Span;
use crate::syntax::ast::*;
use chrono::NaiveDate;
use pest::iterators::Pair;
use rust_decimal::Decimal;

impl Builder {
    pub(super) fn string(&mut self, pair: Pair<Rule>) -> StrLit {
        let span = self.span(&pair);
        let raw = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            let escape_start = span.start as usize + 1 + i;
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 'u')) => {
                    let rest = raw.get(i + 2..).unwrap_or("");
                    let decoded = rest
                        .strip_prefix('{')
                        .and_then(|r| r.split_once('}'))
                        .and_then(|(hex, _)| u32::from_str_radix(hex, 16).ok().map(|n| (hex.len(), n)))
                        .and_then(|(len, n)| char::from_u32(n).map(|c| (len, c)));
                    match decoded {
                        Some((len, c)) => {
                            value.push(c);
                            for _ in 0..len + 2 {
                                chars.next();
                            }
                        }
                        None => self.error(
                            Diagnostic::error(Code::P0003, "invalid unicode escape")
                                .at(Span::new(self.file, escape_start, escape_start + 2), "not a valid `\\u{…}` escape")
                                .help("write the code point in hex between braces, e.g. `\\u{4E2D}`"),
                        ),
                    }
                }
                other => {
                    let len = 1 + other.map_or(0, |(_, c)| c.len_utf8());
                    self.error(
                        Diagnostic::error(Code::P0003, "unknown escape in string")
                            .at(Span::new(self.file, escape_start, escape_start + len), "unknown escape")
                            .help("the escapes are `\\\"`, `\\\\`, `\\n` and `\\u{…}`"),
                    );
                }
            }
        }
        if value.len() > self.max_string_bytes {
            let limit = self.max_string_bytes;
            self.error(
                Diagnostic::error(
                    Code::P0009,
                    format!("string of {} bytes, longer than --max-string-bytes ({limit})", value.len()),
                )
                .at(span, "this string")
                .help("a value this long belongs in a list file (`list … from`), not in the policy"),
            );
        }
        StrLit { value, span }
    }

    pub(super) fn date(&mut self, pair: &Pair<Rule>) -> Option<NaiveDate> {
        match crate::value::ident::parse_date(pair.as_str()) {
            Some(date) => Some(date),
            None => {
                let d = Diagnostic::error(Code::P0002, format!("`{}` is not a calendar date", pair.as_str()))
                    .at(self.span(pair), "no such date")
                    .help("dates are written YYYY-MM-DD with a real month and day");
                self.error(d);
                None
            }
        }
    }

    /// A number and the unit that says what it counts (one rule, so the
    /// number is read once): a whole number, a decimal, money, a percentage
    /// or a duration.
    pub(super) fn quantity(&mut self, pair: Pair<Rule>, span: Span) -> Option<Expr> {
        let mut inner = pair.into_inner();
        let number = inner.next()?;
        let unit = inner.next();
        let digits: String = number.as_str().chars().filter(|&c| c != '_').collect();
        let fractional = digits.contains('.');
        let kind = match unit.as_ref().map(Pair::as_rule) {
            None | Some(Rule::duration_unit) if !fractional => match digits.parse::<i64>() {
                Ok(n) => match unit {
                    Some(unit) => ExprKind::Duration(n, duration_unit(unit.as_str())),
                    None => ExprKind::Int(n),
                },
                Err(_) => {
                    let d = Diagnostic::error(
                        Code::P0002,
                        format!("the whole number `{}` is out of range", number.as_str()),
                    )
                    .at(self.span(&number), "more than 64 bits")
                    .help("whole numbers are at most 9_223_372_036_854_775_807; polc never wraps or rounds a literal");
                    self.error(d);
                    return None;
                }
            },
            Some(Rule::duration_unit) => {
                let d = Diagnostic::error(Code::P0002, "a duration must be a whole number")
                    .at(span, "not a whole number")
                    .help("write whole units, e.g. `18 months` instead of `1.5 years`");
                self.error(d);
                return None;
            }
            unit => {
                let Some(value) = exact_decimal(&digits) else {
                    return self.inexact(&number, DECIMAL_DIGITS);
                };
                match unit {
                    None => ExprKind::Decimal(value),
                    Some(Rule::currency) => ExprKind::Money(value),
                    _ => match exact_percent(value) {
                        Some(value) => ExprKind::Percent(value),
                        None => {
                            let d = Diagnostic::error(Code::P0002, format!("the percentage `{}%` cannot be held exactly", number.as_str()))
                                .at(span, "too many digits once divided by 100")
                                .help("a percentage is divided by 100 and must keep every digit: write at most 26 decimal places");
                            self.error(d);
                            return None;
                        }
                    },
                }
            }
        };
        Some(Expr { kind, span })
    }

    /// P0002 for a number that cannot be held exactly.
    fn inexact(&mut self, number: &Pair<Rule>, help: &str) -> Option<Expr> {
        let d = Diagnostic::error(Code::P0002, format!("the number `{}` cannot be held exactly", number.as_str()))
            .at(self.span(number), "too many digits")
            .help(help);
        self.error(d);
        None
    }
}

const DECIMAL_DIGITS: &str =
    "a decimal holds at most 28 decimal places and 28 significant digits; polc never rounds a literal";

fn duration_unit(word: &str) -> DurationUnit {
    match word.trim_end_matches('s') {
        "year" => DurationUnit::Years,
        "month" => DurationUnit::Months,
        _ => DurationUnit::Days,
    }
}

/// The decimal `digits` (no `_`) stand for, if it can be held exactly:
/// trailing zeros after the point may be dropped, no other digit may.
fn exact_decimal(digits: &str) -> Option<Decimal> {
    Decimal::from_str_exact(digits).ok().or_else(|| {
        let (whole, fraction) = digits.split_once('.')?;
        let fraction = fraction.trim_end_matches('0');
        let shorter = if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") };
        Decimal::from_str_exact(&shorter).ok()
    })
}

/// `value / 100`, exactly (its scale two more), or `None` when that needs more
/// than 28 decimal places.
fn exact_percent(value: Decimal) -> Option<Decimal> {
    let value = value.normalize();
    Decimal::try_from_i128_with_scale(value.mantissa(), value.scale() + 2).ok().map(|d| d.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Option<Decimal> {
        Decimal::from_str(s).ok()
    }

    #[test]
    fn decimals_are_exact_or_refused() {
        assert_eq!(exact_decimal("0.0000000000000000000000000001"), dec("0.0000000000000000000000000001"));
        assert_eq!(exact_decimal("0.000000000000000000000000000001"), None);
        assert_eq!(exact_decimal("12345678901234567890123456789012.5"), None);
        // zeros that change nothing may be dropped
        assert_eq!(exact_decimal("0.1000000000000000000000000000000000"), dec("0.1"));
        assert_eq!(exact_decimal("1.50"), dec("1.50"));
    }

    #[test]
    fn percentages_are_divided_exactly() {
        let percent = |s: &str| exact_decimal(s).and_then(exact_percent);
        assert_eq!(percent("50"), dec("0.5"));
        assert_eq!(percent("1.5"), dec("0.015"));
        assert_eq!(percent("50.00000000000000000000000001"), dec("0.5000000000000000000000000001"));
        // 28 places before dividing: 30 after
        assert_eq!(percent("5.0000000000000000000000000001"), None);
        // 30 significant digits: not even a decimal
        assert_eq!(exact_decimal("50.0000000000000000000000000001"), None);
    }
}
