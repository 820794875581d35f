//! The ladder's words for Engine.IO and Socket.IO packets, the way people write the code that
//! sends them: `socket.emit("chat", "hi")`, `io.emit("chat", "hi")`, `ack 0 → [{"ok":true}]`,
//! `connect /admin`, `ping`, `pong`.

use std::fmt::Write as _;

use serde_json::Value;

use crate::app_proto::engineio::{EioData, EioRecord, EioType, IoEvent, SioRecord};
use crate::app_proto::socketio::SioType;

/// Characters of an argument list the ladder shows before an ellipsis.
const ARGS_MAX: usize = 40;

/// How a server event reached this client, when the model could tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmitScope {
    /// To this socket only, or the capture cannot tell.
    Socket,
    /// The same packet went to several Engine.IO sessions at once: `io.emit`.
    Everyone,
}

/// The label of one packet's Engine.IO and Socket.IO packets (at most three, then `+N more`).
/// `scope` tells, per Socket.IO record in order, whether a server event was a broadcast.
pub fn io_label(events: &[IoEvent], scope: impl Fn(&SioRecord) -> EmitScope) -> Option<String> {
    let has_sio = events.iter().any(|e| matches!(e, IoEvent::SocketIo(_)));
    let labels: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            IoEvent::SocketIo(r) => Some(sio_label(r, scope(r))),
            IoEvent::EngineIo(r) if has_sio && r.packet.kind == EioType::Message => None,
            IoEvent::EngineIo(r) => Some(eio_label(r)),
            IoEvent::AckPair(_) | IoEvent::Anomaly(_) => None,
        })
        .collect();
    if labels.is_empty() {
        return None;
    }
    let mut s = labels
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if labels.len() > 3 {
        let _ = write!(s, ", +{} more", labels.len() - 3);
    }
    Some(s)
}

/// An Engine.IO packet: `open sid=…`, `ping`, `pong probe`, `upgrade`, `noop`, `close`.
pub fn eio_label(r: &EioRecord) -> String {
    let kind = r.packet.kind.name();
    match (&r.packet.kind, &r.packet.data) {
        (EioType::Open, _) => match &r.sid {
            Some(sid) => format!("open sid={sid}"),
            None => "open".into(),
        },
        (EioType::Message, EioData::Binary { len, .. }) => format!("binary message <{len} bytes>"),
        (EioType::Message, EioData::Text(t)) => {
            format!("message {}", cut(t, ARGS_MAX))
        }
        (_, EioData::Text(t)) => format!("{kind} {}", cut(t, ARGS_MAX)),
        _ => kind.to_owned(),
    }
}

/// A Socket.IO packet as the code that sends it reads.
pub fn sio_label(r: &SioRecord, scope: EmitScope) -> String {
    let p = &r.packet;
    let on_nsp = if p.nsp == "/" {
        String::new()
    } else {
        format!(" on {}", p.nsp)
    };
    match p.kind {
        SioType::Connect => match p.sid() {
            Some(sid) => format!("connected {} sid={sid}", p.nsp),
            None => format!("connect {}", p.nsp),
        },
        SioType::Disconnect => format!("disconnect {}", p.nsp),
        SioType::ConnectError => format!("connect_error {}", p.nsp),
        SioType::Event | SioType::BinaryEvent => {
            let who = match (r.direction, scope) {
                (crate::flow::Direction::ServerToClient, EmitScope::Everyone) => "io",
                _ => "socket",
            };
            let mut args = Vec::new();
            if let Some(name) = p.event() {
                args.push(Value::from(name).to_string());
            }
            let rest = p.args();
            args.extend(rest.iter().map(|a| js_value(a, &r.attachment_lens)));
            let mut s = format!("{who}.emit({})", cut(&args.join(", "), ARGS_MAX));
            if let Some(id) = p.id {
                let _ = write!(s, " + ack {id}");
            }
            s.push_str(&on_nsp);
            s
        }
        SioType::Ack | SioType::BinaryAck => {
            let values: Vec<String> = p
                .args()
                .iter()
                .map(|a| js_value(a, &r.attachment_lens))
                .collect();
            format!(
                "ack {} → [{}]{on_nsp}",
                p.id.map_or_else(|| "?".to_owned(), |id| id.to_string()),
                cut(&values.join(","), ARGS_MAX)
            )
        }
    }
}

/// A JSON argument as written in the code: JSON, with a binary attachment as `<N bytes>`.
fn js_value(v: &Value, lens: &[u64]) -> String {
    let placeholder = v
        .as_object()
        .filter(|o| o.get("_placeholder") == Some(&Value::Bool(true)))
        .and_then(|o| o.get("num"))
        .and_then(Value::as_u64);
    match placeholder {
        Some(num) => match usize::try_from(num).ok().and_then(|i| lens.get(i)) {
            Some(len) => format!("<{len} bytes>"),
            None => "<binary>".into(),
        },
        None => v.to_string(),
    }
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_proto::engineio::{EioPacket, EioVersion, Transport};
    use crate::app_proto::socketio::{SioVersion, decode_packet};
    use crate::flow::Direction;

    fn sio(text: &str, direction: Direction, lens: &[u64]) -> SioRecord {
        SioRecord {
            direction,
            eio_sid: None,
            transport: Transport::WebSocket,
            packet: decode_packet(text, SioVersion::V5).unwrap(),
            attachment_lens: lens.to_vec(),
            ack_frame: None,
            frame: 1,
        }
    }

    fn label(text: &str, direction: Direction) -> String {
        sio_label(&sio(text, direction, &[]), EmitScope::Socket)
    }

    #[test]
    fn socket_io_packets_read_as_the_code_that_sends_them() {
        use Direction::{ClientToServer as C, ServerToClient as S};
        assert_eq!(
            label(r#"2["chat","hi"]"#, C),
            r#"socket.emit("chat", "hi")"#
        );
        assert_eq!(
            label(r#"20["chat","hi"]"#, C),
            r#"socket.emit("chat", "hi") + ack 0"#
        );
        assert_eq!(label(r#"30[{"ok":true}]"#, S), r#"ack 0 → [{"ok":true}]"#);
        assert_eq!(label("0/admin,", C), "connect /admin");
        assert_eq!(
            label(r#"0/admin,{"sid":"x1"}"#, S),
            "connected /admin sid=x1"
        );
        assert_eq!(label("1", C), "disconnect /");
        assert_eq!(
            label(r#"2/admin,1["stats"]"#, C),
            r#"socket.emit("stats") + ack 1 on /admin"#
        );
        assert_eq!(
            sio_label(&sio(r#"2["chat","hi"]"#, S, &[]), EmitScope::Everyone),
            r#"io.emit("chat", "hi")"#
        );
        // A broadcast is something only a server does.
        assert_eq!(
            sio_label(&sio(r#"2["chat","hi"]"#, C, &[]), EmitScope::Everyone),
            r#"socket.emit("chat", "hi")"#
        );
        assert_eq!(
            sio_label(
                &sio(r#"51-1["binary",{"_placeholder":true,"num":0}]"#, C, &[4]),
                EmitScope::Socket
            ),
            r#"socket.emit("binary", <4 bytes>) + ack 1"#
        );
    }

    #[test]
    fn engine_io_packets_read_as_their_type() {
        let r = |kind, data| EioRecord {
            direction: Direction::ServerToClient,
            eio: EioVersion::V4,
            transport: Transport::WebSocket,
            sid: Some("s1".into()),
            packet: EioPacket { kind, data },
            frame: 1,
        };
        assert_eq!(eio_label(&r(EioType::Ping, EioData::None)), "ping");
        assert_eq!(
            eio_label(&r(EioType::Pong, EioData::Text("probe".into()))),
            "pong probe"
        );
        assert_eq!(
            eio_label(&r(EioType::Open, EioData::Text("{}".into()))),
            "open sid=s1"
        );
        assert_eq!(eio_label(&r(EioType::Upgrade, EioData::None)), "upgrade");
        let events: Vec<IoEvent> = (0..5)
            .map(|_| IoEvent::EngineIo(r(EioType::Noop, EioData::None)))
            .collect();
        assert_eq!(
            io_label(&events, |_| EmitScope::Socket).as_deref(),
            Some("noop, noop, noop, +2 more")
        );
    }
}
