//! Socket.IO (protocol v4 for Socket.IO 2.x, v5 for 3.x and 4.x) packets inside Engine.IO
//! messages: `<type>[<n>-][<nsp>,][<id>][JSON]`, binary events and acks joined with their
//! attachments, and every event that asks for an ack paired with its ACK. The reference is the
//! protocol's own parser, npm `socket.io-parser` (4.x for v5, 3.x for v4).

mod assembler;
mod packet;
mod payload;

use serde::Serialize;

pub use assembler::{Attachments, Completed};
pub use packet::decode_packet;
pub use payload::{Shape, SioData};

/// The Socket.IO protocol revision; Engine.IO v3 carries v4, Engine.IO v4 carries v5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SioVersion {
    V4,
    V5,
}

/// The seven packet types; the digit is the type on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum SioType {
    Connect,
    Disconnect,
    Event,
    Ack,
    /// `ERROR` in protocol v4.
    ConnectError,
    BinaryEvent,
    BinaryAck,
}

impl SioType {
    /// From the type digit.
    pub fn from_digit(d: u8) -> Option<Self> {
        Some(match d {
            b'0' => Self::Connect,
            b'1' => Self::Disconnect,
            b'2' => Self::Event,
            b'3' => Self::Ack,
            b'4' => Self::ConnectError,
            b'5' => Self::BinaryEvent,
            b'6' => Self::BinaryAck,
            _ => return None,
        })
    }

    /// `"CONNECT"`, `"EVENT"`…, as DESIGN.md's JSON and `socket.io-parser` name them.
    pub fn name(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::Disconnect => "DISCONNECT",
            Self::Event => "EVENT",
            Self::Ack => "ACK",
            Self::ConnectError => "CONNECT_ERROR",
            Self::BinaryEvent => "BINARY_EVENT",
            Self::BinaryAck => "BINARY_ACK",
        }
    }

    /// Whether binary attachments follow it.
    pub fn is_binary(self) -> bool {
        matches!(self, Self::BinaryEvent | Self::BinaryAck)
    }

    /// Whether it is an event (which may ask for an ack).
    pub fn is_event(self) -> bool {
        matches!(self, Self::Event | Self::BinaryEvent)
    }

    /// Whether it answers an event.
    pub fn is_ack(self) -> bool {
        matches!(self, Self::Ack | Self::BinaryAck)
    }
}

/// One Socket.IO packet, as its text header says.
#[derive(Clone, Debug, PartialEq)]
pub struct SioPacket {
    pub kind: SioType,
    /// `"/"` when absent on the wire.
    pub nsp: smol_str::SmolStr,
    /// The ack id.
    pub id: Option<u64>,
    /// How many binary attachments follow (binary types only).
    pub attachments: u32,
    /// The JSON payload; attachment placeholders stay as they are on the wire.
    pub data: Option<SioData>,
}

impl SioPacket {
    /// An event's name: the payload's first element, when it is a string.
    pub fn event(&self) -> Option<&str> {
        if !self.kind.is_event() {
            return None;
        }
        self.data.as_ref()?.first_str()
    }

    /// The Socket.IO sid a server gives in its CONNECT answer (v5).
    pub fn sid(&self) -> Option<&str> {
        if self.kind != SioType::Connect {
            return None;
        }
        self.data.as_ref()?.sid()
    }

    /// The event's arguments (the payload after the name) or the ack's values (parsed here).
    pub fn args(&self) -> Vec<serde_json::Value> {
        let mut all = self
            .data
            .as_ref()
            .map(SioData::elements)
            .unwrap_or_default();
        if self.event().is_some() && !all.is_empty() {
            all.remove(0);
        }
        all
    }
}

/// A Socket.IO protocol violation, or something that could not be followed. The sentence
/// that explains each kind to a class lives in `lesson/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum SocketIoAnomaly {
    #[error("unknown Socket.IO packet type {found:?}")]
    UnknownType { found: String },
    /// A binary packet whose `<n>-` is missing, not a number, or 0.
    #[error("bad Socket.IO attachment count {found:?}")]
    BadAttachments { found: String },
    /// A payload that is not JSON.
    #[error("Socket.IO payload is not JSON")]
    NotJson,
    /// JSON of the wrong shape for the type (an event that is not an array, a reserved event
    /// name, a DISCONNECT with data…).
    #[error("Socket.IO {kind} payload of the wrong shape")]
    InvalidPayload { kind: &'static str },
    /// Binary data with no binary event or ack waiting for it.
    #[error("binary Engine.IO message with no Socket.IO packet waiting for it")]
    UnexpectedAttachment,
    /// A binary event or ack whose attachments stopped coming (a text packet came first, or
    /// the connection ended).
    #[error("Socket.IO {kind} got {got} of its {expected} attachments")]
    MissingAttachments {
        kind: &'static str,
        expected: u32,
        got: u32,
    },
    /// An ACK whose id no event asked for.
    #[error("Socket.IO ACK {id} answers no event")]
    AckWithoutEvent { id: u64 },
}

#[cfg(test)]
mod tests;
