//! View state that is not a setting: the central tab, the packet-list filter and its cached
//! rows, the ladder's rows for the shown connection, the details of the selected packet, and
//! the hovered/selected bytes. Caches are brought up to date incrementally, outside drawing.

use std::ops::Range;

use crate::model::{ByteError, LayerDetail, Model, PacketDetails, PacketRow, Phase, Step};

/// What the centre of the window shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    #[default]
    Ladder,
    TimeSequence,
    /// The overview of all connections, from which one is chosen to follow.
    Connections,
    /// The same chat carried five ways, measured (`ui::compare`).
    Compare,
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
    pub protocol: ProtoFilter,
    /// Indices into `Model::packets`, ascending.
    pub rows: Vec<usize>,
    scanned: usize,
    applied: (Option<u32>, ProtoFilter),
    pub scroll_to_selected: ScrollRequest,
}

impl PacketList {
    /// Bring `rows` up to date with new packets or a changed filter; `follow` keeps only the
    /// packets of that connection (`tcp.stream`).
    pub fn update(&mut self, model: &Model, follow: Option<u32>) {
        if self.applied != (follow, self.protocol) || self.scanned > model.packets.len() {
            self.rows.clear();
            self.scanned = 0;
            self.applied = (follow, self.protocol);
        }
        for (i, record) in model.packets.iter().enumerate().skip(self.scanned) {
            let stream_ok =
                follow.is_none_or(|s| record.seg.as_ref().is_some_and(|g| g.stream == s));
            if stream_ok && self.protocol.accepts(record) {
                self.rows.push(i);
            }
        }
        self.scanned = model.packets.len();
    }

    /// How many rows are shown: those of packets up to `horizon` (all with `None`).
    pub fn shown(&self, horizon: Option<usize>) -> usize {
        horizon.map_or(self.rows.len(), |h| self.rows.partition_point(|&i| i <= h))
    }

    /// The row that shows packet `index`, if the filter lets it through.
    pub fn row_of(&self, index: usize) -> Option<usize> {
        self.rows.binary_search(&index).ok()
    }
}

/// A request to bring the current row into view. It holds for three frames: the frame that asks
/// may be the one that adds the row or changes the font (presentation mode); only the next one
/// lays the list out at its new row height, and the one after at the panels' new sizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScrollRequest(u8);

impl ScrollRequest {
    /// A request made now.
    pub fn now() -> Self {
        Self(3)
    }

    pub fn request(&mut self) {
        *self = Self::now();
    }

    /// A frame has ended (whether the list was drawn or not).
    pub fn tick(&mut self) {
        self.0 = self.0.saturating_sub(1);
    }

    /// Whether to scroll this frame.
    pub fn is_pending(self) -> bool {
        self.0 > 0
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
    pub scroll_to_current: ScrollRequest,
}

impl Ladder {
    /// Show connection `stream` and take in its new steps (only its own: the model keeps each
    /// connection's steps apart).
    pub fn update(&mut self, model: &Model, stream: Option<u32>) {
        let steps = stream.map_or(&[][..], |s| model.stream_steps(s));
        if stream != self.stream || self.scanned > steps.len() {
            *self = Self {
                stream,
                scroll_to_current: ScrollRequest::now(),
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

    /// How many rows are shown: the steps of packets up to `horizon` (all with `None`); a
    /// phase title shows only with a step under it.
    pub fn shown(&self, steps: &[Step], horizon: Option<usize>) -> usize {
        let Some(h) = horizon else {
            return self.rows.len();
        };
        let beyond = |r: &LadderRow| match r {
            LadderRow::Step(i) => steps.get(*i).is_none_or(|s| s.packet_index > h),
            LadderRow::Phase(_) => false,
        };
        let mut n = self.rows.iter().position(beyond).unwrap_or(self.rows.len());
        while n > 0 && matches!(self.rows.get(n - 1), Some(LadderRow::Phase(_))) {
            n -= 1;
        }
        n
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
    /// The connection followed (`tcp.stream`): the packet list, the ladder, the graph and
    /// playback show only it. `None`: all connections.
    pub follow: Option<u32>,
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
    /// The connections overview (numbers, phases reached).
    pub overview: super::connections::Overview,
    /// The scenario menu was asked for with its key: the toolbar opens it.
    pub open_scenarios: bool,
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

    /// Bring the current packet back into view in the list and the ladder (after the font
    /// or the layout changed).
    pub fn scroll_to_current(&mut self) {
        self.list.scroll_to_selected.request();
        self.ladder.scroll_to_current.request();
    }

    /// End of a frame: scroll requests count down. Returns whether one still waits for a
    /// frame.
    pub fn end_frame(&mut self) -> bool {
        self.list.scroll_to_selected.tick();
        self.ladder.scroll_to_current.tick();
        self.list.scroll_to_selected.is_pending() || self.ladder.scroll_to_current.is_pending()
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
        list.update(&model, None);
        assert_eq!(list.rows, [5, 6]);
        assert_eq!(list.row_of(6), Some(1));
        list.protocol = ProtoFilter::All;
        list.update(&model, None);
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
        // Hiding what comes next: up to the step of packet 3 (the Upgrade request, the first
        // step of its phase), with its phase title; no title of a phase not reached.
        let upgrade = model.packets[3].step.unwrap();
        let shown = ladder.shown(&model.steps, Some(3));
        assert_eq!(ladder.rows[shown - 1], LadderRow::Step(upgrade));
        assert_eq!(ladder.rows[shown - 2], LadderRow::Phase(Phase::HttpUpgrade));
        let before = ladder.shown(&model.steps, Some(2));
        assert_eq!(
            before,
            shown - 2,
            "the HTTP Upgrade title waits for its step"
        );
        assert_eq!(ladder.shown(&model.steps, None), ladder.rows.len());
        ladder.update(&model, Some(7));
        assert!(ladder.rows.is_empty());
    }
}
