//! Meaning: `use` and names (N codes), then types, authority and warnings
//! (T, A, W codes). The result is a checked program ready to lower.

pub mod check;
pub mod resolve;
