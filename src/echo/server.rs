//! The echo server: a tokio runtime on its own named thread, one task per connection, echoing
//! text and binary, answering pings, completing the close handshake with the peer's code. A
//! connection that starts with a TLS handshake is served over TLS (`wss://`, see [`super::tls`])
//! on the same port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::http::{self, Head, Verdict};
use super::socketio::SocketIoEndpoint;
use super::tls::{self, ServerTls};
use super::{EchoConfig, EchoError};

/// How long connections get to finish their close handshake on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Counters the app can show; all monotonic except `active`.
#[derive(Debug, Default)]
pub struct EchoStats {
    pub accepted: AtomicU64,
    pub active: AtomicU64,
    pub upgraded: AtomicU64,
    pub messages_echoed: AtomicU64,
    pub rejected_busy: AtomicU64,
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
    /// The self-signed certificate `wss://` clients must trust, in PEM.
    certificate_pem: String,
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
        let certificate_pem = server_tls.certificate_pem.clone();
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
        let thread = std::thread::Builder::new()
            .name("osiscope-echo".into())
            .spawn(move || {
                let shared = Shared {
                    config,
                    stats: thread_stats,
                    socketio: thread_socketio,
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
            certificate_pem,
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

    /// The self-signed certificate the server made at start, in PEM (what a `wss://` client in
    /// another process must trust; clients in this process trust it already).
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
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
    if tokio::time::timeout(SHUTDOWN_GRACE, async {
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
                    serve_http(tls_stream, peer, shared, shutdown).await;
                }
                Ok(Err(e)) => tracing::info!(%peer, "TLS handshake failed: {e}"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timeout"),
            }
        }
        Ok(Ok(_)) => serve_http(stream, peer, shared, shutdown).await,
        Ok(Err(e)) => tracing::debug!(%peer, "connection failed before its first byte: {e}"),
        Err(_) => tracing::debug!(%peer, "handshake timeout"),
    }
}

/// Serve one connection's HTTP: an upgrade to the WebSocket echo, the Socket.IO endpoint, or
/// an HTTP answer. `stream` is the TCP connection, or the TLS session on it.
async fn serve_http<S>(
    mut stream: S,
    peer: SocketAddr,
    shared: &Shared,
    shutdown: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
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
        Verdict::SocketIo => {
            tracing::info!(%peer, "Socket.IO connection");
            shared
                .socketio
                .serve(stream, buf, config.handshake_timeout, shutdown)
                .await;
        }
        Verdict::Upgrade { accept, path } => {
            tracing::info!(%peer, path, "WebSocket upgrade");
            if stream
                .write_all(&http::switching_protocols(&accept))
                .await
                .is_err()
            {
                return;
            }
            stats.upgraded.fetch_add(1, Ordering::Relaxed);
            let ws_config = WebSocketConfig::default()
                .max_message_size(Some(config.max_message_bytes))
                .max_frame_size(Some(config.max_message_bytes));
            let rest = buf.get(len..).unwrap_or_default().to_vec();
            let mut ws =
                WebSocketStream::from_partially_read(stream, rest, Role::Server, Some(ws_config))
                    .await;
            echo(&mut ws, peer, shutdown, stats).await;
            // Over TLS this sends close_notify before the FIN, so the client knows nothing was
            // cut off (RFC 8446 §6.1); over TCP it sends the FIN dropping the stream would send.
            let _ = ws.get_mut().shutdown().await;
        }
    }
}

/// Read until a complete request head (or an answer to give) is in `buf`.
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<Head> {
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

async fn echo<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    peer: SocketAddr,
    mut shutdown: watch::Receiver<bool>,
    stats: &EchoStats,
) {
    loop {
        let next = tokio::select! {
            next = ws.next() => next,
            _ = shutdown.changed() => {
                close_and_drain(ws, CloseCode::Away, "server shutting down").await;
                return;
            }
        };
        let result = match next {
            None => return,
            Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => {
                stats.messages_echoed.fetch_add(1, Ordering::Relaxed);
                ws.send(msg).await
            }
            // tungstenite queued the pong (and the close reply); flushing sends it now.
            Some(Ok(Message::Ping(_))) => ws.flush().await,
            Some(Ok(Message::Close(frame))) => {
                tracing::info!(%peer, code = frame.as_ref().map(|f| u16::from(f.code)), "close");
                Ok(())
            }
            Some(Ok(Message::Pong(_) | Message::Frame(_))) => Ok(()),
            Some(Err(WsError::Capacity(e))) => {
                tracing::info!(%peer, "{e}: closing with 1009");
                close_and_drain(ws, CloseCode::Size, "message too big").await;
                return;
            }
            Some(Err(WsError::Protocol(e))) => {
                tracing::info!(%peer, "{e}: closing with 1002");
                close_and_drain(ws, CloseCode::Protocol, "protocol error").await;
                return;
            }
            Some(Err(WsError::Utf8(_))) => {
                close_and_drain(ws, CloseCode::Invalid, "text is not UTF-8").await;
                return;
            }
            Some(Err(e)) => Err(e),
        };
        match result {
            Ok(()) | Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {}
            Err(e) => {
                tracing::debug!(%peer, "connection ended: {e}");
                return;
            }
        }
    }
}

/// Send a close frame and wait (briefly) for the peer's reply so the close handshake completes.
async fn close_and_drain<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    code: CloseCode,
    reason: &str,
) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        if ws.close(Some(frame)).await.is_ok() {
            while let Some(Ok(_)) = ws.next().await {}
        }
    })
    .await;
}
