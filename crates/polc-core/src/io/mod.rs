//! Data in and out: input records decoded against the schema (the decode plan
//! and the general reader), list files, and decisions as JSON lines and as
//! typed verdicts.

pub mod json;
pub mod lists;
pub mod output;
pub mod plan;
pub mod pmml;
pub mod record;
pub mod scan;
#[cfg(feature = "arrow")]
pub mod tabular;
pub mod verdict;

#[cfg(test)]
mod agree;
