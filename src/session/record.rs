//! Recording to pcapng: `osiscope record` (start the echo server and a loopback capture, run one
//! demo scenario, stop, write what was captured; the bundled captures are made this way), and
//! [`write_pcapng`], the writer a live session saves with too.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use crate::capture::Frame;
use crate::capture::live::{Backend, CaptureFilter, LiveStats};
use crate::capture::writer::{DropCounts, PcapNgFileWriter};
use crate::echo::client::ClientError;
use crate::echo::{Scenario, ScenarioReport, run_scenario};

use super::error::SessionError;
use super::starter::{self, CaptureOptions, Capturing, Served, ServerOptions};

/// What to record.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    pub output: PathBuf,
    pub scenario: Scenario,
    /// Where the echo server listens (port 0: any free port).
    pub listen: SocketAddr,
    pub interface: String,
    pub backend: Backend,
}

/// What was recorded.
#[derive(Clone, Debug)]
pub struct RecordReport {
    pub frames_written: u64,
    pub stats: LiveStats,
    /// The port the scenario connected to (the server's, or the closed port for `refused`).
    pub port: u16,
    pub scenario: ScenarioReport,
}

/// Record one scenario into `options.output`.
pub fn record(options: &RecordOptions) -> Result<RecordReport, SessionError> {
    let (recorded, scenario) = record_client(
        &RecordTarget {
            output: &options.output,
            listen: options.listen,
            interface: &options.interface,
            backend: options.backend,
        },
        options.scenario.name(),
        |served| {
            let target = served.target(options.scenario);
            (target.port(), run_scenario(target, options.scenario))
        },
    )?;
    Ok(RecordReport {
        frames_written: recorded.frames_written,
        stats: recorded.stats,
        port: recorded.port,
        scenario,
    })
}

/// Where and how [`record_client`] records.
#[derive(Clone, Copy, Debug)]
pub struct RecordTarget<'a> {
    pub output: &'a Path,
    /// Where the echo server listens (port 0: any free port).
    pub listen: SocketAddr,
    pub interface: &'a str,
    pub backend: Backend,
}

/// What [`record_client`] wrote.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub frames_written: u64,
    pub stats: LiveStats,
    /// The port the client connected to.
    pub port: u16,
}

/// Start the echo server and a capture of it, run `client` (named `name` in errors; it returns
/// the port it connected to and what it did), stop, and write what was captured to
/// `target.output`. `osiscope record` and `osiscope compare` record this way.
pub fn record_client<R>(
    target: &RecordTarget<'_>,
    name: &'static str,
    client: impl FnOnce(&Served) -> (u16, Result<R, ClientError>),
) -> Result<(Recorded, R), SessionError> {
    let (served, Capturing { capture, frames }) = starter::start_with_server(
        ServerOptions {
            listen: target.listen,
            any_port_if_taken: false,
            allow_non_loopback: false,
        },
        &CaptureOptions {
            interface: target.interface.to_owned(),
            backend: target.backend,
            filter: CaptureFilter::All,
            also_loopback: false,
        },
    )?;
    let output = target.output.to_path_buf();
    let interface = target.interface.to_owned();
    let writer = std::thread::Builder::new()
        .name("osiscope-record-writer".into())
        .spawn(move || write_until_closed(&frames, &output, &interface))
        .map_err(|source| SessionError::Thread {
            thread: "osiscope-record-writer",
            source,
        })?;
    let (port, ran) = client(&served);
    let stats = capture.stop();
    served.server.shutdown();
    let written = writer.join().map_err(|_| SessionError::ThreadPanicked {
        thread: "osiscope-record-writer",
    })?;
    let ran = ran.map_err(|source| SessionError::Scenario {
        scenario: name,
        source,
    })?;
    let stats = stats?;
    let (frames_written, mut writer) = written?;
    writer.write_drop_counts(0, drop_counts(&stats))?;
    writer.finish()?;
    Ok((
        Recorded {
            frames_written,
            stats,
            port,
        },
        ran,
    ))
}

/// Write `frames` to a new pcapng file at `path` (one Interface Description Block per captured
/// interface, named from `interfaces`), with each interface's drop counts in an Interface
/// Statistics Block of its own (`stats[i]` for the frames whose `interface` is `i`). Returns how
/// many frames were written.
pub fn write_pcapng<'a>(
    path: &Path,
    interfaces: &[String],
    frames: impl IntoIterator<Item = &'a Frame>,
    stats: &[LiveStats],
) -> Result<u64, SessionError> {
    let first = interfaces.first().map_or("", String::as_str);
    let mut writer = PcapNgFileWriter::create(path, first)?.with_interface_names(interfaces);
    let mut n = 0;
    for frame in frames {
        writer.write_frame(frame)?;
        n += 1;
    }
    for (interface, stats) in (0u32..).zip(stats) {
        writer.write_drop_counts(interface, drop_counts(stats))?;
    }
    writer.finish()?;
    Ok(n)
}

fn drop_counts(stats: &LiveStats) -> DropCounts {
    DropCounts {
        kernel: stats.kernel_dropped + stats.interface_dropped,
        osiscope: stats.osiscope_dropped,
        delivered: stats.delivered,
    }
}

type FileWriter = PcapNgFileWriter<std::io::BufWriter<std::fs::File>>;

/// Write frames until the capture ends; the writer is returned unfinished: the drop counts
/// are known only once the capture has stopped.
fn write_until_closed(
    frames: &Receiver<Frame>,
    output: &Path,
    interface: &str,
) -> Result<(u64, FileWriter), SessionError> {
    let mut writer = PcapNgFileWriter::create(output, interface)?;
    let mut n = 0;
    for frame in frames {
        writer.write_frame(&frame)?;
        n += 1;
    }
    Ok((n, writer))
}
