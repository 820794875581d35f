//! Per-connection application parsers, fed with in-order stream chunks.

use std::collections::HashMap;

use crate::flow::{Gap, StreamChunk};

use super::AppEvent;

/// Runs the application-layer parsers of every connection.
#[derive(Debug, Default)]
pub struct AppTracker {
    conns: HashMap<u32, ()>,
}

impl AppTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed new in-order bytes of connection `stream`. `packet` is the packet being processed.
    /// Returns what completed, in stream order.
    pub fn on_chunk(&mut self, stream: u32, chunk: &StreamChunk, packet: u64) -> Vec<AppEvent> {
        let _ = (&mut self.conns, stream, chunk, packet);
        todo!("app tracker")
    }

    /// Bytes that will never arrive: parsers resync or give up on the direction.
    pub fn on_gap(&mut self, stream: u32, gap: &Gap, packet: u64) -> Vec<AppEvent> {
        let _ = (stream, gap, packet);
        todo!("app tracker gap")
    }

    /// The connection ended (FIN both ways or RST): free its state.
    pub fn on_close(&mut self, stream: u32) {
        self.conns.remove(&stream);
    }
}
