//! The interactive demo client the app's toolbar drives: connect, send text or binary, ping,
//! close with a code. It runs on its own named thread; every method returns at once and results
//! come back as `DemoEvent`s the UI drains.

use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::client::{ClientError, ScenarioReport, connect};

const QUEUE: usize = 64;

/// Something that happened on the demo connection.
#[derive(Debug)]
pub enum DemoEvent {
    Connected {
        local_port: u16,
    },
    Received(String),
    Pong(usize),
    /// The server pinged (payload bytes) and the client's pong answered it.
    PingAnswered(usize),
    /// The server's close code (`None` when the connection ended without one).
    Closed {
        code: Option<u16>,
        /// The client sent its Close first: the server's Close answers it.
        client_started: bool,
    },
    /// The connection failed or ended with an error; the client does nothing more.
    Failed(ClientError),
}

/// What the UI asked for.
#[derive(Debug)]
enum Command {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Close { code: u16, reason: String },
}

/// Why a command was not queued.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo connection has ended")]
    Ended,
    #[error("too many commands waiting; try again in a moment")]
    Busy,
    #[error("cannot start the demo client thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// A WebSocket connection to the echo server that the app drives step by step.
#[derive(Debug)]
pub struct DemoClient {
    commands: mpsc::Sender<Command>,
    events: Receiver<DemoEvent>,
    thread: Option<JoinHandle<()>>,
}

impl DemoClient {
    /// Start connecting to `addr` (path `/`, the echo). Returns at once; `Connected` or
    /// `Failed` follows.
    pub fn connect(addr: SocketAddr) -> Result<Self, DemoError> {
        Self::connect_to(addr, "/")
    }

    /// Start connecting to the endpoint `path` of `addr` (e.g. `/push?interval_ms=1000`).
    pub fn connect_to(addr: SocketAddr, path: &str) -> Result<Self, DemoError> {
        let path = path.to_string();
        let (commands, rx) = mpsc::channel(QUEUE);
        let (tx, events) = sync_channel(QUEUE * 4);
        let thread = std::thread::Builder::new()
            .name("osiscope-demo-client".into())
            .spawn(move || {
                let emit = Emit(tx);
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(drive(addr, &path, rx, &emit)),
                    Err(e) => emit.send(DemoEvent::Failed(ClientError::Runtime(e))),
                }
            })
            .map_err(DemoError::Thread)?;
        Ok(Self {
            commands,
            events,
            thread: Some(thread),
        })
    }

    pub fn send_text(&self, text: impl Into<String>) -> Result<(), DemoError> {
        self.queue(Command::Text(text.into()))
    }

    pub fn send_binary(&self, data: impl Into<Vec<u8>>) -> Result<(), DemoError> {
        self.queue(Command::Binary(data.into()))
    }

    pub fn ping(&self, payload: impl Into<Vec<u8>>) -> Result<(), DemoError> {
        self.queue(Command::Ping(payload.into()))
    }

    /// Start the close handshake with this code (1000 normal, 1001 going away, 4000–4999 the
    /// application's own).
    pub fn close(&self, code: u16, reason: impl Into<String>) -> Result<(), DemoError> {
        self.queue(Command::Close {
            code,
            reason: reason.into(),
        })
    }

    /// Events that arrived since the last call (never blocks).
    pub fn drain_events(&self) -> Vec<DemoEvent> {
        self.events.try_iter().collect()
    }

    /// Wait up to `timeout` for the next event (for tests and the CLI, not the UI thread).
    pub fn next_event(&self, timeout: std::time::Duration) -> Option<DemoEvent> {
        self.events.recv_timeout(timeout).ok()
    }

    fn queue(&self, command: Command) -> Result<(), DemoError> {
        self.commands.try_send(command).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => DemoError::Busy,
            mpsc::error::TrySendError::Closed(_) => DemoError::Ended,
        })
    }
}

impl Drop for DemoClient {
    fn drop(&mut self) {
        // Closing the command channel ends the thread; it is not joined so the UI never waits.
        drop(self.thread.take());
    }
}

struct Emit(SyncSender<DemoEvent>);

impl Emit {
    fn send(&self, event: DemoEvent) {
        if let Err(TrySendError::Full(e)) = self.0.try_send(event) {
            tracing::warn!("demo client event dropped, the app is not draining: {e:?}");
        }
    }
}

async fn drive(addr: SocketAddr, path: &str, mut commands: mpsc::Receiver<Command>, emit: &Emit) {
    let mut report = ScenarioReport::default();
    let mut ws = match connect(addr, path, &mut report).await {
        Ok(ws) => ws,
        Err(e) => return emit.send(DemoEvent::Failed(e)),
    };
    emit.send(DemoEvent::Connected {
        local_port: report.client_ports.first().copied().unwrap_or_default(),
    });
    let mut open = true;
    let mut close_seen = false;
    loop {
        tokio::select! {
            command = commands.recv(), if open => {
                let message = match command {
                    None => Message::Close(Some(CloseFrame { code: CloseCode::Away, reason: "app closed".into() })),
                    Some(Command::Text(t)) => Message::text(t),
                    Some(Command::Binary(b)) => Message::binary(b),
                    Some(Command::Ping(p)) => Message::Ping(Bytes::from(p)),
                    Some(Command::Close { code, reason }) => {
                        Message::Close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into() }))
                    }
                };
                if matches!(message, Message::Close(_)) {
                    open = false;
                }
                if let Err(e) = ws.send(message).await {
                    emit.send(DemoEvent::Failed(e.into()));
                    return;
                }
            }
            incoming = ws.next() => match incoming {
                None if close_seen => return,
                None => return emit.send(DemoEvent::Closed { code: None, client_started: !open }),
                Some(Ok(Message::Text(t))) => emit.send(DemoEvent::Received(t.to_string())),
                Some(Ok(Message::Binary(b))) => emit.send(DemoEvent::Received(format!("{} bytes", b.len()))),
                Some(Ok(Message::Pong(p))) => emit.send(DemoEvent::Pong(p.len())),
                Some(Ok(Message::Ping(p))) => {
                    // tungstenite queued the pong; flushing sends it now.
                    if let Err(e) = ws.flush().await {
                        emit.send(DemoEvent::Failed(e.into()));
                        return;
                    }
                    emit.send(DemoEvent::PingAnswered(p.len()));
                }
                Some(Ok(Message::Close(f))) => {
                    emit.send(DemoEvent::Closed { code: f.map(|f| u16::from(f.code)), client_started: !open });
                    // Keep reading until the server ends the TCP connection.
                    open = false;
                    close_seen = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    if !matches!(e, tokio_tungstenite::tungstenite::Error::ConnectionClosed) {
                        emit.send(DemoEvent::Failed(e.into()));
                    }
                    return;
                }
            },
        }
    }
}
