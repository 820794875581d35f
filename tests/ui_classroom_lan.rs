//! The app in classroom mode (`osiscope classroom`) on a network of its own: two network
//! namespaces joined by a veth pair (see `support/lan.rs`). The app runs in the teacher's
//! namespace with its server on every address; a student's device (the `broadcast` scenario from
//! the student's namespace: three clients in one room) and the teacher's own Connect button (over
//! loopback) both show up in the app's live model, each connection with its own upgrade. The
//! banner tells the teacher which address students open. Needs root (namespaces and capture):
//! without it the test says SKIPPED, as every live test does.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod ui_support;

#[path = "support/lan.rs"]
mod lan;

use std::net::IpAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable as _;
use osiscope::capture::live::Backend;
use osiscope::model::StepKind;
use osiscope::session::LiveSession;
use osiscope::ui::live::classroom_banner;
use osiscope::ui::settings::Settings;
use osiscope::ui::{App, AppOptions, Clock, Start};

use lan::{Lan, PORT, STUDENT, TEACHER, is_root};
use ui_support::{harness_with, poll_until};

/// Set by the outer test for the inner one: the teacher's interface and the student's namespace.
const TEACHER_IF: &str = "OSISCOPE_LAN_TEACHER_IF";
const STUDENT_NS: &str = "OSISCOPE_LAN_STUDENT_NS";
const INNER: &str = "the_app_inside_the_teachers_namespace";

#[test]
fn the_app_in_classroom_mode_shows_the_students_devices_and_the_teachers_own_client() {
    if !is_root() {
        ui_support::skip::skip("network namespaces and live capture need root (CI runs as root)");
        return;
    }
    let lan = Lan::create();
    // This test binary again, inside the teacher's namespace, running only the inner test: a
    // network namespace is chosen when a process (or thread) starts, and the app's threads
    // must all be in the teacher's.
    let me = std::env::current_exe().unwrap();
    let out = Command::new("ip")
        .args(["netns", "exec", &lan.teacher_ns])
        .arg(me)
        .args([INNER, "--exact", "--ignored", "--nocapture"])
        .env(TEACHER_IF, &lan.teacher_if)
        .env(STUDENT_NS, &lan.student_ns)
        .output()
        .unwrap();
    let said = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("1 passed"),
        "the inner test did not run: {said}"
    );
}

/// The inner half of the test above: it needs the namespace that test makes.
#[test]
#[ignore = "run by the test above inside the teacher's network namespace"]
fn the_app_inside_the_teachers_namespace() {
    let teacher_if = std::env::var(TEACHER_IF)
        .unwrap_or_else(|_| panic!("{TEACHER_IF} is not set: the classroom test runs this one"));
    let student_ns = std::env::var(STUDENT_NS).unwrap();
    let listen = format!("0.0.0.0:{PORT}").parse().unwrap();
    let session = LiveSession::start_classroom(listen, &teacher_if, Backend::default())
        .expect("classroom mode starts");
    assert_eq!(session.interfaces(), [teacher_if.clone(), "lo".to_string()]);
    let page = format!("http://{TEACHER}:{PORT}/");
    assert_eq!(session.page_urls(), std::slice::from_ref(&page));
    let banner = classroom_banner(&session);
    for expected in [
        format!("Students open {page} in a browser"),
        format!("osiscope captures {teacher_if} (the students' devices) and lo"),
        format!("WARNING: the bundled server listens on 0.0.0.0:{PORT}"),
        "Everything they send is shown to the class.".to_string(),
    ] {
        assert!(
            banner.text.contains(&expected),
            "{expected:?} in {banner:?}"
        );
    }
    let options = AppOptions {
        clock: Clock::manual(),
        banner: Some(banner),
        live: Some(session),
        ..AppOptions::new(Start::Model {
            model: Box::default(),
            title: "classroom".into(),
        })
    };
    let mut harness = harness_with(Settings::default(), options, [1600.0, 1000.0]);
    harness.get_by_label_contains(&format!("Students open {page}"));

    // The teacher's own client, over loopback.
    harness.get_by_label("Connect").click();
    poll_until(&mut harness, "the teacher's client to connect", |app| {
        app.live_status().is_some_and(|s| s.connected)
    });
    // A student's device: three clients in one room.
    let student = Lan::osiscope(
        &student_ns,
        &[
            "client",
            "--connect",
            &format!("{TEACHER}:{PORT}"),
            "--scenario",
            "broadcast",
        ],
    )
    .output()
    .unwrap();
    assert!(
        student.status.success(),
        "{}",
        String::from_utf8_lossy(&student.stderr)
    );
    let student_ip: IpAddr = STUDENT.parse().unwrap();
    let loopback: IpAddr = "127.0.0.1".parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(upgraded_clients(harness.state(), student_ip) == 3
        && upgraded_clients(harness.state(), loopback) >= 1)
    {
        let app = harness.state();
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the three upgrades from the student's device and the teacher's; connections: {:?}, \
             steps: {:?}, {:?}",
            app.model()
                .connections
                .iter()
                .map(|c| (c.client, c.server))
                .collect::<Vec<_>>(),
            app.model()
                .steps
                .iter()
                .map(|s| (s.stream, s.kind))
                .collect::<Vec<_>>(),
            app.live_status()
        );
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
    let status = harness.state().live_status().unwrap();
    assert!(
        status
            .state
            .starts_with(&format!("capturing on {teacher_if} and lo, port {PORT}")),
        "{status:?}"
    );
    assert_eq!(status.dropped, 0, "{status:?}");
    assert!(
        status
            .log
            .iter()
            .any(|l| l == &format!("connecting to ws://127.0.0.1:{PORT}/ …")),
        "the teacher's client goes over loopback: {status:?}"
    );
}

/// Connections from `ip` whose 101 the app has shown.
fn upgraded_clients(app: &App, ip: IpAddr) -> usize {
    let model = app.model();
    model
        .connections
        .iter()
        .filter(|c| c.client.ip() == ip)
        .filter(|c| {
            model
                .steps
                .iter()
                .any(|s| s.stream == c.id && s.kind == StepKind::UpgradeResponse)
        })
        .count()
}
