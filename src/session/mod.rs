//! Running things: a live session (echo server + loopback capture + pipeline + demo client) and
//! recording to pcapng, started the same way by the app, `osiscope live` and `osiscope record`
//! (see [`starter`]), with typed errors that carry their fix. Built without the `gui` feature.

pub mod compare;
pub mod error;
pub mod live;
pub mod record;
pub mod starter;

/// The demo scenarios a live session runs (re-exported for the app, which imports no server).
pub use crate::echo::Scenario;
pub use error::{PortMoved, SessionError};
pub use live::{LiveCommand, LiveSession, LiveStatus, Polled, SaveReport};
pub use record::{RecordOptions, RecordReport, record, write_pcapng};
pub use starter::{CaptureOptions, Capturing, Served, ServerOptions};
