//! Tests that drive [`AppTracker`] with byte streams built by hand, as a packet trace would.

mod http_cases;
mod props;
mod ws_cases;

use super::{AppEvent, AppTracker, HttpMessage, NoteKind, WsFrame, WsMessage};
use crate::flow::{Carriers, ChunkBytes, Delivered, Direction, Gap, StreamChunk};

pub const C2S: Direction = Direction::ClientToServer;
pub const S2C: Direction = Direction::ServerToClient;

/// A connection being replayed: each `send` is one packet.
pub struct Conv {
    pub tracker: AppTracker,
    offsets: [u64; 2],
    pub packet: u64,
    pub events: Vec<(u64, AppEvent)>,
}

impl Conv {
    pub fn new() -> Self {
        Self {
            tracker: AppTracker::new(),
            offsets: [0; 2],
            packet: 0,
            events: Vec::new(),
        }
    }

    /// One packet carrying `data` in direction `dir`; returns its events.
    pub fn send(&mut self, dir: Direction, data: &[u8]) -> Vec<AppEvent> {
        self.packet += 1;
        let offset = self.offsets[dir.index()];
        self.offsets[dir.index()] += data.len() as u64;
        let chunk = Delivered::Chunk(StreamChunk {
            direction: dir,
            offset,
            bytes: ChunkBytes::Payload(0..data.len()),
            carriers: Carriers::one((offset, self.packet)),
        });
        let mut ev = Vec::new();
        self.tracker.feed(0, &chunk, data, self.packet, &mut ev);
        self.events
            .extend(ev.iter().cloned().map(|e| (self.packet, e)));
        ev
    }

    /// Lose `len` bytes of direction `dir`.
    pub fn lose(&mut self, dir: Direction, len: u64) -> Vec<AppEvent> {
        self.packet += 1;
        let offset = self.offsets[dir.index()];
        self.offsets[dir.index()] += len;
        let gap = Delivered::Gap(Gap {
            direction: dir,
            offset,
            len,
        });
        let mut ev = Vec::new();
        self.tracker.feed(0, &gap, &[], self.packet, &mut ev);
        self.events
            .extend(ev.iter().cloned().map(|e| (self.packet, e)));
        ev
    }

    pub fn http(&self) -> Vec<HttpMessage> {
        self.events
            .iter()
            .filter_map(|(_, e)| {
                if let AppEvent::Http(m) = e {
                    Some(HttpMessage::clone(m))
                } else {
                    None
                }
            })
            .collect()
    }

    pub fn frames(&self) -> Vec<WsFrame> {
        self.events
            .iter()
            .filter_map(|(_, e)| {
                if let AppEvent::WsFrame(f) = e {
                    Some(f.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    /// For each frame, the packet it was reported with.
    pub fn frame_packets(&self) -> Vec<u64> {
        self.events
            .iter()
            .filter(|(_, e)| matches!(e, AppEvent::WsFrame(_)))
            .map(|(packet, _)| *packet)
            .collect()
    }

    pub fn messages(&self) -> Vec<WsMessage> {
        self.events
            .iter()
            .filter_map(|(_, e)| {
                if let AppEvent::WsMessage(m) = e {
                    Some(m.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    pub fn notes(&self) -> Vec<NoteKind> {
        self.events
            .iter()
            .filter_map(|(_, e)| {
                if let AppEvent::Note(n) = e {
                    Some(n.kind.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    /// Skip `n` bytes of direction `dir` without telling the tracker.
    pub fn offsets_skip(&mut self, dir: Direction, n: u64) {
        self.offsets[dir.index()] += n;
    }

    /// The 101 of the RFC 6455 §1.2 example.
    pub fn handshake_response(&mut self) {
        self.send(S2C, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    }

    /// The RFC 6455 §1.2 handshake, `extensions` added to the 101 when given.
    pub fn handshake(&mut self, extensions: Option<&str>) {
        self.send(C2S, UPGRADE_REQUEST);
        let mut resp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n".to_vec();
        if let Some(ext) = extensions {
            resp.extend_from_slice(format!("Sec-WebSocket-Extensions: {ext}\r\n").as_bytes());
        }
        resp.extend_from_slice(b"\r\n");
        self.send(S2C, &resp);
    }
}

pub const UPGRADE_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A frame as bytes: `mask` masks it with that key.
pub fn frame(fin: bool, rsv: u8, op: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let len_field = if len < 126 {
        len as u8
    } else if len <= 0xFFFF {
        126
    } else {
        127
    };
    let h = super::websocket::FrameHeader {
        fin,
        rsv,
        opcode: op,
        masking_key: mask,
        len_field,
        payload_len: len as u64,
        header_len: 0,
    };
    let mut out = h.format();
    let mut p = payload.to_vec();
    if let Some(k) = mask {
        super::websocket::frame::apply_mask(&mut p, k, 0);
    }
    out.extend(p);
    out
}

pub const KEY: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);
