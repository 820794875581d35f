//! Helpers shared by the live tests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test
pub mod live;
