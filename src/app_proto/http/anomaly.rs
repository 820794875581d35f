//! What can stop HTTP/1.1 parsing on a stream: one kind per rule of RFC 9112, naming its
//! section, plus the limits of what we wait for. The sentences are in `lesson::annotations`.

use serde::Serialize;

/// Why the bytes of a direction are not (or no longer) read as HTTP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum HttpAnomaly {
    /// httparse rejected the start of a message (RFC 9112 §2.2); `error` is its reason, e.g.
    /// "invalid token".
    NotHttp { error: String },
    /// Our limit: no blank line ending the head within `max` bytes (RFC 9112 §2.1).
    HeadTooLong { max: usize },
    /// A Content-Length that is not a number (RFC 9112 §6.3).
    BadContentLength { value: String },
    /// A chunk-size that is not hexadecimal (RFC 9112 §7.1).
    BadChunkSize { value: String },
    /// Our limit: a chunked-body line longer than the head limit (RFC 9112 §7.1).
    ChunkLineTooLong,
}

impl HttpAnomaly {
    /// The RFC section the kind is about, e.g. "RFC 9112 §6.3".
    pub fn rfc_section(&self) -> &'static str {
        match self {
            Self::NotHttp { .. } => "RFC 9112 §2.2",
            Self::HeadTooLong { .. } => "RFC 9112 §2.1",
            Self::BadContentLength { .. } => "RFC 9112 §6.3",
            Self::BadChunkSize { .. } | Self::ChunkLineTooLong => "RFC 9112 §7.1",
        }
    }
}
