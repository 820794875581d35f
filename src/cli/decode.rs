//! `osiscope decode FILE`: one line per packet, `--format json` for JSON Lines, `--summary` for
//! totals per connection. Streams the file: memory stays flat whatever its size.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use anyhow::Context as _;
use osiscope::app_proto::AppEvent;
use osiscope::app_proto::engineio::IoEvent;
use osiscope::app_proto::websocket::opcode;
use osiscope::capture::FileReader;
use osiscope::engine::{Engine, PacketOutput};
use osiscope::flow::Connection;
use osiscope::lesson::{annotations, io_annotations};
use osiscope::model::json::{self, JsonPacket as _};
use osiscope::model::{AckFill, PacketRecord};
use osiscope::pipeline;

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
    tls: u64,
    ws_by_opcode: BTreeMap<u8, u64>,
    ws_issues: u64,
    analysis: BTreeMap<&'static str, u64>,
}

/// Records a batch for the writer holds at most.
const BATCH_PACKETS: usize = 1024;
/// Bytes of WebSocket text a batch for the writer holds at most, past one packet.
const BATCH_BYTES: usize = 512 << 10;
/// Batches waiting for the writer, at most: with `BATCH_BYTES`, this bounds memory.
const QUEUE_BATCHES: usize = 4;
/// Output bytes gathered before one write to stdout.
const WRITE_CHUNK: usize = 1 << 20;

/// Decodes on two threads: this one runs the file through the engine (`pipeline::run`), and
/// `decode-write` makes the records, formats and writes them; they are joined by a bounded
/// queue of batches. The output is what one thread would make, in the same order. (A third,
/// `osiscope-map`, maps the file ahead: see `FileReader::open`.)
///
/// Frames are decoded where the reader's mapping holds them (no copy per packet), and the
/// outputs hold no packet bytes: the only bytes that go to the writer are WebSocket texts.
/// Emptied batches come back to be filled again. Memory stays flat: a few batches of bounded
/// size are in flight.
pub fn run(args: &DecodeArgs) -> anyhow::Result<ExitCode> {
    let mut reader =
        FileReader::open(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let (output_tx, output_rx) = mpsc::sync_channel::<Vec<PacketOutput>>(QUEUE_BATCHES);
    // Emptied batches coming back; one that finds this queue full is freed instead.
    let (empty_tx, empty_rx) = mpsc::sync_channel::<Vec<PacketOutput>>(QUEUE_BATCHES + 2);
    // Neither output shows payload bytes or whole messages: do not copy them.
    let mut engine = Engine::without_payloads();
    let mut sink = Batches {
        totals: args.summary.then(BTreeMap::new),
        outputs: Vec::with_capacity(BATCH_PACKETS),
        text_bytes: 0,
        full: None,
        empty: &empty_rx,
        spare: Vec::with_capacity(BATCH_PACKETS),
    };
    let (failure, written) = std::thread::scope(|s| -> io::Result<_> {
        if !args.quiet {
            let format = args.format;
            sink.full = Some(output_tx);
            let writer = std::thread::Builder::new()
                .name("decode-write".into())
                .spawn_scoped(s, move || write_records(&output_rx, &empty_tx, format))?;
            let failure = pipeline::run(&mut engine, &mut reader, &mut sink).err();
            // The writer ends when the queue closes.
            sink.full = None;
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")));
            return Ok((failure, written));
        }
        Ok((
            pipeline::run(&mut engine, &mut reader, &mut sink).err(),
            Ok(()),
        ))
    })?;
    if let Err(e) = written {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e.into());
    }
    if let Some(totals) = &sink.totals {
        let mut out = BufWriter::new(io::stdout().lock());
        write_summary(&mut out, engine.connections(), totals)?;
        out.flush()?;
    }
    if let Some(e) = failure {
        eprintln!("osiscope: {}: {e}", args.file.display());
        if let Some(fix) = e.fix() {
            eprintln!("{fix}");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// The engine thread's sink: counts totals for `--summary`, and gathers the outputs into
/// batches for the writer (when there is one).
struct Batches<'a> {
    totals: Option<BTreeMap<u32, ConnTotals>>,
    outputs: Vec<PacketOutput>,
    /// WebSocket text bytes in `outputs`.
    text_bytes: usize,
    /// Where full batches go: `None` with `--quiet`.
    full: Option<mpsc::SyncSender<Vec<PacketOutput>>>,
    /// Emptied batches, back from the writer.
    empty: &'a mpsc::Receiver<Vec<PacketOutput>>,
    /// Outputs the writer wrote and gave back, whose lists the engine fills again (see
    /// `Sink::recycled_events`).
    spare: Vec<PacketOutput>,
}

impl Batches<'_> {
    fn send(&mut self) -> ControlFlow<()> {
        let Some(full) = &self.full else {
            return ControlFlow::Continue(());
        };
        // A batch back from the writer holds the outputs it wrote (see `write_records`): they
        // are the spares the next packets are made in, and what is left of the last spares is
        // freed here.
        let next = self.empty.try_recv().map_or_else(
            |_| Vec::with_capacity(BATCH_PACKETS),
            |mut spent| {
                std::mem::swap(&mut self.spare, &mut spent);
                spent.clear();
                spent
            },
        );
        self.text_bytes = 0;
        // The writer stopped (stdout closed): stop reading too.
        match full.send(std::mem::replace(&mut self.outputs, next)) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
    }
}

impl pipeline::Sink for Batches<'_> {
    fn packet(&mut self, _: &Engine, output: PacketOutput, _: Option<u64>) -> ControlFlow<()> {
        if let Some(totals) = &mut self.totals {
            count(totals, &output);
        }
        if self.full.is_none() {
            return ControlFlow::Continue(());
        }
        self.text_bytes += output
            .events
            .iter()
            .map(|e| match e {
                AppEvent::WsFrame(f) => f.text.as_deref().map_or(0, str::len),
                _ => 0,
            })
            .sum::<usize>();
        self.outputs.push(output);
        if self.outputs.len() >= BATCH_PACKETS || self.text_bytes >= BATCH_BYTES {
            return self.send();
        }
        ControlFlow::Continue(())
    }

    /// The end of the file: the last batch.
    fn idle(&mut self) -> ControlFlow<()> {
        if self.outputs.is_empty() {
            return ControlFlow::Continue(());
        }
        self.send()
    }

    fn recycled_events(&mut self) -> Vec<AppEvent> {
        // Taken where the output lies, and the rest of it dropped there: popping it copied
        // the whole output first.
        let events = self
            .spare
            .last_mut()
            .map(|o| std::mem::take(&mut o.events))
            .unwrap_or_default();
        self.spare.truncate(self.spare.len().saturating_sub(1));
        events
    }
}

/// The `decode-write` thread: every packet's record in the chosen format (the text output
/// shows the Info column), written to stdout in large writes; emptied batches go back on `empty`
/// to be filled again.
fn write_records(
    outputs: &mpsc::Receiver<Vec<PacketOutput>>,
    empty: &mpsc::SyncSender<Vec<PacketOutput>>,
    format: Format,
) -> io::Result<()> {
    let stdout = io::stdout();
    let mut stdout = stdout.lock();
    let mut buf = Vec::with_capacity(WRITE_CHUNK + (64 << 10));
    // JSON lines of an event that asks for an ack wait for the ACK's frame (`ack_frame`).
    let mut acks = AckFill::default();
    let mut lines = json::LineWriter::default();
    // Outputs written as they are go back to the engine thread with an emptied batch, to be
    // filled again or freed there: memory freed by the thread that allocated it is used again
    // while it is in that thread's core's cache, where freed here it came back to the engine
    // from the other core, a cache miss for each line it wrote (the engine thread took 145 ms
    // of CPU on sio.pcap that way, 120 ms with the outputs freed on it).
    let mut spent = Vec::new();
    for mut batch in outputs {
        for output in batch.drain(..) {
            match format {
                Format::Text => write_record(&mut buf, &PacketRecord::from_output(output), format)?,
                // Most packets wait for nothing: their line is written from the output as it is.
                Format::Json if acks.passes(output.io()) => {
                    lines.append_packet(&mut buf, &output, annotations::SENTENCES)?;
                    spent.push(output);
                }
                Format::Json => {
                    acks.push(PacketRecord::without_info(output));
                    while let Some(record) = acks.pop_ready() {
                        lines.append_packet(&mut buf, &record, annotations::SENTENCES)?;
                    }
                }
            }
            if buf.len() >= WRITE_CHUNK {
                stdout.write_all(&buf)?;
                buf.clear();
            }
        }
        // The emptied batch takes the next outputs written. When the engine has enough
        // spares, these are freed here.
        let _ = empty.try_send(std::mem::replace(&mut spent, batch));
    }
    while let Some(record) = acks.pop_any() {
        lines.append_packet(&mut buf, &record, annotations::SENTENCES)?;
    }
    stdout.write_all(&buf)?;
    stdout.flush()
}

/// Totals for `--summary` of one processed packet: its connection's HTTP messages, WebSocket
/// frames by opcode and their issues, TCP analysis flags.
fn count(totals: &mut BTreeMap<u32, ConnTotals>, output: &PacketOutput) {
    let Some(seg) = &output.seg else { return };
    let t = totals.entry(seg.stream).or_default();
    for event in &output.events {
        match event {
            AppEvent::Http(_) => t.http += 1,
            AppEvent::WsFrame(f) => {
                *t.ws_by_opcode.entry(f.opcode).or_default() += 1;
                t.ws_issues += f.issues.len() as u64;
            }
            AppEvent::Tls(_) => t.tls += 1,
            AppEvent::WsMessage(_) | AppEvent::Note(_) | AppEvent::Io(_) => {}
        }
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
        Format::Json => json::write_packet(out, record, annotations::SENTENCES),
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
        p.number,
        r.protocol,
        annotations::info_column(&r.info, p.tcp.is_some(), &p.issues)
    );
    for issue in &p.issues {
        let _ = write!(
            line,
            " [{}: {}]",
            issue.layer,
            annotations::decode_issue(&issue.kind)
        );
    }
    for f in &r.ws {
        for issue in &f.issues {
            let _ = write!(line, " [websocket: {}]", annotations::ws_anomaly(issue));
        }
    }
    for record in &r.tls {
        for issue in &record.issues {
            let _ = write!(line, " [tls: {}]", annotations::tls_anomaly(issue));
        }
    }
    for note in &r.notes {
        let _ = write!(line, " [{}]", annotations::note(note));
    }
    for event in &r.io {
        if let IoEvent::Anomaly(a) = event {
            let (layer, sentence) = io_annotations::io_anomaly(&a.kind);
            let _ = write!(line, " [{layer}: {sentence}]");
        }
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
        if t.tls > 0 {
            let _ = write!(line, "  TLS records {}", t.tls);
        }
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
