//! Runs capture → decode → flow → app_proto → model: synchronously (`process_all`, for tests and
//! the CLI) or on named threads with bounded channels (live capture and large files in the app).

use crate::app_proto::{AppEvent, AppTracker};
use crate::capture::{CaptureError, Frame};
use crate::decode::{self, Packet};
use crate::flow::{Connection, FlowLimits, FlowTracker, SegmentInfo};
use crate::model::Model;

/// Everything the engine learned from one frame.
#[derive(Clone, Debug)]
pub struct PacketOutput {
    pub packet: Packet,
    pub seg: Option<SegmentInfo>,
    /// HTTP messages, WebSocket frames and messages whose last byte is in this packet.
    pub events: Vec<AppEvent>,
}

/// The decode engine: owns the flow and application trackers.
#[derive(Debug, Default)]
pub struct Engine {
    flows: FlowTracker,
    apps: AppTracker,
}

impl Engine {
    pub fn new() -> Self {
        Self {
            flows: FlowTracker::new(FlowLimits::default()),
            apps: AppTracker::new(),
        }
    }

    /// Decode one frame and run it through flow tracking and the application parsers.
    pub fn process(&mut self, frame: Frame) -> PacketOutput {
        let packet = decode::decode(frame);
        let seg = self.flows.process(&packet);
        let mut events = Vec::new();
        if let Some(seg) = &seg {
            for gap in &seg.gaps {
                events.extend(self.apps.on_gap(seg.stream, gap, packet.number));
            }
            for chunk in &seg.chunks {
                events.extend(self.apps.on_chunk(seg.stream, chunk, packet.number));
            }
        }
        PacketOutput {
            packet,
            seg,
            events,
        }
    }

    /// The connection a processed packet belongs to.
    pub fn connection(&self, output: &PacketOutput) -> Option<&Connection> {
        output
            .seg
            .as_ref()
            .and_then(|s| self.flows.connection(s.stream))
    }

    pub fn connections(&self) -> &[Connection] {
        self.flows.connections()
    }
}

/// Run every frame through the engine into a model, synchronously. A reading error ends the
/// input; it is recorded in `Model::errors` and every packet before it is kept.
pub fn process_all<I>(frames: I) -> Model
where
    I: IntoIterator<Item = Result<Frame, CaptureError>>,
{
    let mut engine = Engine::new();
    let mut model = Model::new();
    for item in frames {
        match item {
            Ok(frame) => {
                let out = engine.process(frame);
                let conn = engine.connection(&out).cloned();
                model.push(out, conn.as_ref());
            }
            Err(e) => {
                model.errors.push(e.to_string());
                break;
            }
        }
    }
    model
}
