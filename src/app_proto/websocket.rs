//! RFC 6455 frames and messages.

mod anomaly;
mod assembler;
pub mod deflate;
pub mod frame;
mod stream;

use serde::Serialize;

use crate::flow::Direction;

pub use anomaly::WsAnomaly;
pub use assembler::valid_close_code;
pub use deflate::DeflateParams;
pub use frame::{FrameHeader, HeaderStatus, parse_header};
pub(crate) use stream::WsStream;

/// Opcodes (RFC 6455 §5.2).
pub mod opcode {
    pub const CONTINUATION: u8 = 0x0;
    pub const TEXT: u8 = 0x1;
    pub const BINARY: u8 = 0x2;
    pub const CLOSE: u8 = 0x8;
    pub const PING: u8 = 0x9;
    pub const PONG: u8 = 0xA;

    /// "Text", "Binary", "Close"…, or "Reserved (0x3)".
    pub fn name(op: u8) -> String {
        match op {
            CONTINUATION => "Continuation".into(),
            TEXT => "Text".into(),
            BINARY => "Binary".into(),
            CLOSE => "Close".into(),
            PING => "Ping".into(),
            PONG => "Pong".into(),
            other => format!("Reserved (0x{other:x})"),
        }
    }

    pub fn is_control(op: u8) -> bool {
        op & 0x8 != 0
    }
}

/// One WebSocket frame.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WsFrame {
    pub direction: Direction,
    pub fin: bool,
    /// RSV1..RSV3 as a 3-bit value, RSV1 the high bit (4 = RSV1, permessage-deflate).
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub masking_key: Option<[u8; 4]>,
    /// Real payload length (after the 16/64-bit extension).
    pub payload_len: u64,
    /// The 7-bit length field as sent (126 and 127 mean a 16/64-bit extension follows).
    pub len_field: u8,
    /// Header length in bytes (2–14).
    pub header_len: u8,
    /// Stream offset of the frame's first byte.
    pub offset: u64,
    /// The first bytes of the payload as sent (still masked), at most [`PAYLOAD_KEEP`].
    pub raw_payload: Vec<u8>,
    /// The unmasked payload (at most [`PAYLOAD_KEEP`] bytes kept).
    pub payload: Vec<u8>,
    /// This frame is (the first fragment of) a compressed message (RSV1 with permessage-deflate).
    pub compressed: bool,
    /// The text this frame carries, unmasked and (where compressed) inflated, when it is part of
    /// a text message and its own bytes are valid UTF-8 (for a fragment: that fragment's part;
    /// the whole text is in [`WsMessage::text`]).
    pub text: Option<String>,
    pub close_code: Option<u16>,
    pub close_reason: Option<String>,
    /// RFC 6455 violations and the limits of what was kept.
    pub issues: Vec<WsAnomaly>,
    /// Packets that carried it; the last one carried its last byte.
    pub packets: Vec<u64>,
}

/// How many payload bytes a frame keeps for display.
pub const PAYLOAD_KEEP: usize = 64 * 1024;

impl WsFrame {
    pub fn last_packet(&self) -> u64 {
        self.packets.last().copied().unwrap_or(0)
    }
}

/// A complete WebSocket message: all its fragments, unmasked and decompressed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WsMessage {
    pub direction: Direction,
    /// Opcode of the first frame (Text, Binary, or a control opcode).
    pub opcode: u8,
    pub fragments: u32,
    /// Length after decompression.
    pub payload_len: u64,
    pub compressed: bool,
    /// The first bytes of the (decompressed) payload, at most [`PAYLOAD_KEEP`].
    pub data: Vec<u8>,
    pub text: Option<String>,
    pub issues: Vec<WsAnomaly>,
    /// Packets that carried it.
    pub packets: Vec<u64>,
}
