//! One direction of a TLS connection: records cut out of the byte stream as they arrive, the
//! plaintext handshake messages reassembled across records (RFC 8446 §5.1 lets a message span
//! records, and a record hold several), and each record emitted, as Wireshark does, with the
//! packet that carried its last byte. Encrypted contents are counted, never kept.

use crate::app_proto::AppEvent;
use crate::app_proto::input::Input;
use crate::flow::Direction;

use super::hello::{parse_client_hello, parse_server_hello};
use super::record::{HEADER_LEN, HeaderStatus, MAX_FRAGMENT, RecordHeader, parse_header};
use super::{TLS13, TlsAnomaly, TlsRecord, content_type, handshake_type};

/// The largest handshake message whose body is kept to be parsed (ClientHello and ServerHello
/// only; the others are counted). Real hellos are well under it.
pub const HANDSHAKE_KEEP: usize = 64 * 1024;

/// Length of a handshake message header: type (1) and length (3) (RFC 8446 §4).
const HANDSHAKE_HEADER_LEN: usize = 4;

/// A record whose header is parsed and whose fragment is still arriving.
#[derive(Debug)]
struct Partial {
    header: RecordHeader,
    offset: u64,
    /// Fragment bytes seen so far.
    seen: usize,
    /// What the record is building up.
    record: TlsRecord,
}

/// Handshake messages reassembled from the plaintext handshake records of one direction.
#[derive(Debug, Default)]
struct HandshakeReader {
    /// The message header while it is incomplete.
    head: Vec<u8>,
    /// The message's type and body length, once its header is complete.
    current: Option<(u8, u32)>,
    /// Body bytes still to come.
    remaining: u32,
    /// The body, for the messages that are parsed.
    body: Vec<u8>,
}

impl HandshakeReader {
    /// Feed plaintext handshake bytes; what completes is written into `record`.
    fn feed(&mut self, mut bytes: &[u8], record: &mut TlsRecord) {
        while !bytes.is_empty() {
            let Some((kind, len)) = self.current else {
                let want = HANDSHAKE_HEADER_LEN - self.head.len();
                let (take, rest) = bytes.split_at(want.min(bytes.len()));
                self.head.extend_from_slice(take);
                bytes = rest;
                if let [kind, a, b, c] = self.head[..] {
                    let len = u32::from_be_bytes([0, a, b, c]);
                    self.head.clear();
                    self.current = Some((kind, len));
                    self.remaining = len;
                    self.body.clear();
                    if len as usize > HANDSHAKE_KEEP && Self::parsed(kind) {
                        record.issues.push(TlsAnomaly::HandshakeOverCap {
                            message_type: kind,
                            length: len,
                        });
                    }
                    if len == 0 {
                        self.finish(record);
                    }
                }
                continue;
            };
            let n = (self.remaining as usize).min(bytes.len());
            let (take, rest) = bytes.split_at(n);
            if Self::parsed(kind) && len as usize <= HANDSHAKE_KEEP {
                self.body.extend_from_slice(take);
            }
            bytes = rest;
            self.remaining -= n as u32;
            if self.remaining == 0 {
                self.finish(record);
            }
        }
    }

    /// Whether messages of type `kind` are kept and parsed.
    fn parsed(kind: u8) -> bool {
        matches!(
            kind,
            handshake_type::CLIENT_HELLO | handshake_type::SERVER_HELLO
        )
    }

    fn finish(&mut self, record: &mut TlsRecord) {
        let Some((kind, len)) = self.current.take() else {
            return;
        };
        record.handshake_types.push(kind);
        let body = std::mem::take(&mut self.body);
        if !Self::parsed(kind) || len as usize > HANDSHAKE_KEEP {
            return;
        }
        let malformed = TlsAnomaly::MalformedHello { message_type: kind };
        if kind == handshake_type::CLIENT_HELLO {
            match parse_client_hello(&body) {
                Some(hello) => {
                    record.sni = hello.sni;
                    record.alpn = hello.alpn;
                }
                None => record.issues.push(malformed),
            }
        } else {
            match parse_server_hello(&body) {
                Some(hello) => {
                    record.cipher_suite = Some(hello.cipher_suite);
                    record.selected_version = hello.selected_version;
                }
                None => record.issues.push(malformed),
            }
        }
    }
}

/// Parses one direction's records.
#[derive(Debug)]
pub(crate) struct TlsStream {
    direction: Direction,
    partial: Option<Partial>,
    /// This direction sent Change Cipher Spec: before TLS 1.3, what it sends after is
    /// encrypted (RFC 5246 §7.1).
    after_ccs: bool,
    handshake: HandshakeReader,
    /// A record of unknown type was met: the rest of the direction is not read.
    stopped: bool,
    /// Whether records list the packets that carried them (see
    /// `AppTracker::without_payloads`).
    list_packets: bool,
}

impl TlsStream {
    /// `list_packets`: whether records list the packets that carried them (a list is an
    /// allocation for every record).
    pub fn new(direction: Direction, list_packets: bool) -> Self {
        Self {
            direction,
            partial: None,
            after_ccs: false,
            handshake: HandshakeReader::default(),
            stopped: false,
            list_packets,
        }
    }

    /// Parse every record that is complete in `input`, consuming its bytes. `tls13`: whether
    /// the connection's ServerHello chose TLS 1.3 (set here when this direction's does); then
    /// encrypted records all say "application data" (RFC 8446 §5.2) and a handshake record is
    /// plaintext even after the middlebox-compatibility Change Cipher Spec (Appendix D.4).
    pub fn drive(&mut self, input: &mut Input<'_, '_>, tls13: &mut bool, out: &mut Vec<AppEvent>) {
        loop {
            if self.stopped {
                let n = input.len();
                input.consume(n);
                input.prune(input.base());
                return;
            }
            if self.partial.is_none() {
                let HeaderStatus::Parsed(header) = parse_header(input.bytes()) else {
                    return;
                };
                self.partial = Some(self.start(header, input.base(), *tls13));
                input.consume(HEADER_LEN);
            }
            let Some(p) = self.partial.as_mut() else {
                return;
            };
            let take = (usize::from(p.header.length) - p.seen).min(input.len());
            if take > 0 {
                let bytes = input.bytes().get(..take).unwrap_or_default();
                let plain = !p.record.encrypted;
                match p.header.content_type {
                    content_type::HANDSHAKE if plain => self.handshake.feed(bytes, &mut p.record),
                    content_type::ALERT if plain => {
                        for (i, b) in bytes.iter().enumerate() {
                            let at = p.seen + i;
                            let (level, desc) = p.record.alert.get_or_insert((0, 0));
                            match at {
                                0 => *level = *b,
                                1 => *desc = *b,
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
                p.seen += take;
                input.consume(take);
            }
            if p.seen < usize::from(p.header.length) {
                return;
            }
            if let Some(p) = self.partial.take() {
                let end = p.offset + (HEADER_LEN + usize::from(p.header.length)) as u64;
                let mut record = p.record;
                if self.list_packets {
                    record.packets = input.packets(p.offset, end).into();
                }
                if record.selected_version == Some(TLS13) {
                    *tls13 = true;
                }
                if record.content_type == content_type::CHANGE_CIPHER_SPEC {
                    self.after_ccs = true;
                }
                out.push(AppEvent::Tls(record));
            }
            input.prune(input.base());
        }
    }

    /// The record a header starts.
    fn start(&mut self, header: RecordHeader, offset: u64, tls13: bool) -> Partial {
        let encrypted = match header.content_type {
            content_type::APPLICATION_DATA => true,
            content_type::CHANGE_CIPHER_SPEC => false,
            _ => self.after_ccs && !tls13,
        };
        let mut issues = Vec::new();
        if !(content_type::CHANGE_CIPHER_SPEC..=content_type::HEARTBEAT)
            .contains(&header.content_type)
        {
            issues.push(TlsAnomaly::UnknownContentType {
                content_type: header.content_type,
            });
            self.stopped = true;
        } else if header.length > MAX_FRAGMENT {
            issues.push(TlsAnomaly::RecordTooLong {
                length: header.length,
            });
        }
        let sent = header;
        let mut header = header;
        if self.stopped {
            // Its length means nothing: the record is reported with the bytes at hand.
            header.length = 0;
        }
        Partial {
            header,
            offset,
            seen: 0,
            record: TlsRecord {
                direction: self.direction,
                content_type: sent.content_type,
                version: sent.version,
                length: sent.length,
                encrypted,
                handshake_types: Vec::new(),
                sni: None,
                alpn: Vec::new(),
                cipher_suite: None,
                selected_version: None,
                alert: None,
                offset,
                issues,
                packets: Vec::new(),
            },
        }
    }
}
