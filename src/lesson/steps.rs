//! Narration for each teaching step: two or three sentences a beginner follows, with the
//! packet's real numbers, what happens next, and (for the handshake) a careful analogy.

use std::fmt::Write as _;

use crate::app_proto::HttpKind;
use crate::app_proto::websocket::opcode;
use crate::flow::{Connection, Direction};
use crate::model::{PacketRow, Phase, Step, StepKind, WsFrameRow};

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

/// The meaning of a WebSocket close code (RFC 6455 §7.4.1).
pub fn close_code_meaning(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status code",
        1006 => "abnormal closure",
        1007 => "invalid payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "missing extension",
        1011 => "internal server error",
        3000..=3999 => "registered by a library or framework",
        4000..=4999 => "private, chosen by the application",
        _ => "unknown",
    }
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

struct Facts<'a> {
    step: &'a Step,
    record: &'a PacketRow,
    conn: Option<&'a Connection>,
    rel_seq: u32,
    rel_ack: u32,
    raw_seq: u32,
    payload: u32,
}

/// Narrate `step`; `record` is its packet and `conn` its connection.
pub fn narrate(step: &Step, record: &PacketRow, conn: Option<&Connection>) -> Narration {
    let seg = record.seg.as_ref();
    let tcp = record.packet.tcp.as_ref();
    let f = Facts {
        step,
        record,
        conn,
        rel_seq: seg.map_or(0, |s| s.rel_seq),
        rel_ack: seg.map_or(0, |s| s.rel_ack),
        raw_seq: tcp.map_or(0, |t| t.seq),
        payload: tcp.map_or(0, |t| t.payload_len),
    };
    let (sender, receiver) = who(step.direction);
    match step.kind {
        StepKind::Syn => syn(&f),
        StepKind::SynAck => syn_ack(&f),
        StepKind::HandshakeAck => handshake_ack(&f),
        StepKind::Ack => Narration {
            headline: format!("ACK {}: \"got it\"", f.rel_ack),
            body: format!(
                "{sender} acknowledges: it has every byte from {receiver} up to number {}, so the next one it \
                 expects is {}. It carries no data. Its window says it can take {} more bytes.",
                f.rel_ack.saturating_sub(1),
                f.rel_ack,
                seg.map_or(0, |s| s.window_scaled)
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
                "{receiver} acknowledges them with ack={}.",
                f.rel_seq + f.payload
            )),
            analogy: None,
        },
        StepKind::HttpRequest | StepKind::HttpResponse | StepKind::UpgradeRefused => http(&f),
        StepKind::UpgradeRequest => upgrade_request(&f),
        StepKind::UpgradeResponse => upgrade_response(&f),
        StepKind::WsFrame { .. } => ws(&f),
        StepKind::Fin => fin(&f),
        StepKind::Rst => Narration {
            headline: "RST: the connection is aborted".into(),
            body: format!(
                "{sender} resets the connection: no polite goodbye, both sides forget it at once and data still \
                 in flight is lost. This happens when nothing listens on the port, or when a program closes a \
                 socket with unread data or crashes."
            ),
            next: Some("Nothing: the connection is gone. A new one needs a new handshake.".into()),
            analogy: Some("Hanging up mid-sentence instead of saying goodbye.".into()),
        },
    }
}

/// Narrate a packet that has no step (not TCP, or not understood).
pub fn narrate_packet(record: &PacketRow) -> Narration {
    Narration {
        headline: format!("{} packet", record.protocol),
        body: format!(
            "{} This packet is not part of a TCP conversation osiscope follows.",
            record.info
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
            "{receiver} acknowledges with ack={}; the rest of the frame follows.",
            f.rel_seq + f.payload
        )),
        analogy: Some(
            "Like a long letter sent as numbered postcards: each card is useless alone, and the \
             reader lays them out by number before reading."
                .into(),
        ),
    }
}

fn syn(f: &Facts) -> Narration {
    let mut options = Vec::new();
    if let Some(tcp) = &f.record.packet.tcp {
        if let Some(mss) = tcp.options.mss {
            options.push(format!("segments of at most {mss} bytes (MSS)"));
        }
        if let Some(ws) = tcp.options.window_scale {
            options.push(format!("window scale ×2^{ws} = ×{}", 1u64 << ws.min(30)));
        }
        if tcp.options.sack_permitted {
            options.push("selective ACKs".to_string());
        }
    }
    let mut body = format!(
        "The client at {} asks {} to open a connection. It picks a random starting number for counting its \
         bytes, {} on the wire; tools show it as seq=0 (relative = raw − ISN) to keep the arithmetic readable.",
        f.step.src, f.step.dst, f.raw_seq
    );
    if !options.is_empty() {
        let _ = write!(body, " It also proposes {}.", options.join(", "));
    }
    Narration {
        headline: "SYN: \"can we talk?\"".into(),
        body,
        next: Some(format!(
            "If a program listens on port {}, the server answers SYN, ACK; if not, it answers RST.",
            f.step.dst.port()
        )),
        analogy: Some(
            "Like starting a phone call: \"Hello, can you hear me?\" — \"Yes, I hear you; can you hear me?\" — \
             \"Yes.\" Each side proves it can send and receive, and each tells the other the number it will \
             start counting from."
                .into(),
        ),
    }
}

fn syn_ack(f: &Facts) -> Narration {
    let isn = f.conn.and_then(|c| c.client_isn);
    let ack_raw = f.record.packet.tcp.as_ref().map_or(0, |t| t.ack);
    let arithmetic = isn.map_or(String::new(), |isn| {
        format!(" (raw {ack_raw} = client ISN {isn} + 1)")
    });
    Narration {
        headline: "SYN, ACK: \"yes, and can you hear me?\"".into(),
        body: format!(
            "The server accepts. Its ack={}{arithmetic} says \"I got your SYN; the next byte I expect from you is \
             number {}\": a SYN counts as one sequence number although it carries no data. Its own SYN picks its \
             own starting number, {} on the wire (seq=0).",
            f.rel_ack, f.rel_ack, f.raw_seq
        ),
        next: Some("The client confirms with an ACK and the connection is open.".into()),
        analogy: Some("\"Yes, I hear you — can you hear me?\"".into()),
    }
}

fn handshake_ack(f: &Facts) -> Narration {
    let rtt = f
        .conn
        .and_then(|c| c.handshake_rtt_ns)
        .map_or(String::new(), |ns| {
            format!(
                " The handshake took {:.3} ms seen from here.",
                ns as f64 / 1e6
            )
        });
    Narration {
        headline: "ACK: the connection is open".into(),
        body: format!(
            "The client acknowledges the server's SYN with ack={}. Both sides are now ESTABLISHED: three packets, \
             and each side knows the other's starting number.{rtt}",
            f.rel_ack
        ),
        next: Some(
            "Now the client can send data: here, an HTTP request asking to upgrade to WebSocket."
                .into(),
        ),
        analogy: Some("\"Yes, I hear you too.\" Now the conversation can begin.".into()),
    }
}

fn http(f: &Facts) -> Narration {
    let (sender, _) = who(f.step.direction);
    let line = f.record.http.first().map_or_else(
        || f.step.label.clone(),
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
    let msg = f.record.http.iter().find(|m| m.kind == HttpKind::Request);
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
             value the server must transform to prove it really speaks WebSocket.",
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
    let msg = f.record.http.iter().find(|m| m.kind == HttpKind::Response);
    let accept = msg
        .and_then(|m| m.sec_websocket_accept.clone())
        .unwrap_or_default();
    let verdict = match msg.and_then(|m| m.accept_valid) {
        Some(true) => "It matches, so the client knows a real WebSocket server answered.",
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

fn ws_body(frame: &WsFrameRow, sender: &str) -> String {
    let name = opcode::name(frame.opcode);
    let mut body = match frame.opcode {
        opcode::TEXT | opcode::CONTINUATION | opcode::BINARY => {
            let content = frame.text.as_deref().map_or_else(
                || format!("{} bytes", frame.payload_len),
                |t| format!("\"{}\" ({} bytes)", preview(t), frame.payload_len),
            );
            let fin = if frame.fin {
                "FIN=1: this frame completes the message."
            } else {
                "FIN=0: more fragments follow."
            };
            format!("{sender} sends a WebSocket {name} frame: {content}. {fin}")
        }
        opcode::PING => format!(
            "{sender} sends a Ping ({} bytes): \"are you still there?\".",
            frame.payload_len
        ),
        opcode::PONG => format!(
            "{sender} answers with a Pong carrying the same {} bytes as the Ping.",
            frame.payload_len
        ),
        opcode::CLOSE => {
            let code = frame.close_code.map_or_else(
                || "no status code".to_string(),
                |c| format!("code {c} ({})", close_code_meaning(c)),
            );
            let reason = frame
                .close_reason
                .as_deref()
                .filter(|r| !r.is_empty())
                .map_or(String::new(), |r| format!(", reason \"{r}\""));
            format!(
                "{sender} starts (or answers) the closing handshake: a Close frame with {code}{reason}."
            )
        }
        _ => format!("{sender} sends a frame with opcode {name}."),
    };
    if let Some(key) = frame.masking_key {
        let _ = write!(
            body,
            " Client frames are always masked: every payload byte is XORed with the key {:02x}{:02x}{:02x}{:02x}, \
             so the bytes on the wire look random.",
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
            headline: f.step.label.clone(),
            body: String::new(),
            next: None,
            analogy: None,
        };
    };
    let mut body = ws_body(frame, sender);
    if f.record.ws.len() > 1 {
        let _ = write!(
            body,
            " This TCP segment carries {} frames.",
            f.record.ws.len()
        );
    }
    let next = match frame.opcode {
        opcode::PING => Some(format!("{receiver} must answer with a Pong.")),
        opcode::CLOSE => Some(format!(
            "{receiver} answers with its own Close, then TCP closes with FIN."
        )),
        _ => None,
    };
    Narration {
        headline: f.step.label.clone(),
        body,
        next,
        analogy: None,
    }
}

fn fin(f: &Facts) -> Narration {
    let (sender, receiver) = who(f.step.direction);
    let state = match f.step.direction {
        Direction::ClientToServer => f.step.client_state,
        Direction::ServerToClient => f.step.server_state,
    };
    Narration {
        headline: "FIN: \"I have nothing more to send\"".into(),
        body: format!(
            "{sender} closes its sending direction (seq={}, FIN counts as one sequence number). It can still \
             receive until {receiver} closes too. {sender} is now {}.",
            f.rel_seq,
            state.rfc_name()
        ),
        next: Some(format!(
            "{receiver} acknowledges, and sends its own FIN when it is done."
        )),
        analogy: Some(
            "\"That's all from me.\" — each side says it separately, then hangs up.".into(),
        ),
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
            &m.packets[m.steps[i].packet_index],
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

    #[test]
    fn close_codes() {
        assert_eq!(close_code_meaning(1000), "normal closure");
        assert_eq!(
            close_code_meaning(4001),
            "private, chosen by the application"
        );
    }
}
