//! The echo server's side of the HTTP/1.1 Upgrade (RFC 6455 §4.2): read one request head, decide
//! between `101 Switching Protocols`, the browser page's files (`web.rs`), and the right HTTP error.

use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::routes::{CHAT_PREFIX, Route, RouteError};
use super::web;
use crate::app_proto::websocket::DeflateParams;

/// Largest request head the server reads before answering 431.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
const MAX_HEADERS: usize = 32;

/// What to do with a request head.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A valid upgrade: answer 101 with this `Sec-WebSocket-Accept`, and on `/deflate` with
    /// the permessage-deflate parameters taken and the `Sec-WebSocket-Extensions` answer.
    Upgrade {
        accept: String,
        route: Route,
        deflate: Option<(DeflateParams, String)>,
    },
    /// An Engine.IO / Socket.IO request (`/socket.io/…`, any method): hyper and socketioxide
    /// take the connection from its first byte.
    SocketIo,
    /// A request to the chat's HTTP transports (`/chat/…`, any method): hyper takes the
    /// connection from its first byte (keep-alive).
    Chat,
    /// Answer with this complete HTTP response, then close.
    Respond { status: u16, response: Vec<u8> },
}

/// The outcome of looking at the bytes read so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Head {
    /// The head is not complete yet: read more.
    Incomplete,
    /// The head ends at byte `len`; what follows already belongs to the WebSocket stream.
    Complete { verdict: Verdict, len: usize },
}

/// Classify the bytes read so far.
pub fn parse_head(buf: &[u8]) -> Head {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD_BYTES => Head::Complete {
            verdict: error(431, "Request Header Fields Too Large", &[]),
            len: buf.len(),
        },
        Ok(httparse::Status::Partial) => Head::Incomplete,
        Ok(httparse::Status::Complete(len)) => Head::Complete {
            verdict: classify(&req),
            len,
        },
        Err(httparse::Error::TooManyHeaders) => Head::Complete {
            verdict: error(431, "Request Header Fields Too Large", &[]),
            len: buf.len(),
        },
        Err(_) => Head::Complete {
            verdict: error(400, "Bad Request", &[]),
            len: buf.len(),
        },
    }
}

fn header<'a>(req: &'a httparse::Request<'_, '_>, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .map(str::trim)
}

fn has_token(value: Option<&str>, token: &str) -> bool {
    value.is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

fn classify(req: &httparse::Request<'_, '_>) -> Verdict {
    let method = req.method.unwrap_or_default();
    let target = req.path.unwrap_or_default();
    if is_socketio_path(target) {
        return Verdict::SocketIo;
    }
    if target.starts_with(CHAT_PREFIX) {
        return Verdict::Chat;
    }
    if method != "GET" {
        return error(405, "Method Not Allowed", &[("Allow", "GET")]);
    }
    let wants_websocket = has_token(header(req, "Upgrade"), "websocket");
    if !wants_websocket {
        return if let Some(file) = web::asset(target) {
            respond(
                200,
                "OK",
                file.content_type,
                &[("Cache-Control", "no-cache")],
                file.body,
            )
        } else if Route::is_endpoint(target) {
            let path = target.split_once('?').map_or(target, |(p, _)| p);
            explained(
                426,
                "Upgrade Required",
                &[("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")],
                &format!("{path} speaks WebSocket only: connect a WebSocket client to it"),
            )
        } else {
            error(404, "Not Found", &[])
        };
    }
    if req.version != Some(1) || !has_token(header(req, "Connection"), "upgrade") {
        return error(400, "Bad Request", &[]);
    }
    if header(req, "Sec-WebSocket-Version") != Some("13") {
        return error(426, "Upgrade Required", &[("Sec-WebSocket-Version", "13")]);
    }
    let Some(key) = header(req, "Sec-WebSocket-Key").filter(|k| valid_key(k)) else {
        return error(400, "Bad Request", &[]);
    };
    match Route::parse(target) {
        Ok(route) => Verdict::Upgrade {
            accept: derive_accept_key(key.as_bytes()),
            deflate: header(req, "Sec-WebSocket-Extensions")
                .filter(|_| route == Route::Deflate)
                .and_then(super::deflate::accept_offer),
            route,
        },
        Err(RouteError::NotFound { .. }) => error(404, "Not Found", &[]),
        Err(e) => explained(e.status(), "Bad Request", &[], &e.to_string()),
    }
}

/// `/socket.io`, `/socket.io/…` or `/socket.io?…` (not `/socket.iox`).
fn is_socketio_path(path: &str) -> bool {
    path.strip_prefix(super::socketio::PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
}

/// RFC 6455 §4.1: the key is 16 random bytes, base64-encoded (24 characters ending in `==`).
fn valid_key(key: &str) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(key)
        .is_ok_and(|k| k.len() == 16)
}

fn error(status: u16, reason: &str, extra: &[(&str, &str)]) -> Verdict {
    let body = format!("{status} {reason}\n");
    respond(status, reason, "text/plain; charset=utf-8", extra, &body)
}

/// An error whose body says what was wrong with the request.
fn explained(status: u16, reason: &str, extra: &[(&str, &str)], detail: &str) -> Verdict {
    let body = format!("{status} {reason}: {detail}\n");
    respond(status, reason, "text/plain; charset=utf-8", extra, &body)
}

fn respond(
    status: u16,
    reason: &str,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> Verdict {
    use std::fmt::Write as _;
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nServer: osiscope-echo\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    let mut response = head.into_bytes();
    response.extend_from_slice(body.as_bytes());
    Verdict::Respond { status, response }
}

/// The answer when every connection slot is taken.
pub fn service_unavailable() -> Verdict {
    error(503, "Service Unavailable", &[("Retry-After", "1")])
}

/// The `101 Switching Protocols` response for an accepted upgrade, with the extensions taken.
pub fn switching_protocols(accept: &str, extensions: Option<&str>) -> Vec<u8> {
    let extensions = extensions
        .map(|e| format!("Sec-WebSocket-Extensions: {e}\r\n"))
        .unwrap_or_default();
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n{extensions}\r\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPGRADE: &str = "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    #[allow(clippy::needless_pass_by_value)] // reads better at the call sites
    fn status(head: Head) -> u16 {
        match head {
            Head::Complete {
                verdict: Verdict::Respond { status, .. },
                ..
            } => status,
            Head::Complete {
                verdict: Verdict::Upgrade { .. },
                ..
            } => 101,
            Head::Complete {
                verdict: Verdict::SocketIo,
                ..
            } => 1,
            Head::Complete {
                verdict: Verdict::Chat,
                ..
            } => 2,
            Head::Incomplete => 0,
        }
    }

    #[test]
    fn rfc6455_example_key_is_accepted() {
        let Head::Complete {
            verdict: Verdict::Upgrade { accept, route, .. },
            len,
        } = parse_head(UPGRADE.as_bytes())
        else {
            panic!("not an upgrade")
        };
        assert_eq!(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(route, Route::Echo);
        assert_eq!(len, UPGRADE.len());
    }

    #[test]
    fn every_prefix_is_incomplete_never_a_panic() {
        for n in 0..UPGRADE.len() {
            assert_eq!(
                status(parse_head(&UPGRADE.as_bytes()[..n])),
                0,
                "prefix {n}"
            );
        }
    }

    #[test]
    fn wrong_requests_get_the_right_status() {
        let swap = |from: &str, to: &str| status(parse_head(UPGRADE.replace(from, to).as_bytes()));
        assert_eq!(swap("GET /echo", "POST /echo"), 405);
        assert_eq!(swap("GET /echo", "GET /private"), 404);
        assert_eq!(swap("Version: 13", "Version: 8"), 426);
        assert_eq!(swap("dGhlIHNhbXBsZSBub25jZQ==", "short"), 400);
        // A plain GET of an endpoint is told to upgrade; of any other path, 404.
        assert_eq!(swap("Upgrade: websocket\r\n", ""), 426);
        assert_eq!(
            status(parse_head(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")),
            404
        );
        assert_eq!(swap("GET /echo", "GET /push?interval_ms=10"), 101);
        assert_eq!(swap("GET /echo", "GET /push?interval_ms=1"), 400);
        assert_eq!(swap("GET /echo", "GET /broadcast?room=a/b"), 400);
        assert_eq!(
            status(parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
            200
        );
        assert_eq!(status(parse_head(b"\x16\x03\x01garbage\r\n\r\n")), 400);
        assert_eq!(status(parse_head(&vec![b'a'; MAX_HEAD_BYTES])), 431);
        // Engine.IO requests go to socketioxide whatever their method; a look-alike path does not.
        assert_eq!(
            swap("GET /echo", "POST /socket.io/?EIO=4&transport=polling"),
            1
        );
        assert_eq!(
            swap("GET /echo", "GET /socket.io/?EIO=4&transport=websocket"),
            1
        );
        assert_eq!(swap("GET /echo", "GET /socket.iox"), 404);
        assert_eq!(swap("GET /echo", "POST /chat/send?client=a"), 2);
        assert_eq!(swap("GET /echo", "GET /chat/anything"), 2);
        let long = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_HEAD_BYTES));
        assert_eq!(status(parse_head(long.as_bytes())), 431);
    }
}
