//! Field-level detail of a decoded packet, made on demand for the details tree and hex view.

use std::ops::Range;

use super::{Packet, Proto};

/// One header with all of its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerDetail {
    pub proto: Proto,
    /// Title line, e.g. "Transmission Control Protocol, Src Port: 51234, Dst Port: 8765".
    pub title: String,
    pub range: Range<usize>,
    pub fields: Vec<FieldNode>,
}

/// One field: its name, its value as people read it, and the bytes it lives in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldNode {
    /// Wireshark-style filter name, e.g. "tcp.srcport".
    pub key: &'static str,
    /// Human name, e.g. "Source Port".
    pub name: &'static str,
    /// Value as people read it, e.g. "51234" or "0x0012 (SYN, ACK)".
    pub value: String,
    /// Optional explanation with the arithmetic, e.g. "64 × 2^10 = 65,536".
    pub note: Option<String>,
    /// Byte range in the frame's bytes.
    pub range: Range<usize>,
    /// For bit fields: the mask of this field's bits within `range` (big-endian), else `None`.
    pub bitmask: Option<u32>,
    pub children: Vec<FieldNode>,
}

/// Every header of `packet` (whose frame bytes are `bytes`) with its fields.
pub fn details(packet: &Packet, bytes: &[u8]) -> Vec<LayerDetail> {
    super::details::details(packet, bytes)
}
