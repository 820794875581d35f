//! TCP analysis flags, named and decided as Wireshark's `tcp.analysis.*` are.

use serde::Serialize;

use super::SeqNum;

/// A TCP analysis finding for one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Analysis {
    Retransmission,
    SpuriousRetransmission,
    FastRetransmission,
    OutOfOrder,
    DuplicateAck,
    ZeroWindow,
    /// Wireshark's "previous segment not captured".
    LostSegment,
    KeepAlive,
    KeepAliveAck,
    WindowUpdate,
    WindowFull,
    AckedUnseen,
}

impl Analysis {
    /// The name used in `decode --format json` (`tcp.analysis`).
    pub fn json_name(self) -> &'static str {
        match self {
            Self::Retransmission => "retransmission",
            Self::SpuriousRetransmission => "spurious_retransmission",
            Self::FastRetransmission => "fast_retransmission",
            Self::OutOfOrder => "out_of_order",
            Self::DuplicateAck => "duplicate_ack",
            Self::ZeroWindow => "zero_window",
            Self::LostSegment => "lost_segment",
            Self::KeepAlive => "keep_alive",
            Self::KeepAliveAck => "keep_alive_ack",
            Self::WindowUpdate => "window_update",
            Self::WindowFull => "window_full",
            Self::AckedUnseen => "acked_unseen",
        }
    }

    /// Wireshark's wording, for the packet list and narration.
    pub fn label(self) -> &'static str {
        match self {
            Self::Retransmission => "TCP Retransmission",
            Self::SpuriousRetransmission => "TCP Spurious Retransmission",
            Self::FastRetransmission => "TCP Fast Retransmission",
            Self::OutOfOrder => "TCP Out-Of-Order",
            Self::DuplicateAck => "TCP Dup ACK",
            Self::ZeroWindow => "TCP ZeroWindow",
            Self::LostSegment => "TCP Previous segment not captured",
            Self::KeepAlive => "TCP Keep-Alive",
            Self::KeepAliveAck => "TCP Keep-Alive ACK",
            Self::WindowUpdate => "TCP Window Update",
            Self::WindowFull => "TCP Window Full",
            Self::AckedUnseen => "TCP ACKed unseen segment",
        }
    }
}

/// Wireshark's `tcp.analysis` bits for one segment (`TCP_A_*` in `packet-tcp.c`).
mod bit {
    pub const RETRANSMISSION: u16 = 1;
    pub const FAST_RETRANSMISSION: u16 = 1 << 1;
    pub const SPURIOUS_RETRANSMISSION: u16 = 1 << 2;
    pub const OUT_OF_ORDER: u16 = 1 << 3;
    pub const DUPLICATE_ACK: u16 = 1 << 4;
    pub const ZERO_WINDOW: u16 = 1 << 5;
    pub const LOST_SEGMENT: u16 = 1 << 6;
    pub const KEEP_ALIVE: u16 = 1 << 7;
    pub const KEEP_ALIVE_ACK: u16 = 1 << 8;
    pub const WINDOW_UPDATE: u16 = 1 << 9;
    pub const ACKED_UNSEEN: u16 = 1 << 10;
    pub const ZERO_WINDOW_PROBE: u16 = 1 << 11;
    pub const ZERO_WINDOW_PROBE_ACK: u16 = 1 << 12;
}

/// Wireshark's default out-of-order threshold when no handshake RTT is known (3 ms).
const DEFAULT_OOO_THRESHOLD_NS: u64 = 3_000_000;
/// A fast retransmission follows the duplicate ACKs within 20 ms.
const FAST_RETRANSMISSION_WINDOW_NS: u64 = 20_000_000;

/// What one direction of a connection has shown so far, as Wireshark's `tcp_analyze_seq_info`
/// keeps it. Wireshark uses a raw 0 for "not seen yet"; we use `None`, so a sequence number
/// that wraps to exactly 0 is not mistaken for "nothing seen" (the only place we differ).
/// `lastack` keeps Wireshark's raw value, as its checks compare it as sent.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DirAnalysis {
    /// Highest sequence number after a segment seen so far.
    nextseq: Option<SeqNum>,
    nextseq_ts_ns: i64,
    /// Highest in-order sequence number seen (for "`ACKed` unseen segment").
    maxseqtobeacked: Option<SeqNum>,
    /// Last acknowledgement number sent in this direction.
    lastack: u32,
    lastack_ts_ns: i64,
    /// Last window sent (unscaled); `None` before the first segment.
    window: Option<u16>,
    /// Duplicate ACKs in a row (−1: neutralised after an "`ACKed` unseen segment").
    dupacknum: i32,
    /// The analysis bits of the last segment sent in this direction.
    last_bits: u16,
}

impl DirAnalysis {
    /// A SYN repeating the ISN: restore `nextseq` so the retransmission is recognised
    /// (Wireshark issue 17616).
    pub(crate) fn restore_for_syn_retransmission(&mut self) {
        self.nextseq = self.maxseqtobeacked;
    }
}

/// The facts of one segment that sequence analysis needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SegFacts {
    pub seq: u32,
    pub ack: u32,
    /// `tcp.len`: payload length from the IP header.
    pub seglen: u32,
    pub flags: u16,
    /// The window as sent (unscaled).
    pub window: u16,
    pub ts_ns: i64,
}

/// Decide this segment's analysis flags and update both directions, following Wireshark's
/// `tcp_analyze_sequence_number` rule by rule and in its order. `first_rtt_ns` is the
/// handshake RTT, the out-of-order threshold.
pub(crate) fn analyze(
    fwd: &mut DirAnalysis,
    rev: &mut DirAnalysis,
    s: &SegFacts,
    first_rtt_ns: Option<i64>,
) -> AnalysisSet {
    let mut bits = forward_checks(fwd, rev, s);
    // finished_fwd: a new ACK number resets the duplicate-ACK count.
    if s.ack != fwd.lastack {
        fwd.dupacknum = 0;
    }
    bits |= acked_unseen(rev, s);
    bits |= retransmission_kind(fwd, rev, s, bits, first_rtt_ns);
    update(fwd, s, bits);
    to_list(bits)
}

/// Zero window probe, zero window, lost segment, keep-alive, window update, keep-alive ACK,
/// zero window probe ACK, duplicate ACK (the part of Wireshark before `finished_fwd`).
fn forward_checks(fwd: &mut DirAnalysis, rev: &DirAnalysis, s: &SegFacts) -> u16 {
    use crate::decode::flags::{FIN, RST, SYN};
    let seq = SeqNum(s.seq);
    let no_syn_fin_rst = s.flags & (SYN | FIN | RST) == 0;
    let at_next = fwd.nextseq == Some(seq);
    if s.seglen == 1 && at_next && rev.window == Some(0) {
        return bit::ZERO_WINDOW_PROBE;
    }
    let mut bits = 0;
    if s.window == 0 && no_syn_fin_rst {
        bits |= bit::ZERO_WINDOW;
    }
    if fwd.nextseq.is_some_and(|next| seq > next) && s.flags & RST == 0 {
        bits |= bit::LOST_SEGMENT;
    }
    if s.seglen <= 1 && fwd.nextseq.is_some_and(|next| next.diff(seq) == 1) && no_syn_fin_rst {
        bits |= bit::KEEP_ALIVE;
    }
    let same_seq_ack = s.seglen == 0 && at_next && s.ack == fwd.lastack && no_syn_fin_rst;
    let same_window = fwd.window == Some(s.window);
    if same_seq_ack && s.window != 0 && !same_window {
        bits |= bit::WINDOW_UPDATE;
    }
    if same_seq_ack && s.window != 0 && same_window && rev.last_bits & bit::KEEP_ALIVE != 0 {
        return bits | bit::KEEP_ALIVE_ACK;
    }
    if same_seq_ack && s.window == 0 && same_window && rev.last_bits & bit::ZERO_WINDOW_PROBE != 0 {
        return bits | bit::ZERO_WINDOW_PROBE_ACK;
    }
    if same_seq_ack && s.window != 0 && same_window {
        fwd.dupacknum = if fwd.dupacknum < 0 {
            1
        } else {
            fwd.dupacknum.saturating_add(1)
        };
        bits |= bit::DUPLICATE_ACK;
    }
    bits
}

/// "`ACKed` segment that wasn't captured": this ACK covers bytes never seen the other way.
fn acked_unseen(rev: &mut DirAnalysis, s: &SegFacts) -> u16 {
    use crate::decode::flags::ACK;
    let Some(max) = rev.maxseqtobeacked else {
        return 0;
    };
    if SeqNum(s.ack) <= max || s.flags & ACK == 0 {
        return 0;
    }
    if rev.nextseq.is_some_and(|next| max > next) {
        rev.maxseqtobeacked = rev.nextseq;
        return bit::ACKED_UNSEEN;
    }
    let bits = if rev.dupacknum == 0 {
        bit::ACKED_UNSEEN
    } else {
        0
    };
    rev.dupacknum = -1;
    bits
}

/// Spurious retransmission, fast retransmission, out-of-order, retransmission (in that order;
/// Wireshark's default lets fast retransmission take precedence over out-of-order).
fn retransmission_kind(
    fwd: &DirAnalysis,
    rev: &DirAnalysis,
    s: &SegFacts,
    bits: u16,
    first_rtt_ns: Option<i64>,
) -> u16 {
    use crate::decode::flags::{FIN, SYN};
    let syn_fin = s.flags & (SYN | FIN) != 0;
    if (s.seglen == 0 && !syn_fin) || bits & bit::KEEP_ALIVE != 0 {
        return 0;
    }
    let seq = SeqNum(s.seq);
    let mut not_advanced = fwd.nextseq.is_some_and(|next| seq < next);
    // More than one byte starting one before `nextseq`: new data after a zero window probe.
    if s.seglen > 1 && fwd.nextseq.is_some_and(|next| next.diff(seq) == 1) {
        not_advanced = false;
    }
    if s.seglen > 0
        && rev.lastack != 0
        && SeqNum(s.seq.wrapping_add(s.seglen)) <= SeqNum(rev.lastack)
    {
        return bit::SPURIOUS_RETRANSMISSION;
    }
    // Wireshark subtracts timestamps as unsigned: a clock that steps back gives a huge delay.
    let since_dup_acks = s.ts_ns.wrapping_sub(rev.lastack_ts_ns) as u64;
    if not_advanced
        && rev.dupacknum >= 2
        && rev.lastack == s.seq
        && since_dup_acks < FAST_RETRANSMISSION_WINDOW_NS
    {
        return bit::FAST_RETRANSMISSION;
    }
    let since_highest = s.ts_ns.wrapping_sub(fwd.nextseq_ts_ns) as u64;
    let threshold = match first_rtt_ns {
        Some(rtt) if rtt != 0 => rtt as u64,
        _ => DEFAULT_OOO_THRESHOLD_NS,
    };
    let end = seq.add(s.seglen).add(u32::from(syn_fin));
    if not_advanced && since_highest < threshold && fwd.nextseq != Some(end) {
        return bit::OUT_OF_ORDER;
    }
    if not_advanced { bit::RETRANSMISSION } else { 0 }
}

/// Remember this segment: highest `nextseq`, in-order edge, window and ACK.
fn update(fwd: &mut DirAnalysis, s: &SegFacts, bits: u16) {
    use crate::decode::flags::{FIN, SYN};
    let probe = bits & bit::ZERO_WINDOW_PROBE != 0;
    let nextseq = SeqNum(s.seq)
        .add(s.seglen)
        .add(u32::from(s.flags & (SYN | FIN) != 0));
    if fwd.nextseq.is_none_or(|old| nextseq > old) && !probe {
        fwd.nextseq = Some(nextseq);
        fwd.nextseq_ts_ns = s.ts_ns;
    }
    if fwd.maxseqtobeacked.is_none_or(|max| max == SeqNum(s.seq)) && !probe {
        fwd.maxseqtobeacked = fwd.nextseq;
    }
    fwd.window = Some(s.window);
    fwd.lastack = s.ack;
    fwd.lastack_ts_ns = s.ts_ns;
    fwd.last_bits = bits;
}

/// The flags, in Wireshark's order. Fast and spurious retransmissions are retransmissions too
/// (Wireshark adds `tcp.analysis.retransmission` to both).
fn to_list(bits: u16) -> AnalysisSet {
    const BITS: [(u16, Analysis); 11] = [
        (bit::FAST_RETRANSMISSION, Analysis::FastRetransmission),
        (
            bit::SPURIOUS_RETRANSMISSION,
            Analysis::SpuriousRetransmission,
        ),
        (
            bit::RETRANSMISSION | bit::FAST_RETRANSMISSION | bit::SPURIOUS_RETRANSMISSION,
            Analysis::Retransmission,
        ),
        (bit::OUT_OF_ORDER, Analysis::OutOfOrder),
        (bit::LOST_SEGMENT, Analysis::LostSegment),
        (bit::ACKED_UNSEEN, Analysis::AckedUnseen),
        (bit::WINDOW_UPDATE, Analysis::WindowUpdate),
        (bit::KEEP_ALIVE, Analysis::KeepAlive),
        (bit::KEEP_ALIVE_ACK, Analysis::KeepAliveAck),
        (bit::ZERO_WINDOW, Analysis::ZeroWindow),
        (bit::DUPLICATE_ACK, Analysis::DuplicateAck),
    ];
    BITS.iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|&(_, a)| a)
        .collect()
}

/// A packet's analysis flags: a set (two bytes; a list took sixteen) that lists them in
/// Wireshark's order, whatever order they were added in.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AnalysisSet(u16);

impl AnalysisSet {
    /// Every flag, in the order Wireshark lists them (`tcp.analysis.*`).
    const ORDER: [Analysis; 12] = [
        Analysis::FastRetransmission,
        Analysis::SpuriousRetransmission,
        Analysis::Retransmission,
        Analysis::OutOfOrder,
        Analysis::LostSegment,
        Analysis::AckedUnseen,
        Analysis::WindowUpdate,
        Analysis::KeepAlive,
        Analysis::KeepAliveAck,
        Analysis::ZeroWindow,
        Analysis::DuplicateAck,
        Analysis::WindowFull,
    ];

    fn bit(a: Analysis) -> u16 {
        1 << (a as u16)
    }

    pub fn insert(&mut self, a: Analysis) {
        self.0 |= Self::bit(a);
    }

    pub fn contains(&self, a: &Analysis) -> bool {
        self.0 & Self::bit(*a) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// The flags, in Wireshark's order.
    pub fn iter(&self) -> impl Iterator<Item = &'static Analysis> + use<> {
        let bits = self.0;
        Self::ORDER
            .iter()
            .filter(move |a| bits & Self::bit(**a) != 0)
    }
}

impl FromIterator<Analysis> for AnalysisSet {
    fn from_iter<I: IntoIterator<Item = Analysis>>(iter: I) -> Self {
        let mut set = Self::default();
        for a in iter {
            set.insert(a);
        }
        set
    }
}

impl From<&[Analysis]> for AnalysisSet {
    fn from(flags: &[Analysis]) -> Self {
        flags.iter().copied().collect()
    }
}

impl<const N: usize> From<[Analysis; N]> for AnalysisSet {
    fn from(flags: [Analysis; N]) -> Self {
        flags.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a AnalysisSet {
    type Item = &'static Analysis;
    type IntoIter = Box<dyn Iterator<Item = &'static Analysis> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Equal to a list of flags in Wireshark's order.
impl<const N: usize> PartialEq<[Analysis; N]> for AnalysisSet {
    fn eq(&self, list: &[Analysis; N]) -> bool {
        self.iter().eq(list.iter())
    }
}

impl std::fmt::Debug for AnalysisSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_lists_its_flags_in_wiresharks_order_whatever_the_order_they_came_in() {
        let set = AnalysisSet::from([
            Analysis::DuplicateAck,
            Analysis::Retransmission,
            Analysis::FastRetransmission,
        ]);
        assert_eq!(
            set,
            [
                Analysis::FastRetransmission,
                Analysis::Retransmission,
                Analysis::DuplicateAck
            ]
        );
        assert_ne!(
            set,
            [Analysis::Retransmission, Analysis::FastRetransmission]
        );
        assert_eq!(set.len(), 3);
        assert!(set.contains(&Analysis::Retransmission));
        assert!(!set.contains(&Analysis::ZeroWindow));
        assert_eq!((&set).into_iter().count(), 3);
        assert_eq!(
            format!("{set:?}"),
            "[FastRetransmission, Retransmission, DuplicateAck]"
        );
        assert!(AnalysisSet::default().is_empty());
        assert_eq!(std::mem::size_of::<AnalysisSet>(), 2);
    }

    #[test]
    fn every_flag_has_its_own_bit_and_its_place_in_the_order() {
        for a in AnalysisSet::ORDER {
            let one = AnalysisSet::from([a]);
            assert_eq!(one, [a]);
            assert_eq!(one.len(), 1);
        }
        let all: AnalysisSet = AnalysisSet::ORDER.into_iter().collect();
        assert!(all.iter().copied().eq(AnalysisSet::ORDER));
    }

    #[test]
    fn fast_and_spurious_retransmissions_are_retransmissions_too() {
        assert_eq!(
            to_list(bit::FAST_RETRANSMISSION),
            [Analysis::FastRetransmission, Analysis::Retransmission]
        );
        assert_eq!(
            to_list(bit::SPURIOUS_RETRANSMISSION | bit::DUPLICATE_ACK),
            [
                Analysis::SpuriousRetransmission,
                Analysis::Retransmission,
                Analysis::DuplicateAck
            ]
        );
        assert!(to_list(0).is_empty());
    }
}
