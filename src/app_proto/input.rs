//! One direction's unconsumed stream bytes and which packet carried each of them.

use crate::flow::StreamChunk;

/// Bytes of one stream direction not yet consumed by a parser, with their carriers.
#[derive(Debug, Default)]
pub(crate) struct DirInput {
    /// Unconsumed bytes; `buf[0]` is at stream offset `base`.
    pub buf: Vec<u8>,
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
        let chunk_end = chunk.offset + chunk.data.len() as u64;
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
            return missing;
        }
        let skip = usize::try_from(from - chunk.offset).unwrap_or(usize::MAX);
        let Some(new) = chunk.data.get(skip..) else {
            return missing;
        };
        if missing > 0 {
            // What we held can never be completed: start over at the chunk.
            self.buf.clear();
            self.carriers.clear();
            self.base = from;
        }
        self.buf.extend_from_slice(new);
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
        missing
    }

    fn add_carrier(&mut self, start: u64, packet: u64) {
        if self.carriers.last().is_some_and(|&(_, p)| p == packet) {
            return;
        }
        self.carriers.push((start, packet));
    }

    /// Drop `n` bytes from the front (they were parsed).
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        self.base += n as u64;
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
        self.buf.clear();
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
        assert_eq!(input.buf, b"abcdef");
        assert_eq!(input.push(&chunk(10, b"xy", &[(10, 3)])), 4);
        assert_eq!(input.buf, b"xy");
        assert_eq!(input.base, 10);
    }
}
