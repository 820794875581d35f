//! A hand-built model of one WebSocket conversation on loopback, for unit tests of the lesson
//! and the UI while the pipeline cannot build one (tests only).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::app_proto::http::Handshake;
use crate::app_proto::{HttpKind, HttpMessage, WsFrame};
use crate::capture::LinkType;
use crate::decode::{IpSummary, Layer, Packet, Proto, TcpOptions, TcpSegment, flags};
use crate::flow::{Completeness, Connection, Direction, PeerOptions, SegmentInfo, TcpState};
use crate::model::{FrameBytes, Model, PacketRow, Phase, RareList, Step, StepKind};

pub(crate) const CLIENT: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 51234);
pub(crate) const SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8765);
pub(crate) const CLIENT_ISN: u32 = 1_000_000;
pub(crate) const SERVER_ISN: u32 = 2_000_000;

struct Spec {
    dir: Direction,
    flags: u16,
    payload: Vec<u8>,
    kind: StepKind,
    phase: Phase,
    label: &'static str,
    states: (TcpState, TcpState),
}

fn http_msg(dir: Direction, kind: HttpKind, n: u64) -> HttpMessage {
    let request = kind == HttpKind::Request;
    HttpMessage {
        direction: dir,
        kind,
        method: request.then(|| "GET".into()),
        uri: request.then(|| "/chat".into()),
        version: 1,
        status: (!request).then_some(101),
        reason: (!request).then(|| "Switching Protocols".into()),
        headers: Vec::new(),
        upgrade: Some("websocket".into()),
        sec_websocket_key: request.then(|| "dGhlIHNhbXBsZSBub25jZQ==".into()),
        sec_websocket_accept: (!request).then(|| "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into()),
        expected_accept: (!request).then(|| "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into()),
        accept_valid: (!request).then_some(true),
        request_key: (!request).then(|| "dGhlIHNhbXBsZSBub25jZQ==".into()),
        handshake: if request {
            Handshake::UpgradeRequest
        } else {
            Handshake::Accepted
        },
        sec_websocket_version: Some("13".into()),
        sec_websocket_protocol: None,
        sec_websocket_extensions: None,
        head_len: 0,
        body_len: 0,
        body: None,
        body_cut: false,
        offset: 0,
        packets: vec![n],
    }
}

#[allow(clippy::too_many_lines)] // a table of packets, read top to bottom
/// The conversation: handshake, Upgrade, a masked "Hello" and its echo, teardown (the
/// server closes first).
pub(crate) fn conversation() -> Model {
    use Direction::{ClientToServer as C, ServerToClient as S};
    use TcpState::{
        CloseWait, Closed, Established, FinWait1, FinWait2, LastAck, Listen, SynReceived, SynSent,
        TimeWait,
    };
    const A: u16 = flags::ACK;
    const PA: u16 = flags::ACK | flags::PSH;
    let get = b"GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\r\n".to_vec();
    let ok = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
    let hello = vec![
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let echo = vec![0x81, 0x05, b'H', b'e', b'l', b'l', b'o'];
    let specs = vec![
        Spec {
            dir: C,
            flags: flags::SYN,
            payload: vec![],
            kind: StepKind::Syn,
            phase: Phase::TcpHandshake,
            label: "SYN seq=0",
            states: (SynSent, Listen),
        },
        Spec {
            dir: S,
            flags: flags::SYN | A,
            payload: vec![],
            kind: StepKind::SynAck,
            phase: Phase::TcpHandshake,
            label: "SYN, ACK seq=0 ack=1",
            states: (SynSent, SynReceived),
        },
        Spec {
            dir: C,
            flags: A,
            payload: vec![],
            kind: StepKind::HandshakeAck,
            phase: Phase::TcpHandshake,
            label: "ACK seq=1 ack=1",
            states: (Established, Established),
        },
        Spec {
            dir: C,
            flags: PA,
            payload: get,
            kind: StepKind::UpgradeRequest,
            phase: Phase::HttpUpgrade,
            label: "GET /chat Upgrade: websocket",
            states: (Established, Established),
        },
        Spec {
            dir: S,
            flags: PA,
            payload: ok,
            kind: StepKind::UpgradeResponse,
            phase: Phase::HttpUpgrade,
            label: "101 Switching Protocols",
            states: (Established, Established),
        },
        Spec {
            dir: C,
            flags: PA,
            payload: hello,
            kind: StepKind::WsFrame { opcode: 1 },
            phase: Phase::WebSocket,
            label: "WS Text 'Hello' (masked)",
            states: (Established, Established),
        },
        Spec {
            dir: S,
            flags: PA,
            payload: echo,
            kind: StepKind::WsFrame { opcode: 1 },
            phase: Phase::WebSocket,
            label: "WS Text 'Hello'",
            states: (Established, Established),
        },
        // RFC 6455 §7.1.1: the server closes TCP first and holds TIME-WAIT.
        Spec {
            dir: S,
            flags: flags::FIN | A,
            payload: vec![],
            kind: StepKind::Fin,
            phase: Phase::Teardown,
            label: "FIN, ACK",
            states: (CloseWait, FinWait1),
        },
        Spec {
            dir: C,
            flags: flags::FIN | A,
            payload: vec![],
            kind: StepKind::Fin,
            phase: Phase::Teardown,
            label: "FIN, ACK",
            states: (LastAck, TimeWait),
        },
        Spec {
            dir: S,
            flags: A,
            payload: vec![],
            kind: StepKind::Ack,
            phase: Phase::Teardown,
            label: "ACK",
            states: (Closed, TimeWait),
        },
    ];
    let _ = FinWait2;
    let mut model = Model::new();
    let mut next_seq = [1u32, 1u32];
    for (i, spec) in specs.into_iter().enumerate() {
        let number = i as u64 + 1;
        let ts_ns = 1_700_000_000_000_000_000 + i as i64 * 1_500_000;
        let (src, dst) = if spec.dir == C {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        let syn = spec.flags & flags::SYN != 0;
        let d = spec.dir.index();
        let rel_seq = if syn { 0 } else { next_seq[d] };
        let rel_ack = if spec.flags & A == 0 {
            0
        } else {
            next_seq[1 - d]
        };
        let plen = spec.payload.len() as u32;
        next_seq[d] = rel_seq + plen + u32::from(syn) + u32::from(spec.flags & flags::FIN != 0);
        let isn = if spec.dir == C {
            CLIENT_ISN
        } else {
            SERVER_ISN
        };
        let peer_isn = if spec.dir == C {
            SERVER_ISN
        } else {
            CLIENT_ISN
        };
        let mut data = vec![2, 0, 0, 0];
        data.extend_from_slice(&[
            0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ]);
        data.extend_from_slice(&src.port().to_be_bytes());
        data.extend_from_slice(&dst.port().to_be_bytes());
        data.extend_from_slice(&isn.wrapping_add(rel_seq).to_be_bytes());
        data.extend_from_slice(
            &(if rel_ack == 0 {
                0
            } else {
                peer_isn.wrapping_add(rel_ack)
            })
            .to_be_bytes(),
        );
        data.extend_from_slice(&[0x50, spec.flags as u8, 0x02, 0x00, 0, 0, 0, 0]);
        data.extend_from_slice(&spec.payload);
        let payload_range = 44..44 + spec.payload.len();
        let ws = if matches!(spec.kind, StepKind::WsFrame { .. }) {
            let mut f = crate::lesson::wsbits::tests::masked_hello();
            if spec.dir == S {
                f.direction = S;
                f.masked = false;
                f.masking_key = None;
                f.header_len = 2;
                f.raw_payload = b"Hello".as_slice().into();
            }
            vec![f]
        } else {
            Vec::<WsFrame>::new()
        };
        let http = match spec.kind {
            StepKind::UpgradeRequest => vec![http_msg(C, HttpKind::Request, number)],
            StepKind::UpgradeResponse => vec![http_msg(S, HttpKind::Response, number)],
            _ => Vec::new(),
        };
        let packet = Packet {
            reassembled: None,
            number,
            ts_ns,
            len: data.len() as u32,
            link: LinkType::Null,
            interface: 0,
            layers: std::sync::Arc::new(vec![
                Layer {
                    proto: Proto::Null,
                    range: 0..4,
                },
                Layer {
                    proto: Proto::Ipv4,
                    range: 4..24,
                },
                Layer {
                    proto: Proto::Tcp,
                    range: 24..44,
                },
            ]),
            ip: Some(IpSummary {
                version: 4,
                src: src.ip(),
                dst: dst.ip(),
                ttl: 64,
            }),
            tcp: Some(TcpSegment {
                src_port: src.port(),
                dst_port: dst.port(),
                seq: isn.wrapping_add(rel_seq),
                ack: peer_isn.wrapping_add(rel_ack),
                flags: spec.flags,
                window: 512,
                checksum: 0,
                urgent: 0,
                header_len: 20,
                options: TcpOptions {
                    mss: syn.then_some(65_495),
                    window_scale: syn.then_some(7),
                    ..TcpOptions::default()
                },
                payload_len: plen,
                payload_at: TcpSegment::payload_range(payload_range),
            }),
            caplen: data.len() as u32,
            issues: RareList::default(),
        };
        let seg = SegmentInfo {
            stream: 0,
            direction: spec.dir,
            rel_seq,
            rel_ack,
            next_rel_seq: next_seq[d],
            window_scaled: 65_536,
            window_shift: Some(7),
            analysis: crate::flow::AnalysisSet::default(),
            state_changes: RareList::default(),
            rel_time_ns: ts_ns - 1_700_000_000_000_000_000,
        };
        let step = Step::new(
            (spec.kind, spec.phase),
            (0, spec.dir),
            i,
            spec.label.into(),
            spec.states,
            if plen > 0 { 7 } else { 4 },
        );
        let mut row = PacketRow::new(packet, Some(seg));
        row.ws = ws.into();
        row.set_lists(http, Vec::new(), Vec::new(), Vec::new());
        row.set_step(Some(model.steps.len()));
        model.push_row(row, FrameBytes::Kept(data));
        model.steps.push(step);
    }
    model.connections.push(Connection {
        id: 0,
        client: CLIENT,
        server: SERVER,
        midstream: false,
        client_state: TcpState::Closed,
        server_state: TcpState::TimeWait,
        client_isn: Some(CLIENT_ISN),
        server_isn: Some(SERVER_ISN),
        client_options: PeerOptions {
            mss: Some(65_495),
            window_scale: Some(7),
            sack_permitted: true,
            timestamps: true,
        },
        server_options: PeerOptions {
            mss: Some(65_495),
            window_scale: Some(7),
            sack_permitted: true,
            timestamps: true,
        },
        handshake_rtt_ns: Some(3_000_000),
        completeness: Completeness {
            syn: true,
            syn_ack: true,
            ack: true,
            data: true,
            fin: true,
            rst: false,
        },
        first_packet: 1,
        last_packet: 10,
        first_ts_ns: 1_700_000_000_000_000_000,
        last_ts_ns: 1_700_000_000_013_500_000,
        packets: [5, 5],
        payload_bytes: [70, 60],
        missing_bytes: [0, 0],
    });
    model
}
