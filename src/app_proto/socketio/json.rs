//! A Socket.IO payload's JSON read into a `serde_json::Value`, exactly as `serde_json::from_str`
//! reads it, but faster on the JSON that Socket.IO peers send (short arrays and objects of
//! strings without escapes and of small integers): the value is built straight from the bytes,
//! without serde's visitors. Anything else (an escape in a string, a negative or fractional
//! number, deep nesting, an error) is handed to `serde_json::from_str` from the start, so the
//! result is always serde_json's own. Parsing was a quarter of the engine's time on a Socket.IO
//! capture.

use serde_json::{Map, Value};

use crate::app_proto::json_text::clean_prefix;

/// Nesting the fast path takes; deeper values go to serde_json (whose limit is 128).
const MAX_DEPTH: usize = 64;

/// `text` as `serde_json::from_str::<Value>` reads it.
pub fn parse(text: &str) -> serde_json::Result<Value> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    match p.value(0) {
        Some(v) if p.skip_ws().is_none() => Ok(v),
        _ => serde_json::from_str(text),
    }
}

/// The fast path: `None` means "not taken" (serde_json decides), never "invalid".
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    /// Skips JSON whitespace; the next byte, if any.
    fn skip_ws(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        match self.skip_ws()? {
            b'"' => self.string().map(Value::String),
            b'0'..=b'9' => self.number(),
            b'[' if depth < MAX_DEPTH => self.array(depth + 1),
            b'{' if depth < MAX_DEPTH => self.object(depth + 1),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8], v: Value) -> Option<Value> {
        let end = self.pos + word.len();
        (self.bytes.get(self.pos..end)? == word).then(|| {
            self.pos = end;
            v
        })
    }

    /// A string without escapes or control characters (the opening quote is next).
    fn string(&mut self) -> Option<String> {
        let start = self.pos + 1;
        let end = start + clean_prefix(self.bytes.get(start..)?);
        if self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.pos = end + 1;
        // Both ends are at ASCII quotes: character boundaries of the `str`.
        self.text.get(start..end).map(str::to_owned)
    }

    /// A non-negative integer that fits in a `u64`, without fraction or exponent.
    fn number(&mut self) -> Option<Value> {
        let digits = self.bytes.get(self.pos..)?;
        let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        // A leading zero before more digits is an error; `.`, `e`, `E` make a float.
        if (len > 1 && digits.first() == Some(&b'0'))
            || matches!(digits.get(len), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        let mut n: u64 = 0;
        for &d in digits.get(..len)? {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        self.pos += len;
        Some(Value::from(n))
    }

    /// Past the opening bracket: whether `close` follows at once (consumed).
    fn opens_empty(&mut self, close: u8) -> Option<bool> {
        self.pos += 1;
        let empty = self.skip_ws()? == close;
        self.pos += usize::from(empty);
        Some(empty)
    }

    /// After an item: `,` (more follow: `false`) or `close` (`true`), consumed.
    fn closes(&mut self, close: u8) -> Option<bool> {
        let b = self.skip_ws()?;
        (b == b',' || b == close).then(|| {
            self.pos += 1;
            b == close
        })
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        let mut items = Vec::new();
        if self.opens_empty(b']')? {
            return Some(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            if self.closes(b']')? {
                return Some(Value::Array(items));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value> {
        let mut map = Map::new();
        if self.opens_empty(b'}')? {
            return Some(Value::Object(map));
        }
        loop {
            if self.skip_ws()? != b'"' {
                return None;
            }
            let key = self.string()?;
            if self.skip_ws()? != b':' {
                return None;
            }
            self.pos += 1;
            let v = self.value(depth)?;
            // As serde_json: a repeated key keeps its first place and takes the last value.
            map.insert(key, v);
            if self.closes(b'}')? {
                return Some(Value::Object(map));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::parse;

    /// Same value as serde_json, or an error where serde_json has one.
    fn same(text: &str) {
        let ours = parse(text).ok();
        let theirs = serde_json::from_str::<serde_json::Value>(text).ok();
        assert_eq!(ours, theirs, "{text:?}");
        // Object order too (Value's equality ignores it).
        assert_eq!(
            ours.map(|v| v.to_string()),
            theirs.map(|v| v.to_string()),
            "{text:?}"
        );
    }

    #[test]
    fn socket_io_payloads_and_edges() {
        for text in [
            r#"["chat","hi"]"#,
            r#"["chat", {"n":43,"created_ns":1796622158550159895,"text":"re: ✓"}]"#,
            r#"{"sid":"a","pid":"b"}"#,
            r#" [ 1 , 2 ] "#,
            "[]",
            "{}",
            "[{}]",
            r#"{"a":1,"b":2,"a":3}"#,
            r#"["a\"b","\u00e9","\ud83d\ude00"]"#,
            "[01]",
            "[0]",
            "[1.5, 1e3, -0, -1, 18446744073709551615, 18446744073709551616]",
            "[true,false,null]",
            "[tru]",
            "[1,]",
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            "[1] x",
            "",
            "   ",
            "\"a\tb\"",
            "[\"\u{7f}\"]",
            &"[".repeat(64),
            &format!("{}{}", "[".repeat(100), "]".repeat(100)),
            &format!("{}{}", "[".repeat(129), "]".repeat(129)),
        ] {
            same(text);
        }
    }

    proptest! {
        #[test]
        fn arbitrary_text_reads_as_serde_json_reads_it(text in r#"[\[\]{}",:0-9a-z\\ .eE+-]{0,40}"#) {
            same(&text);
        }

        #[test]
        fn arbitrary_values_read_back_as_serde_json_reads_them(
            v in proptest::arbitrary::any::<u32>().prop_map(|n| serde_json::json!([n.to_string(), {"n": n, "t": [true, null]}]))
        ) {
            same(&v.to_string());
            same(&serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
}
