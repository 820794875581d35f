//! Where the application tracker hands Engine.IO its input: the polling bodies and WebSocket
//! upgrades its HTTP parser found (queued as [`EioWork`] while a connection is parsed), and
//! the WebSocket messages of Engine.IO connections, taken from the events of a chunk.

use crate::app_proto::AppEvent;
use crate::app_proto::websocket::opcode;
use crate::flow::Direction;

use super::{EioSessions, EioUrl, EioWsMessage, IoEvent, Transport};

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

/// Where Engine.IO and Socket.IO events go as they are found: straight into a packet's list of
/// events (`Vec<AppEvent>`: no list of their own to move them from, and that list holds a
/// packet's frame, message and the Engine.IO and Socket.IO packets in the 4 events it is first
/// given room for), or a list of them alone.
pub trait IoOut {
    fn push_io(&mut self, event: IoEvent);
    /// The event pushed last, when it is an Engine.IO or Socket.IO one.
    fn last_io(&self) -> Option<&IoEvent>;
}

impl IoOut for Vec<IoEvent> {
    fn push_io(&mut self, event: IoEvent) {
        self.push(event);
    }

    fn last_io(&self) -> Option<&IoEvent> {
        self.last()
    }
}

impl IoOut for Vec<AppEvent> {
    fn push_io(&mut self, event: IoEvent) {
        self.push(AppEvent::Io(event));
    }

    fn last_io(&self) -> Option<&IoEvent> {
        match self.last() {
            Some(AppEvent::Io(event)) => Some(event),
            _ => None,
        }
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
        // The chunk's own events end here; Engine.IO's come after them.
        let end = events.len();
        for w in work.drain(..) {
            match w {
                EioWork::PollingBody {
                    url,
                    direction,
                    body,
                    cut,
                    frame,
                } => self.on_polling_body(&url, direction, &body, cut, frame, events),
                EioWork::WebSocket { url, frame } => {
                    self.on_websocket(stream, &url, frame, events);
                }
            }
        }
        if self.is_websocket(stream) {
            for i in start..end {
                self.read_message(stream, events, start, i);
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
    }

    /// Read `events[i]` if it is a data message of Engine.IO connection `stream`, appending
    /// what it makes to `events`. A text message's text is its own, or, for a one-frame
    /// message that has none (Engine.IO without payloads: see `Assembler::on_frame`), its
    /// frame's, which is the event before it; empty when it is not valid UTF-8 (neither has a
    /// text then). Those texts and the message's bytes are taken out of `events` while it is
    /// read (Engine.IO's events are pushed to the same list), and put back.
    fn read_message(&mut self, stream: u32, events: &mut Vec<AppEvent>, start: usize, i: usize) {
        let Some(AppEvent::WsMessage(m)) = events.get_mut(i) else {
            return;
        };
        if m.opcode != opcode::TEXT && m.opcode != opcode::BINARY {
            return;
        }
        let is_text = m.opcode == opcode::TEXT;
        let (direction, len, fragments) = (m.direction, m.payload_len, m.fragments);
        let frame = m.packets.last().copied().unwrap_or(0);
        let own_text = m.text.take();
        let bytes = std::mem::take(&mut m.data);
        let before = i.checked_sub(1).filter(|&j| j >= start);
        let mut frame_text = None;
        if is_text
            && own_text.is_none()
            && fragments == 1
            && let Some(AppEvent::WsFrame(f)) = before.and_then(|j| events.get_mut(j))
        {
            frame_text = f.text.take();
        }
        let msg = EioWsMessage {
            direction,
            text: is_text.then(|| own_text.as_deref().or(frame_text.as_deref()).unwrap_or("")),
            bytes: &bytes,
            len,
            frame,
        };
        self.on_ws_message(stream, &msg, events);
        if let Some(AppEvent::WsMessage(m)) = events.get_mut(i) {
            m.text = own_text;
            m.data = bytes;
        }
        if let (Some(text), Some(AppEvent::WsFrame(f))) =
            (frame_text, before.and_then(|j| events.get_mut(j)))
        {
            f.text = Some(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_proto::WsFrame;
    use crate::app_proto::websocket::{RawPrefix, WsMessage};

    const C2S: Direction = Direction::ClientToServer;

    fn frame(direction: Direction, text: Option<&str>, packet: u64) -> AppEvent {
        AppEvent::WsFrame(WsFrame {
            direction,
            fin: true,
            rsv: 0,
            opcode: opcode::TEXT,
            masked: direction == C2S,
            masking_key: None,
            payload_len: text.map_or(0, str::len) as u64,
            len_field: 0,
            header_len: 2,
            offset: packet * 100,
            raw_payload: RawPrefix::default(),
            compressed: false,
            text: text.map(Box::from),
            text_len: 0,
            close_code: None,
            close_reason: None,
            issues: crate::decode::RareList::default(),
        })
    }

    fn message(direction: Direction, text: Option<&str>, fragments: u32, packet: u64) -> AppEvent {
        AppEvent::WsMessage(WsMessage {
            direction,
            opcode: opcode::TEXT,
            fragments,
            payload_len: 0,
            compressed: false,
            data: b"kept".to_vec(),
            text: text.map(String::from),
            issues: Vec::new(),
            packets: crate::decode::OneOrMany::one(packet),
        })
    }

    /// The Engine.IO packets among `events`, as their type and text.
    fn engine_io(events: &[AppEvent]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                AppEvent::Io(IoEvent::EngineIo(r)) => Some(format!(
                    "{} {}",
                    r.packet.kind.name(),
                    r.packet.text().unwrap_or("")
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn messages_are_read_from_the_events_and_left_as_they_were() {
        let s2c = Direction::ServerToClient;
        let chunk = [
            // A one-frame message without a text of its own: its frame's.
            frame(s2c, Some(r#"0{"sid":"W"}"#), 3),
            message(s2c, None, 1, 3),
            // A two-frame message with its own text, after its last frame's event.
            frame(C2S, Some("]"), 4),
            message(C2S, Some(r#"42["a"]"#), 2, 4),
        ];
        let url = EioUrl::parse("/socket.io/?EIO=4&transport=websocket").unwrap();
        for drop_messages in [false, true] {
            let mut sessions = EioSessions::new();
            sessions.on_websocket(7, &url, 2, &mut Vec::<IoEvent>::new());
            let mut events = vec![AppEvent::Note(crate::app_proto::AppNote {
                direction: C2S,
                packet: 1,
                kind: crate::app_proto::NoteKind::HttpGap { len: 1 },
            })];
            events.extend(chunk.iter().cloned());
            sessions.feed(7, &mut Vec::new(), &mut events, 1, drop_messages);
            assert_eq!(
                engine_io(&events),
                ["open {\"sid\":\"W\"}", "message 2[\"a\"]"],
                "dropping messages: {drop_messages}"
            );
            // The chunk's events come first, as they were (without their messages when those
            // are dropped); Engine.IO's and Socket.IO's after them.
            let kept: Vec<&AppEvent> = chunk
                .iter()
                .filter(|e| !drop_messages || !matches!(e, AppEvent::WsMessage(_)))
                .collect();
            let ours: Vec<&AppEvent> = events.iter().skip(1).take(kept.len()).collect();
            assert_eq!(ours, kept, "dropping messages: {drop_messages}");
            assert!(
                events
                    .iter()
                    .skip(1 + kept.len())
                    .all(|e| matches!(e, AppEvent::Io(_))),
                "dropping messages: {drop_messages}"
            );
        }
    }
}
