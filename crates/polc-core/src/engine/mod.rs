//! What owns a compiled program and runs it: the embeddable `Policy` with its
//! bound lists, and the runner of a policy's `test` blocks with coverage.

pub mod policy;
pub mod testing;
