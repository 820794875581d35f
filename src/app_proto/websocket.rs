//! RFC 6455 frames and messages.

mod anomaly;
mod assembler;
pub mod deflate;
pub mod frame;
mod stream;

use serde::Serialize;

use crate::decode::{OneOrMany, RareList, RareText};
use crate::flow::Direction;

pub use anomaly::WsAnomaly;
pub(crate) use assembler::Payloads;
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

/// One WebSocket frame: its header, the first bytes of its payload as sent and its text. The
/// app's model keeps it as it is, with the text cut by [`WsFrame::cut_text`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    /// The first payload bytes as sent (still masked), at most [`RAW_PAYLOAD_KEEP`]: enough
    /// to show how unmasking works. The unmasked payload is the message's
    /// ([`WsMessage::data`]).
    pub raw_payload: RawPrefix,
    /// This frame is (the first fragment of) a compressed message (RSV1 with permessage-deflate).
    pub compressed: bool,
    /// The text this frame carries, unmasked and (where compressed) inflated, when it is part of
    /// a text message and its own bytes are valid UTF-8 (for a fragment: that fragment's part;
    /// the whole text is in [`WsMessage::text`]). Whole, unless [`WsFrame::cut_text`] cut it.
    pub text: Option<Box<str>>,
    /// Length of the whole text in bytes (0 without text), also after [`WsFrame::cut_text`].
    pub text_len: u32,
    pub close_code: Option<u16>,
    pub close_reason: Option<RareText>,
    /// RFC 6455 violations and the limits of what was kept (on few frames).
    pub issues: RareList<WsAnomaly>,
}

/// The first bytes of a payload as sent, at most [`RAW_PAYLOAD_KEEP`], held in the frame
/// itself (a boxed slice took 16 bytes and a heap block besides). Reads as a `[u8]`.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct RawPrefix {
    len: u8,
    bytes: [u8; RAW_PAYLOAD_KEEP],
}

impl RawPrefix {
    /// The first [`RAW_PAYLOAD_KEEP`] bytes of `payload` (all of it when shorter).
    pub fn of(payload: &[u8]) -> Self {
        let mut prefix = Self::default();
        let n = payload.len().min(RAW_PAYLOAD_KEEP);
        if let (Some(to), Some(from)) = (prefix.bytes.get_mut(..n), payload.get(..n)) {
            to.copy_from_slice(from);
            prefix.len = n as u8;
        }
        prefix
    }
}

impl std::ops::Deref for RawPrefix {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl From<&[u8]> for RawPrefix {
    fn from(payload: &[u8]) -> Self {
        Self::of(payload)
    }
}

impl std::fmt::Debug for RawPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for RawPrefix {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// How many payload bytes a message keeps for display.
pub const PAYLOAD_KEEP: usize = 64 * 1024;

/// How many payload bytes as sent (still masked) a frame keeps, for the unmasking table.
pub const RAW_PAYLOAD_KEEP: usize = 16;

impl WsFrame {
    /// Note a violation (rare: the list grows one at a time).
    pub fn add_issue(&mut self, issue: WsAnomaly) {
        let mut issues = std::mem::take(&mut self.issues).into_vec();
        issues.push(issue);
        self.issues = issues.into();
    }

    /// Set the frame's text (and its length).
    pub fn set_text(&mut self, text: Option<String>) {
        // A text is held whole before it is cut: well under 4 GiB (clamped if not).
        self.text_len = text
            .as_ref()
            .map_or(0, |t| u32::try_from(t.len()).unwrap_or(u32::MAX));
        self.text = text.map(String::into_boxed_str);
    }

    /// Keep only the first `keep` bytes of the text (cut at a character boundary);
    /// [`WsFrame::text_len`] still tells the whole length.
    pub fn cut_text(&mut self, keep: usize) {
        if let Some(text) = self.text.as_mut()
            && text.len() > keep
        {
            let mut end = keep;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            *text = text.get(..end).unwrap_or_default().into();
        }
    }

    /// Bytes of the text that were cut off.
    pub fn text_cut(&self) -> u64 {
        let kept = self.text.as_deref().map_or(0, str::len);
        u64::from(self.text_len).saturating_sub(kept as u64)
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
    /// Packets that carried it (nearly always one: see [`OneOrMany`]).
    pub packets: OneOrMany<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raw_prefix_keeps_the_first_bytes_and_reads_as_a_slice() {
        let empty = RawPrefix::of(&[]);
        assert!(empty.is_empty());
        assert_eq!(empty, RawPrefix::default());
        let short = RawPrefix::of(&[0x7f, 0x9f, 0x4d]);
        assert_eq!(*short, [0x7f, 0x9f, 0x4d]);
        let long: Vec<u8> = (0..=40).collect();
        let cut = RawPrefix::from(long.as_slice());
        assert_eq!(*cut, long[..RAW_PAYLOAD_KEEP]);
        assert_eq!(format!("{short:?}"), "[127, 159, 77]");
        assert_eq!(
            serde_json::to_string(&short).unwrap(),
            serde_json::to_string(&vec![0x7fu8, 0x9f, 0x4d]).unwrap()
        );
        // In the frame: no pointer and no heap block.
        assert!(std::mem::size_of::<RawPrefix>() <= RAW_PAYLOAD_KEEP + 1);
    }
}
