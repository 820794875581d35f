//! The server's own-initiative endpoints against real clients (tungstenite) and bad input:
//! `/push` sends before the client says anything, `/broadcast` relays every message of 200
//! members to all 200 with none lost, a broadcast message over the room's limit is closed with
//! 1009, a member that stops reading is closed with 1013 once it is a whole relay queue behind
//! (the others go on), and garbage on every endpoint gets an HTTP error that says what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/echo.rs"]
mod echo_support;

use std::collections::BTreeSet;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use echo_support::{poll_until, raw_exchange, server};
use osiscope::echo::rooms::{MAX_BROADCAST_MESSAGE_BYTES, RELAY_QUEUE, TOO_SLOW_REASON};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{self, Message, WebSocket};

fn upgrade(target: &str) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn push_sends_before_the_client_says_anything() {
    let srv = server();
    let (mut ws, _) = tungstenite::connect(format!(
        "ws://{}/push?interval_ms=20&count=4",
        srv.local_addr()
    ))
    .unwrap();
    let texts: Vec<String> = (0..4)
        .map(|_| match ws.read().unwrap() {
            Message::Text(t) => t.to_string(),
            other => panic!("expected a pushed text, got {other:?}"),
        })
        .collect();
    assert!(texts[0].starts_with("tick 1: "), "{texts:?}");
    assert!(texts[1].starts_with("tick 2: "), "{texts:?}");
    assert!(texts[2].starts_with("news 1: "), "{texts:?}");
    assert!(texts[3].starts_with("tick 4: "), "{texts:?}");
    assert_eq!(srv.stats().messages_pushed.load(Ordering::Relaxed), 4);
    // The push endpoint echoes what the client sends.
    ws.send(Message::text("still there?")).unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("still there?"));
    ws.close(None).unwrap();
    while ws.read().is_ok() {}
    srv.shutdown();
}

#[test]
fn two_hundred_members_of_one_room_each_receive_every_message() {
    const MEMBERS: usize = 200;
    const EACH: usize = 3;
    let srv = server();
    let addr = srv.local_addr();
    let joined = Arc::new(Barrier::new(MEMBERS + 1));
    let clients: Vec<_> = (0..MEMBERS)
        .map(|i| {
            let joined = Arc::clone(&joined);
            std::thread::Builder::new()
                .name(format!("member-{i}"))
                .spawn(move || {
                    let (mut ws, _) =
                        tungstenite::connect(format!("ws://{addr}/broadcast?room=big")).unwrap();
                    joined.wait(); // every member is in the room before anyone speaks
                    for n in 0..EACH {
                        ws.send(Message::text(format!("member {i} line {n}")))
                            .unwrap();
                    }
                    let mut got = Vec::new();
                    while got.len() < MEMBERS * EACH {
                        match ws.read().unwrap() {
                            Message::Text(t) => got.push(t.to_string()),
                            other => panic!("member {i}: expected relayed text, got {other:?}"),
                        }
                    }
                    ws.close(None).unwrap();
                    while ws.read().is_ok() {}
                    got
                })
                .unwrap()
        })
        .collect();
    joined.wait();
    assert_eq!(srv.room_members("big"), MEMBERS);
    let want: BTreeSet<String> = (0..MEMBERS)
        .flat_map(|i| (0..EACH).map(move |n| format!("member {i} line {n}")))
        .collect();
    for (i, c) in clients.into_iter().enumerate() {
        let got = c.join().unwrap();
        // "client K: member I line N": K is the sender's number in the room.
        let lines: Vec<String> = got
            .iter()
            .map(|t| {
                let (who, line) = t.split_once(": ").unwrap();
                assert!(who.starts_with("client "), "{t}");
                line.to_string()
            })
            .collect();
        let distinct: BTreeSet<String> = lines.iter().cloned().collect();
        assert_eq!(lines.len(), distinct.len(), "member {i} got a duplicate");
        assert_eq!(distinct, want, "member {i} missed a message");
    }
    assert_eq!(
        srv.stats().messages_relayed.load(Ordering::Relaxed),
        (MEMBERS * EACH) as u64
    );
    poll_until("every member to leave", || srv.room_members("big") == 0);
    srv.shutdown();
}

#[test]
fn a_broadcast_message_over_the_room_limit_is_closed_with_1009() {
    let srv = server();
    let (mut ws, _) =
        tungstenite::connect(format!("ws://{}/broadcast?room=r", srv.local_addr())).unwrap();
    ws.send(Message::binary(vec![1u8; MAX_BROADCAST_MESSAGE_BYTES + 1]))
        .unwrap();
    match ws.read() {
        Ok(Message::Close(Some(f))) => assert_eq!(u16::from(f.code), 1009),
        other => panic!("expected close 1009, got {other:?}"),
    }
    srv.shutdown();
}

#[test]
fn a_member_that_stops_reading_is_closed_with_1013_and_the_room_goes_on() {
    let srv = server();
    let addr = srv.local_addr();
    let url = format!("ws://{addr}/broadcast?room=slow");
    // This member never reads until the server has given up on it.
    let (mut slow, _) = tungstenite::connect(&url).unwrap();
    // The sender keeps up: a second handle on its socket reads every relay it gets back.
    let stream = TcpStream::connect(addr).unwrap();
    let reading = stream.try_clone().unwrap();
    let (mut sender, _) = tungstenite::client(url.as_str(), stream).unwrap();
    let reader = std::thread::Builder::new()
        .name("sender-reads".into())
        .spawn(move || {
            let mut ws = WebSocket::from_raw_socket(reading, Role::Client, None);
            let mut relays = 0usize;
            while let Ok(m) = ws.read() {
                match m {
                    Message::Binary(_) => relays += 1,
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            relays
        })
        .unwrap();
    let payload = vec![7u8; 16 * 1024];
    let mut sent = 0;
    while srv.stats().members_too_slow.load(Ordering::Relaxed) == 0 {
        assert!(
            sent < 20 * RELAY_QUEUE,
            "a member that never reads was never closed"
        );
        sender.send(Message::binary(payload.clone())).unwrap();
        sent += 1;
    }
    assert!(sent >= RELAY_QUEUE, "closed after only {sent} messages");
    // Now it reads: the relays its socket held, then the server's Close.
    let mut relays = 0;
    let close = loop {
        match slow.read().unwrap() {
            Message::Binary(_) => relays += 1,
            Message::Close(frame) => break frame.unwrap(),
            other => panic!("expected relays then a Close, got {other:?}"),
        }
    };
    assert_eq!(u16::from(close.code), 1013);
    assert_eq!(close.reason.as_str(), TOO_SLOW_REASON);
    assert!(relays < sent, "it got all {sent}: it was not behind");
    poll_until("the slow member to leave", || srv.room_members("slow") == 1);
    // The sender was never behind: it is still served, and got every relay.
    sender.send(Message::text("still here")).unwrap();
    sender.close(None).unwrap();
    assert_eq!(reader.join().unwrap(), sent);
    assert_eq!(srv.stats().members_too_slow.load(Ordering::Relaxed), 1);
    srv.shutdown();
}

#[test]
fn garbage_on_every_endpoint_gets_a_clear_http_error() {
    let srv = server();
    let addr = srv.local_addr();
    for path in [
        "/push",
        "/broadcast",
        "/duplex",
        "/server-ping",
        "/server-close",
    ] {
        let plain = raw_exchange(
            addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
        assert!(
            plain.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
            "{plain}"
        );
        assert!(
            plain.ends_with(&format!(
                "426 Upgrade Required: {path} speaks WebSocket only: connect a WebSocket client to it\n"
            )),
            "{plain}"
        );
        let post = raw_exchange(
            addr,
            format!("POST {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
        assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
        let old = String::from_utf8(upgrade(path))
            .unwrap()
            .replace("Version: 13", "Version: 8");
        let answer = raw_exchange(addr, old.as_bytes());
        assert!(answer.starts_with("HTTP/1.1 426 "), "{answer}");
        let unknown = raw_exchange(addr, &upgrade(&format!("{path}?colour=red")));
        assert!(
            unknown.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{unknown}"
        );
        assert!(
            unknown.contains(&format!("{path} takes no parameter \"colour\"")),
            "{unknown}"
        );
        let mut bytes = format!("GET {path}").into_bytes();
        bytes.extend_from_slice(b"\x00\xff\x16\x03 junk\r\n\r\n");
        assert!(raw_exchange(addr, &bytes).starts_with("HTTP/1.1 400 "));
        // And a good upgrade is accepted.
        let good = raw_exchange_until_101(addr, &upgrade(path));
        assert!(good.starts_with("HTTP/1.1 101 "), "{path}: {good}");
    }
    // The browser page's files: GET only, and the same 400 for garbage.
    for path in ["/", "/index.html", "/chat.js", "/socket.io.min.js"] {
        let get = raw_exchange(
            addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
        assert!(get.starts_with("HTTP/1.1 200 OK\r\n"), "{path}");
        let post = raw_exchange(
            addr,
            format!("PUT {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
        assert!(
            post.starts_with("HTTP/1.1 405 ") && post.contains("Allow: GET\r\n"),
            "{post}"
        );
        let mut bytes = format!("GET {path}").into_bytes();
        bytes.extend_from_slice(b"\x00\xff junk\r\n\r\n");
        assert!(
            raw_exchange(addr, &bytes).starts_with("HTTP/1.1 400 "),
            "{path}"
        );
    }
    for (target, says) in [
        (
            "/push?interval_ms=soon",
            "interval_ms=\"soon\" is not a whole number of milliseconds from 10 to 60000",
        ),
        (
            "/duplex?count=-1",
            "count=\"-1\" is not a whole number from 1 to 10000",
        ),
        (
            "/server-ping?count=1&count=1",
            "parameter count is given twice",
        ),
        (
            "/broadcast?room=%3Cscript%3E",
            "room=\"%3Cscript%3E\" is not 1 to 32 letters, digits, '-' or '_'",
        ),
    ] {
        let answer = raw_exchange(addr, &upgrade(target));
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
        assert!(
            answer.ends_with(&format!("400 Bad Request: {says}\n")),
            "{answer}"
        );
    }
    srv.shutdown();
}

/// Read the answer head only (an accepted upgrade stays open).
fn raw_exchange_until_101(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut chunk = [0u8; 512];
    while !out.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = s.read(&mut chunk).unwrap();
        assert!(n > 0, "the server closed before answering");
        out.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}
