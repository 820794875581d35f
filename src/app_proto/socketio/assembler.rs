//! Binary events and acks joined with their attachments: a `BINARY_EVENT`/`BINARY_ACK` with
//! `<n>-` is complete only when the next `n` binary Engine.IO messages (binary WebSocket
//! frames, or `b…` packets when polling) of the same direction have arrived.

use super::{SioPacket, SocketIoAnomaly};

/// What a step of joining gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Completed {
    /// A packet now complete, with the lengths of its attachments (empty when it has none).
    Packet(SioPacket, Vec<u64>),
    Anomaly(SocketIoAnomaly),
}

/// One direction's binary packet waiting for its attachments.
#[derive(Clone, Debug, Default)]
pub struct Attachments {
    waiting: Option<(SioPacket, Vec<u64>)>,
}

impl Attachments {
    /// A packet decoded from a text message: complete at once, or waiting for its
    /// attachments. A packet still waiting is given up first (its attachments never came).
    pub fn on_packet(&mut self, packet: SioPacket, out: &mut Vec<Completed>) {
        if let Some(missing) = self.finish() {
            out.push(missing);
        }
        if packet.attachments > 0 {
            self.waiting = Some((packet, Vec::new()));
        } else {
            out.push(Completed::Packet(packet, Vec::new()));
        }
    }

    /// A binary message of `len` bytes: the next attachment (`None` while more are awaited),
    /// or an anomaly when nothing waits for it.
    pub fn on_binary(&mut self, len: u64) -> Option<Completed> {
        let Some((packet, lens)) = &mut self.waiting else {
            return Some(Completed::Anomaly(SocketIoAnomaly::UnexpectedAttachment));
        };
        lens.push(len);
        if lens.len() < packet.attachments as usize {
            return None;
        }
        self.waiting
            .take()
            .map(|(packet, lens)| Completed::Packet(packet, lens))
    }

    /// Whether a binary packet is waiting for attachments.
    pub fn is_waiting(&self) -> bool {
        self.waiting.is_some()
    }

    /// Nothing more will come (a text packet, the end of the session): a packet still waiting
    /// is reported as missing attachments.
    pub fn finish(&mut self) -> Option<Completed> {
        let (packet, lens) = self.waiting.take()?;
        Some(Completed::Anomaly(SocketIoAnomaly::MissingAttachments {
            kind: packet.kind.name(),
            expected: packet.attachments,
            got: lens.len() as u32,
        }))
    }
}
