//! The bundled server's Socket.IO endpoint (socketioxide, served by hyper on the connections whose
//! path starts with `/socket.io/`): the handlers a class can follow, written the way a Socket.IO
//! tutorial writes them (`io.on('connection', …)`, `socket.on('chat', …)`).
//!
//! On the default namespace `/`: `chat` is sent to everyone with `io.emit` and acknowledged to the
//! sender with `{"ok":true}`; `binary` sends the bytes back (and acknowledges their length); `join`
//! and `leave` a room, `room` ([room, text]) relays to the room's members; the server pushes a
//! `tick` to every connected socket on its own, with no request. On `/admin`: a `welcome` on
//! connect and `stats` (acknowledged with the number of sockets on `/`). On `/compare` (the chat
//! `osiscope compare` carries five ways): each `chat` is answered to its sender alone with
//! `chat_http::answer_line`, and nothing else is sent (no ticks).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::handler::ConnectHandler as _;
use socketioxide::service::SocketIoService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Bytes;

/// The path prefix of every Engine.IO request (the default of every Socket.IO client).
pub const PATH: &str = "/socket.io";
/// The namespace of the compared chat.
pub const COMPARE_NSP: &str = "/compare";

/// Engine.IO and push timings. The bundled server is a teaching server: its defaults are short so
/// that a class sees pings, ticks and a dropped session within seconds (a production server keeps
/// Socket.IO's 25 s / 20 s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketIoTimings {
    /// Engine.IO `pingInterval`: the server pings every this long.
    pub ping_interval: Duration,
    /// Engine.IO `pingTimeout`: a session whose pong does not arrive within this is closed.
    pub ping_timeout: Duration,
    /// The server's own push: a `tick` to each socket on `/` every this long (`None`: never).
    pub tick_interval: Option<Duration>,
    /// Largest HTTP body or WebSocket message (`maxPayload` in the open packet).
    pub max_payload_bytes: u64,
}

impl Default for SocketIoTimings {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(1),
            ping_timeout: Duration::from_millis(1500),
            tick_interval: Some(Duration::from_secs(1)),
            max_payload_bytes: 100_000,
        }
    }
}

/// The Socket.IO server: socketioxide's service (cloned per connection) and its `io` handle.
#[derive(Clone)]
pub struct SocketIoEndpoint {
    service: SocketIoService<NotSocketIo>,
    io: SocketIo,
}

impl std::fmt::Debug for SocketIoEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoEndpoint").finish_non_exhaustive()
    }
}

impl SocketIoEndpoint {
    /// Build the endpoint with its handlers (needs no runtime; handlers run on the server's).
    pub fn new(timings: SocketIoTimings) -> Self {
        let (service, io) = SocketIo::builder()
            .req_path(PATH)
            .ping_interval(timings.ping_interval)
            .ping_timeout(timings.ping_timeout)
            .connect_timeout(timings.ping_interval + timings.ping_timeout)
            .max_payload(timings.max_payload_bytes)
            .ws_max_message_size(timings.max_payload_bytes as usize)
            .ws_max_frame_size(timings.max_payload_bytes as usize)
            .build_with_inner_svc(NotSocketIo);
        let ticks = Arc::new(AtomicU64::new(0));
        // socketioxide runs a connect handler on a task of its own after it has sent the
        // CONNECT answer: a client that emits at once (the demo client on a WebSocket does)
        // could find no `chat` handler yet and its event would be dropped. A connect
        // middleware runs before the answer is sent, so the handlers are registered there.
        io.ns(
            "/",
            (async |socket: SocketRef| {
                tracing::info!(sid = %socket.id, "Socket.IO connection on /");
            })
            .with(async move |socket: SocketRef| -> Result<(), Infallible> {
                on_connection(&socket, timings, &ticks);
                Ok(())
            }),
        );
        io.ns(
            "/admin",
            (async |socket: SocketRef| {
                let _ = socket.emit("welcome", &json!({ "namespace": "/admin" }));
            })
            .with(
                async |socket: SocketRef, io: SocketIo| -> Result<(), Infallible> {
                    on_admin_connection(&socket, io);
                    Ok(())
                },
            ),
        );
        io.ns(
            COMPARE_NSP,
            (async |socket: SocketRef| {
                tracing::info!(sid = %socket.id, "Socket.IO connection on /compare");
            })
            .with(async |socket: SocketRef| -> Result<(), Infallible> {
                on_compare_connection(&socket);
                Ok(())
            }),
        );
        Self { service, io }
    }

    /// Sockets connected to the default namespace now.
    pub fn clients(&self) -> usize {
        self.io.sockets().len()
    }

    /// Push an event to every socket on `/` (`io.emit(event, data)`), from any thread's runtime.
    pub async fn emit_all(&self, event: &str, data: &Value) -> bool {
        self.io.emit(event, data).await.is_ok()
    }

    /// Serve one HTTP/1.1 connection (keep-alive polling requests, or an upgrade to WebSocket)
    /// whose first `head` bytes were already read to route it here.
    pub async fn serve<S>(
        &self,
        stream: S,
        head: Vec<u8>,
        idle_timeout: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let io = TokioIo::new(Rewound {
            head,
            read: 0,
            inner: stream,
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(idle_timeout)
            .serve_connection(io, self.service.clone())
            .with_upgrades();
        tokio::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("Socket.IO connection ended: {e}");
                }
            }
            _ = shutdown.changed() => {
                connection.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(Duration::from_secs(1), connection).await;
            }
        }
    }
}

/// `io.on('connection', socket => { … })` on `/`.
fn on_connection(socket: &SocketRef, timings: SocketIoTimings, ticks: &Arc<AtomicU64>) {
    socket.on("chat", on_chat);
    socket.on("binary", on_binary);
    socket.on(
        "join",
        async |socket: SocketRef, Data(room): Data<String>, ack: AckSender| {
            socket.join(room.clone());
            let _ = ack.send(&json!({ "joined": room }));
        },
    );
    socket.on(
        "leave",
        async |socket: SocketRef, Data(room): Data<String>, ack: AckSender| {
            socket.leave(room.clone());
            let _ = ack.send(&json!({ "left": room }));
        },
    );
    socket.on(
        "room",
        async |io: SocketIo, Data((room, text)): Data<(String, Value)>| {
            let _ = io
                .to(room.clone())
                .emit("chat", &json!({ "room": room, "text": text }))
                .await;
        },
    );
    if let Some(every) = timings.tick_interval {
        tokio::spawn(push_ticks(socket.clone(), every, Arc::clone(ticks)));
    }
}

/// `socket.on('chat', (msg, ack) => { io.emit('chat', msg); ack({ok: true}); })`
async fn on_chat(io: SocketIo, Data(message): Data<Value>, ack: AckSender) {
    let _ = io.emit("chat", &message).await;
    let _ = ack.send(&json!({ "ok": true }));
}

/// `socket.on('binary', (bytes, ack) => { socket.emit('binary', bytes); ack(bytes.length); })`
async fn on_binary(socket: SocketRef, Data(bytes): Data<Bytes>, ack: AckSender) {
    let len = bytes.len();
    let _ = socket.emit("binary", &bytes);
    let _ = ack.send(&len);
}

/// The server speaks first: `setInterval(() => socket.emit('tick', {n, time}), every)` until the
/// socket disconnects.
async fn push_ticks(socket: SocketRef, every: Duration, ticks: Arc<AtomicU64>) {
    let mut interval = tokio::time::interval(every);
    interval.tick().await; // the first tick of a tokio interval is immediate
    loop {
        interval.tick().await;
        if !socket.connected() {
            return;
        }
        let n = ticks.fetch_add(1, Ordering::Relaxed) + 1;
        let time_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        if socket
            .emit("tick", &json!({ "n": n, "time_ms": time_ms }))
            .is_err()
        {
            return;
        }
    }
}

/// `io.of('/compare').on('connection', socket => socket.on('chat', text => socket.emit('chat',
/// answer)))`: the answer numbered per socket, with the time it was made.
fn on_compare_connection(socket: &SocketRef) {
    let answered = Arc::new(AtomicU64::new(0));
    socket.on(
        "chat",
        async move |socket: SocketRef, Data(text): Data<String>| {
            let n = answered.fetch_add(1, Ordering::Relaxed) + 1;
            let _ = socket.emit("chat", &super::chat_http::answer_line(n, &text));
        },
    );
}

/// `io.of('/admin').on('connection', …)`: a second namespace on the same Engine.IO session (the
/// `welcome` it sends is in the connect handler: a middleware cannot send yet).
fn on_admin_connection(socket: &SocketRef, io: SocketIo) {
    socket.on("stats", async move |ack: AckSender| {
        let _ = ack.send(&json!({ "sockets": io.sockets().len() }));
    });
}

/// The service socketioxide hands a request whose path is not under `/socket.io` (it needs one):
/// `404 Not Found`. The server only routes `/socket.io` paths here, so this answers nothing today.
#[derive(Clone, Copy, Debug)]
pub struct NotSocketIo;

impl<B> hyper::service::Service<hyper::Request<B>> for NotSocketIo {
    type Response = hyper::Response<String>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

    fn call(&self, req: hyper::Request<B>) -> Self::Future {
        let body = format!(
            "404 Not Found: {} is not an Engine.IO path (use {PATH}/?EIO=4&transport=polling)\n",
            req.uri().path()
        );
        let mut response = hyper::Response::new(body);
        *response.status_mut() = hyper::StatusCode::NOT_FOUND;
        std::future::ready(Ok(response))
    }
}

/// A TCP stream whose first bytes (the request head read to route the connection) are read again.
pub(super) struct Rewound<S> {
    head: Vec<u8>,
    read: usize,
    inner: S,
}

impl<S> Rewound<S> {
    pub(super) fn new(head: Vec<u8>, inner: S) -> Self {
        Self {
            head,
            read: 0,
            inner,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewound<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if let Some(rest) = this.head.get(this.read..).filter(|r| !r.is_empty()) {
            let n = rest.len().min(buf.remaining());
            buf.put_slice(rest.get(..n).unwrap_or_default());
            this.read += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewound<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
