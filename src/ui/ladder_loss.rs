//! Loss on the ladder: a lost copy's arrow stops midway at a ✗ ("lost"), a resend is tied to
//! the copy it replaces by a dashed bracket on the sender's lane with the wait, a resend whose
//! first copy the capture never saw says so, and duplicate ACKs have their own colour.

use egui::{Align2, Color32, FontId, Pos2, Shape, Stroke, pos2, vec2};

use super::view::LadderRow;

use crate::model::{LossMark, Sent, Step, timefmt};

use super::app::App;
use super::theme::Palette;

/// Where a lost copy's arrow stops, as a share of the way to the receiver.
const LOST_AT: f32 = 0.55;
/// How far from the sender's lane the tie runs.
const TIE_INSET: f32 = 16.0;
/// Rows searched for the other end of a tie (a resend follows its copy within a window).
const TIE_REACH: usize = 4000;

/// The colour of a step's arrow: resends and duplicate ACKs stand out from the lane colour.
pub(super) fn arrow_colour(step: &Step, lane: Color32, palette: Palette) -> Color32 {
    match step.loss() {
        Some(LossMark::Resend { .. }) => palette.resend,
        Some(LossMark::DupAck { .. }) => palette.dup_ack,
        None => lane,
    }
}

/// A lost copy: the arrow stops at [`LOST_AT`] with a ✗ and "lost" under it.
pub(super) fn lost_arrow(
    painter: &egui::Painter,
    (start, end): (Pos2, Pos2),
    width: f32,
    colour: Color32,
    palette: Palette,
    small: &FontId,
) {
    let stop = start.lerp(end, LOST_AT);
    painter.line_segment([start, stop], Stroke::new(width, colour));
    let r = 6.0;
    let cross = Stroke::new(2.5, palette.lost);
    painter.line_segment([stop + vec2(-r, -r), stop + vec2(r, r)], cross);
    painter.line_segment([stop + vec2(-r, r), stop + vec2(r, -r)], cross);
    painter.text(
        stop + vec2(0.0, r + 1.0),
        Align2::CENTER_TOP,
        "lost",
        small.clone(),
        palette.lost,
    );
}

/// A resend whose first copy is not in the capture: a dashed stub from the sender's lane ending
/// in a ✗, marked "never seen".
pub(super) fn never_seen(
    painter: &egui::Painter,
    step: &Step,
    start: Pos2,
    end: Pos2,
    palette: Palette,
    small: &FontId,
) {
    if !matches!(step.loss(), Some(LossMark::Resend { original: None, .. })) {
        return;
    }
    let dir = (end.x - start.x).signum();
    let y = start.y - small.size * 1.6;
    let from = pos2(start.x + dir * 4.0, y);
    let to = pos2(start.x + dir * 40.0, y);
    painter.extend(Shape::dashed_line(
        &[from, to],
        Stroke::new(1.5, palette.lost),
        4.0,
        3.0,
    ));
    let r = 4.0;
    let cross = Stroke::new(2.0, palette.lost);
    painter.line_segment([to + vec2(-r, -r), to + vec2(r, r)], cross);
    painter.line_segment([to + vec2(-r, r), to + vec2(r, -r)], cross);
    painter.text(
        to + vec2(dir * 8.0, 0.0),
        if dir > 0.0 {
            Align2::LEFT_CENTER
        } else {
            Align2::RIGHT_CENTER
        },
        "first copy never seen",
        small.clone(),
        palette.lost,
    );
}

/// What the ladder says about a step's loss (its accessible label and hover text carry it):
/// `lost` is the resend of this copy, when it is shown.
fn note(step: &Step, ts_ns: i64, lost: Option<Sent>) -> Option<String> {
    if let Some(resend) = lost {
        return Some(format!(
            "lost: resent in #{} after {}",
            resend.packet,
            timefmt::offset_text(resend.ts_ns - ts_ns, 3)
        ));
    }
    let mark = step.loss()?;
    Some(match mark {
        LossMark::Resend { original: None, .. } => "first copy never seen".to_owned(),
        LossMark::Resend { .. } => match mark.lost_copy() {
            Some(copy) => format!("tied to lost #{}", copy.packet),
            None => "resends a copy that arrived".to_owned(),
        },
        LossMark::DupAck { ack, .. } => format!("duplicate ACK: asks for byte {ack}"),
    })
}

/// A row's accessible label: "ladder: " and the drawn label, with the loss note if any.
pub(super) fn accessible(label: &str, step: &Step, ts_ns: i64, lost: Option<Sent>) -> String {
    match note(step, ts_ns, lost) {
        Some(note) => format!("ladder: {label} ({note})"),
        None => format!("ladder: {label}"),
    }
}

/// The rows drawn this frame: (row, step index, arrow start and end).
pub(super) type Drawn = (usize, usize, (Pos2, Pos2));

/// Ties between each lost copy and its resend where either is drawn: a dashed bracket on the
/// sender's lane from the lost arrow's start to the resend's, with the wait beside it. The
/// other end may be off screen (rows have one height, so its place is known).
pub(super) fn ties(
    painter: &egui::Painter,
    app: &App,
    (drawn, row_h, shown): (&[Drawn], f32, usize),
    palette: Palette,
    small: &FontId,
) {
    let rows = &app.view.ladder.rows;
    let steps = &app.model.steps;
    let mut done = Vec::new();
    for &(r, i, (start, end)) in drawn {
        let Some(step) = steps.get(i) else { continue };
        // (lost step, resend step, row of the other end), from either end.
        let pair = if let Some(resend) = step.lost() {
            let j = app
                .model
                .packets
                .get(resend.index)
                .and_then(crate::model::PacketRow::step);
            j.and_then(|j| find_row(rows, r, j, true).map(|row| (i, j, row)))
        } else if let Some(copy) = step.loss().as_ref().and_then(LossMark::lost_copy) {
            let j = app
                .model
                .packets
                .get(copy.index)
                .and_then(crate::model::PacketRow::step);
            j.and_then(|j| find_row(rows, r, j, false).map(|row| (j, i, row)))
        } else {
            None
        };
        let Some((lost, resend, other_row)) = pair else {
            continue;
        };
        // The other end is hidden (what comes next is not shown yet), or already tied.
        if other_row >= shown || done.contains(&(lost, resend)) {
            continue;
        }
        done.push((lost, resend));
        // Row offsets are exact: every ladder row has the same height.
        let other_y = start.y + (other_row as f32 - r as f32) * row_h;
        let (y_lost, y_resend) = if lost == i {
            (start.y, other_y)
        } else {
            (other_y, start.y)
        };
        let dir = (end.x - start.x).signum();
        let x = start.x + dir * TIE_INSET;
        let stroke = Stroke::new(1.5, palette.resend);
        let points = [
            pos2(start.x + dir * 3.0, y_lost),
            pos2(x, y_lost + 6.0),
            pos2(x, y_resend - 6.0),
            pos2(start.x + dir * 3.0, y_resend),
        ];
        painter.extend(Shape::dashed_line(&points, stroke, 5.0, 3.0));
        super::ladder::arrow_head(painter, points[2], points[3], stroke);
        let (Some(l), Some(s)) = (steps.get(lost), steps.get(resend)) else {
            continue;
        };
        painter.text(
            pos2(x + dir * 4.0, f32::midpoint(y_lost, y_resend)),
            if dir > 0.0 {
                Align2::LEFT_CENTER
            } else {
                Align2::RIGHT_CENTER
            },
            format!(
                "↻ {}",
                timefmt::offset_text(app.model.step_ts_ns(s) - app.model.step_ts_ns(l), 3)
            ),
            small.clone(),
            palette.resend,
        );
    }
}

/// The row of step `target`, searching forward (or backward) from row `from`.
fn find_row(rows: &[LadderRow], from: usize, target: usize, forward: bool) -> Option<usize> {
    let is = |r: &LadderRow| *r == LadderRow::Step(target);
    if forward {
        rows.iter()
            .enumerate()
            .skip(from)
            .take(TIE_REACH)
            .find(|(_, r)| is(r))
            .map(|(k, _)| k)
    } else {
        let lo = from.saturating_sub(TIE_REACH);
        rows.get(lo..from)?.iter().rposition(is).map(|k| k + lo)
    }
}
