//! Shared by the app tests: the real app in an `egui_kittest` harness the size of the window,
//! on a capture or on the live session, and waiting for what the live session brings.
// Each test binary includes this module and uses some of it.
#![allow(dead_code)]

#[path = "../support/skip.rs"]
pub mod skip;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use osiscope::capture::FileReader;
use osiscope::session::LiveSession;
use osiscope::ui::live::live_banner;
use osiscope::ui::settings::Settings;
use osiscope::ui::{App, AppOptions, Clock, Start};

/// The app with `options`, in a 1600 × 1000 harness, after two frames.
pub fn harness(options: AppOptions) -> Harness<'static, App> {
    let mut harness = Harness::builder()
        .with_size([1600.0, 1000.0])
        .build_eframe(move |cc| App::new(cc, options));
    harness.run_steps(2);
    harness
}

/// The app with `settings` and `options` in a window of `size` points, after two frames.
pub fn harness_with(
    settings: Settings,
    options: AppOptions,
    size: [f32; 2],
) -> Harness<'static, App> {
    let mut harness = Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| App::with_settings(&cc.egui_ctx, settings, options));
    harness.run_steps(2);
    harness
}

/// `captures/NAME`.
pub fn bundled(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("captures")
        .join(name)
}

/// Options for the app on `model`, titled `title`, with a manual clock.
pub fn model_options(model: osiscope::model::Model, title: &str) -> AppOptions {
    AppOptions {
        clock: Clock::manual(),
        ..AppOptions::new(Start::Model {
            model: Box::new(model),
            title: title.into(),
        })
    }
}

/// The app on the capture at `path` (read before the first frame), with a manual clock.
pub fn app_on_path(path: &Path, settings: Settings, size: [f32; 2]) -> Harness<'static, App> {
    let model = osiscope::pipeline::process_all(FileReader::open(path).unwrap());
    let title = path.file_name().unwrap().to_string_lossy();
    harness_with(settings, model_options(model, &title), size)
}

/// The app on bundled capture `name` (read before the first frame), with a manual clock.
pub fn app_on_bundled(name: &str, settings: Settings, size: [f32; 2]) -> Harness<'static, App> {
    app_on_path(&bundled(name), settings, size)
}

/// As [`app_on_bundled`], drawn with wgpu, for snapshot tests.
pub fn snapshot_app_on_bundled(
    name: &str,
    settings: Settings,
    size: [f32; 2],
) -> Harness<'static, App> {
    let model = osiscope::pipeline::process_all(FileReader::open(&bundled(name)).unwrap());
    let options = model_options(model, name);
    let mut harness = Harness::builder()
        .with_size(size)
        .wgpu()
        .build_eframe(move |cc| App::with_settings(&cc.egui_ctx, settings, options));
    harness.run_steps(2);
    harness
}

/// The live app (echo server, loopback capture, demo client), or `None` without permission.
pub fn live_app(settings: Settings, size: [f32; 2]) -> Option<Harness<'static, App>> {
    live_harness(settings, size, false)
}

/// The live app as `osiscope` opens it: with its banner (the live toolbar's rows and the banner
/// take height from the rest of the window).
pub fn live_app_as_launched(settings: Settings, size: [f32; 2]) -> Option<Harness<'static, App>> {
    live_harness(settings, size, true)
}

fn live_harness(
    settings: Settings,
    size: [f32; 2],
    with_banner: bool,
) -> Option<Harness<'static, App>> {
    let session = match LiveSession::start("127.0.0.1:0".parse().unwrap()) {
        Ok(s) => s,
        Err(e) if e.is_permission_denied() => {
            skip::skip(&format!(
                "live capture needs CAP_NET_RAW (run as root, as CI does): {e}"
            ));
            return None;
        }
        Err(e) => panic!("live mode did not start: {e:?}"),
    };
    let options = AppOptions {
        clock: Clock::manual(),
        banner: with_banner.then(|| live_banner(&session)),
        live: Some(session),
        ..AppOptions::new(Start::Model {
            model: Box::default(),
            title: "live".into(),
        })
    };
    Some(harness_with(settings, options, size))
}

/// Runs frames until `done` holds. The deadline is generous: on a loaded 2-core CI machine the
/// live server, capture and pipeline threads compete with the test for the CPU.
pub fn poll_until(harness: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
}
