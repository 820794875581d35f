//! A Socket.IO packet's JSON payload, kept as the text `serde_json` writes for it: read once by
//! `serde_json` and written as it is read (no `Value` tree: each of its strings, arrays and maps
//! was an allocation, made on the engine thread and freed by the JSON writer), with what the
//! decoder needs from it on the way (its shape, an event's name, a CONNECT's sid). The tree is
//! made by who asks for it ([`SioData::value`]).

use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use smol_str::SmolStr;

use crate::app_proto::json_text::{write_i64, write_str, write_u64};

mod plain;

/// A Socket.IO payload: the JSON `serde_json` writes for the value it parses from the wire
/// (compact, keys in their order, a key repeated in an object once, in its first place with its
/// last value, as `JSON.parse` and `serde_json::Value` keep it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SioData {
    /// The JSON (UTF-8: `serde_json` wrote it; kept as bytes so as not to check it again),
    /// then the text as it was on the wire when it has a number that is not an integer:
    /// without `serde_json`'s `float_roundtrip`, a float read back from the JSON written for it
    /// may differ in its last bit from the one read from the wire, which [`SioData::value`]
    /// gives. (One allocation for both: records are many, and most have no float.)
    text: Box<[u8]>,
    /// Where the JSON ends in `text`.
    json_len: u32,
    /// The first element of an array, when it is a string (an event's name); the `sid` of an
    /// object, when it is a string (a CONNECT answer's).
    head: Option<SmolStr>,
    /// Whether the first element of an array is a number (an event may be named by one).
    head_is_number: bool,
}

/// The payload's JSON type, as its first byte says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Array,
    Object,
    String,
    /// A number, `true`, `false` or `null`.
    Other,
}

impl SioData {
    /// Parse `text` (a JSON value, with whitespace around it at most), or `None` when it is not
    /// JSON (what `serde_json::from_str::<Value>` refuses).
    pub fn parse(text: &str) -> Option<Self> {
        match plain::read(text) {
            Some(plain) => Some(Self {
                json_len: u32::try_from(plain.json.len()).ok()?,
                text: plain.json.into_boxed_slice(),
                head: plain.head,
                head_is_number: plain.head_is_number,
            }),
            None => Self::parse_with_serde(text),
        }
    }

    /// [`SioData::parse`] through `serde_json`, for any JSON.
    fn parse_with_serde(text: &str) -> Option<Self> {
        let mut state = State {
            out: Vec::with_capacity(text.len()),
            keys: Vec::new(),
            repeated_key: false,
            depth: 0,
            head: None,
            head_is_number: false,
            float: false,
        };
        let mut de = serde_json::Deserializer::from_str(text);
        Item {
            state: &mut state,
            comma: false,
        }
        .deserialize(&mut de)
        .ok()?;
        de.end().ok()?;
        if state.repeated_key {
            // Rare (no JSON.stringify writes one): the tree keeps the key once; its JSON is
            // the payload's (read again for the rest: its floats may read back differently).
            let value: serde_json::Value = serde_json::from_str(text).ok()?;
            let json = value.to_string();
            let mut data = Self::parse_with_serde(&json)?;
            let mut out = json.into_bytes();
            data.json_len = u32::try_from(out.len()).ok()?;
            if state.float {
                out.extend_from_slice(text.as_bytes());
            }
            data.text = out.into_boxed_slice();
            return Some(data);
        }
        let json_len = u32::try_from(state.out.len()).ok()?;
        if state.float {
            state.out.extend_from_slice(text.as_bytes());
        }
        Some(Self {
            text: state.out.into_boxed_slice(),
            json_len,
            head: state.head,
            head_is_number: state.head_is_number,
        })
    }

    /// The JSON text (what `serde_json` writes for [`SioData::value`]).
    pub fn as_bytes(&self) -> &[u8] {
        self.text.get(..self.json_len as usize).unwrap_or_default()
    }

    /// The JSON text, as a `str`.
    pub fn as_str(&self) -> &str {
        // Always UTF-8: the JSON writer wrote it from `str`s.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The parsed value (as `serde_json` reads the text on the wire).
    pub fn value(&self) -> serde_json::Value {
        // JSON that serde_json read before.
        let source = self.text.get(self.json_len as usize..).unwrap_or_default();
        let text = if source.is_empty() {
            self.as_bytes()
        } else {
            source
        };
        serde_json::from_slice(text).unwrap_or_default()
    }

    /// Its JSON type.
    pub fn shape(&self) -> Shape {
        match self.text.first() {
            Some(b'[') => Shape::Array,
            Some(b'{') => Shape::Object,
            Some(b'"') => Shape::String,
            _ => Shape::Other,
        }
    }

    /// An array's first element, when it is a string.
    pub fn first_str(&self) -> Option<&str> {
        self.head
            .as_deref()
            .filter(|_| self.shape() == Shape::Array)
    }

    /// Whether it is an array whose first element is a number.
    pub fn first_is_number(&self) -> bool {
        self.head_is_number
    }

    /// An object's `"sid"`, when it is a string.
    pub fn sid(&self) -> Option<&str> {
        self.head
            .as_deref()
            .filter(|_| self.shape() == Shape::Object)
    }

    /// An array's elements (none for anything else).
    pub fn elements(&self) -> Vec<serde_json::Value> {
        match self.value() {
            serde_json::Value::Array(items) => items,
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for SioData {
    /// The JSON, as `serde_json::Value` displays it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for SioData {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(serializer)
    }
}

/// What writing one payload keeps.
struct State {
    out: Vec<u8>,
    /// Where the keys of the maps being written are in `out` (escaped), innermost map last.
    keys: Vec<Range<usize>>,
    repeated_key: bool,
    /// How many arrays and maps the value being written is in.
    depth: usize,
    head: Option<SmolStr>,
    head_is_number: bool,
    /// Whether a number was read as a float.
    float: bool,
}

/// One value, written as it is read; `comma`: after an earlier element.
struct Item<'s> {
    state: &'s mut State,
    comma: bool,
}

impl<'de> DeserializeSeed<'de> for Item<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.comma {
            self.state.out.push(b',');
        }
        deserializer.deserialize_any(self)
    }
}

impl Item<'_> {
    /// The first element of the top-level array (`depth` is 1 inside it).
    fn is_head(&self) -> bool {
        self.state.depth == 1 && !self.comma && self.state.out.first() == Some(&b'[')
    }

    /// `null`, `true` or `false`.
    fn literal(self, text: &[u8]) {
        self.state.out.extend_from_slice(text);
    }

    /// A number, written by `write`.
    fn number<E: de::Error>(
        self,
        write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
    ) -> Result<(), E> {
        if self.is_head() {
            self.state.head_is_number = true;
        }
        write(&mut self.state.out).map_err(E::custom)
    }
}

impl<'de> Visitor<'de> for Item<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.literal(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.number(|out| write_i64(out, v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.number(|out| write_u64(out, v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.state.float = true;
        // `serde_json::Value` keeps a float only when it is finite, else `null`.
        if !v.is_finite() {
            self.literal(b"null");
            return Ok(());
        }
        self.number(|out| Ok(serde_json::to_writer(out, &v)?))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if self.is_head() {
            self.state.head = Some(SmolStr::new(v));
        }
        write_str(&mut self.state.out, v).map_err(E::custom)
    }

    /// A string with no escape on the wire (most are): copied as it is, see [`quote_plain`].
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        if self.is_head() {
            self.state.head = Some(SmolStr::new(v));
        }
        quote_plain(&mut self.state.out, v);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.literal(b"null");
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.state;
        state.out.push(b'[');
        state.depth += 1;
        let mut comma = false;
        while seq
            .next_element_seed(Item {
                state: &mut *state,
                comma,
            })?
            .is_some()
        {
            comma = true;
        }
        state.depth -= 1;
        state.out.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.state;
        state.out.push(b'{');
        state.depth += 1;
        let keys_before = state.keys.len();
        while let Some(is_sid) = map.next_key_seed(Key {
            state: &mut *state,
            keys_before,
        })? {
            let at = state.out.len();
            map.next_value_seed(Item {
                state: &mut *state,
                comma: false,
            })?;
            // The top-level object's `"sid"`: a string, read back from its JSON.
            if is_sid && state.depth == 1 {
                state.head = state
                    .out
                    .get(at..)
                    .and_then(|json| serde_json::from_slice::<SmolStr>(json).ok());
            }
        }
        if has_repeated_key(
            &state.out,
            state.keys.get(keys_before..).unwrap_or_default(),
        ) {
            state.repeated_key = true;
        }
        state.keys.truncate(keys_before);
        state.depth -= 1;
        state.out.push(b'}');
        Ok(())
    }
}

/// Whether two of one map's `keys` (ranges of `out`) are the same. A few keys are compared pair
/// by pair; more are sorted first, so that a payload of a million keys (16 MB is allowed) takes
/// n log n, not n² comparisons.
fn has_repeated_key(out: &[u8], keys: &[Range<usize>]) -> bool {
    let key = |k: &Range<usize>| out.get(k.clone()).unwrap_or_default();
    if keys.len() <= 16 {
        return keys
            .iter()
            .enumerate()
            .any(|(i, a)| keys.iter().skip(i + 1).any(|b| key(a) == key(b)));
    }
    let mut sorted: Vec<&[u8]> = keys.iter().map(key).collect();
    sorted.sort_unstable();
    sorted.windows(2).any(|pair| pair[0] == pair[1])
}

/// A map's key, written with its `,` before and `:` after; gives whether it is `"sid"`.
struct Key<'s> {
    state: &'s mut State,
    /// Where this map's keys start in `State::keys`.
    keys_before: usize,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        self.write(v, |out| write_str(out, v).map_err(E::custom))
    }

    /// A key with no escape on the wire: copied as it is, see [`quote_plain`].
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<bool, E> {
        self.write(v, |out| {
            quote_plain(out, v);
            Ok(())
        })
    }
}

impl Key<'_> {
    /// Write the key `v` (quoted by `quote`) with its `,` before and `:` after.
    fn write<E>(
        self,
        v: &str,
        quote: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<bool, E> {
        let state = self.state;
        if state.keys.len() > self.keys_before {
            state.out.push(b',');
        }
        let start = state.out.len();
        quote(&mut state.out)?;
        state.keys.push(start..state.out.len());
        state.out.push(b':');
        Ok(v == "sid")
    }
}

/// Write a string that `serde_json` lent from the wire as JSON, quotes included. It lends a
/// string only when it had no escape, and a string without escapes holds no `"` or `\\` and
/// no control character (`serde_json` refuses those unescaped): nothing in it needs escaping,
/// so the text is copied without the scan [`write_str`] makes.
fn quote_plain(out: &mut Vec<u8>, v: &str) {
    out.push(b'"');
    out.extend_from_slice(v.as_bytes());
    out.push(b'"');
}
