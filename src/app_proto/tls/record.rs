//! The 5-byte TLS record header (RFC 8446 §5.1, RFC 5246 §6.2.1), parsed in tungstenite's
//! style: "need more bytes" without consuming, or the header.

use std::ops::Range;

/// Byte offsets of the record header's fields.
mod field {
    use std::ops::Range;
    pub const CONTENT_TYPE: usize = 0;
    pub const VERSION: Range<usize> = 1..3;
    pub const LENGTH: Range<usize> = 3..5;
}

/// Length of a record header.
pub const HEADER_LEN: usize = 5;

/// The largest fragment RFC 5246 §6.2.3 allows (2^14 + 2048; RFC 8446 §5.2 allows 2^14 + 256).
pub const MAX_FRAGMENT: u16 = (1 << 14) + 2048;

/// A parsed record header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub content_type: u8,
    pub version: u16,
    pub length: u16,
}

/// What [`parse_header`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderStatus {
    /// The header needs this many bytes in total; nothing was consumed.
    NeedMore(usize),
    Parsed(RecordHeader),
}

fn be16(buf: &[u8], range: Range<usize>) -> Option<u16> {
    let b = buf.get(range)?;
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

/// Parse a record header at the start of `buf`.
pub fn parse_header(buf: &[u8]) -> HeaderStatus {
    let parsed = || {
        Some(RecordHeader {
            content_type: *buf.get(field::CONTENT_TYPE)?,
            version: be16(buf, field::VERSION)?,
            length: be16(buf, field::LENGTH)?,
        })
    };
    match parsed() {
        Some(h) => HeaderStatus::Parsed(h),
        None => HeaderStatus::NeedMore(HEADER_LEN),
    }
}
