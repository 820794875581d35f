//! The flow tracker: finds each packet's connection and runs state, analysis and reassembly.

use crate::decode::Packet;

use super::{Connection, SegmentInfo};

/// Memory bounds for reassembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowLimits {
    /// Out-of-order bytes buffered per direction before the oldest hole is declared a gap.
    pub max_buffered_bytes: usize,
}

impl Default for FlowLimits {
    fn default() -> Self {
        Self {
            max_buffered_bytes: 4 * 1024 * 1024,
        }
    }
}

/// Tracks every TCP connection in a capture.
#[derive(Debug, Default)]
pub struct FlowTracker {
    limits: FlowLimits,
    connections: Vec<Connection>,
}

impl FlowTracker {
    pub fn new(limits: FlowLimits) -> Self {
        Self {
            limits,
            connections: Vec::new(),
        }
    }

    /// Account for one packet. `None` when it is not TCP.
    pub fn process(&mut self, packet: &Packet) -> Option<SegmentInfo> {
        let _ = (packet, self.limits);
        todo!("flow tracker")
    }

    pub fn connection(&self, id: u32) -> Option<&Connection> {
        self.connections.get(id as usize)
    }

    /// All connections, in order of first appearance.
    pub fn connections(&self) -> &[Connection] {
        &self.connections
    }
}
