//! The packet list's Protocol and Info columns (Wireshark-like, WebSocket-aware).

use std::fmt::Write as _;

use crate::app_proto::engineio::IoEvent;
use crate::app_proto::tls::{content_type, handshake_type};
use crate::app_proto::websocket::opcode;
use crate::app_proto::{HttpKind, HttpMessage, TlsRecord, WsFrame};
use crate::decode::{IpSummary, Layer, Proto, TcpOptions, flags};

use super::io_summary;
use super::packet::TcpFacts;
use super::seg::Seg;

/// What the Protocol and Info columns are made from: the facts of one packet, borrowed from a
/// [`super::PacketRecord`] (the decode) or a [`super::PacketRow`] (the app's model, which makes
/// its columns when a row is drawn instead of keeping them).
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub layers: &'a [Layer],
    pub ip: Option<IpSummary>,
    pub tcp: Option<TcpFacts>,
    /// The TCP options (a row keeps those that announce something: see
    /// [`super::PacketRow::announced_options`]).
    pub options: Option<&'a TcpOptions>,
    pub seg: Option<Seg>,
    pub http: &'a [HttpMessage],
    pub ws: &'a [WsFrame],
    pub io: &'a [IoEvent],
    pub tls: &'a [TlsRecord],
}

/// Which kinds of application records a packet has: all that the Protocol column needs of
/// them (`decode --format json` knows them without sorting a packet's events into lists).
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent facts, each read on its own (a packet can have any mix)"
)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppKinds {
    pub socketio: bool,
    pub engineio: bool,
    pub ws: bool,
    pub http: bool,
    pub tls: bool,
}

/// The highest protocol in the packet, as the Protocol column shows it.
pub fn protocol(record: &Facts<'_>) -> &'static str {
    let kinds = AppKinds {
        socketio: record.io.iter().any(|e| matches!(e, IoEvent::SocketIo(_))),
        engineio: record.io.iter().any(|e| matches!(e, IoEvent::EngineIo(_))),
        ws: !record.ws.is_empty(),
        http: !record.http.is_empty(),
        tls: !record.tls.is_empty(),
    };
    protocol_of(kinds, record.layers)
}

/// [`protocol`] of a packet with application records of `kinds` and headers `layers`:
/// Engine.IO or Socket.IO first, then WebSocket, HTTP, TLS, then its innermost header.
pub fn protocol_of(kinds: AppKinds, layers: &[Layer]) -> &'static str {
    if let Some(io) = io_summary::protocol_of(kinds.socketio, kinds.engineio) {
        return io;
    }
    if kinds.ws {
        return "WebSocket";
    }
    if kinds.http {
        return "HTTP";
    }
    if kinds.tls {
        return "TLS";
    }
    let top = layers
        .iter()
        .rev()
        .map(|l| l.proto)
        .find(|p| *p != Proto::Ipv6Ext);
    match top {
        Some(Proto::Tcp) => "TCP",
        Some(Proto::Udp) => "UDP",
        Some(Proto::Icmpv4) => "ICMP",
        Some(Proto::Icmpv6) => "ICMPv6",
        Some(Proto::Arp) => "ARP",
        Some(Proto::Ipv4) => "IPv4",
        Some(Proto::Ipv6 | Proto::Ipv6Ext) => "IPv6",
        Some(Proto::Vlan) => "802.1Q",
        Some(Proto::Ethernet) => "Ethernet",
        Some(Proto::Sll | Proto::Sll2) => "SLL",
        Some(Proto::Null) => "Loopback",
        None => "Unknown",
    }
}

/// A short text for a WebSocket payload: quoted text (cut at `max` chars) or a byte count.
/// A text the model cut ([`super::MODEL_TEXT_KEEP`]) and that has fewer than `max` characters
/// left ends in an ellipsis too: there was more.
pub fn ws_payload_text(frame: &WsFrame, max: usize) -> String {
    match &frame.text {
        Some(t) if frame.opcode != opcode::CLOSE => {
            let mut quoted = quote(t, max);
            if frame.text_cut() > 0 && !quoted.ends_with("…'") {
                quoted.insert(quoted.len() - 1, '…');
            }
            quoted
        }
        _ => format!("{} bytes", frame.payload_len),
    }
}

/// `'text'`, cut to `max` characters with an ellipsis, control characters escaped.
pub fn quote(text: &str, max: usize) -> String {
    let mut out = String::from("'");
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// One WebSocket frame, as in the Info column: `Text [FIN] [MASKED] 'hello'`.
pub fn ws_frame_info(frame: &WsFrame) -> String {
    let mut s = ws_frame_head(frame);
    match frame.opcode {
        opcode::CLOSE => {
            if let Some(code) = frame.close_code {
                let _ = write!(s, " {code}");
            }
            if let Some(reason) = frame.close_reason.as_deref().filter(|r| !r.is_empty()) {
                let _ = write!(s, " {}", quote(reason, 30));
            }
        }
        _ => {
            let _ = write!(s, " {}", ws_payload_text(frame, 30));
        }
    }
    s
}

/// A WebSocket frame's opcode and flags, without its payload: `Text [FIN] [MASKED]`.
fn ws_frame_head(frame: &WsFrame) -> String {
    let mut s = opcode::name(frame.opcode);
    if frame.fin {
        s.push_str(" [FIN]");
    }
    if frame.masked {
        s.push_str(" [MASKED]");
    }
    if frame.compressed {
        s.push_str(" [DEFLATE]");
    }
    s
}

/// One HTTP message head, as in the Info column.
pub fn http_info(m: &HttpMessage) -> String {
    let mut s = m.start_line();
    if m.kind == HttpKind::Request {
        if let Some(up) = &m.upgrade {
            let _ = write!(s, " (Upgrade: {up})");
        }
    } else if m.accept_verdict() == Some(false) {
        s.push_str(" [Sec-WebSocket-Accept does not match]");
    }
    s
}

/// One TLS record, as in the Info column (Wireshark's words): `Client Hello (SNI=localhost)`,
/// `Server Hello`, `Change Cipher Spec`, `Encrypted Handshake Message`, `Application Data`.
pub fn tls_record_info(r: &TlsRecord) -> String {
    match r.content_type {
        content_type::HANDSHAKE if r.encrypted => "Encrypted Handshake Message".into(),
        content_type::HANDSHAKE if r.handshake_types.is_empty() => "Handshake (fragment)".into(),
        content_type::HANDSHAKE => {
            let names: Vec<String> = r
                .handshake_types
                .iter()
                .map(|&t| match (t, &r.sni) {
                    (handshake_type::CLIENT_HELLO, Some(sni)) => {
                        format!("{} (SNI={sni})", handshake_type::name(t))
                    }
                    _ => handshake_type::name(t),
                })
                .collect();
            names.join(", ")
        }
        content_type::ALERT if r.encrypted => "Encrypted Alert".into(),
        other => content_type::name(other),
    }
}

/// The Info column.
pub fn info(record: &Facts<'_>) -> String {
    let mut s = String::new();
    if let Some(seg) = record.seg {
        for a in &seg.analysis {
            let _ = write!(s, "[{}] ", a.label());
        }
    }
    if let Some(io) = io_summary::io_info(record.io) {
        // What carried them: the HTTP message (polling) or the WebSocket frame, without the
        // payload the packets above already show.
        let carriers: Vec<String> = record
            .http
            .iter()
            .map(http_info)
            .chain(
                record
                    .ws
                    .iter()
                    .map(|f| format!("WebSocket {}", ws_frame_head(f))),
            )
            .collect();
        s.push_str(&io);
        if !carriers.is_empty() {
            let _ = write!(s, " (in {})", carriers.join(", "));
        }
        return s;
    }
    if !record.http.is_empty() || !record.ws.is_empty() {
        let parts: Vec<String> = record
            .http
            .iter()
            .map(http_info)
            .chain(record.ws.iter().map(ws_frame_info))
            .collect();
        s.push_str(&parts.join(", "));
        return s;
    }
    if !record.tls.is_empty() {
        let parts: Vec<String> = record.tls.iter().map(tls_record_info).collect();
        s.push_str(&parts.join(", "));
        return s;
    }
    if let Some(tcp) = &record.tcp {
        let names = flags::names(tcp.flags).join(", ");
        let _ = write!(s, "{} → {} [{}]", tcp.src_port, tcp.dst_port, names);
        match record.seg {
            Some(seg) => {
                let _ = write!(s, " Seq={}", seg.rel_seq);
                if tcp.has(flags::ACK) {
                    let _ = write!(s, " Ack={}", seg.rel_ack);
                }
            }
            None => {
                let _ = write!(s, " Seq={}", tcp.seq);
            }
        }
        // Like Wireshark: the window in bytes, scaled by the negotiated shift where it is known.
        let window = record
            .seg
            .map_or(u64::from(tcp.window), |seg| seg.window_scaled(tcp.window));
        let _ = write!(s, " Win={window} Len={}", tcp.payload_len);
        if let Some(options) = record.options {
            if let Some(mss) = options.mss {
                let _ = write!(s, " MSS={mss}");
            }
            if options.sack_permitted {
                s.push_str(" SACK_PERM");
            }
            if let Some(ws) = options.window_scale {
                let _ = write!(s, " WS={}", 1u32 << ws.min(14));
            }
        }
        return s;
    }
    if let Some(ip) = &record.ip {
        let _ = write!(s, "{} → {}", ip.src, ip.dst);
    }
    // A packet that is not TCP shows its first issue after this, in the lesson's words
    // (`lesson::annotations::info_column`): the model keeps the kind, not the sentence.
    s
}
