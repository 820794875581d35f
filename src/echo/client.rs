//! The scripted demo client: each `Scenario` is one real WebSocket session (or refused/rejected
//! attempt) against the echo server, the kind of traffic a teacher wants to show. The scenarios
//! in which the server speaks on its own are in `server_speaks.rs`.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

pub use super::scenario::Scenario;
use super::tls::MaybeTls;
use super::{server_speaks, sio_scenarios};

/// How long the client waits for any one answer.
pub(super) const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// The demo client's TCP maximum segment size: Ethernet's, so a large message is cut into many
/// segments as it would be on a real network (loopback's own MTU is 65,536).
pub const DEMO_MSS: u32 = 1460;

/// What a scenario did, for the CLI and the tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScenarioReport {
    /// Local port of each TCP connection the client opened, in order.
    pub client_ports: Vec<u16>,
    /// Data messages (and pings) sent, and their echoes (and pongs) received.
    pub sent: usize,
    pub received: usize,
    /// The close code the server answered on each WebSocket connection.
    pub close_codes: Vec<u16>,
    /// The HTTP status of a refused upgrade.
    pub http_status: Option<u16>,
    /// One line per step, in plain words.
    pub log: Vec<String>,
}

/// Why a scenario failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("WebSocket error: {0}")]
    WebSocket(#[from] WsError),
    #[error("no answer within {ANSWER_TIMEOUT:?} while waiting for {what}")]
    Timeout { what: String },
    #[error("expected {expected}, got {got}")]
    Unexpected { expected: String, got: String },
    #[error("cannot start the client's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("no certificate is trusted for the server at {addr}")]
    UntrustedServer { addr: SocketAddr },
    #[error("TLS: {0}")]
    Tls(#[from] super::tls::TlsSetupError),
    #[error("TLS handshake with {addr} failed: {source}")]
    TlsHandshake {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("HTTP error: {0}")]
    Http(#[from] hyper::Error),
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
}

impl ClientError {
    /// What the user can do about it.
    pub fn fix(&self) -> Option<String> {
        match self {
            Self::Connect { addr, .. } => Some(format!(
                "Is the echo server running on {addr}? Start it with `osiscope serve --listen {addr}`."
            )),
            Self::UntrustedServer { .. } => Some(
                "The wss scenario trusts only the self-signed certificate the bundled server \
                 made at start, which it knows in the same osiscope process: run it with \
                 `osiscope record --scenario wss`, `osiscope live --serve` or in the app."
                    .to_string(),
            ),
            Self::WebSocket(_)
            | Self::Timeout { .. }
            | Self::Unexpected { .. }
            | Self::Runtime(_)
            | Self::Tls(_)
            | Self::TlsHandshake { .. }
            | Self::Http(_)
            | Self::Io { .. } => None,
        }
    }
}

pub(super) type Ws = WebSocketStream<MaybeTls>;

/// Run one scenario against the echo server at `addr` (blocking; runs its own small runtime).
/// For `Refused`, `addr` must be a closed port (see [`closed_port`]).
pub fn run_scenario(addr: SocketAddr, scenario: Scenario) -> Result<ScenarioReport, ClientError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ClientError::Runtime)?;
    runtime.block_on(scenario_async(addr, scenario))
}

/// A loopback address with a port nobody listens on (bound once, then released).
pub fn closed_port(ip: std::net::IpAddr) -> std::io::Result<SocketAddr> {
    std::net::TcpListener::bind((ip, 0))?.local_addr()
}

async fn scenario_async(
    addr: SocketAddr,
    scenario: Scenario,
) -> Result<ScenarioReport, ClientError> {
    let mut r = ScenarioReport::default();
    match scenario {
        Scenario::Refused => refused(addr, &mut r).await?,
        Scenario::Rejected => rejected(addr, &mut r).await?,
        Scenario::SocketIo => sio_scenarios::socketio(addr, true, &mut r).await?,
        Scenario::SocketIoWs => sio_scenarios::socketio(addr, false, &mut r).await?,
        Scenario::SocketIoBroadcast => sio_scenarios::broadcast(addr, &mut r).await?,
        Scenario::SocketIoPlainWs => sio_scenarios::plain_ws(addr, &mut r).await?,
        Scenario::CloseCodes => {
            for (code, reason) in [
                (CloseCode::Normal, "done"),
                (CloseCode::Away, "leaving the page"),
                (CloseCode::Library(4000), "app-defined"),
            ] {
                let mut ws = connect(addr, "/", &mut r).await?;
                echo(
                    &mut ws,
                    Message::text(format!("closing with {}", u16::from(code))),
                    &mut r,
                )
                .await?;
                close(&mut ws, code, reason, &mut r).await?;
            }
        }
        Scenario::Wss => {
            let mut ws = connect_tls(addr, "/", &mut r).await?;
            for message in messages(Scenario::Chat) {
                echo(&mut ws, message, &mut r).await?;
            }
            close(&mut ws, CloseCode::Normal, "", &mut r).await?;
        }
        Scenario::Push => server_speaks::push(addr, &mut r).await?,
        Scenario::Deflate => super::deflate::scenario(addr, &mut r).await?,
        Scenario::Broadcast => server_speaks::broadcast(addr, &mut r).await?,
        Scenario::Duplex => server_speaks::duplex(addr, &mut r).await?,
        Scenario::ServerPing => server_speaks::server_ping(addr, &mut r).await?,
        Scenario::ServerClose => server_speaks::server_close(addr, &mut r).await?,
        Scenario::Fragmented => {
            let mut ws = connect(addr, "/", &mut r).await?;
            fragmented(&mut ws, &mut r).await?;
            close(&mut ws, CloseCode::Normal, "", &mut r).await?;
        }
        _ => {
            let mut ws = connect(addr, "/", &mut r).await?;
            for message in messages(scenario) {
                echo(&mut ws, message, &mut r).await?;
            }
            let reason = if scenario == Scenario::Handshake {
                "bye"
            } else {
                ""
            };
            close(&mut ws, CloseCode::Normal, reason, &mut r).await?;
        }
    }
    Ok(r)
}

/// The messages a simple echo scenario sends, each answered before the next.
fn messages(scenario: Scenario) -> Vec<Message> {
    match scenario {
        Scenario::Handshake => vec![Message::text("hello")],
        Scenario::Chat => [
            "Hi class!",
            "This is a WebSocket message.",
            "Each message is one frame.",
            "Bye!",
        ]
        .into_iter()
        .map(Message::text)
        .collect(),
        Scenario::Binary => [4_usize, 256, 1000]
            .iter()
            .map(|&len| Message::binary((0..len).map(|i| (i % 256) as u8).collect::<Vec<_>>()))
            .collect(),
        Scenario::Ping => ["ping 1", "ping 2"]
            .iter()
            .map(|p| Message::Ping(Bytes::from_static(p.as_bytes())))
            .collect(),
        Scenario::Large => vec![Message::text(
            "osiscope "
                .repeat(100_000 / 9 + 1)
                .chars()
                .take(100_000)
                .collect::<String>(),
        )],
        _ => Vec::new(),
    }
}

async fn fragmented(ws: &mut Ws, r: &mut ScenarioReport) -> Result<(), ClientError> {
    let parts = ["Hello, ", "fragmented ", "world!"];
    for (i, part) in parts.iter().enumerate() {
        let opcode = if i == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        let frame = Frame::message(
            Bytes::from_static(part.as_bytes()),
            opcode,
            i + 1 == parts.len(),
        );
        ws.feed(Message::Frame(frame)).await?;
        r.log
            .push(format!("sent fragment {} of 3: {part:?}", i + 1));
    }
    ws.flush().await?;
    r.sent += 1;
    let answer = receive(ws, "the echo of the fragmented message").await?;
    expect_same(&answer, &Message::text(parts.concat()))?;
    r.received += 1;
    r.log.push("received the echo as one frame".into());
    Ok(())
}

async fn refused(addr: SocketAddr, r: &mut ScenarioReport) -> Result<(), ClientError> {
    match tcp_connect(addr).await {
        Err(ClientError::Connect { source, .. })
            if source.kind() == std::io::ErrorKind::ConnectionRefused =>
        {
            r.log.push(format!(
                "connection to {addr} refused: the SYN was answered by RST"
            ));
            Ok(())
        }
        Err(e) => Err(e),
        Ok(_) => Err(ClientError::Unexpected {
            expected: "a refused connection".into(),
            got: format!("{addr} accepted it"),
        }),
    }
}

async fn rejected(addr: SocketAddr, r: &mut ScenarioReport) -> Result<(), ClientError> {
    match connect(addr, "/private", r).await {
        Err(ClientError::WebSocket(WsError::Http(response))) => {
            r.http_status = Some(response.status().as_u16());
            r.log
                .push(format!("upgrade refused: HTTP {}", response.status()));
            Ok(())
        }
        Err(e) => Err(e),
        Ok(_) => Err(ClientError::Unexpected {
            expected: "a refused upgrade".into(),
            got: "101 Switching Protocols".into(),
        }),
    }
}

/// Open a TCP connection with the demo MSS.
pub(crate) async fn tcp_connect(addr: SocketAddr) -> Result<TcpStream, ClientError> {
    let fail = |source| ClientError::Connect { addr, source };
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(fail)?;
    socket2::SockRef::from(&socket)
        .set_tcp_mss(DEMO_MSS)
        .map_err(fail)?;
    let stream = socket.connect(addr).await.map_err(fail)?;
    stream.set_nodelay(true).map_err(fail)?;
    Ok(stream)
}

pub(crate) async fn connect(
    addr: SocketAddr,
    path: &str,
    r: &mut ScenarioReport,
) -> Result<Ws, ClientError> {
    let stream = tcp_connect(addr).await?;
    let port = stream.local_addr().map(|a| a.port()).unwrap_or_default();
    r.client_ports.push(port);
    r.log
        .push(format!("TCP connected from port {port} to {addr}"));
    upgrade(&format!("ws://{addr}{path}"), MaybeTls::plain(stream), r).await
}

/// As [`connect`], with TLS first (`wss://`): the client asks for `localhost` (its SNI) and
/// trusts only the certificate registered for `addr` (see [`super::tls::trusted`]).
pub(crate) async fn connect_tls(
    addr: SocketAddr,
    path: &str,
    r: &mut ScenarioReport,
) -> Result<Ws, ClientError> {
    use super::tls;
    let certificate = tls::trusted(addr).ok_or(ClientError::UntrustedServer { addr })?;
    let (connector, name) = tls::connector(certificate)?;
    let stream = tcp_connect(addr).await?;
    let port = stream.local_addr().map(|a| a.port()).unwrap_or_default();
    r.client_ports.push(port);
    r.log
        .push(format!("TCP connected from port {port} to {addr}"));
    let stream = tokio::time::timeout(ANSWER_TIMEOUT, connector.connect(name, stream))
        .await
        .map_err(|_| ClientError::Timeout {
            what: "the TLS handshake".into(),
        })?
        .map_err(|source| ClientError::TlsHandshake { addr, source })?;
    let (_, session) = stream.get_ref();
    r.log.push(format!(
        "TLS handshake done: {:?}, {:?}, the server's certificate for {} trusted",
        session
            .protocol_version()
            .unwrap_or(rustls::ProtocolVersion::Unknown(0)),
        session
            .negotiated_cipher_suite()
            .map_or(rustls::CipherSuite::Unknown(0), |s| s.suite()),
        tls::SERVER_NAME
    ));
    let url = format!("wss://{}:{}{path}", tls::SERVER_NAME, addr.port());
    upgrade(&url, MaybeTls::tls(stream), r).await
}

/// The WebSocket opening handshake on a connected stream.
async fn upgrade(url: &str, stream: MaybeTls, r: &mut ScenarioReport) -> Result<Ws, ClientError> {
    let (ws, response) =
        tokio::time::timeout(ANSWER_TIMEOUT, tokio_tungstenite::client_async(url, stream))
            .await
            .map_err(|_| ClientError::Timeout {
                what: "the upgrade response".into(),
            })??;
    r.log
        .push(format!("upgraded to WebSocket: HTTP {}", response.status()));
    Ok(ws)
}

pub(super) async fn receive(ws: &mut Ws, what: &str) -> Result<Message, ClientError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, ws.next()).await {
        Err(_) => Err(ClientError::Timeout { what: what.into() }),
        Ok(None) => Err(ClientError::Unexpected {
            expected: what.into(),
            got: "the end of the connection".into(),
        }),
        Ok(Some(m)) => Ok(m?),
    }
}

fn expect_same(got: &Message, want: &Message) -> Result<(), ClientError> {
    if got == want {
        Ok(())
    } else {
        Err(ClientError::Unexpected {
            expected: describe(want),
            got: describe(got),
        })
    }
}

pub(super) fn describe(m: &Message) -> String {
    match m {
        Message::Text(t) if t.len() <= 40 => format!("text {:?}", t.as_str()),
        Message::Text(t) => format!("text of {} bytes", t.len()),
        Message::Binary(b) => format!("binary of {} bytes", b.len()),
        Message::Ping(p) => format!("ping of {} bytes", p.len()),
        Message::Pong(p) => format!("pong of {} bytes", p.len()),
        Message::Close(f) => format!("close {:?}", f.as_ref().map(|f| u16::from(f.code))),
        Message::Frame(_) => "a raw frame".into(),
    }
}

/// Send one message and check its echo (a ping's pong carries the same payload).
async fn echo(ws: &mut Ws, msg: Message, r: &mut ScenarioReport) -> Result<(), ClientError> {
    let want = match &msg {
        Message::Ping(p) => Message::Pong(p.clone()),
        other => other.clone(),
    };
    r.log.push(format!("sent {}", describe(&msg)));
    ws.send(msg).await?;
    r.sent += 1;
    let got = receive(ws, &describe(&want)).await?;
    expect_same(&got, &want)?;
    r.received += 1;
    r.log.push(format!("received {}", describe(&got)));
    Ok(())
}

/// Start the close handshake and wait for the server's close frame and the end of the stream.
pub(super) async fn close(
    ws: &mut Ws,
    code: CloseCode,
    reason: &str,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    ws.close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
    .await?;
    r.log.push(format!("sent close {}", u16::from(code)));
    loop {
        match tokio::time::timeout(ANSWER_TIMEOUT, ws.next()).await {
            Err(_) => {
                return Err(ClientError::Timeout {
                    what: "the server's close frame".into(),
                });
            }
            Ok(None | Some(Err(WsError::ConnectionClosed))) => return Ok(()),
            Ok(Some(Ok(Message::Close(frame)))) => {
                let answered = frame.map_or(1005, |f| u16::from(f.code));
                r.close_codes.push(answered);
                r.log.push(format!("server answered close {answered}"));
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(e.into()),
        }
    }
}
