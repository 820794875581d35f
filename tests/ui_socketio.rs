//! The app on the bundled Socket.IO captures, driven through `egui_kittest`: the ladder labels
//! packets as the code that sent them (`socket.emit`, `io.emit`, `ack 0 → […]`), the
//! narration explains each Engine.IO/Socket.IO packet with its JavaScript beside it, and the
//! details tree and hex view nest Socket.IO inside Engine.IO inside a WebSocket frame or an
//! HTTP body.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use osiscope::ui::App;
use osiscope::ui::playback::STEP_SECS;
use osiscope::ui::settings::Settings;

/// The app on bundled capture `name`. An egui widget-ID clash fails the test (see
/// `ui_every_packet.rs`).
fn app_on(name: &str) -> Harness<'static, App> {
    ui_support::app_on_bundled(name, Settings::default(), [1600.0, 1000.0])
}

/// Press Step until the step on show is packet `number`'s, and let its animation finish.
fn step_to(harness: &mut Harness<'_, App>, number: u64) {
    for _ in 0..200 {
        if harness
            .state()
            .current_step()
            .map(|s| harness.state().model().step_number(s))
            == Some(number)
        {
            harness.state().clock().advance(STEP_SECS + 0.1);
            harness.run_steps(2);
            return;
        }
        harness.get_by_label("Step ▶").click();
        harness.run_steps(1);
        harness.state().clock().advance(STEP_SECS + 0.1);
        harness.run_steps(1);
    }
    panic!("no step for packet {number}");
}

#[test]
fn an_event_and_its_ack_read_as_code_with_the_round_trip() {
    let mut harness = app_on("socketio.pcapng");
    step_to(&mut harness, 40);
    // (The row also says its tie to the ACK: see ui_lanes.rs.)
    harness.get_by_label_contains(r#"ladder: socket.emit("chat", "hi") + ack 0 (ack 0 · "#);
    harness.get_by_label(r#"socket.emit("chat", "hi", (reply) => { … });"#);
    harness.get_by_label(r#"socket.on("chat", (arg1, callback) => { callback(…); });"#);
    harness.get_by_label("on the client:");
    step_to(&mut harness, 41);
    harness.get_by_label_contains(r#"ladder: socket.emit("chat", "hi"), ack 0 → [{"ok":true}] ("#);
    harness.get_by_label_contains("the round trip took 0.129 ms");
    harness.get_by_label(r#"callback({"ok":true});"#);
    harness.get_by_label("on the server:");
}

#[test]
fn details_nest_socket_io_in_engine_io_in_the_frame_and_the_hex_view_names_both() {
    let mut harness = app_on("socketio.pcapng");
    // In a polling body: a ping and the CONNECT answer, in the HTTP response.
    step_to(&mut harness, 16);
    harness.get_by_label("Engine.IO: ping");
    harness.get_by_label("Socket.IO: CONNECT / sid=mb5SLjoul_nJCFni");
    assert_eq!(
        harness.query_all_by_label("Transport: polling").count(),
        2,
        "both Engine.IO packets of the body"
    );
    step_to(&mut harness, 41);
    harness.get_by_label(r#"Socket.IO: EVENT "chat" ["hi"]"#);
    harness.get_by_label(r#"Socket.IO: ACK 0 [{"ok":true}] for frame 40"#);
    assert_eq!(
        harness
            .query_all_by_label_contains("Engine.IO: message")
            .count(),
        2,
        "one Engine.IO message per frame"
    );
    assert_eq!(
        harness.query_all_by_label("Transport: websocket").count(),
        2
    );
    harness.get_by_label(" Engine.IO ");
    harness.get_by_label(" Socket.IO ");
}

#[test]
fn the_upgrade_is_narrated_probe_by_probe() {
    let mut harness = app_on("socketio.pcapng");
    step_to(&mut harness, 23);
    harness.get_by_label_contains("so far used HTTP long-polling");
    step_to(&mut harness, 28);
    harness.get_by_label("ladder: ping probe");
    harness.get_by_label_contains("before the session moves onto it");
    step_to(&mut harness, 30);
    harness.get_by_label_contains("the long-polling requests stop");
    // Engine.IO packets are the library's own: no code of the user's beside them.
    assert!(
        harness
            .query_by_label("The code behind this packet (JavaScript)")
            .is_none()
    );
}

#[test]
fn one_event_to_every_session_reads_io_emit() {
    let mut harness = app_on("socketio-broadcast.pcapng");
    step_to(&mut harness, 29);
    harness.get_by_label(r#"ladder: io.emit("chat", "hello, everyone")"#);
    harness.get_by_label(r#"io.emit("chat", "hello, everyone");"#);
    harness.get_by_label_contains("what io.emit does");
}
