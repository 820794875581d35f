//! Application protocols on reassembled TCP streams: HTTP/1.1 with the WebSocket Upgrade
//! (Sec-WebSocket-Accept checked, RFC 6455 §4.2.2) and RFC 6455 frames and messages (masking,
//! fragments, control frames, permessage-deflate). We observe, we are not an endpoint: RFC
//! violations become annotations, never a dropped connection.

pub mod engineio;
pub mod http;
mod input;
pub(crate) mod json_text;
pub mod socketio;
pub mod tls;
mod tracker;
pub mod websocket;

use serde::Serialize;

use crate::flow::Direction;

pub use http::{HttpAnomaly, HttpKind, HttpMessage};
pub use tls::{TlsAnomaly, TlsRecord};
pub use tracker::AppTracker;
pub use websocket::{WsAnomaly, WsFrame, WsMessage};

/// What the application-protocol parsers found, attributed (as Wireshark does) to the packet
/// that carried the last byte.
#[derive(Clone, Debug, PartialEq)]
pub enum AppEvent {
    /// Boxed: an HTTP message is 376 bytes, and every packet's events are a `Vec` of these
    /// (WebSocket and Engine.IO events, far more common, are under 180 bytes; a `Vec` of four
    /// events then stays in mimalloc's small blocks, and every event moved is smaller).
    Http(Box<HttpMessage>),
    WsFrame(WsFrame),
    /// A complete message (after defragmentation and decompression).
    WsMessage(WsMessage),
    /// The stream stopped being understood (bytes that are not HTTP, a gap, a raw tunnel…).
    Note(AppNote),
    /// An Engine.IO or Socket.IO packet, an ack paired with its event, or a violation.
    Io(engineio::IoEvent),
    /// A TLS record (`wss://`, or TLS inside a `CONNECT` tunnel).
    Tls(TlsRecord),
}

/// Something to say about a stream that is not a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppNote {
    pub direction: Direction,
    /// Packet whose bytes made this note.
    pub packet: u64,
    pub kind: NoteKind,
}

/// Why a stream direction stopped being understood (its sentence is in `lesson::annotations`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum NoteKind {
    /// `len` bytes were never captured in an HTTP direction: parsing resumes at the next
    /// request or response.
    HttpGap { len: u64 },
    /// `len` bytes were never captured after the upgrade: frame boundaries are lost.
    WebSocketGap { len: u64 },
    /// `len` bytes were never captured in a TLS direction: record boundaries are lost.
    TlsGap { len: u64 },
    /// The bytes are not HTTP (or stopped being): the direction is not decoded further.
    NotDecoded(HttpAnomaly),
    /// A `101` switched to a protocol that is not WebSocket (e.g. `Upgrade: tcp`, RFC 9110
    /// §7.8): the bytes that follow are not decoded.
    OpaqueUpgrade { protocol: String },
    /// A `CONNECT` tunnel was established (RFC 9110 §9.3.6): the bytes that follow are the
    /// tunnelled protocol's, decoded only when they are TLS records.
    ConnectTunnel,
}

/// What the application-layer parser thinks a stream direction is carrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum StreamKind {
    /// Not yet known.
    Unknown,
    Http,
    WebSocket,
    /// Upgraded to something that is not WebSocket (e.g. Docker's `Upgrade: tcp`), or a
    /// `CONNECT` tunnel that does not carry TLS.
    OpaqueUpgrade,
    /// TLS records (`wss://`, HTTPS, or TLS inside a `CONNECT` tunnel).
    Tls,
    /// Not HTTP at all.
    Opaque,
}

#[cfg(test)]
mod tests;
