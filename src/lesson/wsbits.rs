//! A WebSocket frame header as a bit diagram (RFC 6455 §5.2) and the unmasking worked through
//! (payload byte i XOR key\[i mod 4\]), from the frame the app layer already parsed.

use crate::app_proto::websocket::opcode;
use crate::model::WsFrame;

/// One field of the header: its width in bits, its value and what that value means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitField {
    pub name: &'static str,
    pub bits: u32,
    pub value: u64,
    pub meaning: String,
}

impl BitField {
    /// The value as a string of `bits` binary digits (most significant first), or in hex
    /// groups for the wide fields (masking key, 64-bit length).
    pub fn digits(&self) -> String {
        if self.bits > 16 {
            format!(
                "0x{:0width$x}",
                self.value,
                width = (self.bits / 4) as usize
            )
        } else {
            format!("{:0width$b}", self.value, width = self.bits as usize)
        }
    }
}

/// RSV1 as RFC 7692 §6.1 uses it: the "compressed" bit of a message's first frame.
fn rsv1_meaning(frame: &WsFrame) -> String {
    let set = frame.rsv & 4 != 0;
    match (set, frame.opcode) {
        (true, opcode::CONTINUATION) => {
            "set on a continuation frame: not allowed (RFC 7692 §6.1)".into()
        }
        (true, op) if op >= 8 => "set on a control frame: not allowed (RFC 7692 §6.1)".into(),
        (true, _) => "compressed (permessage-deflate)".into(),
        (false, opcode::CONTINUATION) => {
            "0: continuation frames never set it; the message's first frame says whether it is \
             compressed (RFC 7692 §6.1)"
                .into()
        }
        (false, op) if op >= 8 => "0: control frames are never compressed".into(),
        (false, _) => "0: this message is not compressed".into(),
    }
}

/// The header's fields in wire order.
pub fn frame_bits(frame: &WsFrame) -> Vec<BitField> {
    let flag = |b: bool| u64::from(b);
    let mut fields = vec![
        BitField {
            name: "FIN",
            bits: 1,
            value: flag(frame.fin),
            meaning: if frame.fin {
                "last fragment of the message".into()
            } else {
                "more fragments follow".into()
            },
        },
        BitField {
            name: "RSV1",
            bits: 1,
            value: u64::from(frame.rsv >> 2 & 1),
            meaning: rsv1_meaning(frame),
        },
        BitField {
            name: "RSV2",
            bits: 1,
            value: u64::from(frame.rsv >> 1 & 1),
            meaning: "reserved".into(),
        },
        BitField {
            name: "RSV3",
            bits: 1,
            value: u64::from(frame.rsv & 1),
            meaning: "reserved".into(),
        },
        BitField {
            name: "opcode",
            bits: 4,
            value: u64::from(frame.opcode),
            meaning: opcode::name(frame.opcode),
        },
        BitField {
            name: "MASK",
            bits: 1,
            value: flag(frame.masked),
            meaning: if frame.masked {
                "payload is masked (client → server)".into()
            } else {
                "not masked".into()
            },
        },
        BitField {
            name: "length",
            bits: 7,
            value: u64::from(frame.len_field),
            meaning: match frame.len_field {
                126 => "126: the real length is in the next 16 bits".into(),
                127 => "127: the real length is in the next 64 bits".into(),
                n => format!("{n} bytes of payload"),
            },
        },
    ];
    match frame.len_field {
        126 => fields.push(BitField {
            name: "ext. length",
            bits: 16,
            value: frame.payload_len,
            meaning: format!("{} bytes of payload", frame.payload_len),
        }),
        127 => fields.push(BitField {
            name: "ext. length",
            bits: 64,
            value: frame.payload_len,
            meaning: format!("{} bytes of payload", frame.payload_len),
        }),
        _ => {}
    }
    if let Some(key) = frame.masking_key {
        fields.push(BitField {
            name: "masking key",
            bits: 32,
            value: u64::from(u32::from_be_bytes(key)),
            meaning: "four random bytes chosen by the client".into(),
        });
    }
    fields
}

/// One line of the unmasking table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnmaskRow {
    pub index: usize,
    /// The byte as sent on the wire.
    pub masked: u8,
    /// `key[index % 4]`.
    pub key: u8,
    /// `masked ^ key`.
    pub plain: u8,
}

/// The first `max` payload bytes of a masked frame, unmasked one by one. Empty when the frame
/// is not masked.
pub fn unmask_rows(frame: &WsFrame, max: usize) -> Vec<UnmaskRow> {
    let Some(key) = frame.masking_key else {
        return Vec::new();
    };
    frame
        .raw_payload
        .iter()
        .take(max)
        .enumerate()
        .map(|(index, &masked)| {
            let k = key[index % 4];
            UnmaskRow {
                index,
                masked,
                key: k,
                plain: masked ^ k,
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::app_proto::WsFrame;
    use crate::flow::Direction;

    /// RFC 6455 §5.7's masked "Hello": 0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f 0x4d 0x51 0x58.
    pub(crate) fn masked_hello() -> WsFrame {
        WsFrame {
            direction: Direction::ClientToServer,
            fin: true,
            rsv: 0,
            opcode: 1,
            masked: true,
            masking_key: Some([0x37, 0xfa, 0x21, 0x3d]),
            payload_len: 5,
            len_field: 5,
            header_len: 6,
            offset: 0,
            raw_payload: [0x7f, 0x9f, 0x4d, 0x51, 0x58].as_slice().into(),
            compressed: false,
            text: Some("Hello".into()),
            text_len: 5,
            close_code: None,
            close_reason: None,
            issues: crate::model::RareList::default(),
        }
    }

    #[test]
    fn unmasking_gives_hello() {
        let rows = unmask_rows(&masked_hello(), 16);
        let plain: Vec<u8> = rows.iter().map(|r| r.plain).collect();
        assert_eq!(plain, b"Hello");
        assert_eq!(rows[4].key, 0x37, "byte 4 uses key[0] again");
    }

    #[test]
    fn header_bits_match_the_rfc_example() {
        let f = frame_bits(&masked_hello());
        let names: Vec<_> = f.iter().map(|b| b.name).collect();
        assert_eq!(
            names,
            [
                "FIN",
                "RSV1",
                "RSV2",
                "RSV3",
                "opcode",
                "MASK",
                "length",
                "masking key"
            ]
        );
        assert_eq!(f[4].digits(), "0001");
        assert_eq!(f[6].digits(), "0000101");
        assert_eq!(f[7].digits(), "0x37fa213d");
        assert_eq!(f.iter().map(|b| b.bits).sum::<u32>(), 48);
    }

    #[test]
    fn extended_length_is_shown() {
        let mut frame = masked_hello();
        frame.len_field = 126;
        frame.payload_len = 300;
        let f = frame_bits(&frame);
        assert_eq!(f[7].name, "ext. length");
        assert_eq!(f[7].value, 300);
    }
}
