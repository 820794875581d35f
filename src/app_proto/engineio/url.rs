//! The Engine.IO facts in a request URI: `EIO=` (the protocol), `transport=` and `sid=`
//! (`/socket.io/?EIO=4&transport=polling&t=P1a2b3c&sid=…`).

use super::{EioVersion, Transport};

/// An Engine.IO request's URI, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EioUrl {
    /// The path before `?` (`/socket.io/` unless the server chose another).
    pub path: String,
    pub eio: EioVersion,
    /// `None` when absent or not one we know (then the request is not followed).
    pub transport: Option<Transport>,
    /// The session, on every request after the handshake.
    pub sid: Option<smol_str::SmolStr>,
}

impl EioUrl {
    /// Read `uri`; `None` unless its query names a known `EIO=` version.
    pub fn parse(uri: &str) -> Option<Self> {
        let (path, query) = uri.split_once('?')?;
        let mut eio = None;
        let mut transport = None;
        let mut sid = None;
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "EIO" => eio = EioVersion::from_number(value),
                "transport" => {
                    transport = match value {
                        "polling" => Some(Transport::Polling),
                        "websocket" => Some(Transport::WebSocket),
                        _ => None,
                    };
                }
                "sid" => sid = Some(percent_decode(value).into()),
                _ => {}
            }
        }
        Some(Self {
            path: path.to_owned(),
            eio: eio?,
            transport,
            sid,
        })
    }
}

/// `%XX` escapes decoded (a sid is URL-safe base64, but a client may escape it anyway).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let (b'%', Some(v)) = (b, hex) {
            out.push(v);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_handshake_and_later_requests() {
        let u = EioUrl::parse("/socket.io/?EIO=4&transport=polling&t=PZk1a2b").unwrap();
        assert_eq!(u.path, "/socket.io/");
        assert_eq!(u.eio, EioVersion::V4);
        assert_eq!(u.transport, Some(Transport::Polling));
        assert_eq!(u.sid, None);
        let u = EioUrl::parse("/socket.io/?EIO=3&transport=websocket&sid=a%2Db_c").unwrap();
        assert_eq!(u.eio, EioVersion::V3);
        assert_eq!(u.transport, Some(Transport::WebSocket));
        assert_eq!(u.sid.as_deref(), Some("a-b_c"));
    }

    #[test]
    fn not_engine_io() {
        assert_eq!(EioUrl::parse("/chat"), None);
        assert_eq!(EioUrl::parse("/socket.io/?transport=polling"), None);
        assert_eq!(EioUrl::parse("/socket.io/?EIO=9&transport=polling"), None);
        assert_eq!(
            EioUrl::parse("/x?EIO=4&sid=%zz%").unwrap().sid.as_deref(),
            Some("%zz%")
        );
    }
}
