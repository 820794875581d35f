//! The ladder with a lane per connection, and acks tied to their events, in the real app through
//! `egui_kittest`: an event and its ACK carry the decode's round trip; the lanes view of a
//! Socket.IO session that polled and then upgraded is headed by its sid with a lane per TCP
//! connection and the upgrade titled; the lanes view of a broadcast has a lane per client, and
//! the message one client sent is seen reaching every lane; in a narrow window the lanes that do
//! not fit are counted; live, the lanes grow as clients connect.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use osiscope::model::{GroupKind, Model};
use osiscope::ui::App;
use osiscope::ui::playback::STEP_SECS;
use osiscope::ui::settings::Settings;
use osiscope::ui::view::LadderMode;
use ui_support::{app_on_bundled, live_app, poll_until};

fn app_on(name: &str) -> Harness<'static, App> {
    app_on_bundled(name, Settings::default(), [1600.0, 1000.0])
}

/// Select the step of packet `number` (as a click on its row in the packet list would).
fn show_packet(harness: &mut Harness<'_, App>, number: u64) {
    for _ in 0..400 {
        let model = harness.state().model();
        if harness.state().current_step().map(|s| model.step_number(s)) == Some(number) {
            harness.state().clock().advance(STEP_SECS + 0.1);
            harness.run_steps(3);
            return;
        }
        harness.key_press(Key::ArrowRight);
        harness.run_steps(1);
        harness.state().clock().advance(STEP_SECS + 0.1);
        harness.run_steps(1);
    }
    panic!("no step for packet {number}");
}

/// The lanes view on, with its key.
fn lanes_on(harness: &mut Harness<'_, App>) {
    harness.key_press(Key::M);
    harness.run_steps(3);
    assert_eq!(harness.state().ladder_mode(), LadderMode::Lanes);
}

/// The step label and time of packet `number`.
fn step_of(model: &Model, number: u64) -> (String, i64) {
    let s = model
        .steps
        .iter()
        .find(|s| model.step_number(s) == number)
        .unwrap();
    (model.step_label(s).into_owned(), model.step_ts_ns(s))
}

#[test]
fn an_event_and_its_ack_are_tied_with_the_round_trip_of_the_capture() {
    let mut harness = app_on("socketio.pcapng");
    // The decode paired the event in #40 with the ACK in #41 (`ack_frame`).
    let (event, event_ts) = step_of(harness.state().model(), 40);
    let (ack, ack_ts) = step_of(harness.state().model(), 41);
    // Under a second, in milliseconds as the narration writes it.
    assert!(ack_ts - event_ts < 1_000_000_000);
    let rtt = format!("{:.3} ms", (ack_ts - event_ts) as f64 / 1e6);
    show_packet(&mut harness, 40);
    harness.get_by_label(&format!("ladder: {event} (ack 0 · {rtt}: answered by #41)"));
    harness.get_by_label(&format!("ladder: {ack} (ack 0 · {rtt}: answers #40)"));
    // Selecting the ACK end, the narration says the same round trip.
    show_packet(&mut harness, 41);
    harness.get_by_label_contains(&format!("the round trip took {rtt}"));
    // Every tie on the ladder is one the decode made: an ACK and its event's frame.
    let ladder = harness.state().ladder();
    assert!(ladder.ties.len() >= 3, "{:?}", ladder.ties);
    let model = harness.state().model();
    for t in &ladder.ties {
        let (e, a) = (&model.steps[t.event_step], &model.steps[t.ack_step]);
        assert_eq!(t.tie.rtt_ns, model.step_ts_ns(a) - model.step_ts_ns(e));
        let sio = model.packets[a.packet_index()]
            .io()
            .iter()
            .find_map(|ev| match ev {
                osiscope::app_proto::engineio::IoEvent::SocketIo(r) if r.ack_frame.is_some() => {
                    r.ack_frame
                }
                _ => None,
            });
        assert_eq!(
            sio,
            Some(model.step_number(e)),
            "the ACK names its event's frame"
        );
    }
}

#[test]
fn a_session_that_polled_then_upgraded_is_one_ladder_named_by_its_sid() {
    let mut harness = app_on("socketio.pcapng");
    show_packet(&mut harness, 23);
    // One connection first: the toggle offers the whole session.
    harness.get_by_label("Whole session (3 connections)");
    lanes_on(&mut harness);
    let model = harness.state().model();
    let sid = model.stream_session(2).unwrap().sid.to_string();
    let group = model.lane_group(2).unwrap();
    assert_eq!(group.kind, GroupKind::Session { sid: sid.clone() });
    harness.get_by_label(&format!("Engine.IO session sid={sid}: 3 TCP connections"));
    let port = |s: u32| model.connection(s).unwrap().client.port();
    harness.get_by_label(&format!(
        "lanes: polling #1 :{}, polling #2 :{}, WebSocket :{}, server {}",
        port(0),
        port(1),
        port(2),
        model.connection(2).unwrap().server
    ));
    harness.get_by_label("This connection only");
    harness.get_by_label("ladder title: Upgrade: long-polling → WebSocket, same sid");
    // The WebSocket request and the held GET's answer, each on its own lane.
    let (ws_get, _) = step_of(model, 23);
    let (noop, _) = step_of(model, 27);
    harness.get_by_label(&format!("ladder: {ws_get} [WebSocket]"));
    harness.get_by_label(&format!("ladder: {noop} [polling #1]"));
    let (probe, _) = step_of(model, 28);
    assert_eq!(probe, "ping probe");
    harness.get_by_label("ladder: ping probe [WebSocket]");
    // All three connections' steps are on the ladder, in capture order.
    let ladder = harness.state().ladder();
    assert_eq!(ladder.lanes, [0, 1, 2]);
    let on_ladder: Vec<u64> = (0..model.steps.len())
        .filter(|&i| ladder.row_of_step(i).is_some())
        .map(|i| model.step_number(&model.steps[i]))
        .collect();
    assert_eq!(
        on_ladder.len(),
        model.steps.len(),
        "every step of the capture"
    );
    assert!(on_ladder.windows(2).all(|w| w[0] < w[1]));
    // And back.
    harness.get_by_label("This connection only").click();
    harness.run_steps(3);
    assert_eq!(harness.state().ladder_mode(), LadderMode::Connection);
    assert_eq!(harness.state().ladder().lanes, [2]);
}

#[test]
fn a_broadcast_has_a_lane_per_client_and_reaches_each() {
    let mut harness = app_on("broadcast.pcapng");
    show_packet(&mut harness, 22);
    harness.get_by_label("All 3 clients");
    lanes_on(&mut harness);
    let model = harness.state().model();
    let server = model.connection(0).unwrap().server;
    harness.get_by_label(&format!("All clients of {server} at the time: 3"));
    let port = |s: u32| model.connection(s).unwrap().client.port();
    harness.get_by_label(&format!(
        "lanes: client 1 :{}, client 2 :{}, client 3 :{}, server {server}",
        port(0),
        port(1),
        port(2)
    ));
    // Client 1 sends; the server relays the text to every client, each on its own lane.
    let (sent, _) = step_of(model, 22);
    harness.get_by_label(&format!("ladder: {sent} [client 1]"));
    for (number, lane) in [(24, "client 2"), (26, "client 1"), (27, "client 3")] {
        let (relayed, _) = step_of(model, number);
        assert!(relayed.contains("client 1: Who is"), "{relayed}");
        harness.get_by_label(&format!("ladder: {relayed} [{lane}]"));
    }
}

#[test]
fn lanes_that_do_not_fit_are_counted_in_the_heading() {
    let settings = Settings {
        presentation: true,
        ..Settings::default()
    };
    let mut harness = app_on_bundled(
        "sio_node4_polling_upgrade.pcapng",
        settings,
        [1280.0, 720.0],
    );
    show_packet(&mut harness, 33);
    lanes_on(&mut harness);
    let ladder = harness.state().ladder();
    let group = ladder.group.clone().unwrap();
    let hidden = ladder.lanes_hidden();
    assert_eq!(hidden, group.lanes.len() - ladder.lanes.len());
    assert!(
        hidden > 0,
        "five connections do not fit at 1280 in presentation mode"
    );
    harness.get_by_label_contains(&format!("({hidden} more: too narrow to draw)"));
    // The chosen connection's lane is drawn.
    let chosen = harness.state().current_step().unwrap().stream;
    assert!(harness.state().ladder().lanes.contains(&chosen));
}

#[test]
fn a_sessions_three_connections_all_fit_a_projector_at_1280() {
    let settings = Settings {
        presentation: true,
        ..Settings::default()
    };
    let mut harness = app_on_bundled("socketio.pcapng", settings, [1280.0, 720.0]);
    show_packet(&mut harness, 25);
    lanes_on(&mut harness);
    let ladder = harness.state().ladder();
    let group = ladder.group.clone().unwrap();
    assert_eq!(group.lanes.len(), 3);
    assert_eq!(ladder.lanes.len(), 3, "every lane of the session is drawn");
    assert_eq!(ladder.lanes_hidden(), 0);
    assert!(
        harness
            .query_by_label_contains("too narrow to draw")
            .is_none()
    );
}

#[test]
fn live_the_lanes_grow_as_clients_join() {
    let Some(mut harness) = live_app(Settings::default(), [1600.0, 1000.0]) else {
        return;
    };
    lanes_on(&mut harness);
    harness.get_by_label("Scenarios").click();
    harness.run_steps(2);
    harness.get_by_label("broadcast").click();
    harness.run_steps(2);
    poll_until(&mut harness, "three client lanes", |app| {
        app.ladder().lanes.len() >= 3
    });
    let app = harness.state();
    let group = app.ladder().group.clone().unwrap();
    assert_eq!(group.kind, GroupKind::Clients);
    for l in &group.lanes {
        assert_eq!(
            app.model().connection(l.stream).unwrap().server,
            group.server
        );
    }
}
