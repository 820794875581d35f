//! What is wrong with a packet, in a sentence a class understands: decode issues and RFC 6455
//! violations (errors, red) and TCP analysis and parser notes (warnings, amber), like
//! Wireshark's expert info.

use super::annotations;
use crate::flow::Analysis;
use crate::model::PacketRow;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem of a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub sentence: String,
}

/// What a TCP analysis flag means, when it is worth a warning.
fn analysis_sentence(a: Analysis) -> Option<&'static str> {
    Some(match a {
        Analysis::Retransmission => {
            "TCP sends this data again: the first copy was not acknowledged in time."
        }
        Analysis::SpuriousRetransmission => {
            "TCP sends data again that the other side had already acknowledged."
        }
        Analysis::FastRetransmission => {
            "TCP resends at once because the receiver asked for this data with duplicate ACKs."
        }
        Analysis::OutOfOrder => "This segment arrived out of order: an earlier one came later.",
        Analysis::DuplicateAck => {
            "A duplicate ACK: the receiver is still waiting for the same byte, so something is missing."
        }
        Analysis::ZeroWindow => "The receiver's window is zero: it asks the sender to pause.",
        Analysis::LostSegment => {
            "A segment before this one was not captured (a gap in the sequence numbers)."
        }
        Analysis::WindowFull => "This segment fills the receiver's whole window.",
        Analysis::AckedUnseen => "This ACKs data that was never captured.",
        Analysis::KeepAlive | Analysis::KeepAliveAck | Analysis::WindowUpdate => return None,
    })
}

/// Wireshark marks a fast or spurious retransmission as a retransmission too; its sentence
/// ("not acknowledged in time") would contradict theirs ("already acknowledged", "asked for
/// with duplicate ACKs"), so only the more specific one is said.
fn less_specific(a: Analysis, all: crate::model::AnalysisSet) -> bool {
    a == Analysis::Retransmission
        && all.iter().any(|b| {
            matches!(
                b,
                Analysis::FastRetransmission | Analysis::SpuriousRetransmission
            )
        })
}

/// The worst problem of `record`, without building sentences (for row colours).
pub fn worst(record: &PacketRow) -> Option<Severity> {
    if !record.issues().is_empty() || record.ws.iter().any(|f| !f.issues.is_empty()) {
        return Some(Severity::Error);
    }
    let warn = !record.notes().is_empty()
        || record
            .seg
            .as_ref()
            .is_some_and(|s| s.analysis.iter().any(|a| analysis_sentence(*a).is_some()));
    warn.then_some(Severity::Warning)
}

/// Every problem of `record`, errors first.
pub fn problems(record: &PacketRow) -> Vec<Problem> {
    let error = |sentence: String| Problem {
        severity: Severity::Error,
        sentence,
    };
    let warning = |sentence: String| Problem {
        severity: Severity::Warning,
        sentence,
    };
    let mut out: Vec<Problem> = record
        .issues()
        .iter()
        .map(|i| {
            error(format!(
                "This packet is damaged ({}): {}.",
                i.layer,
                annotations::decode_issue(&i.kind)
            ))
        })
        .collect();
    for frame in &record.ws {
        out.extend(frame.issues.iter().map(|i| {
            error(format!(
                "This frame breaks RFC 6455: {}.",
                annotations::ws_anomaly(i)
            ))
        }));
    }
    if let Some(seg) = &record.seg {
        out.extend(
            seg.analysis
                .iter()
                .filter(|a| !less_specific(**a, seg.analysis))
                .filter_map(|a| analysis_sentence(*a))
                .map(|s| warning(s.to_string())),
        );
    }
    out.extend(
        record
            .notes()
            .iter()
            .map(|n| warning(format!("Note: {}.", annotations::note(n)))),
    );
    for p in &mut out {
        // Messages that already end a sentence keep one full stop.
        if p.sentence.ends_with("..") || p.sentence.ends_with(").") && p.sentence.contains("§") {
            p.sentence = p.sentence.trim_end_matches('.').to_string() + ".";
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::FileReader;

    fn model(name: &str) -> crate::model::Model {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("captures")
            .join(name);
        crate::pipeline::process_all(FileReader::open(&path).unwrap())
    }

    #[test]
    fn rfc_violations_are_errors_with_a_sentence() {
        let m = model("edge_rfc_violations.pcapng");
        let bad: Vec<_> = m
            .packets
            .iter()
            .filter(|r| worst(r) == Some(Severity::Error))
            .collect();
        assert!(bad.len() >= 3, "{} packets with errors", bad.len());
        let all: Vec<Problem> = bad.iter().flat_map(|r| problems(r)).collect();
        assert!(
            all.iter()
                .any(|p| p.sentence.starts_with("This frame breaks RFC 6455: ")),
            "{all:?}"
        );
    }

    #[test]
    fn a_clean_chat_has_no_problems() {
        let m = model("chat.pcapng");
        assert!(
            m.packets
                .iter()
                .all(|r| worst(r).is_none() && problems(r).is_empty())
        );
    }

    #[test]
    fn retransmissions_are_warnings() {
        let m = model("edge_retransmissions.pcapng");
        assert!(
            m.packets
                .iter()
                .any(|r| worst(r) == Some(Severity::Warning))
        );
    }
}
