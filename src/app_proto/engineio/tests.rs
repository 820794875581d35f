//! Engine.IO packets, payloads and sessions, written as traces of bodies and frames.

use std::fmt::Write as _;

use proptest::prelude::*;

use super::*;
use crate::app_proto::socketio::{SioType, SocketIoAnomaly};
use crate::flow::Direction;

const C2S: Direction = Direction::ClientToServer;
const S2C: Direction = Direction::ServerToClient;

fn text(kind: EioType, data: &str) -> EioPacket {
    EioPacket {
        kind,
        data: if data.is_empty() {
            EioData::None
        } else {
            EioData::Text(data.into())
        },
    }
}

fn bin(bytes: &[u8]) -> EioPacket {
    EioPacket {
        kind: EioType::Message,
        data: EioData::Binary {
            len: bytes.len() as u64,
            bytes: bytes.to_vec(),
        },
    }
}

#[test]
fn every_type_digit() {
    let names: Vec<_> = "0123456"
        .chars()
        .map(|c| {
            decode_packet_text(&c.to_string(), EioVersion::V4)
                .unwrap()
                .kind
                .name()
        })
        .collect();
    assert_eq!(
        names,
        [
            "open", "close", "ping", "pong", "message", "upgrade", "noop"
        ]
    );
    assert_eq!(
        decode_packet_text("2probe", EioVersion::V4).unwrap(),
        text(EioType::Ping, "probe")
    );
    assert_eq!(
        decode_packet_text("7", EioVersion::V4),
        Err(EngineIoAnomaly::UnknownType { found: "7".into() })
    );
    assert_eq!(
        decode_packet_text("", EioVersion::V4),
        Err(EngineIoAnomaly::UnknownType {
            found: String::new()
        })
    );
}

#[test]
fn base64_binary_v4_and_v3() {
    assert_eq!(
        decode_packet_text("bAQID", EioVersion::V4).unwrap(),
        bin(&[1, 2, 3])
    );
    assert_eq!(
        decode_packet_text("b4AQID", EioVersion::V3).unwrap(),
        bin(&[1, 2, 3])
    );
    assert_eq!(
        decode_packet_text("b!!", EioVersion::V4),
        Err(EngineIoAnomaly::BadBase64)
    );
    assert_eq!(
        decode_packet_text("bx", EioVersion::V3),
        Err(EngineIoAnomaly::UnknownType { found: "bx".into() })
    );
}

#[test]
fn binary_frames_v4_raw_v3_with_type_byte() {
    assert_eq!(
        decode_ws_binary(&[1, 2], 2, EioVersion::V4).unwrap(),
        bin(&[1, 2])
    );
    assert_eq!(
        decode_ws_binary(&[4, 1, 2], 3, EioVersion::V3).unwrap(),
        bin(&[1, 2])
    );
    assert!(decode_ws_binary(&[9, 1], 2, EioVersion::V3).is_err());
    assert!(decode_ws_binary(&[], 0, EioVersion::V3).is_err());
}

#[test]
fn v4_payload_splits_on_record_separator() {
    let p = decode_payload_v4(b"2\x1e40\x1e42[\"chat\",\"hi\"]\x1ebAQID");
    assert_eq!(
        p.packets,
        [
            text(EioType::Ping, ""),
            text(EioType::Message, "0"),
            text(EioType::Message, "2[\"chat\",\"hi\"]"),
            bin(&[1, 2, 3]),
        ]
    );
    assert!(p.anomalies.is_empty());
    let broken = decode_payload_v4(b"40\x1e\x1e9x");
    assert_eq!(broken.packets, [text(EioType::Message, "0")]);
    assert_eq!(
        broken.anomalies,
        [
            EngineIoAnomaly::EmptyPart { index: 1 },
            EngineIoAnomaly::UnknownType { found: "9".into() }
        ]
    );
    assert_eq!(
        decode_payload_v4(b"\xff").anomalies,
        [EngineIoAnomaly::NotUtf8]
    );
}

#[test]
fn v3_lengths_count_utf16_units() {
    // "€" is one UTF-16 unit (3 UTF-8 bytes), "😀" two (4 bytes).
    let body = "2:4€3:4😀6:2probe1:6";
    let p = decode_payload_v3(body.as_bytes());
    assert_eq!(
        p.packets,
        [
            text(EioType::Message, "€"),
            text(EioType::Message, "😀"),
            text(EioType::Ping, "probe"),
            text(EioType::Noop, ""),
        ]
    );
    assert!(p.anomalies.is_empty(), "{:?}", p.anomalies);
}

#[test]
fn v3_wrong_prefixes_are_annotated() {
    let cases: [(&str, usize, &str); 4] = [
        ("9:4hi", 0, "9"),
        ("1:2x:4", 3, "x"),
        ("2:4😀", 0, "2"),
        ("3:4a", 0, "3"),
    ];
    for (body, at, prefix) in cases {
        let p = decode_payload_v3(body.as_bytes());
        assert!(
            matches!(&p.anomalies[..], [EngineIoAnomaly::BadLength { at: a, prefix: f, .. }]
                if *a == at && f == prefix),
            "{body}: {:?}",
            p.anomalies
        );
    }
}

#[test]
fn v3_binary_payload() {
    // A text "4hello" (6 bytes) then a binary message [1, 2] (type byte 4).
    let body = [
        0, 6, 0xff, b'4', b'h', b'e', b'l', b'l', b'o', 1, 3, 0xff, 4, 1, 2,
    ];
    let p = decode_payload_v3(&body);
    assert_eq!(p.packets, [text(EioType::Message, "hello"), bin(&[1, 2])]);
    assert!(p.anomalies.is_empty());
}

/// Every prefix of a valid payload decodes to a prefix of its packets, with at most one
/// anomaly saying where it stopped; never a panic.
#[test]
fn truncation_loops() {
    let v4 = "0{\"sid\":\"a\"}\x1e40\x1e42[\"chat\",\"héllo\"]\x1ebAQID";
    let v3 = "12:0{\"sid\":\"a\"}2:406:2probe";
    for (eio, body) in [(EioVersion::V4, v4), (EioVersion::V3, v3)] {
        let full = decode_payload(body.as_bytes(), eio);
        assert!(full.anomalies.is_empty());
        for cut in 0..body.len() {
            let p = decode_payload(&body.as_bytes()[..cut], eio);
            assert!(
                p.anomalies.len() <= 1,
                "{eio:?} cut {cut}: {:?}",
                p.anomalies
            );
            let n = p.packets.len();
            // The last packet read may be cut itself (v4 has no lengths).
            let whole = n.saturating_sub(usize::from(eio == EioVersion::V4));
            assert_eq!(p.packets[..whole], full.packets[..whole], "cut {cut}");
        }
    }
}

/// A v4 payload as `engine.io-parser`'s `encodePayload` writes it.
fn encode_v4(packets: &[EioPacket]) -> Vec<u8> {
    use base64::Engine as _;
    let parts: Vec<String> = packets
        .iter()
        .map(|p| match &p.data {
            EioData::Binary { bytes, .. } => {
                format!(
                    "b{}",
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                )
            }
            EioData::Text(t) => format!("{}{t}", p.kind as u8),
            EioData::None => format!("{}", p.kind as u8),
        })
        .collect();
    parts.join("\x1e").into_bytes()
}

/// A v3 text payload as `engine.io-parser` 2.x's `encodePayload` writes it.
fn encode_v3(packets: &[EioPacket]) -> Vec<u8> {
    let mut out = String::new();
    for p in packets {
        let s = match &p.data {
            EioData::Text(t) => format!("{}{t}", p.kind as u8),
            _ => format!("{}", p.kind as u8),
        };
        let _ = write!(out, "{}:{s}", s.encode_utf16().count());
    }
    out.into_bytes()
}

fn any_text_packet() -> impl Strategy<Value = EioPacket> {
    (0u8..7, "[^\u{1e}]{0,12}").prop_map(|(k, t)| text(EioType::from_number(k).unwrap(), &t))
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode_payload_v4(&body);
        let _ = decode_payload_v3(&body);
        let _ = decode_ws_binary(&body, body.len() as u64, EioVersion::V3);
        let _ = String::from_utf8(body).map(|t| decode_packet_text(&t, EioVersion::V3));
    }

    #[test]
    fn v4_round_trip(
        packets in prop::collection::vec(prop_oneof![
            any_text_packet(),
            prop::collection::vec(any::<u8>(), 0..20).prop_map(|b| bin(&b)),
        ], 1..6)
    ) {
        let p = decode_payload_v4(&encode_v4(&packets));
        prop_assert_eq!(p.packets, packets);
    }

    #[test]
    fn v3_round_trip(packets in prop::collection::vec(any_text_packet(), 1..6)) {
        let p = decode_payload_v3(&encode_v3(&packets));
        prop_assert!(p.anomalies.is_empty());
        prop_assert_eq!(p.packets, packets);
    }
}

// Sessions: traces of polling bodies and WebSocket messages.

fn url(uri: &str) -> EioUrl {
    EioUrl::parse(uri).unwrap()
}

fn msg<'a>(
    direction: Direction,
    text: Option<&'a str>,
    bytes: &'a [u8],
    frame: u64,
) -> EioWsMessage<'a> {
    EioWsMessage {
        direction,
        text,
        bytes,
        len: text.map_or(bytes.len(), str::len) as u64,
        frame,
    }
}

fn summary(events: &[IoEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            IoEvent::EngineIo(r) => format!(
                "#{} eio {:?} {} {} {}",
                r.frame,
                r.sid.as_deref(),
                r.transport.name(),
                r.packet.kind.name(),
                r.packet.text().unwrap_or("")
            ),
            IoEvent::SocketIo(r) => format!(
                "#{} sio {} {} id={:?} att={:?} ack_frame={:?}",
                r.frame,
                r.packet.kind.name(),
                r.packet.nsp,
                r.packet.id,
                r.attachment_lens,
                r.ack_frame
            ),
            IoEvent::AckPair(p) => {
                format!("#{} pair {}->{}", p.ack_frame, p.event_frame, p.ack_frame)
            }
            IoEvent::Anomaly(a) => format!("#{} anomaly {:?}", a.frame, a.kind),
        })
        .collect()
}

#[test]
fn polling_then_upgrade_joins_one_session() {
    let mut s = EioSessions::new();
    let mut out = Vec::new();
    let open = br#"0{"sid":"S1","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    s.on_polling_body(
        &url("/socket.io/?EIO=4&transport=polling&t=a"),
        S2C,
        open,
        false,
        4,
        &mut out,
    );
    let polled = url("/socket.io/?EIO=4&transport=polling&t=b&sid=S1");
    s.on_polling_body(&polled, C2S, b"40", false, 6, &mut out);
    s.on_polling_body(&polled, S2C, br#"40{"sid":"K1"}"#, false, 8, &mut out);
    s.on_websocket(
        7,
        &url("/socket.io/?EIO=4&transport=websocket&sid=S1"),
        10,
        &mut out,
    );
    s.on_ws_message(7, &msg(C2S, Some("2probe"), b"", 12), &mut out);
    s.on_ws_message(7, &msg(S2C, Some("3probe"), b"", 13), &mut out);
    s.on_polling_body(&polled, S2C, b"6", false, 14, &mut out);
    s.on_ws_message(7, &msg(C2S, Some("5"), b"", 15), &mut out);
    s.on_ws_message(7, &msg(C2S, Some(r#"421["chat","hi"]"#), b"", 16), &mut out);
    s.on_ws_message(7, &msg(S2C, Some(r#"431[{"ok":true}]"#), b"", 18), &mut out);
    assert_eq!(
        summary(&out),
        [
            format!(
                "#4 eio Some(\"S1\") polling open {}",
                std::str::from_utf8(&open[1..]).unwrap()
            ),
            "#6 eio Some(\"S1\") polling message 0".into(),
            "#6 sio CONNECT / id=None att=[] ack_frame=None".into(),
            "#8 eio Some(\"S1\") polling message 0{\"sid\":\"K1\"}".into(),
            "#8 sio CONNECT / id=None att=[] ack_frame=None".into(),
            "#12 eio Some(\"S1\") websocket ping probe".into(),
            "#13 eio Some(\"S1\") websocket pong probe".into(),
            "#14 eio Some(\"S1\") polling noop ".into(),
            "#15 eio Some(\"S1\") websocket upgrade ".into(),
            "#16 eio Some(\"S1\") websocket message 21[\"chat\",\"hi\"]".into(),
            "#16 sio EVENT / id=Some(1) att=[] ack_frame=None".into(),
            "#18 eio Some(\"S1\") websocket message 31[{\"ok\":true}]".into(),
            "#18 sio ACK / id=Some(1) att=[] ack_frame=Some(16)".into(),
            "#18 pair 16->18".into(),
        ]
    );
}

#[test]
fn websocket_only_session_named_by_its_open_packet() {
    let mut s = EioSessions::new();
    let mut out = Vec::new();
    s.on_websocket(
        1,
        &url("/socket.io/?EIO=4&transport=websocket"),
        3,
        &mut out,
    );
    s.on_ws_message(1, &msg(S2C, Some(r#"0{"sid":"W"}"#), b"", 5), &mut out);
    let event = r#"451-["up",{"_placeholder":true,"num":0}]"#;
    s.on_ws_message(1, &msg(C2S, Some(event), b"", 6), &mut out);
    s.on_ws_message(1, &msg(C2S, None, &[1, 2, 3], 7), &mut out);
    let sio: Vec<_> = out
        .iter()
        .filter_map(|e| match e {
            IoEvent::SocketIo(r) => Some((r.packet.kind, r.attachment_lens.clone(), r.frame)),
            _ => None,
        })
        .collect();
    assert_eq!(sio, [(SioType::BinaryEvent, vec![3], 7)]);
    assert!(out.iter().all(|e| match e {
        IoEvent::EngineIo(r) => r.sid.as_deref() == Some("W"),
        _ => true,
    }));
}

#[test]
fn bad_sessions_are_annotated() {
    let mut s = EioSessions::new();
    let mut out = Vec::new();
    let never = url("/socket.io/?EIO=4&transport=polling&sid=NOPE");
    s.on_polling_body(&never, C2S, b"42[\"a\"]", false, 2, &mut out);
    s.on_polling_body(
        &never,
        C2S,
        b"451-[\"a\",{\"_placeholder\":true,\"num\":0}]",
        false,
        3,
        &mut out,
    );
    s.on_polling_body(&never, C2S, b"42[\"b\"]\x1e42[", true, 4, &mut out);
    s.on_polling_body(&never, S2C, b"bAQID", false, 5, &mut out);
    s.on_polling_body(&never, S2C, b"433[]", false, 6, &mut out);
    let anomalies: Vec<_> = out
        .iter()
        .filter_map(|e| match e {
            IoEvent::Anomaly(a) => Some((a.frame, a.kind.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        anomalies,
        [
            (
                2,
                IoAnomalyKind::EngineIo(EngineIoAnomaly::UnknownSid { sid: "NOPE".into() })
            ),
            (4, IoAnomalyKind::EngineIo(EngineIoAnomaly::Truncated)),
            (
                4,
                IoAnomalyKind::SocketIo(SocketIoAnomaly::MissingAttachments {
                    kind: "BINARY_EVENT",
                    expected: 1,
                    got: 0
                })
            ),
            (4, IoAnomalyKind::SocketIo(SocketIoAnomaly::NotJson)),
            (
                5,
                IoAnomalyKind::SocketIo(SocketIoAnomaly::UnexpectedAttachment)
            ),
            (
                6,
                IoAnomalyKind::SocketIo(SocketIoAnomaly::AckWithoutEvent { id: 3 })
            ),
        ]
    );
}

/// Pieces a broken session is made of: packets, halves of packets, separators, junk.
fn any_piece() -> impl Strategy<Value = Vec<u8>> {
    let words = prop::sample::select(vec![
        &br#"0{"sid":"S","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":9}"#[..],
        b"40",
        br#"40{"sid":"x"}"#,
        br#"42["chat","hi"]"#,
        br#"420["chat"]"#,
        b"430[1]",
        br#"451-["b",{"_placeholder":true,"num":0}]"#,
        br#"462-0[{"_placeholder":true,"num":0}]"#,
        b"bAQID",
        b"b!!",
        b"\x1e",
        b"2",
        b"3probe",
        b"5",
        b"6",
        b"9",
        b"4",
        b"12:42[\"a\"]",
        b"99:4",
        b"",
    ]);
    prop_oneof![
        prop::collection::vec(words, 1..4).prop_map(|w| w.concat()),
        prop::collection::vec(any::<u8>(), 0..24),
    ]
}

proptest! {
    /// Whatever a session is fed (bodies cut anywhere, attachments that never come, sids never
    /// opened), nothing panics and every report belongs to the packet that was being read.
    #[test]
    fn broken_sessions_never_panic_and_report_where_they_are(
        pieces in prop::collection::vec((any::<u8>(), any_piece()), 0..24)
    ) {
        let urls = [
            url("/socket.io/?EIO=4&transport=polling"),
            url("/socket.io/?EIO=4&transport=polling&sid=S"),
            url("/socket.io/?EIO=3&transport=polling&sid=S"),
            url("/socket.io/?EIO=4&transport=websocket&sid=S"),
        ];
        let mut s = EioSessions::new();
        for (i, (ctl, piece)) in pieces.iter().enumerate() {
            let frame = i as u64 + 1;
            let direction = if ctl & 1 == 0 { C2S } else { S2C };
            let u = &urls[usize::from(ctl >> 1 & 3)];
            let mut out = Vec::new();
            if ctl & 8 == 0 {
                s.on_polling_body(u, direction, piece, ctl & 0x80 != 0, frame, &mut out);
            } else {
                let stream = u32::from(ctl >> 6);
                if !s.is_websocket(stream) {
                    s.on_websocket(stream, u, frame, &mut out);
                }
                let text = std::str::from_utf8(piece).ok().filter(|_| ctl & 0x10 == 0);
                s.on_ws_message(stream, &msg(direction, text, piece, frame), &mut out);
            }
            for e in &out {
                let at = match e {
                    IoEvent::EngineIo(r) => r.frame,
                    IoEvent::SocketIo(r) => r.frame,
                    IoEvent::AckPair(p) => p.ack_frame,
                    IoEvent::Anomaly(a) => a.frame,
                };
                prop_assert_eq!(at, frame, "{:?}", e);
            }
        }
    }
}
