//! The bundled server (WebSocket echo and a Socket.IO endpoint on one port) and the scripted demo
//! clients (tokio + tokio-tungstenite, socketioxide + hyper; each
//! on its own named thread with its own runtime, so the UI thread never waits on them).

pub mod chat_http;
pub mod client;
pub mod compare;
pub mod deflate;
pub mod demo;
mod eio_client;
mod endpoints;
mod http;
pub mod rooms;
pub mod routes;
mod scenario;
pub mod server;
pub mod server_speaks;
mod sio_scenarios;
pub mod socketio;
pub mod tls;
pub mod web;

use std::net::SocketAddr;
use std::time::Duration;

pub use client::{ScenarioReport, run_scenario};
pub use demo::{DemoClient, DemoEvent};
pub use endpoints::push_text;
pub use routes::Route;
pub use scenario::Scenario;
pub use server::{EchoServer, EchoServerHandle, EchoStats};
pub use socketio::SocketIoTimings;

/// The address `osiscope serve` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";

/// How the echo server behaves. `Default` is what `osiscope serve` uses.
#[derive(Clone, Debug)]
pub struct EchoConfig {
    /// Where to listen. Port 0 picks a free port (see `EchoServerHandle::local_addr`).
    pub listen: SocketAddr,
    /// Listening on a non-loopback address is refused unless this is set.
    pub allow_non_loopback: bool,
    /// Largest message (and frame) accepted; a bigger one is answered with close code 1009.
    pub max_message_bytes: usize,
    /// Connections served at once; more get `503 Service Unavailable`.
    pub max_connections: usize,
    /// Time a client has to send its whole HTTP request head.
    pub handshake_timeout: Duration,
    /// Tokio worker threads (named `osiscope-echo-worker`).
    pub worker_threads: usize,
    /// The Socket.IO endpoint's timings (`/socket.io/`, on the same port).
    pub socketio: SocketIoTimings,
}

impl Default for EchoConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8765)),
            allow_non_loopback: false,
            max_message_bytes: 16 << 20,
            max_connections: 1024,
            handshake_timeout: Duration::from_secs(10),
            worker_threads: 2,
            socketio: SocketIoTimings::default(),
        }
    }
}

impl EchoConfig {
    /// The default configuration on an ephemeral loopback port (for tests and `record`).
    pub fn ephemeral() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Self::default()
        }
    }
}

/// What to tell the person who starts the server on `addr` when others can reach it (`None` on
/// loopback, where only this machine can connect).
pub fn reachable_warning(addr: SocketAddr) -> Option<String> {
    let ip = addr.ip();
    if ip.is_loopback() {
        return None;
    }
    let port = addr.port();
    let who = if ip.is_unspecified() {
        format!(
            "every device that can reach this machine on port {port}, on any of its networks \
             (the classroom Wi-Fi, the school LAN…)"
        )
    } else {
        format!("every device that can reach {ip} on port {port}")
    };
    Some(format!(
        "WARNING: the bundled server listens on {addr}, not only on this machine: {who} can now \
         open http://<this machine's address>:{port}/, join the class chat and connect to every \
         endpoint. Everything they send is shown to the class. Listen on 127.0.0.1 to keep it on \
         this machine."
    ))
}

/// Why the echo server could not start.
#[derive(Debug, thiserror::Error)]
pub enum EchoError {
    #[error("{addr} is already in use (is another `osiscope serve` running?)")]
    AddrInUse { addr: SocketAddr },
    #[error("{addr} is not a loopback address; pass it explicitly to listen beyond this machine")]
    NotLoopback { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start the echo server's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot set up TLS for wss://: {0}")]
    Tls(#[source] tls::TlsSetupError),
}

impl EchoError {
    /// What the user can do about it.
    pub fn fix(&self) -> Option<String> {
        match self {
            Self::AddrInUse { addr } => Some(format!(
                "Stop the program using port {} or pick another port, e.g. --listen {}:0 for any free one.",
                addr.port(),
                addr.ip()
            )),
            Self::NotLoopback { .. } => {
                Some("Use 127.0.0.1 or ::1, or pass --listen ADDRESS explicitly.".to_string())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_reachable_address_gets_the_warning() {
        let warn = |a: &str| reachable_warning(a.parse().unwrap());
        assert_eq!(warn("127.0.0.1:8765"), None);
        assert_eq!(warn("[::1]:8765"), None);
        let any = warn("0.0.0.0:8765").unwrap();
        assert!(any.starts_with("WARNING: the bundled server listens on 0.0.0.0:8765"));
        assert!(any.contains("on any of its networks"), "{any}");
        let one = warn("10.1.2.3:9000").unwrap();
        assert!(
            one.contains("every device that can reach 10.1.2.3 on port 9000"),
            "{one}"
        );
        assert!(one.contains("Everything they send is shown to the class."));
    }
}
