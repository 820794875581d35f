//! The demo clients of `osiscope compare`: the same short chat carried five ways
//! ([`ChatTransport`]) against the bundled server. The client sends half of the messages, one
//! every `send_interval`; the server answers each with a message of its own
//! (`chat_http::answer_line`, which carries the time it was made), and the client waits until it
//! has every answer. Only the way the answers travel differs.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::SinkExt as _;
use http_body_util::BodyExt as _;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::client::{ANSWER_TIMEOUT, ClientError, ScenarioReport, close, connect, receive};
use super::eio_client::{EioClient, Http, Outgoing, http_connection, read_body, request};
use super::routes::{CHAT_EVENTS, CHAT_POLL, CHAT_SEND, CHAT_WS, MAX_WAIT};
use super::sio_scenarios::{connect_nsp, emit, wait_for};
use super::socketio::COMPARE_NSP;

/// The five ways the chat is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatTransport {
    Polling,
    LongPolling,
    Sse,
    WebSocket,
    SocketIo,
}

impl ChatTransport {
    pub const ALL: [Self; 5] = [
        Self::Polling,
        Self::LongPolling,
        Self::Sse,
        Self::WebSocket,
        Self::SocketIo,
    ];

    /// Its name in `osiscope compare`'s table and JSON, and in its capture's file name
    /// (`captures/compare-NAME.pcapng`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Polling => "polling",
            Self::LongPolling => "long-polling",
            Self::Sse => "sse",
            Self::WebSocket => "websocket",
            Self::SocketIo => "socketio",
        }
    }

    /// The transport named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// How the chat travels, in one line.
    pub fn how(self) -> &'static str {
        match self {
            Self::Polling => {
                "the client asks GET /chat/poll every poll interval; the server answers with what it has"
            }
            Self::LongPolling => {
                "GET /chat/poll?wait_ms=…: the server holds each request until it has a message"
            }
            Self::Sse => {
                "one GET /chat/events (text/event-stream) for the server's messages, POSTs for the client's"
            }
            Self::WebSocket => {
                "one WebSocket connection (/chat), a frame for each message both ways"
            }
            Self::SocketIo => {
                "Socket.IO on namespace /compare: Engine.IO polling first, then the upgrade to WebSocket"
            }
        }
    }
}

/// The chat to carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChatPlan {
    /// Messages in all, half from the client (each answered by the server); at least 2.
    pub messages: usize,
    /// Time between two client messages.
    pub send_interval: Duration,
    /// Time between two polls (`polling` only).
    pub poll_interval: Duration,
}

impl Default for ChatPlan {
    fn default() -> Self {
        Self {
            messages: 20,
            send_interval: Duration::from_millis(100),
            poll_interval: Duration::from_millis(500),
        }
    }
}

impl ChatPlan {
    /// The messages the client sends (the server sends as many answers).
    pub fn client_messages(&self) -> usize {
        self.messages / 2
    }
}

/// The client's `i`th message (from 1): about 50 bytes of text.
pub fn client_text(i: usize) -> String {
    format!("message {i:02} from the client, about fifty bytes")
}

/// Carry the chat of `plan` on `transport` to the bundled server at `addr` (blocking; runs its
/// own small runtime). `sent` and `received` count chat messages.
pub fn run_chat(
    addr: SocketAddr,
    transport: ChatTransport,
    plan: ChatPlan,
) -> Result<ScenarioReport, ClientError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ClientError::Runtime)?;
    let mut r = ScenarioReport::default();
    runtime.block_on(async {
        match transport {
            ChatTransport::WebSocket => websocket(addr, plan, &mut r).await,
            ChatTransport::SocketIo => socketio(addr, plan, &mut r).await,
            http => over_http(addr, http, plan, &mut r).await,
        }
    })?;
    Ok(r)
}

/// When the `i`th client message (from 0) is due.
fn due(start: Instant, plan: ChatPlan, i: usize) -> Instant {
    start + plan.send_interval * i as u32
}

/// How long the whole chat may take before the client gives up.
fn patience(plan: ChatPlan) -> Duration {
    plan.send_interval * plan.client_messages() as u32 + plan.poll_interval + ANSWER_TIMEOUT
}

async fn websocket(
    addr: SocketAddr,
    plan: ChatPlan,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    let mut ws = connect(addr, CHAT_WS, r).await?;
    let start = Instant::now();
    for i in 0..plan.client_messages() {
        tokio::time::sleep_until(due(start, plan, i)).await;
        ws.send(Message::text(client_text(i + 1))).await?;
        r.sent += 1;
        match receive(&mut ws, "the server's answer").await? {
            Message::Text(t) => {
                r.received += 1;
                r.log.push(format!("received {t}"));
            }
            other => {
                return Err(ClientError::Unexpected {
                    expected: "the server's answer".into(),
                    got: super::client::describe(&other),
                });
            }
        }
    }
    close(&mut ws, CloseCode::Normal, "", r).await
}

async fn socketio(
    addr: SocketAddr,
    plan: ChatPlan,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    let mut c = EioClient::open_polling(addr, r).await?;
    connect_nsp(&mut c, COMPARE_NSP, r).await?;
    c.upgrade(r).await?;
    let prefix = format!("2{COMPARE_NSP},[\"chat\",");
    let start = Instant::now();
    let mut answers = 0;
    for i in 0..plan.client_messages() {
        tokio::time::sleep_until(due(start, plan, i)).await;
        let event = serde_json::json!(["chat", client_text(i + 1)]);
        c.send(&[Outgoing::Text(format!("2{COMPARE_NSP},{event}"))])
            .await?;
        wait_for(&mut c, r, "the server's answer", |t| t.starts_with(&prefix)).await?;
        answers += 1;
    }
    emit(&mut c, &format!("1{COMPARE_NSP},"), r).await?;
    c.close(r).await?;
    // Count the chat only (not the CONNECT and DISCONNECT packets).
    r.sent = answers;
    r.received = answers;
    Ok(())
}

/// Polling, long-polling and Server-Sent Events: the client's messages go by `POST` on one
/// keep-alive connection while the answers come on another (as a browser keeps two).
async fn over_http(
    addr: SocketAddr,
    transport: ChatTransport,
    plan: ChatPlan,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    let client = format!("compare-{}", transport.name());
    let mut post = http_connection(addr, r).await?;
    let mut get = http_connection(addr, r).await?;
    let wanted = plan.client_messages();
    let start = Instant::now();
    let deadline = start + patience(plan);
    let sending = async {
        for i in 0..wanted {
            tokio::time::sleep_until(due(start, plan, i)).await;
            let uri = format!("{CHAT_SEND}?client={client}");
            let answer = post.send_request(request("POST", &uri, addr, client_text(i + 1))?);
            read_body(answer.await).await?;
        }
        Ok::<usize, ClientError>(wanted)
    };
    let receiving = async {
        let lines = match transport {
            ChatTransport::Sse => events(&mut get, addr, &client, wanted).await?,
            _ => polls(&mut get, addr, &client, transport, plan, wanted).await?,
        };
        Ok::<Vec<String>, ClientError>(lines)
    };
    let (sent, lines) =
        tokio::time::timeout_at(deadline, async { tokio::try_join!(sending, receiving) })
            .await
            .map_err(|_| ClientError::Timeout {
                what: format!("the server's {wanted} answers"),
            })??;
    r.sent += sent;
    r.received += lines.len();
    r.log
        .extend(lines.into_iter().map(|l| format!("received {l}")));
    Ok(())
}

/// Poll until `wanted` answers came: every `poll_interval` (`polling`), or with each request
/// held by the server until it has something (`long-polling`).
async fn polls(
    get: &mut Http,
    addr: SocketAddr,
    client: &str,
    transport: ChatTransport,
    plan: ChatPlan,
    wanted: usize,
) -> Result<Vec<String>, ClientError> {
    let mut lines = Vec::new();
    let mut next = Instant::now();
    while lines.len() < wanted {
        let uri = if transport == ChatTransport::LongPolling {
            format!(
                "{CHAT_POLL}?client={client}&wait_ms={}",
                MAX_WAIT.as_millis()
            )
        } else {
            tokio::time::sleep_until(next).await;
            next += plan.poll_interval;
            format!("{CHAT_POLL}?client={client}")
        };
        let answer = get.send_request(request("GET", &uri, addr, String::new())?);
        let body = read_body(answer.await).await?;
        lines.extend(body.lines().map(str::to_owned));
    }
    Ok(lines)
}

/// Open the event stream and read it until `wanted` events came.
async fn events(
    get: &mut Http,
    addr: SocketAddr,
    client: &str,
    wanted: usize,
) -> Result<Vec<String>, ClientError> {
    let uri = format!("{CHAT_EVENTS}?client={client}");
    let mut answer = get
        .send_request(request("GET", &uri, addr, String::new())?)
        .await?
        .into_body();
    let mut text = String::new();
    let mut lines = Vec::new();
    while lines.len() < wanted {
        let Some(frame) = answer.frame().await else {
            return Err(ClientError::Unexpected {
                expected: format!("{wanted} events"),
                got: format!("{} before the stream ended", lines.len()),
            });
        };
        if let Ok(data) = frame?.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        while let Some((event, rest)) = text.split_once("\n\n") {
            lines.extend(event.strip_prefix("data: ").map(str::to_owned));
            text = rest.to_owned();
        }
    }
    Ok(lines)
}
