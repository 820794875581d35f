//! `osiscope compare`: the same short chat carried five ways, recorded live on loopback and
//! measured from the captures; a table or JSON.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};
use osiscope::capture::live::Backend;
use osiscope::echo::compare::ChatPlan;
use osiscope::model::compare::ChatMeasure;
use osiscope::session::compare::{ChatTransport, CompareOptions, capture_name, compare};

use super::live::session_failed;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned table.
    #[default]
    Text,
    /// A JSON list: one object per transport.
    Json,
}

/// How the numbers are measured (after `--help`).
const HOW_MEASURED: &str = "\
How it is measured: every number is read from the captures by osiscope's own decode.
A message is one chat message either way: the client's (a POST to /chat/send, a text
message on the /chat WebSocket, a Socket.IO \"chat\" event on /compare) or the server's
answer to it. The server writes the time it made each answer into the answer itself
(\"created_ns\", nanoseconds since 1970); the delay is the capture time of the packet that
brings the answer's last byte to the client minus that time (the same machine's clock).
header_bytes counts every byte on the wire that is not a message's own text: link, IP and
TCP headers, handshakes, HTTP heads, frame headers, the JSON around the text, empty polls,
ACKs. Live capture needs CAP_NET_RAW (root, or setcap on the binary).";

#[derive(Debug, Args)]
#[command(after_help = HOW_MEASURED)]
pub struct CompareArgs {
    /// Chat messages in all; half are the client's, each answered by the server.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub messages: u32,
    /// Time between two client messages, milliseconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub send_interval_ms: u64,
    /// Time between two polls of the `polling` transport, milliseconds.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub poll_interval_ms: u64,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Where to write the five captures (compare-polling.pcapng, …); default: a new directory
    /// under the system's temporary directory.
    #[arg(long)]
    pub output_dir: Option<PathBuf>,
    #[arg(short, long, default_value = "lo")]
    pub interface: String,
    #[arg(long, value_enum, default_value_t)]
    pub backend: Backend,
}

pub fn run(args: &CompareArgs) -> ExitCode {
    let output_dir = args.output_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("osiscope-compare-{}", std::process::id()))
    });
    let options = CompareOptions {
        plan: ChatPlan {
            messages: args.messages as usize,
            send_interval: Duration::from_millis(args.send_interval_ms),
            poll_interval: Duration::from_millis(args.poll_interval_ms),
        },
        output_dir: output_dir.clone(),
        interface: args.interface.clone(),
        backend: args.backend,
    };
    let progress = |t: ChatTransport| eprintln!("recording {}: {}", t.name(), t.how());
    match compare(&options, progress) {
        Ok(measures) => {
            match args.format {
                Format::Text => print!("{}", table(&measures)),
                Format::Json => match serde_json::to_string_pretty(&measures) {
                    Ok(json) => println!("{json}"),
                    Err(e) => {
                        eprintln!("osiscope: {e}");
                        return ExitCode::FAILURE;
                    }
                },
            }
            eprintln!(
                "captures: {}",
                ChatTransport::ALL
                    .map(|t| output_dir.join(capture_name(t)).display().to_string())
                    .join(", ")
            );
            ExitCode::SUCCESS
        }
        Err(e) => session_failed(&e),
    }
}

/// The measurements as an aligned table.
fn table(measures: &[ChatMeasure]) -> String {
    let header = [
        "transport",
        "messages",
        "tcp_connections",
        "packets",
        "wire_bytes",
        "bytes_per_message",
        "header_bytes_per_message",
        "delay_median_ms",
        "delay_max_ms",
    ];
    let rows: Vec<Vec<String>> = measures
        .iter()
        .map(|m| {
            std::iter::once(m.transport.clone())
                .chain(m.cells())
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, String::len))
                .chain([header.get(i).map_or(0, |h| h.len())])
                .max()
                .unwrap_or_default()
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(out, "{cell:<width$}");
            } else {
                let _ = write!(out, "  {cell:>width$}");
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&mut header.iter().copied());
    for row in &rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_aligned_with_one_row_per_transport() {
        let rows = [
            ChatMeasure {
                transport: "websocket".into(),
                messages: 20,
                tcp_connections: 1,
                packets: 42,
                wire_bytes: 4608,
                bytes_per_message: 230.4,
                header_bytes_per_message: 183.4,
                delay_median_ms: 0.09,
                delay_max_ms: 0.27,
                ..ChatMeasure::default()
            },
            ChatMeasure {
                transport: "long-polling".into(),
                messages: 20,
                wire_bytes: 11_207,
                ..ChatMeasure::default()
            },
        ];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("transport     messages  tcp_connections"));
        assert!(
            lines[1].starts_with("websocket           20                1       42        4608")
        );
        assert!(
            lines[2].starts_with("long-polling        20                0        0       11207")
        );
        assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{text}");
    }
}
