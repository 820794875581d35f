//! One direction of HTTP/1.x: heads parsed with httparse, bodies skipped by Content-Length or
//! chunked coding without being buffered, so pipelined messages stay in step.

use crate::app_proto::engineio::EioUrl;
use crate::app_proto::input::Input;
use crate::flow::Direction;

use super::body::take_body;
use super::{HttpAnomaly, HttpKind, HttpMessage};

/// Longest head we wait for before deciding the bytes are not HTTP.
const MAX_HEAD: usize = 64 * 1024;
/// Header slots for httparse.
const MAX_HEADERS: usize = 128;
/// Methods a resync accepts at the start of a line (RFC 9110 §9, plus PATCH).
const METHODS: [&str; 9] = [
    "GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ",
];

/// What one step of the parser produced.
#[derive(Debug)]
pub(crate) enum HttpStep {
    /// Nothing more can be parsed until more bytes arrive.
    NeedMore,
    /// A message whose last byte (head, or body when it has one) has been consumed.
    Message(Box<HttpMessage>),
    /// The bytes at the front are not HTTP; the reason.
    NotHttp(HttpAnomaly),
}

/// How a body ends (RFC 9112 §6.3).
#[derive(Debug)]
enum Body {
    Length(u64),
    /// Chunked coding in progress.
    Chunked(Chunk),
    /// Runs until the connection closes: everything is body.
    ToClose,
}

#[derive(Debug)]
enum Chunk {
    /// Expecting a chunk-size line.
    Size,
    /// This many data bytes left, then CRLF.
    Data(u64),
    DataEnd,
    /// After the last chunk: trailer lines until an empty one.
    Trailer,
}

#[derive(Debug)]
enum State {
    Head,
    Body(Box<HttpMessage>, Body),
    /// After a gap: skip to a line that starts a request or response.
    Resync,
    /// A response without a length: everything until the connection closes is its body. The
    /// response was already emitted when its head ended (we are not told about the close).
    ToClose,
}

/// Parses one direction's HTTP messages.
#[derive(Debug)]
pub(crate) struct HttpParser {
    direction: Direction,
    state: State,
    /// Keep the body of the next response (the request it answers wants it read), set by the
    /// tracker; a request keeps its body when [`keeps_body`] says so.
    pub keep_response_body: bool,
}

impl HttpParser {
    pub fn new(direction: Direction) -> Self {
        Self {
            direction,
            state: State::Head,
            keep_response_body: false,
        }
    }

    /// Bytes were lost: a body of known length can absorb them, otherwise resync. Returns
    /// whether the parser is still in step.
    pub fn on_gap(&mut self, len: u64) -> bool {
        match &mut self.state {
            State::Body(msg, Body::Length(left)) if *left >= len => {
                *left -= len;
                msg.body_len += len;
                msg.body_cut |= msg.body.is_some();
                true
            }
            State::ToClose => true,
            _ => {
                self.state = State::Resync;
                false
            }
        }
    }

    /// Parse what `input` holds. For responses, `request_method` is the method of the request
    /// being answered (HEAD and CONNECT change how the body ends).
    pub fn step(&mut self, input: &mut Input<'_, '_>, request_method: Option<&str>) -> HttpStep {
        loop {
            match &mut self.state {
                State::ToClose => {
                    input.consume(input.len());
                    input.prune(input.base());
                    return HttpStep::NeedMore;
                }
                State::Resync => {
                    if !resync(input) {
                        return HttpStep::NeedMore;
                    }
                    self.state = State::Head;
                }
                State::Head => match self.head(input, request_method) {
                    Ok(Some((mut msg, Some(Body::ToClose)))) => {
                        msg.packets = input.packets(msg.offset, input.base()).into();
                        self.state = State::ToClose;
                        return HttpStep::Message(Box::new(msg));
                    }
                    Ok(Some((msg, None))) => return HttpStep::Message(Box::new(msg)),
                    Ok(Some((msg, Some(body)))) => self.state = State::Body(Box::new(msg), body),
                    Ok(None) => return HttpStep::NeedMore,
                    Err(why) => return HttpStep::NotHttp(why),
                },
                State::Body(msg, body) => {
                    let done = match skip_body(body, input, msg) {
                        Ok(done) => done,
                        Err(why) => return HttpStep::NotHttp(why),
                    };
                    if !done {
                        return HttpStep::NeedMore;
                    }
                    let State::Body(mut msg, _) = std::mem::replace(&mut self.state, State::Head)
                    else {
                        return HttpStep::NeedMore;
                    };
                    msg.packets = input.packets(msg.offset, input.base()).into();
                    input.prune(input.base());
                    return HttpStep::Message(msg);
                }
            }
        }
    }

    /// Parse a head; `Ok(None)` when incomplete. Returns the message and how its body ends.
    fn head(
        &self,
        input: &mut Input<'_, '_>,
        request_method: Option<&str>,
    ) -> Result<Option<(HttpMessage, Option<Body>)>, HttpAnomaly> {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let buf = input.bytes();
        if buf.len() < 5 && b"HTTP/".starts_with(buf) {
            return Ok(None);
        }
        let parsed = if buf.starts_with(b"HTTP/") {
            let mut resp = httparse::Response::new(&mut slots);
            resp.parse(buf).map(|status| match status {
                httparse::Status::Complete(n) => {
                    let mut m =
                        self.message(HttpKind::Response, resp.headers, resp.version, input.base());
                    m.status = resp.code;
                    m.reason = resp.reason.map(str::to_owned);
                    Some((m, n))
                }
                httparse::Status::Partial => None,
            })
        } else {
            let mut req = httparse::Request::new(&mut slots);
            req.parse(buf).map(|status| match status {
                httparse::Status::Complete(n) => {
                    let mut m =
                        self.message(HttpKind::Request, req.headers, req.version, input.base());
                    m.method = req.method.map(str::to_owned);
                    m.uri = req.path.map(str::to_owned);
                    Some((m, n))
                }
                httparse::Status::Partial => None,
            })
        };
        let (mut msg, head_len) = match parsed {
            Ok(Some(done)) => done,
            Ok(None) if buf.len() > MAX_HEAD => {
                return Err(HttpAnomaly::HeadTooLong { max: MAX_HEAD });
            }
            Ok(None) => return Ok(None),
            Err(e) => {
                return Err(HttpAnomaly::NotHttp {
                    error: e.to_string(),
                });
            }
        };
        msg.head_len = head_len as u64;
        let keep = match msg.kind {
            HttpKind::Request => msg.uri.as_deref().is_some_and(keeps_body),
            HttpKind::Response => self.keep_response_body,
        };
        if keep {
            msg.body = Some(Vec::new());
        }
        input.consume(head_len);
        let body = body_framing(&msg, request_method)?;
        if body.is_none() {
            msg.packets = input.packets(msg.offset, input.base()).into();
            input.prune(input.base());
        }
        Ok(Some((msg, body)))
    }

    fn message(
        &self,
        kind: HttpKind,
        headers: &[httparse::Header<'_>],
        version: Option<u8>,
        offset: u64,
    ) -> HttpMessage {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|h| {
                (
                    h.name.to_owned(),
                    String::from_utf8_lossy(h.value).trim().to_owned(),
                )
            })
            .collect();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        HttpMessage {
            direction: self.direction,
            kind,
            method: None,
            uri: None,
            version: version.unwrap_or(1),
            status: None,
            reason: None,
            upgrade: get("Upgrade"),
            sec_websocket_key: get("Sec-WebSocket-Key"),
            sec_websocket_accept: get("Sec-WebSocket-Accept"),
            expected_accept: None,
            accept_valid: None,
            request_key: None,
            handshake: super::Handshake::None,
            sec_websocket_version: get("Sec-WebSocket-Version"),
            sec_websocket_protocol: get("Sec-WebSocket-Protocol"),
            sec_websocket_extensions: get("Sec-WebSocket-Extensions"),
            headers,
            head_len: 0,
            body_len: 0,
            body: None,
            body_cut: false,
            offset,
            packets: Vec::new(),
        }
    }
}

/// How the body after this head ends (RFC 9112 §6.3); `None` when there is none.
fn body_framing(
    msg: &HttpMessage,
    request_method: Option<&str>,
) -> Result<Option<Body>, HttpAnomaly> {
    if let Some(status) = msg.status {
        let connect_ok = request_method == Some("CONNECT") && (200..300).contains(&status);
        if (100..200).contains(&status)
            || status == 204
            || status == 304
            || request_method == Some("HEAD")
            || connect_ok
        {
            return Ok(None);
        }
    }
    if msg.header_has_token("Transfer-Encoding", "chunked") {
        return Ok(Some(Body::Chunked(Chunk::Size)));
    }
    if let Some(len) = msg.header("Content-Length") {
        let len: u64 = len
            .trim()
            .parse()
            .map_err(|_| HttpAnomaly::BadContentLength {
                value: len.to_owned(),
            })?;
        return Ok((len > 0).then_some(Body::Length(len)));
    }
    Ok(msg.status.is_some().then_some(Body::ToClose))
}

/// Whether a request to `uri` has a body a protocol above reads (Engine.IO polling), so that
/// it is kept.
pub(crate) fn keeps_body(uri: &str) -> bool {
    EioUrl::parse(uri).is_some()
}

/// Consume body bytes; `Ok(true)` when the body is complete.
fn skip_body(
    body: &mut Body,
    input: &mut Input<'_, '_>,
    msg: &mut HttpMessage,
) -> Result<bool, HttpAnomaly> {
    loop {
        match body {
            Body::Length(left) => {
                let take = usize::try_from(*left)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                take_body(input, take, msg);
                *left -= take as u64;
                return Ok(*left == 0);
            }
            Body::ToClose => return Ok(false),
            Body::Chunked(chunk) => {
                if let Chunk::Data(left) = chunk {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    take_body(input, take, msg);
                    *left -= take as u64;
                    if *left > 0 {
                        return Ok(false);
                    }
                    *chunk = Chunk::DataEnd;
                    continue;
                }
                let Some(eol) = input.bytes().iter().position(|&b| b == b'\n') else {
                    if input.len() > MAX_HEAD {
                        return Err(HttpAnomaly::ChunkLineTooLong);
                    }
                    return Ok(false);
                };
                let line = String::from_utf8_lossy(input.bytes().get(..eol).unwrap_or_default())
                    .trim()
                    .to_owned();
                input.consume(eol + 1);
                match chunk {
                    Chunk::Size => {
                        let hex = line.split(';').next().unwrap_or_default().trim();
                        let size = u64::from_str_radix(hex, 16).map_err(|_| {
                            HttpAnomaly::BadChunkSize {
                                value: hex.to_owned(),
                            }
                        })?;
                        *chunk = if size == 0 {
                            Chunk::Trailer
                        } else {
                            Chunk::Data(size)
                        };
                    }
                    Chunk::DataEnd => *chunk = Chunk::Size,
                    Chunk::Trailer if line.is_empty() => return Ok(true),
                    Chunk::Trailer | Chunk::Data(_) => {}
                }
            }
        }
    }
}

/// Skip to the first line that starts a request or a response; `true` when found.
fn resync(input: &mut Input<'_, '_>) -> bool {
    let buf = input.bytes();
    let starts = std::iter::once(0).chain(
        buf.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1),
    );
    for start in starts {
        let rest = buf.get(start..).unwrap_or_default();
        let candidates = METHODS
            .iter()
            .map(|m| m.as_bytes())
            .chain(std::iter::once(&b"HTTP/1."[..]));
        let mut partial = false;
        for c in candidates {
            if rest.starts_with(c) {
                input.consume(start);
                return true;
            }
            partial |= c.starts_with(rest);
        }
        if partial {
            input.consume(start);
            return false;
        }
    }
    let n = input.len();
    input.consume(n);
    false
}
