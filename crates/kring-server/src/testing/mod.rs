//! Test support shared by this crate's tests and the scenario tests in `tests/`: the store
//! conformance suite and a throwaway PostgreSQL cluster. Behind the `test-support` feature.

pub mod conformance;
pub mod postgres;
