//! One direction's unconsumed stream bytes and which packet carried each of them.

use std::borrow::Cow;

use crate::flow::StreamChunk;

/// Consumed bytes are moved out of the buffer once there are this many (and they are at least
/// half of it).
const COMPACT_AT: usize = 64 * 1024;

/// Bytes of one stream direction not yet consumed by a parser, with their carriers.
#[derive(Debug, Default)]
pub(crate) struct DirInput {
    /// `buf[start..]` are the unconsumed bytes; consumed ones are dropped lazily (see
    /// [`DirInput::consume`]) so that cutting a frame's header and then its payload off the
    /// front does not move the bytes behind them each time.
    buf: Vec<u8>,
    start: usize,
    /// Stream offset of the first unconsumed byte.
    pub base: u64,
    /// `(stream offset of first byte, packet)`, sorted; each runs until the next.
    carriers: Vec<(u64, u64)>,
    /// Stream offset just past the last byte received, once anything arrived.
    end: Option<u64>,
}

impl DirInput {
    /// Append a chunk. Bytes already seen (an overlap) are skipped. Returns the number of bytes
    /// missing between what we had and this chunk (0 when contiguous).
    pub fn push(&mut self, chunk: &StreamChunk) -> u64 {
        self.push_parts(chunk, Cow::Borrowed(&chunk.data))
    }

    /// As [`DirInput::push`], but when nothing is held the chunk's bytes become the buffer
    /// (moved, not copied); `chunk.data` is left empty.
    pub fn push_taking(&mut self, chunk: &mut StreamChunk) -> u64 {
        let data = std::mem::take(&mut chunk.data);
        self.push_parts(chunk, Cow::Owned(data))
    }

    /// `push` with the chunk's bytes given apart (`chunk.data` is not read).
    pub fn push_parts(&mut self, chunk: &StreamChunk, data: Cow<'_, [u8]>) -> u64 {
        let (missing, skip) = self.push_meta(chunk, data.len());
        if let Some(skip) = skip {
            match data {
                Cow::Owned(owned) if skip == 0 && self.buf.is_empty() => self.buf = owned,
                data => self
                    .buf
                    .extend_from_slice(data.get(skip..).unwrap_or_default()),
            }
        }
        missing
    }

    /// Lend a chunk's bytes (`bytes`; `chunk.data` is not read) to a parser while nothing is
    /// held: they are read where they are, and only what the parser leaves is copied in, by
    /// [`LentInput::keep_rest`]. `None` when something is held (then use
    /// [`DirInput::push_parts`]) or when the chunk brings nothing new.
    pub fn lend<'a>(&'a mut self, chunk: &StreamChunk, bytes: &'a [u8]) -> Option<LentInput<'a>> {
        if self.len() > 0 {
            return None;
        }
        let (_, skip) = self.push_meta(chunk, bytes.len());
        // With nothing held, `base` is where the new bytes start (`push_meta`).
        Some(LentInput {
            bytes: bytes.get(skip?..).unwrap_or_default(),
            held: self,
        })
    }

    /// The bookkeeping of a push of `len` bytes (holes, carriers, end): returns how many bytes
    /// are missing before the chunk, and how many of its first bytes were seen already when any
    /// of them are new (the caller appends the rest).
    fn push_meta(&mut self, chunk: &StreamChunk, len: usize) -> (u64, Option<usize>) {
        let chunk_end = chunk.offset + len as u64;
        let mut missing = 0;
        let from = match self.end {
            None => {
                self.base = chunk.offset;
                chunk.offset
            }
            Some(end) if chunk.offset > end => {
                missing = chunk.offset - end;
                chunk.offset
            }
            Some(end) => end,
        };
        if chunk_end <= from {
            return (missing, None);
        }
        let skip = usize::try_from(from - chunk.offset).unwrap_or(usize::MAX);
        if skip > len {
            return (missing, None);
        }
        if missing > 0 {
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
        (missing, Some(skip))
    }

    fn add_carrier(&mut self, start: u64, packet: u64) {
        if self.carriers.last().is_some_and(|&(_, p)| p == packet) {
            return;
        }
        self.carriers.push((start, packet));
    }

    /// The unconsumed bytes; the first is at stream offset `base`.
    pub fn bytes(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// How many bytes are unconsumed.
    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    /// Drop `n` bytes from the front (they were parsed). The buffer is emptied when all is
    /// consumed, and compacted once the consumed part is the larger half of a big buffer.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.len());
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
    pub fn prune(&mut self, offset: u64) {
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
    pub fn packets(&self, start: u64, end: u64) -> Vec<u64> {
        let mut out = Vec::new();
        for (i, &(from, packet)) in self.carriers.iter().enumerate() {
            let to = self.carriers.get(i + 1).map_or(u64::MAX, |c| c.0);
            if from < end.max(start + 1) && to > start && out.last() != Some(&packet) {
                out.push(packet);
            }
        }
        out
    }
}

/// What a parser reads stream bytes from: a direction's [`DirInput`], or bytes lent to it
/// ([`LentInput`]).
pub(crate) trait StreamInput {
    /// The unconsumed bytes; the first is at stream offset [`StreamInput::base`].
    fn bytes(&self) -> &[u8];
    /// Stream offset of the first unconsumed byte.
    fn base(&self) -> u64;
    /// Drop `n` bytes from the front (they were parsed).
    fn consume(&mut self, n: usize);
    /// Forget carriers that end before `offset` (the start of the PDU in progress).
    fn prune(&mut self, offset: u64);
    /// The packets that carried stream bytes `start..end`, in order.
    fn packets(&self, start: u64, end: u64) -> Vec<u64>;
    /// How many bytes are unconsumed.
    fn len(&self) -> usize {
        self.bytes().len()
    }
}

impl StreamInput for DirInput {
    fn bytes(&self) -> &[u8] {
        DirInput::bytes(self)
    }
    fn base(&self) -> u64 {
        self.base
    }
    fn consume(&mut self, n: usize) {
        DirInput::consume(self, n);
    }
    fn prune(&mut self, offset: u64) {
        DirInput::prune(self, offset);
    }
    fn packets(&self, start: u64, end: u64) -> Vec<u64> {
        DirInput::packets(self, start, end)
    }
    fn len(&self) -> usize {
        DirInput::len(self)
    }
}

/// A chunk's bytes lent to a parser by [`DirInput::lend`]: consumed in place; the direction's
/// offsets and carriers are kept up to date as if they had been pushed.
pub(crate) struct LentInput<'a> {
    held: &'a mut DirInput,
    bytes: &'a [u8],
}

impl LentInput<'_> {
    /// Copy what the parser left (a frame cut by the packet's end) into the direction's input,
    /// where the next chunk will follow it.
    pub fn keep_rest(self) {
        self.held.buf.extend_from_slice(self.bytes);
    }
}

impl StreamInput for LentInput<'_> {
    fn bytes(&self) -> &[u8] {
        self.bytes
    }
    fn base(&self) -> u64 {
        self.held.base
    }
    fn consume(&mut self, n: usize) {
        let n = n.min(self.bytes.len());
        self.bytes = self.bytes.get(n..).unwrap_or_default();
        self.held.base += n as u64;
    }
    fn prune(&mut self, offset: u64) {
        self.held.prune(offset);
    }
    fn packets(&self, start: u64, end: u64) -> Vec<u64> {
        self.held.packets(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Direction;

    fn chunk(offset: u64, data: &[u8], carriers: &[(u64, u64)]) -> StreamChunk {
        StreamChunk {
            direction: Direction::ClientToServer,
            offset,
            data: data.to_vec(),
            carriers: carriers.to_vec(),
        }
    }

    #[test]
    fn packets_span_carriers() {
        let mut input = DirInput::default();
        input.push(&chunk(0, b"abcd", &[(0, 1), (2, 2)]));
        input.push(&chunk(4, b"efgh", &[(4, 3)]));
        assert_eq!(input.packets(0, 2), vec![1]);
        assert_eq!(input.packets(1, 5), vec![1, 2, 3]);
        assert_eq!(input.packets(6, 8), vec![3]);
        input.consume(5);
        input.prune(5);
        assert_eq!(input.packets(5, 8), vec![3]);
    }

    #[test]
    fn overlap_is_skipped_and_hole_reported() {
        let mut input = DirInput::default();
        input.push(&chunk(0, b"abcd", &[(0, 1)]));
        assert_eq!(input.push(&chunk(2, b"cdef", &[(2, 2)])), 0);
        assert_eq!(input.bytes(), b"abcdef");
        assert_eq!(input.push(&chunk(10, b"xy", &[(10, 3)])), 4);
        assert_eq!(input.bytes(), b"xy");
        assert_eq!(input.base, 10);
    }
}
