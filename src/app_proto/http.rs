//! HTTP/1.1 messages (httparse) and the WebSocket opening handshake (RFC 6455 §4).

mod anomaly;
mod body;
mod handshake;
mod parser;

use serde::Serialize;

use crate::flow::Direction;

pub use anomaly::HttpAnomaly;
pub use body::MAX_BODY_KEEP;
pub use handshake::{Handshake, WEBSOCKET_GUID, accept_digest, expected_accept};
pub(crate) use handshake::{PendingRequest, Switch, answer, answers_request};
pub(crate) use parser::{HttpParser, HttpStep};

/// Request or response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum HttpKind {
    Request,
    Response,
}

/// One HTTP/1.x request or response head (and how long its body was).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpMessage {
    pub direction: Direction,
    pub kind: HttpKind,
    pub method: Option<String>,
    pub uri: Option<String>,
    /// Minor version: 1 for HTTP/1.1.
    pub version: u8,
    pub status: Option<u16>,
    pub reason: Option<String>,
    /// Headers in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// `Upgrade` header value.
    pub upgrade: Option<String>,
    pub sec_websocket_key: Option<String>,
    pub sec_websocket_accept: Option<String>,
    /// The Accept value RFC 6455 §4.2.2 derives from the request's key (responses only, when the
    /// request was seen).
    pub expected_accept: Option<String>,
    /// Whether `sec_websocket_accept` equals `expected_accept`.
    pub accept_valid: Option<bool>,
    /// For a response: the `Sec-WebSocket-Key` of the request it answers, which
    /// `expected_accept` was derived from.
    pub request_key: Option<String>,
    /// Its part in the WebSocket opening handshake, as the app tracker decided it.
    pub handshake: Handshake,
    pub sec_websocket_version: Option<String>,
    pub sec_websocket_protocol: Option<String>,
    pub sec_websocket_extensions: Option<String>,
    /// Length of the head (start line + headers + blank line), bytes.
    pub head_len: u64,
    /// Body length after de-chunking, bytes.
    pub body_len: u64,
    /// The body's bytes, kept only where a protocol above reads them (Engine.IO polling), at
    /// most [`body::MAX_BODY_KEEP`].
    pub body: Option<Vec<u8>>,
    /// Part of the kept body is missing (lost bytes, or past the bound).
    pub body_cut: bool,
    /// Stream offset of the first byte.
    pub offset: u64,
    /// Packets that carried it, in order; the last one carried its last byte.
    pub packets: Vec<u64>,
}

impl HttpMessage {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a header holds `token` in its comma-separated list (case-insensitive), as
    /// `Connection: keep-alive, Upgrade` holds `upgrade`.
    pub fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether its `Upgrade` header names WebSocket (the header alone: whether the upgrade
    /// happened is [`HttpMessage::handshake`]).
    pub fn upgrades_to_websocket(&self) -> bool {
        self.upgrade.as_deref().is_some_and(|u| {
            u.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("websocket"))
        })
    }

    /// Whether its Sec-WebSocket-Accept is right, where that is worth saying: on a response
    /// that has the header or switches protocols (a 101 without it fails the handshake). A
    /// refusal (404, 426…) has no Accept to be wrong: `None`, although `accept_valid` says
    /// `false` there (it compares with the value the key asks for).
    pub fn accept_verdict(&self) -> Option<bool> {
        let shown = self.sec_websocket_accept.is_some() || self.status == Some(101);
        self.accept_valid.filter(|_| shown)
    }

    /// The packet that carried its last byte.
    pub fn last_packet(&self) -> u64 {
        self.packets.last().copied().unwrap_or(0)
    }

    /// First line as sent, e.g. "GET /chat HTTP/1.1" or "HTTP/1.1 101 Switching Protocols".
    pub fn start_line(&self) -> String {
        match self.kind {
            HttpKind::Request => format!(
                "{} {} HTTP/1.{}",
                self.method.as_deref().unwrap_or("?"),
                self.uri.as_deref().unwrap_or("?"),
                self.version
            ),
            HttpKind::Response => format!(
                "HTTP/1.{} {} {}",
                self.version,
                self.status.unwrap_or(0),
                self.reason.as_deref().unwrap_or("")
            ),
        }
    }
}
