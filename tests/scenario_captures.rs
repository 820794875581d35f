//! `osiscope record --scenario push|broadcast|duplex|server-ping|server-close`, live on loopback,
//! then `osiscope decode --format json` of what was written: the decode shows what each scenario
//! promises (the server speaking first, a lane per member, streams interleaved, the server's
//! ping and Close). Needs CAP_NET_RAW (CI runs as root); without it each test says SKIPPED.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/recorded.rs"]
mod recorded;

use std::collections::BTreeMap;

use serde_json::Value;

/// One WebSocket frame of the decode, with the packet that carried it.
#[derive(Debug)]
struct Frame {
    stream: u64,
    from_server: bool,
    ws: Value,
}

struct Decoded {
    lines: Vec<Value>,
    server_port: u64,
}

impl Decoded {
    fn frames(&self) -> Vec<Frame> {
        self.lines
            .iter()
            .flat_map(|l| {
                let from_server = l["tcp"]["src_port"] == self.server_port;
                let stream = l["tcp"]["stream"].as_u64().unwrap();
                l["ws"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |ws| Frame {
                        stream,
                        from_server,
                        ws,
                    })
            })
            .collect()
    }

    /// Streams whose upgrade was answered with 101.
    fn upgraded_streams(&self) -> Vec<u64> {
        self.lines
            .iter()
            .filter(|l| {
                l["http"]
                    .as_array()
                    .is_some_and(|h| h.iter().any(|m| m["status"] == 101))
            })
            .map(|l| l["tcp"]["stream"].as_u64().unwrap())
            .collect()
    }
}

/// Record `scenario` and decode it, or `None` (SKIPPED) without capture permission.
fn record(scenario: &str) -> Option<Decoded> {
    let (lines, server_port) = recorded::record_json(scenario)?;
    Some(Decoded { lines, server_port })
}

fn opcode(f: &Frame) -> u64 {
    f.ws["opcode"].as_u64().unwrap()
}

fn text(f: &Frame) -> &str {
    f.ws["text"].as_str().unwrap_or_default()
}

#[test]
fn push_server_frames_unmasked_with_nothing_from_the_client_before_them() {
    let Some(d) = record("push") else { return };
    let frames = d.frames();
    let pushes: Vec<&Frame> = frames.iter().filter(|f| opcode(f) == 1).collect();
    assert_eq!(pushes.len(), 5, "{frames:?}");
    for f in &pushes {
        assert!(f.from_server, "{f:?}");
        assert_eq!(f.ws["masked"], false, "{f:?}");
    }
    assert!(text(pushes[0]).starts_with("tick 1: "));
    assert!(text(pushes[2]).starts_with("news 1: "));
    // The client's only frame is its Close, after the last push.
    let from_client: Vec<&Frame> = frames.iter().filter(|f| !f.from_server).collect();
    assert_eq!(from_client.len(), 1, "{from_client:?}");
    assert_eq!(opcode(from_client[0]), 8);
    assert_eq!(from_client[0].ws["masked"], true);
    let first_client = frames.iter().position(|f| !f.from_server).unwrap();
    assert!(first_client > 4, "no client frame before the pushes");
}

#[test]
fn broadcast_every_member_has_its_connection_and_receives_every_line() {
    let Some(d) = record("broadcast") else { return };
    let streams = d.upgraded_streams();
    assert_eq!(streams, [0, 1, 2], "three members, three connections");
    let frames = d.frames();
    let mut received: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for f in frames.iter().filter(|f| f.from_server && opcode(f) == 1) {
        received
            .entry(f.stream)
            .or_default()
            .push(text(f).to_string());
    }
    let want = [
        "client 1: Who is ready for the quiz?",
        "client 2: Me!",
        "client 3: Me too!",
    ];
    for s in &streams {
        assert_eq!(
            received.get(s).map(Vec::as_slice),
            Some(&want.map(String::from)[..])
        );
    }
    // Each member sent its own line once, masked, on its own connection.
    let sent: Vec<(u64, &str)> = frames
        .iter()
        .filter(|f| !f.from_server && opcode(f) == 1)
        .map(|f| (f.stream, text(f)))
        .collect();
    assert_eq!(
        sent,
        [
            (0, "Who is ready for the quiz?"),
            (1, "Me!"),
            (2, "Me too!")
        ]
    );
}

#[test]
fn duplex_frames_each_way_interleave() {
    let Some(d) = record("duplex") else { return };
    let data: Vec<Frame> = d.frames().into_iter().filter(|f| opcode(f) == 1).collect();
    let client: Vec<&str> = data.iter().filter(|f| !f.from_server).map(text).collect();
    let server: Vec<&str> = data.iter().filter(|f| f.from_server).map(text).collect();
    assert_eq!(
        client,
        (1..=5)
            .map(|i| format!("client {i} of 5"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        server,
        (1..=5)
            .map(|i| format!("server {i} of 5"))
            .collect::<Vec<_>>()
    );
    // Not request/reply and not one stream after the other: the direction changes again and
    // again while both streams run.
    let changes = data
        .windows(2)
        .filter(|w| w[0].from_server != w[1].from_server)
        .count();
    assert!(
        changes >= 3,
        "directions: {:?}",
        data.iter().map(|f| f.from_server).collect::<Vec<_>>()
    );
    assert!(data.iter().all(|f| f.ws["masked"] == !f.from_server));
}

#[test]
fn server_ping_each_ping_is_answered_by_the_clients_pong() {
    let Some(d) = record("server-ping") else {
        return;
    };
    let control: Vec<Frame> = d
        .frames()
        .into_iter()
        .filter(|f| matches!(opcode(f), 9 | 10))
        .collect();
    let seen: Vec<(bool, u64, u64)> = control
        .iter()
        .map(|f| {
            (
                f.from_server,
                opcode(f),
                f.ws["payload_len"].as_u64().unwrap(),
            )
        })
        .collect();
    // Ping from the server (unmasked), pong from the client (masked), twice.
    assert_eq!(
        seen,
        [
            (true, 9, 13),
            (false, 10, 13),
            (true, 9, 13),
            (false, 10, 13)
        ]
    );
    assert!(control.iter().all(|f| f.ws["masked"] == !f.from_server));
}

#[test]
fn server_close_code_and_reason_then_the_servers_fin_first() {
    let Some(d) = record("server-close") else {
        return;
    };
    let frames = d.frames();
    assert_eq!(frames.len(), 2, "{frames:?}");
    let (first, answer) = (&frames[0], &frames[1]);
    assert!(first.from_server);
    assert_eq!(opcode(first), 8);
    assert_eq!(first.ws["close_code"], 4000);
    assert_eq!(first.ws["close_reason"], "lesson over");
    assert!(!answer.from_server);
    assert_eq!(answer.ws["close_code"], 4000);
    let fins: Vec<bool> = d
        .lines
        .iter()
        .filter(|l| {
            l["tcp"]["flag_names"]
                .as_array()
                .is_some_and(|f| f.iter().any(|n| n == "FIN"))
        })
        .map(|l| l["tcp"]["src_port"] == d.server_port)
        .collect();
    assert_eq!(
        fins,
        [true, false],
        "the server's FIN first, then the client's"
    );
}

#[test]
fn deflate_frames_carry_rsv1_and_compressed_payloads_that_inflate_to_the_texts() {
    use osiscope::echo::deflate::DEFLATE_TEXTS;
    let Some(d) = record("deflate") else { return };
    let response = d
        .lines
        .iter()
        .flat_map(|l| l["http"].as_array().cloned().unwrap_or_default())
        .find(|m| m["status"] == 101)
        .expect("a 101");
    let extensions: Vec<&str> = response["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "Sec-WebSocket-Extensions")
        .filter_map(|h| h[1].as_str())
        .collect();
    assert_eq!(extensions, ["permessage-deflate"], "the 101 accepts it");
    let texts: Vec<Frame> = d.frames().into_iter().filter(|f| opcode(f) == 1).collect();
    assert_eq!(
        texts.len(),
        2 * DEFLATE_TEXTS.len(),
        "each text and its echo"
    );
    for (pair, sent) in texts.chunks(2).zip(DEFLATE_TEXTS) {
        for f in pair {
            assert_eq!(f.ws["rsv"], 4, "RSV1 set: {f:?}");
            assert_eq!(f.ws["compressed"], true);
            assert_eq!(text(f), sent, "inflated to what was sent");
            assert!(f.ws["payload_len"].as_u64().unwrap() < sent.len() as u64);
        }
        assert!(
            !pair[0].from_server && pair[1].from_server,
            "text then echo"
        );
    }
    // The third text repeats the first: with context takeover it is a back-reference.
    let repeat = texts[4].ws["payload_len"].as_u64().unwrap();
    assert!(repeat <= 10, "the repeat in {repeat} bytes");
}
