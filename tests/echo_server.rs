//! The echo server against real clients (tokio-tungstenite) and bad input: every scenario, the
//! HTTP answers, a half-sent handshake, an oversized frame, 200 concurrent clients, shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/echo.rs"]
mod echo_support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::time::Duration;

use echo_support::{poll_until, raw_exchange, server};
use osiscope::echo::client::{Scenario, closed_port, run_scenario};
use osiscope::echo::{DemoClient, DemoEvent, EchoConfig, EchoError, EchoServer};
use tokio_tungstenite::tungstenite;

#[test]
fn every_scenario_runs_against_the_server() {
    let srv = server();
    for scenario in Scenario::ALL {
        let addr = if scenario == Scenario::Refused {
            closed_port(srv.local_addr().ip()).unwrap()
        } else {
            srv.local_addr()
        };
        let report = run_scenario(addr, scenario).unwrap_or_else(|e| panic!("{scenario:?}: {e}"));
        let counts = (report.sent, report.received);
        match scenario {
            // The server speaks first: five pushes, nothing sent.
            Scenario::Push => assert_eq!(counts, (0, 5)),
            // Three members each say one line; each line reaches all three.
            Scenario::Broadcast => assert_eq!(counts, (3, 9)),
            // The server's Close comes before anything else.
            Scenario::ServerClose => assert_eq!(counts, (0, 0)),
            // CONNECT / and /admin, chat, binary, stats, DISCONNECT /admin and /; the answers
            // come with the server's own welcome and ticks, so at least one each.
            Scenario::SocketIo | Scenario::SocketIoWs => {
                assert_eq!(report.sent, 7, "{report:?}");
                assert!(report.received >= 7, "{report:?}");
            }
            // Two CONNECTs, one chat, two DISCONNECTs; the broadcast reaches both.
            Scenario::SocketIoBroadcast => {
                assert_eq!(report.sent, 5, "{report:?}");
                assert!(report.received >= 5, "{report:?}");
            }
            // The hello; then, on each connection, the open packet, pings, the end.
            Scenario::SocketIoPlainWs => {
                assert_eq!(report.sent, 1, "{report:?}");
                assert!(report.received >= 4, "{report:?}");
            }
            _ => assert_eq!(report.sent, report.received, "{scenario:?}: {report:?}"),
        }
        match scenario {
            Scenario::CloseCodes => assert_eq!(report.close_codes, [1000, 1001, 4000]),
            Scenario::Rejected => assert_eq!(report.http_status, Some(404)),
            Scenario::Refused => assert!(report.client_ports.is_empty()),
            Scenario::Broadcast => assert_eq!(report.close_codes, [1000, 1000, 1000]),
            Scenario::ServerClose => assert_eq!(report.close_codes, [4000]),
            Scenario::SocketIoBroadcast => assert_eq!(report.close_codes, [1000, 1000]),
            // The server drops it: its Close carries no code.
            Scenario::SocketIoPlainWs => assert!(report.close_codes.is_empty(), "{report:?}"),
            _ => assert_eq!(report.close_codes, [1000], "{scenario:?}"),
        }
    }
    poll_until("every connection to end", || {
        srv.stats().active.load(Ordering::Relaxed) == 0
    });
    srv.shutdown();
}

#[test]
fn a_taken_port_is_one_clear_error() {
    let srv = server();
    let err = EchoServer::start(EchoConfig {
        listen: srv.local_addr(),
        ..EchoConfig::default()
    })
    .unwrap_err();
    assert!(matches!(err, EchoError::AddrInUse { .. }), "{err:?}");
    assert!(err.to_string().contains("already in use"));
    assert!(err.fix().unwrap().contains("--listen"));
    let err = EchoServer::start(EchoConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..EchoConfig::default()
    })
    .unwrap_err();
    assert!(matches!(err, EchoError::NotLoopback { .. }));
}

#[test]
fn plain_get_gets_the_page_and_bad_requests_get_http_errors() {
    let srv = server();
    let addr = srv.local_addr();
    let page = raw_exchange(addr, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
    assert!(page.contains("Everything you send here is shown to the whole class."));
    assert!(
        raw_exchange(
            addr,
            b"\x17\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n"
        )
        .starts_with("HTTP/1.1 400")
    );
    assert!(raw_exchange(addr, b"POST / HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 405"));
    let old = b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n";
    let answer = raw_exchange(addr, old);
    assert!(
        answer.starts_with("HTTP/1.1 426") && answer.contains("Sec-WebSocket-Version: 13"),
        "{answer}"
    );
    // Garbage with no end of head: the server answers once it has read too much.
    assert!(raw_exchange(addr, &[b'x'; 9000]).starts_with("HTTP/1.1 4"));
    srv.shutdown();
}

#[test]
fn a_half_sent_handshake_times_out_and_others_are_served() {
    let srv = EchoServer::start(EchoConfig {
        handshake_timeout: Duration::from_millis(300),
        ..EchoConfig::ephemeral()
    })
    .unwrap();
    let mut half = TcpStream::connect(srv.local_addr()).unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nUpgr")
        .unwrap();
    run_scenario(srv.local_addr(), Scenario::Chat).unwrap();
    half.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        half.read(&mut buf).unwrap(),
        0,
        "the server closes the half-open handshake"
    );
    srv.shutdown();
}

#[test]
fn an_oversized_frame_is_closed_with_1009() {
    use tungstenite::protocol::frame::coding::CloseCode;
    let srv = EchoServer::start(EchoConfig {
        max_message_bytes: 1024,
        ..EchoConfig::ephemeral()
    })
    .unwrap();
    let (mut ws, _) = tungstenite::connect(format!("ws://{}/", srv.local_addr())).unwrap();
    ws.send(tungstenite::Message::binary(vec![7u8; 4096]))
        .unwrap();
    match ws.read() {
        Ok(tungstenite::Message::Close(Some(f))) => assert_eq!(f.code, CloseCode::Size),
        other => panic!("expected close 1009, got {other:?}"),
    }
    srv.shutdown();
}

#[test]
fn two_hundred_concurrent_clients() {
    let srv = server();
    let addr = srv.local_addr();
    let clients: Vec<_> = (0..200)
        .map(|i| {
            std::thread::Builder::new()
                .name(format!("client-{i}"))
                .spawn(move || {
                    let (mut ws, _) = tungstenite::connect(format!("ws://{addr}/echo")).unwrap();
                    for n in 0..5 {
                        let text = format!("client {i} message {n}");
                        ws.send(tungstenite::Message::text(text.clone())).unwrap();
                        assert_eq!(ws.read().unwrap(), tungstenite::Message::text(text));
                    }
                    ws.close(None).unwrap();
                    while ws.read().is_ok() {}
                })
                .unwrap()
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    assert_eq!(srv.stats().messages_echoed.load(Ordering::Relaxed), 1000);
    poll_until("every connection to end", || {
        srv.stats().active.load(Ordering::Relaxed) == 0
    });
    srv.shutdown();
}

#[test]
fn connections_beyond_the_limit_get_503() {
    let srv = EchoServer::start(EchoConfig {
        max_connections: 1,
        ..EchoConfig::ephemeral()
    })
    .unwrap();
    let (_ws, _) = tungstenite::connect(format!("ws://{}/", srv.local_addr())).unwrap();
    poll_until("the first connection", || {
        srv.stats().active.load(Ordering::Relaxed) == 1
    });
    let answer = raw_exchange(srv.local_addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    srv.shutdown();
}

#[test]
fn shutdown_closes_open_connections_with_1001() {
    let srv = server();
    let (mut ws, _) = tungstenite::connect(format!("ws://{}/", srv.local_addr())).unwrap();
    poll_until("the connection", || {
        srv.stats().active.load(Ordering::Relaxed) == 1
    });
    let stopper = std::thread::Builder::new()
        .name("stopper".into())
        .spawn(move || srv.shutdown())
        .unwrap();
    match ws.read() {
        Ok(tungstenite::Message::Close(Some(f))) => assert_eq!(u16::from(f.code), 1001),
        other => panic!("expected close 1001, got {other:?}"),
    }
    while ws.read().is_ok() {}
    stopper.join().unwrap();
}

#[test]
fn the_demo_client_is_driven_step_by_step() {
    let srv = server();
    let demo = DemoClient::connect(srv.local_addr()).unwrap();
    let next = || demo.next_event(Duration::from_secs(5)).expect("an event");
    assert!(matches!(next(), DemoEvent::Connected { .. }));
    demo.send_text("hi").unwrap();
    assert!(matches!(next(), DemoEvent::Received(t) if t == "hi"));
    demo.send_binary(vec![1, 2, 3]).unwrap();
    assert!(matches!(next(), DemoEvent::Received(t) if t == "3 bytes"));
    demo.ping(b"p".to_vec()).unwrap();
    assert!(matches!(next(), DemoEvent::Pong(1)));
    demo.close(4001, "teacher pressed close").unwrap();
    assert!(matches!(
        next(),
        DemoEvent::Closed {
            code: Some(4001),
            client_started: true
        }
    ));
    srv.shutdown();
}

#[test]
fn the_demo_client_receives_pushes_and_answers_server_pings() {
    let srv = server();
    let push = DemoClient::connect_to(srv.local_addr(), "/push?interval_ms=10&count=3").unwrap();
    let next = || push.next_event(Duration::from_secs(5)).expect("an event");
    assert!(matches!(next(), DemoEvent::Connected { .. }));
    for want in ["tick 1: ", "tick 2: ", "news 1: "] {
        assert!(
            matches!(next(), DemoEvent::Received(t) if t.starts_with(want)),
            "{want}"
        );
    }
    let pinged =
        DemoClient::connect_to(srv.local_addr(), "/server-ping?interval_ms=10&count=2").unwrap();
    let next = || pinged.next_event(Duration::from_secs(5)).expect("an event");
    assert!(matches!(next(), DemoEvent::Connected { .. }));
    // "server ping 1" and "server ping 2": 13 bytes each.
    assert!(matches!(next(), DemoEvent::PingAnswered(13)));
    assert!(matches!(next(), DemoEvent::PingAnswered(13)));
    srv.shutdown();
}
