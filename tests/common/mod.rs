//! Shared test helpers: where the corpus lives, tshark reference TSVs, and field-by-field
//! comparison of our decode with tshark's (the same checks as `shared/corpus/compare.py`).

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use osiscope::capture::FileReader;
use osiscope::engine::{Engine, PacketOutput};
use osiscope::model::PacketRecord;
use osiscope::pipeline;

/// Run the `osiscope` binary with `args`, check that it succeeded, and return its standard
/// output.
pub fn run_osiscope(args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_osiscope"))
        .args(args)
        .output()
        .expect("run osiscope");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The public corpus (`shared/corpus` beside the repository).
pub fn corpus_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for candidate in [
        here.join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ] {
        if candidate.join("captures").is_dir() {
            return candidate;
        }
    }
    panic!(
        "the public capture corpus was not found at {}/../shared/corpus: \
         the decode tests compare against it (see DESIGN.md, 'Fixtures and references')",
        here.display()
    );
}

/// The bundled captures (`captures/` in this repository).
pub fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("captures")
}

/// One tshark reference row: column name → value.
pub type Row = HashMap<String, String>;

pub fn read_tsv(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            head.iter()
                .enumerate()
                .map(|(i, h)| {
                    (
                        (*h).to_string(),
                        cols.get(i).copied().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

/// Decode a whole file through the run loop (the file's bytes lent, as `osiscope decode` reads
/// them). Returns the records and the error that ended reading, if any.
pub fn decode_file(path: &Path) -> (Vec<PacketRecord>, Option<String>) {
    let mut reader = FileReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    let ended = pipeline::run(
        &mut Engine::new(),
        &mut reader,
        &mut |_: &Engine, output: PacketOutput| {
            out.push(PacketRecord::from_output(output));
            ControlFlow::Continue(())
        },
    );
    (out, ended.err().map(|e| e.to_string()))
}

fn split(v: &str) -> Vec<&str> {
    if v.is_empty() {
        Vec::new()
    } else {
        v.split(',').collect()
    }
}

fn col<'a>(r: &'a Row, k: &str) -> &'a str {
    r.get(k).map_or("", String::as_str)
}

/// Compare one capture with its reference; returns (fields agreed, fields checked, differences).
pub fn compare(name: &str, records: &[PacketRecord], rows: &[Row]) -> (usize, usize, Vec<String>) {
    let mut diffs = Vec::new();
    let mut agree = 0;
    let mut total = 0;
    let mut check = |frame: &str, field: &str, want: String, got: String| {
        total += 1;
        if want == got {
            agree += 1;
        } else {
            diffs.push(format!(
                "{name} frame {frame}: {field}: tshark={want} osiscope={got}"
            ));
        }
    };
    check(
        "-",
        "packets",
        rows.len().to_string(),
        records.len().to_string(),
    );
    let by_number: HashMap<u64, &PacketRecord> =
        records.iter().map(|r| (r.packet.number, r)).collect();
    for r in rows {
        let n = col(r, "frame.number");
        let Some(rec) = n.parse::<u64>().ok().and_then(|n| by_number.get(&n)) else {
            check(n, "present", "yes".into(), "no".into());
            continue;
        };
        let p = &rec.packet;
        check(
            n,
            "frame.len",
            col(r, "frame.len").into(),
            p.len.to_string(),
        );
        check(
            n,
            "frame.cap_len",
            col(r, "frame.cap_len").into(),
            p.caplen.to_string(),
        );
        let src = if col(r, "ip.src").is_empty() {
            col(r, "ipv6.src")
        } else {
            col(r, "ip.src")
        };
        let dst = if col(r, "ip.dst").is_empty() {
            col(r, "ipv6.dst")
        } else {
            col(r, "ip.dst")
        };
        if !src.is_empty() {
            let ip = p.ip.as_ref();
            check(
                n,
                "ip.src",
                split(src).last().copied().unwrap_or("").into(),
                ip.map(|i| i.src.to_string()).unwrap_or_default(),
            );
            check(
                n,
                "ip.dst",
                split(dst).last().copied().unwrap_or("").into(),
                ip.map(|i| i.dst.to_string()).unwrap_or_default(),
            );
        }
        compare_tcp(r, rec, &mut |f, w, g| check(n, f, w, g));
        compare_http(r, rec, &mut |f, w, g| check(n, f, w, g));
        compare_ws(r, rec, &mut |f, w, g| check(n, f, w, g));
    }
    (agree, total, diffs)
}

fn compare_tcp(r: &Row, rec: &PacketRecord, check: &mut dyn FnMut(&str, String, String)) {
    if col(r, "tcp.srcport").is_empty() {
        return;
    }
    let seg = rec.seg.as_ref();
    let t = rec.packet.tcp.as_ref();
    let ours: [(&str, Option<String>); 8] = [
        ("tcp.srcport", t.map(|t| t.src_port.to_string())),
        ("tcp.dstport", t.map(|t| t.dst_port.to_string())),
        ("tcp.seq_raw", t.map(|t| t.seq.to_string())),
        ("tcp.ack_raw", t.map(|t| t.ack.to_string())),
        ("tcp.flags", t.map(|t| format!("0x{:04x}", t.flags))),
        ("tcp.len", t.map(|t| t.payload_len.to_string())),
        ("tcp.window_size_value", t.map(|t| t.window.to_string())),
        ("tcp.stream", seg.map(|s| s.stream.to_string())),
    ];
    for (column, got) in ours {
        check(column, col(r, column).into(), got.unwrap_or_default());
    }
    let flagged = |k: &str| seg.is_some_and(|s| s.analysis.iter().any(|a| a.json_name() == k));
    for (k, c) in [
        ("retransmission", "tcp.analysis.retransmission"),
        ("out_of_order", "tcp.analysis.out_of_order"),
        ("duplicate_ack", "tcp.analysis.duplicate_ack"),
    ] {
        check(
            c,
            (!col(r, c).is_empty()).to_string(),
            flagged(k).to_string(),
        );
    }
}

fn compare_http(r: &Row, rec: &PacketRecord, check: &mut dyn FnMut(&str, String, String)) {
    use osiscope::app_proto::HttpKind;
    let opt = |v: Option<&String>| v.cloned().unwrap_or_default();
    if !col(r, "http.request.method").is_empty() {
        let req = rec.http.iter().find(|h| h.kind == HttpKind::Request);
        check(
            "http.method",
            col(r, "http.request.method").into(),
            opt(req.and_then(|h| h.method.as_ref())),
        );
        check(
            "http.uri",
            col(r, "http.request.uri").into(),
            opt(req.and_then(|h| h.uri.as_ref())),
        );
        if !col(r, "http.sec_websocket_key").is_empty() {
            check(
                "http.key",
                col(r, "http.sec_websocket_key").into(),
                opt(req.and_then(|h| h.sec_websocket_key.as_ref())),
            );
        }
    }
    if !col(r, "http.response.code").is_empty() {
        let resp = rec.http.iter().find(|h| h.kind == HttpKind::Response);
        let want = split(col(r, "http.response.code"))
            .first()
            .copied()
            .unwrap_or("")
            .to_string();
        check(
            "http.status",
            want,
            resp.and_then(|h| h.status)
                .map(|s| s.to_string())
                .unwrap_or_default(),
        );
        if !col(r, "http.sec_websocket_accept").is_empty() {
            check(
                "http.accept",
                col(r, "http.sec_websocket_accept").into(),
                opt(resp.and_then(|h| h.sec_websocket_accept.as_ref())),
            );
        }
    }
}

/// tshark writes control characters in text as escapes.
fn escape(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// Our texts as tshark 4.0 attributes them: a fragmented message's whole text on its final
/// frame, nothing on the fragments before it (we keep each fragment's own text in
/// `WsFrame::text`, and the whole in `WsMessage::text`). `None` where tshark 4.0 is wrong and
/// no comparison is meaningful. Its two known faults, both checked against its source and
/// against RFC 6455/7692 in `captures/README.md`:
/// - it decides whether to inflate from RSV1 of the *final* fragment, so a compressed message
///   split into fragments is shown as compressed bytes (we inflate it);
/// - it never reassembles a message whose last continuation frame is empty, so it shows no
///   text for it (we do).
fn tshark_texts(rec: &PacketRecord) -> Option<Vec<String>> {
    use osiscope::app_proto::websocket::opcode;
    let mut texts = Vec::new();
    for f in &rec.ws {
        let data = matches!(
            f.opcode,
            opcode::CONTINUATION | opcode::TEXT | opcode::BINARY
        );
        if data && !f.fin {
            continue;
        }
        if f.opcode == opcode::CONTINUATION {
            let message = rec
                .messages
                .iter()
                .find(|m| m.direction == f.direction && m.fragments > 1);
            if message.is_some_and(|m| m.compressed) {
                return None;
            }
            if f.payload_len > 0 {
                texts.extend(message.and_then(|m| m.text.as_deref()).map(escape));
            }
            continue;
        }
        texts.extend(f.text.as_deref().map(escape));
    }
    Some(texts)
}

fn compare_ws(r: &Row, rec: &PacketRecord, check: &mut dyn FnMut(&str, String, String)) {
    let fins = split(col(r, "websocket.fin"));
    if fins.is_empty() && rec.ws.is_empty() {
        return;
    }
    // The text column cannot be split (a text may hold commas): compare it whole.
    if let Some(texts) = tshark_texts(rec) {
        check(
            "websocket.payload.text",
            col(r, "websocket.payload.text").to_string(),
            texts.join(","),
        );
    }
    check("ws.count", fins.len().to_string(), rec.ws.len().to_string());
    let rsv = split(col(r, "websocket.rsv"));
    let op = split(col(r, "websocket.opcode"));
    let mask = split(col(r, "websocket.mask"));
    let pl = split(col(r, "websocket.payload_length"));
    let mut e16 = split(col(r, "websocket.payload_length_ext_16")).into_iter();
    let mut e64 = split(col(r, "websocket.payload_length_ext_64")).into_iter();
    let mut keys = split(col(r, "websocket.masking_key")).into_iter();
    let mut codes = split(col(r, "websocket.payload.close.status_code")).into_iter();
    for (i, fin) in fins.iter().enumerate() {
        let g = rec.ws.get(i);
        let get =
            |f: &dyn Fn(&osiscope::app_proto::WsFrame) -> String| g.map(f).unwrap_or_default();
        let b = |v: &str| (v == "1" || v == "True").to_string();
        check(&format!("ws[{i}].fin"), b(fin), get(&|f| f.fin.to_string()));
        let want_rsv = rsv
            .get(i)
            .and_then(|v| u8::from_str_radix(v.trim_start_matches("0x"), 16).ok());
        check(
            &format!("ws[{i}].rsv"),
            format!("{want_rsv:?}"),
            get(&|f| format!("{:?}", Some(f.rsv))),
        );
        check(
            &format!("ws[{i}].opcode"),
            op.get(i).copied().unwrap_or("").into(),
            get(&|f| f.opcode.to_string()),
        );
        let masked = mask.get(i).is_some_and(|v| *v == "1" || *v == "True");
        check(
            &format!("ws[{i}].masked"),
            masked.to_string(),
            get(&|f| f.masked.to_string()),
        );
        let len = match pl.get(i).copied() {
            Some("126") => e16.next().unwrap_or(""),
            Some("127") => e64.next().unwrap_or(""),
            Some(v) => v,
            None => "",
        };
        check(
            &format!("ws[{i}].payload_len"),
            len.into(),
            get(&|f| f.payload_len.to_string()),
        );
        if masked {
            let want = keys.next().unwrap_or("").replace(':', "").to_lowercase();
            let got = get(&|f| {
                f.masking_key
                    .map(|k| format!("{:02x}{:02x}{:02x}{:02x}", k[0], k[1], k[2], k[3]))
                    .unwrap_or_default()
            });
            check(&format!("ws[{i}].masking_key"), want, got);
        }
        if op.get(i).copied() == Some("8") && g.is_some_and(|f| f.close_code.is_some()) {
            let want = codes.next().unwrap_or("").to_string();
            check(
                &format!("ws[{i}].close_code"),
                want,
                get(&|f| f.close_code.map(|c| c.to_string()).unwrap_or_default()),
            );
        }
    }
}
