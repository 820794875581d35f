//! The classroom app driven through `egui_kittest` on a real capture: open it, step through the
//! handshake (narration, lit OSI layers, selected bytes), click a packet row and see the ladder
//! follow. Animation time comes from a hand-set clock, so every frame is deterministic.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::path::PathBuf;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use osiscope::capture::FileReader;
use osiscope::flow::Peer;
use osiscope::model::StepKind;
use osiscope::ui::playback::STEP_SECS;
use osiscope::ui::{App, AppOptions, Clock, Start};

/// `$CARGO_MANIFEST_DIR/../shared/corpus`, or `/work/shared/corpus`.
fn corpus(name: &str) -> PathBuf {
    let near = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/captures")
        .join(name);
    if near.exists() {
        near
    } else {
        PathBuf::from("/work/shared/corpus/captures").join(name)
    }
}

fn app_on(name: &str) -> Harness<'static, App> {
    let path = corpus(name);
    let reader = FileReader::open(&path).expect("open the capture");
    let model = osiscope::pipeline::process_all(reader);
    ui_support::harness(AppOptions {
        clock: Clock::manual(),
        ..AppOptions::new(Start::Model {
            model,
            title: name.into(),
        })
    })
}

/// Let the current step's animation finish (the clock is manual).
fn finish_animation(harness: &mut Harness<'_, App>) {
    harness.state().clock().advance(STEP_SECS + 0.1);
    harness.run_steps(2);
}

fn lit(harness: &Harness<'_, App>, peer: Peer) -> [bool; 7] {
    harness.state().lit_layers(&harness.ctx, peer)
}

const L1_TO_L4: [bool; 7] = [true, true, true, true, false, false, false];

#[test]
fn opens_on_the_syn_with_its_narration_and_layers() {
    let harness = app_on("ws_suricata_basic.pcap");
    let step = harness.state().current_step().expect("a first step");
    assert_eq!(step.kind, StepKind::Syn);
    harness.get_by_label_contains("can we talk");
    harness.get_by_label_contains("Like starting a phone call");
    // A SYN uses layers 1–4 only, and says why the rest are dark.
    assert_eq!(lit(&harness, Peer::Client), L1_TO_L4);
    assert_eq!(lit(&harness, Peer::Server), L1_TO_L4);
}

#[test]
fn stepping_through_the_handshake_animates_the_stacks() {
    let mut harness = app_on("ws_suricata_basic.pcap");
    harness.get_by_label("Step ▶").click();
    harness.run_steps(2);
    let step = harness.state().current_step().expect("second step");
    assert_eq!(step.kind, StepKind::SynAck);
    harness.get_by_label_contains("SYN, ACK: \"yes, and can you hear me?\"");
    // The server sends: at t = 0 only its top layer has its header; the client has nothing yet.
    assert_eq!(
        lit(&harness, Peer::Server),
        [false, false, false, true, false, false, false]
    );
    assert_eq!(lit(&harness, Peer::Client), [false; 7]);
    // A little later, layer 3 has added its header under layer 4's.
    harness.state().clock().advance(STEP_SECS * 0.15);
    harness.run_steps(1);
    assert_eq!(
        lit(&harness, Peer::Server),
        [false, false, true, true, false, false, false]
    );
    finish_animation(&mut harness);
    assert_eq!(
        lit(&harness, Peer::Client),
        L1_TO_L4,
        "the client has taken all headers off"
    );

    harness.key_press(egui::Key::ArrowRight);
    harness.run_steps(2);
    finish_animation(&mut harness);
    let step = harness.state().current_step().expect("third step");
    assert_eq!(step.kind, StepKind::HandshakeAck);
    harness.get_by_label_contains("the connection is open");
    assert_eq!(step.client_state.rfc_name(), "ESTABLISHED");

    harness.key_press(egui::Key::ArrowRight);
    harness.run_steps(2);
    finish_animation(&mut harness);
    assert_eq!(
        harness.state().current_step().map(|s| s.kind),
        Some(StepKind::UpgradeRequest)
    );
    // HTTP reaches the application; TCP/IP has no session or presentation header of its own.
    assert_eq!(
        lit(&harness, Peer::Server),
        [true, true, true, true, false, false, true]
    );
}

#[test]
fn clicking_a_field_selects_its_bytes() {
    let mut harness = app_on("ws_suricata_basic.pcap");
    let index = harness
        .state()
        .selected_packet()
        .expect("the SYN is selected");
    let packet = harness.state().model().packets[index].packet.clone();
    let flags = osiscope::decode::details(&packet)
        .into_iter()
        .flat_map(|l| l.fields)
        .find(|f| f.key == "tcp.flags")
        .expect("a tcp.flags field");
    harness
        .get_by_label_contains(&format!("{}: {}", flags.name, flags.value))
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().selected_bytes(), Some(flags.range.clone()));
    let tcp = packet
        .layers
        .iter()
        .find(|l| l.proto == osiscope::decode::Proto::Tcp)
        .unwrap();
    assert!(tcp.range.start <= flags.range.start && flags.range.end <= tcp.range.end);
}

#[test]
fn clicking_a_packet_row_moves_the_ladder() {
    let mut harness = app_on("ws_suricata_basic.pcap");
    let (index, info, step) = {
        let model = harness.state().model();
        let (i, r) = model
            .packets
            .iter()
            .enumerate()
            .find(|(_, r)| r.ws.iter().any(|f| f.masked))
            .expect("a masked client frame");
        (i, r.info.clone(), r.step.expect("it is a step"))
    };
    harness.get_by_label(&info).click();
    harness.run_steps(2);
    assert_eq!(harness.state().selected_packet(), Some(index));
    assert_eq!(harness.state().current_step_index(), Some(step));
    let label = format!("ladder: {}", harness.state().model().steps[step].label);
    let row = harness.get_by_label(&label);
    assert_eq!(
        row.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::True),
        "the ladder highlights the clicked packet"
    );
    harness.get_by_label_contains("Client frames are always masked");
}

#[test]
fn idle_app_stops_repainting() {
    let mut harness = app_on("ws_suricata_basic.pcap");
    // Paused, showing a finished step: nothing moves, so the frame loop settles.
    assert!(harness.try_run().is_ok());
    harness.key_press(egui::Key::Space);
    harness.run_steps(1);
    assert!(harness.state().is_playing());
}
