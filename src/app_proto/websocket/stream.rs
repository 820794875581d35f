//! One direction of a WebSocket connection: frames cut out of the byte stream as they arrive.
//! A frame's header is parsed once it is complete; its payload is unmasked on the fly, kept up to
//! a bound, and the frame is emitted (as Wireshark does) with the packet that carried its last byte.

use crate::app_proto::AppEvent;
use crate::app_proto::input::Input;
use crate::decode::OneOrMany;
use crate::flow::Direction;

use super::assembler::{Assembler, Payloads};
use super::deflate::{DeflateParams, MAX_INFLATED};
use super::frame::{FrameHeader, HeaderStatus, apply_mask, parse_header};
use super::{RAW_PAYLOAD_KEEP, WsAnomaly, WsFrame};

/// Room reserved at once, at most, for a frame's payload: its header says how long it is, and
/// grown from empty the list was reserved again (through the slow path of growing a `Vec`)
/// for the bytes of each packet. A longer payload grows as its bytes arrive, so a header
/// alone (the bytes may never come) never reserves more than this.
const DATA_ROOM: usize = 64 * 1024;

/// A frame whose header is parsed and whose payload is still arriving.
#[derive(Debug)]
struct Partial {
    header: FrameHeader,
    offset: u64,
    /// Payload bytes seen so far.
    seen: u64,
    /// Whether the payload is kept at all (see [`Assembler::needs_payload`]).
    keep: bool,
    /// First payload bytes as sent, at most [`RAW_PAYLOAD_KEEP`].
    raw: Vec<u8>,
    /// Unmasked payload, at most [`MAX_INFLATED`].
    data: Vec<u8>,
}

/// Parses one direction's frames.
#[derive(Debug)]
pub(crate) struct WsStream {
    direction: Direction,
    assembler: Assembler,
    partial: Option<Partial>,
    /// Keep no `raw_payload` and no message bodies (see `AppTracker::without_payloads`).
    drop_payloads: bool,
    /// Whether messages are reported (they list the packets that carried them).
    keep_messages: bool,
}

impl WsStream {
    pub fn new(direction: Direction, deflate: Option<DeflateParams>, payloads: Payloads) -> Self {
        Self {
            direction,
            assembler: Assembler::new(direction, deflate, payloads),
            partial: None,
            drop_payloads: payloads != Payloads::All,
            keep_messages: payloads != Payloads::Checks,
        }
    }

    /// Parse every frame that is complete in `input`, consuming its bytes.
    pub fn drive(&mut self, input: &mut Input<'_, '_>, out: &mut Vec<AppEvent>) {
        loop {
            if self.partial.is_none() {
                let HeaderStatus::Parsed(header) = parse_header(input.bytes()) else {
                    return;
                };
                let keep = self.assembler.needs_payload(&header);
                let room = if keep {
                    usize::try_from(header.payload_len).map_or(DATA_ROOM, |n| n.min(DATA_ROOM))
                } else {
                    0
                };
                self.partial = Some(Partial {
                    header,
                    offset: input.base(),
                    seen: 0,
                    keep,
                    raw: Vec::new(),
                    data: Vec::with_capacity(room),
                });
                input.consume(usize::from(header.header_len));
            }
            let Some(p) = self.partial.as_mut() else {
                return;
            };
            let want = p.header.payload_len - p.seen;
            let take = usize::try_from(want).unwrap_or(usize::MAX).min(input.len());
            if take > 0 {
                let bytes = input.bytes().get(..take).unwrap_or_default();
                let raw_room = if self.drop_payloads {
                    0
                } else {
                    RAW_PAYLOAD_KEEP.saturating_sub(p.raw.len())
                };
                p.raw
                    .extend_from_slice(bytes.get(..take.min(raw_room)).unwrap_or_default());
                let data_room = if p.keep {
                    MAX_INFLATED.saturating_sub(p.data.len())
                } else {
                    0
                };
                let start = p.data.len();
                p.data
                    .extend_from_slice(bytes.get(..take.min(data_room)).unwrap_or_default());
                if let (Some(key), Some(kept)) = (p.header.masking_key, p.data.get_mut(start..)) {
                    apply_mask(kept, key, p.seen);
                }
                p.seen += take as u64;
                input.consume(take);
            }
            if p.seen < p.header.payload_len {
                return;
            }
            if let Some(p) = self.partial.take() {
                self.finish(p, input, out);
            }
            input.prune(input.base());
        }
    }

    fn finish(&mut self, p: Partial, input: &Input<'_, '_>, out: &mut Vec<AppEvent>) {
        let h = p.header;
        let end = p.offset + u64::from(h.header_len) + h.payload_len;
        let complete = if p.keep {
            p.data.len() as u64 == h.payload_len
        } else {
            h.payload_len <= MAX_INFLATED as u64
        };
        let mut frame = WsFrame {
            direction: self.direction,
            fin: h.fin,
            rsv: h.rsv,
            opcode: h.opcode,
            masked: h.masking_key.is_some(),
            masking_key: h.masking_key,
            payload_len: h.payload_len,
            len_field: h.len_field,
            header_len: h.header_len,
            offset: p.offset,
            raw_payload: super::RawPrefix::of(&p.raw),
            compressed: false,
            text: None,
            text_len: 0,
            close_code: None,
            close_reason: None,
            issues: h.issues().into(),
        };
        if !complete {
            frame.add_issue(WsAnomaly::PayloadOverCap { cap: MAX_INFLATED });
        }
        // The packets that carried it make its message's list, which only payloads need.
        let packets = if self.keep_messages {
            input.packets(p.offset, end)
        } else {
            OneOrMany::default()
        };
        let mut data = p.data;
        let message = self
            .assembler
            .on_frame(&mut frame, &mut data, packets, complete);
        out.push(AppEvent::WsFrame(frame));
        if let Some(m) = message {
            out.push(AppEvent::WsMessage(m));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_proto::input::DirInput;

    /// `bytes` given to a new stream, which is then returned.
    fn fed(bytes: &[u8]) -> WsStream {
        let mut ws = WsStream::new(Direction::ServerToClient, None, Payloads::All);
        let mut held = DirInput::default();
        let mut lent = bytes;
        ws.drive(&mut Input::new(&mut held, &mut lent), &mut Vec::new());
        ws
    }

    #[test]
    fn a_header_reserves_room_for_its_payload_up_to_a_bound() {
        // FIN + text with a 64-bit length of 2^24 - 1 bytes, none of which arrived.
        let long = fed(&[0x81, 127, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
        let p = long.partial.as_ref().unwrap();
        assert_eq!(p.header.payload_len, 0xff_ffff);
        assert_eq!(p.data.capacity(), DATA_ROOM);
        // Five bytes announced, two arrived: room for the five.
        let short = fed(&[0x81, 5, b'H', b'e']);
        let p = short.partial.as_ref().unwrap();
        assert_eq!(p.data, b"He");
        assert!((5..DATA_ROOM).contains(&p.data.capacity()));
    }
}
