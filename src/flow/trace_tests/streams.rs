//! Streams through the tracker: which connection a packet belongs to, chunks with their
//! carriers, sequence wraparound, gaps, memory after close, and arbitrary input.

use proptest::prelude::any;

use super::*;

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
    assert_eq!(a.analysis, [Analysis::LostSegment]);
    let b = t.send(Seg {
        seq: 0,
        ack: S_ISN + 1,
        payload: b"1234",
        ..C
    });
    assert_eq!((b.rel_seq, b.next_rel_seq), (1, 5));
    assert_eq!(b.analysis, [Analysis::OutOfOrder]);
    assert_eq!(b.chunks()[0].data(b.payload), b"12345678");
    assert_eq!(*b.chunks()[0].carriers, [(0, 5), (4, 4)]);
    let reply = t.send(Seg {
        seq: S_ISN + 1,
        ack: 8,
        ..S
    });
    assert_eq!(reply.rel_ack, 9);
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
        get.chunks(),
        vec![&StreamChunk {
            direction: Direction::ClientToServer,
            offset: 0,
            bytes: ChunkBytes::Payload(0..5),
            carriers: Carriers::one((0, 4)),
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
        cut.gaps(),
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
    assert_eq!((next.chunks()[0].offset, next.analysis.len()), (100, 0));
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
    assert_eq!(rst.gaps().len(), 1);
    assert_eq!(bytes(&rst), b"later".to_vec());
    assert_eq!(t.tracker.flows[0].dirs[0].stream.buffered_bytes(), 0);
}

#[test]
fn many_short_connections_keep_no_buffers_after_close() {
    let mut t = Trace::new();
    for n in 0..2_000u16 {
        let client = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 10_000 + n));
        let c = |seg: Seg| Seg {
            from: client,
            ..seg
        };
        let s = |seg: Seg| Seg { to: client, ..seg };
        t.send(c(Seg {
            flags: SYN,
            seq: C_ISN,
            ..C
        }));
        t.send(s(Seg {
            flags: SYN | ACK,
            seq: S_ISN,
            ack: C_ISN + 1,
            ..S
        }));
        // A segment whose predecessor was never captured, then a FIN both ways.
        t.send(c(Seg {
            seq: C_ISN + 101,
            ack: S_ISN + 1,
            payload: b"tail",
            ..C
        }));
        t.send(c(Seg {
            flags: FIN | ACK,
            seq: C_ISN + 105,
            ack: S_ISN + 1,
            ..C
        }));
        t.send(s(Seg {
            flags: FIN | ACK,
            seq: S_ISN + 1,
            ack: C_ISN + 106,
            ..S
        }));
        t.send(c(Seg {
            seq: C_ISN + 106,
            ack: S_ISN + 2,
            ..C
        }));
    }
    assert_eq!(t.tracker.connections().len(), 2_000);
    let buffered: usize = t
        .tracker
        .flows
        .iter()
        .flat_map(|f| &f.dirs)
        .map(|d| d.stream.buffered_bytes())
        .sum();
    assert_eq!(buffered, 0);
    assert!(
        t.tracker
            .flows
            .iter()
            .all(|f| f.closed && f.dirs.iter().all(|d| d.stream.is_closed()))
    );
    assert_eq!(t.conn(1999).missing_bytes, [100, 0]);
}

proptest::proptest! {
    #[test]
    fn any_segments_never_panic(
        segs in proptest::collection::vec(
            (any::<bool>(), any::<u16>(), any::<u32>(), any::<u32>(), any::<u16>(),
             proptest::collection::vec(any::<u8>(), 0..40), 0u32..3000, any::<i16>()),
            1..60,
        ),
    ) {
        let mut tracker = FlowTracker::new(FlowLimits { max_buffered_bytes: 64 });
        let (mut number, mut ts_ns) = (0u64, 0i64);
        for (to_server, flags, seq, ack, window, payload, extra, dt) in segs {
            let (from, to) = if to_server { (CLIENT, SERVER) } else { (SERVER, CLIENT) };
            number += 1;
            ts_ns += i64::from(dt) * 1000; // time may step backwards
            let payload: &'static [u8] = Box::leak(payload.into_boxed_slice());
            let len = Some(payload.len() as u32 + extra % 2 * extra);
            let seg = Seg { from, to, flags: flags & 0x1ff, seq, ack, window, payload, len, ..C };
            let info = tracker.process(&make_packet(number, ts_ns, &seg), payload);
            proptest::prop_assert!(info.is_some());
        }
    }
}

/// Endpoints for the connection-lookup tests: two hosts with two ports each, so that pairs
/// repeat, reverse and share an address.
const ENDS: [SocketAddr; 4] = [
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 51000)),
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 8080)),
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 51000)),
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 2), 8080)),
];

#[test]
fn interleaved_connections_reversed_and_reused_keep_their_streams() {
    let mut t = Trace::new();
    let (a, b) = (template(ENDS[0], ENDS[3]), template(ENDS[2], ENDS[1]));
    let rev = |s: &Seg| template(s.to, s.from);
    let syn = |s: &Seg, seq| Seg {
        flags: SYN,
        seq,
        ..template(s.from, s.to)
    };
    let streams: Vec<u32> = [
        syn(&a, 1),
        syn(&b, 1),
        rev(&a),
        rev(&b),
        template(a.from, a.to),
        rev(&b),
        rev(&b),
        Seg {
            flags: RST,
            ..rev(&a)
        },
        // The same ports again after the RST: a new stream, then both old and new pairs.
        syn(&a, 7),
        template(b.from, b.to),
        rev(&a),
        // A SYN with another ISN on a live pair also starts a new stream.
        syn(&b, 9),
        rev(&b),
        template(a.from, a.to),
    ]
    .into_iter()
    .map(|seg| t.send(seg).stream)
    .collect();
    assert_eq!(streams, [0, 1, 0, 1, 0, 1, 1, 0, 2, 1, 2, 3, 3, 2]);
}

#[test]
fn keys_are_the_same_both_ways_and_differ_between_pairs() {
    use std::hash::BuildHasher;
    let state = foldhash::fast::FixedState::default();
    let v6 = SocketAddr::new(std::net::Ipv6Addr::LOCALHOST.into(), 8080);
    let ends = [ENDS[0], ENDS[1], ENDS[2], ENDS[3], v6];
    let mut seen = std::collections::HashMap::new();
    for (i, &a) in ends.iter().enumerate() {
        for &b in &ends[i + 1..] {
            let key = key_of(a, b);
            assert_eq!(key, key_of(b, a));
            assert!(key == Key(a, b) || key == Key(b, a));
            assert_eq!(state.hash_one(key), state.hash_one(key_of(b, a)));
            assert_eq!(seen.insert(state.hash_one(key), key), None, "{a} {b}");
        }
    }
}

proptest::proptest! {
    /// Every packet gets the stream the map holds for its pair, whose ends are the packet's,
    /// whichever way it travels.
    #[test]
    fn packets_get_the_stream_of_their_pair(
        segs in proptest::collection::vec(
            (0usize..4, 1usize..4, 0usize..5, 0u32..3, 0u32..3),
            1..80,
        ),
    ) {
        const FLAGS: [u16; 5] = [SYN, SYN | ACK, ACK, FIN | ACK, RST];
        let mut tracker = FlowTracker::new(FlowLimits::default());
        for (number, (from, step, flags, seq, ack)) in (1u64..).zip(segs) {
            let (from, to) = (ENDS[from], ENDS[(from + step) % 4]);
            let seg = Seg { from, to, flags: FLAGS[flags], seq, ack, ..C };
            let info = tracker.process(&make_packet(number, 0, &seg), b"");
            let stream = info.map(|(info, _)| info.stream);
            let idx = tracker.by_key.get(&key_of(from, to)).copied();
            let mapped = idx.and_then(|i| tracker.connections.get(i)).map(|c| c.id);
            proptest::prop_assert_eq!(stream, mapped);
            let conn = tracker.connection(stream.unwrap_or(u32::MAX));
            let ends = conn.map(|c| (c.client, c.server));
            proptest::prop_assert!(ends == Some((from, to)) || ends == Some((to, from)));
        }
    }
}
