//! What can be wrong with a WebSocket frame or message: one kind per rule of RFC 6455 (and
//! RFC 7692 for permessage-deflate), naming its section, plus the limits of what we keep. We
//! observe, we are not an endpoint: these are annotations on the frame, never a reason to stop.
//! The sentence a class reads for each kind is in `lesson::annotations`.

use serde::Serialize;

/// One annotation on a WebSocket frame (and on the message it belongs to).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum WsAnomaly {
    /// A 64-bit payload length with its most significant bit set (RFC 6455 §5.2).
    LengthMsbSet,
    /// A payload length not sent in the minimal number of bytes (RFC 6455 §5.2).
    NonMinimalLength { payload_len: u64 },
    /// A client frame without a masking key (RFC 6455 §5.1).
    UnmaskedClientFrame,
    /// A server frame with a masking key (RFC 6455 §5.1).
    MaskedServerFrame,
    /// RSV bits set that no negotiated extension defines (RFC 6455 §5.2).
    ReservedBits { bits: u8 },
    /// An opcode RFC 6455 reserves (§5.2).
    ReservedOpcode { opcode: u8 },
    /// A frame after this direction's Close frame (RFC 6455 §5.5.1).
    FrameAfterClose,
    /// A control frame with FIN clear (RFC 6455 §5.5).
    FragmentedControlFrame,
    /// A control frame with more than 125 payload bytes (RFC 6455 §5.5).
    ControlPayloadTooLong { payload_len: u64 },
    /// A new data frame while a fragmented message is unfinished (RFC 6455 §5.4).
    UnfinishedMessage { fragments: u32 },
    /// A continuation frame with no message to continue (RFC 6455 §5.4).
    ContinuationWithoutMessage,
    /// A text message that is not valid UTF-8 (RFC 6455 §8.1).
    InvalidUtf8Text,
    /// A Close payload of one byte: a status code needs two (RFC 6455 §5.5.1).
    CloseCodeTruncated,
    /// A close code an endpoint must not send (RFC 6455 §7.4).
    CloseCodeNotSendable { code: u16 },
    /// A close reason that is not valid UTF-8 (RFC 6455 §5.5.1).
    CloseReasonInvalidUtf8,
    /// The compressed payload could not be inflated (RFC 7692 §7.2.2); `error` is zlib's.
    InflateFailed { error: String },
    /// Not inflated because an earlier compressed message failed, and with context takeover
    /// the later ones depend on it (RFC 7692 §7.2.2).
    InflateAfterFailure,
    /// Not an RFC rule but our limit: a payload over `cap` bytes, of which only the first
    /// ones are kept.
    PayloadOverCap { cap: usize },
    /// Our limit: a compressed payload over `cap` bytes is not inflated.
    CompressedOverCap { cap: usize },
    /// Our limit: an inflated message over `cap` bytes, of which the rest is only counted.
    InflatedOverCap { cap: usize },
}

impl WsAnomaly {
    /// The RFC section the kind is about, e.g. "RFC 6455 §5.1"; `None` for our own limits.
    pub fn rfc_section(&self) -> Option<&'static str> {
        Some(match self {
            Self::LengthMsbSet
            | Self::NonMinimalLength { .. }
            | Self::ReservedBits { .. }
            | Self::ReservedOpcode { .. } => "RFC 6455 §5.2",
            Self::UnmaskedClientFrame | Self::MaskedServerFrame => "RFC 6455 §5.1",
            Self::FrameAfterClose | Self::CloseCodeTruncated | Self::CloseReasonInvalidUtf8 => {
                "RFC 6455 §5.5.1"
            }
            Self::FragmentedControlFrame | Self::ControlPayloadTooLong { .. } => "RFC 6455 §5.5",
            Self::UnfinishedMessage { .. } | Self::ContinuationWithoutMessage => "RFC 6455 §5.4",
            Self::InvalidUtf8Text => "RFC 6455 §8.1",
            Self::CloseCodeNotSendable { .. } => "RFC 6455 §7.4",
            Self::InflateFailed { .. } | Self::InflateAfterFailure => "RFC 7692 §7.2.2",
            Self::PayloadOverCap { .. }
            | Self::CompressedOverCap { .. }
            | Self::InflatedOverCap { .. } => return None,
        })
    }
}
