//! Polling payloads: the packets of one HTTP body. v4 joins text packets with `\x1e`; v3
//! prefixes each with its length in UTF-16 code units (`<len>:<packet>`), or, when the client
//! takes binary (XHR2), sends `<0|1><length digits as bytes>\xff<packet>` records.

use super::packet::{decode_packet_text, decode_ws_binary};
use super::{EioPacket, EioVersion, EngineIoAnomaly};

/// The v4 record separator.
pub const SEPARATOR: char = '\x1e';
/// Ends the length digits of a v3 binary payload record.
const V3_BINARY_LEN_END: u8 = 0xff;
/// Longest length prefix a v3 payload may have (`engine.io-parser` allows 310 digits; no body
/// is that long).
const MAX_PREFIX_DIGITS: usize = 20;

/// What a body held: the packets read, and what was wrong (reading stops at a broken length
/// prefix; a v4 part that does not decode is skipped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Payload {
    pub packets: Vec<EioPacket>,
    pub anomalies: Vec<EngineIoAnomaly>,
}

/// Decode one polling body of protocol `eio`.
pub fn decode_payload(body: &[u8], eio: EioVersion) -> Payload {
    match eio {
        EioVersion::V4 => decode_payload_v4(body),
        EioVersion::V3 => decode_payload_v3(body),
    }
}

/// v4: UTF-8 text, packets separated by `\x1e`.
pub fn decode_payload_v4(body: &[u8]) -> Payload {
    let mut out = Payload::default();
    if body.is_empty() {
        return out;
    }
    let Ok(text) = std::str::from_utf8(body) else {
        out.anomalies.push(EngineIoAnomaly::NotUtf8);
        return out;
    };
    for (index, part) in text.split(SEPARATOR).enumerate() {
        if part.is_empty() {
            out.anomalies.push(EngineIoAnomaly::EmptyPart { index });
            continue;
        }
        match decode_packet_text(part, EioVersion::V4) {
            Ok(p) => out.packets.push(p),
            Err(a) => out.anomalies.push(a),
        }
    }
    out
}

/// v3: `<len>:<packet>` records (text), or binary records when the body starts with a 0 or 1
/// byte.
pub fn decode_payload_v3(body: &[u8]) -> Payload {
    match body.first() {
        None => Payload::default(),
        Some(0 | 1) => decode_v3_binary(body),
        Some(_) => match std::str::from_utf8(body) {
            Ok(text) => decode_v3_text(text),
            Err(_) => Payload {
                packets: Vec::new(),
                anomalies: vec![EngineIoAnomaly::NotUtf8],
            },
        },
    }
}

fn bad_length(at: usize, prefix: &str, why: &'static str) -> EngineIoAnomaly {
    EngineIoAnomaly::BadLength {
        at,
        prefix: prefix.chars().take(MAX_PREFIX_DIGITS).collect(),
        why,
    }
}

fn decode_v3_text(text: &str) -> Payload {
    let mut out = Payload::default();
    let mut at = 0;
    while let Some(rest) = text.get(at..).filter(|r| !r.is_empty()) {
        let Some(colon) = rest.find(':') else {
            out.anomalies
                .push(bad_length(at, rest, "no ':' after the length"));
            break;
        };
        let prefix = rest.get(..colon).unwrap_or_default();
        let n = match prefix.parse::<usize>() {
            Ok(n) if prefix.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                out.anomalies
                    .push(bad_length(at, prefix, "the length is not a number"));
                break;
            }
        };
        let msg_start = colon + 1;
        let Some(msg_len) = utf16_prefix_bytes(rest.get(msg_start..).unwrap_or_default(), n) else {
            out.anomalies.push(bad_length(
                at,
                prefix,
                "the length runs past the payload or splits a character",
            ));
            break;
        };
        let msg = rest.get(msg_start..msg_start + msg_len).unwrap_or_default();
        if !msg.is_empty() {
            match decode_packet_text(msg, EioVersion::V3) {
                Ok(p) => out.packets.push(p),
                Err(a) => out.anomalies.push(a),
            }
        }
        at += msg_start + msg_len;
    }
    out
}

/// How many bytes of `s` make its first `units` UTF-16 code units; `None` when `s` is shorter
/// or the count ends inside a surrogate pair.
fn utf16_prefix_bytes(s: &str, units: usize) -> Option<usize> {
    let mut counted = 0;
    for (i, c) in s.char_indices() {
        if counted == units {
            return Some(i);
        }
        counted += c.len_utf16();
        if counted > units {
            return None;
        }
    }
    (counted == units).then_some(s.len())
}

fn decode_v3_binary(body: &[u8]) -> Payload {
    let mut out = Payload::default();
    let mut at = 0;
    while let Some(rest) = body.get(at..).filter(|r| !r.is_empty()) {
        let is_text = rest.first() == Some(&0);
        let Some(end) = rest
            .iter()
            .skip(1)
            .take(MAX_PREFIX_DIGITS + 1)
            .position(|&b| b == V3_BINARY_LEN_END)
        else {
            out.anomalies
                .push(bad_length(at, "", "no \\xff after the length digits"));
            break;
        };
        let digits = rest.get(1..=end).unwrap_or_default();
        let prefix: String = digits
            .iter()
            .map(|d| char::from(b'0'.wrapping_add(*d)))
            .collect();
        let n = if digits.iter().all(|d| *d <= 9) {
            prefix.parse::<usize>().ok()
        } else {
            None
        };
        let Some(n) = n else {
            out.anomalies
                .push(bad_length(at, &prefix, "the length is not a number"));
            break;
        };
        let msg_start = end + 2;
        let Some(msg) = rest.get(msg_start..msg_start.saturating_add(n)) else {
            out.anomalies
                .push(bad_length(at, &prefix, "the length runs past the payload"));
            break;
        };
        let packet = if is_text {
            std::str::from_utf8(msg)
                .map_err(|_| EngineIoAnomaly::NotUtf8)
                .and_then(|t| decode_packet_text(t, EioVersion::V3))
        } else {
            decode_ws_binary(msg, msg.len() as u64, EioVersion::V3)
        };
        match packet {
            Ok(p) => out.packets.push(p),
            Err(a) => out.anomalies.push(a),
        }
        at += msg_start + n;
    }
    out
}
