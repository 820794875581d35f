//! The osiscope command line: the app (default), `open`, `live`, `decode`, `serve`, `client`,
//! `record`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: `decode` allocates a packet's records on one thread and
/// frees them on the writer thread, which glibc serializes on its arena lock (and batches of
/// records held in flight made its bins slow): with mimalloc the two-thread `decode` used
/// 1.52 s of CPU on the big capture instead of 1.86 s.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
