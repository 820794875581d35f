//! Socket.IO packets as `socket.io-parser`'s tests write them, truncation loops, proptests.

use std::fmt::Write as _;

use proptest::prelude::*;
use serde_json::json;

use super::*;

fn v5(text: &str) -> Result<SioPacket, SocketIoAnomaly> {
    decode_packet(text, SioVersion::V5)
}

fn pkt(
    kind: SioType,
    nsp: &str,
    id: Option<u64>,
    attachments: u32,
    data: Option<serde_json::Value>,
) -> SioPacket {
    SioPacket {
        kind,
        nsp: nsp.into(),
        id,
        attachments,
        data: data.map(|v| SioData::parse(&v.to_string()).unwrap()),
    }
}

#[test]
fn the_seven_types() {
    assert_eq!(v5("0").unwrap(), pkt(SioType::Connect, "/", None, 0, None));
    assert_eq!(
        v5(r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#)
            .unwrap()
            .sid(),
        Some("oSO0OpakMV_3jnilAAAA")
    );
    assert_eq!(
        v5("1/admin,").unwrap(),
        pkt(SioType::Disconnect, "/admin", None, 0, None)
    );
    let e = v5(r#"2["chat","hi"]"#).unwrap();
    assert_eq!(
        e,
        pkt(SioType::Event, "/", None, 0, Some(json!(["chat", "hi"])))
    );
    assert_eq!((e.event(), e.args()), (Some("chat"), vec![json!("hi")]));
    assert_eq!(
        v5(r#"2/admin,12["x",1]"#).unwrap(),
        pkt(SioType::Event, "/admin", Some(12), 0, Some(json!(["x", 1])))
    );
    assert_eq!(
        v5(r#"313[{"ok":true}]"#).unwrap(),
        pkt(SioType::Ack, "/", Some(13), 0, Some(json!([{"ok": true}])))
    );
    assert_eq!(
        v5(r#"4{"message":"Not authorized"}"#).unwrap().kind,
        SioType::ConnectError
    );
    assert_eq!(
        v5(r#"52-/admin,7["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
            .unwrap(),
        pkt(
            SioType::BinaryEvent,
            "/admin",
            Some(7),
            2,
            Some(json!(["up", {"_placeholder": true, "num": 0}, {"_placeholder": true, "num": 1}]))
        )
    );
    assert_eq!(
        v5(r#"61-3[{"_placeholder":true,"num":0}]"#).unwrap().kind,
        SioType::BinaryAck
    );
}

#[test]
fn key_order_is_kept() {
    let p = v5(r#"0{"sid":"a","pid":"b"}"#).unwrap();
    assert_eq!(p.data.unwrap().to_string(), r#"{"sid":"a","pid":"b"}"#);
}

#[test]
fn violations() {
    let unknown = |f: &str| Err(SocketIoAnomaly::UnknownType { found: f.into() });
    assert_eq!(v5("9"), unknown("9"));
    assert_eq!(v5(""), unknown(""));
    assert_eq!(v5("é"), unknown("é"));
    for bad in [r#"5["a"]"#, r#"50-["a"]"#, r#"5x-["a"]"#] {
        assert!(
            matches!(v5(bad), Err(SocketIoAnomaly::BadAttachments { .. })),
            "{bad}"
        );
    }
    assert_eq!(v5(r#"2["chat""#), Err(SocketIoAnomaly::NotJson));
    let invalid = |k| Err(SocketIoAnomaly::InvalidPayload { kind: k });
    assert_eq!(v5(r#"2{"a":1}"#), invalid("EVENT"));
    assert_eq!(v5(r#"2["connect"]"#), invalid("EVENT"));
    assert_eq!(v5("2[]"), invalid("EVENT"));
    assert_eq!(v5("0[]"), invalid("CONNECT"));
    assert_eq!(v5("1{}"), invalid("DISCONNECT"));
    assert_eq!(v5("3{}"), invalid("ACK"));
    assert_eq!(v5("4[1]"), invalid("CONNECT_ERROR"));
}

#[test]
fn protocol_v4_differences() {
    let v4 = |t| decode_packet(t, SioVersion::V4);
    // Socket.IO 2.x: ERROR carries any JSON; everything else an array.
    assert_eq!(
        v4(r#"4"Invalid namespace""#)
            .unwrap()
            .data
            .map(|d| d.value()),
        Some(json!("Invalid namespace"))
    );
    assert_eq!(v4("0/admin?token=1,").unwrap().nsp, "/admin?token=1");
    assert_eq!(
        v4(r#"0{"a":1}"#),
        Err(SocketIoAnomaly::InvalidPayload { kind: "CONNECT" })
    );
    assert_eq!(v4(r#"2["connect"]"#).unwrap().event(), Some("connect"));
}

/// Every prefix of a valid packet decodes or is an anomaly, never a panic; a prefix that
/// decodes says the same about type and namespace once they are whole.
#[test]
fn truncation_loops() {
    let full = r#"52-/admin,17["up",{"_placeholder":true,"num":0},"é"]"#;
    for cut in (0..=full.len()).filter(|&c| full.is_char_boundary(c)) {
        match v5(&full[..cut]) {
            Ok(p) if cut > 10 => {
                assert_eq!((p.kind, p.nsp.as_str()), (SioType::BinaryEvent, "/admin"));
            }
            Ok(_) | Err(_) => {}
        }
    }
}

/// A payload is kept as the JSON `serde_json` writes for the value it parses, with what the
/// decoder reads from it on the way.
#[test]
fn payloads_are_kept_as_serde_json_writes_them() {
    let data = |t: &str| SioData::parse(t).unwrap();
    let spaced = data(" [ \"chat\" , {\"a\" : 1.50, \"b\":[ ] ,\"c\":\"\\u00e9\\/\"} ] ");
    assert_eq!(spaced.as_str(), r#"["chat",{"a":1.5,"b":[],"c":"é/"}]"#);
    assert_eq!(
        (spaced.shape(), spaced.first_str()),
        (Shape::Array, Some("chat"))
    );
    assert_eq!(spaced.to_string(), spaced.value().to_string());
    // A repeated key is kept once, in its first place, with its last value (`JSON.parse`).
    let repeated = data(r#"{"sid":"a","x":[{"k":1,"k":2}],"sid":"b"}"#);
    assert_eq!(repeated.as_str(), r#"{"sid":"b","x":[{"k":2}]}"#);
    assert_eq!(repeated.sid(), Some("b"));
    // In a map of many keys too (sorted to be compared), and in a nested one.
    let many = |repeat: bool| {
        let keys: Vec<String> = (0..5000)
            .map(|i| format!("\"k{}\":{i}", if repeat && i == 4321 { 7 } else { i }))
            .collect();
        format!("[\"big\",{{\"inner\":{{{}}}}}]", keys.join(","))
    };
    for text in [many(true), many(false)] {
        let expected = serde_json::from_str::<serde_json::Value>(&text).unwrap();
        assert_eq!(data(&text).as_str(), expected.to_string());
    }
    // Only the top level's `sid`, and only a string.
    assert_eq!(data(r#"[{"sid":"a"}]"#).sid(), None);
    assert_eq!(data(r#"{"x":{"sid":"a"},"sid":1}"#).sid(), None);
    assert_eq!(data(r#"["a\"b",1]"#).first_str(), Some("a\"b"));
    assert!(data("[7,\"x\"]").first_is_number() && !data("[[7]]").first_is_number());
    assert_eq!(data(r#"[["x"]]"#).first_str(), None);
    assert_eq!(data("-0").as_str(), serde_json::json!(-0.0).to_string());
    // A float's value is read from the wire's text, as before (not from the text written).
    for text in [
        "[8.567938076373949e-212]",
        "[0.30000000000000004, 1e3]",
        r#"{"a":0.30000000000000004,"b":1,"a":8.567938076373949e-212}"#,
    ] {
        let wire: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            (data(text).value(), data(text).to_string()),
            (wire.clone(), wire.to_string())
        );
    }
    // Strings without escapes are copied as they are: non-ASCII and DEL stay, a control
    // character that is not escaped is not JSON.
    let plain = data("[\"é ✓ \u{7f}\",{\"k é\":\"v\\n\"}]");
    assert_eq!(plain.as_str(), "[\"é ✓ \u{7f}\",{\"k é\":\"v\\n\"}]");
    assert_eq!(plain.first_str(), Some("é ✓ \u{7f}"));
    for not_json in [
        "[\"a\u{1}b\"]",
        "{\"\t\":1}",
        "",
        "[1,]",
        "{\"a\"}",
        "[1] x",
        "\"\\ud800\"",
        "1e400",
        "[]]",
    ] {
        assert_eq!(SioData::parse(not_json), None, "{not_json}");
    }
}

/// A packet as `socket.io-parser`'s `Encoder.encodeAsString` writes it.
fn encode(p: &SioPacket) -> String {
    let mut s = (p.kind as u8).to_string();
    if p.kind.is_binary() {
        let _ = write!(s, "{}-", p.attachments);
    }
    if p.nsp != "/" {
        s.push_str(&p.nsp);
        s.push(',');
    }
    if let Some(id) = p.id {
        s.push_str(&id.to_string());
    }
    if let Some(d) = &p.data {
        s.push_str(&d.to_string());
    }
    s
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,40}", t in "[0-6][0-9/,\\-\\[\\]\"a-z{}:]{0,30}") {
        let _ = decode_packet(&s, SioVersion::V5);
        let _ = decode_packet(&t, SioVersion::V4);
        let _ = decode_packet(&t, SioVersion::V5);
    }

    /// `SioData` takes what `serde_json::Value` takes, and writes what it writes.
    #[test]
    fn payloads_read_as_serde_json_reads_them(t in "[ \\[\\]{}:,\"a-c0-9.eE+\\-\\\\]{0,24}") {
        let value = serde_json::from_str::<serde_json::Value>(&t).ok();
        let data = SioData::parse(&t);
        prop_assert_eq!(data.map(|d| d.to_string()), value.map(|v| v.to_string()));
    }

    /// Strings and keys as they come on the wire, with or without escapes (those without are
    /// copied as they are): any text between quotes reads as `serde_json::Value` reads it.
    #[test]
    fn strings_as_on_the_wire_read_as_serde_json_reads_them(
        s in "(\\PC|[\u{0}-\u{1f}\u{7f}\"\\\\]){0,12}",
        escaped in any::<String>(),
    ) {
        let escaped = serde_json::to_string(&escaped).unwrap();
        for t in [
            format!("[\"{s}\",{{\"{s}\":\"{s}\"}}]"),
            format!("[{escaped},{{{escaped}:[{escaped}]}}]"),
        ] {
            let value = serde_json::from_str::<serde_json::Value>(&t).ok();
            let data = SioData::parse(&t);
            prop_assert_eq!(
                data.as_ref().map(ToString::to_string),
                value.as_ref().map(ToString::to_string)
            );
            prop_assert_eq!(data.map(|d| d.value()), value);
        }
    }

    #[test]
    fn events_round_trip(
        nsp in prop_oneof![Just("/".to_string()), "/[a-z]{1,8}"],
        id in prop::option::of(0u64..1_000_000),
        name in "[a-z]{1,8}",
        args in prop::collection::vec(prop_oneof![
            any::<i32>().prop_map(|n| json!(n)),
            "\\PC{0,10}".prop_map(|s| json!(s)),
            Just(json!({"_placeholder": true, "num": 0})),
        ], 0..4),
        attachments in 0u32..3,
    ) {
        let mut data = vec![json!(name)];
        data.extend(args);
        let kind = if attachments > 0 { SioType::BinaryEvent } else { SioType::Event };
        let p = pkt(kind, &nsp, id, attachments, Some(serde_json::Value::Array(data)));
        prop_assert_eq!(decode_packet(&encode(&p), SioVersion::V5), Ok(p));
    }
}

#[test]
fn attachments_join_and_go_missing() {
    let mut a = Attachments::default();
    let mut out = Vec::new();
    a.on_packet(
        v5(r#"52-["up",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#).unwrap(),
        &mut out,
    );
    assert!(out.is_empty() && a.is_waiting());
    assert_eq!(a.on_binary(3), None);
    let Some(Completed::Packet(p, lens)) = a.on_binary(5) else {
        panic!()
    };
    assert_eq!((p.kind, lens), (SioType::BinaryEvent, vec![3, 5]));
    assert_eq!(
        a.on_binary(1),
        Some(Completed::Anomaly(SocketIoAnomaly::UnexpectedAttachment))
    );
    a.on_packet(
        v5(r#"51-["up",{"_placeholder":true,"num":0}]"#).unwrap(),
        &mut out,
    );
    a.on_packet(v5(r#"2["next"]"#).unwrap(), &mut out);
    assert_eq!(
        out,
        [
            Completed::Anomaly(SocketIoAnomaly::MissingAttachments {
                kind: "BINARY_EVENT",
                expected: 1,
                got: 0
            }),
            Completed::Packet(v5(r#"2["next"]"#).unwrap(), vec![]),
        ]
    );
}
