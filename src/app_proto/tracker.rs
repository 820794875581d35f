//! Per-connection application parsers, fed with in-order stream chunks: each direction starts
//! as HTTP (or is found not to be), and switches to WebSocket only after a `101` that agrees to
//! the WebSocket upgrade a request asked for (RFC 6455 §4.1–§4.2.2). A connection whose first
//! bytes (or first bytes inside a `CONNECT` tunnel) are a TLS handshake record is read as TLS
//! records: that decision is made here, in [`Conn::sniff`], and nowhere else.

use std::collections::VecDeque;

use foldhash::HashMap;

use crate::flow::{Delivered, Direction};

use super::engineio::{EioSessions, EioUrl, EioWork};
use super::http::{self, HttpKind, HttpMessage, HttpParser, HttpStep, PendingRequest, Switch};
use super::input::{DirInput, Input};
use super::tls::{self, Sniff, TlsStream};
use super::websocket::{DeflateParams, Payloads, WsStream};
use super::{AppEvent, AppNote, NoteKind, StreamKind};

/// How much a client may send after an Upgrade request before the answer arrives; past it we
/// stop waiting and read it as HTTP.
const MAX_HOLD: usize = 1024 * 1024;

/// Runs the application-layer parsers of every connection.
#[derive(Debug, Default)]
pub struct AppTracker {
    conns: HashMap<u32, Conn>,
    /// See [`AppTracker::without_payloads`].
    drop_payloads: bool,
    /// Engine.IO sessions, which span connections.
    eio: EioSessions,
}

impl AppTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// A tracker that keeps no payload copies nobody asked for: WebSocket frames keep their
    /// text, close code and issues but not `raw_payload` (an uncompressed binary
    /// message's bytes are not even unmasked), and no [`AppEvent::WsMessage`] is
    /// reported (messages are still assembled for their checks, whose issues land on frames).
    /// TLS records list no `packets` (a list was an allocation for every record, 5 % of the
    /// engine thread on a `wss://` capture). For `osiscope decode`, which shows none of these.
    pub fn without_payloads() -> Self {
        Self {
            drop_payloads: true,
            ..Self::default()
        }
    }

    /// Feed what a packet delivered on connection `stream`: new in-order bytes of a direction
    /// (parsed where they lie when the direction holds nothing from earlier packets; only what
    /// the parsers leave is copied), or a hole that will never be filled (parsers resync or
    /// give up on the direction). `payload` is the packet's captured TCP payload, where
    /// [`ChunkBytes::Payload`](crate::flow::ChunkBytes::Payload) ranges point; `packet` is
    /// its number. What completed is appended to `out`, in stream order.
    pub fn feed(
        &mut self,
        stream: u32,
        delivered: &Delivered,
        payload: &[u8],
        packet: u64,
        out: &mut Vec<AppEvent>,
    ) {
        let start = out.len();
        let drop_payloads = self.drop_payloads;
        let conn = self
            .conns
            .entry(stream)
            .or_insert_with(|| Conn::new(drop_payloads));
        match delivered {
            Delivered::Chunk(chunk) => {
                let dir = chunk.direction;
                let hole = conn.side(dir).input.hole_before(chunk.offset);
                if hole > 0 {
                    conn.gap(dir, chunk.offset - hole, hole, packet, out);
                }
                let mut lent = conn.side(dir).input.add(chunk, chunk.data(payload));
                conn.drive(dir, &mut lent, packet, out);
                conn.side(dir).input.keep(lent);
            }
            Delivered::Gap(gap) => {
                conn.gap(gap.direction, gap.offset, gap.len, packet, out);
                conn.drive(gap.direction, &mut &[][..], packet, out);
            }
        }
        // Hand Engine.IO what the connection found for it, and the WebSocket messages among
        // the new events when it is an Engine.IO WebSocket.
        if !conn.eio.is_empty() || self.eio.is_websocket(stream) {
            self.eio
                .feed(stream, &mut conn.eio, out, start, self.drop_payloads);
        }
    }

    /// The connection ended (FIN both ways or RST): free its state.
    pub fn on_close(&mut self, stream: u32) {
        self.conns.remove(&stream);
        self.eio.on_close(stream);
    }

    /// Whether parser state is held for connection `stream`.
    pub fn holds(&self, stream: u32) -> bool {
        self.conns.contains_key(&stream)
    }

    /// What a direction of a connection carries, as far as we know.
    pub fn stream_kind(&self, stream: u32, direction: Direction) -> StreamKind {
        self.conns
            .get(&stream)
            .map_or(StreamKind::Unknown, |c| c.dirs[direction.index()].kind)
    }
}

/// A request still waiting for its response.
#[derive(Debug)]
struct Pending {
    request: PendingRequest,
    /// The request's Engine.IO URL, when it is a polling request or a WebSocket upgrade.
    eio: Option<EioUrl>,
}

#[derive(Debug)]
enum Mode {
    Http(HttpParser),
    /// An Upgrade or CONNECT request was sent: wait for the answer before reading further.
    Hold(HttpParser),
    Ws(Box<WsStream>),
    /// TLS records (after [`Conn::sniff`] found a handshake record).
    Tls(Box<TlsStream>),
    /// Inside an established `CONNECT` tunnel: the first bytes tell whether it carries TLS.
    Tunnel,
    /// Not parsed (opaque, or given up after a gap): bytes are dropped.
    Skip,
}

#[derive(Debug)]
struct Side {
    direction: Direction,
    input: DirInput,
    kind: StreamKind,
    mode: Mode,
    /// A note already said why this direction is not parsed.
    noted: bool,
    /// Whether its first bytes were looked at for TLS (see [`Conn::sniff`]).
    sniffed: bool,
}

impl Side {
    fn new(direction: Direction) -> Self {
        Self {
            direction,
            input: DirInput::default(),
            kind: StreamKind::Unknown,
            mode: Mode::Http(HttpParser::new(direction)),
            noted: false,
            sniffed: false,
        }
    }

    fn note(&mut self, packet: u64, kind: NoteKind, out: &mut Vec<AppEvent>) {
        if !self.noted {
            self.noted = true;
            out.push(AppEvent::Note(AppNote {
                direction: self.direction,
                packet,
                kind,
            }));
        }
    }

    /// Parse this direction no further: `Conn::drive` drops its bytes from now on.
    fn stop(&mut self, kind: StreamKind) {
        self.kind = kind;
        self.mode = Mode::Skip;
    }
}

#[derive(Debug)]
struct Conn {
    dirs: [Side; 2],
    pending: VecDeque<Pending>,
    drop_payloads: bool,
    /// What the HTTP parser found for Engine.IO, until the tracker hands it over.
    eio: Vec<EioWork>,
    /// The ServerHello chose TLS 1.3 (see [`TlsStream::drive`]).
    tls13: bool,
}

impl Conn {
    fn new(drop_payloads: bool) -> Self {
        Self {
            dirs: [
                Side::new(Direction::ClientToServer),
                Side::new(Direction::ServerToClient),
            ],
            pending: VecDeque::new(),
            drop_payloads,
            eio: Vec::new(),
            tls13: false,
        }
    }

    fn side(&mut self, dir: Direction) -> &mut Side {
        let [c2s, s2c] = &mut self.dirs;
        match dir {
            Direction::ClientToServer => c2s,
            Direction::ServerToClient => s2c,
        }
    }

    fn gap(&mut self, dir: Direction, offset: u64, len: u64, packet: u64, out: &mut Vec<AppEvent>) {
        let side = self.side(dir);
        match &mut side.mode {
            Mode::Http(p) | Mode::Hold(p) => {
                if !p.on_gap(len) {
                    side.noted = false;
                    side.note(packet, NoteKind::HttpGap { len }, out);
                }
            }
            Mode::Ws(_) => {
                side.noted = false;
                side.note(packet, NoteKind::WebSocketGap { len }, out);
                side.mode = Mode::Skip;
            }
            Mode::Tls(_) => {
                side.noted = false;
                side.note(packet, NoteKind::TlsGap { len }, out);
                side.mode = Mode::Skip;
            }
            Mode::Tunnel => side.mode = Mode::Skip,
            Mode::Skip => {}
        }
        side.input.skip_to(offset + len);
    }

    /// Parse what direction `dir` has (what it holds, or `lent`: see [`Input`]), and the
    /// other direction when an answer released it. The caller keeps what is left of `lent`.
    fn drive(&mut self, dir: Direction, lent: &mut &[u8], packet: u64, out: &mut Vec<AppEvent>) {
        let chunk_dir = dir;
        // A stack of directions to drive (no allocation unless an answer releases the other).
        let mut todo: Vec<Direction> = Vec::new();
        let mut first = Some(dir);
        while let Some(dir) = first.take().or_else(|| todo.pop()) {
            let mut nothing: &[u8] = &[];
            let lent: &mut &[u8] = if dir == chunk_dir {
                &mut *lent
            } else {
                &mut nothing
            };
            loop {
                match self.sniff(dir, lent) {
                    Sniff::NeedMore => break,
                    Sniff::Tls => {
                        todo.push(dir.reverse());
                        continue;
                    }
                    Sniff::NotTls => {}
                }
                let method = self.pending.front().and_then(|p| p.request.method.clone());
                let keep_body = self.pending.front().is_some_and(|p| {
                    p.eio.as_ref().is_some_and(|u| {
                        EioWork::polling_body(u, p.request.method.as_deref(), false)
                    })
                });
                let tls13 = &mut self.tls13;
                let side = &mut self.dirs[dir.index()];
                let mut input = Input::new(&mut side.input, lent);
                let step = match &mut side.mode {
                    Mode::Http(p) => {
                        p.keep_response_body = keep_body && dir == Direction::ServerToClient;
                        p.step(
                            &mut input,
                            method
                                .as_deref()
                                .filter(|_| dir == Direction::ServerToClient),
                        )
                    }
                    Mode::Hold(_) if input.len() > MAX_HOLD => {
                        side.mode = Mode::Http(HttpParser::new(dir));
                        continue;
                    }
                    Mode::Hold(_) => break,
                    Mode::Ws(ws) => {
                        ws.drive(&mut input, out);
                        break;
                    }
                    Mode::Tls(tls) => {
                        tls.drive(&mut input, tls13, out);
                        break;
                    }
                    Mode::Tunnel | Mode::Skip => {
                        // Not parsed: the bytes are dropped.
                        input.consume(input.len());
                        input.prune(input.base());
                        break;
                    }
                };
                match step {
                    HttpStep::NeedMore => break,
                    HttpStep::NotHttp(why) => {
                        side.note(packet, NoteKind::NotDecoded(why), out);
                        // The next turn drops the rest.
                        side.stop(StreamKind::Opaque);
                    }
                    HttpStep::Message(msg) => {
                        side.kind = StreamKind::Http;
                        if self.on_http(*msg, packet, out) {
                            todo.push(dir.reverse());
                        }
                    }
                }
            }
        }
    }

    /// The one decision that a connection carries TLS: a direction's first bytes (at the start
    /// of the connection, or inside a `CONNECT` tunnel; what it holds, or else `lent`) are a
    /// TLS handshake record. Then both directions read TLS records ([`Sniff::Tls`]: drive the
    /// other direction too). [`Sniff::NeedMore`]: wait for more bytes. [`Sniff::NotTls`]: go on
    /// as before (a tunnel that is not TLS is not decoded).
    fn sniff(&mut self, dir: Direction, lent: &mut &[u8]) -> Sniff {
        let side = self.side(dir);
        let fresh = matches!(side.mode, Mode::Tunnel)
            || (matches!(side.mode, Mode::Http(_)) && side.kind == StreamKind::Unknown);
        if side.sniffed || !fresh {
            return Sniff::NotTls;
        }
        let verdict = tls::sniff(Input::new(&mut side.input, lent).bytes());
        match verdict {
            Sniff::NeedMore => {}
            Sniff::NotTls => {
                side.sniffed = true;
                if matches!(side.mode, Mode::Tunnel) {
                    side.stop(StreamKind::OpaqueUpgrade);
                }
            }
            Sniff::Tls => {
                let list_packets = !self.drop_payloads;
                for side in &mut self.dirs {
                    side.sniffed = true;
                    side.kind = StreamKind::Tls;
                    side.mode = Mode::Tls(Box::new(TlsStream::new(side.direction, list_packets)));
                }
            }
        }
        verdict
    }

    /// A complete HTTP message; returns whether the other direction must be driven again.
    fn on_http(&mut self, mut msg: HttpMessage, packet: u64, out: &mut Vec<AppEvent>) -> bool {
        if msg.kind == HttpKind::Request {
            let tunnel = msg.method.as_deref() == Some("CONNECT") || msg.upgrade.is_some();
            let eio = EioWork::url_of(msg.uri.as_deref());
            if let Some(url) = &eio
                && EioWork::polling_body(url, msg.method.as_deref(), true)
            {
                self.eio.push(EioWork::PollingBody {
                    url: url.clone(),
                    direction: msg.direction,
                    body: msg.body.take().unwrap_or_default(),
                    cut: msg.body_cut,
                    frame: msg.last_packet(),
                });
            }
            self.pending.push_back(Pending {
                request: PendingRequest::of(&mut msg),
                eio,
            });
            let side = self.side(msg.direction);
            if tunnel && let Mode::Http(p) = std::mem::replace(&mut side.mode, Mode::Skip) {
                side.mode = Mode::Hold(p);
            }
            out.push(AppEvent::Http(Box::new(msg)));
            return false;
        }
        let request = if http::answers_request(&msg) {
            self.pending.pop_front()
        } else {
            None
        };
        let switch = http::answer(request.as_ref().map(|p| &p.request), &mut msg);
        let status = msg.status.unwrap_or(0);
        let deflate = msg
            .sec_websocket_extensions
            .as_deref()
            .and_then(DeflateParams::from_extensions);
        let upgrade = msg.upgrade.clone().unwrap_or_default();
        let eio = request.and_then(|r| {
            let url = r.eio?;
            if switch == Switch::WebSocket {
                return Some(EioWork::WebSocket {
                    url,
                    frame: msg.last_packet(),
                });
            }
            (status == 200 && EioWork::polling_body(&url, r.request.method.as_deref(), false)).then(
                || EioWork::PollingBody {
                    url,
                    direction: msg.direction,
                    body: msg.body.take().unwrap_or_default(),
                    cut: msg.body_cut,
                    frame: msg.last_packet(),
                },
            )
        });
        out.push(AppEvent::Http(Box::new(msg)));
        let engine_io_ws = matches!(eio, Some(EioWork::WebSocket { .. }));
        self.eio.extend(eio);
        if switch == Switch::WebSocket {
            // Engine.IO reads whole messages: they are reported even without payloads.
            let payloads = match (self.drop_payloads, engine_io_ws) {
                (false, _) => Payloads::All,
                (true, true) => Payloads::EngineIo,
                (true, false) => Payloads::Checks,
            };
            for side in &mut self.dirs {
                side.kind = StreamKind::WebSocket;
                side.mode = Mode::Ws(Box::new(WsStream::new(side.direction, deflate, payloads)));
            }
        } else if switch == Switch::Tunnel {
            let what = if status == 101 {
                NoteKind::OpaqueUpgrade { protocol: upgrade }
            } else {
                NoteKind::ConnectTunnel
            };
            let [c2s, s2c] = &mut self.dirs;
            s2c.note(packet, what, out);
            c2s.noted = true;
            for side in &mut self.dirs {
                if status == 101 {
                    side.stop(StreamKind::OpaqueUpgrade);
                } else {
                    // What the tunnel carries is told by its first bytes (`Conn::sniff`).
                    side.kind = StreamKind::OpaqueUpgrade;
                    side.mode = Mode::Tunnel;
                    side.sniffed = false;
                }
            }
        } else if let Mode::Hold(_) = self.dirs[0].mode {
            // Refused upgrade (400, 404, 426…): the client side stays HTTP.
            self.dirs[0].mode = Mode::Http(HttpParser::new(Direction::ClientToServer));
        } else {
            return false;
        }
        true
    }
}
