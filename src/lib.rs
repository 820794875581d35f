//! osiscope: watch a real WebSocket connection travel through the OSI stack.
//!
//! Data flows one way (see `DESIGN.md` in the shared folder):
//! `capture` → `decode` → `flow` → `app_proto` (the `engine`) → `model` → `ui`, run by `pipeline`;
//! `session` starts live capture, the bundled server and recordings.

pub mod app_proto;
pub mod capture;
pub mod decode;
pub mod echo;
pub mod engine;
pub mod flow;
pub mod lesson;
pub mod model;
pub mod pipeline;
pub mod session;
#[cfg(feature = "gui")]
pub mod ui;
