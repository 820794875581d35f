//! TCP connections: canonical key and direction, serial-arithmetic sequence numbers, a passive
//! RFC 9293 state machine per peer, Wireshark-compatible analysis flags, and per-direction
//! reassembly with bounded memory that remembers which packet carried which bytes.

pub mod analysis;
pub mod conn;
pub mod reassembly;
pub mod seq;
mod socks;
pub mod state;
mod tracker;

use std::ops::Range;

use serde::Serialize;

pub use analysis::{Analysis, AnalysisSet};
pub use conn::{Completeness, Connection, PeerOptions};
pub use seq::SeqNum;
pub use state::TcpState;
pub use tracker::{FlowLimits, FlowTracker};

/// Which way a segment travels. The client is the sender of the first SYN (or, for a
/// connection picked up mid-stream, the sender of the first packet seen).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    #[must_use]
    pub fn reverse(self) -> Self {
        match self {
            Self::ClientToServer => Self::ServerToClient,
            Self::ServerToClient => Self::ClientToServer,
        }
    }
    /// Index 0 for client→server, 1 for server→client (for per-direction arrays).
    pub fn index(self) -> usize {
        match self {
            Self::ClientToServer => 0,
            Self::ServerToClient => 1,
        }
    }
}

/// Which end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Peer {
    Client,
    Server,
}

/// A peer's state changed because of this packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StateChange {
    pub peer: Peer,
    pub from: TcpState,
    pub to: TcpState,
}

/// Where the bytes of a [`StreamChunk`] are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkBytes {
    /// In the captured TCP payload of the packet being processed (the one given to
    /// [`FlowTracker::process`]), at this range: the usual case, a segment that arrived in order.
    Payload(Range<usize>),
    /// Bytes the tracker had buffered until this packet filled the hole before them.
    Owned(Vec<u8>),
}

/// Which packet carried which bytes of a [`StreamChunk`]: `(stream offset of first byte, packet
/// number)`, sorted by offset; each entry runs until the next one (the last to the chunk's
/// end). Nearly every chunk is bytes of the packet being processed: one entry, held inline.
/// Only bytes the tracker buffered, joined across packets, make a list.
pub type Carriers = crate::decode::OneOrMany<(u64, u64)>;

/// In-order bytes of one direction of a stream, newly available after this packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamChunk {
    pub direction: Direction,
    /// Offset of the chunk's first byte in the direction's byte stream (0 = first byte after
    /// the SYN).
    pub offset: u64,
    pub bytes: ChunkBytes,
    /// Which packet carried which bytes (see [`Carriers`]).
    pub carriers: Carriers,
}

impl StreamChunk {
    /// The chunk's bytes; `payload` is the captured TCP payload of the packet being processed
    /// (where [`ChunkBytes::Payload`] points). Empty when the range is not in `payload`.
    pub fn data<'a>(&'a self, payload: &'a [u8]) -> &'a [u8] {
        match &self.bytes {
            ChunkBytes::Payload(range) => payload.get(range.clone()).unwrap_or_default(),
            ChunkBytes::Owned(bytes) => bytes,
        }
    }

    /// The packet that carried the byte at stream offset `offset`.
    pub fn carrier_of(&self, offset: u64) -> Option<u64> {
        let i = self.carriers.partition_point(|&(start, _)| start <= offset);
        i.checked_sub(1)
            .and_then(|i| self.carriers.get(i))
            .map(|&(_, n)| n)
    }
}

/// Bytes that will never arrive (a segment was not captured), so parsers must resync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub direction: Direction,
    /// Stream offset where the missing bytes start.
    pub offset: u64,
    pub len: u64,
}

/// What one packet made available to the application layer: new in-order bytes of a
/// direction, or a hole in it that will never be filled. [`FlowTracker::process`] gives them
/// in the order the parsers must see them: client→server first, each direction in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivered {
    Chunk(StreamChunk),
    Gap(Gap),
}

impl Delivered {
    pub fn direction(&self) -> Direction {
        match self {
            Self::Chunk(chunk) => chunk.direction,
            Self::Gap(gap) => gap.direction,
        }
    }
}

/// What the flow tracker learned from one TCP packet: the facts the model keeps per packet
/// (lists are boxed slices: most are empty, and a boxed slice holds no spare capacity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// 0-based connection index, in order of first appearance (Wireshark's `tcp.stream`).
    pub stream: u32,
    pub direction: Direction,
    /// Sequence number relative to the sender's ISN (Wireshark's `tcp.seq`).
    pub rel_seq: u32,
    /// Acknowledgement number relative to the receiver's ISN (Wireshark's `tcp.ack`); 0 when
    /// ACK is not set.
    pub rel_ack: u32,
    /// Relative sequence number after this segment (`tcp.nxtseq`), counting SYN and FIN.
    pub next_rel_seq: u32,
    /// The window in bytes, scaled by the negotiated shift when it is known.
    pub window_scaled: u64,
    /// The shift that was applied (`None` when window scaling was not negotiated or not seen).
    pub window_shift: Option<u8>,
    pub analysis: AnalysisSet,
    pub state_changes: crate::decode::RareList<StateChange>,
    /// Time since the connection's first packet, ns.
    pub rel_time_ns: i64,
}
