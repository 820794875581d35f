//! Connections, stream ids, relative sequence numbers, windows and each peer's RFC 9293 states,
//! as packet traces.

use super::*;

#[test]
fn three_way_handshake_moves_both_peers_to_established() {
    use TcpState::{Closed, Established, Listen, SynReceived, SynSent};
    let mut t = Trace::new();
    let syn = t.send(Seg {
        flags: SYN,
        seq: C_ISN,
        ..C
    });
    assert_eq!(*syn.state_changes, [change(Peer::Client, Closed, SynSent)]);
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
        *syn_ack.state_changes,
        [
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
        *ack.state_changes,
        [change(Peer::Server, SynReceived, Established)]
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
        *fin.state_changes,
        [
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
        *ack.state_changes,
        [change(Peer::Client, FinWait1, FinWait2)]
    );
    let fin2 = t.send(Seg {
        flags: FIN | ACK,
        seq: S_ISN + 1,
        ack: C_ISN + 2,
        ..S
    });
    assert_eq!(
        *fin2.state_changes,
        [
            change(Peer::Server, CloseWait, LastAck),
            change(Peer::Client, FinWait2, TimeWait)
        ]
    );
    let last = t.send(Seg {
        seq: C_ISN + 2,
        ack: S_ISN + 2,
        ..C
    });
    assert_eq!(*last.state_changes, [change(Peer::Server, LastAck, Closed)]);
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
        *fin2.state_changes,
        [
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
        *ack.state_changes,
        [change(Peer::Client, Closing, TimeWait)]
    );
    let ack2 = t.send(Seg {
        seq: C_ISN + 2,
        ack: S_ISN + 2,
        ..C
    });
    assert_eq!(
        *ack2.state_changes,
        [change(Peer::Server, Closing, TimeWait)]
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
        *rst.state_changes,
        [
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
        *rst.state_changes,
        [
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
    assert_eq!(first.chunks()[0].offset, 0);
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
fn non_tcp_packets_are_ignored() {
    let mut packet = make_packet(1, 0, &C);
    packet.tcp = None;
    assert!(
        FlowTracker::new(FlowLimits::default())
            .process(&packet, b"")
            .is_none()
    );
}
