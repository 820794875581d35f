//! Application protocols on reassembled TCP streams: HTTP/1.1 with the WebSocket Upgrade
//! (Sec-WebSocket-Accept checked, RFC 6455 §4.2.2) and RFC 6455 frames and messages (masking,
//! fragments, control frames, permessage-deflate). We observe, we are not an endpoint: RFC
//! violations become annotations, never a dropped connection.

pub mod engineio;
pub mod http;
mod input;
pub mod socketio;
mod tracker;
pub mod websocket;

use serde::Serialize;

use crate::flow::Direction;

pub use http::{HttpKind, HttpMessage};
pub use tracker::AppTracker;
pub use websocket::{WsFrame, WsMessage};

/// What the application-protocol parsers found, attributed (as Wireshark does) to the packet
/// that carried the last byte.
#[derive(Clone, Debug, PartialEq)]
pub enum AppEvent {
    Http(HttpMessage),
    WsFrame(WsFrame),
    /// A complete message (after defragmentation and decompression).
    WsMessage(WsMessage),
    /// The stream stopped being understood (bytes that are not HTTP, a gap, a raw tunnel…).
    Note(AppNote),
}

/// Something to say about a stream that is not a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppNote {
    pub direction: Direction,
    /// Packet whose bytes made this note.
    pub packet: u64,
    pub message: String,
}

/// What the application-layer parser thinks a stream direction is carrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StreamKind {
    /// Not yet known.
    Unknown,
    Http,
    WebSocket,
    /// Upgraded to something that is not WebSocket (e.g. Docker's `Upgrade: tcp`).
    OpaqueUpgrade,
    /// Not HTTP at all.
    Opaque,
}

#[cfg(test)]
mod tests;
