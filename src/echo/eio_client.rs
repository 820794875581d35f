//! The demo client's Engine.IO v4 transport, written here on hyper (HTTP long-polling) and
//! tokio-tungstenite (WebSocket) the way `engine.io-client` behaves: open with a polling GET,
//! send with POST (packets joined by `\x1e`, binary as `b` + base64), receive with long-polling
//! GETs, answer every `ping` with a `pong`, and upgrade (`2probe` → `3probe`, the pending GET
//! answered with `6`, then `5`); or open straight on a WebSocket.

use std::collections::VecDeque;
use std::net::SocketAddr;

use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::client::{ANSWER_TIMEOUT, ClientError, ScenarioReport, connect, tcp_connect};
use super::socketio::PATH;

/// The `\x1e` record separator between packets of a v4 polling body.
const SEPARATOR: char = '\x1e';

type Ws = WebSocketStream<super::tls::MaybeTls>;
pub(super) type Http = SendRequest<Full<Bytes>>;

/// An Engine.IO packet the application sees (pings are answered and noops skipped inside).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A `message` packet's text: a Socket.IO packet.
    Text(String),
    /// A binary `message`: a Socket.IO attachment.
    Binary(Vec<u8>),
    /// The session was closed (`close` packet, or the connection ended).
    Closed,
}

/// What the client sends in a `message` packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outgoing {
    Text(String),
    Binary(Vec<u8>),
}

enum Transport {
    /// One keep-alive connection for the long-polling GETs, one for the POSTs (as a browser
    /// keeps two).
    Polling {
        get: Http,
        post: Http,
    },
    WebSocket(Box<Ws>),
}

/// One Engine.IO session of the demo client.
pub struct EioClient {
    addr: SocketAddr,
    pub sid: String,
    transport: Transport,
    /// Packets of a polling body not handed out yet.
    queue: VecDeque<Incoming>,
    /// Pongs sent so far, per transport: `[polling, websocket]`.
    pub pongs: [usize; 2],
    /// Requests sent, for the cache-busting `t=` parameter.
    requests: u32,
}

impl EioClient {
    /// Open a session with a polling GET (then [`Self::upgrade`] to a WebSocket).
    pub async fn open_polling(
        addr: SocketAddr,
        r: &mut ScenarioReport,
    ) -> Result<Self, ClientError> {
        let get = http_connection(addr, r).await?;
        let post = http_connection(addr, r).await?;
        let mut client = Self {
            addr,
            sid: String::new(),
            transport: Transport::Polling { get, post },
            queue: VecDeque::new(),
            pongs: [0, 0],
            requests: 0,
        };
        let body = client.poll().await?;
        let open = body.split(SEPARATOR).next().unwrap_or_default();
        client.sid = open_sid(open)?;
        r.log.push(format!(
            "Engine.IO open over polling: sid {} ({open})",
            client.sid
        ));
        client.queue_body(&body, 1).await?;
        Ok(client)
    }

    /// Open a session straight on a WebSocket (`transport=websocket`, no polling).
    pub async fn open_websocket(
        addr: SocketAddr,
        r: &mut ScenarioReport,
    ) -> Result<Self, ClientError> {
        let mut ws = connect(addr, &format!("{PATH}/?EIO=4&transport=websocket"), r).await?;
        let open = match next_ws(&mut ws, "the Engine.IO open packet").await? {
            Message::Text(t) => t.to_string(),
            other => return Err(unexpected("the Engine.IO open packet", &other)),
        };
        let sid = open_sid(&open)?;
        r.log
            .push(format!("Engine.IO open over WebSocket: sid {sid} ({open})"));
        Ok(Self {
            addr,
            sid,
            transport: Transport::WebSocket(Box::new(ws)),
            queue: VecDeque::new(),
            pongs: [0, 0],
            requests: 0,
        })
    }

    /// Whether the session runs on a WebSocket now.
    pub fn is_websocket(&self) -> bool {
        matches!(self.transport, Transport::WebSocket(_))
    }

    /// Send `message` packets (one POST when polling, one frame each on a WebSocket).
    pub async fn send(&mut self, packets: &[Outgoing]) -> Result<(), ClientError> {
        let texts: Vec<String> = packets
            .iter()
            .map(|p| match p {
                Outgoing::Text(t) => format!("4{t}"),
                Outgoing::Binary(b) => {
                    format!("b{}", base64::engine::general_purpose::STANDARD.encode(b))
                }
            })
            .collect();
        match &mut self.transport {
            Transport::Polling { .. } => self.post(&texts.join("\x1e")).await,
            Transport::WebSocket(ws) => {
                for p in packets {
                    let m = match p {
                        Outgoing::Text(t) => Message::text(format!("4{t}")),
                        Outgoing::Binary(b) => Message::binary(b.clone()),
                    };
                    ws.feed(m).await?;
                }
                ws.flush().await?;
                Ok(())
            }
        }
    }

    /// The next `message` packet (or the end of the session). Pings are answered with pongs on
    /// the way, noops skipped.
    pub async fn recv(&mut self) -> Result<Incoming, ClientError> {
        loop {
            if let Some(next) = self.queue.pop_front() {
                return Ok(next);
            }
            match &mut self.transport {
                Transport::Polling { .. } => {
                    let body = self.poll().await?;
                    self.queue_body(&body, 0).await?;
                }
                Transport::WebSocket(ws) => {
                    let m = match tokio::time::timeout(ANSWER_TIMEOUT, ws.next()).await {
                        Err(_) => {
                            return Err(ClientError::Timeout {
                                what: "an Engine.IO packet".into(),
                            });
                        }
                        Ok(None | Some(Err(_))) => return Ok(Incoming::Closed),
                        Ok(Some(Ok(m))) => m,
                    };
                    match m {
                        Message::Text(t) => self.on_packet(&t).await?,
                        Message::Binary(b) => self.queue.push_back(Incoming::Binary(b.to_vec())),
                        Message::Close(_) => return Ok(Incoming::Closed),
                        _ => {}
                    }
                }
            }
        }
    }

    /// Upgrade a polling session: a GET waits on the polling connection while the WebSocket
    /// opens and probes (`2probe` → `3probe`); the server answers that GET with `noop` (`6`),
    /// and the client then sends `upgrade` (`5`) and uses the WebSocket only.
    pub async fn upgrade(&mut self, r: &mut ScenarioReport) -> Result<(), ClientError> {
        if self.is_websocket() {
            return Ok(());
        }
        let uri = self.uri_polling();
        let Transport::Polling { get, .. } = &mut self.transport else {
            return Ok(());
        };
        let pending = get.send_request(request("GET", &uri, self.addr, String::new())?);
        let pending = tokio::spawn(async move { read_body(pending.await).await });
        let mut ws = connect(
            self.addr,
            &format!("{PATH}/?EIO=4&transport=websocket&sid={}", self.sid),
            r,
        )
        .await?;
        ws.send(Message::text("2probe")).await?;
        loop {
            match next_ws(&mut ws, "3probe").await? {
                Message::Text(t) if t.as_str() == "3probe" => break,
                Message::Text(t) if t.as_str() == "2" => ws.send(Message::text("3")).await?,
                other => return Err(unexpected("3probe", &other)),
            }
        }
        r.log
            .push("probe answered on the WebSocket: 2probe → 3probe".into());
        // Polling pauses: the pending GET ends (the server answers it with noop), and any
        // other packet it brought (a ping) is handled on polling, with another GET until the
        // noop comes (engine.io-client waits for it the same way).
        let mut pending = Some(pending);
        while let Some(get) = pending.take() {
            let body = tokio::time::timeout(ANSWER_TIMEOUT, get)
                .await
                .map_err(|_| ClientError::Timeout {
                    what: "the pending polling GET to end with noop".into(),
                })?
                .map_err(|e| ClientError::Unexpected {
                    expected: "the pending polling GET".into(),
                    got: e.to_string(),
                })??;
            r.log
                .push(format!("the pending polling GET ended with {body:?}"));
            self.queue_body(&body, 0).await?;
            if !body.split(SEPARATOR).any(|p| p == "6") {
                let uri = self.uri_polling();
                let Transport::Polling { get, .. } = &mut self.transport else {
                    break;
                };
                let again = get.send_request(request("GET", &uri, self.addr, String::new())?);
                pending = Some(tokio::spawn(async move { read_body(again.await).await }));
            }
        }
        ws.send(Message::text("5")).await?;
        r.log.push("sent upgrade (5): polling is over".into());
        self.transport = Transport::WebSocket(Box::new(ws));
        Ok(())
    }

    /// End the session: a WebSocket close (code 1000), or a `close` packet when polling.
    pub async fn close(&mut self, r: &mut ScenarioReport) -> Result<(), ClientError> {
        match &mut self.transport {
            Transport::Polling { .. } => self.post("1").await?,
            Transport::WebSocket(ws) => {
                ws.as_mut()
                    .close(Some(CloseFrame {
                        code: CloseCode::Normal,
                        reason: "".into(),
                    }))
                    .await?;
                while let Ok(Some(Ok(m))) = tokio::time::timeout(ANSWER_TIMEOUT, ws.next()).await {
                    if let Message::Close(Some(frame)) = m {
                        r.close_codes.push(u16::from(frame.code));
                    }
                }
            }
        }
        r.log.push("closed the Engine.IO session".into());
        Ok(())
    }

    /// Read the packets of one polling body (from the `skip`th on) into the queue.
    async fn queue_body(&mut self, body: &str, skip: usize) -> Result<(), ClientError> {
        if body.is_empty() {
            return Ok(());
        }
        for part in body.split(SEPARATOR).skip(skip) {
            self.on_packet(part).await?;
        }
        Ok(())
    }

    /// One Engine.IO packet's text: a message is queued, a ping answered, a noop skipped.
    async fn on_packet(&mut self, text: &str) -> Result<(), ClientError> {
        match text.as_bytes().first() {
            Some(b'4') => self
                .queue
                .push_back(Incoming::Text(text.get(1..).unwrap_or_default().to_owned())),
            Some(b'2') => self.pong().await?,
            Some(b'1') => self.queue.push_back(Incoming::Closed),
            Some(b'b') => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.get(1..).unwrap_or_default())
                    .map_err(|e| ClientError::Unexpected {
                        expected: "base64 after b".into(),
                        got: e.to_string(),
                    })?;
                self.queue.push_back(Incoming::Binary(bytes));
            }
            _ => {}
        }
        Ok(())
    }

    async fn pong(&mut self) -> Result<(), ClientError> {
        match &mut self.transport {
            Transport::Polling { .. } => {
                self.pongs[0] += 1;
                self.post("3").await
            }
            Transport::WebSocket(ws) => {
                self.pongs[1] += 1;
                ws.send(Message::text("3")).await?;
                Ok(())
            }
        }
    }

    fn uri_polling(&mut self) -> String {
        self.requests += 1;
        let mut uri = format!("{PATH}/?EIO=4&transport=polling&t={}", self.requests);
        if !self.sid.is_empty() {
            uri.push_str("&sid=");
            uri.push_str(&self.sid);
        }
        uri
    }

    /// One long-polling GET: the body of packets the server had for us.
    async fn poll(&mut self) -> Result<String, ClientError> {
        let uri = self.uri_polling();
        let addr = self.addr;
        let Transport::Polling { get, .. } = &mut self.transport else {
            return Ok(String::new());
        };
        let answer = get.send_request(request("GET", &uri, addr, String::new())?);
        tokio::time::timeout(ANSWER_TIMEOUT, read_body(answer.await))
            .await
            .map_err(|_| ClientError::Timeout {
                what: "a polling GET's answer".into(),
            })?
    }

    async fn post(&mut self, body: &str) -> Result<(), ClientError> {
        let uri = self.uri_polling();
        let addr = self.addr;
        let Transport::Polling { post, .. } = &mut self.transport else {
            return Ok(());
        };
        let answer = post.send_request(request("POST", &uri, addr, body.to_owned())?);
        let text = tokio::time::timeout(ANSWER_TIMEOUT, read_body(answer.await))
            .await
            .map_err(|_| ClientError::Timeout {
                what: "a polling POST's answer".into(),
            })??;
        if text != "ok" {
            return Err(ClientError::Unexpected {
                expected: "ok".into(),
                got: text,
            });
        }
        Ok(())
    }
}

/// A keep-alive HTTP/1.1 connection (its driver runs on the scenario's runtime).
pub(super) async fn http_connection(
    addr: SocketAddr,
    r: &mut ScenarioReport,
) -> Result<Http, ClientError> {
    let stream = tcp_connect(addr).await?;
    let port = stream.local_addr().map(|a| a.port()).unwrap_or_default();
    r.client_ports.push(port);
    r.log
        .push(format!("TCP connected from port {port} to {addr} (HTTP)"));
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("polling connection ended: {e}");
        }
    });
    Ok(sender)
}

pub(super) fn request(
    method: &str,
    uri: &str,
    addr: SocketAddr,
    body: String,
) -> Result<hyper::Request<Full<Bytes>>, ClientError> {
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(uri)
        .header(hyper::header::HOST, addr.to_string())
        .header(hyper::header::ACCEPT, "*/*");
    if method == "POST" {
        builder = builder.header(hyper::header::CONTENT_TYPE, "text/plain;charset=UTF-8");
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| ClientError::Unexpected {
            expected: "a valid request".into(),
            got: e.to_string(),
        })
}

/// A successful (2xx) answer's body as text.
pub(super) async fn read_body(
    answer: Result<hyper::Response<hyper::body::Incoming>, hyper::Error>,
) -> Result<String, ClientError> {
    let answer = answer?;
    let status = answer.status();
    let body = answer.into_body().collect().await?.to_bytes();
    let text = String::from_utf8_lossy(&body).into_owned();
    if !status.is_success() {
        return Err(ClientError::Unexpected {
            expected: "HTTP 2xx".into(),
            got: format!("HTTP {status}: {text}"),
        });
    }
    Ok(text)
}

/// The sid of an open packet (`0{"sid":…}`).
fn open_sid(open: &str) -> Result<String, ClientError> {
    let json: Option<serde_json::Value> = open
        .strip_prefix('0')
        .and_then(|j| serde_json::from_str(j).ok());
    json.as_ref()
        .and_then(|j| j.get("sid"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ClientError::Unexpected {
            expected: "an Engine.IO open packet 0{\"sid\":…}".into(),
            got: open.chars().take(60).collect(),
        })
}

async fn next_ws(ws: &mut Ws, what: &str) -> Result<Message, ClientError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, ws.next()).await {
        Err(_) => Err(ClientError::Timeout { what: what.into() }),
        Ok(None) => Err(ClientError::Unexpected {
            expected: what.into(),
            got: "the end of the connection".into(),
        }),
        Ok(Some(m)) => Ok(m?),
    }
}

fn unexpected(expected: &str, got: &Message) -> ClientError {
    ClientError::Unexpected {
        expected: expected.into(),
        got: format!("{got:?}").chars().take(80).collect(),
    }
}
