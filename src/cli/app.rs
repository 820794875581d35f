//! `osiscope` (no arguments) and `osiscope open FILE`: the classroom app.

use std::process::ExitCode;

use super::CapturePath;

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// A pcap or pcapng file.
    pub file: CapturePath,
}

/// The capture shown when live capture is not possible: a chat session recorded on loopback by
/// `osiscope record --scenario chat` (see `captures/README.md`), embedded so it works from any
/// directory.
#[cfg(feature = "gui")]
const BUNDLED: &[u8] = include_bytes!("../../captures/chat.pcapng");

#[derive(Debug, clap::Args)]
pub struct DefaultArgs {
    /// Where the bundled echo server listens in live mode (a taken port falls back to a free one).
    #[arg(long, default_value = "127.0.0.1:8765")]
    pub listen: std::net::SocketAddr,
    /// Open the bundled capture instead of starting live capture.
    #[arg(long)]
    pub no_live: bool,
}

#[cfg(feature = "gui")]
pub fn run_default(args: &DefaultArgs) -> anyhow::Result<ExitCode> {
    use osiscope::capture::FileReader;
    use osiscope::ui::live_session::LiveSession;
    use osiscope::ui::{AppOptions, Banner, Start};

    let live = if args.no_live {
        None
    } else {
        Some(LiveSession::start(args.listen))
    };
    let options = match live {
        Some(Ok(session)) => {
            let addr = session
                .server_addr()
                .map_or_else(String::new, |a| a.to_string());
            AppOptions {
                banner: Some(Banner::notice(
                    format!(
                        "Live: osiscope's echo server listens on ws://{addr}/ and every packet to or \
                         from it on loopback is captured. Press Connect, then Send text, Ping, \
                         Close, or pick a scenario; tick \"step mode\" to walk through it packet \
                         by packet."
                    ),
                    None,
                )),
                live: Some(Box::new(session)),
                ..AppOptions::new(Start::Model {
                    model: osiscope::model::Model::new(),
                    title: format!("live: {addr}"),
                })
            }
        }
        failed => {
            let reader = FileReader::from_bytes(BUNDLED.to_vec())?;
            let model = osiscope::pipeline::process_all(reader);
            let (why, fix) = match failed {
                Some(Err(e)) => (format!("Live capture could not start: {e}."), e.fix()),
                _ => (String::new(), None),
            };
            let banner = Banner::notice(
                format!(
                    "{why} Showing a bundled capture instead: a chat with osiscope's echo server, \
                     recorded on loopback. Open your own file with Open… or drop it on the window."
                )
                .trim_start()
                .to_string(),
                fix,
            );
            AppOptions {
                banner: Some(banner),
                ..AppOptions::new(Start::Model {
                    model,
                    title: "bundled: chat.pcapng".into(),
                })
            }
        }
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
pub fn run_default(_: &DefaultArgs) -> anyhow::Result<ExitCode> {
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
