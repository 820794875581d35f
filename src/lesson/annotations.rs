//! The sentence of every typed annotation the lower layers report (WebSocket anomalies, HTTP
//! anomalies and notes, decode issues): what `osiscope decode` prints and the app shows. The
//! kinds are facts; the words are here, in one place.

use std::fmt::Write as _;

use crate::app_proto::{HttpAnomaly, NoteKind, TlsAnomaly, WsAnomaly};
use crate::decode::{FragmentIssue, Issue, IssueKind, LengthLimit};
use crate::model::json::Sentences;

/// The sentences the JSON writer of `osiscope decode` uses.
pub const SENTENCES: Sentences = Sentences {
    decode_issue,
    ws_anomaly,
    tls_anomaly,
    io_anomaly: super::io_annotations::io_anomaly,
};

/// The sentence of a TLS annotation, naming its RFC section.
pub fn tls_anomaly(kind: &TlsAnomaly) -> String {
    let what = match kind {
        TlsAnomaly::RecordTooLong { length } => {
            format!("a TLS record of {length} bytes: records carry at most 2^14 + 2048 bytes")
        }
        TlsAnomaly::UnknownContentType { content_type } => format!(
            "record content type {content_type} is not a TLS type: this direction is not decoded further"
        ),
        TlsAnomaly::MalformedHello { message_type } => format!(
            "this {} ends before its fields do",
            crate::app_proto::tls::handshake_type::name(*message_type)
        ),
        TlsAnomaly::HandshakeOverCap {
            message_type,
            length,
        } => format!(
            "this {} of {length} bytes is longer than osiscope reads, so its fields are not shown",
            crate::app_proto::tls::handshake_type::name(*message_type)
        ),
    };
    format!("{what} ({})", kind.rfc_section())
}

/// The sentence of a decode issue, e.g. "TCP header needs 20 bytes, 9 captured".
pub fn decode_issue(kind: &IssueKind) -> String {
    match kind {
        IssueKind::TooShort {
            header,
            needs,
            got,
            limit,
        } => {
            let limit = match limit {
                LengthLimit::Captured => "captured",
                LengthLimit::Ipv4TotalLength => "left by the IPv4 total length",
                LengthLimit::Ipv6PayloadLength => "left by the IPv6 payload length",
                LengthLimit::UdpLength => "left by the UDP length",
                LengthLimit::TcpHeaderLength => "left by the TCP header length",
                LengthLimit::Other => "available",
            };
            format!("{header} header needs {needs} bytes, {got} {limit}")
        }
        IssueKind::BadIpHeader { error } => format!("IP header: {error}"),
        IssueKind::Malformed { error } => error.clone(),
        IssueKind::IpLengthExceedsPacket {
            version,
            declared,
            on_wire,
        } => {
            let field = if *version == 6 {
                "IPv6 payload length"
            } else {
                "IPv4 total length"
            };
            format!("{field} says {declared} payload bytes, the packet has only {on_wire}")
        }
        IssueKind::UnknownAddressFamily { family } => {
            format!("Null/Loopback address family {family} is not IPv4 or IPv6")
        }
        IssueKind::CustomBlock => "a pcapng custom block, not a packet".into(),
        IssueKind::UnsupportedLinkType { link_type } => {
            format!("link type {link_type} is not decoded")
        }
        IssueKind::TcpOptionWithoutLength { kind, offset } => {
            format!("TCP option {kind} at byte {offset} has no length byte")
        }
        IssueKind::TcpOptionOverrun { kind, len, left } => {
            format!("TCP option {kind} says {len} bytes, {left} left in the header")
        }
        IssueKind::TcpOptionBadLength { kind, len } => {
            format!("TCP option {kind} has a bad length of {len} bytes")
        }
        IssueKind::Fragment { issue, .. } => fragment_issue(issue),
    }
}

/// The sentence of an IP fragment issue.
fn fragment_issue(issue: &FragmentIssue) -> String {
    match issue {
        FragmentIssue::Overlap {
            start,
            end,
            earlier_frame,
        } => format!("fragment bytes {start}..{end} overlap those of frame {earlier_frame}"),
        FragmentIssue::OverlapConflict {
            start,
            end,
            earlier_frame,
        } => format!(
            "fragment bytes {start}..{end} overlap those of frame {earlier_frame} with different data: the earlier ones are used"
        ),
        FragmentIssue::MultipleTails { end, earlier_end } => format!(
            "a second last fragment ends at {end}, the first one at {earlier_end}: the first one counts"
        ),
        FragmentIssue::PastEnd { end, datagram_end } => format!(
            "fragment ends at {end}, past the datagram's end at {datagram_end}: the bytes past it are dropped"
        ),
        FragmentIssue::TooLong { end } => format!(
            "fragment ends at {end}, past the largest IP datagram (65,535 bytes): not reassembled"
        ),
        FragmentIssue::NotMultipleOf8 { len } => {
            format!("a fragment that is not the last carries {len} bytes, not a multiple of 8")
        }
    }
}

/// The Info column as shown: the model's `info`, then, for a packet that is not TCP, its
/// first issue as " [layer: sentence]" (the model keeps the kind, the words are added here).
pub fn info_column(info: &str, is_tcp: bool, issues: &[Issue]) -> String {
    let mut s = info.to_owned();
    if let Some(issue) = issues.first().filter(|_| !is_tcp) {
        let _ = write!(s, " [{}: {}]", issue.layer, decode_issue(&issue.kind));
    }
    s
}

/// The sentence of a WebSocket anomaly, e.g. "client frame is not masked (RFC 6455 §5.1)".
pub fn ws_anomaly(a: &WsAnomaly) -> String {
    match a {
        WsAnomaly::LengthMsbSet => {
            "64-bit payload length has its most significant bit set (RFC 6455 §5.2)".into()
        }
        WsAnomaly::NonMinimalLength { payload_len } => format!(
            "payload length {payload_len} not in the minimal number of bytes (RFC 6455 §5.2)"
        ),
        WsAnomaly::UnmaskedClientFrame => "client frame is not masked (RFC 6455 §5.1)".into(),
        WsAnomaly::MaskedServerFrame => "server frame is masked (RFC 6455 §5.1)".into(),
        WsAnomaly::ReservedBits { bits } => format!(
            "RSV bits 0x{bits:x} set without a negotiated extension that defines them (RFC 6455 §5.2)"
        ),
        WsAnomaly::ReservedOpcode { opcode } => {
            format!("reserved opcode 0x{opcode:x} (RFC 6455 §5.2)")
        }
        WsAnomaly::FrameAfterClose => "frame after Close (RFC 6455 §5.5.1)".into(),
        WsAnomaly::FragmentedControlFrame => "fragmented control frame (RFC 6455 §5.5)".into(),
        WsAnomaly::ControlPayloadTooLong { payload_len } => {
            format!("control frame payload of {payload_len} bytes (at most 125, RFC 6455 §5.5)")
        }
        WsAnomaly::UnfinishedMessage { fragments } => format!(
            "new data frame while a fragmented message ({fragments} fragments so far) is unfinished (RFC 6455 §5.4)"
        ),
        WsAnomaly::ContinuationWithoutMessage => {
            "continuation frame without a message to continue (RFC 6455 §5.4)".into()
        }
        WsAnomaly::InvalidUtf8Text => "text message is not valid UTF-8 (RFC 6455 §8.1)".into(),
        WsAnomaly::CloseCodeTruncated => {
            "Close payload of 1 byte: a status code needs 2 (RFC 6455 §5.5.1)".into()
        }
        WsAnomaly::CloseCodeNotSendable { code } => {
            format!("close code {code} must not be sent (RFC 6455 §7.4)")
        }
        WsAnomaly::CloseReasonInvalidUtf8 => {
            "close reason is not valid UTF-8 (RFC 6455 §5.5.1)".into()
        }
        WsAnomaly::InflateFailed { error } => format!("inflate failed: {error}"),
        WsAnomaly::InflateAfterFailure => {
            "not inflated: an earlier compressed message failed".into()
        }
        WsAnomaly::PayloadOverCap { cap } => {
            format!("payload over {cap} bytes: only the first ones are kept")
        }
        WsAnomaly::CompressedOverCap { cap } => {
            format!("compressed payload over {cap} bytes: not inflated")
        }
        WsAnomaly::InflatedOverCap { cap } => {
            format!("inflated message over {cap} bytes: the rest is only counted")
        }
    }
}

/// Why HTTP parsing stopped, e.g. "bad Content-Length \"x\"".
pub fn http_anomaly(a: &HttpAnomaly) -> String {
    match a {
        HttpAnomaly::NotHttp { error } => format!("not HTTP ({error})"),
        HttpAnomaly::HeadTooLong { max } => format!("no end of an HTTP head in {max} bytes"),
        HttpAnomaly::BadContentLength { value } => format!("bad Content-Length {value:?}"),
        HttpAnomaly::BadChunkSize { value } => format!("bad chunk size {value:?}"),
        HttpAnomaly::ChunkLineTooLong => "chunked body line too long".into(),
    }
}

/// Why a stream direction stopped being understood, e.g. "120 bytes missing: WebSocket
/// frames can no longer be found".
pub fn note(n: &NoteKind) -> String {
    match n {
        NoteKind::HttpGap { len } => {
            format!("{len} bytes missing: HTTP resumes at the next request or response")
        }
        NoteKind::WebSocketGap { len } => {
            format!("{len} bytes missing: WebSocket frames can no longer be found")
        }
        NoteKind::NotDecoded(why) => {
            format!(
                "{}: this direction is not decoded further",
                http_anomaly(why)
            )
        }
        NoteKind::OpaqueUpgrade { protocol } => format!(
            "upgraded to {protocol:?}, not WebSocket: the bytes that follow are not decoded"
        ),
        NoteKind::TlsGap { len } => {
            format!("{len} bytes missing: TLS records can no longer be found")
        }
        NoteKind::ConnectTunnel => {
            "CONNECT tunnel: the bytes that follow are decoded only if they are TLS records".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each kind.
    fn every_ws_anomaly() -> Vec<WsAnomaly> {
        vec![
            WsAnomaly::LengthMsbSet,
            WsAnomaly::NonMinimalLength { payload_len: 5 },
            WsAnomaly::UnmaskedClientFrame,
            WsAnomaly::MaskedServerFrame,
            WsAnomaly::ReservedBits { bits: 2 },
            WsAnomaly::ReservedOpcode { opcode: 0xB },
            WsAnomaly::FrameAfterClose,
            WsAnomaly::FragmentedControlFrame,
            WsAnomaly::ControlPayloadTooLong { payload_len: 126 },
            WsAnomaly::UnfinishedMessage { fragments: 2 },
            WsAnomaly::ContinuationWithoutMessage,
            WsAnomaly::InvalidUtf8Text,
            WsAnomaly::CloseCodeTruncated,
            WsAnomaly::CloseCodeNotSendable { code: 1005 },
            WsAnomaly::CloseReasonInvalidUtf8,
            WsAnomaly::InflateFailed {
                error: "invalid stored block lengths".into(),
            },
            WsAnomaly::InflateAfterFailure,
            WsAnomaly::PayloadOverCap { cap: 16 },
            WsAnomaly::CompressedOverCap { cap: 16 },
            WsAnomaly::InflatedOverCap { cap: 16 },
        ]
    }

    #[test]
    fn every_ws_sentence_names_its_rfc_section() {
        for a in every_ws_anomaly() {
            let sentence = ws_anomaly(&a);
            match a.rfc_section() {
                // Sentences name the section alone when the RFC is RFC 6455 ("§5.2"), as the
                // RFC 7692 ones do not say it at all: they are about zlib's view.
                Some(section) if section.starts_with("RFC 6455") => {
                    let at = section.trim_start_matches("RFC 6455 ");
                    assert!(sentence.contains(at), "{sentence} should cite {section}");
                }
                Some(_) => assert!(sentence.contains("inflate"), "{sentence}"),
                None => assert!(sentence.contains("16 bytes"), "{sentence}"),
            }
        }
    }

    #[test]
    fn http_notes_say_why_in_the_words_decode_prints() {
        let bad = NoteKind::NotDecoded(HttpAnomaly::BadContentLength { value: "x".into() });
        assert_eq!(
            note(&bad),
            "bad Content-Length \"x\": this direction is not decoded further"
        );
        assert_eq!(
            note(&NoteKind::OpaqueUpgrade {
                protocol: "tcp".into()
            }),
            "upgraded to \"tcp\", not WebSocket: the bytes that follow are not decoded"
        );
        assert_eq!(
            http_anomaly(&HttpAnomaly::HeadTooLong { max: 10 }),
            "no end of an HTTP head in 10 bytes"
        );
    }

    #[test]
    fn decode_sentences_say_what_was_short_and_what_limited_it() {
        let short = |limit| IssueKind::TooShort {
            header: "TCP",
            needs: 20,
            got: 9,
            limit,
        };
        assert_eq!(
            decode_issue(&short(LengthLimit::Captured)),
            "TCP header needs 20 bytes, 9 captured"
        );
        assert_eq!(
            decode_issue(&short(LengthLimit::Ipv4TotalLength)),
            "TCP header needs 20 bytes, 9 left by the IPv4 total length"
        );
        assert_eq!(
            decode_issue(&IssueKind::IpLengthExceedsPacket {
                version: 6,
                declared: 100,
                on_wire: 40
            }),
            "IPv6 payload length says 100 payload bytes, the packet has only 40"
        );
        let issues = [Issue {
            layer: "link",
            kind: IssueKind::CustomBlock,
        }];
        assert_eq!(
            info_column("a → b", false, &issues),
            "a → b [link: a pcapng custom block, not a packet]"
        );
        assert_eq!(info_column("a → b", true, &issues), "a → b");
    }

    #[test]
    fn ws_sentences_carry_the_kinds_numbers() {
        assert_eq!(
            ws_anomaly(&WsAnomaly::ReservedBits { bits: 3 }),
            "RSV bits 0x3 set without a negotiated extension that defines them (RFC 6455 §5.2)"
        );
        assert_eq!(
            ws_anomaly(&WsAnomaly::UnfinishedMessage { fragments: 2 }),
            "new data frame while a fragmented message (2 fragments so far) is unfinished (RFC 6455 §5.4)"
        );
        assert_eq!(
            ws_anomaly(&WsAnomaly::CloseCodeNotSendable { code: 1005 }),
            "close code 1005 must not be sent (RFC 6455 §7.4)"
        );
    }
}
