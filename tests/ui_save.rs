//! Saving what was captured live and opening a capture, through the app's own file dialogs
//! (issue 13, bug 5: the system dialog did nothing without an xdg-desktop-portal). Ctrl+S in
//! live mode asks where, the file is written by the `osiscope record` writer, and both our
//! reader and tshark read back as many packets as the model holds (tshark is installed by
//! .ci/test). Open… lists the captures of a folder, and the one picked loads; a file that is
//! not a capture says so in the banner. The live test needs CAP_NET_RAW (CI runs as root);
//! without it it says SKIPPED and passes.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use osiscope::capture::FileReader;
use osiscope::model::StepKind;
use osiscope::ui::dialog::Purpose;
use osiscope::ui::settings::Settings;
use osiscope::ui::{App, AppOptions, Start};
use ui_support::{live_app, poll_until};

/// Settings whose last file was in `dir`: the dialogs start there.
fn starting_in(dir: &std::path::Path) -> Settings {
    Settings {
        recent_files: vec![dir.join("last.pcapng")],
        ..Settings::default()
    }
}

#[test]
fn ctrl_s_saves_the_live_capture_that_tshark_and_our_reader_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mut harness) = live_app(starting_in(dir.path()), [1600.0, 1000.0]) else {
        return;
    };
    harness.get_by_label("Connect").click();
    harness.run_steps(1);
    poll_until(&mut harness, "the handshake and the 101", |app| {
        app.model()
            .steps
            .iter()
            .any(|s| s.kind == StepKind::UpgradeResponse)
            && app.live_status().is_some_and(|s| s.connected)
    });
    // Wait until every captured packet is in the model (no new one for half a second).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = (usize::MAX, Instant::now());
    loop {
        harness.run_steps(1);
        let n = harness.state().model().packets.len();
        let captured = harness.state().live_status().map_or(0, |s| s.packets);
        if n != last.0 {
            last = (n, Instant::now());
        } else if n as u64 == captured && last.1.elapsed() > Duration::from_millis(500) {
            break;
        }
        assert!(Instant::now() < deadline, "the capture did not settle");
        std::thread::sleep(Duration::from_millis(20));
    }
    let in_model = harness.state().model().packets.len();

    harness.key_press_modifiers(Modifiers::COMMAND, Key::S);
    harness.run_steps(4);
    assert_eq!(harness.state().dialog_purpose(), Some(Purpose::Save));
    harness.get_by_label("Save the live capture as pcapng");
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    assert!(!harness.state().dialog_open());
    let path = dir.path().join("osiscope-live.pcapng");
    let banner = harness.state().banner().unwrap().text.clone();
    assert_eq!(
        banner,
        format!("Saved {in_model} packets to {}", path.display())
    );

    let saved = osiscope::pipeline::process_all(FileReader::open(&path).unwrap());
    assert!(saved.errors.is_empty(), "{:?}", saved.errors);
    assert_eq!(saved.packets.len(), in_model);
    let kinds = |steps: &osiscope::model::Chunked<osiscope::model::Step>| {
        steps.iter().map(|s| s.kind).collect::<Vec<_>>()
    };
    assert_eq!(kinds(&saved.steps), kinds(&harness.state().model().steps));

    let tshark = std::process::Command::new("tshark")
        .arg("-n")
        .arg("-r")
        .arg(&path)
        .output()
        .expect("tshark (installed by .ci/test: apt-get install tshark)");
    assert!(
        tshark.status.success(),
        "{}",
        String::from_utf8_lossy(&tshark.stderr)
    );
    let lines = String::from_utf8_lossy(&tshark.stdout).lines().count();
    assert_eq!(lines, in_model);

    // A second save does not replace the first: the dialog offers the next free name.
    harness.get_by_label("Save…").click();
    harness.run_steps(4);
    harness.get_by_label("Save").click();
    harness.run_steps(2);
    assert!(dir.path().join("osiscope-live-2.pcapng").exists());
}

fn replay_app(settings: Settings) -> Harness<'static, App> {
    ui_support::harness_with(settings, AppOptions::new(Start::Empty), [1600.0, 1000.0])
}

fn wait_loaded(harness: &mut Harness<'_, App>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while harness.state().is_loading() {
        assert!(Instant::now() < deadline, "the file did not finish loading");
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
    harness.run_steps(2);
}

#[test]
fn open_lists_the_captures_of_a_folder_and_loads_the_one_picked() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("lesson");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(
        ui_support::bundled("handshake.pcapng"),
        sub.join("handshake.pcapng"),
    )
    .unwrap();
    std::fs::write(sub.join("notes.txt"), "not a capture").unwrap();
    let mut harness = replay_app(starting_in(dir.path()));

    harness.key_press_modifiers(Modifiers::COMMAND, Key::O);
    harness.run_steps(4);
    harness.get_by_label("Open a capture (pcap, pcapng)");
    // Folders end in "/"; only captures are listed.
    harness.get_by_label("lesson/").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("notes.txt").is_none());
    harness.get_by_label("handshake.pcapng").click();
    harness.run_steps(1);
    harness.get_by_label("Open").click();
    harness.run_steps(2);
    assert!(!harness.state().dialog_open());
    wait_loaded(&mut harness);
    assert_eq!(harness.state().model().packets.len(), 14);
    harness.get_by_label("handshake.pcapng");
}

#[test]
fn a_file_that_is_not_a_capture_is_said_in_the_banner() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.pcap"), "this is not a capture").unwrap();
    let mut harness = replay_app(starting_in(dir.path()));
    harness.get_by_label("Open…").click();
    // The dialog is laid out unseen in its first frame.
    harness.run_steps(4);
    assert_eq!(harness.state().dialog_purpose(), Some(Purpose::Open));
    // A name that is not there is said in the dialog, which stays open.
    let field = harness.get_by_label("File name");
    field.focus();
    field.type_text("missing.pcap");
    harness.run_steps(1);
    harness.get_by_label("Open").click();
    harness.run_steps(2);
    harness.get_by_label("There is no missing.pcap in this folder.");
    assert!(harness.state().dialog_open());
    // Cancel closes it and changes nothing.
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert!(!harness.state().dialog_open());

    harness.get_by_label("Open…").click();
    // The dialog is laid out unseen in its first frame.
    harness.run_steps(4);
    harness.get_by_label("broken.pcap").click();
    harness.run_steps(1);
    harness.get_by_label("Open").click();
    harness.run_steps(2);
    wait_loaded(&mut harness);
    let banner = harness.state().banner().expect("an error in the banner");
    assert!(banner.error, "{banner:?}");
    assert!(
        banner.text.contains("not a pcap or pcapng file"),
        "{}",
        banner.text
    );
}

#[test]
fn save_without_a_live_session_says_why_in_the_banner() {
    let mut harness = replay_app(Settings::default());
    assert!(harness.query_by_label("Save…").is_none());
    harness.key_press_modifiers(Modifiers::COMMAND, Key::S);
    harness.run_steps(2);
    assert!(!harness.state().dialog_open());
    let banner = harness.state().banner().unwrap();
    assert!(!banner.error);
    assert!(banner.text.contains("writes what was captured live"));
}
