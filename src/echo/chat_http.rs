//! The chat carried the ways that came before WebSocket (for comparing transports): the client
//! sends each message by `POST /chat/send`, and the server's answer to it ("re: …", a JSON line
//! with the time it was made) waits in the client's mailbox until the client fetches it by
//! polling (`GET /chat/poll`), long-polling (`GET /chat/poll?wait_ms=N`, held until there is
//! something) or Server-Sent Events (`GET /chat/events`, one response that never ends). Served
//! by hyper on HTTP/1.1 keep-alive connections, so a client reuses one TCP connection as a
//! browser would. Limits: message size, mailboxes, messages waiting in one mailbox.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{Notify, watch};
use tokio_tungstenite::tungstenite::Bytes;

use super::routes::{ChatRoute, RouteError};
use super::socketio::Rewound;
use super::tls::MaybeTls;

/// Largest message a client may send.
pub const MAX_CHAT_MESSAGE_BYTES: usize = 4096;
/// Mailboxes kept at once (one per client id); idle ones are dropped to make room.
pub const MAX_MAILBOXES: usize = 1024;
/// Messages that may wait in one mailbox.
pub const MAX_WAITING: usize = 1000;
/// A mailbox nobody asked for in this long may be dropped.
const IDLE: Duration = Duration::from_mins(1);

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The server's `n`th answer to a client's `text`, the same on every transport the chat is
/// carried on (here, the WebSocket `/chat` endpoint, the Socket.IO `/compare` namespace):
/// `{"n":…,"created_ns":…,"text":"re: …"}`, with the time it was made (nanoseconds since the
/// Unix epoch) in the message itself, so that a capture shows how long it took to arrive.
pub fn answer_line(n: u64, text: &str) -> serde_json::Value {
    let created_ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    serde_json::json!({
        "n": n,
        "created_ns": created_ns,
        "text": format!("re: {text}"),
    })
}

#[derive(Debug)]
struct Mailbox {
    waiting: VecDeque<String>,
    notify: Arc<Notify>,
    made: u64,
    seen: Instant,
}

/// Every client's mailbox.
#[derive(Debug, Default)]
pub struct Mailboxes {
    boxes: Mutex<HashMap<String, Mailbox>>,
}

/// Why a request could not be served (besides a bad route).
enum Refusal {
    Route(RouteError),
    TooBig,
    NotText,
    Full(&'static str),
}

impl Mailboxes {
    /// Run `f` on `client`'s mailbox, made if needed.
    fn with<T>(&self, client: &str, f: impl FnOnce(&mut Mailbox) -> T) -> Result<T, &'static str> {
        let mut boxes = self.boxes.lock().unwrap_or_else(PoisonError::into_inner);
        if !boxes.contains_key(client) && boxes.len() >= MAX_MAILBOXES {
            boxes.retain(|_, m| m.seen.elapsed() < IDLE);
            if boxes.len() >= MAX_MAILBOXES {
                return Err("too many clients: try again in a minute");
            }
        }
        let mailbox = boxes.entry(client.to_string()).or_insert_with(|| Mailbox {
            waiting: VecDeque::new(),
            notify: Arc::new(Notify::new()),
            made: 0,
            seen: Instant::now(),
        });
        mailbox.seen = Instant::now();
        Ok(f(mailbox))
    }

    /// The server's answer to `text`, into `client`'s mailbox.
    fn answer(&self, client: &str, text: &str) -> Result<(), &'static str> {
        self.with(client, |m| {
            if m.waiting.len() >= MAX_WAITING {
                return Err("this client's mailbox is full: fetch its messages first");
            }
            m.made += 1;
            m.waiting.push_back(answer_line(m.made, text).to_string());
            m.notify.notify_one();
            Ok(())
        })?
    }

    /// Everything waiting for `client`, and the bell that rings when more arrives.
    fn take(&self, client: &str) -> Result<(Vec<String>, Arc<Notify>), &'static str> {
        self.with(client, |m| {
            (m.waiting.drain(..).collect(), Arc::clone(&m.notify))
        })
    }

    /// What waits for `client`, waiting up to `wait` for something when nothing does.
    async fn take_waiting(
        &self,
        client: &str,
        wait: Duration,
    ) -> Result<Vec<String>, &'static str> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let (lines, bell) = self.take(client)?;
            if !lines.is_empty() {
                return Ok(lines);
            }
            if tokio::time::timeout_at(deadline, bell.notified())
                .await
                .is_err()
            {
                return Ok(Vec::new());
            }
        }
    }

    /// Serve one HTTP/1.1 connection (keep-alive) whose first `head` bytes were already read
    /// to route it here.
    pub async fn serve(
        self: &Arc<Self>,
        stream: MaybeTls,
        head: Vec<u8>,
        idle_timeout: Duration,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let io = TokioIo::new(Rewound::new(head, stream));
        let boxes = Arc::clone(self);
        let service = hyper::service::service_fn(move |req| {
            let boxes = Arc::clone(&boxes);
            async move { Ok::<_, Infallible>(Self::handle(&boxes, req).await) }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(idle_timeout)
            .serve_connection(io, service);
        tokio::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!("chat connection ended: {e}");
                }
            }
            _ = shutdown.changed() => {
                connection.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(Duration::from_secs(1), connection).await;
            }
        }
    }

    async fn handle(self: &Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
        match ChatRoute::parse(req.method().as_str(), target) {
            Err(e) => refused(&Refusal::Route(e)),
            Ok(ChatRoute::Send { client }) => match read_text(req.into_body()).await {
                Err(why) => refused(&why),
                Ok(text) => match self.answer(&client, &text) {
                    Ok(()) => reply(StatusCode::NO_CONTENT, "", Full::default().boxed_unsync()),
                    Err(why) => refused(&Refusal::Full(why)),
                },
            },
            Ok(ChatRoute::Poll { client, wait }) => {
                let lines = match wait {
                    None => self.take(&client).map(|(lines, _)| lines),
                    Some(wait) => self.take_waiting(&client, wait).await,
                };
                match lines {
                    Ok(lines) => {
                        let body = framed(&lines, "", "\n");
                        reply(
                            StatusCode::OK,
                            "application/x-ndjson",
                            Full::new(Bytes::from(body)).boxed_unsync(),
                        )
                    }
                    Err(why) => refused(&Refusal::Full(why)),
                }
            }
            // Made if needed, not emptied: what waits already is the stream's first event.
            Ok(ChatRoute::Events { client }) => match self.with(&client, |_| ()) {
                Err(why) => refused(&Refusal::Full(why)),
                Ok(()) => reply(
                    StatusCode::OK,
                    "text/event-stream",
                    events(Arc::clone(self), client),
                ),
            },
        }
    }
}

/// One `data:` event per message, as it arrives, until the client goes away (hyper then drops
/// the stream). The wait is cut every [`IDLE`]/4 so that a mailbox dropped as idle and made
/// again is found again.
fn events(boxes: Arc<Mailboxes>, client: String) -> Body {
    let stream = futures_util::stream::unfold((boxes, client), |(boxes, client)| async move {
        loop {
            let (lines, bell) = boxes.take(&client).ok()?;
            if !lines.is_empty() {
                let data = framed(&lines, "data: ", "\n\n");
                let frame = Ok::<_, Infallible>(Frame::data(Bytes::from(data)));
                return Some((frame, (boxes, client)));
            }
            let _ = tokio::time::timeout(IDLE / 4, bell.notified()).await;
        }
    });
    StreamBody::new(stream).boxed_unsync()
}

/// Each line between `before` and `after`: JSON Lines (`""`, `"\n"`) or events
/// (`"data: "`, `"\n\n"`).
fn framed(lines: &[String], before: &str, after: &str) -> String {
    lines.iter().fold(String::new(), |mut out, l| {
        out.push_str(before);
        out.push_str(l);
        out.push_str(after);
        out
    })
}

async fn read_text(body: Incoming) -> Result<String, Refusal> {
    let bytes = Limited::new(body, MAX_CHAT_MESSAGE_BYTES)
        .collect()
        .await
        .map_err(|_| Refusal::TooBig)?
        .to_bytes();
    String::from_utf8(bytes.to_vec()).map_err(|_| Refusal::NotText)
}

fn reply(status: StatusCode, content_type: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if !content_type.is_empty()
        && let Ok(value) = content_type.parse()
    {
        headers.insert(hyper::header::CONTENT_TYPE, value);
    }
    headers.insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    response
}

fn refused(why: &Refusal) -> Response<Body> {
    let (status, detail) = match why {
        Refusal::Route(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            e.to_string(),
        ),
        Refusal::TooBig => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a chat message is at most {MAX_CHAT_MESSAGE_BYTES} bytes"),
        ),
        Refusal::NotText => (
            StatusCode::BAD_REQUEST,
            "a chat message is UTF-8 text".into(),
        ),
        Refusal::Full(why) => (StatusCode::SERVICE_UNAVAILABLE, (*why).to_string()),
    };
    let body = format!(
        "{} {}: {detail}\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    );
    let mut response = reply(
        status,
        "text/plain; charset=utf-8",
        Full::new(Bytes::from(body)).boxed_unsync(),
    );
    if let Refusal::Route(RouteError::Method { allow, .. }) = why
        && let Ok(value) = allow.parse()
    {
        response.headers_mut().insert(hyper::header::ALLOW, value);
    }
    response
}
