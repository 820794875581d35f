//! Tests that read like a packet trace: one segment per line, built from client/server
//! templates (`..C` / `..S`), checked against what the tracker infers.

#![allow(
    clippy::needless_pass_by_value,
    reason = "segments read best built inline"
)]

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use super::*;
use crate::capture::LinkType;
use crate::decode::flags::{ACK, FIN, PSH, RST, SYN};
use crate::decode::{IpSummary, Packet, TcpOptions, TcpSegment};
use crate::flow::{Analysis, TcpState};

const CLIENT: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 51000));
const SERVER: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 8080));
const NO_OPTIONS: TcpOptions = TcpOptions {
    mss: None,
    window_scale: None,
    sack_permitted: false,
    sack: Vec::new(),
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

const C: Seg = Seg {
    from: CLIENT,
    to: SERVER,
    flags: ACK,
    seq: 0,
    ack: 0,
    window: 1000,
    payload: b"",
    len: None,
    options: NO_OPTIONS,
};
const S: Seg = Seg {
    from: SERVER,
    to: CLIENT,
    flags: ACK,
    seq: 0,
    ack: 0,
    window: 1000,
    payload: b"",
    len: None,
    options: NO_OPTIONS,
};

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

    fn send(&mut self, seg: Seg) -> SegmentInfo {
        self.send_after(1_000_000, seg)
    }

    fn send_after(&mut self, delay_ns: i64, seg: Seg) -> SegmentInfo {
        self.number += 1;
        self.ts_ns += delay_ns;
        let packet = make_packet(self.number, self.ts_ns, &seg);
        self.tracker.process(&packet).expect("a TCP packet")
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
        data: seg.payload.to_vec(),
        layers: Vec::new(),
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
            payload: 0..seg.payload.len(),
        }),
        issues: Vec::new(),
    }
}

fn change(peer: Peer, from: TcpState, to: TcpState) -> StateChange {
    StateChange { peer, from, to }
}

fn bytes(info: &SegmentInfo) -> Vec<u8> {
    info.chunks.iter().flat_map(|c| c.data.clone()).collect()
}

#[test]
fn three_way_handshake_moves_both_peers_to_established() {
    use TcpState::{Closed, Established, Listen, SynReceived, SynSent};
    let mut t = Trace::new();
    let syn = t.send(Seg {
        flags: SYN,
        seq: C_ISN,
        ..C
    });
    assert_eq!(
        syn.state_changes,
        vec![change(Peer::Client, Closed, SynSent)]
    );
    assert_eq!(
        (syn.stream, syn.direction, syn.rel_seq, syn.next_rel_seq),
        (0, Direction::ClientToServer, 0, 1)
    );
    let syn_ack = t.send(Seg {
        flags: SYN | ACK,
        seq: S_ISN,
        ack: C_ISN + 1,
        ..S
    });
    assert_eq!(
        syn_ack.state_changes,
        vec![
            change(Peer::Server, Listen, SynReceived),
            change(Peer::Client, SynSent, Established)
        ]
    );
    assert_eq!(
        (syn_ack.direction, syn_ack.rel_seq, syn_ack.rel_ack),
        (Direction::ServerToClient, 0, 1)
    );
    let ack = t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        ..C
    });
    assert_eq!(
        ack.state_changes,
        vec![change(Peer::Server, SynReceived, Established)]
    );
    assert_eq!((ack.rel_seq, ack.rel_ack), (1, 1));
    let conn = t.conn(0);
    assert_eq!(
        (conn.client, conn.server, conn.midstream),
        (CLIENT, SERVER, false)
    );
    assert_eq!(
        (conn.client_isn, conn.server_isn),
        (Some(C_ISN), Some(S_ISN))
    );
    assert_eq!(conn.handshake_rtt_ns, Some(2_000_000));
    assert_eq!(conn.completeness.bits(), 1 | 2 | 4);
    assert!(syn.analysis.is_empty() && syn_ack.analysis.is_empty() && ack.analysis.is_empty());
}

#[test]
fn data_is_delivered_in_order_with_its_carrier_packet() {
    let mut t = Trace::new();
    t.handshake();
    let get = t.send(Seg {
        flags: PSH | ACK,
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        payload: b"GET /",
        ..C
    });
    assert_eq!((get.rel_seq, get.next_rel_seq), (1, 6));
    assert_eq!(
        get.chunks,
        vec![StreamChunk {
            direction: Direction::ClientToServer,
            offset: 0,
            data: b"GET /".to_vec(),
            carriers: vec![(0, 4)],
        }]
    );
    let reply = t.send(Seg {
        flags: PSH | ACK,
        seq: S_ISN + 1,
        ack: C_ISN + 6,
        payload: b"HTTP",
        ..S
    });
    assert_eq!(
        (reply.rel_seq, reply.rel_ack, bytes(&reply)),
        (1, 6, b"HTTP".to_vec())
    );
    assert_eq!(t.conn(0).payload_bytes, [5, 4]);
    assert_eq!(t.conn(0).packets, [3, 2]);
}

#[test]
fn active_close_by_the_client() {
    use TcpState::{CloseWait, Closed, Established, FinWait1, FinWait2, LastAck, TimeWait};
    let mut t = Trace::new();
    t.handshake();
    let fin = t.send(Seg {
        flags: FIN | ACK,
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        ..C
    });
    assert_eq!(
        fin.state_changes,
        vec![
            change(Peer::Client, Established, FinWait1),
            change(Peer::Server, Established, CloseWait)
        ]
    );
    let ack = t.send(Seg {
        seq: S_ISN + 1,
        ack: C_ISN + 2,
        ..S
    });
    assert_eq!(
        ack.state_changes,
        vec![change(Peer::Client, FinWait1, FinWait2)]
    );
    let fin2 = t.send(Seg {
        flags: FIN | ACK,
        seq: S_ISN + 1,
        ack: C_ISN + 2,
        ..S
    });
    assert_eq!(
        fin2.state_changes,
        vec![
            change(Peer::Server, CloseWait, LastAck),
            change(Peer::Client, FinWait2, TimeWait)
        ]
    );
    let last = t.send(Seg {
        seq: C_ISN + 2,
        ack: S_ISN + 2,
        ..C
    });
    assert_eq!(
        last.state_changes,
        vec![change(Peer::Server, LastAck, Closed)]
    );
    assert!(fin.analysis.is_empty() && ack.analysis.is_empty() && fin2.analysis.is_empty());
    assert!(last.analysis.is_empty());
}

#[test]
fn simultaneous_close_goes_through_closing() {
    use TcpState::{CloseWait, Closing, FinWait1, TimeWait};
    let mut t = Trace::new();
    t.handshake();
    t.send(Seg {
        flags: FIN | ACK,
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        ..C
    });
    // The server's FIN crossed the client's: it does not acknowledge it.
    let fin2 = t.send_after(
        10,
        Seg {
            flags: FIN | ACK,
            seq: S_ISN + 1,
            ack: C_ISN + 1,
            ..S
        },
    );
    assert_eq!(
        fin2.state_changes,
        vec![
            change(Peer::Server, CloseWait, Closing),
            change(Peer::Client, FinWait1, Closing)
        ]
    );
    let ack = t.send(Seg {
        seq: S_ISN + 2,
        ack: C_ISN + 2,
        ..S
    });
    assert_eq!(
        ack.state_changes,
        vec![change(Peer::Client, Closing, TimeWait)]
    );
    let ack2 = t.send(Seg {
        seq: C_ISN + 2,
        ack: S_ISN + 2,
        ..C
    });
    assert_eq!(
        ack2.state_changes,
        vec![change(Peer::Server, Closing, TimeWait)]
    );
}

#[test]
fn reset_closes_both_peers() {
    use TcpState::{Closed, Established};
    let mut t = Trace::new();
    t.handshake();
    let rst = t.send(Seg {
        flags: RST | ACK,
        seq: S_ISN + 1,
        ack: C_ISN + 1,
        ..S
    });
    assert_eq!(
        rst.state_changes,
        vec![
            change(Peer::Server, Established, Closed),
            change(Peer::Client, Established, Closed)
        ]
    );
    assert!(t.conn(0).completeness.rst);
}

#[test]
fn refused_connection_syn_answered_by_rst_ack() {
    use TcpState::{Closed, Listen, SynSent};
    let mut t = Trace::new();
    t.send(Seg {
        flags: SYN,
        seq: C_ISN,
        ..C
    });
    let rst = t.send(Seg {
        flags: RST | ACK,
        seq: 0,
        ack: C_ISN + 1,
        window: 0,
        ..S
    });
    assert_eq!(rst.stream, 0);
    assert_eq!((rst.rel_seq, rst.rel_ack), (1, 1));
    assert_eq!(
        rst.state_changes,
        vec![
            change(Peer::Server, Listen, Closed),
            change(Peer::Client, SynSent, Closed)
        ]
    );
    assert!(
        rst.analysis.is_empty(),
        "a RST with window 0 is not a zero window"
    );
    // Wireshark counts the RST/ACK as an ACK too: SYN + ACK + RST.
    assert_eq!(t.conn(0).completeness.bits(), 1 | 4 | 32);
}

#[test]
fn sequence_numbers_wrap_at_isn_2_pow_32_minus_1() {
    let mut t = Trace::new();
    let isn = u32::MAX;
    t.send(Seg {
        flags: SYN,
        seq: isn,
        ..C
    });
    t.send(Seg {
        flags: SYN | ACK,
        seq: S_ISN,
        ack: 0,
        ..S
    });
    let ack = t.send(Seg {
        seq: 0,
        ack: S_ISN + 1,
        ..C
    });
    assert_eq!(ack.rel_seq, 1);
    let a = t.send(Seg {
        seq: 4,
        ack: S_ISN + 1,
        payload: b"5678",
        ..C
    });
    assert_eq!(a.analysis, vec![Analysis::LostSegment]);
    let b = t.send(Seg {
        seq: 0,
        ack: S_ISN + 1,
        payload: b"1234",
        ..C
    });
    assert_eq!((b.rel_seq, b.next_rel_seq), (1, 5));
    assert_eq!(b.analysis, vec![Analysis::OutOfOrder]);
    assert_eq!(b.chunks[0].data, b"12345678".to_vec());
    assert_eq!(b.chunks[0].carriers, vec![(0, 5), (4, 4)]);
    let reply = t.send(Seg {
        seq: S_ISN + 1,
        ack: 8,
        ..S
    });
    assert_eq!(reply.rel_ack, 9);
}

#[test]
fn connection_picked_up_midstream() {
    let mut t = Trace::new();
    let first = t.send(Seg {
        seq: S_ISN + 100,
        ack: C_ISN + 50,
        payload: b"HTTP/1.1 200",
        ..S
    });
    assert_eq!(
        (first.direction, first.rel_seq, first.rel_ack),
        (Direction::ClientToServer, 1, 1)
    );
    let conn = t.conn(0);
    assert!(conn.midstream);
    assert_eq!((conn.client, conn.server), (SERVER, CLIENT));
    assert_eq!(
        (conn.client_state, conn.server_state),
        (TcpState::Established, TcpState::Established)
    );
    assert_eq!(first.chunks[0].offset, 0);
    let back = t.send(Seg {
        seq: C_ISN + 50,
        ack: S_ISN + 112,
        ..C
    });
    assert_eq!(
        (back.direction, back.rel_seq, back.rel_ack),
        (Direction::ServerToClient, 1, 13)
    );
}

#[test]
fn syn_ack_first_makes_its_receiver_the_client() {
    let mut t = Trace::new();
    let syn_ack = t.send(Seg {
        flags: SYN | ACK,
        seq: S_ISN,
        ack: C_ISN + 1,
        ..S
    });
    assert_eq!(syn_ack.direction, Direction::ServerToClient);
    assert_eq!((t.conn(0).client, t.conn(0).midstream), (CLIENT, true));
}

#[test]
fn port_reuse_after_close_starts_a_new_stream() {
    let mut t = Trace::new();
    t.handshake();
    t.send(Seg {
        flags: FIN | ACK,
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        ..C
    });
    t.send(Seg {
        flags: FIN | ACK,
        seq: S_ISN + 1,
        ack: C_ISN + 2,
        ..S
    });
    t.send(Seg {
        seq: C_ISN + 2,
        ack: S_ISN + 2,
        ..C
    });
    let syn = t.send(Seg {
        flags: SYN,
        seq: 77_000,
        ..C
    });
    assert_eq!((syn.stream, syn.rel_seq), (1, 0));
    assert!(syn.analysis.is_empty());
    let syn_ack = t.send(Seg {
        flags: SYN | ACK,
        seq: 9,
        ack: 77_001,
        ..S
    });
    assert_eq!((syn_ack.stream, syn_ack.rel_ack), (1, 1));
    assert_eq!(t.tracker.connections().len(), 2);
}

#[test]
fn a_new_isn_on_an_open_key_is_a_new_stream_as_in_wireshark() {
    let mut t = Trace::new();
    t.send(Seg {
        flags: SYN,
        seq: C_ISN,
        ..C
    });
    assert_eq!(
        t.send(Seg {
            flags: SYN,
            seq: C_ISN + 999,
            ..C
        })
        .stream,
        1
    );
}

#[test]
fn syn_retransmission_is_a_retransmission_on_the_same_stream() {
    let mut t = Trace::new();
    t.send(Seg {
        flags: SYN,
        seq: C_ISN,
        ..C
    });
    let again = t.send_after(
        1_000_000_000,
        Seg {
            flags: SYN,
            seq: C_ISN,
            ..C
        },
    );
    assert_eq!(again.stream, 0);
    assert_eq!(again.analysis, vec![Analysis::Retransmission]);
}

#[test]
fn window_is_scaled_only_when_both_syns_carry_the_option() {
    let mut t = Trace::new();
    let ws = |shift| TcpOptions {
        window_scale: Some(shift),
        mss: Some(1460),
        ..NO_OPTIONS
    };
    let syn = t.send(Seg {
        flags: SYN,
        seq: C_ISN,
        window: 65535,
        options: ws(7),
        ..C
    });
    assert_eq!((syn.window_scaled, syn.window_shift), (65535, None));
    t.send(Seg {
        flags: SYN | ACK,
        seq: S_ISN,
        ack: C_ISN + 1,
        options: ws(2),
        ..S
    });
    let ack = t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        window: 512,
        ..C
    });
    assert_eq!((ack.window_scaled, ack.window_shift), (512 << 7, Some(7)));
    let back = t.send(Seg {
        seq: S_ISN + 1,
        ack: C_ISN + 1,
        window: 3,
        ..S
    });
    assert_eq!((back.window_scaled, back.window_shift), (12, Some(2)));
    assert_eq!(t.conn(0).client_options.mss, Some(1460));

    let mut t = Trace::new();
    t.send(Seg {
        flags: SYN,
        seq: C_ISN,
        options: ws(7),
        ..C
    });
    t.send(Seg {
        flags: SYN | ACK,
        seq: S_ISN,
        ack: C_ISN + 1,
        ..S
    });
    let ack = t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        window: 512,
        ..C
    });
    assert_eq!((ack.window_scaled, ack.window_shift), (512, None));
}

#[test]
fn retransmission_after_a_timeout() {
    let mut t = Trace::new();
    t.handshake();
    t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        payload: b"hello",
        ..C
    });
    let again = t.send_after(
        200_000_000,
        Seg {
            seq: C_ISN + 1,
            ack: S_ISN + 1,
            payload: b"hello",
            ..C
        },
    );
    assert_eq!(again.analysis, vec![Analysis::Retransmission]);
    assert!(
        again.chunks.is_empty(),
        "retransmitted bytes are delivered once"
    );
}

#[test]
fn out_of_order_when_the_earlier_segment_arrives_soon_after() {
    let mut t = Trace::new();
    t.handshake();
    let later = t.send(Seg {
        seq: C_ISN + 6,
        ack: S_ISN + 1,
        payload: b"world",
        ..C
    });
    assert_eq!(later.analysis, vec![Analysis::LostSegment]);
    assert!(later.chunks.is_empty());
    let early = t.send_after(
        100_000,
        Seg {
            seq: C_ISN + 1,
            ack: S_ISN + 1,
            payload: b"hello",
            ..C
        },
    );
    assert_eq!(early.analysis, vec![Analysis::OutOfOrder]);
    assert_eq!(bytes(&early), b"helloworld".to_vec());
}

#[test]
fn three_identical_acks_are_duplicate_acks_then_fast_retransmission() {
    let mut t = Trace::new();
    t.handshake();
    t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        payload: b"aaaa",
        ..C
    });
    let lost = t.send(Seg {
        seq: C_ISN + 9,
        ack: S_ISN + 1,
        payload: b"cccc",
        ..C
    });
    assert_eq!(lost.analysis, vec![Analysis::LostSegment]);
    let ack = Seg {
        seq: S_ISN + 1,
        ack: C_ISN + 5,
        ..S
    };
    assert!(t.send(Seg { ..ack }).analysis.is_empty());
    let dup = Seg {
        seq: S_ISN + 1,
        ack: C_ISN + 5,
        ..S
    };
    assert_eq!(t.send(dup).analysis, vec![Analysis::DuplicateAck]);
    assert_eq!(
        t.send(Seg {
            seq: S_ISN + 1,
            ack: C_ISN + 5,
            ..S
        })
        .analysis,
        vec![Analysis::DuplicateAck]
    );
    let fast = t.send(Seg {
        seq: C_ISN + 5,
        ack: S_ISN + 1,
        payload: b"bbbb",
        ..C
    });
    assert_eq!(
        fast.analysis,
        vec![Analysis::FastRetransmission, Analysis::Retransmission]
    );
    assert_eq!(bytes(&fast), b"bbbbcccc".to_vec());
}

#[test]
fn duplicate_ack_needs_no_payload_and_the_same_window() {
    let mut t = Trace::new();
    t.handshake();
    let same = Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        ..C
    };
    assert_eq!(t.send(same).analysis, vec![Analysis::DuplicateAck]);
    let update = t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        window: 2000,
        ..C
    });
    assert_eq!(update.analysis, vec![Analysis::WindowUpdate]);
}

#[test]
fn zero_window_and_keep_alive() {
    let mut t = Trace::new();
    t.handshake();
    let zero = t.send(Seg {
        seq: S_ISN + 1,
        ack: C_ISN + 1,
        window: 0,
        ..S
    });
    assert_eq!(zero.analysis, vec![Analysis::ZeroWindow]);
    let keep_alive = t.send_after(
        5_000_000_000,
        Seg {
            seq: C_ISN,
            ack: S_ISN + 1,
            ..C
        },
    );
    assert_eq!(keep_alive.analysis, vec![Analysis::KeepAlive]);
    let keep_alive_ack = t.send(Seg {
        seq: S_ISN + 1,
        ack: C_ISN + 1,
        window: 0,
        ..S
    });
    assert!(!keep_alive_ack.analysis.contains(&Analysis::DuplicateAck));
}

#[test]
fn spurious_retransmission_of_acknowledged_data_counts_as_retransmission() {
    let mut t = Trace::new();
    t.handshake();
    t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        payload: b"abc",
        ..C
    });
    t.send(Seg {
        seq: S_ISN + 1,
        ack: C_ISN + 4,
        ..S
    });
    let again = t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        payload: b"abc",
        ..C
    });
    assert_eq!(
        again.analysis,
        vec![Analysis::SpuriousRetransmission, Analysis::Retransmission]
    );
}

#[test]
fn truncated_capture_delivers_the_captured_bytes_then_a_gap() {
    let mut t = Trace::new();
    t.handshake();
    let cut = t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        payload: b"GET",
        len: Some(100),
        ..C
    });
    assert_eq!(bytes(&cut), b"GET".to_vec());
    assert_eq!(
        cut.gaps,
        vec![Gap {
            direction: Direction::ClientToServer,
            offset: 3,
            len: 97
        }]
    );
    assert_eq!(t.conn(0).missing_bytes, [97, 0]);
    let next = t.send(Seg {
        seq: C_ISN + 101,
        ack: S_ISN + 1,
        payload: b"x",
        ..C
    });
    assert_eq!((next.chunks[0].offset, next.analysis.len()), (100, 0));
}

#[test]
fn buffers_are_freed_when_a_connection_closes() {
    let mut t = Trace::new();
    t.handshake();
    t.send(Seg {
        seq: C_ISN + 11,
        ack: S_ISN + 1,
        payload: b"later",
        ..C
    });
    assert_eq!(t.tracker.flows[0].dirs[0].stream.buffered_bytes(), 5);
    let rst = t.send(Seg {
        flags: RST | ACK,
        seq: C_ISN + 16,
        ack: S_ISN + 1,
        ..C
    });
    assert_eq!(rst.gaps.len(), 1);
    assert_eq!(bytes(&rst), b"later".to_vec());
    assert_eq!(t.tracker.flows[0].dirs[0].stream.buffered_bytes(), 0);
}

#[test]
fn non_tcp_packets_are_ignored() {
    let mut packet = make_packet(1, 0, &C);
    packet.tcp = None;
    assert!(
        FlowTracker::new(FlowLimits::default())
            .process(&packet)
            .is_none()
    );
}
