//! Errors reach the banner with their fix: a capture file cut short keeps every packet before
//! the cut, and the banner says what happened and what to do (the fix the typed error carries).
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;
use osiscope::ui::{AppOptions, Clock, Start};

#[test]
fn a_truncated_file_shows_its_packets_and_the_fix_in_the_banner() {
    let whole =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/captures/chat.pcapng")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.pcapng");
    // Cut in the middle of a packet record, as `head -c` of a capture would.
    std::fs::write(&path, &whole[..whole.len() * 2 / 3 + 5]).unwrap();
    let mut harness = ui_support::harness(AppOptions {
        clock: Clock::manual(),
        ..AppOptions::new(Start::File(path))
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.state().is_loading() {
        assert!(Instant::now() < deadline, "the file never finished loading");
        harness.run_steps(1);
    }
    harness.run_steps(2);
    assert!(!harness.state().model().packets.is_empty());
    assert_eq!(harness.state().model().errors.len(), 1);
    harness.get_by_label_contains("the file is cut short at byte");
    harness.get_by_label_contains("capture again to get the rest");
}
