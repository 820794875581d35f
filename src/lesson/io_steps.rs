//! Narration for packets that carry Engine.IO and Socket.IO: what each packet type means
//! (open, ping/pong, the `probe` of an upgrade, upgrade, noop, CONNECT, EVENT, ACK…), where it
//! travels (inside a WebSocket frame or an HTTP body, inside TCP), and the JavaScript that
//! sends and receives it (`socket.emit(…)`, `socket.on(…)`, `io.on('connection', …)`), as the
//! people learning Socket.IO write it.

use std::fmt::Write as _;

use serde_json::Value;

use crate::app_proto::HttpKind;
use crate::app_proto::engineio::{
    EioData, EioRecord, EioType, EioUrl, IoEvent, SioRecord, Transport,
};
use crate::app_proto::socketio::SioType;
use crate::flow::Direction;
use crate::model::io_label::{EmitScope, eio_label, sio_label};
use crate::model::{Model, PacketRow, Step};

use super::steps::Narration;
use super::teardown::capitalise;

/// Engine.IO or Socket.IO packets one narration explains at most (a polling body can hold many).
const EXPLAINED_MAX: usize = 3;

/// The JavaScript on each side for the Socket.IO packets of one packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IoCode {
    /// What the sender's code looked like (`socket.emit("chat", "hi", (reply) => …)`).
    pub sender: Vec<String>,
    /// What runs on the receiving side (`socket.on("chat", (msg, callback) => …)`).
    pub receiver: Vec<String>,
    /// Who sent: "client" or "server".
    pub sender_name: &'static str,
}

fn who(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::ClientToServer => ("The client", "the server"),
        Direction::ServerToClient => ("The server", "the client"),
    }
}

/// The packet whose number is `frame`.
fn packet_numbered(model: &Model, frame: u64) -> Option<&PacketRow> {
    let i = model.packets.partition_point(|p| p.packet.number() < frame);
    model.packets.get(i).filter(|p| p.packet.number() == frame)
}

/// The narration of step `index` when its packet carries Engine.IO or Socket.IO (or is a
/// long-polling request of an Engine.IO session); `None` for other packets.
pub fn narrate_io(model: &Model, index: usize) -> Option<Narration> {
    let step = model.steps.get(index)?;
    let record = model.packets.get(step.packet_index())?;
    let scope = |r: &SioRecord| model.emit_scope(step.packet_index(), r);
    let sio: Vec<&SioRecord> = record
        .io()
        .iter()
        .filter_map(|e| match e {
            IoEvent::SocketIo(r) => Some(r),
            _ => None,
        })
        .collect();
    let eio: Vec<&EioRecord> = record
        .io()
        .iter()
        .filter_map(|e| match e {
            IoEvent::EngineIo(r) if r.packet.kind != EioType::Message || sio.is_empty() => Some(r),
            _ => None,
        })
        .collect();
    if sio.is_empty() && eio.is_empty() {
        return polling_request(step, record);
    }
    let mut sentences: Vec<String> = sio
        .iter()
        .take(EXPLAINED_MAX)
        .map(|r| sio_sentence(model, r, scope(r)))
        .collect();
    sentences.extend(
        eio.iter()
            .take(EXPLAINED_MAX.saturating_sub(sentences.len()))
            .map(|r| eio_sentence(r)),
    );
    let explained = sentences.len();
    let total = sio.len() + eio.len();
    if total > explained {
        sentences.push(format!(
            "…and {} more packets in the same {}.",
            total - explained,
            carrier_noun(record)
        ));
    }
    let transport = sio
        .first()
        .map(|r| r.transport)
        .or_else(|| eio.first().map(|r| r.transport));
    sentences.push(nesting(record, !sio.is_empty(), transport));
    let headline = match (sio.first(), eio.first()) {
        (Some(r), _) => sio_label(r, scope(r)),
        (None, Some(r)) => format!("Engine.IO {}", eio_label(r)),
        (None, None) => step.label_on(record).into_owned(),
    };
    Some(Narration {
        headline,
        body: sentences.join(" "),
        next: next(&sio, &eio),
        analogy: None,
    })
}

/// Layer 7 of a packet that completed Engine.IO or Socket.IO packets: what is nested in what.
pub fn app_layer(record: &PacketRow) -> Option<super::LayerUse> {
    let sio = record.io().iter().find_map(|e| match e {
        IoEvent::SocketIo(r) => Some(r),
        _ => None,
    });
    let eio = record.io().iter().find_map(|e| match e {
        IoEvent::EngineIo(r) => Some(r),
        _ => None,
    })?;
    let carrier = match record.http().first() {
        Some(m) if eio.transport == Transport::Polling => {
            format!("the body of HTTP {}", m.start_line())
        }
        _ => "a WebSocket frame".to_owned(),
    };
    let (proto, what) = match sio {
        Some(r) => (
            "Socket.IO in Engine.IO",
            format!(
                "Socket.IO {} inside an Engine.IO message, inside {carrier}: {}",
                r.packet.kind.name(),
                record.info()
            ),
        ),
        None => (
            "Engine.IO",
            format!(
                "Engine.IO {} inside {carrier}: {}",
                eio.packet.kind.name(),
                record.info()
            ),
        ),
    };
    Some(super::LayerUse::Used {
        proto: proto.into(),
        what,
    })
}

/// What carries the packets: a WebSocket message or an HTTP body.
fn carrier_noun(record: &PacketRow) -> &'static str {
    if record.http().is_empty() {
        "WebSocket frames"
    } else {
        "HTTP body"
    }
}

/// Socket.IO packet inside an Engine.IO packet inside a WebSocket frame or an HTTP body, inside TCP.
fn nesting(record: &PacketRow, socket_io: bool, transport: Option<Transport>) -> String {
    let inner = if socket_io {
        "a Socket.IO packet inside an Engine.IO message (the leading 4)"
    } else {
        "an Engine.IO packet (its first character is its type)"
    };
    let outer = match (transport, record.http().first()) {
        (Some(Transport::Polling), Some(m)) => format!(
            "the body of the HTTP {} (long-polling: {})",
            if m.kind == HttpKind::Request {
                "request"
            } else {
                "response"
            },
            m.start_line()
        ),
        _ => "a WebSocket frame".to_owned(),
    };
    format!("On the wire it is {inner}, inside {outer}, inside TCP.")
}

/// One Engine.IO packet, explained.
fn eio_sentence(r: &EioRecord) -> String {
    let (sender, receiver) = who(r.direction);
    let text = r.packet.text().unwrap_or("");
    match r.packet.kind {
        EioType::Open => open_sentence(r, text),
        EioType::Close => format!("{sender} closes the Engine.IO session (close, type 1)."),
        EioType::Ping if text == "probe" => format!(
            "{sender} sends ping \"probe\" (2probe) on the new WebSocket: a test that this \
             WebSocket works before the session moves onto it. Until then the session keeps \
             polling."
        ),
        EioType::Ping => format!(
            "{sender} sends ping (type 2), a heartbeat: \"are you still there?\". {} must \
             answer pong, or the session is dropped when pingTimeout runs out.",
            capitalise(receiver)
        ),
        EioType::Pong if text == "probe" => format!(
            "{sender} answers pong \"probe\" (3probe): the WebSocket works, the session can \
             move onto it."
        ),
        EioType::Pong => {
            format!("{sender} answers the ping with pong (type 3): it is still there.")
        }
        EioType::Message => match &r.packet.data {
            EioData::Binary { len, .. } => {
                format!("{sender} sends an Engine.IO message of {len} bytes of binary data.")
            }
            _ => format!("{sender} sends an Engine.IO message (type 4): \"{text}\"."),
        },
        EioType::Upgrade => format!(
            "{sender} sends upgrade (type 5): from now on this session's packets travel on this \
             WebSocket, and the long-polling requests stop. This ends the upgrade from HTTP \
             long-polling to WebSocket."
        ),
        EioType::Noop => format!(
            "{sender} sends noop (type 6), a packet that means nothing: during an upgrade it \
             answers the polling GET that was still waiting, so that the client stops polling."
        ),
    }
}

fn open_sentence(r: &EioRecord, text: &str) -> String {
    let (sender, _) = who(r.direction);
    let open: Option<Value> = serde_json::from_str(text).ok();
    let field = |k: &str| {
        open.as_ref()
            .and_then(|o| o.get(k))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    };
    let mut s = format!(
        "{sender} opens an Engine.IO session (open, type 0) with the id sid={}.",
        field("sid")
            .or_else(|| r.sid.as_deref().map(str::to_owned))
            .unwrap_or_else(|| "?".into())
    );
    if let (Some(interval), Some(timeout)) = (field("pingInterval"), field("pingTimeout")) {
        let _ = write!(
            s,
            " The server will ping every {interval} ms and drop the session when a pong does \
             not come within {timeout} ms."
        );
    }
    match field("upgrades").as_deref() {
        Some("[]") => s.push_str(" It offers no upgrade: this session stays on its transport."),
        Some(up) => {
            let _ = write!(s, " It offers to upgrade to {up}.");
        }
        None => {}
    }
    s.push_str(" Every later request of the session names this sid.");
    s
}

/// One Socket.IO packet, explained.
fn sio_sentence(model: &Model, r: &SioRecord, scope: EmitScope) -> String {
    let (sender, _) = who(r.direction);
    let p = &r.packet;
    let nsp = &p.nsp;
    let mut s = match p.kind {
        SioType::Connect => match p.sid() {
            Some(sid) => format!(
                "The server accepts the client into namespace {nsp} (CONNECT, type 0) and gives \
                 this Socket.IO connection the id {sid}."
            ),
            None => format!(
                "The client asks to join namespace {nsp} (CONNECT, type 0). One Engine.IO \
                 session can carry several namespaces."
            ),
        },
        SioType::Disconnect => {
            format!("{sender} leaves namespace {nsp} (DISCONNECT, type 1).")
        }
        SioType::ConnectError => format!(
            "The server refuses namespace {nsp} (CONNECT_ERROR, type 4): the client's \
             connect_error event fires."
        ),
        SioType::Event | SioType::BinaryEvent => event_sentence(r, scope),
        SioType::Ack | SioType::BinaryAck => ack_sentence(model, r),
    };
    if p.kind.is_binary() {
        let total: u64 = r.attachment_lens.iter().sum();
        let _ = write!(
            s,
            " Its {} binary attachment(s) ({total} bytes) travel separately, after the JSON, \
             which holds a placeholder {{\"_placeholder\":true,\"num\":0}} where each goes.",
            r.attachment_lens.len()
        );
    }
    s
}

fn event_sentence(r: &SioRecord, scope: EmitScope) -> String {
    let p = &r.packet;
    let name = p
        .event()
        .map_or_else(|| "?".to_owned(), |e| format!("\"{e}\""));
    let kind = if p.kind == SioType::BinaryEvent {
        "BINARY_EVENT, type 5"
    } else {
        "EVENT, type 2"
    };
    let mut s = match (r.direction, scope) {
        (Direction::ServerToClient, EmitScope::Everyone) => format!(
            "The server sends event {name} ({kind}), and the same packet went to other \
             sessions at the same moment: a broadcast, what io.emit does."
        ),
        (Direction::ServerToClient, EmitScope::Socket) => format!(
            "The server sends event {name} ({kind}) to this client (socket.emit; an io.emit \
             looks the same on the wire when no other client gets a copy in this capture)."
        ),
        (Direction::ClientToServer, _) => format!("The client sends event {name} ({kind})."),
    };
    if let Some(id) = p.id {
        let _ = write!(
            s,
            " It asks for an answer: ack id {id}. The receiver's handler gets a callback, and \
             calling it sends back ACK {id}."
        );
    }
    s
}

fn ack_sentence(model: &Model, r: &SioRecord) -> String {
    let (sender, _) = who(r.direction);
    let id = r
        .packet
        .id
        .map_or_else(|| "?".to_owned(), |id| id.to_string());
    let mut s = format!(
        "{sender} answers the event with ack id {id} (ACK): the callback passed to that \
         emit runs with these values."
    );
    let own = packet_numbered(model, r.frame);
    let event = r.ack_frame.and_then(|f| packet_numbered(model, f));
    if let (Some(event), Some(own)) = (event, own) {
        let rtt_ns = own.packet.ts_ns.saturating_sub(event.packet.ts_ns);
        let _ = write!(
            s,
            " The event was packet #{}: the round trip took {}.",
            event.packet.number(),
            ms_text(rtt_ns)
        );
    }
    s
}

/// A duration in milliseconds, to the microsecond.
fn ms_text(ns: i64) -> String {
    format!("{:.3} ms", ns as f64 / 1e6)
}

/// For the WebSocket upgrade request of an Engine.IO session (`transport=websocket&sid=…`):
/// the sentence that says it starts the move from long-polling.
pub fn upgrade_sentence(record: &PacketRow) -> Option<String> {
    let m = record.http().iter().find(|m| m.kind == HttpKind::Request)?;
    let url = EioUrl::parse(m.uri.as_deref()?)?;
    if url.transport != Some(Transport::WebSocket) {
        return None;
    }
    Some(match url.sid {
        Some(sid) => format!(
            "The URL names Engine.IO session {sid}, which so far used HTTP long-polling: this \
             WebSocket is the session's upgrade. It is tested with ping \"probe\" before the \
             session moves onto it."
        ),
        None => "The URL has transport=websocket and no sid: this Engine.IO session starts \
                 directly on WebSocket, with no long-polling."
            .to_owned(),
    })
}

fn next(sio: &[&SioRecord], eio: &[&EioRecord]) -> Option<String> {
    if let Some(r) = sio
        .iter()
        .find(|r| r.packet.kind.is_event() && r.packet.id.is_some())
    {
        let (_, receiver) = who(r.direction);
        return Some(format!(
            "{} answers with ACK {}.",
            capitalise(receiver),
            r.packet.id.unwrap_or(0)
        ));
    }
    if let Some(r) = sio
        .iter()
        .find(|r| r.packet.kind == SioType::Connect && r.packet.sid().is_none())
    {
        return Some(format!(
            "The server answers CONNECT {} with the Socket.IO id, or CONNECT_ERROR.",
            r.packet.nsp
        ));
    }
    let r = eio.first()?;
    let text = r.packet.text().unwrap_or("");
    match r.packet.kind {
        EioType::Ping if text == "probe" => {
            Some("The server answers pong \"probe\" (3probe).".into())
        }
        EioType::Pong if text == "probe" => {
            Some("The client sends upgrade (5) on the WebSocket.".into())
        }
        EioType::Ping => Some(format!("{} answers pong.", capitalise(who(r.direction).1))),
        EioType::Open => Some("The client joins a namespace with a Socket.IO CONNECT.".into()),
        _ => None,
    }
}

/// A long-polling GET of an Engine.IO session: the client asks for what the server has to say.
fn polling_request(step: &Step, record: &PacketRow) -> Option<Narration> {
    let m = record.http().iter().find(|m| m.kind == HttpKind::Request)?;
    let url = EioUrl::parse(m.uri.as_deref()?)?;
    if url.transport != Some(Transport::Polling) || m.method.as_deref() != Some("GET") {
        return None;
    }
    let body = match &url.sid {
        None => "The client starts an Engine.IO session with HTTP long-polling: a plain GET \
                 with EIO= (the protocol version) and transport=polling in the URL. It has no \
                 session id yet; the server answers with the open packet."
            .to_owned(),
        Some(sid) => format!(
            "The client polls session {sid}: this GET asks \"anything for me?\". The server \
             holds it open until it has packets for the client (or a ping is due), then \
             answers with them in the response body. Packets from the client go up in POST \
             requests instead."
        ),
    };
    Some(Narration {
        headline: step.label_on(record).into_owned(),
        body,
        next: Some("The server answers 200 OK with Engine.IO packets in the body.".into()),
        analogy: Some(
            "Like asking at the post office counter \"any mail for me?\" and waiting there until \
             some arrives."
                .into(),
        ),
    })
}

/// The JavaScript that sent and receives the Socket.IO packets of packet `index` (none for a
/// packet with only Engine.IO packets: the library sends those by itself).
pub fn io_code(model: &Model, index: usize) -> Option<IoCode> {
    let record = model.packets.get(index)?;
    let mut code = IoCode::default();
    for r in record.io().iter().filter_map(|e| match e {
        IoEvent::SocketIo(r) => Some(r),
        _ => None,
    }) {
        code.sender_name = match r.direction {
            Direction::ClientToServer => "client",
            Direction::ServerToClient => "server",
        };
        let (send, receive) = code_lines(r, model.emit_scope(index, r));
        code.sender.push(send);
        code.receiver.push(receive);
    }
    (!code.sender.is_empty()).then_some(code)
}

/// The code that sends `r`, and the code that receives it.
fn code_lines(r: &SioRecord, scope: EmitScope) -> (String, String) {
    let p = &r.packet;
    let server = r.direction == Direction::ServerToClient;
    let of = if p.nsp == "/" {
        "io".to_owned()
    } else {
        format!("io.of(\"{}\")", p.nsp)
    };
    let args: Vec<String> = p
        .args()
        .iter()
        .map(|a| {
            if a.get("_placeholder").is_some() {
                "buffer".to_owned()
            } else {
                a.to_string()
            }
        })
        .collect();
    match p.kind {
        SioType::Connect if server => (
            format!("{of}.on(\"connection\", (socket) => {{ … }});"),
            "socket.on(\"connect\", () => { … });".to_owned(),
        ),
        SioType::Connect => (
            if p.nsp == "/" {
                "const socket = io();".to_owned()
            } else {
                format!("const socket = io(\"{}\");", p.nsp)
            },
            format!("{of}.on(\"connection\", (socket) => {{ … }});"),
        ),
        SioType::Disconnect => (
            "socket.disconnect();".to_owned(),
            "socket.on(\"disconnect\", (reason) => { … });".to_owned(),
        ),
        SioType::ConnectError => (
            "next(new Error(\"not authorized\")); // in io.use(…)".to_owned(),
            "socket.on(\"connect_error\", (err) => { … });".to_owned(),
        ),
        SioType::Event | SioType::BinaryEvent => {
            let name = Value::from(p.event().unwrap_or("?")).to_string();
            let who = if server && scope == EmitScope::Everyone {
                "io"
            } else {
                "socket"
            };
            let mut call: Vec<String> = vec![name.clone()];
            call.extend(args.iter().cloned());
            let params: Vec<String> = (1..=args.len()).map(|i| format!("arg{i}")).collect();
            match p.id {
                Some(_) => (
                    format!("{who}.emit({}, (reply) => {{ … }});", call.join(", ")),
                    format!(
                        "socket.on({name}, ({}callback) => {{ callback(…); }});",
                        params.iter().fold(String::new(), |mut s, a| {
                            let _ = write!(s, "{a}, ");
                            s
                        })
                    ),
                ),
                None => (
                    format!("{who}.emit({});", call.join(", ")),
                    format!("socket.on({name}, ({}) => {{ … }});", params.join(", ")),
                ),
            }
        }
        SioType::Ack | SioType::BinaryAck => (
            format!("callback({});", args.join(", ")),
            "(reply) => { … } // the callback given to emit runs".to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests;
