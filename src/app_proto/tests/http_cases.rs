//! HTTP/1.1 and the Upgrade handshake.

use super::*;
use crate::app_proto::http::Handshake;
use crate::app_proto::{HttpAnomaly, HttpKind, NoteKind, StreamKind};

#[test]
fn upgrade_handshake_switches_both_directions() {
    let mut c = Conv::new();
    c.handshake(None);
    let http = c.http();
    assert_eq!(http.len(), 2);
    let (req, resp) = (&http[0], &http[1]);
    assert_eq!(req.kind, HttpKind::Request);
    assert_eq!(
        (req.method.as_deref(), req.uri.as_deref()),
        (Some("GET"), Some("/chat"))
    );
    assert_eq!(
        req.sec_websocket_key.as_deref(),
        Some("dGhlIHNhbXBsZSBub25jZQ==")
    );
    assert_eq!(
        req.sec_websocket_protocol.as_deref(),
        Some("chat, superchat")
    );
    assert_eq!(req.sec_websocket_version.as_deref(), Some("13"));
    assert_eq!(req.packets, vec![1]);
    assert_eq!(resp.status, Some(101));
    assert_eq!(
        resp.expected_accept.as_deref(),
        Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    );
    assert_eq!(resp.accept_valid, Some(true));
    assert_eq!(resp.request_key, req.sec_websocket_key);
    assert_eq!(
        (req.handshake, resp.handshake),
        (Handshake::UpgradeRequest, Handshake::Accepted)
    );
    assert_eq!(c.tracker.stream_kind(0, C2S), StreamKind::WebSocket);
    assert_eq!(c.tracker.stream_kind(0, S2C), StreamKind::WebSocket);
}

#[test]
fn wrong_accept_is_flagged_but_still_websocket() {
    let mut c = Conv::new();
    c.send(C2S, UPGRADE_REQUEST);
    c.send(S2C, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: N8ntNYkX6Qerw4tK3s/CYzpSZNc=-wrong\r\n\r\n\x89\x00");
    assert_eq!(c.http()[1].accept_valid, Some(false));
    assert_eq!(c.frames().len(), 1);
}

#[test]
fn upgrade_response_and_first_frame_in_one_packet() {
    let mut c = Conv::new();
    c.send(C2S, UPGRADE_REQUEST);
    let mut bytes =
        b"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".to_vec();
    bytes.extend(frame(true, 0, 1, None, b"connected,"));
    let ev = c.send(S2C, &bytes);
    assert!(matches!(ev[0], AppEvent::Http(_)));
    assert_eq!(c.frames()[0].text.as_deref(), Some("connected,"));
}

#[test]
fn client_frame_sent_before_the_101_waits_for_it() {
    let mut c = Conv::new();
    let mut bytes = UPGRADE_REQUEST.to_vec();
    bytes.extend(frame(true, 0, 1, KEY, b"early"));
    c.send(C2S, &bytes);
    assert!(c.frames().is_empty());
    c.handshake_response();
    assert_eq!(c.frames()[0].text.as_deref(), Some("early"));
    assert_eq!(c.messages()[0].packets, vec![1]);
}

#[test]
fn upgrade_to_tcp_is_opaque_not_frames() {
    let mut c = Conv::new();
    c.send(C2S, b"POST /attach HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n");
    c.send(
        S2C,
        b"HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n\x81\x05hello",
    );
    c.send(C2S, &frame(true, 0, 1, KEY, b"stdin"));
    c.send(S2C, b"\x81\x03abc");
    assert!(c.frames().is_empty());
    let http = c.http();
    assert_eq!(
        (http[0].handshake, http[1].handshake),
        (Handshake::None, Handshake::None),
        "an upgrade, but not the WebSocket handshake"
    );
    assert_eq!(
        c.notes(),
        [NoteKind::OpaqueUpgrade {
            protocol: "tcp".into()
        }]
    );
    assert_eq!(c.tracker.stream_kind(0, C2S), StreamKind::OpaqueUpgrade);
    assert_eq!(c.tracker.stream_kind(0, S2C), StreamKind::OpaqueUpgrade);
}

#[test]
fn refused_upgrade_stays_http() {
    let mut c = Conv::new();
    c.send(C2S, UPGRADE_REQUEST);
    c.send(
        S2C,
        b"HTTP/1.1 426 Upgrade Required\r\nContent-Length: 5\r\n\r\nnope!",
    );
    c.send(C2S, b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
    let http = c.http();
    assert_eq!(http.len(), 3);
    assert_eq!(http[1].body_len, 5);
    assert_eq!(
        (http[0].handshake, http[1].handshake, http[2].handshake),
        (
            Handshake::UpgradeRequest,
            Handshake::Refused,
            Handshake::None
        )
    );
    assert_eq!(http[2].uri.as_deref(), Some("/again"));
    assert_eq!(c.tracker.stream_kind(0, C2S), StreamKind::Http);
}

#[test]
fn keep_alive_pipeline_with_bodies() {
    let mut c = Conv::new();
    c.send(C2S, b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcHEAD /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n");
    c.send(S2C, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n");
    c.send(S2C, b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    c.send(
        S2C,
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
    );
    let http = c.http();
    let starts: Vec<String> = http.iter().map(HttpMessage::start_line).collect();
    assert_eq!(
        starts,
        [
            "POST /a HTTP/1.1",
            "HEAD /b HTTP/1.1",
            "GET /c HTTP/1.1",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 304 Not Modified"
        ]
    );
    assert_eq!(http[0].body_len, 3);
    assert_eq!(http[3].body_len, 9);
    assert_eq!(
        http[3].packets,
        vec![2, 3],
        "chunked body ends in the second packet"
    );
    assert_eq!(http[4].body_len, 0, "answer to HEAD has no body");
    assert_eq!(http[4].packets, vec![3]);
}

#[test]
fn body_across_packets_is_attributed_to_its_last() {
    let mut c = Conv::new();
    c.send(S2C, b"HTTP/1.1 200 OK\r\nContent-Len");
    c.send(S2C, b"gth: 10\r\n\r\n12345");
    assert!(c.http().is_empty());
    c.send(S2C, b"67890");
    assert_eq!(c.http()[0].packets, vec![1, 2, 3]);
    assert_eq!(c.http()[0].head_len, 39);
}

#[test]
fn not_http_is_opaque_with_one_note() {
    let mut c = Conv::new();
    // Starts like a TLS record but is not one (version 9.1): neither HTTP nor TLS.
    c.send(C2S, &[0x16, 0x09, 0x01, 0x02, 0x00, 0x01]);
    c.send(C2S, b"GET / HTTP/1.1\r\n\r\n");
    c.send(S2C, b"SSH-2.0-OpenSSH_9.0\r\n");
    assert!(c.http().is_empty());
    let not_http = |error: &str| {
        NoteKind::NotDecoded(HttpAnomaly::NotHttp {
            error: error.into(),
        })
    };
    assert_eq!(
        c.notes(),
        [not_http("invalid token"), not_http("invalid token")],
        "one per direction"
    );
    assert_eq!(c.tracker.stream_kind(0, C2S), StreamKind::Opaque);
}

#[test]
fn gap_resyncs_at_next_request() {
    let mut c = Conv::new();
    c.send(C2S, b"GET /one HTTP/1.1\r\nHost: x\r\n");
    c.lose(C2S, 100);
    c.send(C2S, b"tail of something\r\nGET /two HTTP/1.1\r\n\r\n");
    let http = c.http();
    assert_eq!(http.len(), 1);
    assert_eq!(http[0].uri.as_deref(), Some("/two"));
    assert_eq!(c.notes(), [NoteKind::HttpGap { len: 100 }]);
}

#[test]
fn gap_inside_a_body_of_known_length_keeps_step() {
    let mut c = Conv::new();
    c.send(S2C, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12");
    c.lose(S2C, 5);
    c.send(S2C, b"890HTTP/1.1 204 No Content\r\n\r\n");
    let http = c.http();
    assert_eq!(http.len(), 2);
    assert_eq!(http[0].body_len, 10);
    assert_eq!(http[1].status, Some(204));
}

#[test]
fn hole_in_chunks_without_gap_call_is_a_gap() {
    let mut c = Conv::new();
    c.send(C2S, b"GET /one HTTP/1.1\r\n");
    c.offsets_skip(C2S, 7);
    c.send(C2S, b"GET /two HTTP/1.1\r\n\r\n");
    assert_eq!(c.http().len(), 1);
    assert_eq!(c.http()[0].uri.as_deref(), Some("/two"));
}

#[test]
fn response_without_length_reads_to_close() {
    let mut c = Conv::new();
    c.send(C2S, b"GET / HTTP/1.0\r\n\r\n");
    c.send(
        S2C,
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHTTP/1.1 200 but body",
    );
    c.lose(S2C, 50);
    c.send(S2C, b"\x81\x01x more body");
    let http = c.http();
    assert_eq!(http.len(), 2);
    assert_eq!(
        (http[1].status, http[1].packets.clone()),
        (Some(200), vec![2])
    );
    assert!(c.frames().is_empty() && c.notes().is_empty());
}
