//! The ladder with a lane per connection: the TCP connections of one Engine.IO session
//! ("polling #1", "polling #2", "WebSocket"), or every client of one server at the time
//! ("client 1", "client 2"…), side by side on the left, the server's lane shared on the right,
//! time flowing down. Arrows run from their connection's lane to the server's; their labels sit
//! between the last client lane and the server's, so no label crosses a lane. As many lanes
//! are drawn as the width allows; the heading says how many more there are.

use std::fmt::Write as _;

use egui::{Color32, FontId, Rect, RichText, Sense, pos2, vec2};

use crate::model::{Connection, GroupKind, LaneGroup};

use super::ladder::{Margins, fitted_margins, lane_title, lanes_label, widest_label};

use super::app::App;
use super::theme::Palette;

/// The gap between a lane's title and the next lane's, and around the row labels.
const GAP: f32 = 14.0;
/// Where a row's "#N +time" label starts.
const LABEL_X: f32 = 6.0;
/// The share of the width kept for the arrows' labels, between the last client lane and the
/// server's.
const LABEL_SHARE: f32 = 0.35;
/// What that share may shrink to so that every lane is drawn (the labels get smaller first: a
/// session's three connections at 1280 × 720 in presentation mode).
const MIN_LABEL_SHARE: f32 = 0.22;

/// One lane drawn: its connection, its name and its client's address as written.
#[derive(Clone, Debug)]
struct DrawnLane {
    stream: u32,
    name: String,
    address: String,
}

/// Where the lanes of a group are, measured once a frame.
#[derive(Clone, Debug)]
pub(super) struct ManyLanes {
    lanes: Vec<DrawnLane>,
    /// The first lane's distance from a row's left edge, and from one lane to the next.
    first: f32,
    spacing: f32,
    /// The server lane's distance from a row's right edge.
    right: f32,
    server: String,
}

/// The client's address as a lane writes it: the port alone when client and server share an
/// address (loopback), else the whole address.
fn client_address(client: std::net::SocketAddr, server: std::net::SocketAddr) -> String {
    if client.ip() == server.ip() {
        format!(":{}", client.port())
    } else {
        client.to_string()
    }
}

impl ManyLanes {
    /// The lanes of `group` that the ladder draws (`streams`), measured in `width`, with
    /// `widest_label` the widest row label and `tie_room` the room the acks' ties need right of
    /// the server's lane. Also returns how many lanes would fit.
    pub(super) fn measure(
        ui: &egui::Ui,
        (group, streams): (&LaneGroup, &[u32]),
        small: &FontId,
        widest_label: &str,
        tie_room: f32,
    ) -> (Self, usize) {
        let width = |text: &str, font: &FontId| {
            ui.painter()
                .layout_no_wrap(text.to_owned(), font.clone(), Color32::WHITE)
                .size()
                .x
        };
        let all: Vec<DrawnLane> = group
            .lanes
            .iter()
            .map(|l| DrawnLane {
                stream: l.stream,
                name: l.name.clone(),
                address: client_address(l.client, group.server),
            })
            .collect();
        let lane_w = all
            .iter()
            .map(|l| width(&l.name, small).max(width(&l.address, small)))
            .fold(0.0, f32::max);
        let spacing = lane_w + GAP;
        let server = group.server.to_string();
        let right = (width(&server, small).max(width("Server", small)) / 2.0 + GAP).max(tie_room);
        let first = LABEL_X + width(widest_label, small) + GAP + spacing / 2.0;
        let total = ui.available_width();
        let fit_with = |share: f32| {
            let for_lanes = total - first + spacing / 2.0 - right - total * share;
            (for_lanes / spacing).floor().max(2.0) as usize
        };
        let fit = match fit_with(LABEL_SHARE) {
            fit if fit < all.len() => fit_with(MIN_LABEL_SHARE),
            fit => fit,
        };
        let lanes = streams
            .iter()
            .filter_map(|s| all.iter().find(|l| l.stream == *s).cloned())
            .collect();
        let layout = Self {
            lanes,
            first,
            spacing,
            right,
            server,
        };
        (layout, fit)
    }

    /// The x of connection `stream`'s lane in `rect`, if it is drawn.
    pub(super) fn client_x(&self, rect: Rect, stream: u32) -> Option<f32> {
        let k = self.lanes.iter().position(|l| l.stream == stream)?;
        Some(rect.left() + self.first + k as f32 * self.spacing)
    }

    /// The x of every client lane in `rect`.
    pub(super) fn client_xs(&self, rect: Rect) -> impl Iterator<Item = f32> + '_ {
        (0..self.lanes.len()).map(move |k| rect.left() + self.first + k as f32 * self.spacing)
    }

    pub(super) fn server_x(&self, rect: Rect) -> f32 {
        let last = self.client_xs(rect).last().unwrap_or(rect.left());
        (rect.right() - self.right).max(last + self.spacing)
    }

    /// Where the arrows' labels may go in `rect`: from past the last client lane to the
    /// server's.
    pub(super) fn label_span(&self, rect: Rect) -> (f32, f32) {
        let last = self.client_xs(rect).last().unwrap_or(rect.left());
        (last + 6.0, self.server_x(rect) - 6.0)
    }

    /// The lanes' titles (name over address) and the server's; the chosen connection's in
    /// the accent colour.
    pub(super) fn headers_ui(
        &self,
        ui: &mut egui::Ui,
        chosen: Option<u32>,
        palette: Palette,
        small: &FontId,
    ) {
        // Titles in the small font: several lanes share the width.
        let header_h = small.size * 2.55 + 6.0;
        let (header, response) =
            ui.allocate_exact_size(vec2(ui.available_width(), header_h), Sense::hover());
        let names: Vec<String> = self
            .lanes
            .iter()
            .map(|l| format!("{} {}", l.name, l.address))
            .collect();
        let text = format!("lanes: {}, server {}", names.join(", "), self.server);
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
        let painter = ui.painter();
        let titles = self.lanes.iter().zip(self.client_xs(header)).map(|(l, x)| {
            let colour = if chosen == Some(l.stream) {
                palette.accent
            } else {
                palette.client
            };
            (x, l.name.as_str(), l.address.as_str(), colour)
        });
        let server = (
            self.server_x(header),
            "Server",
            self.server.as_str(),
            palette.server,
        );
        for (x, name, address, colour) in titles.chain(std::iter::once(server)) {
            lane_title(
                painter,
                pos2(x, header.top()),
                (name, address),
                (small, small),
                colour,
            );
        }
    }
}

/// Where the lanes are: the chosen connection's client and server, or a lane per connection of
/// its group and the server's.
pub(super) enum Geometry {
    One(Margins),
    Many(super::ladder_lanes::ManyLanes),
}

impl Geometry {
    /// The x of connection `stream`'s client lane and of the server's lane in `rect`.
    pub(super) fn lanes(&self, rect: Rect, stream: u32) -> Option<(f32, f32)> {
        match self {
            Self::One(m) => Some(m.lanes(rect)),
            Self::Many(m) => Some((m.client_x(rect, stream)?, m.server_x(rect))),
        }
    }

    /// Every lane's x in `rect`.
    pub(super) fn lines(&self, rect: Rect) -> Vec<f32> {
        match self {
            Self::One(m) => {
                let (cx, sx) = m.lanes(rect);
                vec![cx, sx]
            }
            Self::Many(m) => m.client_xs(rect).chain([m.server_x(rect)]).collect(),
        }
    }

    /// Where an arrow's label is centred in `rect`, and from where to where it may spread:
    /// short of the server's lane when acks are tied beside it (`ties`).
    pub(super) fn label_place(
        &self,
        rect: Rect,
        (cx, sx): (f32, f32),
        ties: bool,
    ) -> (f32, (f32, f32)) {
        match self {
            Self::One(_) => {
                let right = if ties { sx - 4.0 } else { rect.right() - 4.0 };
                (f32::midpoint(cx, sx), (rect.left() + 4.0, right))
            }
            Self::Many(m) => {
                let span = m.label_span(rect);
                (f32::midpoint(span.0, span.1), span)
            }
        }
    }
}

/// The lanes of the ladder measured for this frame (and, with several lanes, how many fit),
/// the time the row labels count from, and whether state pills are drawn.
pub(super) fn geometry(
    ui: &egui::Ui,
    app: &App,
    conn: &Connection,
    small: &FontId,
) -> (Geometry, i64, bool) {
    let ladder = &app.view.ladder;
    let tie_room = super::ladder_ack::room(ui.painter(), app, small);
    if ladder.lanes.len() > 1
        && let Some((many, _)) = measured(ui, app, small)
    {
        // (Row labels show the packet number alone: no time to count from.)
        return (Geometry::Many(many), conn.first_ts_ns, false);
    }
    let first_ts = conn.first_ts_ns;
    let widest = widest_label(&ladder.rows, &app.model, first_ts);
    let (mut margins, roomy) = fitted_margins(ui, conn, small, &widest);
    margins.right = margins.right.max(tie_room);
    (Geometry::One(margins), first_ts, roomy)
}

/// How many lanes fit the width (what the lanes mode draws next frame).
pub(super) fn lane_room(ui: &egui::Ui, app: &App, small: &FontId) -> Option<usize> {
    measured(ui, app, small).map(|(_, fit)| fit)
}

/// The lanes of the group measured in this frame's width, and how many would fit.
fn measured(ui: &egui::Ui, app: &App, small: &FontId) -> Option<(ManyLanes, usize)> {
    let ladder = &app.view.ladder;
    let group = ladder.group.as_ref()?;
    // Row labels without their time ("#12"): the lanes need the width.
    let widest = lanes_label(&ladder.rows, &app.model);
    let tie_room = super::ladder_ack::room(ui.painter(), app, small);
    Some(ManyLanes::measure(
        ui,
        (group, &ladder.lanes),
        small,
        &widest,
        tie_room,
    ))
}

/// The title of the rows where an Engine.IO session moves onto its WebSocket.
pub(super) const UPGRADE_TITLE: &str = "Upgrade: long-polling → WebSocket, same sid";

/// The name of connection `stream`'s lane in the lanes view ("polling #1", "client 2").
pub(super) fn lane_name(app: &App, stream: u32) -> Option<&str> {
    let group = app.view.ladder.group.as_ref()?;
    let lane = group.lanes.iter().find(|l| l.stream == stream)?;
    Some(lane.name.as_str())
}

/// The heading of the lanes view: what the lanes are, and how many are not drawn.
pub(super) fn heading(group: &LaneGroup, hidden: usize) -> String {
    let n = group.lanes.len();
    let mut s = match &group.kind {
        GroupKind::Session { sid } => {
            format!("Engine.IO session sid={sid}: {n} TCP connections")
        }
        GroupKind::Clients => format!("All clients of {} at the time: {n}", group.server),
    };
    if hidden > 0 {
        let _ = write!(s, " ({hidden} more: too narrow to draw)");
    }
    s
}

/// The toggle between the chosen connection and its group, with its key.
pub(super) fn toggle_ui(ui: &mut egui::Ui, app: &App) -> bool {
    let Some(group) = &app.view.ladder.group else {
        return false;
    };
    let lanes = app.view.ladder.mode == super::view::LadderMode::Lanes;
    let text = match (&group.kind, lanes) {
        (_, true) => "This connection only".to_owned(),
        (GroupKind::Session { .. }, false) => {
            format!("Whole session ({} connections)", group.lanes.len())
        }
        (GroupKind::Clients, false) => format!("All {} clients", group.lanes.len()),
    };
    let key = super::keys::binding(super::keys::Command::LadderLanes)
        .map(super::keys::keys_text)
        .unwrap_or_default();
    ui.button(RichText::new(text))
        .on_hover_text(format!(
            "Switch the ladder between this connection and all of them side by side ({key})"
        ))
        .clicked()
}
