//! The narration panel: the current step in plain language (from `lesson`), and beside it the
//! worked example the step calls for: the Sec-WebSocket-Accept derivation for a 101, the
//! header bits and the unmasking for a WebSocket frame, the sequence arithmetic otherwise.

use egui::{Grid, RichText};

use crate::lesson::{self, BitField};
use crate::model::{HttpKind, PacketRow, StepKind};

use super::action::Action;
use super::app::App;
use super::glossary::linked_text_ui;
use super::theme::Palette;

/// Payload bytes the unmasking table works through (the model keeps enough of them).
const UNMASK_ROWS: usize = 12;
const _: () = assert!(UNMASK_ROWS <= crate::model::RAW_PAYLOAD_KEEP);

pub fn narration_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let palette = app.palette();
    let record = app.selected.and_then(|i| app.model.packets.get(i));
    ui.add_space(4.0);
    let mut wanted = 0.0_f32;
    let share = narration_share(ui, app);
    if app.settings().presentation {
        // The narration may be cut where the stacks need the height: a scroll bar always shown
        // says there is more below (the default one shows only under the mouse).
        ui.style_mut().spacing.scroll = egui::style::ScrollStyle::thin();
    }
    if share >= 1.0 {
        let out = egui::ScrollArea::vertical()
            .id_salt("narration")
            .show(ui, |ui| story_ui(ui, app, actions));
        wanted = out.content_size.y;
    } else {
        // A strip, not `columns`: columns justify wrapped text, which spreads letters apart.
        egui_extras::StripBuilder::new(ui)
            .size(egui_extras::Size::relative(share))
            .size(egui_extras::Size::remainder())
            .cell_layout(egui::Layout::top_down(egui::Align::Min))
            .horizontal(|mut strip| {
                strip.cell(|ui| {
                    let out = egui::ScrollArea::vertical()
                        .id_salt("narration")
                        .show(ui, |ui| story_ui(ui, app, actions));
                    wanted = wanted.max(out.content_size.y);
                });
                strip.cell(|ui| {
                    let out = egui::ScrollArea::vertical()
                        .id_salt("worked")
                        .show(ui, |ui| {
                            if let Some(record) = record {
                                worked_example_ui(ui, app, record, palette);
                            }
                        });
                    wanted = wanted.max(out.content_size.y);
                });
            });
    }
    // For presentation mode, where the panel takes the height its text needs.
    ui.ctx()
        .data_mut(|d| d.insert_temp(egui::Id::unique(WANTED_ID), wanted + 16.0));
}

/// The share of the width the story gets: half; in presentation mode 62 %, or all of it (the
/// worked example folds away) when the story would not fit whole beside it.
fn narration_share(ui: &egui::Ui, app: &App) -> f32 {
    if !app.settings().presentation {
        return 0.5;
    }
    let n = app.narration();
    let size = ui.text_style_height(&egui::TextStyle::Body) * 1.1;
    let width = ui.available_width() * 0.62;
    let body = ui.fonts_mut(|f| {
        f.layout(
            n.body.clone(),
            egui::FontId::proportional(size),
            egui::Color32::WHITE,
            width,
        )
        .size()
        .y
    });
    let lines = ui.text_style_height(&egui::TextStyle::Heading) + 2.0 * size;
    let room = ui.ctx().content_rect().height() * PRESENTATION_SHARE - 24.0;
    if body + lines <= room { 0.62 } else { 1.0 }
}

/// The most of the window's height the narration takes in presentation mode.
pub const PRESENTATION_SHARE: f32 = 0.55;

/// The story of the step on show: problems, headline, body (glossary words as links), analogy
/// and what comes next.
fn story_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let palette = app.palette();
    let n = app.narration();
    for p in app.problems() {
        let colour = match p.severity {
            crate::lesson::Severity::Error => palette.bad,
            crate::lesson::Severity::Warning => palette.warn,
        };
        ui.label(
            RichText::new(format!("⚠ {}", p.sentence))
                .color(colour)
                .strong(),
        );
    }
    if n.headline.is_empty() {
        ui.label("Press ▶ Play or → to walk through the conversation.");
        return;
    }
    ui.heading(RichText::new(&n.headline).color(palette.accent).strong());
    // Glossary words are links: a class cannot hover.
    let size = ui.text_style_height(&egui::TextStyle::Body) * 1.1;
    linked_text_ui(ui, &n.body, Some(size), None, actions);
    if let Some(analogy) = &n.analogy {
        ui.label(RichText::new(format!("Analogy: {analogy}")).italics());
    }
    // While the quiz asks about the next packet, "Next" would give it away.
    if let Some(next) = n.next.as_ref().filter(|_| !app.teach.quiz.is_asking()) {
        ui.label(RichText::new(format!("Next: {next}")).color(palette.weak_text));
    }
}

const WANTED_ID: &str = "narration_wanted_height";

/// The height the narration panel's content took last frame (for presentation mode, where
/// the narration is shown whole).
pub fn wanted_height(ctx: &egui::Context) -> Option<f32> {
    ctx.data(|d| d.get_temp(egui::Id::unique(WANTED_ID)))
}

fn worked_example_ui(ui: &mut egui::Ui, app: &App, record: &PacketRow, palette: Palette) {
    let kind = record
        .step()
        .and_then(|i| app.model.steps.get(i))
        .map(|s| s.kind);
    if let Some(code) = app.selected.and_then(|i| lesson::io_code(&app.model, i)) {
        io_code_ui(ui, &code, palette);
    } else if let Some(frame) = record.ws.first() {
        ws_frame_ui(ui, frame, palette);
    } else if let Some(resp) = record
        .http()
        .iter()
        .find(|m| m.kind == HttpKind::Response && m.sec_websocket_accept.is_some())
    {
        // The key of the request this response answers.
        match &resp.request_key {
            Some(key) => accept_ui(ui, key, resp.sec_websocket_accept.as_deref(), palette),
            None => {
                ui.label("The request with the key was not captured, so the Accept value cannot be worked out.");
            }
        }
    } else if kind.is_some() {
        seq_arithmetic_ui(ui, app, record);
    }
}

/// Monospace text that wraps at the panel's edge instead of running past it (a class cannot
/// scroll sideways to read the rest).
fn wrapped_mono(ui: &mut egui::Ui, text: impl Into<String>) {
    ui.add(egui::Label::new(RichText::new(text.into()).monospace()).wrap());
}

/// The JavaScript that sent the Socket.IO packets, and what runs where they arrive.
fn io_code_ui(ui: &mut egui::Ui, code: &lesson::IoCode, palette: Palette) {
    let receiver = if code.sender_name == "client" {
        "server"
    } else {
        "client"
    };
    ui.label(RichText::new("The code behind this packet (JavaScript)").strong());
    for (who, lines) in [(code.sender_name, &code.sender), (receiver, &code.receiver)] {
        ui.label(RichText::new(format!("on the {who}:")).color(palette.weak_text));
        for line in lines {
            ui.add(egui::Label::new(RichText::new(line).monospace().color(palette.accent)).wrap());
        }
    }
}

fn accept_ui(ui: &mut egui::Ui, key: &str, received: Option<&str>, palette: Palette) {
    let d = lesson::derive_accept(key, received);
    ui.label(RichText::new("Sec-WebSocket-Accept, worked out").strong());
    Grid::new("accept")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            ui.label("1. client's key");
            wrapped_mono(ui, &d.key);
            ui.end_row();
            ui.label("2. + fixed GUID");
            wrapped_mono(ui, &d.concatenated);
            ui.end_row();
            ui.label("3. SHA-1");
            wrapped_mono(ui, d.sha1_hex());
            ui.end_row();
            ui.label("4. base64");
            wrapped_mono(ui, &d.expected);
            ui.end_row();
            ui.label("server sent");
            wrapped_mono(ui, d.received.as_deref().unwrap_or("—"));
            ui.end_row();
        });
    match d.matches() {
        Some(true) => ui.colored_label(
            palette.good,
            "✔ matches: the server understood the WebSocket handshake",
        ),
        Some(false) => ui.colored_label(
            palette.bad,
            "✘ does not match: a browser would refuse this connection",
        ),
        None => ui.label("no Accept header"),
    };
}

fn bits_ui(ui: &mut egui::Ui, fields: &[BitField], palette: Palette) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        for f in fields {
            let lit = f.value != 0;
            let bg = if lit {
                palette.lit_send
            } else {
                palette.layer_dark
            };
            let fg = if lit {
                egui::Color32::WHITE
            } else {
                palette.text
            };
            egui::Frame::new()
                .fill(bg)
                .inner_margin(4.0)
                .corner_radius(3.0)
                .show(ui, |ui| {
                    ui.vertical(|ui| {
                        ui.label(RichText::new(f.name).small().color(fg));
                        ui.label(RichText::new(f.digits()).monospace().color(fg));
                    });
                })
                .response
                .on_hover_text(format!(
                    "{} ({} bits) = {}: {}",
                    f.name, f.bits, f.value, f.meaning
                ));
        }
    });
}

fn ws_frame_ui(ui: &mut egui::Ui, frame: &crate::model::WsFrame, palette: Palette) {
    ui.label(RichText::new("WebSocket header, bit by bit").strong());
    let fields = lesson::frame_bits(frame);
    bits_ui(ui, &fields, palette);
    // What each field means beside the unmasking, so both fit in the panel without scrolling.
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            for f in &fields {
                ui.label(
                    RichText::new(format!("{}: {}", f.name, f.meaning))
                        .small()
                        .color(palette.weak_text),
                );
            }
        });
        let rows = lesson::unmask_rows(frame, UNMASK_ROWS);
        if rows.is_empty() {
            return;
        }
        ui.add_space(8.0);
        ui.vertical(|ui| unmask_ui(ui, &rows));
    });
}

fn unmask_ui(ui: &mut egui::Ui, rows: &[lesson::UnmaskRow]) {
    ui.label(RichText::new("Unmasking: byte i XOR key[i mod 4]").strong());
    Grid::new("unmask")
        .num_columns(5)
        .striped(true)
        .spacing([8.0, 0.0])
        .show(ui, |ui| {
            for h in ["i", "on the wire", "key[i mod 4]", "= XOR", "char"] {
                ui.label(RichText::new(h).small());
            }
            ui.end_row();
            for r in rows {
                ui.monospace(r.index.to_string());
                ui.monospace(format!("{:02x} ({:08b})", r.masked, r.masked));
                ui.monospace(format!("{:02x} ({:08b})", r.key, r.key));
                ui.monospace(format!("{:02x} ({:08b})", r.plain, r.plain));
                let c = if r.plain.is_ascii_graphic() || r.plain == b' ' {
                    char::from(r.plain).to_string()
                } else {
                    "·".into()
                };
                ui.monospace(c);
                ui.end_row();
            }
        });
}

fn seq_arithmetic_ui(ui: &mut egui::Ui, app: &App, record: &PacketRow) {
    let (Some(tcp), Some(seg)) = (&record.packet.tcp, &record.seg) else {
        return;
    };
    let Some(conn) = app.model.connections.get(seg.stream as usize) else {
        return;
    };
    let (own_isn, peer_isn) = match seg.direction {
        crate::model::Direction::ClientToServer => (conn.client_isn, conn.server_isn),
        crate::model::Direction::ServerToClient => (conn.server_isn, conn.client_isn),
    };
    ui.label(RichText::new("The numbers, worked out").strong());
    Grid::new("seq")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            if let Some(isn) = own_isn {
                ui.label("relative seq = raw − ISN");
                ui.monospace(format!("{} − {isn} = {}", tcp.seq, seg.rel_seq));
                ui.end_row();
            }
            if let (Some(isn), true) = (peer_isn, tcp.has(crate::model::flags::ACK)) {
                ui.label("relative ack = raw − peer's ISN");
                ui.monospace(format!("{} − {isn} = {}", tcp.ack, seg.rel_ack));
                ui.end_row();
            }
            ui.label("window");
            match seg.window_shift {
                Some(shift) => ui.monospace(format!(
                    "{} × 2^{shift} = {} bytes",
                    tcp.window,
                    seg.window_scaled(tcp.window)
                )),
                None => ui.monospace(format!("{} bytes (no scaling)", tcp.window)),
            };
            ui.end_row();
            ui.label("payload");
            ui.monospace(format!(
                "{} bytes, next seq = {}",
                tcp.payload_len, seg.next_rel_seq
            ));
            ui.end_row();
        });
    if record
        .step()
        .and_then(|i| app.model.steps.get(i))
        .is_some_and(|s| matches!(s.kind, StepKind::Syn | StepKind::SynAck))
        && let Some(mss) = record.announced_options().and_then(|o| o.mss)
    {
        ui.label(format!(
            "MSS option: the sender of this SYN can receive at most {mss} bytes of data per segment."
        ));
    }
}
