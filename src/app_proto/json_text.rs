//! JSON strings and integers, written byte-for-byte as `serde_json` writes them (compact
//! formatter), for `decode --format json` and for Socket.IO payloads (`socketio::SioData`): `"`, `\` and control characters below 0x20 are escaped, everything else
//! (including non-ASCII UTF-8 and DEL) is copied as it is. Text runs are scanned 16 bytes at a
//! time with SSE2 on `x86_64` (eight elsewhere), because WebSocket text payloads make up most of
//! the output. Integers are in `digits` (eight digits at a time), and the fixed windows that
//! a line's short pieces are written into in `fixed`.

use std::io;

mod digits;
mod fixed;

pub use digits::{Digits, nine_digits, write_i64, write_u64};
pub use fixed::{Fixed, fixed};

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// One byte set (0x80) in each position of the 8 bytes that needs escaping: `< 0x20`, `"` or
/// `\\`. The lowest set byte is exact (the borrow trick only over-reports bytes above a real
/// hit), so `trailing_zeros / 8` is the position of the first byte to escape.
fn escape_mask(word: u64) -> u64 {
    let below_space = word.wrapping_sub(LO * 0x20) & !word;
    let quote = (word ^ (LO * u64::from(b'"'))).wrapping_sub(LO) & !(word ^ (LO * u64::from(b'"')));
    let backslash =
        (word ^ (LO * u64::from(b'\\'))).wrapping_sub(LO) & !(word ^ (LO * u64::from(b'\\')));
    (below_space | quote | backslash) & HI
}

/// Append the leading bytes of `bytes` up to the first control character (below 0x20) to
/// `out`, quotes and backslashes escaped on the way (`\"`, `\\`: the JSON inside a Socket.IO
/// payload's text has many, and each cost a return to [`write_escaped`]); returns how many
/// bytes of `bytes` that took.
///
/// 16 bytes a turn with SSE2 (part of every `x86_64` processor), each chunk appended whole
/// (a copy of a length known when compiling: a few moves) and cut back to the first byte to
/// escape, found from the chunk's mask: short runs between the quotes of a JSON text are
/// common (Socket.IO payloads), and a call to `memcpy` for each of them cost more than the
/// run. After a clean chunk the run may be long (a chat message's text): then 64 bytes are
/// tested a turn and the clean ones copied at once. The last 1-15 bytes (all of a short text:
/// a namespace, an event name, a session id) are one more chunk, loaded with
/// [`load_padded`].
#[cfg(target_arch = "x86_64")]
fn append_run(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    let mut rest = bytes;
    loop {
        while let Some((chunk, after)) = rest.split_first_chunk::<16>() {
            let mask = sse2::escape_mask(chunk);
            let at = out.len();
            out.extend_from_slice(chunk);
            if mask != 0 {
                let clean = mask.trailing_zeros() as usize;
                out.truncate(at + clean);
                match escape_in_run(out, rest, clean) {
                    Some(after) => rest = after,
                    None => return bytes.len() - rest.len() + clean,
                }
                continue;
            }
            rest = after;
            let run = rest;
            while let Some((block, after)) = rest.split_first_chunk::<64>() {
                if sse2::any_to_escape(block) {
                    break;
                }
                rest = after;
            }
            let blocks = run.len() - rest.len();
            if blocks > 0 {
                out.extend_from_slice(run.get(..blocks).unwrap_or_default());
            }
        }
        let padded = load_padded(rest);
        // The padding is 0, which needs escaping: the clean run stops at the end of `rest` at
        // most.
        let clean = sse2::escape_mask(&padded).trailing_zeros() as usize;
        let at = out.len();
        out.extend_from_slice(&padded);
        out.truncate(at + clean);
        match escape_in_run(out, rest, clean) {
            Some(after) => rest = after,
            None => return bytes.len() - rest.len() + clean,
        }
    }
}

/// Where a run's clean bytes end, `clean` bytes into `rest`: a quote or a backslash there is
/// escaped (by [`append_run`] itself) and what follows it returned, to go on with; `None`
/// where the run ends (at a control character, or at the end of the text).
#[inline]
fn escape_in_run<'a>(out: &mut Vec<u8>, rest: &'a [u8], clean: usize) -> Option<&'a [u8]> {
    match rest.get(clean) {
        Some(&b @ (b'"' | b'\\')) => {
            out.extend_from_slice(&[b'\\', b]);
            Some(rest.get(clean + 1..).unwrap_or_default())
        }
        _ => None,
    }
}

/// `bytes` (at most 16) at the start of 16 bytes, then zeros: loaded as two pieces of a length
/// known when compiling, which overlap, instead of copied by a call to `memcpy` (which cost
/// more than the rest of a short text's escaping).
fn load_padded(bytes: &[u8]) -> [u8; 16] {
    let word = if let (Some(head), Some(tail)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>())
    {
        // 8-16 bytes: the tail's bytes go where they are in `bytes`; where it overlaps the
        // head, they are the same.
        let tail = u128::from(u64::from_le_bytes(*tail)) << (8 * (bytes.len() - 8));
        u128::from(u64::from_le_bytes(*head)) | tail
    } else {
        u128::from(load_short(bytes))
    };
    word.to_le_bytes()
}

/// `bytes` (at most 8) in the low bytes of a word, the others 0, as [`load_padded`] loads them:
/// 4-8 bytes as two 4-byte pieces; 1-3 as the first, middle and last byte.
fn load_short(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let tail = u64::from(u32::from_le_bytes(*tail)) << (8 * (len - 4));
        return u64::from(u32::from_le_bytes(*head)) | tail;
    }
    let byte_at = |i: usize| bytes.get(i).map_or(0, |&b| u64::from(b) << (8 * i));
    byte_at(0) | byte_at(len / 2) | byte_at(len.saturating_sub(1))
}

#[cfg(not(target_arch = "x86_64"))]
fn append_run(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    append_run_words(out, bytes)
}

/// The tests for bytes to escape, 16 at a time.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, reason = "SSE2 intrinsics; see the SAFETY comments")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// 0xFF in each byte of the 16 at `bytes` that needs escaping (`< 0x20`, `"` or `\\`), 0
    /// in the others.
    ///
    /// # Safety
    /// `bytes` must be readable for 16 bytes.
    unsafe fn to_escape(bytes: *const u8) -> __m128i {
        // SAFETY: SSE2 is part of every x86_64 processor (the target's baseline: `std` uses it
        // unconditionally), so the intrinsics can run; the caller lends 16 readable bytes, and
        // `loadu` needs no alignment.
        unsafe {
            let v = _mm_loadu_si128(bytes.cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // Below 0x20 exactly when the unsigned minimum with 0x1F is the byte itself.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
            _mm_or_si128(_mm_or_si128(quote, backslash), control)
        }
    }

    /// One bit (the lowest for the first byte) for each byte of `chunk` that needs escaping.
    pub(super) fn escape_mask(chunk: &[u8; 16]) -> u32 {
        // SAFETY: `chunk` is 16 bytes; SSE2 is always there (see `to_escape`).
        let mask = unsafe { _mm_movemask_epi8(to_escape(chunk.as_ptr())) };
        // 16 bits, one for each byte.
        mask as u32
    }

    /// Whether a byte of `block` needs escaping.
    pub(super) fn any_to_escape(block: &[u8; 64]) -> bool {
        let p = block.as_ptr();
        // SAFETY: the four loads read `block`'s 64 bytes, 16 at offsets 0, 16, 32 and 48;
        // SSE2 is always there (see `to_escape`).
        let mask = unsafe {
            let a = _mm_or_si128(to_escape(p), to_escape(p.add(16)));
            let b = _mm_or_si128(to_escape(p.add(32)), to_escape(p.add(48)));
            _mm_movemask_epi8(_mm_or_si128(a, b))
        };
        mask != 0
    }
}

/// As [`append_run`], without SIMD (the fallback where there is none; the tests compare the
/// two).
///
/// 64 bytes a turn while all are clean (copied together at the end), then 8 at a time, each
/// word appended whole (a copy of a length known when compiling: a few moves) and cut back to
/// the first byte to escape, found from the word's mask: short runs between the quotes of a
/// JSON text are common (Socket.IO payloads), and a call to `memcpy` for each of them, as
/// before, cost more than the run. A byte needs
/// escaping exactly when `clean_distance` is 0, so a block is clean when the minimum over it
/// is not: a minimum of byte-wise XORs and saturating subtractions, which the compiler turns
/// into a few vector instructions per 16 bytes.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn append_run_words(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    let mut rest = bytes;
    loop {
        let run = rest;
        while let Some((block, after)) = rest.split_first_chunk::<64>() {
            if block
                .iter()
                .map(|&b| clean_distance(b))
                .fold(u8::MAX, u8::min)
                == 0
            {
                break;
            }
            rest = after;
        }
        // Clean blocks (a long text's run) are copied at once: one `memcpy` call is cheaper
        // there than a copy per block.
        let blocks = run.len() - rest.len();
        if blocks > 0 {
            out.extend_from_slice(run.get(..blocks).unwrap_or_default());
        }
        loop {
            // A whole word, or the last 0-7 bytes padded with zeros, which need escaping: the
            // clean run stops at the end at most.
            let (word, after) = if let Some((word, after)) = rest.split_first_chunk::<8>() {
                (u64::from_le_bytes(*word), after)
            } else {
                (load_short(rest), &[][..])
            };
            let mask = escape_mask(word);
            let clean = if mask == 0 {
                8
            } else {
                (mask.trailing_zeros() / 8) as usize
            };
            let at = out.len();
            out.extend_from_slice(&word.to_le_bytes());
            out.truncate(at + clean);
            if clean < 8 {
                match escape_in_run(out, rest, clean) {
                    Some(after) => rest = after,
                    None => return bytes.len() - rest.len() + clean,
                }
                break;
            }
            rest = after;
        }
    }
}

/// How many leading bytes of `bytes` need no escaping (all, when none does): where a JSON
/// string without escapes ends, for the Socket.IO payload reader (`socketio::payload`).
pub(crate) fn clean_len(bytes: &[u8]) -> usize {
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    while let Some(chunk) = bytes.get(done..).and_then(<[u8]>::first_chunk::<16>) {
        let mask = sse2::escape_mask(chunk);
        if mask != 0 {
            return done + mask.trailing_zeros() as usize;
        }
        done += 16;
    }
    while let Some(word) = bytes.get(done..).and_then(<[u8]>::first_chunk::<8>) {
        let mask = escape_mask(u64::from_le_bytes(*word));
        if mask != 0 {
            return done + (mask.trailing_zeros() / 8) as usize;
        }
        done += 8;
    }
    let rest = bytes.get(done..).unwrap_or_default();
    done + rest
        .iter()
        .position(|&b| clean_distance(b) == 0)
        .unwrap_or(rest.len())
}

/// 0 when `b` needs escaping (below 0x20, `"` or `\\`), more than 0 otherwise.
fn clean_distance(b: u8) -> u8 {
    (b ^ b'"').min(b ^ b'\\').min(b.saturating_sub(0x1F))
}

/// Write `s` as a JSON string, quotes included. A text of at most 16 bytes with none to
/// escape (a namespace, an event name, a session id: three of a Socket.IO packet's four
/// strings) is loaded ([`load_padded`]), checked and appended as one 16-byte piece, here,
/// inlined; the others go through [`write_escaped`].
#[allow(
    clippy::unnecessary_wraps,
    reason = "the shape of every writer here, chained with `?` (the others write through `Write`)"
)]
#[inline]
pub fn write_str(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    let bytes = s.as_bytes();
    if bytes.len() <= 16 {
        let padded = load_padded(bytes);
        // The padding (0) needs escaping: the first byte to escape is at the end of `s`
        // exactly when none of `s` does.
        if first_to_escape(&padded) == bytes.len() {
            out.push(b'"');
            let at = out.len();
            out.extend_from_slice(&padded);
            out.truncate(at + bytes.len());
            out.push(b'"');
            return Ok(());
        }
    }
    write_escaped(out, bytes);
    Ok(())
}

/// Where the first byte of `chunk` that needs escaping is; 16 when none does.
fn first_to_escape(chunk: &[u8; 16]) -> usize {
    #[cfg(target_arch = "x86_64")]
    return (sse2::escape_mask(chunk) | 1 << 16).trailing_zeros() as usize;
    #[cfg(not(target_arch = "x86_64"))]
    {
        let (lo, hi) = chunk.split_at(8);
        let word = |half: &[u8]| half.try_into().map_or(0, u64::from_le_bytes);
        let (lo, hi) = (escape_mask(word(lo)), escape_mask(word(hi)));
        if lo != 0 {
            (lo.trailing_zeros() / 8) as usize
        } else {
            8 + (hi.trailing_zeros() / 8).min(8) as usize
        }
    }
}

/// Write `bytes` (UTF-8) as a JSON string, quotes included: runs without control characters
/// are copied ([`append_run`], which escapes quotes and backslashes), the control characters
/// between them escaped here.
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut rest = bytes;
    loop {
        let run = append_run(out, rest);
        let Some((&b, after)) = rest.get(run..).and_then(<[u8]>::split_first) else {
            break;
        };
        match b {
            // Escaped by `append_run` already; here for completeness.
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0A => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x0D => out.extend_from_slice(b"\\r"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xF)],
            ]),
        }
        rest = after;
    }
    out.push(b'"');
}

/// Write `name`, which has no bytes to escape (a name of ours: a layer, a link type, an enum
/// variant), as a JSON string without looking for any. Up to 14 bytes (all of ours) it is
/// made quoted in 16 bytes ([`load_padded`]) and appended as one piece, where a copy of its
/// own length was a call to `memcpy`.
#[inline]
pub fn write_name(out: &mut Vec<u8>, name: &str) {
    let bytes = name.as_bytes();
    if let Some(quoted) = quoted_name(bytes) {
        let at = out.len();
        out.extend_from_slice(&quoted);
        out.truncate(at + bytes.len() + 2);
    } else {
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
    }
}

/// `name` (at most 14 bytes, none to escape) quoted, at the start of 16 bytes.
#[inline]
fn quoted_name(name: &[u8]) -> Option<[u8; 16]> {
    const QUOTE: u128 = b'"' as u128;
    debug_assert!(clean_len(name) == name.len(), "{name:?} needs escaping");
    let len = name.len();
    (len <= 14).then(|| {
        (u128::from_le_bytes(load_padded(name)) << 8 | QUOTE | QUOTE << (8 * (len + 1)))
            .to_le_bytes()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ours(s: &str) -> String {
        let mut v = Vec::new();
        write_str(&mut v, s).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn every_byte_value_escapes_as_serde_json_does() {
        for b in 0u8..0x80 {
            let s = format!("ab{}cdefghijklmnop{}", b as char, b as char);
            assert_eq!(ours(&s), serde_json::to_string(&s).unwrap(), "byte {b:#x}");
        }
        let s = "héllo → 世界 \u{7f} \u{1F600}";
        assert_eq!(ours(s), serde_json::to_string(s).unwrap());
    }

    /// Texts of up to 16 bytes take their own way (one piece when none needs escaping): every
    /// length around it, clean and with each special byte at each position.
    #[test]
    fn short_texts_escape_as_serde_json_does() {
        for len in 0..=18 {
            let clean = "é/abcdefghijklmnopq"[..len + usize::from(len > 0)].to_string();
            assert_eq!(ours(&clean), serde_json::to_string(&clean).unwrap());
            for special in ['"', '\\', '\n', '\u{0}', '\u{1f}'] {
                for at in 0..len {
                    let s: String = (0..len)
                        .map(|i| if i == at { special } else { 'x' })
                        .collect();
                    assert_eq!(ours(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    /// Both ways of copying runs: SSE2's (on `x86_64`) and the words' (the fallback
    /// elsewhere).
    type AppendRun = fn(&mut Vec<u8>, &[u8]) -> usize;
    const APPEND_RUN: [AppendRun; 2] = [append_run, append_run_words];

    #[test]
    fn clean_len_stops_at_any_special_byte_at_any_position() {
        for special in [b'"', b'\\', b'\n', 0x00, 0x1F] {
            for len in 0..90 {
                for at in 0..len {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = special;
                    bytes[len - 1] = special;
                    assert_eq!(clean_len(&bytes), at, "{special:#x} at {at} of {len}");
                }
                assert_eq!(clean_len(&vec![0x7F; len]), len);
            }
        }
    }

    #[test]
    fn a_special_byte_at_any_position_is_found() {
        for append_run in APPEND_RUN {
            // Past two 64-byte blocks after a 16-byte chunk, with every tail length.
            for special in [b'"', b'\\', b'\n', 0x00, 0x1F] {
                for len in 0..230 {
                    for at in 0..len {
                        let mut bytes = vec![b'x'; len];
                        bytes[at] = special;
                        let mut out = b"x".to_vec();
                        let took = append_run(&mut out, &bytes);
                        if special < 0x20 {
                            // A control character ends the run.
                            assert_eq!(took, at, "{special:#x} at {at} of {len}");
                            assert_eq!(out[1..], bytes[..at]);
                        } else {
                            // A quote or a backslash is escaped, and the run goes on.
                            assert_eq!(took, len, "{special:#x} at {at} of {len}");
                            let mut escaped = bytes[..at].to_vec();
                            escaped.extend([b'\\', special]);
                            escaped.extend(&bytes[at + 1..]);
                            assert_eq!(out[1..], escaped[..]);
                        }
                    }
                    let mut out = Vec::new();
                    assert_eq!(append_run(&mut out, &vec![b' '; len]), len);
                    assert_eq!(out, vec![b' '; len]);
                }
            }
        }
    }

    #[test]
    fn bytes_next_to_the_special_ones_are_clean() {
        // 0x20 and DEL, `!` and `#` (beside `"`), `[` and `]` (beside `\\`), and bytes with the
        // high bit (signed comparisons would call them below 0x20).
        for append_run in APPEND_RUN {
            for clean in [0x20u8, 0x7F, b'!', b'#', b'[', b']', 0x80, 0x9F, 0xA0, 0xFF] {
                for len in [1, 15, 16, 17, 80, 100] {
                    let bytes = vec![clean; len];
                    let mut out = Vec::new();
                    assert_eq!(append_run(&mut out, &bytes), len, "{clean:#x}");
                    assert_eq!(out, bytes);
                }
            }
        }
    }

    #[test]
    fn names_of_every_length_are_quoted_as_serde_json_does() {
        let chars = "abcdefghijklmnopqrstuvwxyz_-/.0123456789";
        for len in 0..=chars.len() {
            let name = &chars[..len];
            let mut v = b"x".to_vec();
            write_name(&mut v, name);
            assert_eq!(v[1..], serde_json::to_vec(name).unwrap()[..], "{name}");
            let mut w = b"x".to_vec();
            fixed::<64, _>(&mut w, |w| w.name(name));
            assert_eq!(w, v, "{name} in a window");
        }
    }

    #[test]
    fn short_loads_are_the_bytes_then_zeros() {
        let bytes: Vec<u8> = (0xF1..=0xFF).chain([0x7F]).collect();
        for len in 0..=16 {
            let mut want = [0u8; 16];
            want[..len].copy_from_slice(&bytes[..len]);
            assert_eq!(load_padded(&bytes[..len]), want, "{len} bytes");
            if len <= 8 {
                assert_eq!(
                    load_short(&bytes[..len]).to_le_bytes(),
                    want[..8],
                    "{len} bytes"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn any_string_escapes_as_serde_json_does(s in any::<String>()) {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn both_ways_copy_the_same_run(
            s in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(b'a'), Just(b'\n'), Just(0x1Fu8), Just(0xE9u8)],
                0..300,
            ),
            skew in 0usize..40,
        ) {
            // Mostly clean, so that runs are long enough for the 64-byte blocks.
            let bytes: Vec<u8> = s.iter().enumerate().map(|(i, &b)| if i % 41 < skew { b } else { b'z' }).collect();
            let (mut simd, mut words) = (Vec::new(), Vec::new());
            let n = append_run(&mut simd, &bytes);
            prop_assert_eq!(n, append_run_words(&mut words, &bytes));
            prop_assert_eq!(simd, words);
        }

        #[test]
        fn strings_of_json_specials_escape_as_serde_json_does(
            s in proptest::collection::vec(
                prop_oneof![Just('"'), Just('\\'), Just('a'), Just('\n'), Just('\u{1}'), Just('é')],
                0..40,
            ).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            prop_assert_eq!(ours(&s), serde_json::to_string(&s).unwrap());
        }
    }
}
