//! The app's frame time on a big capture, headless (`egui_kittest`): how soon the first packets
//! are on screen after opening the file, then the wall time of each frame while the packet list
//! scrolls and the current packet animates, loading frames included.
//! Usage: `cargo bench --bench ui_frames -- FILE [FRAMES]`
//! (wall time per frame is an upper bound of its CPU time; no GPU painting is included).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use osiscope::ui::action::Action;
use osiscope::ui::{App, AppOptions, Start};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut frames: Vec<Duration>) {
    if frames.is_empty() {
        return;
    }
    frames.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name}: {} frames, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        frames.len(),
        ms(percentile(&frames, 0.5)),
        ms(percentile(&frames, 0.99)),
        ms(frames[frames.len() - 1])
    );
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let path = std::path::PathBuf::from(args.first().expect("usage: ui_frames FILE [FRAMES]"));
    let n_frames: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(600);

    let opened = Instant::now();
    let start_path = path.clone();
    let mut harness = Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(move |cc| App::new(cc, AppOptions::new(Start::File(start_path))));
    let mut first_packets = None;
    let mut loading = Vec::new();
    while harness.state().is_loading() {
        let t = Instant::now();
        harness.step();
        loading.push(t.elapsed());
        if first_packets.is_none() && !harness.state().model().packets.is_empty() {
            first_packets = Some(opened.elapsed());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let loaded = opened.elapsed();
    let model = harness.state().model();
    let (packets, steps) = (model.packets.len(), model.steps.len());
    println!(
        "file: {} ({packets} packets, {steps} steps)",
        path.display()
    );
    println!(
        "first packets on screen after {:.3} s; all loaded after {:.1} s; RSS {:.0} MB",
        first_packets.map_or(f64::NAN, |d| d.as_secs_f64()),
        loaded.as_secs_f64(),
        rss_mb()
    );
    report("frames while loading", loading);

    // Scroll through the list and animate: every frame jumps 97 steps on (the list scrolls to
    // the selected row, the ladder to its arrow) and starts that step's animation.
    let mut frames = Vec::with_capacity(n_frames);
    for k in 0..n_frames {
        let ctx = harness.ctx.clone();
        let step = (k * 97) % steps.max(1);
        let t = Instant::now();
        harness.state_mut().apply(Action::GoToStep(step), &ctx);
        harness.step();
        frames.push(t.elapsed());
    }
    report("frames while scrolling and animating", frames);
}
