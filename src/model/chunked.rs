//! A list that grows in fixed-size chunks: the model's packets and steps. A `Vec` of half a
//! million rows doubles by copying hundreds of megabytes and touching as many fresh pages, in
//! the UI frame that adds the row that did not fit (0.8 s of CPU at 524,289 packets); a chunked
//! list never moves what it holds, so adding a row costs the same at any length.

use std::ops::{Index, IndexMut};

/// Elements per chunk (a power of two, so that finding an element is a shift and a mask).
const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

/// An append-only list of `T` in chunks of 4,096 elements (`CHUNK`), indexed like a slice.
#[derive(Clone, PartialEq, Eq)]
pub struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Chunked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> Chunked<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Add `value` at the end; a new chunk is allocated once every 4,096 elements.
    pub fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks
            .get(index >> CHUNK_BITS)?
            .get(index & (CHUNK - 1))
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.chunks
            .get_mut(index >> CHUNK_BITS)?
            .get_mut(index & (CHUNK - 1))
    }

    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&T> {
        self.chunks.last()?.last()
    }

    /// The elements in order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            list: self,
            front: 0,
            back: self.len,
        }
    }

    pub fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }

    /// As [`slice::partition_point`]: the index of the first element for which `pred` is false,
    /// the list being partitioned by it.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let (mut low, mut high) = (0, self.len);
        while low < high {
            let mid = low + (high - low) / 2;
            if self.get(mid).is_some_and(&mut pred) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;

    /// Panics when `index` is out of bounds, as a slice does.
    fn index(&self, index: usize) -> &T {
        &self.chunks[index >> CHUNK_BITS][index & (CHUNK - 1)]
    }
}

impl<T> IndexMut<usize> for Chunked<T> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        &mut self.chunks[index >> CHUNK_BITS][index & (CHUNK - 1)]
    }
}

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut list = Self::default();
        for value in iter {
            list.push(value);
        }
        list
    }
}

/// The elements of a [`Chunked`] list, in order (both ways, with their count). Skipping is
/// constant work, as on a slice: `iter().skip(n)` is how views resume a scan.
pub struct Iter<'a, T> {
    list: &'a Chunked<T>,
    /// The next element from the front, and one past the next from the back.
    front: usize,
    back: usize,
}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Self { ..*self }
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.list.get(self.front - 1)
    }

    fn nth(&mut self, n: usize) -> Option<&'a T> {
        self.front = self.front.saturating_add(n).min(self.back);
        self.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.back - self.front;
        (left, Some(left))
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.list.get(self.back)
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

impl<'a, T> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_reads_like_the_vec_it_replaces_across_chunk_boundaries() {
        let n = 3 * CHUNK + 5;
        let vec: Vec<usize> = (0..n).map(|i| i * 7).collect();
        let mut list: Chunked<usize> = vec.iter().copied().collect();
        assert_eq!(list.len(), n);
        assert_eq!(list.chunks.len(), 4);
        for i in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, n - 1] {
            assert_eq!(list.get(i), vec.get(i), "{i}");
            assert_eq!(list[i], vec[i], "{i}");
        }
        assert_eq!(list.get(n), None);
        assert_eq!(list.first(), vec.first());
        assert_eq!(list.last(), vec.last());
        assert!(list.iter().eq(vec.iter()));
        assert!(list.iter().rev().eq(vec.iter().rev()));
        assert_eq!(list.iter().len(), n);
        let mut it = list.iter();
        it.next();
        it.next_back();
        assert_eq!(it.len(), n - 2);
        for skip in [0, 1, CHUNK - 2, CHUNK, n - 3, n - 2, n + 5] {
            let mut a = list.iter();
            let mut b = vec.iter();
            a.next_back();
            b.next_back();
            assert!(a.clone().skip(skip).eq(b.clone().skip(skip)), "{skip}");
            assert!(
                a.enumerate().skip(skip).eq(b.enumerate().skip(skip)),
                "{skip}"
            );
        }
        for probe in [0, 1, 7 * CHUNK, 7 * n, 7 * n + 1] {
            assert_eq!(
                list.partition_point(|&v| v < probe),
                vec.partition_point(|&v| v < probe),
                "{probe}"
            );
        }
        list[CHUNK] = 1;
        *list.get_mut(CHUNK + 1).unwrap() = 2;
        assert_eq!((list[CHUNK], list[CHUNK + 1]), (1, 2));
        list.clear();
        assert!(list.is_empty());
        assert_eq!(list.iter().next(), None);
    }

    #[test]
    #[should_panic(expected = "index out of bounds")]
    fn indexing_past_the_end_panics_as_a_slice_does() {
        let list: Chunked<u8> = (0..3).collect();
        let _ = list[3];
    }
}
