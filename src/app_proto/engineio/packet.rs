//! One Engine.IO packet: a type digit and its data in text, `b…` base64 binary, or a binary
//! WebSocket frame (v4: the bytes are the message; v3: a type byte, then the bytes), as
//! `engine.io-parser`'s `decodePacket` reads them.

use base64::Engine as _;

use super::{BINARY_KEEP, EioData, EioPacket, EioType, EioVersion, EngineIoAnomaly};

/// Decode a packet sent as text (a polling payload's part, a text WebSocket frame).
pub fn decode_packet_text(text: &str, eio: EioVersion) -> Result<EioPacket, EngineIoAnomaly> {
    if let Some(b64) = text.strip_prefix('b') {
        return decode_base64(b64, eio);
    }
    let (kind, rest) = split_type(text).ok_or_else(|| EngineIoAnomaly::UnknownType {
        found: text.chars().next().map(String::from).unwrap_or_default(),
    })?;
    let data = if rest.is_empty() {
        EioData::None
    } else {
        EioData::Text(rest.to_owned())
    };
    Ok(EioPacket { kind, data })
}

/// `b` was stripped: v4 is `b<base64>` (always a message), v3 `b<type digit><base64>`.
fn decode_base64(b64: &str, eio: EioVersion) -> Result<EioPacket, EngineIoAnomaly> {
    let (kind, b64) = match eio {
        EioVersion::V4 => (EioType::Message, b64),
        EioVersion::V3 => split_type(b64).ok_or_else(|| EngineIoAnomaly::UnknownType {
            found: format!(
                "b{}",
                b64.chars().next().map(String::from).unwrap_or_default()
            ),
        })?,
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim_end())
        .map_err(|_| EngineIoAnomaly::BadBase64)?;
    Ok(EioPacket {
        kind,
        data: binary(&bytes, bytes.len() as u64),
    })
}

/// The type digit at the front of `text`, and what follows it.
fn split_type(text: &str) -> Option<(EioType, &str)> {
    let (&digit, _) = text.as_bytes().split_first()?;
    Some((EioType::from_digit(digit)?, text.get(1..)?))
}

/// Decode a binary WebSocket message (`bytes` are its first bytes, `len` its whole length).
/// v4 sends the message's bytes as they are; v3 puts the type number in the first byte.
pub fn decode_ws_binary(
    bytes: &[u8],
    len: u64,
    eio: EioVersion,
) -> Result<EioPacket, EngineIoAnomaly> {
    match eio {
        EioVersion::V4 => Ok(EioPacket {
            kind: EioType::Message,
            data: binary(bytes, len),
        }),
        EioVersion::V3 => {
            let Some((&first, rest)) = bytes.split_first() else {
                return Err(EngineIoAnomaly::UnknownType {
                    found: String::new(),
                });
            };
            let kind = EioType::from_number(first).ok_or_else(|| EngineIoAnomaly::UnknownType {
                found: format!("\\x{first:02x}"),
            })?;
            Ok(EioPacket {
                kind,
                data: binary(rest, len.saturating_sub(1)),
            })
        }
    }
}

/// Binary data of whole length `len`, keeping the first [`BINARY_KEEP`] bytes.
pub(super) fn binary(bytes: &[u8], len: u64) -> EioData {
    EioData::Binary {
        len,
        bytes: bytes.get(..BINARY_KEEP).unwrap_or(bytes).to_vec(),
    }
}
