//! Quiz questions about a packet before it is shown: its TCP flags, its seq/ack numbers, the
//! layer of a highlighted byte, a WebSocket frame's opcode and masking, what `socket.emit`
//! puts on the wire. Every answer is read from the real packet; the wrong choices are derived
//! from it too (the mistakes people make: forgetting that a SYN counts as one, swapping seq and
//! ack, leaving out Engine.IO's prefix…), and the capture's other packets.

use std::fmt::Write as _;
use std::ops::Range;

use serde::Serialize;

use crate::app_proto::engineio::{EioType, IoEvent};
use crate::app_proto::socketio::SioType;
use crate::decode::flags;
use crate::flow::Direction;
use crate::model::{Model, PacketDetails, PacketRow, Proto, opcode};

/// What a question asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum QuizKind {
    Flags,
    SeqAck,
    /// Which OSI layer a highlighted byte belongs to.
    ByteLayer,
    Opcode,
    Masked,
    /// What a Socket.IO `emit` puts in its WebSocket message.
    SocketIoEmit,
}

/// A multiple-choice question about one packet, made from that packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuizQuestion {
    pub kind: QuizKind,
    /// Index into `Model::packets` of the packet asked about.
    pub packet_index: usize,
    /// Its packet number (1-based).
    pub frame: u64,
    pub prompt: String,
    pub choices: Vec<String>,
    /// Index into `choices`.
    pub answer: usize,
    pub why: String,
    /// The byte to highlight in the packet (for [`QuizKind::ByteLayer`]).
    pub highlight: Option<Range<usize>>,
}

fn side(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::ClientToServer => ("client", "server"),
        Direction::ServerToClient => ("server", "client"),
    }
}

/// `answer` first, then the distinct `wrong` choices that differ from it, up to four choices,
/// turned by `turn` so the answer is not always in the same place.
fn choices(answer: String, wrong: Vec<String>, turn: usize) -> (Vec<String>, usize) {
    let mut all = vec![answer];
    for w in wrong {
        if all.len() == 4 {
            break;
        }
        if !all.contains(&w) {
            all.push(w);
        }
    }
    let n = all.len();
    let shift = turn % n;
    all.rotate_right(shift);
    (all, shift)
}

fn flag_text(f: u16) -> String {
    let names = flags::names(f);
    if names.is_empty() {
        "no flags".into()
    } else {
        names.join(", ")
    }
}

fn flags_question(
    model: &Model,
    index: usize,
    row: &PacketRow,
    turn: usize,
) -> Option<QuizQuestion> {
    let tcp = row.packet.tcp.as_ref()?;
    let seg = row.seg.as_ref()?;
    let (who, _) = side(seg.direction);
    // The flag sets this capture uses, then the ones every TCP connection uses.
    let mut pool: Vec<u16> = model
        .packets
        .iter()
        .filter_map(|r| r.packet.tcp.as_ref().map(|t| t.flags))
        .collect();
    pool.extend([
        flags::SYN | flags::ACK,
        flags::ACK,
        flags::PSH | flags::ACK,
        flags::FIN | flags::ACK,
        flags::SYN,
        flags::RST | flags::ACK,
    ]);
    let wrong = pool.into_iter().map(flag_text).collect();
    let (choices, answer) = choices(flag_text(tcp.flags), wrong, turn);
    let mut why = String::new();
    for (bit, meaning) in [
        (
            flags::SYN,
            "SYN: it opens the sender's direction of the connection and carries its ISN",
        ),
        (
            flags::ACK,
            "ACK: it confirms what arrived from the other side",
        ),
        (
            flags::PSH,
            "PSH: it carries data to hand to the program now",
        ),
        (flags::FIN, "FIN: its sender has nothing more to send"),
        (flags::RST, "RST: it aborts the connection"),
    ] {
        if tcp.has(bit) {
            let _ = write!(why, "{meaning}. ");
        }
    }
    if tcp.has(flags::ACK) {
        let _ = write!(why, "Every segment after the first SYN carries ACK.");
    }
    Some(QuizQuestion {
        kind: QuizKind::Flags,
        packet_index: index,
        frame: row.packet.number(),
        prompt: format!(
            "Packet {} goes from the {who}. Which TCP flags does it carry?",
            row.packet.number()
        ),
        choices,
        answer,
        why: why.trim_end().to_owned(),
        highlight: None,
    })
}

/// Payload length of the last packet before `index` from the other side of the same stream.
fn last_payload_from_peer(model: &Model, index: usize, row: &PacketRow) -> Option<u32> {
    let seg = row.seg.as_ref()?;
    model
        .stream_packets(seg.stream)
        .iter()
        .map(|&i| i as usize)
        .filter(|&i| i < index)
        .filter_map(|i| model.packets.get(i))
        .filter(|r| r.seg.as_ref().is_some_and(|s| s.direction != seg.direction))
        .filter_map(|r| r.packet.tcp.as_ref().map(|t| t.payload_len))
        .next_back()
}

fn seq_ack_question(
    model: &Model,
    index: usize,
    row: &PacketRow,
    turn: usize,
) -> Option<QuizQuestion> {
    let tcp = row.packet.tcp.as_ref()?;
    let seg = row.seg.as_ref()?;
    // A SYN has no ack number to predict.
    if !tcp.has(flags::ACK) || tcp.has(flags::SYN) {
        return None;
    }
    let (who, other) = side(seg.direction);
    let (seq, ack) = (seg.rel_seq, seg.rel_ack);
    let text = |s: u32, a: u32| format!("seq={s} ack={a}");
    let mut wrong = vec![text(ack, seq)];
    if let Some(len) = last_payload_from_peer(model, index, row).filter(|&l| l > 0) {
        // The ack before counting the other side's last data.
        wrong.push(text(seq, ack.wrapping_sub(len)));
    }
    if seq > 0 && ack > 0 {
        // The SYN not counted as one.
        wrong.push(text(seq - 1, ack - 1));
    }
    if tcp.payload_len > 0 {
        // The number after this segment's data instead of its first byte.
        wrong.push(text(seq.wrapping_add(tcp.payload_len), ack));
    }
    wrong.extend([
        text(seq, ack.wrapping_add(1)),
        text(seq.wrapping_add(1), ack),
    ]);
    let (choices, answer) = choices(text(seq, ack), wrong, turn);
    Some(QuizQuestion {
        kind: QuizKind::SeqAck,
        packet_index: index,
        frame: row.packet.number(),
        prompt: format!(
            "Packet {} goes from the {who} ({} bytes of data). Which relative seq and ack \
             numbers does it carry?",
            row.packet.number(),
            tcp.payload_len
        ),
        choices,
        answer,
        why: format!(
            "seq={seq} is the number of its first byte, counted from the {who}'s ISN (the SYN \
             takes number 0, so data starts at 1). ack={ack} is the next number the {who} \
             expects from the {other}: everything before it has arrived."
        ),
        highlight: None,
    })
}

fn layer_name(layer: u8) -> &'static str {
    match layer {
        2 => "Layer 2, data link",
        3 => "Layer 3, network",
        4 => "Layer 4, transport",
        _ => "Layer 7, application",
    }
}

fn proto_title(proto: Proto) -> &'static str {
    match proto {
        Proto::Ethernet => "Ethernet header",
        Proto::Null => "loopback family header",
        Proto::Sll | Proto::Sll2 => "Linux cooked-capture header",
        Proto::Vlan => "VLAN tag",
        Proto::Arp => "ARP message",
        Proto::Ipv4 => "IPv4 header",
        Proto::Ipv6 | Proto::Ipv6Ext => "IPv6 header",
        Proto::Icmpv4 | Proto::Icmpv6 => "ICMP message",
        Proto::Tcp => "TCP header",
        Proto::Udp => "UDP header",
    }
}

/// A byte of the packet, one layer after another as `turn` grows: which layer added it?
fn byte_layer_question(details: &PacketDetails, index: usize, turn: usize) -> Option<QuizQuestion> {
    let packet = &details.packet;
    let layers = packet.frame_layers();
    // One byte per header (its middle), and the payload's first byte when there is one.
    let mut candidates: Vec<(usize, String)> = layers
        .iter()
        .filter(|l| !l.range.is_empty())
        .map(|l| {
            let b = l.range.start + l.range.len() / 2;
            (
                b,
                format!(
                    "it lies in bytes {}–{}, the {}, which layer {} adds",
                    l.range.start,
                    l.range.end - 1,
                    proto_title(l.proto),
                    l.proto.osi_layer()
                ),
            )
        })
        .collect();
    if let Some(tcp) = &packet.tcp
        && !tcp.payload().is_empty()
    {
        candidates.push((
            tcp.payload().start,
            format!(
                "it is the first byte after the TCP header: the TCP payload, the application's \
                 own data, which TCP carries without reading it (bytes {}–{})",
                tcp.payload().start,
                tcp.payload().end - 1
            ),
        ));
    }
    if candidates.is_empty() {
        return None;
    }
    let (byte, where_) = candidates.swap_remove(turn % candidates.len());
    let value = *details.data.get(byte)?;
    let layer = details.osi_layer_of(byte);
    let mut wrong: Vec<String> = layers
        .iter()
        .map(|l| layer_name(l.proto.osi_layer()).to_owned())
        .collect();
    wrong.extend([2, 3, 4, 7].map(|l| layer_name(l).to_owned()));
    let (choices, answer) = choices(layer_name(layer).to_owned(), wrong, turn);
    Some(QuizQuestion {
        kind: QuizKind::ByteLayer,
        packet_index: index,
        frame: packet.number,
        prompt: format!(
            "The highlighted byte {byte} (0x{value:02x}) of packet {}: which layer put it there?",
            packet.number
        ),
        choices,
        answer,
        why: format!("Byte {byte}: {where_}."),
        highlight: Some(byte..byte + 1),
    })
}

fn opcode_name(op: u8) -> &'static str {
    match op {
        opcode::CONTINUATION => "continuation",
        opcode::TEXT => "text",
        opcode::BINARY => "binary",
        opcode::CLOSE => "close",
        opcode::PING => "ping",
        opcode::PONG => "pong",
        _ => "reserved",
    }
}

fn opcode_text(op: u8) -> String {
    format!("{op} ({})", opcode_name(op))
}

fn opcode_question(
    model: &Model,
    index: usize,
    row: &PacketRow,
    turn: usize,
) -> Option<QuizQuestion> {
    let frame = row.ws.first()?;
    let (who, _) = side(frame.direction);
    let mut pool: Vec<u8> = model
        .packets
        .iter()
        .flat_map(|r| r.ws.iter().map(|f| f.opcode))
        .collect();
    pool.extend([
        opcode::TEXT,
        opcode::BINARY,
        opcode::CLOSE,
        opcode::PING,
        opcode::PONG,
        opcode::CONTINUATION,
    ]);
    let wrong = pool.into_iter().map(opcode_text).collect();
    let (choices, answer) = choices(opcode_text(frame.opcode), wrong, turn);
    let what = match frame.opcode {
        opcode::TEXT => format!(
            "it carries UTF-8 text ({})",
            crate::model::summary::ws_payload_text(frame, 120)
        ),
        opcode::BINARY => format!("it carries {} bytes of binary data", frame.payload_len),
        opcode::CLOSE => match frame.close_code {
            Some(code) => format!("it is a Close frame with status code {code}"),
            None => "it is a Close frame without a status code".to_owned(),
        },
        opcode::PING => "it is a Ping: the other side must answer with a Pong".to_owned(),
        opcode::PONG => "it is a Pong, the answer to a Ping (or an unasked heartbeat)".to_owned(),
        opcode::CONTINUATION => "it continues a message started by an earlier frame".to_owned(),
        _ => "its opcode is reserved: RFC 6455 defines no meaning for it".to_owned(),
    };
    Some(QuizQuestion {
        kind: QuizKind::Opcode,
        packet_index: index,
        frame: row.packet.number(),
        prompt: format!(
            "Packet {} carries a WebSocket frame from the {who}. Which opcode does it have?",
            row.packet.number()
        ),
        choices,
        answer,
        why: format!(
            "Opcode {}: {what}. The opcode is the low 4 bits of the frame's first byte \
             (RFC 6455 §5.2).",
            frame.opcode
        ),
        highlight: None,
    })
}

fn masked_question(index: usize, row: &PacketRow, turn: usize) -> Option<QuizQuestion> {
    let frame = row.ws.first()?;
    let (who, _) = side(frame.direction);
    let yes = "Masked, with a 4-byte key".to_owned();
    let no = "Not masked".to_owned();
    let rule = "RFC 6455 §5.1: a client masks every frame it sends, a server never masks.";
    let why = match (frame.masked, frame.masking_key) {
        (true, Some(k)) => format!(
            "{rule} This frame's key is {:02x} {:02x} {:02x} {:02x}, sent in clear in its header: \
             masking is not encryption.",
            k[0], k[1], k[2], k[3]
        ),
        (true, None) => format!("{rule} This frame has the MASK bit set."),
        (false, _) => format!("{rule} This frame's MASK bit is 0: its payload is as sent."),
    };
    let follows = matches!(
        (frame.direction, frame.masked),
        (Direction::ClientToServer, true) | (Direction::ServerToClient, false)
    );
    let why = if follows {
        why
    } else {
        format!("{why} This {who} breaks that rule.")
    };
    let (answer, wrong) = if frame.masked { (yes, no) } else { (no, yes) };
    let (choices, answer) = choices(answer, vec![wrong], turn);
    Some(QuizQuestion {
        kind: QuizKind::Masked,
        packet_index: index,
        frame: row.packet.number(),
        prompt: format!(
            "Packet {} carries a WebSocket frame from the {who}. Is its payload masked?",
            row.packet.number()
        ),
        choices,
        answer,
        why,
        highlight: None,
    })
}

/// The call that sends `data` (an EVENT's JSON array) as `socket.emit(...)`.
fn emit_call(data: &serde_json::Value, with_ack: bool) -> Option<String> {
    let items = data.as_array()?;
    let mut args: Vec<String> = items.iter().map(ToString::to_string).collect();
    if with_ack {
        args.push("callback".into());
    }
    Some(format!("socket.emit({})", args.join(", ")))
}

fn emit_question(row: &PacketRow, index: usize, turn: usize) -> Option<QuizQuestion> {
    // Each Socket.IO packet (without attachments) is one Engine.IO message: pair them in order
    // and take the first EVENT (a packet may carry a CONNECT answer and an EVENT together).
    let messages = row.io().iter().filter_map(|e| match e {
        IoEvent::EngineIo(r) if r.packet.kind == EioType::Message => Some(r),
        _ => None,
    });
    let packets = row.io().iter().filter_map(|e| match e {
        IoEvent::SocketIo(r) => Some(r),
        _ => None,
    });
    let (eio, sio) = messages.zip(packets).find(|(m, p)| {
        p.packet.kind == SioType::Event && m.packet.text().is_some_and(|t| t.starts_with('2'))
    })?;
    let inner = eio.packet.text()?;
    let data = sio.packet.data.as_ref()?.value();
    let event = sio.packet.event()?;
    let call = emit_call(&data, sio.packet.id.is_some())?;
    let (who, _) = side(sio.direction);
    let wire = format!("4{inner}");
    let args: Vec<serde_json::Value> = data.as_array()?.iter().skip(1).cloned().collect();
    let wrong = vec![
        // Engine.IO's message prefix left out.
        inner.to_owned(),
        // The event as a JSON object, as people imagine it.
        serde_json::json!({ "event": event, "data": args }).to_string(),
        // Only the arguments, as a plain WebSocket send would.
        serde_json::Value::Array(args.clone()).to_string(),
        // The wrong type digits (Engine.IO ping + Socket.IO event).
        format!("2{inner}"),
    ];
    let (choices, answer) = choices(wire.clone(), wrong, turn);
    let mut why = format!(
        "\"{wire}\": 4 is Engine.IO's message type, 2 Socket.IO's EVENT type, then the JSON \
         array [event name, arguments]."
    );
    if sio.packet.nsp != "/" {
        let _ = write!(why, " \"{},\" names the namespace.", sio.packet.nsp);
    }
    if let Some(id) = sio.packet.id {
        let _ = write!(
            why,
            " The {id} before the array is the ack id: the emit passed a callback, and the \
             answer will come back as an ACK with the same id."
        );
    }
    why.push_str(" Socket.IO is a protocol of its own inside the WebSocket message.");
    Some(QuizQuestion {
        kind: QuizKind::SocketIoEmit,
        packet_index: index,
        frame: row.packet.number(),
        prompt: format!(
            "The {who} calls {call}. What text does packet {} carry for it?",
            row.packet.number()
        ),
        choices,
        answer,
        why,
        highlight: None,
    })
}

/// Every question that can be asked about packet `index`, the most telling first
/// (`details`, its bytes, are needed for the byte question).
pub fn questions_for(
    model: &Model,
    index: usize,
    details: Option<&PacketDetails>,
    turn: usize,
) -> Vec<QuizQuestion> {
    let Some(row) = model.packets.get(index) else {
        return Vec::new();
    };
    [
        emit_question(row, index, turn),
        opcode_question(model, index, row, turn),
        masked_question(index, row, turn),
        flags_question(model, index, row, turn),
        seq_ack_question(model, index, row, turn),
        details.and_then(|d| byte_layer_question(d, index, turn)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// One question about packet `index`, a different kind as `turn` grows.
pub fn question_for(
    model: &Model,
    index: usize,
    details: Option<&PacketDetails>,
    turn: usize,
) -> Option<QuizQuestion> {
    let mut all = questions_for(model, index, details, turn);
    if all.is_empty() {
        return None;
    }
    let i = turn % all.len();
    Some(all.swap_remove(i))
}

#[cfg(test)]
mod tests;
