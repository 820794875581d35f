//! Classroom mode on a network of its own: two network namespaces made by this test, joined by a
//! veth pair (10.231.0.1 for the teacher, 10.231.0.2 for a student); `osiscope live --serve
//! 10.231.0.1:8765 --interface VETH` in the teacher's namespace warns who can connect and
//! captures that interface; the `broadcast` scenario from the student's namespace (two clients
//! in one room) shows up in the decode as two connections from the student's address, each its
//! own lane. No real network is touched. Needs root (namespaces and capture): without it the test
//! says SKIPPED, as every live test does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/lan.rs"]
mod lan;
#[path = "support/skip.rs"]
mod skip;

use lan::{Lan, PORT, STUDENT, TEACHER, is_root};

/// The running `osiscope live`, killed when dropped.
struct Live(Child);

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn students_on_the_lan_each_appear_as_a_connection_on_the_captured_interface() {
    if !is_root() {
        skip::skip("network namespaces and live capture need root (CI runs as root)");
        return;
    }
    let lan = Lan::create();
    let listen = format!("{TEACHER}:{PORT}");
    let mut child = Lan::osiscope(
        &lan.teacher_ns,
        &[
            "live",
            "--serve",
            &listen,
            "--interface",
            &lan.teacher_if,
            "--format",
            "json",
            "--seconds",
            "60",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let teacher = Live(child);
    let said = said_until_capturing(stderr);
    assert!(
        said.contains(&format!("WARNING: the bundled server listens on {listen}"))
            && said.contains(&format!(
                "every device that can reach {TEACHER} on port {PORT}"
            )),
        "{said}"
    );
    assert!(
        said.contains(&format!("capturing on {}", lan.teacher_if)),
        "{said}"
    );
    let (tx, packets) = mpsc::sync_channel::<Value>(4096);
    std::thread::Builder::new()
        .name("live-stdout".into())
        .spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                    return;
                }
            }
        })
        .unwrap();

    let client = Lan::osiscope(
        &lan.student_ns,
        &["client", "--connect", &listen, "--scenario", "broadcast"],
    )
    .output()
    .unwrap();
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );

    // Wait until the decode has both students' upgrades and their relayed messages.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    let lanes = |seen: &[Value]| -> BTreeSet<u64> {
        seen.iter()
            .filter(|p| {
                p["http"]
                    .as_array()
                    .is_some_and(|h| h.iter().any(|m| m["status"] == 101))
            })
            .map(|p| p["tcp"]["dst_port"].as_u64().unwrap())
            .collect()
    };
    while lanes(&seen).len() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match packets.recv_timeout(left) {
            Ok(p) => seen.push(p),
            Err(e) => panic!("the capture did not show two students ({e}): {seen:#?}"),
        }
    }
    drop(teacher);
    assert_two_students_upgraded(&seen);
}

/// `osiscope live`'s stderr up to "capturing on …" (the warning comes before it).
fn said_until_capturing(stderr: std::process::ChildStderr) -> String {
    let mut said = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let text = line.unwrap();
        let capturing = text.starts_with("capturing on");
        said.push(text);
        if capturing {
            break;
        }
    }
    said.join("\n")
}

/// Every packet is between the student and the teacher, on Ethernet; two upgrades to a room.
fn assert_two_students_upgraded(seen: &[Value]) {
    for p in seen {
        let to_teacher = p["ip"]["dst"] == TEACHER && p["ip"]["src"] == STUDENT;
        let from_teacher = p["ip"]["src"] == TEACHER && p["ip"]["dst"] == STUDENT;
        assert!(to_teacher || from_teacher, "{p}");
        assert_eq!(p["link"], "ethernet", "a veth carries Ethernet frames");
    }
    let upgrades: Vec<&Value> = seen
        .iter()
        .filter_map(|p| p["http"].as_array())
        .flatten()
        .filter(|m| m["kind"] == "request" && m["upgrade"] == "websocket")
        .collect();
    assert_eq!(upgrades.len(), 2, "{upgrades:#?}");
    assert!(
        upgrades
            .iter()
            .all(|m| m["uri"].as_str().unwrap().starts_with("/broadcast?room=")),
        "{upgrades:#?}"
    );
}
