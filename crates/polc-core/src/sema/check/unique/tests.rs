//! Property test of the unique hit check against brute force.
