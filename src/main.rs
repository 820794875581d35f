//! The osiscope command line: the app (default), `open`, `live`, `decode`, `serve`, `client`,
//! `record`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("osiscope: {e:#}");
            ExitCode::FAILURE
        }
    }
}
