//! The common Socket.IO payload read without `serde_json`: JSON whose strings have no escape
//! and whose numbers are integers that fit in 64 bits, as `JSON.stringify` writes most events.
//! For such a text, what `serde_json` writes for the value it reads is the text itself without
//! the whitespace between tokens: a string without escapes is written as it came (nothing in it
//! needs escaping), an integer without leading zeros prints with the same digits. So the text is
//! checked and copied in one pass, where reading it through `serde_json`'s visitor cost about a
//! quarter of the decoding thread on a Socket.IO capture.
//!
//! Anything else (an escape, a float, `-0`, a number that may not fit, a key repeated in an
//! object, many keys in one object, deep nesting, or not JSON at all) is declined, and the full
//! reader, which agrees with `serde_json` on all of it, reads the text.

use std::ops::Range;

use smol_str::SmolStr;

use crate::app_proto::json_text::clean_len;

/// Deeper than this is declined (`serde_json` refuses more than 128 levels; the full reader
/// says which).
const MAX_DEPTH: u32 = 64;

/// Objects with more keys than this are declined: their keys are compared pair by pair here,
/// and the full reader sorts many keys to look for a repeated one.
const MAX_KEYS: usize = 16;

/// A payload read here: its JSON as `serde_json` writes it, and what the decoder reads on the
/// way (see `SioData`).
#[derive(Debug)]
pub(super) struct Plain {
    pub json: Vec<u8>,
    pub head: Option<SmolStr>,
    pub head_is_number: bool,
}

thread_local! {
    /// The list of keys the last payload read on this thread used, kept for its room: a new
    /// list for each payload with an object in it was an allocation (and a free) each.
    static KEYS: std::cell::Cell<Vec<Range<usize>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Read `text` when it is JSON of the common kind; `None` declines it (it may still be JSON).
pub(super) fn read(text: &str) -> Option<Plain> {
    let mut keys = KEYS.take();
    keys.clear();
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        copied: 0,
        json: Vec::with_capacity(text.len()),
        keys,
        head: None,
        head_is_number: false,
    };
    let whole = reader.whole();
    KEYS.set(std::mem::take(&mut reader.keys));
    whole?;
    Some(Plain {
        json: reader.json,
        head: reader.head,
        head_is_number: reader.head_is_number,
    })
}

/// Where a value is, for what the decoder reads from it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The whole payload.
    Top,
    /// The first element of the top-level array (an event's name, or a number).
    Head,
    /// The value of the top-level object's `"sid"`.
    Sid,
    Inner,
}

/// What a value was, for [`Place::Head`] and [`Place::Sid`].
enum Token {
    /// A string; its text between the quotes.
    Str(Range<usize>),
    Number,
    Other,
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// `bytes[..copied]` is in `json`, less the whitespace skipped.
    copied: usize,
    json: Vec<u8>,
    /// The keys of the objects being read (text between the quotes), innermost last.
    keys: Vec<Range<usize>>,
    head: Option<SmolStr>,
    head_is_number: bool,
}

impl Reader<'_> {
    /// Read the whole text as one value (whitespace around it allowed), or decline.
    fn whole(&mut self) -> Option<()> {
        self.skip_space();
        self.value(0, Place::Top)?;
        self.skip_space();
        if self.at != self.bytes.len() {
            return None;
        }
        self.flush();
        Some(())
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Copy what was read since the last copy into `json`.
    fn flush(&mut self) {
        self.json
            .extend_from_slice(self.bytes.get(self.copied..self.at).unwrap_or_default());
        self.copied = self.at;
    }

    /// Skip JSON whitespace (space, tab, line feed, carriage return), which is not copied.
    fn skip_space(&mut self) {
        if matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.flush();
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.at += 1;
            }
            self.copied = self.at;
        }
    }

    /// Skip `byte` (after whitespace), or decline.
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    fn value(&mut self, depth: u32, place: Place) -> Option<Token> {
        let token = match self.peek()? {
            b'"' => Token::Str(self.string()?),
            b'[' => {
                self.array(depth + 1, place == Place::Top)?;
                Token::Other
            }
            b'{' => {
                self.object(depth + 1, place == Place::Top)?;
                Token::Other
            }
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            b'-' | b'0'..=b'9' => {
                self.integer()?;
                Token::Number
            }
            _ => return None,
        };
        match (place, &token) {
            (Place::Head | Place::Sid, Token::Str(r)) => {
                self.head = Some(SmolStr::new(self.text.get(r.clone())?));
            }
            (Place::Head, Token::Number) => self.head_is_number = true,
            _ => {}
        }
        Some(token)
    }

    /// A string with no escape and no control character; gives its text between the quotes.
    fn string(&mut self) -> Option<Range<usize>> {
        let start = self.at + 1;
        let rest = self.bytes.get(start..)?;
        // The first byte that a JSON string writer escapes is the closing quote, or something
        // declined here.
        let len = clean_len(rest);
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.at = start + len + 1;
        Some(start..start + len)
    }

    fn literal(&mut self, word: &[u8]) -> Option<Token> {
        if !self.bytes.get(self.at..)?.starts_with(word) {
            return None;
        }
        self.at += word.len();
        Some(Token::Other)
    }

    /// An integer `serde_json` reads as a `u64` or `i64` and prints with the same digits: no
    /// leading zero, not `-0` (a float for `serde_json`), at most 19 digits (18 when negative),
    /// so that it fits whatever the digits.
    fn integer(&mut self) -> Option<()> {
        let negative = self.peek() == Some(b'-');
        let start = self.at + usize::from(negative);
        let digits = self
            .bytes
            .get(start..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let first = *self.bytes.get(start)?;
        let fits = if negative { 18 } else { 19 };
        if digits == 0 || digits > fits || (first == b'0' && (digits > 1 || negative)) {
            return None;
        }
        // A fraction or an exponent (a float) leaves a byte after the digits that no array or
        // object takes, nor the end of the payload: declined there.
        self.at = start + digits;
        Some(())
    }

    fn array(&mut self, depth: u32, top: bool) -> Option<()> {
        if !self.open(depth, b']')? {
            return Some(());
        }
        let mut place = if top { Place::Head } else { Place::Inner };
        loop {
            self.value(depth, place)?;
            place = Place::Inner;
            if !self.next(b']')? {
                return Some(());
            }
        }
    }

    /// Past an array's or object's opening byte: `Some(false)` when `close` follows at once
    /// (empty), `None` when it is nested too deep.
    fn open(&mut self, depth: u32, close: u8) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.at += 1;
        self.skip_space();
        if self.peek() == Some(close) {
            self.at += 1;
            return Some(false);
        }
        Some(true)
    }

    /// After an element or a member: `Some(true)` after a `,`, `Some(false)` after `close`.
    fn next(&mut self, close: u8) -> Option<bool> {
        self.skip_space();
        let byte = self.peek()?;
        self.at += 1;
        if byte == b',' {
            self.skip_space();
            Some(true)
        } else {
            (byte == close).then_some(false)
        }
    }

    fn object(&mut self, depth: u32, top: bool) -> Option<()> {
        if !self.open(depth, b'}')? {
            return Some(());
        }
        let keys_before = self.keys.len();
        loop {
            if self.peek() != Some(b'"') {
                return None;
            }
            let key = self.string()?;
            let name = self.bytes.get(key.clone())?;
            let earlier = self.keys.get(keys_before..)?;
            // A repeated key is kept once by `serde_json::Value`: the full reader does that.
            if earlier.len() >= MAX_KEYS
                || earlier
                    .iter()
                    .any(|k| self.bytes.get(k.clone()) == Some(name))
            {
                return None;
            }
            let place = if top && name == b"sid" {
                Place::Sid
            } else {
                Place::Inner
            };
            self.keys.push(key);
            self.skip_space();
            self.expect(b':')?;
            self.skip_space();
            self.value(depth, place)?;
            if !self.next(b'}')? {
                self.keys.truncate(keys_before);
                return Some(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::super::SioData;
    use super::read;

    /// Read here, and the same as the full reader (`serde_json`) makes of it.
    fn read_here(text: &str) -> SioData {
        assert!(read(text).is_some(), "declined: {text}");
        let data = SioData::parse(text).unwrap();
        assert_eq!(
            Some(&data),
            SioData::parse_with_serde(text).as_ref(),
            "{text}"
        );
        data
    }

    #[test]
    fn common_payloads_are_read_here_as_serde_json_reads_them() {
        let chat = read_here(
            r#" [ "chat" ,
                {"n" : 221, "created_ns":1796622160389300260,"text":"re: é ✓"} ] "#,
        );
        assert_eq!(
            chat.as_str(),
            r#"["chat",{"n":221,"created_ns":1796622160389300260,"text":"re: é ✓"}]"#
        );
        assert_eq!(chat.first_str(), Some("chat"));
        let connect = read_here(r#"{"sid":"oSO0OpakMV_3jnilAAAA","pid":null}"#);
        assert_eq!(connect.sid(), Some("oSO0OpakMV_3jnilAAAA"));
        assert!(read_here("[7,\"x\"]").first_is_number());
        assert_eq!(read_here(r#"[["x"],"y"]"#).first_str(), None);
        assert_eq!(read_here(r#"[{"sid":"a"}]"#).sid(), None);
        assert_eq!(read_here(r#"{"x":{"sid":"a"},"sid":1}"#).sid(), None);
        for text in [
            "[\"é ✓ \u{7f}\"]",
            "[]",
            "{}",
            "[ ]",
            "\"\"",
            "0",
            "-1",
            "[true,false,null]",
            "[-922337203685477580,18446744073709551]",
            "[9999999999999999999]",
            r#"[{"_placeholder":true,"num":0},"é",[],{},[[[]]]]"#,
            "\t[\r\n1\n,\n2\n]\t",
            r#"{"a":1,"b":{"a":2},"c":[{"a":3}]}"#,
        ] {
            read_here(text);
        }
    }

    #[test]
    fn the_list_of_keys_kept_between_payloads_starts_empty() {
        // Declined with keys of two open objects in the list (`"a"`, `"b"`): the next payload
        // on this thread starts from an empty list all the same.
        let cut = r#"{"a":{"b":1"#;
        assert!(read(cut).is_none());
        let text = r#"{"b":2,"a":{"b":3}}"#;
        let fresh = std::thread::spawn(move || read(text).map(|p| p.json))
            .join()
            .unwrap();
        assert_eq!(read(text).map(|p| p.json), fresh);
        assert_eq!(fresh.as_deref(), Some(text.as_bytes()));
        assert!(
            read(r#"{"a":1,"a":2}"#).is_none(),
            "a repeated key is still found"
        );
        read_here(text);
    }

    #[test]
    fn what_is_not_common_is_left_to_serde_json() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let many_keys = |n: usize| {
            let keys: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
            format!("{{{}}}", keys.join(","))
        };
        read_here(&deep(64));
        read_here(&many_keys(16));
        for text in [
            // Escapes: `serde_json` writes them differently (`\u00e9` as `é`, `\/` as `/`).
            r#"["a\"b"]"#,
            r#"["\u00e9\/"]"#,
            r#"{"\n":1}"#,
            // Floats, `-0`, and numbers that may not fit.
            "[1.5]",
            "[1e3]",
            "[1E3]",
            "-0",
            "[18446744073709551616]",
            "[99999999999999999999]",
            "[-9223372036854775808]",
            // A repeated key is kept once.
            r#"{"k":1,"k":2}"#,
            &deep(65),
            &many_keys(17),
            // Not JSON.
            "",
            " ",
            "[1,]",
            "[,1]",
            "{\"a\"}",
            "{\"a\":}",
            "{a:1}",
            "[1] x",
            "[]]",
            "[01]",
            "[-]",
            "[+1]",
            "tru",
            "nul",
            "[\"a\u{1}b\"]",
            "[\"open",
            "[1 2]",
            "{\"a\":1 \"b\":2}",
        ] {
            assert!(read(text).is_none(), "read: {text}");
        }
    }

    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (0i64..1000).prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "(\\PC|[\"\\\\\n\u{1}]){0,8}".prop_map(Value::from),
            prop_oneof![Just("sid"), Just("a"), Just("é")].prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("(sid|a|b|\\PC{0,3})", inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// Number-like text around the edges of 64 bits: any count of digits up to 22, leading
    /// zeros, `-`, fractions and exponents.
    fn numbers() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop_oneof![3 => Just(0usize), 1 => 1usize..3],
            prop_oneof![prop::collection::vec(0u8..10, 0..23), prop::collection::vec(0u8..10, 18..21)],
            prop_oneof![4 => Just(""), 1 => prop_oneof![Just(".5"), Just("e3"), Just("E-1"), Just(".")]],
        )
            .prop_map(|(minus, zeros, digits, tail)| {
                let digits: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
                format!("{}{}{digits}{tail}", if minus { "-" } else { "" }, "0".repeat(zeros))
            })
    }

    proptest! {
        /// Whatever is read here is read as `serde_json` reads it; compact and pretty JSON,
        /// and hand-made text around the edges of JSON.
        #[test]
        fn what_is_read_here_is_what_serde_json_reads(
            value in values(),
            t in "[ \\[\\]{}:,\"a-c0-9.eE+\\-\\\\]{0,24}",
            number in numbers(),
        ) {
            let event = json!(["chat", value.clone()]).to_string();
            for text in [
                value.to_string(),
                serde_json::to_string_pretty(&value).unwrap(),
                event,
                t,
                format!("[{number}, {number}]"),
            ] {
                if read(&text).is_some() {
                    prop_assert_eq!(SioData::parse(&text), SioData::parse_with_serde(&text));
                }
            }
        }
    }
}
