//! `osiscope` (no arguments) and `osiscope open FILE`: the classroom app.

use std::process::ExitCode;

use super::CapturePath;

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// A pcap or pcapng file.
    pub file: CapturePath,
}

/// The capture shown when live capture is not possible (see `assets/captures/README.md`).
#[cfg(feature = "gui")]
const BUNDLED: &[u8] = include_bytes!("../../assets/captures/ws_echo.pcap");

#[cfg(feature = "gui")]
pub fn run_default() -> anyhow::Result<ExitCode> {
    use osiscope::capture::FileReader;
    use osiscope::ui::{AppOptions, Banner, Start};

    // Live mode (echo server + loopback capture) starts here once the live session API exists;
    // until then the app opens the bundled capture and says so calmly.
    let reader = FileReader::from_bytes(BUNDLED.to_vec())?;
    let model = osiscope::pipeline::process_all(reader);
    let binary = std::env::current_exe()
        .map_or_else(|_| "osiscope".to_string(), |p| p.display().to_string());
    let banner = Banner::notice(
        "Showing a bundled capture: a browser opening a WebSocket to an echo server. Open your own \
         file with Open… or drop it on the window. Live capture on loopback needs permission to \
         capture packets; grant it once with:",
        Some(format!(
            "sudo setcap cap_net_raw,cap_net_admin=eip {binary}"
        )),
    );
    let options = AppOptions {
        banner: Some(banner),
        ..AppOptions::new(Start::Model {
            model,
            title: "bundled: WebSocket echo".into(),
        })
    };
    osiscope::ui::run(options)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "gui")]
pub fn run_open(args: &OpenArgs) -> anyhow::Result<ExitCode> {
    use osiscope::ui::{AppOptions, Start};
    anyhow::ensure!(args.file.exists(), "no such file: {}", args.file.display());
    osiscope::ui::run(AppOptions::new(Start::File(args.file.clone())))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "gui"))]
pub fn run_default() -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this osiscope was built without the app (cargo feature `gui`); try `osiscope decode FILE`"
    )
}

#[cfg(not(feature = "gui"))]
pub fn run_open(args: &OpenArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this osiscope was built without the app (cargo feature `gui`): {}",
        args.file.display()
    )
}
