//! Fuzz the Engine.IO and Socket.IO parsers: the input, cut into pieces by control bytes, is
//! decoded as v3 and v4 polling bodies, as Engine.IO and Socket.IO (v4, v5) packet texts, and
//! fed to the session follower as polling bodies and WebSocket messages of sessions that did
//! and did not open (binary attachments that never come, acks of no event, unknown sids).
#![no_main]

use libfuzzer_sys::fuzz_target;
use osiscope::app_proto::engineio::{
    EioSessions, EioUrl, EioVersion, EioWsMessage, decode_packet_text, decode_payload,
    decode_ws_binary,
};
use osiscope::app_proto::socketio::{SioVersion, decode_packet};
use osiscope::flow::Direction;

const URLS: [&str; 4] = [
    "/socket.io/?EIO=4&transport=polling",
    "/socket.io/?EIO=4&transport=polling&sid=S",
    "/socket.io/?EIO=3&transport=polling&sid=S",
    "/socket.io/?EIO=4&transport=websocket&sid=S",
];

fuzz_target!(|data: &[u8]| {
    for eio in [EioVersion::V3, EioVersion::V4] {
        let _ = decode_payload(data, eio);
        let _ = decode_ws_binary(data, data.len() as u64, eio);
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = decode_packet_text(text, eio);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        for v in [SioVersion::V4, SioVersion::V5] {
            let _ = decode_packet(text, v);
        }
    }
    // A session: each piece starts with a control byte that picks what it is.
    let urls: Vec<EioUrl> = URLS.iter().filter_map(|u| EioUrl::parse(u)).collect();
    let mut sessions = EioSessions::new();
    let mut out = Vec::new();
    let mut rest = data;
    let mut frame = 0u64;
    while let Some((&ctl, tail)) = rest.split_first() {
        let n = usize::from(ctl >> 3).min(tail.len());
        let (piece, next) = tail.split_at(n);
        rest = next;
        frame += 1;
        let direction = if ctl & 1 == 0 {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let url = &urls[usize::from(ctl >> 1 & 3) % urls.len()];
        if ctl & 4 == 0 {
            sessions.on_polling_body(url, direction, piece, ctl & 0x80 != 0, frame, &mut out);
        } else {
            let stream = u32::from(ctl >> 6);
            if !sessions.is_websocket(stream) {
                sessions.on_websocket(stream, url, frame, &mut out);
            }
            let text = std::str::from_utf8(piece).ok().filter(|_| ctl & 0x40 == 0);
            let msg = EioWsMessage {
                direction,
                text,
                bytes: piece,
                len: piece.len() as u64,
                frame,
            };
            sessions.on_ws_message(stream, &msg, &mut out);
        }
        if ctl == 0xff {
            sessions.on_close(0);
        }
    }
});
