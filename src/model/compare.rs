//! What `osiscope compare` measures in a capture of the compared chat (one transport per
//! capture): the chat's messages, the TCP connections, packets and bytes it took on the wire,
//! and how long each server message took from the moment the server made it to the packet that
//! brought its last byte to the client.
//!
//! Everything is read from the packets by osiscope's own engine. The client's messages are the
//! decoded `POST`s to the chat's send path, the text messages on its WebSocket path and the
//! Socket.IO events on its namespace. The server's messages are found where they are, whatever
//! carries them (a poll's body, an event stream, a WebSocket frame, an Engine.IO packet): each
//! is a JSON object with `"created_ns"` (when the server made it, nanoseconds since the Unix
//! epoch) and `"text"`, in the reassembled server→client bytes.

use std::collections::HashMap;

use serde::Serialize;

use crate::app_proto::AppEvent;
use crate::app_proto::engineio::IoEvent;
use crate::app_proto::http::HttpKind;
use crate::capture::Frame;
use crate::engine::Engine;
use crate::flow::{Direction, StreamChunk};

/// Where the chat's client messages are (the bundled server's paths, given by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChatShape<'a> {
    /// The path the HTTP transports `POST` a message to.
    pub send_path: &'a str,
    /// The WebSocket endpoint's path.
    pub ws_path: &'a str,
    /// The Socket.IO namespace, and the event the client emits there.
    pub sio_nsp: &'a str,
    pub sio_event: &'a str,
}

/// The marker of a server message in the server→client bytes.
const CREATED: &[u8] = b"\"created_ns\":";
/// Server→client bytes kept while a message is incomplete, per stream.
const MAX_PENDING: usize = 64 * 1024;

/// One capture's measurements (the names are `osiscope compare --format json`'s).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ChatMeasure {
    /// The transport (set by the caller; empty when unknown).
    pub transport: String,
    /// Chat messages both ways: `client_messages + server_messages`.
    pub messages: u64,
    /// TCP connections opened.
    pub tcp_connections: u64,
    pub packets: u64,
    /// Bytes on the wire: every packet's length, link-layer header included.
    pub wire_bytes: u64,
    /// `wire_bytes / messages`.
    pub bytes_per_message: f64,
    /// Everything that is not a message's own text (link, IP and TCP headers, handshakes, HTTP
    /// heads, frame headers, the JSON around the text, empty polls, ACKs…) per message.
    pub header_bytes_per_message: f64,
    /// Server message creation → the packet with its last byte, median and worst.
    pub delay_median_ms: f64,
    pub delay_max_ms: f64,
    #[serde(skip)]
    pub client_messages: u64,
    #[serde(skip)]
    pub server_messages: u64,
    /// The messages' own text, both ways.
    #[serde(skip)]
    pub text_bytes: u64,
    /// Each server message's delay, in the order they arrived.
    #[serde(skip)]
    pub delays_ms: Vec<f64>,
}

impl ChatMeasure {
    /// Its numbers as a table shows them, after the transport: messages, TCP connections,
    /// packets, wire bytes, bytes and header bytes per message (one decimal), median and worst
    /// delay in ms (two decimals).
    pub fn cells(&self) -> [String; 8] {
        [
            self.messages.to_string(),
            self.tcp_connections.to_string(),
            self.packets.to_string(),
            self.wire_bytes.to_string(),
            format!("{:.1}", self.bytes_per_message),
            format!("{:.1}", self.header_bytes_per_message),
            format!("{:.2}", self.delay_median_ms),
            format!("{:.2}", self.delay_max_ms),
        ]
    }

    /// Packets per message.
    pub fn packets_per_message(&self) -> f64 {
        per(self.packets, self.messages)
    }
}

fn per(total: u64, messages: u64) -> f64 {
    if messages == 0 {
        0.0
    } else {
        total as f64 / messages as f64
    }
}

/// Server→client bytes of one stream not yet read to the end of a message.
#[derive(Debug, Default)]
struct Pending {
    /// Stream offset of `bytes[0]`.
    offset: u64,
    bytes: Vec<u8>,
}

/// A server message found in the bytes: when it was made, its text's length, and the packet
/// that carried its last byte.
struct Found {
    created_ns: i64,
    text_len: u64,
    packet: u64,
}

impl Pending {
    /// Add a chunk and take out every complete server message in it.
    fn feed(&mut self, chunk: &StreamChunk, payload: &[u8], found: &mut Vec<Found>) {
        let data = chunk.data(payload);
        if chunk.offset != self.offset + self.bytes.len() as u64 {
            // A gap, or the first chunk: start again here.
            self.bytes.clear();
            self.offset = chunk.offset;
        }
        self.bytes.extend_from_slice(data);
        let mut consumed = 0;
        while let Some(at) = find(self.bytes.get(consumed..).unwrap_or_default(), CREATED) {
            let marker = consumed + at;
            let Some(start) = self
                .bytes
                .get(consumed..marker)
                .and_then(|b| b.iter().rposition(|&c| c == b'{'))
                .map(|s| consumed + s)
            else {
                consumed = marker + CREATED.len();
                continue;
            };
            let rest = self.bytes.get(start..).unwrap_or_default();
            let mut values =
                serde_json::Deserializer::from_slice(rest).into_iter::<serde_json::Value>();
            match values.next() {
                Some(Ok(value)) => {
                    let end = start + values.byte_offset();
                    let last = self.offset + end as u64 - 1;
                    let created = value.get("created_ns").and_then(serde_json::Value::as_i64);
                    let text = value.get("text").and_then(serde_json::Value::as_str);
                    if let (Some(created_ns), Some(text), Some(packet)) =
                        (created, text, chunk.carrier_of(last))
                    {
                        found.push(Found {
                            created_ns,
                            text_len: text.len() as u64,
                            packet,
                        });
                    }
                    consumed = end;
                }
                // The rest of the message is still to come.
                Some(Err(e)) if e.is_eof() => break,
                _ => consumed = marker + CREATED.len(),
            }
        }
        let keep_from = if self.bytes.len() - consumed > MAX_PENDING {
            self.bytes.len() - MAX_PENDING
        } else {
            consumed
        };
        self.bytes.drain(..keep_from);
        self.offset += keep_from as u64;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Measure the chat in `frames` (one capture of one transport).
pub fn measure(frames: impl IntoIterator<Item = Frame>, shape: ChatShape<'_>) -> ChatMeasure {
    let mut engine = Engine::new();
    let mut m = ChatMeasure::default();
    let mut ts_ns: Vec<i64> = Vec::new();
    let mut pending: HashMap<u32, Pending> = HashMap::new();
    let mut found: Vec<Found> = Vec::new();
    // The last request's path on each stream (the WebSocket upgrade's, once upgraded).
    let mut paths: HashMap<u32, String> = HashMap::new();
    for frame in frames {
        m.packets += 1;
        m.wire_bytes += u64::from(frame.orig_len);
        let number = frame.number;
        if ts_ns.len() as u64 <= number {
            ts_ns.resize(number as usize + 1, 0);
        }
        if let Some(t) = ts_ns.get_mut(number as usize) {
            *t = frame.ts_ns;
        }
        let output = engine.process_tapped(&frame, &frame.data, |stream, chunk, payload| {
            if chunk.direction == Direction::ServerToClient {
                pending
                    .entry(stream)
                    .or_default()
                    .feed(chunk, payload, &mut found);
            }
        });
        let stream = output.seg.as_ref().map(|s| s.stream);
        for event in &output.events {
            let text_len = client_message(event, stream, &mut paths, shape);
            if let Some(len) = text_len {
                m.client_messages += 1;
                m.text_bytes += len;
            }
        }
    }
    m.tcp_connections = engine.connections().len() as u64;
    for f in &found {
        m.server_messages += 1;
        m.text_bytes += f.text_len;
        let received_ns = ts_ns.get(f.packet as usize).copied().unwrap_or_default();
        m.delays_ms
            .push((received_ns - f.created_ns) as f64 / 1_000_000.0);
    }
    m.messages = m.client_messages + m.server_messages;
    m.bytes_per_message = per(m.wire_bytes, m.messages);
    m.header_bytes_per_message = per(m.wire_bytes.saturating_sub(m.text_bytes), m.messages);
    let mut sorted = m.delays_ms.clone();
    sorted.sort_by(f64::total_cmp);
    m.delay_max_ms = sorted.last().copied().unwrap_or_default();
    m.delay_median_ms = median(&sorted);
    m
}

/// The median of sorted values (the mean of the middle two for an even count; 0 when empty).
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    let at = |i: usize| sorted.get(i).copied().unwrap_or_default();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => at(n / 2),
        _ => f64::midpoint(at(n / 2 - 1), at(n / 2)),
    }
}

/// The text length of the client message `event` is, if it is one.
fn client_message(
    event: &AppEvent,
    stream: Option<u32>,
    paths: &mut HashMap<u32, String>,
    shape: ChatShape<'_>,
) -> Option<u64> {
    match event {
        AppEvent::Http(h) if h.kind == HttpKind::Request => {
            let uri = h.uri.as_deref().unwrap_or_default();
            let path = uri.split_once('?').map_or(uri, |(p, _)| p);
            if let Some(s) = stream {
                paths.insert(s, path.to_owned());
            }
            (h.method.as_deref() == Some("POST") && path == shape.send_path).then_some(h.body_len)
        }
        AppEvent::WsMessage(w) => {
            let on_chat = stream
                .and_then(|s| paths.get(&s))
                .is_some_and(|p| p == shape.ws_path);
            let text = w.opcode == 1 && w.direction == Direction::ClientToServer;
            (on_chat && text).then_some(w.payload_len)
        }
        AppEvent::Io(IoEvent::SocketIo(s))
            if s.direction == Direction::ClientToServer
                && s.packet.nsp == shape.sio_nsp
                && s.packet.event() == Some(shape.sio_event) =>
        {
            let data = s.packet.data.as_ref()?.value();
            Some(data.get(1)?.as_str()?.len() as u64)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::ChunkBytes;

    fn chunk(offset: u64, bytes: &[u8], packet: u64) -> StreamChunk {
        StreamChunk {
            direction: Direction::ServerToClient,
            offset,
            bytes: ChunkBytes::Owned(bytes.to_vec()),
            carriers: crate::flow::Carriers::one((offset, packet)),
        }
    }

    #[test]
    fn a_message_cut_across_packets_belongs_to_the_packet_with_its_last_byte() {
        let line = br#"data: {"n":1,"created_ns":1000,"text":"re: hi"}"#;
        let mut p = Pending::default();
        let mut found = Vec::new();
        let (a, b) = line.split_at(30);
        p.feed(&chunk(0, a, 7), &[], &mut found);
        assert!(found.is_empty());
        p.feed(&chunk(30, b, 8), &[], &mut found);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].packet, 8);
        assert_eq!(found[0].created_ns, 1000);
        assert_eq!(found[0].text_len, "re: hi".len() as u64);
        assert!(p.bytes.is_empty());
    }

    #[test]
    fn several_messages_in_one_chunk_inside_socketio_packets() {
        let body = "42/compare,[\"chat\",{\"n\":1,\"created_ns\":5,\"text\":\"re: a\"}]\x1e\
                    42/compare,[\"chat\",{\"n\":2,\"created_ns\":6,\"text\":\"re: bb\"}]";
        let mut p = Pending::default();
        let mut found = Vec::new();
        p.feed(&chunk(100, body.as_bytes(), 3), &[], &mut found);
        let got: Vec<(i64, u64)> = found.iter().map(|f| (f.created_ns, f.text_len)).collect();
        assert_eq!(got, [(5, 5), (6, 6)]);
    }

    #[test]
    fn a_gap_starts_again_and_garbage_is_skipped() {
        let mut p = Pending::default();
        let mut found = Vec::new();
        p.feed(&chunk(0, br#"{"n":1,"created_ns":"#, 1), &[], &mut found);
        // Bytes 20..40 were never captured.
        p.feed(
            &chunk(40, br#"x"created_ns":oops {"created_ns":9,"text":""}"#, 2),
            &[],
            &mut found,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].created_ns, 9);
        assert_eq!(found[0].packet, 2);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert!((median(&[1.0, 2.0, 10.0]) - 2.0).abs() < f64::EPSILON);
        assert!((median(&[1.0, 2.0, 4.0, 10.0]) - 3.0).abs() < f64::EPSILON);
        assert!(median(&[]).abs() < f64::EPSILON);
    }
}
