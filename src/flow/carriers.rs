//! [`Carriers`]: which packet carried which bytes of a [`super::StreamChunk`], the first entry
//! held in the list itself.

use std::ops::Deref;

/// `(stream offset of first byte, packet number)`, sorted by offset; each entry runs until the
/// next one (the last to the chunk's end). Reads as a slice.
///
/// Nearly every chunk is bytes of the packet being processed, one entry: held inline, where a
/// `Vec` of one was an allocation (and a free) for every packet with payload. Only bytes the
/// tracker buffered, joined across packets, make a list.
#[derive(Clone)]
pub enum Carriers {
    One([(u64, u64); 1]),
    Many(Vec<(u64, u64)>),
}

impl Carriers {
    /// Bytes from `offset` on, carried by `packet`.
    pub fn one(offset: u64, packet: u64) -> Self {
        Self::One([(offset, packet)])
    }

    /// Bytes from `carrier.0` on are carried by packet `carrier.1` (after those already listed).
    pub fn push(&mut self, carrier: (u64, u64)) {
        match self {
            Self::One([first]) => *self = Self::Many(vec![*first, carrier]),
            Self::Many(list) => list.push(carrier),
        }
    }
}

impl Deref for Carriers {
    type Target = [(u64, u64)];
    fn deref(&self) -> &[(u64, u64)] {
        match self {
            Self::One(one) => one,
            Self::Many(list) => list,
        }
    }
}

impl From<Vec<(u64, u64)>> for Carriers {
    fn from(list: Vec<(u64, u64)>) -> Self {
        match *list {
            [only] => Self::One([only]),
            _ => Self::Many(list),
        }
    }
}

/// Equal when the entries are (however they are held).
impl PartialEq for Carriers {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Carriers {}

impl std::fmt::Debug for Carriers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_carrier_is_held_inline_and_more_make_a_list() {
        let mut c = Carriers::one(10, 4);
        assert!(matches!(c, Carriers::One(_)));
        assert_eq!(*c, [(10, 4)]);
        c.push((15, 5));
        c.push((20, 7));
        assert!(matches!(c, Carriers::Many(_)));
        assert_eq!(*c, [(10, 4), (15, 5), (20, 7)]);
        assert_eq!(c.last(), Some(&(20, 7)));
    }

    #[test]
    fn the_same_entries_are_equal_however_they_are_held() {
        let many = Carriers::Many(vec![(0, 1)]);
        assert_eq!(many, Carriers::one(0, 1));
        assert_ne!(many, Carriers::one(0, 2));
        assert_eq!(Carriers::from(vec![(0, 1)]), Carriers::one(0, 1));
        assert!(matches!(Carriers::from(vec![(0, 1)]), Carriers::One(_)));
        assert!(Carriers::from(Vec::new()).is_empty());
        assert_eq!(format!("{:?}", Carriers::one(3, 9)), "[(3, 9)]");
    }
}
