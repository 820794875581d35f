//! RFC 6455 §5.2 frame headers, parsed incrementally in tungstenite's style: "need more bytes"
//! without consuming, or a header and its length. Checks that depend on who sent the frame live
//! in the message assembler, not here.

use super::WsAnomaly;

/// Bits of the first two header bytes (RFC 6455 §5.2).
mod bits {
    pub const FIN: u8 = 0x80;
    pub const RSV: u8 = 0x70;
    pub const OPCODE: u8 = 0x0F;
    pub const MASK: u8 = 0x80;
    pub const LEN7: u8 = 0x7F;
    /// 7-bit length values that announce a 16-bit / 64-bit extended length.
    pub const LEN_16: u8 = 126;
    pub const LEN_64: u8 = 127;
}

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// RSV1..RSV3 as a 3-bit value, RSV1 the high bit.
    pub rsv: u8,
    pub opcode: u8,
    pub masking_key: Option<[u8; 4]>,
    /// The 7-bit length field as sent.
    pub len_field: u8,
    pub payload_len: u64,
    /// Header length in bytes (2–14).
    pub header_len: u8,
}

/// What [`parse_header`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderStatus {
    /// The header needs at least this many bytes in total; nothing was consumed.
    NeedMore(usize),
    Parsed(FrameHeader),
}

/// Parse a frame header at the start of `buf`.
pub fn parse_header(buf: &[u8]) -> HeaderStatus {
    let (Some(&b0), Some(&b1)) = (buf.first(), buf.get(1)) else {
        return HeaderStatus::NeedMore(2);
    };
    let len_field = b1 & bits::LEN7;
    let ext_len = match len_field {
        bits::LEN_16 => 2,
        bits::LEN_64 => 8,
        _ => 0,
    };
    let masked = b1 & bits::MASK != 0;
    let header_len = 2 + ext_len + if masked { 4 } else { 0 };
    let Some(header) = buf.get(..header_len) else {
        return HeaderStatus::NeedMore(header_len);
    };
    let ext = header.get(2..2 + ext_len).unwrap_or_default();
    let payload_len = if ext_len == 0 {
        u64::from(len_field)
    } else {
        ext.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
    };
    let masking_key = if masked {
        header
            .get(2 + ext_len..header_len)
            .and_then(|k| <[u8; 4]>::try_from(k).ok())
    } else {
        None
    };
    HeaderStatus::Parsed(FrameHeader {
        fin: b0 & bits::FIN != 0,
        rsv: (b0 & bits::RSV) >> 4,
        opcode: b0 & bits::OPCODE,
        masking_key,
        len_field,
        payload_len,
        header_len: header_len as u8,
    })
}

impl FrameHeader {
    /// Remarks on the header alone (RFC 6455 §5.2), independent of who sent it.
    pub fn issues(&self) -> Vec<WsAnomaly> {
        let mut out = Vec::new();
        if self.len_field == bits::LEN_64 && self.payload_len >> 63 != 0 {
            out.push(WsAnomaly::LengthMsbSet);
        }
        let minimal = match self.len_field {
            bits::LEN_16 => self.payload_len >= u64::from(bits::LEN_16),
            bits::LEN_64 => self.payload_len > u64::from(u16::MAX),
            _ => true,
        };
        if !minimal {
            out.push(WsAnomaly::NonMinimalLength {
                payload_len: self.payload_len,
            });
        }
        out
    }

    /// The header as bytes (for tests and for showing it).
    pub fn format(&self) -> Vec<u8> {
        let mut out = vec![
            (if self.fin { bits::FIN } else { 0 }) | (self.rsv << 4) | (self.opcode & bits::OPCODE),
            (if self.masking_key.is_some() {
                bits::MASK
            } else {
                0
            }) | self.len_field,
        ];
        match self.len_field {
            bits::LEN_16 => out.extend_from_slice(&(self.payload_len as u16).to_be_bytes()),
            bits::LEN_64 => out.extend_from_slice(&self.payload_len.to_be_bytes()),
            _ => {}
        }
        if let Some(key) = self.masking_key {
            out.extend_from_slice(&key);
        }
        out
    }
}

/// XOR `data` with the masking key, `pos` being the payload offset of `data[0]` (RFC 6455 §5.3).
/// Works eight bytes at a time: unmasking is most of the work of reading client frames.
pub fn apply_mask(data: &mut [u8], key: [u8; 4], pos: u64) {
    // The key as it lines up with data[0], repeated over a word.
    let mut rotated = key;
    rotated.rotate_left((pos % 4) as usize);
    let word = u32::from_ne_bytes(rotated);
    let word = u64::from(word) | (u64::from(word) << 32);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(b) ^ word).to_ne_bytes());
    }
    for (b, k) in chunks
        .into_remainder()
        .iter_mut()
        .zip(rotated.iter().cycle())
    {
        *b ^= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_unmasking_equals_byte_unmasking_at_every_offset_and_length() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let data: Vec<u8> = (0..=255u8).cycle().take(70).collect();
        for pos in 0..8u64 {
            for len in 0..data.len() {
                let mut fast = data[..len].to_vec();
                apply_mask(&mut fast, key, pos);
                let slow: Vec<u8> = data[..len]
                    .iter()
                    .enumerate()
                    .map(|(i, b)| b ^ key[((pos + i as u64) % 4) as usize])
                    .collect();
                assert_eq!(fast, slow, "pos {pos} len {len}");
            }
        }
    }

    fn parsed(buf: &[u8]) -> FrameHeader {
        match parse_header(buf) {
            HeaderStatus::Parsed(h) => h,
            HeaderStatus::NeedMore(n) => panic!("need {n}"),
        }
    }

    #[test]
    fn rfc6455_single_frame_unmasked_hello() {
        let h = parsed(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert!(h.fin);
        assert_eq!(
            (h.opcode, h.payload_len, h.header_len, h.masking_key),
            (1, 5, 2, None)
        );
    }

    #[test]
    fn rfc6455_masked_hello() {
        let bytes = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let h = parsed(&bytes);
        assert_eq!(h.masking_key, Some([0x37, 0xfa, 0x21, 0x3d]));
        assert_eq!(h.header_len, 6);
        let mut payload = bytes[6..].to_vec();
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(payload, b"Hello");
    }

    #[test]
    fn rfc6455_extended_lengths() {
        let h = parsed(&[0x82, 0x7E, 0x01, 0x00]);
        assert_eq!((h.len_field, h.payload_len, h.header_len), (126, 256, 4));
        let h = parsed(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!((h.len_field, h.payload_len, h.header_len), (127, 65536, 10));
        assert!(h.issues().is_empty());
    }

    #[test]
    fn non_minimal_and_msb_lengths_are_issues() {
        assert_eq!(
            parsed(&[0x82, 0x7E, 0x00, 0x05]).issues(),
            [WsAnomaly::NonMinimalLength { payload_len: 5 }]
        );
        let h = parsed(&[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(h.issues(), [WsAnomaly::LengthMsbSet]);
    }

    #[test]
    fn every_prefix_needs_more() {
        let frames: [&[u8]; 3] = [
            &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d],
            &[0x82, 0xFE, 0x01, 0x00, 1, 2, 3, 4],
            &[0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4],
        ];
        for frame in frames {
            for n in 0..frame.len() {
                match parse_header(&frame[..n]) {
                    HeaderStatus::NeedMore(need) => assert!(need > n),
                    HeaderStatus::Parsed(h) => panic!("prefix {n} parsed {h:?}"),
                }
            }
            let h = parsed(frame);
            assert_eq!(usize::from(h.header_len), frame.len());
            assert_eq!(h.format(), frame);
        }
    }
}
