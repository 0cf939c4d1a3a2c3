//! What owns a compiled program and runs it: the embeddable `Policy` with its
//! bound lists, the ordered parallel batch runner, and the runner of a
//! policy's `test` blocks with coverage, and the policy as a committee document.

pub mod batch;
pub mod bundle;
pub mod coverage;
pub mod diff;
pub mod doc;
pub mod in_force;
pub mod outcome;
pub mod policy;
pub mod testing;
