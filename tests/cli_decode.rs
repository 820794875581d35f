//! `osiscope decode` end to end: the real binary on real captures.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::process::Command;

fn osiscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_osiscope"))
        .args(args)
        .output()
        .expect("run osiscope")
}

#[test]
fn json_lines_follow_the_contract() {
    let cap = common::corpus_dir().join("captures/ws_suricata_basic.pcap");
    let out = osiscope(&["decode", cap.to_str().unwrap(), "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 21);
    for (i, v) in lines.iter().enumerate() {
        assert_eq!(v["frame"], i as u64 + 1);
        assert!(v["ts_ns"].as_i64().unwrap() > 1_000_000_000_000_000_000);
        assert_eq!(v["link"], "ethernet");
        assert_eq!(v["layers"][0], "eth");
        assert!(v["tcp"]["stream"].is_u64());
    }
    let upgrade = lines
        .iter()
        .find(|v| v["http"][0]["kind"] == "request")
        .expect("an HTTP request");
    assert_eq!(upgrade["http"][0]["upgrade"], "websocket");
    let ws: Vec<&serde_json::Value> = lines.iter().filter(|v| v["ws"].is_array()).collect();
    assert_eq!(ws.len(), 17, "17 packets carry WebSocket frames");
    assert!(
        ws.iter().any(|v| v["ws"][0]["masked"] == true
            && v["ws"][0]["masking_key"].as_str().unwrap().len() == 8)
    );
}

#[test]
fn text_lines_and_summary() {
    let cap = common::corpus_dir().join("captures/ws_zeek_binary_fragments.pcap");
    let out = osiscope(&["decode", cap.to_str().unwrap(), "--summary"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[SYN]"), "{text}");
    assert!(text.contains("WebSocket"), "{text}");
    assert!(text.contains("1 TCP connection(s)"), "{text}");
    assert!(text.contains("handshake RTT"), "{text}");
    assert!(text.contains("WebSocket frames:"), "{text}");
}

#[test]
fn a_cut_file_prints_every_packet_then_one_error_with_the_offset() {
    let cap = common::corpus_dir().join("captures/ws_suricata_basic_cut.pcap");
    let out = osiscope(&["decode", cap.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 20);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut short at byte"), "{err}");
}

#[test]
fn a_missing_file_is_one_clear_message() {
    let out = osiscope(&["decode", "/nonexistent/x.pcap"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/x.pcap"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
