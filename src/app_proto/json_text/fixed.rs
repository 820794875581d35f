//! A window of the output of a fixed length, for the parts of a JSON line made of many short
//! pieces of a bounded length.

use super::digits::{Digits, E8, PAIRS, short_digits, sixteen_digits};
use super::{first_to_escape, load_padded, quoted_name};

/// Append what `write` writes, at most `N` bytes, to `out` through a [`Fixed`] window: for
/// the parts of a line made of many short pieces of a bounded length (keys, numbers, names),
/// which otherwise each checked the output's capacity and stored its length. Returns what
/// `write` returns (whether a text fitted, see [`Fixed::short_str`]); its default when the
/// window could not be opened, which does not happen.
#[inline]
pub fn fixed<const N: usize, R: Default>(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Fixed<'_, N>) -> R,
) -> R {
    let at = out.len();
    out.resize(at + N, 0);
    let mut len = 0;
    let mut result = R::default();
    if let Some(buf) = out.get_mut(at..).and_then(<[u8]>::first_chunk_mut::<N>) {
        let mut window = Fixed { buf, len: 0 };
        result = write(&mut window);
        len = window.len;
    }
    out.truncate(at + len);
    result
}

/// `N` bytes of the output, opened by [`fixed`], filled from the start. Every piece is copied
/// with a length known when compiling (a number's 8 or 16 bytes, a name's 16, all cut back
/// by where the next piece starts), so `N` leaves room for 16 bytes more than the longest
/// content. A piece that does not fit is dropped (and a debug build stops): `N` is chosen
/// for the longest content of each window, which the tests write.
pub struct Fixed<'a, const N: usize> {
    buf: &'a mut [u8; N],
    len: usize,
}

impl<const N: usize> Fixed<'_, N> {
    /// Copy `bytes` (a key with its punctuation: `,"seq":`).
    #[inline]
    pub fn put<const K: usize>(&mut self, bytes: &[u8; K]) {
        self.put_cut(bytes, K);
    }

    /// Copy all of `bytes` and keep the first `len` (a piece padded to a fixed length).
    #[inline]
    pub fn put_cut<const K: usize>(&mut self, bytes: &[u8; K], len: usize) {
        debug_assert!(self.len + K <= N, "a window of {N} bytes is too short");
        if let Some(to) = self
            .buf
            .get_mut(self.len..)
            .and_then(<[u8]>::first_chunk_mut::<K>)
        {
            *to = *bytes;
        }
        self.len += len;
    }

    /// Copy `bytes` of any length (a list made before).
    #[inline]
    pub fn put_slice(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        debug_assert!(end <= N, "a window of {N} bytes is too short");
        if let Some(to) = self.buf.get_mut(self.len..end) {
            to.copy_from_slice(bytes);
        }
        self.len = end;
    }

    /// `n` in decimal, as [`write_u64`](super::write_u64) writes it.
    #[inline]
    pub fn num(&mut self, n: u64) {
        if n < 10 {
            self.put_cut(&[b'0' + n as u8], 1);
        } else if n < 100 {
            let pair = n as usize * 2;
            self.put_cut(&[PAIRS[pair], PAIRS[pair + 1]], 2);
        } else if n < E8 {
            // Below 10⁸: fits.
            let (word, len) = short_digits(n as u32);
            self.put_cut(&word.to_le_bytes(), len);
        } else {
            self.large(n);
        }
    }

    /// `key` then `n` (`,"seq":` and a sequence number).
    #[inline]
    pub fn key_num<const K: usize>(&mut self, key: &[u8; K], n: u64) {
        self.put(key);
        self.num(n);
    }

    /// `n` from 10⁸ on, as `write_u64` writes it.
    #[inline(never)]
    fn large(&mut self, n: u64) {
        if let Some((both, len)) = sixteen_digits(n) {
            self.put_cut(&both.to_le_bytes(), len);
        } else {
            self.digits(&Digits::of(n));
        }
    }

    /// Digits made before.
    #[inline]
    pub fn digits(&mut self, digits: &Digits) {
        self.put_cut(&digits.buf, digits.len);
    }

    /// `true` or `false`.
    #[inline]
    pub fn bool(&mut self, v: bool) {
        if v {
            self.put_cut(b"true\0\0\0\0", 4);
        } else {
            self.put_cut(b"false\0\0\0", 5);
        }
    }

    /// A name of ours, quoted, as [`write_name`](super::write_name) writes it.
    #[inline]
    pub fn name(&mut self, name: &str) {
        let bytes = name.as_bytes();
        if let Some(quoted) = quoted_name(bytes) {
            self.put_cut(&quoted, bytes.len() + 2);
        } else {
            self.put(b"\"");
            self.put_slice(bytes);
            self.put(b"\"");
        }
    }

    /// A text of at most 16 bytes with nothing to escape (a namespace, an event name, a
    /// session id), quoted, as [`write_str`](super::write_str) writes it; `false`, and nothing
    /// written, for any other text (for `write_str` after the window). Takes 18 bytes of room.
    #[inline]
    #[must_use]
    pub fn short_str(&mut self, s: &str) -> bool {
        let bytes = s.as_bytes();
        if bytes.len() > 16 {
            return false;
        }
        let padded = load_padded(bytes);
        // The padding (0) needs escaping: the first byte to escape is at the end of `s`
        // exactly when none of `s` does.
        if first_to_escape(&padded) != bytes.len() {
            return false;
        }
        self.put(b"\"");
        self.put_cut(&padded, bytes.len());
        self.put(b"\"");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_proto::json_text::digits::put_digits;
    use crate::app_proto::json_text::digits::tests::edge_numbers;
    use crate::app_proto::json_text::{write_str, write_u64};

    /// What a [`Fixed`] window writes is what the writers on a `Vec` write, for every
    /// number at the edges of its digit counts.
    #[test]
    fn a_window_writes_what_the_writers_do() {
        for n in edge_numbers() {
            let mut ours = b"x".to_vec();
            fixed::<80, _>(&mut ours, |w| {
                w.key_num(b",\"n\":", n);
                w.bool(n % 2 == 0);
                w.put_slice(b"[]");
                w.digits(&Digits::of(n));
            });
            let mut reference = b"x,\"n\":".to_vec();
            write_u64(&mut reference, n).unwrap();
            reference.extend_from_slice(if n % 2 == 0 { b"true" } else { b"false" });
            reference.extend_from_slice(b"[]");
            put_digits(&mut reference, &Digits::of(n));
            assert_eq!(ours, reference, "{n}");
        }
    }

    /// A short text in a window is what `write_str` writes, for every length up to 16 and
    /// each byte that needs escaping at each place; longer texts and those are refused.
    #[test]
    fn a_short_text_in_a_window_is_what_write_str_writes() {
        for len in 0..=17 {
            for bad in [None, Some('"'), Some('\\'), Some('\u{1f}')] {
                for at in 0..len.max(1) {
                    let mut text: Vec<char> = "abcdefghijklmnopq".chars().take(len).collect();
                    if let (Some(bad), Some(c)) = (bad, text.get_mut(at)) {
                        *c = bad;
                    }
                    let text: String = text.into_iter().collect();
                    let mut ours = b"x".to_vec();
                    let written = fixed::<48, _>(&mut ours, |w| w.short_str(&text));
                    let mut reference = b"x".to_vec();
                    if written {
                        write_str(&mut reference, &text).unwrap();
                    }
                    assert_eq!(ours, reference, "{text:?}");
                    let clean = bad.is_none() || len == 0;
                    assert_eq!(written, clean && len <= 16, "{text:?}");
                }
            }
        }
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "a window of 8 bytes is too short")]
    fn a_piece_past_its_window_stops_a_debug_build() {
        fixed::<8, _>(&mut Vec::new(), |w| {
            w.put(b"12345");
            w.put(b"67890");
        });
    }
}
