//! [`RareList`]: a list that is empty on most packets, in 8 bytes (a boxed slice takes 16).

use std::ops::Deref;

/// A list that is empty on most packets (decode issues, TCP state changes, and in the app's
/// model HTTP messages, notes, Engine.IO events, TLS records): one pointer, null when empty.
/// When not empty the slice is boxed once more (16 bytes on the heap), which is cheaper than 8
/// more bytes on every packet.
#[derive(Clone, PartialEq, Eq)]
pub struct RareList<T>(Option<Box<Box<[T]>>>);

impl<T> Default for RareList<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<T> RareList<T> {
    /// The empty list.
    pub const EMPTY: Self = Self(None);

    /// The items, to add more (rare: the list grows one at a time).
    pub fn into_vec(self) -> Vec<T> {
        self.0.map_or_else(Vec::new, |items| items.into_vec())
    }

    /// Heap bytes it holds: the slice and, when there is one, its box.
    pub fn heap_bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |items| {
            std::mem::size_of::<Box<[T]>>() + std::mem::size_of_val::<[T]>(items)
        })
    }
}

impl<T> Deref for RareList<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.as_deref().map_or(&[], |items| items)
    }
}

impl<T> From<Vec<T>> for RareList<T> {
    fn from(items: Vec<T>) -> Self {
        if items.is_empty() {
            Self(None)
        } else {
            Self(Some(Box::new(items.into_boxed_slice())))
        }
    }
}

impl<T> FromIterator<T> for RareList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

/// Equal to a `Vec` with the same items.
impl<T: PartialEq> PartialEq<Vec<T>> for RareList<T> {
    fn eq(&self, items: &Vec<T>) -> bool {
        **self == **items
    }
}

impl<'a, T> IntoIterator for &'a RareList<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Serialized as the list it is.
impl<T: serde::Serialize> serde::Serialize for RareList<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for RareList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A text that most values do not have (a Close frame's reason): 8 bytes, null when absent
/// (an `Option<Box<str>>` takes 16). Reads as a `str`; hold it as `Option<RareText>`.
#[derive(Clone, PartialEq, Eq)]
pub struct RareText(Box<Box<str>>);

impl std::ops::Deref for RareText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for RareText {
    fn from(text: &str) -> Self {
        Self(Box::new(text.into()))
    }
}

impl From<String> for RareText {
    fn from(text: String) -> Self {
        Self(Box::new(text.into_boxed_str()))
    }
}

impl std::fmt::Debug for RareText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self.0, f)
    }
}

impl serde::Serialize for RareText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rare_text_reads_as_its_str_and_costs_a_pointer() {
        assert_eq!(std::mem::size_of::<Option<RareText>>(), 8);
        let reason: Option<RareText> = Some("bye".into());
        assert_eq!(reason.as_deref(), Some("bye"));
        assert_eq!(RareText::from(String::from("é")).len(), 2);
        assert_eq!(
            format!("{:?}", RareText::from("a\"b")),
            format!("{:?}", "a\"b")
        );
        assert_eq!(
            serde_json::to_string(&RareText::from("x")).unwrap(),
            "\"x\""
        );
    }

    #[test]
    fn an_empty_list_holds_nothing_and_costs_a_pointer() {
        assert_eq!(std::mem::size_of::<RareList<u64>>(), 8);
        let empty: RareList<u64> = Vec::new().into();
        assert!(empty.is_empty());
        assert_eq!(empty.heap_bytes(), 0);
        assert_eq!(empty, RareList::default());
        assert_eq!(format!("{empty:?}"), "[]");
    }

    #[test]
    fn a_list_keeps_its_items_in_order() {
        let list: RareList<u64> = (1..=3).collect();
        assert_eq!(&*list, &[1, 2, 3]);
        assert_eq!(list.iter().sum::<u64>(), 6);
        assert_eq!((&list).into_iter().count(), 3);
        assert_eq!(list.heap_bytes(), 16 + 3 * 8);
        assert_eq!(format!("{list:?}"), "[1, 2, 3]");
        assert_ne!(list, RareList::default());
        assert_eq!(list, vec![1, 2, 3]);
        assert_ne!(list, vec![1, 2]);
        let mut items = list.into_vec();
        items.push(4);
        assert_eq!(&*RareList::from(items), &[1, 2, 3, 4]);
        assert!(RareList::<u64>::default().into_vec().is_empty());
    }
}
