//! Engine.IO (protocol v3 and v4): packets, polling payloads, the URL of each request and the
//! sessions that join polling requests and a WebSocket by their `sid`. The reference is the
//! protocol's own parser, npm `engine.io-parser` (5.x for v4, 2.x for v3).

mod feed;
mod packet;
mod payload;
pub mod record;
mod session;
mod url;

use serde::Serialize;

pub use feed::{EioWork, IoOut};
pub use packet::{decode_packet_text, decode_ws_binary};
pub use payload::{Payload, decode_payload, decode_payload_v3, decode_payload_v4};
pub use record::{AckPair, EioRecord, IoAnomaly, IoAnomalyKind, IoEvent, SioRecord};
pub use session::{EioSessions, EioWsMessage};
pub use url::EioUrl;

/// How many binary bytes a packet keeps for display and for Socket.IO attachments.
pub const BINARY_KEEP: usize = 64 * 1024;

/// The Engine.IO protocol revision (`EIO=` in the URL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EioVersion {
    /// Socket.IO 2.x: `<len>:` prefixed polling payloads, the client pings.
    V3,
    /// Socket.IO 3.x and 4.x: `\x1e` separated payloads, the server pings.
    V4,
}

impl EioVersion {
    /// `3` or `4`, as in `EIO=`.
    pub fn number(self) -> u8 {
        match self {
            Self::V3 => 3,
            Self::V4 => 4,
        }
    }

    /// From the `EIO=` value.
    pub fn from_number(n: &str) -> Option<Self> {
        match n {
            "3" => Some(Self::V3),
            "4" => Some(Self::V4),
            _ => None,
        }
    }
}

/// How the packets travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Transport {
    /// HTTP long-polling: GET bodies carry the server's packets, POST bodies the client's.
    Polling,
    WebSocket,
}

impl Transport {
    /// `"polling"` or `"websocket"`, as in `transport=`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Polling => "polling",
            Self::WebSocket => "websocket",
        }
    }
}

/// The seven packet types; the digit is the type on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum EioType {
    Open,
    Close,
    Ping,
    Pong,
    Message,
    Upgrade,
    Noop,
}

impl EioType {
    /// From the type digit (`b'0'..=b'6'`).
    pub fn from_digit(d: u8) -> Option<Self> {
        Self::from_number(d.wrapping_sub(b'0'))
    }

    /// From the type number (0–6), as v3 binary frames carry it.
    pub fn from_number(n: u8) -> Option<Self> {
        Some(match n {
            0 => Self::Open,
            1 => Self::Close,
            2 => Self::Ping,
            3 => Self::Pong,
            4 => Self::Message,
            5 => Self::Upgrade,
            6 => Self::Noop,
            _ => return None,
        })
    }

    /// `"open"`, `"close"`…, as DESIGN.md's JSON and `engine.io-parser` name them.
    pub fn name(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Close => "close",
            Self::Ping => "ping",
            Self::Pong => "pong",
            Self::Message => "message",
            Self::Upgrade => "upgrade",
            Self::Noop => "noop",
        }
    }
}

/// What an Engine.IO packet carries after its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EioData {
    /// Nothing after the type digit.
    None,
    /// The text after the type digit (`probe`, the open JSON, a Socket.IO packet…).
    Text(String),
    /// Binary data (base64 `b…` when polling, a binary WebSocket frame); `len` is the whole
    /// length, `bytes` its first [`BINARY_KEEP`] bytes.
    Binary { len: u64, bytes: Vec<u8> },
}

/// One Engine.IO packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EioPacket {
    pub kind: EioType,
    pub data: EioData,
}

impl EioPacket {
    /// The text after the type digit, when it is text.
    pub fn text(&self) -> Option<&str> {
        match &self.data {
            EioData::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Whether it carries binary data.
    pub fn is_binary(&self) -> bool {
        matches!(self.data, EioData::Binary { .. })
    }

    /// The binary length, when binary.
    pub fn binary_len(&self) -> Option<u64> {
        match self.data {
            EioData::Binary { len, .. } => Some(len),
            _ => None,
        }
    }
}

/// An Engine.IO protocol violation, or something that could not be followed. The sentence
/// that explains each kind to a class lives in `lesson/`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum EngineIoAnomaly {
    /// A packet whose type is not 0–6 (or empty).
    #[error("unknown Engine.IO packet type {found:?}")]
    UnknownType { found: String },
    /// A `b…` packet whose base64 does not decode.
    #[error("bad base64 in an Engine.IO binary packet")]
    BadBase64,
    /// A polling body or text frame that is not UTF-8.
    #[error("an Engine.IO text payload that is not UTF-8")]
    NotUtf8,
    /// v3: a `<len>:` prefix that is not a number, or runs past the payload.
    #[error("Engine.IO v3 length prefix {prefix:?} at byte {at}: {why}")]
    BadLength {
        at: usize,
        prefix: String,
        why: &'static str,
    },
    /// v4: an empty part between two `\x1e` separators (or at an end).
    #[error("empty Engine.IO packet in a \\x1e separated payload (part {index})")]
    EmptyPart { index: usize },
    /// A request for a `sid` whose open packet we never saw.
    #[error("Engine.IO sid {sid:?} was never opened in this capture")]
    UnknownSid { sid: String },
    /// An HTTP body that stops before its end (the connection closed or bytes were lost).
    #[error("Engine.IO payload cut short")]
    Truncated,
    /// An open packet whose JSON has no `sid`.
    #[error("Engine.IO open packet without a sid")]
    OpenWithoutSid,
}

#[cfg(test)]
mod tests;
