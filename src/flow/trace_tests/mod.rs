//! Tests that read like a packet trace: one segment per line, built from client/server
//! templates (`..C` / `..S`), checked against what the tracker infers.

#![allow(
    clippy::needless_pass_by_value,
    reason = "segments read best built inline"
)]

mod flags;
mod states;
mod streams;

pub(super) use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

pub(super) use super::*;
use crate::capture::LinkType;
pub(super) use crate::decode::flags::{ACK, FIN, PSH, RST, SYN};
pub(super) use crate::decode::{IpSummary, Packet, TcpOptions, TcpSegment};
pub(super) use crate::flow::{Analysis, Carriers, ChunkBytes, Gap, StreamChunk, TcpState};

const CLIENT: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 51000));
const SERVER: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080));
const NO_OPTIONS: TcpOptions = TcpOptions {
    mss: None,
    window_scale: None,
    sack_permitted: false,
    sack: crate::decode::RareList::EMPTY,
    timestamps: None,
};

/// One segment to send. `len` is the length on the wire when only `payload` was captured.
struct Seg {
    from: SocketAddr,
    to: SocketAddr,
    flags: u16,
    seq: u32,
    ack: u32,
    window: u16,
    payload: &'static [u8],
    len: Option<u32>,
    options: TcpOptions,
}

/// A pure ACK with nothing in it, from `from` to `to`: the template every segment starts from.
const fn template(from: SocketAddr, to: SocketAddr) -> Seg {
    Seg {
        from,
        to,
        flags: ACK,
        seq: 0,
        ack: 0,
        window: 1000,
        payload: b"",
        len: None,
        options: NO_OPTIONS,
    }
}

/// Client → server.
const C: Seg = template(CLIENT, SERVER);
/// Server → client.
const S: Seg = template(SERVER, CLIENT);

const C_ISN: u32 = 1000;
const S_ISN: u32 = 5000;

/// A capture being replayed: packets are numbered from 1, 1 ms apart unless told otherwise.
struct Trace {
    tracker: FlowTracker,
    number: u64,
    ts_ns: i64,
}

impl Trace {
    fn new() -> Self {
        Self {
            tracker: FlowTracker::new(FlowLimits::default()),
            number: 0,
            ts_ns: 0,
        }
    }

    fn send(&mut self, seg: Seg) -> Sent {
        self.send_after(1_000_000, seg)
    }

    fn send_after(&mut self, delay_ns: i64, seg: Seg) -> Sent {
        self.number += 1;
        self.ts_ns += delay_ns;
        let packet = make_packet(self.number, self.ts_ns, &seg);
        let (info, delivered) = self
            .tracker
            .process(&packet, seg.payload)
            .expect("a TCP packet");
        Sent {
            info,
            delivered,
            payload: seg.payload,
        }
    }

    fn conn(&self, id: u32) -> &Connection {
        self.tracker.connection(id).expect("connection")
    }

    /// SYN, SYN-ACK, ACK with the default ISNs.
    fn handshake(&mut self) {
        self.send(Seg {
            flags: SYN,
            seq: C_ISN,
            ..C
        });
        self.send(Seg {
            flags: SYN | ACK,
            seq: S_ISN,
            ack: C_ISN + 1,
            ..S
        });
        self.send(Seg {
            seq: C_ISN + 1,
            ack: S_ISN + 1,
            ..C
        });
    }
}

fn make_packet(number: u64, ts_ns: i64, seg: &Seg) -> Packet {
    let (SocketAddr::V4(from), SocketAddr::V4(to)) = (seg.from, seg.to) else {
        unreachable!("IPv4 test addresses")
    };
    Packet {
        number,
        ts_ns,
        len: 54 + seg.len.unwrap_or(seg.payload.len() as u32),
        link: LinkType::Raw,
        interface: 0,
        caplen: seg.payload.len() as u32,
        layers: std::sync::Arc::default(),
        reassembled: None,
        ip: Some(IpSummary {
            version: 4,
            src: (*from.ip()).into(),
            dst: (*to.ip()).into(),
            ttl: 64,
        }),
        tcp: Some(TcpSegment {
            src_port: from.port(),
            dst_port: to.port(),
            seq: seg.seq,
            ack: seg.ack,
            flags: seg.flags,
            window: seg.window,
            checksum: 0,
            urgent: 0,
            header_len: 20,
            options: seg.options.clone(),
            payload_len: seg.len.unwrap_or(seg.payload.len() as u32),
            payload_at: crate::decode::TcpSegment::payload_range(0..seg.payload.len()),
        }),
        issues: crate::decode::RareList::default(),
    }
}

fn change(peer: Peer, from: TcpState, to: TcpState) -> StateChange {
    StateChange { peer, from, to }
}

/// What the tracker said about one segment: its facts (through `Deref`) and what it delivered.
struct Sent {
    info: SegmentInfo,
    delivered: Vec<Delivered>,
    /// The segment's captured payload, where [`ChunkBytes::Payload`] ranges point.
    payload: &'static [u8],
}

impl std::ops::Deref for Sent {
    type Target = SegmentInfo;
    fn deref(&self) -> &SegmentInfo {
        &self.info
    }
}

impl Sent {
    fn chunks(&self) -> Vec<&StreamChunk> {
        self.delivered
            .iter()
            .filter_map(|d| match d {
                Delivered::Chunk(c) => Some(c),
                Delivered::Gap(_) => None,
            })
            .collect()
    }

    fn gaps(&self) -> Vec<Gap> {
        self.delivered
            .iter()
            .filter_map(|d| match d {
                Delivered::Chunk(_) => None,
                Delivered::Gap(g) => Some(*g),
            })
            .collect()
    }
}

/// Every byte a segment delivered, in order.
fn bytes(sent: &Sent) -> Vec<u8> {
    sent.chunks()
        .iter()
        .flat_map(|c| c.data(sent.payload).to_vec())
        .collect()
}
