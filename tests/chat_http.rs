//! The chat's HTTP transports against a real HTTP/1.1 client on raw sockets: polling and
//! long-polling on one keep-alive connection, Server-Sent Events as they arrive, and garbage on
//! every endpoint answered with an HTTP error that says what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "support/echo.rs"]
mod echo_support;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use echo_support::{raw_exchange, server};
use osiscope::echo::chat_http::MAX_CHAT_MESSAGE_BYTES;

/// One keep-alive HTTP/1.1 connection.
struct Http {
    stream: TcpStream,
    buf: Vec<u8>,
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Http {
    fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    fn send(&mut self, method: &str, target: &str, body: &[u8]) {
        let mut request = format!(
            "{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.stream.write_all(&request).unwrap();
    }

    fn fill(&mut self) {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).unwrap();
        assert!(n > 0, "the server closed the connection");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    /// Read one response with a Content-Length body.
    fn answer(&mut self) -> Answer {
        let end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            self.fill();
        };
        let head = String::from_utf8(self.buf[..end].to_vec()).unwrap();
        let status = head[9..12].parse().unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap_or(0);
        while self.buf.len() < end + len {
            self.fill();
        }
        let body = String::from_utf8(self.buf[end..end + len].to_vec()).unwrap();
        self.buf.drain(..end + len);
        Answer { status, head, body }
    }

    fn exchange(&mut self, method: &str, target: &str, body: &[u8]) -> Answer {
        self.send(method, target, body);
        self.answer()
    }
}

fn lines(body: &str) -> Vec<serde_json::Value> {
    body.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn polling_fetches_the_answers_on_one_keep_alive_connection() {
    let srv = server();
    let mut http = Http::connect(srv.local_addr());
    let empty = http.exchange("GET", "/chat/poll?client=ann", b"");
    assert_eq!((empty.status, empty.body.as_str()), (200, ""));
    for text in ["hello", "how are you?"] {
        let sent = http.exchange("POST", "/chat/send?client=ann", text.as_bytes());
        assert_eq!(sent.status, 204, "{}", sent.head);
    }
    let got = http.exchange("GET", "/chat/poll?client=ann", b"");
    assert_eq!(got.status, 200);
    assert!(
        got.head
            .to_ascii_lowercase()
            .contains("content-type: application/x-ndjson"),
        "{}",
        got.head
    );
    let got = lines(&got.body);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["n"], 1);
    assert_eq!(got[0]["text"], "re: hello");
    assert_eq!(got[1]["text"], "re: how are you?");
    assert!(got[0]["created_ns"].as_u64().unwrap() <= got[1]["created_ns"].as_u64().unwrap());
    // Fetched once: the next poll is empty. Another client's mailbox is its own.
    assert_eq!(http.exchange("GET", "/chat/poll?client=ann", b"").body, "");
    assert_eq!(http.exchange("GET", "/chat/poll?client=bob", b"").body, "");
    assert_eq!(
        srv.stats()
            .accepted
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    srv.shutdown();
}

#[test]
fn a_long_poll_is_held_until_the_answer_exists() {
    let srv = server();
    let addr = srv.local_addr();
    let mut waiting = Http::connect(addr);
    let started = Instant::now();
    waiting.send("GET", "/chat/poll?client=cy&wait_ms=10000", b"");
    std::thread::sleep(Duration::from_millis(300));
    let mut sender = Http::connect(addr);
    assert_eq!(
        sender
            .exchange("POST", "/chat/send?client=cy", b"now")
            .status,
        204
    );
    let got = waiting.answer();
    let held = started.elapsed();
    assert_eq!(lines(&got.body)[0]["text"], "re: now");
    assert!(
        held >= Duration::from_millis(300) && held < Duration::from_secs(5),
        "held {held:?}"
    );
    // Nothing comes: the poll ends empty after wait_ms.
    let started = Instant::now();
    let empty = waiting.exchange("GET", "/chat/poll?client=cy&wait_ms=200", b"");
    assert_eq!((empty.status, empty.body.as_str()), (200, ""));
    assert!(started.elapsed() >= Duration::from_millis(200));
    srv.shutdown();
}

#[test]
fn server_sent_events_arrive_on_one_endless_response() {
    let srv = server();
    let addr = srv.local_addr();
    // "one" waits in the mailbox before the stream opens, "two" comes while it is open.
    let mut sender = Http::connect(addr);
    assert_eq!(
        sender
            .exchange("POST", "/chat/send?client=dee", b"one")
            .status,
        204
    );
    let mut events = Http::connect(addr);
    events.send("GET", "/chat/events?client=dee", b"");
    assert_eq!(
        sender
            .exchange("POST", "/chat/send?client=dee", b"two")
            .status,
        204
    );
    while !String::from_utf8_lossy(&events.buf).contains("re: two") {
        events.fill();
    }
    let seen = String::from_utf8_lossy(&events.buf).into_owned();
    assert!(seen.starts_with("HTTP/1.1 200 OK\r\n"), "{seen}");
    assert!(
        seen.to_ascii_lowercase()
            .contains("content-type: text/event-stream"),
        "{seen}"
    );
    let data: Vec<serde_json::Value> = seen
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let texts: Vec<&str> = data.iter().map(|d| d["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["re: one", "re: two"]);
    srv.shutdown();
}

#[test]
fn garbage_on_every_chat_endpoint_gets_a_clear_http_error() {
    let srv = server();
    let mut http = Http::connect(srv.local_addr());
    // Bodies are empty where the server refuses before reading them (hyper would otherwise end
    // the keep-alive connection rather than read a body nobody wants).
    for (method, target, body, status, says) in [
        (
            "GET",
            "/chat/send?client=a",
            &b""[..],
            405,
            "/chat/send takes POST requests only",
        ),
        (
            "POST",
            "/chat/poll?client=a",
            b"",
            405,
            "/chat/poll takes GET requests only",
        ),
        (
            "DELETE",
            "/chat/events?client=a",
            b"",
            405,
            "/chat/events takes GET requests only",
        ),
        ("GET", "/chat/poll", b"", 400, "parameter client is missing"),
        (
            "GET",
            "/chat/events?client=a&client=b",
            b"",
            400,
            "parameter client is given twice",
        ),
        (
            "POST",
            "/chat/send?client=%00",
            b"",
            400,
            "client=\"%00\" is not 1 to 32 letters, digits, '-' or '_'",
        ),
        (
            "GET",
            "/chat/poll?client=a&wait_ms=forever",
            b"",
            400,
            "wait_ms=\"forever\" is not a whole number of milliseconds from 10 to 30000",
        ),
        (
            "GET",
            "/chat/events?client=a&wait_ms=10",
            b"",
            400,
            "/chat/events takes no parameter \"wait_ms\" (it takes: client)",
        ),
        (
            "GET",
            "/chat/history?client=a",
            b"",
            404,
            "no chat endpoint at /chat/history (there are /chat/send, /chat/poll and /chat/events)",
        ),
        (
            "POST",
            "/chat/send?client=a",
            b"\xff\xfe",
            400,
            "a chat message is UTF-8 text",
        ),
    ] {
        let got = http.exchange(method, target, body);
        assert_eq!(got.status, status, "{method} {target}: {}", got.body);
        assert!(
            got.body.ends_with(&format!(": {says}\n")),
            "{method} {target}: {}",
            got.body
        );
    }
    let big = vec![b'a'; MAX_CHAT_MESSAGE_BYTES + 1];
    let got = http.exchange("POST", "/chat/send?client=a", &big);
    assert_eq!(got.status, 413, "{}", got.body);
    assert!(
        got.body.contains("a chat message is at most 4096 bytes"),
        "{}",
        got.body
    );
    // Bytes that are not HTTP at all.
    let junk = raw_exchange(srv.local_addr(), b"GET /chat/\x00\x01\x02 HTTP/9\r\n\r\n");
    assert!(junk.starts_with("HTTP/1.1 400 "), "{junk}");
    srv.shutdown();
}
