//! What the server does on an upgraded connection, one function per `Route`: echo; push (the
//! server sends on its own); duplex (a stream each way at once); server ping; server close; and
//! the incoming-message handling they share (pings answered, Close completed, a message too big
//! closed with 1009). Broadcast rooms live in `rooms.rs`.

use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

use super::routes::{SERVER_CLOSE_CODE, SERVER_CLOSE_REASON};
use super::server::EchoStats;

/// How long connections get to finish their close handshake (on shutdown, or after the
/// server's own Close).
pub(super) const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// How long the server waits for the pong of its ping before it pings no more.
const PONG_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) type Ws = WebSocketStream<super::tls::MaybeTls>;

/// What to do with a client's text or binary message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reply {
    /// Send it back.
    Echo,
    /// Count it and send nothing (the duplex stream is not request/reply).
    Absorb,
}

/// One connection's serving context.
pub(super) struct Conn<'a> {
    pub ws: Ws,
    pub peer: SocketAddr,
    pub shutdown: watch::Receiver<bool>,
    pub stats: &'a EchoStats,
}

impl Conn<'_> {
    /// Handle what the client sent (`None`: the stream ended). `Break` ends the connection.
    pub(super) async fn incoming(
        &mut self,
        next: Option<Result<Message, WsError>>,
        reply: Reply,
    ) -> ControlFlow<()> {
        let peer = self.peer;
        let result = match next {
            None => return ControlFlow::Break(()),
            Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => match reply {
                Reply::Echo => {
                    self.stats.messages_echoed.fetch_add(1, Ordering::Relaxed);
                    self.ws.send(msg).await
                }
                Reply::Absorb => {
                    self.stats.messages_absorbed.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
            },
            // tungstenite queued the pong (and the close reply); flushing sends it now.
            Some(Ok(Message::Ping(_))) => self.ws.flush().await,
            Some(Ok(Message::Close(frame))) => {
                tracing::info!(%peer, code = frame.as_ref().map(|f| u16::from(f.code)), "close");
                Ok(())
            }
            Some(Ok(Message::Pong(_) | Message::Frame(_))) => Ok(()),
            Some(Err(WsError::Capacity(e))) => {
                tracing::info!(%peer, "{e}: closing with 1009");
                return self.close(CloseCode::Size, "message too big").await;
            }
            Some(Err(WsError::Protocol(e))) => {
                tracing::info!(%peer, "{e}: closing with 1002");
                return self.close(CloseCode::Protocol, "protocol error").await;
            }
            Some(Err(WsError::Utf8(_))) => {
                return self.close(CloseCode::Invalid, "text is not UTF-8").await;
            }
            Some(Err(e)) => Err(e),
        };
        self.sent(result)
    }

    /// Whether the connection goes on after a send.
    pub(super) fn sent(&self, result: Result<(), WsError>) -> ControlFlow<()> {
        match result {
            Ok(()) | Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {
                ControlFlow::Continue(())
            }
            Err(e) => {
                tracing::debug!(peer = %self.peer, "connection ended: {e}");
                ControlFlow::Break(())
            }
        }
    }

    /// Send a Close frame and wait (briefly) for the peer's reply, so the close handshake
    /// completes; the caller then drops the socket, and the server's FIN goes first.
    pub(super) async fn close(&mut self, code: CloseCode, reason: &str) -> ControlFlow<()> {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let ws = &mut self.ws;
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            if ws.close(Some(frame)).await.is_ok() {
                while let Some(Ok(_)) = ws.next().await {}
            }
        })
        .await;
        ControlFlow::Break(())
    }

    /// The server is shutting down: close with 1001.
    pub(super) async fn going_away(&mut self) -> ControlFlow<()> {
        self.close(CloseCode::Away, "server shutting down").await
    }
}

/// `/` and `/echo`: send back every text and binary message.
pub(super) async fn echo(mut c: Conn<'_>) {
    loop {
        let flow = tokio::select! {
            next = c.ws.next() => c.incoming(next, Reply::Echo).await,
            _ = c.shutdown.changed() => c.going_away().await,
        };
        if flow.is_break() {
            return;
        }
    }
}

/// `/chat`: every text message is answered with `chat_http::answer_line` (numbered from 1,
/// with the time the answer was made); everything else is handled as the echo handles it.
pub(super) async fn chat(mut c: Conn<'_>) {
    let mut answered = 0_u64;
    loop {
        let flow = tokio::select! {
            next = c.ws.next() => match next {
                Some(Ok(Message::Text(text))) => {
                    answered += 1;
                    c.stats.messages_echoed.fetch_add(1, Ordering::Relaxed);
                    let line = super::chat_http::answer_line(answered, text.as_str());
                    let sent = c.ws.send(Message::text(line.to_string())).await;
                    c.sent(sent)
                }
                other => c.incoming(other, Reply::Echo).await,
            },
            _ = c.shutdown.changed() => c.going_away().await,
        };
        if flow.is_break() {
            return;
        }
    }
}

/// A ticker whose first tick is one `interval` from now (so the 101 and the first message the
/// server sends on its own are apart on the ladder), late ticks delayed, not bunched.
fn ticker(interval: Duration) -> Interval {
    let mut t = tokio::time::interval_at(Instant::now() + interval, interval);
    t.set_missed_tick_behavior(MissedTickBehavior::Delay);
    t
}

/// The `n`th push (from 1): a clock tick, and every third one a news item.
pub fn push_text(n: u32, now: SystemTime) -> String {
    const NEWS: [&str; 4] = [
        "RFC 6455, The WebSocket Protocol, was published in December 2011",
        "this message came from the server without a request",
        "server frames are never masked; client frames always are",
        "one TCP connection carries every message of this session",
    ];
    if n.is_multiple_of(3) {
        let item = NEWS[(n as usize / 3 - 1) % NEWS.len()];
        format!("news {}: {item}", n / 3)
    } else {
        let secs = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() % 86_400;
        format!(
            "tick {n}: {:02}:{:02}:{:02} UTC",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// `/push`: a message every `interval` (`count` of them, or until the client closes), never
/// waiting for the client; what the client sends is echoed.
pub(super) async fn push(mut c: Conn<'_>, interval: Duration, count: Option<u32>) {
    let mut tick = ticker(interval);
    let mut pushed = 0_u32;
    loop {
        let more = count.is_none_or(|n| pushed < n);
        let flow = tokio::select! {
            _ = tick.tick(), if more => {
                pushed += 1;
                c.stats.messages_pushed.fetch_add(1, Ordering::Relaxed);
                let text = push_text(pushed, SystemTime::now());
                let sent = c.ws.send(Message::text(text)).await;
                c.sent(sent)
            }
            next = c.ws.next() => c.incoming(next, Reply::Echo).await,
            _ = c.shutdown.changed() => c.going_away().await,
        };
        if flow.is_break() {
            return;
        }
    }
}

/// `/duplex`: `count` messages every `interval` from the server while the client's own stream
/// is read (and counted, not answered).
pub(super) async fn duplex(mut c: Conn<'_>, interval: Duration, count: u32) {
    let mut tick = ticker(interval);
    let mut sent = 0_u32;
    loop {
        let flow = tokio::select! {
            _ = tick.tick(), if sent < count => {
                sent += 1;
                c.stats.messages_pushed.fetch_add(1, Ordering::Relaxed);
                let result = c.ws.send(Message::text(format!("server {sent} of {count}"))).await;
                c.sent(result)
            }
            next = c.ws.next() => c.incoming(next, Reply::Absorb).await,
            _ = c.shutdown.changed() => c.going_away().await,
        };
        if flow.is_break() {
            return;
        }
    }
}

/// `/server-ping`: `count` pings, `interval` apart, each sent once the pong of the one before
/// has come back; then an echo server.
pub(super) async fn server_ping(mut c: Conn<'_>, interval: Duration, count: u32) {
    let mut tick = ticker(interval);
    let mut pinged = 0_u32;
    let mut awaiting: Option<(Bytes, Instant)> = None;
    loop {
        let pong_late = awaiting
            .as_ref()
            .is_some_and(|(_, at)| at.elapsed() > PONG_TIMEOUT);
        if pong_late {
            tracing::info!(peer = %c.peer, "no pong within {PONG_TIMEOUT:?}: no more pings");
            pinged = count;
            awaiting = None;
        }
        let flow = tokio::select! {
            _ = tick.tick(), if pinged < count && awaiting.is_none() => {
                pinged += 1;
                let payload = Bytes::from(format!("server ping {pinged}"));
                awaiting = Some((payload.clone(), Instant::now()));
                let sent = c.ws.send(Message::Ping(payload)).await;
                c.sent(sent)
            }
            next = c.ws.next() => match next {
                Some(Ok(Message::Pong(p))) if awaiting.as_ref().is_some_and(|(a, _)| *a == p) => {
                    awaiting = None;
                    ControlFlow::Continue(())
                }
                other => c.incoming(other, Reply::Echo).await,
            },
            () = tokio::time::sleep(PONG_TIMEOUT), if awaiting.is_some() => ControlFlow::Continue(()),
            _ = c.shutdown.changed() => c.going_away().await,
        };
        if flow.is_break() {
            return;
        }
    }
}

/// `/server-close`: Close 4000 "lesson over" at once; once the client's Close answers it, the
/// caller drops the socket and the server's FIN goes first (so the server holds TIME-WAIT).
pub(super) async fn server_close(mut c: Conn<'_>) {
    let _ = c
        .close(CloseCode::from(SERVER_CLOSE_CODE), SERVER_CLOSE_REASON)
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_are_ticks_with_news_every_third() {
        let at = UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 13 * 3600 + 5 * 60 + 9);
        assert_eq!(push_text(1, at), "tick 1: 13:05:09 UTC");
        assert_eq!(push_text(2, at), "tick 2: 13:05:09 UTC");
        assert_eq!(
            push_text(3, at),
            "news 1: RFC 6455, The WebSocket Protocol, was published in December 2011"
        );
        assert!(push_text(6, at).starts_with("news 2: "));
        assert!(push_text(15, at).starts_with("news 5: RFC 6455"));
    }
}
