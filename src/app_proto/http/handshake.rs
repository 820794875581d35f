//! The WebSocket opening handshake (RFC 6455 §4): which request asks for the upgrade, whether
//! its answer agrees, and the Sec-WebSocket-Accept check. The one place that decides "is this
//! an upgrade?"; the tracker acts on it and the model reads it from [`HttpMessage::handshake`].

use base64::Engine as _;
use serde::Serialize;
use sha1::{Digest, Sha1};

use super::{HttpKind, HttpMessage};

/// The GUID a server appends to the client's key (RFC 6455 §1.3, §4.2.2).
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// SHA-1 of the client's key (trimmed, as the server uses it) followed by [`WEBSOCKET_GUID`]
/// (RFC 6455 §4.2.2, step 5.4 of the server's answer).
pub fn accept_digest(key: &str) -> [u8; 20] {
    let mut sha = Sha1::new();
    sha.update(key.trim().as_bytes());
    sha.update(WEBSOCKET_GUID.as_bytes());
    sha.finalize().into()
}

/// The `Sec-WebSocket-Accept` a server must answer to `key`: base64 of [`accept_digest`]
/// (RFC 6455 §4.2.2).
pub fn expected_accept(key: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(accept_digest(key))
}

/// What an HTTP message does in the WebSocket opening handshake.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Handshake {
    /// No part of it.
    #[default]
    None,
    /// A request with `Upgrade: websocket` (RFC 6455 §4.1).
    UpgradeRequest,
    /// The `101` that agrees to the upgrade a request asked for: the connection is WebSocket
    /// from the next byte on (RFC 6455 §4.2.2).
    Accepted,
    /// A final answer (200 or more) to an upgrade request that does not switch: the
    /// connection stays HTTP (RFC 6455 §4.1, "if the status code received from the server is
    /// not 101…").
    Refused,
}

/// A request still waiting for its answer: what the answer is checked against.
#[derive(Debug)]
pub(crate) struct PendingRequest {
    pub method: Option<String>,
    key: Option<String>,
    websocket: bool,
}

impl PendingRequest {
    /// Marks `request` as an upgrade request when it asks for WebSocket.
    pub fn of(request: &mut HttpMessage) -> Self {
        let websocket = request.upgrades_to_websocket();
        if websocket {
            request.handshake = Handshake::UpgradeRequest;
        }
        Self {
            method: request.method.clone(),
            key: request.sec_websocket_key.clone(),
            websocket,
        }
    }
}

/// What a connection becomes after an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Switch {
    /// Still HTTP.
    Stay,
    /// WebSocket frames from the next byte on.
    WebSocket,
    /// A raw tunnel (a `101` to another protocol, or a `2xx` to `CONNECT`): not decoded.
    Tunnel,
}

/// Whether a response answers a request: interim answers (1xx but 101) leave it waiting.
pub(crate) fn answers_request(response: &HttpMessage) -> bool {
    let status = response.status.unwrap_or(0);
    !((100..200).contains(&status) && status != 101)
}

/// Check `response` against the `request` it answers: fills in its handshake role, the
/// request's key and the Accept check, and says what the connection becomes.
pub(crate) fn answer(request: Option<&PendingRequest>, response: &mut HttpMessage) -> Switch {
    debug_assert_eq!(response.kind, HttpKind::Response);
    let status = response.status.unwrap_or(0);
    if let Some(key) = request.and_then(|r| r.key.as_deref()) {
        let expected = expected_accept(key);
        response.accept_valid = Some(
            response.sec_websocket_accept.as_deref().map(str::trim) == Some(expected.as_str()),
        );
        response.expected_accept = Some(expected);
        response.request_key = Some(key.to_owned());
    }
    let asked = request.is_some_and(|r| r.websocket);
    let websocket = status == 101 && response.upgrades_to_websocket() && asked;
    if websocket {
        response.handshake = Handshake::Accepted;
    } else if asked && status >= 200 {
        response.handshake = Handshake::Refused;
    }
    let connect = request.and_then(|r| r.method.as_deref()) == Some("CONNECT");
    if websocket {
        Switch::WebSocket
    } else if status == 101 || (connect && (200..300).contains(&status)) {
        Switch::Tunnel
    } else {
        Switch::Stay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_accept_example() {
        assert_eq!(
            expected_accept("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
        assert_eq!(
            expected_accept(" dGhlIHNhbXBsZSBub25jZQ== "),
            expected_accept("dGhlIHNhbXBsZSBub25jZQ==")
        );
    }
}
