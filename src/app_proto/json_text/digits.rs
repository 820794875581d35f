//! Integers in decimal, written as `serde_json` writes them: numbers below 10⁸ made eight
//! digits at once in a word, larger ones as two such words, and digits made once to be written
//! again ([`Digits`]).

use std::io::{self, Write};

/// Two decimal digits for each of 0..100.
pub(super) const PAIRS: &[u8; 200] = b"\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

pub(super) const E8: u64 = 100_000_000;

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
pub(super) fn sixteen_digits(n: u64) -> Option<(u128, usize)> {
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
pub(super) fn short_digits(n: u32) -> (u64, usize) {
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
    pub(super) buf: [u8; 20],
    pub(super) len: usize,
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

/// Write a signed integer in decimal.
pub fn write_i64(out: &mut Vec<u8>, n: i64) -> io::Result<()> {
    if n < 0 {
        out.write_all(b"-")?;
    }
    write_u64(out, n.unsigned_abs())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 0 to 10,000, then every digit count at its edges and every bit length.
    pub(crate) fn edge_numbers() -> Vec<u64> {
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

    proptest! {
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
    }
}
