//! `osiscope record`: start the echo server, capture on loopback, run one demo scenario, stop,
//! and write what was captured to a pcapng file. The bundled captures are made this way.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

use crate::capture::live::{Backend, CaptureFilter, LiveCapture, LiveConfig, LiveStats};
use crate::capture::writer::{DropCounts, PcapNgFileWriter};
use crate::capture::{CaptureError, Frame};
use crate::echo::client::{ClientError, closed_port};
use crate::echo::{EchoConfig, EchoError, EchoServer, Scenario, ScenarioReport, run_scenario};

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
    /// The port the capture filtered on (the server's, or the closed port for `refused`).
    pub port: u16,
    pub scenario: ScenarioReport,
}

/// Why recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Echo(#[from] EchoError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error("the {scenario} scenario failed: {source}")]
    Scenario {
        scenario: &'static str,
        #[source]
        source: ClientError,
    },
    #[error("cannot find a closed port: {0}")]
    ClosedPort(#[source] std::io::Error),
}

/// Record one scenario into `options.output`.
pub fn record(options: &RecordOptions) -> Result<RecordReport, RecordError> {
    let server = EchoServer::start(EchoConfig {
        listen: options.listen,
        ..EchoConfig::default()
    })?;
    let target = if options.scenario == Scenario::Refused {
        closed_port(server.local_addr().ip()).map_err(RecordError::ClosedPort)?
    } else {
        server.local_addr()
    };
    let config = LiveConfig {
        interface: options.interface.clone(),
        filter: CaptureFilter::TcpPorts(vec![target.port()]),
        backend: options.backend,
        ..LiveConfig::loopback_port(target.port())
    };
    let mut capture = LiveCapture::start(&config)?;
    let frames = capture.take_frames().ok_or_else(|| CaptureError::Live {
        message: "the capture has no frame channel".into(),
    })?;
    let output = options.output.clone();
    let interface = options.interface.clone();
    let writer = std::thread::Builder::new()
        .name("osiscope-record-writer".into())
        .spawn(move || write_all(&frames, &output, &interface))
        .map_err(|e| CaptureError::Live {
            message: format!("cannot start the writer thread: {e}"),
        })?;
    let scenario = run_scenario(target, options.scenario);
    let stats = capture.stop();
    server.shutdown();
    let written = writer.join().map_err(|_| CaptureError::Live {
        message: "the writer thread panicked".into(),
    })?;
    let scenario = scenario.map_err(|source| RecordError::Scenario {
        scenario: options.scenario.name(),
        source,
    })?;
    let stats = stats?;
    let (frames_written, mut writer) = written?;
    writer.write_drop_counts(DropCounts {
        kernel: stats.kernel_dropped + stats.interface_dropped,
        osiscope: stats.osiscope_dropped,
        delivered: stats.delivered,
    })?;
    writer.finish()?;
    Ok(RecordReport {
        frames_written,
        stats,
        port: target.port(),
        scenario,
    })
}

type FileWriter = PcapNgFileWriter<std::io::BufWriter<std::fs::File>>;

/// Write frames until the capture ends; the writer is returned unfinished for the statistics.
fn write_all(
    frames: &Receiver<Frame>,
    output: &Path,
    interface: &str,
) -> Result<(u64, FileWriter), CaptureError> {
    let mut writer = PcapNgFileWriter::create(output, interface)?;
    let mut n = 0;
    for frame in frames {
        writer.write_frame(&frame)?;
        n += 1;
    }
    Ok((n, writer))
}
