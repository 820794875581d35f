//! The packet details tree: every header with its fields (`Model::packet_details`, made once per
//! selection), then the HTTP messages and WebSocket frames the packet completes. Hovering a
//! field highlights its bytes in the hex view; clicking selects them.

use std::ops::Range;

use egui::{CollapsingHeader, RichText};

use crate::model::details::{IoSection, io_sections};
use crate::model::{
    AppItem, FieldNode, app_sections, handshake_type, opcode, tls_content_type, version_name,
};
use crate::model::{EioRecord, SioRecord};

use super::action::Action;
use super::app::App;
use super::theme::Palette;

/// The title and the lines the tree shows for an application-layer item.
pub fn app_item_text(item: AppItem<'_>) -> (String, Vec<String>) {
    match item {
        AppItem::Http(m) => {
            let mut lines: Vec<String> =
                m.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            if m.headers.is_empty() {
                lines.extend(m.upgrade.as_ref().map(|u| format!("Upgrade: {u}")));
                lines.extend(
                    m.sec_websocket_key
                        .as_ref()
                        .map(|k| format!("Sec-WebSocket-Key: {k}")),
                );
                lines.extend(
                    m.sec_websocket_accept
                        .as_ref()
                        .map(|a| format!("Sec-WebSocket-Accept: {a}")),
                );
            }
            (
                format!("Hypertext Transfer Protocol: {}", m.start_line()),
                lines,
            )
        }
        AppItem::WebSocket(f) => {
            let mut lines = vec![
                format!("FIN: {}", f.fin),
                format!("RSV: {:03b}", f.rsv),
                format!("Opcode: {} ({})", f.opcode, opcode::name(f.opcode)),
                format!("Mask: {}", f.masked),
                format!("Payload length: {}", f.payload_len),
            ];
            if let Some(k) = f.masking_key {
                lines.push(format!(
                    "Masking key: {:02x}{:02x}{:02x}{:02x}",
                    k[0], k[1], k[2], k[3]
                ));
            }
            if let Some(t) = &f.text {
                match f.text_cut() {
                    0 => lines.push(format!("Text: {t:?}")),
                    more => lines.push(format!("Text: {t:?} … {more} more bytes")),
                }
            }
            if let Some(c) = f.close_code {
                lines.push(format!(
                    "Close code: {c} ({})",
                    crate::lesson::close_code_meaning(c)
                ));
            }
            lines.extend(
                f.issues
                    .iter()
                    .map(|i| format!("⚠ {}", crate::lesson::annotations::ws_anomaly(i))),
            );
            (format!("WebSocket {}", opcode::name(f.opcode)), lines)
        }
        AppItem::Tls(r) => tls_item_text(r),
    }
}

/// The title and lines of a TLS record.
fn tls_item_text(r: &crate::model::TlsRecord) -> (String, Vec<String>) {
    let mut lines = vec![
        format!(
            "Content type: {} ({})",
            r.content_type,
            tls_content_type::name(r.content_type)
        ),
        format!("Version: {} (0x{:04x})", version_name(r.version), r.version),
        format!("Length: {}", r.length),
    ];
    if r.encrypted {
        lines.push("Contents: encrypted (only the two ends can read them)".into());
    }
    lines.extend(
        r.handshake_types
            .iter()
            .map(|&t| format!("Handshake: {} ({t})", handshake_type::name(t))),
    );
    lines.extend(r.sni.as_ref().map(|s| format!("Server name (SNI): {s}")));
    if !r.alpn.is_empty() {
        lines.push(format!("ALPN: {}", r.alpn.join(", ")));
    }
    lines.extend(
        r.cipher_suite
            .map(|c| format!("Cipher suite: {}", crate::lesson::tls::cipher_suite_name(c))),
    );
    lines.extend(
        r.selected_version
            .map(|v| format!("Chosen version: {} (supported_versions)", version_name(v))),
    );
    lines.extend(
        r.alert
            .map(|(level, desc)| format!("Alert: level {level}, description {desc}")),
    );
    lines.extend(
        r.issues
            .iter()
            .map(|i| format!("⚠ {}", crate::lesson::annotations::tls_anomaly(i))),
    );
    (
        format!(
            "Transport Layer Security: {}",
            crate::model::summary::tls_record_info(r)
        ),
        lines,
    )
}

pub fn details_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    ui.heading("Packet details");
    let palette = app.palette();
    let Some(record) = app.selected.and_then(|i| app.model.packets.get(i)) else {
        ui.label("Select a packet.");
        return;
    };
    let hovered = app.view.hovered_bytes.clone();
    let selected = app.view.selected_bytes.clone();
    let mut hover_next = None;
    let mut hl = Highlight {
        hovered: hovered.as_ref(),
        selected: selected.as_ref(),
        palette,
        hover_next: &mut hover_next,
        actions,
    };
    egui::ScrollArea::vertical()
        .id_salt("details")
        .auto_shrink(false)
        .show(ui, |ui| {
            ui.label(format!(
                "Frame {}: {} bytes on the wire, {} captured",
                record.packet.number(),
                record.packet.len,
                record.packet.caplen
            ));
            if let Some(Err(e)) = app.view.details.as_ref().map(|s| &s.decoded) {
                ui.colored_label(
                    palette.bad,
                    format!("⚠ This packet's bytes cannot be shown: {e}"),
                );
            }
            // Open the layer a beginner looks at first: the application data when there is
            // some, otherwise the highest header (TCP for a SYN).
            let sections = app_sections(record);
            if let Some(selected) = &app.view.details {
                let layers = selected.layers();
                let top = if sections.is_empty() {
                    layers.last().map(|l| l.proto)
                } else {
                    None
                };
                for layer in layers {
                    // Open/closed is remembered per layer, separately for packets with and
                    // without application data, so that stepping from the handshake into the
                    // WebSocket frames shows the frames, not TCP's fields.
                    let id = ui.make_persistent_id(("layer", layer.proto.name(), top.is_some()));
                    let header = CollapsingHeader::new(
                        RichText::new(&layer.title).background_color(palette.layer_bg(layer.proto)),
                    )
                    .id_salt(id)
                    .default_open(Some(layer.proto) == top)
                    .show(ui, |ui| {
                        for field in &layer.fields {
                            hl.field_ui(ui, field);
                        }
                    });
                    hl.track(&header.header_response, &layer.range);
                }
            }
            let nested = io_sections(record);
            for (i, section) in sections.iter().enumerate() {
                let (title, lines) = app_item_text(section.item);
                let header =
                    CollapsingHeader::new(RichText::new(title).background_color(palette.osi_bg(7)))
                        .id_salt(("app", i))
                        .default_open(true)
                        .show(ui, |ui| {
                            for line in &lines {
                                ui.label(line);
                            }
                            for (j, io) in nested.iter().enumerate().filter(|(_, s)| s.carrier == i)
                            {
                                io_section_ui(ui, io, j, &mut hl);
                            }
                        });
                hl.track(&header.header_response, &section.range);
            }
            for issue in record.issues() {
                ui.colored_label(
                    palette.bad,
                    format!(
                        "⚠ {}: {}",
                        issue.layer,
                        crate::lesson::annotations::decode_issue(&issue.kind)
                    ),
                );
            }
            for note in record.notes() {
                ui.colored_label(palette.weak_text, crate::lesson::annotations::note(note));
            }
        });
    if hover_next.is_some() {
        app.view.hover_next = hover_next;
    }
}

/// An Engine.IO packet inside its frame or body, and the Socket.IO packet inside it.
fn io_section_ui(ui: &mut egui::Ui, io: &IoSection<'_>, index: usize, hl: &mut Highlight<'_>) {
    let (title, lines) = eio_text(io.eio);
    let palette = hl.palette;
    let header = CollapsingHeader::new(RichText::new(title).background_color(palette.eio_bg()))
        .id_salt(("eio", index))
        .default_open(true)
        .show(ui, |ui| {
            for line in &lines {
                ui.label(line);
            }
            if let Some(sio) = io.sio {
                let (title, lines) = sio_text(sio);
                let header =
                    CollapsingHeader::new(RichText::new(title).background_color(palette.sio_bg()))
                        .id_salt(("sio", index))
                        .default_open(true)
                        .show(ui, |ui| {
                            for line in &lines {
                                ui.label(line);
                            }
                        });
                if let Some(range) = &io.sio_range {
                    hl.track(&header.header_response, range);
                }
            }
        });
    hl.track(&header.header_response, &io.range);
}

/// The title and lines of an Engine.IO packet.
pub fn eio_text(r: &EioRecord) -> (String, Vec<String>) {
    let mut lines = vec![
        format!("Version: EIO={}", r.eio.number()),
        format!("Transport: {}", r.transport.name()),
        format!(
            "Session (sid): {}",
            r.sid.as_deref().unwrap_or("not known yet")
        ),
        format!("Type: {} ({})", r.packet.kind.name(), r.packet.kind as u8),
    ];
    match (r.packet.text(), r.packet.binary_len()) {
        (Some(t), _) if !t.is_empty() => lines.push(format!("Data: {t}")),
        (_, Some(len)) => lines.push(format!("Data: {len} bytes of binary")),
        _ => {}
    }
    (
        format!("Engine.IO: {}", crate::model::io_summary::eio_info(r)),
        lines,
    )
}

/// The title and lines of a Socket.IO packet.
pub fn sio_text(r: &SioRecord) -> (String, Vec<String>) {
    let p = &r.packet;
    let mut lines = vec![
        format!("Type: {} ({})", p.kind.name(), p.kind as u8),
        format!("Namespace: {}", p.nsp),
    ];
    lines.extend(p.id.map(|id| format!("Ack id: {id}")));
    if p.kind.is_binary() {
        lines.push(format!(
            "Attachments: {} ({} bytes)",
            p.attachments,
            r.attachment_lens.iter().sum::<u64>()
        ));
    }
    lines.extend(p.event().map(|e| format!("Event: {e}")));
    lines.extend(p.sid().map(|sid| format!("Socket.IO sid: {sid}")));
    lines.extend(p.data.as_ref().map(|d| format!("Data: {d}")));
    (
        format!("Socket.IO: {}", crate::model::io_summary::sio_info(r)),
        lines,
    )
}

struct Highlight<'a> {
    hovered: Option<&'a Range<usize>>,
    selected: Option<&'a Range<usize>>,
    palette: Palette,
    hover_next: &'a mut Option<Range<usize>>,
    actions: &'a mut Vec<Action>,
}

impl Highlight<'_> {
    fn track(&mut self, response: &egui::Response, range: &Range<usize>) {
        if response.hovered() {
            *self.hover_next = Some(range.clone());
        }
    }

    fn field_ui(&mut self, ui: &mut egui::Ui, field: &FieldNode) {
        let text = format!("{}: {}", field.name, field.value);
        let is_selected = self.selected == Some(&field.range);
        let mut rich = RichText::new(text);
        if self.hovered == Some(&field.range) {
            rich = rich.background_color(self.palette.hover);
        }
        let add = |ui: &mut egui::Ui| {
            let r = ui.selectable_label(is_selected, rich);
            if let Some(note) = &field.note {
                ui.label(RichText::new(note).small().color(self.palette.weak_text));
            }
            r
        };
        let response = if field.children.is_empty() {
            ui.horizontal_wrapped(add).inner
        } else {
            let id = ui.make_persistent_id(("field", field.key, field.range.start));
            let inner = egui::collapsing_header::CollapsingState::load_with_default_open(
                ui.ctx(),
                id,
                false,
            )
            .show_header(ui, add)
            .body(|ui| {
                for child in &field.children {
                    self.field_ui(ui, child);
                }
            });
            inner.1.inner
        };
        self.track(&response, &field.range);
        if response.clicked() {
            self.actions.push(Action::SelectBytes(field.range.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::fixture;
    use crate::model::PacketRow;

    #[test]
    fn a_cut_text_says_how_many_bytes_were_not_kept() {
        let model = fixture::conversation();
        let mut record = model
            .packets
            .iter()
            .find(|r| !r.ws.is_empty())
            .expect("a WebSocket packet")
            .clone();
        let text_line = |record: &PacketRow| {
            app_sections(record)
                .into_iter()
                .flat_map(|s| app_item_text(s.item).1)
                .find(|l| l.starts_with("Text: "))
                .expect("a text line")
        };
        assert_eq!(text_line(&record), "Text: \"Hello\"");
        let mut frame = crate::lesson::wsbits::tests::masked_hello();
        frame.set_text(Some("x".repeat(crate::model::MODEL_TEXT_KEEP + 1000)));
        frame.cut_text(crate::model::MODEL_TEXT_KEEP);
        record.ws = vec![frame].into();
        let line = text_line(&record);
        assert!(line.ends_with("\" … 1000 more bytes"), "{line}");
    }
}
