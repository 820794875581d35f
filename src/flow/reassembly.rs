//! Per-direction reassembly: turns the segments of one direction into an ordered byte stream,
//! delivered once (first copy wins), with the packet that carried every byte, holes declared as
//! gaps, and memory bounded by a byte limit and freed when the direction closes.

use std::collections::BTreeMap;

use super::{Carriers, ChunkBytes, Delivered, Direction, Gap, SeqNum, StreamChunk};

/// Captured bytes waiting for the hole before them to fill.
#[derive(Clone, Debug)]
struct Pending {
    data: Vec<u8>,
    packet: u64,
}

/// One direction's byte stream. Offsets count from the first byte after the SYN (or, for a
/// direction picked up mid-stream, from the first sequence number seen).
#[derive(Clone, Debug)]
pub struct Reassembler {
    direction: Direction,
    /// Sequence number of stream offset 0.
    base: Option<SeqNum>,
    /// Next offset to deliver: everything before it was delivered or declared a gap.
    next: u64,
    /// Out-of-order captured bytes by start offset; ranges never overlap.
    pending: BTreeMap<u64, Pending>,
    /// Byte ranges that were sent but not captured (caplen < len), by start offset → end.
    uncaptured: BTreeMap<u64, u64>,
    buffered_bytes: usize,
    /// Offset of the FIN, once seen.
    fin: Option<u64>,
    /// Closed and freed: later segments are ignored.
    closed: bool,
}

/// Appends what a call made available to `out`, in stream order.
struct Delivery<'a> {
    direction: Direction,
    out: &'a mut Vec<Delivered>,
}

impl Delivery<'_> {
    /// Buffered bytes: appended to the chunk before them when they follow it.
    fn push_owned(&mut self, offset: u64, data: Vec<u8>, packet: u64) {
        if data.is_empty() {
            return;
        }
        if let Some(Delivered::Chunk(chunk)) = self.out.last_mut()
            && chunk.direction == self.direction
            && let ChunkBytes::Owned(bytes) = &mut chunk.bytes
            && chunk.offset + bytes.len() as u64 == offset
        {
            bytes.extend_from_slice(&data);
            if chunk.carriers.last().map(|&(_, p)| p) != Some(packet) {
                chunk.carriers.push((offset, packet));
            }
            return;
        }
        self.push_chunk(offset, ChunkBytes::Owned(data), packet);
    }

    fn push_chunk(&mut self, offset: u64, bytes: ChunkBytes, packet: u64) {
        self.out.push(Delivered::Chunk(StreamChunk {
            direction: self.direction,
            offset,
            bytes,
            carriers: Carriers::one((offset, packet)),
        }));
    }

    fn push_gap(&mut self, offset: u64, len: u64) {
        if len == 0 {
            return;
        }
        if let Some(Delivered::Gap(gap)) = self.out.last_mut()
            && gap.direction == self.direction
            && gap.offset + gap.len == offset
        {
            gap.len += len;
            return;
        }
        self.out.push(Delivered::Gap(Gap {
            direction: self.direction,
            offset,
            len,
        }));
    }
}

impl Reassembler {
    pub fn new(direction: Direction) -> Self {
        Self {
            direction,
            base: None,
            next: 0,
            pending: BTreeMap::new(),
            uncaptured: BTreeMap::new(),
            buffered_bytes: 0,
            fin: None,
            closed: false,
        }
    }

    /// Sequence number of stream offset 0, once known.
    pub fn base(&self) -> Option<SeqNum> {
        self.base
    }

    /// Set where offset 0 is, unless bytes were already delivered from another base.
    pub fn set_base(&mut self, seq: SeqNum) {
        if self.base.is_none() || (self.next == 0 && self.pending.is_empty()) {
            self.base = Some(seq);
        }
    }

    /// Next offset to be delivered.
    pub fn next_offset(&self) -> u64 {
        self.next
    }

    /// Bytes held out of order.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered_bytes
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The stream offset of `seq`, unwrapped around the delivery point; `None` before a base.
    pub fn offset_of(&self, seq: SeqNum) -> Option<i64> {
        let base = self.base?;
        let here = base.add(self.next as u32);
        Some(self.next as i64 + i64::from(seq.diff(here)))
    }

    /// Add one segment: `declared_len` bytes starting at `seq`, of which `captured` (a prefix)
    /// were captured. Buffers past `max_buffered` bytes declare the oldest hole a gap. What
    /// becomes available is appended to `out`; bytes delivered straight from `captured` are a
    /// [`ChunkBytes::Payload`] range of it.
    pub fn segment(
        &mut self,
        seq: SeqNum,
        declared_len: u32,
        captured: &[u8],
        packet: u64,
        max_buffered: usize,
        out: &mut Vec<Delivered>,
    ) {
        if self.closed || declared_len == 0 {
            return;
        }
        let Some(start) = self.offset_of(seq) else {
            return;
        };
        let mut out = Delivery {
            direction: self.direction,
            out,
        };
        let cap = captured.len().min(declared_len as usize);
        let end_declared = start + i64::from(declared_len);
        let next = self.next as i64;
        if end_declared <= next {
            return;
        }
        let data_start = start.max(next);
        let data_end = start + cap as i64;
        if data_end > data_start {
            let skip = (data_start - start) as usize;
            let bytes = captured.get(skip..cap).unwrap_or(&[]);
            if data_start == next && self.pending.is_empty() {
                // In order with nothing buffered (the usual case): delivered where they are,
                // not buffered and drained.
                if !bytes.is_empty() {
                    out.push_chunk(self.next, ChunkBytes::Payload(skip..cap), packet);
                }
                self.next += bytes.len() as u64;
            } else {
                self.insert(data_start as u64, bytes, packet);
            }
        }
        let missing_start = data_end.max(next);
        if end_declared > missing_start {
            self.uncaptured
                .insert(missing_start as u64, end_declared as u64);
        }
        self.drain(&mut out);
        while self.buffered_bytes > max_buffered {
            let Some(&hole_end) = self.pending.keys().next() else {
                break;
            };
            self.declare_gap(hole_end, &mut out);
        }
    }

    /// Remember where the FIN is (the offset just after the last data byte).
    pub fn set_fin(&mut self, seq: SeqNum) {
        if let Some(off) = self.offset_of(seq)
            && off >= 0
            && self.fin.is_none()
        {
            self.fin = Some(off as u64);
        }
    }

    /// The receiver acknowledged up to `ack`: a hole before buffered data that it covers was
    /// received by the peer but not captured, so it is declared a gap.
    pub fn acknowledged(&mut self, ack: SeqNum, out: &mut Vec<Delivered>) {
        let Some(ack_off) = self.offset_of(ack) else {
            return;
        };
        let mut out = Delivery {
            direction: self.direction,
            out,
        };
        while !self.pending.is_empty() && ack_off > self.next as i64 {
            let first = self.pending.keys().next().copied().unwrap_or(self.next);
            let end = first.min(ack_off as u64);
            self.declare_gap(end, &mut out);
        }
    }

    /// The direction is over (RST, or its FIN acknowledged): declare the remaining holes gaps,
    /// deliver what was buffered and free the buffers.
    pub fn close(&mut self, out: &mut Vec<Delivered>) {
        if self.closed {
            return;
        }
        let mut out = Delivery {
            direction: self.direction,
            out,
        };
        while let Some(&first) = self.pending.keys().next() {
            self.declare_gap(first, &mut out);
        }
        if let Some(fin) = self.fin
            && fin > self.next
        {
            self.declare_gap(fin, &mut out);
        }
        self.pending = BTreeMap::new();
        self.uncaptured = BTreeMap::new();
        self.buffered_bytes = 0;
        self.closed = true;
    }

    /// Insert `data` at `start`, keeping only the bytes no earlier buffered copy holds.
    fn insert(&mut self, start: u64, data: &[u8], packet: u64) {
        let end = start + data.len() as u64;
        let mut covered: Vec<(u64, u64)> = self
            .pending
            .range(..end)
            .rev()
            .map(|(&s, p)| (s, s + p.data.len() as u64))
            .take_while(|&(_, e)| e > start)
            .collect();
        covered.reverse();
        let mut at = start;
        for (s, e) in covered.into_iter().chain(std::iter::once((end, end))) {
            if s > at {
                let lo = (at - start) as usize;
                let hi = (s.min(end) - start) as usize;
                if let Some(piece) = data.get(lo..hi) {
                    self.buffered_bytes += piece.len();
                    self.pending.insert(
                        at,
                        Pending {
                            data: piece.to_vec(),
                            packet,
                        },
                    );
                }
            }
            at = at.max(e);
        }
    }

    /// Deliver everything contiguous from `next`: buffered bytes first, then uncaptured ranges
    /// as gaps.
    fn drain(&mut self, out: &mut Delivery<'_>) {
        loop {
            if let Some(entry) = self.pending.first_entry()
                && *entry.key() <= self.next
            {
                let start = *entry.key();
                let p = entry.remove();
                self.buffered_bytes = self.buffered_bytes.saturating_sub(p.data.len());
                let skip = (self.next - start) as usize;
                let mut fresh = p.data;
                fresh.drain(..skip.min(fresh.len()));
                let len = fresh.len() as u64;
                out.push_owned(self.next, fresh, p.packet);
                self.next += len;
                continue;
            }
            let hole = self
                .uncaptured
                .range(..=self.next)
                .rev()
                .find(|&(_, &e)| e > self.next)
                .map(|(&s, &e)| (s, e));
            let Some((s, e)) = hole else { break };
            self.uncaptured.remove(&s);
            let stop = self.pending.keys().next().map_or(e, |&p| p.min(e));
            if e > stop {
                self.uncaptured.insert(stop, e);
            }
            out.push_gap(self.next, stop - self.next);
            self.next = stop;
        }
        let next = self.next;
        self.uncaptured.retain(|_, e| *e > next);
    }

    /// Give up on the bytes before `end`: they become a gap, and delivery continues after.
    fn declare_gap(&mut self, end: u64, out: &mut Delivery<'_>) {
        if end > self.next {
            out.push_gap(self.next, end - self.next);
            self.next = end;
        }
        self.drain(out);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ISN: u32 = u32::MAX - 3;

    fn stream(base: u32) -> Reassembler {
        let mut r = Reassembler::new(Direction::ClientToServer);
        r.set_base(SeqNum(base));
        r
    }

    /// A chunk as `(offset, bytes, carriers)`.
    type Run = (u64, Vec<u8>, Vec<(u64, u64)>);

    /// What one call delivered, with the chunks' bytes read (`captured`: the segment's bytes).
    #[derive(Debug, Default)]
    struct Out {
        chunks: Vec<Run>,
        /// `(offset, len)`.
        gaps: Vec<(u64, u64)>,
        /// The chunks that are a range of `captured` (not copied).
        in_place: usize,
    }

    fn read(delivered: Vec<Delivered>, captured: &[u8]) -> Out {
        let mut out = Out::default();
        let mut end = None;
        for d in delivered {
            assert_eq!(d.direction(), Direction::ClientToServer);
            match d {
                Delivered::Chunk(c) => {
                    assert!(end.is_none_or(|e| c.offset >= e), "in stream order");
                    out.in_place += usize::from(matches!(c.bytes, ChunkBytes::Payload(_)));
                    let data = c.data(captured).to_vec();
                    end = Some(c.offset + data.len() as u64);
                    out.chunks.push((c.offset, data, c.carriers.to_vec()));
                }
                Delivered::Gap(g) => {
                    assert!(end.is_none_or(|e| g.offset >= e), "in stream order");
                    end = Some(g.offset + g.len);
                    out.gaps.push((g.offset, g.len));
                }
            }
        }
        out
    }

    fn segment(
        r: &mut Reassembler,
        seq: u32,
        len: u32,
        data: &[u8],
        packet: u64,
        max: usize,
    ) -> Out {
        let mut out = Vec::new();
        r.segment(SeqNum(seq), len, data, packet, max, &mut out);
        read(out, data)
    }

    fn feed(r: &mut Reassembler, off: u32, data: &[u8], packet: u64) -> Out {
        let seq = r.base().unwrap_or_default().add(off);
        segment(r, seq.0, data.len() as u32, data, packet, 1 << 20)
    }

    #[test]
    fn in_order_bytes_are_delivered_at_once_where_they_are() {
        let mut r = stream(ISN);
        let out = feed(&mut r, 0, b"GET ", 1);
        assert_eq!(out.chunks, vec![(0, b"GET ".to_vec(), vec![(0, 1)])]);
        assert_eq!(out.in_place, 1);
        let out = feed(&mut r, 4, b"/ HTTP", 2);
        assert_eq!(out.chunks, vec![(4, b"/ HTTP".to_vec(), vec![(4, 2)])]);
        assert_eq!(out.in_place, 1);
        // Partly seen already: the new part is a range of the segment.
        let out = feed(&mut r, 8, b"TTP/1.1", 3);
        assert_eq!(out.chunks, vec![(10, b"P/1.1".to_vec(), vec![(10, 3)])]);
        assert_eq!(out.in_place, 1);
    }

    #[test]
    fn out_of_order_waits_for_the_hole_and_keeps_its_carriers() {
        let mut r = stream(ISN);
        assert!(feed(&mut r, 3, b"def", 2).chunks.is_empty());
        assert_eq!(r.buffered_bytes(), 3);
        let out = feed(&mut r, 0, b"abc", 3);
        assert_eq!(
            out.chunks,
            vec![(0, b"abcdef".to_vec(), vec![(0, 3), (3, 2)])]
        );
        assert_eq!(out.in_place, 0);
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn overlapping_bytes_are_delivered_once_first_copy_wins() {
        let mut r = stream(ISN);
        feed(&mut r, 2, b"CD", 1);
        let out = feed(&mut r, 0, b"abcdef", 2);
        assert_eq!(out.chunks[0].1, b"abCDef".to_vec());
        assert_eq!(out.chunks[0].2, vec![(0, 2), (2, 1), (4, 2)]);
        assert!(feed(&mut r, 1, b"xyz", 3).chunks.is_empty());
    }

    #[test]
    fn truncated_segment_delivers_what_was_captured_then_a_gap() {
        let mut r = stream(7);
        let out = segment(&mut r, 7, 10, b"abcd", 1, 1 << 20);
        assert_eq!(out.chunks, vec![(0, b"abcd".to_vec(), vec![(0, 1)])]);
        assert_eq!(out.gaps, vec![(4, 6)]);
        let out = feed(&mut r, 10, b"next", 2);
        assert_eq!(out.chunks, vec![(10, b"next".to_vec(), vec![(10, 2)])]);
    }

    #[test]
    fn buffer_limit_declares_the_hole_a_gap_and_data_after_it_continues() {
        let mut r = stream(0);
        let out = segment(&mut r, 100, 8, b"12345678", 4, 4);
        assert_eq!(out.gaps, vec![(0, 100)]);
        assert_eq!(
            out.chunks,
            vec![(100, b"12345678".to_vec(), vec![(100, 4)])]
        );
        assert!(feed(&mut r, 50, b"late", 5).chunks.is_empty());
    }

    #[test]
    fn close_flushes_buffers_with_gaps_up_to_the_fin() {
        let mut r = stream(0);
        feed(&mut r, 5, b"xy", 1);
        r.set_fin(SeqNum(10));
        let mut out = Vec::new();
        r.close(&mut out);
        let out = read(out, b"");
        assert_eq!(out.gaps, vec![(0, 5), (7, 3)]);
        assert_eq!(out.chunks, vec![(5, b"xy".to_vec(), vec![(5, 1)])]);
        assert!(r.is_closed());
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn ack_past_a_hole_with_data_behind_it_declares_the_gap() {
        let mut r = stream(0);
        feed(&mut r, 4, b"efgh", 2);
        let mut out = Vec::new();
        r.acknowledged(SeqNum(8), &mut out);
        let out = read(out, b"");
        assert_eq!(out.gaps, vec![(0, 4)]);
        assert_eq!(out.chunks[0].1, b"efgh".to_vec());
    }

    proptest! {
        #[test]
        fn any_order_and_duplication_reassembles_the_same_bytes(
            data in proptest::collection::vec(any::<u8>(), 1..300),
            cuts in proptest::collection::vec(0usize..300, 0..12),
            order in proptest::collection::vec(any::<proptest::sample::Index>(), 1..40),
            isn in any::<u32>(),
        ) {
            let mut bounds: Vec<usize> = cuts.into_iter().map(|c| c % data.len()).collect();
            bounds.extend([0, data.len()]);
            bounds.sort_unstable();
            bounds.dedup();
            let segs: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
            let mut r = stream(isn);
            let mut got = Vec::new();
            let mut sent: Vec<usize> = order.iter().map(|i| i.index(segs.len())).collect();
            sent.extend(0..segs.len()); // every segment arrives at least once
            for (n, &i) in sent.iter().enumerate() {
                let (a, b) = segs[i];
                let out = feed(&mut r, a as u32, &data[a..b], n as u64);
                prop_assert!(out.gaps.is_empty());
                for (off, bytes, _) in out.chunks {
                    prop_assert_eq!(off as usize, got.len());
                    got.extend(bytes);
                }
            }
            prop_assert_eq!(got, data);
            prop_assert_eq!(r.buffered_bytes(), 0);
        }
    }
}
