//! Teaching steps: what one packet means in the story of its connection.

use std::net::SocketAddr;

use serde::Serialize;

use crate::flow::{Connection, Direction, TcpState};

use super::PacketRecord;

/// The phase of a connection's life a step belongs to (the ladder groups steps by phase).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    TcpHandshake,
    HttpUpgrade,
    /// Plain HTTP, or bytes of an unknown protocol.
    Data,
    WebSocket,
    Teardown,
}

impl Phase {
    pub fn title(self) -> &'static str {
        match self {
            Self::TcpHandshake => "TCP handshake",
            Self::HttpUpgrade => "HTTP Upgrade",
            Self::Data => "Data",
            Self::WebSocket => "WebSocket messages",
            Self::Teardown => "Teardown",
        }
    }
}

/// What a packet does, for a teacher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum StepKind {
    Syn,
    SynAck,
    /// The third packet of the three-way handshake.
    HandshakeAck,
    /// A pure acknowledgement.
    Ack,
    /// Payload of no protocol osiscope understands (or the rest of an HTTP message).
    Data,
    HttpRequest,
    HttpResponse,
    /// A GET with `Upgrade: websocket`.
    UpgradeRequest,
    /// `101 Switching Protocols`.
    UpgradeResponse,
    /// A response that refuses an upgrade (400, 404, 426…).
    UpgradeRefused,
    /// WebSocket frame(s); the opcode of the first frame in the packet.
    WsFrame {
        opcode: u8,
    },
    Fin,
    Rst,
    KeepAlive,
}

/// One step of the teaching timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub phase: Phase,
    /// Connection index (`tcp.stream`).
    pub stream: u32,
    pub direction: Direction,
    /// Index into `Model::packets`.
    pub packet_index: usize,
    /// Packet number (1-based).
    pub packet: u64,
    pub ts_ns: i64,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// Textbook label, e.g. "SYN seq=0", "GET /chat Upgrade: websocket", "WS Text 'hello' (masked)".
    pub label: String,
    /// States of both peers after this packet.
    pub client_state: TcpState,
    pub server_state: TcpState,
    /// Highest OSI layer this packet carries something for (4 for a bare SYN, 7 for HTTP/WS).
    pub top_layer: u8,
}

/// The step for a packet, if it belongs to a TCP connection.
pub fn step_for(
    record: &PacketRecord,
    connection: Option<&Connection>,
    _index: usize,
) -> Option<Step> {
    let _ = (record, connection);
    todo!("steps")
}
