//! What is known about one TCP connection: its ends, states, options, timing and completeness.

use std::net::SocketAddr;

use serde::Serialize;

use super::TcpState;

/// Options one peer announced in its SYN (or SYN-ACK).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PeerOptions {
    pub mss: Option<u16>,
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    pub timestamps: bool,
}

/// Which parts of a connection's life were seen (like Wireshark's `tcp.completeness`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one flag per Wireshark completeness bit"
)]
pub struct Completeness {
    pub syn: bool,
    pub syn_ack: bool,
    pub ack: bool,
    pub data: bool,
    pub fin: bool,
    pub rst: bool,
}

impl Completeness {
    /// Wireshark's bit value: SYN 1, SYN-ACK 2, ACK 4, DATA 8, FIN 16, RST 32.
    pub fn bits(self) -> u8 {
        u8::from(self.syn)
            | u8::from(self.syn_ack) << 1
            | u8::from(self.ack) << 2
            | u8::from(self.data) << 3
            | u8::from(self.fin) << 4
            | u8::from(self.rst) << 5
    }
}

/// One TCP connection, as seen so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Connection {
    /// 0-based index in order of first appearance (`tcp.stream`).
    pub id: u32,
    pub client: SocketAddr,
    pub server: SocketAddr,
    /// No SYN was seen: the client/server roles were guessed from the first packet.
    pub midstream: bool,
    pub client_state: TcpState,
    pub server_state: TcpState,
    /// Initial sequence numbers (raw), when known.
    pub client_isn: Option<u32>,
    pub server_isn: Option<u32>,
    pub client_options: PeerOptions,
    pub server_options: PeerOptions,
    /// SYN → ACK of the SYN-ACK, as seen at the capture point, ns.
    pub handshake_rtt_ns: Option<i64>,
    pub completeness: Completeness,
    pub first_packet: u64,
    pub last_packet: u64,
    pub first_ts_ns: i64,
    pub last_ts_ns: i64,
    /// Packets and payload bytes, `[client→server, server→client]`.
    pub packets: [u64; 2],
    pub payload_bytes: [u64; 2],
    /// Bytes that were never captured (gaps), per direction.
    pub missing_bytes: [u64; 2],
}
