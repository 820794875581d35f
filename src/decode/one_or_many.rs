//! [`OneOrMany`]: a list that nearly always holds one item, held in the list itself.

use std::ops::Deref;

/// A list that nearly always holds one item (which packets carried a stream chunk, or a
/// WebSocket message: nearly always the one being processed): that one is held inline, where
/// a `Vec` of one was an allocation (and a free) for every packet. More make a `Vec`. Reads as
/// a slice; equal to another with the same items, however held.
#[derive(Clone)]
pub enum OneOrMany<T> {
    One([T; 1]),
    Many(Vec<T>),
}

impl<T: Copy> OneOrMany<T> {
    pub fn one(item: T) -> Self {
        Self::One([item])
    }

    /// Add `item` at the end.
    pub fn push(&mut self, item: T) {
        match self {
            Self::One([first]) => *self = Self::Many(vec![*first, item]),
            Self::Many(list) if list.is_empty() => *self = Self::One([item]),
            Self::Many(list) => list.push(item),
        }
    }
}

/// The empty list.
impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        Self::Many(Vec::new())
    }
}

impl<T> Deref for OneOrMany<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Self::One(one) => one,
            Self::Many(list) => list,
        }
    }
}

impl<T: Copy> From<Vec<T>> for OneOrMany<T> {
    fn from(list: Vec<T>) -> Self {
        match *list {
            [only] => Self::One([only]),
            _ => Self::Many(list),
        }
    }
}

impl<T> From<OneOrMany<T>> for Vec<T> {
    fn from(items: OneOrMany<T>) -> Self {
        match items {
            OneOrMany::One(one) => one.into(),
            OneOrMany::Many(list) => list,
        }
    }
}

impl<T: PartialEq> PartialEq for OneOrMany<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for OneOrMany<T> {}

/// Equal to a `Vec` with the same items.
impl<T: PartialEq> PartialEq<Vec<T>> for OneOrMany<T> {
    fn eq(&self, items: &Vec<T>) -> bool {
        **self == **items
    }
}

/// Equal to an array with the same items.
impl<T: PartialEq, const N: usize> PartialEq<[T; N]> for OneOrMany<T> {
    fn eq(&self, items: &[T; N]) -> bool {
        **self == *items
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Serialized as the list it is.
impl<T: serde::Serialize> serde::Serialize for OneOrMany<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for OneOrMany<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_is_held_inline_and_more_make_a_list() {
        let mut list = OneOrMany::default();
        assert!(list.is_empty());
        list.push((10, 4));
        assert!(matches!(list, OneOrMany::One(_)));
        assert_eq!(*list, [(10, 4)]);
        list.push((15, 5));
        list.push((20, 7));
        assert!(matches!(list, OneOrMany::Many(_)));
        assert_eq!(*list, [(10, 4), (15, 5), (20, 7)]);
        assert_eq!(Vec::from(list), vec![(10, 4), (15, 5), (20, 7)]);
    }

    #[test]
    fn the_same_items_are_equal_however_they_are_held() {
        let many = OneOrMany::Many(vec![1_u64]);
        assert_eq!(many, OneOrMany::one(1));
        assert_ne!(many, OneOrMany::one(2));
        assert_eq!(many, vec![1]);
        assert_eq!(many, [1]);
        assert!(matches!(OneOrMany::from(vec![1]), OneOrMany::One(_)));
        assert!(OneOrMany::<u64>::from(Vec::new()).is_empty());
        assert_eq!(Vec::from(OneOrMany::one(3)), vec![3]);
        assert_eq!(format!("{:?}", OneOrMany::one((3, 9))), "[(3, 9)]");
        assert_eq!(serde_json::to_string(&OneOrMany::one(3)).unwrap(), "[3]");
    }
}
