//! Recording to pcapng: `osiscope record` (start the echo server and a loopback capture, run one
//! demo scenario, stop, write what was captured; the bundled captures are made this way), and
//! [`write_pcapng`], the writer a live session saves with too.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use crate::capture::Frame;
use crate::capture::live::{Backend, CaptureFilter, LiveStats};
use crate::capture::writer::{DropCounts, PcapNgFileWriter};
use crate::echo::{Scenario, ScenarioReport, run_scenario};

use super::error::SessionError;
use super::starter::{self, CaptureOptions, Capturing, ServerOptions};

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
    let (served, Capturing { capture, frames }) = starter::start_with_server(
        ServerOptions {
            listen: options.listen,
            any_port_if_taken: false,
        },
        &CaptureOptions {
            interface: options.interface.clone(),
            backend: options.backend,
            filter: CaptureFilter::All,
        },
    )?;
    let target = served.target(options.scenario);
    let output = options.output.clone();
    let interface = options.interface.clone();
    let writer = std::thread::Builder::new()
        .name("osiscope-record-writer".into())
        .spawn(move || write_until_closed(&frames, &output, &interface))
        .map_err(|source| SessionError::Thread {
            thread: "osiscope-record-writer",
            source,
        })?;
    let scenario = run_scenario(target, options.scenario);
    let stats = capture.stop();
    served.server.shutdown();
    let written = writer.join().map_err(|_| SessionError::ThreadPanicked {
        thread: "osiscope-record-writer",
    })?;
    let scenario = scenario.map_err(|source| SessionError::Scenario {
        scenario: options.scenario.name(),
        source,
    })?;
    let stats = stats?;
    let (frames_written, mut writer) = written?;
    writer.write_drop_counts(drop_counts(&stats))?;
    writer.finish()?;
    Ok(RecordReport {
        frames_written,
        stats,
        port: target.port(),
        scenario,
    })
}

/// Write `frames` to a new pcapng file at `path`, with the capture's drop counts in its
/// Interface Statistics Block. Returns how many frames were written.
pub fn write_pcapng<'a>(
    path: &Path,
    interface: &str,
    frames: impl IntoIterator<Item = &'a Frame>,
    stats: &LiveStats,
) -> Result<u64, SessionError> {
    let mut writer = PcapNgFileWriter::create(path, interface)?;
    let mut n = 0;
    for frame in frames {
        writer.write_frame(frame)?;
        n += 1;
    }
    writer.write_drop_counts(drop_counts(stats))?;
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
