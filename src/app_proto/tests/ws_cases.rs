//! RFC 6455 frames and messages, RFC 7692 permessage-deflate.

use flate2::{Compress, Compression};

use super::*;
use crate::app_proto::NoteKind;
use crate::app_proto::websocket::deflate::tests::deflate_message;
use crate::app_proto::websocket::{PAYLOAD_KEEP, RAW_PAYLOAD_KEEP, WsAnomaly};

fn ws() -> Conv {
    let mut c = Conv::new();
    c.handshake(None);
    c
}

fn issues(f: &WsFrame) -> String {
    format!("{:?}", f.issues)
}

#[test]
fn rfc6455_5_7_single_frame_unmasked_and_masked() {
    let mut c = ws();
    c.send(S2C, &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    c.send(
        C2S,
        &[
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ],
    );
    let f = c.frames();
    assert_eq!(f[0].text.as_deref(), Some("Hello"));
    assert!(!f[0].masked && f[0].issues.is_empty(), "{}", issues(&f[0]));
    assert_eq!(f[1].masking_key, Some([0x37, 0xfa, 0x21, 0x3d]));
    assert_eq!(c.messages()[1].data, b"Hello");
    assert_eq!(*f[1].raw_payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    assert!(f[1].issues.is_empty());
    assert_eq!(c.messages().len(), 2);
}

#[test]
fn rfc6455_5_7_fragmented_unmasked_text() {
    let mut c = ws();
    c.send(S2C, &[0x01, 0x03, 0x48, 0x65, 0x6c]);
    c.send(S2C, &[0x80, 0x02, 0x6c, 0x6f]);
    let f = c.frames();
    assert_eq!(
        (f[0].text.as_deref(), f[1].text.as_deref()),
        (Some("Hel"), Some("lo"))
    );
    let m = c.messages();
    assert_eq!(
        (m[0].text.as_deref(), m[0].fragments, m[0].packets.to_vec()),
        (Some("Hello"), 2, vec![3, 4])
    );
}

#[test]
fn rfc6455_5_7_ping_pong_and_lengths() {
    let mut c = ws();
    c.send(S2C, &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    c.send(
        C2S,
        &[
            0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ],
    );
    let mut big = vec![0x82, 0x7E, 0x01, 0x00];
    big.extend([7u8; 256]);
    big.extend([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]);
    big.extend(vec![9u8; 65536]);
    c.send(S2C, &big);
    let f = c.frames();
    let m = c.messages();
    assert_eq!((f[0].opcode, m[0].data.as_slice()), (9, &b"Hello"[..]));
    assert_eq!((f[1].opcode, m[1].data.as_slice()), (10, &b"Hello"[..]));
    assert_eq!(
        (f[2].len_field, f[2].payload_len, f[2].header_len),
        (126, 256, 4)
    );
    assert_eq!(
        (f[3].len_field, f[3].payload_len, f[3].header_len),
        (127, 65536, 10)
    );
    assert_eq!(m[3].data.len(), PAYLOAD_KEEP.min(65536));
    assert_eq!(f[3].raw_payload.len(), RAW_PAYLOAD_KEEP);
    assert!(f.iter().all(|f| f.issues.is_empty()));
}

#[test]
fn several_frames_in_one_segment_and_one_frame_over_many() {
    let mut c = ws();
    let mut bytes = frame(true, 0, 1, None, b"one");
    bytes.extend(frame(true, 0, 1, None, b"two"));
    c.send(S2C, &bytes);
    let long = frame(true, 0, 2, KEY, &[0xAB; 300]);
    for b in &long {
        c.send(C2S, &[*b]);
    }
    assert_eq!(c.frames().len(), 3);
    // Each frame is a message of its own, with the packets that carried it.
    let m = c.messages();
    assert_eq!(m[0].packets, vec![3]);
    assert_eq!(m[1].packets, vec![3]);
    assert_eq!(m[2].packets.len(), long.len());
    assert_eq!(m[2].packets.last(), Some(&c.packet));
    assert_eq!(m[2].data, vec![0xAB; 300]);
    // A frame is reported with the packet that carried its last byte.
    assert_eq!(c.frame_packets(), [3, 3, c.packet]);
}

#[test]
fn frame_larger_than_kept_payload_is_counted() {
    let mut c = ws();
    let payload: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
    let bytes = frame(true, 0, 2, None, &payload);
    for part in bytes.chunks(1460) {
        c.send(S2C, part);
    }
    let f = &c.frames()[0];
    assert_eq!(f.payload_len, 200_000);
    assert_eq!(*f.raw_payload, payload[..RAW_PAYLOAD_KEEP]);
    let m = &c.messages()[0];
    assert_eq!(m.payload_len, 200_000);
    assert_eq!(m.data.len(), PAYLOAD_KEEP);
    assert_eq!(m.data[..], payload[..PAYLOAD_KEEP]);
}

#[test]
fn close_code_and_reason() {
    let mut c = ws();
    c.send(C2S, &frame(true, 0, 8, KEY, b"\x03\xe8bye"));
    c.send(S2C, &frame(true, 0, 8, None, b"\x03\xed"));
    c.send(S2C, &frame(true, 0, 1, None, b"late"));
    c.send(C2S, &frame(true, 0, 8, KEY, b"\x03"));
    let f = c.frames();
    assert_eq!(
        (f[0].close_code, f[0].close_reason.as_deref()),
        (Some(1000), Some("bye"))
    );
    assert!(f[0].issues.is_empty());
    assert_eq!(f[1].close_code, Some(1005));
    assert_eq!(
        *f[1].issues,
        [WsAnomaly::CloseCodeNotSendable { code: 1005 }]
    );
    assert_eq!(*f[2].issues, [WsAnomaly::FrameAfterClose]);
    assert_eq!(
        *f[3].issues,
        [WsAnomaly::FrameAfterClose, WsAnomaly::CloseCodeTruncated]
    );
}

#[test]
fn rfc_violations_are_issues_not_drops() {
    use WsAnomaly as A;
    let cases: Vec<(Direction, Vec<u8>, WsAnomaly)> = vec![
        (C2S, frame(true, 0, 1, None, b"x"), A::UnmaskedClientFrame),
        (S2C, frame(true, 0, 1, KEY, b"x"), A::MaskedServerFrame),
        (
            S2C,
            frame(true, 0, 3, None, b"x"),
            A::ReservedOpcode { opcode: 3 },
        ),
        (
            S2C,
            frame(true, 0, 0xB, None, b"x"),
            A::ReservedOpcode { opcode: 0xB },
        ),
        (
            S2C,
            frame(true, 4, 1, None, b"x"),
            A::ReservedBits { bits: 4 },
        ),
        (
            S2C,
            frame(true, 2, 2, None, b"x"),
            A::ReservedBits { bits: 2 },
        ),
        (
            S2C,
            frame(false, 0, 9, None, b"x"),
            A::FragmentedControlFrame,
        ),
        (
            S2C,
            frame(true, 0, 9, None, &[0; 126]),
            A::ControlPayloadTooLong { payload_len: 126 },
        ),
        (
            S2C,
            frame(true, 0, 0, None, b"x"),
            A::ContinuationWithoutMessage,
        ),
        (
            S2C,
            frame(true, 0, 1, None, b"\xff\xfe"),
            A::InvalidUtf8Text,
        ),
        (
            S2C,
            frame(true, 0, 8, None, b"\x03\xe8\xff"),
            A::CloseReasonInvalidUtf8,
        ),
        (
            S2C,
            frame(true, 0, 8, None, b"\x00\x10"),
            A::CloseCodeNotSendable { code: 16 },
        ),
    ];
    for (dir, bytes, want) in cases {
        let mut c = ws();
        c.send(dir, &bytes);
        c.send(S2C, &frame(true, 0, 2, None, b"next"));
        let f = c.frames();
        assert_eq!(f.len(), 2, "{want:?}");
        assert!(f[0].issues.contains(&want), "{want:?}: {}", issues(&f[0]));
    }
}

#[test]
fn new_data_frame_while_fragmented_message_open() {
    let mut c = ws();
    c.send(S2C, &frame(false, 0, 1, None, b"a"));
    c.send(S2C, &frame(true, 0, 1, None, b"b"));
    assert_eq!(
        *c.frames()[1].issues,
        [WsAnomaly::UnfinishedMessage { fragments: 1 }]
    );
    assert_eq!(c.messages()[0].text.as_deref(), Some("b"));
}

#[test]
fn fragmented_message_with_empty_last_continuation_and_control_between() {
    let mut c = ws();
    c.send(S2C, &frame(false, 0, 1, None, b"Hel"));
    c.send(S2C, &frame(false, 0, 0, None, b"lo "));
    c.send(S2C, &frame(true, 0, 9, None, b""));
    c.send(S2C, &frame(true, 0, 0, None, b""));
    let f = c.frames();
    assert_eq!(f.len(), 4);
    assert_eq!(f[3].text.as_deref(), Some(""));
    let m = c.messages();
    assert_eq!(m[0].opcode, 9);
    assert_eq!((m[1].text.as_deref(), m[1].fragments), (Some("Hello "), 3));
}

#[test]
fn utf8_split_between_fragments_is_fine() {
    let mut c = ws();
    let euro = "€".as_bytes();
    c.send(S2C, &frame(false, 0, 1, None, &euro[..1]));
    c.send(S2C, &frame(true, 0, 0, None, &euro[1..]));
    let f = c.frames();
    assert_eq!((f[0].text.as_deref(), f[1].text.as_deref()), (None, None));
    assert!(f[1].issues.is_empty());
    assert_eq!(c.messages()[0].text.as_deref(), Some("€"));
}

fn deflated(ext: &str) -> Conv {
    let mut c = Conv::new();
    c.handshake(Some(ext));
    c
}

#[test]
fn deflate_with_context_takeover() {
    let mut c = deflated("permessage-deflate");
    let mut z = Compress::new(Compression::default(), false);
    for _ in 0..3 {
        c.send(
            S2C,
            &frame(
                true,
                4,
                1,
                None,
                &deflate_message(&mut z, b"TOGGLE=2d80b22edb3afc"),
            ),
        );
    }
    let mut zc = Compress::new(Compression::default(), false);
    c.send(
        C2S,
        &frame(
            true,
            4,
            1,
            KEY,
            &deflate_message(&mut zc, b"masked and compressed"),
        ),
    );
    let f = c.frames();
    for f in &f[..3] {
        assert_eq!(
            f.text.as_deref(),
            Some("TOGGLE=2d80b22edb3afc"),
            "{}",
            issues(f)
        );
        assert!(f.compressed && f.issues.is_empty());
    }
    assert_eq!(f[3].text.as_deref(), Some("masked and compressed"));
    assert_eq!(c.messages()[0].payload_len, 21);
}

#[test]
fn deflate_without_context_takeover() {
    let mut c =
        deflated("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    for word in ["abcabc", "abcabc", "xyz"] {
        let mut z = Compress::new(Compression::default(), false);
        c.send(
            S2C,
            &frame(true, 4, 1, None, &deflate_message(&mut z, word.as_bytes())),
        );
    }
    let texts: Vec<String> = c
        .frames()
        .iter()
        .map(|f| f.text.as_deref().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(texts, ["abcabc", "abcabc", "xyz"]);
}

#[test]
fn compressed_message_in_fragments() {
    let mut c = deflated("permessage-deflate");
    let mut z = Compress::new(Compression::default(), false);
    let data = deflate_message(&mut z, b"a compressed message split into three fragments");
    let (first, rest) = data.split_at(data.len() / 3);
    let (second, third) = rest.split_at(rest.len() / 2);
    c.send(S2C, &frame(false, 4, 1, None, first));
    c.send(S2C, &frame(false, 0, 0, None, second));
    c.send(S2C, &frame(true, 0, 0, None, third));
    c.send(
        S2C,
        &frame(true, 4, 2, None, &deflate_message(&mut z, b"then binary")),
    );
    let m = c.messages();
    assert_eq!(
        m[0].text.as_deref(),
        Some("a compressed message split into three fragments")
    );
    assert!(m[0].compressed && m[0].issues.is_empty());
    assert_eq!(m[1].data, b"then binary");
    assert!(c.frames().iter().all(|f| f.issues.is_empty()));
}

#[test]
fn rsv1_without_negotiation_is_not_inflated() {
    let mut c = deflated("x-webkit-deflate-frame");
    let mut z = Compress::new(Compression::default(), false);
    c.send(
        S2C,
        &frame(true, 4, 1, None, &deflate_message(&mut z, b"hi")),
    );
    let f = &c.frames()[0];
    assert!(!f.compressed, "{}", issues(f));
    assert!(f.issues.contains(&WsAnomaly::ReservedBits { bits: 4 }));
}

#[test]
fn gap_stops_websocket_with_one_note() {
    let mut c = ws();
    c.send(S2C, &frame(true, 0, 1, None, b"ok")[..3]);
    c.lose(S2C, 10);
    c.send(S2C, &frame(true, 0, 1, None, b"more"));
    c.send(S2C, &frame(true, 0, 1, None, b"more"));
    assert!(c.frames().is_empty());
    assert_eq!(c.notes(), [NoteKind::WebSocketGap { len: 10 }]);
    c.send(C2S, &frame(true, 0, 1, KEY, b"client still fine"));
    assert_eq!(c.frames().len(), 1);
}

#[test]
fn tungstenite_frames_parse_identically() {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame};
    let mut c = ws();
    let mut frames = vec![
        Frame::message(
            b"hello tungstenite".to_vec(),
            OpCode::Data(Data::Text),
            true,
        ),
        Frame::message(vec![1u8; 300], OpCode::Data(Data::Binary), true),
        Frame::message(vec![2u8; 70_000], OpCode::Data(Data::Binary), false),
        Frame::message(b"end".to_vec(), OpCode::Data(Data::Continue), true),
        Frame::ping(b"p".to_vec()),
        Frame::close(Some(CloseFrame {
            code: 1001.into(),
            reason: "going away".into(),
        })),
    ];
    for (i, f) in frames.iter_mut().enumerate() {
        f.header_mut().mask = Some([i as u8, 0x11, 0x22, 0x33]);
    }
    let expected: Vec<_> = frames
        .iter()
        .map(|f| {
            let mask = f.header().mask.unwrap_or_default();
            let raw: Vec<u8> = (f.payload().iter().enumerate())
                .take(RAW_PAYLOAD_KEEP)
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            (f.header().is_final, f.len(), raw)
        })
        .collect();
    // The messages' payloads: the fragments' payloads joined.
    let mut messages = vec![Vec::new()];
    for f in &frames {
        messages.last_mut().unwrap().extend_from_slice(f.payload());
        if f.header().is_final {
            messages.push(Vec::new());
        }
    }
    messages.pop();
    let mut wire = Vec::new();
    for f in frames {
        f.format(&mut wire).unwrap();
    }
    for part in wire.chunks(1000) {
        c.send(C2S, part);
    }
    let got = c.frames();
    assert_eq!(got.len(), expected.len());
    for (g, (fin, len, raw)) in got.iter().zip(expected) {
        assert_eq!(g.fin, fin);
        assert_eq!(usize::from(g.header_len) + g.payload_len as usize, len);
        assert_eq!(*g.raw_payload, raw);
        assert!(g.issues.is_empty(), "{}", issues(g));
    }
    let got: Vec<Vec<u8>> = c.messages().into_iter().map(|m| m.data).collect();
    assert_eq!(got.len(), messages.len());
    for (g, payload) in got.iter().zip(&messages) {
        assert_eq!(g[..], payload[..payload.len().min(PAYLOAD_KEEP)]);
    }
    let got = c.frames();
    assert_eq!(got[0].text.as_deref(), Some("hello tungstenite"));
    assert_eq!(
        (got[5].close_code, got[5].close_reason.as_deref()),
        (Some(1001), Some("going away"))
    );
}
