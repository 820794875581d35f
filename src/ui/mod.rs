//! The classroom app (eframe/egui). Renders the model; never parses bytes.
//!
//! State (`settings`, `view`, `playback`), logic (`loader`, `playback`, `app`'s frame set-up)
//! and drawing (the `*_ui` functions, one panel per file) are kept apart. Colours live in
//! `theme`.

pub mod action;
pub mod app;
pub mod bench;
pub mod clock;
pub mod details;
pub mod hex;
pub mod ladder;
pub mod live;
pub mod live_session;
pub mod loader;
pub mod narration;
pub mod osi;
pub mod packet_list;
pub mod playback;
pub mod seqgraph;
pub mod settings;
pub mod theme;
pub mod toolbar;
pub mod view;

pub use app::{App, AppOptions, Start};
pub use clock::Clock;
pub use live::{Banner, LiveCommand, LiveControls, LiveForm, LiveStatus};
pub use live_session::{LiveSession, LiveStartError};
pub use loader::LoadBudget;

/// The window's title.
pub const TITLE: &str = "osiscope — a WebSocket through the OSI stack";

/// Run the app until its window closes.
pub fn run(options: AppOptions) -> anyhow::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(TITLE)
            .with_app_id("osiscope")
            .with_inner_size([1600.0, 1000.0])
            .with_min_inner_size([1000.0, 640.0])
            .with_icon(icon())
            .with_drag_and_drop(true),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "osiscope",
        native,
        Box::new(|cc| Ok(Box::new(App::new(cc, options)))),
    )
    .map_err(|e| anyhow::anyhow!("the window could not start: {e}"))
}

/// The app icon: drawn in code (a stack of seven bars with an envelope), so it needs no image
/// decoder; `assets/icon.png` is the same picture for desktop files.
pub fn icon() -> egui::IconData {
    const SIZE: usize = 64;
    let mut rgba = vec![0u8; SIZE * SIZE * 4];
    for y in 0..SIZE {
        for x in 0..SIZE {
            let i = (y * SIZE + x) * 4;
            let bar = y.saturating_sub(4) / 8;
            let in_bar = (6..58).contains(&x) && (4..60).contains(&y) && (y - 4) % 8 < 6;
            let colour: [u8; 4] = if in_bar {
                let t = bar as u8 * 30;
                [40 + t, 110 + t / 2, 220 - t, 255]
            } else {
                [0, 0, 0, 0]
            };
            rgba[i..i + 4].copy_from_slice(&colour);
        }
    }
    egui::IconData {
        rgba,
        width: SIZE as u32,
        height: SIZE as u32,
    }
}
