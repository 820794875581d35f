//! The one way osiscope starts "the bundled server and a capture of its traffic": the app's
//! live mode, `osiscope live --serve` and `osiscope record` all call [`start_with_server`];
//! [`start_capture`] starts the capture alone (`osiscope live` on ports another program
//! serves).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::mpsc::Receiver;

use crate::capture::Frame;
use crate::capture::live::{Backend, CaptureFilter, LiveCapture, LiveConfig};
use crate::echo::client::closed_port;
use crate::echo::{EchoConfig, EchoError, EchoServer, EchoServerHandle, Scenario};

use super::error::{PortMoved, SessionError};

/// The bundled echo server to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerOptions {
    /// Where it listens (port 0: any free port).
    pub listen: SocketAddr,
    /// When `listen` is taken, listen on any free port of the same address instead of failing
    /// (the app does; `record` does not, its user asked for that port).
    pub any_port_if_taken: bool,
    /// Listen on a non-loopback `listen` (classroom mode: `osiscope live --serve 0.0.0.0:8765`,
    /// asked for explicitly); otherwise such an address is refused.
    pub allow_non_loopback: bool,
}

/// The capture to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureOptions {
    pub interface: String,
    pub backend: Backend,
    /// What to keep (with a server: its port and the closed port, set by the starter).
    pub filter: CaptureFilter,
    /// Capture loopback too, with the same filter (classroom mode: students' devices reach
    /// the server over `interface`, this machine's own demo client over `lo`). Ignored when
    /// `interface` is loopback.
    pub also_loopback: bool,
}

impl CaptureOptions {
    /// Loopback, the default backend; the filter is set from the server.
    pub fn loopback() -> Self {
        Self {
            interface: "lo".to_string(),
            backend: Backend::default(),
            filter: CaptureFilter::All,
            also_loopback: false,
        }
    }

    /// The interfaces captured: `interface`, then `lo` when asked for.
    pub fn interfaces(&self) -> Vec<String> {
        let mut names = vec![self.interface.clone()];
        if self.also_loopback && self.interface != LOOPBACK {
            names.push(LOOPBACK.to_string());
        }
        names
    }
}

/// Linux's loopback interface.
pub const LOOPBACK: &str = "lo";

/// The bundled server, and a loopback port nobody listens on (for the "refused" scenario).
#[derive(Debug)]
pub struct Served {
    pub server: EchoServerHandle,
    pub refused: SocketAddr,
    /// Set when the asked-for port was taken and the server took another.
    pub port_moved: Option<PortMoved>,
}

impl Served {
    /// Where `scenario` connects: the server, or the closed port for `refused`.
    pub fn target(&self, scenario: Scenario) -> SocketAddr {
        if scenario == Scenario::Refused {
            self.refused
        } else {
            self.client_addr()
        }
    }

    /// Where this machine's own clients connect: the server's address, or loopback when it
    /// listens on every address (classroom mode), so that the demo client's packets go over
    /// `lo` with 127.0.0.1 on them rather than "0.0.0.0".
    pub fn client_addr(&self) -> SocketAddr {
        let addr = self.server.local_addr();
        match addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
            }
            _ => addr,
        }
    }
}

/// A running capture. The frames' receiver is separate so that it can go to the thread that
/// reads it.
pub struct Capturing {
    pub capture: LiveCapture,
    pub frames: Receiver<Frame>,
}

/// Start the server and then a capture of its port and of the closed port; every packet the
/// server sends or receives after this returns is captured. On an error nothing is left
/// running. `capture.filter` is not used.
pub fn start_with_server(
    options: ServerOptions,
    capture: &CaptureOptions,
) -> Result<(Served, Capturing), SessionError> {
    let served = serve(options)?;
    let ports = vec![served.server.local_addr().port(), served.refused.port()];
    // A failed capture drops `served`, which stops the server.
    let capturing = start_capture(&CaptureOptions {
        filter: CaptureFilter::TcpPorts(ports),
        ..capture.clone()
    })?;
    Ok((served, capturing))
}

/// Start a capture alone (`osiscope live` on ports another program serves).
pub fn start_capture(options: &CaptureOptions) -> Result<Capturing, SessionError> {
    let configs: Vec<LiveConfig> = options
        .interfaces()
        .into_iter()
        .map(|interface| LiveConfig {
            interface,
            filter: options.filter.clone(),
            backend: options.backend,
            ..LiveConfig::loopback_port(0)
        })
        .collect();
    let (capture, frames) = LiveCapture::start_merged(&configs)?;
    Ok(Capturing { capture, frames })
}

fn serve(options: ServerOptions) -> Result<Served, SessionError> {
    let config = |listen| EchoConfig {
        listen,
        allow_non_loopback: options.allow_non_loopback,
        ..EchoConfig::default()
    };
    let (server, port_moved) = match EchoServer::start(config(options.listen)) {
        Ok(s) => (s, None),
        Err(EchoError::AddrInUse { .. }) if options.any_port_if_taken => {
            let s = EchoServer::start(config(SocketAddr::new(options.listen.ip(), 0)))?;
            let moved = PortMoved {
                wanted: options.listen,
                got: s.local_addr(),
            };
            (s, Some(moved))
        }
        Err(e) => return Err(e.into()),
    };
    let refused = closed_port(server.local_addr().ip())
        .map_err(|source| SessionError::NoFreePort { source })?;
    Ok(Served {
        server,
        refused,
        port_moved,
    })
}
