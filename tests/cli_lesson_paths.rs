//! Each step of the push and Socket.IO lessons lands on the packets its words describe, checked
//! on `osiscope decode --format json` of the bundled captures; and the handouts' ladder pictures
//! (`osiscope lesson … --format md|html`) are valid SVG with one arrow per packet of the lesson.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

use serde_json::Value;

fn run(args: &[&str]) -> Vec<u8> {
    common::run_osiscope(args)
}

fn json(args: &[&str]) -> Value {
    serde_json::from_slice(&run(args)).unwrap()
}

/// The decode of a bundled capture, one object per packet, indexed by frame − 1.
fn decode(name: &str) -> Vec<Value> {
    let path = common::captures_dir().join(name);
    let out = run(&["decode", path.to_str().unwrap(), "--format", "json"]);
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The lesson's steps as (capture, frames).
fn steps(id: &str) -> Vec<(String, Vec<u64>)> {
    let h = json(&["lesson", id, "--format", "json"]);
    h["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let frames = s["frames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_u64().unwrap())
                .collect();
            (s["capture"].as_str().unwrap().to_owned(), frames)
        })
        .collect()
}

fn pkt(d: &[Value], frame: u64) -> &Value {
    let p = &d[frame as usize - 1];
    assert_eq!(p["frame"], frame);
    p
}

fn from_server(p: &Value) -> bool {
    p["tcp"]["src_port"] == 8765
}

fn ws(p: &Value) -> &Vec<Value> {
    p["ws"].as_array().unwrap()
}

fn ws_text(p: &Value) -> &str {
    ws(p)[0]["text"].as_str().unwrap()
}

fn has_ws(p: &Value) -> bool {
    p["ws"].as_array().is_some_and(|w| !w.is_empty())
}

#[test]
fn the_push_lesson_shows_the_server_speaking_first() {
    let d = decode("push.pcapng");
    let s = steps("push");
    assert_eq!(s.len(), 4);
    // 1: the GET with Upgrade and its 101.
    let [get, ok] = s[0].1[..] else { panic!() };
    assert_eq!(pkt(&d, get)["http"][0]["upgrade"], "websocket");
    assert_eq!(pkt(&d, ok)["http"][0]["status"], 101);
    // 2: the first WebSocket frame of the connection is the server's, answered by a bare ACK.
    let [push, ack] = s[1].1[..] else { panic!() };
    let first_ws = d.iter().find(|p| has_ws(p)).unwrap();
    assert_eq!(first_ws["frame"], push);
    assert!(from_server(first_ws));
    assert_eq!(ws(first_ws)[0]["opcode"], 1);
    let ack = pkt(&d, ack);
    assert!(!from_server(ack));
    assert_eq!(ack["tcp"]["payload_len"], 0);
    assert_eq!(ack["tcp"]["flag_names"], serde_json::json!(["ACK"]));
    // 3: every other server Text frame before the Close, none masked.
    let pushes: Vec<u64> = d
        .iter()
        .filter(|p| has_ws(p) && ws(p)[0]["opcode"] == 1)
        .map(|p| p["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(pushes[1..], s[2].1[..]);
    for &f in &s[2].1 {
        assert!(from_server(pkt(&d, f)));
        assert_eq!(ws(pkt(&d, f))[0]["masked"], false);
    }
    // 4: the client's first WebSocket frame is its Close, answered by the server's.
    let [close, answer] = s[3].1[..] else {
        panic!()
    };
    let client_first = d.iter().find(|p| has_ws(p) && !from_server(p)).unwrap();
    assert_eq!(client_first["frame"], close);
    assert_eq!(ws(client_first)[0]["opcode"], 8);
    assert_eq!(ws(pkt(&d, answer))[0]["opcode"], 8);
    assert!(from_server(pkt(&d, answer)));
}

#[test]
fn the_socketio_lesson_shows_polling_the_upgrade_and_plain_clients() {
    let d = decode("socketio.pcapng");
    let plain = decode("socketio-plain-ws.pcapng");
    let s = steps("socketio-not-websocket");
    assert_eq!(s.len(), 5);
    // 1: a polling GET with no Upgrade, answered 200 with the Engine.IO open packet.
    assert_eq!(s[0].0, "socketio.pcapng");
    let [get, open] = s[0].1[..] else { panic!() };
    let get = &pkt(&d, get)["http"][0];
    assert!(get["uri"].as_str().unwrap().contains("transport=polling"));
    assert!(get["upgrade"].is_null());
    let open = pkt(&d, open);
    assert_eq!(open["http"][0]["status"], 200);
    assert_eq!(open["engineio"][0]["type"], "open");
    let sid = open["engineio"][0]["sid"].as_str().unwrap();
    assert!(
        open["engineio"][0]["data"]
            .as_str()
            .unwrap()
            .contains("\"upgrades\":[\"websocket\"]")
    );
    // 2: a WebSocket with the same sid on a new connection, probe, probe answer, upgrade.
    let f = &s[1].1;
    let upgrade = pkt(&d, f[0]);
    assert_eq!(upgrade["http"][0]["upgrade"], "websocket");
    assert!(
        upgrade["http"][0]["uri"]
            .as_str()
            .unwrap()
            .contains(&format!("sid={sid}"))
    );
    assert_ne!(upgrade["tcp"]["stream"], pkt(&d, 7)["tcp"]["stream"]);
    assert_eq!(pkt(&d, f[1])["http"][0]["status"], 101);
    let eio = |frame: u64| -> (String, Option<String>) {
        let e = &pkt(&d, frame)["engineio"][0];
        (
            e["type"].as_str().unwrap().into(),
            e["data"].as_str().map(Into::into),
        )
    };
    assert_eq!(eio(f[2]), ("ping".into(), Some("probe".into())));
    assert_eq!(eio(f[3]), ("pong".into(), Some("probe".into())));
    assert_eq!(eio(f[4]).0, "upgrade");
    // 3: a Text frame whose payload is 4 (message) 2 (EVENT) then JSON.
    let ev = pkt(&d, s[2].1[0]);
    assert_eq!(ws(ev)[0]["opcode"], 1);
    assert!(ws_text(ev).starts_with("42"));
    assert_eq!(ev["socketio"][0]["type"], "EVENT");
    // 4: a plain client: 101, the open packet, "hello", then the server's FIN.
    assert_eq!(s[3].0, "socketio-plain-ws.pcapng");
    let [ok, open, hello, fin] = s[3].1[..] else {
        panic!()
    };
    assert_eq!(pkt(&plain, ok)["http"][0]["status"], 101);
    assert_eq!(pkt(&plain, open)["engineio"][0]["type"], "open");
    assert_eq!(ws_text(pkt(&plain, hello)), "hello");
    assert!(!from_server(pkt(&plain, hello)));
    let next = pkt(&plain, hello + 1);
    assert_eq!(next["frame"], fin);
    assert!(from_server(next));
    assert!(
        next["tcp"]["flag_names"]
            .as_array()
            .unwrap()
            .contains(&"FIN".into())
    );
    // 5: the quiet client: ping, close, WebSocket Close, and no pong from the client.
    let [ping, eclose, wclose] = s[4].1[..] else {
        panic!()
    };
    assert_eq!(pkt(&plain, ping)["engineio"][0]["type"], "ping");
    assert_eq!(pkt(&plain, eclose)["engineio"][0]["type"], "close");
    assert_eq!(ws(pkt(&plain, wclose))[0]["opcode"], 8);
    let stream = &pkt(&plain, ping)["tcp"]["stream"];
    assert!(
        !plain
            .iter()
            .filter(|p| &p["tcp"]["stream"] == stream)
            .any(|p| p["engineio"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["type"] == "pong")))
    );
}

#[test]
fn the_emit_lesson_lands_on_connect_emit_ack_heartbeat_and_disconnect() {
    let d = decode("socketio.pcapng");
    let s = steps("socketio-emit");
    assert_eq!(s.len(), 5);
    let sio = |frame: u64, k: usize| pkt(&d, frame)["socketio"][k].clone();
    // 1: CONNECT in a POST, its answer in a GET's response.
    let [post, answer] = s[0].1[..] else { panic!() };
    assert_eq!(pkt(&d, post)["http"][0]["method"], "POST");
    assert_eq!(sio(post, 0)["type"], "CONNECT");
    assert_eq!(pkt(&d, answer)["http"][0]["status"], 200);
    assert_eq!(sio(answer, 0)["type"], "CONNECT");
    assert!(sio(answer, 0)["sid"].is_string());
    // 2: the emit of "chat" "hi" with ack id 0, as the question quotes it.
    let emit = s[1].1[0];
    assert_eq!(ws_text(pkt(&d, emit)), "420[\"chat\",\"hi\"]");
    assert_eq!(sio(emit, 0)["id"], 0);
    assert!(!from_server(pkt(&d, emit)));
    // 3: io.emit (no ack id) and the ACK with the same id, in one segment.
    let back = s[2].1[0];
    assert_eq!(ws(pkt(&d, back)).len(), 2);
    assert_eq!(sio(back, 0)["type"], "EVENT");
    assert!(sio(back, 0)["id"].is_null());
    assert_eq!(sio(back, 1)["type"], "ACK");
    assert_eq!(sio(back, 1)["id"], 0);
    assert_eq!(sio(back, 1)["ack_frame"], emit);
    // 4: Engine.IO ping from the server, pong from the client, both Text frames.
    let [server_ping, client_pong] = s[3].1[..] else {
        panic!()
    };
    for (f, kind, server) in [(server_ping, "ping", true), (client_pong, "pong", false)] {
        assert_eq!(pkt(&d, f)["engineio"][0]["type"], kind);
        assert_eq!(ws(pkt(&d, f))[0]["opcode"], 1);
        assert_eq!(from_server(pkt(&d, f)), server);
    }
    // 5: DISCONNECT /admin, DISCONNECT /, then a Close.
    let [admin, default, close] = s[4].1[..] else {
        panic!()
    };
    assert_eq!(sio(admin, 0)["type"], "DISCONNECT");
    assert_eq!(sio(admin, 0)["nsp"], "/admin");
    assert_eq!(sio(default, 0)["type"], "DISCONNECT");
    assert_eq!(sio(default, 0)["nsp"], "/");
    assert_eq!(ws(pkt(&d, close))[0]["opcode"], 8);
}

#[test]
fn the_emit_handout_takes_the_socketio_text_apart() {
    let h = json(&["lesson", "socketio-emit", "--format", "json"]);
    let emit = &h["steps"][1];
    let values: Vec<&str> = emit["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["value"].as_str().unwrap())
        .collect();
    assert!(
        values.contains(&"4 = message (over websocket), then \"20[\"chat\",\"hi\"]\""),
        "{values:?}"
    );
    assert!(
        values.contains(&"2 = EVENT, namespace /, ack id 0, data [\"chat\",\"hi\"]"),
        "{values:?}"
    );
}

/// The `<svg>` elements of `text`, each parsed as XML, with the frames of their arrows.
fn svg_arrows(svg: &str) -> Vec<u64> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut frames = Vec::new();
    let mut depth = 0i32;
    let mut saw_svg = false;
    loop {
        match reader.read_event().expect("well-formed SVG") {
            Event::Start(e) => {
                depth += 1;
                saw_svg |= e.name().as_ref() == b"svg";
                if e.name().as_ref() == b"g" {
                    let attr = |name: &[u8]| {
                        e.attributes()
                            .map(Result::unwrap)
                            .find(|a| a.key.as_ref() == name)
                            .map(|a| String::from_utf8(a.value.to_vec()).unwrap())
                    };
                    if attr(b"class").as_deref() == Some("arrow") {
                        frames.push(attr(b"data-frame").unwrap().parse().unwrap());
                    }
                }
            }
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(saw_svg, "{svg}");
    assert_eq!(depth, 0, "unbalanced SVG");
    frames
}

/// Every frame of the lesson's steps on `capture`, each once, in order.
fn lesson_frames(id: &str, capture: &str) -> Vec<u64> {
    let mut all: Vec<u64> = steps(id)
        .into_iter()
        .filter(|(c, _)| c == capture)
        .flat_map(|(_, f)| f)
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[test]
fn markdown_handouts_write_one_svg_ladder_per_capture_with_one_arrow_per_packet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sio.md");
    run(&[
        "lesson",
        "socketio-not-websocket",
        "--format",
        "md",
        "--output",
        out.to_str().unwrap(),
    ]);
    let md = std::fs::read_to_string(&out).unwrap();
    for (k, capture) in [(1, "socketio.pcapng"), (2, "socketio-plain-ws.pcapng")] {
        let name = format!("sio-ladder-{k}.svg");
        assert!(md.contains(&format!("]({name})")), "{md}");
        let svg = std::fs::read_to_string(dir.path().join(&name)).unwrap();
        assert!(svg.contains(capture));
        assert_eq!(
            svg_arrows(&svg),
            lesson_frames("socketio-not-websocket", capture)
        );
    }
    assert!(!Path::new(&dir.path().join("sio-ladder-3.svg")).exists());
}

#[test]
fn html_handouts_hold_the_ladder_inline() {
    let html = String::from_utf8(run(&["lesson", "push", "--format", "html"])).unwrap();
    let start = html.find("<svg").unwrap();
    let end = html.find("</svg>").unwrap() + "</svg>".len();
    assert_eq!(
        svg_arrows(&html[start..end]),
        lesson_frames("push", "push.pcapng")
    );
    // On standard output, Markdown carries the picture in a data: URL.
    let md = String::from_utf8(run(&["lesson", "push", "--format", "md"])).unwrap();
    assert!(md.contains("](data:image/svg+xml;base64,"), "{md}");
}

#[test]
fn the_when_to_use_which_lesson_lands_on_each_transports_evidence() {
    let s = steps("when-to-use-which");
    let captures: Vec<&str> = s.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        captures,
        [
            "compare-polling.pcapng",
            "compare-long-polling.pcapng",
            "compare-sse.pcapng",
            "compare-websocket.pcapng",
            "compare-socketio.pcapng"
        ]
    );
    let http = |p: &Value| p["http"][0].clone();
    // Polling: a GET answered empty, a later GET answered with several messages.
    let d = decode(captures[0]);
    let [get, empty, later, batch] = s[0].1[..] else {
        panic!()
    };
    for g in [get, later] {
        assert_eq!(http(pkt(&d, g))["method"], "GET");
        assert!(
            http(pkt(&d, g))["uri"]
                .as_str()
                .unwrap()
                .starts_with("/chat/poll")
        );
    }
    assert_eq!(http(pkt(&d, empty))["status"], 200);
    assert_eq!(http(pkt(&d, empty))["body_len"], 0, "nothing new yet");
    assert_eq!(http(pkt(&d, batch))["status"], 200);
    assert!(
        http(pkt(&d, batch))["body_len"].as_u64().unwrap() > 200,
        "several messages"
    );
    // Long-polling: the held GET is answered only after the client's POST.
    let d = decode(captures[1]);
    let [held, post, answer] = s[1].1[..] else {
        panic!()
    };
    assert!(
        http(pkt(&d, held))["uri"]
            .as_str()
            .unwrap()
            .contains("wait_ms=")
    );
    assert_eq!(http(pkt(&d, post))["method"], "POST");
    assert_eq!(http(pkt(&d, answer))["status"], 200);
    assert_eq!(
        pkt(&d, answer)["tcp"]["stream"],
        pkt(&d, held)["tcp"]["stream"]
    );
    // SSE: the events GET, a POST on another connection, an event on the events stream.
    let d = decode(captures[2]);
    let [events, post, event] = s[2].1[..] else {
        panic!()
    };
    assert!(
        http(pkt(&d, events))["uri"]
            .as_str()
            .unwrap()
            .starts_with("/chat/events")
    );
    assert_eq!(http(pkt(&d, post))["method"], "POST");
    assert_ne!(
        pkt(&d, post)["tcp"]["stream"],
        pkt(&d, events)["tcp"]["stream"]
    );
    assert_eq!(
        pkt(&d, event)["tcp"]["stream"],
        pkt(&d, events)["tcp"]["stream"]
    );
    assert!(pkt(&d, event)["tcp"]["payload_len"].as_u64().unwrap() > 0);
    // WebSocket: the client's text and the server's answer on one connection.
    let d = decode(captures[3]);
    let [asked, answered] = s[3].1[..] else {
        panic!()
    };
    assert!(ws(pkt(&d, asked))[0]["masked"].as_bool().unwrap());
    assert!(!ws(pkt(&d, answered))[0]["masked"].as_bool().unwrap());
    assert_eq!(
        pkt(&d, asked)["tcp"]["stream"],
        pkt(&d, answered)["tcp"]["stream"]
    );
    // Socket.IO: polling open, the WebSocket upgrade, EVENTs both ways in frames.
    let d = decode(captures[4]);
    let [open_get, open, upgrade, emit, reply] = s[4].1[..] else {
        panic!()
    };
    assert!(
        http(pkt(&d, open_get))["uri"]
            .as_str()
            .unwrap()
            .contains("transport=polling")
    );
    assert_eq!(pkt(&d, open)["engineio"][0]["type"], "open");
    assert_eq!(http(pkt(&d, upgrade))["upgrade"], "websocket");
    for f in [emit, reply] {
        assert_eq!(pkt(&d, f)["socketio"][0]["type"], "EVENT");
        assert!(has_ws(pkt(&d, f)));
    }
}
