//! The classroom workflow of issue 13 (following one connection, leaving live mode for a file,
//! hiding what comes next, the layout at projector sizes, and the small things a teacher
//! trips on), in the real app through `egui_kittest`, on captures made by third-party peers and
//! on the live session. Each bug of the issue has a test here that failed before its fix. The
//! live tests need CAP_NET_RAW (CI runs as root); without it they say SKIPPED and pass.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::path::PathBuf;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use osiscope::capture::FileReader;
use osiscope::model::{Phase, StepKind};
use osiscope::ui::playback::{HOLD_SECS, STEP_SECS};
use osiscope::ui::settings::Settings;
use osiscope::ui::{App, AppOptions, Clock, Start};
use ui_support::{live_app, live_app_as_launched, poll_until};

/// `captures/NAME`, or `NAME` in the shared public corpus.
fn capture(name: &str) -> PathBuf {
    let ours = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name);
    if ours.exists() {
        return ours;
    }
    let near = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/captures")
        .join(name);
    if near.exists() {
        near
    } else {
        PathBuf::from("/work/shared/corpus/captures").join(name)
    }
}

/// The app on capture `name` with `settings`, in a window of `size` points.
fn app_sized(name: &str, settings: Settings, size: [f32; 2]) -> Harness<'static, App> {
    ui_support::app_on_path(&capture(name), settings, size)
}

fn app_on(name: &str) -> Harness<'static, App> {
    app_sized(name, Settings::default(), [1600.0, 1000.0])
}

fn press(harness: &mut Harness<'_, App>, key: egui::Key) {
    harness.key_press(key);
    harness.run_steps(2);
}

fn current_kind(harness: &Harness<'_, App>) -> Option<StepKind> {
    harness.state().current_step().map(|s| s.kind)
}

// ---- bug 1: live packets mixed into an opened file ----

/// A file dropped on the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn opening_a_file_from_live_mode_keeps_live_packets_out_and_comes_back() {
    let Some(mut harness) = live_app(Settings::default(), [1600.0, 1000.0]) else {
        return;
    };
    harness.get_by_label("Connect").click();
    poll_until(&mut harness, "the client to connect", |app| {
        app.live_status().is_some_and(|s| s.connected)
    });
    poll_until(&mut harness, "the 101 in the live model", |app| {
        app.model()
            .steps
            .iter()
            .any(|s| s.kind == StepKind::UpgradeResponse)
    });
    // The server pushes a tick every second on a second connection: live packets keep
    // coming while the file is shown.
    harness.get_by_label("Server push").click();
    poll_until(&mut harness, "the first push", |app| {
        app.model().connections.len() >= 2
    });
    let path = capture("handshake.pcapng");
    let expected = osiscope::pipeline::process_all(FileReader::open(&path).unwrap());
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(path)));
    harness.run_steps(2);
    assert!(!harness.state().is_live());
    let captured = harness.state().live_status().unwrap().packets;
    poll_until(&mut harness, "the file to load", |app| !app.is_loading());
    poll_until(&mut harness, "pushes to be captured meanwhile", |app| {
        app.live_status().is_some_and(|s| s.packets >= captured + 2)
    });
    harness.run_steps(3);
    // The file alone: its packets, numbered once, its connection.
    let model = harness.state().model();
    assert_eq!(model.packets.len(), expected.packets.len());
    assert_eq!(model.steps, expected.steps);
    assert_eq!(model.connections.len(), expected.connections.len());
    // No live control shows or acts in replay; the way back does.
    assert!(harness.query_by_label("Connect").is_none());
    assert!(harness.query_by_label("Send text").is_none());
    assert!(harness.query_by_label("step mode").is_none());
    harness.get_by_label("⟲ Back to live").click();
    harness.run_steps(2);
    // The live model again, with what was captured while the file was shown.
    poll_until(&mut harness, "the live model with what waited", |app| {
        app.is_live() && app.model().packets.len() as u64 >= captured + 2
    });
    harness.get_by_label("Connect");
    // Packet numbers of the live model are its own, in order, each once.
    let numbers: Vec<u64> = harness
        .state()
        .model()
        .packets
        .iter()
        .map(|r| r.packet.number())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
}

// ---- bug 2: following one connection ----

/// `sio_node4_polling_upgrade.pcapng`: a Node socket.io client and server (third-party peers),
/// five TCP connections: Engine.IO polling requests and the WebSocket upgrade (tcp.stream 2).
const FIVE: &str = "sio_node4_polling_upgrade.pcapng";
const WEBSOCKET_STREAM: u32 = 2;

#[test]
fn following_a_connection_from_the_overview_keeps_everything_on_it() {
    let mut harness = app_on(FIVE);
    harness.get_by_label("Connections (5)").click();
    harness.run_steps(2);
    // One row per connection, with what it reached.
    harness.get_by_label_contains("5 connections in this capture");
    harness
        .get_by_label("TCP handshake → HTTP Upgrade → WebSocket messages → Teardown")
        .hover();
    harness.get_all_by_label("Follow").nth(2).unwrap().click();
    harness.run_steps(2);
    assert_eq!(harness.state().followed(), Some(WEBSOCKET_STREAM));
    harness.get_by_label("Connection 3 of 5, followed: Step and Play keep to it");
    harness.get_by_label_contains("step 1 / ");
    let steps = harness.state().model().stream_steps(WEBSOCKET_STREAM).len();
    assert!(steps > 20, "{steps} steps");
    assert_eq!(current_kind(&harness), Some(StepKind::Syn));
    // Step, Back, Next phase and End keep to the connection; so do the ladder and the list.
    let mut seen = 1;
    loop {
        let before = harness.state().current_step_index();
        press(&mut harness, egui::Key::ArrowRight);
        let step = harness.state().current_step().unwrap();
        assert_eq!(step.stream, WEBSOCKET_STREAM, "Step left the connection");
        if harness.state().current_step_index() == before {
            break;
        }
        seen += 1;
    }
    assert_eq!(seen, steps, "every step of the connection, once");
    press(&mut harness, egui::Key::Home);
    for _ in 0..3 {
        press(&mut harness, egui::Key::PageDown);
        assert_eq!(
            harness.state().current_step().unwrap().stream,
            WEBSOCKET_STREAM
        );
    }
    press(&mut harness, egui::Key::ArrowLeft);
    assert_eq!(
        harness.state().current_step().unwrap().stream,
        WEBSOCKET_STREAM
    );
    // The packet list shows its packets only.
    let packets = harness
        .state()
        .model()
        .stream_packets(WEBSOCKET_STREAM)
        .len();
    let total = harness.state().model().packets.len();
    harness.get_by_label(&format!("{packets} of {total}"));
    // The graph says which connection it draws.
    harness.get_by_label("Time-sequence graph").click();
    harness.run_steps(2);
    harness.get_by_label("Time-sequence graph of connection 3 of 5");
}

#[test]
fn choosing_a_connection_in_the_list_then_stepping_stays_on_it() {
    // The teacher's report: choose connection 2, select its packet, press → … and the ladder,
    // stacks and narration jumped to connection 3.
    let mut harness = app_on(FIVE);
    harness.get_by_label("connection").click();
    harness.run_steps(2);
    harness
        .get_by_label_contains("3: 127.0.0.1:34640 ↔")
        .click();
    harness.run_steps(2);
    assert_eq!(harness.state().followed(), Some(WEBSOCKET_STREAM));
    // Its upgrade request, clicked in the list.
    let info = {
        let m = harness.state().model();
        let &i = m
            .stream_packets(WEBSOCKET_STREAM)
            .iter()
            .find(|&&i| {
                m.packets[i as usize]
                    .step()
                    .is_some_and(|s| m.steps[s].kind == StepKind::UpgradeRequest)
            })
            .unwrap();
        m.packets[i as usize].info()
    };
    assert!(info.contains("transport=websocket"), "{info}");
    harness.get_by_label(&info).click();
    harness.run_steps(2);
    assert_eq!(current_kind(&harness), Some(StepKind::UpgradeRequest));
    for _ in 0..4 {
        press(&mut harness, egui::Key::ArrowRight);
        let step = harness.state().current_step().unwrap();
        assert_eq!(step.stream, WEBSOCKET_STREAM);
        // The narration follows: it is about this packet.
        let n = harness.state().narration();
        assert!(!n.headline.is_empty());
    }
    // Play follows it too, and stops at its last step.
    press(&mut harness, egui::Key::Space);
    for _ in 0..200 {
        harness.state().clock().advance(STEP_SECS + HOLD_SECS + 0.1);
        harness.run_steps(1);
        let step = harness.state().current_step().unwrap();
        assert_eq!(step.stream, WEBSOCKET_STREAM, "Play left the connection");
        if !harness.state().is_playing() {
            break;
        }
    }
    assert!(!harness.state().is_playing());
    let last = *harness
        .state()
        .model()
        .stream_steps(WEBSOCKET_STREAM)
        .last()
        .unwrap();
    assert_eq!(harness.state().current_step_index(), Some(last as usize));
    harness.get_by_label("▶ Play");
    // And back to all connections: playback walks every step again.
    harness.get_by_label("connection").click();
    harness.run_steps(2);
    harness.get_by_label("All connections").click();
    harness.run_steps(2);
    assert_eq!(harness.state().followed(), None);
    press(&mut harness, egui::Key::Home);
    assert_eq!(harness.state().current_step_index(), Some(0));
    let total = harness.state().model().steps.len();
    harness.get_by_label(&format!("step 1 / {total}"));
}

// ---- bug 7: the current row stays in view ----

/// The row of the packet list that shows packet `index` (its Info cell), if it is built (the
/// list builds only the rows in view).
fn list_row(harness: &Harness<'_, App>, index: usize) -> Option<egui::Rect> {
    let info = harness.state().model().packets[index].info();
    harness.query_by_label(&info).map(|n| n.rect())
}

/// The ladder row of step `step`, if it is built (the ladder builds only the rows in view).
fn ladder_row(harness: &Harness<'_, App>, step: usize) -> Option<egui::Rect> {
    let model = harness.state().model();
    let label = format!("ladder: {}", model.step_label(&model.steps[step]));
    harness.query_by_label(&label).map(|n| n.rect())
}

#[test]
fn toggling_presentation_mode_brings_the_current_packet_back_into_view() {
    // 124 packets, one connection: a long list and a long ladder.
    let mut harness = app_on("ws_zeek_wstunnel_https.pcap");
    for _ in 0..60 {
        harness.key_press(egui::Key::ArrowRight);
        harness.run_steps(1);
    }
    harness.run_steps(3);
    let step = harness.state().current_step_index().unwrap();
    let index = harness.state().selected_packet().unwrap();
    assert!(list_row(&harness, index).is_some(), "in view before");
    assert!(ladder_row(&harness, step).is_some(), "in view before");
    for _ in 0..2 {
        harness.get_by_label("Presentation").click();
        // Until the step's animation and the scroll's have settled.
        harness.state().clock().advance(STEP_SECS + 0.1);
        // Presentation mode's narration takes the height its text took the frame before: a
        // frame or two more than `run`'s four.
        harness.run_steps(8);
        if !harness.state().bytes_shown() {
            // Presentation mode folds the packet list away; D brings it back.
            harness.key_press(egui::Key::D);
            // The list opens and scrolls to the row (a few frames of scroll animation).
            harness.run_steps(8);
        }
        assert!(
            list_row(&harness, index).is_some(),
            "the list scrolled back to packet {index}"
        );
        assert!(
            ladder_row(&harness, step).is_some(),
            "the ladder scrolled back to step {step}"
        );
    }
}

#[test]
fn the_newest_live_row_is_shown_whole() {
    let settings = Settings {
        step_mode: true,
        ..Settings::default()
    };
    let Some(mut harness) = live_app(settings, [1600.0, 1000.0]) else {
        return;
    };
    harness.get_by_label("Connect").click();
    poll_until(&mut harness, "packets to wait", |app| {
        app.pending_packets() >= 5
    });
    let window_bottom = harness.ctx.content_rect().bottom();
    for _ in 0..12 {
        if harness.state().pending_packets() == 0 {
            break;
        }
        harness.get_by_label("Step ▶").click();
        harness.run_steps(2);
        let newest = harness.state().model().packets.len() - 1;
        assert_eq!(harness.state().selected_packet(), Some(newest));
        let row = list_row(&harness, newest).expect("the newest row is in view");
        assert!(
            row.bottom() <= window_bottom - 1.0,
            "packet {newest}'s row ends at {} of {window_bottom}",
            row.bottom()
        );
    }
}

// ---- bug 8: step mode shows the new packets it announces ----

#[test]
fn step_mode_shows_the_waiting_packet_not_an_old_step() {
    let Some(mut harness) = live_app(Settings::default(), [1600.0, 1000.0]) else {
        return;
    };
    harness.get_by_label("Connect").click();
    // The clock stands still: playback stays on the first step while the handshake arrives.
    poll_until(&mut harness, "the 101 in the model", |app| {
        app.model()
            .steps
            .iter()
            .any(|s| s.kind == StepKind::UpgradeResponse)
    });
    poll_until(&mut harness, "the client to connect", |app| {
        app.live_status().is_some_and(|s| s.connected)
    });
    assert_eq!(harness.state().current_step_index(), Some(0));
    harness.get_by_label("step mode").click();
    harness.run_steps(1);
    harness.get_by_label("Send text").click();
    poll_until(&mut harness, "the text frame to wait", |app| {
        app.pending_packets() >= 1
    });
    harness.get_by_label_contains("waiting — press Step");
    let before = harness.state().model().packets.len();
    harness.get_by_label("Step ▶").click();
    harness.run_steps(2);
    // The first waiting packet, not step 2 of the handshake.
    assert_eq!(harness.state().model().packets.len(), before + 1);
    assert_eq!(harness.state().selected_packet(), Some(before));
}

// ---- bug 4: nothing off screen at projector sizes ----

/// Every control of the toolbar lies inside the window.
fn toolbar_fits(harness: &Harness<'_, App>, wanted: &[&str], what: &str) {
    let window = harness.ctx.content_rect();
    let tabs_top = harness.get_by_label("Ladder diagram").rect().top();
    for label in wanted {
        let nodes: Vec<_> = harness.query_all_by_label(label).collect();
        assert!(!nodes.is_empty(), "{what}: no {label}");
        for node in nodes {
            let rect = node.rect();
            assert!(
                window.contains_rect(rect) && rect.bottom() <= tabs_top,
                "{what}: {label} at {rect:?} is outside {window:?} or below the toolbar"
            );
        }
    }
    for node in harness.root().children_recursive() {
        let role = node.accesskit_node().role();
        if !matches!(
            role,
            Role::Button
                | Role::CheckBox
                | Role::Slider
                | Role::ComboBox
                | Role::TextInput
                | Role::SpinButton
        ) {
            continue;
        }
        let rect = node.rect();
        if rect.top() < tabs_top {
            assert!(
                rect.right() <= window.right() + 0.5 && rect.left() >= window.left() - 0.5,
                "{what}: {:?} at {rect:?} is off screen",
                node.accesskit_node().label()
            );
        }
    }
}

const REPLAY_CONTROLS: [&str; 8] = [
    "Open…",
    "◀ Back",
    "Step ▶",
    "Next phase ▶▶",
    "Presentation",
    "zoom",
    "timeline",
    "hide what comes next",
];

#[test]
fn the_toolbar_fits_at_1280_by_720_in_both_modes() {
    for presentation in [false, true] {
        let settings = Settings {
            presentation,
            ..Settings::default()
        };
        let harness = app_sized("chat.pcapng", settings, [1280.0, 720.0]);
        toolbar_fits(
            &harness,
            &REPLAY_CONTROLS,
            &format!("replay, presentation {presentation}"),
        );
    }
    for presentation in [false, true] {
        let settings = Settings {
            presentation,
            ..Settings::default()
        };
        let Some(mut harness) = live_app(settings, [1280.0, 720.0]) else {
            return;
        };
        harness.run_steps(2);
        toolbar_fits(
            &harness,
            &[
                "Open…",
                "Connect",
                "Close",
                "Scenarios",
                "step mode",
                "zoom",
            ],
            &format!("live, presentation {presentation}"),
        );
    }
}

#[test]
fn the_banner_can_be_put_away() {
    let model = osiscope::pipeline::process_all(FileReader::open(&capture("chat.pcapng")).unwrap());
    let options = AppOptions {
        clock: Clock::manual(),
        banner: Some(osiscope::ui::Banner::notice(
            "Showing a bundled capture: live capture is not permitted.",
            None,
        )),
        ..AppOptions::new(Start::Model {
            model: Box::new(model),
            title: "chat".into(),
        })
    };
    let mut harness = Harness::builder()
        .with_size([1280.0, 720.0])
        .build_eframe(move |cc| App::with_settings(&cc.egui_ctx, Settings::default(), options));
    harness.run_steps(2);
    let tabs_before = harness.get_by_label("Ladder diagram").rect().top();
    harness.get_by_label("✕").click();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("bundled capture").is_none());
    let tabs_after = harness.get_by_label("Ladder diagram").rect().top();
    assert!(tabs_after < tabs_before, "the ladder got the banner's room");
}

// ---- bug 9: the small things ----

#[test]
fn a_refused_upgrade_is_not_labelled_with_an_accept_check() {
    let harness = app_on("rejected.pcapng");
    let model = harness.state().model();
    let refused = model
        .steps
        .iter()
        .find(|s| s.kind == StepKind::UpgradeRefused)
        .expect("the 404");
    assert_eq!(model.step_label(refused), "404 Not Found");
    let row = &model.packets[refused.packet_index()];
    assert!(!row.info().contains("Accept"), "{}", row.info());
    harness.get_by_label("ladder: 404 Not Found");
}

#[test]
fn with_one_step_the_timeline_knob_stands_at_the_end() {
    // One RST, one step.
    let harness = app_on("tcp_rst_null.pcap");
    assert_eq!(harness.state().model().steps.len(), 1);
    harness.get_by_label("step 1 / 1");
    let slider = harness.get_by_label("timeline");
    let node = slider.accesskit_node();
    assert_eq!(node.numeric_value(), node.max_numeric_value());
}

#[test]
fn loopback_times_show_microseconds() {
    let harness = app_on("handshake.pcapng");
    // The SYN-ACK came 13 598 ns after the SYN (ts_ns …445743317 and …445756915): the Time
    // column says "13.598 µs", not "0.000014".
    let model = harness.state().model();
    assert_eq!(
        model.packets[1].packet.ts_ns - model.packets[0].packet.ts_ns,
        13_598
    );
    harness.get_by_label("13.598 µs");
    harness.get_by_label("0 µs");
}

#[test]
fn next_phase_lands_on_what_the_phase_is_about() {
    let mut harness = app_on("chat.pcapng");
    let mut phases = vec![harness.state().current_step().unwrap().phase];
    loop {
        let before = harness.state().current_step_index();
        press(&mut harness, egui::Key::PageDown);
        if harness.state().current_step_index() == before {
            break;
        }
        let step = harness.state().current_step().unwrap();
        assert_ne!(
            step.kind,
            StepKind::Ack,
            "{:?} opened on a plain ACK",
            step.phase
        );
        phases.push(step.phase);
    }
    assert!(phases.contains(&Phase::WebSocket), "{phases:?}");
    // Page Up walks back to the start.
    for _ in 0..phases.len() {
        press(&mut harness, egui::Key::PageUp);
    }
    assert_eq!(current_kind(&harness), Some(StepKind::Syn));
}

// ---- hide what comes next ----

#[test]
fn hiding_what_comes_next_shows_packets_only_up_to_the_current_step() {
    let mut harness = app_on("chat.pcapng");
    let total = harness.state().model().packets.len();
    let (request, answer, answer_label) = {
        let m = harness.state().model();
        let position = |kind| m.steps.iter().position(|s| s.kind == kind).unwrap();
        let answer = position(StepKind::UpgradeResponse);
        (
            position(StepKind::UpgradeRequest),
            answer,
            format!("ladder: {}", m.step_label(&m.steps[answer])),
        )
    };
    harness.get_by_label(&answer_label);
    harness.get_by_label("hide what comes next").click();
    harness.run_steps(2);
    // At the SYN: one packet in the list, nothing after it on the ladder.
    harness.get_by_label(&format!("1 of {total}"));
    assert!(harness.query_by_label(&answer_label).is_none());
    for _ in 0..request {
        press(&mut harness, egui::Key::ArrowRight);
    }
    let shown = harness.state().model().steps[request].packet_index() + 1;
    harness.get_by_label(&format!("{shown} of {total}"));
    assert!(
        harness.query_by_label(&answer_label).is_none(),
        "the answer is not shown yet"
    );
    for _ in request..answer {
        press(&mut harness, egui::Key::ArrowRight);
    }
    harness.get_by_label(&answer_label);
    // Off again: everything.
    harness.get_by_label("hide what comes next").click();
    harness.run_steps(2);
    harness.get_by_label(&format!("{total} of {total}"));
}

// ---- presentation on a 1280 × 720 projector, live: the stacks keep all seven layers ----

#[test]
fn live_presentation_at_1280_keeps_every_layer_of_both_stacks_above_the_narration() {
    let settings = Settings {
        presentation: true,
        ..Settings::default()
    };
    // As `osiscope` opens it: the live toolbar and its banner take height from the rest.
    let Some(mut harness) = live_app_as_launched(settings, [1280.0, 720.0]) else {
        return;
    };
    harness.get_by_label("Connect").click();
    poll_until(&mut harness, "the 101 in the live model", |app| {
        app.model()
            .steps
            .iter()
            .any(|s| s.kind == StepKind::UpgradeResponse)
    });
    harness.run_steps(4);
    harness.get_by_label_contains("Live: the bundled echo server");
    // The SYN's narration is the longest of the handshake: it would take the stacks' room.
    let headline = harness.get_by_label_contains("can we talk").rect();
    let names = [
        "Physical",
        "Data link",
        "Network",
        "Transport",
        "Session",
        "Presentation",
        "Application",
    ];
    for (n, name) in (1..).zip(names) {
        let cells: Vec<_> = harness
            .query_all_by_label(&format!("layer {n} {name}"))
            .map(|node| node.rect())
            .collect();
        assert_eq!(
            cells.len(),
            2,
            "layer {n} in the client's and the server's stack"
        );
        for cell in cells {
            assert!(
                cell.bottom() <= headline.top() && cell.top() >= 0.0,
                "layer {n} at {cell:?} is not on screen above the narration (from {})",
                headline.top()
            );
        }
    }
}
