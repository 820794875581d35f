//! View state that is not a setting: the central tab, the packet-list filter and its cached
//! rows, the ladder's rows for the shown connection, the details of the selected packet, and
//! the hovered/selected bytes. Caches are brought up to date incrementally, outside drawing.

use std::ops::Range;

use crate::model::{
    AckTie, ByteError, Chunked, GroupKind, LaneGroup, LayerDetail, Model, PacketDetails, PacketRow,
    Phase, Step,
};

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
                record.packet.tcp.is_some() && record.http().is_empty() && record.ws.is_empty()
            }
            Self::Http => !record.http().is_empty(),
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
    /// Where an Engine.IO session moves from long-polling to its WebSocket (the lanes view).
    Upgrade,
}

/// What the ladder shows: the chosen connection, or it with its neighbours, a lane each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LadderMode {
    #[default]
    Connection,
    /// The connection's whole Engine.IO session, or all the clients of its server at the time.
    Lanes,
}

/// An event that asked for an ack and its ACK, both on the ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LadderTie {
    /// Indices into `Model::steps`.
    pub event_step: usize,
    pub ack_step: usize,
    pub tie: AckTie,
}

/// Lanes the ladder draws before the width tells it how many fit.
const LANES_BEFORE_MEASURED: usize = 6;

/// The ladder's rows for one connection, or for a group of connections a lane each.
#[derive(Clone, Debug)]
pub struct Ladder {
    /// The chosen connection.
    pub stream: Option<u32>,
    pub rows: Vec<LadderRow>,
    pub scroll_to_current: ScrollRequest,
    pub mode: LadderMode,
    /// The group of the chosen connection, all its lanes (drawn in the lanes mode).
    pub group: Option<LaneGroup>,
    /// The connections drawn, a lane each, in the group's order (one in the connection mode).
    pub lanes: Vec<u32>,
    /// How many lanes fit the width (the drawing measures it).
    pub lane_room: usize,
    /// The acks on the ladder, tied to their events, in the order of their ACKs.
    pub ties: Vec<LadderTie>,
    /// (event step, index in `ties`), ascending: the ties found from their event's end.
    tie_events: Vec<(usize, usize)>,
    /// Per lane: its steps taken in.
    scanned: Vec<usize>,
    last_phase: Option<Phase>,
    /// `Model::steps.len()` when the group was found.
    grouped_at: usize,
    /// (step, row) of each step row, ascending.
    step_rows: Vec<(usize, usize)>,
}

impl Default for Ladder {
    fn default() -> Self {
        Self {
            stream: None,
            rows: Vec::new(),
            scroll_to_current: ScrollRequest::default(),
            mode: LadderMode::default(),
            group: None,
            lanes: Vec::new(),
            lane_room: LANES_BEFORE_MEASURED,
            ties: Vec::new(),
            tie_events: Vec::new(),
            scanned: Vec::new(),
            last_phase: None,
            grouped_at: 0,
            step_rows: Vec::new(),
        }
    }
}

impl Ladder {
    /// Show connection `stream` (with its group in the lanes mode) and take in its new steps
    /// (only its own: the model keeps each connection's steps apart).
    pub fn update(&mut self, model: &Model, stream: Option<u32>) {
        let regroup = stream != self.stream || model.steps.len() != self.grouped_at;
        if regroup {
            self.grouped_at = model.steps.len();
            self.group = stream.and_then(|s| model.lane_group(s));
        }
        let lanes = match (&self.group, stream) {
            (Some(g), Some(s)) if self.mode == LadderMode::Lanes => {
                shown_lanes(g, s, self.lane_room)
            }
            (_, Some(s)) => vec![s],
            (_, None) => Vec::new(),
        };
        let stale = self
            .lanes
            .iter()
            .zip(&self.scanned)
            .any(|(&l, &n)| n > model.stream_steps(l).len());
        // (Another connection of the lanes drawn becoming the chosen one changes nothing drawn
        // but the lane's colour.)
        if stream.is_none() || lanes != self.lanes || stale {
            *self = Self {
                stream,
                scroll_to_current: ScrollRequest::now(),
                mode: self.mode,
                group: self.group.take(),
                scanned: vec![0; lanes.len()],
                lanes,
                lane_room: self.lane_room,
                grouped_at: self.grouped_at,
                ..Self::default()
            };
        }
        self.stream = stream;
        // Every lane is taken in up to the same moment, so new steps all come after the ones
        // taken: sorted, they extend the rows in time order.
        let mut new = Vec::new();
        for (&lane, scanned) in self.lanes.iter().zip(self.scanned.iter_mut()) {
            let steps = model.stream_steps(lane);
            new.extend(steps.iter().skip(*scanned).map(|&i| i as usize));
            *scanned = steps.len();
        }
        new.sort_unstable();
        for i in new {
            self.take(model, i);
        }
    }

    /// Add step `i`'s row (after its phase's title in the connection mode, after the upgrade's
    /// title in the lanes mode), and its tie to the event its ACK answers.
    fn take(&mut self, model: &Model, i: usize) {
        let Some(step) = model.steps.get(i) else {
            return;
        };
        if self.lanes.len() > 1 {
            let session = matches!(
                self.group.as_ref().map(|g| &g.kind),
                Some(GroupKind::Session { .. })
            );
            let starts_upgrade = model
                .packets
                .get(step.packet_index())
                .is_some_and(crate::model::lanes::starts_upgrade);
            if session && starts_upgrade && !self.rows.contains(&LadderRow::Upgrade) {
                self.rows.push(LadderRow::Upgrade);
            }
        } else if self.last_phase != Some(step.phase) {
            self.rows.push(LadderRow::Phase(step.phase));
            self.last_phase = Some(step.phase);
        }
        self.step_rows.push((i, self.rows.len()));
        self.rows.push(LadderRow::Step(i));
        for tie in model.ack_ties_at(step.packet_index()) {
            let event_step = model
                .packets
                .get(tie.event_index)
                .and_then(crate::model::PacketRow::step);
            if let Some(event_step) = event_step.filter(|&e| self.row_of_step(e).is_some()) {
                let at = self.tie_events.partition_point(|&(e, _)| e <= event_step);
                self.tie_events.insert(at, (event_step, self.ties.len()));
                self.ties.push(LadderTie {
                    event_step,
                    ack_step: i,
                    tie,
                });
            }
        }
    }

    pub fn row_of_step(&self, step: usize) -> Option<usize> {
        let at = self
            .step_rows
            .binary_search_by_key(&step, |&(s, _)| s)
            .ok()?;
        self.step_rows.get(at).map(|&(_, row)| row)
    }

    /// The ties step `step` is an end of (the ties are in the order of their ACKs' steps).
    pub fn ties_of(&self, step: usize) -> impl Iterator<Item = &LadderTie> {
        let acks = self.ties.partition_point(|t| t.ack_step < step);
        let as_ack = self.ties[acks..]
            .iter()
            .take_while(move |t| t.ack_step == step);
        let events = self.tie_events.partition_point(|&(e, _)| e < step);
        let as_event = self.tie_events[events..]
            .iter()
            .take_while(move |&&(e, _)| e == step)
            .filter_map(|&(_, k)| self.ties.get(k));
        as_event.chain(as_ack)
    }

    /// Connections of the group not drawn, for want of width.
    pub fn lanes_hidden(&self) -> usize {
        self.group
            .as_ref()
            .map_or(0, |g| g.lanes.len().saturating_sub(self.lanes.len()))
    }

    /// How many rows are shown: the steps of packets up to `horizon` (all with `None`); a
    /// title shows only with a step under it.
    pub fn shown(&self, steps: &Chunked<Step>, horizon: Option<usize>) -> usize {
        let Some(h) = horizon else {
            return self.rows.len();
        };
        let beyond = |r: &LadderRow| match r {
            LadderRow::Step(i) => steps.get(*i).is_none_or(|s| s.packet_index() > h),
            LadderRow::Phase(_) | LadderRow::Upgrade => false,
        };
        let mut n = self.rows.iter().position(beyond).unwrap_or(self.rows.len());
        while n > 0 && !matches!(self.rows.get(n - 1), Some(LadderRow::Step(_))) {
            n -= 1;
        }
        n
    }
}

/// The lanes of `group` to draw when `room` fit: the first ones, and always `chosen`'s.
fn shown_lanes(group: &LaneGroup, chosen: u32, room: usize) -> Vec<u32> {
    let room = room.max(2);
    let mut lanes: Vec<u32> = group.lanes.iter().take(room).map(|l| l.stream).collect();
    if !lanes.contains(&chosen) && group.lanes.iter().any(|l| l.stream == chosen) {
        lanes.pop();
        lanes.push(chosen);
    }
    lanes
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
                LadderRow::Step(_) | LadderRow::Upgrade => None,
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
        let upgrade = model.packets[3].step().unwrap();
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

    fn capture(name: &str) -> Model {
        let path = format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"));
        crate::pipeline::tests::process_file(std::path::Path::new(&path))
    }

    fn steps_of(ladder: &Ladder) -> Vec<usize> {
        ladder
            .rows
            .iter()
            .filter_map(|r| match r {
                LadderRow::Step(i) => Some(*i),
                LadderRow::Phase(_) | LadderRow::Upgrade => None,
            })
            .collect()
    }

    #[test]
    fn the_lanes_mode_interleaves_every_connection_of_the_session_in_time_order() {
        let model = capture("socketio.pcapng");
        let mut ladder = Ladder {
            mode: LadderMode::Lanes,
            ..Ladder::default()
        };
        ladder.update(&model, Some(2));
        let group = ladder.group.clone().unwrap();
        assert!(matches!(group.kind, GroupKind::Session { .. }));
        assert_eq!(ladder.lanes, [0, 1, 2]);
        // Every step of the three connections, in packet order, and nothing else.
        let expected: Vec<usize> = (0..model.steps.len())
            .filter(|&i| [0, 1, 2].contains(&model.steps[i].stream))
            .collect();
        assert_eq!(steps_of(&ladder), expected);
        // One upgrade title, just before the WebSocket request that names the sid.
        let at = ladder
            .rows
            .iter()
            .position(|r| *r == LadderRow::Upgrade)
            .unwrap();
        let LadderRow::Step(next) = ladder.rows[at + 1] else {
            panic!("a step follows the title")
        };
        let row = &model.packets[model.steps[next].packet_index()];
        assert!(crate::model::lanes::starts_upgrade(row));
        assert_eq!(
            ladder
                .rows
                .iter()
                .filter(|r| **r == LadderRow::Upgrade)
                .count(),
            1
        );
        for (k, &i) in expected.iter().enumerate() {
            assert!(ladder.row_of_step(i).is_some(), "step {k}");
        }
        // Choosing another connection of the session keeps the rows (the lanes are the same).
        let rows = ladder.rows.clone();
        ladder.scroll_to_current = ScrollRequest::default();
        ladder.update(&model, Some(0));
        assert_eq!((ladder.stream, &ladder.rows), (Some(0), &rows));
        assert!(!ladder.scroll_to_current.is_pending());
        // Back to one connection: its own steps, with phase titles.
        ladder.mode = LadderMode::Connection;
        ladder.update(&model, Some(2));
        assert_eq!(ladder.lanes, [2]);
        assert_eq!(
            steps_of(&ladder),
            model
                .stream_steps(2)
                .iter()
                .map(|&i| i as usize)
                .collect::<Vec<_>>()
        );
        assert!(ladder.rows.iter().any(|r| matches!(r, LadderRow::Phase(_))));
    }

    #[test]
    fn lanes_beyond_the_room_are_counted_and_the_chosen_one_is_always_drawn() {
        let model = capture("broadcast.pcapng");
        let mut ladder = Ladder {
            mode: LadderMode::Lanes,
            lane_room: 2,
            ..Ladder::default()
        };
        ladder.update(&model, Some(2));
        assert_eq!(ladder.lanes, [0, 2]);
        assert_eq!(ladder.lanes_hidden(), 1);
        ladder.lane_room = 3;
        ladder.update(&model, Some(2));
        assert_eq!(ladder.lanes, [0, 1, 2]);
        assert_eq!(ladder.lanes_hidden(), 0);
    }

    #[test]
    fn the_lanes_grow_as_packets_arrive() {
        let full = capture("broadcast.pcapng");
        let mut model = Model::new();
        let mut ladder = Ladder {
            mode: LadderMode::Lanes,
            ..Ladder::default()
        };
        for (i, row) in full.packets.iter().enumerate() {
            // The live path: rows with their steps, one at a time.
            let mut row = row.clone();
            if let Some(s) = row.step() {
                row.set_step(Some(model.steps.len()));
                model.steps.push(full.steps[s].clone());
            }
            model.connections = full.connections.clone();
            model.push_row(row, crate::model::FrameBytes::Kept(Vec::new()));
            ladder.update(&model, Some(0));
            let steps = steps_of(&ladder);
            assert!(steps.windows(2).all(|w| w[0] < w[1]), "after packet {i}");
        }
        assert_eq!(ladder.lanes, [0, 1, 2]);
        assert_eq!(steps_of(&ladder), (0..full.steps.len()).collect::<Vec<_>>());
    }

    #[test]
    fn an_ack_is_tied_to_its_event_with_the_decode_s_round_trip() {
        let model = capture("socketio.pcapng");
        let mut ladder = Ladder::default();
        ladder.update(&model, Some(2));
        assert!(!ladder.ties.is_empty());
        for t in &ladder.ties {
            let event = &model.steps[t.event_step];
            let ack = &model.steps[t.ack_step];
            assert_eq!(
                t.tie.rtt_ns,
                model.step_ts_ns(ack) - model.step_ts_ns(event)
            );
            let pair = model.packets[ack.packet_index()]
                .io()
                .iter()
                .find_map(|e| match e {
                    crate::model::IoEvent::AckPair(p) if p.id == t.tie.id => Some(p),
                    _ => None,
                });
            assert_eq!(pair.map(|p| p.event_frame), Some(model.step_number(event)));
        }
        for (k, t) in ladder.ties.iter().enumerate() {
            for end in [t.event_step, t.ack_step] {
                let found: Vec<_> = ladder.ties_of(end).collect();
                assert_eq!(found, [&ladder.ties[k]], "tie {k} from step {end}");
            }
        }
        let neither = (0..model.steps.len())
            .find(|&i| {
                ladder
                    .ties
                    .iter()
                    .all(|t| t.event_step != i && t.ack_step != i)
            })
            .unwrap();
        assert_eq!(ladder.ties_of(neither).count(), 0);
    }
}
