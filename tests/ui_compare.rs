//! The Compare view through `egui_kittest`: key F6 shows it, the five bundled captures are
//! measured off the UI thread into the table (the numbers `osiscope compare` computes), and a
//! click on a transport opens its capture on the ladder.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;
use osiscope::session::compare::measure_bundled;
use osiscope::ui::view::Tab;
use osiscope::ui::{AppOptions, Start};

#[test]
fn key_f6_shows_the_table_and_a_click_opens_the_transport_on_the_ladder() {
    let mut harness = ui_support::harness(AppOptions::new(Start::Empty));
    harness.key_press(egui::Key::F6);
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Compare);
    // The measuring thread answers within seconds; the frames go on meanwhile.
    let deadline = Instant::now() + Duration::from_secs(30);
    while harness.state().compare_measures().is_none() {
        assert!(Instant::now() < deadline, "no measurements after 30 s");
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
    harness.run_steps(2);
    let expected = measure_bundled().unwrap();
    assert_eq!(harness.state().compare_measures().unwrap(), expected);
    harness.get_by_label_contains("When to use which");
    for m in &expected {
        harness.get_by_label(&m.transport);
        harness.get_by_label(&m.wire_bytes.to_string());
        harness.get_by_label(&format!("{:.1}", m.bytes_per_message));
    }
    let websocket = expected
        .iter()
        .find(|m| m.transport == "websocket")
        .unwrap();
    harness.get_by_label("websocket").click();
    harness.run_steps(2);
    let app = harness.state();
    assert_eq!(app.tab(), Tab::Ladder);
    assert_eq!(app.title(), "compare-websocket.pcapng");
    assert_eq!(app.model().packets.len() as u64, websocket.packets);
    // F6 again: back to the table, measured once; F2: the ladder.
    harness.key_press(egui::Key::F6);
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Compare);
    assert!(harness.state().compare_measures().is_some());
    harness.key_press(egui::Key::F2);
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Ladder);
}
