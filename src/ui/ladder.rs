//! The ladder diagram: client and server lanes (ip:port, with their TCP state as it changes),
//! time flowing down, one arrow per step with its textbook label, grouped into phases, and the
//! current packet travelling along its arrow as an envelope.

use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Vec2, pos2, vec2};

use crate::flow::{Direction, TcpState};
use crate::model::Step;

use super::action::Action;
use super::app::App;
use super::theme::Palette;
use super::view::LadderRow;

const LANE_INSET: f32 = 0.2;

fn row_height(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Body) * 2.6
}

/// The x positions of the client and server lanes in `rect`.
fn lanes(rect: Rect) -> (f32, f32) {
    (
        rect.left() + rect.width() * LANE_INSET,
        rect.right() - rect.width() * LANE_INSET,
    )
}

pub fn ladder_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    let palette = app.palette();
    let Some(stream) = app.view.ladder.stream else {
        ui.centered_and_justified(|ui| {
            ui.label(if app.loader.is_some() {
                "Reading…"
            } else if app.live.is_some() {
                "Live: press Connect to open a WebSocket to the echo server, and watch its packets \
                 arrive here one by one."
            } else {
                "Open a capture (Open… or drop a file on the window) to see its connections."
            });
        });
        return;
    };
    let Some(conn) = app.model.connections.get(stream as usize) else {
        return;
    };
    let current = app.playback.current;
    let stage = app.stage(ui.ctx());
    let (client_state, server_state) = app
        .current_step()
        .filter(|s| s.stream == stream)
        .map_or((conn.client_state, conn.server_state), |s| {
            (s.client_state, s.server_state)
        });

    let (body, small) = lane_headers_ui(ui, conn, (client_state, server_state), palette);
    let rows = &app.view.ladder.rows;
    let row_h = row_height(ui);
    let mut scroll = egui::ScrollArea::vertical()
        .auto_shrink(false)
        .id_salt(("ladder", stream));
    if app.view.ladder.scroll_to_current {
        if let Some(r) = current.and_then(|c| app.view.ladder.row_of_step(c)) {
            let offset = (r as f32 * row_h - ui.available_height() / 2.0).max(0.0);
            scroll = scroll.vertical_scroll_offset(offset);
        }
        app.view.ladder.scroll_to_current = false;
    }
    let first_ts = conn.first_ts_ns;
    scroll.show_rows(ui, row_h, rows.len(), |ui, range| {
        ui.spacing_mut().item_spacing.y = 0.0;
        for r in range {
            let (rect, response) =
                ui.allocate_exact_size(vec2(ui.available_width(), row_h), Sense::click());
            let (cx, sx) = lanes(rect);
            let painter = ui.painter();
            painter.vline(cx, rect.y_range(), Stroke::new(2.0, palette.lane));
            painter.vline(sx, rect.y_range(), Stroke::new(2.0, palette.lane));
            match rows.get(r) {
                Some(LadderRow::Phase(phase)) => {
                    painter.rect_filled(rect.shrink2(vec2(4.0, 3.0)), 4.0, palette.phase_bg);
                    painter.text(
                        rect.left_center() + vec2(8.0, 0.0),
                        Align2::LEFT_CENTER,
                        phase.title(),
                        body.clone(),
                        palette.accent,
                    );
                }
                Some(LadderRow::Step(i)) => {
                    let Some(step) = app.model.steps.get(*i) else {
                        continue;
                    };
                    let prev = previous_step(rows, r).and_then(|j| app.model.steps.get(j));
                    let is_current = current == Some(*i);
                    let envelope = if is_current { stage.envelope } else { None };
                    let arrow = ArrowRow {
                        rect,
                        cx,
                        sx,
                        step,
                        prev,
                        is_current,
                        envelope,
                        first_ts,
                    };
                    arrow.paint(painter, palette, &body, &small);
                    if response.hovered() {
                        painter.rect_stroke(
                            rect,
                            2.0,
                            Stroke::new(1.0, palette.hover),
                            StrokeKind::Inside,
                        );
                    }
                    if response.clicked() {
                        actions.push(Action::GoToStep(*i));
                    }
                    let label = format!("ladder: {}", step.label);
                    response.widget_info(|| {
                        egui::WidgetInfo::selected(egui::Role::Button, true, is_current, &label)
                    });
                    response.on_hover_text(format!("Packet {}: {}", step.packet, step.label));
                }
                None => {}
            }
        }
    });
}

/// The lane titles (ip:port) and each lane's current TCP state. Returns the body and small fonts.
fn lane_headers_ui(
    ui: &mut egui::Ui,
    conn: &crate::flow::Connection,
    (client_state, server_state): (TcpState, TcpState),
    palette: Palette,
) -> (FontId, FontId) {
    let header_h = ui.text_style_height(&egui::TextStyle::Body) * 3.2;
    let (header, _) = ui.allocate_exact_size(vec2(ui.available_width(), header_h), Sense::hover());
    let (cx, sx) = lanes(header);
    let painter = ui.painter();
    let body = FontId::proportional(ui.text_style_height(&egui::TextStyle::Body));
    let small = FontId::proportional(ui.text_style_height(&egui::TextStyle::Small));
    for (x, name, addr, state, colour) in [
        (cx, "Client", conn.client, client_state, palette.client),
        (sx, "Server", conn.server, server_state, palette.server),
    ] {
        painter.text(
            pos2(x, header.top()),
            Align2::CENTER_TOP,
            format!("{name} {addr}"),
            body.clone(),
            colour,
        );
        state_pill(
            painter,
            pos2(x, header.bottom() - 4.0),
            state,
            colour,
            &small,
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

    (body, small)
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
    let rect = align.anchor_size(at, galley.size() + vec2(10.0, 4.0));
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
    painter.galley(rect.min + vec2(5.0, 2.0), galley, colour);
}

struct ArrowRow<'a> {
    rect: Rect,
    cx: f32,
    sx: f32,
    step: &'a Step,
    prev: Option<&'a Step>,
    is_current: bool,
    envelope: Option<f32>,
    first_ts: i64,
}

impl ArrowRow<'_> {
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
        let y0 = rect.top() + rect.height() * 0.45;
        let y1 = rect.bottom() - rect.height() * 0.12;
        let (start, end) = (pos2(from_x, y0), pos2(to_x, y1));
        let (width, colour) = if self.is_current {
            (3.5, palette.accent)
        } else {
            (1.8, colour)
        };
        painter.line_segment([start, end], Stroke::new(width, colour));
        arrow_head(painter, start, end, Stroke::new(width, colour));
        painter.text(
            pos2(f32::midpoint(from_x, to_x), y0 - 2.0),
            Align2::CENTER_BOTTOM,
            &step.label,
            body.clone(),
            if self.is_current {
                palette.text
            } else {
                colour
            },
        );
        let secs = (step.ts_ns - self.first_ts) as f64 / 1e9;
        painter.text(
            rect.left_center() + vec2(6.0, 0.0),
            Align2::LEFT_CENTER,
            format!("#{} +{secs:.3}s", step.packet),
            small.clone(),
            palette.weak_text,
        );
        // State changes, written on the lane where they happen.
        for (is_client_lane, now, before) in [
            (true, step.client_state, self.prev.map(|p| p.client_state)),
            (false, step.server_state, self.prev.map(|p| p.server_state)),
        ] {
            let (x, align) = if is_client_lane {
                (cx, Align2::RIGHT_CENTER)
            } else {
                (sx, Align2::LEFT_CENTER)
            };
            if before != Some(now) {
                // A sender changes state as it sends, a receiver as the packet arrives.
                let y = if is_client_lane == (step.direction == Direction::ClientToServer) {
                    y0
                } else {
                    y1
                };
                let at = pos2(
                    if align == Align2::RIGHT_CENTER {
                        x - 6.0
                    } else {
                        x + 6.0
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

fn arrow_head(painter: &egui::Painter, start: Pos2, end: Pos2, stroke: Stroke) {
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
}
