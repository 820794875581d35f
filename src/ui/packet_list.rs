//! The packet list: a virtualized table (number, time, source → destination, protocol, length,
//! info) with Wireshark's colouring, filtered by connection and protocol, kept in step with
//! the ladder. Clicking a row selects the packet and jumps to its step.

use egui_extras::{Column, TableBuilder};

use crate::model::{Analysis, PacketRow, flags};

use super::action::Action;
use super::app::App;
use super::theme::RowRule;
use super::view::ProtoFilter;

/// Which colouring rule a packet falls under (Wireshark's defaults, first match wins).
pub fn row_rule(record: &PacketRow) -> RowRule {
    match crate::lesson::problems::worst(record) {
        Some(crate::lesson::Severity::Error) => return RowRule::Error,
        Some(crate::lesson::Severity::Warning) => return RowRule::Warning,
        None => {}
    }
    let Some(tcp) = &record.packet.tcp else {
        return RowRule::Other;
    };
    let bad = record.seg.as_ref().is_some_and(|s| {
        s.analysis.iter().any(|a| {
            matches!(
                a,
                Analysis::Retransmission
                    | Analysis::FastRetransmission
                    | Analysis::OutOfOrder
                    | Analysis::DuplicateAck
                    | Analysis::LostSegment
                    | Analysis::ZeroWindow
            )
        })
    });
    if bad {
        RowRule::BadTcp
    } else if tcp.has(flags::RST) {
        RowRule::Rst
    } else if tcp.has(flags::SYN) || tcp.has(flags::FIN) {
        RowRule::SynFin
    } else if !record.ws.is_empty() {
        RowRule::WebSocket
    } else if !record.http().is_empty() {
        RowRule::Http
    } else {
        RowRule::Tcp
    }
}

fn endpoint(record: &PacketRow, src: bool) -> String {
    match (&record.packet.ip(), &record.packet.tcp) {
        (Some(ip), Some(tcp)) if src => format!("{}:{}", ip.src, tcp.src_port),
        (Some(ip), Some(tcp)) => format!("{}:{}", ip.dst, tcp.dst_port),
        (Some(ip), None) => (if src { ip.src } else { ip.dst }).to_string(),
        _ => String::new(),
    }
}

pub fn packet_list_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    filter_ui(ui, app, actions);
    let palette = app.palette();
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    // Column widths follow the font size (presentation mode), in units of one character.
    let em = ui.text_style_height(&egui::TextStyle::Body) * 0.6;
    let list = &app.view.list;
    let first_ts = app.model.packets.first().map_or(0, |r| r.packet.ts_ns);
    let mut table = TableBuilder::new(ui)
        .id_salt("packets")
        .striped(false)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(em * 4.5).at_least(em * 2.5).clip(true))
        .column(Column::initial(em * 10.0).at_least(em * 3.0).clip(true))
        .column(Column::initial(em * 19.0).at_least(em * 6.0).clip(true))
        .column(Column::initial(em * 6.5).at_least(em * 3.0).clip(true))
        .column(Column::remainder().at_least(em * 6.0).clip(true));
    if app.view.list.scroll_to_selected.is_pending()
        && let Some(row) = app.selected.and_then(|i| list.row_of(i))
    {
        table = table.scroll_to_row(row, Some(egui::Align::Center));
    }
    let selected = app.selected;
    let shown = app.view.list.shown(app.horizon());
    table
        .header(row_h, |mut header| {
            for title in ["No.", "Time", "Source → Destination", "Protocol", "Info"] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(row_h, shown, |mut row| {
                let Some(&index) = list.rows.get(row.index()) else {
                    return;
                };
                let Some(record) = app.model.packets.get(index) else {
                    return;
                };
                let is_selected = selected == Some(index);
                row.set_selected(is_selected);
                let (bg, fg) = palette.row_colors(row_rule(record));
                let cells = [
                    record.packet.number().to_string(),
                    super::timefmt::offset_text(record.packet.ts_ns - first_ts, 6),
                    format!("{} → {}", endpoint(record, true), endpoint(record, false)),
                    record.protocol().to_string(),
                    crate::lesson::annotations::info_column(
                        &record.info(),
                        record.packet.tcp.is_some(),
                        record.issues(),
                    ),
                ];
                for text in cells {
                    row.col(|ui| {
                        if !is_selected {
                            ui.painter().rect_filled(
                                ui.max_rect().expand2(egui::vec2(4.0, 1.0)),
                                0.0,
                                bg,
                            );
                        }
                        let colour = if is_selected {
                            ui.visuals().selection.stroke.color
                        } else {
                            fg
                        };
                        ui.add(
                            egui::Label::new(egui::RichText::new(text).color(colour))
                                .selectable(false)
                                .truncate(),
                        );
                    });
                }
                if row.response().clicked() {
                    actions.push(Action::SelectPacket(index));
                }
            });
        });
}

fn filter_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.heading("Packets");
        super::connections::follow_combo_ui(ui, app, actions);
        egui::ComboBox::new("proto_filter", "protocol")
            .selected_text(app.view.list.protocol.label())
            .show_ui(ui, |ui| {
                for p in ProtoFilter::ALL {
                    ui.selectable_value(&mut app.view.list.protocol, p, p.label());
                }
            });
        ui.label(format!(
            "{} of {}",
            app.view.list.shown(app.horizon()),
            app.model.packets.len()
        ));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::fixture;

    #[test]
    fn wireshark_colouring_rules() {
        let m = fixture::conversation();
        assert_eq!(row_rule(&m.packets[0]), RowRule::SynFin);
        assert_eq!(row_rule(&m.packets[2]), RowRule::Tcp);
        assert_eq!(row_rule(&m.packets[3]), RowRule::Http);
        assert_eq!(row_rule(&m.packets[5]), RowRule::WebSocket);
        assert_eq!(endpoint(&m.packets[0], true), "127.0.0.1:51234");
    }
}
