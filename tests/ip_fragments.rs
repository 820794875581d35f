//! The IP fragment captures of `captures/frag_*.pcapng` (made by
//! `captures/make_fragment_captures.sh`) against tshark's fragment columns (`frag_*.frag.tsv`):
//! the datagram is reassembled on the packet tshark reassembles it on, from the same frames, with
//! the same transport header; the fragments before it stay fragments; overlaps and second last
//! fragments are annotated. The TCP, HTTP and WebSocket fields of the reassembled segments are
//! compared by `tests/corpus.rs` with `frag_*.tshark.tsv`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use osiscope::decode::{FragmentIssue, IssueKind, Proto};
use osiscope::model::PacketRecord;

const CAPTURES: [&str; 4] = ["tcp_ipv4", "tcp_ipv4_vlan", "ipv6", "crafted"];

fn list(v: &str) -> Vec<u64> {
    v.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

fn has(r: &PacketRecord, proto: Proto) -> bool {
    r.packet.layers.iter().any(|l| l.proto == proto)
}

/// Which fragment issues a tshark flag stands for.
type IssueTest = fn(&FragmentIssue) -> bool;

/// Whether one of the packets `frames` has a fragment issue that `is` accepts.
fn issue_in(records: &[PacketRecord], frames: &[u64], is: IssueTest) -> bool {
    frames.iter().any(|&n| {
        records[n as usize - 1]
            .packet
            .issues
            .iter()
            .any(|i| matches!(&i.kind, IssueKind::Fragment { issue, .. } if is(issue)))
    })
}

#[test]
fn fragment_captures_reassemble_where_tshark_does() {
    let mut completed = 0;
    for name in CAPTURES {
        let dir = common::captures_dir();
        let rows = common::read_tsv(&dir.join(format!("frag_{name}.frag.tsv")));
        let (records, err) = common::decode_file(&dir.join(format!("frag_{name}.pcapng")));
        assert_eq!(err, None, "{name}");
        assert_eq!(records.len(), rows.len(), "{name}: packets");
        let mut fragments_seen = HashSet::new();
        for row in &rows {
            let n: u64 = row["frame.number"].parse().unwrap();
            let r = &records[n as usize - 1];
            let at = format!("frag_{name} frame {n}");
            let clean = [list(&row["ip.fragment"]), list(&row["ipv6.fragment"])].concat();
            let errors = [
                list(&row["ip.fragment.error"]),
                list(&row["ipv6.fragment.error"]),
            ]
            .concat();
            let Some(done) = &r.packet.reassembled else {
                assert!(clean.is_empty(), "{at}: tshark reassembles {clean:?} here");
                continue;
            };
            completed += 1;
            // tshark lists fragments with an error (conflicting overlap, second last fragment)
            // in a field of their own; together they are the fragments in offset order.
            let ours_clean: Vec<u64> = done
                .frames
                .iter()
                .copied()
                .filter(|f| !errors.contains(f))
                .collect();
            let ours_errors: Vec<u64> = done
                .frames
                .iter()
                .copied()
                .filter(|f| errors.contains(f))
                .collect();
            assert_eq!(ours_clean, clean, "{at}: fragments");
            assert_eq!(ours_errors, errors, "{at}: fragments with errors");
            fragments_seen.extend(done.frames.iter().copied().filter(|&f| f != n));
            if let Some(len) = list(&row["udp.length"]).first() {
                assert!(has(r, Proto::Udp), "{at}: UDP");
                let l = done.data.get(4..6).unwrap();
                assert_eq!(u64::from(u16::from_be_bytes([l[0], l[1]])), *len, "{at}");
            }
            for (col, proto) in [("icmp.type", Proto::Icmpv4), ("icmpv6.type", Proto::Icmpv6)] {
                if let Some(t) = list(&row[col]).first() {
                    assert!(has(r, proto), "{at}: {col}");
                    assert_eq!(u64::from(done.data[0]), *t, "{at}: {col}");
                }
            }
            let flags: [(&str, IssueTest); 3] = [
                ("fragment.overlap", |i| {
                    matches!(
                        i,
                        FragmentIssue::Overlap { .. } | FragmentIssue::OverlapConflict { .. }
                    )
                }),
                ("fragment.overlap.conflict", |i| {
                    matches!(i, FragmentIssue::OverlapConflict { .. })
                }),
                ("fragment.multipletails", |i| {
                    matches!(i, FragmentIssue::MultipleTails { .. })
                }),
            ];
            for (flag, is) in flags {
                let tshark = !row[&format!("ip.{flag}")].is_empty()
                    || !row[&format!("ipv6.{flag}")].is_empty();
                assert_eq!(issue_in(&records, &done.frames, is), tshark, "{at}: {flag}");
            }
        }
        // A fragment before the packet that completes its datagram shows as a fragment only.
        for n in fragments_seen {
            let p = &records[n as usize - 1].packet;
            assert!(
                p.tcp.is_none() && p.reassembled.is_none(),
                "frag_{name} frame {n}"
            );
            let last = p.layers.last().map(|l| l.proto);
            assert!(
                matches!(last, Some(Proto::Ipv4 | Proto::Ipv6 | Proto::Ipv6Ext)),
                "frag_{name} frame {n}: {last:?}"
            );
        }
    }
    assert!(completed >= 30, "{completed} datagrams reassembled");
}

#[test]
fn the_vlan_capture_decodes_as_the_untagged_one_does() {
    let dir = common::captures_dir();
    let (plain, _) = common::decode_file(&dir.join("frag_tcp_ipv4.pcapng"));
    let (tagged, _) = common::decode_file(&dir.join("frag_tcp_ipv4_vlan.pcapng"));
    assert_eq!(plain.len(), tagged.len());
    for (a, b) in plain.iter().zip(&tagged) {
        assert!(has(b, Proto::Vlan));
        // The same header, 4 bytes further into the frame (the tag) unless in a datagram.
        let shift = |r: &PacketRecord| {
            r.packet.tcp.clone().map(|mut t| {
                if r.packet.reassembled.is_none() && has(r, Proto::Vlan) {
                    t.payload_at = t.payload_at.start - 4..t.payload_at.end - 4;
                }
                t
            })
        };
        assert_eq!(shift(a), shift(b), "frame {}", a.packet.number);
        assert_eq!(
            a.packet.reassembled.as_ref().map(|r| &r.frames),
            b.packet.reassembled.as_ref().map(|r| &r.frames)
        );
        assert_eq!(a.ws, b.ws, "frame {}", a.packet.number);
    }
    let ws = plain.iter().map(|r| r.ws.len()).sum::<usize>();
    assert!(ws >= 8, "WebSocket frames in reassembled segments: {ws}");
}

/// The details of a packet that completed a datagram are read back from the model: the
/// reassembled transport header is there again.
#[test]
fn a_completing_packet_reads_back_with_its_datagram() {
    let path = common::captures_dir().join("frag_tcp_ipv4.pcapng");
    let reader = osiscope::capture::FileReader::open(&path).unwrap();
    let model = osiscope::pipeline::process_all(reader);
    let index = model
        .packets
        .iter()
        .position(|r| r.reassembled().is_some() && r.packet.tcp.is_some())
        .expect("a reassembled TCP segment");
    let (packet, data) = model.packet(index).expect("read back");
    assert!(packet.tcp.is_some());
    assert_eq!(packet.reassembled.as_ref().map(|r| r.frames.len()), Some(3));
    assert!(osiscope::decode::details(&packet, &data).len() >= 3);
}
