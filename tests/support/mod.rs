//! Helpers shared by the live tests.
pub mod live;
