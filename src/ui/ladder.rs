//! The ladder diagram: client and server lanes (ip:port, with their TCP state as it changes),
//! time flowing down, one arrow per step with its textbook label, grouped into phases, and the
//! current packet travelling along its arrow as an envelope.

use egui::{
    Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, StrokeKind, Vec2, pos2, vec2,
};

use crate::model::{Connection, Direction, Phase, Step, TcpState};

use super::action::Action;
use super::app::App;
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
struct Margins {
    left: f32,
    right: f32,
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
    fn lanes(self, rect: Rect) -> (f32, f32) {
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
fn widest_label(rows: &[LadderRow], steps: &[Step], first_ts: i64) -> String {
    let last = rows.iter().rev().find_map(|r| match r {
        LadderRow::Step(i) => steps.get(*i),
        LadderRow::Phase(_) => None,
    });
    let widest_ms = last.map_or_else(
        || "#0 +999.999 ms".to_owned(),
        |s| format!("#{} +999.999 ms", s.packet),
    );
    match last.map(|s| row_label(s, first_ts)) {
        Some(label) if label.chars().count() > widest_ms.chars().count() => label,
        _ => widest_ms,
    }
}

fn row_label(step: &Step, first_ts: i64) -> String {
    format!(
        "#{} {}",
        step.packet,
        super::timefmt::plus_offset_text(step.ts_ns - first_ts, 3)
    )
}

pub fn ladder_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    let palette = app.palette();
    let Some(stream) = app.view.ladder.stream else {
        no_connection_ui(ui, app);
        return;
    };
    ui.label(
        RichText::new(ladder_heading(
            &app.view.overview.name(stream),
            app.view.follow.is_some(),
            app.view.overview.ids.len(),
        ))
        .color(palette.weak_text),
    );
    ladder_body_ui(ui, app, actions, stream);
}

/// The lanes' margins for `widest` row label, and whether the ladder is roomy: whether row
/// labels keep their time and state pills are written beside the rows.
fn fitted_margins(
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
    let Some(conn) = app.model.connections.get(stream as usize) else {
        return;
    };
    let current = app.playback.current;
    let stage = app.stage(ui.ctx());
    let (client_state, server_state) = app
        .current_step()
        .filter(|s| s.stream == stream)
        .map_or((conn.client_state, conn.server_state), |s| {
            app.model.states_shown(s)
        });
    let rows = &app.view.ladder.rows;
    let first_ts = conn.first_ts_ns;
    let small = FontId::proportional(ui.text_style_height(&egui::TextStyle::Small));
    let (margins, roomy) = fitted_margins(
        ui,
        conn,
        &small,
        &widest_label(rows, &app.model.steps, first_ts),
    );
    let body = lane_headers_ui(
        ui,
        conn,
        (client_state, server_state),
        palette,
        margins,
        &small,
    );
    let row_h = row_height(ui);
    let mut scroll = egui::ScrollArea::vertical()
        .auto_shrink(false)
        .id_salt(("ladder", stream));
    if app.view.ladder.scroll_to_current.is_pending()
        && let Some(r) = current.and_then(|c| app.view.ladder.row_of_step(c))
    {
        // Whole rows above the current one, so that the top row is not cut under the lane
        // headers.
        // (`show_rows` places row k at k × (row height + item spacing).)
        let stride = row_h + ui.spacing().item_spacing.y;
        let above = (ui.available_height() / 2.0 / stride).floor();
        let offset = (r as f32 - above).max(0.0) * stride;
        scroll = scroll.vertical_scroll_offset(offset);
    }
    let horizon = app.horizon();
    let shown = app.view.ladder.shown(&app.model.steps, horizon);
    scroll.show_rows(ui, row_h, shown, |ui, range| {
        ui.spacing_mut().item_spacing.y = 0.0;
        let mut drawn: Vec<super::ladder_loss::Drawn> = Vec::new();
        for r in range {
            let (rect, response) =
                ui.allocate_exact_size(vec2(ui.available_width(), row_h), Sense::click());
            let (cx, sx) = margins.lanes(rect);
            let painter = ui.painter();
            painter.vline(cx, rect.y_range(), Stroke::new(2.0, palette.lane));
            painter.vline(sx, rect.y_range(), Stroke::new(2.0, palette.lane));
            match rows.get(r) {
                Some(LadderRow::Phase(phase)) => phase_row(painter, rect, *phase, &body, palette),
                Some(LadderRow::Step(i)) => {
                    let Some(step) = app.model.steps.get(*i) else {
                        continue;
                    };
                    let room = (sx - cx).abs() + 2.0 * LABEL_X;
                    let Some(label) = drawn_label(app, *i, painter, (rect, room), &body) else {
                        continue;
                    };
                    let prev = previous_step(rows, r).and_then(|j| app.model.steps.get(j));
                    let is_current = current == Some(*i);
                    let envelope = if is_current { stage.envelope } else { None };
                    // A copy is drawn as lost once its resend is shown (not before, when what
                    // comes next is hidden).
                    let lost = step.lost.filter(|l| horizon.is_none_or(|h| l.index <= h));
                    let arrow = ArrowRow {
                        label: &label,
                        rect,
                        cx,
                        sx,
                        step,
                        states: app.model.states_shown(step),
                        prev: prev.map(|p| app.model.states_shown(p)),
                        is_current,
                        envelope,
                        first_ts: roomy.then_some(first_ts),
                        pills: roomy,
                        lost: lost.is_some(),
                    };
                    arrow.paint(painter, palette, &body, &small);
                    drawn.push((r, *i, arrow.start_end(body.size)));
                    if response.hovered() {
                        hover_outline(painter, rect, palette);
                    }
                    if response.clicked() {
                        actions.push(Action::GoToStep(*i));
                    }
                    let label = super::ladder_loss::accessible(&label, step, lost);
                    response.widget_info(|| {
                        egui::WidgetInfo::selected(egui::Role::Button, true, is_current, &label)
                    });
                    response.on_hover_text(format!("Packet {}: {}", step.packet, step.label));
                }
                None => {}
            }
        }
        super::ladder_loss::ties(ui.painter(), app, (&drawn, row_h, shown), palette, &small);
    });
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

/// A phase's title row.
fn phase_row(painter: &egui::Painter, rect: Rect, phase: Phase, body: &FontId, palette: Palette) {
    painter.rect_filled(rect.shrink2(vec2(4.0, 3.0)), 4.0, palette.phase_bg);
    painter.text(
        rect.left_center() + vec2(8.0, 0.0),
        Align2::LEFT_CENTER,
        phase.title(),
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
        return Some(std::borrow::Cow::Borrowed(step.label.as_str()));
    }
    let fits = |t: &str| {
        painter
            .layout_no_wrap(t.to_owned(), body.clone(), egui::Color32::WHITE)
            .size()
            .x
            <= room
    };
    Some(super::presentation::whole_label(
        step,
        app.model.packets.get(step.packet_index),
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
        painter.text(
            pos2(x, header.top()),
            Align2::CENTER_TOP,
            name,
            body.clone(),
            colour,
        );
        painter.text(
            pos2(x, header.top() + body.size * 1.25),
            Align2::CENTER_TOP,
            addr.to_string(),
            small.clone(),
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

/// The step shown in the row before `row` (skipping phase titles).
fn previous_step(rows: &[LadderRow], row: usize) -> Option<usize> {
    rows.get(..row)?.iter().rev().find_map(|r| match r {
        LadderRow::Step(i) => Some(*i),
        LadderRow::Phase(_) => None,
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
    painter.layout(text.to_owned(), smaller, colour, max_width)
}

struct ArrowRow<'a> {
    /// The step's label as drawn (whole in presentation mode).
    label: &'a str,
    rect: Rect,
    cx: f32,
    sx: f32,
    step: &'a Step,
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
        let (from_x, to_x, colour) = match step.direction {
            Direction::ClientToServer => (cx, sx, palette.client),
            Direction::ServerToClient => (sx, cx, palette.server),
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
        let galley = fitted_label(painter, self.label, body, label_colour, rect.width() - 8.0);
        // Centred over the arrow, moved in where a wide label would leave the row.
        let half = galley.size().x / 2.0;
        let centre = f32::midpoint(from_x, to_x)
            .min(rect.right() - 4.0 - half)
            .max(rect.left() + 4.0 + half);
        let top = y0 - 2.0 - galley.size().y;
        painter.galley(pos2(centre - half, top), galley, label_colour);
        painter.text(
            rect.left_center() + vec2(LABEL_X, 0.0),
            Align2::LEFT_CENTER,
            self.first_ts.map_or_else(
                || format!("#{}", step.packet),
                |first| row_label(step, first),
            ),
            small.clone(),
            palette.weak_text,
        );
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
mod tests {
    use super::*;

    #[test]
    fn previous_step_skips_phase_rows() {
        use crate::model::Phase;
        let rows = [
            LadderRow::Phase(Phase::TcpHandshake),
            LadderRow::Step(0),
            LadderRow::Phase(Phase::HttpUpgrade),
            LadderRow::Step(3),
        ];
        assert_eq!(previous_step(&rows, 3), Some(0));
        assert_eq!(previous_step(&rows, 1), None);
    }

    /// A label wider than the row is made smaller, then wrapped, never cut: the long labels of
    /// packets with several Socket.IO packets ran off the ladder's left edge.
    #[test]
    fn a_long_label_fits_the_row_whole() {
        let ctx = egui::Context::default();
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            let font = FontId::proportional(16.0);
            let painter = ui.painter();
            let short = fitted_label(painter, "SYN seq=0", &font, Color32::WHITE, 400.0);
            let natural = painter.layout_no_wrap("SYN seq=0".into(), font.clone(), Color32::WHITE);
            assert_eq!(
                short.size(),
                natural.size(),
                "a label that fits is left alone"
            );
            let long = "connected /admin sid=HZ_kvxsXWnwIRDW1, socket.emit(\"welcome\", \
                        {\"namespace\":\"/admin\"})";
            for max in [420.0, 250.0, 120.0] {
                let g = fitted_label(painter, long, &font, Color32::WHITE, max);
                assert!(g.size().x <= max + 0.5, "{} > {max}", g.size().x);
                assert_eq!(g.text(), long, "whole, never cut");
            }
        });
        output.textures_delta.clear();
    }

    /// A row's "#N +time" label and the widest state pill beside the client lane never meet, at
    /// the normal font size and at presentation size; the server lane keeps room for its pill.
    #[test]
    fn lanes_leave_room_for_the_row_label_and_a_state_pill() {
        for scale in [1.0_f32, 2.0] {
            let ctx = egui::Context::default();
            ctx.all_styles_mut(|style| {
                for font in style.text_styles.values_mut() {
                    font.size *= scale;
                }
            });
            let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
                let small = FontId::proportional(ui.text_style_height(&egui::TextStyle::Small));
                let label = "#545670 +1234.567s";
                let margins = Margins::measure(ui, &small, label);
                let width = |t: &str| {
                    ui.painter()
                        .layout_no_wrap(t.to_owned(), small.clone(), Color32::WHITE)
                        .size()
                        .x
                };
                let rect = Rect::from_min_size(pos2(100.0, 0.0), vec2(900.0, 40.0));
                let (cx, sx) = margins.lanes(rect);
                let label_end = rect.left() + LABEL_X + width(label);
                let pill_start = cx - LANE_GAP - width(WIDEST_STATE) - PILL_PAD.x;
                assert!(
                    label_end < pill_start,
                    "{label_end} >= {pill_start} at {scale}x"
                );
                let pill_end = sx + LANE_GAP + width(WIDEST_STATE) + PILL_PAD.x;
                assert!(
                    pill_end <= rect.right(),
                    "{pill_end} > {} at {scale}x",
                    rect.right()
                );
                assert!(sx - cx >= rect.width() * 0.2);
            });
            output.textures_delta.clear();
        }
    }
}
