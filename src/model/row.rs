//! The compact per-packet record the app's model keeps (Wireshark's `frame_data`): what the
//! packet list, ladder, sequence graph, steps and narration need, without the packet's bytes
//! (the model's byte store has those, see [`super::bytes`]) and with long WebSocket texts cut.
//!
//! A row is built from a full [`PacketRecord`] (off the UI thread when a file is loading), so
//! the Protocol and Info columns are exactly what `osiscope decode` prints.

use crate::app_proto::websocket::opcode;
use crate::app_proto::{HttpMessage, NoteKind, TlsRecord, WsAnomaly, WsFrame};
use crate::capture::LinkType;
use crate::decode::{IpSummary, Issue, Layer, Packet, Reassembled, TcpSegment};
use crate::flow::{Analysis, Direction, SegmentInfo, StateChange};

use super::PacketRecord;
use super::summary::quote;

/// Bytes of a WebSocket text the model keeps (cut at a character boundary); the full length
/// is in [`WsFrameRow::text_len`]. Every view quotes far less (the Info column 30 characters,
/// the narration 60); the details tree shows the kept text and says how much more there was.
pub const MODEL_TEXT_KEEP: usize = 256;

/// Payload bytes as sent (still masked) the model keeps per frame, for the unmasking table.
pub const MODEL_RAW_KEEP: usize = 16;

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

/// One WebSocket frame as the model keeps it: the header, the first payload bytes as sent and
/// the start of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsFrameRow {
    pub direction: Direction,
    pub fin: bool,
    /// RSV1..RSV3 as a 3-bit value, RSV1 the high bit.
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub masking_key: Option<[u8; 4]>,
    /// Real payload length (after the 16/64-bit extension).
    pub payload_len: u64,
    /// The 7-bit length field as sent.
    pub len_field: u8,
    /// Header length in bytes (2–14).
    pub header_len: u8,
    /// Stream offset of the frame's first byte.
    pub offset: u64,
    /// The first [`MODEL_RAW_KEEP`] payload bytes as sent (still masked).
    pub raw_payload: Box<[u8]>,
    pub compressed: bool,
    /// The first [`MODEL_TEXT_KEEP`] bytes of the frame's text (see [`WsFrame::text`]).
    pub text: Option<Box<str>>,
    /// Length of the whole text in bytes (0 without text).
    pub text_len: u64,
    pub close_code: Option<u16>,
    pub close_reason: Option<Box<str>>,
    /// RFC 6455 violations and the limits of what was kept.
    pub issues: Box<[WsAnomaly]>,
}

impl WsFrameRow {
    /// Bytes of the text that were not kept.
    pub fn text_cut(&self) -> u64 {
        let kept = self.text.as_deref().map_or(0, str::len);
        self.text_len.saturating_sub(kept as u64)
    }

    /// A short text for the payload: quoted text (cut at `max` characters, `max` well under
    /// [`MODEL_TEXT_KEEP`]) or a byte count. The same as `summary::ws_payload_text`.
    pub fn payload_text(&self, max: usize) -> String {
        match &self.text {
            Some(t) if self.opcode != opcode::CLOSE => quote(t, max),
            _ => format!("{} bytes", self.payload_len),
        }
    }
}

impl From<WsFrame> for WsFrameRow {
    fn from(f: WsFrame) -> Self {
        let text_len = f.text.as_ref().map_or(0, |t| t.len() as u64);
        let text = f.text.map(|mut t| {
            if t.len() > MODEL_TEXT_KEEP {
                let mut end = MODEL_TEXT_KEEP;
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                t.truncate(end);
            }
            t.into_boxed_str()
        });
        let raw = f
            .raw_payload
            .get(..MODEL_RAW_KEEP)
            .unwrap_or(&f.raw_payload);
        Self {
            direction: f.direction,
            fin: f.fin,
            rsv: f.rsv,
            opcode: f.opcode,
            masked: f.masked,
            masking_key: f.masking_key,
            payload_len: f.payload_len,
            len_field: f.len_field,
            header_len: f.header_len,
            offset: f.offset,
            raw_payload: raw.into(),
            compressed: f.compressed,
            text,
            text_len,
            close_code: f.close_code,
            close_reason: f.close_reason.map(String::into_boxed_str),
            issues: f.issues.into_boxed_slice(),
        }
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
    /// WebSocket frames whose last byte is in this packet.
    pub ws: Box<[WsFrameRow]>,
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
    /// views show frames), frames keep the first bytes of their payload and text.
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
            ws: ws.into_iter().map(WsFrameRow::from).collect(),
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
        f.text = Some(text.clone());
        f.raw_payload = vec![7; 100];
        let row = WsFrameRow::from(f);
        let kept = row.text.as_deref().unwrap();
        assert_eq!(kept.len(), MODEL_TEXT_KEEP - 1);
        assert!(text.starts_with(kept));
        assert_eq!(row.text_len, text.len() as u64);
        assert_eq!(row.text_cut(), (text.len() - kept.len()) as u64);
        assert_eq!(row.raw_payload.len(), MODEL_RAW_KEEP);
    }

    #[test]
    fn short_texts_are_kept_whole() {
        let row = WsFrameRow::from(masked_hello());
        assert_eq!(row.text.as_deref(), Some("Hello"));
        assert_eq!(row.text_cut(), 0);
        assert_eq!(row.payload_text(30), "'Hello'");
    }
}
