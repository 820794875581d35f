//! Shared by the live tests: capture one scenario with osiscope and, at the same time, with
//! tcpdump, skipping with a clear message when this process may not capture.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

#[path = "skip.rs"]
mod skip;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use osiscope::capture::live::{Backend, LiveCapture, LiveConfig, LiveStats};
use osiscope::capture::{CaptureError, Frame};
use osiscope::echo::client::closed_port;
use osiscope::echo::{EchoConfig, EchoServer, Scenario, ScenarioReport, run_scenario};

pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Pnet];
    if cfg!(feature = "libpcap") {
        b.push(Backend::Libpcap);
    }
    b
}

pub struct Recorded {
    pub frames: Vec<Frame>,
    pub stats: LiveStats,
    pub report: ScenarioReport,
    pub port: u16,
    /// The same traffic as tcpdump saw it (`None` when tcpdump is not installed).
    pub tcpdump: Option<Vec<Vec<u8>>>,
}

/// Start a capture, or `None` (after saying why) when this process lacks CAP_NET_RAW.
pub fn start_or_skip(config: &LiveConfig) -> Option<LiveCapture> {
    match LiveCapture::start(config) {
        Ok(c) => Some(c),
        Err(e @ CaptureError::PermissionDenied { .. }) => {
            skip::skip(&format!(
                "live capture needs CAP_NET_RAW (run as root, as CI does): {e}"
            ));
            None
        }
        Err(e) => panic!("cannot start live capture: {e}"),
    }
}

pub struct Tcpdump {
    child: Child,
    file: PathBuf,
}

impl Tcpdump {
    /// Start tcpdump on `lo` for `port` and wait until it is listening.
    pub fn start(dir: &Path, port: u16) -> Option<Self> {
        let file = dir.join(format!("tcpdump-{port}.pcap"));
        let mut child = Command::new("tcpdump")
            .args([
                "-i",
                "lo",
                "-n",
                "-U",
                "--immediate-mode",
                "-B",
                "32768",
                "-w",
            ])
            .arg(&file)
            .arg(format!("tcp port {port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                skip::skip(&format!(
                    "tcpdump not run ({e}), so no comparison with it: install it"
                ));
            })
            .ok()?;
        let stderr = child.stderr.take()?;
        let mut line = String::new();
        let mut reader = BufReader::new(stderr);
        while reader.read_line(&mut line).ok()? > 0 {
            if line.contains("listening on") {
                return Some(Self { child, file });
            }
            line.clear();
        }
        panic!("tcpdump did not start: {line}");
    }

    fn packets(&self) -> Vec<Vec<u8>> {
        let Ok(bytes) = std::fs::read(&self.file) else {
            return Vec::new();
        };
        let Ok(mut r) = pcap_file::pcap::PcapReader::new(&bytes[..]) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        while let Some(Ok(p)) = r.next_packet() {
            out.push(p.data.into_owned());
        }
        out
    }

    /// Wait until tcpdump has written at least `n` packets (up to 20 s: on a loaded machine
    /// tcpdump may be descheduled for seconds), then stop it and return them.
    pub fn finish(mut self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.packets().len() < n && Instant::now() < deadline {
            std::thread::yield_now();
        }
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        self.packets()
    }
}

/// Run `scenario` against a fresh echo server while capturing with `backend` (and tcpdump).
pub fn capture_scenario(backend: Backend, scenario: Scenario, dir: &Path) -> Option<Recorded> {
    let server = EchoServer::start(EchoConfig::ephemeral()).unwrap();
    let target = if scenario == Scenario::Refused {
        closed_port(server.local_addr().ip()).unwrap()
    } else {
        server.local_addr()
    };
    let config = LiveConfig {
        backend,
        ..LiveConfig::loopback_port(target.port())
    };
    let mut capture = start_or_skip(&config)?;
    let rx = capture.take_frames().unwrap();
    let tcpdump = Tcpdump::start(dir, target.port());
    let report = run_scenario(target, scenario).unwrap_or_else(|e| panic!("{scenario:?}: {e}"));
    let stats = capture.stop().unwrap();
    server.shutdown();
    let frames: Vec<Frame> = rx.try_iter().collect();
    let tcpdump = tcpdump.map(|t| t.finish(frames.len()));
    Some(Recorded {
        frames,
        stats,
        report,
        port: target.port(),
        tcpdump,
    })
}
