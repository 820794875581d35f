//! The edge-case captures of `captures/edge_*.pcapng` (made by `captures/make_edge_captures.sh`,
//! described in `captures/README.md`, "Edge-case captures"): each one decodes to the thing it
//! was made to show. Field-by-field agreement with tshark is `tests/corpus.rs`'s job; these
//! tests check what tshark's columns cannot say (whole messages, inflated text, RFC issues).

#![allow(clippy::expect_used, clippy::unwrap_used)] // helpers: a missing record is a test failure

mod common;

use osiscope::app_proto::{HttpKind, HttpMessage, WsAnomaly, WsFrame, WsMessage};
use osiscope::decode::flags;
use osiscope::flow::{Analysis, Direction};
use osiscope::model::PacketRecord;

const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CONTINUATION: u8 = 0x0;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;

fn decode(name: &str) -> Vec<PacketRecord> {
    let path = common::captures_dir().join(format!("{name}.pcapng"));
    let (records, err) = common::decode_file(&path);
    assert_eq!(err, None, "{name}: reading ended with an error");
    assert!(!records.is_empty(), "{name}: no packets");
    records
}

fn frames(records: &[PacketRecord]) -> Vec<&WsFrame> {
    records.iter().flat_map(|r| &r.ws).collect()
}

fn messages(records: &[PacketRecord]) -> Vec<&WsMessage> {
    records.iter().flat_map(|r| &r.messages).collect()
}

fn http(records: &[PacketRecord]) -> Vec<&HttpMessage> {
    records.iter().flat_map(|r| &r.http).collect()
}

fn stream(r: &PacketRecord) -> u32 {
    r.seg.as_ref().map(|s| s.stream).expect("a TCP packet")
}

fn texts(msgs: &[&WsMessage], dir: Direction) -> Vec<String> {
    msgs.iter()
        .filter(|m| m.direction == dir && m.opcode == TEXT)
        .map(|m| m.text.clone().unwrap_or_else(|| panic!("text of {m:?}")))
        .collect()
}

fn all_issues(records: &[PacketRecord]) -> Vec<WsAnomaly> {
    frames(records)
        .iter()
        .flat_map(|f| f.issues.iter().cloned())
        .collect()
}

/// Every frame of a well-behaved capture is free of RFC 6455 issues.
fn assert_no_issues(name: &str, records: &[PacketRecord]) {
    let issues = all_issues(records);
    assert!(issues.is_empty(), "{name}: unexpected issues {issues:?}");
}

#[test]
fn fragmented_text_is_one_message_with_a_ping_between_fragments() {
    let r = decode("edge_fragmented");
    assert_no_issues("edge_fragmented", &r);
    let msgs = messages(&r);
    let text = msgs
        .iter()
        .find(|m| m.direction == Direction::ClientToServer && m.opcode == TEXT)
        .expect("the client's text message");
    assert_eq!(text.fragments, 3);
    assert_eq!(text.text.as_deref(), Some("Hello, fragmented world!"));
    assert_eq!(text.payload_len, 24);
    assert_eq!(text.packets.len(), 3, "three fragments, three packets");
    // The Ping sent between the first and second fragment is a message of its own, and does
    // not break the fragmented one (RFC 6455 §5.4).
    let ping = msgs
        .iter()
        .find(|m| m.opcode == PING)
        .expect("the mid-message ping");
    assert_eq!(ping.data, b"mid-message ping");
    assert!(ping.packets[0] > text.packets[0] && ping.packets[0] < text.packets[1]);
    // Fragment opcodes: Text (FIN 0), Continuation (FIN 0), Continuation (FIN 1).
    let client: Vec<_> = frames(&r)
        .into_iter()
        .filter(|f| f.direction == Direction::ClientToServer && f.opcode != PING)
        .take(3)
        .map(|f| (f.opcode, f.fin))
        .collect();
    assert_eq!(
        client,
        [(TEXT, false), (CONTINUATION, false), (CONTINUATION, true)]
    );
    // The binary message in two fragments.
    let bin = msgs
        .iter()
        .find(|m| m.direction == Direction::ClientToServer && m.opcode == BINARY)
        .expect("the client's binary message");
    assert_eq!(bin.fragments, 2);
    assert_eq!(bin.data, (0u8..40).collect::<Vec<_>>());
    // The server echoes both, each unfragmented.
    assert_eq!(
        texts(&msgs, Direction::ServerToClient),
        ["Hello, fragmented world!"]
    );
}

#[test]
fn a_frame_over_65535_bytes_has_a_64_bit_length() {
    let r = decode("edge_len64");
    assert_no_issues("edge_len64", &r);
    let big = frames(&r)
        .into_iter()
        .find(|f| f.payload_len > 65535)
        .expect("a frame over 65535 bytes");
    assert_eq!(big.len_field, 127);
    assert_eq!(big.payload_len, 70000);
    assert_eq!(
        big.header_len,
        2 + 8 + 4,
        "base + 64-bit length + masking key"
    );
    assert!(big.masked && big.opcode == BINARY && big.fin);
    let msg = messages(&r)
        .into_iter()
        .find(|m| m.opcode == BINARY)
        .expect("the binary message");
    assert_eq!(msg.payload_len, 70000);
    assert!(
        msg.packets.len() >= 2,
        "70000 bytes span several TCP segments"
    );
    let want: Vec<u8> = (0..msg.data.len()).map(|i| (i % 251) as u8).collect();
    assert_eq!(msg.data, want, "unmasked payload as sent");
    assert_eq!(
        texts(&messages(&r), Direction::ServerToClient),
        ["received 70000 bytes"]
    );
}

#[test]
fn several_frames_in_one_segment_and_one_frame_across_two() {
    let r = decode("edge_multiframe_segment");
    assert_no_issues("edge_multiframe_segment", &r);
    let packed = r
        .iter()
        .find(|p| p.ws.len() >= 3)
        .expect("a packet carrying at least three frames");
    let ops: Vec<u8> = packed.ws.iter().map(|f| f.opcode).collect();
    assert_eq!(ops, [TEXT, TEXT, PING, TEXT]);
    let got: Vec<_> = packed.ws.iter().filter_map(|f| f.text.as_deref()).collect();
    assert_eq!(got, ["one", "two", "three"]);
    // Each frame is a message of its own: those four are carried by that one packet.
    let msgs = messages(&r);
    let whole: Vec<u8> = msgs
        .iter()
        .filter(|m| m.packets == [packed.packet.number])
        .map(|m| m.opcode)
        .collect();
    assert_eq!(whole, ops);
    // "bravo…" starts in the packet that also carries "alpha" and ends in the next one, which
    // also carries "charlie".
    let client_text = |text: &str| {
        msgs.iter()
            .find(|m| m.text.as_deref() == Some(text) && m.direction == Direction::ClientToServer)
            .expect(text)
    };
    let bravo = client_text("bravo bravo bravo");
    assert_eq!(bravo.packets.len(), 2, "{:?}", bravo.packets);
    let alpha = client_text("alpha");
    let charlie = client_text("charlie");
    assert_eq!(alpha.packets, [bravo.packets[0]]);
    assert_eq!(charlie.packets, [bravo.packets[1]]);
    let end = r
        .iter()
        .find(|p| p.packet.number == bravo.packets[1])
        .unwrap();
    assert_eq!(end.ws.len(), 2, "bravo's tail and charlie in one packet");
}

fn extensions(records: &[PacketRecord]) -> String {
    http(records)
        .into_iter()
        .find(|h| h.kind == HttpKind::Response && h.status == Some(101))
        .and_then(|h| h.sec_websocket_extensions.clone())
        .expect("a 101 with Sec-WebSocket-Extensions")
}

#[test]
fn deflate_with_context_takeover_inflates_every_message() {
    let r = decode("edge_deflate_context_takeover");
    assert_no_issues("edge_deflate_context_takeover", &r);
    let ext = extensions(&r);
    assert!(ext.contains("permessage-deflate"), "{ext}");
    assert!(!ext.contains("no_context_takeover"), "{ext}");
    let msgs = messages(&r);
    let want = "Hello hello hello, permessage-deflate with context takeover!";
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        assert_eq!(texts(&msgs, dir), [want; 3], "{dir:?}");
    }
    assert!(
        msgs.iter()
            .filter(|m| m.opcode == TEXT)
            .all(|m| m.compressed)
    );
    // With the window kept, a repeat compresses to a back-reference: later frames are shorter.
    let wire: Vec<u64> = frames(&r)
        .into_iter()
        .filter(|f| f.direction == Direction::ClientToServer && f.opcode == TEXT)
        .map(|f| f.payload_len)
        .collect();
    assert_eq!(wire.len(), 3);
    assert!(
        wire[1] < wire[0] / 4 && wire[2] < wire[0] / 4,
        "{wire:?}: repeats should be tiny"
    );
    assert!(
        frames(&r)
            .iter()
            .filter(|f| f.opcode == TEXT)
            .all(|f| f.rsv == 4 && f.compressed)
    );
}

#[test]
fn deflate_without_context_takeover_inflates_every_message() {
    let r = decode("edge_deflate_no_context_takeover");
    assert_no_issues("edge_deflate_no_context_takeover", &r);
    let ext = extensions(&r);
    assert!(ext.contains("server_no_context_takeover"), "{ext}");
    assert!(ext.contains("client_no_context_takeover"), "{ext}");
    let msgs = messages(&r);
    let want = "Hello hello hello, permessage-deflate without context takeover!";
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        assert_eq!(texts(&msgs, dir), [want; 3], "{dir:?}");
    }
    // A fresh window each time: every repeat compresses to the same length.
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        let wire: Vec<u64> = frames(&r)
            .into_iter()
            .filter(|f| f.direction == dir && f.opcode == TEXT)
            .map(|f| f.payload_len)
            .collect();
        assert_eq!(wire.len(), 3);
        assert!(wire.iter().all(|&l| l == wire[0]), "{dir:?}: {wire:?}");
        assert!(wire[0] < want.len() as u64);
    }
}

#[test]
fn a_compressed_message_split_into_fragments_is_inflated_whole() {
    let r = decode("edge_deflate_fragmented");
    assert_no_issues("edge_deflate_fragmented", &r);
    let msgs = messages(&r);
    let client: Vec<_> = msgs
        .iter()
        .filter(|m| m.direction == Direction::ClientToServer && m.opcode == TEXT)
        .collect();
    assert_eq!(client.len(), 2, "one message per connection");
    // Connection 0: one deflate stream cut into three fragments, RSV1 on the first only.
    let sentence = "A compressed message split into three fragments, ".repeat(3);
    assert_eq!(client[0].fragments, 3);
    assert!(client[0].compressed);
    assert_eq!(client[0].text.as_deref(), Some(sentence.as_str()));
    // Connection 1: websockets 10.4 compresses and sync-flushes each fragment, then ends the
    // message with a final continuation whose compressed payload is a single byte.
    assert_eq!(client[1].fragments, 5);
    assert_eq!(
        client[1].text.as_deref(),
        Some("Compressed and fragmented, by websockets.")
    );
    let c1: Vec<_> = r
        .iter()
        .filter(|p| stream(p) == 1)
        .flat_map(|p| &p.ws)
        .filter(|f| f.direction == Direction::ClientToServer && f.opcode != CLOSE)
        .collect();
    let rsv: Vec<u8> = c1.iter().map(|f| f.rsv).collect();
    assert_eq!(
        rsv,
        [4, 0, 0, 0, 0],
        "RSV1 on the first fragment only (RFC 7692 §6.1)"
    );
    // The server's echoes, unfragmented and compressed.
    assert_eq!(
        texts(&msgs, Direction::ServerToClient),
        [
            sentence.as_str(),
            "Compressed and fragmented, by websockets."
        ]
    );
}

#[test]
fn a_message_ending_with_an_empty_continuation_is_complete() {
    let r = decode("edge_empty_last_continuation");
    assert_no_issues("edge_empty_last_continuation", &r);
    let msgs = messages(&r);
    let client: Vec<_> = msgs
        .iter()
        .filter(|m| m.direction == Direction::ClientToServer && m.opcode == TEXT)
        .collect();
    assert_eq!(client.len(), 2);
    assert_eq!(client[0].text.as_deref(), Some("Hello, world"));
    assert_eq!(client[0].fragments, 3);
    assert_eq!(client[1].text.as_deref(), Some("Fragments from websockets"));
    assert_eq!(client[1].fragments, 4);
    // Each message ends with a FIN continuation of length 0 (and a 4-byte masking key).
    let last: Vec<_> = frames(&r)
        .into_iter()
        .filter(|f| f.opcode == CONTINUATION && f.fin)
        .collect();
    assert_eq!(last.len(), 2);
    assert!(
        last.iter()
            .all(|f| f.payload_len == 0 && f.masked && f.header_len == 6)
    );
    assert_eq!(
        texts(&msgs, Direction::ServerToClient),
        ["Hello, world", "Fragments from websockets"]
    );
}

#[test]
fn ipv6_loopback() {
    let r = decode("edge_ipv6");
    assert_no_issues("edge_ipv6", &r);
    let lo: std::net::IpAddr = "::1".parse().unwrap();
    for p in &r {
        let ip = p.packet.ip.as_ref().expect("IP");
        assert_eq!((ip.version, ip.src, ip.dst), (6, lo, lo));
    }
    let msgs = messages(&r);
    assert_eq!(texts(&msgs, Direction::ClientToServer), ["Hello over IPv6"]);
    assert_eq!(texts(&msgs, Direction::ServerToClient), ["Hello over IPv6"]);
    assert!(
        msgs.iter()
            .any(|m| m.opcode == BINARY && m.data.starts_with(b"\x00\x01\x02\x03"))
    );
    assert!(msgs.iter().any(|m| m.opcode == PING && m.data == b"v6"));
}

#[test]
fn an_abortive_close_ends_the_connection_with_rst() {
    let r = decode("edge_rst");
    let rst: Vec<_> = r
        .iter()
        .filter(|p| {
            p.packet
                .tcp
                .as_ref()
                .is_some_and(|t| t.flags & flags::RST != 0)
        })
        .collect();
    assert_eq!(rst.len(), 1, "one RST");
    let rst = rst[0];
    assert_eq!(
        rst.seg.as_ref().unwrap().direction,
        Direction::ClientToServer
    );
    assert_eq!(rst.packet.number, r.last().unwrap().packet.number);
    // Before it: one text message each way, then 12 bytes of a frame that never ends.
    let msgs = messages(&r);
    assert_eq!(texts(&msgs, Direction::ClientToServer), ["about to reset"]);
    assert_eq!(texts(&msgs, Direction::ServerToClient), ["about to reset"]);
    assert_eq!(frames(&r).len(), 2, "the cut-off frame is not a frame");
    assert!(
        !frames(&r).iter().any(|f| f.opcode == CLOSE),
        "no closing handshake"
    );
}

#[test]
fn a_refused_upgrade_is_followed_by_no_websocket_frames() {
    let r = decode("edge_refused_upgrade");
    let h = http(&r);
    let requests: Vec<_> = h.iter().filter(|m| m.kind == HttpKind::Request).collect();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|m| {
        m.upgrade
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
            && m.sec_websocket_key.is_some()
    }));
    assert_eq!(requests[0].uri.as_deref(), Some("/missing"));
    assert_eq!(requests[1].sec_websocket_version.as_deref(), Some("8"));
    let statuses: Vec<_> = h
        .iter()
        .filter(|m| m.kind == HttpKind::Response)
        .map(|m| m.status)
        .collect();
    assert_eq!(statuses, [Some(404), Some(426)]);
    let refused = h.iter().find(|m| m.status == Some(426)).unwrap();
    // RFC 6455 §4.4: the versions the server speaks.
    assert_eq!(refused.sec_websocket_version.as_deref(), Some("13"));
    assert!(frames(&r).is_empty(), "no WebSocket after a refusal");
    assert!(messages(&r).is_empty());
    let streams: std::collections::BTreeSet<u32> = r.iter().map(stream).collect();
    assert_eq!(streams.len(), 2);
}

#[test]
fn lost_segments_show_as_retransmissions_and_duplicate_acks() {
    let r = decode("edge_retransmissions");
    let count = |a: Analysis| {
        r.iter()
            .filter(|p| p.seg.as_ref().is_some_and(|s| s.analysis.contains(&a)))
            .count()
    };
    let retrans = count(Analysis::Retransmission) + count(Analysis::FastRetransmission);
    assert!(retrans >= 3, "{retrans} retransmissions");
    assert!(count(Analysis::DuplicateAck) >= 3, "duplicate ACKs");
    assert!(r.len() >= 150, "{} packets", r.len());
    // Despite the losses, every message arrives whole and in order, each way.
    let msgs = messages(&r);
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        let bin: Vec<_> = msgs
            .iter()
            .filter(|m| m.direction == dir && m.opcode == BINARY)
            .collect();
        assert_eq!(bin.len(), 24, "{dir:?}");
        for (i, m) in bin.iter().enumerate() {
            assert_eq!(m.payload_len, 3000);
            assert!(
                m.data.iter().all(|&b| b as usize == i),
                "{dir:?} message {i}"
            );
        }
        assert_eq!(texts(&msgs, dir), ["done"]);
    }
    assert_no_issues("edge_retransmissions", &r);
}

#[test]
fn rfc_violations_are_listed_in_the_frames_issues() {
    let r = decode("edge_rfc_violations");
    let fr = frames(&r);
    let has = |pred: &dyn Fn(&WsFrame) -> bool, want: WsAnomaly| {
        let f = fr
            .iter()
            .find(|f| pred(f))
            .unwrap_or_else(|| panic!("no frame for {want:?}"));
        assert!(f.issues.contains(&want), "{want:?}: {:?}", f.issues);
    };
    has(
        &|f| f.direction == Direction::ClientToServer && !f.masked && f.opcode == TEXT,
        WsAnomaly::UnmaskedClientFrame,
    );
    has(
        &|f| f.opcode == 0x3,
        WsAnomaly::ReservedOpcode { opcode: 3 },
    );
    has(
        &|f| f.opcode == 0xB,
        WsAnomaly::ReservedOpcode { opcode: 0xB },
    );
    has(
        &|f| f.opcode == PING && f.payload_len == 126,
        WsAnomaly::ControlPayloadTooLong { payload_len: 126 },
    );
    has(
        &|f| f.opcode == PING && !f.fin,
        WsAnomaly::FragmentedControlFrame,
    );
    has(&|f| f.rsv == 2, WsAnomaly::ReservedBits { bits: 2 });
    has(
        &|f| f.direction == Direction::ServerToClient && f.masked,
        WsAnomaly::MaskedServerFrame,
    );
    // The 126-byte ping uses the 16-bit length.
    let big_ping = fr
        .iter()
        .find(|f| f.opcode == PING && f.payload_len == 126)
        .unwrap();
    assert_eq!(big_ping.len_field, 126);
    // The legal frame and the closes have nothing to report; the server answers 1002.
    let legal = fr
        .iter()
        .find(|f| f.text.as_deref() == Some("a legal text frame"))
        .unwrap();
    assert!(legal.issues.is_empty(), "{:?}", legal.issues);
    let codes: Vec<_> = fr
        .iter()
        .filter(|f| f.opcode == CLOSE)
        .map(|f| (f.direction, f.close_code))
        .collect();
    assert_eq!(
        codes,
        [
            (Direction::ClientToServer, Some(1000)),
            (Direction::ServerToClient, Some(1002))
        ]
    );
}
