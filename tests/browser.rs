//! A real browser joins the class chat: headless Chromium opens the bundled server's page (GET
//! `/`) and, by typing into it and pressing Send, sends one message over the plain WebSocket
//! and one over Socket.IO (the official client: polling, then the upgrade), while osiscope
//! captures loopback. The decode, as `osiscope decode --format json` writes it, shows the
//! browser's own handshake (its Origin, User-Agent, Sec-WebSocket-Extensions) and both
//! messages. Chromium missing is a failure that says how to install it; without CAP_NET_RAW the
//! test says SKIPPED, as every live test does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/echo.rs"]
mod echo_support;
#[allow(dead_code)] // this test uses only `start_or_skip` of the live helpers
#[path = "support/live.rs"]
mod live_support;

use std::sync::atomic::Ordering;

use chromium::Chromium;
use echo_support::{poll_until, raw_exchange, server};
use osiscope::capture::live::LiveConfig;
use osiscope::engine::Engine;
use osiscope::lesson::annotations::SENTENCES;
use osiscope::model::{PacketRecord, json};
use serde_json::Value;

/// Types into the page and presses Send, as a student would; resolves with what the page shows.
const CHAT_SCRIPT: &str = r##"(async () => {
  const until = async (what, cond) => {
    const start = Date.now();
    while (!cond()) {
      if (Date.now() - start > 20000) throw new Error("timed out waiting for " + what);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const texts = (id) => Array.from(document.querySelectorAll("#" + id + " li"), (li) => li.textContent);
  await until("the page to load", () => document.readyState === "complete");
  await until("the WebSocket to open", () => ws.readyState === WebSocket.OPEN);
  await until("Socket.IO to upgrade to WebSocket",
    () => socket.connected && socket.io.engine.transport.name === "websocket");
  document.getElementById("name").value = "chromium";
  document.getElementById("ws-text").value = "hello from a real browser";
  document.getElementById("ws-send").click();
  await until("the room to relay it", () => texts("ws-log").some((t) => t.endsWith("chromium: hello from a real browser")));
  document.getElementById("sio-text").value = "hello over Socket.IO";
  document.getElementById("sio-send").click();
  await until("the ack and io.emit", () => texts("sio-log").length >= 2);
  return { ws: texts("ws-log"), sio: texts("sio-log"), ua: navigator.userAgent,
           wsStatus: document.getElementById("ws-status").textContent,
           sioStatus: document.getElementById("sio-status").textContent };
})()"##;

#[test]
fn chromium_chats_over_websocket_and_socketio_and_the_decode_shows_its_handshake() {
    let server = server();
    let addr = server.local_addr();
    // The official client's bundle is served beside the page, as JavaScript.
    let bundle = raw_exchange(addr, b"GET /socket.io.min.js HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        bundle.starts_with("HTTP/1.1 200 OK\r\n")
            && bundle.contains("Content-Type: text/javascript; charset=utf-8\r\n")
            && bundle.contains(" * Socket.IO v4.8.4\n"),
        "{}",
        bundle.get(..300).unwrap_or(&bundle)
    );
    let Some(mut capture) = live_support::start_or_skip(&LiveConfig::loopback_port(addr.port()))
    else {
        return;
    };
    let frames = capture.take_frames().unwrap();

    let mut browser = Chromium::open(&format!("http://{addr}/"));
    let page = browser.eval(CHAT_SCRIPT);
    browser.close();
    let user_agent = assert_the_page_shows_both_chats(&page);

    // Every connection of the browser has ended before the capture stops.
    poll_until("the browser's connections to end", || {
        server.stats().active.load(Ordering::Relaxed) == 0
    });
    capture.stop().unwrap();
    server.shutdown();
    let lines = decode(&frames);
    let list = |key: &str| -> Vec<Value> {
        lines
            .iter()
            .filter_map(|l| l[key].as_array())
            .flatten()
            .cloned()
            .collect()
    };
    let http = list("http");
    let request = |uri_start: &str| {
        http.iter()
            .find(|m| {
                m["kind"] == "request"
                    && m["uri"].as_str().is_some_and(|u| u.starts_with(uri_start))
            })
            .unwrap_or_else(|| panic!("no request for {uri_start} in {http:#?}"))
    };

    // The page itself, then the browser's WebSocket handshake with its own headers.
    assert_eq!(header(request("/"), "User-Agent"), user_agent);
    let upgrade = request("/broadcast?room=class");
    assert_eq!(upgrade["upgrade"], "websocket");
    assert_eq!(header(upgrade, "Origin"), format!("http://{addr}"));
    assert_eq!(header(upgrade, "User-Agent"), user_agent);
    assert!(
        header(upgrade, "Sec-WebSocket-Extensions").contains("permessage-deflate"),
        "{upgrade}"
    );
    assert!(
        http.iter()
            .any(|m| m["status"] == 101 && m["accept_valid"] == true)
    );
    // The server answered 101 without the extension: the frames are not compressed.
    let ws = list("ws");
    let sent = ws
        .iter()
        .find(|f| f["text"] == "chromium: hello from a real browser")
        .expect("the browser's frame");
    assert_eq!(
        (&sent["masked"], &sent["compressed"]),
        (&Value::Bool(true), &Value::Bool(false))
    );
    let relayed = ws
        .iter()
        .find(|f| f["text"] == "client 1: chromium: hello from a real browser")
        .expect("the relayed frame");
    assert_eq!(relayed["masked"], false);

    // Socket.IO: the official client polls first, then upgrades, one Engine.IO session.
    let polling = request("/socket.io/?EIO=4&transport=polling");
    assert_eq!(header(polling, "User-Agent"), user_agent);
    assert_one_session_polling_then_websocket(&list("engineio"), &list("socketio"));
}

/// The value of header `name` (any case) of an HTTP message from the JSON decode.
fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
        .and_then(|h| h[1].as_str())
        .unwrap_or_else(|| panic!("no {name} header in {message}"))
}

/// The student's view after the script: the relayed message, the Socket.IO message and its ack,
/// and the upgrade. Returns the browser's User-Agent.
fn assert_the_page_shows_both_chats(page: &Value) -> String {
    // What the student sees.
    let ws_log = page["ws"].as_array().unwrap();
    assert_eq!(ws_log.len(), 1, "{page}");
    assert_eq!(ws_log[0], "client 1: chromium: hello from a real browser");
    let sio_log: Vec<&str> = page["sio"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        sio_log.contains(&"chromium: hello over Socket.IO"),
        "{sio_log:?}"
    );
    assert!(
        sio_log.contains(&"ack from the server: {\"ok\":true}"),
        "{sio_log:?}"
    );
    assert!(
        page["sioStatus"]
            .as_str()
            .unwrap()
            .contains("websocket, upgraded from HTTP long-polling"),
        "{page}"
    );
    let user_agent = page["ua"].as_str().unwrap().to_string();
    assert!(user_agent.contains("Chrome/"), "{user_agent}");
    user_agent
}

/// The captured frames as `osiscope decode --format json` writes them, one value per packet.
fn decode(frames: &std::sync::mpsc::Receiver<osiscope::capture::Frame>) -> Vec<Value> {
    let mut engine = Engine::new();
    let mut decoded = Vec::new();
    for frame in frames.try_iter() {
        let record = PacketRecord::from_output(engine.process(frame));
        json::write_packet(&mut decoded, &record, SENTENCES).unwrap();
    }
    String::from_utf8(decoded)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// One Engine.IO session: opened on polling, upgraded to WebSocket; the browser's
/// `socket.emit("chat", …, ack)` and the server's ACK.
fn assert_one_session_polling_then_websocket(eio: &[Value], sio: &[Value]) {
    let open = eio
        .iter()
        .find(|p| p["type"] == "open")
        .expect("an open packet");
    assert_eq!(open["transport"], "polling");
    let sid = open["sid"].as_str().unwrap();
    assert!(
        eio.iter()
            .any(|p| p["type"] == "upgrade" && p["transport"] == "websocket" && p["sid"] == sid),
        "{eio:#?}"
    );
    let emit = sio
        .iter()
        .find(|p| p["type"] == "EVENT" && p["event"] == "chat" && p["id"].is_u64())
        .expect("socket.emit(\"chat\", …, ack)");
    assert_eq!(
        emit["data"],
        serde_json::json!(["chat", { "name": "chromium", "text": "hello over Socket.IO" }])
    );
    let ack = sio
        .iter()
        .find(|p| p["type"] == "ACK" && p["id"] == emit["id"])
        .expect("its ACK");
    assert_eq!(ack["data"], serde_json::json!([{ "ok": true }]));
    // The ACK names the frame of the event it answers (the event learns its ACK's frame only
    // in `osiscope decode`'s second pass, not in a live stream).
    assert!(ack["ack_frame"].is_u64(), "{ack}");
}
