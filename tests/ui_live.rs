//! Live mode in the app: the bundled echo server and a loopback capture start, the presenter
//! presses Connect, and the handshake and the Upgrade appear as they happen. Needs
//! `CAP_NET_RAW` (CI runs as root); without it the test says SKIPPED.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use osiscope::model::{Model, StepKind};
use osiscope::ui::live_session::{LiveSession, LiveStartError};
use osiscope::ui::{App, AppOptions, Clock, Start};

fn run_until(harness: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
}

fn kinds(app: &App) -> Vec<StepKind> {
    app.model().steps.iter().map(|s| s.kind).collect()
}

#[test]
fn connect_shows_the_handshake_and_the_upgrade_as_they_happen() {
    let session = match LiveSession::start("127.0.0.1:0".parse().unwrap()) {
        Ok(s) => s,
        Err(LiveStartError::Capture(e)) => {
            eprintln!("SKIPPED: live capture needs CAP_NET_RAW (run as root, as CI does): {e}");
            return;
        }
        Err(e) => panic!("live mode did not start: {e}"),
    };
    let mut harness = Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(move |cc| {
            App::new(
                cc,
                AppOptions {
                    clock: Clock::manual(),
                    live: Some(Box::new(session)),
                    ..AppOptions::new(Start::Model {
                        model: Model::new(),
                        title: "live".into(),
                    })
                },
            )
        });
    harness.run_steps(2);
    assert!(harness.state().model().packets.is_empty());
    harness.get_by_label("Connect").click();
    harness.run_steps(1);
    run_until(&mut harness, "the 101", |app| {
        kinds(app).contains(&StepKind::UpgradeResponse)
    });
    let k = kinds(harness.state());
    assert_eq!(
        &k[..3],
        &[StepKind::Syn, StepKind::SynAck, StepKind::HandshakeAck],
        "{k:?}"
    );
    assert!(k.contains(&StepKind::UpgradeRequest), "{k:?}");
    let model = harness.state().model();
    let response = model
        .packets
        .iter()
        .flat_map(|p| &p.http)
        .find(|h| h.status == Some(101))
        .unwrap();
    assert_eq!(response.accept_valid, Some(true));

    // Send text: a masked client frame and its unmasked echo arrive.
    harness.get_by_label("Send text").click();
    harness.run_steps(1);
    run_until(&mut harness, "the echo", |app| {
        app.model()
            .packets
            .iter()
            .flat_map(|p| &p.ws)
            .filter(|f| f.text.as_deref() == Some("hello, class!"))
            .count()
            == 2
    });
    let frames: Vec<bool> = harness
        .state()
        .model()
        .packets
        .iter()
        .flat_map(|p| &p.ws)
        .filter(|f| f.text.as_deref() == Some("hello, class!"))
        .map(|f| f.masked)
        .collect();
    assert_eq!(frames, [true, false], "client frame masked, echo not");
}
