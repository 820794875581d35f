//! The live session behind the app's live mode: the bundled echo server, a capture of its port
//! on loopback, the decode pipeline on a background thread, and the demo client the toolbar
//! drives. Nothing here blocks the UI thread: commands are queued, results are polled.

use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, TryRecvError};

use crate::capture::CaptureError;
use crate::capture::live::{CaptureFilter, LiveCapture, LiveConfig};
use crate::echo::client::closed_port;
use crate::echo::demo::{DemoClient, DemoEvent};
use crate::echo::{EchoConfig, EchoError, EchoServer, EchoServerHandle, Scenario, run_scenario};
use crate::model::Model;
use crate::pipeline::Background;

use super::live::{LiveCommand, LiveControls, LiveStatus};

/// Why live mode could not start; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum LiveStartError {
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Echo(#[from] EchoError),
    #[error("cannot start a thread: {0}")]
    Thread(#[from] std::io::Error),
}

impl LiveStartError {
    /// The fix to show (the `setcap` command, a free port…).
    pub fn fix(&self) -> Option<String> {
        match self {
            Self::Capture(e) => e.fix(),
            Self::Echo(e) => e.fix(),
            Self::Thread(_) => None,
        }
    }
}

/// Echo server + capture + pipeline + demo client.
pub struct LiveSession {
    server: Option<EchoServerHandle>,
    /// A port nobody listens on, for the "refused" scenario (captured too).
    refused: SocketAddr,
    capture: Option<LiveCapture>,
    background: Option<Background>,
    client: Option<DemoClient>,
    scenario_results: Vec<Receiver<String>>,
    connected: bool,
    state: String,
    packets: u64,
}

impl LiveSession {
    /// Start the echo server on `listen` (port 0: any free port; a taken port falls back to a
    /// free one) and capture its traffic on loopback.
    pub fn start(listen: SocketAddr) -> Result<Self, LiveStartError> {
        let server = match EchoServer::start(EchoConfig {
            listen,
            ..EchoConfig::default()
        }) {
            Ok(s) => s,
            Err(EchoError::AddrInUse { .. }) => EchoServer::start(EchoConfig {
                listen: SocketAddr::new(listen.ip(), 0),
                ..EchoConfig::default()
            })?,
            Err(e) => return Err(e.into()),
        };
        let addr = server.local_addr();
        let refused = closed_port(addr.ip())?;
        let config = LiveConfig {
            filter: CaptureFilter::TcpPorts(vec![addr.port(), refused.port()]),
            ..LiveConfig::loopback_port(addr.port())
        };
        let mut capture = LiveCapture::start(&config)?;
        let frames = capture.take_frames().ok_or_else(|| CaptureError::Live {
            message: "the capture gave no frames".into(),
        })?;
        let background = Background::spawn_live("osiscope-live-pipeline", frames)?;
        Ok(Self {
            server: Some(server),
            refused,
            capture: Some(capture),
            background: Some(background),
            client: None,
            scenario_results: Vec::new(),
            connected: false,
            state: format!("capturing on lo · echo server ws://{addr}/"),
            packets: 0,
        })
    }

    /// The echo server's address.
    pub fn server_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(EchoServerHandle::local_addr)
    }

    fn client(&self) -> Result<&DemoClient, String> {
        self.client
            .as_ref()
            .filter(|_| self.connected)
            .ok_or_else(|| "Press Connect first.".to_string())
    }

    fn poll_client(&mut self) {
        let Some(client) = &self.client else { return };
        for event in client.drain_events() {
            match event {
                DemoEvent::Connected { local_port } => {
                    self.connected = true;
                    self.state = format!("demo client connected from port {local_port}");
                }
                DemoEvent::Received(text) => self.state = format!("echo received: {text}"),
                DemoEvent::Pong(n) => self.state = format!("pong received ({n} bytes)"),
                DemoEvent::Closed { code } => {
                    self.connected = false;
                    self.state =
                        code.map_or("connection closed".into(), |c| format!("closed with {c}"));
                }
                DemoEvent::Error(e) => {
                    self.connected = false;
                    self.state = format!("demo client: {e}");
                }
            }
        }
        self.scenario_results.retain(|rx| match rx.try_recv() {
            Ok(result) => {
                self.state = result;
                false
            }
            Err(TryRecvError::Empty) => true,
            Err(TryRecvError::Disconnected) => false,
        });
    }
}

impl LiveControls for LiveSession {
    fn command(&mut self, command: &LiveCommand) -> Result<(), String> {
        let addr = self.server_addr().ok_or("the echo server has stopped")?;
        match command {
            LiveCommand::Connect => {
                self.client = Some(DemoClient::connect(addr).map_err(|e| e.to_string())?);
                self.state = format!("connecting to ws://{addr}/ …");
                Ok(())
            }
            LiveCommand::SendText(text) => self
                .client()?
                .send_text(text.clone())
                .map_err(|e| e.to_string()),
            LiveCommand::SendBinary => self
                .client()?
                .send_binary(vec![0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3])
                .map_err(|e| e.to_string()),
            LiveCommand::Ping => self
                .client()?
                .ping(b"are you there?".to_vec())
                .map_err(|e| e.to_string()),
            LiveCommand::Close => self.client()?.close(1000, "bye").map_err(|e| e.to_string()),
            LiveCommand::Scenario(name) => {
                let scenario = Scenario::ALL
                    .into_iter()
                    .find(|s| s.name() == name)
                    .ok_or_else(|| format!("no scenario named {name}"))?;
                let target = if scenario == Scenario::Refused {
                    self.refused
                } else {
                    addr
                };
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::Builder::new()
                    .name("osiscope-scenario".into())
                    .spawn(move || {
                        let result = match run_scenario(target, scenario) {
                            Ok(_) => format!("scenario {} done", scenario.name()),
                            Err(e) => format!("scenario {}: {e}", scenario.name()),
                        };
                        let _ = tx.send(result);
                    })
                    .map_err(|e| e.to_string())?;
                self.scenario_results.push(rx);
                self.state = format!("running scenario {name} …");
                Ok(())
            }
        }
    }

    fn status(&self) -> LiveStatus {
        let stats = self
            .capture
            .as_ref()
            .map(LiveCapture::stats)
            .unwrap_or_default();
        LiveStatus {
            state: self.state.clone(),
            packets: self.packets,
            dropped: stats.osiscope_dropped,
            kernel_dropped: Some(stats.kernel_dropped + stats.interface_dropped),
            connected: self.connected,
        }
    }

    fn scenarios(&self) -> Vec<String> {
        Scenario::ALL.iter().map(|s| s.name().to_string()).collect()
    }

    fn drain(&mut self, model: &mut Model) -> usize {
        self.poll_client();
        let Some(bg) = &self.background else { return 0 };
        let before = model.packets.len();
        for update in bg.try_iter() {
            if !model.apply(update) {
                self.state = "capture stopped".into();
                break;
            }
        }
        let arrived = model.packets.len() - before;
        self.packets += arrived as u64;
        arrived
    }
}

impl Drop for LiveSession {
    fn drop(&mut self) {
        self.client = None;
        // Stopping the capture closes its frame channel, which ends the pipeline thread.
        if let Some(capture) = self.capture.take() {
            let _ = capture.stop();
        }
        self.background = None;
        if let Some(server) = self.server.take() {
            server.request_shutdown();
        }
    }
}
