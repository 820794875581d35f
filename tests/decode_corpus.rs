//! Every capture of the shared corpus, read and decoded, compared with tshark's reference TSV on
//! the L2–L4 columns. Every difference is printed; the test fails if there is any.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use osiscope::capture::{CaptureError, FileReader};
use osiscope::decode::{self, Packet};

/// The corpus lives next to the checkout (`../shared/corpus`); worktrees fall back to /work/shared.
fn corpus_dir() -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    [beside, PathBuf::from("/work/shared/corpus")]
        .into_iter()
        .find(|p| p.join("captures").is_dir())
}

struct Reference {
    rows: Vec<HashMap<String, String>>,
}

fn read_reference(path: &Path) -> Reference {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let head: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|line| {
            head.iter()
                .cloned()
                .zip(
                    line.split('\t')
                        .map(str::to_string)
                        .chain(std::iter::repeat(String::new())),
                )
                .collect()
        })
        .collect();
    Reference { rows }
}

fn last(v: &str) -> String {
    v.rsplit(',').next().unwrap_or_default().to_string()
}

/// Our values for the compared columns, formatted as tshark prints them ("" when absent).
fn ours(p: &Packet) -> Vec<(&'static str, String)> {
    let (v4, v6) = match p.ip {
        Some(ip) if ip.version == 4 => (
            (ip.src.to_string(), ip.dst.to_string()),
            (String::new(), String::new()),
        ),
        Some(ip) => (
            (String::new(), String::new()),
            (ip.src.to_string(), ip.dst.to_string()),
        ),
        None => Default::default(),
    };
    let tcp = |f: &dyn Fn(&decode::TcpSegment) -> String| p.tcp.as_ref().map(f).unwrap_or_default();
    vec![
        ("frame.len", p.len.to_string()),
        ("frame.cap_len", p.caplen().to_string()),
        ("ip.src", v4.0),
        ("ip.dst", v4.1),
        ("ipv6.src", v6.0),
        ("ipv6.dst", v6.1),
        ("tcp.srcport", tcp(&|t| t.src_port.to_string())),
        ("tcp.dstport", tcp(&|t| t.dst_port.to_string())),
        ("tcp.seq_raw", tcp(&|t| t.seq.to_string())),
        ("tcp.ack_raw", tcp(&|t| t.ack.to_string())),
        ("tcp.flags", tcp(&|t| format!("0x{:04x}", t.flags))),
        ("tcp.len", tcp(&|t| t.payload_len.to_string())),
        ("tcp.window_size_value", tcp(&|t| t.window.to_string())),
    ]
}

#[test]
fn corpus_agrees_with_tshark() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIPPED: no shared corpus found next to the checkout or at /work/shared/corpus");
        return;
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("captures"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.sort();
    let (mut diffs, mut fields, mut agree, mut packets) = (String::new(), 0usize, 0usize, 0usize);
    for path in &names {
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let stem = file.split(".pcap").next().unwrap_or_default().to_string();
        let reference = read_reference(&dir.join("reference").join(format!("{stem}.tsv")));
        let cut_short = dir
            .join("reference")
            .join(format!("{stem}.tshark-stderr"))
            .exists();
        let reader = FileReader::open(path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut decoded = Vec::new();
        for item in reader {
            match item {
                Ok(frame) => decoded.push(decode::decode(frame)),
                Err(CaptureError::Truncated { packets, .. }) if cut_short => {
                    assert_eq!(
                        packets as usize,
                        decoded.len(),
                        "{file}: packets in the error"
                    );
                }
                Err(e) => {
                    let _ = writeln!(diffs, "{file}: unexpected error {e}");
                }
            }
        }
        if decoded.len() != reference.rows.len() {
            let _ = writeln!(
                diffs,
                "{file}: {} packets, tshark {}",
                decoded.len(),
                reference.rows.len()
            );
        }
        for (p, row) in decoded.iter().zip(&reference.rows) {
            packets += 1;
            for (column, value) in ours(p) {
                fields += 1;
                let want = last(row.get(column).map_or("", String::as_str));
                if value == want {
                    agree += 1;
                } else {
                    let _ = writeln!(
                        diffs,
                        "{file} #{}: {column}: ours {value:?}, tshark {want:?}",
                        p.number
                    );
                }
            }
        }
    }
    println!(
        "agreement: {agree}/{fields} fields over {packets} packets in {} captures",
        names.len()
    );
    assert!(diffs.is_empty(), "differences from tshark:\n{diffs}");
}
