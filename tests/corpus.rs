//! Every capture of the public corpus and of `captures/` decodes with every field of the JSON
//! contract equal to tshark's reference (the checks of `shared/corpus/compare.py`).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

fn compare_dir(
    captures: &Path,
    references: &Path,
    suffix: &str,
) -> (usize, usize, usize, Vec<String>) {
    let mut files = 0;
    let (mut agree, mut total) = (0, 0);
    let mut diffs = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(captures)
        .expect("captures dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for cap in entries {
        let Some(fname) = cap.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = fname
            .split(".pcap")
            .next()
            .filter(|_| fname.contains(".pcap"))
        else {
            continue;
        };
        let reference = references.join(format!("{stem}{suffix}"));
        if !reference.exists() {
            continue;
        }
        files += 1;
        let rows = common::read_tsv(&reference);
        let (records, err) = common::decode_file(&cap);
        // Only a file that tshark, too, says is damaged may end in an error.
        let tshark_complained = references.join(format!("{stem}.tshark-stderr")).exists();
        if let Some(e) = err.filter(|_| !tshark_complained) {
            diffs.push(format!("{stem}: reading stopped: {e}"));
        }
        let (a, t, d) = common::compare(stem, &records, &rows);
        agree += a;
        total += t;
        diffs.extend(d);
    }
    (files, agree, total, diffs)
}

#[test]
fn public_corpus_agrees_with_tshark_field_by_field() {
    let dir = common::corpus_dir();
    let (files, agree, total, diffs) =
        compare_dir(&dir.join("captures"), &dir.join("reference"), ".tsv");
    for d in &diffs {
        eprintln!("{d}");
    }
    eprintln!("agreement: {agree}/{total} fields over {files} captures");
    assert!(
        files >= 28,
        "expected the 28 corpus captures, found {files}"
    );
    assert!(
        diffs.is_empty(),
        "{} differences from tshark (listed above)",
        diffs.len()
    );
}

#[test]
fn bundled_captures_agree_with_tshark_field_by_field() {
    let dir = common::captures_dir();
    let (files, agree, total, diffs) = compare_dir(&dir, &dir, ".tshark.tsv");
    for d in &diffs {
        eprintln!("{d}");
    }
    eprintln!("agreement: {agree}/{total} fields over {files} captures");
    assert!(
        files >= 5,
        "expected bundled captures with tshark references in captures/, found {files}"
    );
    assert!(
        diffs.is_empty(),
        "{} differences from tshark (listed above)",
        diffs.len()
    );
}

#[test]
fn a_file_cut_short_keeps_every_packet_before_the_damage() {
    let dir = common::corpus_dir();
    let (records, err) = common::decode_file(&dir.join("captures/ws_suricata_basic_cut.pcap"));
    assert_eq!(records.len(), 20);
    let err = err.expect("one clear error");
    assert!(err.contains("cut short at byte"), "{err}");
}
