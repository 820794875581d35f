//! Packet loss as a class sees it: which earlier packet a retransmission copies and how long the
//! sender waited, which packet a duplicate ACK repeats and how many times, and which packets
//! were lost (a later copy replaced them). Built packet by packet as the model grows; the flags
//! themselves are the flow tracker's (Wireshark's `tcp.analysis.*`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Seg;
use crate::flow::{Analysis, SeqNum};

/// Data segments remembered per direction to find what a retransmission copies. Linux keeps
/// at most a few thousand segments in flight; an older copy is beyond any resend.
const REMEMBERED_SEGMENTS: usize = 4096;

/// One packet that was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// Packet number (1-based).
    pub packet: u64,
    /// Index into `Model::packets`.
    pub index: usize,
    pub ts_ns: i64,
}

/// Why the sender sent bytes again, as Wireshark's analysis decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ResendKind {
    /// `tcp.analysis.retransmission`: no acknowledgement came in time.
    Timeout,
    /// `tcp.analysis.fast_retransmission`: the receiver asked for it with duplicate ACKs.
    Fast,
    /// `tcp.analysis.spurious_retransmission`: the receiver had already acknowledged it.
    Spurious,
    /// `tcp.analysis.out_of_order`, for a segment whose bytes an earlier captured packet
    /// already carried: Wireshark calls a copy that comes within one round trip out of order.
    OutOfOrder,
}

/// What loss means for one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LossMark {
    /// The packet carries bytes that were sent before.
    Resend {
        kind: ResendKind,
        /// The first packet that carried these bytes; `None` when the capture does not have
        /// it (only the resend was captured).
        original: Option<Sent>,
        /// The copy this one replaces (the original, or an earlier resend).
        previous: Option<Sent>,
        /// 1 for the first resend of these bytes, 2 for the second…
        copy: u32,
    },
    /// A duplicate ACK (`tcp.analysis.duplicate_ack`).
    DupAck {
        /// The relative acknowledgement number it repeats: the first byte still missing.
        ack: u32,
        /// The first packet of this side that sent this acknowledgement number
        /// (`tcp.analysis.duplicate_ack_frame`).
        repeats: Option<u64>,
        /// How many duplicates of it so far, this one included
        /// (`tcp.analysis.duplicate_ack_num`).
        num: u32,
    },
}

impl LossMark {
    /// Time from the first copy to this one (`tcp.analysis.rto` when Wireshark gives it).
    pub fn wait_ns(&self, ts_ns: i64) -> Option<i64> {
        match self {
            Self::Resend {
                original: Some(o), ..
            } => Some(ts_ns - o.ts_ns),
            _ => None,
        }
    }

    /// The copy this resend replaces, if it was lost (a spurious retransmission replaces a copy
    /// that arrived).
    pub fn lost_copy(&self) -> Option<Sent> {
        match self {
            Self::Resend { kind, previous, .. } if *kind != ResendKind::Spurious => *previous,
            _ => None,
        }
    }
}

/// A run of bytes first sent by `first`, last (re)sent by `last`.
#[derive(Clone, Copy, Debug)]
struct Flight {
    end: SeqNum,
    first: Sent,
    last: Sent,
    copies: u32,
}

/// What one direction of a connection has shown.
#[derive(Debug, Default)]
struct DirLoss {
    /// Data segments by relative start sequence number.
    flights: BTreeMap<u32, Flight>,
    /// The last acknowledgement number sent, the first packet that sent it, and the duplicate
    /// ACKs of it since.
    last_ack: Option<u32>,
    last_non_dup: Option<u64>,
    dup_acks: u32,
}

/// Loss facts of every connection, built as packets arrive (constant work per packet, bounded
/// memory per connection).
#[derive(Debug, Default)]
pub struct LossTracker {
    /// Per connection, per direction.
    dirs: Vec<[DirLoss; 2]>,
}

impl LossTracker {
    /// The loss mark of the packet `sent` with flow facts `seg`; remembers it for later ones.
    pub fn observe(&mut self, seg: &Seg, sent: Sent) -> Option<LossMark> {
        let id = seg.stream as usize;
        if id >= self.dirs.len() {
            self.dirs.resize_with(id + 1, Default::default);
        }
        let dir = self.dirs.get_mut(id)?.get_mut(seg.direction.index())?;
        let dup = dir.dup_ack(seg, sent);
        let resend = dir.data(seg, sent);
        resend.or(dup)
    }
}

impl DirLoss {
    fn dup_ack(&mut self, seg: &Seg, sent: Sent) -> Option<LossMark> {
        // As Wireshark counts: a new acknowledgement number starts a new count, and the packet
        // that first carried it is the one its duplicates repeat.
        if self.last_ack != Some(seg.rel_ack) {
            self.last_ack = Some(seg.rel_ack);
            self.last_non_dup = Some(sent.packet);
            self.dup_acks = 0;
        }
        if !seg.analysis.contains(&Analysis::DuplicateAck) {
            return None;
        }
        self.dup_acks = self.dup_acks.saturating_add(1);
        Some(LossMark::DupAck {
            ack: seg.rel_ack,
            repeats: self.last_non_dup,
            num: self.dup_acks,
        })
    }

    fn data(&mut self, seg: &Seg, sent: Sent) -> Option<LossMark> {
        if seg.next_rel_seq == seg.rel_seq {
            return None;
        }
        let kind = resend_kind(seg.analysis);
        let start = SeqNum(seg.rel_seq);
        // The latest run that starts at or before this segment and still covers its first byte.
        let covering = self
            .flights
            .range(..=seg.rel_seq)
            .next_back()
            .filter(|(_, f)| start < f.end)
            .map(|(&k, _)| k);
        match (kind, covering) {
            (Some(kind), Some(key)) => {
                let flight = self.flights.get_mut(&key)?;
                let previous = flight.last;
                flight.last = sent;
                flight.copies = flight.copies.saturating_add(1);
                Some(LossMark::Resend {
                    kind,
                    original: Some(flight.first),
                    previous: Some(previous),
                    copy: flight.copies,
                })
            }
            // An out-of-order segment that copies nothing captured is only out of order.
            (Some(ResendKind::OutOfOrder), None) => None,
            (Some(kind), None) => Some(LossMark::Resend {
                kind,
                original: None,
                previous: None,
                copy: 1,
            }),
            (None, _) => {
                self.flights.insert(
                    seg.rel_seq,
                    Flight {
                        end: SeqNum(seg.next_rel_seq),
                        first: sent,
                        last: sent,
                        copies: 0,
                    },
                );
                if self.flights.len() > REMEMBERED_SEGMENTS {
                    self.flights.pop_first();
                }
                None
            }
        }
    }
}

/// The resend kind of a segment's flags, the most specific first.
fn resend_kind(analysis: crate::flow::AnalysisSet) -> Option<ResendKind> {
    [
        (Analysis::SpuriousRetransmission, ResendKind::Spurious),
        (Analysis::FastRetransmission, ResendKind::Fast),
        (Analysis::Retransmission, ResendKind::Timeout),
        (Analysis::OutOfOrder, ResendKind::OutOfOrder),
    ]
    .into_iter()
    .find(|(a, _)| analysis.contains(a))
    .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Direction;

    fn seg(dir: Direction, rel_seq: u32, len: u32, ack: u32, analysis: &[Analysis]) -> Seg {
        Seg {
            stream: 0,
            direction: dir,
            rel_seq,
            rel_ack: ack,
            next_rel_seq: rel_seq + len,
            window_shift: None,
            analysis: analysis.into(),
        }
    }

    fn sent(packet: u64, ts_ns: i64) -> Sent {
        Sent {
            packet,
            index: packet as usize - 1,
            ts_ns,
        }
    }

    const C: Direction = Direction::ClientToServer;
    const S: Direction = Direction::ServerToClient;

    #[test]
    fn a_resend_names_the_first_copy_and_the_copy_it_replaces() {
        let mut t = LossTracker::default();
        assert_eq!(t.observe(&seg(C, 1, 100, 1, &[]), sent(1, 0)), None);
        assert_eq!(t.observe(&seg(C, 101, 100, 1, &[]), sent(2, 10)), None);
        let first = t.observe(
            &seg(C, 101, 100, 1, &[Analysis::Retransmission]),
            sent(3, 200_000_000),
        );
        assert_eq!(
            first,
            Some(LossMark::Resend {
                kind: ResendKind::Timeout,
                original: Some(sent(2, 10)),
                previous: Some(sent(2, 10)),
                copy: 1,
            })
        );
        assert_eq!(first.unwrap().wait_ns(200_000_000), Some(199_999_990));
        assert_eq!(first.unwrap().lost_copy(), Some(sent(2, 10)));
        // A second resend replaces the first resend, and still names the original.
        let second = t.observe(
            &seg(C, 101, 100, 1, &[Analysis::Retransmission]),
            sent(4, 600_000_000),
        );
        assert_eq!(
            second,
            Some(LossMark::Resend {
                kind: ResendKind::Timeout,
                original: Some(sent(2, 10)),
                previous: Some(sent(3, 200_000_000)),
                copy: 2,
            })
        );
    }

    #[test]
    fn a_resend_of_bytes_never_captured_has_no_original() {
        let mut t = LossTracker::default();
        t.observe(&seg(C, 1, 100, 1, &[]), sent(1, 0));
        let mark = t.observe(
            &seg(C, 101, 100, 1, &[Analysis::Retransmission]),
            sent(2, 5),
        );
        assert!(matches!(
            mark,
            Some(LossMark::Resend { original: None, .. })
        ));
        assert_eq!(mark.unwrap().lost_copy(), None);
        // A genuinely out-of-order segment copies nothing.
        assert_eq!(
            t.observe(&seg(C, 300, 100, 1, &[Analysis::OutOfOrder]), sent(3, 6)),
            None
        );
    }

    #[test]
    fn a_spurious_resend_loses_nothing() {
        let mut t = LossTracker::default();
        t.observe(&seg(S, 1, 100, 1, &[]), sent(1, 0));
        let mark = t.observe(
            &seg(
                S,
                1,
                100,
                1,
                &[Analysis::SpuriousRetransmission, Analysis::Retransmission],
            ),
            sent(2, 5),
        );
        assert!(matches!(
            mark,
            Some(LossMark::Resend {
                kind: ResendKind::Spurious,
                ..
            })
        ));
        assert_eq!(mark.unwrap().lost_copy(), None);
    }

    #[test]
    fn duplicate_acks_repeat_the_first_packet_with_their_ack_number() {
        let mut t = LossTracker::default();
        t.observe(&seg(S, 1, 0, 500, &[]), sent(10, 0));
        // Data with the same ACK number is not a duplicate, and does not start a new count.
        t.observe(&seg(S, 1, 100, 500, &[]), sent(11, 0));
        for (n, packet) in [(1, 12), (2, 14)] {
            assert_eq!(
                t.observe(
                    &seg(S, 101, 0, 500, &[Analysis::DuplicateAck]),
                    sent(packet, 1)
                ),
                Some(LossMark::DupAck {
                    ack: 500,
                    repeats: Some(10),
                    num: n,
                })
            );
            // The other direction does not interrupt the count.
            t.observe(&seg(C, 500, 10, 1, &[]), sent(packet + 1, 1));
        }
        t.observe(&seg(S, 101, 0, 510, &[]), sent(20, 2));
        assert!(matches!(
            t.observe(&seg(S, 101, 0, 510, &[Analysis::DuplicateAck]), sent(21, 3)),
            Some(LossMark::DupAck {
                repeats: Some(20),
                num: 1,
                ..
            })
        ));
    }
}
