//! The scripted sessions a teacher can pick (`Scenario`): each one's name (on the command line,
//! in the app's menu, of its bundled capture) and the one line that says what the class will see.
//! `clap` takes both from here, so `--help`, `--list` and the app never disagree.

use clap::builder::PossibleValue;

/// The scripted sessions a teacher can pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scenario {
    Handshake,
    Chat,
    Binary,
    Fragmented,
    Ping,
    Large,
    CloseCodes,
    Refused,
    Rejected,
    Push,
    Broadcast,
    Duplex,
    ServerPing,
    ServerClose,
    SocketIo,
    SocketIoWs,
    SocketIoBroadcast,
    SocketIoPlainWs,
    Wss,
    Deflate,
}

impl Scenario {
    pub const ALL: [Self; 20] = [
        Self::Handshake,
        Self::Chat,
        Self::Binary,
        Self::Fragmented,
        Self::Ping,
        Self::Large,
        Self::CloseCodes,
        Self::Refused,
        Self::Rejected,
        Self::Push,
        Self::Broadcast,
        Self::Duplex,
        Self::ServerPing,
        Self::ServerClose,
        Self::SocketIo,
        Self::SocketIoWs,
        Self::SocketIoBroadcast,
        Self::SocketIoPlainWs,
        Self::Wss,
        Self::Deflate,
    ];

    /// The name on the command line and of the bundled capture (`captures/NAME.pcapng`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Handshake => "handshake",
            Self::Chat => "chat",
            Self::Binary => "binary",
            Self::Fragmented => "fragmented",
            Self::Ping => "ping",
            Self::Large => "large",
            Self::CloseCodes => "close-codes",
            Self::Refused => "refused",
            Self::Rejected => "rejected",
            Self::Push => "push",
            Self::Broadcast => "broadcast",
            Self::Duplex => "duplex",
            Self::ServerPing => "server-ping",
            Self::ServerClose => "server-close",
            Self::SocketIo => "socketio",
            Self::SocketIoWs => "socketio-ws",
            Self::SocketIoBroadcast => "socketio-broadcast",
            Self::SocketIoPlainWs => "socketio-plain-ws",
            Self::Wss => "wss",
            Self::Deflate => "deflate",
        }
    }

    /// What the class will see, in one line (the app's menu, `--help` and `--list`).
    pub fn description(self) -> &'static str {
        match self {
            Self::Handshake => {
                "TCP handshake, HTTP Upgrade and 101, one masked \"hello\" and its echo, close 1000"
            }
            Self::Chat => "four text messages, each masked by the client and echoed unmasked",
            Self::Binary => "binary messages of 4, 256 and 1000 bytes: 7-bit and 16-bit lengths",
            Self::Fragmented => "one text message sent as 3 fragments, echoed as one frame",
            Self::Ping => "two client pings, each answered by a pong with the same payload",
            Self::Large => "a 100 kB message spread over many TCP segments, with window updates",
            Self::CloseCodes => "three connections closed with 1000, 1001 and 4000",
            Self::Refused => {
                "nobody listens: the SYN is answered by RST, there is no TCP connection at all"
            }
            Self::Rejected => {
                "TCP connects, but the server answers the Upgrade with 404: no WebSocket"
            }
            Self::Push => {
                "the server speaks first: clock ticks and a news item, with nothing from the client"
            }
            Self::Broadcast => {
                "three clients in one room: what one sends, the server relays to all three"
            }
            Self::Duplex => {
                "client and server send streams at the same time: frames interleave both ways"
            }
            Self::ServerPing => "the server sends pings and the client answers each with a pong",
            Self::ServerClose => {
                "the server sends Close 4000 \"lesson over\", then closes TCP first (TIME-WAIT)"
            }
            Self::SocketIo => {
                "Socket.IO: polling, then upgrade; / and /admin, emit + ack, binary, tick, ping"
            }
            Self::SocketIoWs => "the same Socket.IO session on a WebSocket from the start",
            Self::SocketIoBroadcast => {
                "two Socket.IO clients: one emits chat, io.emit reaches both"
            }
            Self::SocketIoPlainWs => {
                "a plain WebSocket client at the Socket.IO URL: not understood, then dropped"
            }
            Self::Wss => {
                "the chat over wss://: a TLS handshake, then the same Upgrade and frames, encrypted"
            }
            Self::Deflate => {
                "permessage-deflate: RSV1 set, compressed payloads, a repeat sent in a few bytes"
            }
        }
    }

    /// Whether it is one of the Socket.IO scenarios (their sessions start with Engine.IO, not
    /// with a plain WebSocket upgrade).
    pub fn is_socketio(self) -> bool {
        matches!(
            self,
            Self::SocketIo | Self::SocketIoWs | Self::SocketIoBroadcast | Self::SocketIoPlainWs
        )
    }

    /// The scenario called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl clap::ValueEnum for Scenario {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.description()))
    }
}

#[cfg(test)]
mod tests {
    use super::Scenario;

    #[test]
    fn names_are_unique_and_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_name(s.name()), Some(s));
            assert!(!s.description().is_empty());
            assert!(s.description().len() <= 90, "{s}: too long for one line");
        }
        let mut names: Vec<_> = Scenario::ALL.iter().map(|s| s.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Scenario::ALL.len());
    }
}
