//! Live mode in the real app: the bundled echo server, a loopback capture and the demo client,
//! driven through the toolbar with `egui_kittest`. Press Connect and the handshake and the
//! Upgrade appear in the model as they are captured. Needs CAP_NET_RAW (CI runs as root);
//! without it the test says SKIPPED and passes.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use osiscope::model::StepKind;
use osiscope::ui::App;
use osiscope::ui::settings::Settings;

const HANDSHAKE: [StepKind; 5] = [
    StepKind::Syn,
    StepKind::SynAck,
    StepKind::HandshakeAck,
    StepKind::UpgradeRequest,
    StepKind::UpgradeResponse,
];

fn live_app(step_mode: bool) -> Option<Harness<'static, App>> {
    let mut harness = ui_support::live_app(Settings::default(), [1600.0, 1000.0])?;
    harness.state_mut().set_step_mode(step_mode);
    harness.run_steps(2);
    Some(harness)
}

/// Run frames until `done` holds, for at most 10 s of wall time.
fn poll_until(harness: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(harness.state()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; steps so far: {:?}",
            kinds(harness.state())
        );
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
}

/// `wanted` appears in `kinds` in this order (pure ACKs may come between).
fn in_order(kinds: &[StepKind], wanted: &[StepKind]) -> bool {
    let mut rest = kinds.iter();
    wanted.iter().all(|w| rest.any(|k| k == w))
}

fn kinds(app: &App) -> Vec<StepKind> {
    app.model().steps.iter().map(|s| s.kind).collect()
}

#[test]
fn connect_shows_the_live_handshake_and_upgrade() {
    let Some(mut harness) = live_app(false) else {
        return;
    };
    harness.get_by_label_contains("capturing on lo");
    harness.get_by_label_contains("dropped: kernel 0, osiscope 0");
    harness.get_by_label("Connect").click();
    poll_until(&mut harness, "SYN … 101 in the model", |app| {
        in_order(&kinds(app), &HANDSHAKE)
    });
    poll_until(&mut harness, "the client to say it is connected", |app| {
        app.live_status().is_some_and(|s| s.connected)
    });
    // Send text is enabled now, and its frame arrives too.
    harness.get_by_label("Send text").click();
    poll_until(&mut harness, "the masked text frame", |app| {
        kinds(app).contains(&StepKind::WsFrame { opcode: 1 })
    });
    assert!(
        harness.state().is_playing(),
        "playback follows live packets"
    );
}

#[test]
fn step_mode_queues_packets_until_the_presenter_steps() {
    let Some(mut harness) = live_app(true) else {
        return;
    };
    harness.get_by_label("Connect").click();
    poll_until(&mut harness, "packets to wait", |app| {
        app.pending_packets() >= 3
    });
    assert!(harness.state().model().packets.is_empty());
    harness.get_by_label_contains("new packets waiting");
    harness.get_by_label("Step ▶").click();
    harness.run_steps(2);
    assert_eq!(kinds(harness.state()), [StepKind::Syn]);
    assert_eq!(harness.state().current_step_index(), Some(0));
    for _ in 0..2 {
        harness.key_press(egui::Key::ArrowRight);
        harness.run_steps(2);
    }
    assert_eq!(kinds(harness.state()), HANDSHAKE[..3]);
    assert_eq!(harness.state().current_step_index(), Some(2));
}

#[test]
fn the_server_push_button_shows_the_servers_own_messages() {
    let Some(mut harness) = live_app(false) else {
        return;
    };
    // The shortest interval the toolbar offers, so the test sees pushes quickly.
    harness.state_mut().set_push_interval_ms(100);
    harness.get_by_label("Server push").click();
    poll_until(&mut harness, "three pushed text frames", |app| {
        kinds(app)
            .iter()
            .filter(|k| **k == StepKind::WsFrame { opcode: 1 })
            .count()
            >= 3
    });
    assert!(in_order(&kinds(harness.state()), &HANDSHAKE));
    // The log keeps its last lines only: a busy machine may have pushed "tick 1" out already.
    poll_until(&mut harness, "the client log to show a push", |app| {
        app.live_status().is_some_and(|s| {
            s.log
                .iter()
                .any(|l| l.starts_with("received: tick ") || l.starts_with("received: news "))
        })
    });
    harness.get_by_label_contains("client: received: ");
}
