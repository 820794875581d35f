//! The classroom app (eframe/egui). Renders the model; never parses bytes.
//!
//! State (`settings`, `view`, `playback`), logic (`loader`, `playback`, `app`'s frame set-up)
//! and drawing (the `*_ui` functions, one panel per file) are kept apart. Colours live in
//! `theme`.

pub mod action;
pub mod app;
pub mod bench;
pub mod clock;
pub mod compare;
pub mod connections;
pub mod details;
pub mod dialog;
pub mod glossary;
pub mod help;
pub mod hex;
pub mod keys;
pub mod ladder;
mod ladder_ack;
mod ladder_lanes;
mod ladder_loss;
pub mod lessons;
pub mod live;
pub mod loader;
pub mod narration;
pub mod osi;
pub mod packet_list;
pub mod pages;
pub mod playback;
pub mod presentation;
pub mod quiz;
pub mod replay;
pub mod seqgraph;
pub mod settings;
pub mod teach;
pub mod theme;
pub mod timefmt;
pub mod toolbar;
pub mod track;
pub mod view;

pub use app::{App, AppOptions, Start};
pub use clock::Clock;
pub use live::{Banner, LiveCommand, LiveForm, LiveSession, LiveStatus};
pub use loader::LoadBudget;

/// The window's title.
pub const TITLE: &str = "osiscope — a WebSocket through the OSI stack";

/// Run the app until its window closes.
pub fn run(options: AppOptions) -> anyhow::Result<()> {
    pages::small_pages_only();
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

/// The app icon, `assets/icon.png` (two OSI stacks, seven layers each, and the way a packet
/// takes: down one, across, up the other), embedded in the binary.
const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// The app icon, decoded for the window (a test checks that the embedded PNG decodes; if it
/// ever did not, the window would open with the system's default icon).
#[must_use]
pub fn icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(ICON_PNG).unwrap_or_else(|e| {
        tracing::warn!("the app icon could not be decoded: {e}");
        egui::IconData::default()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_icon_decodes_with_visible_pixels() {
        let icon = super::icon();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
        let opaque = icon.rgba.chunks(4).filter(|p| p[3] == 255).count();
        assert!(opaque > 256 * 256 / 2, "{opaque} opaque pixels");
    }
}
