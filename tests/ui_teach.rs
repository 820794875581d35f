//! The teaching panel driven through `egui_kittest` on the real bundled captures: a guided
//! lesson opened from the Lessons tab (its capture, its frames, its questions and answers), the
//! quiz predicting the next packet with the ladder hiding it, glossary words clicked in the
//! narration, and presentation mode folding the packet list away until D.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use osiscope::model::StepKind;
use osiscope::ui::settings::Settings;
use osiscope::ui::{App, AppOptions, Start};

fn app_on(name: &str, settings: Settings) -> Harness<'static, App> {
    ui_support::app_on_bundled(name, settings, [1600.0, 1000.0])
}

fn press(harness: &mut Harness<'_, App>, key: egui::Key) {
    harness.key_press(key);
    harness.run_steps(2);
}

#[test]
fn a_lesson_opens_its_capture_and_walks_its_steps() {
    let mut harness = ui_support::harness(AppOptions::new(Start::Empty));
    assert!(harness.state().model().packets.is_empty());
    press(&mut harness, egui::Key::L);
    harness
        .get_by_label_contains("Goodbye: Close, FIN and TIME-WAIT")
        .click();
    harness.run_steps(2);
    // The lesson's bundled capture (handshake.pcapng, 14 packets) is open at its first frame.
    assert_eq!(harness.state().model().packets.len(), 14);
    assert_eq!(harness.state().selected_packet(), Some(9));
    harness.get_by_label_contains("The WebSocket closing handshake");
    // N: the next step shows packet 12, the server's FIN, with its question.
    press(&mut harness, egui::Key::N);
    assert_eq!(harness.state().selected_packet(), Some(11));
    assert_eq!(
        harness.state().current_step().map(|s| s.kind),
        Some(StepKind::Fin)
    );
    harness.get_by_label_contains("Who sends the first ");
    assert!(
        harness
            .query_by_label_contains("Answer: The server")
            .is_none()
    );
    harness.get_by_label("a) The client").click();
    harness.run_steps(2);
    // A shows the answer and why.
    press(&mut harness, egui::Key::A);
    harness.get_by_label_contains("Answer: The server");
    harness.get_by_label_contains(" 6455 §7.1.1 asks the server to close");
    // The packet buttons show a step's other frames.
    harness.get_by_label("#13").click();
    harness.run_steps(2);
    assert_eq!(harness.state().selected_packet(), Some(12));
    press(&mut harness, egui::Key::P);
    assert_eq!(harness.state().selected_packet(), Some(9));
}

#[test]
fn the_quiz_asks_before_the_packet_is_shown() {
    let mut harness = app_on("handshake.pcapng", Settings::default());
    assert_eq!(harness.state().current_step_index(), Some(0));
    // The SYN-ACK's ladder row is there before the quiz...
    let model = harness.state().model();
    let syn_ack = model.step_label(&model.steps[1]).into_owned();
    assert!(
        harness
            .query_by_label(&format!("ladder: {syn_ack}"))
            .is_some()
    );
    press(&mut harness, egui::Key::Q);
    // ...and hidden while it runs, as are the packet list and bytes.
    assert!(
        harness
            .query_by_label(&format!("ladder: {syn_ack}"))
            .is_none()
    );
    assert!(harness.query_by_label("Source → Destination").is_none());
    // → asks about packet 2 without showing it.
    press(&mut harness, egui::Key::ArrowRight);
    assert_eq!(harness.state().current_step_index(), Some(0));
    harness.get_by_label_contains("Packet 2 goes from the server. Which TCP flags");
    let q = harness.state().teach().quiz.question.clone().unwrap();
    assert_eq!(q.choices[q.answer], "SYN, ACK");
    // The class picks the right one (key 1–4), → shows the answer and why.
    let key = [
        egui::Key::Num1,
        egui::Key::Num2,
        egui::Key::Num3,
        egui::Key::Num4,
    ][q.answer];
    press(&mut harness, key);
    press(&mut harness, egui::Key::ArrowRight);
    harness.get_by_label("Right!");
    harness.get_by_label("1 of 1 right");
    harness.get_by_label_contains(
        ": it opens the sender's direction of the connection and carries its ",
    );
    assert_eq!(harness.state().current_step_index(), Some(0));
    // → again shows the packet.
    press(&mut harness, egui::Key::ArrowRight);
    assert_eq!(harness.state().current_step_index(), Some(1));
    assert!(
        harness
            .query_by_label(&format!("ladder: {syn_ack}"))
            .is_some()
    );
    // The next question is of another kind: packet 3's seq and ack.
    press(&mut harness, egui::Key::ArrowRight);
    harness.get_by_label_contains("Which relative seq and ack numbers");
    press(&mut harness, egui::Key::ArrowRight);
    harness.get_by_label("The answer:");
    harness.get_by_label("seq=1 ack=1");
}

#[test]
fn glossary_words_in_the_narration_open_their_entry() {
    let mut harness = app_on("handshake.pcapng", Settings::default());
    // The SYN's narration names the ISN: the word is a link.
    let links = harness.get_all_by_label("ISN").count();
    assert!(links >= 1);
    harness.get_all_by_label("ISN").next().unwrap().click();
    harness.run_steps(2);
    assert_eq!(harness.state().teach().term, Some("isn"));
    harness.get_by_label_contains("Initial Sequence Number: the number a side picks");
    // Another entry from the glossary's own list.
    harness.get_by_label("TIME-WAIT").click();
    harness.run_steps(2);
    harness.get_by_label_contains("2·MSL");
    press(&mut harness, egui::Key::G);
    assert!(!harness.state().teach().open);
}

#[test]
fn presentation_mode_folds_the_packets_away_until_d() {
    let settings = Settings {
        presentation: true,
        ..Settings::default()
    };
    let mut harness = app_on("handshake.pcapng", settings);
    assert!(harness.query_by_label("Source → Destination").is_none());
    press(&mut harness, egui::Key::D);
    harness.get_by_label("Source → Destination");
    press(&mut harness, egui::Key::D);
    assert!(harness.query_by_label("Source → Destination").is_none());
}

#[test]
fn a_lesson_on_two_captures_opens_each_at_its_step() {
    let mut harness = ui_support::harness(AppOptions::new(Start::Empty));
    press(&mut harness, egui::Key::L);
    harness
        .get_by_label_contains("Socket.IO is not a WebSocket")
        .click();
    harness.run_steps(2);
    // Steps 1–3 on socketio.pcapng (58 packets), at its polling GET.
    assert_eq!(harness.state().model().packets.len(), 58);
    assert_eq!(harness.state().selected_packet(), Some(6));
    for _ in 0..3 {
        press(&mut harness, egui::Key::N);
    }
    // Step 4: the plain WebSocket client, on socketio-plain-ws.pcapng (31 packets), at its 101.
    harness.get_by_label_contains("A plain WebSocket client at the Socket.IO URL");
    assert_eq!(harness.state().model().packets.len(), 31);
    assert_eq!(harness.state().selected_packet(), Some(5));
    // Back to step 3: socketio.pcapng again, at the EVENT in frame 40.
    press(&mut harness, egui::Key::P);
    assert_eq!(harness.state().model().packets.len(), 58);
    assert_eq!(harness.state().selected_packet(), Some(39));
}
