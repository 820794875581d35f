//! Image snapshots of the app's key screens, rendered by wgpu (software Vulkan on CI:
//! mesa-vulkan-drivers) and compared pixel by pixel with `tests/snapshots/NAME.png`.
//!
//! Behind the `snapshots` feature, because it builds wgpu. Run them with
//! `cargo nextest run --features snapshots --test ui_snapshots`; after a deliberate change to the
//! look, `UPDATE_SNAPSHOTS=1 cargo nextest run --features snapshots --test ui_snapshots` rewrites
//! the images (look at them before committing). A failing test leaves `NAME.new.png` and
//! `NAME.diff.png` beside the snapshot.
#![cfg(feature = "snapshots")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use egui_kittest::kittest::Queryable as _;
use egui_kittest::{Harness, SnapshotOptions};
use osiscope::model::StepKind;
use osiscope::ui::App;
use osiscope::ui::playback::STEP_SECS;
use osiscope::ui::settings::Settings;

/// The screens are 1600 × 1000 points, as the window opens.
const SIZE: [f32; 2] = [1600.0, 1000.0];

fn app_on_chat(settings: Settings) -> Harness<'static, App> {
    app_on("chat.pcapng", settings)
}

fn app_on(capture: &str, settings: Settings) -> Harness<'static, App> {
    ui_support::snapshot_app_on_bundled(capture, settings, SIZE)
}

/// Go to the first step of `kind` by clicking its ladder row, and let its animation finish.
fn go_to(harness: &mut Harness<'_, App>, kind: StepKind) {
    let label = {
        let model = harness.state().model();
        let step = model
            .steps
            .iter()
            .find(|s| s.kind == kind)
            .unwrap_or_else(|| panic!("a {kind:?} step"));
        format!("ladder: {}", model.step_label(step))
    };
    harness.get_by_label(&label).click();
    harness.run_steps(2);
    assert_eq!(harness.state().current_step().map(|s| s.kind), Some(kind));
    harness.state().clock().advance(STEP_SECS + 0.1);
    harness.run_steps(3);
}

/// Text is antialiased by the software rasterizer; allow a colour tolerance per pixel but only
/// a handful of differing pixels, so a moved line or a changed word still fails.
fn options() -> SnapshotOptions {
    SnapshotOptions::new().threshold(0.6).max_failed_pixels(8)
}

#[test]
fn snapshot_syn_opening_screen() {
    let mut harness = app_on_chat(Settings::default());
    assert_eq!(
        harness.state().current_step().map(|s| s.kind),
        Some(StepKind::Syn)
    );
    harness.state().clock().advance(STEP_SECS + 0.1);
    harness.run_steps(3);
    harness.snapshot_options("syn_opening_screen", &options());
}

#[test]
fn snapshot_upgrade_101_accept() {
    let mut harness = app_on_chat(Settings::default());
    go_to(&mut harness, StepKind::UpgradeResponse);
    assert!(
        harness
            .query_all_by_label_contains("Sec-WebSocket-Accept")
            .count()
            > 0
    );
    harness.snapshot_options("upgrade_101_accept", &options());
}

#[test]
fn snapshot_websocket_frame_unmasking() {
    let mut harness = app_on_chat(Settings::default());
    let label = {
        let model = harness.state().model();
        let record = model
            .packets
            .iter()
            .find(|r| r.ws.iter().any(|f| f.masked))
            .expect("a masked client frame");
        record.info()
    };
    harness.get_by_label(&label).click();
    harness.run_steps(2);
    harness.state().clock().advance(STEP_SECS + 0.1);
    harness.run_steps(3);
    harness.snapshot_options("websocket_frame_unmasking", &options());
}

#[test]
fn snapshot_presentation_light_synack() {
    let settings = Settings {
        dark: false,
        presentation: true,
        ..Settings::default()
    };
    let mut harness = app_on_chat(settings);
    go_to(&mut harness, StepKind::SynAck);
    harness.snapshot_options("presentation_light_synack", &options());
}

/// The 100 kB message of `large.pcapng` on the time-sequence graph: each segment an arrow, the
/// ACKs a staircase, the current packet marked.
#[test]
fn snapshot_time_sequence_graph() {
    let mut harness = app_on("large.pcapng", Settings::default());
    harness.get_by_label("Time-sequence graph").click();
    harness.run_steps(2);
    for _ in 0..10 {
        harness.key_press(egui::Key::ArrowRight);
        harness.run_steps(1);
    }
    harness.state().clock().advance(STEP_SECS + 0.1);
    harness.run_steps(3);
    assert_eq!(harness.state().current_step_index(), Some(10));
    harness.snapshot_options("time_sequence_graph", &options());
}
