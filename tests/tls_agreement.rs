//! TLS records agree with tshark field by field: every `NAME.tls.json` reference (tshark's
//! `tls.record.*` and `tls.handshake.*` fields, made by `shared/corpus/compare_tls.py --make`)
//! against the `tls` list of our JSON output, with the checks of `compare_tls.py`: per packet,
//! the number of records, and each field tshark has.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use osiscope::lesson::annotations::SENTENCES;
use osiscope::model::json::write_packet;
use serde_json::Value;

/// Compare every capture of `captures` that has a `NAME.tls.json` in `references`. Returns the
/// captures compared, fields agreed, fields checked and the differences.
fn compare_dir(captures: &Path, references: &Path) -> (usize, usize, usize, Vec<String>) {
    let (mut files, mut agree, mut total) = (0, 0, 0);
    let mut diffs = Vec::new();
    let mut refs: Vec<_> = std::fs::read_dir(references)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".tls.json"))
        .collect();
    refs.sort();
    for reference in refs {
        let name = reference
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".tls.json"))
            .unwrap()
            .to_string();
        let cap = ["pcap", "pcapng"]
            .iter()
            .map(|ext| captures.join(format!("{name}.{ext}")))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("no capture for {}", reference.display()));
        files += 1;
        let want: BTreeMap<u64, Vec<Value>> = serde_json::from_str::<BTreeMap<String, Vec<Value>>>(
            &std::fs::read_to_string(&reference).unwrap(),
        )
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k.parse().unwrap(), v))
        .collect();
        let (records, _) = common::decode_file(&cap);
        let mut got: BTreeMap<u64, Vec<Value>> = BTreeMap::new();
        for r in &records {
            let mut line = Vec::new();
            write_packet(&mut line, r, SENTENCES).unwrap();
            let v: Value = serde_json::from_slice(&line).unwrap();
            if let Some(Value::Array(tls)) = v.get("tls") {
                got.insert(r.packet.number, tls.clone());
            }
        }
        let frames: std::collections::BTreeSet<u64> =
            want.keys().chain(got.keys()).copied().collect();
        for n in frames {
            let (w, g) = (
                want.get(&n).cloned().unwrap_or_default(),
                got.get(&n).cloned().unwrap_or_default(),
            );
            total += 1;
            if w.len() == g.len() {
                agree += 1;
            } else {
                diffs.push(format!(
                    "{name} frame {n}: tls records: tshark={} osiscope={}",
                    w.len(),
                    g.len()
                ));
            }
            for (i, wr) in w.iter().enumerate() {
                for (k, v) in wr.as_object().unwrap() {
                    total += 1;
                    let ours = g.get(i).and_then(|r| r.get(k));
                    if ours == Some(v) {
                        agree += 1;
                    } else {
                        diffs.push(format!(
                            "{name} frame {n}: tls[{i}].{k}: tshark={v} osiscope={ours:?}"
                        ));
                    }
                }
            }
        }
    }
    (files, agree, total, diffs)
}

fn report(what: &str, (files, agree, total, diffs): (usize, usize, usize, Vec<String>)) -> usize {
    for d in &diffs {
        eprintln!("{d}");
    }
    eprintln!("{what}: tls agreement {agree}/{total} fields in {files} captures");
    assert!(total > 0, "{what}: no TLS reference compared");
    assert!(
        diffs.is_empty(),
        "{what}: {} differences from tshark",
        diffs.len()
    );
    files
}

#[test]
fn public_corpus_tls_records_agree_with_tshark() {
    let dir = common::corpus_dir();
    let files = report(
        "public corpus",
        compare_dir(&dir.join("captures"), &dir.join("reference")),
    );
    assert!(
        files >= 1,
        "http_null_loopback has TLS inside a CONNECT tunnel"
    );
}

#[test]
fn bundled_tls_captures_agree_with_tshark() {
    let dir = common::captures_dir();
    let files = report("captures/", compare_dir(&dir, &dir));
    assert!(
        files >= 4,
        "the wss captures (osiscope's and python websockets')"
    );
}
