//! The Socket.IO captures of `captures/sio_*.pcapng` (real node `socket.io` 4.8 and 2.x and
//! python-socketio peers, made by `captures/make_sio_captures.sh`): every Engine.IO and
//! Socket.IO packet agrees, field by field and frame by frame, with the reference that the
//! protocols' own parsers (npm `engine.io-parser`, `socket.io-parser`) made from the payloads
//! tshark extracted (`sio_*.sio.jsonl`). The `decode --format json` output carries the same.

#![allow(clippy::expect_used, clippy::unwrap_used)] // helpers: a missing record is a test failure

mod common;

use std::process::Command;

use osiscope::app_proto::engineio::{IoAnomalyKind, IoEvent};
use osiscope::model::PacketRecord;
use serde_json::{Value, json};

const CAPTURES: [&str; 5] = [
    "sio_node4_polling_upgrade",
    "sio_node4_websocket",
    "sio_node4_reconnect",
    "sio_python_polling_upgrade",
    "sio_node2_polling_upgrade",
];

fn decode(name: &str) -> Vec<PacketRecord> {
    let path = common::captures_dir().join(format!("{name}.pcapng"));
    let (records, err) = common::decode_file(&path);
    assert_eq!(err, None, "{name}: reading ended with an error");
    records
}

/// Our records in the reference's shape, in frame order.
fn ours(records: &[PacketRecord]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in records {
        for e in &r.io {
            match e {
                IoEvent::EngineIo(e) => {
                    let mut v =
                        json!({"type": e.packet.kind.name(), "binary": e.packet.is_binary()});
                    if let Some(t) = e.packet.text() {
                        v["data"] = json!(t);
                    }
                    if let Some(n) = e.packet.binary_len() {
                        v["binary_len"] = json!(n);
                    }
                    out.push(json!({"frame": r.packet.number, "engineio": v}));
                }
                IoEvent::SocketIo(s) => out.push(json!({"frame": r.packet.number, "socketio": {
                    "type": s.packet.kind.name(), "nsp": s.packet.nsp, "id": s.packet.id,
                    "attachments": s.packet.attachments, "data": s.packet.data}})),
                // What engine.io-parser makes of a packet it cannot decode.
                IoEvent::Anomaly(a) if matches!(a.kind, IoAnomalyKind::EngineIo(_)) => out
                    .push(json!({"frame": r.packet.number, "engineio":
                        {"type": "error", "binary": false, "data": "parser error"}})),
                IoEvent::AckPair(_) | IoEvent::Anomaly(_) => {}
            }
        }
    }
    out
}

fn reference(name: &str) -> Vec<Value> {
    let path = common::captures_dir().join(format!("{name}.sio.jsonl"));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The recordings of the Socket.IO scenarios (`osiscope record`, bundled server and demo
/// client), with the fewest reference records each must have.
const SCENARIO_CAPTURES: [(&str, usize); 4] = [
    ("socketio", 40),
    ("socketio-ws", 30),
    ("socketio-broadcast", 20),
    ("socketio-plain-ws", 5),
];

#[test]
fn every_packet_agrees_with_the_npm_parsers() {
    let all = CAPTURES
        .iter()
        .map(|&name| (name, 20))
        .chain(SCENARIO_CAPTURES);
    for (name, least) in all {
        let records = decode(name);
        let (ours, reference) = (ours(&records), reference(name));
        assert!(reference.len() >= least, "{name}: a thin reference");
        for (i, (a, b)) in ours.iter().zip(&reference).enumerate() {
            assert_eq!(a, b, "{name}: record {i}");
        }
        assert_eq!(ours.len(), reference.len(), "{name}: record count");
        let anomalies: Vec<_> = records
            .iter()
            .flat_map(|r| &r.io)
            .filter(|e| matches!(e, IoEvent::Anomaly(_)))
            .collect();
        if name == "socketio-plain-ws" {
            // Its "hello" is no Engine.IO packet (npm engine.io-parser says "parser error").
            assert_eq!(anomalies.len(), 1, "{name}: {anomalies:?}");
        } else {
            assert!(anomalies.is_empty(), "{name}: {anomalies:?}");
        }
    }
}

#[test]
fn one_session_across_connections_and_every_ack_paired() {
    let records = decode("sio_node4_polling_upgrade");
    let mut sids = std::collections::BTreeSet::new();
    let mut streams = std::collections::BTreeSet::new();
    for r in &records {
        for e in &r.io {
            if let IoEvent::EngineIo(e) = e {
                sids.insert(e.sid.clone().expect("every record carries the sid"));
                streams.insert(r.seg.as_ref().unwrap().stream);
            }
        }
    }
    assert_eq!(sids.len(), 1, "{sids:?}");
    assert!(
        streams.len() >= 4,
        "polling requests and the WebSocket: {streams:?}"
    );
    let pairs: Vec<(u64, u64)> = records
        .iter()
        .flat_map(|r| &r.io)
        .filter_map(|e| match e {
            IoEvent::AckPair(p) => Some((p.event_frame, p.ack_frame)),
            _ => None,
        })
        .collect();
    // chat (text), upload (binary, acked after its attachment), /admin stats.
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    assert!(pairs.iter().all(|(e, a)| e < a));
}

#[test]
fn decode_json_carries_engineio_and_socketio() {
    let path = common::captures_dir().join("sio_node2_polling_upgrade.pcapng");
    let out = Command::new(env!("CARGO_BIN_EXE_osiscope"))
        .args(["decode", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let eio: Vec<&Value> = lines
        .iter()
        .filter_map(|l| l["engineio"].as_array())
        .flatten()
        .collect();
    let sio: Vec<&Value> = lines
        .iter()
        .filter_map(|l| l["socketio"].as_array())
        .flatten()
        .collect();
    let reference = reference("sio_node2_polling_upgrade");
    assert_eq!(
        eio.len(),
        reference
            .iter()
            .filter(|r| r.get("engineio").is_some())
            .count()
    );
    assert_eq!(
        sio.len(),
        reference
            .iter()
            .filter(|r| r.get("socketio").is_some())
            .count()
    );
    assert!(eio.iter().all(|e| e["eio"] == 3 && e["sid"].is_string()));
    let event = sio
        .iter()
        .find(|s| s["event"] == "chat" && s["id"].is_number())
        .unwrap();
    assert_eq!(event["data"], json!(["chat", "hi"]));
    assert!(
        sio.iter()
            .any(|s| s["type"] == "ACK" && s["ack_frame"].is_number())
    );
    let http: Vec<&Value> = lines
        .iter()
        .filter_map(|l| l["http"].as_array())
        .flatten()
        .collect();
    assert!(
        http.iter()
            .any(|h| h["body_len"].as_u64() > Some(0) && h["content_type"].is_string())
    );
}

/// `osiscope decode` with `args` on the capture `name`: stdout.
fn decode_cli(name: &str, args: &[&str]) -> String {
    let path = common::captures_dir().join(format!("{name}.pcapng"));
    let out = Command::new(env!("CARGO_BIN_EXE_osiscope"))
        .arg("decode")
        .args(args)
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{name}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_event_that_asks_for_an_ack_names_the_frame_of_its_ack_and_back() {
    for name in CAPTURES {
        let lines: Vec<Value> = decode_cli(name, &["--format", "json"])
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // The pairs the engine reported, as (event frame, ack frame).
        let pairs: Vec<(u64, u64)> = decode(name)
            .iter()
            .flat_map(|r| &r.io)
            .filter_map(|e| match e {
                IoEvent::AckPair(p) => Some((p.event_frame, p.ack_frame)),
                _ => None,
            })
            .collect();
        assert!(!pairs.is_empty(), "{name}: no acks");
        let frame_of = |n: u64| {
            lines
                .iter()
                .find(|l| l["frame"] == n)
                .unwrap_or_else(|| panic!("{name}: no frame {n}"))
        };
        for (event, ack) in &pairs {
            let has = |n: u64, kinds: [&str; 2], points_to: u64| {
                frame_of(n)["socketio"].as_array().unwrap().iter().any(|s| {
                    kinds.contains(&s["type"].as_str().unwrap()) && s["ack_frame"] == points_to
                })
            };
            assert!(
                has(*event, ["EVENT", "BINARY_EVENT"], *ack),
                "{name}: the event in frame {event} does not name its ack {ack}"
            );
            assert!(
                has(*ack, ["ACK", "BINARY_ACK"], *event),
                "{name}: the ack in frame {ack} does not name its event {event}"
            );
        }
        let with_ack_frame = lines
            .iter()
            .filter_map(|l| l["socketio"].as_array())
            .flatten()
            .filter(|s| s["ack_frame"].is_number())
            .count();
        assert_eq!(with_ack_frame, 2 * pairs.len(), "{name}");
        // The same packets, in the same order, as without pairing.
        let frames: Vec<u64> = lines.iter().map(|l| l["frame"].as_u64().unwrap()).collect();
        assert_eq!(
            frames,
            (1..=frames.len() as u64).collect::<Vec<_>>(),
            "{name}"
        );
    }
}

#[test]
fn decode_text_reads_engineio_and_socketio_packets() {
    let text = decode_cli("sio_node4_polling_upgrade", &[]);
    let line = |frame: u64| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{frame} ")))
            .unwrap_or_else(|| panic!("no line for frame {frame}"))
    };
    for (frame, says) in [
        (
            6,
            "Engine.IO open sid=wjbGJZ7ckGb20EwaAAAA upgrades=[\"websocket\"] pingInterval=400",
        ),
        (6, "(in HTTP/1.1 200 OK)"),
        (
            20,
            "Socket.IO CONNECT / (in POST /socket.io/?EIO=4&transport=polling",
        ),
        (
            33,
            "Engine.IO ping \"probe\" (in WebSocket Text [FIN] [MASKED])",
        ),
        (37, "Engine.IO pong \"probe\""),
        (46, "Engine.IO noop (in HTTP/1.1 200 OK)"),
        (51, "Engine.IO upgrade"),
        (53, "Engine.IO ping (in WebSocket Text [FIN])"),
        (
            60,
            "Socket.IO EVENT \"chat\" [\"hi\"] ack=0 (in WebSocket Text [FIN] [MASKED])",
        ),
        (63, "Socket.IO ACK 0 [{\"ok\":true}] for frame 60"),
        (
            66,
            "Socket.IO BINARY_EVENT \"upload\" [<4 bytes>] ack=1 (in WebSocket Binary",
        ),
        (72, "Socket.IO CONNECT /admin (in"),
        (73, "Socket.IO CONNECT /admin sid=H7ZGqHlL9GLCXf_jAAAB"),
        (77, "Socket.IO ACK /admin 0 [{\"clients\":1}] for frame 76"),
        (78, "Socket.IO DISCONNECT /admin"),
    ] {
        assert!(line(frame).contains(says), "frame {frame}: {}", line(frame));
    }
    // Frames that carry no Engine.IO packet keep their HTTP or WebSocket line.
    assert!(line(22).contains("HTTP GET /socket.io/?EIO=4&transport=websocket"));
    assert!(line(80).contains("WebSocket Close"));
}
