//! The ladder diagram: client and server lanes (ip:port, with their TCP state as it changes),
//! time flowing down, one arrow per step with its textbook label, grouped into phases, and the
//! current packet travelling along its arrow as an envelope.

use egui::{
    Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, StrokeKind, Vec2, pos2, vec2,
};

use crate::model::{Connection, Direction, Model, Step, TcpState};

use super::action::Action;
use super::app::App;
use super::ladder_lanes::{Geometry, UPGRADE_TITLE, geometry, lane_name, lane_room};
use super::theme::Palette;
use super::view::LadderRow;

/// The smallest share of the width left outside each lane.
const LANE_INSET: f32 = 0.12;
/// The widest RFC state name a pill shows.
const WIDEST_STATE: &str = "SYN-RECEIVED";

/// A row's height: 2.6 lines of body text, or 2.2 (the label still clears the row above) when
/// fewer than ten such rows fit, as in presentation mode's large fonts at 1280 × 720.
fn row_height(ui: &egui::Ui) -> f32 {
    let line = ui.text_style_height(&egui::TextStyle::Body);
    if ui.available_height() < line * 2.6 * 10.0 {
        line * 2.2
    } else {
        line * 2.6
    }
}

/// Room left of the client lane and right of the server lane, so that a row's "#N +time" label
/// and a state pill beside the lane never overlap.
#[derive(Clone, Copy, Debug)]
pub(super) struct Margins {
    pub(super) left: f32,
    pub(super) right: f32,
}

impl Margins {
    fn measure(ui: &egui::Ui, small: &FontId, widest_label: &str) -> Self {
        let width = |text: &str| {
            ui.painter()
                .layout_no_wrap(text.to_owned(), small.clone(), Color32::WHITE)
                .size()
                .x
        };
        let pill = width(WIDEST_STATE) + PILL_PAD.x + LANE_GAP;
        Self {
            left: LABEL_X + width(widest_label) + LANE_GAP + pill,
            right: pill + LANE_GAP,
        }
    }

    /// The x positions of the client and server lanes in `rect`.
    pub(super) fn lanes(self, rect: Rect) -> (f32, f32) {
        let min = rect.width() * LANE_INSET;
        let cx = rect.left() + self.left.max(min);
        let sx = (rect.right() - self.right.max(min)).max(cx + rect.width() * 0.2);
        (cx, sx)
    }
}

/// Padding inside a state pill, and the gap between a pill and its lane.
const PILL_PAD: Vec2 = vec2(10.0, 4.0);
const LANE_GAP: f32 = 6.0;
/// Where a row's "#N +time" label starts.
const LABEL_X: f32 = 6.0;

/// The row label with the most characters: the last step's packet number (they only grow)
/// with the last step's time or the widest time below a second, whichever is longer.
pub(super) fn widest_label(rows: &[LadderRow], model: &Model, first_ts: i64) -> String {
    let last = rows.iter().rev().find_map(|r| match r {
        LadderRow::Step(i) => model.steps.get(*i),
        LadderRow::Phase(_) | LadderRow::Upgrade => None,
    });
    let last = last.map(|s| (model.step_number(s), model.step_ts_ns(s)));
    let widest_ms = last.map_or_else(
        || "#0 +999.999 ms".to_owned(),
        |(number, _)| format!("#{number} +999.999 ms"),
    );
    match last.map(|packet| row_label(packet, first_ts)) {
        Some(label) if label.chars().count() > widest_ms.chars().count() => label,
        _ => widest_ms,
    }
}

/// The widest row label of the lanes view, where rows show the packet number alone.
pub(super) fn lanes_label(rows: &[LadderRow], model: &Model) -> String {
    let widest = widest_label(rows, model, 0);
    widest.split(' ').next().unwrap_or_default().to_owned()
}

/// The row label of packet `number`, captured at `ts_ns`.
fn row_label((number, ts_ns): (u64, i64), first_ts: i64) -> String {
    format!(
        "#{number} {}",
        super::timefmt::plus_offset_text(ts_ns - first_ts, 3)
    )
}

pub fn ladder_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    let palette = app.palette();
    let Some(stream) = app.view.ladder.stream else {
        no_connection_ui(ui, app);
        return;
    };
    let ladder = &app.view.ladder;
    let heading = match (&ladder.group, ladder.lanes.len() > 1) {
        (Some(group), true) => super::ladder_lanes::heading(group, ladder.lanes_hidden()),
        _ => ladder_heading(
            &app.view.overview.name(stream),
            app.view.follow.is_some(),
            app.view.overview.ids.len(),
        ),
    };
    let heading = RichText::new(heading).color(palette.weak_text);
    if ladder.group.is_some() {
        ui.horizontal_wrapped(|ui| {
            if super::ladder_lanes::toggle_ui(ui, app) {
                actions.push(Action::View(super::keys::ViewKey::LadderLanes));
            }
            ui.label(heading);
        });
    } else {
        ui.label(heading);
    }
    ladder_body_ui(ui, app, actions, stream);
}

/// The lanes' margins for `widest` row label, and whether the ladder is roomy: whether row
/// labels keep their time and state pills are written beside the rows.
pub(super) fn fitted_margins(
    ui: &egui::Ui,
    conn: &Connection,
    small: &FontId,
    widest: &str,
) -> (Margins, bool) {
    let mut margins = Margins::measure(ui, small, widest);
    // In a narrow ladder (the teaching panel open at 1280 px, in presentation mode above all)
    // the lanes would come closer than their titles and state pills are wide, and the two
    // titles would run into each other. Then the row labels give up their time ("#12", not
    // "#12 +3.5 ms") and the state pills beside the rows give up their room: the lanes' own
    // pills in the header still show both states.
    let (cx, sx) = margins.lanes(ui.available_rect_before_wrap());
    let text_width = |t: String| {
        ui.painter()
            .layout_no_wrap(t, small.clone(), Color32::WHITE)
            .size()
            .x
    };
    let widest_title = [
        conn.client.to_string(),
        conn.server.to_string(),
        WIDEST_STATE.into(),
    ]
    .into_iter()
    .map(text_width)
    .fold(0.0, f32::max)
        + PILL_PAD.x;
    let roomy = sx - cx >= widest_title + LANE_GAP;
    if !roomy {
        let short = widest.split(' ').next().unwrap_or_default().to_owned();
        let half_title = widest_title / 2.0 + LANE_GAP;
        margins = Margins {
            left: (LABEL_X + text_width(short) + LANE_GAP).max(half_title),
            right: half_title,
        };
    }
    (margins, roomy)
}

fn ladder_body_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>, stream: u32) {
    let palette = app.palette();
    let small = FontId::proportional(ui.text_style_height(&egui::TextStyle::Small));
    if let Some(fit) = lane_room(ui, app, &small) {
        app.view.ladder.lane_room = fit;
    }
    let Some(conn) = app.model.connections.get(stream as usize) else {
        return;
    };
    let (client_state, server_state) = app
        .current_step()
        .filter(|s| s.stream == stream)
        .map_or((conn.client_state, conn.server_state), |s| {
            app.model.states_shown(s)
        });
    let (geometry, first_ts, roomy) = geometry(ui, app, conn, &small);
    let body = match &geometry {
        Geometry::One(margins) => lane_headers_ui(
            ui,
            conn,
            (client_state, server_state),
            palette,
            *margins,
            &small,
        ),
        Geometry::Many(many) => {
            let body = FontId::proportional(ui.text_style_height(&egui::TextStyle::Body));
            many.headers_ui(ui, Some(stream), palette, &small);
            body
        }
    };
    let frame = RowFrame {
        app,
        many: matches!(geometry, Geometry::Many(_)),
        geometry,
        body,
        small,
        palette,
        envelope: app.stage(ui.ctx()).envelope,
        horizon: app.horizon(),
        roomy,
        first_ts,
    };
    let row_h = row_height(ui);
    let mut scroll = egui::ScrollArea::vertical().auto_shrink(false).id_salt((
        "ladder",
        app.view.ladder.lanes.first(),
        frame.many,
    ));
    if app.view.ladder.scroll_to_current.is_pending()
        && let Some(r) = app
            .playback
            .current
            .and_then(|c| app.view.ladder.row_of_step(c))
    {
        // Whole rows above the current one, so that the top row is not cut under the lane
        // headers.
        // (`show_rows` places row k at k × (row height + item spacing).)
        let stride = row_h + ui.spacing().item_spacing.y;
        let above = (ui.available_height() / 2.0 / stride).floor();
        let offset = (r as f32 - above).max(0.0) * stride;
        scroll = scroll.vertical_scroll_offset(offset);
    }
    let shown = app.view.ladder.shown(&app.model.steps, frame.horizon);
    scroll.show_rows(ui, row_h, shown, |ui, range| {
        ui.spacing_mut().item_spacing.y = 0.0;
        let mut drawn: Vec<super::ladder_loss::Drawn> = Vec::new();
        let mut server_x = None;
        for r in range {
            let (rect, response) =
                ui.allocate_exact_size(vec2(ui.available_width(), row_h), Sense::click());
            if let Some((arrow, i, sx)) = frame.row(ui.painter(), r, rect, &response, actions) {
                drawn.push((r, i, arrow));
                server_x = Some(sx);
            }
        }
        let painter = ui.painter();
        super::ladder_loss::ties(painter, app, (&drawn, row_h, shown), palette, &frame.small);
        if let Some(sx) = server_x {
            let at = (&drawn[..], row_h, shown, sx);
            super::ladder_ack::ties(painter, app, at, palette, &frame.small);
        }
    });
}

/// What the rows of one frame of the ladder share.
struct RowFrame<'a> {
    app: &'a App,
    geometry: Geometry,
    /// Several lanes are drawn.
    many: bool,
    body: FontId,
    small: FontId,
    palette: Palette,
    /// Where the current packet's envelope is on its arrow.
    envelope: Option<f32>,
    horizon: Option<usize>,
    /// Row labels keep their time and state pills are drawn.
    roomy: bool,
    first_ts: i64,
}

impl RowFrame<'_> {
    /// Draw row `r` in `rect`. For a step's row: its arrow's ends, its step and the x of the
    /// server's lane.
    fn row(
        &self,
        painter: &egui::Painter,
        r: usize,
        rect: Rect,
        response: &egui::Response,
        actions: &mut Vec<Action>,
    ) -> Option<((Pos2, Pos2), usize, f32)> {
        let (app, palette) = (self.app, self.palette);
        for x in self.geometry.lines(rect) {
            painter.vline(x, rect.y_range(), Stroke::new(2.0, palette.lane));
        }
        let rows = &app.view.ladder.rows;
        let title = match rows.get(r)? {
            LadderRow::Phase(phase) => phase.title(),
            LadderRow::Upgrade => UPGRADE_TITLE,
            LadderRow::Step(i) => return self.step_row(painter, (r, *i), rect, response, actions),
        };
        title_row(painter, rect, title, &self.body, palette);
        let text = format!("ladder title: {title}");
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
        None
    }

    /// Draw step `i`'s row `r` in `rect`: its arrow's ends, and the x of the server's lane.
    fn step_row(
        &self,
        painter: &egui::Painter,
        (r, i): (usize, usize),
        rect: Rect,
        response: &egui::Response,
        actions: &mut Vec<Action>,
    ) -> Option<((Pos2, Pos2), usize, f32)> {
        let (app, palette) = (self.app, self.palette);
        let rows = &app.view.ladder.rows;
        let step = app.model.steps.get(i)?;
        let (cx, sx) = self.geometry.lanes(rect, step.stream)?;
        let ties = !app.view.ladder.ties.is_empty();
        let (label_centre, label_span) = self.geometry.label_place(rect, (cx, sx), ties);
        // Presentation mode picks the words that fit this room: between the lanes (and a
        // little beyond) for one connection, the label's span with several lanes.
        let room = if self.many {
            label_span.1 - label_span.0
        } else {
            (sx - cx).abs() + 2.0 * LABEL_X
        };
        let label = drawn_label(app, i, painter, (rect, room), &self.body)?;
        let packet = app.model.packets.get(step.packet_index());
        if self.many && packet.is_some_and(crate::model::lanes::upgrade_part) {
            painter.rect_filled(rect.shrink2(vec2(0.0, 2.0)), 4.0, palette.phase_bg);
        }
        let prev = previous_step(rows, r).and_then(|j| app.model.steps.get(j));
        let is_current = app.playback.current == Some(i);
        // A copy is drawn as lost once its resend is shown (not before, when what comes next
        // is hidden).
        let lost = step
            .lost()
            .filter(|l| self.horizon.is_none_or(|h| l.index <= h));
        let arrow = ArrowRow {
            label: &label,
            rect,
            cx,
            sx,
            label_centre,
            label_span,
            step,
            packet: (app.model.step_number(step), app.model.step_ts_ns(step)),
            states: app.model.states_shown(step),
            prev: prev.map(|p| app.model.states_shown(p)),
            is_current,
            envelope: if is_current { self.envelope } else { None },
            first_ts: self.roomy.then_some(self.first_ts),
            pills: self.roomy && !self.many,
            lost: lost.is_some(),
        };
        arrow.paint(painter, palette, &self.body, &self.small);
        if response.hovered() {
            hover_outline(painter, rect, palette);
        }
        if response.clicked() {
            actions.push(Action::GoToStep(i));
        }
        let tie = super::ladder_ack::note(app, i);
        let packet = (app.model.step_number(step), app.model.step_ts_ns(step));
        let mut text = super::ladder_loss::accessible(&label, step, packet.1, lost);
        if let Some(note) = &tie {
            text = format!("{text} ({note})");
        }
        if self.many
            && let Some(lane) = lane_name(app, step.stream)
        {
            text = format!("{text} [{lane}]");
        }
        response.widget_info(|| {
            egui::WidgetInfo::selected(egui::Role::Button, true, is_current, &text)
        });
        let tie = tie.map_or_else(String::new, |n| format!("\n{n}"));
        response.clone().on_hover_text(format!(
            "Packet {}: {}{tie}",
            packet.0,
            app.model.step_label(step)
        ));
        Some((arrow.start_end(self.body.size), i, sx))
    }
}

/// The outline of the row under the pointer.
fn hover_outline(painter: &egui::Painter, rect: Rect, palette: Palette) {
    painter.rect_stroke(
        rect,
        2.0,
        Stroke::new(1.0, palette.hover),
        StrokeKind::Inside,
    );
}

/// A title row: a phase's, or the upgrade's.
fn title_row(painter: &egui::Painter, rect: Rect, title: &str, body: &FontId, palette: Palette) {
    painter.rect_filled(rect.shrink2(vec2(4.0, 3.0)), 4.0, palette.phase_bg);
    painter.text(
        rect.left_center() + vec2(8.0, 0.0),
        Align2::LEFT_CENTER,
        title,
        body.clone(),
        palette.accent,
    );
}

/// The label of step `i` as drawn in `rect` (`room` wide): in presentation mode never cut
/// (see `presentation`). None, with a question mark drawn, while the quiz hides the step.
fn drawn_label<'a>(
    app: &'a App,
    i: usize,
    painter: &egui::Painter,
    (rect, room): (Rect, f32),
    body: &FontId,
) -> Option<std::borrow::Cow<'a, str>> {
    let step = app.model.steps.get(i)?;
    if app.teach.quiz.hides(i, app.playback.current) {
        let colour = app.palette().weak_text;
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "?",
            body.clone(),
            colour,
        );
        return None;
    }
    if !app.settings().presentation {
        return Some(app.model.step_label(step));
    }
    let fits = |t: &str| {
        painter
            .layout_no_wrap(t.to_owned(), body.clone(), egui::Color32::WHITE)
            .size()
            .x
            <= room
    };
    Some(super::presentation::whole_label(
        app.model.step_label(step),
        app.model.packets.get(step.packet_index()),
        fits,
    ))
}

/// Which connection the ladder shows ("Connection 2 of 5…"), and why.
fn ladder_heading(name: &str, followed: bool, connections: usize) -> String {
    let mut chars = name.chars();
    let name: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if followed {
        format!("{name}, followed: Step and Play keep to it")
    } else if connections > 1 {
        format!("{name}, the current packet's (follow one from the Connections tab)")
    } else {
        name
    }
}

/// What the ladder says before there is a connection to draw.
fn no_connection_ui(ui: &mut egui::Ui, app: &App) {
    ui.centered_and_justified(|ui| {
        ui.label(if app.loader.is_some() {
            "Reading…"
        } else if app.is_live() {
            "Live: press Connect to open a WebSocket to the echo server, and watch its packets \
             arrive here one by one."
        } else {
            "Open a capture (Open… or drop a file on the window) to see its connections."
        });
    });
}

/// The lane titles (ip:port) and each lane's current TCP state. Returns the body font.
fn lane_headers_ui(
    ui: &mut egui::Ui,
    conn: &Connection,
    (client_state, server_state): (TcpState, TcpState),
    palette: Palette,
    margins: Margins,
    small: &FontId,
) -> FontId {
    let body = FontId::proportional(ui.text_style_height(&egui::TextStyle::Body));
    // Name, address (on its own line, so that the two lanes' titles never run into each other
    // in a narrow window), state pill.
    let header_h = body.size * 1.25 + small.size * 1.3 + small.size + PILL_PAD.y + 8.0;
    let (header, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), header_h), Sense::hover());
    let states = format!(
        "lanes: client {}, server {}",
        client_state.rfc_name(),
        server_state.rfc_name()
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &states));
    let (cx, sx) = margins.lanes(header);
    let painter = ui.painter();
    for (x, name, addr, state, colour) in [
        (cx, "Client", conn.client, client_state, palette.client),
        (sx, "Server", conn.server, server_state, palette.server),
    ] {
        let addr = addr.to_string();
        lane_title(
            painter,
            pos2(x, header.top()),
            (name, &addr),
            (&body, small),
            colour,
        );
        state_pill(
            painter,
            pos2(x, header.bottom() - 4.0),
            state,
            colour,
            small,
            palette,
            Align2::CENTER_BOTTOM,
        );
    }
    if conn.midstream {
        painter.text(
            header.center_bottom(),
            Align2::CENTER_BOTTOM,
            "(picked up mid-stream: roles guessed)",
            small.clone(),
            palette.weak_text,
        );
    }

    body
}

/// A lane's title at `top`: its name, and under it its address (on its own line, so that
/// neighbouring titles never run into each other in a narrow window).
pub(super) fn lane_title(
    painter: &egui::Painter,
    top: Pos2,
    (name, address): (&str, &str),
    (body, small): (&FontId, &FontId),
    colour: Color32,
) {
    painter.text(top, Align2::CENTER_TOP, name, body.clone(), colour);
    painter.text(
        top + vec2(0.0, body.size * 1.25),
        Align2::CENTER_TOP,
        address,
        small.clone(),
        colour,
    );
}

/// The step shown in the row before `row` (skipping phase titles).
fn previous_step(rows: &[LadderRow], row: usize) -> Option<usize> {
    rows.get(..row)?.iter().rev().find_map(|r| match r {
        LadderRow::Step(i) => Some(*i),
        LadderRow::Phase(_) | LadderRow::Upgrade => None,
    })
}

fn state_pill(
    painter: &egui::Painter,
    at: Pos2,
    state: TcpState,
    colour: Color32,
    font: &FontId,
    palette: Palette,
    align: Align2,
) {
    let galley = painter.layout_no_wrap(state.rfc_name().to_string(), font.clone(), colour);
    let rect = align.anchor_size(at, galley.size() + PILL_PAD);
    let fill = if palette.dark {
        Color32::from_black_alpha(200)
    } else {
        Color32::from_white_alpha(230)
    };
    painter.rect(
        rect,
        6.0,
        fill,
        Stroke::new(1.0, colour),
        StrokeKind::Inside,
    );
    painter.galley(rect.min + PILL_PAD / 2.0, galley, colour);
}

/// An arrow's label laid out to fit `max_width`: at its size when it fits, else smaller (down
/// to 60 %), else also wrapped; never cut, so a long Socket.IO label stays whole.
fn fitted_label(
    painter: &egui::Painter,
    text: &str,
    font: &FontId,
    colour: egui::Color32,
    max_width: f32,
) -> std::sync::Arc<egui::Galley> {
    let galley = painter.layout_no_wrap(text.to_owned(), font.clone(), colour);
    let width = galley.size().x;
    if width <= max_width || max_width <= 0.0 {
        return galley;
    }
    let scale = (max_width / width).max(0.6);
    let smaller = FontId::new(font.size * scale, font.family.clone());
    if width * scale <= max_width {
        return painter.layout_no_wrap(text.to_owned(), smaller, colour);
    }
    let mut wrapped = painter.layout(text.to_owned(), smaller, colour, max_width);
    // More than two lines would leave the row (a long URL between the lanes of the lanes
    // view): smaller still, down to 40 %, until it fits in two.
    let mut scale = scale;
    while wrapped.rows.len() > 2 && scale > 0.4 {
        scale -= 0.05;
        let smaller = FontId::new(font.size * scale, font.family.clone());
        wrapped = painter.layout(text.to_owned(), smaller, colour, max_width);
    }
    wrapped
}

struct ArrowRow<'a> {
    /// The step's label as drawn (whole in presentation mode).
    label: &'a str,
    rect: Rect,
    cx: f32,
    sx: f32,
    /// Where the label is centred, and from where to where it may spread.
    label_centre: f32,
    label_span: (f32, f32),
    step: &'a Step,
    /// The step's packet: its number and capture time.
    packet: (u64, i64),
    /// The peers' states after this step and after the one before, as shown.
    states: (TcpState, TcpState),
    prev: Option<(TcpState, TcpState)>,
    is_current: bool,
    envelope: Option<f32>,
    /// The time of the connection's first packet; None: the row label shows no time.
    first_ts: Option<i64>,
    /// Whether state changes are written beside the lanes.
    pills: bool,
    /// The copy was lost (a later packet resent it): its arrow stops midway at a ✗.
    lost: bool,
}

impl ArrowRow<'_> {
    /// Where the arrow starts (the sender's lane) and ends (the receiver's); `body_size` is the
    /// label's font size.
    fn start_end(&self, body_size: f32) -> (Pos2, Pos2) {
        let (from_x, to_x) = match self.step.direction {
            Direction::ClientToServer => (self.cx, self.sx),
            Direction::ServerToClient => (self.sx, self.cx),
        };
        let rect = self.rect;
        // The label above the arrow stays inside the row, however tight the rows are.
        let y0 = (rect.top() + rect.height() * 0.45).max(rect.top() + body_size * 1.2 + 2.0);
        let y1 = rect.bottom() - rect.height() * 0.12;
        (pos2(from_x, y0), pos2(to_x, y1))
    }

    fn paint(&self, painter: &egui::Painter, palette: Palette, body: &FontId, small: &FontId) {
        let Self {
            rect, cx, sx, step, ..
        } = *self;
        let colour = match step.direction {
            Direction::ClientToServer => palette.client,
            Direction::ServerToClient => palette.server,
        };
        if self.is_current {
            painter.rect_filled(rect, 0.0, palette.hover.gamma_multiply(0.6));
        }
        let (start, end) = self.start_end(body.size);
        let (y0, y1) = (start.y, end.y);
        let colour = super::ladder_loss::arrow_colour(step, colour, palette);
        let (width, colour) = if self.is_current {
            (3.5, palette.accent)
        } else {
            (1.8, colour)
        };
        if self.lost {
            super::ladder_loss::lost_arrow(painter, (start, end), width, colour, palette, small);
        } else {
            painter.line_segment([start, end], Stroke::new(width, colour));
            arrow_head(painter, start, end, Stroke::new(width, colour));
        }
        super::ladder_loss::never_seen(painter, step, start, end, palette, small);
        let label_colour = if self.is_current {
            palette.text
        } else {
            colour
        };
        let row_label = painter.layout_no_wrap(
            self.first_ts.map_or_else(
                || format!("#{}", self.packet.0),
                |first| row_label(self.packet, first),
            ),
            small.clone(),
            palette.weak_text,
        );
        // The arrow's label never runs over the row's "#N +time".
        let (left, right) = self.label_span;
        let left = left.max(rect.left() + LABEL_X + row_label.size().x + LANE_GAP);
        let galley = fitted_label(painter, self.label, body, label_colour, right - left);
        // Centred over the arrow, moved in where a wide label would leave its span.
        let half = galley.size().x / 2.0;
        let centre = self.label_centre.min(right - half).max(left + half);
        let top = y0 - 2.0 - galley.size().y;
        painter.galley(pos2(centre - half, top), galley, label_colour);
        let at = rect.left_center() + vec2(LABEL_X, -row_label.size().y / 2.0);
        painter.galley(at, row_label, palette.weak_text);
        // State changes, written on the lane where they happen.
        for (is_client_lane, now, before) in [
            (true, self.states.0, self.prev.map(|p| p.0)),
            (false, self.states.1, self.prev.map(|p| p.1)),
        ] {
            let (x, align) = if is_client_lane {
                (cx, Align2::RIGHT_CENTER)
            } else {
                (sx, Align2::LEFT_CENTER)
            };
            if self.pills && before != Some(now) {
                // A sender changes state as it sends, a receiver as the packet arrives.
                let y = if is_client_lane == (step.direction == Direction::ClientToServer) {
                    y0
                } else {
                    y1
                };
                let at = pos2(
                    if align == Align2::RIGHT_CENTER {
                        x - LANE_GAP
                    } else {
                        x + LANE_GAP
                    },
                    y,
                );
                let lane_colour = if is_client_lane {
                    palette.client
                } else {
                    palette.server
                };
                state_pill(painter, at, now, lane_colour, small, palette, align);
            }
        }
        if let Some(t) = self.envelope {
            envelope(painter, start.lerp(end, t), palette);
        }
    }
}

pub(super) fn arrow_head(painter: &egui::Painter, start: Pos2, end: Pos2, stroke: Stroke) {
    let dir = (end - start).normalized();
    let size = 10.0 + stroke.width * 2.0;
    let rot = egui::emath::Rot2::from_angle(0.45);
    painter.line_segment([end, end - size * (rot * dir)], stroke);
    painter.line_segment([end, end - size * (rot.inverse() * dir)], stroke);
}

/// An envelope (the packet) centred at `at`.
fn envelope(painter: &egui::Painter, at: Pos2, palette: Palette) {
    let rect = Rect::from_center_size(at, Vec2::new(34.0, 22.0));
    let edge = Stroke::new(2.0, Color32::from_gray(40));
    painter.rect(rect, 3.0, palette.envelope, edge, StrokeKind::Inside);
    painter.line_segment([rect.left_top(), rect.center()], edge);
    painter.line_segment([rect.right_top(), rect.center()], edge);
}

#[cfg(test)]
mod tests;
