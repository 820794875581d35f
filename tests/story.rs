//! The teaching story (model steps) of real captures, step by step.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use osiscope::capture::FileReader;
use osiscope::flow::TcpState;
use osiscope::model::{Model, Phase, StepKind};
use osiscope::pipeline::process_all;

fn model_of(name: &str) -> Model {
    process_all(FileReader::open(&common::corpus_dir().join("captures").join(name)).unwrap())
}

fn story(m: &Model) -> Vec<String> {
    m.steps
        .iter()
        .map(|s| {
            format!(
                "{} {:?} {:?} {} | {}/{}",
                m.step_number(s),
                s.phase,
                s.direction,
                m.step_label(s),
                s.client_state,
                s.server_state
            )
        })
        .collect()
}

#[test]
fn binary_fragments_story_reads_like_a_textbook() {
    let m = model_of("ws_zeek_binary_fragments.pcap");
    let s = story(&m);
    let expected = [
        "1 TcpHandshake ClientToServer SYN seq=0 | SYN-SENT/LISTEN",
        "2 TcpHandshake ServerToClient SYN, ACK seq=0 ack=1 | ESTABLISHED/SYN-RECEIVED",
        "3 TcpHandshake ClientToServer ACK seq=1 ack=1 | ESTABLISHED/ESTABLISHED",
        "4 HttpUpgrade ClientToServer GET / Upgrade: websocket | ESTABLISHED/ESTABLISHED",
        "5 HttpUpgrade ServerToClient ACK seq=1 ack=293 | ESTABLISHED/ESTABLISHED",
        "6 HttpUpgrade ServerToClient 101 Switching Protocols (Accept ✓) | ESTABLISHED/ESTABLISHED",
        "7 WebSocket ClientToServer ACK seq=293 ack=158 | ESTABLISHED/ESTABLISHED",
        "8 WebSocket ServerToClient WS Ping 4 bytes | ESTABLISHED/ESTABLISHED",
        "9 WebSocket ClientToServer ACK seq=293 ack=164 | ESTABLISHED/ESTABLISHED",
        "10 WebSocket ClientToServer WS Pong 4 bytes (masked) | ESTABLISHED/ESTABLISHED",
        "11 WebSocket ClientToServer WS Binary 11 bytes (masked) | ESTABLISHED/ESTABLISHED",
        "12 WebSocket ServerToClient ACK seq=164 ack=320 | ESTABLISHED/ESTABLISHED",
        "13 WebSocket ServerToClient WS Binary 5 bytes, Continuation 7 bytes | ESTABLISHED/ESTABLISHED",
        "14 WebSocket ClientToServer WS Close 1000 (masked) | ESTABLISHED/ESTABLISHED",
        "15 WebSocket ServerToClient WS Close 1000 | ESTABLISHED/ESTABLISHED",
        "16 Teardown ServerToClient FIN, ACK seq=184 ack=328 | CLOSE-WAIT/FIN-WAIT-1",
        "17 Teardown ClientToServer FIN, ACK seq=328 ack=185 | LAST-ACK/TIME-WAIT",
        "18 Teardown ServerToClient ACK seq=185 ack=329 | CLOSED/TIME-WAIT",
    ];
    assert_eq!(s, expected, "\n{}", s.join("\n"));
    assert_eq!(m.steps[2].kind, StepKind::HandshakeAck);
    assert_eq!(m.steps[5].kind, StepKind::UpgradeResponse);
    assert_eq!(m.steps[12].kind, StepKind::WsFrame { opcode: 2 });
    assert_eq!(
        m.steps
            .iter()
            .filter(|s| s.phase == Phase::Teardown)
            .count(),
        3
    );
    assert_eq!(m.connections[0].server_state, TcpState::TimeWait);
}

#[test]
fn every_tcp_packet_of_the_corpus_has_a_step() {
    let dir = common::corpus_dir().join("captures");
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let m = process_all(FileReader::open(&entry.path()).unwrap());
        for p in &m.packets {
            assert_eq!(
                p.seg.is_some(),
                p.step().is_some(),
                "{:?} packet {}",
                entry.path(),
                p.packet.number()
            );
        }
        for (i, s) in m.steps.iter().enumerate() {
            assert_eq!(m.packets[s.packet_index()].step(), Some(i));
            assert!(!m.step_label(s).is_empty());
        }
    }
}

/// A 100 kB message spans many segments: the segments before the frame's last byte are told as
/// parts of that frame (not as unknown data), and the frame itself lands on the last one.
#[test]
fn a_frame_across_many_segments_is_told_part_by_part() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/large.pcapng");
    let m = process_all(FileReader::open(&path).unwrap());
    let parts: Vec<_> = m
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::Data && s.phase == Phase::WebSocket)
        .collect();
    assert!(parts.len() >= 4, "{} parts", parts.len());
    for step in &parts {
        assert!(
            m.step_label(step).starts_with("WS frame, part seq="),
            "{}",
            m.step_label(step)
        );
        let record = &m.packets[step.packet_index()];
        let conn = m.connections.get(step.stream as usize);
        let n = osiscope::lesson::narrate(step, record, conn);
        assert!(
            n.headline.ends_with("more bytes of a WebSocket frame"),
            "{}",
            n.headline
        );
        assert!(n.body.contains("too big for one segment"), "{}", n.body);
    }
    // The big frame is on a later packet of the same direction, after every part before it.
    let first = parts[0];
    let frame = m
        .steps
        .iter()
        .find(|s| {
            matches!(s.kind, StepKind::WsFrame { .. })
                && s.direction == first.direction
                && m.step_number(s) > m.step_number(first)
        })
        .expect("the frame completes later");
    let record = &m.packets[frame.packet_index()];
    assert!(record.ws.iter().any(|f| f.payload_len >= 100_000));
}
