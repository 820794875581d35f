//! The read model the UI renders: packet rows, connections, and the timeline of teaching steps
//! (SYN, SYN-ACK, ACK, Upgrade request, 101, WebSocket frames, FIN, RST…) with their packets.

pub mod json;
pub mod step;
pub mod summary;

use crate::app_proto::{AppEvent, HttpMessage, WsFrame, WsMessage};
use crate::decode::Packet;
use crate::flow::{Connection, SegmentInfo};
use crate::pipeline::PacketOutput;
use step::StreamStory;

pub use step::{Phase, Step, StepKind};

/// One packet as the UI shows it.
#[derive(Clone, Debug)]
pub struct PacketRecord {
    pub packet: Packet,
    /// Flow facts (chunks and gaps are dropped once the app layer has used them).
    pub seg: Option<SegmentInfo>,
    /// HTTP messages whose last byte is in this packet.
    pub http: Vec<HttpMessage>,
    /// WebSocket frames whose last byte is in this packet.
    pub ws: Vec<WsFrame>,
    /// WebSocket messages completed by this packet.
    pub messages: Vec<WsMessage>,
    /// Other remarks of the application parsers.
    pub notes: Vec<String>,
    /// Protocol column: the highest protocol in the packet ("TCP", "HTTP", "WebSocket"…).
    pub protocol: &'static str,
    /// Info column, like Wireshark's but WebSocket-aware.
    pub info: String,
    /// Index into `Model::steps` of this packet's teaching step, if it has one.
    pub step: Option<usize>,
}

/// Payload bytes of a WebSocket frame or message the model keeps (the text is kept whole).
pub const MODEL_PAYLOAD_KEEP: usize = 256;

/// Everything the UI renders.
#[derive(Debug, Default)]
pub struct Model {
    pub packets: Vec<PacketRecord>,
    /// Connections, by `tcp.stream` index, kept up to date as packets arrive.
    pub connections: Vec<Connection>,
    /// The teaching timeline, in packet order.
    pub steps: Vec<Step>,
    /// Errors that ended reading (a truncated file…), shown to the user; packets before stay.
    pub errors: Vec<String>,
    stories: Vec<StreamStory>,
}

impl PacketRecord {
    /// A record for one processed packet, with its Protocol and Info columns filled in.
    /// Stream chunks are dropped: the application parsers have used them.
    pub fn from_output(output: PacketOutput) -> Self {
        let mut record = Self::without_info(output);
        record.info = summary::info(&record);
        record
    }

    /// As [`PacketRecord::from_output`], but the Info column is left empty: for output that
    /// does not show it (`decode --format json`), where formatting it for every packet costs.
    pub fn without_info(output: PacketOutput) -> Self {
        let PacketOutput {
            packet,
            mut seg,
            events,
        } = output;
        if let Some(seg) = seg.as_mut() {
            seg.chunks = Vec::new();
        }
        let mut record = Self {
            packet,
            seg,
            http: Vec::new(),
            ws: Vec::new(),
            messages: Vec::new(),
            notes: Vec::new(),
            protocol: "",
            info: String::new(),
            step: None,
        };
        for event in events {
            match event {
                AppEvent::Http(m) => record.http.push(m),
                AppEvent::WsFrame(f) => record.ws.push(f),
                AppEvent::WsMessage(m) => record.messages.push(m),
                AppEvent::Note(n) => record.notes.push(n.message),
            }
        }
        record.protocol = summary::protocol(&record);
        record
    }
}

impl Model {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one processed packet. `connection` is the flow tracker's view of its connection
    /// after the packet.
    pub fn push(&mut self, output: PacketOutput, connection: Option<&Connection>) {
        let mut record = PacketRecord::from_output(output);
        // The app shows at most the first bytes of a payload (the unmasking table, the hex view
        // has the packet's own bytes): keep the model small for captures of millions of packets.
        for f in &mut record.ws {
            f.raw_payload.truncate(MODEL_PAYLOAD_KEEP);
            f.raw_payload.shrink_to_fit();
            f.payload.truncate(MODEL_PAYLOAD_KEEP);
            f.payload.shrink_to_fit();
        }
        for m in &mut record.messages {
            m.data.truncate(MODEL_PAYLOAD_KEEP);
            m.data.shrink_to_fit();
        }
        if let Some(conn) = connection {
            let id = conn.id as usize;
            if id >= self.connections.len() {
                self.connections.resize(id + 1, conn.clone());
                self.stories.resize(id + 1, StreamStory::default());
            }
            if let Some(slot) = self.connections.get_mut(id) {
                slot.clone_from(conn);
            }
            if let Some(step) = self
                .stories
                .get_mut(id)
                .and_then(|story| step::step_for(&record, conn, story, self.packets.len()))
            {
                record.step = Some(self.steps.len());
                self.steps.push(step);
            }
        }
        self.packets.push(record);
    }

    /// The connection with `tcp.stream` index `id` (ids can skip a number: see `flow::socks`).
    pub fn connection(&self, id: u32) -> Option<&Connection> {
        self.connections.get(id as usize).filter(|c| c.id == id)
    }

    /// The steps of one connection, in order.
    pub fn steps_of(&self, stream: u32) -> impl Iterator<Item = (usize, &Step)> {
        self.steps
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.stream == stream)
    }
}
