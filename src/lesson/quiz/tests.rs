//! The quiz on the bundled captures: every answer is the packet's own fact, every choice list
//! is distinct, and the wrong choices are the derived mistakes.

use std::path::PathBuf;

use super::*;
use crate::capture::FileReader;
use crate::pipeline::process_all;

fn load(name: &str) -> Model {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name);
    process_all(FileReader::open(&path).unwrap())
}

fn of_kind(model: &Model, index: usize, kind: QuizKind, turn: usize) -> QuizQuestion {
    let details = model.packet_details(index).unwrap();
    questions_for(model, index, Some(&details), turn)
        .into_iter()
        .find(|q| q.kind == kind)
        .unwrap_or_else(|| panic!("a {kind:?} question on packet {}", index + 1))
}

fn answer(q: &QuizQuestion) -> &str {
    &q.choices[q.answer]
}

#[test]
fn the_syn_ack_carries_syn_and_ack() {
    let model = load("handshake.pcapng");
    let q = of_kind(&model, 1, QuizKind::Flags, 0);
    assert_eq!(answer(&q), "SYN, ACK");
    assert_eq!(q.choices.len(), 4);
    assert!(q.choices.contains(&"SYN".to_owned()), "{q:?}");
    assert!(q.why.starts_with("SYN: it opens"), "{}", q.why);
    assert!(q.prompt.contains("from the server"), "{}", q.prompt);
}

#[test]
fn seq_ack_choices_are_the_usual_mistakes() {
    let model = load("handshake.pcapng");
    // Packet 9: the server's echo of "hello" (11-byte frame from the client before it).
    let q = of_kind(&model, 8, QuizKind::SeqAck, 0);
    assert_eq!(answer(&q), "seq=130 ack=165");
    // Swapped, the client's last 11 bytes not counted, the SYN not counted.
    for wrong in ["seq=165 ack=130", "seq=130 ack=154", "seq=129 ack=164"] {
        assert!(q.choices.contains(&wrong.to_owned()), "{wrong} in {q:?}");
    }
    // A SYN has no ack to predict.
    assert!(
        questions_for(&model, 0, None, 0)
            .iter()
            .all(|q| q.kind != QuizKind::SeqAck)
    );
}

#[test]
fn a_websocket_frame_asks_opcode_and_masking() {
    let model = load("handshake.pcapng");
    let q = of_kind(&model, 7, QuizKind::Opcode, 1);
    assert_eq!(answer(&q), "1 (text)");
    assert!(q.why.contains("'hello'"), "{}", q.why);
    let q = of_kind(&model, 7, QuizKind::Masked, 0);
    assert_eq!(answer(&q), "Masked, with a 4-byte key");
    assert!(q.why.contains("6b f3 85 9e"), "{}", q.why);
    let q = of_kind(&model, 8, QuizKind::Masked, 0);
    assert_eq!(answer(&q), "Not masked");
    let q = of_kind(&model, 10, QuizKind::Opcode, 0);
    assert_eq!(answer(&q), "8 (close)");
    assert!(q.why.contains("1000"), "{}", q.why);
}

#[test]
fn the_highlighted_byte_moves_through_the_layers() {
    let model = load("handshake.pcapng");
    // Packet 4, the GET: Ethernet, IPv4, TCP, payload.
    let layers: Vec<_> = (0..4)
        .map(|turn| {
            let q = of_kind(&model, 3, QuizKind::ByteLayer, turn);
            let byte = q.highlight.clone().unwrap().start;
            (byte, answer(&q).to_owned())
        })
        .collect();
    assert_eq!(
        layers,
        [
            (7, "Layer 2, data link".to_owned()),
            (24, "Layer 3, network".to_owned()),
            (50, "Layer 4, transport".to_owned()),
            (66, "Layer 7, application".to_owned()),
        ]
    );
}

#[test]
fn socket_emit_is_engine_io_4_then_socket_io_2() {
    let model = load("sio_node4_websocket.pcapng");
    let emits: Vec<QuizQuestion> = (0..model.packets.len())
        .flat_map(|i| questions_for(&model, i, None, i))
        .filter(|q| q.kind == QuizKind::SocketIoEmit)
        .collect();
    assert!(!emits.is_empty());
    for q in &emits {
        let row = &model.packets[q.packet_index];
        let text = row.ws.first().and_then(|f| f.text.as_deref()).unwrap();
        assert_eq!(answer(q), text, "the answer is the frame's own text");
        assert!(text.starts_with("42"), "{text}");
        assert!(q.prompt.contains("socket.emit("), "{}", q.prompt);
        // Engine.IO's prefix left out is one of the wrong choices.
        assert!(q.choices.contains(&text[1..].to_owned()), "{q:?}");
    }
}

/// Every question on every packet of every bundled capture: the answer is the packet's own
/// fact (worked out here again), the choices are distinct, the answer is not always first.
#[test]
fn every_answer_is_the_packets_own_fact() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".pcapng") && !n.starts_with("large"))
        .collect();
    names.sort();
    let mut positions = std::collections::HashSet::new();
    let mut kinds = std::collections::HashSet::new();
    for name in &names {
        let model = load(name);
        for i in 0..model.packets.len() {
            let details = model.packet_details(i).unwrap();
            let row = &model.packets[i];
            for q in questions_for(&model, i, Some(&details), i) {
                kinds.insert(q.kind);
                positions.insert(q.answer);
                let mut unique = q.choices.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), q.choices.len(), "{name} {q:?}");
                assert!(q.choices.len() >= 2 && q.answer < q.choices.len());
                let got = answer(&q);
                match q.kind {
                    QuizKind::Flags => {
                        let f = row.packet.tcp.as_ref().unwrap().flags;
                        assert_eq!(got, flags::names(f).join(", "), "{name} {q:?}");
                    }
                    QuizKind::SeqAck => {
                        let s = row.seg.as_ref().unwrap();
                        assert_eq!(got, format!("seq={} ack={}", s.rel_seq, s.rel_ack));
                    }
                    QuizKind::Opcode => {
                        let op = row.ws[0].opcode;
                        assert!(got.starts_with(&format!("{op} (")), "{name} {q:?}");
                    }
                    QuizKind::Masked => {
                        assert_eq!(got.starts_with("Masked"), row.ws[0].masked);
                    }
                    QuizKind::ByteLayer => {
                        let b = q.highlight.clone().unwrap().start;
                        let layer = details.osi_layer_of(b);
                        assert!(got.starts_with(&format!("Layer {layer},")), "{q:?}");
                    }
                    QuizKind::SocketIoEmit => assert!(got.starts_with("42"), "{q:?}"),
                }
            }
        }
    }
    assert_eq!(kinds.len(), 6, "every kind is asked somewhere: {kinds:?}");
    assert!(positions.len() >= 3, "the answer moves: {positions:?}");
}
