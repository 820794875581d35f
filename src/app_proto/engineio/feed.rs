//! Where the application tracker hands Engine.IO its input: the polling bodies and WebSocket
//! upgrades its HTTP parser found (queued as [`EioWork`] while a connection is parsed), and
//! the WebSocket messages of Engine.IO connections, taken from the events of a chunk.

use crate::app_proto::websocket::opcode;
use crate::app_proto::{AppEvent, WsMessage};
use crate::flow::Direction;

use super::{EioSessions, EioUrl, EioWsMessage, Transport};

/// Something the HTTP layer found for Engine.IO.
#[derive(Debug)]
pub enum EioWork {
    /// A complete polling body: a GET response's or a POST request's.
    PollingBody {
        url: EioUrl,
        direction: Direction,
        body: Vec<u8>,
        cut: bool,
        frame: u64,
    },
    /// The connection became an Engine.IO WebSocket.
    WebSocket { url: EioUrl, frame: u64 },
}

impl EioWork {
    /// The Engine.IO URL of a request, when its body or its answer's is read: only polling
    /// requests and WebSocket upgrades are followed.
    pub fn url_of(uri: Option<&str>) -> Option<EioUrl> {
        EioUrl::parse(uri?).filter(|u| u.transport.is_some())
    }

    /// Whether the body of a `method` request to `url` (POST) or of its answer (GET) carries
    /// packets.
    pub fn polling_body(url: &EioUrl, method: Option<&str>, request: bool) -> bool {
        url.transport == Some(Transport::Polling)
            && method == Some(if request { "POST" } else { "GET" })
    }
}

impl EioSessions {
    /// Apply what the HTTP layer of connection `stream` found, then read the Engine.IO
    /// WebSocket messages among `events[start..]`. With `drop_messages`, those messages are
    /// removed once read (the caller did not ask for messages). Engine.IO and Socket.IO
    /// events are appended to `events`.
    pub fn feed(
        &mut self,
        stream: u32,
        work: &mut Vec<EioWork>,
        events: &mut Vec<AppEvent>,
        start: usize,
        drop_messages: bool,
    ) {
        let mut out = std::mem::take(&mut self.reported);
        for w in work.drain(..) {
            match w {
                EioWork::PollingBody {
                    url,
                    direction,
                    body,
                    cut,
                    frame,
                } => self.on_polling_body(&url, direction, &body, cut, frame, &mut out),
                EioWork::WebSocket { url, frame } => {
                    self.on_websocket(stream, &url, frame, &mut out);
                }
            }
        }
        if self.is_websocket(stream) {
            let new = events.get(start..).unwrap_or_default();
            for (i, event) in new.iter().enumerate() {
                let AppEvent::WsMessage(m) = event else {
                    continue;
                };
                if m.opcode != opcode::TEXT && m.opcode != opcode::BINARY {
                    continue;
                }
                let msg = EioWsMessage {
                    direction: m.direction,
                    text: if m.opcode == opcode::TEXT {
                        Some(message_text(m, i.checked_sub(1).and_then(|j| new.get(j))))
                    } else {
                        None
                    },
                    bytes: &m.data,
                    len: m.payload_len,
                    frame: m.packets.last().copied().unwrap_or(0),
                };
                self.on_ws_message(stream, &msg, &mut out);
            }
            if drop_messages {
                // The frames were kept whole for Engine.IO; the caller asked for neither
                // messages nor payloads.
                let mut i = 0;
                events.retain_mut(|e| {
                    i += 1;
                    if let AppEvent::WsFrame(f) = e {
                        f.raw_payload = crate::app_proto::websocket::RawPrefix::default();
                    }
                    i <= start || !matches!(e, AppEvent::WsMessage(_))
                });
            }
        }
        events.extend(out.drain(..).map(AppEvent::Io));
        self.reported = out;
    }
}

/// A text message's text: its own, or, for a one-frame message that has none (Engine.IO without
/// payloads: see `Assembler::on_frame`), its frame's, which is the event before it (`before`).
/// Empty when it is not valid UTF-8 (neither has a text then).
fn message_text<'a>(m: &'a WsMessage, before: Option<&'a AppEvent>) -> &'a str {
    match (&m.text, before) {
        (Some(text), _) => text,
        (None, Some(AppEvent::WsFrame(f))) if m.fragments == 1 => {
            f.text.as_deref().unwrap_or_default()
        }
        _ => "",
    }
}
