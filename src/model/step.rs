//! Teaching steps: what one packet means in the story of its connection.

use std::fmt::Write as _;

use serde::Serialize;

use crate::app_proto::http::Handshake;
use crate::app_proto::websocket::opcode;
use crate::app_proto::{HttpKind, HttpMessage};
use crate::decode::flags;
use crate::flow::{Analysis, Connection, Direction, Peer, TcpState};

use super::PacketRow;
use super::io_label::EmitScope;
use super::loss::{LossMark, ResendKind, Sent};
use crate::app_proto::engineio::SioRecord;

/// The phase of a connection's life a step belongs to (the ladder groups steps by phase).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    TcpHandshake,
    HttpUpgrade,
    /// Plain HTTP, or bytes of an unknown protocol.
    Data,
    WebSocket,
    /// ClientHello, ServerHello and the rest of the TLS handshake.
    TlsHandshake,
    /// TLS records whose contents are encrypted (`wss://` messages).
    Encrypted,
    Teardown,
}

impl Phase {
    pub fn title(self) -> &'static str {
        match self {
            Self::TcpHandshake => "TCP handshake",
            Self::HttpUpgrade => "HTTP Upgrade",
            Self::Data => "Data",
            Self::WebSocket => "WebSocket messages",
            Self::TlsHandshake => "TLS handshake",
            Self::Encrypted => "Encrypted (TLS)",
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
    /// Payload of no protocol osiscope understands (or part of a longer message).
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
    /// TLS records with plaintext handshake messages (ClientHello, ServerHello…).
    TlsHandshake,
    /// TLS records whose contents are encrypted (and Change Cipher Spec).
    TlsEncrypted,
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
    /// Index into `Model::packets` (32 bits: see [`Step::packet_index`]). The packet's number
    /// and time are its row's (`Model::step_number`, `Model::step_ts_ns`).
    packet_index: u32,
    /// States of both peers after this packet.
    pub client_state: TcpState,
    pub server_state: TcpState,
    /// Highest OSI layer this packet carries something for (4 for a bare SYN, 7 for HTTP/WS).
    pub top_layer: u8,
    /// What few steps have, behind one pointer (null on most steps, so that the others do not
    /// carry it): a label of their own, and loss marks.
    #[serde(flatten)]
    rare: Option<Box<RareFacts>>,
}

/// What few steps have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
struct RareFacts {
    /// Textbook label, e.g. "SYN seq=0", "GET /chat Upgrade: websocket", "WS Text 'hello'
    /// (masked)", kept only where it is not the one [`made_label`] makes from the packet's row
    /// (see [`Step::kept_label`]; `Model::step_label` reads it either way).
    label: Option<Box<str>>,
    /// What loss means for this packet (see [`Step::loss`]).
    loss: Option<LossMark>,
    /// Whether it was lost (see [`Step::lost`]).
    lost: Option<Sent>,
}

impl Step {
    /// A step without loss marks (add them with [`Step::with_loss`] and [`Step::set_lost`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        (kind, phase): (StepKind, Phase),
        (stream, direction): (u32, Direction),
        packet_index: usize,
        label: String,
        (client_state, server_state): (TcpState, TcpState),
        top_layer: u8,
    ) -> Self {
        Self {
            kind,
            phase,
            stream,
            direction,
            // A model of 2^32 packets would need over a terabyte: not a case to handle.
            packet_index: u32::try_from(packet_index).unwrap_or(u32::MAX),
            client_state,
            server_state,
            top_layer,
            rare: Some(Box::new(RareFacts {
                label: Some(label.into_boxed_str()),
                ..RareFacts::default()
            })),
        }
    }

    /// The step's label where it keeps one (`None`: it is [`made_label`]'s for its packet's
    /// row; `Model::step_label` gives the label in all cases).
    pub fn kept_label(&self) -> Option<&str> {
        self.rare.as_ref()?.label.as_deref()
    }

    /// The step's label, for `row` its packet's row (`Model::step_label` finds the row).
    pub fn label_on(&self, row: &PacketRow) -> std::borrow::Cow<'_, str> {
        match self.kept_label() {
            Some(label) => label.into(),
            None => made_label(self.kind, row).unwrap_or_default().into(),
        }
    }

    /// Keep `label` as the step's label.
    pub fn set_label(&mut self, label: String) {
        self.rare.get_or_insert_default().label = Some(label.into_boxed_str());
    }

    /// Keep no label: it is the one [`made_label`] makes from the packet's row.
    fn forget_label(&mut self) {
        if let Some(rare) = &mut self.rare {
            rare.label = None;
            if rare.loss.is_none() && rare.lost.is_none() {
                self.rare = None;
            }
        }
    }

    /// Heap bytes of what few steps have (the box, and the text of a kept label), 0 on most.
    pub fn rare_heap_bytes(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| {
            std::mem::size_of::<RareFacts>() + r.label.as_deref().map_or(0, str::len)
        })
    }

    /// Index into `Model::packets` of the step's packet.
    pub fn packet_index(&self) -> usize {
        self.packet_index as usize
    }

    /// What loss means for this packet: a resend of earlier bytes, or a duplicate ACK.
    pub fn loss(&self) -> Option<LossMark> {
        self.rare.as_ref().and_then(|r| r.loss)
    }

    /// The packet that resent this one's bytes because this copy was lost (or not
    /// acknowledged in time); set when that packet arrives.
    pub fn lost(&self) -> Option<Sent> {
        self.rare.as_ref().and_then(|r| r.lost)
    }

    /// This step with `loss` as its loss mark.
    #[must_use]
    pub fn with_loss(mut self, loss: Option<LossMark>) -> Self {
        if loss.is_some() || self.rare.is_some() {
            self.rare.get_or_insert_default().loss = loss;
        }
        self
    }

    /// Note the packet that resent this one's bytes.
    pub fn set_lost(&mut self, lost: Sent) {
        self.rare.get_or_insert_default().lost = Some(lost);
    }
}

/// What the model remembers about a connection to tell its story (the handshake roles are
/// the app tracker's, read from [`HttpMessage::handshake`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
// Four independent facts of one connection's story, each set once as it happens: not a state
// machine that an enum would describe better.
#[allow(clippy::struct_excessive_bools)]
pub struct StreamStory {
    /// An upgrade request was sent and no response came yet.
    pub upgrade_pending: bool,
    /// The connection was switched to WebSocket.
    pub websocket: bool,
    /// A FIN or RST was seen.
    pub closing: bool,
    /// TLS records were seen on the connection.
    pub tls: bool,
}

/// The step for a packet, if it belongs to a TCP connection. Updates `story`.
pub fn step_for(
    record: &PacketRow,
    connection: &Connection,
    story: &mut StreamStory,
    (packet_index, loss): (usize, Option<LossMark>),
    scope: &dyn Fn(&SioRecord) -> EmitScope,
) -> Option<Step> {
    let seg = record.seg.as_ref()?;
    let tcp = record.packet.tcp.as_ref()?;
    let (kind, mut label) = classify(record, story, scope)?;
    let phase = match kind {
        StepKind::Syn | StepKind::SynAck | StepKind::HandshakeAck => Phase::TcpHandshake,
        StepKind::UpgradeRequest | StepKind::UpgradeResponse | StepKind::UpgradeRefused => {
            Phase::HttpUpgrade
        }
        StepKind::Fin | StepKind::Rst => Phase::Teardown,
        StepKind::WsFrame { .. } => Phase::WebSocket,
        StepKind::TlsHandshake => Phase::TlsHandshake,
        StepKind::TlsEncrypted if story.closing => Phase::Teardown,
        StepKind::TlsEncrypted => Phase::Encrypted,
        _ if story.closing => Phase::Teardown,
        _ if story.tls => Phase::Encrypted,
        _ if story.websocket => Phase::WebSocket,
        StepKind::Ack if story.upgrade_pending => Phase::HttpUpgrade,
        _ => Phase::Data,
    };
    if matches!(kind, StepKind::Fin | StepKind::Rst) {
        story.closing = true;
    }
    if tcp.has(flags::FIN) && kind != StepKind::Fin {
        label.push_str(" + FIN");
        story.closing = true;
    }
    label = loss_label(label, kind, loss, seg, record.packet.ts_ns);
    // Half a million labels: no spare capacity in any of them.
    label.shrink_to_fit();
    let top_layer = if tcp.payload_len > 0 { 7 } else { 4 };
    // Half a million labels, most of them made again from the row when shown.
    let made = made_label(kind, record).is_some_and(|made| made == label);
    let mut step = Step::new(
        (kind, phase),
        (seg.stream, seg.direction),
        packet_index,
        label,
        (connection.client_state, connection.server_state),
        top_layer,
    )
    .with_loss(loss);
    if made {
        step.forget_label();
    }
    Some(step)
}

/// The label a step of `kind` on packet `row` has unless something was added to it (a FIN,
/// loss, the out-of-order flag) or said instead (an Engine.IO or Socket.IO reading): a
/// WebSocket frame's or a bare ACK's. Steps whose label is this one keep none.
pub fn made_label(kind: StepKind, row: &PacketRow) -> Option<String> {
    match kind {
        StepKind::WsFrame { .. } => Some(ws_label(&row.ws)),
        StepKind::Ack => row.seg.as_ref().map(ack_label),
        _ => None,
    }
}

/// `ACK seq=1 ack=1`.
fn ack_label(seg: &crate::model::Seg) -> String {
    format!("ACK seq={} ack={}", seg.rel_seq, seg.rel_ack)
}

/// The label of a packet that loss concerns: a resend names the packet it copies and how long
/// the sender waited; a duplicate ACK the ACK it repeats. Other packets keep `label`, with
/// Wireshark's out-of-order flag when they have it.
fn loss_label(
    label: String,
    kind: StepKind,
    loss: Option<LossMark>,
    seg: &crate::model::Seg,
    ts_ns: i64,
) -> String {
    match loss {
        Some(LossMark::Resend {
            kind: resend,
            original,
            ..
        }) => {
            let what = match resend {
                ResendKind::Timeout => "Retransmission",
                ResendKind::Fast => "Fast retransmission",
                ResendKind::Spurious => "Spurious retransmission",
                ResendKind::OutOfOrder => "Out-of-order copy",
            };
            let head = match original {
                Some(o) => format!(
                    "{what} of #{} (after {})",
                    o.packet,
                    super::timefmt::offset_text(ts_ns - o.ts_ns, 3)
                ),
                None => format!("{what} (first copy never seen)"),
            };
            // Bytes that only continue a frame say nothing more than the resend does.
            if kind == StepKind::Data {
                head
            } else {
                format!("{head}: {label}")
            }
        }
        Some(LossMark::DupAck {
            ack, repeats, num, ..
        }) => {
            let nth = ordinal(num.saturating_add(1));
            match repeats {
                Some(p) => format!("Dup ACK ack={ack} (repeats #{p}, {nth} time)"),
                None => format!("Dup ACK ack={ack} ({nth} time)"),
            }
        }
        None if seg.analysis.contains(&Analysis::OutOfOrder) => format!("{label} (out-of-order)"),
        None => label,
    }
}

/// "1st", "2nd", "3rd", "4th"… "11th", "12th", "13th", "21st".
pub fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn classify(
    record: &PacketRow,
    story: &mut StreamStory,
    scope: &dyn Fn(&SioRecord) -> EmitScope,
) -> Option<(StepKind, String)> {
    let seg = record.seg.as_ref()?;
    let tcp = record.packet.tcp.as_ref()?;
    let has = |f| tcp.has(f);
    if has(flags::RST) {
        let label = if has(flags::ACK) {
            format!("RST, ACK seq={} ack={}", seg.rel_seq, seg.rel_ack)
        } else {
            format!("RST seq={}", seg.rel_seq)
        };
        return Some((StepKind::Rst, label));
    }
    if has(flags::SYN) && has(flags::ACK) {
        return Some((
            StepKind::SynAck,
            format!("SYN, ACK seq={} ack={}", seg.rel_seq, seg.rel_ack),
        ));
    }
    if has(flags::SYN) {
        return Some((StepKind::Syn, format!("SYN seq={}", seg.rel_seq)));
    }
    if let Some(first) = record.http().first() {
        let kind = http_kind(first, story);
        let labels: Vec<String> = record.http().iter().map(http_label).collect();
        let mut label = labels.join(" + ");
        if let Some(io) = io_step_label(record, scope) {
            // What the body carried, the way the code that sent it reads.
            let _ = write!(label, ": {io}");
        }
        return Some((kind, label));
    }
    if let Some(first) = record.ws.first() {
        let kind = StepKind::WsFrame {
            opcode: first.opcode,
        };
        if let Some(io) = io_step_label(record, scope) {
            return Some((kind, io));
        }
        return Some((kind, ws_label(&record.ws)));
    }
    if !record.tls().is_empty() {
        return Some(tls_step(record, story));
    }
    if has(flags::FIN) {
        return Some((
            StepKind::Fin,
            format!("FIN, ACK seq={} ack={}", seg.rel_seq, seg.rel_ack),
        ));
    }
    if seg.analysis.contains(&Analysis::KeepAlive) {
        return Some((StepKind::KeepAlive, "Keep-alive".to_string()));
    }
    if tcp.payload_len > 0 {
        // After a 101, bytes that complete no frame are part of a frame bigger than a segment.
        let what = if story.websocket {
            "WS frame, part"
        } else if story.tls {
            "TLS record, part"
        } else {
            "Data"
        };
        return Some((
            StepKind::Data,
            format!("{what} seq={} len={}", seg.rel_seq, tcp.payload_len),
        ));
    }
    let handshake_ack = record.state_changes().iter().any(|c| {
        (c.peer == Peer::Server && c.from == TcpState::SynReceived && c.to == TcpState::Established)
            || (c.peer == Peer::Client
                && c.from == TcpState::SynSent
                && c.to == TcpState::Established)
    }) && seg.direction == Direction::ClientToServer
        && seg.rel_seq == 1
        && seg.rel_ack == 1;
    let label = ack_label(seg);
    Some((
        if handshake_ack {
            StepKind::HandshakeAck
        } else {
            StepKind::Ack
        },
        label,
    ))
}

/// `WS Text 'hi' (masked), Ping …`: up to three frames of a packet.
fn ws_label(frames: &[crate::app_proto::WsFrame]) -> String {
    let mut label = String::from("WS ");
    for (i, f) in frames.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        if i == 3 {
            let _ = write!(label, "+{} more", frames.len() - 3);
            break;
        }
        label.push_str(&opcode::name(f.opcode));
        if f.opcode == opcode::CLOSE {
            if let Some(code) = f.close_code {
                let _ = write!(label, " {code}");
            }
        } else {
            label.push(' ');
            label.push_str(&super::summary::ws_payload_text(f, 20));
        }
        if f.masked {
            label.push_str(" (masked)");
        }
    }
    label
}

/// The ladder's words for the Engine.IO and Socket.IO packets a packet completed
/// (`socket.emit("chat", "hi") + ack 0`, `ping`), if it completed any.
pub fn io_step_label(
    record: &PacketRow,
    scope: &dyn Fn(&SioRecord) -> EmitScope,
) -> Option<String> {
    super::io_label::io_label(record.io(), scope)
}

/// The step of a packet that completes TLS records: the plaintext handshake, or encrypted
/// records (and Change Cipher Spec).
fn tls_step(record: &PacketRow, story: &mut StreamStory) -> (StepKind, String) {
    story.tls = true;
    let plain = record
        .tls()
        .iter()
        .any(|r| !r.encrypted && !r.handshake_types.is_empty());
    let names: Vec<String> = record
        .tls()
        .iter()
        .take(3)
        .map(super::summary::tls_record_info)
        .collect();
    let mut label = format!("TLS {}", names.join(", "));
    if record.tls().len() > 3 {
        let _ = write!(label, ", +{} more", record.tls().len() - 3);
    }
    let kind = if plain {
        StepKind::TlsHandshake
    } else {
        StepKind::TlsEncrypted
    };
    (kind, label)
}

fn http_kind(m: &HttpMessage, story: &mut StreamStory) -> StepKind {
    if m.kind == HttpKind::Response {
        story.upgrade_pending = false;
    }
    match (m.kind, m.handshake) {
        (_, Handshake::UpgradeRequest) => {
            story.upgrade_pending = true;
            StepKind::UpgradeRequest
        }
        (_, Handshake::Accepted) => {
            story.websocket = true;
            StepKind::UpgradeResponse
        }
        (_, Handshake::Refused) => StepKind::UpgradeRefused,
        (HttpKind::Request, Handshake::None) => StepKind::HttpRequest,
        (HttpKind::Response, Handshake::None) => StepKind::HttpResponse,
    }
}

fn http_label(m: &HttpMessage) -> String {
    match m.kind {
        HttpKind::Request => {
            let mut s = format!(
                "{} {}",
                m.method.as_deref().unwrap_or("?"),
                m.uri.as_deref().unwrap_or("?")
            );
            if let Some(up) = &m.upgrade {
                let _ = write!(s, " Upgrade: {up}");
            }
            s
        }
        HttpKind::Response => {
            let mut s = format!(
                "{} {}",
                m.status.unwrap_or(0),
                m.reason.as_deref().unwrap_or("")
            );
            match m.accept_verdict() {
                Some(true) => s.push_str(" (Accept ✓)"),
                Some(false) => s.push_str(" (Accept ✗)"),
                None => {}
            }
            s.trim_end().to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> Step {
        Step::new(
            (StepKind::Data, Phase::Data),
            (3, Direction::ClientToServer),
            7,
            "Data".into(),
            (TcpState::Established, TcpState::Established),
            7,
        )
    }

    fn sent(packet: u64) -> Sent {
        Sent {
            packet,
            index: (packet - 1) as usize,
            ts_ns: 5,
        }
    }

    #[test]
    fn a_step_without_loss_keeps_no_marks() {
        let mut s = step().with_loss(None);
        s.forget_label();
        assert!(s.rare.is_none());
        assert_eq!(s.loss(), None);
        assert_eq!(s.lost(), None);
        // The box is what keeps the other steps small.
        assert!(
            std::mem::size_of::<Step>() <= 24,
            "{}",
            std::mem::size_of::<Step>()
        );
    }

    #[test]
    fn loss_and_lost_are_kept_apart_and_together() {
        let mark = LossMark::DupAck {
            ack: 10,
            repeats: Some(4),
            num: 2,
        };
        let mut s = step().with_loss(Some(mark));
        assert_eq!(s.loss(), Some(mark));
        assert_eq!(s.lost(), None);
        s.set_lost(sent(9));
        assert_eq!(s.loss(), Some(mark));
        assert_eq!(s.lost(), Some(sent(9)));

        let mut only_lost = step();
        only_lost.set_lost(sent(12));
        assert_eq!(only_lost.loss(), None);
        assert_eq!(only_lost.lost(), Some(sent(12)));
        // Serialized as the fields were: `loss` and `lost` beside the others.
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["lost"]["packet"], 9);
        assert_eq!(json["loss"]["DupAck"]["num"], 2);
        assert_eq!(json["label"], "Data");
    }
}
