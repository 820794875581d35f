//! The link-layer headers' fields for the details tree: Ethernet II, 802.1Q, BSD loopback and
//! Linux cooked captures v1 and v2.

use std::ops::Range;

use super::super::field::{self, be16, be32, shift, u8_at};
use super::super::link::{ETHERTYPE_IPV4, ETHERTYPE_IPV6, null_family};
use super::{FieldNode, bits, node, with_note};
use crate::capture::LinkType;

fn mac(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ether_type_name(ty: u16) -> &'static str {
    match ty {
        ETHERTYPE_IPV4 => " (IPv4)",
        ETHERTYPE_IPV6 => " (IPv6)",
        0x0806 => " (ARP)",
        0x8100 => " (802.1Q)",
        _ => "",
    }
}

pub(super) fn ethernet(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let (dst, src) = (
        mac(b.get(field::ethernet::DESTINATION).unwrap_or_default()),
        mac(b.get(field::ethernet::SOURCE).unwrap_or_default()),
    );
    let ty = be16(b, field::ethernet::ETHERTYPE).unwrap_or_default();
    let fields = vec![
        node(
            "eth.dst",
            "Destination",
            dst.clone(),
            shift(field::ethernet::DESTINATION, at),
        ),
        node(
            "eth.src",
            "Source",
            src.clone(),
            shift(field::ethernet::SOURCE, at),
        ),
        node(
            "eth.type",
            "Type",
            format!("0x{ty:04x}{}", ether_type_name(ty)),
            shift(field::ethernet::ETHERTYPE, at),
        ),
    ];
    (format!("Ethernet II, Src: {src}, Dst: {dst}"), fields)
}

pub(super) fn vlan(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let tci = be16(b, field::vlan::TCI).unwrap_or_default();
    let ty = be16(b, field::vlan::ETHERTYPE).unwrap_or_default();
    let (pcp, dei, id) = (
        (tci & field::vlan::PRIORITY_MASK) >> 13,
        (tci & field::vlan::DEI_MASK) >> 12,
        tci & field::vlan::ID_MASK,
    );
    let tci_bits = |key, name, value: u16, mask: u16| {
        bits(
            key,
            name,
            value.to_string(),
            shift(field::vlan::TCI, at),
            u32::from(mask),
        )
    };
    let fields = vec![
        tci_bits("vlan.priority", "Priority", pcp, field::vlan::PRIORITY_MASK),
        tci_bits("vlan.dei", "DEI", dei, field::vlan::DEI_MASK),
        tci_bits("vlan.id", "ID", id, field::vlan::ID_MASK),
        node(
            "vlan.etype",
            "Type",
            format!("0x{ty:04x}{}", ether_type_name(ty)),
            shift(field::vlan::ETHERTYPE, at),
        ),
    ];
    (
        format!("802.1Q Virtual LAN, PRI: {pcp}, DEI: {dei}, ID: {id}"),
        fields,
    )
}

pub(super) fn null(b: &[u8], at: usize, link: LinkType) -> (String, Vec<FieldNode>) {
    let family = null_family(b, link).unwrap_or_default();
    let note = "in the capturing host's byte order; 2 = IPv4, 24/28/30 = IPv6 (by BSD flavour)"
        .to_string();
    let f = with_note(
        node(
            "null.family",
            "Family",
            family.to_string(),
            shift(field::null::FAMILY, at),
        ),
        note,
    );
    ("Null/Loopback".to_string(), vec![f])
}

pub(super) fn sll(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let n = |r: Range<usize>| be16(b, r).unwrap_or_default().to_string();
    let len =
        usize::from(be16(b, field::sll::ADDR_LEN).unwrap_or_default()).min(field::sll::ADDR.len());
    let addr = mac(b
        .get(field::sll::ADDR.start..field::sll::ADDR.start + len)
        .unwrap_or_default());
    let protocol = be16(b, field::sll::PROTOCOL).unwrap_or_default();
    let fields = vec![
        node(
            "sll.pkttype",
            "Packet type",
            n(field::sll::PACKET_TYPE),
            shift(field::sll::PACKET_TYPE, at),
        ),
        node(
            "sll.hatype",
            "Link-layer address type",
            n(field::sll::ARPHRD),
            shift(field::sll::ARPHRD, at),
        ),
        node(
            "sll.halen",
            "Link-layer address length",
            n(field::sll::ADDR_LEN),
            shift(field::sll::ADDR_LEN, at),
        ),
        node("sll.src.eth", "Source", addr, shift(field::sll::ADDR, at)),
        node(
            "sll.etype",
            "Protocol",
            format!("0x{protocol:04x}{}", ether_type_name(protocol)),
            shift(field::sll::PROTOCOL, at),
        ),
    ];
    ("Linux cooked capture v1".to_string(), fields)
}

pub(super) fn sll2(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let protocol = be16(b, field::sll2::PROTOCOL).unwrap_or_default();
    let byte = |r: Range<usize>| u8_at(b, r).unwrap_or_default().to_string();
    let len = usize::from(u8_at(b, field::sll2::ADDR_LEN).unwrap_or_default())
        .min(field::sll2::ADDR.len());
    let fields = vec![
        node(
            "sll.etype",
            "Protocol",
            format!("0x{protocol:04x}{}", ether_type_name(protocol)),
            shift(field::sll2::PROTOCOL, at),
        ),
        node(
            "sll.reserved",
            "Reserved",
            "0".into(),
            shift(field::sll2::RESERVED, at),
        ),
        node(
            "sll.ifindex",
            "Interface index",
            be32(b, field::sll2::IFINDEX)
                .unwrap_or_default()
                .to_string(),
            shift(field::sll2::IFINDEX, at),
        ),
        node(
            "sll.hatype",
            "Link-layer address type",
            be16(b, field::sll2::ARPHRD).unwrap_or_default().to_string(),
            shift(field::sll2::ARPHRD, at),
        ),
        node(
            "sll.pkttype",
            "Packet type",
            byte(field::sll2::PACKET_TYPE),
            shift(field::sll2::PACKET_TYPE, at),
        ),
        node(
            "sll.halen",
            "Link-layer address length",
            len.to_string(),
            shift(field::sll2::ADDR_LEN, at),
        ),
        node(
            "sll.src.eth",
            "Source",
            mac(b
                .get(field::sll2::ADDR.start..field::sll2::ADDR.start + len)
                .unwrap_or_default()),
            shift(field::sll2::ADDR, at),
        ),
    ];
    ("Linux cooked capture v2".to_string(), fields)
}
