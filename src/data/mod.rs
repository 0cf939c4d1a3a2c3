//! Data from outside the policy: input records decoded against the schema,
//! list files, and the PRC identifier types.

pub mod ident;
pub mod json;
pub mod lists;
pub mod plan;
pub mod record;
