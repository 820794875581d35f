//! L2–L4 bytes → a [`Packet`]: the layers that parsed, the IP and TCP facts the later stages
//! need, each with its byte range in the frame's bytes (which stay the frame's), and (on
//! demand, for the UI) every header field with its byte range.
//! This is the only module that uses etherparse.

mod details;
mod fast_path;
mod field;
pub mod fields;
pub mod fragments;
mod ip_fragment;
mod issue;
mod layers;
mod link;
mod one_or_many;
mod rare;
pub mod tcp_options;

use std::net::IpAddr;
use std::ops::Range;

use serde::Serialize;

use crate::capture::{Frame, LinkType};

pub use fields::{FieldNode, LayerDetail, details};
pub use fragments::{FragmentIssue, FragmentLimits, Reassembler};
pub use issue::{Issue, IssueKind, LengthLimit};
pub use one_or_many::OneOrMany;
pub use rare::{RareList, RareText};
pub use tcp_options::TcpOptions;

/// One decoded packet: what its headers say and where each is in the frame's bytes (which it
/// does not hold: the capture file or the caller has them). The app's model keeps it as it
/// is, so its lists are boxed slices. Cheap to build: field-level detail is made on demand by
/// [`details`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// 1-based packet number.
    pub number: u64,
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Original (on-the-wire) length.
    pub len: u32,
    /// Link type it was captured with.
    pub link: LinkType,
    /// Interface index (pcapng).
    pub interface: u32,
    /// Captured length: how many bytes the frame had.
    pub caplen: u32,
    /// Headers in order, outermost first, each with its byte range in the frame's bytes.
    /// Shared (behind one pointer): the app's model keeps one copy of each list that many packets have in common
    /// (`model::Model` interns them).
    pub layers: std::sync::Arc<Vec<Layer>>,
    /// The innermost IP header's facts.
    pub ip: Option<IpSummary>,
    /// The TCP header's facts, if the packet is TCP.
    pub tcp: Option<TcpSegment>,
    /// What went wrong while decoding (truncation, bad lengths…). Parsed layers are kept.
    pub issues: RareList<Issue>,
    /// The IP datagram this packet completed, when it was the last missing fragment.
    pub reassembled: Option<Box<Reassembled>>,
}

/// An IP datagram put together from fragments, on the packet that completed it (Wireshark's
/// "Reassembled IPv4/IPv6"): the layers from `first_layer` on in `Packet::layers`, and the
/// `tcp` payload range, are byte ranges in `data`, not in the frame's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reassembled {
    /// The frames of the fragments, in offset order.
    pub frames: Vec<u64>,
    /// Index in `Packet::layers` of the first layer found in `data`.
    pub first_layer: usize,
    /// The protocol of `data` (TCP 6, UDP 17…).
    pub next_header: u8,
    /// The datagram's payload (transport header and data).
    pub data: Vec<u8>,
}

impl Packet {
    /// The bytes of layer `index` of `layers`, for a packet whose frame bytes are `bytes` (in
    /// the reassembled datagram for its layers).
    pub fn layer_bytes<'a>(&'a self, index: usize, bytes: &'a [u8]) -> &'a [u8] {
        let Some(layer) = self.layers.get(index) else {
            return &[];
        };
        let bytes = match &self.reassembled {
            Some(r) if index >= r.first_layer => &r.data,
            _ => bytes,
        };
        bytes.get(layer.range.clone()).unwrap_or_default()
    }

    /// The layers whose byte ranges are in the frame's bytes (all but a reassembled
    /// datagram's).
    pub fn frame_layers(&self) -> &[Layer] {
        let n = self
            .reassembled
            .as_ref()
            .map_or(self.layers.len(), |r| r.first_layer);
        self.layers.get(..n).unwrap_or(&self.layers)
    }

    /// The TCP payload bytes that were captured (may be fewer than `tcp.payload_len`), for a
    /// packet whose frame bytes are `bytes`; those of the reassembled datagram when the packet
    /// completed one.
    pub fn tcp_payload<'a>(&'a self, bytes: &'a [u8]) -> &'a [u8] {
        let bytes = self.reassembled.as_ref().map_or(bytes, |r| &r.data);
        self.tcp
            .as_ref()
            .and_then(|t| bytes.get(t.payload()))
            .unwrap_or(&[])
    }
}

/// Protocols `decode` knows, as they appear in `layers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Proto {
    Null,
    Sll,
    Sll2,
    Ethernet,
    Vlan,
    Arp,
    Ipv4,
    Ipv6,
    /// An IPv6 extension header (hop-by-hop, routing, fragment, destination options…).
    Ipv6Ext,
    Tcp,
    Udp,
    Icmpv4,
    Icmpv6,
}

impl Proto {
    /// Short name, as in `layers` of the JSON output ("eth", "ipv4", "tcp"…).
    pub fn name(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Sll => "sll",
            Self::Sll2 => "sll2",
            Self::Ethernet => "eth",
            Self::Vlan => "vlan",
            Self::Arp => "arp",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::Ipv6Ext => "ipv6ext",
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Icmpv4 => "icmp",
            Self::Icmpv6 => "icmpv6",
        }
    }

    /// The OSI layer number (1–7) this protocol's header belongs to.
    pub fn osi_layer(self) -> u8 {
        match self {
            Self::Null | Self::Sll | Self::Sll2 | Self::Ethernet | Self::Vlan | Self::Arp => 2,
            Self::Ipv4 | Self::Ipv6 | Self::Ipv6Ext | Self::Icmpv4 | Self::Icmpv6 => 3,
            Self::Tcp | Self::Udp => 4,
        }
    }
}

/// One header in the packet.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Layer {
    pub proto: Proto,
    /// Byte range of the header in the frame's bytes (clamped to what was captured).
    pub range: Range<usize>,
}

/// The facts of the (innermost) IP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct IpSummary {
    pub version: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL (IPv4) or hop limit (IPv6).
    pub ttl: u8,
}

/// TCP flag bits in the 12-bit flags field (RFC 9293 §3.1; AE is RFC 3540's NS bit).
pub mod flags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const AE: u16 = 0x100;

    /// Names of the set flags, lowest bit first as Wireshark lists them ("SYN", "ACK"…).
    pub fn names(flags: u16) -> Vec<&'static str> {
        names_iter(flags).collect()
    }

    /// [`names`] without the `Vec`.
    pub fn names_iter(flags: u16) -> impl Iterator<Item = &'static str> {
        const ALL: [(u16, &str); 9] = [
            (FIN, "FIN"),
            (SYN, "SYN"),
            (RST, "RST"),
            (PSH, "PSH"),
            (ACK, "ACK"),
            (URG, "URG"),
            (ECE, "ECE"),
            (CWR, "CWR"),
            (AE, "AE"),
        ];
        ALL.into_iter()
            .filter(move |(bit, _)| flags & bit != 0)
            .map(|(_, n)| n)
    }
}

/// The facts of a TCP header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpSegment {
    pub src_port: u16,
    pub dst_port: u16,
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgement number (as on the wire, even when ACK is not set).
    pub ack: u32,
    /// The 12-bit flags field (see [`flags`]).
    pub flags: u16,
    /// The window as sent (unscaled).
    pub window: u16,
    pub checksum: u16,
    pub urgent: u16,
    /// Header length in bytes (data offset × 4).
    pub header_len: u8,
    pub options: TcpOptions,
    /// TCP payload length as the IP header says (Wireshark's `tcp.len`), even where fewer
    /// bytes were captured.
    pub payload_len: u32,
    /// Byte range of the captured payload in the frame's bytes (see [`TcpSegment::payload`]:
    /// 32-bit offsets, as a frame's captured length is).
    pub payload_at: Range<u32>,
}

impl TcpSegment {
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// Byte range of the captured payload in the frame's bytes.
    pub fn payload(&self) -> Range<usize> {
        self.payload_at.start as usize..self.payload_at.end as usize
    }

    /// Where the captured payload is, for [`TcpSegment::payload_at`] (a range past 4 GiB,
    /// which no frame has, is clamped).
    pub fn payload_range(range: Range<usize>) -> Range<u32> {
        let at = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        at(range.start)..at(range.end)
    }
}

/// Decode one frame (its bytes in `frame.data`). Never fails: whatever could not be parsed
/// becomes an [`Issue`]. An IP fragment is shown as a fragment (see [`decode_borrowed_with`]
/// for reassembly).
pub fn decode(frame: &Frame) -> Packet {
    decode_borrowed(frame, &frame.data)
}

/// As [`decode`], for a frame whose bytes are `bytes` (`frame.data` is not read).
pub fn decode_borrowed(frame: &Frame, bytes: &[u8]) -> Packet {
    layers::decode_bytes(frame, bytes, None)
}

/// As [`decode_borrowed`], with IP fragments reassembled by `fragments`: the packet that
/// completes a datagram carries it ([`Packet::reassembled`]) and its transport layer.
pub fn decode_borrowed_with(frame: &Frame, bytes: &[u8], fragments: &mut Reassembler) -> Packet {
    layers::decode_bytes(frame, bytes, Some(fragments))
}

/// A packet that completed `datagram` (from [`Packet::reassembled`]), decoded again from its
/// own bytes `bytes`: for reading a packet back when its fragments are no longer at hand.
/// Issues found while reassembling are not found again.
pub fn decode_completed(frame: &Frame, bytes: &[u8], datagram: &Reassembled) -> Packet {
    layers::decode_completed(frame, bytes, datagram)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tcp_payload_range_is_kept_in_32_bits_and_read_back_whole() {
        let at = TcpSegment::payload_range(54..1514);
        assert_eq!(at, 54..1514);
        let seg = TcpSegment {
            src_port: 1,
            dst_port: 2,
            seq: 0,
            ack: 0,
            flags: flags::ACK,
            window: 0,
            checksum: 0,
            urgent: 0,
            header_len: 20,
            options: TcpOptions::default(),
            payload_len: 1460,
            payload_at: at,
        };
        assert_eq!(seg.payload(), 54..1514);
        // No frame is 4 GiB long; a range past it is clamped rather than wrapped.
        let far = TcpSegment::payload_range(0..(u32::MAX as usize + 10));
        assert_eq!(far, 0..u32::MAX);
    }
}
