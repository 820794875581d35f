//! Times since the first packet as a person reads them: in µs below a millisecond, in ms below a
//! second, in seconds above. On loopback a whole handshake takes microseconds, and "+0.000s" on
//! every row would hide that it took any time at all.

const NS_PER_US: i64 = 1_000;
const NS_PER_MS: i64 = 1_000_000;
const NS_PER_S: i64 = 1_000_000_000;

/// `offset_ns` (a time since the first packet) with its unit, e.g. "45 µs", "12.345 ms",
/// "1.234 s"; seconds get `second_decimals` decimals. Negative offsets (a capture whose
/// clock stepped back) keep their sign.
pub fn offset_text(offset_ns: i64, second_decimals: usize) -> String {
    let sign = if offset_ns < 0 { "−" } else { "" };
    let ns = offset_ns.unsigned_abs();
    let text = if ns < NS_PER_MS.unsigned_abs() {
        let us = ns as f64 / NS_PER_US as f64;
        if ns.is_multiple_of(NS_PER_US.unsigned_abs()) {
            format!("{us:.0} µs")
        } else {
            format!("{us:.3} µs")
        }
    } else if ns < NS_PER_S.unsigned_abs() {
        format!("{:.3} ms", ns as f64 / NS_PER_MS as f64)
    } else {
        format!("{:.second_decimals$} s", ns as f64 / NS_PER_S as f64)
    };
    format!("{sign}{text}")
}

/// As [`offset_text`], with a "+" in front of times after the first packet (the ladder).
pub fn plus_offset_text(offset_ns: i64, second_decimals: usize) -> String {
    if offset_ns < 0 {
        offset_text(offset_ns, second_decimals)
    } else {
        format!("+{}", offset_text(offset_ns, second_decimals))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_times_show_their_microseconds() {
        assert_eq!(offset_text(0, 6), "0 µs");
        assert_eq!(offset_text(45_000, 6), "45 µs");
        assert_eq!(offset_text(45_123, 6), "45.123 µs");
        assert_eq!(offset_text(12_345_678, 6), "12.346 ms");
        assert_eq!(offset_text(1_234_567_890, 6), "1.234568 s");
        assert_eq!(plus_offset_text(1_234_567_890, 3), "+1.235 s");
        assert_eq!(plus_offset_text(-2_000_000, 3), "−2.000 ms");
        assert_eq!(plus_offset_text(999_999, 3), "+999.999 µs");
    }
}
