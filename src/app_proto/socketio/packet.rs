//! The text of one Socket.IO packet, `<type>[<n>-][<nsp>,][<id>][JSON]`, read as
//! `socket.io-parser`'s `decodeString` reads it (4.x for protocol v5, 3.x for v4).

use super::{Shape, SioData, SioPacket, SioType, SioVersion, SocketIoAnomaly};

/// Event names a v5 peer may not send (`socket.io-parser`'s `RESERVED_EVENTS`).
const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Decode one Socket.IO packet (an Engine.IO message's text).
pub fn decode_packet(text: &str, version: SioVersion) -> Result<SioPacket, SocketIoAnomaly> {
    let bytes = text.as_bytes();
    let kind = bytes
        .first()
        .and_then(|&d| SioType::from_digit(d))
        .ok_or_else(|| SocketIoAnomaly::UnknownType {
            found: text.chars().next().map(String::from).unwrap_or_default(),
        })?;
    // `i` indexes the byte before what is read next, as in the reference.
    let mut i = 0;
    let mut attachments = 0;
    if kind.is_binary() {
        let dash = bytes.iter().position(|&b| b == b'-');
        let digits = text.get(1..dash.unwrap_or(text.len())).unwrap_or_default();
        let n = dash
            .filter(|_| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|_| digits.parse::<u32>().ok())
            .filter(|&n| n >= 1);
        let (Some(n), Some(dash)) = (n, dash) else {
            return Err(SocketIoAnomaly::BadAttachments {
                found: digits.chars().take(20).collect(),
            });
        };
        attachments = n;
        i = dash;
    }
    let mut nsp = "/";
    if bytes.get(i + 1) == Some(&b'/') {
        let start = i + 1;
        let end = bytes
            .get(start..)
            .and_then(|r| r.iter().position(|&b| b == b','))
            .map_or(bytes.len(), |p| start + p);
        nsp = text.get(start..end).unwrap_or("/");
        i = end;
    }
    let mut id = None;
    let digits_start = i + 1;
    let digits_len = bytes
        .get(digits_start..)
        .map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count());
    if digits_len > 0 {
        let digits = text
            .get(digits_start..digits_start + digits_len)
            .unwrap_or_default();
        // JavaScript's `Number` never fails: a huge id loses precision; ours saturates.
        id = Some(digits.parse::<u64>().unwrap_or(u64::MAX));
        i = digits_start + digits_len - 1;
    }
    let rest = text.get(i + 1..).unwrap_or_default();
    let data = if rest.is_empty() {
        None
    } else {
        let data = SioData::parse(rest).ok_or(SocketIoAnomaly::NotJson)?;
        if !payload_valid(kind, &data, version) {
            return Err(SocketIoAnomaly::InvalidPayload { kind: kind.name() });
        }
        Some(data)
    };
    Ok(SioPacket {
        kind,
        nsp: nsp.into(),
        id,
        attachments,
        data,
    })
}

/// `Decoder.isPayloadValid` (v5); v4 takes any JSON in an ERROR and an array elsewhere.
fn payload_valid(kind: SioType, data: &SioData, version: SioVersion) -> bool {
    let shape = data.shape();
    if version == SioVersion::V4 {
        return kind == SioType::ConnectError || shape == Shape::Array;
    }
    match kind {
        SioType::Connect => shape == Shape::Object,
        SioType::Disconnect => false,
        SioType::ConnectError => matches!(shape, Shape::String | Shape::Object),
        SioType::Event | SioType::BinaryEvent => {
            data.first_is_number()
                || data
                    .first_str()
                    .is_some_and(|name| !RESERVED_EVENTS.contains(&name))
        }
        SioType::Ack | SioType::BinaryAck => shape == Shape::Array,
    }
}
