//! Field-level detail of each header, Wireshark style, with the arithmetic a teacher shows.
//! Made on demand from `Packet::layers` (the walk already checked every header's length; every
//! read here still goes through `get`, so a short header gives fewer fields, never a panic).
//! Each protocol's fields are at the named ranges of [`super::field`].

mod ip;
mod link;
mod tcp;
mod udp;

use std::ops::Range;

use super::{FieldNode, LayerDetail, Packet, Proto};

pub(super) fn details(packet: &Packet, frame_bytes: &[u8]) -> Vec<LayerDetail> {
    packet
        .layers
        .iter()
        .enumerate()
        .map(|(index, layer)| {
            let bytes = packet.layer_bytes(index, frame_bytes);
            let at = layer.range.start;
            let (title, fields) = match layer.proto {
                Proto::Ethernet => link::ethernet(bytes, at),
                Proto::Vlan => link::vlan(bytes, at),
                Proto::Null => link::null(bytes, at, packet.link),
                Proto::Sll => link::sll(bytes, at),
                Proto::Sll2 => link::sll2(bytes, at),
                Proto::Ipv4 => ip::ipv4(bytes, at),
                Proto::Ipv6 => ip::ipv6(bytes, at),
                Proto::Tcp => tcp::tcp(bytes, at, packet),
                Proto::Udp => udp::udp(bytes, at),
                Proto::Ipv6Ext => ("IPv6 extension header".to_string(), Vec::new()),
                Proto::Icmpv4 | Proto::Icmpv6 => ip::icmp(bytes, at, layer.proto),
                Proto::Arp => ("Address Resolution Protocol".to_string(), Vec::new()),
            };
            LayerDetail {
                proto: layer.proto,
                title,
                range: layer.range.clone(),
                fields,
            }
        })
        .collect()
}

/// A field at `range` of the packet.
fn node(key: &'static str, name: &'static str, value: String, range: Range<usize>) -> FieldNode {
    FieldNode {
        key,
        name,
        value,
        note: None,
        range,
        bitmask: None,
        children: Vec::new(),
    }
}

fn with_note(mut n: FieldNode, note: String) -> FieldNode {
    n.note = Some(note);
    n
}

/// A field that is the bits `mask` of the bytes at `range`.
fn bits(
    key: &'static str,
    name: &'static str,
    value: String,
    range: Range<usize>,
    mask: u32,
) -> FieldNode {
    FieldNode {
        bitmask: Some(mask),
        ..node(key, name, value, range)
    }
}

fn set(bit: u16) -> String {
    if bit == 0 {
        "Not set".into()
    } else {
        "Set".into()
    }
}
