//! The compact per-packet record the app's model keeps (Wireshark's `frame_data`): what the
//! packet list, ladder, sequence graph, steps and narration need, without the packet's bytes
//! (the model's byte store has those, see [`super::bytes`]) and with long WebSocket texts cut.
//!
//! A row is built from a full [`PacketRecord`] (off the UI thread when a file is loading), so
//! the Protocol and Info columns are exactly what `osiscope decode` prints.

use crate::app_proto::{HttpMessage, NoteKind, TlsRecord, WsFrame};
use crate::capture::LinkType;
use crate::decode::{IpSummary, Issue, Layer, Packet, Reassembled, TcpSegment};
use crate::flow::{Analysis, Direction, SegmentInfo, StateChange};

use super::PacketRecord;

/// Bytes of a WebSocket text the model keeps (cut at a character boundary); the full length
/// is in [`WsFrame::text_len`]. Every view quotes far less (the Info column 30 characters,
/// the narration 60); the details tree shows the kept text and says how much more there was.
pub const MODEL_TEXT_KEEP: usize = 256;

/// A decoded packet without its bytes: the facts of [`Packet`] the views read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacketHead {
    /// 1-based packet number.
    pub number: u64,
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Original (on-the-wire) length.
    pub len: u32,
    /// Captured length (the bytes the byte store holds for this packet).
    pub caplen: u32,
    pub link: LinkType,
    pub interface: u32,
    /// Headers in order, outermost first, each with its byte range in the packet's bytes.
    pub layers: Box<[Layer]>,
    pub ip: Option<IpSummary>,
    pub tcp: Option<TcpSegment>,
    pub issues: Box<[Issue]>,
    /// The IP datagram the packet completed (its fragments' bytes are in other packets).
    pub reassembled: Option<Box<Reassembled>>,
}

impl PacketHead {
    /// The head of `packet` and its bytes.
    pub fn split(packet: Packet) -> (Self, Vec<u8>) {
        let Packet {
            number,
            ts_ns,
            len,
            link,
            interface,
            data,
            caplen,
            layers,
            ip,
            tcp,
            issues,
            reassembled,
        } = packet;
        let head = Self {
            number,
            ts_ns,
            len,
            caplen,
            link,
            interface,
            layers: layers.into_boxed_slice(),
            ip,
            tcp,
            issues: issues.into_boxed_slice(),
            reassembled,
        };
        (head, data)
    }

    /// Whether `packet` (decoded again from bytes read back) is the packet this head was made
    /// from: a cheap check that the bytes are still the same.
    pub fn describes(&self, packet: &Packet) -> bool {
        self.len == packet.len
            && self.caplen == packet.caplen()
            && *self.layers == *packet.layers
            && self.ip == packet.ip
            && self.tcp == packet.tcp
            && *self.issues == *packet.issues
            && self.reassembled == packet.reassembled
    }
}

/// What the flow tracker learned from one TCP packet ([`SegmentInfo`] without the stream
/// bytes, which the application parsers used up).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowFacts {
    /// 0-based connection index (`tcp.stream`).
    pub stream: u32,
    pub direction: Direction,
    /// Sequence number relative to the sender's ISN.
    pub rel_seq: u32,
    /// Acknowledgement number relative to the receiver's ISN; 0 when ACK is not set.
    pub rel_ack: u32,
    /// Relative sequence number after this segment, counting SYN and FIN.
    pub next_rel_seq: u32,
    /// The window in bytes, scaled by the negotiated shift when it is known.
    pub window_scaled: u64,
    /// The shift that was applied.
    pub window_shift: Option<u8>,
    pub analysis: Box<[Analysis]>,
    pub state_changes: Box<[StateChange]>,
    /// Time since the connection's first packet, ns.
    pub rel_time_ns: i64,
}

impl From<SegmentInfo> for FlowFacts {
    fn from(s: SegmentInfo) -> Self {
        Self {
            stream: s.stream,
            direction: s.direction,
            rel_seq: s.rel_seq,
            rel_ack: s.rel_ack,
            next_rel_seq: s.next_rel_seq,
            window_scaled: s.window_scaled,
            window_shift: s.window_shift,
            analysis: s.analysis.into_boxed_slice(),
            state_changes: s.state_changes.into_boxed_slice(),
            rel_time_ns: s.rel_time_ns,
        }
    }
}

/// One packet as the app's model keeps it. Lists are boxed slices: most are empty, and a
/// boxed slice holds no spare capacity.
#[derive(Clone, Debug)]
pub struct PacketRow {
    pub packet: PacketHead,
    pub seg: Option<FlowFacts>,
    /// HTTP messages whose last byte is in this packet.
    pub http: Box<[HttpMessage]>,
    /// WebSocket frames whose last byte is in this packet, their texts cut at
    /// [`MODEL_TEXT_KEEP`].
    pub ws: Box<[WsFrame]>,
    /// Other remarks of the application parsers.
    pub notes: Box<[NoteKind]>,
    /// Protocol column.
    pub protocol: &'static str,
    /// Info column.
    pub info: Box<str>,
    /// Index into `Model::steps` of this packet's teaching step, if it has one.
    pub step: Option<usize>,
    /// Engine.IO and Socket.IO packets completed here (sessions named by sid, acks paired
    /// with the frame of their event).
    pub io: Box<[crate::app_proto::engineio::IoEvent]>,
    /// TLS records whose last byte is in this packet.
    pub tls: Box<[TlsRecord]>,
}

impl PacketRow {
    /// The row of `record`, and the packet's bytes. Whole WebSocket messages are dropped (the
    /// views show frames), frames keep the first bytes of their text.
    pub fn from_record(record: PacketRecord) -> (Self, Vec<u8>) {
        let PacketRecord {
            packet,
            seg,
            http,
            ws,
            messages: _,
            notes,
            io,
            tls,
            protocol,
            info,
            step,
        } = record;
        let (head, data) = PacketHead::split(packet);
        let row = Self {
            packet: head,
            seg: seg.map(FlowFacts::from),
            http: http.into_boxed_slice(),
            ws: ws
                .into_iter()
                .map(|mut frame| {
                    frame.cut_text(MODEL_TEXT_KEEP);
                    frame
                })
                .collect(),
            notes: notes.into_boxed_slice(),
            io: io.into_boxed_slice(),
            tls: tls.into_boxed_slice(),
            protocol,
            info: info.into_boxed_str(),
            step,
        };
        (row, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::wsbits::tests::masked_hello;

    #[test]
    fn long_texts_are_cut_at_a_character_boundary_and_keep_their_length() {
        let mut f = masked_hello();
        // 'é' is two bytes: the cut falls inside one.
        let text = format!("a{}", "é".repeat(MODEL_TEXT_KEEP));
        f.set_text(Some(text.clone()));
        f.cut_text(MODEL_TEXT_KEEP);
        let kept = f.text.as_deref().unwrap();
        assert_eq!(kept.len(), MODEL_TEXT_KEEP - 1);
        assert!(text.starts_with(kept));
        assert_eq!(f.text_len, text.len() as u64);
        assert_eq!(f.text_cut(), (text.len() - kept.len()) as u64);
    }

    #[test]
    fn short_texts_are_kept_whole() {
        let mut f = masked_hello();
        f.cut_text(MODEL_TEXT_KEEP);
        assert_eq!(f.text.as_deref(), Some("Hello"));
        assert_eq!(f.text_cut(), 0);
        assert_eq!(crate::model::summary::ws_payload_text(&f, 30), "'Hello'");
    }
}
