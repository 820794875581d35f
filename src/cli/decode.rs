//! `osiscope decode FILE`: one line per packet, `--format json` for JSON Lines, `--summary` for
//! totals per connection. Streams the file: memory stays flat whatever its size.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use osiscope::app_proto::websocket::opcode;
use osiscope::capture::FileReader;
use osiscope::flow::Connection;
use osiscope::model::{PacketRecord, json};
use osiscope::pipeline::Engine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One readable line per packet, like tshark's summary but WebSocket-aware.
    Text,
    /// JSON Lines, one object per packet (the contract in DESIGN.md).
    Json,
}

#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// A pcap or pcapng file.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print totals per connection (handshake RTT, frames by opcode, bytes, anomalies) after
    /// the packets; with `--quiet`, only the totals.
    #[arg(long)]
    pub summary: bool,
    /// Print no per-packet output.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Per-connection totals for `--summary`.
#[derive(Default)]
struct ConnTotals {
    http: u64,
    ws_by_opcode: BTreeMap<u8, u64>,
    ws_issues: u64,
    analysis: BTreeMap<&'static str, u64>,
}

pub fn run(args: &DecodeArgs) -> anyhow::Result<ExitCode> {
    let mut reader =
        FileReader::open(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 18, stdout.lock());
    // Neither output shows payload bytes or whole messages: do not copy them.
    let mut engine = Engine::without_payloads();
    let mut totals: BTreeMap<u32, ConnTotals> = BTreeMap::new();
    let mut failure = None;
    while let Some(item) = reader.next() {
        let frame = match item {
            Ok(f) => f,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let output = engine.process(frame);
        // Only the text output shows the Info column.
        let record = if args.format == Format::Text && !args.quiet {
            PacketRecord::from_output(output)
        } else {
            PacketRecord::without_info(output)
        };
        if args.summary {
            count(&mut totals, &record);
        }
        if !args.quiet
            && let Err(e) = write_record(&mut out, &record, args.format)
        {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Ok(ExitCode::SUCCESS);
            }
            return Err(e.into());
        }
        // The frame's buffer holds the next frame's bytes.
        reader.recycle(record.packet.data);
    }
    if args.summary {
        write_summary(&mut out, engine.connections(), &totals)?;
    }
    out.flush()?;
    drop(out);
    if let Some(e) = failure {
        eprintln!("osiscope: {}: {e}", args.file.display());
        if let Some(fix) = e.fix() {
            eprintln!("{fix}");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn count(totals: &mut BTreeMap<u32, ConnTotals>, record: &PacketRecord) {
    let Some(seg) = &record.seg else { return };
    let t = totals.entry(seg.stream).or_default();
    t.http += record.http.len() as u64;
    for f in &record.ws {
        *t.ws_by_opcode.entry(f.opcode).or_default() += 1;
        t.ws_issues += f.issues.len() as u64;
    }
    for a in &seg.analysis {
        *t.analysis.entry(a.json_name()).or_default() += 1;
    }
}

/// One packet in the chosen format.
pub fn write_record<W: Write>(
    out: &mut W,
    record: &PacketRecord,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Json => json::write_packet(out, record),
        Format::Text => write_text(out, record),
    }
}

fn write_text<W: Write>(out: &mut W, r: &PacketRecord) -> io::Result<()> {
    let p = &r.packet;
    let secs = p.ts_ns.div_euclid(1_000_000_000);
    let nanos = p.ts_ns.rem_euclid(1_000_000_000);
    let (src, dst) = match (&p.ip, &p.tcp) {
        (Some(ip), Some(t)) => (
            format!("{}:{}", ip.src, t.src_port),
            format!("{}:{}", ip.dst, t.dst_port),
        ),
        (Some(ip), None) => (ip.src.to_string(), ip.dst.to_string()),
        _ => ("?".into(), "?".into()),
    };
    let stream = r
        .seg
        .as_ref()
        .map_or(String::new(), |s| format!(" #{}", s.stream));
    let mut line = format!(
        "{:>6} {secs}.{nanos:09} {src} → {dst}{stream} {} {}",
        p.number, r.protocol, r.info
    );
    for issue in &p.issues {
        let _ = write!(line, " [{}: {}]", issue.layer, issue.message);
    }
    for f in &r.ws {
        for issue in &f.issues {
            let _ = write!(line, " [websocket: {issue}]");
        }
    }
    for note in &r.notes {
        let _ = write!(line, " [{note}]");
    }
    writeln!(out, "{line}")
}

fn write_summary<W: Write>(
    out: &mut W,
    conns: &[Connection],
    totals: &BTreeMap<u32, ConnTotals>,
) -> io::Result<()> {
    writeln!(out, "\n{} TCP connection(s)", conns.len())?;
    let empty = ConnTotals::default();
    for c in conns {
        let t = totals.get(&c.id).unwrap_or(&empty);
        let rtt = c
            .handshake_rtt_ns
            .map_or("n/a".to_string(), |ns| format!("{:.3} ms", ns as f64 / 1e6));
        let done = c.completeness;
        let mut seen: Vec<&str> = Vec::new();
        for (flag, name) in [
            (done.syn, "SYN"),
            (done.syn_ack, "SYN-ACK"),
            (done.ack, "ACK"),
            (done.data, "DATA"),
            (done.fin, "FIN"),
            (done.rst, "RST"),
        ] {
            if flag {
                seen.push(name);
            }
        }
        writeln!(
            out,
            "#{} {} → {}{}  packets {}/{}  bytes {}/{}  handshake RTT {rtt}  seen {}  states {}/{}",
            c.id,
            c.client,
            c.server,
            if c.midstream {
                " (picked up mid-stream)"
            } else {
                ""
            },
            c.packets[0],
            c.packets[1],
            c.payload_bytes[0],
            c.payload_bytes[1],
            seen.join(" "),
            c.client_state,
            c.server_state,
        )?;
        let mut line = format!("    HTTP messages {}", t.http);
        if !t.ws_by_opcode.is_empty() {
            let frames: Vec<String> = t
                .ws_by_opcode
                .iter()
                .map(|(op, n)| format!("{} {n}", opcode::name(*op)))
                .collect();
            let _ = write!(line, "  WebSocket frames: {}", frames.join(", "));
        }
        if t.ws_issues > 0 {
            let _ = write!(line, "  RFC 6455 issues {}", t.ws_issues);
        }
        if !t.analysis.is_empty() {
            let an: Vec<String> = t.analysis.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = write!(line, "  anomalies: {}", an.join(", "));
        }
        if c.missing_bytes.iter().any(|&b| b > 0) {
            let _ = write!(
                line,
                "  missing bytes {}/{}",
                c.missing_bytes[0], c.missing_bytes[1]
            );
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}
