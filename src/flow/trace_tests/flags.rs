//! Wireshark's `tcp.analysis` flags, one packet trace per flag.

use super::*;

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
    assert_eq!(again.analysis, [Analysis::Retransmission]);
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
    assert_eq!(again.analysis, [Analysis::Retransmission]);
    assert!(
        again.chunks().is_empty(),
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
    assert_eq!(later.analysis, [Analysis::LostSegment]);
    assert!(later.chunks().is_empty());
    let early = t.send_after(
        100_000,
        Seg {
            seq: C_ISN + 1,
            ack: S_ISN + 1,
            payload: b"hello",
            ..C
        },
    );
    assert_eq!(early.analysis, [Analysis::OutOfOrder]);
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
    assert_eq!(lost.analysis, [Analysis::LostSegment]);
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
    assert_eq!(t.send(dup).analysis, [Analysis::DuplicateAck]);
    assert_eq!(
        t.send(Seg {
            seq: S_ISN + 1,
            ack: C_ISN + 5,
            ..S
        })
        .analysis,
        [Analysis::DuplicateAck]
    );
    let fast = t.send(Seg {
        seq: C_ISN + 5,
        ack: S_ISN + 1,
        payload: b"bbbb",
        ..C
    });
    assert_eq!(
        fast.analysis,
        [Analysis::FastRetransmission, Analysis::Retransmission]
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
    assert_eq!(t.send(same).analysis, [Analysis::DuplicateAck]);
    let update = t.send(Seg {
        seq: C_ISN + 1,
        ack: S_ISN + 1,
        window: 2000,
        ..C
    });
    assert_eq!(update.analysis, [Analysis::WindowUpdate]);
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
    assert_eq!(zero.analysis, [Analysis::ZeroWindow]);
    let keep_alive = t.send_after(
        5_000_000_000,
        Seg {
            seq: C_ISN,
            ack: S_ISN + 1,
            ..C
        },
    );
    assert_eq!(keep_alive.analysis, [Analysis::KeepAlive]);
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
        [Analysis::SpuriousRetransmission, Analysis::Retransmission]
    );
}
