//! The demo client's side of the scenarios in which the server speaks on its own: `push` (it
//! only listens), `broadcast` (three members of one room), `duplex` (a stream each way at once),
//! `server-ping` (its pongs answer the server's pings) and `server-close` (it answers the
//! server's Close and waits for the server to end TCP first).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::client::{
    ANSWER_TIMEOUT, ClientError, ScenarioReport, close, connect, describe, receive,
};
use super::routes::{BROADCAST, DUPLEX, PUSH, SERVER_CLOSE, SERVER_PING};

/// Messages the server pushes in the `push` scenario, and how far apart.
pub const PUSH_COUNT: u32 = 5;
pub const PUSH_INTERVAL: Duration = Duration::from_millis(200);
/// Members of the `broadcast` scenario's room, and what each says.
pub const BROADCAST_LINES: [&str; 3] = ["Who is ready for the quiz?", "Me!", "Me too!"];
/// Messages each side sends in the `duplex` scenario, and how far apart.
pub const DUPLEX_COUNT: u32 = 5;
pub const DUPLEX_INTERVAL: Duration = Duration::from_millis(50);
/// Pings the server sends in the `server-ping` scenario, and how far apart.
pub const SERVER_PINGS: u32 = 2;
pub const SERVER_PING_INTERVAL: Duration = Duration::from_millis(200);

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

fn unexpected(expected: &str, got: &Message) -> ClientError {
    ClientError::Unexpected {
        expected: expected.into(),
        got: describe(got),
    }
}

/// Connect to `/push` and only listen: every message is the server's own.
pub(super) async fn push(addr: SocketAddr, r: &mut ScenarioReport) -> Result<(), ClientError> {
    let path = format!(
        "{PUSH}?interval_ms={}&count={PUSH_COUNT}",
        ms(PUSH_INTERVAL)
    );
    let mut ws = connect(addr, &path, r).await?;
    for _ in 0..PUSH_COUNT {
        match receive(&mut ws, "the server's next push").await? {
            Message::Text(t) => {
                r.received += 1;
                r.log
                    .push(format!("received, without asking: {:?}", t.as_str()));
            }
            other => return Err(unexpected("a pushed text message", &other)),
        }
    }
    close(&mut ws, CloseCode::Normal, "", r).await
}

/// A room name no other run of the scenario uses at the same time.
fn fresh_room() -> String {
    static RUNS: AtomicU32 = AtomicU32::new(0);
    format!(
        "demo-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    )
}

/// Three members of one room; each says one line, and every member receives every line.
pub(super) async fn broadcast(addr: SocketAddr, r: &mut ScenarioReport) -> Result<(), ClientError> {
    let path = format!("{BROADCAST}?room={}", fresh_room());
    let mut members = Vec::new();
    for _ in BROADCAST_LINES {
        members.push(connect(addr, &path, r).await?);
    }
    for (i, line) in BROADCAST_LINES.iter().enumerate() {
        let want = format!("client {}: {line}", i + 1);
        if let Some(sender) = members.get_mut(i) {
            sender.send(Message::text(*line)).await?;
            r.sent += 1;
            r.log.push(format!("client {} sent {line:?}", i + 1));
        }
        for (j, member) in members.iter_mut().enumerate() {
            match receive(member, "the relayed message").await? {
                Message::Text(t) if t.as_str() == want => r.received += 1,
                other => return Err(unexpected(&format!("text {want:?}"), &other)),
            }
            r.log.push(format!("client {} received {want:?}", j + 1));
        }
    }
    for ws in &mut members {
        close(ws, CloseCode::Normal, "", r).await?;
    }
    Ok(())
}

/// Send a stream of messages while the server sends its own, both at once.
pub(super) async fn duplex(addr: SocketAddr, r: &mut ScenarioReport) -> Result<(), ClientError> {
    let path = format!(
        "{DUPLEX}?interval_ms={}&count={DUPLEX_COUNT}",
        ms(DUPLEX_INTERVAL)
    );
    let mut ws = connect(addr, &path, r).await?;
    let mut tick = tokio::time::interval_at(Instant::now() + DUPLEX_INTERVAL, DUPLEX_INTERVAL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let deadline = Instant::now() + ANSWER_TIMEOUT + DUPLEX_INTERVAL * DUPLEX_COUNT;
    let (mut sent, mut received) = (0_u32, 0_u32);
    while sent < DUPLEX_COUNT || received < DUPLEX_COUNT {
        tokio::select! {
            _ = tick.tick(), if sent < DUPLEX_COUNT => {
                sent += 1;
                let text = format!("client {sent} of {DUPLEX_COUNT}");
                ws.send(Message::text(text.clone())).await?;
                r.sent += 1;
                r.log.push(format!("sent {text:?}"));
            }
            next = ws.next() => match next {
                Some(Ok(Message::Text(t))) => {
                    received += 1;
                    r.received += 1;
                    r.log.push(format!("received {:?}", t.as_str()));
                }
                Some(Ok(other)) => return Err(unexpected("the server's stream", &other)),
                Some(Err(e)) => return Err(e.into()),
                None => return Err(ClientError::Unexpected {
                    expected: "the server's stream".into(),
                    got: "the end of the connection".into(),
                }),
            },
            () = tokio::time::sleep_until(deadline) => return Err(ClientError::Timeout {
                what: "the duplex streams".into(),
            }),
        }
    }
    close(&mut ws, CloseCode::Normal, "", r).await
}

/// Answer the server's pings (tungstenite queues each pong; flushing sends it), then close.
pub(super) async fn server_ping(
    addr: SocketAddr,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    let path = format!(
        "{SERVER_PING}?interval_ms={}&count={SERVER_PINGS}",
        ms(SERVER_PING_INTERVAL)
    );
    let mut ws = connect(addr, &path, r).await?;
    for _ in 0..SERVER_PINGS {
        match receive(&mut ws, "the server's ping").await? {
            Message::Ping(p) => {
                ws.flush().await?;
                r.received += 1;
                r.sent += 1;
                r.log.push(format!(
                    "the server pinged ({:?}); the client's pong answered it",
                    String::from_utf8_lossy(&p)
                ));
            }
            other => return Err(unexpected("a ping from the server", &other)),
        }
    }
    close(&mut ws, CloseCode::Normal, "", r).await
}

/// Wait for the server's Close, answer it (tungstenite sends the reply with the same code) and
/// wait for the server to end the TCP connection first.
pub(super) async fn server_close(
    addr: SocketAddr,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    let mut ws = connect(addr, SERVER_CLOSE, r).await?;
    match receive(&mut ws, "the server's Close").await? {
        Message::Close(frame) => {
            let code = frame.as_ref().map_or(1005, |f| u16::from(f.code));
            let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
            r.close_codes.push(code);
            r.log.push(format!(
                "the server sent Close {code} {reason:?}; the client's Close answers it"
            ));
        }
        other => return Err(unexpected("the server's Close", &other)),
    }
    // Reading sends the queued reply, then meets the server's FIN.
    loop {
        match tokio::time::timeout(ANSWER_TIMEOUT, ws.next()).await {
            Err(_) => {
                return Err(ClientError::Timeout {
                    what: "the server to end the TCP connection".into(),
                });
            }
            Ok(None | Some(Err(WsError::ConnectionClosed))) => break,
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => return Err(e.into()),
        }
    }
    r.log
        .push("the server ended TCP first (its FIN came first)".into());
    Ok(())
}
