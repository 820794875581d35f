//! The help overlay (F1, `?`): the whole keyboard map, drawn from [`super::keys::BINDINGS`],
//! the same table the key handling reads, in two columns of groups that fit 1280 × 720 in
//! presentation mode.

use egui::RichText;

use super::action::Action;
use super::app::App;
use super::keys::{BINDINGS, Group, keys_text};

/// The overlay's id (a test finds it by its heading).
pub const HEADING: &str = "Keyboard map";

/// Draw the keyboard map over the window while it is open.
pub fn help_ui(ctx: &egui::Context, app: &App, actions: &mut Vec<Action>) {
    if !app.help_open() {
        return;
    }
    let palette = app.palette();
    let screen = ctx.content_rect();
    let modal = egui::Modal::new(egui::Id::unique("osiscope-help")).show(ctx, |ui| {
        ui.set_max_width(screen.width() * 0.92);
        ui.set_max_height(screen.height() * 0.88);
        ui.horizontal(|ui| {
            ui.heading(HEADING);
            ui.label(
                RichText::new("— keys do nothing while you type in a text box")
                    .color(palette.weak_text),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Close (Esc)").clicked() {
                    actions.push(Action::CloseHelp);
                }
            });
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .max_height(screen.height() * 0.75)
            .show(ui, |ui| {
                ui.columns(2, |columns| {
                    let (left, right) = Group::ALL.split_at(2);
                    for (column, groups) in columns.iter_mut().zip([left, right]) {
                        for &group in groups {
                            group_ui(column, app, group);
                        }
                    }
                });
            });
    });
    if modal.should_close() {
        actions.push(Action::CloseHelp);
    }
}

/// One group's bindings: keys, what they do, when.
fn group_ui(ui: &mut egui::Ui, app: &App, group: Group) {
    let palette = app.palette();
    ui.label(RichText::new(group.title()).strong().color(palette.accent));
    egui::Grid::new(("help", group.title()))
        .num_columns(2)
        .spacing([16.0, 4.0])
        .striped(true)
        .show(ui, |ui| {
            for b in BINDINGS.iter().filter(|b| b.group == group) {
                ui.label(RichText::new(keys_text(b)).monospace().strong());
                let note = b.when.note();
                if note.is_empty() {
                    ui.label(b.what);
                } else {
                    ui.label(format!("{} ({note})", b.what));
                }
                ui.end_row();
            }
        });
    ui.add_space(8.0);
}

impl App {
    /// Whether the keyboard map is shown.
    pub fn help_open(&self) -> bool {
        self.help
    }
}
