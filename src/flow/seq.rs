//! Sequence numbers with serial arithmetic (RFC 1982; RFC 9293 §3.4): never `>` on a raw u32.

use std::cmp::Ordering;

/// A TCP sequence number. Compares by serial arithmetic, so 2³²−1 < 0 after wraparound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SeqNum(pub u32);

impl SeqNum {
    /// `self + n`, wrapping.
    #[must_use]
    #[allow(
        clippy::should_implement_trait,
        reason = "part of the shared API; wraps, unlike `+`"
    )]
    pub fn add(self, n: u32) -> Self {
        Self(self.0.wrapping_add(n))
    }

    /// Signed distance `self − other`.
    pub fn diff(self, other: Self) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }
}

impl PartialOrd for SeqNum {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.diff(*other).cmp(&0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_isn_max() {
        let isn = SeqNum(u32::MAX);
        assert!(isn < isn.add(1));
        assert_eq!(isn.add(1), SeqNum(0));
        assert_eq!(isn.add(1).diff(isn), 1);
        assert!(SeqNum(5) > SeqNum(u32::MAX - 5));
    }
}
