//! `SessionError`: why a live session or a recording could not start or do what was asked.
//! Each variant keeps the facts (and the lower error), and `fix()` says what the user can do.

use std::net::SocketAddr;

use crate::capture::CaptureError;
use crate::echo::EchoError;
use crate::echo::client::ClientError;
use crate::echo::demo::DemoError;

/// Everything that can go wrong while running a session.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The capture could not start or ended (permission, interface, socket, writing a file).
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// The bundled echo server could not start.
    #[error(transparent)]
    Server(#[from] EchoError),
    #[error("cannot find a free loopback port: {source}")]
    NoFreePort {
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the {thread} thread: {source}")]
    Thread {
        thread: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("the {thread} thread panicked")]
    ThreadPanicked { thread: &'static str },
    /// A command that needs the demo client, before Connect.
    #[error("the demo client is not connected")]
    NotConnected,
    /// The demo client did not take a command.
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error("the {scenario} scenario failed: {source}")]
    Scenario {
        scenario: &'static str,
        #[source]
        source: ClientError,
    },
    /// The demo client's connection failed.
    #[error("demo client: {0}")]
    Client(#[source] ClientError),
}

impl SessionError {
    /// What the user can do about it, or `None` when the message says it all.
    pub fn fix(&self) -> Option<String> {
        match self {
            Self::Capture(e) => e.fix(),
            Self::Server(e) => e.fix(),
            Self::Scenario { source, .. } | Self::Client(source) => source.fix(),
            Self::NotConnected => Some("Press Connect first.".to_string()),
            Self::Demo(DemoError::Ended) => {
                Some("Press Connect to open a new demo connection.".to_string())
            }
            Self::NoFreePort { .. }
            | Self::Thread { .. }
            | Self::ThreadPanicked { .. }
            | Self::Demo(_) => None,
        }
    }

    /// Live capture is not permitted for this program (no `CAP_NET_RAW`).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Self::Capture(CaptureError::PermissionDenied { .. }))
    }
}

/// The echo server could not have the port it was asked for and listens on another one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Port {} was taken, so the echo server listens on {got}.", wanted.port())]
pub struct PortMoved {
    pub wanted: SocketAddr,
    pub got: SocketAddr,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn a_permission_error_keeps_its_setcap_fix() {
        let e = SessionError::from(CaptureError::PermissionDenied {
            interface: "lo".into(),
            binary: PathBuf::from("/opt/osiscope"),
        });
        assert!(e.is_permission_denied());
        assert_eq!(e.to_string(), "no permission to capture on lo");
        let fix = e.fix().unwrap_or_default();
        assert!(
            fix.contains("sudo setcap cap_net_raw,cap_net_admin=eip /opt/osiscope"),
            "{fix}"
        );
    }

    #[test]
    fn a_taken_port_says_which_port_the_server_took() {
        let e = SessionError::from(EchoError::AddrInUse {
            addr: "127.0.0.1:8765"
                .parse()
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8765))),
        });
        assert!(!e.is_permission_denied());
        assert!(e.fix().unwrap_or_default().contains("port 8765"));
        let moved = PortMoved {
            wanted: SocketAddr::from(([127, 0, 0, 1], 8765)),
            got: SocketAddr::from(([127, 0, 0, 1], 40000)),
        };
        assert_eq!(
            moved.to_string(),
            "Port 8765 was taken, so the echo server listens on 127.0.0.1:40000."
        );
    }

    #[test]
    fn commands_before_connect_say_to_press_connect() {
        assert_eq!(
            SessionError::NotConnected.fix().as_deref(),
            Some("Press Connect first.")
        );
        let e = SessionError::Demo(DemoError::Ended);
        assert!(e.fix().unwrap_or_default().contains("Press Connect"));
    }
}
