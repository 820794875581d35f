//! The two OSI stacks (7 layers, the TCP/IP 4-layer model beside them): the sender's lights up
//! top → bottom as each layer adds its header, the receiver's bottom → top as headers come off.
//! Layers the packet does not use stay dark and say why.

use egui::{Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, pos2, vec2};

use crate::lesson::{self, LayerUse, OSI_LAYERS, OsiLayer, TCPIP_LAYERS};
use crate::model::{Direction, Peer};

use super::app::App;
use super::theme::Palette;

/// Whether `peer` sends a packet going `direction`.
pub fn peer_sends(peer: Peer, direction: Direction) -> bool {
    matches!(
        (peer, direction),
        (Peer::Client, Direction::ClientToServer) | (Peer::Server, Direction::ServerToClient)
    )
}

pub fn osi_stack_ui(ui: &mut egui::Ui, app: &App, peer: Peer) {
    let palette = app.palette();
    let step = app.current_step();
    let record = step.and_then(|s| app.model.packets.get(s.packet_index()));
    let sending = step.is_some_and(|s| peer_sends(peer, s.direction));
    let lit = app.lit_layers(ui.ctx(), peer);
    let uses: Option<[LayerUse; 7]> = record.map(lesson::layer_uses);
    let conn = step.and_then(|s| app.model.connections.get(s.stream as usize));
    let (name, colour) = match peer {
        Peer::Client => ("Client", palette.client),
        Peer::Server => ("Server", palette.server),
    };
    let addr = conn.map(|c| match peer {
        Peer::Client => c.client.to_string(),
        Peer::Server => c.server.to_string(),
    });
    ui.add_space(4.0);
    ui.heading(egui::RichText::new(name).color(colour));
    let role = match (step, sending) {
        (None, _) => "",
        (Some(_), true) => "sending: headers are added top → bottom",
        (Some(_), false) => "receiving: headers come off bottom → top",
    };
    ui.label(egui::RichText::new(format!("{}  {role}", addr.unwrap_or_default())).small());
    ui.add_space(4.0);

    let caption_h = caption_height(ui);
    let avail = ui.available_size();
    let osi_w = avail.x * 0.76;
    let small = FontId::proportional(ui.text_style_height(&egui::TextStyle::Small));
    let body = FontId::proportional(ui.text_style_height(&egui::TextStyle::Body));
    // All seven layers stay on screen, so the class sees a header go all the way down to the
    // bits: rows share the panel's height, each explanation gets the lines that fit (ending in
    // "…" when cut; the tooltip has all of it). Only a panel too short for the seven titles
    // scrolls.
    let min_row = min_row_height(ui);
    let row_h = ((avail.y - caption_h) / 7.0).max(min_row);
    egui::ScrollArea::vertical()
        .id_salt(("osi_stack", name))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            stack_ui(
                ui,
                &Stack {
                    palette,
                    sending,
                    lit,
                    uses,
                    row_h,
                    osi_w,
                    small,
                    body,
                    whole_only: app.settings().presentation,
                },
            );
        });
}

/// The caption under a stack (what the layers did: two lines).
fn caption_height(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Body) * 2.5
}

/// A layer's row at its tightest: its title and a little room. Tight enough for the seven
/// titles to fit at 1280 × 720 in presentation mode.
fn min_row_height(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Body) + 9.0
}

/// The height a stack needs to show its title, address, seven layers at their tightest and its
/// caption: what the panels below leave it at least (presentation mode's narration).
pub fn stack_min_height(ui: &egui::Ui) -> f32 {
    let heading = ui.text_style_height(&egui::TextStyle::Heading);
    // The address and role may wrap to two lines in a narrow panel.
    let address = 2.0 * ui.text_style_height(&egui::TextStyle::Small);
    let spacing = 3.0 * ui.spacing().item_spacing.y + 8.0;
    heading + address + spacing + 7.0 * min_row_height(ui) + caption_height(ui)
}

struct Stack {
    palette: Palette,
    sending: bool,
    lit: [bool; 7],
    uses: Option<[LayerUse; 7]>,
    row_h: f32,
    osi_w: f32,
    small: FontId,
    body: FontId,
    /// Presentation mode: an explanation is shown whole or not at all (never cut).
    whole_only: bool,
}

fn stack_ui(ui: &mut egui::Ui, stack: &Stack) {
    let (palette, sending, lit) = (stack.palette, stack.sending, stack.lit);
    let (uses, row_h, osi_w) = (&stack.uses, stack.row_h, stack.osi_w);
    let (small, body) = (stack.small.clone(), stack.body.clone());
    let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), row_h * 7.0), Sense::hover());
    let lit_colour = if sending {
        palette.lit_send
    } else {
        palette.lit_recv
    };
    let style = CellStyle {
        palette,
        lit_colour,
        body,
        small: small.clone(),
        whole_only: stack.whole_only,
    };
    for layer in &OSI_LAYERS {
        let i = usize::from(layer.number - 1);
        let top = rect.top() + f32::from(7 - layer.number) * row_h;
        let cell = Rect::from_min_size(pos2(rect.left(), top), vec2(osi_w - 4.0, row_h - 4.0));
        let usage = uses.as_ref().and_then(|u| u.get(i));
        let on = lit.get(i).copied().unwrap_or(false);
        style.layer_cell_ui(ui, cell, layer, usage, on);
    }
    // The TCP/IP model, beside.
    for l in &TCPIP_LAYERS {
        let top = rect.top() + f32::from(7 - l.highest) * row_h;
        let bottom = rect.top() + f32::from(8 - l.lowest) * row_h - 4.0;
        let cell = Rect::from_min_max(pos2(rect.left() + osi_w, top), pos2(rect.right(), bottom));
        let any_lit =
            (l.lowest..=l.highest).any(|n| lit.get(usize::from(n - 1)).copied().unwrap_or(false));
        let fill = if any_lit {
            lit_colour.gamma_multiply(0.6)
        } else {
            palette.layer_dark
        };
        let painter = ui.painter();
        painter.rect(
            cell,
            5.0,
            fill,
            Stroke::new(1.0, palette.lane),
            StrokeKind::Inside,
        );
        // One word per box ("Application"): shrink the font rather than break the word.
        let mut galley = painter.layout_no_wrap(l.name.to_string(), small.clone(), palette.text);
        let room = cell.width() - 8.0;
        if galley.size().x > room && room > 0.0 {
            let size = (small.size * room / galley.size().x).max(6.0);
            galley = painter.layout_no_wrap(
                l.name.to_string(),
                FontId::proportional(size),
                palette.text,
            );
        }
        painter.galley(cell.center() - galley.size() / 2.0, galley, palette.text);
    }
    let caption = stack_caption(lit, sending, uses.is_some());
    ui.label(egui::RichText::new(caption).color(palette.weak_text));
}

struct CellStyle {
    palette: Palette,
    lit_colour: Color32,
    body: FontId,
    small: FontId,
    /// See [`Stack::whole_only`].
    whole_only: bool,
}

impl CellStyle {
    /// One OSI layer's box: lit, in use, or dark with the reason.
    fn layer_cell_ui(
        &self,
        ui: &egui::Ui,
        cell: Rect,
        layer: &OsiLayer,
        usage: Option<&LayerUse>,
        on: bool,
    ) {
        let palette = self.palette;
        let in_use = usage.is_some_and(LayerUse::is_lit);
        let (fill, fg) = if on {
            let fg = if self.lit_colour.intensity() > 0.55 {
                Color32::BLACK
            } else {
                Color32::WHITE
            };
            (self.lit_colour, fg)
        } else if in_use {
            (palette.layer_idle, palette.text)
        } else {
            (palette.layer_dark, palette.weak_text)
        };
        let response = ui.interact(
            cell,
            ui.scope_id().with(("osi", layer.number)),
            Sense::hover(),
        );
        // Named for screen readers (and the UI tests): "layer 4 Transport".
        response.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Label,
                true,
                format!("layer {} {}", layer.number, layer.name),
            )
        });
        let painter = ui.painter();
        let stroke = if on {
            Stroke::new(2.0, palette.accent)
        } else {
            Stroke::new(1.0, palette.lane)
        };
        painter.rect(cell, 5.0, fill, stroke, StrokeKind::Inside);
        let title = painter.text(
            cell.left_top() + vec2(6.0, 3.0),
            Align2::LEFT_TOP,
            format!("{} {}", layer.number, layer.name),
            self.body.clone(),
            fg,
        );
        let proto = usage.map_or("", LayerUse::proto);
        let right = if proto.is_empty() {
            layer.pdu.to_string()
        } else {
            format!("{proto} · {}", layer.pdu)
        };
        let right = painter.layout_no_wrap(right, self.small.clone(), fg);
        // Only where it fits beside the name; the tooltip always has everything.
        if title.right() + right.size().x + 10.0 < cell.right() {
            painter.galley(
                pos2(cell.right() - 6.0 - right.size().x, cell.top() + 5.0),
                right,
                fg,
            );
        }
        if let Some(u) = usage {
            let text_rect = Rect::from_min_max(
                cell.left_top() + vec2(6.0, self.body.size + 6.0),
                cell.right_bottom() - vec2(6.0, 2.0),
            );
            let line_h = ui.fonts_mut(|f| f.row_height(&self.small));
            let mut job = egui::text::LayoutJob::simple(
                u.text().to_string(),
                self.small.clone(),
                fg,
                text_rect.width(),
            );
            let rows = (text_rect.height() / line_h).floor() as usize;
            if self.whole_only {
                // Shown whole or not at all: a class cannot hover for the rest.
                let whole = painter.layout_job(job.clone());
                if whole.size().y > text_rect.height() {
                    job.wrap.max_rows = 0;
                }
            } else {
                job.wrap.max_rows = rows;
            }
            if job.wrap.max_rows > 0 {
                let galley = painter.layout_job(job);
                painter
                    .with_clip_rect(text_rect)
                    .galley(text_rect.min, galley, fg);
            }
            response.on_hover_text(u.text());
        }
    }
}

/// One line under the stack: what is happening to the packet at its lowest/highest lit layer.
fn stack_caption(lit: [bool; 7], sending: bool, has_step: bool) -> String {
    if !has_step {
        return "OSI model (left) and TCP/IP model (right).".into();
    }
    let lit_layers: Vec<usize> = (0..7).filter(|&i| lit[i]).collect();
    match (sending, lit_layers.first(), lit_layers.last()) {
        (true, Some(&low), _) => {
            let pdu = OSI_LAYERS[low].pdu;
            let verb = if pdu.ends_with('s') { "are" } else { "is" };
            format!("Sent down to layer {}: the {pdu} {verb} ready.", low + 1)
        }
        (false, _, Some(&high)) => format!(
            "Received up to layer {}: {} unwrapped.",
            high + 1,
            OSI_LAYERS[high].pdu
        ),
        _ => {
            if sending {
                "About to send.".into()
            } else {
                "Waiting for the packet…".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_sends() {
        assert!(peer_sends(Peer::Client, Direction::ClientToServer));
        assert!(!peer_sends(Peer::Server, Direction::ClientToServer));
    }

    #[test]
    fn captions_name_the_pdu() {
        let mut lit = [false; 7];
        lit[3] = true;
        assert!(stack_caption(lit, true, true).contains("segment"));
        let mut bits = [false; 7];
        bits[0] = true;
        assert_eq!(
            stack_caption(bits, true, true),
            "Sent down to layer 1: the bits are ready."
        );
        assert!(stack_caption([false; 7], false, true).contains("Waiting"));
    }
}
