//! Image snapshots of the teaching screens (a guided lesson, the quiz) and of presentation mode
//! at the two projector sizes, 1920 × 1080 and 1280 × 720, rendered by wgpu like
//! `ui_snapshots.rs` (run with `--features snapshots`; `UPDATE_SNAPSHOTS=1` rewrites them).
#![cfg(feature = "snapshots")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use egui_kittest::kittest::{NodeT as _, Queryable as _};
use egui_kittest::{Harness, SnapshotOptions};
use osiscope::model::StepKind;
use osiscope::ui::App;
use osiscope::ui::playback::STEP_SECS;
use osiscope::ui::settings::Settings;

fn app_on(capture: &str, settings: Settings, size: [f32; 2]) -> Harness<'static, App> {
    ui_support::snapshot_app_on_bundled(capture, settings, size)
}

fn settle(harness: &mut Harness<'_, App>) {
    harness.run_steps(2);
    harness.state().clock().advance(STEP_SECS + 0.1);
    harness.run_steps(3);
}

fn press(harness: &mut Harness<'_, App>, key: egui::Key) {
    harness.key_press(key);
    harness.run_steps(2);
}

fn options() -> SnapshotOptions {
    SnapshotOptions::new().threshold(0.6).max_failed_pixels(8)
}

/// No text on screen is cut with "…" (the one "…" allowed is the Open… button's own).
fn assert_nothing_cut(harness: &Harness<'_, App>) {
    let cut: Vec<String> = harness
        .query_all_by_label_contains("…")
        .filter_map(|n| n.accesskit_node().label())
        .filter(|l| l != "Open…")
        .collect();
    assert!(cut.is_empty(), "cut: {cut:?}");
}

#[test]
fn snapshot_lesson_upgrade_with_answers() {
    let mut harness = app_on("chat.pcapng", Settings::default(), [1600.0, 1000.0]);
    press(&mut harness, egui::Key::L);
    harness
        .get_by_label_contains("The Upgrade handshake, and what happens after it")
        .click();
    settle(&mut harness);
    press(&mut harness, egui::Key::N);
    press(&mut harness, egui::Key::A);
    settle(&mut harness);
    assert_eq!(
        harness.state().current_step().map(|s| s.kind),
        Some(StepKind::UpgradeResponse)
    );
    harness.snapshot_options("lesson_upgrade_answers", &options());
}

#[test]
fn snapshot_quiz_seq_ack_answered() {
    let mut harness = app_on("handshake.pcapng", Settings::default(), [1600.0, 1000.0]);
    press(&mut harness, egui::Key::Q);
    // Packet 2 (flags): ask, answer, show.
    for _ in 0..3 {
        press(&mut harness, egui::Key::ArrowRight);
    }
    // Packet 3 (seq/ack): ask, the class picks 2, show the answer.
    press(&mut harness, egui::Key::ArrowRight);
    press(&mut harness, egui::Key::Num2);
    press(&mut harness, egui::Key::ArrowRight);
    settle(&mut harness);
    harness.get_by_label_contains("Which relative seq and ack numbers");
    harness.snapshot_options("quiz_seq_ack_answered", &options());
}

fn presentation(size: [f32; 2], name: &str) {
    let settings = Settings {
        presentation: true,
        ..Settings::default()
    };
    let mut harness = app_on("chat.pcapng", settings, size);
    while harness.state().current_step().map(|s| s.kind) != Some(StepKind::UpgradeResponse) {
        press(&mut harness, egui::Key::ArrowRight);
    }
    settle(&mut harness);
    assert!(harness.query_by_label("Source → Destination").is_none());
    harness.snapshot_options(name, &options());
    assert_nothing_cut(&harness);
}

#[test]
fn snapshot_presentation_1920x1080() {
    presentation([1920.0, 1080.0], "presentation_1920x1080");
}

#[test]
fn snapshot_presentation_1280x720() {
    presentation([1280.0, 720.0], "presentation_1280x720");
}

#[test]
fn snapshot_presentation_lesson_1280x720() {
    // The narrowest classroom case: presentation fonts, 1280 × 720, the Lessons panel open.
    // The lane titles must not run into each other, and nothing is cut with "…".
    let settings = Settings {
        presentation: true,
        ..Settings::default()
    };
    let mut harness = app_on("push.pcapng", settings, [1280.0, 720.0]);
    press(&mut harness, egui::Key::L);
    harness
        .get_by_label_contains("The server speaks first (push)")
        .click();
    settle(&mut harness);
    press(&mut harness, egui::Key::N);
    settle(&mut harness);
    assert_eq!(harness.state().selected_packet(), Some(7));
    harness.snapshot_options("presentation_lesson_1280x720", &options());
    assert_nothing_cut(&harness);
}
