//! The ladder's layout: rows, labels that fit whole, lanes with room for their labels.

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
        // A long URL in a narrow span stays within two lines (three would leave its row).
        let url = "GET /socket.io/?EIO=4&transport=websocket&sid=HZ_kvxsXWnwIRDW1 Upgrade: \
                   websocket";
        let g = fitted_label(painter, url, &font, Color32::WHITE, 250.0);
        assert!(g.rows.len() <= 2, "{} lines", g.rows.len());
        assert!(g.size().x <= 250.5);
        assert_eq!(g.text(), url, "whole, never cut");
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
