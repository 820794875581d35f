//! Shared by the recording tests: `osiscope record --scenario NAME` live on loopback, then
//! `osiscope decode --format json` of the file it wrote; `None` (SKIPPED, said on stderr)
//! without capture permission.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "skip.rs"]
mod skip;

use std::process::Command;

use serde_json::Value;

/// The JSON lines of a fresh recording of `scenario`, and the server's port (the side that
/// answered the first SYN with SYN/ACK).
pub fn record_json(scenario: &str) -> Option<(Vec<Value>, u64)> {
    let osiscope = || Command::new(env!("CARGO_BIN_EXE_osiscope"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{scenario}.pcapng"));
    let out = osiscope()
        .args([
            "record",
            "--scenario",
            scenario,
            "--listen",
            "127.0.0.1:0",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("no permission") {
        skip::skip(&format!(
            "recording needs CAP_NET_RAW (run as root, as CI does): {stderr}"
        ));
        return None;
    }
    assert!(out.status.success(), "record {scenario}: {stderr}");
    assert!(
        stderr.contains("dropped: 0 by the kernel, 0 by osiscope"),
        "{stderr}"
    );
    let decoded = osiscope()
        .args(["decode", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(decoded.status.success());
    let lines: Vec<Value> = String::from_utf8(decoded.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let server_port = lines
        .iter()
        .find(|l| l["tcp"]["flag_names"] == serde_json::json!(["SYN", "ACK"]))
        .map(|l| l["tcp"]["src_port"].as_u64().unwrap())
        .expect("a SYN/ACK");
    Some((lines, server_port))
}
