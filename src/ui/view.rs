//! View state that is not a setting: the central tab, the packet-list filter and its cached
//! rows, the ladder's rows for the shown connection, the details of the selected packet, and
//! the hovered/selected bytes. Caches are brought up to date incrementally, outside drawing.

use std::ops::Range;

use crate::model::{ByteError, LayerDetail, Model, PacketDetails, PacketRow, Phase};

/// What the centre of the window shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    #[default]
    Ladder,
    TimeSequence,
}

/// The packet list's protocol filter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProtoFilter {
    #[default]
    All,
    Tcp,
    Http,
    WebSocket,
}

impl ProtoFilter {
    pub const ALL: [Self; 4] = [Self::All, Self::Tcp, Self::Http, Self::WebSocket];

    pub fn label(self) -> &'static str {
        match self {
            Self::All => "All protocols",
            Self::Tcp => "TCP only",
            Self::Http => "HTTP",
            Self::WebSocket => "WebSocket",
        }
    }

    fn accepts(self, record: &PacketRow) -> bool {
        match self {
            Self::All => true,
            Self::Tcp => {
                record.packet.tcp.is_some() && record.http.is_empty() && record.ws.is_empty()
            }
            Self::Http => !record.http.is_empty(),
            Self::WebSocket => !record.ws.is_empty(),
        }
    }
}

/// The packet list's filter and the indices of the packets it lets through.
#[derive(Clone, Debug, Default)]
pub struct PacketList {
    /// Only this connection (`tcp.stream`).
    pub stream: Option<u32>,
    pub protocol: ProtoFilter,
    /// Indices into `Model::packets`, ascending.
    pub rows: Vec<usize>,
    scanned: usize,
    applied: (Option<u32>, ProtoFilter),
    pub scroll_to_selected: bool,
}

impl PacketList {
    /// Bring `rows` up to date with new packets or a changed filter.
    pub fn update(&mut self, model: &Model) {
        if self.applied != (self.stream, self.protocol) || self.scanned > model.packets.len() {
            self.rows.clear();
            self.scanned = 0;
            self.applied = (self.stream, self.protocol);
        }
        for (i, record) in model.packets.iter().enumerate().skip(self.scanned) {
            let stream_ok = self
                .stream
                .is_none_or(|s| record.seg.as_ref().is_some_and(|g| g.stream == s));
            if stream_ok && self.protocol.accepts(record) {
                self.rows.push(i);
            }
        }
        self.scanned = model.packets.len();
    }

    /// The row that shows packet `index`, if the filter lets it through.
    pub fn row_of(&self, index: usize) -> Option<usize> {
        self.rows.binary_search(&index).ok()
    }
}

/// One row of the ladder diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LadderRow {
    Phase(Phase),
    /// Index into `Model::steps`.
    Step(usize),
}

/// The ladder's rows for one connection.
#[derive(Clone, Debug, Default)]
pub struct Ladder {
    pub stream: Option<u32>,
    pub rows: Vec<LadderRow>,
    /// Steps of the connection taken in.
    scanned: usize,
    last_phase: Option<Phase>,
    pub scroll_to_current: bool,
}

impl Ladder {
    /// Show connection `stream` and take in its new steps (only its own: the model keeps each
    /// connection's steps apart).
    pub fn update(&mut self, model: &Model, stream: Option<u32>) {
        let steps = stream.map_or(&[][..], |s| model.stream_steps(s));
        if stream != self.stream || self.scanned > steps.len() {
            *self = Self {
                stream,
                scroll_to_current: true,
                ..Self::default()
            };
        }
        for &i in steps.iter().skip(self.scanned) {
            let i = i as usize;
            let Some(step) = model.steps.get(i) else {
                continue;
            };
            if self.last_phase != Some(step.phase) {
                self.rows.push(LadderRow::Phase(step.phase));
                self.last_phase = Some(step.phase);
            }
            self.rows.push(LadderRow::Step(i));
        }
        self.scanned = steps.len();
    }

    pub fn row_of_step(&self, step: usize) -> Option<usize> {
        self.rows.iter().position(|r| *r == LadderRow::Step(step))
    }
}

/// The selected packet as the details tree and the hex view show it: decoded again from its
/// bytes (read back from the capture file, or from memory), with its field tree.
#[derive(Debug)]
pub struct Selected {
    /// Index into `Model::packets`.
    pub index: usize,
    /// The packet and its layers' fields, or why its bytes cannot be shown (the file changed
    /// or was cut short since it was loaded…).
    pub decoded: Result<PacketDetails, ByteError>,
}

impl Selected {
    /// The layers' fields, when the bytes could be read.
    pub fn layers(&self) -> &[LayerDetail] {
        self.decoded.as_ref().map_or(&[], |d| d.layers.as_slice())
    }
}

/// Everything the view remembers between frames.
#[derive(Debug, Default)]
pub struct View {
    pub tab: Tab,
    pub list: PacketList,
    pub ladder: Ladder,
    /// The selected packet, decoded again, with its field tree.
    pub details: Option<Selected>,
    /// Bytes under the pointer in the tree or the hex view (last frame's, drawn this frame).
    pub hovered_bytes: Option<Range<usize>>,
    /// Bytes hovered during this frame, to show next frame.
    pub hover_next: Option<Range<usize>>,
    /// Bytes of the selected field.
    pub selected_bytes: Option<Range<usize>>,
    pub seq: super::seqgraph::SeqCache,
}

impl View {
    /// Read back and decode packet `index` and make its field tree: once per selection, never
    /// inside drawing (one positioned read of a file, at most one record long).
    pub fn ensure_details(&mut self, model: &Model, index: Option<usize>) {
        let Some(index) = index.filter(|&i| i < model.packets.len()) else {
            self.details = None;
            return;
        };
        if self.details.as_ref().is_some_and(|s| s.index == index) {
            return;
        }
        self.selected_bytes = None;
        self.details = Some(Selected {
            index,
            decoded: model.packet_details(index),
        });
    }

    /// The hover of this frame becomes the one drawn next frame. Returns whether it changed.
    pub fn swap_hover(&mut self) -> bool {
        let next = self.hover_next.take();
        let changed = next != self.hovered_bytes;
        self.hovered_bytes = next;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::fixture;

    #[test]
    fn protocol_filter_keeps_websocket_rows() {
        let model = fixture::conversation();
        let mut list = PacketList {
            protocol: ProtoFilter::WebSocket,
            ..PacketList::default()
        };
        list.update(&model);
        assert_eq!(list.rows, [5, 6]);
        assert_eq!(list.row_of(6), Some(1));
        list.protocol = ProtoFilter::All;
        list.update(&model);
        assert_eq!(list.rows.len(), model.packets.len());
    }

    #[test]
    fn ladder_groups_steps_into_phases() {
        let model = fixture::conversation();
        let mut ladder = Ladder::default();
        ladder.update(&model, Some(0));
        let phases: Vec<_> = ladder
            .rows
            .iter()
            .filter_map(|r| match r {
                LadderRow::Phase(p) => Some(*p),
                LadderRow::Step(_) => None,
            })
            .collect();
        assert_eq!(
            phases,
            [
                Phase::TcpHandshake,
                Phase::HttpUpgrade,
                Phase::WebSocket,
                Phase::Teardown
            ]
        );
        assert_eq!(ladder.row_of_step(0), Some(1));
        ladder.update(&model, Some(7));
        assert!(ladder.rows.is_empty());
    }
}
