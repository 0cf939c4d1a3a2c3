//! Text to AST: the pest grammar's pairs folded into a spanned, untyped tree
//! (P codes), and the formatter that prints that tree back canonically.

pub mod ast;
pub mod format;
pub mod keywords;
pub mod operators;
pub mod parse;
