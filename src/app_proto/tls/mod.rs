//! TLS records (RFC 8446 §5, RFC 5246 §6.2) on a reassembled stream, for `wss://`: the record
//! layer (content type, version, length), the plaintext handshake messages and what a class can
//! read in the hellos (SNI, ALPN, cipher suite, the version chosen), then records whose contents
//! are encrypted. Whether a stream carries TLS is decided once, by the app tracker, with
//! [`sniff`].

mod hello;
mod record;
mod stream;

use serde::Serialize;

use crate::flow::Direction;

pub use hello::{ClientHello, ServerHello, parse_client_hello, parse_server_hello};
pub use record::{HEADER_LEN, HeaderStatus, RecordHeader, parse_header};
pub(crate) use stream::TlsStream;

/// Record content types (RFC 8446 §5.1, RFC 6520 for heartbeat).
pub mod content_type {
    pub const CHANGE_CIPHER_SPEC: u8 = 20;
    pub const ALERT: u8 = 21;
    pub const HANDSHAKE: u8 = 22;
    pub const APPLICATION_DATA: u8 = 23;
    pub const HEARTBEAT: u8 = 24;

    /// "Handshake", "Application Data"…, or "Unknown (n)".
    pub fn name(t: u8) -> String {
        match t {
            CHANGE_CIPHER_SPEC => "Change Cipher Spec".into(),
            ALERT => "Alert".into(),
            HANDSHAKE => "Handshake".into(),
            APPLICATION_DATA => "Application Data".into(),
            HEARTBEAT => "Heartbeat".into(),
            other => format!("Unknown ({other})"),
        }
    }
}

/// Handshake message types (RFC 8446 §4, RFC 5246 §7.4).
pub mod handshake_type {
    pub const CLIENT_HELLO: u8 = 1;
    pub const SERVER_HELLO: u8 = 2;
    pub const CERTIFICATE: u8 = 11;

    /// "Client Hello", "Certificate"…, or "Handshake type n".
    pub fn name(t: u8) -> String {
        match t {
            0 => "Hello Request".into(),
            CLIENT_HELLO => "Client Hello".into(),
            SERVER_HELLO => "Server Hello".into(),
            4 => "New Session Ticket".into(),
            5 => "End of Early Data".into(),
            8 => "Encrypted Extensions".into(),
            CERTIFICATE => "Certificate".into(),
            12 => "Server Key Exchange".into(),
            13 => "Certificate Request".into(),
            14 => "Server Hello Done".into(),
            15 => "Certificate Verify".into(),
            16 => "Client Key Exchange".into(),
            20 => "Finished".into(),
            24 => "Key Update".into(),
            other => format!("Handshake type {other}"),
        }
    }
}

/// "TLS 1.2" for 0x0303, "SSL 3.0" for 0x0300…, or the number in hex.
pub fn version_name(version: u16) -> String {
    match version {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// The version TLS 1.3 is negotiated as, in a ServerHello's `supported_versions` (RFC 8446
/// §4.2.1); its records still say TLS 1.2 (§5.1).
pub const TLS13: u16 = 0x0304;

/// One TLS record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsRecord {
    pub direction: Direction,
    /// The record's type as sent (for a TLS 1.3 encrypted record the outer type, 23).
    pub content_type: u8,
    /// The record-layer version as sent (e.g. 0x0303; TLS 1.3 records say TLS 1.2).
    pub version: u16,
    /// Length of the fragment after the 5-byte header.
    pub length: u16,
    /// The contents are encrypted (application data, or handshake messages after Change Cipher
    /// Spec): nobody on the path can read them.
    pub encrypted: bool,
    /// The plaintext handshake messages that end in this record, in order.
    pub handshake_types: Vec<u8>,
    /// A ClientHello's server name (SNI, RFC 6066 §3), its ALPN offer (RFC 7301).
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    /// A ServerHello's cipher suite and its `supported_versions` choice (TLS 1.3).
    pub cipher_suite: Option<u16>,
    pub selected_version: Option<u16>,
    /// An alert's level and description (RFC 8446 §6), when it is not encrypted.
    pub alert: Option<(u8, u8)>,
    /// Stream offset of the record's first byte.
    pub offset: u64,
    pub issues: Vec<TlsAnomaly>,
    /// Packets that carried it; the last one carried its last byte. Empty from a tracker
    /// without payloads (`AppTracker::without_payloads`).
    pub packets: Vec<u64>,
}

impl TlsRecord {
    pub fn last_packet(&self) -> u64 {
        self.packets.last().copied().unwrap_or(0)
    }
}

/// What can be wrong in a TLS record or handshake message, naming its RFC section. We observe:
/// these are annotations, the sentence is in `lesson::annotations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum TlsAnomaly {
    /// A record longer than 2^14 + 2048 bytes (RFC 5246 §6.2.3, RFC 8446 §5.2 allows 2^14 + 256).
    RecordTooLong { length: u16 },
    /// A content type no RFC defines: the stream is not read as TLS after it (RFC 8446 §5.1).
    UnknownContentType { content_type: u8 },
    /// A ClientHello or ServerHello whose fields run past its end (RFC 8446 §4.1.2, §4.1.3).
    MalformedHello { message_type: u8 },
    /// Our limit: a handshake message over 64 KiB (`stream::HANDSHAKE_KEEP`) is not parsed.
    HandshakeOverCap { message_type: u8, length: u32 },
}

impl TlsAnomaly {
    /// The RFC section the kind is about.
    pub fn rfc_section(&self) -> &'static str {
        match self {
            Self::RecordTooLong { .. } => "RFC 8446 §5.2",
            Self::UnknownContentType { .. } => "RFC 8446 §5.1",
            Self::MalformedHello { .. } => "RFC 8446 §4.1.2",
            Self::HandshakeOverCap { .. } => "RFC 8446 §4",
        }
    }
}

/// What the first bytes of a stream direction say about TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniff {
    /// A handshake record header: content type 22, version 3.x.
    Tls,
    /// Not TLS (HTTP never starts with byte 22).
    NotTls,
    /// Starts like a handshake record; more bytes are needed to tell.
    NeedMore,
}

/// Whether `first` (a direction's first bytes) starts a TLS handshake record. Only the tracker
/// calls it: it is the one place that decides what a stream carries.
pub fn sniff(first: &[u8]) -> Sniff {
    // Content type 22, major version 3, minor version 0 (SSL 3.0) to 4 (TLS 1.3).
    let checks: [fn(u8) -> bool; 3] = [
        |t| t == content_type::HANDSHAKE,
        |major| major == 3,
        |minor| minor <= 4,
    ];
    for (i, check) in checks.iter().enumerate() {
        match first.get(i) {
            None => return Sniff::NeedMore,
            Some(&b) if !check(b) => return Sniff::NotTls,
            Some(_) => {}
        }
    }
    Sniff::Tls
}

#[cfg(test)]
mod tests;
