//! PMML predicates (`True`, `SimplePredicate`, `SimpleSetPredicate`,
//! `CompoundPredicate` of `and`/`or`) as one bin's pattern and the field it is on.

use super::bins::{End, Interval, Pattern, Scale};
use super::{child, Converter};
use crate::base::codes::Code;
use roxmltree::Node;
use rust_decimal::Decimal;
use std::str::FromStr;

impl Converter<'_, '_> {
    /// A predicate as a pattern and the field it is on (`None` for `True`).
    pub(super) fn predicate(&mut self, node: Node) -> Option<(Pattern, Option<String>)> {
        match node.tag_name().name() {
            "True" => Some((Pattern::Any, None)),
            "SimplePredicate" => self.simple(node),
            "SimpleSetPredicate" => self.set(node),
            "CompoundPredicate" => self.compound(node),
            other => {
                let message = format!("a `{other}` predicate has no `.pol` pattern");
                let help =
                    "bins are `SimplePredicate`, `SimpleSetPredicate`, `CompoundPredicate` (`and`, `or`) or `True`";
                self.fail(Code::P0018, node, None, message, Some(help));
                None
            }
        }
    }

    /// The `field` a predicate is on, and its scale.
    fn field_of(&mut self, node: Node) -> Option<(String, Scale)> {
        let Some(field) = node.attribute("field") else {
            self.fail(Code::P0017, node, None, "the predicate names no `field`".into(), None);
            return None;
        };
        let scale = self.scale(field, node)?;
        Some((field.to_string(), scale))
    }

    fn simple(&mut self, node: Node) -> Option<(Pattern, Option<String>)> {
        let (field, scale) = self.field_of(node)?;
        let operator = node.attribute("operator").unwrap_or("");
        if operator == "isMissing" {
            return Some((Pattern::Missing, Some(field)));
        }
        if operator == "notEqual" || operator == "isNotMissing" {
            let message = format!("`{operator}` has no `.pol` pattern");
            let help = "write the values it stands for, or make it the last bin as `<True/>`";
            self.fail(Code::P0018, node, Some("operator"), message, Some(help));
            return None;
        }
        let inclusive = match operator {
            "equal" => None,
            "lessThan" | "greaterThan" => Some(false),
            "lessOrEqual" | "greaterOrEqual" => Some(true),
            other => {
                self.fail(Code::P0017, node, Some("operator"), format!("unknown operator `{other}`"), None);
                return None;
            }
        };
        let Some(value) = node.attribute("value") else {
            self.fail(Code::P0017, node, None, format!("`{operator}` needs a `value`"), None);
            return None;
        };
        if scale == Scale::Categorical {
            if operator == "equal" {
                return Some((Pattern::Values(vec![value.to_string()]), Some(field)));
            }
            let message = format!("`{operator}` on field `{field}`, which is not a number");
            self.fail(Code::P0018, node, Some("operator"), message, Some("compare categories with `equal` or `isIn`"));
            return None;
        }
        let Ok(number) = Decimal::from_str(value.trim()) else {
            let message = format!("`{value}` is not a number, and field `{field}` is numeric");
            self.fail(Code::P0018, node, Some("value"), message, None);
            return None;
        };
        let end = |inclusive| Some(End { value: number, inclusive });
        let interval = match (operator, inclusive) {
            ("lessThan" | "lessOrEqual", Some(inclusive)) => Interval { lo: None, hi: end(inclusive) },
            ("greaterThan" | "greaterOrEqual", Some(inclusive)) => Interval { lo: end(inclusive), hi: None },
            // `equal` on a number: the one point
            _ => Interval { lo: end(true), hi: end(true) },
        };
        if interval.normalized(scale).is_empty() {
            let message =
                format!("`{value}` is not a whole number, and field `{field}` is `integer`: this bin never matches");
            self.fail(Code::P0019, node, Some("value"), message, None);
            return None;
        }
        Some((Pattern::Interval(interval), Some(field)))
    }

    fn set(&mut self, node: Node) -> Option<(Pattern, Option<String>)> {
        let (field, scale) = self.field_of(node)?;
        if node.attribute("booleanOperator") != Some("isIn") {
            let message = "only `isIn` has a `.pol` pattern".to_string();
            self.fail(Code::P0018, node, Some("booleanOperator"), message, Some("write the values `isNotIn` leaves"));
            return None;
        }
        let Some(array) = child(node, "Array") else {
            self.fail(Code::P0017, node, None, "the set has no `Array` of values".into(), None);
            return None;
        };
        let values = array_values(array.text().unwrap_or(""));
        if scale == Scale::Categorical {
            return Some((Pattern::Values(values), Some(field)));
        }
        let mut points = Vec::with_capacity(values.len());
        for value in values {
            match Decimal::from_str(value.trim()) {
                Ok(n) => points.push(super::bins::number(n)),
                Err(_) => {
                    let message = format!("`{value}` is not a number, and field `{field}` is numeric");
                    self.fail(Code::P0018, array, None, message, None);
                    return None;
                }
            }
        }
        Some((Pattern::Values(points), Some(field)))
    }

    fn compound(&mut self, node: Node) -> Option<(Pattern, Option<String>)> {
        let operator = node.attribute("booleanOperator").unwrap_or("");
        if operator != "and" && operator != "or" {
            let message = format!("`{operator}` has no `.pol` pattern");
            let help = "only `and` and `or` of ranges or values on one field make a bin";
            self.fail(Code::P0018, node, Some("booleanOperator"), message, Some(help));
            return None;
        }
        let mut field: Option<String> = None;
        let mut parts = Vec::new();
        for part in node.children().filter(|n| n.is_element() && n.tag_name().name() != "Extension") {
            // `isNotMissing` in an `and` says nothing a range does not
            if operator == "and" && part.attribute("operator") == Some("isNotMissing") {
                continue;
            }
            let (pattern, on) = self.predicate(part)?;
            if let (Some(on), Some(field)) = (&on, &field) {
                if on != field {
                    let message = format!("on field `{on}`, the rest of the bin on `{field}`");
                    let help = "a bin is on one field: split the characteristic";
                    self.fail(Code::P0018, part, Some("field"), message, Some(help));
                    return None;
                }
            }
            field = field.or(on);
            parts.push(pattern);
        }
        let scale = field.as_ref().and_then(|f| self.fields.get(f)).and_then(|f| f.scale).unwrap_or(Scale::Dense);
        let combined = match operator {
            "and" => parts.into_iter().try_fold(Pattern::Any, |a, b| both(a, b, scale)),
            _ => {
                let mut parts = parts.into_iter();
                parts.next().and_then(|first| parts.try_fold(first, |a, b| either(a, b, scale)))
            }
        };
        match combined {
            Some(pattern) => Some((pattern, field)),
            None => {
                let message =
                    format!("this `{operator}` is not one range, one set of values or `isMissing` on one field");
                let help = "a bin matches one range or set: split it into bins that do";
                self.fail(Code::P0018, node, Some("booleanOperator"), message, Some(help));
                None
            }
        }
    }
}

/// What `a and b` match, when a pattern says it.
fn both(a: Pattern, b: Pattern, scale: Scale) -> Option<Pattern> {
    match (a, b) {
        (Pattern::Never, _) | (_, Pattern::Never) => Some(Pattern::Never),
        (Pattern::Any, p) | (p, Pattern::Any) => Some(p),
        (Pattern::Interval(a), Pattern::Interval(b)) => {
            let i = a.normalized(scale).intersect(b.normalized(scale));
            Some(if i.is_empty() { Pattern::Never } else { Pattern::Interval(i) })
        }
        (Pattern::Values(a), Pattern::Values(b)) => {
            let common: Vec<String> = a.into_iter().filter(|v| b.contains(v)).collect();
            Some(if common.is_empty() { Pattern::Never } else { Pattern::Values(common) })
        }
        // `none` and a range or value: nothing is both
        (Pattern::Missing, Pattern::Missing) => Some(Pattern::Missing),
        (Pattern::Missing, _) | (_, Pattern::Missing) => Some(Pattern::Never),
        // a numeric set with a range: not one pattern
        _ => None,
    }
}

/// What `a or b` match, when a pattern says it.
fn either(a: Pattern, b: Pattern, scale: Scale) -> Option<Pattern> {
    match (a, b) {
        (Pattern::Never, p) | (p, Pattern::Never) => Some(p),
        (Pattern::Any, _) | (_, Pattern::Any) => Some(Pattern::Any),
        (Pattern::Interval(a), Pattern::Interval(b)) => {
            a.normalized(scale).union(b.normalized(scale), scale).map(Pattern::Interval)
        }
        (Pattern::Values(mut a), Pattern::Values(b)) => {
            let new: Vec<String> = b.into_iter().filter(|v| !a.contains(v)).collect();
            a.extend(new);
            Some(Pattern::Values(a))
        }
        _ => None,
    }
}

/// The values of a PMML `Array`: separated by white space, `"…"` quoting
/// values with spaces (`\"` inside).
fn array_values(text: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut value = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' if chars.peek() == Some(&'"') => {
                        value.push('"');
                        chars.next();
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
            values.push(value);
        } else {
            let mut value = String::new();
            while let Some(&c) = chars.peek().filter(|c| !c.is_whitespace()) {
                value.push(c);
                chars.next();
            }
            values.push(value);
        }
    }
    values
}
