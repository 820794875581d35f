//! The Sec-WebSocket-Accept derivation of RFC 6455 §4.2.2, step by step, for display:
//! key + GUID → SHA-1 → base64, and whether the server's value matches.

use std::fmt::Write as _;

pub use crate::app_proto::http::WEBSOCKET_GUID;
use crate::app_proto::http::{accept_digest, expected_accept};

/// Every intermediate value of the derivation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptDerivation {
    /// The client's `Sec-WebSocket-Key`, as sent.
    pub key: String,
    /// `key` followed by [`WEBSOCKET_GUID`].
    pub concatenated: String,
    /// SHA-1 of `concatenated`, 20 bytes.
    pub sha1: [u8; 20],
    /// `sha1` in base64: what the server must send back.
    pub expected: String,
    /// The server's `Sec-WebSocket-Accept`, when known.
    pub received: Option<String>,
}

impl AcceptDerivation {
    /// The SHA-1 digest as 40 hex digits, in groups of four bytes for reading aloud.
    pub fn sha1_hex(&self) -> String {
        let mut out = String::with_capacity(44);
        for (i, b) in self.sha1.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            let _ = write!(out, "{b:02x}");
        }
        out
    }

    /// Whether the server's value equals the expected one (`None` if it sent none).
    pub fn matches(&self) -> Option<bool> {
        self.received.as_deref().map(|r| r.trim() == self.expected)
    }
}

/// Work out the Accept value for `key` (trimmed, as RFC 6455 says the server uses it), with
/// the same functions the tracker checks the server's answer with.
pub fn derive_accept(key: &str, received: Option<&str>) -> AcceptDerivation {
    let key = key.trim().to_string();
    let concatenated = format!("{key}{WEBSOCKET_GUID}");
    let sha1 = accept_digest(&key);
    let expected = expected_accept(&key);
    AcceptDerivation {
        key,
        concatenated,
        sha1,
        expected,
        received: received.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_example() {
        let d = derive_accept(
            "dGhlIHNhbXBsZSBub25jZQ==",
            Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        );
        assert_eq!(d.expected, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(d.matches(), Some(true));
        assert_eq!(d.sha1_hex(), "b37a4f2c c0624f16 90f64606 cf385945 b2bec4ea");
        assert!(d.concatenated.ends_with(WEBSOCKET_GUID));
    }

    #[test]
    fn wrong_accept_does_not_match() {
        let d = derive_accept("dGhlIHNhbXBsZSBub25jZQ==", Some("AAAA"));
        assert_eq!(d.matches(), Some(false));
        assert_eq!(derive_accept("x", None).matches(), None);
    }
}
