//! Argument parsing and dispatch. Each subcommand lives in its own file.

mod app;
mod compare;
mod decode;
mod lesson;
mod live;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "osiscope",
    version,
    about = "Watch a real WebSocket connection travel through the OSI stack"
)]
pub struct Cli {
    /// More log output (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the app on a capture file (pcap or pcapng).
    Open(app::OpenArgs),
    /// The app in classroom mode: the bundled server listens on the LAN so that students'
    /// phones and laptops join the chat, and the app captures the LAN interface and loopback.
    Classroom(app::ClassroomArgs),
    /// Print every packet of a capture file: one line each, or JSON Lines.
    Decode(decode::DecodeArgs),
    /// Capture live on loopback and print packets as they arrive.
    Live(live::LiveArgs),
    /// Run the bundled server: WebSocket echo and Socket.IO on one port.
    Serve(live::ServeArgs),
    /// Run a scripted demo client scenario against an echo server.
    Client(live::ClientArgs),
    /// Start the echo server, capture, run a scenario, and write a pcapng file.
    Record(live::RecordArgs),
    /// List the guided lessons, or export a lesson or a capture's story as a handout.
    Lesson(lesson::LessonArgs),
    /// Carry the same short chat five ways (polling, long-polling, SSE, WebSocket, Socket.IO),
    /// record each live on loopback and measure it on the wire.
    Compare(compare::CompareArgs),
}

pub fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => app::run_default(),
        Some(Command::Open(a)) => app::run_open(&a),
        Some(Command::Classroom(a)) => app::run_classroom(&a),
        Some(Command::Decode(a)) => decode::run(&a),
        Some(Command::Live(a)) => live::run_live(&a),
        Some(Command::Serve(a)) => live::run_serve(&a),
        Some(Command::Client(a)) => live::run_client(&a),
        Some(Command::Record(a)) => Ok(live::run_record(&a)),
        Some(Command::Lesson(a)) => lesson::run(&a),
        Some(Command::Compare(a)) => Ok(compare::run(&a)),
    }
}

/// A path argument, for subcommands that take a capture file.
pub type CapturePath = PathBuf;
