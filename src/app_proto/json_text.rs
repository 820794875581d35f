//! Where a JSON string's plain run ends: the first `"`, `\\` or control character (below
//! 0x20), found eight bytes at a time. Shared by reading JSON (Socket.IO payloads,
//! `socketio::json`) and writing it (`decode --format json`, `model::json`): the bytes a
//! string may hold without an escape are the same both ways.

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

/// How many leading bytes of `bytes` need no escaping: none is `"`, `\\` or below 0x20.
pub(crate) fn clean_prefix(bytes: &[u8]) -> usize {
    let mut i = 0;
    // 64 bytes a turn while all are clean, then 8 at a time, the first hit found from the
    // word's mask (short runs between the quotes of a JSON text are common: Socket.IO
    // payloads). A byte needs escaping exactly when `clean_distance` is 0, so a block is clean
    // when the minimum over it is not: a minimum of byte-wise XORs and saturating subtractions,
    // which the compiler turns into a few vector instructions per 16 bytes.
    for block in bytes.chunks_exact(64) {
        if block
            .iter()
            .map(|&b| clean_distance(b))
            .fold(u8::MAX, u8::min)
            == 0
        {
            break;
        }
        i += 64;
    }
    let rest = bytes.get(i..).unwrap_or_default();
    let mut words = rest.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let mask = escape_mask(u64::from_le_bytes(b));
        if mask != 0 {
            return i + (mask.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    // The last 1-7 bytes, padded with a byte that needs no escaping.
    let tail = words.remainder();
    let mut b = [b'a'; 8];
    b.get_mut(..tail.len())
        .unwrap_or_default()
        .copy_from_slice(tail);
    let mask = escape_mask(u64::from_le_bytes(b));
    i + if mask == 0 {
        tail.len()
    } else {
        (mask.trailing_zeros() / 8) as usize
    }
}

/// 0 when `b` needs escaping (below 0x20, `"` or `\\`), more than 0 otherwise.
fn clean_distance(b: u8) -> u8 {
    (b ^ b'"').min(b ^ b'\\').min(b.saturating_sub(0x1F))
}

#[cfg(test)]
mod tests {
    use super::clean_prefix;

    #[test]
    fn a_special_byte_at_any_position_is_found() {
        for special in [b'"', b'\\', b'\n', 0x00, 0x1F] {
            for len in 0..140 {
                for at in 0..len {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = special;
                    assert_eq!(clean_prefix(&bytes), at, "{special:#x} at {at} of {len}");
                }
                assert_eq!(clean_prefix(&vec![b' '; len]), len);
            }
        }
    }
}
