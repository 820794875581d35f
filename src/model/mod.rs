//! The read model the UI renders: packet rows, connections, and the timeline of teaching steps
//! (SYN, SYN-ACK, ACK, Upgrade request, 101, WebSocket frames, FIN, RST…) with their packets.

pub mod json;
pub mod step;
pub mod summary;

use crate::app_proto::{AppEvent, HttpMessage, WsFrame, WsMessage};
use crate::decode::Packet;
use crate::flow::{Connection, SegmentInfo};
use crate::pipeline::PacketOutput;

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
}

impl Model {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one processed packet. `connection` is the flow tracker's view of its connection
    /// after the packet.
    pub fn push(&mut self, output: PacketOutput, connection: Option<&Connection>) {
        let PacketOutput {
            packet,
            mut seg,
            events,
        } = output;
        if let Some(conn) = connection {
            let id = conn.id as usize;
            if id >= self.connections.len() {
                self.connections.resize(id + 1, conn.clone());
            }
            if let Some(slot) = self.connections.get_mut(id) {
                slot.clone_from(conn);
            }
        }
        if let Some(seg) = seg.as_mut() {
            seg.chunks = Vec::new();
        }
        let mut record = PacketRecord {
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
        record.info = summary::info(&record);
        if let Some(step) = step::step_for(&record, connection, self.steps.len()) {
            record.step = Some(self.steps.len());
            self.steps.push(step);
        }
        self.packets.push(record);
    }
}
