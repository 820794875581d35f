//! HTTP/1.1 messages (httparse) and the WebSocket opening handshake (RFC 6455 §4).

use serde::Serialize;

use crate::flow::Direction;

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
    pub sec_websocket_version: Option<String>,
    pub sec_websocket_protocol: Option<String>,
    pub sec_websocket_extensions: Option<String>,
    /// Length of the head (start line + headers + blank line), bytes.
    pub head_len: u64,
    pub body_len: u64,
    /// Stream offset of the first byte.
    pub offset: u64,
    /// Packets that carried it, in order; the last one carried its last byte.
    pub packets: Vec<u64>,
}

impl HttpMessage {
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
