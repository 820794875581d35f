//! One direction's stream bytes as the parsers read them: what is held between packets (a PDU
//! cut off by a packet's end) and the new chunk's bytes, read where they lie when nothing is
//! held; and which packet carried each byte.

use crate::decode::OneOrMany;
use crate::flow::StreamChunk;

/// Consumed bytes are moved out of the buffer once there are this many (and they are at least
/// half of it).
const COMPACT_AT: usize = 64 * 1024;

/// What one stream direction holds between packets: bytes not yet consumed by a parser, and
/// which packet carried each byte of the PDU in progress.
#[derive(Debug, Default)]
pub(crate) struct DirInput {
    /// `buf[start..]` are the held bytes; consumed ones are dropped lazily (see
    /// [`Input::consume`]) so that cutting a frame's header and then its payload off the front
    /// does not move the bytes behind them each time.
    buf: Vec<u8>,
    start: usize,
    /// Stream offset of the first unconsumed byte.
    base: u64,
    /// `(stream offset of first byte, packet)`, sorted; each runs until the next.
    carriers: Vec<(u64, u64)>,
    /// Stream offset just past the last byte received, once anything arrived.
    end: Option<u64>,
}

impl DirInput {
    /// Take in a chunk whose bytes are `bytes` (bytes seen already are skipped; a hole before
    /// it drops what was held, which can never be completed). Returns the new bytes when
    /// nothing is held, for the parser to read where they are (see [`Input`]); otherwise they
    /// are appended to what is held (copied), and the slice returned is empty.
    pub fn add<'b>(&mut self, chunk: &StreamChunk, bytes: &'b [u8]) -> &'b [u8] {
        let Some(skip) = self.add_carriers(chunk, bytes.len()) else {
            return &[];
        };
        let fresh = bytes.get(skip..).unwrap_or_default();
        if self.held_len() == 0 {
            // `base` is where `fresh` starts (see `add_carriers`).
            return fresh;
        }
        self.buf.extend_from_slice(fresh);
        &[]
    }

    /// Hold `rest`, what the parsers left of the bytes [`DirInput::add`] lent them (a PDU cut
    /// off by the packet's end): the next chunk will follow it.
    pub fn keep(&mut self, rest: &[u8]) {
        self.buf.extend_from_slice(rest);
    }

    /// The bookkeeping of taking in `len` bytes (holes, carriers, end): returns how many of
    /// the chunk's first bytes were seen already, when any of its bytes are new.
    fn add_carriers(&mut self, chunk: &StreamChunk, len: usize) -> Option<usize> {
        let chunk_end = chunk.offset + len as u64;
        let mut missing = false;
        let from = match self.end {
            None => {
                self.base = chunk.offset;
                chunk.offset
            }
            Some(end) if chunk.offset > end => {
                missing = true;
                chunk.offset
            }
            Some(end) => end,
        };
        if chunk_end <= from {
            return None;
        }
        let skip = usize::try_from(from - chunk.offset).ok()?;
        if missing {
            // What we held can never be completed: start over at the chunk.
            self.clear();
            self.carriers.clear();
            self.base = from;
        }
        for (i, &(start, packet)) in chunk.carriers.iter().enumerate() {
            let next = chunk.carriers.get(i + 1).map_or(chunk_end, |c| c.0);
            if next <= from {
                continue;
            }
            self.add_carrier(start.max(from), packet);
        }
        if chunk.carriers.is_empty() {
            self.add_carrier(from, 0);
        }
        self.end = Some(chunk_end);
        Some(skip)
    }

    fn add_carrier(&mut self, start: u64, packet: u64) {
        if self.carriers.last().is_some_and(|&(_, p)| p == packet) {
            return;
        }
        self.carriers.push((start, packet));
    }

    fn held(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    fn held_len(&self) -> usize {
        self.buf.len() - self.start
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    /// Drop `n` held bytes from the front (they were parsed). The buffer is emptied when all
    /// is consumed, and compacted once the consumed part is the larger half of a big buffer.
    fn consume_held(&mut self, n: usize) {
        let n = n.min(self.held_len());
        self.start += n;
        self.base += n as u64;
        if self.start == self.buf.len() {
            self.clear();
        } else if self.start >= COMPACT_AT && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Forget carriers that end before `offset` (the start of the PDU in progress).
    fn prune(&mut self, offset: u64) {
        let keep_from = self.carriers.partition_point(|&(start, _)| start <= offset);
        if keep_from > 1 {
            self.carriers.drain(..keep_from - 1);
        }
    }

    /// How many bytes are missing before a chunk that starts at `offset`.
    pub fn hole_before(&self, offset: u64) -> u64 {
        self.end.map_or(0, |end| offset.saturating_sub(end))
    }

    /// Bytes up to `offset` will never arrive: drop what is held and continue from there.
    pub fn skip_to(&mut self, offset: u64) {
        self.clear();
        self.carriers.clear();
        self.base = offset;
        self.end = Some(offset);
    }

    /// The packets that carried stream bytes `start..end`, in order.
    fn packets(&self, start: u64, end: u64) -> OneOrMany<u64> {
        let mut out = OneOrMany::default();
        for (i, &(from, packet)) in self.carriers.iter().enumerate() {
            let to = self.carriers.get(i + 1).map_or(u64::MAX, |c| c.0);
            if from < end.max(start + 1) && to > start && out.last() != Some(&packet) {
                out.push(packet);
            }
        }
        out
    }
}

/// What a parser reads: a direction's unconsumed bytes. Those are what the direction holds,
/// or, when it held nothing, the new bytes of the chunk being fed, read where they lie (`lent`,
/// from [`DirInput::add`]); what the parsers leave of those is copied into the direction by
/// [`DirInput::keep`]. Offsets and carriers are the direction's either way.
pub(crate) struct Input<'a, 'b> {
    held: &'a mut DirInput,
    /// Lent bytes not consumed yet; only while nothing is held.
    lent: &'a mut &'b [u8],
}

impl<'a, 'b> Input<'a, 'b> {
    /// `lent`: what [`DirInput::add`] returned for `held` (or an empty slice).
    pub fn new(held: &'a mut DirInput, lent: &'a mut &'b [u8]) -> Self {
        Self { held, lent }
    }

    /// The unconsumed bytes; the first is at stream offset [`Input::base`].
    pub fn bytes(&self) -> &[u8] {
        if self.lent.is_empty() {
            self.held.held()
        } else {
            self.lent
        }
    }

    /// How many bytes are unconsumed.
    pub fn len(&self) -> usize {
        if self.lent.is_empty() {
            self.held.held_len()
        } else {
            self.lent.len()
        }
    }

    /// Stream offset of the first unconsumed byte.
    pub fn base(&self) -> u64 {
        self.held.base
    }

    /// Drop `n` bytes from the front (they were parsed).
    pub fn consume(&mut self, n: usize) {
        if self.lent.is_empty() {
            self.held.consume_held(n);
        } else {
            let n = n.min(self.lent.len());
            *self.lent = self.lent.get(n..).unwrap_or_default();
            self.held.base += n as u64;
        }
    }

    /// Forget carriers that end before `offset` (the start of the PDU in progress).
    pub fn prune(&mut self, offset: u64) {
        self.held.prune(offset);
    }

    /// The packets that carried stream bytes `start..end`, in order.
    pub fn packets(&self, start: u64, end: u64) -> OneOrMany<u64> {
        self.held.packets(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{ChunkBytes, Direction};

    fn chunk(offset: u64, carriers: &[(u64, u64)]) -> StreamChunk {
        StreamChunk {
            direction: Direction::ClientToServer,
            offset,
            bytes: ChunkBytes::Payload(0..0),
            carriers: carriers.to_vec().into(),
        }
    }

    /// Take in `bytes` at `offset` and consume nothing: everything is kept.
    fn add_all(dir: &mut DirInput, offset: u64, bytes: &[u8], carriers: &[(u64, u64)]) {
        let lent = dir.add(&chunk(offset, carriers), bytes);
        dir.keep(lent);
    }

    fn held(dir: &mut DirInput) -> Vec<u8> {
        Input::new(dir, &mut &[][..]).bytes().to_vec()
    }

    #[test]
    fn packets_span_carriers() {
        let mut dir = DirInput::default();
        add_all(&mut dir, 0, b"abcd", &[(0, 1), (2, 2)]);
        add_all(&mut dir, 4, b"efgh", &[(4, 3)]);
        let mut nothing: &[u8] = &[];
        let mut input = Input::new(&mut dir, &mut nothing);
        assert_eq!(input.packets(0, 2), vec![1]);
        assert_eq!(input.packets(1, 5), vec![1, 2, 3]);
        assert_eq!(input.packets(6, 8), vec![3]);
        input.consume(5);
        input.prune(5);
        assert_eq!(input.packets(5, 8), vec![3]);
    }

    #[test]
    fn overlap_is_skipped_and_a_hole_drops_what_was_held() {
        let mut dir = DirInput::default();
        add_all(&mut dir, 0, b"abcd", &[(0, 1)]);
        assert_eq!(dir.hole_before(2), 0);
        add_all(&mut dir, 2, b"cdef", &[(2, 2)]);
        assert_eq!(held(&mut dir), b"abcdef");
        assert_eq!(dir.hole_before(10), 4);
        add_all(&mut dir, 10, b"xy", &[(10, 3)]);
        assert_eq!(held(&mut dir), b"xy");
        assert_eq!(dir.base, 10);
    }

    #[test]
    fn new_bytes_are_read_where_they_are_and_only_the_rest_is_copied() {
        let mut dir = DirInput::default();
        let bytes = b"frame1frame2fra";
        let mut lent = dir.add(&chunk(0, &[(0, 1)]), bytes);
        assert!(
            lent.as_ptr() == bytes.as_ptr() && lent.len() == 15,
            "lent, not copied"
        );
        let mut input = Input::new(&mut dir, &mut lent);
        input.consume(12);
        assert_eq!((input.bytes(), input.base()), (&b"fra"[..], 12));
        dir.keep(lent);
        assert_eq!(held(&mut dir), b"fra");
        // Something is held: the next chunk's bytes are appended to it.
        let lent = dir.add(&chunk(15, &[(15, 2)]), b"me3");
        assert!(lent.is_empty());
        let mut nothing: &[u8] = &[];
        let mut input = Input::new(&mut dir, &mut nothing);
        assert_eq!((input.bytes(), input.base()), (&b"frame3"[..], 12));
        assert_eq!(input.packets(12, 18), vec![1, 2]);
        input.consume(6);
        assert_eq!((input.len(), input.base()), (0, 18));
        // Bytes seen already are skipped; the new ones are lent again.
        let lent = dir.add(&chunk(16, &[(16, 3)]), b"e3ok");
        assert_eq!(lent, b"ok");
        assert_eq!(dir.base, 18);
    }
}
