//! Narration for each teaching step: two or three sentences a beginner follows, with the
//! packet's real numbers, what happens next, and (for the handshake) a careful analogy.

use std::fmt::Write as _;

use super::handshake;
use super::teardown::{self, CloseRole, FinSeen};
use crate::app_proto::HttpKind;
use crate::app_proto::websocket::opcode;
use crate::flow::{Connection, Direction, TcpState};
use crate::model::{LossMark, Model, PacketRow, Phase, ResendKind, Sent, Step, StepKind, WsFrame};

/// What the narration panel says about one step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Narration {
    /// One line: what this packet is.
    pub headline: String,
    /// Two or three sentences with the real numbers.
    pub body: String,
    /// What happens next.
    pub next: Option<String>,
    /// A plain-language comparison (handshake and teardown only).
    pub analogy: Option<String>,
}

fn who(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::ClientToServer => ("The client", "the server"),
        Direction::ServerToClient => ("The server", "the client"),
    }
}

fn preview(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// What the rest of the connection says about a step: facts one packet cannot tell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepContext {
    /// For a Close frame: whether it starts or answers the closing handshake.
    pub close_role: Option<CloseRole>,
    /// The connection's first FIN after this step.
    pub next_fin: Option<FinSeen>,
    /// For a copy that a later packet resent: that packet, and why it was resent.
    pub resent_by: Option<(Sent, ResendKind)>,
}

impl StepContext {
    /// The context of step `index` of `model`, from the steps of its own connection.
    pub fn of(model: &Model, index: usize) -> Self {
        let Some(step) = model.steps.get(index) else {
            return Self::default();
        };
        let own = model.stream_steps(step.stream);
        let at = own.partition_point(|&i| (i as usize) < index);
        let sends_close = |i: u32, dir: Direction| {
            model
                .steps
                .get(i as usize)
                .and_then(|s| model.packets.get(s.packet_index()))
                .is_some_and(|r| {
                    r.ws.iter()
                        .any(|f| f.opcode == opcode::CLOSE && f.direction == dir)
                })
        };
        let close_role = sends_close(index as u32, step.direction).then(|| {
            let other = step.direction.reverse();
            if own[..at].iter().any(|&i| sends_close(i, other)) {
                CloseRole::Answers
            } else {
                CloseRole::Starts
            }
        });
        let next_fin = own
            .get(at..)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| model.steps.get(i as usize))
            .find(|s| {
                model
                    .packets
                    .get(s.packet_index())
                    .and_then(|r| r.packet.tcp.as_ref())
                    .is_some_and(|t| t.has(crate::decode::flags::FIN))
            })
            .map(|s| FinSeen {
                direction: s.direction,
                packet: model.step_number(s),
            });
        let resent_by = step.lost().and_then(|r| {
            let resend = model.steps.get(model.packets.get(r.index)?.step()?)?;
            match resend.loss()? {
                LossMark::Resend { kind, .. } => Some((r, kind)),
                LossMark::DupAck { .. } => None,
            }
        });
        Self {
            close_role,
            next_fin,
            resent_by,
        }
    }
}

/// Narrate step `index` of `model`, with what its connection's other steps tell.
pub fn narrate_in(model: &Model, index: usize) -> Option<Narration> {
    if let Some(n) = super::io_steps::narrate_io(model, index) {
        return Some(n);
    }
    let step = model.steps.get(index)?;
    let record = model.packets.get(step.packet_index())?;
    let mut n = narrate_with(
        step,
        record,
        model.connections.get(step.stream as usize),
        StepContext::of(model, index),
    );
    if let Some(extra) = super::io_steps::upgrade_sentence(record) {
        n.body.push(' ');
        n.body.push_str(&extra);
    }
    Some(n)
}

struct Facts<'a> {
    step: &'a Step,
    context: StepContext,
    record: &'a PacketRow,
    rel_seq: u32,
    rel_ack: u32,
    payload: u32,
}

/// Narrate `step`; `record` is its packet and `conn` its connection. Without the rest of
/// the connection, a Close cannot say whether it starts or answers: prefer [`narrate_in`].
pub fn narrate(step: &Step, record: &PacketRow, conn: Option<&Connection>) -> Narration {
    narrate_with(step, record, conn, StepContext::default())
}

fn narrate_with(
    step: &Step,
    record: &PacketRow,
    conn: Option<&Connection>,
    context: StepContext,
) -> Narration {
    let mut n = narrate_loss(step, record, conn, context);
    if let Some((resend, kind)) = context.resent_by {
        n.body.push(' ');
        let syn = record
            .packet
            .tcp
            .as_ref()
            .is_some_and(|t| t.has(crate::decode::flags::SYN) && t.payload_len == 0);
        n.body.push_str(&super::loss::lost_sentence(
            step,
            record.packet.ts_ns,
            resend,
            kind,
            syn,
        ));
    }
    for extra in [
        handshake::data_on_third_segment(record).map(str::to_string),
        handshake::larger_than_mss(record, conn),
    ]
    .into_iter()
    .flatten()
    {
        n.body.push(' ');
        n.body.push_str(&extra);
    }
    n
}

/// A resend or a duplicate ACK is told as such; a resend that also completes a message tells
/// both, the resend first.
fn narrate_loss(
    step: &Step,
    record: &PacketRow,
    conn: Option<&Connection>,
    context: StepContext,
) -> Narration {
    let Some(mark) = step.loss() else {
        return narrate_kind(step, record, conn, context);
    };
    let tcp = record.packet.tcp.as_ref();
    let facts = (
        record.seg.as_ref().map_or(0, |s| s.rel_seq),
        tcp.map_or(0, |t| t.payload_len),
        tcp.is_some_and(|t| t.has(crate::decode::flags::SYN)),
        record.packet.ts_ns,
    );
    match step.kind {
        StepKind::Data => super::loss::resend(step, &mark, facts).map(|n| Narration {
            headline: step.label_on(record).into_owned(),
            ..n
        }),
        StepKind::Ack => super::loss::dup_ack(step, &mark).map(|n| Narration {
            headline: step.label_on(record).into_owned(),
            ..n
        }),
        _ => super::loss::resend_sentences(step, &mark, facts).map(|sentences| {
            let mut n = narrate_kind(step, record, conn, context);
            n.headline = step.label_on(record).into_owned();
            n.body = format!("{sentences} {}", n.body);
            n
        }),
    }
    .unwrap_or_else(|| narrate_kind(step, record, conn, context))
}

fn narrate_kind(
    step: &Step,
    record: &PacketRow,
    conn: Option<&Connection>,
    context: StepContext,
) -> Narration {
    let seg = record.seg.as_ref();
    let tcp = record.packet.tcp.as_ref();
    let f = Facts {
        step,
        context,
        record,
        rel_seq: seg.map_or(0, |s| s.rel_seq),
        rel_ack: seg.map_or(0, |s| s.rel_ack),
        payload: tcp.map_or(0, |t| t.payload_len),
    };
    let (sender, receiver) = who(step.direction);
    match step.kind {
        StepKind::Syn => handshake::syn(step, record, conn),
        StepKind::SynAck => handshake::syn_ack(record, conn),
        StepKind::HandshakeAck => handshake::handshake_ack(record, conn),
        StepKind::Ack
            if sender_state(step) == TcpState::TimeWait && step.phase == Phase::Teardown =>
        {
            let (headline, body, next) = teardown::time_wait_texts(step.direction, f.rel_ack);
            Narration {
                headline,
                body,
                next: Some(next),
                analogy: None,
            }
        }
        StepKind::Ack => Narration {
            headline: format!("ACK {}: \"got it\"", f.rel_ack),
            body: format!(
                "{sender} acknowledges: it has every byte from {receiver} up to number {}, so the next one it \
                 expects is {}. It carries no data. Its window says it can take {} more bytes.",
                f.rel_ack.saturating_sub(1),
                f.rel_ack,
                seg.zip(tcp).map_or(0, |(s, t)| s.window_scaled(t.window))
            ),
            next: None,
            analogy: None,
        },
        StepKind::KeepAlive => Narration {
            headline: "TCP keep-alive".into(),
            body: format!(
                "{sender} sends a keep-alive probe: a segment one byte behind what {receiver} already acknowledged. \
                 It asks \"are you still there?\" without sending new data."
            ),
            next: Some(format!(
                "{receiver} answers with an ACK if it is still alive."
            )),
            analogy: None,
        },
        StepKind::Data if step.phase == Phase::WebSocket => ws_frame_part(&f, sender, receiver),
        StepKind::Data if step.phase == Phase::Encrypted => Narration {
            headline: format!("{} more bytes of a TLS record", f.payload),
            body: format!(
                "{sender} sends bytes {} to {} of its stream: part of a TLS record too big for \
                 one segment. osiscope shows the record on the packet that carries its last byte.",
                f.rel_seq,
                (f.rel_seq + f.payload).saturating_sub(1),
            ),
            next: None,
            analogy: None,
        },
        StepKind::Data => Narration {
            headline: format!("{} bytes of data", f.payload),
            body: format!(
                "{sender} sends {} bytes, sequence numbers {} to {}. osiscope does not know this protocol (or \
                 these bytes continue a longer message), so it shows the raw bytes.",
                f.payload,
                f.rel_seq,
                (f.rel_seq + f.payload).saturating_sub(1)
            ),
            next: Some(format!(
                "{} acknowledges them with ack={}.",
                teardown::capitalise(receiver),
                f.rel_seq + f.payload
            )),
            analogy: None,
        },
        StepKind::HttpRequest | StepKind::HttpResponse | StepKind::UpgradeRefused => http(&f),
        StepKind::UpgradeRequest => upgrade_request(&f),
        StepKind::UpgradeResponse => upgrade_response(&f),
        StepKind::WsFrame { .. } => ws(&f),
        StepKind::TlsHandshake | StepKind::TlsEncrypted => super::tls::narrate(step, record),
        StepKind::Fin => fin(&f),
        StepKind::Rst => Narration {
            headline: "RST: the connection is aborted".into(),
            body: teardown::rst_body(step.direction),
            next: Some("Nothing: the connection is gone. A new one needs a new handshake.".into()),
            analogy: Some("Hanging up mid-sentence instead of saying goodbye.".into()),
        },
    }
}

/// Narrate a packet that has no step (not TCP, or not understood).
pub fn narrate_packet(record: &PacketRow) -> Narration {
    Narration {
        headline: format!("{} packet", record.protocol()),
        body: format!(
            "{} This packet is not part of a TCP conversation osiscope follows.",
            record.info()
        ),
        next: None,
        analogy: None,
    }
}

/// A segment in the middle of a WebSocket frame too big for one segment.
fn ws_frame_part(f: &Facts, sender: &str, receiver: &str) -> Narration {
    Narration {
        headline: format!("{} more bytes of a WebSocket frame", f.payload),
        body: format!(
            "{sender} sends bytes {} to {} of its stream. They belong to a WebSocket frame too big \
             for one segment: TCP cut it into segments, and {receiver} puts them back in order \
             by their sequence numbers. The frame's header went in an earlier segment; osiscope \
             shows the whole frame on the packet that carries its last byte.",
            f.rel_seq,
            (f.rel_seq + f.payload).saturating_sub(1),
        ),
        next: Some(format!(
            "{} acknowledges with ack={}; the rest of the frame follows.",
            teardown::capitalise(receiver),
            f.rel_seq + f.payload
        )),
        analogy: Some(
            "Like a long letter sent as numbered postcards: each card is useless alone, and the \
             reader lays them out by number before reading."
                .into(),
        ),
    }
}

fn http(f: &Facts) -> Narration {
    let (sender, _) = who(f.step.direction);
    let line = f.record.http().first().map_or_else(
        || f.step.label_on(f.record).into_owned(),
        crate::app_proto::HttpMessage::start_line,
    );
    let refused = f.step.kind == StepKind::UpgradeRefused;
    Narration {
        headline: line.clone(),
        body: format!(
            "{sender} sends an HTTP message, \"{line}\", in {} bytes of TCP payload starting at seq={}.{}",
            f.payload,
            f.rel_seq,
            if refused {
                " The server refuses to switch to WebSocket, so the connection stays plain HTTP."
            } else {
                ""
            }
        ),
        next: None,
        analogy: None,
    }
}

fn upgrade_request(f: &Facts) -> Narration {
    let msg = f.record.http().iter().find(|m| m.kind == HttpKind::Request);
    let uri = msg
        .and_then(|m| m.uri.clone())
        .unwrap_or_else(|| "/".into());
    let key = msg
        .and_then(|m| m.sec_websocket_key.clone())
        .unwrap_or_default();
    Narration {
        headline: format!("GET {uri} with Upgrade: websocket"),
        body: format!(
            "The client sends an ordinary HTTP request ({} bytes, seq={}) with \"Upgrade: websocket\": it asks to \
             switch this same TCP connection to the WebSocket protocol. Its Sec-WebSocket-Key {key} is a random \
             value the server must transform to show it understood the WebSocket handshake.",
            f.payload, f.rel_seq
        ),
        next: Some(
            "The server answers 101 Switching Protocols, or an ordinary HTTP error if it refuses."
                .into(),
        ),
        analogy: None,
    }
}

fn upgrade_response(f: &Facts) -> Narration {
    let msg = f
        .record
        .http()
        .iter()
        .find(|m| m.kind == HttpKind::Response);
    let accept = msg
        .and_then(|m| m.sec_websocket_accept.clone())
        .unwrap_or_default();
    let verdict = match msg.and_then(|m| m.accept_valid) {
        Some(true) => {
            "It matches: whatever answered understood the WebSocket handshake (not, say, a cache \
             replaying an old HTTP answer). It is not a password, an identity check or \
             encryption: anyone can compute it. Security comes from elsewhere: wss:// runs \
             WebSocket inside TLS, and the server decides who may connect from the Origin \
             header, cookies or a token."
        }
        Some(false) => "It does NOT match: a browser would close the connection here.",
        None => "The request was not captured, so the value cannot be checked.",
    };
    Narration {
        headline: "101 Switching Protocols".into(),
        body: format!(
            "The server agrees to switch. Its Sec-WebSocket-Accept {accept} is the client's key plus a fixed GUID, \
             hashed with SHA-1 and written in base64. {verdict}"
        ),
        next: Some("From the next byte on, both sides send WebSocket frames, no more HTTP.".into()),
        analogy: None,
    }
}

fn sender_state(step: &Step) -> TcpState {
    match step.direction {
        Direction::ClientToServer => step.client_state,
        Direction::ServerToClient => step.server_state,
    }
}

fn receiver_state(step: &Step) -> TcpState {
    match step.direction {
        Direction::ClientToServer => step.server_state,
        Direction::ServerToClient => step.client_state,
    }
}

fn fin(f: &Facts) -> Narration {
    let (headline, body, next) = teardown::fin_texts(
        f.step.direction,
        f.rel_seq,
        sender_state(f.step),
        receiver_state(f.step),
    );
    Narration {
        headline,
        body,
        next: Some(next),
        analogy: Some(
            "\"That's all from me.\" — each side says it separately, then hangs up.".into(),
        ),
    }
}

/// "1 byte", "0 bytes", "20 bytes".
fn byte_count(n: u64) -> String {
    if n == 1 {
        "1 byte".into()
    } else {
        format!("{n} bytes")
    }
}

fn ws_body(frame: &WsFrame, sender: &str, role: Option<CloseRole>) -> String {
    let name = opcode::name(frame.opcode);
    let mut body = match frame.opcode {
        opcode::TEXT | opcode::CONTINUATION | opcode::BINARY => {
            let content = match frame.text.as_deref() {
                Some(t) if frame.compressed => format!(
                    "\"{}\", a text of {} sent compressed (permessage-deflate, RSV1=1) in {}; \
                     the receiver inflates it back",
                    preview(t),
                    byte_count(u64::from(frame.text_len)),
                    byte_count(frame.payload_len)
                ),
                Some(t) => format!("\"{}\" ({})", preview(t), byte_count(frame.payload_len)),
                None => byte_count(frame.payload_len),
            };
            let fin = if frame.fin {
                "FIN=1: this frame completes the message."
            } else {
                "FIN=0: more fragments follow."
            };
            format!("{sender} sends a WebSocket {name} frame: {content}. {fin}")
        }
        opcode::PING => format!(
            "{sender} sends a Ping ({}): \"are you still there?\".",
            byte_count(frame.payload_len)
        ),
        opcode::PONG => format!(
            "{sender} answers with a Pong carrying the same {} as the Ping.",
            byte_count(frame.payload_len)
        ),
        opcode::CLOSE => {
            let code = frame.close_code.map_or_else(
                || "no status code".to_string(),
                |c| format!("code {c} ({})", teardown::close_code_meaning(c)),
            );
            let reason = frame
                .close_reason
                .as_deref()
                .filter(|r| !r.is_empty())
                .map_or(String::new(), |r| format!(", reason \"{r}\""));
            teardown::close_role_sentence(frame.direction, role, &format!("{code}{reason}"))
        }
        _ => format!("{sender} sends a frame with opcode {name}."),
    };
    if let Some(key) = frame.masking_key {
        let _ = write!(
            body,
            " Client frames are always masked: every payload byte is XORed with the key \
             {:02x}{:02x}{:02x}{:02x}, which travels in clear in the same header. Masking is not \
             encryption: anyone who sees the frame can undo it. It exists so that a proxy that \
             does not understand WebSocket cannot be tricked into caching bytes the page chose \
             (RFC 6455 §10.3).",
            key[0], key[1], key[2], key[3]
        );
    } else if frame.direction == Direction::ServerToClient {
        body.push_str(" Server frames are not masked.");
    }
    if frame.compressed {
        body.push_str(" RSV1 is set: the payload is compressed (permessage-deflate).");
    }
    body
}

fn ws(f: &Facts) -> Narration {
    let (sender, receiver) = who(f.step.direction);
    let Some(frame) = f.record.ws.first() else {
        return Narration {
            headline: f.step.label_on(f.record).into_owned(),
            body: String::new(),
            next: None,
            analogy: None,
        };
    };
    let mut body = ws_body(frame, sender, f.context.close_role);
    if f.record.ws.len() > 1 {
        let _ = write!(
            body,
            " This TCP segment carries {} frames.",
            f.record.ws.len()
        );
    }
    let next = match frame.opcode {
        opcode::PING => Some(format!("{receiver} must answer with a Pong.")),
        opcode::CLOSE => Some(teardown::close_next(
            frame.direction,
            f.context.close_role,
            f.context.next_fin,
        )),
        _ => None,
    };
    Narration {
        headline: f.step.label_on(f.record).into_owned(),
        body,
        next,
        analogy: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::fixture;

    fn narration(i: usize) -> Narration {
        let m = fixture::conversation();
        narrate(
            &m.steps[i],
            &m.packets[m.steps[i].packet_index()],
            m.connections.first(),
        )
    }

    #[test]
    fn syn_uses_the_real_isn_and_options() {
        let n = narration(0);
        assert!(n.body.contains("1000000"), "{}", n.body);
        assert!(n.body.contains("MSS"), "{}", n.body);
        assert!(n.analogy.is_some());
        assert!(n.next.unwrap_or_default().contains("8765"));
    }

    #[test]
    fn syn_ack_shows_the_ack_arithmetic() {
        let n = narration(1);
        assert!(
            n.body.contains("raw 1000001 = client ISN 1000000 + 1"),
            "{}",
            n.body
        );
    }

    #[test]
    fn masked_text_frame_names_the_key() {
        let n = narration(5);
        assert!(n.body.contains("\"Hello\""), "{}", n.body);
        assert!(n.body.contains("37fa213d"), "{}", n.body);
    }

    #[test]
    fn upgrade_response_says_it_matches() {
        assert!(narration(4).body.contains("It matches"));
    }

    #[test]
    fn fin_names_the_state() {
        assert!(narration(7).body.contains("FIN-WAIT-1"));
    }
}
