//! `osiscope lesson` end to end: the lesson list and the handouts, as JSON, on the bundled
//! captures and on any capture file.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::process::Command;

fn osiscope(args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&common::run_osiscope(args)).unwrap()
}

#[test]
fn the_list_names_each_lesson_with_its_questions() {
    let list = osiscope(&["lesson", "--list", "--format", "json"]);
    let lessons = list.as_array().unwrap();
    let ids: Vec<&str> = lessons.iter().map(|l| l["id"].as_str().unwrap()).collect();
    for id in [
        "what-is-websocket",
        "upgrade",
        "push",
        "socketio-not-websocket",
        "socketio-emit",
        "when-to-use-which",
        "osi-layers",
        "tcp-handshake",
        "goodbye",
    ] {
        assert!(ids.contains(&id), "{ids:?}");
    }
    for l in lessons {
        assert!(!l["title"].as_str().unwrap().is_empty());
        let questions = l["questions"].as_array().unwrap();
        assert!(!questions.is_empty(), "{l}");
        for q in questions {
            let choices = q["choices"].as_array().unwrap();
            assert!(q["answer"].as_u64().unwrap() < choices.len() as u64, "{q}");
            assert!(!q["why"].as_str().unwrap().is_empty());
        }
    }
}

#[test]
fn every_lesson_handout_has_its_frames_narrated() {
    let list = osiscope(&["lesson", "--list", "--format", "json"]);
    for l in list.as_array().unwrap() {
        let id = l["id"].as_str().unwrap();
        let h = osiscope(&["lesson", id, "--format", "json"]);
        let steps = h["steps"].as_array().unwrap();
        assert_eq!(steps.len() as u64, l["steps"].as_u64().unwrap());
        for s in steps {
            for f in s["frames"].as_array().unwrap() {
                let needle = format!("Frame {}: ", f.as_u64().unwrap());
                assert!(
                    s["text"].as_str().unwrap().contains(&needle),
                    "{id}: frame {f} has no narration in {s}"
                );
            }
            assert_eq!(s["layers"]["osi"].as_array().unwrap().len(), 7);
            assert_eq!(s["layers"]["tcpip"].as_array().unwrap().len(), 4);
            assert!(!s["numbers"].as_array().unwrap().is_empty(), "{id}");
        }
    }
}

#[test]
fn the_goodbye_handout_tells_the_server_closes_first() {
    let h = osiscope(&["lesson", "goodbye", "--format", "json"]);
    let steps = h["steps"].as_array().unwrap();
    assert_eq!(steps[0]["frames"], serde_json::json!([10, 11]));
    assert!(
        steps[0]["next"]
            .as_str()
            .unwrap()
            .contains("the server sends the first FIN (packet 12)")
    );
    let last = &steps[2];
    assert!(last["text"].as_str().unwrap().contains("2·MSL"));
    let q = &last["questions"][0];
    assert_eq!(
        q["choices"][q["answer"].as_u64().unwrap() as usize],
        "The server"
    );
}

#[test]
fn a_capture_file_becomes_a_handout_with_worked_numbers() {
    let cap = common::corpus_dir().join("captures/ws_zeek_binary_fragments.pcap");
    let h = osiscope(&["lesson", cap.to_str().unwrap(), "--format", "json"]);
    let steps = h["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 18);
    let syn_ack = &steps[1];
    assert_eq!(syn_ack["frames"], serde_json::json!([2]));
    assert_eq!(syn_ack["title"], "SYN, ACK: \"yes, and can you hear me?\"");
    let numbers = syn_ack["numbers"].as_array().unwrap();
    assert_eq!(numbers[0]["what"], "relative seq = raw − ISN");
    assert!(numbers[1]["value"].as_str().unwrap().ends_with("= 1"));
    let osi = syn_ack["layers"]["osi"].as_array().unwrap();
    assert_eq!(osi[3]["layer"], "4 Transport");
    assert_eq!(osi[3]["lit"], true);
    assert_eq!(osi[6]["lit"], false);
}

#[test]
fn markdown_and_html_handouts_are_written_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for (format, needle) in [("md", "## Answers"), ("html", "<h2>Answers</h2>")] {
        let path = dir.path().join(format!("h.{format}"));
        let out = Command::new(env!("CARGO_BIN_EXE_osiscope"))
            .args(["lesson", "upgrade", "--format", format, "--output"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(needle), "{text}");
        assert!(text.contains("Sec-WebSocket-Accept"), "{text}");
    }
}
