//! A live session: the bundled echo server, a loopback capture of its traffic (through the
//! shared [`super::starter`]), the frames run through the pipeline's run loop on a
//! named thread (each kept on its way, for saving as pcapng), the demo client and scenarios on
//! worker threads. Every method returns at once: the app calls them from its UI thread.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};

use crate::capture::Frame;
use crate::capture::live::{Backend, CaptureFilter, LiveCapture, LiveStats};
use crate::echo::routes::PUSH;
use crate::echo::{DemoClient, DemoEvent, Scenario, ScenarioReport, run_scenario};
use crate::pipeline::{Background, FrameSource, LiveFrames, Next, Update};

use super::error::{PortMoved, SessionError};
use super::record::write_pcapng;
use super::starter::{self, CaptureOptions, Capturing, Served, ServerOptions};

/// How many lines of the client's log are kept.
const LOG_LINES: usize = 8;
/// Scenario results that may wait for [`LiveSession::poll`].
const RESULT_QUEUE: usize = 16;
/// The most frame bytes a session keeps for saving; later frames are only counted.
pub const RECORDING_MAX_BYTES: u64 = 256 << 20;

/// A command for the demo client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveCommand {
    Connect,
    SendText(String),
    SendBinary,
    Ping,
    /// Start the close handshake with this code.
    Close(u16),
    Scenario(Scenario),
    /// Connect the demo client to the server's push endpoint: a message every `interval_ms`
    /// with no request, until the client closes.
    ServerPush {
        interval_ms: u32,
    },
}

/// What a live session reports each frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveStatus {
    /// E.g. "capturing on lo, port 8765" or "capture stopped: …".
    pub state: String,
    pub packets: u64,
    /// Packets the capture could not hand over to the app (queue full).
    pub dropped: u64,
    /// The kernel's own drop count, when known.
    pub kernel_dropped: Option<u64>,
    /// The demo client is connected.
    pub connected: bool,
    /// The last things the demo client and the scenarios did, oldest first.
    pub log: Vec<String>,
    /// A scenario is running.
    pub busy: bool,
}

/// What happened since the last [`LiveSession::poll`].
#[derive(Debug, Default)]
pub struct Polled {
    /// What the pipeline produced, in capture order.
    pub updates: Vec<Update>,
    /// Things that went wrong on their own (the client's connection, a scenario, the
    /// capture), each with its fix, for the banner.
    pub errors: Vec<SessionError>,
}

/// What [`LiveSession::save_pcapng`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaveReport {
    pub frames_written: u64,
    /// Frames captured after the recording reached [`RECORDING_MAX_BYTES`].
    pub frames_left_out: u64,
}

/// What was captured, kept for saving.
#[derive(Debug, Default)]
struct Recording {
    frames: Vec<Frame>,
    bytes: u64,
    left_out: u64,
}

impl Recording {
    fn keep(&mut self, frame: &Frame) {
        let size = frame.data.len() as u64;
        if self.left_out == 0 && self.bytes + size <= RECORDING_MAX_BYTES {
            self.bytes += size;
            self.frames.push(frame.clone());
        } else {
            self.left_out += 1;
        }
    }
}

/// A running live session. Field order is drop order: the capture stops first, so the
/// pipeline thread sees its channel close and ends.
pub struct LiveSession {
    capture: LiveCapture,
    pipeline: Background,
    served: Served,
    /// The captured interfaces (classroom mode: the LAN's, then `lo`).
    interfaces: Vec<String>,
    recording: Arc<Mutex<Recording>>,
    client: Option<DemoClient>,
    connected: bool,
    results_tx: SyncSender<ScenarioResult>,
    results: Receiver<ScenarioResult>,
    running_scenarios: usize,
    log: VecDeque<String>,
    stopped: Option<String>,
}

type ScenarioResult = (
    Scenario,
    Result<ScenarioReport, crate::echo::client::ClientError>,
);

impl LiveSession {
    /// Start the echo server on `preferred` (or any free port of its address if it is taken)
    /// and a loopback capture of its traffic.
    pub fn start(preferred: SocketAddr) -> Result<Self, SessionError> {
        Self::start_on(preferred, "lo", Backend::default())
    }

    /// As [`LiveSession::start`], capturing on `interface` with `backend`.
    pub fn start_on(
        preferred: SocketAddr,
        interface: &str,
        backend: Backend,
    ) -> Result<Self, SessionError> {
        Self::start_with(
            ServerOptions {
                listen: preferred,
                any_port_if_taken: true,
                allow_non_loopback: false,
            },
            &CaptureOptions {
                interface: interface.to_string(),
                backend,
                filter: CaptureFilter::All,
                also_loopback: false,
            },
        )
    }

    /// Classroom mode: the server listens on `listen` (asked for explicitly, so a non-loopback
    /// address is allowed: students' devices connect) and the capture reads `interface`, where
    /// they arrive, and loopback, where this machine's demo client connects. The port is the
    /// one asked for: students are told it.
    pub fn start_classroom(
        listen: SocketAddr,
        interface: &str,
        backend: Backend,
    ) -> Result<Self, SessionError> {
        Self::start_with(
            ServerOptions {
                listen,
                any_port_if_taken: false,
                allow_non_loopback: true,
            },
            &CaptureOptions {
                interface: interface.to_string(),
                backend,
                filter: CaptureFilter::All,
                also_loopback: true,
            },
        )
    }

    fn start_with(serve: ServerOptions, options: &CaptureOptions) -> Result<Self, SessionError> {
        let interfaces = options.interfaces();
        let (served, Capturing { capture, frames }) = starter::start_with_server(serve, options)?;
        let recording = Arc::new(Mutex::new(Recording::default()));
        let source = RecordedFrames {
            live: LiveFrames::new(frames),
            recording: Arc::clone(&recording),
        };
        let pipeline = Background::spawn("osiscope-live-pipeline", source).map_err(|source| {
            SessionError::Thread {
                thread: "osiscope-live-pipeline",
                source,
            }
        })?;
        let (results_tx, results) = sync_channel(RESULT_QUEUE);
        Ok(Self {
            capture,
            pipeline,
            served,
            interfaces,
            recording,
            client: None,
            connected: false,
            results_tx,
            results,
            running_scenarios: 0,
            log: VecDeque::new(),
            stopped: None,
        })
    }

    /// Where the echo server listens.
    pub fn server_addr(&self) -> SocketAddr {
        self.served.server.local_addr()
    }

    /// The captured interfaces: one, or in classroom mode the LAN's and then `lo`.
    pub fn interfaces(&self) -> &[String] {
        &self.interfaces
    }

    /// Where students' browsers open the bundled page: `http://ADDR:PORT/` for the address the
    /// server listens on, or, when it listens on every address, for each IPv4 address of the
    /// captured interface (the first of [`LiveSession::interfaces`]).
    pub fn page_urls(&self) -> Vec<String> {
        let server = self.server_addr();
        let ips = if server.ip().is_unspecified() {
            let first = self.interfaces.first().map_or("", String::as_str);
            crate::capture::live::interface_addresses(first)
                .into_iter()
                .filter(std::net::IpAddr::is_ipv4)
                .collect()
        } else {
            vec![server.ip()]
        };
        ips.into_iter()
            .map(|ip| format!("http://{}/", SocketAddr::new(ip, server.port())))
            .collect()
    }

    /// Who can connect, when the server listens beyond loopback (see
    /// [`crate::echo::reachable_warning`]).
    pub fn reachable_warning(&self) -> Option<String> {
        crate::echo::reachable_warning(self.server_addr())
    }

    /// Set when the preferred port was taken and the server listens on another one.
    pub fn port_moved(&self) -> Option<PortMoved> {
        self.served.port_moved
    }

    /// The scenarios the demo client offers, in display order.
    pub fn scenarios(&self) -> Vec<Scenario> {
        Scenario::ALL.to_vec()
    }

    /// Perform a command. It returns at once: what follows comes from [`LiveSession::poll`].
    pub fn command(&mut self, command: &LiveCommand) -> Result<(), SessionError> {
        match command {
            LiveCommand::Connect => self.connect_to("/")?,
            LiveCommand::ServerPush { interval_ms } => {
                self.connect_to(&format!("{PUSH}?interval_ms={interval_ms}"))?;
            }
            LiveCommand::SendText(text) => self.client()?.send_text(text.clone())?,
            LiveCommand::SendBinary => self
                .client()?
                .send_binary(vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03])?,
            LiveCommand::Ping => self.client()?.ping(b"osiscope".to_vec())?,
            LiveCommand::Close(code) => self.client()?.close(*code, "bye")?,
            LiveCommand::Scenario(scenario) => self.run_scenario(*scenario)?,
        }
        Ok(())
    }

    /// The capture's counters and state, the client's state and log.
    pub fn status(&self) -> LiveStatus {
        let counts = self.capture.stats();
        let state = match &self.stopped {
            Some(why) => format!("capture stopped: {why}"),
            None => format!(
                "capturing on {}, port {}",
                self.interfaces.join(" and "),
                self.server_addr().port()
            ),
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

    /// The capture's counters.
    pub fn stats(&self) -> LiveStats {
        self.capture.stats()
    }

    /// What happened since the last call (never blocks).
    pub fn poll(&mut self) -> Polled {
        let mut errors = Vec::new();
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
                DemoEvent::Received(text) => format!("received: {text}"),
                DemoEvent::Pong(n) => format!("pong ({n} bytes)"),
                DemoEvent::PingAnswered(n) => {
                    format!("the server pinged ({n} bytes); the client's pong answered")
                }
                DemoEvent::Closed {
                    code,
                    client_started,
                } => {
                    self.connected = false;
                    closed_line(code, client_started)
                }
                DemoEvent::Failed(e) => {
                    self.connected = false;
                    let line = format!("client error: {e}");
                    errors.push(SessionError::Client(e));
                    line
                }
            };
            self.say(line);
        }
        while let Ok((scenario, result)) = self.results.try_recv() {
            self.running_scenarios = self.running_scenarios.saturating_sub(1);
            let label = scenario.name();
            let line = match result {
                Ok(report) => format!(
                    "scenario {label}: done ({} sent, {} received)",
                    report.sent, report.received
                ),
                Err(source) => {
                    let line = format!("scenario {label}: {source}");
                    errors.push(SessionError::Scenario {
                        scenario: label,
                        source,
                    });
                    line
                }
            };
            self.say(line);
        }
        if self.stopped.is_none()
            && let Some(e) = self.capture.take_error()
        {
            self.stopped = Some(e.to_string());
            errors.push(e.into());
        }
        Polled {
            updates: self.pipeline.try_iter().collect(),
            errors,
        }
    }

    /// Write every frame captured so far to a pcapng file at `path`, with the same writer as
    /// `osiscope record` (and the capture's drop counts).
    pub fn save_pcapng(&self, path: &Path) -> Result<SaveReport, SessionError> {
        let recording = self
            .recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let frames_written = write_pcapng(
            path,
            &self.interfaces,
            &recording.frames,
            &self.capture.stats_by_interface(),
        )?;
        Ok(SaveReport {
            frames_written,
            frames_left_out: recording.left_out,
        })
    }

    fn say(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    /// Replace the demo client with one connected to the endpoint `path`.
    fn connect_to(&mut self, path: &str) -> Result<(), SessionError> {
        let addr = self.served.client_addr();
        self.client = Some(DemoClient::connect_to(addr, path)?);
        self.connected = false;
        self.say(format!("connecting to ws://{addr}{path} …"));
        Ok(())
    }

    fn client(&self) -> Result<&DemoClient, SessionError> {
        match &self.client {
            Some(c) if self.connected => Ok(c),
            _ => Err(SessionError::NotConnected),
        }
    }

    fn run_scenario(&mut self, scenario: Scenario) -> Result<(), SessionError> {
        let addr = self.served.target(scenario);
        let tx = self.results_tx.clone();
        std::thread::Builder::new()
            .name("osiscope-scenario".into())
            .spawn(move || {
                // The session may be gone: then nobody wants the result.
                let _ = tx.send((scenario, run_scenario(addr, scenario)));
            })
            .map_err(|source| SessionError::Thread {
                thread: "osiscope-scenario",
                source,
            })?;
        self.running_scenarios += 1;
        self.say(format!("scenario {}: running…", scenario.name()));
        Ok(())
    }
}

/// The capture's frames for the pipeline, each kept in the recording on its way.
struct RecordedFrames {
    live: LiveFrames,
    recording: Arc<Mutex<Recording>>,
}

impl FrameSource for RecordedFrames {
    fn next_frame(&mut self) -> Next<'_> {
        let next = self.live.next_frame();
        if let Next::Frame { frame, .. } = &next {
            self.recording
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .keep(frame);
        }
        next
    }
}

/// The client log's line for the end of the demo connection: who started the close.
fn closed_line(code: Option<u16>, client_started: bool) -> String {
    match (code, client_started) {
        (Some(c), true) => format!("the server answered the client's Close with code {c}"),
        (Some(c), false) => format!("closed by the server with code {c}"),
        (None, true) => {
            "the client sent Close; the connection ended without the server's Close".into()
        }
        (None, false) => "the connection ended without a Close frame".into(),
    }
}

impl std::fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSession")
            .field("server", &self.server_addr())
            .field("interfaces", &self.interfaces)
            .field("connected", &self.connected)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::closed_line;

    #[test]
    fn the_log_says_who_started_the_close() {
        assert_eq!(
            closed_line(Some(1000), true),
            "the server answered the client's Close with code 1000"
        );
        assert_eq!(
            closed_line(Some(1012), false),
            "closed by the server with code 1012"
        );
    }
}
