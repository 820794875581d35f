//! Shared by the app tests: the real app in an `egui_kittest` harness the size of the window.

use egui_kittest::Harness;
use osiscope::ui::{App, AppOptions};

/// The app with `options`, in a 1600 × 1000 harness, after two frames.
pub fn harness(options: AppOptions) -> Harness<'static, App> {
    let mut harness = Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(move |cc| App::new(cc, options));
    harness.run_steps(2);
    harness
}
