//! The hex/ASCII view of the selected packet: each layer's bytes in its own colour, the
//! hovered and selected field's bytes highlighted, and hovering a byte finds its field.

use std::ops::Range;

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, Sense};

use crate::model::details::io_sections;
use crate::model::{PacketDetails, PacketRow};

use super::app::App;
use super::theme::Palette;

const PER_ROW: usize = 16;
/// Characters before the first hex byte ("0000  ").
const HEX_COL: usize = 6;
/// Characters before the first ASCII byte.
const ASCII_COL: usize = HEX_COL + PER_ROW * 3 + 1;

/// The byte under character `col` of a row, if any.
pub fn byte_at_column(col: usize) -> Option<usize> {
    if (HEX_COL..HEX_COL + PER_ROW * 3).contains(&col) {
        Some((col - HEX_COL) / 3)
    } else if (ASCII_COL..ASCII_COL + PER_ROW).contains(&col) {
        Some(col - ASCII_COL)
    } else {
        None
    }
}

/// The bytes of the Engine.IO and Socket.IO packets inside the application layer, each with
/// its colour (Socket.IO last: it lies inside Engine.IO and wins).
fn io_ranges(record: &PacketRow, palette: Palette) -> Vec<(Range<usize>, Color32)> {
    let sections = io_sections(record);
    let eio = sections.iter().map(|s| (s.range.clone(), palette.eio_bg()));
    let sio = sections
        .iter()
        .filter_map(|s| Some((s.sio_range.clone()?, palette.sio_bg())));
    eio.chain(sio).collect()
}

struct Marks<'a> {
    hovered: Option<&'a Range<usize>>,
    selected: Option<&'a Range<usize>>,
    io: &'a [(Range<usize>, Color32)],
}

fn row_job(
    details: &PacketDetails,
    row: usize,
    font: &FontId,
    palette: Palette,
    marks: &Marks<'_>,
) -> LayoutJob {
    let Marks {
        hovered,
        selected,
        io,
    } = *marks;
    let data = &details.data;
    let start = row * PER_ROW;
    let end = (start + PER_ROW).min(data.len());
    let mut job = LayoutJob::default();
    let plain = TextFormat::simple(font.clone(), palette.weak_text);
    job.append(&format!("{start:04x}  "), 0.0, plain.clone());
    let style = |i: usize| {
        let bg = if selected.is_some_and(|r| r.contains(&i)) {
            palette.selected
        } else if hovered.is_some_and(|r| r.contains(&i)) {
            palette.hover.to_opaque()
        } else if let Some((_, colour)) = io.iter().rev().find(|(r, _)| r.contains(&i)) {
            *colour
        } else {
            palette.osi_bg(details.osi_layer_of(i))
        };
        let fg = if bg == palette.selected {
            Color32::BLACK
        } else {
            palette.text
        };
        TextFormat {
            background: bg,
            ..TextFormat::simple(font.clone(), fg)
        }
    };
    for i in start..start + PER_ROW {
        match data.get(i) {
            Some(b) if i < end => job.append(&format!("{b:02x} "), 0.0, style(i)),
            _ => job.append("   ", 0.0, plain.clone()),
        }
    }
    job.append(" ", 0.0, plain);
    for (i, b) in data.iter().enumerate().take(end).skip(start) {
        let c = if b.is_ascii_graphic() || *b == b' ' {
            char::from(*b)
        } else {
            '.'
        };
        job.append(&c.to_string(), 0.0, style(i));
    }
    job
}

pub fn hex_ui(ui: &mut egui::Ui, app: &mut App) {
    let palette = app.palette();
    let io = app
        .selected
        .and_then(|i| app.model.packets.get(i))
        .map(|r| io_ranges(r, palette))
        .unwrap_or_default();
    ui.horizontal(|ui| {
        ui.heading("Bytes");
        legend_ui(ui, palette, !io.is_empty());
    });
    let Some(shown) = app.view.details.as_ref() else {
        return;
    };
    let Ok(details) = &shown.decoded else {
        ui.colored_label(
            palette.bad,
            "⚠ The bytes cannot be shown (see the details).",
        );
        return;
    };
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let rows = details.data.len().div_ceil(PER_ROW);
    let hovered = app.view.hovered_bytes.clone();
    let selected = app.view.selected_bytes.clone();
    let row_h = ui.text_style_height(&egui::TextStyle::Monospace);
    let mut hover_next = None;
    egui::ScrollArea::both()
        .id_salt("hex")
        .auto_shrink(false)
        .show_rows(ui, row_h, rows, |ui, range| {
            ui.spacing_mut().item_spacing.y = 0.0;
            for row in range {
                let marks = Marks {
                    hovered: hovered.as_ref(),
                    selected: selected.as_ref(),
                    io: &io,
                };
                let job = row_job(details, row, &font, palette, &marks);
                let galley = ui.painter().layout_job(job);
                let (rect, response) = ui.allocate_exact_size(galley.size(), Sense::hover());
                if let Some(pos) = response.hover_pos() {
                    let col = galley.cursor_from_pos(pos - rect.min).index.0;
                    if let Some(byte) = byte_at_column(col).map(|b| row * PER_ROW + b) {
                        hover_next = details.innermost_range(byte).or(Some(byte..byte + 1));
                    }
                }
                ui.painter().galley(rect.min, galley, palette.text);
            }
        });
    if hover_next.is_some() {
        app.view.hover_next = hover_next;
    }
}

fn legend_ui(ui: &mut egui::Ui, palette: Palette, io: bool) {
    let chip = |ui: &mut egui::Ui, name: &str, colour: Color32| {
        ui.label(
            egui::RichText::new(format!(" {name} "))
                .small()
                .background_color(colour),
        );
    };
    for (layer, name) in [
        (2, "link"),
        (3, "network"),
        (4, "transport"),
        (7, "application"),
    ] {
        chip(ui, name, palette.osi_bg(layer));
    }
    if io {
        chip(ui, "Engine.IO", palette.eio_bg());
        chip(ui, "Socket.IO", palette.sio_bg());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_map_to_bytes() {
        assert_eq!(byte_at_column(0), None);
        assert_eq!(byte_at_column(HEX_COL), Some(0));
        assert_eq!(byte_at_column(HEX_COL + 2), Some(0));
        assert_eq!(byte_at_column(HEX_COL + 3), Some(1));
        assert_eq!(byte_at_column(ASCII_COL + 15), Some(15));
    }
}
