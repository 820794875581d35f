//! `osiscope live`, `serve`, `client` and `record`.

use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use osiscope::capture::live::{Backend, CaptureFilter, LiveCapture};
use osiscope::echo::client::closed_port;
use osiscope::echo::{DEFAULT_LISTEN, EchoConfig, EchoError, EchoServer, Scenario, run_scenario};
use osiscope::session::starter::{self, CaptureOptions, Capturing, ServerOptions};
use osiscope::session::{RecordOptions, SessionError, record};

#[derive(Debug, clap::Args)]
pub struct LiveArgs {
    /// Interface to capture on.
    #[arg(short, long, default_value = "lo")]
    pub interface: String,
    /// Keep TCP packets to or from this port (repeatable).
    #[arg(short, long = "port", default_values_t = [8765])]
    pub ports: Vec<u16>,
    /// A libpcap filter expression instead of --port (libpcap backend only).
    #[arg(long)]
    pub filter: Option<String>,
    /// Also start the bundled echo server on ADDR (default 127.0.0.1:8765; port 0: any free
    /// port) and capture its traffic instead of --port/--filter, as the app's live mode does.
    /// Classroom mode: `--serve 0.0.0.0:8765 --interface eth0` lets students' devices join, each
    /// appearing as its own connection (a warning says who can connect).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = DEFAULT_LISTEN)]
    pub serve: Option<SocketAddr>,
    #[arg(long, value_enum, default_value_t)]
    pub backend: Backend,
    /// Stop after this many packets.
    #[arg(short = 'c', long)]
    pub count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Print nothing per packet, only the counters at the end (for benchmarks).
    #[arg(long)]
    pub quiet: bool,
    /// Per-packet output: decoded lines as `osiscope decode` prints them, or JSON Lines.
    #[arg(long, value_enum, default_value_t = super::decode::Format::Text)]
    pub format: super::decode::Format,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. A non-loopback address (classroom mode, e.g. 0.0.0.0:8765) is used
    /// only when given here explicitly, and a warning says who can then connect.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Connections served at once.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// Largest message in bytes (bigger ones are closed with 1009).
    #[arg(long, default_value_t = 16 << 20)]
    pub max_message_bytes: usize,
    /// Runtime worker threads.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
}

#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The echo server.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub connect: SocketAddr,
    #[arg(short, long, value_enum, default_value = "handshake")]
    pub scenario: Scenario,
    /// List the scenarios with what each shows, and exit.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, clap::Args)]
pub struct RecordArgs {
    /// The pcapng file to write.
    #[arg(short, long, required_unless_present = "list")]
    pub output: Option<PathBuf>,
    #[arg(short, long, value_enum, default_value = "handshake")]
    pub scenario: Scenario,
    /// List the scenarios with what each shows, and exit.
    #[arg(long)]
    pub list: bool,
    /// Where the echo server listens (port 0: any free port).
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    #[arg(short, long, default_value = "lo")]
    pub interface: String,
    #[arg(long, value_enum, default_value_t)]
    pub backend: Backend,
}

/// Print a session error with its fix; exit code 2 says it was a capture problem.
pub(super) fn session_failed(e: &SessionError) -> ExitCode {
    eprintln!("osiscope: {e}");
    if let Some(fix) = e.fix() {
        eprintln!("{fix}");
    }
    if matches!(e, SessionError::Capture(_)) {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}

fn echo_failed(e: &EchoError) -> ExitCode {
    eprintln!("osiscope: {e}");
    if let Some(fix) = e.fix() {
        eprintln!("{fix}");
    }
    ExitCode::FAILURE
}

pub fn run_live(args: &LiveArgs) -> anyhow::Result<ExitCode> {
    let filter = match &args.filter {
        Some(expr) => CaptureFilter::Bpf(expr.clone()),
        None => CaptureFilter::TcpPorts(args.ports.clone()),
    };
    let options = CaptureOptions {
        interface: args.interface.clone(),
        backend: args.backend,
        filter,
        also_loopback: false,
    };
    let started = match args.serve {
        Some(listen) => starter::start_with_server(
            ServerOptions {
                listen,
                any_port_if_taken: false,
                allow_non_loopback: true, // given explicitly with --serve
            },
            &options,
        )
        .map(|(served, capturing)| (Some(served), capturing)),
        None => starter::start_capture(&options).map(|capturing| (None, capturing)),
    };
    let (served, Capturing { capture, frames }) = match started {
        Ok(s) => s,
        Err(e) => return Ok(session_failed(&e)),
    };
    if let Some(warning) = served
        .as_ref()
        .and_then(|s| osiscope::echo::reachable_warning(s.server.local_addr()))
    {
        eprintln!("{warning}");
    }
    match &served {
        Some(s) => eprintln!(
            "capturing on {} ({:?}), echo server on ws://{}/; stop with Ctrl-C",
            args.interface,
            args.backend,
            s.server.local_addr()
        ),
        None => eprintln!(
            "capturing on {} ({:?}); stop with Ctrl-C",
            args.interface, args.backend
        ),
    }
    let deadline = args
        .seconds
        .map(|s| Instant::now() + Duration::from_secs_f64(s));
    let mut printer = Printer {
        args,
        deadline,
        capture: &capture,
        seen: 0,
        out: std::io::stdout().lock(),
        failed: None,
    };
    // Decode every packet (connections and streams need all of them), print unless quiet.
    let ended = osiscope::pipeline::run(
        &mut osiscope::engine::Engine::new(),
        &mut osiscope::pipeline::LiveFrames::new(frames),
        &mut printer,
    );
    let failed = printer.failed.take();
    drop(printer);
    if let Some(e) = failed {
        return Err(e.into());
    }
    if let Err(e) = ended {
        return Ok(session_failed(&e.into()));
    }
    drop(served);
    match capture.stop() {
        Ok(s) => {
            eprintln!(
                "{} packets received, {} delivered, dropped: {} by the kernel, {} by the interface, {} by osiscope",
                s.received, s.delivered, s.kernel_dropped, s.interface_dropped, s.osiscope_dropped
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(session_failed(&e.into())),
    }
}

/// `osiscope live`'s sink: prints each packet, stops at `--count` or `--seconds`, or when the
/// capture stopped.
struct Printer<'a> {
    args: &'a LiveArgs,
    deadline: Option<Instant>,
    capture: &'a LiveCapture,
    seen: u64,
    out: std::io::StdoutLock<'static>,
    /// Writing to stdout failed.
    failed: Option<std::io::Error>,
}

impl Printer<'_> {
    fn go_on(&self) -> ControlFlow<()> {
        let counted = self.args.count.is_some_and(|c| self.seen >= c);
        let late = self.deadline.is_some_and(|d| Instant::now() >= d);
        if counted || late || self.failed.is_some() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

impl osiscope::pipeline::Sink for Printer<'_> {
    fn packet(
        &mut self,
        _: &osiscope::engine::Engine,
        output: osiscope::engine::PacketOutput,
        _: Option<u64>,
    ) -> ControlFlow<()> {
        self.seen += 1;
        if !self.args.quiet {
            let record = osiscope::model::PacketRecord::from_output(output);
            let written = super::decode::write_record(&mut self.out, &record, self.args.format)
                .and_then(|()| std::io::Write::flush(&mut self.out));
            self.failed = written.err();
        }
        self.go_on()
    }

    fn idle(&mut self) -> ControlFlow<()> {
        if !self.capture.is_running() {
            return ControlFlow::Break(());
        }
        self.go_on()
    }
}

pub fn run_serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = EchoConfig {
        listen: args.listen,
        allow_non_loopback: true, // given explicitly with --listen
        max_connections: args.max_connections,
        max_message_bytes: args.max_message_bytes,
        worker_threads: args.workers,
        ..EchoConfig::default()
    };
    let server = match EchoServer::start(config) {
        Ok(s) => s,
        Err(e) => return Ok(echo_failed(&e)),
    };
    let addr = server.local_addr();
    if let Some(warning) = osiscope::echo::reachable_warning(addr) {
        eprintln!("{warning}");
    }
    println!(
        "echo server listening on ws://{addr}/ and Socket.IO on http://{addr}/socket.io/ (Ctrl-C stops it)"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime
        .block_on(tokio::signal::ctrl_c())
        .context("waiting for Ctrl-C")?;
    eprintln!("shutting down");
    server.shutdown();
    Ok(ExitCode::SUCCESS)
}

/// `--list`: one line per scenario, its name and what the class will see.
fn list_scenarios() -> ExitCode {
    let width = Scenario::ALL
        .iter()
        .map(|s| s.name().len())
        .max()
        .unwrap_or(0);
    for s in Scenario::ALL {
        println!("{:<width$}  {}", s.name(), s.description());
    }
    ExitCode::SUCCESS
}

pub fn run_client(args: &ClientArgs) -> anyhow::Result<ExitCode> {
    if args.list {
        return Ok(list_scenarios());
    }
    let addr = if args.scenario == Scenario::Refused {
        closed_port(args.connect.ip())?
    } else {
        args.connect
    };
    let report = run_scenario(addr, args.scenario)
        .with_context(|| format!("scenario {}", args.scenario.name()))?;
    for line in &report.log {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_record(args: &RecordArgs) -> ExitCode {
    let Some(output) = args.output.clone().filter(|_| !args.list) else {
        return list_scenarios();
    };
    let options = RecordOptions {
        output: output.clone(),
        scenario: args.scenario,
        listen: args.listen,
        interface: args.interface.clone(),
        backend: args.backend,
    };
    match record(&options) {
        Ok(r) => {
            for line in &r.scenario.log {
                println!("{line}");
            }
            eprintln!(
                "wrote {} packets (port {}) to {}; dropped: {} by the kernel, {} by osiscope",
                r.frames_written,
                r.port,
                output.display(),
                r.stats.kernel_dropped + r.stats.interface_dropped,
                r.stats.osiscope_dropped
            );
            ExitCode::SUCCESS
        }
        Err(e) => session_failed(&e),
    }
}
