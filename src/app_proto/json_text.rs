//! JSON strings and integers, written byte-for-byte as `serde_json` writes them (compact
//! formatter), for `decode --format json` and for Socket.IO payloads (`socketio::SioData`): `"`, `\` and control characters below 0x20 are escaped, everything else
//! (including non-ASCII UTF-8 and DEL) is copied as it is. Text runs are scanned 16 bytes at a
//! time with SSE2 on `x86_64` (eight elsewhere), because WebSocket text payloads make up most of
//! the output; integers are made eight digits at a time.

use std::io::{self, Write};

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

/// Append the leading bytes of `bytes` that need no escaping to `out`; returns how many.
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
fn append_clean(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    let mut done = 0;
    let mut rest = bytes;
    while let Some((chunk, after)) = rest.split_first_chunk::<16>() {
        let mask = sse2::escape_mask(chunk);
        let at = out.len();
        out.extend_from_slice(chunk);
        if mask != 0 {
            let clean = mask.trailing_zeros() as usize;
            out.truncate(at + clean);
            return done + clean;
        }
        done += 16;
        rest = after;
        let run = done;
        while let Some((block, after)) = rest.split_first_chunk::<64>() {
            if sse2::any_to_escape(block) {
                break;
            }
            done += 64;
            rest = after;
        }
        if done > run {
            out.extend_from_slice(bytes.get(run..done).unwrap_or_default());
        }
    }
    let padded = load_padded(rest);
    // The padding is 0, which needs escaping: the clean run stops at the end of `rest` at most.
    let clean = sse2::escape_mask(&padded).trailing_zeros() as usize;
    let at = out.len();
    out.extend_from_slice(&padded);
    out.truncate(at + clean);
    done + clean
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
fn append_clean(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    append_clean_words(out, bytes)
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

/// As [`append_clean`], without SIMD (the fallback where there is none; the tests compare the
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
fn append_clean_words(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    let mut done = 0;
    let mut rest = bytes;
    while let Some((block, after)) = rest.split_first_chunk::<64>() {
        if block
            .iter()
            .map(|&b| clean_distance(b))
            .fold(u8::MAX, u8::min)
            == 0
        {
            break;
        }
        done += 64;
        rest = after;
    }
    // Clean blocks (a long text's run) are copied at once: one `memcpy` call is cheaper there
    // than a copy per block.
    if done > 0 {
        out.extend_from_slice(bytes.get(..done).unwrap_or_default());
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
        done += clean;
        if clean < 8 {
            return done;
        }
        rest = after;
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

/// Write `bytes` (UTF-8) as a JSON string, quotes included: runs that need no escaping are
/// copied ([`append_clean`]), the bytes between them escaped.
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut rest = bytes;
    loop {
        let clean = append_clean(out, rest);
        let Some((&b, after)) = rest.get(clean..).and_then(<[u8]>::split_first) else {
            break;
        };
        // A quote or a backslash (the JSON inside a Socket.IO payload's text) first, without
        // the table of the others.
        if b == b'"' || b == b'\\' {
            out.extend_from_slice(&[b'\\', b]);
            rest = after;
            continue;
        }
        match b {
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

/// Two decimal digits for each of 0..100.
const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

const E8: u64 = 100_000_000;

/// `'0'` in each byte of a word: digit values 0-9 plus this are their ASCII digits.
const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// Write an unsigned integer in decimal. Numbers below 10⁸ (ports, lengths, flags, windows,
/// relative sequence numbers: all but two or three of a packet's numbers) are written here,
/// inlined, with no loop and no call: below 100 from a table, the others made eight digits at
/// once ([`short_digits`]) and appended as one word. Larger ones go to [`write_large`].
#[allow(
    clippy::unnecessary_wraps,
    reason = "the shape of every writer here, chained with `?` (the others write through `Write`)"
)]
#[inline]
pub fn write_u64(out: &mut Vec<u8>, n: u64) -> io::Result<()> {
    if n < 10 {
        out.push(b'0' + n as u8);
    } else if n < 100 {
        let pair = n as usize * 2;
        out.extend_from_slice(&PAIRS[pair..pair + 2]);
    } else if n < E8 {
        // Below 10⁸: fits.
        let (word, len) = short_digits(n as u32);
        put_word(out, word, len);
    } else {
        write_large(out, n);
    }
    Ok(())
}

/// Write `n` (10⁸ or more) in decimal: up to sixteen digits as the digits of `n / 10⁸` and
/// the eight of the rest, appended as one 16-byte piece (a TCP sequence number: ten digits);
/// the larger ones two digits a step ([`Digits::of`]).
#[inline(never)]
fn write_large(out: &mut Vec<u8>, n: u64) {
    if let Some((both, len)) = sixteen_digits(n) {
        let at = out.len();
        out.extend_from_slice(&both.to_le_bytes());
        out.truncate(at + len);
    } else {
        put_digits(out, &Digits::of(n));
    }
}

/// The digits of `n` (10⁸ up to 10¹⁶), the first in the lowest byte, and how many: those of
/// `n / 10⁸` followed by the eight of the rest. `None` from 10¹⁶.
#[inline]
fn sixteen_digits(n: u64) -> Option<(u128, usize)> {
    let top = n / E8;
    let (high, len) = if top < 100 {
        // One or two digits (a 32-bit sequence number's first two), from the table.
        let pair = top as usize * 2;
        let digits = u64::from(u16::from_le_bytes([PAIRS[pair], PAIRS[pair + 1]]));
        let one = usize::from(top < 10);
        (digits >> (8 * one), 2 - one)
    } else if top < E8 {
        // Below 10⁸: fits.
        short_digits(top as u32)
    } else {
        return None;
    };
    // Below 10⁸: fits.
    let low = eight_digits((n % E8) as u32);
    Some((u128::from(high) | (u128::from(low) << (8 * len)), len + 8))
}

/// The decimal digits of `n` (below 10⁸) as ASCII in a word, the first in the lowest byte,
/// and how many (1 for 0). Made by [`eight_digits`], zero-padded: its first digit that is not
/// a zero is its lowest byte that is not 0, found with one `trailing_zeros` (where a digit
/// count from the bit length and a table took a dozen instructions).
#[inline]
fn short_digits(n: u32) -> (u64, usize) {
    let digits = eight_digits_raw(n);
    // A bit in the last digit's byte: 0 (all zeros) counts as its last digit.
    let zero_bits = (digits | 1 << 63).trailing_zeros() & !7;
    (
        (digits + ASCII_ZEROS) >> zero_bits,
        8 - (zero_bits / 8) as usize,
    )
}

/// Append the first `len` (at most 8) bytes of `word`, lowest first: all eight are appended
/// and the rest cut off (a copy of a length known when compiling).
#[inline]
fn put_word(out: &mut Vec<u8>, word: u64, len: usize) {
    let at = out.len();
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(at + len);
}

/// The eight decimal digits of `n` (below 10⁸), zero-padded, as ASCII in a word, the first
/// digit in the lowest byte.
fn eight_digits(n: u32) -> u64 {
    eight_digits_raw(n) + ASCII_ZEROS
}

/// The eight decimal digits of `n` (below 10⁸), zero-padded, as values 0-9 in the bytes of a
/// word, the first digit in the lowest byte. All are made at once: the two halves of four
/// digits in 32-bit lanes, split into pairs in 16-bit lanes, then into digits in bytes; each
/// split divides every lane by a multiply with a reciprocal that is exact in its range (`x /
/// 100 == x * 5243 >> 19` below 43699, `x / 10 == x * 103 >> 10` below 179), and no product
/// reaches the next lane. A loop of two digits a step took about twice the instructions for
/// a sequence number.
#[inline]
fn eight_digits_raw(n: u32) -> u64 {
    let halves = u64::from(n / 10_000) | (u64::from(n % 10_000) << 32);
    let hundreds = ((halves * 5243) >> 19) & 0x0000_007F_0000_007F;
    let pairs = hundreds | ((halves - hundreds * 100) << 16);
    let tens = ((pairs * 103) >> 10) & 0x000F_000F_000F_000F;
    tens | ((pairs - tens * 10) << 8)
}

/// A number's decimal digits, made once to be written more than once (a packet's `caplen` is
/// usually its `len`) or kept (the seconds of `ts_ns`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digits {
    /// Left-aligned: `len` digits, then zeros.
    buf: [u8; 20],
    len: usize,
}

impl Digits {
    /// The digits of `n`: up to sixteen as [`write_u64`] makes them, the others two a step
    /// (as `itoa` does).
    pub fn of(mut n: u64) -> Self {
        let mut buf = [0u8; 20];
        if n < E8 {
            // Below 10⁸: fits.
            let (word, len) = short_digits(n as u32);
            buf[..8].copy_from_slice(&word.to_le_bytes());
            return Self { buf, len };
        }
        if let Some((both, len)) = sixteen_digits(n) {
            buf[..16].copy_from_slice(&both.to_le_bytes());
            return Self { buf, len };
        }
        let len = decimal_digits(n);
        let mut i = len;
        while n >= 100 {
            let pair = (n % 100) as usize * 2;
            n /= 100;
            i -= 2;
            buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        }
        if n >= 10 {
            let pair = n as usize * 2;
            buf[0..2].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else {
            buf[0] = b'0' + n as u8;
        }
        Self { buf, len }
    }
}

/// Append `digits`: all of the buffer is appended and the rest cut off, since a copy of a
/// length known when compiling is a few moves, where one of the digits' own length was a call
/// to `memcpy` (about twenty numbers are in every packet's line).
#[inline]
pub fn put_digits(out: &mut Vec<u8>, digits: &Digits) {
    let len = out.len();
    out.extend_from_slice(&digits.buf);
    out.truncate(len + digits.len);
}

/// `n` (below 10⁹) as nine digits, zero-padded: the nanoseconds of a timestamp.
pub fn nine_digits(n: u32) -> [u8; 9] {
    let mut buf = [b'0'; 9];
    buf[0] = b'0' + (n / 100_000_000 % 10) as u8;
    buf[1..].copy_from_slice(&eight_digits(n % 100_000_000).to_le_bytes());
    buf
}

/// How many decimal digits `n` has (1 for 0): from its bit length, `log10(2) ≈ 1233 / 4096`
/// gives the count or one less, and one comparison with a power of ten tells which.
fn decimal_digits(n: u64) -> usize {
    const POWERS: [u64; 20] = {
        let mut p = [1u64; 20];
        let mut i = 1;
        while i < 20 {
            p[i] = p[i - 1] * 10;
            i += 1;
        }
        p
    };
    let log2 = (n | 1).ilog2();
    let below = ((log2 * 1233) >> 12) as usize + 1;
    below + usize::from(POWERS.get(below).is_some_and(|&p| n >= p))
}

/// Append what `write` writes, at most `N` bytes, to `out` through a [`Fixed`] window: for
/// the parts of a line made of many short pieces of a bounded length (keys, numbers, names),
/// which otherwise each checked the output's capacity and stored its length.
#[inline]
pub fn fixed<const N: usize>(out: &mut Vec<u8>, write: impl FnOnce(&mut Fixed<'_, N>)) {
    let at = out.len();
    out.resize(at + N, 0);
    let mut len = 0;
    if let Some(buf) = out.get_mut(at..).and_then(<[u8]>::first_chunk_mut::<N>) {
        let mut window = Fixed { buf, len: 0 };
        write(&mut window);
        len = window.len;
    }
    out.truncate(at + len);
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

    /// `n` in decimal, as [`write_u64`] writes it.
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

    /// `n` from 10⁸ on, as [`write_large`] writes it.
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

    /// A name of ours, quoted, as [`write_name`] writes it.
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
}

/// Write a signed integer in decimal.
pub fn write_i64(out: &mut Vec<u8>, n: i64) -> io::Result<()> {
    if n < 0 {
        out.write_all(b"-")?;
    }
    write_u64(out, n.unsigned_abs())
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

    /// Both ways of finding clean runs: SSE2's (on `x86_64`) and the words' (the fallback
    /// elsewhere, and the tail of a text).
    type AppendClean = fn(&mut Vec<u8>, &[u8]) -> usize;
    const APPEND_CLEAN: [AppendClean; 2] = [append_clean, append_clean_words];

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
        for append_clean in APPEND_CLEAN {
            // Past two 64-byte blocks after a 16-byte chunk, with every tail length.
            for special in [b'"', b'\\', b'\n', 0x00, 0x1F] {
                for len in 0..230 {
                    for at in 0..len {
                        let mut bytes = vec![b'x'; len];
                        bytes[at] = special;
                        let mut out = b"x".to_vec();
                        assert_eq!(
                            append_clean(&mut out, &bytes),
                            at,
                            "{special:#x} at {at} of {len}"
                        );
                        assert_eq!(out[1..], bytes[..at]);
                    }
                    let mut out = Vec::new();
                    assert_eq!(append_clean(&mut out, &vec![b' '; len]), len);
                    assert_eq!(out, vec![b' '; len]);
                }
            }
        }
    }

    #[test]
    fn bytes_next_to_the_special_ones_are_clean() {
        // 0x20 and DEL, `!` and `#` (beside `"`), `[` and `]` (beside `\\`), and bytes with the
        // high bit (signed comparisons would call them below 0x20).
        for append_clean in APPEND_CLEAN {
            for clean in [0x20u8, 0x7F, b'!', b'#', b'[', b']', 0x80, 0x9F, 0xA0, 0xFF] {
                for len in [1, 15, 16, 17, 80, 100] {
                    let bytes = vec![clean; len];
                    let mut out = Vec::new();
                    assert_eq!(append_clean(&mut out, &bytes), len, "{clean:#x}");
                    assert_eq!(out, bytes);
                }
            }
        }
    }

    /// 0 to 10,000, then every digit count at its edges and every bit length.
    fn edge_numbers() -> Vec<u64> {
        let mut all: Vec<u64> = (0..=10_000).collect();
        all.extend([
            4_294_967_295,
            u64::MAX,
            u64::MAX - 1,
            10u64.pow(19),
            10u64.pow(19) - 1,
        ]);
        // Every digit count, at its edges, and every bit length.
        all.extend((1..20).flat_map(|e| [10u64.pow(e) - 1, 10u64.pow(e), 10u64.pow(e) + 1]));
        all.extend((0..64).flat_map(|b| [1u64 << b, (1u64 << b) - 1, (1u64 << b) + 1]));
        // Where the eight-digit halves meet, and every digit of a half at 9 and at 0.
        all.extend([
            100_000_000,
            100_000_001,
            199_999_999,
            10u64.pow(16) - 1,
            10u64.pow(16),
        ]);
        all.extend((0..16).map(|e| 10u64.pow(16) - 1 - 9 * 10u64.pow(e)));
        // Where the part above the last eight digits goes from one digit to two, two to three.
        all.extend([999_999_999, 1_000_000_000, 9_999_999_999, 10_000_000_000]);
        all
    }

    #[test]
    fn integers_print_as_serde_json_does() {
        for n in edge_numbers() {
            let mut v = Vec::new();
            write_u64(&mut v, n).unwrap();
            assert_eq!(v, serde_json::to_vec(&n).unwrap());
            let mut v = b"x".to_vec();
            put_digits(&mut v, &Digits::of(n));
            assert_eq!(
                v[1..],
                serde_json::to_vec(&n).unwrap()[..],
                "Digits::of({n})"
            );
        }
        for n in [0i64, -1, -10, i64::MIN, i64::MAX, 1_795_588_442_806_897_000] {
            let mut v = Vec::new();
            write_i64(&mut v, n).unwrap();
            assert_eq!(v, serde_json::to_vec(&n).unwrap());
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
            fixed::<64>(&mut w, |w| w.name(name));
            assert_eq!(w, v, "{name} in a window");
        }
    }

    /// What a [`Fixed`] window writes is what the writers on a `Vec` write, for every
    /// number at the edges of its digit counts.
    #[test]
    fn a_window_writes_what_the_writers_do() {
        for n in edge_numbers() {
            let mut ours = b"x".to_vec();
            fixed::<80>(&mut ours, |w| {
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

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "a window of 8 bytes is too short")]
    fn a_piece_past_its_window_stops_a_debug_build() {
        fixed::<8>(&mut Vec::new(), |w| {
            w.put(b"12345");
            w.put(b"67890");
        });
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
        fn both_ways_find_the_same_clean_run(
            s in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(b'a'), Just(b'\n'), Just(0x1Fu8), Just(0xE9u8)],
                0..300,
            ),
            skew in 0usize..40,
        ) {
            // Mostly clean, so that runs are long enough for the 64-byte blocks.
            let bytes: Vec<u8> = s.iter().enumerate().map(|(i, &b)| if i % 41 < skew { b } else { b'z' }).collect();
            let (mut simd, mut words) = (Vec::new(), Vec::new());
            let n = append_clean(&mut simd, &bytes);
            prop_assert_eq!(n, append_clean_words(&mut words, &bytes));
            prop_assert_eq!(simd, words);
        }

        #[test]
        fn eight_digits_are_the_number_zero_padded(n in 0u32..100_000_000) {
            prop_assert_eq!(eight_digits(n).to_le_bytes().to_vec(), format!("{n:08}").into_bytes());
        }

        #[test]
        fn nine_digits_are_the_number_zero_padded(n in 0u32..1_000_000_000) {
            prop_assert_eq!(nine_digits(n).to_vec(), format!("{n:09}").into_bytes());
        }

        #[test]
        fn digits_written_twice_are_the_number_twice(n in any::<u64>(), shift in 0u32..64) {
            let n = n >> shift;
            let digits = Digits::of(n);
            let mut v = b"x".to_vec();
            put_digits(&mut v, &digits);
            put_digits(&mut v, &digits);
            prop_assert_eq!(v, format!("x{n}{n}").into_bytes());
        }

        #[test]
        fn any_integer_prints_as_serde_json_does(n in any::<u64>(), shift in 0u32..64) {
            for n in [n, n >> shift] {
                let mut v = b"x".to_vec();
                write_u64(&mut v, n).unwrap();
                prop_assert_eq!(v[1..].to_vec(), serde_json::to_vec(&n).unwrap());
            }
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
