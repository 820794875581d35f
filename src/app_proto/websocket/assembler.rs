//! Turns complete frames into messages: the checks that depend on who sent a frame and on the
//! frames before it (RFC 6455 §5.1–§5.5, §7.4), defragmentation, UTF-8, close codes, and
//! permessage-deflate (RFC 7692).

use std::borrow::Cow;

use crate::decode::OneOrMany;
use crate::flow::Direction;

use super::deflate::{DeflateParams, Inflater, MAX_INFLATED};
use super::frame::FrameHeader;
use super::{PAYLOAD_KEEP, WsAnomaly, WsFrame, WsMessage, opcode};

/// Largest control-frame payload (RFC 6455 §5.5).
const MAX_CONTROL_PAYLOAD: u64 = 125;
/// RSV1: "compressed" under permessage-deflate (RFC 7692 §6).
const RSV1: u8 = 0b100;

/// A data message whose final fragment has not arrived yet.
#[derive(Debug)]
struct OpenMessage {
    opcode: u8,
    fragments: u32,
    compressed: bool,
    data: Vec<u8>,
    len: u64,
    /// Some of the payload was not kept (over the cap), so text and inflation are incomplete.
    truncated: bool,
    issues: Vec<WsAnomaly>,
    packets: OneOrMany<u64>,
}

impl OpenMessage {
    /// Add the packets that carried a fragment: the first fragment's are the list (no copy),
    /// later fragments add those not in it yet.
    fn add_packets(&mut self, packets: OneOrMany<u64>) {
        if self.packets.is_empty() {
            self.packets = packets;
            if let OneOrMany::Many(list) = &mut self.packets {
                keep_first_of_each(list);
            }
        } else {
            for &p in &packets {
                if !self.packets.contains(&p) {
                    self.packets.push(p);
                }
            }
        }
    }
}

/// What one direction keeps of its payloads (see `AppTracker::without_payloads`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Payloads {
    /// Raw prefixes, message bodies, every message.
    All,
    /// Nothing beyond what the checks need, but data messages as Engine.IO reads them (their
    /// text, a binary message's bytes, the packets that carried them), with no copies beyond.
    EngineIo,
    /// Nothing beyond what the checks need, and no messages.
    Checks,
}

/// One direction's message state.
#[derive(Debug)]
pub(crate) struct Assembler {
    direction: Direction,
    deflate: Option<Inflater>,
    open: Option<OpenMessage>,
    close_seen: bool,
    /// Which messages are reported and which bodies kept (see `AppTracker::without_payloads`).
    payloads: Payloads,
}

impl Assembler {
    pub fn new(direction: Direction, deflate: Option<DeflateParams>, payloads: Payloads) -> Self {
        let inflater = deflate.map(|p| {
            Inflater::new(match direction {
                Direction::ClientToServer => p.client_no_context_takeover,
                Direction::ServerToClient => p.server_no_context_takeover,
            })
        });
        Self {
            direction,
            deflate: inflater,
            open: None,
            close_seen: false,
            payloads,
        }
    }

    /// Whether data messages are reported.
    fn reports_messages(&self) -> bool {
        self.payloads != Payloads::Checks
    }

    /// Check a frame whose whole payload arrived (`payload`: unmasked, at most the cap;
    /// `packets`: those that carried the frame; `complete`: nothing was cut off), fill in its
    /// text, close code and issues, and return the message it completes, if any.
    ///
    /// Without payloads (see `AppTracker::without_payloads`), a text frame's valid payload is
    /// moved into its `text` (not copied): `payload` is then left empty; and a one-frame text
    /// message for Engine.IO has no `text` of its own: it is its frame's, the event before it
    /// (`EioSessions::feed` reads it there).
    pub fn on_frame(
        &mut self,
        frame: &mut WsFrame,
        payload: &mut Vec<u8>,
        packets: OneOrMany<u64>,
        complete: bool,
    ) -> Option<WsMessage> {
        self.sender_checks(frame);
        if self.close_seen {
            frame.add_issue(WsAnomaly::FrameAfterClose);
        }
        if opcode::is_control(frame.opcode) {
            self.control_frame(frame, payload);
            return (frame.opcode <= opcode::PONG && self.payloads == Payloads::All)
                .then(|| single_message(frame, payload, packets));
        }
        match frame.opcode {
            opcode::CONTINUATION => self.continuation(frame, payload, packets, complete),
            opcode::TEXT | opcode::BINARY => {
                if let Some(old) = self.open.take() {
                    frame.add_issue(WsAnomaly::UnfinishedMessage {
                        fragments: old.fragments,
                    });
                }
                let compressed = frame.rsv & RSV1 != 0 && self.deflate.is_some();
                frame.compressed = compressed;
                self.open = Some(OpenMessage {
                    opcode: frame.opcode,
                    fragments: 0,
                    compressed,
                    data: Vec::new(),
                    len: 0,
                    truncated: false,
                    issues: Vec::new(),
                    packets: OneOrMany::default(),
                });
                self.continuation(frame, payload, packets, complete)
            }
            _ => {
                frame.add_issue(WsAnomaly::ReservedOpcode {
                    opcode: frame.opcode,
                });
                None
            }
        }
    }

    /// Whether the payload of the frame with header `h` (the next frame) is needed at all:
    /// without payloads, an uncompressed binary message's bytes are never looked at.
    pub fn needs_payload(&self, h: &FrameHeader) -> bool {
        if self.reports_messages() {
            return true;
        }
        let plain_binary = match h.opcode {
            opcode::BINARY => h.rsv & RSV1 == 0 || self.deflate.is_none(),
            opcode::CONTINUATION => self
                .open
                .as_ref()
                .is_some_and(|m| m.opcode == opcode::BINARY && !m.compressed),
            _ => false,
        };
        !plain_binary
    }

    fn sender_checks(&self, frame: &mut WsFrame) {
        match (self.direction, frame.masked) {
            (Direction::ClientToServer, false) => {
                frame.add_issue(WsAnomaly::UnmaskedClientFrame);
            }
            (Direction::ServerToClient, true) => {
                frame.add_issue(WsAnomaly::MaskedServerFrame);
            }
            _ => {}
        }
        let allowed = if self.deflate.is_some()
            && frame.opcode != opcode::CONTINUATION
            && !opcode::is_control(frame.opcode)
        {
            RSV1
        } else {
            0
        };
        if frame.rsv & !allowed != 0 {
            frame.add_issue(WsAnomaly::ReservedBits {
                bits: frame.rsv & !allowed,
            });
        }
    }

    fn control_frame(&mut self, frame: &mut WsFrame, payload: &[u8]) {
        if !frame.fin {
            frame.add_issue(WsAnomaly::FragmentedControlFrame);
        }
        if frame.payload_len > MAX_CONTROL_PAYLOAD {
            frame.add_issue(WsAnomaly::ControlPayloadTooLong {
                payload_len: frame.payload_len,
            });
        }
        if frame.opcode == opcode::CLOSE {
            self.close_seen = true;
            close_payload(frame, payload);
        } else if frame.opcode > opcode::PONG {
            frame.add_issue(WsAnomaly::ReservedOpcode {
                opcode: frame.opcode,
            });
        }
    }

    fn continuation(
        &mut self,
        frame: &mut WsFrame,
        payload: &mut Vec<u8>,
        packets: OneOrMany<u64>,
        complete: bool,
    ) -> Option<WsMessage> {
        let Some(msg) = self.open.as_mut() else {
            frame.add_issue(WsAnomaly::ContinuationWithoutMessage);
            return None;
        };
        msg.fragments += 1;
        // The message's packets are only reported with the message.
        if self.payloads != Payloads::Checks {
            msg.add_packets(packets);
        }
        // Without payloads, valid text moves from the payload into the frame's text.
        let moved_text = self.payloads != Payloads::All
            && !msg.compressed
            && msg.opcode == opcode::TEXT
            && complete;
        if moved_text {
            match String::from_utf8(std::mem::take(payload)) {
                Ok(text) => frame.set_text(Some(text)),
                Err(e) => *payload = e.into_bytes(),
            }
        }
        // This fragment's own contribution, inflated when the message is compressed.
        let (own, own_complete) = if msg.compressed {
            let (inflated, ok) = self.inflate(frame, payload, complete);
            (Cow::Owned(inflated), ok)
        } else if let Some(text) = frame.text.as_ref().filter(|_| moved_text) {
            (Cow::Borrowed(text.as_bytes()), complete)
        } else {
            (Cow::Borrowed(payload.as_slice()), complete)
        };
        let msg = self.open.as_mut()?;
        let wants_text = !moved_text && msg.opcode == opcode::TEXT && own_complete;
        let room = MAX_INFLATED.saturating_sub(msg.data.len());
        msg.truncated |= !own_complete || own.len() > room;
        // Without payloads, a one-frame message needs no body: its text check is the frame's
        // (but Engine.IO reads a binary message's bytes).
        let needs_body = !(self.payloads != Payloads::All
            && frame.fin
            && msg.fragments == 1
            && !(self.payloads == Payloads::EngineIo && msg.opcode == opcode::BINARY));
        if needs_body {
            msg.data
                .extend_from_slice(own.get(..own.len().min(room)).unwrap_or_default());
        }
        msg.len += if msg.compressed {
            own.len() as u64
        } else {
            frame.payload_len
        };
        // An inflated text nobody else needs becomes the frame's text without a copy.
        let own_text = wants_text.then(|| match own {
            Cow::Owned(inflated) if !needs_body => String::from_utf8(inflated).ok(),
            own => std::str::from_utf8(&own).ok().map(str::to_owned),
        });
        if let Some(text) = own_text {
            frame.set_text(text);
        }
        if !frame.fin {
            return None;
        }
        let msg = self.open.take()?;
        let checked = msg.opcode == opcode::TEXT && !msg.truncated;
        // A one-frame message is this frame's own text, already checked.
        let valid = !checked
            || if msg.fragments == 1 {
                frame.text.is_some()
            } else {
                std::str::from_utf8(&msg.data).is_ok()
            };
        let mut issues = msg.issues;
        if !valid {
            frame.add_issue(WsAnomaly::InvalidUtf8Text);
            issues.push(WsAnomaly::InvalidUtf8Text);
        }
        if !self.reports_messages() {
            return None;
        }
        let text =
            if !checked || !valid || self.payloads == Payloads::EngineIo && msg.fragments == 1 {
                // Engine.IO reads a one-frame message's text from its frame (`EioSessions::feed`).
                None
            } else if msg.fragments == 1 {
                frame.text.as_deref().map(str::to_owned)
            } else {
                String::from_utf8(msg.data.clone()).ok()
            };
        let mut data = msg.data;
        data.truncate(PAYLOAD_KEEP);
        Some(WsMessage {
            direction: self.direction,
            opcode: msg.opcode,
            fragments: msg.fragments,
            payload_len: msg.len,
            compressed: msg.compressed,
            data,
            text,
            issues,
            packets: msg.packets,
        })
    }

    fn inflate(&mut self, frame: &mut WsFrame, payload: &[u8], complete: bool) -> (Vec<u8>, bool) {
        let kept = self.open.as_ref().map_or(0, |m| m.data.len());
        let Some(inflater) = self.deflate.as_mut() else {
            return (Vec::new(), false);
        };
        if !complete {
            frame.add_issue(WsAnomaly::CompressedOverCap { cap: MAX_INFLATED });
            return (Vec::new(), false);
        }
        // Without payloads, a one-frame binary message's inflated bytes are only counted.
        let keep = !(self.payloads == Payloads::Checks
            && frame.fin
            && self
                .open
                .as_ref()
                .is_some_and(|m| m.opcode == opcode::BINARY && m.fragments == 1));
        let out = inflater.inflate(payload, frame.fin, kept, keep);
        let ok = out.issue.is_none();
        if let Some(issue) = out.issue {
            frame.add_issue(issue.clone());
            if let Some(m) = self.open.as_mut() {
                m.issues.push(issue);
            }
        }
        (out.data, ok)
    }
}

/// Keep each packet number's first place only, in order (what pushing them one by one, each
/// when not already there, gives).
fn keep_first_of_each(packets: &mut Vec<u64>) {
    let mut unique = 0;
    for i in 0..packets.len() {
        let Some(&p) = packets.get(i) else { break };
        if !packets.get(..unique).unwrap_or_default().contains(&p) {
            packets.swap(unique, i);
            unique += 1;
        }
    }
    packets.truncate(unique);
}

/// A control frame is a message on its own.
fn single_message(frame: &WsFrame, payload: &[u8], packets: OneOrMany<u64>) -> WsMessage {
    WsMessage {
        direction: frame.direction,
        opcode: frame.opcode,
        fragments: 1,
        payload_len: frame.payload_len,
        compressed: false,
        data: payload
            .get(..payload.len().min(PAYLOAD_KEEP))
            .unwrap_or_default()
            .to_vec(),
        text: None,
        issues: frame.issues.to_vec(),
        packets,
    }
}

/// Close code and reason (RFC 6455 §5.5.1, §7.4).
fn close_payload(frame: &mut WsFrame, payload: &[u8]) {
    match payload {
        [] => {}
        [_] => frame.add_issue(WsAnomaly::CloseCodeTruncated),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            frame.close_code = Some(code);
            if !valid_close_code(code) {
                frame.add_issue(WsAnomaly::CloseCodeNotSendable { code });
            }
            match std::str::from_utf8(reason) {
                Ok(r) => frame.close_reason = (!r.is_empty()).then(|| r.into()),
                Err(_) => frame.add_issue(WsAnomaly::CloseReasonInvalidUtf8),
            }
        }
    }
}

/// Codes an endpoint may send (RFC 6455 §7.4.1, IANA registry; 3000–4999 for libraries/apps).
pub fn valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[cfg(test)]
mod tests {
    use super::keep_first_of_each;

    #[test]
    fn a_message_lists_each_packet_once_in_the_order_first_seen() {
        for (packets, expected) in [
            (vec![], vec![]),
            (vec![7], vec![7]),
            (vec![3, 4, 5], vec![3, 4, 5]),
            (vec![5, 3, 5, 4, 3, 6], vec![5, 3, 4, 6]),
            (vec![2, 2, 2], vec![2]),
        ] {
            let mut v = packets.clone();
            keep_first_of_each(&mut v);
            assert_eq!(v, expected, "{packets:?}");
        }
    }
}
