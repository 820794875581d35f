//! The Protocol and Info columns of a packet that completed Engine.IO or Socket.IO packets:
//! `Socket.IO` / `EVENT "chat" ["hi"] ack=0`, `Engine.IO` / `ping "probe"`, followed by what
//! carried them (`(in WebSocket Text [FIN] [MASKED])`, `(in HTTP/1.1 200 OK)`).

use std::fmt::Write as _;

use serde_json::Value;

use crate::app_proto::engineio::{EioData, EioRecord, EioType, IoEvent, SioRecord};
use crate::app_proto::socketio::{SioData, SioType};

use super::summary::quote;

/// Characters of JSON the Info column shows before an ellipsis.
const JSON_MAX: usize = 60;

/// `"Socket.IO"` when the packet completed a Socket.IO packet, `"Engine.IO"` when it completed
/// only Engine.IO packets, `None` otherwise.
pub fn protocol(events: &[IoEvent]) -> Option<&'static str> {
    protocol_of(
        events.iter().any(|e| matches!(e, IoEvent::SocketIo(_))),
        events.iter().any(|e| matches!(e, IoEvent::EngineIo(_))),
    )
}

/// [`protocol`] of a packet that has Socket.IO packets (`socketio`) or Engine.IO packets
/// (`engineio`).
pub fn protocol_of(socketio: bool, engineio: bool) -> Option<&'static str> {
    if socketio {
        Some("Socket.IO")
    } else if engineio {
        Some("Engine.IO")
    } else {
        None
    }
}

/// The Engine.IO and Socket.IO packets of one packet, as the Info column lists them. When
/// Socket.IO packets are there, they come first, the Engine.IO messages that carried them are
/// not repeated and the other Engine.IO packets (a ping in the same polling body) follow, named
/// `Engine.IO …`.
pub fn io_info(events: &[IoEvent]) -> Option<String> {
    let has_sio = events.iter().any(|e| matches!(e, IoEvent::SocketIo(_)));
    let sio = events.iter().filter_map(|e| match e {
        IoEvent::SocketIo(r) => Some(sio_info(r)),
        _ => None,
    });
    let eio = events.iter().filter_map(|e| match e {
        IoEvent::EngineIo(r) if has_sio && r.packet.kind == EioType::Message => None,
        IoEvent::EngineIo(r) if has_sio => Some(format!("Engine.IO {}", eio_info(r))),
        IoEvent::EngineIo(r) => Some(eio_info(r)),
        _ => None,
    });
    // The protocol column names the Socket.IO packets: they come first.
    let parts: Vec<String> = sio.chain(eio).collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One Engine.IO packet: `open sid=… pingInterval=1000 pingTimeout=1500`, `ping "probe"`,
/// `message '…'`, `message <4 bytes>`.
pub fn eio_info(record: &EioRecord) -> String {
    let mut s = record.packet.kind.name().to_owned();
    match (&record.packet.kind, &record.packet.data) {
        (_, EioData::None) => {}
        (EioType::Open, EioData::Text(t)) => {
            let open: Option<Value> = serde_json::from_str(t).ok();
            match open.as_ref().and_then(Value::as_object) {
                Some(fields) => {
                    for key in [
                        "sid",
                        "upgrades",
                        "pingInterval",
                        "pingTimeout",
                        "maxPayload",
                    ] {
                        if let Some(v) = fields.get(key) {
                            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                            let _ = write!(s, " {key}={v}");
                        }
                    }
                }
                None => {
                    let _ = write!(s, " {}", quote(t, 30));
                }
            }
        }
        (EioType::Message, EioData::Text(t)) => {
            let _ = write!(s, " {}", quote(t, 30));
        }
        (_, EioData::Text(t)) => {
            let _ = write!(s, " \"{}\"", t.chars().take(30).collect::<String>());
        }
        (_, EioData::Binary { len, .. }) => {
            let _ = write!(s, " <{len} bytes>");
        }
    }
    s
}

/// One Socket.IO packet: `EVENT "chat" ["hi"] ack=0`, `ACK 0 [{"ok":true}] for frame 60`,
/// `CONNECT /admin`, `CONNECT / sid=…`, `BINARY_EVENT "upload" [<4 bytes>] ack=1`.
pub fn sio_info(r: &SioRecord) -> String {
    let p = &r.packet;
    let mut s = p.kind.name().to_owned();
    let nsp_always = matches!(
        p.kind,
        SioType::Connect | SioType::Disconnect | SioType::ConnectError
    );
    if nsp_always || p.nsp != "/" {
        let _ = write!(s, " {}", p.nsp);
    }
    if let Some(id) = p.id.filter(|_| p.kind.is_ack()) {
        let _ = write!(s, " {id}");
    }
    match p.kind {
        SioType::Connect => match p.sid() {
            Some(sid) => {
                let _ = write!(s, " sid={sid}");
            }
            None => push_json(
                &mut s,
                p.data.as_ref().map(SioData::value).as_ref(),
                &r.attachment_lens,
            ),
        },
        SioType::Event | SioType::BinaryEvent => {
            if let Some(name) = p.event() {
                let _ = write!(s, " {}", Value::from(name));
                push_json(&mut s, Some(&Value::from(p.args())), &r.attachment_lens);
            } else {
                push_json(
                    &mut s,
                    p.data.as_ref().map(SioData::value).as_ref(),
                    &r.attachment_lens,
                );
            }
        }
        _ => push_json(
            &mut s,
            p.data.as_ref().map(SioData::value).as_ref(),
            &r.attachment_lens,
        ),
    }
    if let Some(id) = p.id.filter(|_| p.kind.is_event()) {
        let _ = write!(s, " ack={id}");
    }
    if let Some(frame) = r.ack_frame.filter(|_| p.kind.is_ack()) {
        let _ = write!(s, " for frame {frame}");
    }
    s
}

/// ` <json>`, compact, cut at [`JSON_MAX`] characters, with each attachment placeholder shown
/// as `<N bytes>` (its length, when it arrived).
fn push_json(s: &mut String, data: Option<&Value>, attachment_lens: &[u64]) {
    let Some(data) = data else { return };
    let mut text = String::new();
    json_text(&mut text, data, attachment_lens);
    s.push(' ');
    if text.chars().count() > JSON_MAX {
        s.extend(text.chars().take(JSON_MAX));
        s.push('…');
    } else {
        s.push_str(&text);
    }
}

fn json_text(out: &mut String, v: &Value, lens: &[u64]) {
    if let Some(num) = placeholder(v) {
        match usize::try_from(num).ok().and_then(|i| lens.get(i)) {
            Some(len) => {
                let _ = write!(out, "<{len} bytes>");
            }
            None => {
                let _ = write!(out, "<attachment {num}>");
            }
        }
        return;
    }
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_text(out, item, lens);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", Value::from(k.as_str()));
                json_text(out, item, lens);
            }
            out.push('}');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// The attachment number of a `{"_placeholder":true,"num":N}` object.
fn placeholder(v: &Value) -> Option<u64> {
    let o = v.as_object()?;
    if o.len() == 2 && o.get("_placeholder")? == &Value::Bool(true) {
        return o.get("num")?.as_u64();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_proto::engineio::{EioPacket, EioVersion, Transport};
    use crate::app_proto::socketio::{SioVersion, decode_packet};
    use crate::flow::Direction;

    fn sio(text: &str, lens: &[u64], ack_frame: Option<u64>) -> String {
        let packet = decode_packet(text, SioVersion::V5).unwrap();
        sio_info(&SioRecord {
            direction: Direction::ClientToServer,
            eio_sid: None,
            transport: Transport::WebSocket,
            packet,
            attachment_lens: lens.to_vec(),
            ack_frame,
            frame: 1,
        })
    }

    fn eio(kind: EioType, data: EioData) -> EioRecord {
        EioRecord {
            direction: Direction::ServerToClient,
            eio: EioVersion::V4,
            transport: Transport::Polling,
            sid: Some("abc".into()),
            packet: EioPacket { kind, data },
            frame: 1,
        }
    }

    #[test]
    fn socket_io_packets_read_as_their_parts() {
        assert_eq!(
            sio(r#"20["chat","hi"]"#, &[], None),
            r#"EVENT "chat" ["hi"] ack=0"#
        );
        assert_eq!(
            sio(r#"2["chat","hi"]"#, &[], None),
            r#"EVENT "chat" ["hi"]"#
        );
        assert_eq!(
            sio(r#"30[{"ok":true}]"#, &[], Some(60)),
            r#"ACK 0 [{"ok":true}] for frame 60"#
        );
        assert_eq!(sio("0/admin,", &[], None), "CONNECT /admin");
        assert_eq!(
            sio(r#"0/admin,{"sid":"H7Z"}"#, &[], None),
            "CONNECT /admin sid=H7Z"
        );
        assert_eq!(sio("1/admin,", &[], None), "DISCONNECT /admin");
        assert_eq!(
            sio(r#"4{"message":"no"}"#, &[], None),
            r#"CONNECT_ERROR / {"message":"no"}"#
        );
        assert_eq!(
            sio(
                r#"51-1["upload",{"_placeholder":true,"num":0}]"#,
                &[4],
                None
            ),
            r#"BINARY_EVENT "upload" [<4 bytes>] ack=1"#
        );
        assert_eq!(
            sio(r#"2/admin,7["stats"]"#, &[], None),
            r#"EVENT /admin "stats" [] ack=7"#
        );
        let long = format!(r#"2["chat","{}"]"#, "x".repeat(100));
        let info = sio(&long, &[], None);
        assert!(info.ends_with('…'), "{info}");
        assert_eq!(
            info.chars().count(),
            r#"EVENT "chat" "#.len() + JSON_MAX + 1
        );
    }

    #[test]
    fn engine_io_packets_read_as_their_type() {
        let open = eio(
            EioType::Open,
            EioData::Text(
                r#"{"sid":"abc","upgrades":["websocket"],"pingInterval":1000,"pingTimeout":1500,"maxPayload":100000}"#
                    .into(),
            ),
        );
        assert_eq!(
            eio_info(&open),
            r#"open sid=abc upgrades=["websocket"] pingInterval=1000 pingTimeout=1500 maxPayload=100000"#
        );
        assert_eq!(
            eio_info(&eio(EioType::Ping, EioData::Text("probe".into()))),
            r#"ping "probe""#
        );
        assert_eq!(eio_info(&eio(EioType::Pong, EioData::None)), "pong");
        assert_eq!(eio_info(&eio(EioType::Upgrade, EioData::None)), "upgrade");
        assert_eq!(eio_info(&eio(EioType::Noop, EioData::None)), "noop");
        assert_eq!(
            eio_info(&eio(
                EioType::Message,
                EioData::Binary {
                    len: 4,
                    bytes: vec![1, 2, 3, 4]
                }
            )),
            "message <4 bytes>"
        );
    }

    #[test]
    fn a_packet_with_both_names_its_socket_io_packets_first_class() {
        let message = eio(EioType::Message, EioData::Text("2[\"tick\"]".into()));
        let ping = eio(EioType::Ping, EioData::None);
        let event = SioRecord {
            direction: Direction::ServerToClient,
            eio_sid: None,
            transport: Transport::Polling,
            packet: decode_packet(r#"2["tick"]"#, SioVersion::V5).unwrap(),
            attachment_lens: Vec::new(),
            ack_frame: None,
            frame: 1,
        };
        let events = [
            IoEvent::EngineIo(message),
            IoEvent::SocketIo(event),
            IoEvent::EngineIo(ping.clone()),
        ];
        assert_eq!(protocol(&events), Some("Socket.IO"));
        assert_eq!(
            io_info(&events).as_deref(),
            Some(r#"EVENT "tick" [], Engine.IO ping"#)
        );
        let only_ping = [IoEvent::EngineIo(ping)];
        assert_eq!(protocol(&only_ping), Some("Engine.IO"));
        assert_eq!(io_info(&only_ping).as_deref(), Some("ping"));
        assert_eq!(protocol(&[]), None);
        assert_eq!(io_info(&[]), None);
    }
}
