//! Live-capture and echo-server benchmarks (`harness = false`; results in `LIVE_RESULTS.md`).
//!
//! `cargo bench --no-default-features [--features libpcap] --bench live_load -- capture RATE SECONDS BACKEND`
//!   drives paced WebSocket echo traffic at about RATE packets/s through the bundled echo server
//!   while osiscope (BACKEND: pnet or libpcap) and tcpdump (default buffer) capture it, and prints
//!   the packets each saw and dropped.
//! `… -- throughput CLIENTS SECONDS [ADDR]`: CLIENTS connections each sending a 32-byte text and
//!   waiting for its echo, as fast as they can, against ADDR (default: a bundled server).

// A benchmark harness: a failure should stop it loudly.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use osiscope::capture::live::{Backend, LiveCapture, LiveConfig};
use osiscope::echo::{EchoConfig, EchoServer};
use tokio_tungstenite::tungstenite::Message;

const LOAD_CLIENTS: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("capture") => {
            let rate: u64 = args[1].parse().unwrap();
            let secs: u64 = args[2].parse().unwrap();
            let backend = if args[3] == "libpcap" {
                Backend::Libpcap
            } else {
                Backend::Pnet
            };
            capture(rate, secs, backend);
        }
        Some("throughput") => {
            let clients: usize = args[1].parse().unwrap();
            let secs: u64 = args[2].parse().unwrap();
            let server = EchoServer::start(EchoConfig {
                worker_threads: 2,
                ..EchoConfig::ephemeral()
            })
            .unwrap();
            let addr = args
                .get(3)
                .map_or(server.local_addr(), |a| a.parse().unwrap());
            let n = runtime().block_on(throughput(addr, clients, Duration::from_secs(secs)));
            println!(
                "throughput {addr}: {clients} clients, {:.0} messages/s",
                n as f64 / secs as f64
            );
        }
        _ => eprintln!(
            "usage: live_load capture RATE SECONDS pnet|libpcap | throughput CLIENTS SECONDS [ADDR]"
        ),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn capture(rate: u64, secs: u64, backend: Backend) {
    let server = EchoServer::start(EchoConfig::ephemeral()).unwrap();
    let port = server.local_addr().port();
    let config = LiveConfig {
        backend,
        ..LiveConfig::loopback_port(port)
    };
    let mut cap = LiveCapture::start(&config).unwrap();
    let frames = cap.take_frames().unwrap();
    let consumer = std::thread::Builder::new()
        .name("bench-consumer".into())
        .spawn(move || frames.iter().count())
        .unwrap();
    let mut tcpdump = Command::new("tcpdump")
        .args([
            "-i",
            "lo",
            "-n",
            "-w",
            "/dev/null",
            &format!("tcp port {port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(tcpdump.stderr.take().unwrap());
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 && !line.contains("listening on") {
        line.clear();
    }
    // About two packets per echoed message (the message, the echo carrying the ACK), plus ACKs.
    let messages = runtime().block_on(load(
        server.local_addr(),
        rate / 2,
        Duration::from_secs(secs),
    ));
    let stats = cap.stop().unwrap();
    let delivered = consumer.join().unwrap();
    Command::new("kill")
        .args(["-INT", &tcpdump.id().to_string()])
        .status()
        .unwrap();
    let mut rest = String::new();
    for l in err.lines().map_while(Result::ok) {
        rest.push_str(&l);
        rest.push('\n');
    }
    tcpdump.wait().unwrap();
    let pps = stats.received as f64 / secs as f64;
    println!(
        "{backend:?} target {rate} pkt/s: {messages} messages, osiscope saw {} packets ({pps:.0}/s, {delivered} delivered), \
         dropped kernel {} interface {} osiscope {}",
        stats.received, stats.kernel_dropped, stats.interface_dropped, stats.osiscope_dropped
    );
    println!("tcpdump: {}", rest.trim().replace('\n', "; "));
    server.shutdown();
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
const TEXT: &str = "0123456789abcdef0123456789abcdef";

/// Run `body` on `clients` connections at once; the sum of the counts they return.
async fn on_clients<F, Fut>(addr: SocketAddr, clients: usize, body: F) -> u64
where
    F: Fn(Ws) -> Fut,
    Fut: std::future::Future<Output = (u64, Ws)> + Send + 'static,
{
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
            .await
            .unwrap();
        tasks.push(tokio::spawn(body(ws)));
    }
    let mut total = 0;
    for t in tasks {
        let (n, mut ws) = t.await.unwrap();
        let _ = ws.close(None).await;
        total += n;
    }
    total
}

/// Paced load: each client sends its share of `msgs_per_sec` every millisecond and reads the echoes.
async fn load(addr: SocketAddr, msgs_per_sec: u64, run: Duration) -> u64 {
    let per_client_ms = msgs_per_sec as f64 / LOAD_CLIENTS as f64 / 1000.0;
    on_clients(addr, LOAD_CLIENTS, move |mut ws| async move {
        let start = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        let mut sent = 0u64;
        while start.elapsed() < run {
            tick.tick().await;
            let due = (start.elapsed().as_secs_f64() * 1000.0 * per_client_ms) as u64;
            let k = due.saturating_sub(sent);
            for _ in 0..k {
                ws.feed(Message::text(TEXT)).await.unwrap();
            }
            ws.flush().await.unwrap();
            for _ in 0..k {
                ws.next().await.unwrap().unwrap();
            }
            sent += k;
        }
        (sent, ws)
    })
    .await
}

/// Closed-loop echo throughput: messages echoed in `run` by `clients` connections.
async fn throughput(addr: SocketAddr, clients: usize, run: Duration) -> u64 {
    on_clients(addr, clients, move |mut ws| async move {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < run {
            ws.send(Message::text(TEXT)).await.unwrap();
            ws.next().await.unwrap().unwrap();
            n += 1;
        }
        (n, ws)
    })
    .await
}
