//! The flow tracker: finds each packet's connection and runs state, analysis and reassembly.

use foldhash::HashMap;
use std::hash::{Hash, Hasher};
use std::net::{SocketAddr, SocketAddrV4};

use crate::decode::flags::{ACK, FIN, RST, SYN};
use crate::decode::{Packet, TcpSegment};

use super::analysis::{self, DirAnalysis, SegFacts};
use super::reassembly::Reassembler;
use super::socks::Socks;
use super::state::{self, End, Observed};
use super::{
    Completeness, Connection, Delivered, Direction, Peer, PeerOptions, SegmentInfo, SeqNum,
    StateChange, TcpState,
};

/// Memory bounds for reassembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowLimits {
    /// Out-of-order bytes buffered per direction before the oldest hole is declared a gap.
    pub max_buffered_bytes: usize,
}

impl Default for FlowLimits {
    fn default() -> Self {
        Self {
            max_buffered_bytes: 4 * 1024 * 1024,
        }
    }
}

/// RFC 7323 §2.3: a window scale shift above 14 is treated as 14.
const MAX_WINDOW_SHIFT: u8 = 14;

/// One direction's working state.
#[derive(Clone, Debug)]
struct DirFlow {
    /// Wireshark's `base_seq`: relative sequence numbers count from here.
    base_seq: Option<u32>,
    analysis: DirAnalysis,
    stream: Reassembler,
    /// Sequence number of this direction's FIN, once sent.
    fin_seq: Option<SeqNum>,
}

impl DirFlow {
    fn new(direction: Direction) -> Self {
        Self {
            base_seq: None,
            analysis: DirAnalysis::default(),
            stream: Reassembler::new(direction),
            fin_seq: None,
        }
    }
}

/// A connection's working state (what `Connection` does not show).
#[derive(Clone, Debug)]
struct Flow {
    dirs: [DirFlow; 2],
    /// Time of the most recent SYN (Wireshark's `ts_mru_syn`).
    last_syn_ts_ns: Option<i64>,
    /// Closed by a RST or by FINs both ways: a new SYN on its key starts a new stream.
    closed: bool,
    socks: Socks,
}

impl Flow {
    fn new() -> Self {
        Self {
            dirs: [
                DirFlow::new(Direction::ClientToServer),
                DirFlow::new(Direction::ServerToClient),
            ],
            last_syn_ts_ns: None,
            closed: false,
            socks: Socks::default(),
        }
    }

    /// `(sender, receiver)` for a segment going `dir`.
    fn ends(&mut self, dir: Direction) -> (&mut DirFlow, &mut DirFlow) {
        let [c2s, s2c] = &mut self.dirs;
        match dir {
            Direction::ClientToServer => (c2s, s2c),
            Direction::ServerToClient => (s2c, c2s),
        }
    }
}

/// A connection's two ends, in a fixed order so that both directions give the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key(SocketAddr, SocketAddr);

/// Every packet hashes its key: an IPv4 pair is hashed as one packed 96-bit number, where
/// `SocketAddr`'s derived `Hash` writes each end's variant, address length, octets and port
/// apart (about 6 % of the flow tracker's instructions on a TLS capture). Equal keys still
/// hash alike, which is all a map needs.
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match (self.0, self.1) {
            (SocketAddr::V4(a), SocketAddr::V4(b)) => {
                state.write_u128(u128::from(packed_v4(a)) << 48 | u128::from(packed_v4(b)));
            }
            (a, b) => {
                a.hash(state);
                b.hash(state);
            }
        }
    }
}

/// An IPv4 end as one number: the address above the port (48 bits).
fn packed_v4(end: SocketAddrV4) -> u64 {
    u64::from(end.ip().to_bits()) << 16 | u64::from(end.port())
}

fn key_of(a: SocketAddr, b: SocketAddr) -> Key {
    // Which end comes first does not show; it only has to be the same both ways. IPv4 ends
    // are ordered by their packed numbers (one comparison), others as `SocketAddr`s.
    let a_first = match (a, b) {
        (SocketAddr::V4(x), SocketAddr::V4(y)) => packed_v4(x) <= packed_v4(y),
        _ => a <= b,
    };
    if a_first { Key(a, b) } else { Key(b, a) }
}

/// Tracks every TCP connection in a capture.
#[derive(Debug, Default)]
pub struct FlowTracker {
    limits: FlowLimits,
    /// In order of first appearance; ids increase but may skip one (see [`Socks`]).
    connections: Vec<Connection>,
    /// Working state, at the same positions as `connections`.
    flows: Vec<Flow>,
    /// The position of the current connection on each address/port pair.
    by_key: HashMap<Key, usize>,
    /// The next `tcp.stream` id.
    next_id: u32,
    /// What the direction delivered second, before it joins the first (kept for its
    /// allocation: this runs for every packet).
    later: Vec<Delivered>,
}

impl FlowTracker {
    pub fn new(limits: FlowLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Account for one packet, whose captured TCP payload is `payload` (the packet's own, or
    /// its bytes kept elsewhere: see `Engine::process_borrowed`). `None` when it is not TCP.
    /// Also returns what the packet made available to the application layer; in-order bytes
    /// are a [`ChunkBytes::Payload`](super::ChunkBytes::Payload) range of `payload`.
    pub fn process(
        &mut self,
        packet: &Packet,
        payload: &[u8],
    ) -> Option<(SegmentInfo, Vec<Delivered>)> {
        let mut delivered = Vec::new();
        let seg = self.process_into(packet, payload, &mut delivered)?;
        Some((seg, delivered))
    }

    /// As [`FlowTracker::process`], with what the packet made available put in `delivered`
    /// (emptied first): a caller that keeps one list allocates none per packet.
    pub fn process_into(
        &mut self,
        packet: &Packet,
        payload: &[u8],
        delivered: &mut Vec<Delivered>,
    ) -> Option<SegmentInfo> {
        delivered.clear();
        let tcp = packet.tcp.as_ref()?;
        let ip = packet.ip?;
        let src = SocketAddr::new(ip.src, tcp.src_port);
        let dst = SocketAddr::new(ip.dst, tcp.dst_port);
        let idx = self.connection_for(src, dst, tcp, packet);
        let conn = self.connections.get_mut(idx)?;
        let flow = self.flows.get_mut(idx)?;
        let dir = if src == conn.client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        let to_server = dir == Direction::ClientToServer;
        if flow
            .socks
            .on_payload(to_server, conn.server.port(), payload)
        {
            self.next_id = self.next_id.saturating_add(1);
        }
        let seg = Segment {
            dir,
            tcp,
            packet,
            payload,
        };
        let info = segment(conn, flow, &seg, self.limits, delivered, &mut self.later);
        Some(info)
    }

    pub fn connection(&self, id: u32) -> Option<&Connection> {
        let idx = self.connections.binary_search_by_key(&id, |c| c.id).ok()?;
        self.connections.get(idx)
    }

    /// Both directions of connection `id` are closed (FINs acknowledged, or a RST): no more
    /// stream bytes or gaps will be delivered for it, so later stages may free their state.
    pub fn delivered_all(&self, id: u32) -> bool {
        let Ok(idx) = self.connections.binary_search_by_key(&id, |c| c.id) else {
            return false;
        };
        self.flows
            .get(idx)
            .is_some_and(|f| f.dirs.iter().all(|d| d.stream.is_closed()))
    }

    /// All connections, in order of first appearance.
    pub fn connections(&self) -> &[Connection] {
        &self.connections
    }

    /// The connection this packet belongs to, starting a new one for a new key or for a SYN
    /// that reuses the ports of an earlier connection (Wireshark: a SYN whose sequence number
    /// differs from the sender's ISN; here also any SYN after the connection closed).
    fn connection_for(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        tcp: &TcpSegment,
        packet: &Packet,
    ) -> usize {
        let key = key_of(src, dst);
        let pure_syn = tcp.flags & (SYN | ACK) == SYN;
        if let Some(&idx) = self.by_key.get(&key) {
            let reuse = pure_syn
                && self
                    .connections
                    .get(idx)
                    .zip(self.flows.get(idx))
                    .is_some_and(|(conn, flow)| {
                        let dir = usize::from(src != conn.client);
                        flow.dirs[dir]
                            .base_seq
                            .is_some_and(|base| base != tcp.seq || flow.closed)
                    });
            if !reuse {
                return idx;
            }
        }
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        let syn_ack = tcp.flags & (SYN | ACK) == SYN | ACK;
        let (client, server) = if syn_ack { (dst, src) } else { (src, dst) };
        let (client_state, server_state) = if pure_syn {
            (TcpState::Closed, TcpState::Listen)
        } else if syn_ack {
            (TcpState::SynSent, TcpState::Listen)
        } else {
            (TcpState::Established, TcpState::Established)
        };
        self.connections.push(Connection {
            id,
            client,
            server,
            midstream: !pure_syn,
            client_state,
            server_state,
            client_isn: None,
            server_isn: None,
            client_options: PeerOptions::default(),
            server_options: PeerOptions::default(),
            handshake_rtt_ns: None,
            completeness: Completeness::default(),
            first_packet: packet.number,
            last_packet: packet.number,
            first_ts_ns: packet.ts_ns,
            last_ts_ns: packet.ts_ns,
            packets: [0; 2],
            payload_bytes: [0; 2],
            missing_bytes: [0; 2],
        });
        self.flows.push(Flow::new());
        let idx = self.connections.len() - 1;
        self.by_key.insert(key, idx);
        idx
    }
}

/// One TCP segment as the tracker reads it.
struct Segment<'a> {
    /// Which way it travels.
    dir: Direction,
    tcp: &'a TcpSegment,
    /// The packet it came in (its number and time).
    packet: &'a Packet,
    /// Its captured payload.
    payload: &'a [u8],
}

/// Run one segment through sequence numbers, analysis, state and reassembly.
fn segment(
    conn: &mut Connection,
    flow: &mut Flow,
    seg: &Segment<'_>,
    limits: FlowLimits,
    delivered: &mut Vec<Delivered>,
    later: &mut Vec<Delivered>,
) -> SegmentInfo {
    let Segment {
        dir, tcp, packet, ..
    } = *seg;
    let has = |f: u16| tcp.flags & f != 0;
    let pure_syn = tcp.flags & (SYN | ACK) == SYN;
    let first_rtt = conn.handshake_rtt_ns;
    let last_syn_ts = flow.last_syn_ts_ns;
    let (fwd, rev) = flow.ends(dir);

    set_bases(fwd, rev, tcp);
    let facts = SegFacts {
        seq: tcp.seq,
        ack: tcp.ack,
        seglen: tcp.payload_len,
        flags: tcp.flags,
        window: tcp.window,
        ts_ns: packet.ts_ns,
    };
    let analysis = analysis::analyze(&mut fwd.analysis, &mut rev.analysis, &facts, first_rtt);
    let (rel_seq, rel_ack, next_rel_seq) = relative_numbers(fwd, rev, tcp);

    let acks_peer_fin = has(ACK) && rev.fin_seq.is_some_and(|f| SeqNum(tcp.ack) > f);
    if has(FIN) {
        let fin = SeqNum(tcp.seq)
            .add(tcp.payload_len)
            .add(u32::from(has(SYN)));
        fwd.fin_seq.get_or_insert(fin);
    }

    // Client→server first: an answer may release what the client sent after a request.
    let (fwd_out, rev_out) = match dir {
        Direction::ClientToServer => (&mut *delivered, &mut *later),
        Direction::ServerToClient => (&mut *later, &mut *delivered),
    };
    reassemble(fwd, rev, seg, limits, acks_peer_fin, fwd_out, rev_out);
    delivered.append(later);
    let both_fins = fwd.fin_seq.is_some() && rev.fin_seq.is_some();

    // Timing, as Wireshark: handshake RTT from the most recent SYN to the first pure ACK.
    if pure_syn {
        flow.last_syn_ts_ns = Some(packet.ts_ns);
    }
    if tcp.flags & (SYN | ACK) == ACK
        && matches!(conn.handshake_rtt_ns, None | Some(0))
        && let Some(syn_ts) = last_syn_ts
    {
        conn.handshake_rtt_ns = Some(packet.ts_ns.wrapping_sub(syn_ts));
    }
    flow.closed |= has(RST) || both_fins;

    let state_changes = update_connection(conn, dir, tcp, packet, acks_peer_fin);
    let window_shift = window_shift(conn, dir, tcp);
    let window_scaled = u64::from(tcp.window) << window_shift.unwrap_or(0);
    for d in delivered.iter() {
        if let Delivered::Gap(gap) = d {
            conn.missing_bytes[gap.direction.index()] += gap.len;
        }
    }
    SegmentInfo {
        stream: conn.id,
        direction: dir,
        rel_seq,
        rel_ack,
        next_rel_seq,
        window_scaled,
        window_shift,
        analysis,
        state_changes: state_changes.into(),
        rel_time_ns: packet.ts_ns.wrapping_sub(conn.first_ts_ns),
    }
}

/// Wireshark's `base_seq` for both ends: the SYN's sequence number, or one before the first
/// sequence number seen; the receiver's from the first ACK, until its own segments tell.
fn set_bases(fwd: &mut DirFlow, rev: &mut DirFlow, tcp: &TcpSegment) {
    let has = |f: u16| tcp.flags & f != 0;
    let pure_syn = tcp.flags & (SYN | ACK) == SYN;
    // Relative sequence numbers (Wireshark: the SYN is 0; without a SYN the first seq is 1).
    match fwd.base_seq {
        None => {
            fwd.base_seq = Some(if has(SYN) {
                tcp.seq
            } else {
                tcp.seq.wrapping_sub(1)
            });
        }
        Some(base) if pure_syn && base == tcp.seq => {
            fwd.analysis.restore_for_syn_retransmission();
        }
        Some(base) if has(SYN) && base != tcp.seq => fwd.base_seq = Some(tcp.seq),
        Some(_) => {}
    }
    if rev.base_seq.is_none() && has(ACK) {
        rev.base_seq = Some(tcp.ack.wrapping_sub(1));
    }
}

/// `(rel_seq, rel_ack, next_rel_seq)` as Wireshark shows them.
fn relative_numbers(fwd: &DirFlow, rev: &DirFlow, tcp: &TcpSegment) -> (u32, u32, u32) {
    let has = |f: u16| tcp.flags & f != 0;
    let rel_seq = tcp.seq.wrapping_sub(fwd.base_seq.unwrap_or(tcp.seq));
    let rel_ack = if has(ACK) {
        tcp.ack.wrapping_sub(rev.base_seq.unwrap_or(tcp.ack))
    } else {
        0
    };
    let next_rel_seq = rel_seq
        .wrapping_add(tcp.payload_len)
        .wrapping_add(u32::from(has(SYN)))
        .wrapping_add(u32::from(has(FIN)));

    (rel_seq, rel_ack, next_rel_seq)
}

/// Feed the payload to the sender's stream, and let ACKs, FINs and RSTs release or close
/// buffers. What became available is appended to `out` (forward) and `rev_out` (reverse),
/// each in stream order.
fn reassemble(
    fwd: &mut DirFlow,
    rev: &mut DirFlow,
    seg: &Segment<'_>,
    limits: FlowLimits,
    acks_peer_fin: bool,
    out: &mut Vec<Delivered>,
    rev_out: &mut Vec<Delivered>,
) {
    let tcp = seg.tcp;
    let has = |f: u16| tcp.flags & f != 0;
    if has(SYN) {
        fwd.stream.set_base(SeqNum(tcp.seq).add(1));
    } else if fwd.stream.base().is_none() {
        fwd.stream.set_base(SeqNum(tcp.seq));
    }
    if !has(RST) {
        let data_seq = SeqNum(tcp.seq).add(u32::from(has(SYN)));
        let max = limits.max_buffered_bytes;
        fwd.stream.segment(
            data_seq,
            tcp.payload_len,
            seg.payload,
            seg.packet.number,
            max,
            out,
        );
    }
    if has(FIN) {
        fwd.stream.set_fin(
            SeqNum(tcp.seq)
                .add(tcp.payload_len)
                .add(u32::from(has(SYN))),
        );
    }
    if has(ACK) {
        rev.stream.acknowledged(SeqNum(tcp.ack), rev_out);
    }
    if acks_peer_fin {
        rev.stream.close(rev_out);
    }
    if has(RST) {
        fwd.stream.close(out);
        rev.stream.close(rev_out);
    }
}

/// The shift applied to this segment's window: the sender's own, once both SYNs announced one.
/// SYN and SYN-ACK windows are never scaled (RFC 7323 §2.2).
fn window_shift(conn: &Connection, dir: Direction, tcp: &TcpSegment) -> Option<u8> {
    if tcp.flags & SYN != 0 {
        return None;
    }
    let client = conn.client_options.window_scale?;
    let server = conn.server_options.window_scale?;
    let own = match dir {
        Direction::ClientToServer => client,
        Direction::ServerToClient => server,
    };
    Some(own.min(MAX_WINDOW_SHIFT))
}

/// Options, ISNs, counters, completeness and the per-peer states.
fn update_connection(
    conn: &mut Connection,
    dir: Direction,
    tcp: &TcpSegment,
    packet: &Packet,
    acks_peer_fin: bool,
) -> Vec<StateChange> {
    let has = |f: u16| tcp.flags & f != 0;
    let d = dir.index();
    conn.packets[d] += 1;
    conn.payload_bytes[d] += u64::from(tcp.payload_len);
    conn.last_packet = packet.number;
    conn.last_ts_ns = packet.ts_ns;
    if has(SYN) {
        let options = PeerOptions {
            mss: tcp.options.mss,
            window_scale: tcp.options.window_scale,
            sack_permitted: tcp.options.sack_permitted,
            timestamps: tcp.options.timestamps.is_some(),
        };
        match dir {
            Direction::ClientToServer => {
                conn.client_options = options;
                conn.client_isn = Some(tcp.seq);
            }
            Direction::ServerToClient => {
                conn.server_options = options;
                conn.server_isn = Some(tcp.seq);
            }
        }
    }
    let c = &mut conn.completeness;
    match (has(SYN), has(ACK)) {
        (true, false) => c.syn = true,
        (true, true) => c.syn_ack = true,
        (false, true) if tcp.payload_len > 0 => c.data = true,
        (false, true) => c.ack = true,
        (false, false) => {}
    }
    c.fin |= has(FIN) && has(ACK);
    c.rst |= has(RST);

    let seen = Observed {
        syn: has(SYN),
        ack: has(ACK),
        fin: has(FIN),
        rst: has(RST),
        acks_peer_fin,
    };
    let (sender_peer, sender, receiver) = match dir {
        Direction::ClientToServer => (Peer::Client, &mut conn.client_state, &mut conn.server_state),
        Direction::ServerToClient => (Peer::Server, &mut conn.server_state, &mut conn.client_state),
    };
    let receiver_peer = match sender_peer {
        Peer::Client => Peer::Server,
        Peer::Server => Peer::Client,
    };
    state::observe(sender, receiver, seen)
        .into_iter()
        .map(|(end, from, to)| StateChange {
            peer: if end == End::Sender {
                sender_peer
            } else {
                receiver_peer
            },
            from,
            to,
        })
        .collect()
}

#[cfg(test)]
#[path = "trace_tests/mod.rs"]
mod trace_tests;
