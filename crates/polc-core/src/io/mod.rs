//! Data in and out: input records decoded against the schema (the decode plan
//! and the general reader), list files, and decision lines written as JSON.

pub mod json;
pub mod lists;
pub mod output;
pub mod plan;
pub mod record;
pub mod scan;

#[cfg(test)]
mod agree;
