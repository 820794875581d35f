//! The read model the UI renders: packet rows, connections, and the timeline of teaching steps
//! (SYN, SYN-ACK, ACK, Upgrade request, 101, WebSocket frames, FIN, RST…) with their packets.

/// The [`summary::Facts`] of a [`PacketRecord`] ([`PacketRow::facts`] makes a row's).
macro_rules! facts_of {
    ($packet:expr) => {
        $crate::model::summary::Facts {
            layers: &$packet.packet.layers,
            ip: $packet.packet.ip,
            tcp: $packet
                .packet
                .tcp
                .as_ref()
                .map($crate::model::packet::TcpFacts::of),
            options: $packet.packet.tcp.as_ref().map(|t| &t.options),
            seg: $packet.seg.as_ref().map($crate::model::seg::Seg::of),
            http: &$packet.http,
            ws: &$packet.ws,
            io: &$packet.io,
            tls: &$packet.tls,
        }
    };
}

pub mod ack_fill;
pub mod broadcast;
pub mod bytes;
pub mod chunked;
pub mod compare;
pub mod details;
pub mod io_label;
pub mod io_summary;
pub mod json;
pub mod lanes;
pub mod loss;
pub mod packet;
pub mod row;
pub mod seg;
pub mod step;
pub mod summary;
pub mod timefmt;

use crate::app_proto::{AppEvent, WsMessage};
use crate::capture::{CaptureError, Frame};
use crate::decode;
use crate::engine::PacketOutput;
use crate::flow::SegmentInfo;
use step::StreamStory;

pub use crate::decode::RareList;
pub use ack_fill::AckFill;
pub use bytes::{ByteError, ByteStore, FrameBytes};
pub use chunked::Chunked;
pub use details::{AppItem, AppSection, PacketDetails, app_sections};
pub use lanes::{AckTie, GroupKind, Lane, LaneGroup};
pub use loss::{LossMark, ResendKind, Sent};
pub use packet::{RowPacket, Shape, TcpFacts};
pub use row::{MODEL_TEXT_KEEP, PacketRow, WsFrames};
pub use seg::Seg;
pub use step::{Phase, Step, StepKind};

// The words of the stages before the model that the UI uses: the UI imports the model only.
pub use crate::app_proto::engineio::{EioRecord, IoEvent, SioRecord};
pub use crate::app_proto::tls::{content_type as tls_content_type, handshake_type, version_name};
pub use crate::app_proto::websocket::{RAW_PAYLOAD_KEEP, opcode};
pub use crate::app_proto::{
    HttpKind, HttpMessage, NoteKind, TlsAnomaly, TlsRecord, WsAnomaly, WsFrame,
};
pub use crate::decode::{FieldNode, Issue, Layer, LayerDetail, Packet, Proto, flags};
pub use crate::flow::{Analysis, AnalysisSet, Connection, Direction, Peer, StateChange, TcpState};

/// One decoded packet with everything the engine found in it (what `osiscope decode` prints);
/// the app's model keeps a compact [`PacketRow`] instead.
#[derive(Clone, Debug)]
pub struct PacketRecord {
    pub packet: Packet,
    /// Flow facts.
    pub seg: Option<SegmentInfo>,
    /// HTTP messages whose last byte is in this packet.
    pub http: Vec<HttpMessage>,
    /// WebSocket frames whose last byte is in this packet.
    pub ws: Vec<WsFrame>,
    /// WebSocket messages completed by this packet.
    pub messages: Vec<WsMessage>,
    /// Other remarks of the application parsers.
    pub notes: Vec<NoteKind>,
    /// Engine.IO and Socket.IO packets completed by this packet, acks paired, violations.
    pub io: Vec<IoEvent>,
    /// TLS records whose last byte is in this packet.
    pub tls: Vec<TlsRecord>,
    /// Protocol column: the highest protocol in the packet ("TCP", "HTTP", "WebSocket"…).
    pub protocol: &'static str,
    /// Info column, like Wireshark's but WebSocket-aware.
    pub info: String,
    /// Index into `Model::steps` of this packet's teaching step, if it has one.
    pub step: Option<usize>,
}

/// Everything the UI renders.
#[derive(Debug, Default)]
pub struct Model {
    /// One compact row per packet. Add packets with [`Model::push`] or [`Model::push_incoming`]
    /// (or [`Model::push_row`]), which keep the byte store in step.
    pub packets: Chunked<PacketRow>,
    /// Connections, by `tcp.stream` index, kept up to date as packets arrive.
    pub connections: Vec<Connection>,
    /// The teaching timeline, in packet order (in chunks, like the packets: a step is added in
    /// the UI frame that adds its packet, and a `Vec` that doubles copies all the steps so far
    /// into fresh memory in that frame).
    pub steps: Chunked<Step>,
    /// Errors that ended reading (a truncated file…), shown to the user with their fix;
    /// packets before stay.
    pub errors: Vec<CaptureError>,
    stories: Vec<StreamStory>,
    /// Per connection: its packets and its steps (indices), so that showing one connection
    /// never scans the others.
    stream_packets: Vec<Vec<u32>>,
    stream_steps: Vec<Vec<u32>>,
    /// The packets' bytes, in memory or in the capture file.
    bytes: ByteStore,
    /// What each resend copies and each duplicate ACK repeats.
    loss: loss::LossTracker,
    /// Server events that went to several Engine.IO sessions at once (`io.emit`).
    broadcasts: broadcast::Broadcasts,
    /// One copy of each [`Shape`] (link, layers with their byte ranges, IP header facts): most
    /// packets of a capture share a handful of them.
    shapes: packet::Shapes,
    /// The Engine.IO session each connection carried (for the ladder's lanes).
    sessions: lanes::Sessions,
}

/// One processed packet on its way into a [`Model`]: its row, where its bytes are, and its
/// connection as the flow tracker saw it after the packet. Built where the pipeline runs (off
/// the UI thread when a file loads), so that adding it to the model is cheap.
#[derive(Clone, Debug)]
pub struct Incoming {
    pub row: PacketRow,
    pub bytes: FrameBytes,
    pub connection: Option<Connection>,
}

impl Incoming {
    /// The row of `output`. With `file_offset` (where the frame's bytes are in the capture
    /// file the model reads from), the bytes are left in the file; without, they are kept.
    pub fn new(
        mut output: PacketOutput,
        connection: Option<Connection>,
        file_offset: Option<u64>,
    ) -> Self {
        let data = std::mem::take(&mut output.data);
        let row = PacketRow::from_record(PacketRecord::without_info(output));
        let bytes = match file_offset {
            Some(offset) => FrameBytes::in_file(offset, &data),
            None => FrameBytes::Kept(data),
        };
        Self {
            row,
            bytes,
            connection,
        }
    }
}

impl PacketRecord {
    /// A record for one processed packet, with its Protocol and Info columns filled in.
    pub fn from_output(output: PacketOutput) -> Self {
        let mut record = Self::without_info(output);
        record.info = summary::info(&record.facts());
        record
    }

    /// What its Protocol and Info columns are made from.
    pub fn facts(&self) -> summary::Facts<'_> {
        facts_of!(self)
    }

    /// A record of `packet` and `seg` alone: nothing found above TCP, no columns, no step.
    pub fn bare(packet: Packet, seg: Option<SegmentInfo>) -> Self {
        Self {
            packet,
            seg,
            http: Vec::new(),
            ws: Vec::new(),
            messages: Vec::new(),
            notes: Vec::new(),
            io: Vec::new(),
            tls: Vec::new(),
            protocol: "",
            info: String::new(),
            step: None,
        }
    }

    /// As [`PacketRecord::from_output`], but the Info column is left empty: for output that
    /// does not show it (`decode --format json`), where formatting it for every packet costs.
    pub fn without_info(output: PacketOutput) -> Self {
        let PacketOutput {
            packet,
            data: _,
            seg,
            events,
        } = output;
        let mut record = Self::bare(packet, seg);
        for event in events {
            match event {
                AppEvent::Http(m) => record.http.push(*m),
                AppEvent::WsFrame(f) => record.ws.push(f),
                AppEvent::WsMessage(m) => record.messages.push(m),
                AppEvent::Note(n) => record.notes.push(n.kind),
                AppEvent::Io(e) => record.io.push(e),
                AppEvent::Tls(r) => record.tls.push(r),
            }
        }
        record.protocol = summary::protocol(&record.facts());
        record
    }
}

impl Model {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty model whose packets' bytes are read back from the capture file at `path`
    /// (packets added with [`FrameBytes::InFile`]).
    pub fn reading_from(path: &std::path::Path) -> std::io::Result<Self> {
        Ok(Self {
            bytes: ByteStore::with_file(path)?,
            ..Self::default()
        })
    }

    /// Add one processed packet, keeping its bytes in memory. `connection` is the flow
    /// tracker's view of its connection after the packet.
    pub fn push(&mut self, output: PacketOutput, connection: Option<&Connection>) {
        self.push_incoming(Incoming::new(output, connection.cloned(), None));
    }

    /// Add one packet: its step, its connection, its row and its bytes. Constant work per
    /// packet (no scan of earlier packets).
    pub fn push_incoming(&mut self, incoming: Incoming) {
        let Incoming {
            mut row,
            bytes,
            connection,
        } = incoming;
        let index = self.packets.len();
        let earlier = self.broadcasts.observe(index, &row);
        self.relabel_broadcasts(&earlier);
        if let Some(conn) = connection {
            let id = conn.id as usize;
            if id >= self.connections.len() {
                self.connections.resize(id + 1, conn.clone());
                self.stories.resize(id + 1, StreamStory::default());
            }
            let mark = row.seg.as_ref().and_then(|seg| {
                let sent = Sent {
                    packet: row.packet.number(),
                    index,
                    ts_ns: row.packet.ts_ns,
                };
                self.loss.observe(seg, sent)
            });
            let broadcasts = &self.broadcasts;
            let scope = |r: &SioRecord| broadcasts.scope(index, &row, r);
            if let Some(step) = self
                .stories
                .get_mut(id)
                .and_then(|story| step::step_for(&row, &conn, story, (index, mark), &scope))
            {
                row.set_step(Some(self.steps.len()));
                self.mark_lost(&step, &row);
                self.steps.push(step);
            }
            if let Some(slot) = self.connections.get_mut(id) {
                *slot = conn;
            }
        }
        self.push_row(row, bytes);
    }

    /// The number (1-based) of the packet of `step` (0 for a step of no packet of this model).
    pub fn step_number(&self, step: &Step) -> u64 {
        self.packets
            .get(step.packet_index())
            .map_or(0, |r| r.packet.number())
    }

    /// The label of `step`: the one it keeps, or the one its kind makes from its packet's row
    /// ([`step::made_label`]).
    pub fn step_label<'a>(&'a self, step: &'a Step) -> std::borrow::Cow<'a, str> {
        match (step.kept_label(), self.packets.get(step.packet_index())) {
            (Some(label), _) => label.into(),
            (None, Some(row)) => step.label_on(row),
            (None, None) => "".into(),
        }
    }

    /// The capture time of the packet of `step` (0 for a step of no packet of this model).
    pub fn step_ts_ns(&self, step: &Step) -> i64 {
        self.packets
            .get(step.packet_index())
            .map_or(0, |r| r.packet.ts_ns)
    }

    /// A resend's step just made, for `resend` (its packet, not in the model yet): the copy it
    /// replaces was lost.
    fn mark_lost(&mut self, step: &Step, resend: &PacketRow) {
        let Some(lost) = step.loss().as_ref().and_then(LossMark::lost_copy) else {
            return;
        };
        let lost_step = self
            .packets
            .get(lost.index)
            .and_then(crate::model::PacketRow::step);
        if let Some(s) = lost_step.and_then(|i| self.steps.get_mut(i)) {
            s.set_lost(Sent {
                packet: resend.packet.number(),
                index: step.packet_index(),
                ts_ns: resend.packet.ts_ns,
            });
        }
    }

    /// The steps of `packets` (earlier packets whose server events turned out to be
    /// broadcasts) say `io.emit` now.
    fn relabel_broadcasts(&mut self, packets: &[u32]) {
        for &index in packets {
            let index = index as usize;
            let Some(row) = self.packets.get(index) else {
                continue;
            };
            let broadcasts = &self.broadcasts;
            let before = step::io_step_label(row, &|_| io_label::EmitScope::Socket);
            let after = step::io_step_label(row, &|r| broadcasts.scope(index, row, r));
            let (Some(s), Some(before), Some(after)) = (row.step(), before, after) else {
                continue;
            };
            let Some(label) = self.steps.get(s).map(|step| self.step_label(step)) else {
                continue;
            };
            let label = label.replacen(&before, &after, 1);
            if let Some(step) = self.steps.get_mut(s) {
                step.set_label(label);
            }
        }
    }

    /// Whether Socket.IO record `record` of packet `index` went to several sessions at once.
    pub fn emit_scope(&self, index: usize, record: &SioRecord) -> io_label::EmitScope {
        match self.packets.get(index) {
            Some(row) => self.broadcasts.scope(index, row, record),
            None => io_label::EmitScope::Socket,
        }
    }

    /// Add a row as it is (its step, if any, in `steps` at `row.step`), with its bytes.
    pub fn push_row(&mut self, mut row: PacketRow, bytes: FrameBytes) {
        self.shapes.share(&mut row.packet);
        if let Some(seg) = &row.seg {
            self.sessions.observe(seg.stream, &row);
            let id = seg.stream as usize;
            if id >= self.stream_packets.len() {
                self.stream_packets.resize_with(id + 1, Vec::new);
                self.stream_steps.resize_with(id + 1, Vec::new);
            }
            if let Some(packets) = self.stream_packets.get_mut(id) {
                packets.push(self.packets.len() as u32);
            }
            if let (Some(steps), Some(step)) = (self.stream_steps.get_mut(id), row.step()) {
                steps.push(step as u32);
            }
        }
        self.packets.push(row);
        self.bytes.push(bytes);
    }

    /// Packet `index` and its bytes (read back from the capture file, or from memory), for the
    /// details tree and the hex view. The bytes are decoded again, to check that they are still
    /// the ones the packet was decoded from.
    pub fn packet(&self, index: usize) -> Result<(Packet, Vec<u8>), ByteError> {
        let row = self
            .packets
            .get(index)
            .ok_or(ByteError::NoPacket { index })?;
        let kept = &row.packet;
        let frame = Frame {
            number: kept.number(),
            ts_ns: kept.ts_ns,
            orig_len: kept.len,
            link: kept.link(),
            interface: kept.interface(),
            data: self.bytes.read(index, kept.number(), kept.caplen)?,
        };
        let mut packet = match row.reassembled() {
            // Its fragments' bytes are in other packets: the datagram was kept.
            Some(datagram) => decode::decode_completed(&frame, &frame.data, datagram),
            None => decode::decode(&frame),
        };
        // Issues found while reassembling (overlapping fragments…) come after the packet's own
        // and need the other fragments to be found again: the row has them.
        if row.issues().starts_with(&packet.issues) {
            packet.issues = row.issues().to_vec().into();
        }
        if row.keeps(&packet) {
            Ok((packet, frame.data))
        } else {
            Err(ByteError::Changed {
                path: self
                    .bytes
                    .file_path()
                    .map_or_else(|| "memory".into(), std::path::Path::to_path_buf),
                number: kept.number(),
            })
        }
    }

    /// Memory the byte store holds (bytes kept, plus where each packet is).
    pub fn byte_store_bytes(&self) -> usize {
        self.bytes.memory_bytes()
    }

    /// The connection with `tcp.stream` index `id` (ids can skip a number: see `flow::socks`).
    pub fn connection(&self, id: u32) -> Option<&Connection> {
        self.connections.get(id as usize).filter(|c| c.id == id)
    }

    /// Whether nothing listened on connection `stream`'s server port: the server answered the
    /// SYN with a RST and never with a SYN-ACK (a closed port).
    pub fn nothing_listens(&self, stream: u32) -> bool {
        self.connection(stream).is_some_and(|c| {
            let seen = c.completeness;
            seen.syn
                && !seen.syn_ack
                && seen.rst
                && c.packets[Direction::ServerToClient.index()] > 0
        })
    }

    /// The peers' states to show for `step`: the flow tracker's, except that a server on a
    /// closed port is CLOSED, not LISTEN (the tracker assumes a listener when it sees a SYN, before
    /// the RST that says otherwise).
    pub fn states_shown(&self, step: &Step) -> (TcpState, TcpState) {
        let server = if step.server_state == TcpState::Listen && self.nothing_listens(step.stream) {
            TcpState::Closed
        } else {
            step.server_state
        };
        (step.client_state, server)
    }

    /// The sender's and the receiver's address of `step`: its connection's client and server,
    /// in the step's direction (a step does not keep them: its connection has them).
    pub fn step_endpoints(
        &self,
        step: &Step,
    ) -> Option<(std::net::SocketAddr, std::net::SocketAddr)> {
        let c = self.connection(step.stream)?;
        Some(match step.direction {
            Direction::ClientToServer => (c.client, c.server),
            Direction::ServerToClient => (c.server, c.client),
        })
    }

    /// The steps of one connection, in order.
    pub fn steps_of(&self, stream: u32) -> impl Iterator<Item = (usize, &Step)> {
        self.stream_steps(stream)
            .iter()
            .filter_map(|&i| Some((i as usize, self.steps.get(i as usize)?)))
    }

    /// Indices into `steps` of connection `stream`'s steps, in order.
    pub fn stream_steps(&self, stream: u32) -> &[u32] {
        self.stream_steps
            .get(stream as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Indices into `packets` of connection `stream`'s packets, in order.
    pub fn stream_packets(&self, stream: u32) -> &[u32] {
        self.stream_packets
            .get(stream as usize)
            .map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::{FrameBytes, Model};
    use crate::app_proto::http::Handshake;
    use crate::capture::FileReader;
    use crate::pipeline::process_all;
    use crate::pipeline::tests::corpus_captures;

    #[test]
    fn each_connection_knows_its_packets_and_steps_and_each_101_its_request_key() {
        let files = corpus_captures();
        let mut upgrades = 0;
        for path in files {
            let m = process_all(FileReader::open(&path).unwrap());
            for c in &m.connections {
                let packets: Vec<u32> = (0..m.packets.len() as u32)
                    .filter(|&i| {
                        m.packets[i as usize]
                            .seg
                            .as_ref()
                            .is_some_and(|s| s.stream == c.id)
                    })
                    .collect();
                let steps: Vec<u32> = (0..m.steps.len() as u32)
                    .filter(|&i| m.steps[i as usize].stream == c.id)
                    .collect();
                assert_eq!(m.stream_packets(c.id), packets, "{}", path.display());
                assert_eq!(m.stream_steps(c.id), steps, "{}", path.display());
                // Each accepted upgrade names the key of an upgrade request sent before it on
                // the same connection, and its step is the upgrade response.
                let mut keys = Vec::new();
                for &i in &packets {
                    let row = &m.packets[i as usize];
                    for h in row.http() {
                        match h.handshake {
                            Handshake::UpgradeRequest => keys.push(h.sec_websocket_key.clone()),
                            Handshake::Accepted => {
                                assert!(keys.contains(&h.request_key), "{}", path.display());
                                let step = row.step().map(|s| m.steps[s].kind);
                                assert_eq!(step, Some(super::StepKind::UpgradeResponse));
                                upgrades += 1;
                            }
                            Handshake::None | Handshake::Refused => {}
                        }
                    }
                }
            }
        }
        assert!(upgrades > 10, "{upgrades} accepted upgrades");
    }

    #[test]
    fn rows_share_their_shape() {
        let row = crate::lesson::fixture::conversation().packets[0].clone();
        let mut m = Model::new();
        for _ in 0..10_000 {
            m.push_row(row.clone(), FrameBytes::Kept(vec![0; 4]));
        }
        // Shared, not copied: every row points at the same layers and IP facts.
        let first = m.packets[0].packet.shape();
        assert!(
            m.packets
                .iter()
                .all(|r| std::sync::Arc::ptr_eq(r.packet.shape(), first))
        );
    }
}
