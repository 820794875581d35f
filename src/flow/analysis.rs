//! TCP analysis flags, named and decided as Wireshark's `tcp.analysis.*` are.

use serde::Serialize;

/// A TCP analysis finding for one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Analysis {
    Retransmission,
    SpuriousRetransmission,
    FastRetransmission,
    OutOfOrder,
    DuplicateAck,
    ZeroWindow,
    /// Wireshark's "previous segment not captured".
    LostSegment,
    KeepAlive,
    KeepAliveAck,
    WindowUpdate,
    WindowFull,
    AckedUnseen,
}

impl Analysis {
    /// The name used in `decode --format json` (`tcp.analysis`).
    pub fn json_name(self) -> &'static str {
        match self {
            Self::Retransmission => "retransmission",
            Self::SpuriousRetransmission => "spurious_retransmission",
            Self::FastRetransmission => "fast_retransmission",
            Self::OutOfOrder => "out_of_order",
            Self::DuplicateAck => "duplicate_ack",
            Self::ZeroWindow => "zero_window",
            Self::LostSegment => "lost_segment",
            Self::KeepAlive => "keep_alive",
            Self::KeepAliveAck => "keep_alive_ack",
            Self::WindowUpdate => "window_update",
            Self::WindowFull => "window_full",
            Self::AckedUnseen => "acked_unseen",
        }
    }

    /// Wireshark's wording, for the packet list and narration.
    pub fn label(self) -> &'static str {
        match self {
            Self::Retransmission => "TCP Retransmission",
            Self::SpuriousRetransmission => "TCP Spurious Retransmission",
            Self::FastRetransmission => "TCP Fast Retransmission",
            Self::OutOfOrder => "TCP Out-Of-Order",
            Self::DuplicateAck => "TCP Dup ACK",
            Self::ZeroWindow => "TCP ZeroWindow",
            Self::LostSegment => "TCP Previous segment not captured",
            Self::KeepAlive => "TCP Keep-Alive",
            Self::KeepAliveAck => "TCP Keep-Alive ACK",
            Self::WindowUpdate => "TCP Window Update",
            Self::WindowFull => "TCP Window Full",
            Self::AckedUnseen => "TCP ACKed unseen segment",
        }
    }
}
