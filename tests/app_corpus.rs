//! Every capture of the shared corpus through decode → flow → `app_proto` (as `pipeline` runs
//! them), compared with tshark's reference on the HTTP and WebSocket columns, packet by packet:
//! method, URI, status, Sec-WebSocket-Key/-Accept, and per frame fin, rsv, opcode, mask, payload
//! length, masking key, close code and text. Every difference is printed; any one fails the test.
//!
//! Where we are more right than tshark 4.0 on text (no capture here has such a case yet): it
//! leaves a compressed message that is split into fragments undecompressed, and never reassembles
//! a fragmented message whose last continuation frame is empty. We inflate the fragments one by
//! one (each fragment's own text in `WsFrame::text`, the whole in `WsMessage::text`) and finish a
//! message on an empty final continuation. A capture with either would need an exception here.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use osiscope::app_proto::{AppEvent, HttpKind, HttpMessage, WsFrame};
use osiscope::capture::FileReader;
use osiscope::pipeline::Engine;

/// The corpus lives next to the checkout (`../shared/corpus`); worktrees fall back to /work/shared.
fn corpus_dir() -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    [beside, PathBuf::from("/work/shared/corpus")]
        .into_iter()
        .find(|p| p.join("captures").is_dir())
}

fn read_reference(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let head: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .map(|line| {
            let cells = line
                .split('\t')
                .map(str::to_string)
                .chain(std::iter::repeat(String::new()));
            head.iter().cloned().zip(cells).collect()
        })
        .collect()
}

/// tshark writes control characters in text as escapes.
fn escape(text: &str) -> String {
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

fn join<T>(items: &[T], f: impl Fn(&T) -> Option<String>) -> String {
    items.iter().filter_map(f).collect::<Vec<_>>().join(",")
}

/// Our values for the compared columns, formatted as tshark prints them ("" when absent).
fn ours(http: &[HttpMessage], ws: &[WsFrame]) -> Vec<(&'static str, String)> {
    let req: Vec<&HttpMessage> = http
        .iter()
        .filter(|m| m.kind == HttpKind::Request)
        .collect();
    let resp: Vec<&HttpMessage> = http
        .iter()
        .filter(|m| m.kind == HttpKind::Response)
        .collect();
    let ext = |f: &WsFrame, field: u8| (f.len_field == field).then(|| f.payload_len.to_string());
    let key = |f: &WsFrame| {
        f.masking_key
            .map(u32::from_be_bytes)
            .map(|k| format!("{k:08x}"))
    };
    vec![
        ("http.request.method", join(&req, |m| m.method.clone())),
        ("http.request.uri", join(&req, |m| m.uri.clone())),
        (
            "http.response.code",
            join(&resp, |m| m.status.map(|s| s.to_string())),
        ),
        (
            "http.sec_websocket_key",
            join(&req, |m| m.sec_websocket_key.clone()),
        ),
        (
            "http.sec_websocket_accept",
            join(&resp, |m| m.sec_websocket_accept.clone()),
        ),
        (
            "websocket.fin",
            join(ws, |f| Some(u8::from(f.fin).to_string())),
        ),
        (
            "websocket.rsv",
            join(ws, |f| Some(format!("0x{:02x}", f.rsv))),
        ),
        ("websocket.opcode", join(ws, |f| Some(f.opcode.to_string()))),
        (
            "websocket.mask",
            join(ws, |f| Some(u8::from(f.masked).to_string())),
        ),
        (
            "websocket.payload_length",
            join(ws, |f| Some(f.len_field.to_string())),
        ),
        ("websocket.payload_length_ext_16", join(ws, |f| ext(f, 126))),
        ("websocket.payload_length_ext_64", join(ws, |f| ext(f, 127))),
        ("websocket.masking_key", join(ws, key)),
        (
            "websocket.payload.close.status_code",
            join(ws, |f| f.close_code.map(|c| c.to_string())),
        ),
        (
            "websocket.payload.text",
            join(ws, |f| f.text.as_deref().map(escape)),
        ),
    ]
}

#[test]
fn corpus_http_and_websocket_agree_with_tshark() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIPPED: no shared corpus found next to the checkout or at /work/shared/corpus");
        return;
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("captures"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    let (mut diffs, mut fields, mut agree, mut frames) = (String::new(), 0usize, 0usize, 0usize);
    for path in &paths {
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let stem = file.split(".pcap").next().unwrap_or_default().to_string();
        let reference = read_reference(&dir.join("reference").join(format!("{stem}.tsv")));
        let mut engine = Engine::new();
        let mut by_packet: HashMap<u64, (Vec<HttpMessage>, Vec<WsFrame>)> = HashMap::new();
        for frame in FileReader::open(path)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .flatten()
        {
            let out = engine.process(frame);
            let slot = by_packet.entry(out.packet.number).or_default();
            for event in out.events {
                match event {
                    AppEvent::Http(m) => slot.0.push(m),
                    AppEvent::WsFrame(f) => slot.1.push(f),
                    AppEvent::WsMessage(_) | AppEvent::Note(_) => {}
                }
            }
        }
        for row in &reference {
            let number: u64 = row
                .get("frame.number")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let (http, ws) = by_packet.remove(&number).unwrap_or_default();
            frames += ws.len();
            for (column, value) in ours(&http, &ws) {
                let want = row.get(column).cloned().unwrap_or_default();
                fields += 1;
                if want == value {
                    agree += 1;
                } else {
                    let _ = writeln!(
                        diffs,
                        "{file} packet {number}: {column}: tshark={want:?} osiscope={value:?}"
                    );
                }
            }
        }
    }
    eprintln!(
        "app corpus: {agree}/{fields} fields agree, {frames} WebSocket frames, {} captures",
        paths.len()
    );
    assert!(diffs.is_empty(), "differences from tshark:\n{diffs}");
}
