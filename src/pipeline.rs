//! Runs capture → decode → flow → `app_proto` → model: synchronously (`process_all`, for tests and
//! the CLI) or on named threads with bounded channels (live capture and large files in the app).

use crate::app_proto::{AppEvent, AppTracker};
use crate::capture::{CaptureError, Frame};
use crate::decode::{self, FragmentLimits, Packet, Reassembler};
use crate::flow::{Connection, FlowLimits, FlowTracker, Gap, SegmentInfo, StreamChunk};
use crate::model::{Incoming, Model};

/// Everything the engine learned from one frame.
#[derive(Clone, Debug)]
pub struct PacketOutput {
    pub packet: Packet,
    pub seg: Option<SegmentInfo>,
    /// HTTP messages, WebSocket frames and messages whose last byte is in this packet.
    pub events: Vec<AppEvent>,
}

/// The decode engine: owns the flow and application trackers.
#[derive(Debug, Default)]
pub struct Engine {
    /// IP fragments waiting for the rest of their datagram.
    fragments: Reassembler,
    flows: FlowTracker,
    apps: AppTracker,
    /// Hand stream chunks' bytes to the app layer instead of copying them (see
    /// [`Engine::without_payloads`]).
    take_chunks: bool,
}

impl Engine {
    pub fn new() -> Self {
        Self {
            fragments: Reassembler::new(FragmentLimits::default()),
            flows: FlowTracker::new(FlowLimits::default()),
            apps: AppTracker::new(),
            take_chunks: false,
        }
    }

    /// An engine for output that shows no payload bytes (`osiscope decode`): see
    /// [`AppTracker::without_payloads`]. Everything else it reports is the same, except that
    /// the stream chunks in [`PacketOutput::seg`] have empty `data`: their bytes were moved or
    /// lent to the application parsers (see [`FlowTracker::lending`]).
    pub fn without_payloads() -> Self {
        Self {
            fragments: Reassembler::new(FragmentLimits::default()),
            flows: FlowTracker::lending(FlowLimits::default()),
            apps: AppTracker::without_payloads(),
            take_chunks: true,
        }
    }

    /// Decode one frame and run it through flow tracking and the application parsers.
    pub fn process(&mut self, frame: Frame) -> PacketOutput {
        let packet = decode::decode_with(frame, &mut self.fragments);
        let mut seg = self.flows.process(&packet);
        if let Some(range) = self.flows.take_lent()
            && let Some(chunk) = seg.as_mut().and_then(|s| s.chunks.first_mut())
        {
            chunk.data = packet.tcp_payload().get(range).unwrap_or_default().to_vec();
        }
        self.apps_process(packet, seg, None)
    }

    /// As [`Engine::process`], for a frame whose bytes are `bytes` (`frame.data` is not read,
    /// e.g. [`crate::capture::FileReader::next_borrowed`]): the packet's `data` is empty (its
    /// `caplen` is set), and stream bytes are parsed where they are when they can be.
    pub fn process_borrowed(&mut self, frame: &Frame, bytes: &[u8]) -> PacketOutput {
        let packet = decode::decode_borrowed_with(frame, bytes, &mut self.fragments);
        // A reassembled datagram's bytes live in the packet, which moves on below: copied.
        let datagram = packet
            .reassembled
            .is_some()
            .then(|| packet.tcp_payload().to_vec());
        let payload = match &datagram {
            Some(bytes) => bytes.as_slice(),
            None => packet
                .tcp
                .as_ref()
                .and_then(|t| bytes.get(t.payload.clone()))
                .unwrap_or_default(),
        };
        let seg = self.flows.process_payload(&packet, payload);
        let lent = self
            .flows
            .take_lent()
            .map(|range| payload.get(range).unwrap_or_default());
        self.apps_process(packet, seg, lent)
    }

    /// The application parsers' part of [`Engine::process`]. `lent`: the bytes of the first
    /// chunk of `seg`, when they were lent (its `data` is empty).
    fn apps_process(
        &mut self,
        packet: Packet,
        mut seg: Option<SegmentInfo>,
        lent: Option<&[u8]>,
    ) -> PacketOutput {
        let mut events = Vec::new();
        if self.take_chunks
            && let Some(seg) = seg.as_mut()
            && seg.gaps.is_empty()
            && seg.chunks.len() <= 1
        {
            // The usual case (one in-order chunk or none), without the ordering work below.
            if let Some(chunk) = seg.chunks.first_mut() {
                match lent {
                    Some(bytes) => {
                        self.apps.on_chunk_lent(
                            seg.stream,
                            chunk,
                            bytes,
                            packet.number,
                            &mut events,
                        );
                    }
                    None => {
                        self.apps
                            .on_chunk_taking(seg.stream, chunk, packet.number, &mut events);
                    }
                }
            }
            if self.flows.delivered_all(seg.stream) {
                self.apps.on_close(seg.stream);
            }
        } else if let Some(seg) = &mut seg {
            if let (Some(bytes), Some(chunk)) = (lent, seg.chunks.first_mut()) {
                chunk.data = bytes.to_vec();
            }
            // Hand over bytes and holes in stream order, direction by direction: a truncated
            // payload gives a chunk at offset 0 and then a gap after it.
            let mut work: Vec<(usize, u64, Result<&StreamChunk, &Gap>)> = seg
                .chunks
                .iter()
                .map(|c| (c.direction.index(), c.offset, Ok(c)))
                .chain(
                    seg.gaps
                        .iter()
                        .map(|g| (g.direction.index(), g.offset, Err(g))),
                )
                .collect();
            work.sort_by_key(|&(dir, offset, _)| (dir, offset));
            for (_, _, item) in work {
                events.extend(match item {
                    Ok(chunk) => self.apps.on_chunk(seg.stream, chunk, packet.number),
                    Err(gap) => self.apps.on_gap(seg.stream, gap, packet.number),
                });
            }
            if lent.is_some()
                && let Some(chunk) = seg.chunks.first_mut()
            {
                // As in the usual case: the lent bytes are not part of the output.
                chunk.data = Vec::new();
            }
            // Free the parsers of a finished connection: with many connections in a file,
            // memory follows the open ones, not all that were ever seen.
            if self.flows.delivered_all(seg.stream) {
                self.apps.on_close(seg.stream);
            }
        }
        PacketOutput {
            packet,
            seg,
            events,
        }
    }

    /// The connection a processed packet belongs to.
    pub fn connection(&self, output: &PacketOutput) -> Option<&Connection> {
        output
            .seg
            .as_ref()
            .and_then(|s| self.flows.connection(s.stream))
    }

    pub fn connections(&self) -> &[Connection] {
        self.flows.connections()
    }
}

/// Run every frame through the engine into a model, synchronously. A reading error ends the
/// input; it is recorded in `Model::errors` and every packet before it is kept.
pub fn process_all<I>(frames: I) -> Model
where
    I: IntoIterator<Item = Result<Frame, CaptureError>>,
{
    let mut engine = Engine::new();
    let mut model = Model::new();
    for item in frames {
        match item {
            Ok(frame) => {
                let out = engine.process(frame);
                let conn = engine.connection(&out).cloned();
                model.push_incoming(Incoming::new(out, conn, None));
            }
            Err(e) => {
                model.errors.push(e);
                break;
            }
        }
    }
    model
}

/// What a background pipeline sends to the UI.
#[derive(Debug)]
pub enum Update {
    /// Processed packets, in order, ready for the model (each with its connection as it stood
    /// after the packet).
    Packets(Vec<Incoming>),
    /// Progress through a file: bytes read so far and in all (0 when unknown).
    Progress { done_bytes: u64, total_bytes: u64 },
    /// Reading ended with an error; every packet before it was sent.
    Error(CaptureError),
    /// The source has no more frames.
    Finished,
}

/// A pipeline running on its own named thread, sending [`Update`]s over a bounded channel.
/// Dropping it asks the thread to stop.
pub struct Background {
    updates: std::sync::mpsc::Receiver<Update>,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How many packets a batch holds at most, and how long a batch may wait before it is sent.
const BATCH_PACKETS: usize = 2048;
const BATCH_WAIT: std::time::Duration = std::time::Duration::from_millis(30);

impl Background {
    /// Run `frames` through a new [`Engine`] on a thread named `name`, keeping every packet's
    /// bytes for the model. `progress` reports (bytes done, bytes in all) for a progress bar.
    pub fn spawn<I, P>(name: &str, frames: I, progress: P) -> std::io::Result<Self>
    where
        I: Iterator<Item = Result<Frame, CaptureError>> + Send + 'static,
        P: Fn() -> (u64, u64) + Send + 'static,
    {
        Self::spawn_located(name, frames.map(|r| r.map(|f| (f, None))), progress)
    }

    /// As [`Background::spawn`], for frames that come with the file offset of their bytes:
    /// those the model does not keep but reads back from its file (see [`Model::reading_from`]).
    /// Rows are built on the thread, so the UI only adds them.
    pub fn spawn_located<I, P>(name: &str, frames: I, progress: P) -> std::io::Result<Self>
    where
        I: Iterator<Item = Result<(Frame, Option<u64>), CaptureError>> + Send + 'static,
        P: Fn() -> (u64, u64) + Send + 'static,
    {
        use std::sync::atomic::Ordering;
        let (tx, rx) = std::sync::mpsc::sync_channel(64);
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = cancel.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let mut engine = Engine::new();
                let mut batch = Vec::with_capacity(BATCH_PACKETS);
                let mut last_send = std::time::Instant::now();
                let send = |tx: &std::sync::mpsc::SyncSender<Update>, u: Update| tx.send(u).is_ok();
                for item in frames {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    match item {
                        Ok((frame, offset)) => {
                            let out = engine.process(frame);
                            let conn = engine.connection(&out).cloned();
                            batch.push(Incoming::new(out, conn, offset));
                        }
                        Err(e) => {
                            let _ = send(&tx, Update::Packets(std::mem::take(&mut batch)));
                            let _ = send(&tx, Update::Error(e));
                            return;
                        }
                    }
                    if batch.len() >= BATCH_PACKETS || last_send.elapsed() >= BATCH_WAIT {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_PACKETS));
                        let (done_bytes, total_bytes) = progress();
                        if !send(&tx, Update::Packets(full))
                            || !send(
                                &tx,
                                Update::Progress {
                                    done_bytes,
                                    total_bytes,
                                },
                            )
                        {
                            return;
                        }
                        last_send = std::time::Instant::now();
                    }
                }
                let _ = send(&tx, Update::Packets(batch));
                let _ = send(&tx, Update::Finished);
            })?;
        Ok(Self {
            updates: rx,
            cancel,
            thread: Some(thread),
        })
    }

    /// Run frames from a live capture's channel through a new [`Engine`] on a thread named
    /// `name`. Unlike [`Background::spawn`], a batch is sent as soon as the channel is empty, so a
    /// lone packet (the 101 at the end of a handshake) is never held back waiting for the next.
    /// Ends when the capture drops its sender or this handle is dropped.
    pub fn spawn_live(
        name: &str,
        frames: std::sync::mpsc::Receiver<Frame>,
    ) -> std::io::Result<Self> {
        let (tx, updates) = std::sync::mpsc::sync_channel(64);
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = std::sync::Arc::clone(&cancel);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || live_loop(&frames, &tx, &stop))?;
        Ok(Self {
            updates,
            cancel,
            thread: Some(thread),
        })
    }

    /// Updates that are ready now, without waiting.
    pub fn try_iter(&self) -> std::sync::mpsc::TryIter<'_, Update> {
        self.updates.try_iter()
    }

    /// Wait for the next update (for tests and the CLI).
    pub fn recv(&self) -> Option<Update> {
        self.updates.recv().ok()
    }
}

/// The thread of [`Background::spawn_live`]: wait for a frame, take every frame already
/// waiting behind it, send them as one batch.
fn live_loop(
    frames: &std::sync::mpsc::Receiver<Frame>,
    tx: &std::sync::mpsc::SyncSender<Update>,
    stop: &std::sync::atomic::AtomicBool,
) {
    use std::sync::mpsc::RecvTimeoutError;
    let mut engine = Engine::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let first = match frames.recv_timeout(BATCH_WAIT) {
            Ok(frame) => frame,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut batch = Vec::new();
        for frame in std::iter::once(first).chain(frames.try_iter()) {
            let out = engine.process(frame);
            let conn = engine.connection(&out).cloned();
            batch.push(Incoming::new(out, conn, None));
            if batch.len() >= BATCH_PACKETS {
                break;
            }
        }
        if tx.send(Update::Packets(batch)).is_err() {
            return;
        }
    }
    let _ = tx.send(Update::Finished);
}

impl Drop for Background {
    fn drop(&mut self) {
        self.cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
        // Unblock a sender waiting on a full channel, then let the thread end.
        while self.updates.try_recv().is_ok() {}
        if let Some(t) = self.thread.take() {
            drop(std::mem::replace(
                &mut self.updates,
                std::sync::mpsc::sync_channel(1).1,
            ));
            let _ = t.join();
        }
    }
}

impl Model {
    /// Apply one update from a [`Background`] pipeline. Returns `false` once the source ended.
    pub fn apply(&mut self, update: Update) -> bool {
        match update {
            Update::Packets(batch) => {
                for incoming in batch {
                    self.push_incoming(incoming);
                }
                true
            }
            Update::Progress { .. } => true,
            Update::Error(e) => {
                self.errors.push(e);
                false
            }
            Update::Finished => false,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::capture::FileReader;

    /// The public corpus's captures and this repository's `captures/`, sorted; empty (the
    /// caller says it skipped) when the corpus is not beside the repository.
    pub(crate) fn corpus_captures() -> Vec<std::path::PathBuf> {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dirs = [
            here.join("../shared/corpus/captures"),
            std::path::PathBuf::from("/work/shared/corpus/captures"),
        ];
        let corpus = dirs.into_iter().find(|d| d.is_dir());
        let mut files: Vec<_> = corpus
            .into_iter()
            .chain([here.join("captures")])
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn parsers_of_finished_connections_are_freed() {
        let files = corpus_captures();
        if files.is_empty() {
            eprintln!("SKIPPED: no corpus captures beside the repository");
            return;
        }
        let mut finished = 0;
        for path in files {
            let mut engine = Engine::new();
            for frame in FileReader::open(&path).unwrap().map_while(Result::ok) {
                engine.process(frame);
            }
            for c in engine.connections() {
                if engine.flows.delivered_all(c.id) {
                    finished += 1;
                    assert!(
                        !engine.apps.holds(c.id),
                        "{} stream {}",
                        path.display(),
                        c.id
                    );
                }
            }
        }
        assert!(finished > 0, "no capture closes a connection");
    }

    #[test]
    fn borrowed_frames_give_what_owned_frames_give() {
        let files = corpus_captures();
        if files.is_empty() {
            eprintln!("SKIPPED: no corpus captures beside the repository");
            return;
        }
        let mut lent = 0;
        for path in files {
            // The full engine copies stream bytes, the lean one lends them.
            for (lean, mut owned, mut borrowed) in [
                (false, Engine::new(), Engine::new()),
                (true, Engine::without_payloads(), Engine::without_payloads()),
            ] {
                let mut reader = FileReader::open(&path).unwrap();
                while let Some(Ok((frame, bytes))) = reader.next_borrowed() {
                    let mut whole = frame.clone();
                    whole.data = bytes.to_vec();
                    let a = owned.process(whole);
                    let b = borrowed.process_borrowed(&frame, bytes);
                    let at = format!("{} packet {}", path.display(), a.packet.number);
                    assert!(b.packet.data.is_empty(), "{at}");
                    assert_eq!(a.packet.caplen, b.packet.caplen, "{at}");
                    assert_eq!(a.packet.layers, b.packet.layers, "{at}");
                    assert_eq!(a.packet.tcp, b.packet.tcp, "{at}");
                    assert_eq!(a.packet.issues, b.packet.issues, "{at}");
                    assert_eq!(a.seg, b.seg, "{at}");
                    assert_eq!(a.events, b.events, "{at}");
                    lent += usize::from(lean && b.seg.is_some_and(|s| !s.chunks.is_empty()));
                }
            }
        }
        assert!(lent > 100, "{lent} segments through a lending tracker");
    }

    #[test]
    fn without_payloads_only_drops_payloads_and_messages() {
        use crate::app_proto::AppEvent;
        let files = corpus_captures();
        if files.is_empty() {
            eprintln!("SKIPPED: no corpus captures beside the repository");
            return;
        }
        let (mut frames, mut messages) = (0, 0);
        for path in files {
            let mut full = Engine::new();
            let mut lean = Engine::without_payloads();
            let reader = FileReader::open(&path).unwrap().map_while(Result::ok);
            for frame in reader {
                let a = full.process(frame.clone());
                let b = lean.process(frame);
                let kept: Vec<AppEvent> = a
                    .events
                    .iter()
                    .filter(|e| !matches!(e, AppEvent::WsMessage(_)))
                    .cloned()
                    .map(|e| match e {
                        AppEvent::WsFrame(mut f) => {
                            f.raw_payload.clear();
                            f.payload.clear();
                            frames += 1;
                            AppEvent::WsFrame(f)
                        }
                        other => other,
                    })
                    .collect();
                messages += a.events.len() - kept.len();
                assert_eq!(
                    kept,
                    b.events,
                    "{} packet {}",
                    path.display(),
                    a.packet.number
                );
                // The lean engine moved the chunks' bytes into the app layer.
                let mut a_seg = a.seg.clone();
                for c in a_seg.iter_mut().flat_map(|s| s.chunks.iter_mut()) {
                    c.data.clear();
                }
                assert_eq!(a_seg, b.seg);
            }
        }
        assert!(
            frames > 100 && messages > 100,
            "{frames} frames, {messages} messages"
        );
    }
}
