//! The classroom app driven through `egui_kittest` on a real capture: open it, step through the
//! handshake (narration, lit OSI layers, selected bytes), click a packet row and see the ladder
//! follow. Animation time comes from a hand-set clock, so every frame is deterministic.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::path::PathBuf;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use osiscope::capture::FileReader;
use osiscope::flow::Peer;
use osiscope::model::StepKind;
use osiscope::ui::playback::STEP_SECS;
use osiscope::ui::{App, AppOptions, Clock, LoadBudget, Start};

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
            model: Box::new(model),
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
    // The details tree is made from the packet read back from its bytes.
    let (packet, data) = harness
        .state()
        .model()
        .packet(index)
        .expect("the SYN's bytes");
    let flags = osiscope::decode::details(&packet, &data)
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
        (i, r.info(), r.step().expect("it is a step"))
    };
    harness.get_by_label(&info).click();
    harness.run_steps(2);
    assert_eq!(harness.state().selected_packet(), Some(index));
    assert_eq!(harness.state().current_step_index(), Some(step));
    let model = harness.state().model();
    let label = format!("ladder: {}", model.step_label(&model.steps[step]));
    let row = harness.get_by_label(&label);
    assert_eq!(
        row.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::True),
        "the ladder highlights the clicked packet"
    );
    // "masked" is a glossary link, a label of its own.
    harness.get_by_label_contains("Client frames are always ");
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

/// The app opening `path` as a file (read on the loader thread), taking in at most `packets`
/// packets per frame.
fn app_loading(path: PathBuf, packets: usize) -> Harness<'static, App> {
    ui_support::harness(AppOptions {
        clock: Clock::manual(),
        load_budget: LoadBudget {
            time: Duration::from_hours(1),
            packets,
        },
        ..AppOptions::new(Start::File(path))
    })
}

/// Run frames until the file has loaded, checking that no frame takes in more than `budget`
/// packets. Returns how many frames took packets in and how many packets the harness's first
/// frames took.
fn load_within_budget(harness: &mut Harness<'_, App>, budget: usize) -> (usize, usize) {
    let first = harness.state().model().packets.len();
    let mut before = first;
    let mut frames = 0;
    let mut idle = 0u64;
    while harness.state().is_loading() {
        harness.step();
        let now = harness.state().model().packets.len();
        assert!(
            now - before <= budget,
            "one frame took {} packets",
            now - before
        );
        if now == before {
            // The loader thread has nothing ready yet.
            idle += 1;
            assert!(idle < 1 << 24, "the file never finished loading");
            std::thread::yield_now();
        } else {
            frames += 1;
        }
        before = now;
    }
    (frames, first)
}

#[test]
fn a_loading_file_takes_at_most_the_budget_per_frame() {
    const BUDGET: usize = 3;
    let path = corpus("ws_zeek_wstunnel_https.pcap");
    let expected = osiscope::pipeline::process_all(FileReader::open(&path).unwrap());
    let mut harness = app_loading(path, BUDGET);
    let (frames, first) = load_within_budget(&mut harness, BUDGET);
    let model = harness.state().model();
    assert_eq!(model.packets.len(), expected.packets.len());
    assert_eq!(model.steps, expected.steps);
    assert!(frames >= (expected.packets.len() - first) / BUDGET);
    assert!(frames > 20, "{frames} frames");
    // The details tree and the hex view of a packet come from its bytes, read back from the file.
    harness.key_press(egui::Key::End);
    harness.run_steps(2);
    let index = harness
        .state()
        .selected_packet()
        .expect("the last step's packet");
    let (_, data) = harness.state().model().packet(index).expect("its bytes");
    assert_eq!(data, expected.packet(index).expect("the kept bytes").1);
    harness.get_by_label_contains("Transmission Control Protocol");
    assert!(harness.query_by_label_contains("cannot be shown").is_none());
}

#[test]
fn a_file_cut_short_after_loading_says_so_instead_of_showing_bytes() {
    let dir = std::env::temp_dir().join(format!("osiscope-ui-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("capture.pcap");
    std::fs::copy(corpus("ws_suricata_basic.pcap"), &path).unwrap();
    let mut harness = app_loading(path.clone(), 4);
    load_within_budget(&mut harness, 4);
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    // The last packet is past the new end of the file.
    harness.key_press(egui::Key::End);
    harness.run_steps(2);
    harness.get_by_label_contains("shorter than when it was loaded");
    harness.get_by_label_contains("The bytes cannot be shown");
    // The rest of the app goes on: the narration and the packet's row are still there.
    assert!(harness.state().current_step().is_some());
    std::fs::remove_dir_all(&dir).unwrap();
}
