//! Field-level detail of each header, Wireshark style, with the arithmetic a teacher shows.
//! Made on demand from `Packet::layers` (the walk already checked every header's length; every
//! read here still goes through `get`, so a short header gives fewer fields, never a panic).

mod tcp;

use std::ops::Range;

use super::link::{self, be16, be32, null, sll, sll2};
use super::{FieldNode, LayerDetail, Packet, Proto};

pub(super) fn details(packet: &Packet) -> Vec<LayerDetail> {
    packet
        .layers
        .iter()
        .enumerate()
        .map(|(index, layer)| {
            let bytes = packet.layer_bytes(index);
            let at = layer.range.start;
            let (title, fields) = match layer.proto {
                Proto::Ethernet => ethernet(bytes, at),
                Proto::Vlan => vlan(bytes, at),
                Proto::Null => null_header(bytes, at, packet),
                Proto::Sll => sll_header(bytes, at),
                Proto::Sll2 => sll2_header(bytes, at),
                Proto::Ipv4 => ipv4(bytes, at),
                Proto::Ipv6 => ipv6(bytes, at),
                Proto::Tcp => tcp::tcp(bytes, at, packet),
                Proto::Udp => udp(bytes, at),
                Proto::Ipv6Ext => ("IPv6 extension header".to_string(), Vec::new()),
                Proto::Icmpv4 | Proto::Icmpv6 => icmp(bytes, at, layer.proto),
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

pub(super) fn node(
    key: &'static str,
    name: &'static str,
    value: String,
    range: Range<usize>,
) -> FieldNode {
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

pub(super) fn with_note(mut n: FieldNode, note: String) -> FieldNode {
    n.note = Some(note);
    n
}

pub(super) fn bits(
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

fn shift(r: Range<usize>, at: usize) -> Range<usize> {
    r.start + at..r.end + at
}

fn mac(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ethernet(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let (dst, src) = (
        mac(b.get(0..6).unwrap_or_default()),
        mac(b.get(6..12).unwrap_or_default()),
    );
    let ty = be16(b, 12..14).unwrap_or_default();
    let fields = vec![
        node("eth.dst", "Destination", dst.clone(), at..at + 6),
        node("eth.src", "Source", src.clone(), at + 6..at + 12),
        node(
            "eth.type",
            "Type",
            format!("0x{ty:04x}{}", ether_type_name(ty)),
            at + 12..at + 14,
        ),
    ];
    (format!("Ethernet II, Src: {src}, Dst: {dst}"), fields)
}

fn ether_type_name(ty: u16) -> &'static str {
    match ty {
        link::ETHERTYPE_IPV4 => " (IPv4)",
        link::ETHERTYPE_IPV6 => " (IPv6)",
        0x0806 => " (ARP)",
        0x8100 => " (802.1Q)",
        _ => "",
    }
}

fn vlan(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let tci = u32::from(be16(b, 0..2).unwrap_or_default());
    let ty = be16(b, 2..4).unwrap_or_default();
    let (pcp, dei, id) = (tci >> 13, (tci >> 12) & 1, tci & 0x0FFF);
    let fields = vec![
        bits(
            "vlan.priority",
            "Priority",
            pcp.to_string(),
            at..at + 2,
            0xE000,
        ),
        bits("vlan.dei", "DEI", dei.to_string(), at..at + 2, 0x1000),
        bits("vlan.id", "ID", id.to_string(), at..at + 2, 0x0FFF),
        node(
            "vlan.etype",
            "Type",
            format!("0x{ty:04x}{}", ether_type_name(ty)),
            at + 2..at + 4,
        ),
    ];
    (
        format!("802.1Q Virtual LAN, PRI: {pcp}, DEI: {dei}, ID: {id}"),
        fields,
    )
}

fn null_header(b: &[u8], at: usize, packet: &Packet) -> (String, Vec<FieldNode>) {
    let family = link::null_family(b, packet.link).unwrap_or_default();
    let note = "in the capturing host's byte order; 2 = IPv4, 24/28/30 = IPv6 (by BSD flavour)"
        .to_string();
    let f = with_note(
        node(
            "null.family",
            "Family",
            family.to_string(),
            shift(null::FAMILY, at),
        ),
        note,
    );
    ("Null/Loopback".to_string(), vec![f])
}

fn sll_header(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let n = |r: Range<usize>| be16(b, r).unwrap_or_default().to_string();
    let len = usize::from(be16(b, sll::ADDR_LEN).unwrap_or_default()).min(8);
    let addr = mac(b
        .get(sll::ADDR.start..sll::ADDR.start + len)
        .unwrap_or_default());
    let protocol = be16(b, sll::PROTOCOL).unwrap_or_default();
    let fields = vec![
        node(
            "sll.pkttype",
            "Packet type",
            n(sll::PACKET_TYPE),
            shift(sll::PACKET_TYPE, at),
        ),
        node(
            "sll.hatype",
            "Link-layer address type",
            n(sll::ARPHRD),
            shift(sll::ARPHRD, at),
        ),
        node(
            "sll.halen",
            "Link-layer address length",
            n(sll::ADDR_LEN),
            shift(sll::ADDR_LEN, at),
        ),
        node("sll.src.eth", "Source", addr, shift(sll::ADDR, at)),
        node(
            "sll.etype",
            "Protocol",
            format!("0x{protocol:04x}{}", ether_type_name(protocol)),
            shift(sll::PROTOCOL, at),
        ),
    ];
    ("Linux cooked capture v1".to_string(), fields)
}

fn sll2_header(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let protocol = be16(b, sll2::PROTOCOL).unwrap_or_default();
    let byte = |r: Range<usize>| b.get(r.start).copied().unwrap_or_default().to_string();
    let len = usize::from(b.get(sll2::ADDR_LEN.start).copied().unwrap_or_default()).min(8);
    let fields = vec![
        node(
            "sll.etype",
            "Protocol",
            format!("0x{protocol:04x}{}", ether_type_name(protocol)),
            shift(sll2::PROTOCOL, at),
        ),
        node(
            "sll.reserved",
            "Reserved",
            "0".into(),
            shift(sll2::RESERVED, at),
        ),
        node(
            "sll.ifindex",
            "Interface index",
            be32(b, sll2::IFINDEX).unwrap_or_default().to_string(),
            shift(sll2::IFINDEX, at),
        ),
        node(
            "sll.hatype",
            "Link-layer address type",
            be16(b, sll2::ARPHRD).unwrap_or_default().to_string(),
            shift(sll2::ARPHRD, at),
        ),
        node(
            "sll.pkttype",
            "Packet type",
            byte(sll2::PACKET_TYPE),
            shift(sll2::PACKET_TYPE, at),
        ),
        node(
            "sll.halen",
            "Link-layer address length",
            len.to_string(),
            shift(sll2::ADDR_LEN, at),
        ),
        node(
            "sll.src.eth",
            "Source",
            mac(b.get(12..12 + len).unwrap_or_default()),
            shift(sll2::ADDR, at),
        ),
    ];
    ("Linux cooked capture v2".to_string(), fields)
}

fn ipv4(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let byte = |i: usize| b.get(i).copied().unwrap_or_default();
    let ihl = byte(0) & 0x0F;
    let total = be16(b, 2..4).unwrap_or_default();
    let flags_frag = be16(b, 6..8).unwrap_or_default();
    let (src, dst) = (dotted(b.get(12..16)), dotted(b.get(16..20)));
    let flag_kids = ipv4_flags(flags_frag, at);
    let header_len = usize::from(ihl) * 4;
    let fields = vec![
        bits(
            "ip.version",
            "Version",
            (byte(0) >> 4).to_string(),
            at..at + 1,
            0xF0,
        ),
        with_note(
            bits(
                "ip.hdr_len",
                "Header Length",
                format!("{header_len} bytes ({ihl})"),
                at..at + 1,
                0x0F,
            ),
            format!("{ihl} × 4 = {header_len} bytes"),
        ),
        node(
            "ip.dsfield",
            "Differentiated Services Field",
            format!("0x{:02x}", byte(1)),
            at + 1..at + 2,
        ),
        with_note(
            node("ip.len", "Total Length", total.to_string(), at + 2..at + 4),
            format!(
                "{header_len} header + {} payload",
                usize::from(total).saturating_sub(header_len)
            ),
        ),
        node(
            "ip.id",
            "Identification",
            format!("0x{:04x}", be16(b, 4..6).unwrap_or_default()),
            at + 4..at + 6,
        ),
        FieldNode {
            children: flag_kids,
            ..bits(
                "ip.flags",
                "Flags",
                format!("0x{:x}", flags_frag >> 13),
                at + 6..at + 8,
                0xE000,
            )
        },
        with_note(
            bits(
                "ip.frag_offset",
                "Fragment Offset",
                (flags_frag & 0x1FFF).to_string(),
                at + 6..at + 8,
                0x1FFF,
            ),
            format!(
                "{} × 8 = {} bytes",
                flags_frag & 0x1FFF,
                u32::from(flags_frag & 0x1FFF) * 8
            ),
        ),
        node(
            "ip.ttl",
            "Time to Live",
            byte(8).to_string(),
            at + 8..at + 9,
        ),
        node(
            "ip.proto",
            "Protocol",
            ip_proto_name(byte(9)),
            at + 9..at + 10,
        ),
        node(
            "ip.checksum",
            "Header Checksum",
            format!("0x{:04x}", be16(b, 10..12).unwrap_or_default()),
            at + 10..at + 12,
        ),
        node("ip.src", "Source Address", src.clone(), at + 12..at + 16),
        node(
            "ip.dst",
            "Destination Address",
            dst.clone(),
            at + 16..at + 20,
        ),
    ];
    (
        format!("Internet Protocol Version 4, Src: {src}, Dst: {dst}"),
        fields,
    )
}

/// An IPv4 address from its 4 bytes ("" when fewer were captured).
fn dotted(b: Option<&[u8]>) -> String {
    b.and_then(|a| <[u8; 4]>::try_from(a).ok())
        .map(|a| std::net::Ipv4Addr::from(a).to_string())
        .unwrap_or_default()
}

/// Reserved, DF and MF bits of the IPv4 flags (RFC 791 §3.1).
fn ipv4_flags(flags_frag: u16, at: usize) -> Vec<FieldNode> {
    [
        (0x8000, "ip.flags.rb", "Reserved bit"),
        (0x4000, "ip.flags.df", "Don't fragment"),
        (0x2000, "ip.flags.mf", "More fragments"),
    ]
    .into_iter()
    .map(|(bit, key, name)| {
        bits(
            key,
            name,
            set(flags_frag & bit),
            at + 6..at + 8,
            u32::from(bit),
        )
    })
    .collect()
}

pub(super) fn set(bit: u16) -> String {
    if bit == 0 {
        "Not set".into()
    } else {
        "Set".into()
    }
}

fn ip_proto_name(p: u8) -> String {
    let name = match p {
        1 => "ICMP",
        6 => "TCP",
        17 => "UDP",
        44 => "IPv6 fragment",
        58 => "ICMPv6",
        _ => return p.to_string(),
    };
    format!("{name} ({p})")
}

fn ipv6(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let first = be32(b, 0..4).unwrap_or_default();
    let addr = |r: Range<usize>| {
        b.get(r)
            .and_then(|a| <[u8; 16]>::try_from(a).ok())
            .map(|a| std::net::Ipv6Addr::from(a).to_string())
            .unwrap_or_default()
    };
    let (src, dst) = (addr(8..24), addr(24..40));
    let fields = vec![
        bits(
            "ipv6.version",
            "Version",
            (first >> 28).to_string(),
            at..at + 4,
            0xF000_0000,
        ),
        bits(
            "ipv6.tclass",
            "Traffic Class",
            format!("0x{:02x}", (first >> 20) & 0xFF),
            at..at + 4,
            0x0FF0_0000,
        ),
        bits(
            "ipv6.flow",
            "Flow Label",
            format!("0x{:05x}", first & 0xF_FFFF),
            at..at + 4,
            0x000F_FFFF,
        ),
        node(
            "ipv6.plen",
            "Payload Length",
            be16(b, 4..6).unwrap_or_default().to_string(),
            at + 4..at + 6,
        ),
        node(
            "ipv6.nxt",
            "Next Header",
            ip_proto_name(b.get(6).copied().unwrap_or_default()),
            at + 6..at + 7,
        ),
        node(
            "ipv6.hlim",
            "Hop Limit",
            b.get(7).copied().unwrap_or_default().to_string(),
            at + 7..at + 8,
        ),
        node("ipv6.src", "Source Address", src.clone(), at + 8..at + 24),
        node(
            "ipv6.dst",
            "Destination Address",
            dst.clone(),
            at + 24..at + 40,
        ),
    ];
    (
        format!("Internet Protocol Version 6, Src: {src}, Dst: {dst}"),
        fields,
    )
}

fn udp(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    let n = |r: Range<usize>| be16(b, r).unwrap_or_default();
    let (src, dst) = (n(0..2), n(2..4));
    let fields = vec![
        node("udp.srcport", "Source Port", src.to_string(), at..at + 2),
        node(
            "udp.dstport",
            "Destination Port",
            dst.to_string(),
            at + 2..at + 4,
        ),
        with_note(
            node("udp.length", "Length", n(4..6).to_string(), at + 4..at + 6),
            "8 header + payload".into(),
        ),
        node(
            "udp.checksum",
            "Checksum",
            format!("0x{:04x}", n(6..8)),
            at + 6..at + 8,
        ),
    ];
    (
        format!("User Datagram Protocol, Src Port: {src}, Dst Port: {dst}"),
        fields,
    )
}

fn icmp(b: &[u8], at: usize, proto: Proto) -> (String, Vec<FieldNode>) {
    let (key_type, key_code, title) = if proto == Proto::Icmpv4 {
        (
            "icmp.type",
            "icmp.code",
            "Internet Control Message Protocol",
        )
    } else {
        (
            "icmpv6.type",
            "icmpv6.code",
            "Internet Control Message Protocol v6",
        )
    };
    let byte = |i: usize| b.get(i).copied().unwrap_or_default().to_string();
    let fields = vec![
        node(key_type, "Type", byte(0), at..at + 1),
        node(key_code, "Code", byte(1), at + 1..at + 2),
    ];
    (title.to_string(), fields)
}
