//! `osiscope decode FILE`: one line per packet, `--format json` for JSON Lines, `--summary`.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// A pcap or pcapng file.
    pub file: PathBuf,
}

pub fn run(args: &DecodeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet: {}", args.file.display())
}
