//! `osiscope compare`: the same short chat carried five ways (`echo::compare::ChatTransport`),
//! each recorded live on loopback the way `osiscope record` records (the bundled server, a
//! capture of its port, the demo client), each capture then measured by osiscope's own decode
//! (`model::compare::measure`). The bundled captures `captures/compare-*.pcapng` are measured the
//! same way (the app's Compare view, the guided lesson).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::capture::live::Backend;
use crate::capture::{CaptureError, FileReader};
use crate::echo::compare::{ChatPlan, run_chat};
use crate::echo::routes::{CHAT_SEND, CHAT_WS};
use crate::echo::socketio::COMPARE_NSP;
use crate::model::compare::{ChatMeasure, ChatShape, measure};

pub use crate::echo::compare::ChatTransport;

use super::error::SessionError;
use super::record::{RecordTarget, record_client};

/// Where the compared chat's client messages are on the bundled server.
pub const SHAPE: ChatShape<'static> = ChatShape {
    send_path: CHAT_SEND,
    ws_path: CHAT_WS,
    sio_nsp: COMPARE_NSP,
    sio_event: "chat",
};

/// A comparison to run.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    pub plan: ChatPlan,
    /// Where the five captures are written (`compare-NAME.pcapng`).
    pub output_dir: PathBuf,
    pub interface: String,
    pub backend: Backend,
}

/// The file name of `transport`'s capture.
pub fn capture_name(transport: ChatTransport) -> String {
    format!("compare-{}.pcapng", transport.name())
}

/// Record the chat on each transport in turn (a fresh server for each, on any free loopback
/// port) and measure each capture from its file. `progress` hears each transport as it starts.
pub fn compare(
    options: &CompareOptions,
    mut progress: impl FnMut(ChatTransport),
) -> Result<Vec<ChatMeasure>, SessionError> {
    std::fs::create_dir_all(&options.output_dir).map_err(|source| {
        SessionError::Capture(CaptureError::Write {
            path: options.output_dir.clone(),
            source,
        })
    })?;
    let mut measures = Vec::new();
    for transport in ChatTransport::ALL {
        progress(transport);
        let output = options.output_dir.join(capture_name(transport));
        record_client(
            &RecordTarget {
                output: &output,
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                interface: &options.interface,
                backend: options.backend,
            },
            transport.name(),
            |served| {
                let addr = served.server.local_addr();
                (addr.port(), run_chat(addr, transport, options.plan))
            },
        )?;
        measures.push(measure_file(&output, transport)?);
    }
    Ok(measures)
}

/// Measure one saved capture of `transport`.
pub fn measure_file(path: &Path, transport: ChatTransport) -> Result<ChatMeasure, CaptureError> {
    let frames = FileReader::open(path)?.collect::<Result<Vec<_>, _>>()?;
    Ok(named(measure(frames, SHAPE), transport))
}

/// Measure a capture held in memory (a bundled one).
pub fn measure_bytes(bytes: &[u8], transport: ChatTransport) -> Result<ChatMeasure, CaptureError> {
    let frames = FileReader::from_bytes(bytes.to_vec())?.collect::<Result<Vec<_>, _>>()?;
    Ok(named(measure(frames, SHAPE), transport))
}

fn named(mut m: ChatMeasure, transport: ChatTransport) -> ChatMeasure {
    transport.name().clone_into(&mut m.transport);
    m
}

/// The bundled captures of the five transports (`captures/compare-*.pcapng`), in
/// [`ChatTransport::ALL`]'s order.
pub const BUNDLED: [(ChatTransport, &[u8]); 5] = [
    (
        ChatTransport::Polling,
        include_bytes!("../../captures/compare-polling.pcapng"),
    ),
    (
        ChatTransport::LongPolling,
        include_bytes!("../../captures/compare-long-polling.pcapng"),
    ),
    (
        ChatTransport::Sse,
        include_bytes!("../../captures/compare-sse.pcapng"),
    ),
    (
        ChatTransport::WebSocket,
        include_bytes!("../../captures/compare-websocket.pcapng"),
    ),
    (
        ChatTransport::SocketIo,
        include_bytes!("../../captures/compare-socketio.pcapng"),
    ),
];

/// The bundled capture of `transport`.
pub fn bundled(transport: ChatTransport) -> &'static [u8] {
    BUNDLED
        .iter()
        .find(|(t, _)| *t == transport)
        .map_or(&[], |(_, bytes)| bytes)
}

/// Measure the five bundled captures.
pub fn measure_bundled() -> Result<Vec<ChatMeasure>, CaptureError> {
    BUNDLED
        .iter()
        .map(|&(t, bytes)| measure_bytes(bytes, t))
        .collect()
}
