//! The Socket.IO captures of `captures/sio_*.pcapng` (real node `socket.io` 4.8 and 2.x and
//! python-socketio peers, made by `captures/make_sio_captures.sh`): every Engine.IO and
//! Socket.IO packet agrees, field by field and frame by frame, with the reference that the
//! protocols' own parsers (npm `engine.io-parser`, `socket.io-parser`) made from the payloads
//! tshark extracted (`sio_*.sio.jsonl`). The `decode --format json` output carries the same.

#![allow(clippy::expect_used, clippy::unwrap_used)] // helpers: a missing record is a test failure

mod common;

use std::process::Command;

use osiscope::app_proto::engineio::IoEvent;
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

#[test]
fn every_packet_agrees_with_the_npm_parsers() {
    for name in CAPTURES {
        let records = decode(name);
        let (ours, reference) = (ours(&records), reference(name));
        assert!(reference.len() >= 20, "{name}: a thin reference");
        for (i, (a, b)) in ours.iter().zip(&reference).enumerate() {
            assert_eq!(a, b, "{name}: record {i}");
        }
        assert_eq!(ours.len(), reference.len(), "{name}: record count");
        let anomalies: Vec<_> = records
            .iter()
            .flat_map(|r| &r.io)
            .filter(|e| matches!(e, IoEvent::Anomaly(_)))
            .collect();
        assert!(anomalies.is_empty(), "{name}: {anomalies:?}");
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
