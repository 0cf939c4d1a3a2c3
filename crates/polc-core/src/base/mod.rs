//! What every stage shares: source files and spans, the diagnostic type and its
//! renderers, the code catalogue, compile and record limits, and the type schema.

pub mod codes;
pub mod diag;
#[cfg(feature = "human")]
pub(crate) mod excerpt;
pub mod limits;
pub mod lines;
pub mod source;
pub mod types;
