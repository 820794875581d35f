//! Acks on the ladder: a Socket.IO event that asked for an ack and the ACK that answered it
//! are tied by a bracket beside the server's lane, labelled with the ack id and the round trip
//! ("ack 0 · 0.129 ms"). When either end is the current step the tie is drawn bold and the
//! other end's row is outlined.

use egui::{Color32, FontId, Painter, Pos2, Rect, Stroke, StrokeKind, pos2};

use crate::model::{Direction, Step, timefmt};

use super::app::App;
use super::ladder_loss::Drawn;
use super::theme::Palette;
use super::view::LadderTie;

/// How far right of the server's lane a tie runs, and the gap before its label.
const TIE_INSET: f32 = 14.0;
const LABEL_GAP: f32 = 4.0;
/// The widest label a tie is given room for.
const WIDEST: &str = "999.999 ms";

/// A tie's label: "ack 0 · 0.129 ms".
pub(super) fn tie_label(tie: &LadderTie) -> String {
    tie_text(tie, " · ")
}

/// The ack id and the round trip, with `between` between them. Below a second the round trip
/// is in milliseconds, as the narration writes it ("0.129 ms", not "128.832 µs").
fn tie_text(tie: &LadderTie, between: &str) -> String {
    let rtt_ns = tie.tie.rtt_ns;
    let rtt = if rtt_ns.unsigned_abs() < 1_000_000_000 {
        format!("{:.3} ms", rtt_ns as f64 / 1e6)
    } else {
        timefmt::offset_text(rtt_ns, 3)
    };
    format!("ack {}{between}{rtt}", tie.tie.id)
}

/// The room right of the server's lane that ties need (none without ties).
pub(super) fn room(painter: &Painter, app: &App, small: &FontId) -> f32 {
    if app.view.ladder.ties.is_empty() {
        return 0.0;
    }
    let galley = painter.layout_no_wrap(WIDEST.to_owned(), small.clone(), Color32::WHITE);
    TIE_INSET + LABEL_GAP + galley.size().x + 4.0
}

/// What a row's accessible label and hover text say about its tie, if it has one.
pub(super) fn note(app: &App, step: usize) -> Option<String> {
    let tie = app.view.ladder.ties_of(step).next()?;
    let packet = |s: usize| {
        app.model
            .steps
            .get(s)
            .map_or(0, |s| app.model.step_number(s))
    };
    Some(if tie.event_step == step {
        format!("{}: answered by #{}", tie_label(tie), packet(tie.ack_step))
    } else {
        format!("{}: answers #{}", tie_label(tie), packet(tie.event_step))
    })
}

/// The y where step `step`'s arrow meets the server's lane, given its arrow's start and end.
fn at_server(step: &Step, (start, end): (Pos2, Pos2)) -> f32 {
    match step.direction {
        Direction::ClientToServer => end.y,
        Direction::ServerToClient => start.y,
    }
}

/// The ties of the rows drawn this frame, at `sx` (the server's lane). The other end may be off
/// screen (rows have one height, so its place is known) but not hidden (`shown` rows).
pub(super) fn ties(
    painter: &Painter,
    app: &App,
    (drawn, row_h, shown, sx): (&[Drawn], f32, usize, f32),
    palette: Palette,
    small: &FontId,
) {
    let ladder = &app.view.ladder;
    let steps = &app.model.steps;
    let current = app.playback.current;
    let mut done: Vec<(usize, usize)> = Vec::new();
    for &(r, i, arrow) in drawn {
        for tie in ladder.ties_of(i) {
            let ends = (tie.event_step, tie.ack_step);
            let other = if tie.event_step == i {
                tie.ack_step
            } else {
                tie.event_step
            };
            let (Some(other_row), Some(step), Some(other_step)) =
                (ladder.row_of_step(other), steps.get(i), steps.get(other))
            else {
                continue;
            };
            if other_row >= shown || done.contains(&ends) {
                continue;
            }
            done.push(ends);
            let shift = (other_row as f32 - r as f32) * row_h;
            let other_arrow = (
                arrow.0 + egui::vec2(0.0, shift),
                arrow.1 + egui::vec2(0.0, shift),
            );
            // (The event's arrow and step, the ACK's.)
            let (event, ack) = if tie.event_step == i {
                ((arrow, step), (other_arrow, other_step))
            } else {
                ((other_arrow, other_step), (arrow, step))
            };
            let (y_event, y_ack) = (at_server(event.1, event.0), at_server(ack.1, ack.0));
            let selected = current.is_some_and(|c| c == tie.event_step || c == tie.ack_step);
            let (width, colour) = if selected {
                (3.0, palette.accent)
            } else {
                (1.5, palette.server)
            };
            let x = sx + TIE_INSET;
            let stroke = Stroke::new(width, colour);
            let points = [
                pos2(sx + 3.0, y_event),
                pos2(x, y_event + 4.0),
                pos2(x, y_ack - 4.0),
                pos2(sx + 3.0, y_ack),
            ];
            painter.add(egui::Shape::line(points.to_vec(), stroke));
            super::ladder::arrow_head(painter, points[2], points[3], stroke);
            // On two lines ("ack 0" over "0.129 ms"), to keep the column beside the server narrow.
            let galley = painter.layout_no_wrap(tie_text(tie, "\n"), small.clone(), colour);
            let at = pos2(
                x + LABEL_GAP,
                f32::midpoint(y_event, y_ack) - galley.size().y / 2.0,
            );
            painter.galley(at, galley, colour);
            if selected {
                // The end that is not the current step, outlined where it is.
                let other_end = if current == Some(tie.event_step) {
                    ack.0
                } else {
                    event.0
                };
                // (An arrow ends 12 % of a row above the row's bottom.)
                let bottom = other_end.1.y + row_h * 0.12;
                let rect =
                    Rect::from_x_y_ranges(painter.clip_rect().x_range(), bottom - row_h..=bottom);
                painter.rect_stroke(
                    rect.shrink(1.0),
                    3.0,
                    Stroke::new(1.5, palette.accent),
                    StrokeKind::Inside,
                );
            }
        }
    }
}
