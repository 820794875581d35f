//! The bundled server: a tokio runtime on its own named thread, one task per connection; reads
//! the request head, answers HTTP (or hands Socket.IO to socketioxide), and after a `101` runs
//! the endpoint's behaviour (`endpoints.rs`, `rooms.rs`). A connection that
//! starts with a TLS handshake is served over TLS (`wss://`, see [`super::tls`]) on the same port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::chat_http::Mailboxes;
use super::endpoints::{self, CLOSE_GRACE, Conn};
use super::http::{self, Head, Verdict};
use super::rooms::{self, MAX_BROADCAST_MESSAGE_BYTES, Rooms};
use super::routes::Route;
use super::socketio::SocketIoEndpoint;
use super::tls::{self, MaybeTls, ServerTls};
use super::{EchoConfig, EchoError};

/// Counters the app can show; all monotonic except `active`.
#[derive(Debug, Default)]
pub struct EchoStats {
    pub accepted: AtomicU64,
    pub active: AtomicU64,
    pub upgraded: AtomicU64,
    pub messages_echoed: AtomicU64,
    /// Messages the server sent on its own (push, the server's half of duplex).
    pub messages_pushed: AtomicU64,
    /// Messages a broadcast member sent to its room (each is then sent to every member).
    pub messages_relayed: AtomicU64,
    /// Client messages read and not answered (the client's half of duplex).
    pub messages_absorbed: AtomicU64,
    pub rejected_busy: AtomicU64,
    /// Broadcast members closed with 1013 because they fell a whole relay queue behind.
    pub members_too_slow: AtomicU64,
}

/// Starts echo servers.
pub struct EchoServer;

/// A running echo server. Dropping it shuts the server down without waiting.
#[derive(Debug)]
pub struct EchoServerHandle {
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<EchoStats>,
    socketio: SocketIoEndpoint,
    rooms: Arc<Rooms>,
}

impl EchoServer {
    /// Bind (synchronously, so a taken port is reported here) and serve on a new thread.
    pub fn start(config: EchoConfig) -> Result<EchoServerHandle, EchoError> {
        let addr = config.listen;
        if !addr.ip().is_loopback() && !config.allow_non_loopback {
            return Err(EchoError::NotLoopback { addr });
        }
        let std_listener =
            std::net::TcpListener::bind(addr).map_err(|source| match source.kind() {
                std::io::ErrorKind::AddrInUse => EchoError::AddrInUse { addr },
                _ => EchoError::Bind { addr, source },
            })?;
        std_listener
            .set_nonblocking(true)
            .map_err(|source| EchoError::Bind { addr, source })?;
        let local_addr = std_listener
            .local_addr()
            .map_err(|source| EchoError::Bind { addr, source })?;
        let server_tls = ServerTls::self_signed().map_err(EchoError::Tls)?;
        // The demo client of this process trusts this certificate, for this address only.
        tls::trust(local_addr, server_tls.certificate.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads.max(1))
            .thread_name("osiscope-echo-worker")
            .enable_all()
            .build()
            .map_err(EchoError::Runtime)?;
        let (listener, socketio) = {
            let _guard = runtime.enter();
            let listener = TcpListener::from_std(std_listener)
                .map_err(|source| EchoError::Bind { addr, source })?;
            (listener, SocketIoEndpoint::new(config.socketio))
        };
        let thread_socketio = socketio.clone();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let stats = Arc::new(EchoStats::default());
        let thread_stats = Arc::clone(&stats);
        let rooms = Arc::new(Rooms::default());
        let thread_rooms = Arc::clone(&rooms);
        let thread = std::thread::Builder::new()
            .name("osiscope-echo".into())
            .spawn(move || {
                let shared = Shared {
                    config,
                    stats: thread_stats,
                    socketio: thread_socketio,
                    rooms: thread_rooms,
                    chat: Arc::new(Mailboxes::default()),
                    tls: server_tls,
                };
                runtime.block_on(accept_loop(listener, Arc::new(shared), shutdown_rx));
                runtime.shutdown_timeout(Duration::from_millis(100));
            })
            .map_err(EchoError::Runtime)?;
        tracing::info!(%local_addr, "echo server listening");
        Ok(EchoServerHandle {
            local_addr,
            shutdown,
            thread: Some(thread),
            stats,
            socketio,
            rooms,
        })
    }
}

impl EchoServerHandle {
    /// The address the server listens on (with the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn stats(&self) -> &EchoStats {
        &self.stats
    }

    /// Members of the broadcast room `room` now.
    pub fn room_members(&self, room: &str) -> usize {
        self.rooms.members(room)
    }

    /// Sockets connected to the Socket.IO endpoint's default namespace now.
    pub fn socketio_clients(&self) -> usize {
        self.socketio.clients()
    }

    /// Ask the server to stop without waiting for it (safe to call from the UI thread).
    pub fn request_shutdown(&self) {
        let _ = self.shutdown.send(true);
        tls::forget(self.local_addr);
    }

    /// Stop accepting, close every connection with 1001 (Going Away), and wait for the server
    /// thread (at most about two seconds).
    pub fn shutdown(mut self) {
        self.request_shutdown();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("echo server thread panicked");
        }
    }
}

impl Drop for EchoServerHandle {
    fn drop(&mut self) {
        self.request_shutdown();
    }
}

/// What every connection task shares.
struct Shared {
    config: EchoConfig,
    stats: Arc<EchoStats>,
    socketio: SocketIoEndpoint,
    rooms: Arc<Rooms>,
    chat: Arc<Mailboxes>,
    tls: ServerTls,
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(shared.config.max_connections));
    let stats = Arc::clone(&shared.stats);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    stats.accepted.fetch_add(1, Ordering::Relaxed);
                    if let Ok(slot) = Arc::clone(&slots).try_acquire_owned() {
                        let (shared, shutdown) = (Arc::clone(&shared), shutdown.clone());
                        tasks.spawn(async move {
                            shared.stats.active.fetch_add(1, Ordering::Relaxed);
                            serve_connection(stream, peer, &shared, shutdown).await;
                            shared.stats.active.fetch_sub(1, Ordering::Relaxed);
                            drop(slot);
                        });
                    } else {
                        stats.rejected_busy.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%peer, "too many connections: 503");
                        tasks.spawn(reject_busy(stream));
                    }
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    tracing::info!(connections = tasks.len(), "echo server shutting down");
    if tokio::time::timeout(CLOSE_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        tasks.abort_all();
    }
}

async fn reject_busy(mut stream: TcpStream) {
    let Verdict::Respond { response, .. } = http::service_unavailable() else {
        return;
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(&response).await?;
        stream.shutdown().await
    })
    .await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let timeout = shared.config.handshake_timeout;
    let mut first = [0u8; 1];
    match tokio::time::timeout(timeout, stream.peek(&mut first)).await {
        Ok(Ok(1)) if tls::starts_tls(first[0]) => {
            match tokio::time::timeout(timeout, shared.tls.acceptor.accept(stream)).await {
                Ok(Ok(tls_stream)) => {
                    tracing::info!(%peer, "TLS handshake done");
                    let stream = MaybeTls::tls(tls_stream);
                    serve_http(stream, peer, shared, shutdown).await;
                }
                Ok(Err(e)) => tracing::info!(%peer, "TLS handshake failed: {e}"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timeout"),
            }
        }
        Ok(Ok(_)) => serve_http(MaybeTls::plain(stream), peer, shared, shutdown).await,
        Ok(Err(e)) => tracing::debug!(%peer, "connection failed before its first byte: {e}"),
        Err(_) => tracing::debug!(%peer, "handshake timeout"),
    }
}

/// Serve one connection's HTTP: an upgrade to the WebSocket echo, the Socket.IO endpoint, or
/// an HTTP answer. `stream` is the TCP connection, or the TLS session on it.
async fn serve_http(
    mut stream: MaybeTls,
    peer: SocketAddr,
    shared: &Shared,
    shutdown: watch::Receiver<bool>,
) {
    let (config, stats) = (&shared.config, &*shared.stats);
    let mut buf = Vec::with_capacity(1024);
    let head =
        tokio::time::timeout(config.handshake_timeout, read_head(&mut stream, &mut buf)).await;
    let (verdict, len) = match head {
        Err(_) => {
            tracing::debug!(%peer, "handshake timeout");
            return;
        }
        Ok(Err(e)) => {
            tracing::debug!(%peer, "connection ended before a request head: {e}");
            return;
        }
        Ok(Ok(Head::Incomplete)) => return,
        Ok(Ok(Head::Complete { verdict, len })) => (verdict, len),
    };
    match verdict {
        Verdict::Respond { status, response } => {
            tracing::info!(%peer, status, "HTTP response");
            let _ = stream.write_all(&response).await;
            let _ = stream.shutdown().await;
        }
        Verdict::Chat => {
            tracing::info!(%peer, "chat over HTTP");
            shared
                .chat
                .serve(stream, buf, config.handshake_timeout, shutdown)
                .await;
        }
        Verdict::SocketIo => {
            tracing::info!(%peer, "Socket.IO connection");
            shared
                .socketio
                .serve(stream, buf, config.handshake_timeout, shutdown)
                .await;
        }
        Verdict::Upgrade {
            accept,
            route,
            deflate,
        } => {
            tracing::info!(%peer, ?route, "WebSocket upgrade");
            // A broadcast member joins before its 101: a client with its 101 is in the room.
            let member = match &route {
                Route::Broadcast { room } => Some(shared.rooms.join(room)),
                _ => None,
            };
            if stream
                .write_all(&http::switching_protocols(
                    &accept,
                    deflate.as_ref().map(|(_, answer)| answer.as_str()),
                ))
                .await
                .is_err()
            {
                return;
            }
            stats.upgraded.fetch_add(1, Ordering::Relaxed);
            let max_bytes = match route {
                Route::Broadcast { .. } => {
                    config.max_message_bytes.min(MAX_BROADCAST_MESSAGE_BYTES)
                }
                _ => config.max_message_bytes,
            };
            let ws_config = WebSocketConfig::default()
                .max_message_size(Some(max_bytes))
                .max_frame_size(Some(max_bytes));
            let rest = buf.get(len..).unwrap_or_default().to_vec();
            if route == Route::Deflate {
                let params = deflate.map(|(params, _)| params);
                super::deflate::serve(stream, rest, params, max_bytes, shutdown, stats).await;
                return;
            }
            let ws =
                WebSocketStream::from_partially_read(stream, rest, Role::Server, Some(ws_config))
                    .await;
            let conn = Conn {
                ws,
                peer,
                shutdown,
                stats,
            };
            serve_route(conn, route, member).await;
        }
    }
}

/// Run the endpoint `route` names on an upgraded connection (tungstenite's).
async fn serve_route(conn: Conn<'_>, route: Route, member: Option<rooms::Member>) {
    match (route, member) {
        (Route::Broadcast { .. }, Some(member)) => rooms::broadcast(conn, member).await,
        (Route::Push { interval, count }, _) => endpoints::push(conn, interval, count).await,
        (Route::Duplex { interval, count }, _) => endpoints::duplex(conn, interval, count).await,
        (Route::ServerPing { interval, count }, _) => {
            endpoints::server_ping(conn, interval, count).await;
        }
        (Route::ServerClose, _) => endpoints::server_close(conn).await,
        (Route::Chat, _) => endpoints::chat(conn).await,
        (Route::Echo | Route::Broadcast { .. } | Route::Deflate, _) => endpoints::echo(conn).await,
    }
}

/// Read until a complete request head (or an answer to give) is in `buf`.
async fn read_head(stream: &mut MaybeTls, buf: &mut Vec<u8>) -> std::io::Result<Head> {
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        let head = http::parse_head(buf);
        if head != Head::Incomplete {
            return Ok(head);
        }
    }
}
