//! A TCP segment's flow facts as the app's model keeps them ([`Seg`], 24 bytes instead of the
//! flow tracker's 48): the connection, the direction, the relative numbers, the window shift
//! and the analysis flags. The scaled window is made from the window and the shift, as the
//! tracker makes it; the state changes, on few packets, are in the row's rare parts
//! ([`super::PacketRow::state_changes`]).

use crate::flow::{AnalysisSet, Direction, SegmentInfo};

/// What the flow tracker learned from one TCP packet, without what can be made again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    /// 0-based connection index, in order of first appearance (Wireshark's `tcp.stream`).
    pub stream: u32,
    /// Sequence number relative to the sender's ISN (Wireshark's `tcp.seq`).
    pub rel_seq: u32,
    /// Acknowledgement number relative to the receiver's ISN (Wireshark's `tcp.ack`); 0 when
    /// ACK is not set.
    pub rel_ack: u32,
    /// Relative sequence number after this segment (`tcp.nxtseq`), counting SYN and FIN.
    pub next_rel_seq: u32,
    pub analysis: AnalysisSet,
    pub direction: Direction,
    /// The shift the window is scaled by (`None` when window scaling was not negotiated or
    /// not seen).
    pub window_shift: Option<u8>,
}

impl Seg {
    pub fn of(seg: &SegmentInfo) -> Self {
        Self {
            stream: seg.stream,
            rel_seq: seg.rel_seq,
            rel_ack: seg.rel_ack,
            next_rel_seq: seg.next_rel_seq,
            analysis: seg.analysis,
            direction: seg.direction,
            window_shift: seg.window_shift,
        }
    }

    /// The window in bytes of a segment whose window field is `window`: scaled by the
    /// negotiated shift when it is known (the flow tracker's `window_scaled`).
    pub fn window_scaled(&self, window: u16) -> u64 {
        u64::from(window) << self.window_shift.unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seg_keeps_24_bytes() {
        assert!(
            std::mem::size_of::<Option<Seg>>() <= 24,
            "{}",
            std::mem::size_of::<Option<Seg>>()
        );
    }

    /// Every TCP packet of every bundled and corpus capture: the kept facts, and those made
    /// again, are the tracker's.
    #[test]
    fn the_kept_facts_are_the_trackers() {
        use crate::capture::FileReader;
        let mut seen = 0;
        for path in crate::pipeline::tests::corpus_captures() {
            let Ok(reader) = FileReader::open(&path) else {
                continue;
            };
            let mut engine = crate::engine::Engine::new();
            for frame in reader.map_while(Result::ok) {
                let output = engine.process(frame);
                let (Some(seg), Some(tcp)) = (&output.seg, &output.packet.tcp) else {
                    continue;
                };
                let kept = Seg::of(seg);
                let at = || format!("{} #{}", path.display(), output.packet.number);
                assert_eq!(kept.stream, seg.stream, "{}", at());
                assert_eq!(kept.direction, seg.direction, "{}", at());
                assert_eq!(
                    (kept.rel_seq, kept.rel_ack, kept.next_rel_seq),
                    (seg.rel_seq, seg.rel_ack, seg.next_rel_seq),
                    "{}",
                    at()
                );
                assert_eq!(kept.analysis, seg.analysis, "{}", at());
                assert_eq!(kept.window_shift, seg.window_shift, "{}", at());
                assert_eq!(
                    kept.window_scaled(tcp.window),
                    seg.window_scaled,
                    "{}",
                    at()
                );
                seen += 1;
            }
        }
        assert!(seen > 1000, "{seen}");
    }
}
