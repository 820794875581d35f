//! Wireshark compatibility for `tcp.stream`: after a SOCKS CONNECT on port 1080, Wireshark's
//! SOCKS dissector hands the proxied bytes to TCP under the remote port, and TCP opens a
//! conversation for that port pair. It never shows a packet, but it uses up one stream index.

/// The port Wireshark dissects as SOCKS (RFC 1928 §3).
const SOCKS_PORT: u16 = 1080;
/// RFC 1928 §4: version 5, command CONNECT, reserved 0.
const SOCKS5_CONNECT: [u8; 3] = [5, 1, 0];
/// RFC 1928 §6: version 5, reply "succeeded".
const SOCKS5_SUCCEEDED: [u8; 2] = [5, 0];
/// SOCKS4: version 4, command CONNECT; reply version 0, "request granted" (0x5a).
const SOCKS4_CONNECT: [u8; 2] = [4, 1];
const SOCKS4_GRANTED: [u8; 2] = [0, 0x5a];

/// How far a connection has gone through a SOCKS CONNECT, as Wireshark would follow it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Socks {
    #[default]
    Watching,
    Requested,
    Connected,
    /// The proxied data was seen: the extra stream index is used up.
    Done,
}

impl Socks {
    /// Follow one segment with a payload. True when this is the first proxied payload, the
    /// packet at which Wireshark uses up a stream index.
    pub(crate) fn on_payload(&mut self, to_server: bool, server_port: u16, payload: &[u8]) -> bool {
        if server_port != SOCKS_PORT || payload.is_empty() {
            return false;
        }
        match *self {
            Self::Watching if to_server => {
                let socks5 = payload.starts_with(&SOCKS5_CONNECT) && payload.len() >= 10;
                let socks4 = payload.starts_with(&SOCKS4_CONNECT) && payload.len() >= 9;
                if socks5 || socks4 {
                    *self = Self::Requested;
                }
            }
            Self::Requested if !to_server => {
                let socks5 = payload.starts_with(&SOCKS5_SUCCEEDED) && payload.len() >= 10;
                let socks4 = payload.starts_with(&SOCKS4_GRANTED) && payload.len() >= 8;
                if socks5 || socks4 {
                    *self = Self::Connected;
                }
            }
            Self::Connected => {
                *self = Self::Done;
                return true;
            }
            _ => {}
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socks5_connect_then_first_proxied_payload() {
        let mut s = Socks::default();
        assert!(!s.on_payload(true, 1080, &[5, 2, 0, 1]));
        assert!(!s.on_payload(false, 1080, &[5, 0]));
        assert!(!s.on_payload(true, 1080, &[5, 1, 0, 1, 142, 250, 180, 142, 1, 187]));
        assert!(!s.on_payload(false, 1080, &[5, 0, 0, 1, 127, 0, 0, 1, 4, 56]));
        assert!(s.on_payload(true, 1080, &[0x16, 3, 1]));
        assert!(!s.on_payload(false, 1080, &[0x16, 3, 3]));
    }

    #[test]
    fn other_ports_are_not_socks() {
        let mut s = Socks::default();
        assert!(!s.on_payload(true, 80, &[5, 1, 0, 1, 0, 0, 0, 0, 0, 80]));
        assert_eq!(s, Socks::Watching);
    }
}
