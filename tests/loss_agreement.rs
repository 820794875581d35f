//! Loss as osiscope tells it agrees with tshark on captures with real loss
//! (`captures/loss_netem.pcapng`, made by `captures/make_loss_capture.sh` with python websockets
//! through a lossy router, and `captures/edge_retransmissions.pcapng`): every packet's
//! retransmission, fast and spurious retransmission, out-of-order and duplicate-ACK flags, each
//! duplicate ACK's count and the ACK it repeats, field by field with `NAME.loss.tsv`; and each
//! resend names a packet that really carried its first byte (or says the capture has none).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use osiscope::capture::FileReader;
use osiscope::model::{Analysis, LossMark, Model, ResendKind};

use common::Row;

fn model(name: &str) -> Model {
    osiscope::pipeline::process_all(
        FileReader::open(&common::captures_dir().join(format!("{name}.pcapng"))).unwrap(),
    )
}

fn num(row: &Row, field: &str) -> Option<u64> {
    row.get(field)
        .filter(|v| !v.is_empty())
        .map(|v| v.split(',').next().unwrap().parse().unwrap())
}

fn flag(row: &Row, field: &str) -> bool {
    row.get(field).is_some_and(|v| !v.is_empty())
}

/// Compares one capture; returns (fields compared, packets with a loss mark).
fn agree(name: &str) -> (usize, usize) {
    let m = model(name);
    let rows = common::read_tsv(&common::captures_dir().join(format!("{name}.loss.tsv")));
    assert_eq!(rows.len(), m.packets.len(), "{name}: one row per packet");
    let mut compared = 0;
    let mut marked = 0;
    let mut diffs = Vec::new();
    for (row, record) in rows.iter().zip(&m.packets) {
        let frame = record.packet.number();
        assert_eq!(num(row, "frame.number"), Some(frame));
        let Some(seg) = &record.seg else { continue };
        let has = |a| seg.analysis.contains(&a);
        let step = record
            .step()
            .map(|i| &m.steps[i])
            .expect("every TCP packet has a step");
        let (dup_num, dup_frame) = match step.loss() {
            Some(LossMark::DupAck { num, repeats, .. }) => (Some(u64::from(num)), repeats),
            _ => (None, None),
        };
        let fields = [
            (
                "tcp.analysis.retransmission",
                has(Analysis::Retransmission).then_some(1),
                num(row, "tcp.analysis.retransmission"),
            ),
            (
                "tcp.analysis.fast_retransmission",
                has(Analysis::FastRetransmission).then_some(1),
                num(row, "tcp.analysis.fast_retransmission"),
            ),
            (
                "tcp.analysis.spurious_retransmission",
                has(Analysis::SpuriousRetransmission).then_some(1),
                num(row, "tcp.analysis.spurious_retransmission"),
            ),
            (
                "tcp.analysis.out_of_order",
                has(Analysis::OutOfOrder).then_some(1),
                num(row, "tcp.analysis.out_of_order"),
            ),
            (
                "tcp.analysis.duplicate_ack",
                has(Analysis::DuplicateAck).then_some(1),
                num(row, "tcp.analysis.duplicate_ack"),
            ),
            (
                "tcp.analysis.duplicate_ack_num",
                dup_num,
                num(row, "tcp.analysis.duplicate_ack_num"),
            ),
            (
                "tcp.analysis.duplicate_ack_frame",
                dup_frame,
                num(row, "tcp.analysis.duplicate_ack_frame"),
            ),
        ];
        for (field, ours, theirs) in fields {
            compared += 1;
            if ours != theirs {
                diffs.push(format!(
                    "{name} #{frame} {field}: ours {ours:?}, tshark {theirs:?}"
                ));
            }
        }
        if step.loss().is_some() {
            marked += 1;
        }
        if flag(row, "tcp.analysis.retransmission") {
            check_resend(
                name,
                &rows,
                row,
                step.loss(),
                record.packet.ts_ns,
                &mut diffs,
            );
        }
    }
    // Every copy drawn as lost was replaced by the resend that names it.
    for s in m.steps.iter().filter(|s| s.lost().is_some()) {
        let resend = &m.steps[m.packets[s.lost().unwrap().index].step().unwrap()];
        assert_eq!(
            resend.loss().and_then(|l| l.lost_copy()).map(|c| c.packet),
            Some(m.step_number(s)),
            "{name}: #{} lost, replaced by #{}",
            m.step_number(s),
            m.step_number(resend)
        );
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    (compared, marked)
}

/// A resend (tshark's retransmission flag) names the first captured packet that carried its
/// first byte, with the time between them; or none, when no earlier packet of its sender did.
fn check_resend(
    name: &str,
    rows: &[Row],
    row: &Row,
    loss: Option<LossMark>,
    ts_ns: i64,
    diffs: &mut Vec<String>,
) {
    let frame = num(row, "frame.number").unwrap();
    let field = |r: &Row, f: &str| r.get(f).cloned().unwrap_or_default();
    let seq = num(row, "tcp.seq").unwrap();
    // The earlier packets of the same sender on the same connection that carried this byte
    // (a resent SYN or FIN, without payload, copies the one with its sequence number).
    let resent_len = num(row, "tcp.len").unwrap();
    let carriers: Vec<&Row> = rows
        .iter()
        .take_while(|r| num(r, "frame.number").unwrap() < frame)
        .filter(|r| {
            field(r, "tcp.stream") == field(row, "tcp.stream")
                && field(r, "tcp.srcport") == field(row, "tcp.srcport")
        })
        .filter(|r| {
            let (s, len) = (num(r, "tcp.seq").unwrap(), num(r, "tcp.len").unwrap());
            if resent_len == 0 {
                len == 0 && s == seq
            } else {
                s <= seq && seq < s + len
            }
        })
        .collect();
    let Some(LossMark::Resend { kind, original, .. }) = loss else {
        diffs.push(format!(
            "{name} #{frame}: a retransmission without a resend mark"
        ));
        return;
    };
    let expected_kind = if flag(row, "tcp.analysis.spurious_retransmission") {
        ResendKind::Spurious
    } else if flag(row, "tcp.analysis.fast_retransmission") {
        ResendKind::Fast
    } else {
        ResendKind::Timeout
    };
    if kind != expected_kind {
        diffs.push(format!(
            "{name} #{frame}: kind {kind:?}, tshark {expected_kind:?}"
        ));
    }
    let first = carriers.first().map(|r| num(r, "frame.number").unwrap());
    if original.map(|o| o.packet) != first {
        diffs.push(format!(
            "{name} #{frame}: original {original:?}, first carrier {first:?}"
        ));
    }
    if let (Some(o), Some(r)) = (original, carriers.first()) {
        // tshark's times are epoch seconds with 9 decimals: compare the waits to the µs.
        let epoch = |r: &Row| field(r, "frame.time_epoch").parse::<f64>().unwrap();
        let tshark_wait_ns = (epoch(row) - epoch(r)) * 1e9;
        let ours = (ts_ns - o.ts_ns) as f64;
        if (ours - tshark_wait_ns).abs() > 1_000.0 {
            diffs.push(format!(
                "{name} #{frame}: waited {ours} ns, tshark {tshark_wait_ns}"
            ));
        }
        // Where tshark names the segment the timeout counts from (`rto_frame`), it is ours, or
        // an earlier segment of the same sender that Wireshark merged with ours (it keeps
        // back-to-back unacknowledged segments as one range).
        if let Some(rto) = num(row, "tcp.analysis.rto_frame")
            && rto != o.packet
        {
            let rto_row = &rows[rto as usize - 1];
            let end = num(rto_row, "tcp.seq").unwrap() + num(rto_row, "tcp.len").unwrap();
            let original_row = &rows[o.packet as usize - 1];
            if !(rto < o.packet && end == num(original_row, "tcp.seq").unwrap()) {
                diffs.push(format!(
                    "{name} #{frame}: original #{}, rto_frame #{rto}",
                    o.packet
                ));
            }
        }
    }
}

#[test]
fn loss_through_a_lossy_router_agrees_with_tshark() {
    let (compared, marked) = agree("loss_netem");
    eprintln!("loss_netem: {compared} fields agree, {marked} packets marked");
    assert!(marked >= 20, "{marked} packets with a loss mark");
}

#[test]
fn edge_retransmissions_agree_with_tshark() {
    let (compared, marked) = agree("edge_retransmissions");
    eprintln!("edge_retransmissions: {compared} fields agree, {marked} packets marked");
    assert!(marked >= 20, "{marked} packets with a loss mark");
}
