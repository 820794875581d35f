//! Engine.IO sessions across TCP connections: polling requests and the WebSocket that upgrades
//! them are joined by their `sid` (from the open packet, then `sid=` in every URL); each
//! session decodes its Socket.IO packets, joins binary attachments and pairs acks.

use std::collections::VecDeque;

use foldhash::HashMap;
use smol_str::SmolStr;

use crate::app_proto::socketio::{
    Attachments, Completed, SioPacket, SioVersion, SocketIoAnomaly, decode_packet,
};
use crate::flow::Direction;

use super::feed::IoOut;
use super::record::{AckPair, EioRecord, IoAnomaly, IoAnomalyKind, IoEvent, SioRecord};
use super::{
    EioData, EioPacket, EioType, EioUrl, EioVersion, EngineIoAnomaly, Transport,
    decode_packet_text, decode_payload, decode_ws_binary,
};

/// Events waiting for their ack, per session, at most (the oldest is forgotten first).
const MAX_PENDING_ACKS: usize = 4096;
/// Sessions followed at once, at most; past it new sids are not remembered.
const MAX_SESSIONS: usize = 65_536;

/// One Engine.IO session's Socket.IO state.
#[derive(Debug, Default)]
struct Session {
    /// A binary packet waiting for attachments, per direction.
    attachments: [Attachments; 2],
    /// `(direction of the event, nsp, id)` → the event's frame, oldest first.
    pending_acks: VecDeque<((Direction, SmolStr, u64), u64)>,
    /// What a packet completed, emptied after each (kept for its allocation: this runs for
    /// every message).
    done: Vec<Completed>,
}

/// A WebSocket connection that speaks Engine.IO.
#[derive(Debug)]
struct WsConn {
    eio: EioVersion,
    sid: Option<SmolStr>,
    /// Its session's state until the open packet names it (WebSocket-only clients).
    anonymous: Session,
}

/// A whole WebSocket message, as Engine.IO reads it.
#[derive(Clone, Copy, Debug)]
pub struct EioWsMessage<'a> {
    pub direction: Direction,
    /// The text of a text message; `None` for a binary one.
    pub text: Option<&'a str>,
    /// A binary message's first bytes.
    pub bytes: &'a [u8],
    /// Its whole length.
    pub len: u64,
    /// The packet that carried its last byte.
    pub frame: u64,
}

/// Where a packet was seen.
#[derive(Clone, Copy, Debug)]
struct At {
    direction: Direction,
    transport: Transport,
    eio: EioVersion,
    frame: u64,
}

/// Follows every Engine.IO session of a capture.
#[derive(Debug, Default)]
pub struct EioSessions {
    sessions: HashMap<SmolStr, Session>,
    websockets: HashMap<u32, WsConn>,
}

impl EioSessions {
    pub fn new() -> Self {
        Self::default()
    }

    /// A complete polling body: a GET response's (the server's packets) or a POST request's
    /// (the client's), for the request to `url`. `truncated` when it ended before its length.
    pub fn on_polling_body(
        &mut self,
        url: &EioUrl,
        direction: Direction,
        body: &[u8],
        truncated: bool,
        frame: u64,
        out: &mut impl IoOut,
    ) {
        let at = At {
            direction,
            transport: Transport::Polling,
            eio: url.eio,
            frame,
        };
        let payload = decode_payload(body, url.eio);
        let mut sid = url.sid.clone();
        if let Some(s) = &sid {
            self.check_known(s, at, out);
        }
        let mut anonymous = Session::default();
        for anomaly in payload.anomalies {
            anomaly_event(at, sid.clone(), IoAnomalyKind::EngineIo(anomaly), out);
        }
        if truncated {
            anomaly_event(
                at,
                sid.clone(),
                IoAnomalyKind::EngineIo(EngineIoAnomaly::Truncated),
                out,
            );
        }
        for packet in payload.packets {
            if sid.is_none() {
                sid = self.opened(&packet, at, out);
            }
            let session = match &sid {
                Some(s) => self.session(s),
                None => &mut anonymous,
            };
            session.on_packet(packet, sid.as_ref(), at, out);
        }
    }

    /// Connection `stream` became a WebSocket for the Engine.IO request to `url`.
    pub fn on_websocket(&mut self, stream: u32, url: &EioUrl, frame: u64, out: &mut impl IoOut) {
        if let Some(s) = &url.sid {
            let at = At {
                direction: Direction::ClientToServer,
                transport: Transport::WebSocket,
                eio: url.eio,
                frame,
            };
            self.check_known(s, at, out);
        }
        self.websockets.insert(
            stream,
            WsConn {
                eio: url.eio,
                sid: url.sid.clone(),
                anonymous: Session::default(),
            },
        );
    }

    /// Whether connection `stream` is an Engine.IO WebSocket.
    pub fn is_websocket(&self, stream: u32) -> bool {
        self.websockets.contains_key(&stream)
    }

    /// A whole WebSocket message on Engine.IO connection `stream`.
    pub fn on_ws_message(&mut self, stream: u32, msg: &EioWsMessage<'_>, out: &mut impl IoOut) {
        let Some(conn) = self.websockets.get_mut(&stream) else {
            return;
        };
        let at = At {
            direction: msg.direction,
            transport: Transport::WebSocket,
            eio: conn.eio,
            frame: msg.frame,
        };
        let decoded = match msg.text {
            Some(t) => decode_packet_text(t, conn.eio),
            None => decode_ws_binary(msg.bytes, msg.len, conn.eio),
        };
        let packet = match decoded {
            Ok(p) => p,
            Err(a) => {
                anomaly_event(at, conn.sid.clone(), IoAnomalyKind::EngineIo(a), out);
                return;
            }
        };
        if conn.sid.is_none()
            && let Some(sid) = self.opened(&packet, at, out)
            && let Some(conn) = self.websockets.get_mut(&stream)
        {
            let anonymous = std::mem::take(&mut conn.anonymous);
            conn.sid = Some(sid.clone());
            if self.sessions.len() < MAX_SESSIONS {
                self.sessions.entry(sid).or_insert(anonymous);
            }
        }
        let Some(conn) = self.websockets.get_mut(&stream) else {
            return;
        };
        // The connection's session, found without copying its sid (this runs for every
        // message).
        let session = match conn.sid.as_ref().and_then(|s| self.sessions.get_mut(s)) {
            Some(session) => session,
            None => &mut conn.anonymous,
        };
        session.on_packet(packet, conn.sid.as_ref(), at, out);
    }

    /// Connection `stream` ended. Its session stays: a binary packet still waiting for
    /// attachments is reported when the session's next packet comes instead.
    pub fn on_close(&mut self, stream: u32) {
        self.websockets.remove(&stream);
    }

    /// The sid an open packet gives (and its session made), or `None` when it is not one.
    fn opened(&mut self, packet: &EioPacket, at: At, out: &mut impl IoOut) -> Option<SmolStr> {
        if packet.kind != EioType::Open {
            return None;
        }
        let sid = packet
            .text()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .and_then(|v| v.get("sid")?.as_str().map(SmolStr::new));
        let Some(sid) = sid else {
            anomaly_event(
                at,
                None,
                IoAnomalyKind::EngineIo(EngineIoAnomaly::OpenWithoutSid),
                out,
            );
            return None;
        };
        if self.sessions.len() < MAX_SESSIONS {
            self.sessions.entry(sid.clone()).or_default();
        }
        Some(sid)
    }

    /// A sid in a URL: an anomaly (once) when no open packet named it.
    fn check_known(&mut self, sid: &str, at: At, out: &mut impl IoOut) {
        if self.sessions.contains_key(sid) {
            return;
        }
        anomaly_event(
            at,
            Some(sid.into()),
            IoAnomalyKind::EngineIo(EngineIoAnomaly::UnknownSid {
                sid: sid.to_owned(),
            }),
            out,
        );
        self.session(sid);
    }

    /// Session `sid` (made when new, within [`MAX_SESSIONS`]).
    fn session(&mut self, sid: &str) -> &mut Session {
        if !self.sessions.contains_key(sid) && self.sessions.len() >= MAX_SESSIONS {
            // Over the bound: a throwaway session (its acks are not paired).
            self.sessions.remove(sid);
        }
        self.sessions.entry(sid.into()).or_default()
    }
}

impl Session {
    /// Report an Engine.IO packet, then the Socket.IO packet it completes, if any.
    fn on_packet(
        &mut self,
        packet: EioPacket,
        sid: Option<&SmolStr>,
        at: At,
        out: &mut impl IoOut,
    ) {
        let is_message = packet.kind == EioType::Message;
        out.push_io(IoEvent::EngineIo(EioRecord {
            direction: at.direction,
            eio: at.eio,
            transport: at.transport,
            sid: sid.cloned(),
            packet,
            frame: at.frame,
        }));
        let Some(attachments) = self.attachments.get_mut(at.direction.index()) else {
            return;
        };
        // The Socket.IO packet is read from the text in the record just pushed (not a copy).
        let Some(IoEvent::EngineIo(record)) = out.last_io().filter(|_| is_message) else {
            return;
        };
        let mut done = std::mem::take(&mut self.done);
        match &record.packet.data {
            EioData::Text(text) => {
                let version = match at.eio {
                    EioVersion::V3 => SioVersion::V4,
                    EioVersion::V4 => SioVersion::V5,
                };
                match decode_packet(text, version) {
                    Ok(p) => attachments.on_packet(p, &mut done),
                    Err(a) => done.push(Completed::Anomaly(a)),
                }
            }
            EioData::Binary { len, .. } => done.extend(attachments.on_binary(*len)),
            EioData::None => {
                self.done = done;
                return;
            }
        }
        for completed in done.drain(..) {
            match completed {
                Completed::Packet(p, lens) => self.on_sio(p, lens, sid, at, out),
                Completed::Anomaly(a) => {
                    anomaly_event(at, sid.cloned(), IoAnomalyKind::SocketIo(a), out);
                }
            }
        }
        self.done = done;
    }

    /// A complete Socket.IO packet: pair acks, report it.
    fn on_sio(
        &mut self,
        packet: SioPacket,
        attachment_lens: Vec<u64>,
        sid: Option<&SmolStr>,
        at: At,
        out: &mut impl IoOut,
    ) {
        let mut ack_frame = None;
        let mut pair = None;
        if let Some(id) = packet.id {
            if packet.kind.is_event() {
                if self.pending_acks.len() >= MAX_PENDING_ACKS {
                    self.pending_acks.pop_front();
                }
                self.pending_acks
                    .push_back(((at.direction, packet.nsp.clone(), id), at.frame));
            } else if packet.kind.is_ack() {
                let event_direction = at.direction.reverse();
                let found = self.pending_acks.iter().position(|((d, nsp, i), _)| {
                    *d == event_direction && *i == id && *nsp == packet.nsp
                });
                match found.and_then(|i| self.pending_acks.remove(i)) {
                    Some((_, event_frame)) => {
                        ack_frame = Some(event_frame);
                        pair = Some(AckPair {
                            eio_sid: sid.cloned(),
                            nsp: packet.nsp.clone(),
                            id,
                            event_direction,
                            event_frame,
                            ack_frame: at.frame,
                        });
                    }
                    None => anomaly_event(
                        at,
                        sid.cloned(),
                        IoAnomalyKind::SocketIo(SocketIoAnomaly::AckWithoutEvent { id }),
                        out,
                    ),
                }
            }
        }
        out.push_io(IoEvent::SocketIo(SioRecord {
            direction: at.direction,
            eio_sid: sid.cloned(),
            transport: at.transport,
            packet,
            attachment_lens,
            ack_frame,
            frame: at.frame,
        }));
        if let Some(pair) = pair {
            out.push_io(IoEvent::AckPair(pair));
        }
    }
}

fn anomaly_event(at: At, sid: Option<SmolStr>, kind: IoAnomalyKind, out: &mut impl IoOut) {
    out.push_io(IoEvent::Anomaly(IoAnomaly {
        direction: at.direction,
        sid,
        frame: at.frame,
        kind,
    }));
}
