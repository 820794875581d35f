//! `osiscope live`, `serve`, `client` and `record`.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct LiveArgs {}
#[derive(Debug, clap::Args)]
pub struct ServeArgs {}
#[derive(Debug, clap::Args)]
pub struct ClientArgs {}
#[derive(Debug, clap::Args)]
pub struct RecordArgs {}

pub fn run_live(_: &LiveArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
pub fn run_serve(_: &ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
pub fn run_client(_: &ClientArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
pub fn run_record(_: &RecordArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
