//! Issue 11's thirteen "wrong or misleading" teaching points, each checked on a recorded or
//! third-party capture: the sentence a class reads must be true of the packet on screen.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use osiscope::capture::FileReader;
use osiscope::decode::Proto;
use osiscope::decode::fields::details;
use osiscope::lesson::{self, Narration};
use osiscope::model::Model;
use osiscope::pipeline::process_all;

fn own(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

fn corpus(name: &str) -> PathBuf {
    common::corpus_dir().join("captures").join(name)
}

fn model(path: &Path) -> Model {
    process_all(FileReader::open(path).unwrap())
}

/// The narration of the step on packet `number` (1-based).
fn said(m: &Model, number: u64) -> Narration {
    let index = m
        .steps
        .iter()
        .position(|s| m.step_number(s) == number)
        .unwrap_or_else(|| panic!("no step on packet {number}"));
    lesson::narrate_in(m, index).unwrap()
}

fn all(n: &Narration) -> String {
    format!(
        "{} | {} | {} | {}",
        n.headline,
        n.body,
        n.next.as_deref().unwrap_or_default(),
        n.analogy.as_deref().unwrap_or_default()
    )
}

// handshake.pcapng: 10 client Close, 11 server Close, 12 server FIN, 13 client FIN, 14 server ACK.

#[test]
fn point_1_the_answering_close_completes_the_handshake() {
    let m = model(&own("handshake.pcapng"));
    let first = said(&m, 10);
    assert!(
        first
            .body
            .contains("The client starts the closing handshake with a Close frame"),
        "{}",
        all(&first)
    );
    assert!(
        first
            .next
            .unwrap()
            .contains("The server must answer with its own Close")
    );
    let answer = said(&m, 11);
    let text = all(&answer);
    assert!(text.contains("closing handshake is complete"), "{text}");
    assert!(!text.contains("answers with its own Close"), "{text}");
    let next = answer.next.unwrap();
    assert!(
        next.contains("the server sends the first FIN (packet 12)"),
        "{next}"
    );
    assert!(next.contains("RFC 6455 §7.1.1"), "{next}");
}

#[test]
fn point_1_a_client_that_closes_tcp_first_is_told_as_such() {
    // ws_zeek_binary_fragments: the server FINs first too; the text names whoever did.
    let m = model(&corpus("ws_zeek_binary_fragments.pcap"));
    let next = said(&m, 15).next.unwrap();
    assert!(
        next.contains("server sends the first FIN (packet 16)"),
        "{next}"
    );
}

#[test]
fn point_2_the_second_fin_says_the_other_side_already_closed() {
    let m = model(&own("handshake.pcapng"));
    let first = all(&said(&m, 12));
    assert!(first.contains("can still receive"), "{first}");
    let second = said(&m, 13);
    let text = all(&second);
    assert!(text.contains("had already sent its FIN"), "{text}");
    assert!(text.contains("second FIN"), "{text}");
    assert!(!text.contains("can still receive"), "{text}");
    assert!(!text.contains("sends its own FIN when"), "{text}");
}

#[test]
fn point_3_time_wait_is_explained_where_the_server_holds_it() {
    let m = model(&own("handshake.pcapng"));
    let last = said(&m, 14);
    let text = all(&last);
    assert!(
        last.headline.contains("the server waits in TIME-WAIT"),
        "{text}"
    );
    assert!(text.contains("2·MSL"), "{text}");
    assert!(text.contains("The client is now CLOSED"), "{text}");
    let first_fin = said(&m, 12).next.unwrap();
    assert!(
        first_fin.contains("the server will hold TIME-WAIT"),
        "{first_fin}"
    );
}

#[test]
fn point_4_mss_is_what_each_side_can_receive() {
    let m = model(&own("chat.pcapng"));
    let syn = said(&m, 1).body;
    assert!(
        syn.contains("MSS 1460, the largest segment it can receive"),
        "{syn}"
    );
    assert!(syn.contains("1460 = 1500 − 40"), "{syn}");
    assert!(
        syn.contains("used only if the SYN, ACK carries them too"),
        "{syn}"
    );
    assert!(!syn.contains("proposes"), "{syn}");
    let syn_ack = said(&m, 2).body;
    assert!(
        syn_ack.contains("MSS 65495, the largest segment it can receive"),
        "{syn_ack}"
    );
    assert!(syn_ack.contains("65495 = 65535 − 40"), "{syn_ack}");
    assert!(
        syn_ack.contains("Both SYNs carry window scaling"),
        "{syn_ack}"
    );
    assert!(syn_ack.contains("Both allow SACK"), "{syn_ack}");
}

#[test]
fn point_4_timestamps_take_12_bytes_of_each_segment() {
    let m = model(&corpus("ws_zeek_binary_fragments.pcap"));
    let c = &m.connections[0];
    assert!(c.client_options.timestamps && c.server_options.timestamps);
    let syn_ack = said(&m, 2).body;
    assert!(syn_ack.contains("at most MSS − 12 bytes"), "{syn_ack}");
}

#[test]
fn point_4_segments_larger_than_the_mss_are_explained() {
    let m = model(&own("large.pcapng"));
    // Packet 27: the server sends 14480 bytes to a client that announced MSS 1460.
    let body = said(&m, 27).body;
    assert!(
        body.contains("14480 bytes, more than the MSS of 1460"),
        "{body}"
    );
    assert!(body.contains("segmentation offload"), "{body}");
    // A segment within the MSS says nothing of the kind.
    assert!(!said(&m, 4).body.contains("segmentation offload"));
}

#[test]
fn point_5_loopback_ethernet_is_a_placeholder_and_null_is_four_bytes() {
    let m = model(&own("handshake.pcapng"));
    let (packet, data) = m.packet(0).unwrap();
    assert_eq!(packet.layers[0].proto, Proto::Ethernet);
    assert_eq!(&data[0..12], &[0u8; 12], "both MACs are zero on the wire");
    let l2 = lesson::layer_uses(&m.packets[0])[1].text().to_string();
    assert!(l2.contains("placeholder"), "{l2}");
    assert!(l2.contains("00:00:00:00:00:00"), "{l2}");
    assert!(l2.contains("no ARP"), "{l2}");
    let null = model(&corpus("http_null_loopback.pcap"));
    assert_eq!(null.packet(0).unwrap().0.layers[0].proto, Proto::Null);
    let l2 = lesson::layer_uses(&null.packets[0])[1].text().to_string();
    assert!(l2.contains("4-byte") && l2.contains("DLT_NULL"), "{l2}");
}

#[test]
fn point_6_masking_is_framing_not_encryption() {
    let m = model(&own("handshake.pcapng"));
    let body = said(&m, 8).body;
    assert!(!body.contains("look random"), "{body}");
    assert!(body.contains("Masking is not encryption"), "{body}");
    assert!(body.contains("RFC 6455 §10.3"), "{body}");
    let uses = lesson::layer_uses(&m.packets[7]);
    assert!(!uses[5].text().contains("mask"), "{}", uses[5].text());
    assert!(uses[6].text().contains("Masked"), "{}", uses[6].text());
}

#[test]
fn point_7_a_valid_accept_is_not_identity() {
    let m = model(&own("handshake.pcapng"));
    let body = said(&m, 6).body;
    assert!(!body.contains("real WebSocket server"), "{body}");
    assert!(
        body.contains("understood the WebSocket handshake"),
        "{body}"
    );
    assert!(body.contains("wss://") && body.contains("Origin"), "{body}");
}

#[test]
fn point_8_rst_does_not_come_from_a_crash() {
    let m = model(&own("edge_rst.pcapng"));
    let rst = m
        .steps
        .iter()
        .position(|s| s.kind == osiscope::model::StepKind::Rst)
        .unwrap();
    let body = lesson::narrate_in(&m, rst).unwrap().body;
    assert!(!body.contains("or crashes"), "{body}");
    assert!(body.contains("SO_LINGER"), "{body}");
    assert!(
        body.contains("the kernel closes its sockets with a normal FIN"),
        "{body}"
    );
}

#[test]
fn point_9_rsv1_zero_means_not_compressed_and_continuations_never_set_it() {
    let m = model(&own("edge_deflate_fragmented.pcapng"));
    let frames: Vec<_> = m.packets.iter().flat_map(|p| p.ws.iter()).collect();
    let continuation = frames
        .iter()
        .find(|f| f.opcode == 0)
        .expect("a continuation");
    let rsv1 = &lesson::frame_bits(continuation)[1];
    assert_eq!(rsv1.value, 0);
    assert!(
        rsv1.meaning.contains("continuation frames never set it"),
        "{}",
        rsv1.meaning
    );
    let compressed = frames
        .iter()
        .find(|f| f.compressed)
        .expect("a compressed frame");
    assert!(
        lesson::frame_bits(compressed)[1]
            .meaning
            .contains("compressed")
    );
    let plain = model(&own("handshake.pcapng"));
    let hello = &plain.packets[7].ws[0];
    let rsv1 = &lesson::frame_bits(hello)[1];
    assert_eq!(rsv1.meaning, "0: this message is not compressed");
}

#[test]
fn point_10_syn_windows_are_never_scaled() {
    let m = model(&own("handshake.pcapng"));
    let note = |i: usize| {
        let (packet, data) = m.packet(i).unwrap();
        details(&packet, &data)
            .into_iter()
            .flat_map(|l| l.fields)
            .find(|f| f.key == "tcp.window_size_value")
            .and_then(|f| f.note)
            .unwrap()
    };
    assert!(note(0).contains("never scaled"), "{}", note(0));
    assert!(note(1).contains("never scaled"), "{}", note(1));
    assert!(
        note(2).contains("this segment's sender announced"),
        "{}",
        note(2)
    );
}

#[test]
fn point_11_close_codes_1012_to_1014_have_names_and_forbidden_codes_are_refused() {
    let m = model(&own("close-codes.pcapng"));
    let codes: Vec<u16> = m
        .packets
        .iter()
        .flat_map(|p| p.ws.iter())
        .filter_map(|f| f.close_code)
        .collect();
    for code in codes {
        assert_ne!(lesson::close_code_meaning(code), "unknown", "{code}");
        assert!(
            lesson::close_code_sendable(code),
            "{code} was sent by a real peer"
        );
    }
    assert_eq!(lesson::close_code_meaning(1013), "try again later");
    for code in [1004, 1005, 1006, 1015, 1016, 2999] {
        assert!(lesson::close_code_refusal(code).is_some(), "{code}");
    }
}

#[test]
fn point_12_each_side_is_established_when_it_gets_what_it_waits_for() {
    let m = model(&own("handshake.pcapng"));
    let ack = all(&said(&m, 3));
    assert!(!ack.contains("Both sides are now ESTABLISHED"), "{ack}");
    assert!(
        ack.contains("the server becomes ESTABLISHED when this ACK reaches it"),
        "{ack}"
    );
    assert!(ack.contains("a third segment may already carry"), "{ack}");
    let syn_ack = said(&m, 2).body;
    assert!(
        syn_ack.contains("The client is ESTABLISHED as soon as this arrives"),
        "{syn_ack}"
    );
}

#[test]
fn a_compressed_text_is_told_with_its_inflated_and_its_wire_length() {
    // captures/deflate.pcapng, packet 12: the first text again, 78 bytes in 7 on the wire.
    let m = model(&own("deflate.pcapng"));
    let body = said(&m, 12).body;
    assert!(
        body.contains("a text of 78 bytes sent compressed (permessage-deflate, RSV1=1) in 7 bytes"),
        "{body}"
    );
    assert!(!body.contains("(7 bytes)"), "{body}");
}

/// What layer `n` (1–7) says about packet `number`.
fn layer_text(m: &Model, number: u64, n: usize) -> String {
    let row = m
        .packets
        .iter()
        .find(|p| p.packet.number() == number)
        .unwrap();
    lesson::layer_uses(row)[n - 1].text().to_string()
}

#[test]
fn point_13_no_grammar_slips_in_any_sentence_of_the_bundled_captures() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut seen_one_byte = false;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "pcapng") {
            continue;
        }
        let m = model(&path);
        for i in 0..m.steps.len() {
            let n = lesson::narrate_in(&m, i).unwrap();
            let mut text = all(&n);
            for l in lesson::layer_uses(&m.packets[m.steps[i].packet_index()]) {
                text.push_str(l.text());
            }
            seen_one_byte |= text.contains("(1 byte)");
            for slip in ["bits is", " 1 bytes", "(1 bytes)"] {
                assert!(!text.contains(slip), "{}: {slip} in {text}", path.display());
            }
        }
    }
    // socketio-plain-ws.pcapng's Engine.IO ping is a 1-byte Text frame.
    assert!(seen_one_byte);
}

#[test]
fn the_common_wrong_ideas_are_corrected_where_the_evidence_is() {
    let hs = model(&own("handshake.pcapng"));
    // The TCP handshake is exactly three segments (said on the third).
    assert!(all(&said(&hs, 3)).contains("Exactly three segments"));
    // The Accept key is not identity checking (said on the 101).
    assert!(all(&said(&hs, 6)).contains("not a password, an identity check or encryption"));
    // WebSocket is not "at the TCP layer": said at layer 7 of a frame, beside its bytes.
    let l7 = layer_text(&hs, 8, 7);
    assert!(l7.contains("inside the TCP payload"), "{l7}");
    assert!(l7.contains("not part of the TCP layer"), "{l7}");
    // Socket.IO is not WebSocket: on an EVENT in a WebSocket frame, and on polling bodies.
    let sio = model(&own("socketio.pcapng"));
    let event = layer_text(&sio, 40, 7);
    assert!(event.contains("not WebSocket itself"), "{event}");
    let polling = layer_text(&sio, 9, 7);
    assert!(polling.contains("no WebSocket at all"), "{polling}");
    // A plain WebSocket packet says nothing of Socket.IO.
    assert!(!l7.contains("Socket.IO"), "{l7}");
}
