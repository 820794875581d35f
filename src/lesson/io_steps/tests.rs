//! The Socket.IO narration and code on the bundled captures, packet by packet.

use super::*;
use crate::capture::FileReader;

fn model(name: &str) -> Model {
    let path = format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"));
    crate::pipeline::process_all(FileReader::open(std::path::Path::new(&path)).unwrap())
}

/// The narration of the step of packet `number`.
fn said(m: &Model, number: u64) -> Narration {
    let row = packet_numbered(m, number).unwrap();
    crate::lesson::narrate_in(m, row.step().unwrap()).unwrap()
}

fn code(m: &Model, number: u64) -> IoCode {
    io_code(m, (number - 1) as usize).unwrap()
}

#[test]
fn polling_then_upgrade_is_told_packet_by_packet() {
    let m = model("socketio.pcapng");
    let n = said(&m, 7);
    assert!(
        n.body
            .contains("starts an Engine.IO session with HTTP long-polling"),
        "{n:?}"
    );
    let n = said(&m, 9);
    assert_eq!(n.headline, "Engine.IO open sid=mb5SLjoul_nJCFni");
    assert!(n.body.contains("sid=mb5SLjoul_nJCFni"), "{n:?}");
    assert!(
        n.body.contains("ping every 1000 ms") && n.body.contains("within 1500 ms"),
        "{n:?}"
    );
    assert!(n.body.contains("upgrade to [\"websocket\"]"), "{n:?}");
    assert!(
        n.body
            .contains("inside the body of the HTTP response (long-polling: HTTP/1.1 200 OK)"),
        "{n:?}"
    );
    let n = said(&m, 11);
    assert_eq!(n.headline, "connect /");
    assert!(
        n.body
            .contains("a Socket.IO packet inside an Engine.IO message"),
        "{n:?}"
    );
    assert!(
        n.body
            .contains("HTTP request (long-polling: POST /socket.io/"),
        "{n:?}"
    );
    assert!(said(&m, 15).body.contains("polls session mb5SLjoul_nJCFni"));
    let n = said(&m, 16);
    assert!(
        n.body
            .contains("gives this Socket.IO connection the id mb5SLjoul_nJCFni"),
        "{n:?}"
    );
    assert!(
        n.body.contains("heartbeat"),
        "the ping in the same body: {n:?}"
    );
    assert!(
        said(&m, 23)
            .body
            .contains("this WebSocket is the session's upgrade")
    );
    assert!(said(&m, 27).body.contains("noop (type 6)"));
    assert!(said(&m, 28).body.contains("ping \"probe\" (2probe)"));
    assert!(said(&m, 29).body.contains("pong \"probe\" (3probe)"));
    let n = said(&m, 30);
    assert!(
        n.body.contains("upgrade (type 5)") && n.body.contains("inside a WebSocket frame"),
        "{n:?}"
    );
    assert!(said(&m, 31).body.contains("join namespace /admin"));
    let n = said(&m, 40);
    assert_eq!(n.headline, r#"socket.emit("chat", "hi") + ack 0"#);
    assert!(n.body.contains("ack id 0"), "{n:?}");
    assert_eq!(n.next.as_deref(), Some("The server answers with ACK 0."));
    let n = said(&m, 41);
    assert!(
        n.body
            .contains("The event was packet #40: the round trip took 0.129 ms."),
        "{n:?}"
    );
    assert!(
        said(&m, 42)
            .body
            .contains("1 binary attachment(s) (4 bytes)")
    );
    assert!(said(&m, 47).body.contains("sends ping (type 2)"));
    assert!(said(&m, 49).body.contains("answers the ping with pong"));
    assert!(said(&m, 51).body.contains("leaves namespace /admin"));
}

#[test]
fn the_code_beside_the_narration_is_what_each_side_wrote() {
    let m = model("socketio.pcapng");
    let c = code(&m, 40);
    assert_eq!(c.sender_name, "client");
    assert_eq!(
        c.sender,
        [r#"socket.emit("chat", "hi", (reply) => { … });"#]
    );
    assert_eq!(
        c.receiver,
        [r#"socket.on("chat", (arg1, callback) => { callback(…); });"#]
    );
    let c = code(&m, 41);
    assert_eq!(c.sender_name, "server");
    assert_eq!(
        c.sender,
        [r#"socket.emit("chat", "hi");"#, r#"callback({"ok":true});"#]
    );
    assert_eq!(code(&m, 11).sender, ["const socket = io();"]);
    assert_eq!(
        code(&m, 11).receiver,
        [r#"io.on("connection", (socket) => { … });"#]
    );
    assert_eq!(code(&m, 31).sender, [r#"const socket = io("/admin");"#]);
    assert_eq!(
        code(&m, 31).receiver,
        [r#"io.of("/admin").on("connection", (socket) => { … });"#]
    );
    assert_eq!(code(&m, 51).sender, ["socket.disconnect();"]);
    assert_eq!(
        io_code(&m, 46),
        None,
        "#47 is an Engine.IO ping: no code of the user's"
    );
    let b = model("socketio-broadcast.pcapng");
    assert_eq!(
        code(&b, 29).sender,
        [r#"io.emit("chat", "hello, everyone");"#]
    );
    assert!(said(&b, 29).body.contains("what io.emit does"));
}

#[test]
fn every_engine_io_and_socket_io_packet_of_every_capture_is_narrated() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/captures");
    let mut eio_kinds = std::collections::BTreeSet::new();
    let mut sio_kinds = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("sio") || name.starts_with("socketio")) || !name.ends_with(".pcapng")
        {
            continue;
        }
        let m = model(&name);
        for row in &m.packets {
            if row
                .io()
                .iter()
                .all(|e| matches!(e, IoEvent::AckPair(_) | IoEvent::Anomaly(_)))
            {
                continue;
            }
            let Some(step) = row.step() else { continue };
            let n = crate::lesson::narrate_in(&m, step).unwrap();
            assert!(
                n.body.contains("On the wire it is"),
                "{name} #{}: {n:?}",
                row.packet.number()
            );
            assert!(
                !n.body.contains("sid=?"),
                "{name} #{}: {n:?}",
                row.packet.number()
            );
            for e in row.io() {
                match e {
                    IoEvent::EngineIo(r) => {
                        eio_kinds.insert(r.packet.kind.name());
                    }
                    IoEvent::SocketIo(r) => {
                        sio_kinds.insert(r.packet.kind.name());
                    }
                    _ => {}
                }
            }
        }
    }
    assert_eq!(eio_kinds.len(), 7, "{eio_kinds:?}");
    // CONNECT_ERROR and BINARY_ACK are in no capture: see the next test.
    assert_eq!(sio_kinds.len(), 5, "{sio_kinds:?}");
}

fn record(text: &str, direction: Direction, lens: &[u64]) -> SioRecord {
    SioRecord {
        direction,
        eio_sid: Some("s".into()),
        transport: Transport::WebSocket,
        packet: crate::app_proto::socketio::decode_packet(
            text,
            crate::app_proto::socketio::SioVersion::V5,
        )
        .unwrap(),
        attachment_lens: lens.to_vec(),
        ack_frame: None,
        frame: 1,
    }
}

#[test]
fn the_types_no_capture_has_are_told_too() {
    let m = Model::new();
    let err = record(
        r#"4/admin,{"message":"not authorized"}"#,
        Direction::ServerToClient,
        &[],
    );
    assert!(sio_sentence(&m, &err, EmitScope::Socket).contains("refuses namespace /admin"));
    assert_eq!(
        code_lines(&err, EmitScope::Socket).1,
        r#"socket.on("connect_error", (err) => { … });"#
    );
    let back = record(
        r#"61-2[{"_placeholder":true,"num":0}]"#,
        Direction::ClientToServer,
        &[5],
    );
    let s = sio_sentence(&m, &back, EmitScope::Socket);
    assert!(s.contains("answers the event with ack id 2"), "{s}");
    assert!(s.contains("1 binary attachment(s) (5 bytes)"), "{s}");
    assert_eq!(code_lines(&back, EmitScope::Socket).0, "callback(buffer);");
}
