//! `osiscope` (no arguments) and `osiscope open FILE`: the classroom app.

use std::process::ExitCode;

use super::CapturePath;

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// A pcap or pcapng file.
    pub file: CapturePath,
    /// Benchmark (no window): open the file, run frames until it has loaded, then N frames of
    /// scrolling the packet list while the animation plays; print frame-time percentiles, the
    /// time to the first packets and the memory used (see `benches/UI_RESULTS.md`).
    #[arg(long, hide = true, value_name = "N")]
    pub bench_frames: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct ClassroomArgs {
    /// Where the bundled server listens: every address by default, so that devices on the LAN
    /// reach it (a warning says who can connect).
    #[arg(long, default_value = "0.0.0.0:8765")]
    pub listen: std::net::SocketAddr,
    /// The interface students' devices connect through (default: the first that is up, not
    /// loopback and has an IPv4 address). Loopback is captured too, for this machine's own
    /// Connect button.
    #[arg(short, long)]
    pub interface: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub backend: osiscope::capture::live::Backend,
}

/// The capture shown when live capture is not possible, embedded so that it works from any
/// directory: `captures/chat.pcapng`, made by `osiscope record --scenario chat` (see
/// `captures/README.md`).
#[cfg(feature = "gui")]
const BUNDLED: &[u8] = include_bytes!("../../captures/chat.pcapng");

#[cfg(feature = "gui")]
pub fn run_default() -> anyhow::Result<ExitCode> {
    use osiscope::session::LiveSession;
    use osiscope::ui::live::live_banner;
    use osiscope::ui::{AppOptions, Banner, Start};

    let preferred: std::net::SocketAddr = osiscope::echo::DEFAULT_LISTEN.parse()?;
    let options = match LiveSession::start(preferred) {
        Ok(session) => {
            let addr = session.server_addr();
            eprintln!("osiscope: live mode, echo server on {addr}");
            AppOptions {
                banner: Some(live_banner(&session)),
                live: Some(session),
                ..AppOptions::new(Start::Model {
                    model: Box::default(),
                    title: format!("live: ws://{addr}/"),
                })
            }
        }
        Err(e) => {
            let intro = if e.is_permission_denied() {
                "Showing a bundled capture (osiscope connecting to its own echo server). \
                 Live capture on loopback is not permitted for this program yet."
                    .to_string()
            } else {
                format!("Showing a bundled capture: live mode could not start ({e}).")
            };
            bundled_options(Banner::notice(intro, e.fix()))?
        }
    };
    osiscope::ui::run(options)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "gui")]
pub fn run_classroom(args: &ClassroomArgs) -> anyhow::Result<ExitCode> {
    use osiscope::capture::live::{default_lan_interface, interface_names};
    use osiscope::session::LiveSession;
    use osiscope::ui::live::classroom_banner;
    use osiscope::ui::{AppOptions, Start};

    let Some(interface) = args.interface.clone().or_else(default_lan_interface) else {
        eprintln!(
            "osiscope: no network interface is up with an IPv4 address (interfaces: {}); \
             connect to the classroom network or name one with --interface",
            interface_names().join(", ")
        );
        return Ok(ExitCode::FAILURE);
    };
    let session = match LiveSession::start_classroom(args.listen, &interface, args.backend) {
        Ok(s) => s,
        Err(e) => return Ok(super::live::session_failed(&e)),
    };
    let banner = classroom_banner(&session);
    eprintln!("osiscope: {}", banner.text);
    let options = AppOptions {
        banner: Some(banner),
        ..AppOptions::new(Start::Model {
            model: Box::default(),
            title: format!("classroom: ws://{}/ on {interface}", session.server_addr()),
        })
    };
    osiscope::ui::run(AppOptions {
        live: Some(session),
        ..options
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The app on the bundled capture, with `banner`.
#[cfg(feature = "gui")]
fn bundled_options(banner: osiscope::ui::Banner) -> anyhow::Result<osiscope::ui::AppOptions> {
    use osiscope::capture::FileReader;
    use osiscope::ui::{AppOptions, Start};
    let reader = FileReader::from_bytes(BUNDLED.to_vec())?;
    let model = osiscope::pipeline::process_all(reader);
    Ok(AppOptions {
        banner: Some(banner),
        ..AppOptions::new(Start::Model {
            model: Box::new(model),
            title: "bundled: WebSocket chat with the echo server".into(),
        })
    })
}

#[cfg(feature = "gui")]
pub fn run_open(args: &OpenArgs) -> anyhow::Result<ExitCode> {
    use osiscope::ui::{AppOptions, Start};
    anyhow::ensure!(args.file.exists(), "no such file: {}", args.file.display());
    if let Some(frames) = args.bench_frames {
        let report = osiscope::ui::bench::run(args.file.clone(), frames);
        print!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
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

#[cfg(not(feature = "gui"))]
pub fn run_classroom(_args: &ClassroomArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!(
        "this osiscope was built without the app (cargo feature `gui`); for a classroom without \
         it: `osiscope live --serve 0.0.0.0:8765 --interface IFACE`"
    )
}
