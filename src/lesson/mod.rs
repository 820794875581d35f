//! Plain-language narration for each step kind and each OSI layer, using the step's real
//! numbers, plus the worked examples the app shows beside it (the Sec-WebSocket-Accept
//! derivation, a WebSocket header's bits, the unmasking). Arithmetic for display, not parsing.

pub mod accept;
pub mod annotations;
pub mod glossary;
pub mod guided;
mod guided_compare;
mod guided_sio;
pub mod handout;
pub mod handshake;
pub mod io_annotations;
pub mod io_steps;
pub mod ladder_svg;
pub mod layers;
pub mod loss;
pub mod problems;
pub mod quiz;
pub mod steps;
pub mod teardown;
pub mod tls;
pub mod wsbits;

pub use accept::{AcceptDerivation, WEBSOCKET_GUID, derive_accept};
pub use io_steps::{IoCode, io_code};
pub use layers::{
    LayerUse, OSI_LAYERS, OsiLayer, TCPIP_LAYERS, TcpIpLayer, is_loopback, layer_uses,
};
pub use problems::{Problem, Severity, problems};
pub use steps::{Narration, StepContext, narrate, narrate_in, narrate_packet};
pub use teardown::{close_code_meaning, close_code_refusal, close_code_sendable};
pub use wsbits::{BitField, UnmaskRow, frame_bits, unmask_rows};

#[cfg(test)]
pub(crate) mod fixture;
