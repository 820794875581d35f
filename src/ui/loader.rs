//! Reading a capture file without freezing the window: the pipeline runs on a named thread
//! (`pipeline::Background`), and the app takes its batches at the start of each frame within a
//! small time budget, showing progress while it reads.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::capture::{CaptureError, FileReader, Frame};
use crate::model::Model;
use crate::pipeline::{Background, Update};

/// How long one frame may spend taking in packets.
const FRAME_BUDGET: Duration = Duration::from_millis(6);
/// How often the window looks for more while reading.
const POLL: Duration = Duration::from_millis(30);

/// A file being read.
pub struct Loader {
    pub path: PathBuf,
    background: Option<Background>,
    pub done_bytes: u64,
    pub total_bytes: u64,
    /// An error that stopped it before any packet was read (the file could not be opened).
    pub failed: Option<CaptureError>,
}

/// A capture reader that publishes how far it has got, for the progress bar.
struct Counted {
    reader: FileReader,
    done: Arc<AtomicU64>,
}

impl Iterator for Counted {
    type Item = Result<Frame, CaptureError>;
    fn next(&mut self) -> Option<Self::Item> {
        let item = self.reader.next();
        self.done.store(self.reader.bytes_read(), Ordering::Relaxed);
        item
    }
}

impl Loader {
    /// Open `path` and start reading it on the thread "osiscope-loader".
    pub fn spawn(path: PathBuf, ctx: &egui::Context) -> Self {
        ctx.request_repaint();
        match FileReader::open(&path) {
            Ok(reader) => Self::from_reader(path, reader),
            Err(e) => Self {
                path,
                background: None,
                done_bytes: 0,
                total_bytes: 0,
                failed: Some(e),
            },
        }
    }

    /// Read frames from an already opened reader (the bundled capture).
    pub fn from_reader(path: PathBuf, reader: FileReader) -> Self {
        let total = reader.total_bytes().unwrap_or(0);
        let done = Arc::new(AtomicU64::new(0));
        let progress = {
            let done = done.clone();
            move || (done.load(Ordering::Relaxed), total)
        };
        match Background::spawn("osiscope-loader", Counted { reader, done }, progress) {
            Ok(bg) => Self {
                path,
                background: Some(bg),
                done_bytes: 0,
                total_bytes: total,
                failed: None,
            },
            Err(e) => Self {
                path,
                background: None,
                done_bytes: 0,
                total_bytes: total,
                failed: Some(CaptureError::Live {
                    message: format!("cannot start the reader thread: {e}"),
                }),
            },
        }
    }

    /// Fraction read, when the size is known.
    pub fn fraction(&self) -> Option<f32> {
        (self.total_bytes > 0).then(|| (self.done_bytes as f64 / self.total_bytes as f64) as f32)
    }

    /// Take what is ready into `model`, for at most the frame budget. Returns whether reading
    /// goes on.
    pub fn drain(&mut self, model: &mut Model, ctx: &egui::Context) -> bool {
        let Some(bg) = &self.background else {
            return false;
        };
        let start = Instant::now();
        let mut going = true;
        for update in bg.try_iter() {
            if let Update::Progress {
                done_bytes,
                total_bytes,
            } = &update
            {
                self.done_bytes = *done_bytes;
                self.total_bytes = *total_bytes;
            }
            going = model.apply(update);
            if !going || start.elapsed() >= FRAME_BUDGET {
                break;
            }
        }
        if going {
            ctx.request_repaint_after(POLL);
        } else {
            self.background = None;
            self.done_bytes = self.total_bytes;
        }
        going
    }
}

impl super::app::App {
    /// Take in what the loader has read. Returns whether it is still reading.
    pub(crate) fn drain_loader(&mut self) -> bool {
        let Some(loader) = self.loader.as_mut() else {
            return false;
        };
        if let Some(e) = loader.failed.take() {
            self.banner = Some(super::live::Banner::error(e.to_string(), e.fix()));
            self.loader = None;
            return false;
        }
        let ctx = self.egui_ctx.clone();
        let going = loader.drain(&mut self.model, &ctx);
        if !going {
            if let Some(e) = self.model.errors.first() {
                self.banner = Some(super::live::Banner::error(e.clone(), None));
            }
            self.loader = None;
        }
        if self.playback.current.is_none() && !self.model.steps.is_empty() {
            self.playback.jump_to(0);
        }
        going
    }
}
