//! Reading a capture file without freezing the window: the app holds a [`FileLoad`] (the
//! pipeline reads the file on its own thread and builds the model's rows there) and adds the
//! rows at the start of each frame, packet by packet, until the frame's [`LoadBudget`] is spent
//! (the rest of a batch waits for the next frame), showing progress while it reads. Packets'
//! bytes stay in the file: the model reads a packet back when it is selected.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::model::{Incoming, Model};
use crate::pipeline::{FileLoad, Update};

/// How often the window looks for more while reading.
const POLL: Duration = Duration::from_millis(30);

/// How much one frame may take in while a file loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadBudget {
    /// Time spent adding packets to the model.
    pub time: Duration,
    /// Packets added at most (tests set a count, so that what a frame takes is deterministic).
    pub packets: usize,
}

impl Default for LoadBudget {
    /// 5 ms: with layout and drawing (about 1 ms while loading) a frame stays within 8 ms.
    fn default() -> Self {
        Self {
            time: Duration::from_millis(5),
            packets: usize::MAX,
        }
    }
}

/// A file being read.
pub struct Loader {
    pub path: PathBuf,
    load: Option<FileLoad>,
    /// The rest of the batch a frame could not take in.
    pending: std::vec::IntoIter<Incoming>,
    budget: LoadBudget,
    /// Packets the last frame took in.
    pub last_taken: usize,
    /// An error that stopped it before any packet was read (the file could not be opened), with
    /// its fix, for the banner; one after some packets (a file cut short) goes to
    /// `Model::errors`.
    pub failed: Option<super::live::Banner>,
}

impl Loader {
    /// Open `path` and start reading it (see [`FileLoad`]), into a model made with
    /// [`Model::reading_from`] the same path.
    pub fn spawn(path: PathBuf, ctx: &egui::Context, budget: LoadBudget) -> Self {
        ctx.request_repaint();
        let (load, failed) = match FileLoad::start(&path) {
            Ok(load) => (Some(load), None),
            Err(e) => (
                None,
                Some(super::live::Banner::error(e.to_string(), e.fix())),
            ),
        };
        Self {
            path,
            load,
            pending: Vec::new().into_iter(),
            budget,
            last_taken: 0,
            failed,
        }
    }

    /// Fraction read, when the size is known (1 once reading ended).
    pub fn fraction(&self) -> Option<f32> {
        let Some(load) = &self.load else {
            return Some(1.0);
        };
        let (done, total) = load.progress();
        (total > 0).then(|| (done as f64 / total as f64) as f32)
    }

    /// Take what is ready into `model`, packet by packet, until the budget is spent. Returns
    /// whether reading goes on.
    pub fn drain(&mut self, model: &mut Model, ctx: &egui::Context) -> bool {
        let Some(load) = &self.load else {
            return false;
        };
        let start = Instant::now();
        let mut taken = 0;
        let mut going = true;
        'frame: loop {
            for incoming in self.pending.by_ref() {
                model.push_incoming(incoming);
                taken += 1;
                if taken >= self.budget.packets || start.elapsed() >= self.budget.time {
                    break 'frame;
                }
            }
            // The batch is done: the next update, if one is ready.
            match load.try_iter().next() {
                Some(Update::Packets(batch)) => self.pending = batch.into_iter(),
                Some(end) => {
                    going = end.apply_to(model);
                    break;
                }
                None => break,
            }
        }
        self.last_taken = taken;
        if going {
            ctx.request_repaint_after(POLL);
        } else {
            self.load = None;
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
        if let Some(banner) = loader.failed.take() {
            self.banner = Some(banner);
            self.loader = None;
            return false;
        }
        let ctx = self.egui_ctx.clone();
        let going = loader.drain(&mut self.model, &ctx);
        if !going {
            if let Some(e) = self.model.errors.first() {
                self.banner = Some(super::live::Banner::error(e.to_string(), e.fix()));
            }
            self.loader = None;
        }
        if self.playback.current.is_none() && !self.model.steps.is_empty() {
            self.playback.jump_to(0);
        }
        going
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::tests::{corpus_captures, process_file};

    /// A file loaded a few packets per frame gives the model `process_all` gives, and every
    /// packet read back from the file decodes to the same bytes, layers and fields as the packet
    /// the in-memory model kept.
    #[test]
    fn budgeted_loading_matches_the_synchronous_model_and_reads_bytes_back() {
        const BUDGET: usize = 7;
        let files = corpus_captures();
        let ctx = egui::Context::default();
        let mut checked = 0;
        for path in files {
            let sync = process_file(&path);
            let mut model = Model::reading_from(&path).unwrap();
            let budget = LoadBudget {
                time: Duration::from_hours(1),
                packets: BUDGET,
            };
            let mut loader = Loader::spawn(path.clone(), &ctx, budget);
            let mut frames = 0;
            let mut spins = 0u64;
            while loader.drain(&mut model, &ctx) {
                assert!(loader.last_taken <= BUDGET, "{}", path.display());
                if loader.last_taken == 0 {
                    spins += 1;
                    assert!(spins < 1 << 32, "the loader never finished");
                    std::thread::yield_now();
                } else {
                    frames += 1;
                }
            }
            assert!(loader.last_taken <= BUDGET);
            let name = path.display();
            assert_eq!(model.packets.len(), sync.packets.len(), "{name}");
            assert!(frames >= sync.packets.len() / BUDGET, "{name}");
            assert_eq!(model.steps, sync.steps, "{name}");
            assert_eq!(model.connections, sync.connections, "{name}");
            let errors = |m: &Model| m.errors.iter().map(ToString::to_string).collect::<Vec<_>>();
            assert_eq!(errors(&model), errors(&sync), "{name}");
            for (i, (a, b)) in model.packets.iter().zip(&sync.packets).enumerate() {
                assert_eq!(a.info(), b.info(), "{name} packet {i}");
                assert_eq!(a.ws, b.ws, "{name} packet {i}");
                let from_file = model.packet_details(i).unwrap();
                let kept = sync.packet_details(i).unwrap();
                assert_eq!(from_file.data, kept.data, "{name} packet {i}");
                assert_eq!(
                    from_file.packet.layers, kept.packet.layers,
                    "{name} packet {i}"
                );
                assert_eq!(from_file.layers, kept.layers, "{name} packet {i}");
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} packets checked");
    }
}
