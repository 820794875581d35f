//! The Socket.IO scenarios of the demo client, against the bundled server's handlers
//! (`echo/socketio.rs`), each what a class should see: `socketio` (polling, then the upgrade),
//! `socketio-ws` (WebSocket only), `socketio-broadcast` (two clients, one emits, both
//! receive) and `socketio-plain-ws` (a plain WebSocket client at the Socket.IO URL: it is not
//! understood, and the server drops it).

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;

use super::client::{ANSWER_TIMEOUT, ClientError, ScenarioReport, connect};
use super::eio_client::{EioClient, Incoming, Outgoing};
use super::socketio::PATH;

/// The bytes of the binary event.
const BINARY: [u8; 4] = [1, 2, 3, 4];

/// How long the plain WebSocket client waits for the server to drop it (the demo's ping
/// interval + timeout is 2.5 s; a production server's 45 s).
const DROP_WAIT: Duration = Duration::from_secs(15);

/// Connect to `/` and `/admin`, emit with an ack, a binary event, the server's `tick`, a
/// ping answered, disconnect. Over polling first (then the upgrade) when `polling` is set.
pub(crate) async fn socketio(
    addr: SocketAddr,
    polling: bool,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    let mut c = if polling {
        EioClient::open_polling(addr, r).await?
    } else {
        EioClient::open_websocket(addr, r).await?
    };
    connect_nsp(&mut c, "/", r).await?;
    if polling {
        c.upgrade(r).await?;
    }
    connect_nsp(&mut c, "/admin", r).await?;
    emit(&mut c, r#"20["chat","hi"]"#, r).await?;
    wait_all(
        &mut c,
        r,
        &[r#"30[{"ok":true}]"#, r#"2["chat","hi"]"#],
        "the chat ack and its broadcast",
    )
    .await?;
    c.send(&[
        Outgoing::Text(r#"51-1["binary",{"_placeholder":true,"num":0}]"#.into()),
        Outgoing::Binary(BINARY.to_vec()),
    ])
    .await?;
    r.sent += 1;
    r.log.push(format!(
        "sent a binary event with {} bytes attached",
        BINARY.len()
    ));
    wait_all(
        &mut c,
        r,
        &["31[4]", r#"51-["binary",{"_placeholder":true,"num":0}]"#],
        "the binary ack and echo",
    )
    .await?;
    emit(&mut c, r#"2/admin,1["stats"]"#, r).await?;
    wait_for(&mut c, r, "the /admin stats ack", |t| {
        t.starts_with("3/admin,1[")
    })
    .await?;
    wait_for(&mut c, r, "the server's tick", |t| {
        t.starts_with(r#"2["tick""#)
    })
    .await?;
    while c.pongs[1] == 0 {
        wait_for(&mut c, r, "a ping on the WebSocket", |_| true).await?;
    }
    r.log.push(format!(
        "answered the server's pings: {} while polling, {} on the WebSocket",
        c.pongs[0], c.pongs[1]
    ));
    emit(&mut c, "1/admin,", r).await?;
    emit(&mut c, "1", r).await?;
    c.close(r).await
}

/// Two clients on WebSockets: the first emits `chat`, the server's `io.emit` sends it to both.
pub(crate) async fn broadcast(addr: SocketAddr, r: &mut ScenarioReport) -> Result<(), ClientError> {
    let mut a = EioClient::open_websocket(addr, r).await?;
    connect_nsp(&mut a, "/", r).await?;
    let mut b = EioClient::open_websocket(addr, r).await?;
    connect_nsp(&mut b, "/", r).await?;
    emit(&mut a, r#"20["chat","hello, everyone"]"#, r).await?;
    let chat = r#"2["chat","hello, everyone"]"#;
    wait_all(
        &mut a,
        r,
        &[r#"30[{"ok":true}]"#, chat],
        "the sender's ack and broadcast",
    )
    .await?;
    wait_all(&mut b, r, &[chat], "the broadcast on the second client").await?;
    for c in [&mut a, &mut b] {
        emit(c, "1", r).await?;
        c.close(r).await?;
    }
    Ok(())
}

/// A plain WebSocket client at the Socket.IO URL. The first connection sends `hello` as it
/// would to an echo server: not an Engine.IO packet, so the server ends the connection. The
/// second stays quiet: it gets the open packet and pings it does not answer, and the server
/// drops it when its ping timeout passes.
pub(crate) async fn plain_ws(addr: SocketAddr, r: &mut ScenarioReport) -> Result<(), ClientError> {
    let path = format!("{PATH}/?EIO=4&transport=websocket");
    for say_hello in [true, false] {
        let mut ws = connect(addr, &path, r).await?;
        let started = tokio::time::Instant::now();
        if say_hello {
            // The open packet first, then the hello.
            log_plain(r, next_plain(&mut ws).await?.as_ref(), started);
            ws.send(Message::text("hello")).await?;
            r.sent += 1;
            r.log.push("sent 'hello', as to an echo server".into());
        }
        let mut pings = 0;
        loop {
            let m = next_plain(&mut ws).await?;
            log_plain(r, m.as_ref(), started);
            match m {
                None | Some(Message::Close(_)) => break,
                Some(Message::Text(t)) if t.as_str() == "2" => pings += 1,
                Some(_) => {}
            }
        }
        // Read to the end of the TCP connection.
        while let Ok(Some(Ok(_))) = tokio::time::timeout(ANSWER_TIMEOUT, ws.next()).await {}
        r.log.push(format!(
            "the server ended the connection after {} ms ({pings} unanswered pings)",
            started.elapsed().as_millis()
        ));
    }
    Ok(())
}

/// The next message of the plain client (`None` at the end of the connection).
async fn next_plain(ws: &mut super::client::Ws) -> Result<Option<Message>, ClientError> {
    match tokio::time::timeout(DROP_WAIT, ws.next()).await {
        Err(_) => Err(ClientError::Timeout {
            what: "the server to drop the plain WebSocket client".into(),
        }),
        Ok(None | Some(Err(_))) => Ok(None),
        Ok(Some(Ok(m))) => Ok(Some(m)),
    }
}

fn log_plain(r: &mut ScenarioReport, m: Option<&Message>, started: tokio::time::Instant) {
    let ms = started.elapsed().as_millis();
    let what = match m {
        None => "the end of the connection".to_owned(),
        Some(Message::Text(t)) => format!("text {:?}", t.as_str()),
        Some(Message::Close(f)) => format!("close {:?}", f.as_ref().map(|f| u16::from(f.code))),
        Some(other) => format!("{other:?}"),
    };
    if m.is_some() {
        r.received += 1;
    }
    r.log.push(format!("{ms} ms: received {what}"));
}

/// `CONNECT` to a namespace and wait for the server's answer with the Socket.IO sid.
pub(super) async fn connect_nsp(
    c: &mut EioClient,
    nsp: &str,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    let packet = if nsp == "/" {
        "0".to_owned()
    } else {
        format!("0{nsp},")
    };
    emit(c, &packet, r).await?;
    let prefix = if nsp == "/" {
        "0{".to_owned()
    } else {
        format!("0{nsp},{{")
    };
    wait_for(c, r, &format!("the CONNECT answer on {nsp}"), |t| {
        t.starts_with(&prefix)
    })
    .await?;
    Ok(())
}

/// Send one Socket.IO packet.
pub(super) async fn emit(
    c: &mut EioClient,
    packet: &str,
    r: &mut ScenarioReport,
) -> Result<(), ClientError> {
    c.send(&[Outgoing::Text(packet.to_owned())]).await?;
    r.sent += 1;
    let transport = if c.is_websocket() {
        "WebSocket"
    } else {
        "polling"
    };
    r.log.push(format!("sent {packet} ({transport})"));
    Ok(())
}

/// Receive until a Socket.IO packet's text satisfies `done`; others are logged on the way.
pub(super) async fn wait_for(
    c: &mut EioClient,
    r: &mut ScenarioReport,
    what: &str,
    mut done: impl FnMut(&str) -> bool,
) -> Result<String, ClientError> {
    let deadline = tokio::time::Instant::now() + ANSWER_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, c.recv())
            .await
            .map_err(|_| ClientError::Timeout { what: what.into() })??;
        match next {
            Incoming::Text(t) => {
                r.received += 1;
                r.log.push(format!("received {t}"));
                if done(&t) {
                    return Ok(t);
                }
            }
            Incoming::Binary(b) => {
                r.log.push(format!("received {} bytes of binary", b.len()));
            }
            Incoming::Closed => {
                return Err(ClientError::Unexpected {
                    expected: what.into(),
                    got: "the end of the Engine.IO session".into(),
                });
            }
        }
    }
}

/// Receive until every one of `texts` came (in any order), and the echoed attachment when one
/// of them is a binary event.
async fn wait_all(
    c: &mut EioClient,
    r: &mut ScenarioReport,
    texts: &[&str],
    what: &str,
) -> Result<(), ClientError> {
    let mut missing: Vec<&str> = texts.to_vec();
    let deadline = tokio::time::Instant::now() + ANSWER_TIMEOUT;
    let mut binary = false;
    while !missing.is_empty() || (texts.iter().any(|t| t.starts_with('5')) && !binary) {
        let next = tokio::time::timeout_at(deadline, c.recv())
            .await
            .map_err(|_| ClientError::Timeout { what: what.into() })??;
        match next {
            Incoming::Text(t) => {
                r.received += 1;
                r.log.push(format!("received {t}"));
                missing.retain(|m| *m != t);
            }
            Incoming::Binary(b) => {
                binary |= b == BINARY;
                r.log.push(format!("received {} bytes of binary", b.len()));
            }
            Incoming::Closed => {
                return Err(ClientError::Unexpected {
                    expected: what.into(),
                    got: "the end of the Engine.IO session".into(),
                });
            }
        }
    }
    Ok(())
}
