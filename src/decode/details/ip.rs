//! The network-layer headers' fields for the details tree: IPv4 (with its flags and the
//! arithmetic of its lengths and offset), IPv6, and the type and code of ICMP and `ICMPv6`.

use std::ops::Range;

use super::super::field::{self, be16, be32, shift, u8_at};
use super::super::{FieldNode, Proto};
use super::{bits, node, set, with_note};

pub(super) fn ipv4(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    use field::ipv4::{
        CHECKSUM, DSCP_ECN, DST_ADDR, FLG_OFF, IDENT, IHL_MASK, LENGTH, PROTOCOL, SRC_ADDR, TTL,
        VER_IHL, VERSION_MASK,
    };
    let byte = |r: Range<usize>| u8_at(b, r).unwrap_or_default();
    let ver_ihl = byte(VER_IHL);
    let ihl = ver_ihl & IHL_MASK;
    let total = be16(b, LENGTH).unwrap_or_default();
    let flags_frag = be16(b, FLG_OFF).unwrap_or_default();
    let (src, dst) = (dotted(b.get(SRC_ADDR)), dotted(b.get(DST_ADDR)));
    let header_len = usize::from(ihl) * 4;
    let [flags, fragment_offset] = ipv4_flags_and_offset(flags_frag, at);
    let fields = vec![
        bits(
            "ip.version",
            "Version",
            (ver_ihl >> 4).to_string(),
            shift(VER_IHL, at),
            u32::from(VERSION_MASK),
        ),
        with_note(
            bits(
                "ip.hdr_len",
                "Header Length",
                format!("{header_len} bytes ({ihl})"),
                shift(VER_IHL, at),
                u32::from(IHL_MASK),
            ),
            format!("{ihl} × 4 = {header_len} bytes"),
        ),
        node(
            "ip.dsfield",
            "Differentiated Services Field",
            format!("0x{:02x}", byte(DSCP_ECN)),
            shift(DSCP_ECN, at),
        ),
        with_note(
            node(
                "ip.len",
                "Total Length",
                total.to_string(),
                shift(LENGTH, at),
            ),
            format!(
                "{header_len} header + {} payload",
                usize::from(total).saturating_sub(header_len)
            ),
        ),
        node(
            "ip.id",
            "Identification",
            format!("0x{:04x}", be16(b, IDENT).unwrap_or_default()),
            shift(IDENT, at),
        ),
        flags,
        fragment_offset,
        node(
            "ip.ttl",
            "Time to Live",
            byte(TTL).to_string(),
            shift(TTL, at),
        ),
        node(
            "ip.proto",
            "Protocol",
            ip_proto_name(byte(PROTOCOL)),
            shift(PROTOCOL, at),
        ),
        node(
            "ip.checksum",
            "Header Checksum",
            format!("0x{:04x}", be16(b, CHECKSUM).unwrap_or_default()),
            shift(CHECKSUM, at),
        ),
        node("ip.src", "Source Address", src.clone(), shift(SRC_ADDR, at)),
        node(
            "ip.dst",
            "Destination Address",
            dst.clone(),
            shift(DST_ADDR, at),
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

/// The IPv4 flags (with the reserved, DF and MF bits as children) and the fragment offset,
/// from their two bytes `flags_frag` (RFC 791 §3.1).
fn ipv4_flags_and_offset(flags_frag: u16, at: usize) -> [FieldNode; 2] {
    use field::ipv4::{FLAGS_MASK, FLG_OFF, OFFSET_MASK};
    let offset = flags_frag & OFFSET_MASK;
    let flags = FieldNode {
        children: ipv4_flag_bits(flags_frag, at),
        ..bits(
            "ip.flags",
            "Flags",
            format!("0x{:x}", flags_frag >> 13),
            shift(FLG_OFF, at),
            u32::from(FLAGS_MASK),
        )
    };
    let fragment_offset = with_note(
        bits(
            "ip.frag_offset",
            "Fragment Offset",
            offset.to_string(),
            shift(FLG_OFF, at),
            u32::from(OFFSET_MASK),
        ),
        format!("{offset} × 8 = {} bytes", u32::from(offset) * 8),
    );
    [flags, fragment_offset]
}

/// Reserved, DF and MF bits of the IPv4 flags (RFC 791 §3.1).
fn ipv4_flag_bits(flags_frag: u16, at: usize) -> Vec<FieldNode> {
    use field::ipv4::{DONT_FRAGMENT, FLG_OFF, MORE_FRAGMENTS, RESERVED_BIT};
    [
        (RESERVED_BIT, "ip.flags.rb", "Reserved bit"),
        (DONT_FRAGMENT, "ip.flags.df", "Don't fragment"),
        (MORE_FRAGMENTS, "ip.flags.mf", "More fragments"),
    ]
    .into_iter()
    .map(|(bit, key, name)| {
        bits(
            key,
            name,
            set(flags_frag & bit),
            shift(FLG_OFF, at),
            u32::from(bit),
        )
    })
    .collect()
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

pub(super) fn ipv6(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    use field::ipv6::{
        DST_ADDR, FLOW_LABEL_MASK, HOP_LIMIT, LENGTH, NXT_HDR, SRC_ADDR, TRAFFIC_CLASS_MASK,
        VER_TC_FLOW, VERSION_MASK,
    };
    let first = be32(b, VER_TC_FLOW).unwrap_or_default();
    let addr = |r: Range<usize>| {
        b.get(r)
            .and_then(|a| <[u8; 16]>::try_from(a).ok())
            .map(|a| std::net::Ipv6Addr::from(a).to_string())
            .unwrap_or_default()
    };
    let (src, dst) = (addr(SRC_ADDR), addr(DST_ADDR));
    let fields = vec![
        bits(
            "ipv6.version",
            "Version",
            ((first & VERSION_MASK) >> 28).to_string(),
            shift(VER_TC_FLOW, at),
            VERSION_MASK,
        ),
        bits(
            "ipv6.tclass",
            "Traffic Class",
            format!("0x{:02x}", (first & TRAFFIC_CLASS_MASK) >> 20),
            shift(VER_TC_FLOW, at),
            TRAFFIC_CLASS_MASK,
        ),
        bits(
            "ipv6.flow",
            "Flow Label",
            format!("0x{:05x}", first & FLOW_LABEL_MASK),
            shift(VER_TC_FLOW, at),
            FLOW_LABEL_MASK,
        ),
        node(
            "ipv6.plen",
            "Payload Length",
            be16(b, LENGTH).unwrap_or_default().to_string(),
            shift(LENGTH, at),
        ),
        node(
            "ipv6.nxt",
            "Next Header",
            ip_proto_name(u8_at(b, NXT_HDR).unwrap_or_default()),
            shift(NXT_HDR, at),
        ),
        node(
            "ipv6.hlim",
            "Hop Limit",
            u8_at(b, HOP_LIMIT).unwrap_or_default().to_string(),
            shift(HOP_LIMIT, at),
        ),
        node(
            "ipv6.src",
            "Source Address",
            src.clone(),
            shift(SRC_ADDR, at),
        ),
        node(
            "ipv6.dst",
            "Destination Address",
            dst.clone(),
            shift(DST_ADDR, at),
        ),
    ];
    (
        format!("Internet Protocol Version 6, Src: {src}, Dst: {dst}"),
        fields,
    )
}

pub(super) fn icmp(b: &[u8], at: usize, proto: Proto) -> (String, Vec<FieldNode>) {
    use field::icmp::{CODE, TYPE};
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
    let byte = |r: Range<usize>| u8_at(b, r).unwrap_or_default().to_string();
    let fields = vec![
        node(key_type, "Type", byte(TYPE), shift(TYPE, at)),
        node(key_code, "Code", byte(CODE), shift(CODE, at)),
    ];
    (title.to_string(), fields)
}
