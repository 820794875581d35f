//! `osiscope record --scenario socketio|socketio-ws|socketio-broadcast|socketio-plain-ws`, live
//! on loopback against the bundled server with the demo client, then `osiscope decode --format
//! json` of what was written: the Engine.IO and Socket.IO records show what each scenario
//! promises (polling then the upgrade, namespaces, an ack paired with its event, binary
//! attachments, the server's push, ping/pong; a broadcast reaching two clients; a plain
//! WebSocket client that is not understood and is dropped). Needs CAP_NET_RAW (CI runs as
//! root); without it each test says SKIPPED.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/recorded.rs"]
mod recorded;

use std::collections::BTreeSet;

use serde_json::{Value, json};

/// One Engine.IO or Socket.IO record of the decode, with its packet.
#[derive(Debug)]
struct Io<'a> {
    frame: u64,
    ts_ns: i64,
    stream: u64,
    from_server: bool,
    record: &'a Value,
}

struct Decoded {
    lines: Vec<Value>,
    server_port: u64,
}

impl Decoded {
    fn list(&self, key: &str) -> Vec<Io<'_>> {
        self.lines
            .iter()
            .flat_map(|l| {
                let from_server = l["tcp"]["src_port"] == self.server_port;
                let (frame, stream) = (l["frame"].as_u64().unwrap(), tcp_stream(l));
                let ts_ns = l["ts_ns"].as_i64().unwrap();
                l[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(move |record| Io {
                        frame,
                        ts_ns,
                        stream,
                        from_server,
                        record,
                    })
            })
            .collect()
    }

    fn eio(&self) -> Vec<Io<'_>> {
        self.list("engineio")
    }

    fn sio(&self) -> Vec<Io<'_>> {
        self.list("socketio")
    }
}

fn tcp_stream(l: &Value) -> u64 {
    l["tcp"]["stream"].as_u64().unwrap()
}

fn record(scenario: &str) -> Option<Decoded> {
    let (lines, server_port) = recorded::record_json(scenario)?;
    Some(Decoded { lines, server_port })
}

/// The Socket.IO story both `socketio` scenarios tell, on `/` and `/admin`.
fn assert_socketio_session(d: &Decoded) {
    let sio = d.sio();
    let find = |from_server: bool, kind: &str, nsp: &str| {
        sio.iter()
            .find(|s| {
                s.from_server == from_server && s.record["type"] == kind && s.record["nsp"] == nsp
            })
            .unwrap_or_else(|| panic!("no {kind} {nsp} from the server={from_server}: {sio:?}"))
    };
    for nsp in ["/", "/admin"] {
        find(false, "CONNECT", nsp);
        assert!(find(true, "CONNECT", nsp).record["sid"].is_string());
        find(false, "DISCONNECT", nsp);
    }
    // socket.emit("chat", "hi", ack) and its ack, each naming the other's frame.
    let chat = sio
        .iter()
        .find(|s| !s.from_server && s.record["event"] == "chat")
        .unwrap();
    assert_eq!(chat.record["data"], json!(["chat", "hi"]));
    assert_eq!(chat.record["id"], 0);
    let ack = sio
        .iter()
        .find(|s| s.from_server && s.record["type"] == "ACK" && s.record["nsp"] == "/")
        .unwrap();
    assert_eq!(ack.record["data"], json!([{"ok": true}]));
    assert_eq!(chat.record["ack_frame"], ack.frame);
    assert_eq!(ack.record["ack_frame"], chat.frame);
    // io.emit("chat", "hi") comes back to the sender too.
    assert!(
        sio.iter()
            .any(|s| s.from_server && s.record["event"] == "chat" && s.record["id"].is_null())
    );
    // The binary event both ways, each with its one attachment of 4 bytes.
    for from_server in [false, true] {
        let binary = sio
            .iter()
            .find(|s| s.from_server == from_server && s.record["type"] == "BINARY_EVENT")
            .unwrap();
        assert_eq!(binary.record["attachments"], 1);
        assert_eq!(binary.record["event"], "binary");
    }
    let binary_ack = sio
        .iter()
        .find(|s| s.record["type"] == "ACK" && s.record["data"] == json!([4]))
        .unwrap();
    assert!(binary_ack.record["ack_frame"].is_number());
    // The ack on /admin and the server's own push on /.
    let stats = find(true, "ACK", "/admin");
    assert_eq!(stats.record["data"], json!([{"sockets": 1}]));
    assert!(
        sio.iter()
            .any(|s| s.from_server && s.record["event"] == "tick")
    );
    // The server pings, the client answers, on the WebSocket.
    let eio = d.eio();
    let ws = |from_server: bool, kind: &str| {
        eio.iter().any(|e| {
            e.from_server == from_server
                && e.record["type"] == kind
                && e.record["transport"] == "websocket"
                && e.record["data"].is_null()
        })
    };
    assert!(ws(true, "ping") && ws(false, "pong"), "{eio:?}");
    // One Engine.IO session: every record names the same sid.
    let sids: BTreeSet<&str> = eio
        .iter()
        .map(|e| e.record["sid"].as_str().unwrap())
        .collect();
    assert_eq!(sids.len(), 1, "{sids:?}");
}

#[test]
fn socketio_polls_first_then_upgrades_to_a_websocket() {
    let Some(d) = record("socketio") else { return };
    assert_socketio_session(&d);
    let eio = d.eio();
    let open = eio.first().unwrap();
    assert_eq!(open.record["type"], "open");
    assert_eq!(open.record["transport"], "polling");
    assert!(
        open.record["data"]
            .as_str()
            .unwrap()
            .contains(r#""upgrades":["websocket"]"#)
    );
    let at = |from_server: bool, kind: &str, data: Option<&str>| {
        eio.iter()
            .find(|e| {
                e.from_server == from_server
                    && e.record["type"] == kind
                    && e.record["data"].as_str() == data
            })
            .unwrap_or_else(|| panic!("no {kind} {data:?}: {eio:?}"))
    };
    // CONNECT / goes over polling (a POST); the answer in a GET's body.
    let connect = d
        .sio()
        .into_iter()
        .find(|s| !s.from_server && s.record["type"] == "CONNECT")
        .unwrap();
    let post = d
        .lines
        .iter()
        .find(|l| l["frame"] == connect.frame)
        .unwrap();
    assert_eq!(post["http"][0]["method"], "POST");
    // The upgrade dance, in order: probe, its answer, the pending GET answered with noop, then
    // the upgrade; then everything on the WebSocket.
    let probe = at(false, "ping", Some("probe"));
    let answer = at(true, "pong", Some("probe"));
    let noop = at(true, "noop", None);
    let upgrade = at(false, "upgrade", None);
    assert_eq!(probe.record["transport"], "websocket");
    assert_eq!(noop.record["transport"], "polling");
    assert_ne!(noop.stream, probe.stream, "the noop answers a polling GET");
    assert!(probe.frame < answer.frame && answer.frame < upgrade.frame);
    assert!(noop.frame < upgrade.frame);
    let after: Vec<&Io> = eio.iter().filter(|e| e.frame > upgrade.frame).collect();
    assert!(!after.is_empty());
    assert!(
        after
            .iter()
            .all(|e| e.record["transport"] == "websocket" && e.stream == probe.stream)
    );
    // Two keep-alive polling connections (GETs and POSTs) and the WebSocket.
    let streams: BTreeSet<u64> = eio.iter().map(|e| e.stream).collect();
    assert_eq!(streams.len(), 3, "{streams:?}");
}

#[test]
fn socketio_ws_is_on_a_websocket_from_the_start() {
    let Some(d) = record("socketio-ws") else {
        return;
    };
    assert_socketio_session(&d);
    let eio = d.eio();
    assert!(
        eio.iter().all(|e| e.record["transport"] == "websocket"),
        "{eio:?}"
    );
    assert!(eio.iter().all(|e| e.record["type"] != "upgrade"));
    let open = eio.first().unwrap();
    assert_eq!(open.record["type"], "open");
    assert!(open.from_server);
    assert!(
        open.record["data"]
            .as_str()
            .unwrap()
            .contains(r#""upgrades":[]"#)
    );
    let streams: BTreeSet<u64> = eio.iter().map(|e| e.stream).collect();
    assert_eq!(streams.len(), 1);
}

#[test]
fn socketio_broadcast_reaches_both_clients_and_only_the_sender_gets_the_ack() {
    let Some(d) = record("socketio-broadcast") else {
        return;
    };
    let sio = d.sio();
    let sent: Vec<&Io> = sio
        .iter()
        .filter(|s| !s.from_server && s.record["event"] == "chat")
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let sender = sent[0].stream;
    let received: BTreeSet<u64> = sio
        .iter()
        .filter(|s| {
            s.from_server
                && s.record["event"] == "chat"
                && s.record["data"] == json!(["chat", "hello, everyone"])
        })
        .map(|s| s.stream)
        .collect();
    assert_eq!(received.len(), 2, "both clients: {received:?}");
    assert!(received.contains(&sender));
    let acks: Vec<u64> = sio
        .iter()
        .filter(|s| s.record["type"] == "ACK")
        .map(|s| s.stream)
        .collect();
    assert_eq!(acks, [sender]);
    let sids: BTreeSet<&str> = d
        .eio()
        .iter()
        .map(|e| e.record["sid"].as_str().unwrap())
        .collect();
    assert_eq!(sids.len(), 2, "two Engine.IO sessions");
}

#[test]
fn a_plain_websocket_client_is_not_understood_and_is_dropped() {
    let Some(d) = record("socketio-plain-ws") else {
        return;
    };
    let eio = d.eio();
    let streams: BTreeSet<u64> = d.lines.iter().map(tcp_stream).collect();
    assert_eq!(streams.len(), 2, "{streams:?}");
    // Nothing it says is Socket.IO, and it never answers the server's pings.
    assert!(d.sio().is_empty());
    assert!(eio.iter().all(|e| e.from_server), "{eio:?}");
    for stream in &streams {
        let own: Vec<&Io> = eio.iter().filter(|e| e.stream == *stream).collect();
        assert_eq!(own[0].record["type"], "open", "{own:?}");
        // The server ends the connection (a FIN or RST from its side; on the quiet one after a
        // WebSocket Close).
        let server_ends = d
            .lines
            .iter()
            .filter(|l| tcp_stream(l) == *stream && l["tcp"]["src_port"] == d.server_port)
            .any(|l| {
                l["tcp"]["flag_names"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f == "FIN" || f == "RST")
            });
        assert!(server_ends, "stream {stream}");
    }
    // The first connection said "hello", as to an echo server: not an Engine.IO packet.
    let hello = d
        .lines
        .iter()
        .find(|l| {
            l["ws"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["text"] == "hello"))
        })
        .unwrap();
    assert!(
        hello["issues"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["layer"] == "engineio"),
        "{hello}"
    );
    // The quiet one is dropped when the ping timeout passes: the server's close packet comes
    // at least pingTimeout (1.5 s in the demo) after its first ping.
    let quiet = *streams.iter().max().unwrap();
    let ping = eio
        .iter()
        .find(|e| e.stream == quiet && e.record["type"] == "ping")
        .unwrap();
    let close = eio
        .iter()
        .find(|e| e.stream == quiet && e.record["type"] == "close")
        .unwrap();
    let waited_ms = (close.ts_ns - ping.ts_ns) / 1_000_000;
    assert!((1_400..10_000).contains(&waited_ms), "{waited_ms} ms");
}
