//! The bundled server's Socket.IO endpoint (`/socket.io/` on the echo port) against raw HTTP and
//! raw WebSocket peers: the Engine.IO open packet, garbage and wrong requests answered with clear
//! HTTP errors, an oversize payload, a polling client that never comes back (its session is
//! freed), and hundreds of Socket.IO clients receiving one broadcast.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use osiscope::echo::{EchoConfig, EchoServer, EchoServerHandle, SocketIoTimings};
use tokio_tungstenite::tungstenite::Message;

fn server() -> EchoServerHandle {
    EchoServer::start(EchoConfig::ephemeral()).unwrap()
}

/// One HTTP/1.1 request (with `Connection: close`): the status and the body.
fn http(addr: SocketAddr, method: &str, uri: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let head = format!(
        "{method} {uri} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The Engine.IO open packet's session id, from a polling handshake.
fn open_session(addr: SocketAddr) -> String {
    let (status, body) = http(addr, "GET", "/socket.io/?EIO=4&transport=polling", b"");
    assert_eq!(status, 200, "{body}");
    let open: serde_json::Value = serde_json::from_str(body.strip_prefix('0').unwrap()).unwrap();
    open["sid"].as_str().unwrap().to_string()
}

fn poll_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn polling_handshake_opens_a_session_with_the_demo_timings() {
    let srv = server();
    let (status, body) = http(
        srv.local_addr(),
        "GET",
        "/socket.io/?EIO=4&transport=polling",
        b"",
    );
    assert_eq!(status, 200);
    let open: serde_json::Value = serde_json::from_str(body.strip_prefix('0').unwrap()).unwrap();
    let timings = EchoConfig::default().socketio;
    assert_eq!(open["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(
        open["pingInterval"],
        timings.ping_interval.as_millis() as u64
    );
    assert_eq!(open["pingTimeout"], timings.ping_timeout.as_millis() as u64);
    assert_eq!(open["maxPayload"], timings.max_payload_bytes);
    // The WebSocket echo on the same port is untouched.
    let (mut ws, _) =
        tokio_tungstenite::tungstenite::connect(format!("ws://{}/", srv.local_addr())).unwrap();
    ws.send(Message::text("still an echo")).unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("still an echo"));
    srv.shutdown();
}

#[test]
fn garbage_and_wrong_requests_on_socket_io_get_clear_http_errors() {
    let srv = server();
    let addr = srv.local_addr();
    let cases: [(&str, &str, &[u8], u16, &str); 7] = [
        ("GET", "/socket.io/", b"", 400, "Transport unknown"),
        (
            "GET",
            "/socket.io/?EIO=9&transport=polling",
            b"",
            400,
            "Unsupported protocol version",
        ),
        (
            "GET",
            "/socket.io/?EIO=4&transport=carrier-pigeon",
            b"",
            400,
            "Transport unknown",
        ),
        (
            "GET",
            "/socket.io/?EIO=4&transport=polling&sid=nobody",
            b"",
            400,
            "Session ID unknown",
        ),
        (
            "POST",
            "/socket.io/?EIO=4&transport=polling&sid=nobody",
            b"40",
            400,
            "Session ID unknown",
        ),
        ("GET", "/socket.io/elsewhere", b"", 400, "Transport unknown"),
        (
            "DELETE",
            "/socket.io/?EIO=4&transport=polling",
            b"",
            400,
            "",
        ),
    ];
    for (method, uri, body, want, says) in cases {
        let (status, text) = http(addr, method, uri, body);
        assert_eq!(status, want, "{method} {uri}: {text}");
        assert!(text.contains(says), "{method} {uri}: {text}");
    }
    // Not HTTP at all, aimed at the Socket.IO path: the head parser answers before routing.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"\x17\x03\x01 /socket.io/ \x00\x01\r\n\r\n")
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(
        out.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    // Garbage packets in a real session's POST body: refused, and the server still serves.
    let sid = open_session(addr);
    let (status, text) = http(
        addr,
        "POST",
        &format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
        b"\xff\xfenot engine.io",
    );
    assert!((400..500).contains(&status), "{status} {text}");
    open_session(addr);
    srv.shutdown();
}

#[test]
fn an_oversize_payload_is_refused_and_the_server_keeps_serving() {
    let srv = server();
    let addr = srv.local_addr();
    let max = EchoConfig::default().socketio.max_payload_bytes as usize;
    let sid = open_session(addr);
    let big = format!("42[\"chat\",\"{}\"]", "x".repeat(max + 10));
    let (status, text) = http(
        addr,
        "POST",
        &format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
        big.as_bytes(),
    );
    assert_eq!(status, 413, "{text}");
    // Over WebSocket: the oversize message ends that connection, and only that one.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let open = ws.next().await.unwrap().unwrap();
        assert!(open.to_text().unwrap().starts_with("0{"), "{open:?}");
        ws.send(Message::text(big)).await.unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match ws.next().await {
                    None | Some(Err(_) | Ok(Message::Close(_))) => return,
                    Some(Ok(_)) => {}
                }
            }
        })
        .await;
        assert!(
            ended.is_ok(),
            "the oversize WebSocket message did not end the connection"
        );
    });
    open_session(addr);
    srv.shutdown();
}

#[test]
fn a_polling_client_that_never_comes_back_is_freed() {
    // Timings long enough that a loaded test machine sees the socket connected before the
    // missing pong frees it (with the 1 s + 1.5 s demo timings it could be gone already).
    let timings = SocketIoTimings {
        ping_interval: Duration::from_secs(3),
        ping_timeout: Duration::from_secs(3),
        tick_interval: None,
        ..SocketIoTimings::default()
    };
    let srv = EchoServer::start(EchoConfig {
        socketio: timings,
        ..EchoConfig::ephemeral()
    })
    .unwrap();
    let addr = srv.local_addr();
    let sid = open_session(addr);
    let uri = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    assert_eq!(http(addr, "POST", &uri, b"40").0, 200);
    // Packets of a polling body are separated by \x1e. A GET may be answered with a ping
    // alone before the CONNECT answer is queued: poll again, as a real client does.
    let mut bodies = String::new();
    for _ in 0..5 {
        let (status, body) = http(addr, "GET", &uri, b"");
        assert_eq!(status, 200, "{body}");
        bodies.push_str(&body);
        bodies.push('\x1e');
        if body.split('\x1e').any(|p| p.starts_with("40{\"sid\":")) {
            break;
        }
    }
    assert!(
        bodies.split('\x1e').any(|p| p.starts_with("40{\"sid\":")),
        "{bodies}"
    );
    poll_until("the socket to connect", Duration::from_secs(5), || {
        srv.socketio_clients() == 1
    });
    // The client now vanishes: no GET, so no pong. The server closes the session after its
    // ping interval and timeout, and forgets the sid.
    let limit = (timings.ping_interval + timings.ping_timeout) * 3;
    poll_until("the session to be freed", limit, || {
        srv.socketio_clients() == 0
    });
    let (status, body) = http(addr, "GET", &uri, b"");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Session ID unknown"), "{body}");
    srv.shutdown();
}

#[test]
fn three_hundred_socket_io_clients_all_receive_one_broadcast() {
    const CLIENTS: usize = 300;
    // Production timings: the clients are read one after the other, so a 1 s ping would find
    // most of them not answering yet (that is the next test's subject, not this one's).
    let srv = EchoServer::start(EchoConfig {
        socketio: SocketIoTimings {
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            tick_interval: None,
            ..SocketIoTimings::default()
        },
        ..EchoConfig::ephemeral()
    })
    .unwrap();
    let addr = srv.local_addr();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut sockets = Vec::with_capacity(CLIENTS);
        for _ in 0..CLIENTS {
            let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
            let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
            ws.send(Message::text("40")).await.unwrap();
            sockets.push(ws);
        }
        // Each one reads its open packet and its CONNECT answer.
        for ws in &mut sockets {
            let mut connected = false;
            while !connected {
                let text = next_text(ws).await;
                connected = text.starts_with("40{");
            }
        }
        assert_eq!(srv.socketio_clients(), CLIENTS);
        let first = sockets.first_mut().unwrap();
        first
            .send(Message::text(r#"421["chat","hello, everyone"]"#))
            .await
            .unwrap();
        for (i, ws) in sockets.iter_mut().enumerate() {
            let mut got_chat = false;
            let mut got_ack = i != 0; // only the sender gets the ack
            while !(got_chat && got_ack) {
                let text = next_text(ws).await;
                got_chat |= text == r#"42["chat","hello, everyone"]"#;
                got_ack |= text == r#"431[{"ok":true}]"#;
            }
        }
    });
    srv.shutdown();
}

/// The next Engine.IO text, answering the server's pings on the way.
async fn next_text(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> String {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the connection is open")
            .unwrap();
        match msg {
            Message::Text(t) if t.as_str() == "2" => ws.send(Message::text("3")).await.unwrap(),
            Message::Text(t) => return t.to_string(),
            _ => {}
        }
    }
}
