//! The real live session behind the toolbar: the bundled echo server, a loopback capture
//! filtered to its port, the capture's frames run through a `pipeline::Background`, the demo
//! client, and scenarios on worker threads. Nothing here blocks the UI thread.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::capture::CaptureError;
use crate::capture::live::{CaptureFilter, LiveCapture, LiveConfig};
use crate::echo::{
    DemoClient, DemoEvent, EchoConfig, EchoServer, EchoServerHandle, Scenario, run_scenario,
};
use crate::pipeline::{Background, Update};

use super::live::{LiveCommand, LiveControls, LiveStatus};

/// How many lines of the client's log are kept.
const LOG_LINES: usize = 8;

/// Why live mode could not start.
#[derive(Debug)]
pub enum LiveStartError {
    /// The capture is not permitted (no `CAP_NET_RAW`): `fix` is the `setcap` command.
    NotPermitted {
        message: String,
        fix: Option<String>,
    },
    /// Anything else (port, thread, interface).
    Failed {
        message: String,
        fix: Option<String>,
    },
}

impl LiveStartError {
    pub fn message(&self) -> &str {
        match self {
            Self::NotPermitted { message, .. } | Self::Failed { message, .. } => message,
        }
    }

    pub fn fix(&self) -> Option<&str> {
        match self {
            Self::NotPermitted { fix, .. } | Self::Failed { fix, .. } => fix.as_deref(),
        }
    }
}

/// A running live session. Field order is drop order: the capture stops first, so the
/// pipeline thread sees its channel close and ends.
pub struct LiveSession {
    capture: LiveCapture,
    pipeline: Background,
    server: EchoServerHandle,
    /// A loopback port nobody listens on, captured too (the "refused" scenario).
    refused: SocketAddr,
    client: Option<DemoClient>,
    connected: bool,
    /// Results of scenarios running on worker threads.
    results_tx: Sender<String>,
    results: Receiver<String>,
    running_scenarios: usize,
    log: VecDeque<String>,
    /// Said once when the default port was taken.
    pub port_note: Option<String>,
    stopped: Option<String>,
}

impl LiveSession {
    /// Start the echo server on `preferred` (or any free loopback port if it is taken) and a
    /// loopback capture of its traffic.
    pub fn start(preferred: SocketAddr) -> Result<Self, LiveStartError> {
        let mut port_note = None;
        let server = match EchoServer::start(EchoConfig {
            listen: preferred,
            ..EchoConfig::default()
        }) {
            Ok(s) => s,
            Err(crate::echo::EchoError::AddrInUse { .. }) => {
                let s = EchoServer::start(EchoConfig {
                    listen: SocketAddr::new(preferred.ip(), 0),
                    ..EchoConfig::default()
                })
                .map_err(|e| failed(&e.to_string(), e.fix()))?;
                port_note = Some(format!(
                    "Port {} was taken, so the echo server listens on {}.",
                    preferred.port(),
                    s.local_addr()
                ));
                s
            }
            Err(e) => return Err(failed(&e.to_string(), e.fix())),
        };
        let addr = server.local_addr();
        let refused = crate::echo::client::closed_port(IpAddr::V4(Ipv4Addr::LOCALHOST))
            .map_err(|e| failed(&format!("cannot find a free loopback port: {e}"), None))?;
        let mut config = LiveConfig::loopback_port(addr.port());
        config.filter = CaptureFilter::TcpPorts(vec![addr.port(), refused.port()]);
        let mut capture = match LiveCapture::start(&config) {
            Ok(c) => c,
            Err(e @ CaptureError::PermissionDenied { .. }) => {
                server.request_shutdown();
                return Err(LiveStartError::NotPermitted {
                    message: e.to_string(),
                    fix: e.fix(),
                });
            }
            Err(e) => {
                server.request_shutdown();
                return Err(failed(&e.to_string(), e.fix()));
            }
        };
        let frames = capture
            .take_frames()
            .ok_or_else(|| failed("the capture's frames were already taken", None))?;
        let pipeline = Background::spawn_live("osiscope-live-pipeline", frames)
            .map_err(|e| failed(&format!("cannot start the live pipeline: {e}"), None))?;
        let (results_tx, results) = channel();
        Ok(Self {
            capture,
            pipeline,
            server,
            refused,
            client: None,
            connected: false,
            results_tx,
            results,
            running_scenarios: 0,
            log: VecDeque::new(),
            port_note,
            stopped: None,
        })
    }

    /// Where the echo server listens.
    pub fn server_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn say(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    fn client(&self) -> Result<&DemoClient, String> {
        match &self.client {
            Some(c) if self.connected => Ok(c),
            _ => Err("Press Connect first: the demo client is not connected.".into()),
        }
    }

    fn run_scenario(&mut self, name: &str) -> Result<(), String> {
        let scenario = Scenario::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| format!("no scenario named {name}"))?;
        let addr = if scenario == Scenario::Refused {
            self.refused
        } else {
            self.server.local_addr()
        };
        let tx = self.results_tx.clone();
        let label = scenario.name();
        std::thread::Builder::new()
            .name("osiscope-scenario".into())
            .spawn(move || {
                let line = match run_scenario(addr, scenario) {
                    Ok(report) => format!(
                        "scenario {label}: done ({} sent, {} received)",
                        report.sent, report.received
                    ),
                    Err(e) => format!("scenario {label}: {e}"),
                };
                let _ = tx.send(line);
            })
            .map_err(|e| format!("cannot start the scenario thread: {e}"))?;
        self.running_scenarios += 1;
        self.say(format!("scenario {label}: running…"));
        Ok(())
    }
}

/// The client log's line for the end of the demo connection: who started the close.
fn closed_line(code: Option<u16>, client_started: bool) -> String {
    let meaning = |c: u16| crate::lesson::close_code_meaning(c);
    match (code, client_started) {
        (Some(c), true) => format!(
            "the server answered the client's Close with code {c} ({})",
            meaning(c)
        ),
        (Some(c), false) => format!("closed by the server with code {c} ({})", meaning(c)),
        (None, true) => {
            "the client sent Close; the connection ended without the server's Close".into()
        }
        (None, false) => "the connection ended without a Close frame".into(),
    }
}

fn failed(message: &str, fix: Option<String>) -> LiveStartError {
    LiveStartError::Failed {
        message: message.to_string(),
        fix,
    }
}

impl LiveControls for LiveSession {
    fn command(&mut self, command: &LiveCommand) -> Result<(), String> {
        match command {
            LiveCommand::Connect => {
                let client =
                    DemoClient::connect(self.server.local_addr()).map_err(|e| e.to_string())?;
                self.client = Some(client);
                self.connected = false;
                self.say(format!(
                    "connecting to ws://{}/ …",
                    self.server.local_addr()
                ));
                Ok(())
            }
            LiveCommand::SendText(text) => self
                .client()?
                .send_text(text.clone())
                .map_err(|e| e.to_string()),
            LiveCommand::SendBinary => self
                .client()?
                .send_binary(vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03])
                .map_err(|e| e.to_string()),
            LiveCommand::Ping => self
                .client()?
                .ping(b"osiscope".to_vec())
                .map_err(|e| e.to_string()),
            LiveCommand::Close(code) => self
                .client()?
                .close(*code, "bye")
                .map_err(|e| e.to_string()),
            LiveCommand::Scenario(name) => self.run_scenario(name),
        }
    }

    fn status(&self) -> LiveStatus {
        let counts = self.capture.stats();
        let state = match &self.stopped {
            Some(why) => format!("capture stopped: {why}"),
            None => format!("capturing on lo, port {}", self.server.local_addr().port()),
        };
        LiveStatus {
            state,
            packets: counts.received,
            dropped: counts.osiscope_dropped,
            kernel_dropped: Some(counts.kernel_dropped + counts.interface_dropped),
            connected: self.connected,
            log: self.log.iter().cloned().collect(),
            busy: self.running_scenarios > 0,
        }
    }

    fn scenarios(&self) -> Vec<String> {
        Scenario::ALL.iter().map(|s| s.name().to_string()).collect()
    }

    fn poll(&mut self) -> Vec<Update> {
        let events = self
            .client
            .as_ref()
            .map(DemoClient::drain_events)
            .unwrap_or_default();
        for event in events {
            let line = match event {
                DemoEvent::Connected { local_port } => {
                    self.connected = true;
                    format!("connected from port {local_port}")
                }
                DemoEvent::Received(text) => format!("echo: {text}"),
                DemoEvent::Pong(n) => format!("pong ({n} bytes)"),
                DemoEvent::Closed {
                    code,
                    client_started,
                } => {
                    self.connected = false;
                    closed_line(code, client_started)
                }
                DemoEvent::Error(e) => {
                    self.connected = false;
                    format!("client error: {e}")
                }
            };
            self.say(line);
        }
        while let Ok(line) = self.results.try_recv() {
            self.running_scenarios = self.running_scenarios.saturating_sub(1);
            self.say(line);
        }
        if self.stopped.is_none()
            && let Some(e) = self.capture.take_error()
        {
            self.stopped = Some(e.to_string());
        }
        self.pipeline.try_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::closed_line;

    #[test]
    fn the_log_says_who_started_the_close() {
        assert_eq!(
            closed_line(Some(1000), true),
            "the server answered the client's Close with code 1000 (normal closure)"
        );
        assert_eq!(
            closed_line(Some(1012), false),
            "closed by the server with code 1012 (service restart)"
        );
    }
}
