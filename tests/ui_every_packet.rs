//! Every packet of the captures whose packets nest the most (several WebSocket frames in one
//! segment, Engine.IO payloads of several packets, Socket.IO events with attachments), shown one
//! after the other with its details, ladder, narration and bytes: no frame may draw two widgets
//! with one ID. egui marks such a clash on screen with a "🔥" warning in debug builds; the
//! harness's default policy fails the test on a glyph its fonts lack, and this one is such a
//! glyph, so the clash fails the test rather than hiding in a corner of the window.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod ui_support;

use egui_kittest::Harness;
use osiscope::ui::App;
use osiscope::ui::playback::STEP_SECS;
use osiscope::ui::settings::Settings;
use ui_support::app_on_bundled;

/// Step through every step of `name`'s capture with its details open.
fn show_every_packet(name: &str) {
    let mut harness = app_on_bundled(name, Settings::default(), [1600.0, 1000.0]);
    let steps = harness.state().model().steps.len();
    assert!(steps > 20, "{name}: {steps} steps");
    // The first step is on show from the start.
    let mut shown: Vec<usize> = harness.state().current_step_index().into_iter().collect();
    for _ in 1..steps {
        next(&mut harness);
        shown.extend(harness.state().current_step_index());
    }
    shown.dedup();
    assert_eq!(
        shown,
        (0..steps).collect::<Vec<_>>(),
        "{name}: every step was shown, in order"
    );
}

fn next(harness: &mut Harness<'_, App>) {
    harness.key_press(egui::Key::ArrowRight);
    harness.run_steps(1);
    harness.state().clock().advance(STEP_SECS + 0.1);
    harness.run_steps(2);
}

#[test]
fn socketio_polling_then_upgrade() {
    show_every_packet("socketio.pcapng");
}

#[test]
fn socketio_broadcast() {
    show_every_packet("socketio-broadcast.pcapng");
}

#[test]
fn node_socketio_4_polling_then_upgrade() {
    show_every_packet("sio_node4_polling_upgrade.pcapng");
}

#[test]
fn node_socketio_2_engineio_v3() {
    show_every_packet("sio_node2_polling_upgrade.pcapng");
}

#[test]
fn python_socketio() {
    show_every_packet("sio_python_polling_upgrade.pcapng");
}

#[test]
fn several_websocket_frames_in_one_segment() {
    show_every_packet("edge_multiframe_segment.pcapng");
}
