//! Byte-literal fixtures per link type, a truncation loop, and arbitrary bytes that never panic.
#![allow(clippy::expect_used)] // test helpers: a missing layer is a test failure

use osiscope::capture::{Frame, LinkType};
use osiscope::decode::{self, IssueKind, LengthLimit, Packet, Proto, TcpOptions, flags};
use proptest::prelude::*;

/// 192.168.0.1:51234 → 192.168.0.2:8765, SYN, seq 1, window 65535, MSS 1460.
const IPV4_SYN: &[u8] = &[
    0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00,
    0x00, // ver/ihl … proto
    0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02, // src, dst
    0xc8, 0x22, 0x22, 0x3d, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // ports, seq, ack
    0x60, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, // doff 6, SYN, window, checksum, urgent
    0x02, 0x04, 0x05, 0xb4, // MSS 1460
];

/// `[::1]:8765` → `[::1]:51234`, SYN+ACK, 4 bytes of payload, behind an atomic fragment header.
const IPV6_FRAG_SYNACK: &[u8] = &[
    0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x2c, 0x40, // payload len 32, next = fragment (44)
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // src ::1
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // dst ::1
    0x06, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, // fragment: next TCP, offset 0, M=0
    0x22, 0x3d, 0xc8, 0x22, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x02, // ports, seq, ack
    0x50, 0x12, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, // doff 5, SYN+ACK, window 256
    b'p', b'i', b'n', b'g',
];

const ETH_HEAD: &[u8] = &[
    0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
];

fn frame(link: LinkType, data: Vec<u8>) -> Frame {
    Frame {
        number: 1,
        ts_ns: 0,
        orig_len: data.len() as u32,
        link,
        interface: 0,
        data,
    }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn protos(p: &Packet) -> Vec<Proto> {
    p.layers.iter().map(|l| l.proto).collect()
}

fn assert_syn(p: &Packet) {
    let tcp = p.tcp.as_ref().expect("tcp");
    assert_eq!(
        (tcp.src_port, tcp.dst_port, tcp.seq, tcp.flags),
        (51234, 8765, 1, flags::SYN)
    );
    assert_eq!(
        (tcp.window, tcp.header_len, tcp.payload_len),
        (65535, 24, 0)
    );
    assert_eq!(tcp.options.mss, Some(1460));
    let ip = p.ip.expect("ip");
    assert_eq!(
        (ip.version, ip.src.to_string(), ip.dst.to_string(), ip.ttl),
        (4, "192.168.0.1".into(), "192.168.0.2".into(), 64)
    );
    assert!(p.issues.is_empty(), "{:?}", p.issues);
}

#[test]
fn ethernet_ipv4_syn() {
    let p = decode::decode(&frame(
        LinkType::Ethernet,
        cat(&[ETH_HEAD, &[0x08, 0x00], IPV4_SYN]),
    ));
    assert_eq!(protos(&p), [Proto::Ethernet, Proto::Ipv4, Proto::Tcp]);
    assert_eq!(p.layers[1].range, 14..34);
    assert_eq!(p.layers[2].range, 34..58);
    assert_syn(&p);
}

#[test]
fn ethernet_vlan_and_padding() {
    let p = decode::decode(&frame(
        LinkType::Ethernet,
        cat(&[
            ETH_HEAD,
            &[0x81, 0x00, 0x20, 0x64, 0x08, 0x00],
            IPV4_SYN,
            &[0, 0, 0, 0],
        ]),
    ));
    assert_eq!(
        protos(&p),
        [Proto::Ethernet, Proto::Vlan, Proto::Ipv4, Proto::Tcp]
    );
    assert_eq!(p.layers[1].range, 14..18, "TCI and inner ether type");
    assert_syn(&p);
    assert_eq!(
        p.tcp.as_ref().map(osiscope::decode::TcpSegment::payload),
        Some(62..62),
        "padding is not payload"
    );
}

#[test]
fn null_either_byte_order_and_loop() {
    for head in [[2, 0, 0, 0], [0, 0, 0, 2]] {
        let p = decode::decode(&frame(LinkType::Null, cat(&[&head, IPV4_SYN])));
        assert_eq!(protos(&p), [Proto::Null, Proto::Ipv4, Proto::Tcp]);
        assert_syn(&p);
    }
    for family in [24u8, 28, 30] {
        let p = decode::decode(&frame(
            LinkType::Null,
            cat(&[&[family, 0, 0, 0], IPV6_FRAG_SYNACK]),
        ));
        assert_eq!(
            protos(&p),
            [Proto::Null, Proto::Ipv6, Proto::Ipv6Ext, Proto::Tcp]
        );
    }
    let p = decode::decode(&frame(LinkType::Loop, cat(&[&[0, 0, 0, 2], IPV4_SYN])));
    assert_syn(&p);
    let p = decode::decode(&frame(LinkType::Null, cat(&[&[7, 0, 0, 0], IPV4_SYN])));
    assert_eq!(
        p.issues[0].kind,
        IssueKind::UnknownAddressFamily { family: 7 }
    );
}

#[test]
fn linux_sll_and_sll2() {
    let sll = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00];
    let p = decode::decode(&frame(LinkType::LinuxSll, cat(&[&sll, IPV4_SYN])));
    assert_eq!(protos(&p), [Proto::Sll, Proto::Ipv4, Proto::Tcp]);
    assert_syn(&p);
    let sll2 = [
        0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0,
    ];
    let p = decode::decode(&frame(LinkType::LinuxSll2, cat(&[&sll2, IPV4_SYN])));
    assert_eq!(protos(&p), [Proto::Sll2, Proto::Ipv4, Proto::Tcp]);
    assert_eq!(p.layers[1].range, 20..40);
    assert_syn(&p);
}

#[test]
fn raw_ip_by_version_nibble() {
    for link in [LinkType::Raw, LinkType::Ipv4] {
        assert_syn(&decode::decode(&frame(link, IPV4_SYN.to_vec())));
    }
    let f = frame(LinkType::Raw, IPV6_FRAG_SYNACK.to_vec());
    let p = decode::decode(&f);
    assert_eq!(protos(&p), [Proto::Ipv6, Proto::Ipv6Ext, Proto::Tcp]);
    let tcp = p.tcp.as_ref().expect("tcp");
    assert_eq!(
        (tcp.flags, tcp.payload_len, tcp.window),
        (flags::SYN | flags::ACK, 4, 256)
    );
    assert_eq!(p.tcp_payload(&f.data), b"ping");
    assert_eq!(p.ip.map(|i| i.ttl), Some(64));
}

#[test]
fn snap_length_cut_keeps_tcp_len_from_ip_header() {
    let mut f = frame(
        LinkType::Raw,
        IPV6_FRAG_SYNACK[..IPV6_FRAG_SYNACK.len() - 3].to_vec(),
    );
    f.orig_len = IPV6_FRAG_SYNACK.len() as u32;
    let p = decode::decode(&f);
    assert_eq!(p.tcp.as_ref().map(|t| t.payload_len), Some(4));
    assert_eq!(p.tcp_payload(&f.data), b"p");
    assert!(p.issues.is_empty(), "{:?}", p.issues);
}

#[test]
fn ip_length_beyond_the_packet_is_an_issue() {
    let mut bytes = IPV4_SYN.to_vec();
    bytes[2..4].copy_from_slice(&1000u16.to_be_bytes());
    let p = decode::decode(&frame(LinkType::Raw, bytes));
    assert_eq!(
        p.issues[0].kind,
        IssueKind::IpLengthExceedsPacket {
            version: 4,
            declared: 980,
            on_wire: 24
        }
    );
    assert_eq!(p.tcp.as_ref().map(|t| t.payload_len), Some(0));
}

#[test]
fn every_prefix_decodes_with_a_precise_issue() {
    let full = cat(&[ETH_HEAD, &[0x08, 0x00], IPV4_SYN]);
    for n in 0..full.len() {
        let mut f = frame(LinkType::Ethernet, full[..n].to_vec());
        f.orig_len = full.len() as u32;
        let p = decode::decode(&f);
        assert!(p.tcp.is_none(), "prefix {n}");
        let issue = p
            .issues
            .first()
            .unwrap_or_else(|| panic!("prefix {n}: no issue"));
        let short = |header, needs, got| IssueKind::TooShort {
            header,
            needs,
            got,
            limit: LengthLimit::Captured,
        };
        let expected = match n {
            0..14 => ("eth", short("Ethernet", 14, n)),
            14 => ("ipv4", short("IP", 20, 0)),
            15..34 => ("ipv4", short("IPv4", 20, n - 14)),
            _ => ("tcp", short("TCP", if n < 54 { 20 } else { 24 }, n - 34)),
        };
        assert_eq!((issue.layer, issue.kind.clone()), expected, "prefix {n}");
    }
}

#[test]
fn tcp_options_all_kinds() {
    let opts = [
        2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 5, 10, 0, 0, 0, 10, 0,
        0, 0, 20, 0, 0,
    ];
    let (o, problem) = TcpOptions::parse(&opts);
    assert_eq!(problem, None);
    assert_eq!(o.mss, Some(1460));
    assert_eq!(o.window_scale, Some(7));
    assert!(o.sack_permitted);
    assert_eq!(o.timestamps, Some((1, 2)));
    assert_eq!(o.sack, vec![(10, 20)]);
    let (o, problem) = TcpOptions::parse(&[2, 4, 0x05, 0xb4, 8, 10, 0, 0]);
    assert_eq!(o.mss, Some(1460));
    assert_eq!(
        problem,
        Some(IssueKind::TcpOptionOverrun {
            kind: 8,
            len: 10,
            left: 4
        })
    );
}

const LINKS: [LinkType; 9] = [
    LinkType::Ethernet,
    LinkType::Null,
    LinkType::Loop,
    LinkType::LinuxSll,
    LinkType::LinuxSll2,
    LinkType::Raw,
    LinkType::Ipv4,
    LinkType::Ipv6,
    LinkType::Other(147),
];

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(
        link in 0..LINKS.len(),
        prefix in prop::sample::select(vec![&[][..], &[0x08, 0x00][..], &[0x45][..], &[0x60][..], &[2, 0, 0, 0][..]]),
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        extra in 0u32..100,
    ) {
        let data = cat(&[prefix, &bytes]);
        let orig_len = data.len() as u32 + extra;
        let f = Frame { number: 1, ts_ns: 0, orig_len, link: LINKS[link], interface: 0, data };
        let p = decode::decode(&f);
        for layer in p.layers.iter() {
            prop_assert!(layer.range.start <= layer.range.end && layer.range.end <= f.data.len());
        }
        if let Some(tcp) = &p.tcp {
            prop_assert!(tcp.payload().end <= f.data.len());
        }
        let _ = decode::details(&p, &f.data);
    }
}

#[test]
fn details_show_every_header_with_its_arithmetic() {
    let f = frame(
        LinkType::Ethernet,
        cat(&[ETH_HEAD, &[0x08, 0x00], IPV4_SYN]),
    );
    let p = decode::decode(&f);
    let d = decode::details(&p, &f.data);
    let titles: Vec<&str> = d.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Ethernet II, Src: 66:77:88:99:aa:bb, Dst: 00:11:22:33:44:55",
            "Internet Protocol Version 4, Src: 192.168.0.1, Dst: 192.168.0.2",
            "Transmission Control Protocol, Src Port: 51234, Dst Port: 8765, Seq: 1, Len: 0",
        ]
    );
    let field = |layer: usize, key: &str| {
        d[layer]
            .fields
            .iter()
            .find(|f| f.key == key)
            .cloned()
            .expect(key)
    };
    assert_eq!(
        field(1, "ip.hdr_len").note.as_deref(),
        Some("5 × 4 = 20 bytes")
    );
    assert_eq!(
        field(2, "tcp.hdr_len").note.as_deref(),
        Some("data offset 6 × 4 = 24 bytes")
    );
    let tcp_flags = field(2, "tcp.flags");
    assert_eq!(
        (
            tcp_flags.value.as_str(),
            tcp_flags.range.clone(),
            tcp_flags.children.len()
        ),
        ("0x002 (SYN)", 46..48, 9)
    );
    assert_eq!(field(2, "tcp.options").children[0].value, "1460 bytes");
    for node in d.iter().flat_map(|l| &l.fields) {
        assert!(
            node.range.end <= f.data.len(),
            "{} {:?}",
            node.key,
            node.range
        );
    }
}
