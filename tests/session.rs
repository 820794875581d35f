//! `session`: the live session the app drives and `osiscope record`, through the library and
//! without the app (these tests build and run with `--no-default-features` too: see
//! `.ci/run`). Live capture needs CAP_NET_RAW (CI runs as root); without it each test says
//! SKIPPED.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/skip.rs"]
mod skip;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use osiscope::capture::FileReader;
use osiscope::capture::live::Backend;
use osiscope::echo::Scenario;
use osiscope::model::{Model, StepKind};
use osiscope::pipeline::process_all;
use osiscope::session::{LiveCommand, LiveSession, RecordOptions, SessionError, record};

const ANY_PORT: &str = "127.0.0.1:0";

fn start_or_skip(listen: SocketAddr) -> Option<LiveSession> {
    match LiveSession::start(listen) {
        Ok(s) => Some(s),
        Err(e) if e.is_permission_denied() => {
            skip::skip(&format!(
                "live capture needs CAP_NET_RAW (run as root, as CI does): {e}"
            ));
            None
        }
        Err(e) => panic!("the live session did not start: {e}"),
    }
}

fn kinds(model: &Model) -> Vec<StepKind> {
    model.steps.iter().map(|s| s.kind).collect()
}

/// Poll the session into `model` until `done` holds (10 s at most); errors fail the test.
fn poll_until(
    session: &mut LiveSession,
    model: &mut Model,
    what: &str,
    done: impl Fn(&Model, &LiveSession) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(model, session) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:?}",
            kinds(model)
        );
        let polled = session.poll();
        assert!(polled.errors.is_empty(), "{:?}", polled.errors);
        for update in polled.updates {
            update.apply_to(model);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_live_session_drives_the_demo_client_and_saves_what_it_captured() {
    let Some(mut session) = start_or_skip(ANY_PORT.parse().unwrap()) else {
        return;
    };
    assert!(session.status().state.starts_with("capturing on lo, port "));
    // Before Connect a command says what to do.
    let e = session.command(&LiveCommand::Ping).unwrap_err();
    assert!(matches!(e, SessionError::NotConnected), "{e:?}");
    assert_eq!(e.fix().as_deref(), Some("Press Connect first."));

    let mut model = Model::new();
    session.command(&LiveCommand::Connect).unwrap();
    poll_until(&mut session, &mut model, "the client to connect", |_, s| {
        s.status().connected
    });
    session
        .command(&LiveCommand::SendText("hi".into()))
        .unwrap();
    poll_until(
        &mut session,
        &mut model,
        "the text frame and its echo",
        |m, _| {
            kinds(m)
                .iter()
                .filter(|k| **k == StepKind::WsFrame { opcode: 1 })
                .count()
                >= 2
        },
    );
    // A scenario to the closed port: the SYN is answered by RST, captured too.
    session
        .command(&LiveCommand::Scenario(Scenario::Refused))
        .unwrap();
    poll_until(
        &mut session,
        &mut model,
        "the refused connection",
        |m, s| !s.status().busy && kinds(m).contains(&StepKind::Rst),
    );
    assert!(
        session
            .status()
            .log
            .iter()
            .any(|l| l.starts_with("scenario refused: done"))
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.pcapng");
    let report = session.save_pcapng(&path).unwrap();
    assert_eq!(report.frames_left_out, 0);
    let saved = process_all(FileReader::open(&path).unwrap());
    assert!(saved.errors.is_empty());
    assert_eq!(saved.packets.len() as u64, report.frames_written);
    // Everything the app was shown is in the file, in the same order.
    assert!(saved.packets.len() >= model.packets.len());
    assert_eq!(kinds(&saved)[..model.steps.len()], kinds(&model)[..]);
    // The handshake in order (pure ACKs may come between).
    let mut rest = saved.steps.iter().map(|s| s.kind);
    for wanted in [
        StepKind::Syn,
        StepKind::SynAck,
        StepKind::HandshakeAck,
        StepKind::UpgradeRequest,
        StepKind::UpgradeResponse,
    ] {
        assert!(
            rest.any(|k| k == wanted),
            "{wanted:?} in {:?}",
            kinds(&saved)
        );
    }
}

#[test]
fn a_taken_port_moves_the_server_and_says_so() {
    let Some(first) = start_or_skip(ANY_PORT.parse().unwrap()) else {
        return;
    };
    assert_eq!(first.port_moved(), None);
    let taken = first.server_addr();
    let second = start_or_skip(taken).unwrap();
    let moved = second.port_moved().expect("the port was taken");
    assert_eq!(moved.wanted, taken);
    assert_eq!(moved.got, second.server_addr());
    assert_ne!(second.server_addr(), taken);
}

#[test]
fn record_writes_a_scenario_to_pcapng_with_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("chat.pcapng");
    let report = match record(&RecordOptions {
        output: output.clone(),
        scenario: Scenario::Chat,
        listen: ANY_PORT.parse().unwrap(),
        interface: "lo".into(),
        backend: Backend::default(),
    }) {
        Ok(r) => r,
        Err(e) if e.is_permission_denied() => {
            skip::skip(&format!(
                "recording needs CAP_NET_RAW (run as root, as CI does): {e}"
            ));
            return;
        }
        Err(e) => panic!("record failed: {e}"),
    };
    assert_eq!(report.stats.total_dropped(), 0);
    let model = process_all(FileReader::open(&output).unwrap());
    assert_eq!(model.packets.len() as u64, report.frames_written);
    assert_eq!(model.connections.len(), 1);
    let kinds = kinds(&model);
    assert_eq!(kinds.first(), Some(&StepKind::Syn));
    assert!(kinds.contains(&StepKind::UpgradeResponse));
    let texts = kinds
        .iter()
        .filter(|k| **k == StepKind::WsFrame { opcode: 1 })
        .count();
    assert_eq!(texts, 2 * report.scenario.sent, "each message and its echo");
}

#[test]
fn a_taken_port_is_an_error_for_record_with_the_fix() {
    let busy = std::net::TcpListener::bind(ANY_PORT).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = record(&RecordOptions {
        output: dir.path().join("x.pcapng"),
        scenario: Scenario::Handshake,
        listen: busy.local_addr().unwrap(),
        interface: "lo".into(),
        backend: Backend::default(),
    })
    .unwrap_err();
    assert!(matches!(e, SessionError::Server(_)), "{e:?}");
    let port = busy.local_addr().unwrap().port();
    assert!(
        e.fix().unwrap().contains(&format!("port {port}")),
        "{:?}",
        e.fix()
    );
    assert!(!dir.path().join("x.pcapng").exists(), "nothing is written");
}
