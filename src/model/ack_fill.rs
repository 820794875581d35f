//! `ack_frame` on a Socket.IO event (DESIGN.md's JSON): the frame of the ACK that answers it,
//! which comes later in the capture. A streaming writer passes its records through an
//! [`AckFill`]: from the first event that asks for an ack, records wait here until every
//! waiting event is answered (its `ack_frame` filled in), then leave in their order. Memory
//! stays bounded: past [`MAX_HELD`] records or [`MAX_HELD_TEXT_BYTES`] of WebSocket text, the
//! oldest leave without waiting (an event that is never answered keeps no `ack_frame`).

use std::collections::VecDeque;

use crate::app_proto::engineio::{AckPair, IoEvent, SioRecord};

use super::PacketRecord;

/// Records held at most while events wait for their ACK.
pub const MAX_HELD: usize = 4096;
/// WebSocket text bytes held at most while events wait for their ACK.
pub const MAX_HELD_TEXT_BYTES: usize = 16 << 20;

/// Records on their way out, held while an event in them waits for its ACK.
#[derive(Debug, Default)]
pub struct AckFill {
    held: VecDeque<PacketRecord>,
    /// Events in `held` that asked for an ack and have no `ack_frame` yet.
    waiting: usize,
    /// WebSocket text bytes in `held`.
    text_bytes: usize,
}

impl AckFill {
    /// Take the next record (in file order): the ACKs it completes fill in the `ack_frame` of
    /// their held events.
    pub fn push(&mut self, record: PacketRecord) {
        for event in &record.io {
            if let IoEvent::AckPair(pair) = event {
                self.fill(pair);
            }
        }
        self.waiting += record.io.iter().filter(|e| asks(e)).count();
        self.text_bytes += text_bytes(&record);
        self.held.push_back(record);
    }

    /// Whether a record with the Engine.IO and Socket.IO events `io` would leave as soon as it
    /// came: nothing is held and none of them asks for an ack. A writer then need not make a
    /// record of it (see `json::JsonPacket`).
    pub fn passes<'a>(&self, mut io: impl Iterator<Item = &'a IoEvent>) -> bool {
        self.held.is_empty() && !io.any(asks)
    }

    /// The next record that may leave: all of them when no event waits, else only the oldest
    /// when too many are held.
    pub fn pop_ready(&mut self) -> Option<PacketRecord> {
        let full = self.held.len() > MAX_HELD || self.text_bytes > MAX_HELD_TEXT_BYTES;
        if self.waiting == 0 || full {
            return self.pop_any();
        }
        None
    }

    /// The oldest record, whether or not its events were answered (at the end of the input).
    pub fn pop_any(&mut self) -> Option<PacketRecord> {
        let record = self.held.pop_front()?;
        self.waiting -= record.io.iter().filter(|e| asks(e)).count();
        self.text_bytes -= text_bytes(&record);
        Some(record)
    }

    /// Fill in the event `pair` answers, if it is still held.
    fn fill(&mut self, pair: &AckPair) {
        let Ok(at) = self
            .held
            .binary_search_by_key(&pair.event_frame, |r| r.packet.number)
        else {
            return;
        };
        let Some(record) = self.held.get_mut(at) else {
            return;
        };
        let event = record.io.iter_mut().find_map(|e| match e {
            IoEvent::SocketIo(r) if answered_by(r, pair) => Some(r),
            _ => None,
        });
        if let Some(event) = event {
            event.ack_frame = Some(pair.ack_frame);
            self.waiting -= 1;
        }
    }
}

/// An event that asked for an ack and has no `ack_frame` yet.
fn asks(e: &IoEvent) -> bool {
    matches!(e, IoEvent::SocketIo(r) if r.packet.kind.is_event() && r.packet.id.is_some() && r.ack_frame.is_none())
}

fn answered_by(r: &SioRecord, pair: &AckPair) -> bool {
    r.packet.kind.is_event()
        && r.ack_frame.is_none()
        && r.packet.id == Some(pair.id)
        && r.packet.nsp == pair.nsp
        && r.direction == pair.event_direction
        && r.eio_sid == pair.eio_sid
}

fn text_bytes(record: &PacketRecord) -> usize {
    record
        .ws
        .iter()
        .map(|f| f.text.as_deref().map_or(0, str::len))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app_proto::engineio::Transport;
    use crate::app_proto::socketio::{SioVersion, decode_packet};
    use crate::capture::{Frame, LinkType};
    use crate::flow::Direction;

    fn record(number: u64, io: Vec<IoEvent>) -> PacketRecord {
        let packet = crate::decode::decode(&Frame {
            number,
            ts_ns: 0,
            orig_len: 0,
            link: LinkType::Ethernet,
            interface: 0,
            data: Vec::new(),
        });
        PacketRecord {
            packet,
            seg: None,
            http: Vec::new(),
            ws: Vec::new(),
            messages: Vec::new(),
            notes: Vec::new(),
            io,
            tls: Vec::new(),
            protocol: "",
            info: String::new(),
            step: None,
        }
    }

    fn sio(text: &str, direction: Direction, frame: u64, ack_frame: Option<u64>) -> IoEvent {
        IoEvent::SocketIo(SioRecord {
            direction,
            eio_sid: Some("s".into()),
            transport: Transport::WebSocket,
            packet: decode_packet(text, SioVersion::V5).unwrap(),
            attachment_lens: Vec::new(),
            ack_frame,
            frame,
        })
    }

    fn pair(event_frame: u64, ack_frame: u64) -> IoEvent {
        IoEvent::AckPair(AckPair {
            eio_sid: Some("s".into()),
            nsp: "/".into(),
            id: 0,
            event_direction: Direction::ClientToServer,
            event_frame,
            ack_frame,
        })
    }

    fn event_ack(r: &PacketRecord) -> Option<u64> {
        r.io.iter().find_map(|e| match e {
            IoEvent::SocketIo(s) if s.packet.kind.is_event() => s.ack_frame,
            _ => None,
        })
    }

    #[test]
    fn an_event_waits_for_its_ack_and_everything_leaves_in_order() {
        let mut fill = AckFill::default();
        fill.push(record(1, vec![]));
        assert_eq!(fill.pop_ready().unwrap().packet.number, 1);
        fill.push(record(
            2,
            vec![sio(
                r#"20["chat","hi"]"#,
                Direction::ClientToServer,
                2,
                None,
            )],
        ));
        fill.push(record(3, vec![]));
        assert!(fill.pop_ready().is_none(), "the event waits for its ack");
        fill.push(record(
            4,
            vec![
                sio(r#"30[{"ok":true}]"#, Direction::ServerToClient, 4, Some(2)),
                pair(2, 4),
            ],
        ));
        let out: Vec<_> = std::iter::from_fn(|| fill.pop_ready()).collect();
        assert_eq!(
            out.iter().map(|r| r.packet.number).collect::<Vec<_>>(),
            [2, 3, 4]
        );
        assert_eq!(event_ack(&out[0]), Some(4));
        assert!(fill.pop_any().is_none());
    }

    #[test]
    fn a_record_passes_only_when_nothing_is_held_and_it_asks_for_no_ack() {
        let mut fill = AckFill::default();
        let asks = vec![sio(
            r#"20["chat","hi"]"#,
            Direction::ClientToServer,
            2,
            None,
        )];
        let answered = vec![sio(
            r#"20["chat","hi"]"#,
            Direction::ClientToServer,
            2,
            Some(4),
        )];
        let plain = vec![sio(r#"2["chat","hi"]"#, Direction::ClientToServer, 2, None)];
        assert!(fill.passes(plain.iter()));
        assert!(fill.passes(answered.iter()));
        assert!(fill.passes([pair(1, 3)].iter()));
        assert!(!fill.passes(asks.iter()));
        // What `passes` promises: pushed, it would have left at once.
        for io in [plain.clone(), answered] {
            fill.push(record(1, io));
            assert!(fill.pop_ready().is_some());
            assert!(fill.pop_ready().is_none());
        }
        fill.push(record(2, asks));
        assert!(fill.pop_ready().is_none());
        assert!(!fill.passes(plain.iter()), "a record is held");
        fill.pop_any();
        assert!(fill.passes(plain.iter()));
    }

    #[test]
    fn an_event_never_answered_leaves_at_the_end_or_when_too_many_wait() {
        let mut fill = AckFill::default();
        fill.push(record(
            1,
            vec![sio(r#"25["chat"]"#, Direction::ClientToServer, 1, None)],
        ));
        for n in 2..=(MAX_HELD as u64) {
            fill.push(record(n, vec![]));
            assert!(fill.pop_ready().is_none());
        }
        fill.push(record(MAX_HELD as u64 + 1, vec![]));
        let first = fill.pop_ready().unwrap();
        assert_eq!((first.packet.number, event_ack(&first)), (1, None));
        // Nothing waits any more: the rest leave.
        assert_eq!(std::iter::from_fn(|| fill.pop_ready()).count(), MAX_HELD);
        // An ACK for an event that already left changes nothing.
        fill.push(record(MAX_HELD as u64 + 2, vec![pair(1, 9)]));
        assert_eq!(fill.pop_ready().unwrap().packet.number, MAX_HELD as u64 + 2);
    }
}
