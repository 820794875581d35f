//! Runs frames through the [`Engine`]: one run loop ([`run`]) that every caller uses (the app,
//! `osiscope decode` and `live`, the tests), a pipeline on its own named thread sending batches
//! over a bounded channel ([`Background`]), and file loading with progress ([`FileLoad`]).

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::time::{Duration, Instant};

use crate::capture::{CaptureError, FileReader, Frame};
use crate::engine::{Engine, PacketOutput};
use crate::model::{Incoming, Model};

/// What a [`FrameSource`] has next.
#[derive(Debug)]
pub enum Next<'a> {
    /// A frame with its bytes in `data`. `file_offset`: where those bytes are in the capture
    /// file, when the model reads them back from there instead of keeping them.
    Frame {
        frame: Frame,
        file_offset: Option<u64>,
    },
    /// A frame whose bytes are lent (its `data` is empty), valid until the next call.
    Lent { frame: Frame, bytes: &'a [u8] },
    /// No frame is waiting now (a live capture): the sink hands on what it gathered.
    Idle,
    /// Reading failed; every frame before was given.
    Failed(CaptureError),
    /// No more frames.
    End,
}

/// Where [`run`] takes frames from.
pub trait FrameSource {
    fn next_frame(&mut self) -> Next<'_>;
}

/// Frames from any iterator (a file read frame by frame, frames built by a test…).
pub struct Frames<I>(pub I);

impl<I: Iterator<Item = Result<Frame, CaptureError>>> FrameSource for Frames<I> {
    fn next_frame(&mut self) -> Next<'_> {
        match self.0.next() {
            Some(Ok(frame)) => Next::Frame {
                frame,
                file_offset: None,
            },
            Some(Err(e)) => Next::Failed(e),
            None => Next::End,
        }
    }
}

/// A capture file's frames, read where the reader holds them (no copy per packet).
impl FrameSource for FileReader {
    fn next_frame(&mut self) -> Next<'_> {
        match self.next_borrowed() {
            Some(Ok((frame, bytes))) => Next::Lent { frame, bytes },
            Some(Err(e)) => Next::Failed(e),
            None => Next::End,
        }
    }
}

/// How long a live source waits for a frame before it says it is idle.
const LIVE_WAIT: Duration = Duration::from_millis(30);

/// Frames from a live capture's channel: [`Next::Idle`] whenever the channel is empty, so a
/// lone packet (the 101 at the end of a handshake) is never held back waiting for the next,
/// and then at least every `LIVE_WAIT` while nothing arrives. Ends when the capture drops
/// its sender.
pub struct LiveFrames {
    frames: Receiver<Frame>,
    /// `Idle` was said since the last frame.
    idle: bool,
}

impl LiveFrames {
    pub fn new(frames: Receiver<Frame>) -> Self {
        Self {
            frames,
            idle: false,
        }
    }
}

impl FrameSource for LiveFrames {
    fn next_frame(&mut self) -> Next<'_> {
        let received = match self.frames.try_recv() {
            Ok(frame) => Ok(frame),
            Err(TryRecvError::Disconnected) => return Next::End,
            Err(TryRecvError::Empty) if !self.idle => {
                self.idle = true;
                return Next::Idle;
            }
            Err(TryRecvError::Empty) => self.frames.recv_timeout(LIVE_WAIT),
        };
        match received {
            Ok(frame) => {
                self.idle = false;
                Next::Frame {
                    frame,
                    file_offset: None,
                }
            }
            Err(RecvTimeoutError::Timeout) => Next::Idle,
            Err(RecvTimeoutError::Disconnected) => Next::End,
        }
    }
}

/// What [`run`] hands every processed packet to. A closure
/// `FnMut(&Engine, PacketOutput) -> ControlFlow<()>` is one.
pub trait Sink {
    /// One packet out of the engine (`engine` answers questions about it, e.g. its
    /// connection). `file_offset` as in [`Next::Frame`]. `Break` stops reading.
    fn packet(
        &mut self,
        engine: &Engine,
        output: PacketOutput,
        file_offset: Option<u64>,
    ) -> ControlFlow<()>;

    /// No frame is waiting now, or the source ended: hand on what was gathered.
    fn idle(&mut self) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    /// The events list of an output this sink is done with, for the engine to fill again
    /// (see [`Engine::process_borrowed_reusing`]); a new list (the default) from a sink that
    /// keeps what it is given.
    fn recycled_events(&mut self) -> Vec<crate::app_proto::AppEvent> {
        Vec::new()
    }
}

impl<F: FnMut(&Engine, PacketOutput) -> ControlFlow<()>> Sink for F {
    fn packet(&mut self, engine: &Engine, output: PacketOutput, _: Option<u64>) -> ControlFlow<()> {
        self(engine, output)
    }
}

/// The run loop: every frame of `frames` through `engine` into `sink`, until the source ends
/// (then `Ok`), the sink says stop (`Ok`), or reading fails (the error; `sink.idle()` was
/// called first, so everything before it was handed on).
pub fn run(
    engine: &mut Engine,
    frames: &mut impl FrameSource,
    sink: &mut impl Sink,
) -> Result<(), CaptureError> {
    loop {
        let flow = match frames.next_frame() {
            Next::Frame { frame, file_offset } => {
                let output = engine.process(frame);
                sink.packet(engine, output, file_offset)
            }
            Next::Lent { frame, bytes } => {
                let output = engine.process_borrowed_reusing(&frame, bytes, sink.recycled_events());
                sink.packet(engine, output, None)
            }
            Next::Idle => sink.idle(),
            Next::Failed(e) => {
                let _ = sink.idle();
                return Err(e);
            }
            Next::End => {
                let _ = sink.idle();
                return Ok(());
            }
        };
        if flow.is_break() {
            return Ok(());
        }
    }
}

/// A processed packet made ready for a model: its row, its bytes (kept, or left in the file at
/// `file_offset`) and its connection as it stands after the packet.
fn incoming(engine: &Engine, output: PacketOutput, file_offset: Option<u64>) -> Incoming {
    let connection = engine.connection(&output).cloned();
    Incoming::new(output, connection, file_offset)
}

/// A model takes every packet, with its bytes kept or (with a file offset) left in the file.
impl Sink for Model {
    fn packet(
        &mut self,
        engine: &Engine,
        output: PacketOutput,
        file_offset: Option<u64>,
    ) -> ControlFlow<()> {
        self.push_incoming(incoming(engine, output, file_offset));
        ControlFlow::Continue(())
    }
}

/// Run every frame through a new engine into a new model, synchronously. A reading error ends
/// the input; it is recorded in `Model::errors` and every packet before it is kept.
pub fn process_all<I>(frames: I) -> Model
where
    I: IntoIterator<Item = Result<Frame, CaptureError>>,
{
    let mut model = Model::new();
    if let Err(e) = run(
        &mut Engine::new(),
        &mut Frames(frames.into_iter()),
        &mut model,
    ) {
        model.errors.push(e);
    }
    model
}

/// [`process_all`] on a whole capture file held in memory (a lesson's bundled capture). A
/// file that cannot be read gives a model with no packets and the error in `Model::errors`.
pub fn process_bytes(bytes: &[u8]) -> Model {
    match FileReader::from_bytes(bytes.to_vec()) {
        Ok(reader) => process_all(reader),
        Err(e) => {
            let mut model = Model::new();
            model.errors.push(e);
            model
        }
    }
}

/// What a background pipeline sends.
#[derive(Debug)]
pub enum Update {
    /// Processed packets, in order, ready for the model (each with its connection as it stood
    /// after the packet).
    Packets(Vec<Incoming>),
    /// Reading ended with an error; every packet before it was sent.
    Error(CaptureError),
    /// The source has no more frames.
    Finished,
}

impl Update {
    /// Put this update into `model`. Returns `false` once the source ended.
    pub fn apply_to(self, model: &mut Model) -> bool {
        match self {
            Update::Packets(batch) => {
                for incoming in batch {
                    model.push_incoming(incoming);
                }
                true
            }
            Update::Error(e) => {
                model.errors.push(e);
                false
            }
            Update::Finished => false,
        }
    }
}

/// How many packets a batch holds at most, and how long a batch may wait before it is sent.
const BATCH_PACKETS: usize = 2048;
const BATCH_WAIT: Duration = Duration::from_millis(30);
/// Batches waiting for the receiver, at most.
const QUEUE_BATCHES: usize = 64;

/// The sink of a [`Background`] thread: builds the model's rows there and sends them in
/// batches, when a batch is full or old enough, and whenever the source is idle.
struct Batcher<'a> {
    updates: &'a SyncSender<Update>,
    stop: &'a AtomicBool,
    batch: Vec<Incoming>,
    last_send: Instant,
}

impl Batcher<'_> {
    fn send(&mut self) -> ControlFlow<()> {
        let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_PACKETS));
        self.last_send = Instant::now();
        match self.updates.send(Update::Packets(full)) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
    }
}

impl Sink for Batcher<'_> {
    fn packet(
        &mut self,
        engine: &Engine,
        output: PacketOutput,
        file_offset: Option<u64>,
    ) -> ControlFlow<()> {
        if self.stop.load(Ordering::Relaxed) {
            return ControlFlow::Break(());
        }
        self.batch.push(incoming(engine, output, file_offset));
        if self.batch.len() >= BATCH_PACKETS || self.last_send.elapsed() >= BATCH_WAIT {
            return self.send();
        }
        ControlFlow::Continue(())
    }

    fn idle(&mut self) -> ControlFlow<()> {
        if self.stop.load(Ordering::Relaxed) {
            return ControlFlow::Break(());
        }
        if self.batch.is_empty() {
            return ControlFlow::Continue(());
        }
        self.send()
    }
}

/// A pipeline running [`run`] on its own named thread, sending [`Update`]s over a bounded
/// channel. Dropping it stops the thread.
pub struct Background {
    updates: Receiver<Update>,
    cancel: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Run `frames` through a new [`Engine`] on a thread named `name`; the model's rows are
    /// built there, so the receiver only adds them.
    pub fn spawn<S>(name: &str, mut frames: S) -> std::io::Result<Self>
    where
        S: FrameSource + Send + 'static,
    {
        let (tx, updates) = mpsc::sync_channel(QUEUE_BATCHES);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&cancel);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let mut sink = Batcher {
                    updates: &tx,
                    stop: &stop,
                    batch: Vec::with_capacity(BATCH_PACKETS),
                    last_send: Instant::now(),
                };
                let end = match run(&mut Engine::new(), &mut frames, &mut sink) {
                    Ok(()) => Update::Finished,
                    Err(e) => Update::Error(e),
                };
                // Fails only when nobody listens any more.
                let _ = tx.send(end);
            })?;
        Ok(Self {
            updates,
            cancel,
            thread: Some(thread),
        })
    }

    /// [`Background::spawn`] on a live capture's channel (see [`LiveFrames`]).
    pub fn spawn_live(name: &str, frames: Receiver<Frame>) -> std::io::Result<Self> {
        Self::spawn(name, LiveFrames::new(frames))
    }

    /// Updates that are ready now, without waiting.
    pub fn try_iter(&self) -> mpsc::TryIter<'_, Update> {
        self.updates.try_iter()
    }

    /// Wait for the next update (for tests and the CLI).
    pub fn recv(&self) -> Option<Update> {
        self.updates.recv().ok()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // Close the channel: a send blocked on a full channel fails, and the thread ends.
            drop(std::mem::replace(
                &mut self.updates,
                mpsc::sync_channel(1).1,
            ));
            let _ = thread.join();
        }
    }
}

/// A capture file's frames, each with the file offset of its bytes; publishes how far it has
/// read, for a progress bar.
struct Located {
    reader: FileReader,
    done_bytes: Arc<AtomicU64>,
}

impl FrameSource for Located {
    fn next_frame(&mut self) -> Next<'_> {
        let next = self.reader.next();
        self.done_bytes
            .store(self.reader.bytes_read(), Ordering::Relaxed);
        match next {
            Some(Ok(frame)) => Next::Frame {
                frame,
                file_offset: Some(self.reader.last_frame_offset()),
            },
            Some(Err(e)) => Next::Failed(e),
            None => Next::End,
        }
    }
}

/// A capture file being read on the thread "osiscope-loader" into rows for a model made with
/// [`Model::reading_from`] the same path: packets' bytes stay in the file. The file is read,
/// not mapped: a file cut short while it is read is an error, not SIGBUS.
pub struct FileLoad {
    background: Background,
    done_bytes: Arc<AtomicU64>,
    total_bytes: u64,
}

impl FileLoad {
    pub fn start(path: &Path) -> Result<Self, CaptureError> {
        const THREAD: &str = "osiscope-loader";
        let reader = FileReader::open_streamed(path)?;
        let total_bytes = reader.total_bytes().unwrap_or(0);
        let done_bytes = Arc::new(AtomicU64::new(0));
        let frames = Located {
            reader,
            done_bytes: Arc::clone(&done_bytes),
        };
        let background =
            Background::spawn(THREAD, frames).map_err(|source| CaptureError::Thread {
                thread: THREAD,
                source,
            })?;
        Ok(Self {
            background,
            done_bytes,
            total_bytes,
        })
    }

    /// Bytes of the file read so far, and in all (0 when unknown).
    pub fn progress(&self) -> (u64, u64) {
        (self.done_bytes.load(Ordering::Relaxed), self.total_bytes)
    }

    /// Updates that are ready now, without waiting.
    pub fn try_iter(&self) -> mpsc::TryIter<'_, Update> {
        self.background.try_iter()
    }

    /// Wait for the next update.
    pub fn recv(&self) -> Option<Update> {
        self.background.recv()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::capture::LinkType;
    pub(crate) use crate::engine::tests::corpus_captures;

    /// The model of the capture file at `path`, read synchronously (for the app's tests, which
    /// may not import `capture`).
    #[cfg(feature = "gui")]
    pub(crate) fn process_file(path: &Path) -> Model {
        process_all(FileReader::open(path).unwrap())
    }

    fn frame(number: u64) -> Frame {
        Frame {
            number,
            ts_ns: 0,
            orig_len: 4,
            link: LinkType::Raw,
            interface: 0,
            data: vec![0x45, 0, 0, 4],
        }
    }

    fn numbers(next: &Next<'_>) -> Option<u64> {
        match next {
            Next::Frame { frame, .. } => Some(frame.number),
            _ => None,
        }
    }

    #[test]
    fn live_frames_say_idle_as_soon_as_the_channel_is_empty_and_end_with_the_capture() {
        let (tx, rx) = mpsc::sync_channel(4);
        let mut live = LiveFrames::new(rx);
        tx.send(frame(1)).unwrap();
        tx.send(frame(2)).unwrap();
        assert_eq!(numbers(&live.next_frame()), Some(1));
        assert_eq!(numbers(&live.next_frame()), Some(2));
        assert!(matches!(live.next_frame(), Next::Idle));
        // Nothing arrives: idle again after the wait, not a busy loop of `Idle`s.
        let start = Instant::now();
        assert!(matches!(live.next_frame(), Next::Idle));
        assert!(start.elapsed() >= LIVE_WAIT);
        tx.send(frame(3)).unwrap();
        assert_eq!(numbers(&live.next_frame()), Some(3));
        drop(tx);
        assert!(matches!(live.next_frame(), Next::End));
    }

    #[test]
    fn a_lone_live_packet_is_sent_without_waiting_for_the_next() {
        let (tx, rx) = mpsc::sync_channel(4);
        let bg = Background::spawn_live("test-live", rx).unwrap();
        tx.send(frame(1)).unwrap();
        // The capture goes on (`tx` lives): the packet must come anyway.
        match bg.recv() {
            Some(Update::Packets(batch)) => assert_eq!(batch.len(), 1),
            other => panic!("{other:?}"),
        }
        drop(tx);
        assert!(matches!(bg.recv(), Some(Update::Finished)));
    }

    /// Records the packets it gets and counts `idle` calls; stops after packet `.2`.
    struct Counter<'a>(&'a mut Vec<u64>, &'a mut usize, u64);
    impl Sink for Counter<'_> {
        fn packet(&mut self, _: &Engine, o: PacketOutput, _: Option<u64>) -> ControlFlow<()> {
            self.0.push(o.packet.number);
            if o.packet.number == self.2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
        fn idle(&mut self) -> ControlFlow<()> {
            *self.1 += 1;
            ControlFlow::Continue(())
        }
    }

    #[test]
    fn the_run_loop_stops_when_the_sink_says_so_and_hands_on_before_an_error() {
        let frames = || {
            (1..=5)
                .map(|n| Ok(frame(n)))
                .chain([Err(CaptureError::Truncated {
                    offset: 0,
                    packets: 5,
                    detail: "cut".into(),
                })])
        };
        let mut seen = Vec::new();
        let mut idle = 0;
        let mut sink = Counter(&mut seen, &mut idle, 3);
        let ended = run(&mut Engine::new(), &mut Frames(frames()), &mut sink);
        assert!(ended.is_ok());
        assert_eq!((seen.clone(), idle), (vec![1, 2, 3], 0));
        seen.clear();
        let mut sink = Counter(&mut seen, &mut idle, 0);
        let ended = run(&mut Engine::new(), &mut Frames(frames()), &mut sink);
        assert!(matches!(ended, Err(CaptureError::Truncated { .. })));
        assert_eq!((seen, idle), (vec![1, 2, 3, 4, 5], 1));
    }

    #[test]
    fn a_file_cut_short_loads_every_packet_then_its_error_with_the_fix() {
        let Some(path) = corpus_captures()
            .into_iter()
            .find(|p| p.ends_with("ws_suricata_basic_cut.pcap"))
        else {
            panic!("the corpus capture ws_suricata_basic_cut.pcap is missing");
        };
        let load = FileLoad::start(&path).unwrap();
        let mut model = Model::reading_from(&path).unwrap();
        let mut error = None;
        while let Some(update) = load.recv() {
            match update {
                Update::Error(e) => error = Some(e),
                update => {
                    if !update.apply_to(&mut model) {
                        break;
                    }
                    continue;
                }
            }
            break;
        }
        assert_eq!(model.packets.len(), 20);
        let error = error.unwrap();
        assert!(matches!(error, CaptureError::Truncated { .. }), "{error}");
        assert!(error.fix().is_some());
        let (done, total) = load.progress();
        assert!(done > 0 && total > 0 && done <= total, "{done}/{total}");
    }

    #[test]
    fn a_missing_file_is_an_open_error() {
        let Err(e) = FileLoad::start(Path::new("/nonexistent/osiscope.pcap")) else {
            panic!("opened a file that does not exist");
        };
        assert!(matches!(e, CaptureError::Open { .. }), "{e}");
    }
}
