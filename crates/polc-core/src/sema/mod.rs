//! Meaning: `use` and names (N codes), then types, authority and warnings
//! (T, A, W codes). The result is a checked program ready to lower and, for
//! editors, an index of what every name and expression is.

pub mod check;
pub mod index;
pub mod resolve;
pub mod test_file;
