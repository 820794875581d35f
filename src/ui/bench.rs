//! The frame benchmark (`osiscope open FILE --bench-frames N`, hidden): the real app on a bare
//! egui context, no window. It opens the file, runs frames back to back while it loads, then N
//! frames of scrolling the packet list with the animation playing, and reports the time of each
//! frame on the UI thread (layout + drawing + tessellation), the time until the first packets
//! are on screen, and the memory held with the file loaded.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::app::{App, AppOptions, Start};
use super::clock::Clock;
use super::settings::Settings;

/// Frames that may run before the file must have finished loading.
const MAX_LOAD_FRAMES: usize = 2_000_000;

/// What the benchmark measured.
#[derive(Debug)]
pub struct BenchReport {
    pub packets: usize,
    pub first_packets: Option<Duration>,
    pub load: Duration,
    pub loading: Timings,
    pub loaded: Timings,
    /// Resident memory at the end (Linux `VmRSS`), in bytes.
    pub rss_bytes: Option<u64>,
    pub model: ModelMemory,
}

/// Where the model's memory goes, in bytes: structs at their size, heap blocks at their
/// length (the allocator adds up to 16 bytes or so to each block).
#[derive(Debug, Default)]
pub struct ModelMemory {
    /// The rows themselves (the `Vec`'s spare capacity is not counted: it is never touched).
    pub rows: usize,
    /// Heap blocks of the rows: shapes (layers and IP facts, each shared one once), HTTP
    /// messages, notes, Engine.IO events and TLS records (their structs, not what those hold),
    /// issues, TCP state changes, a SYN's options, reassembled datagrams.
    pub row_heap: usize,
    /// WebSocket frames: the frame structs (with their first payload bytes) and their issues.
    pub ws_frames: usize,
    /// WebSocket texts (cut at `MODEL_TEXT_KEEP`) and close reasons.
    pub ws_texts: usize,
    /// Teaching steps, their labels and their loss marks.
    pub steps: usize,
    /// The byte store: packets' places in the file (or their bytes, when kept).
    pub byte_store: usize,
}

impl ModelMemory {
    fn of(model: &crate::model::Model) -> Self {
        use std::mem::size_of;
        let mut m = Self {
            rows: model.packets.len() * size_of::<crate::model::PacketRow>(),
            steps: model.steps.len() * size_of::<crate::model::Step>(),
            byte_store: model.byte_store_bytes(),
            ..Self::default()
        };
        // Shapes (link, layers, IP facts) are shared between packets: each counts once, with
        // its reference counts.
        // A shape's list of layers is shared too (the decoder's), and counts once as well.
        let mut shapes = std::collections::HashSet::new();
        let mut layer_lists = std::collections::HashSet::new();
        for r in &model.packets {
            let shape = r.packet.shape();
            if shapes.insert(std::sync::Arc::as_ptr(shape)) {
                m.row_heap += 2 * size_of::<usize>() + size_of::<crate::model::Shape>();
                if layer_lists.insert(std::sync::Arc::as_ptr(&shape.layers)) {
                    m.row_heap += 2 * size_of::<usize>()
                        + size_of::<Vec<crate::model::Layer>>()
                        + std::mem::size_of_val::<[crate::model::Layer]>(&shape.layers);
                }
            }
            // Issues, state changes, options and the rest that few packets have.
            m.row_heap += r.rare_heap_bytes();
            m.ws_frames += r.ws.heap_bytes();
            for f in &r.ws {
                // The first payload bytes are in the struct.
                m.ws_frames += f.issues.heap_bytes();
                m.ws_texts += f.text.as_deref().map_or(0, str::len)
                    + f.close_reason
                        .as_deref()
                        .map_or(0, |r| size_of::<Box<str>>() + r.len());
            }
        }
        m.steps += model
            .steps
            .iter()
            .map(crate::model::Step::rare_heap_bytes)
            .sum::<usize>();
        m
    }

    fn total(&self) -> usize {
        self.rows + self.row_heap + self.ws_frames + self.ws_texts + self.steps + self.byte_store
    }
}

/// Frame times of one phase.
#[derive(Debug, Default)]
pub struct Timings {
    pub frames: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Frames during which the scheduler took the CPU away from the UI thread (an involuntary
    /// context switch: another thread or process ran), and the times of the other frames. On a
    /// loaded machine the wall time of a preempted frame says more about the machine than about
    /// the app.
    pub preempted: usize,
    pub p99_unpreempted: Duration,
    pub max_unpreempted: Duration,
}

/// The time of one frame and whether the UI thread was preempted during it.
#[derive(Clone, Copy, Debug)]
struct FrameTime {
    wall: Duration,
    preempted: bool,
}

impl Timings {
    fn of(frames: &[FrameTime]) -> Self {
        let percentiles = |mut times: Vec<Duration>| {
            times.sort_unstable();
            let at = |q: f64| {
                let i = ((times.len() as f64 - 1.0) * q).round() as usize;
                times.get(i).copied().unwrap_or_default()
            };
            (
                at(0.50),
                at(0.99),
                times.last().copied().unwrap_or_default(),
            )
        };
        let (p50, p99, max) = percentiles(frames.iter().map(|f| f.wall).collect());
        let calm: Vec<Duration> = frames
            .iter()
            .filter(|f| !f.preempted)
            .map(|f| f.wall)
            .collect();
        let preempted = frames.len() - calm.len();
        let (_, p99_unpreempted, max_unpreempted) = percentiles(calm);
        Self {
            frames: frames.len(),
            p50,
            p99,
            max,
            preempted,
            p99_unpreempted,
            max_unpreempted,
        }
    }
}

impl std::fmt::Display for Timings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} frames: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} preempted, the others p99 \
             {:.2} ms, max {:.2} ms",
            self.frames,
            ms(self.p50),
            ms(self.p99),
            ms(self.max),
            self.preempted,
            ms(self.p99_unpreempted),
            ms(self.max_unpreempted),
        )
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "packets loaded:        {}", self.packets)?;
        match self.first_packets {
            Some(t) => writeln!(f, "first packets shown:   {:.0} ms after open", ms(t))?,
            None => writeln!(f, "first packets shown:   never")?,
        }
        writeln!(f, "load finished:         {:.1} s", self.load.as_secs_f64())?;
        writeln!(f, "frames while loading:  {}", self.loading)?;
        writeln!(f, "frames scrolling+anim: {}", self.loaded)?;
        if let Some(rss) = self.rss_bytes {
            writeln!(f, "RSS with file loaded:  {} MiB", rss >> 20)?;
        }
        let m = &self.model;
        let per = |b: usize| b as f64 / self.packets.max(1) as f64;
        writeln!(
            f,
            "model (without allocator overhead): {} MiB, {:.0} bytes/packet",
            m.total() >> 20,
            per(m.total())
        )?;
        for (name, b) in [
            ("rows", m.rows),
            ("row heap (layers, analysis, HTTP)", m.row_heap),
            ("WebSocket frames", m.ws_frames),
            ("WebSocket texts", m.ws_texts),
            ("steps + labels", m.steps),
            ("byte store", m.byte_store),
        ] {
            writeln!(
                f,
                "  {name:<40} {:>5} MiB {:>6.0} B/packet",
                b >> 20,
                per(b)
            )?;
        }
        Ok(())
    }
}

/// One frame of 1600 × 1000 input, with `events`.
fn input(time: f64, events: Vec<egui::Event>) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1600.0, 1000.0),
        )),
        time: Some(time),
        events,
        ..egui::RawInput::default()
    }
}

/// Run one frame of the app and tessellate it, as eframe would; returns its duration.
fn frame(ctx: &egui::Context, app: &mut App, time: f64, events: Vec<egui::Event>) -> FrameTime {
    let switches = involuntary_switches();
    let start = Instant::now();
    let mut out = ctx.run_ui(input(time, events), |ui| app.frame_ui(ui));
    out.textures_delta.clear();
    let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
    std::hint::black_box(prims);
    let wall = start.elapsed();
    FrameTime {
        wall,
        preempted: involuntary_switches() != switches,
    }
}

/// Involuntary context switches of this thread so far (Linux), read between frames.
fn involuntary_switches() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    let line = status
        .lines()
        .find(|l| l.starts_with("nonvoluntary_ctxt_switches:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Open `path` and run the benchmark with `frames` frames once it has loaded.
pub fn run(path: PathBuf, frames: usize) -> BenchReport {
    // As the app does (`ui::run`).
    super::pages::small_pages_only();
    let ctx = egui::Context::default();
    let opened = Instant::now();
    let mut app = App::with_settings(
        &ctx,
        Settings::default(),
        AppOptions {
            clock: Clock::Egui,
            ..AppOptions::new(Start::File(path))
        },
    );
    let mut first_packets = None;
    let mut loading = Vec::new();
    let mut time = 0.0;
    while app.loader.is_some() && loading.len() < MAX_LOAD_FRAMES {
        time += 1.0 / 60.0;
        loading.push(frame(&ctx, &mut app, time, Vec::new()));
        if first_packets.is_none() && !app.model().packets.is_empty() {
            first_packets = Some(opened.elapsed());
        }
    }
    let load = opened.elapsed();
    // Scroll the packet list with the wheel while the animation plays.
    let list = egui::pos2(250.0, 900.0);
    let mut times = Vec::with_capacity(frames);
    frame(
        &ctx,
        &mut app,
        time,
        vec![
            egui::Event::PointerMoved(list),
            egui::Event::Key {
                key: egui::Key::Space,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers: egui::Modifiers::NONE,
            },
        ],
    );
    for i in 0..frames {
        time += 1.0 / 60.0;
        // Down for 200 frames, up for 100: the list keeps laying out fresh rows.
        let dy = if i % 300 < 200 { -120.0 } else { 240.0 };
        let wheel = egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, dy),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        };
        times.push(frame(
            &ctx,
            &mut app,
            time,
            vec![egui::Event::PointerMoved(list), wheel],
        ));
    }
    BenchReport {
        packets: app.model().packets.len(),
        first_packets,
        load,
        loading: Timings::of(&loading),
        loaded: Timings::of(&times),
        rss_bytes: rss_bytes(),
        model: ModelMemory::of(app.model()),
    }
}

/// Resident memory of this process (Linux), in bytes.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_keeps_the_lines_that_tools_read() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures/chat.pcapng");
        let report = run(path, 3);
        assert!(report.packets > 10, "{}", report.packets);
        assert!(report.first_packets.is_some());
        assert_eq!(report.loaded.frames, 3);
        let text = report.to_string();
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no line {prefix:?} in\n{text}"))
        };
        assert!(line("first packets shown: ").ends_with(" ms after open"));
        let loading = line("frames while loading: ");
        assert!(loading.contains(" preempted, the others p99 "), "{loading}");
        assert!(loading.contains(" ms, max "), "{loading}");
        let model = line("model (");
        assert!(model.ends_with(" bytes/packet"), "{model}");
    }
}
