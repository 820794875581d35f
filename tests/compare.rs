//! `osiscope compare`: a live run (`--format json`, needs CAP_NET_RAW: CI runs as root; without
//! it that test says SKIPPED) and the bundled `captures/compare-*.pcapng` (runs everywhere). In
//! both, every number is checked again from `osiscope decode --format json` of the saved
//! captures, counted here independently: packets, bytes, TCP streams, the client's messages, and
//! for WebSocket and Socket.IO (whose text the decode shows) the server's messages and delays.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/skip.rs"]
mod skip;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use osiscope::session::compare::{ChatTransport, capture_name, measure_file};
use serde_json::Value;

const TRANSPORTS: [&str; 5] = ["polling", "long-polling", "sse", "websocket", "socketio"];

fn osiscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_osiscope"))
}

fn decode(file: &Path) -> Vec<Value> {
    let out = osiscope()
        .args(["decode", "--format", "json"])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "decode {}", file.display());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    }
}

/// A server message's delay: the packet's capture time minus the `created_ns` it carries.
fn delay_ms(line: &Value, message: &Value) -> f64 {
    let created = message["created_ns"].as_i64().unwrap();
    (line["ts_ns"].as_i64().unwrap() - created) as f64 / 1e6
}

/// Check one transport's measured row (`m`, as `compare --format json` prints it) against the
/// decode of its capture.
fn agrees_with_decode(transport: &str, m: &Value, file: &Path) {
    let lines = decode(file);
    let server_port = lines
        .iter()
        .find(|l| l["tcp"]["flag_names"] == serde_json::json!(["SYN", "ACK"]))
        .map(|l| l["tcp"]["src_port"].as_u64().unwrap())
        .unwrap();
    let from_client = |l: &Value| l["tcp"]["dst_port"] == server_port;
    let wire: u64 = lines.iter().map(|l| l["len"].as_u64().unwrap()).sum();
    let streams: BTreeSet<u64> = lines
        .iter()
        .filter_map(|l| l["tcp"]["stream"].as_u64())
        .collect();
    assert_eq!(m["packets"], lines.len(), "{transport}");
    assert_eq!(m["wire_bytes"], wire, "{transport}");
    assert_eq!(m["tcp_connections"], streams.len(), "{transport}");
    let messages = m["messages"].as_u64().unwrap();
    assert!(close(
        m["bytes_per_message"].as_f64().unwrap(),
        wire as f64 / messages as f64
    ));
    let list = |l: &Value, key: &str| l[key].as_array().cloned().unwrap_or_default();
    let (mut client, mut delays) = (0, Vec::new());
    for l in &lines {
        for h in list(l, "http") {
            let post = h["method"] == "POST";
            if post && h["uri"].as_str().unwrap().starts_with("/chat/send?") {
                client += 1;
            }
        }
        for ws in list(l, "ws") {
            let text = ws["text"].as_str().unwrap_or_default();
            if transport != "websocket" || ws["opcode"] != 1 {
                continue;
            }
            if from_client(l) {
                client += 1;
            } else {
                delays.push(delay_ms(l, &serde_json::from_str(text).unwrap()));
            }
        }
        for sio in list(l, "socketio") {
            if sio["nsp"] != "/compare" || sio["event"] != "chat" {
                continue;
            }
            if from_client(l) {
                client += 1;
            } else {
                delays.push(delay_ms(l, &sio["data"][1]));
            }
        }
    }
    assert_eq!(client * 2, messages, "{transport}: the client's messages");
    if matches!(transport, "websocket" | "socketio") {
        assert_eq!(delays.len() * 2, messages as usize, "{transport}");
        let max = delays.iter().copied().fold(f64::MIN, f64::max);
        assert!(
            close(m["delay_max_ms"].as_f64().unwrap(), max),
            "{transport}"
        );
        assert!(
            close(m["delay_median_ms"].as_f64().unwrap(), median(delays)),
            "{transport}"
        );
    }
}

/// What every run must show, whatever the machine: the chat complete on each transport, one
/// TCP connection for WebSocket, fewer bytes per message on a WebSocket than by polling.
fn shows_the_comparison(rows: &[Value]) {
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["transport"].as_str().unwrap())
        .collect();
    assert_eq!(names, TRANSPORTS);
    let row = |name: &str| rows.iter().find(|r| r["transport"] == name).unwrap();
    for r in rows {
        assert_eq!(r["messages"], 20, "{r}");
        let (median, max) = (r["delay_median_ms"].as_f64(), r["delay_max_ms"].as_f64());
        assert!(median.unwrap() > 0.0 && median <= max, "{r}");
        assert!(
            r["header_bytes_per_message"].as_f64() < r["bytes_per_message"].as_f64(),
            "{r}"
        );
    }
    assert_eq!(row("websocket")["tcp_connections"], 1);
    let per = |name: &str| row(name)["bytes_per_message"].as_f64().unwrap();
    assert!(per("websocket") < per("polling"));
    assert!(per("websocket") < per("socketio"));
    // Polling waits for its next poll; the others deliver as soon as the server has it.
    let delay = |name: &str| row(name)["delay_median_ms"].as_f64().unwrap();
    assert!(delay("polling") > 10.0 * delay("websocket"));
}

#[test]
fn a_live_run_lists_five_transports_and_agrees_with_its_captures() {
    let dir = tempfile::tempdir().unwrap();
    let out = osiscope()
        .args(["compare", "--format", "json", "--output-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("no permission") {
        skip::skip(&format!(
            "compare records live and needs CAP_NET_RAW (CI runs as root): {stderr}"
        ));
        assert!(stderr.contains("setcap"), "the fix is said: {stderr}");
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    shows_the_comparison(&rows);
    for (name, row) in TRANSPORTS.iter().zip(&rows) {
        let file = dir.path().join(format!("compare-{name}.pcapng"));
        agrees_with_decode(name, row, &file);
    }
}

#[test]
fn the_bundled_captures_measure_as_compare_measures_them() {
    let captures = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let rows: Vec<Value> = ChatTransport::ALL
        .iter()
        .map(|&t| {
            let file = captures.join(capture_name(t));
            let m = measure_file(&file, t).unwrap();
            let row = serde_json::to_value(&m).unwrap();
            agrees_with_decode(t.name(), &row, &file);
            row
        })
        .collect();
    shows_the_comparison(&rows);
}

#[test]
fn bad_options_are_refused_and_help_says_how_the_delay_is_measured() {
    let out = osiscope()
        .args(["compare", "--messages", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--messages"), "{stderr}");
    let help = osiscope().args(["compare", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("created_ns"),
        "--help says how the delay is measured"
    );
}
