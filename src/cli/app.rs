//! `osiscope` (no arguments) and `osiscope open FILE`: the classroom app.

use std::process::ExitCode;

use super::CapturePath;

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// A pcap or pcapng file.
    pub file: CapturePath,
}

pub fn run_default() -> anyhow::Result<ExitCode> {
    anyhow::bail!("the app is not built yet")
}

pub fn run_open(args: &OpenArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the app is not built yet: {}", args.file.display())
}
