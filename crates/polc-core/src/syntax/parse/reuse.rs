//! An editor's parse of a file's next version: the top-level declarations an
//! edit did not touch keep their syntax trees from the last parse (moved by the
//! edit's length, `syntax/shift.rs`) and only the touched ones are parsed again.
//! Whenever unsure it gives up and the file is parsed as `polc check` parses
//! it; `polc check` itself never comes here.
//!
//! INVARIANT: a reused parse is the parse of the whole text, spans, diagnostics
//! and all (the property test below holds the two equal over random edits).

use super::recover::declaration_starts;
use super::{Builder, PolParser, Rule};
use crate::base::diag::Diagnostic;
use crate::base::source::FileId;
use crate::syntax::ast::{Item, Module};
use crate::syntax::shift::Shift;
use pest::Parser as _;
use std::sync::Arc;

/// A file's last parse, kept to parse its next version: the text it was made
/// from and the tree, which must be a clean parse of that text (no syntax
/// problem, nothing broken) made with the same limits.
#[derive(Clone, Debug)]
pub struct LastParse {
    pub text: Arc<str>,
    pub module: Module,
}

/// What [`parse_reusing`] found.
pub(super) enum Reused {
    /// The module and the diagnostics of the fresh pieces.
    Parsed(Module, Vec<Diagnostic>),
    /// The new text must be parsed whole: a piece does not parse alone, or the
    /// text cannot be cut into declarations.
    Whole,
    /// Nothing can be reused: parse the new text as usual.
    Fresh,
}

/// `text`'s parse (no byte-order mark) with the unchanged declarations of
/// `last` reused. A declaration is reused when its text, from one declaration
/// start to the next, lies wholly before or wholly after the edited bytes
/// (the longest common prefix and suffix of the two texts) and is a
/// declaration of both texts; every other one is parsed alone, as
/// `parse_by_declaration` parses it.
pub(super) fn parse_reusing(file: FileId, text: &str, max_string_bytes: usize, last: LastParse) -> Reused {
    let LastParse { text: old, module } = last;
    if module.file != file || !is_clean(&module) {
        return Reused::Fresh;
    }
    let Some(new_starts) = declaration_starts(text) else { return Reused::Whole };
    if new_starts.len() <= 2 {
        return Reused::Whole;
    }
    let Some(old_starts) = declaration_starts(&old) else { return Reused::Fresh };
    let Some(mut old_pieces) = pieces_of(module, &old_starts) else { return Reused::Fresh };
    let prefix = common_prefix(old.as_bytes(), text.as_bytes());
    let most = old.len().min(text.len()) - prefix;
    let suffix = common_suffix(old.as_bytes(), text.as_bytes(), most);
    let delta = i64::try_from(text.len()).unwrap_or(0) - i64::try_from(old.len()).unwrap_or(0);

    let mut builder = Builder::new(file, 0, text.len(), max_string_bytes);
    let mut items = Vec::new();
    for window in new_starts.windows(2) {
        let &[start, end] = window else { continue };
        // the same declaration in the old text: at the same place before the
        // edit (never one that ends either file: a tree's spans may depend on
        // whether the file ends there), or moved by `delta` after it
        let before = end <= prefix && end < old.len() && end < text.len();
        let after = start >= text.len() - suffix;
        let old_start = match (before, after) {
            (true, _) => Some(start),
            (false, true) => usize::try_from(i64::try_from(start).unwrap_or(0) - delta).ok(),
            (false, false) => None,
        };
        let old_end = old_start.map(|s| s + (end - start));
        let reusable = old_start
            .and_then(|s| old_starts.binary_search(&s).ok())
            .filter(|&i| old_starts.get(i + 1).copied() == old_end);
        if let Some(piece) = reusable.and_then(|i| old_pieces.get_mut(i)).and_then(Option::take) {
            let (mut reused, mut parenthesised) = piece;
            if after && !before && delta != 0 {
                reused.shift(delta);
                for (s, e) in &mut parenthesised {
                    let mut span = crate::base::source::Span { file, start: *s, end: *e };
                    span.shift(delta);
                    (*s, *e) = (span.start, span.end);
                }
            }
            items.extend(reused);
            builder.parenthesised.extend(parenthesised);
            #[cfg(test)]
            REUSED.with(|n| n.set(n.get() + 1));
            continue;
        }
        let Some(piece) = text.get(start..end) else { return Reused::Whole };
        builder.offset = start;
        let Ok(mut pairs) = PolParser::parse(Rule::file, piece) else { return Reused::Whole };
        items.extend(pairs.next().map(|p| builder.items(p)).unwrap_or_default());
    }
    builder.offset = 0;
    let module = Module { file, items, broken: builder.broken, parenthesised: builder.parenthesised };
    Reused::Parsed(module, builder.diagnostics)
}

/// Nothing of the module failed to parse.
fn is_clean(module: &Module) -> bool {
    let b = &module.broken;
    b.declared.is_empty() && b.named.is_empty() && b.mentioned.is_empty() && !b.authority
}

/// One piece's declarations and the spans of its parenthesised expressions.
type Piece = (Vec<Item>, Vec<(u32, u32)>);

/// The module's declarations and parenthesised spans by the piece of the text
/// they lie in (piece `i` from `starts[i]` to `starts[i + 1]`); `None` when a
/// declaration crosses a piece's end or a piece holds none (then the module
/// was not the pieces' parses, which only the whole file's parse gives).
fn pieces_of(module: Module, starts: &[usize]) -> Option<Vec<Option<Piece>>> {
    let count = starts.len().checked_sub(1)?;
    let mut pieces: Vec<Piece> = (0..count).map(|_| (Vec::new(), Vec::new())).collect();
    let piece_of = |at: u32| {
        let at = usize::try_from(at).ok()?;
        // the last start at or before `at`
        starts.partition_point(|&s| s <= at).checked_sub(1).filter(|&i| i < count)
    };
    for item in module.items {
        let span = item.span();
        let i = piece_of(span.start)?;
        let end = usize::try_from(span.end).ok()?;
        if end > *starts.get(i + 1)? {
            return None;
        }
        pieces.get_mut(i)?.0.push(item);
    }
    for (s, e) in module.parenthesised {
        pieces.get_mut(piece_of(s)?)?.1.push((s, e));
    }
    if pieces.iter().any(|(items, _)| items.is_empty()) {
        return None;
    }
    Some(pieces.into_iter().map(Some).collect())
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The common suffix of `a` and `b`, at most `most` bytes.
fn common_suffix(a: &[u8], b: &[u8], most: usize) -> usize {
    a.iter().rev().zip(b.iter().rev()).take(most).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
thread_local! {
    /// How many declarations this thread's parses reused (for the tests).
    static REUSED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests;
