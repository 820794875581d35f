//! `osiscope serve`, `osiscope live` and `osiscope client` together, as a user runs them in three
//! terminals: the live capture prints the decoded story of the demo client's session. Needs
//! `CAP_NET_RAW` (CI runs as root); without it the test says SKIPPED.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "support/skip.rs"]
mod skip;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

fn osiscope() -> Command {
    Command::new(env!("CARGO_BIN_EXE_osiscope"))
}

#[test]
fn live_capture_prints_the_decoded_session_of_the_demo_client() {
    let port = osiscope::echo::client::closed_port([127, 0, 0, 1].into())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = osiscope()
        .args(["serve", "--listen", &listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The server says so once it listens (on a busy machine, after the client would have tried).
    let mut said = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut said)
        .unwrap();
    assert!(said.starts_with("echo server listening"), "{said}");
    let mut live = osiscope()
        .args([
            "live",
            "-p",
            &port.to_string(),
            "--count",
            "14",
            "--seconds",
            "20",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The capture announces itself on stderr once it is running (or says why it cannot).
    let mut err = BufReader::new(live.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    if !first.starts_with("capturing on") {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        let _ = live.wait();
        let _ = server.kill();
        let _ = server.wait();
        assert!(format!("{first}{rest}").contains("setcap"), "{first}{rest}");
        skip::skip("live capture needs CAP_NET_RAW (run as root, as CI does)");
        return;
    }
    let client = osiscope()
        .args(["client", "--connect", &listen, "--scenario", "handshake"])
        .output()
        .unwrap();
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let out = live.wait_with_output().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let _ = server.wait();
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        14,
        "the handshake scenario is 14 packets on loopback"
    );
    assert_eq!(lines[0]["tcp"]["flag_names"], serde_json::json!(["SYN"]));
    assert_eq!(
        lines[1]["tcp"]["flag_names"],
        serde_json::json!(["SYN", "ACK"])
    );
    let http: Vec<&serde_json::Value> = lines.iter().filter_map(|l| l["http"].get(0)).collect();
    assert_eq!(http[0]["upgrade"], "websocket");
    assert_eq!(http[1]["status"], 101);
    assert_eq!(http[1]["accept_valid"], true);
    let ws: Vec<&serde_json::Value> = lines.iter().filter_map(|l| l["ws"].get(0)).collect();
    assert_eq!(ws[0]["text"], "hello");
    assert_eq!(ws[0]["masked"], true);
    assert_eq!(ws[1]["masked"], false);
    assert!(lines.iter().all(|l| l["tcp"]["stream"] == 0));
}

/// `osiscope live --serve`: the bundled server and the capture of its traffic in one command,
/// started as the app starts them.
#[test]
fn live_serve_captures_its_own_server() {
    let mut live = osiscope()
        .args([
            "live",
            "--serve",
            "127.0.0.1:0",
            "--count",
            "14",
            "--seconds",
            "20",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(live.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    if !first.starts_with("capturing on") {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        let _ = live.wait();
        assert!(format!("{first}{rest}").contains("setcap"), "{first}{rest}");
        skip::skip("live capture needs CAP_NET_RAW (run as root, as CI does)");
        return;
    }
    // "capturing on lo (Pnet), echo server on ws://127.0.0.1:PORT/; stop with Ctrl-C"
    let addr = first
        .split("ws://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no server address in {first:?}"))
        .to_string();
    let client = osiscope()
        .args(["client", "--connect", &addr, "--scenario", "handshake"])
        .output()
        .unwrap();
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let out = live.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 14);
    assert_eq!(lines[0]["tcp"]["flag_names"], serde_json::json!(["SYN"]));
    let http: Vec<&serde_json::Value> = lines.iter().filter_map(|l| l["http"].get(0)).collect();
    assert_eq!(http[1]["status"], 101);
    assert_eq!(http[1]["accept_valid"], true);
}

/// Built with `--no-default-features` (as `.ci/run` runs these tests too): `live`, `record`
/// and `serve` are there, the app is not.
#[cfg(not(feature = "gui"))]
#[test]
fn without_the_gui_feature_the_cli_works_and_the_app_is_absent() {
    let out = osiscope().output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("built without the app"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("handshake.pcapng");
    let out = osiscope()
        .args([
            "record",
            "--scenario",
            "handshake",
            "--listen",
            "127.0.0.1:0",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("no permission") {
        skip::skip("recording needs CAP_NET_RAW (run as root, as CI does)");
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let decoded = osiscope().arg("decode").arg(&file).output().unwrap();
    assert!(decoded.status.success());
    assert!(String::from_utf8_lossy(&decoded.stdout).contains("101"));
}

/// `osiscope record --scenario wss`, then `osiscope decode` of what it wrote: the ClientHello
/// names `localhost` (SNI), the ServerHello chooses TLS 1.3, everything after is encrypted
/// application data, and neither the HTTP Upgrade nor a WebSocket frame can be seen.
#[test]
fn record_wss_then_decode_shows_tls_and_no_websocket_frames() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wss.pcapng");
    let out = osiscope()
        .args([
            "record",
            "--scenario",
            "wss",
            "--listen",
            "127.0.0.1:0",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("no permission") {
        skip::skip("recording needs CAP_NET_RAW (run as root, as CI does)");
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("TLS handshake done: TLSv1_3"), "{log}");
    let json = osiscope()
        .args(["decode", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(json.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let records: Vec<&serde_json::Value> = lines
        .iter()
        .filter_map(|l| l["tls"].as_array())
        .flatten()
        .collect();
    assert_eq!(records[0]["handshake_types"], serde_json::json!([1]));
    assert_eq!(records[0]["sni"], "localhost");
    assert_eq!(records[0]["alpn"], serde_json::json!(["http/1.1"]));
    let server_hello = records
        .iter()
        .find(|r| r["handshake_types"] == serde_json::json!([2]))
        .expect("a ServerHello");
    assert_eq!(server_hello["selected_version"], 0x0304);
    let encrypted = records
        .iter()
        .filter(|r| r["content_type"] == 23 && r["encrypted"] == true)
        .count();
    assert!(
        encrypted >= 12,
        "{encrypted} encrypted application data records"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.get("ws").is_none() && l.get("http").is_none())
    );
    let text = osiscope().arg("decode").arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("TLS Client Hello (SNI=localhost)"), "{text}");
    assert!(text.contains("Server Hello"), "{text}");
    assert!(text.contains("Application Data"), "{text}");
    assert!(!text.contains("WebSocket"), "{text}");
}
