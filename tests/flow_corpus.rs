//! Every capture of the shared corpus through `decode` and the flow tracker, compared with
//! tshark 4.0's `tcp.stream` and `tcp.analysis.{retransmission,out_of_order,duplicate_ack}` for
//! every packet. Every difference is printed; the test fails if there is any.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use osiscope::capture::FileReader;
use osiscope::decode;
use osiscope::flow::{Analysis, FlowLimits, FlowTracker, SegmentInfo};

/// The corpus lives next to the checkout (`../shared/corpus`); worktrees fall back to /work/shared.
fn corpus_dir() -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    [beside, PathBuf::from("/work/shared/corpus")]
        .into_iter()
        .find(|p| p.join("captures").is_dir())
}

/// tshark's rows: column name → cell.
fn read_reference(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    lines
        .map(|line| {
            let cells = line.split('\t').chain(std::iter::repeat(""));
            head.iter()
                .zip(cells)
                .map(|(h, c)| ((*h).to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

const COLUMNS: [&str; 4] = [
    "tcp.stream",
    "tcp.analysis.retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.duplicate_ack",
];

/// Our value for a column, as the test compares it: the stream number, or "1" when flagged.
fn ours(seg: Option<&SegmentInfo>, column: &str) -> String {
    let Some(seg) = seg else { return String::new() };
    let flag = |a: Analysis| if seg.analysis.contains(&a) { "1" } else { "" }.to_string();
    match column {
        "tcp.stream" => seg.stream.to_string(),
        "tcp.analysis.retransmission" => flag(Analysis::Retransmission),
        "tcp.analysis.out_of_order" => flag(Analysis::OutOfOrder),
        _ => flag(Analysis::DuplicateAck),
    }
}

/// tshark's value: the first stream listed (the outer TCP header), or "1" for any flag.
fn theirs(row: &HashMap<String, String>, column: &str) -> String {
    let cell = row.get(column).map_or("", String::as_str);
    match column {
        "tcp.stream" => cell.split(',').next().unwrap_or_default().to_string(),
        _ if cell.is_empty() => String::new(),
        _ => "1".to_string(),
    }
}

#[test]
fn corpus_streams_and_analysis_agree_with_tshark() {
    let Some(dir) = corpus_dir() else {
        eprintln!("SKIPPED: no shared corpus found next to the checkout or at /work/shared/corpus");
        return;
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("captures"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.sort();
    let (mut diffs, mut fields, mut agree) = (String::new(), 0usize, 0usize);
    let mut counts: HashMap<&str, [usize; 2]> = HashMap::new();
    for path in &names {
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let stem = file.split(".pcap").next().unwrap_or_default().to_string();
        let reference = read_reference(&dir.join("reference").join(format!("{stem}.tsv")));
        let reader = FileReader::open(path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut tracker = FlowTracker::new(FlowLimits::default());
        for (frame, row) in reader.map_while(Result::ok).zip(&reference) {
            let packet = decode::decode(frame);
            let seg = tracker.process(&packet);
            for column in COLUMNS {
                let (mine, want) = (ours(seg.as_ref(), column), theirs(row, column));
                fields += 1;
                let count = counts.entry(column).or_default();
                count[0] += usize::from(!mine.is_empty());
                count[1] += usize::from(!want.is_empty());
                if mine == want {
                    agree += 1;
                } else {
                    let _ = writeln!(
                        diffs,
                        "{file} #{}: {column}: ours {mine:?}, tshark {want:?} ({:?})",
                        packet.number,
                        seg.as_ref().map(|s| &s.analysis)
                    );
                }
            }
        }
    }
    let mut columns: Vec<_> = counts.into_iter().collect();
    columns.sort_unstable();
    for (column, [mine, want]) in columns {
        println!("{column}: {mine} packets with a value here, {want} in tshark");
    }
    println!(
        "agreement: {agree}/{fields} fields in {} captures",
        names.len()
    );
    assert!(diffs.is_empty(), "differences from tshark:\n{diffs}");
}
