//! The glossary tab (every entry, the chosen one in full) and [`linked_text_ui`], which writes
//! a sentence with its glossary words as links, so a class can open a word's meaning with a
//! click (nobody can hover for a room).

use egui::RichText;

use crate::lesson::glossary::{self, Span, TERMS};

use super::action::Action;
use super::app::App;
use super::teach::{TeachAction, heading_ui};

/// `text` in the current layout, each glossary word a link that opens its entry. `size` is the
/// font size (None: the body size); `colour` the plain text's colour (None: the default).
pub fn linked_text_ui(
    ui: &mut egui::Ui,
    text: &str,
    size: Option<f32>,
    colour: Option<egui::Color32>,
    actions: &mut Vec<Action>,
) {
    let size = size.unwrap_or_else(|| ui.text_style_height(&egui::TextStyle::Body));
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        // Each word is a link once, where it first comes: more would be noise on a projector.
        let mut linked: Vec<&str> = Vec::new();
        for span in glossary::spans(text) {
            let span = match span {
                Span::Term(word, term) if linked.contains(&term.id) => Span::Plain(word),
                Span::Term(_, term) => {
                    linked.push(term.id);
                    span
                }
                Span::Plain(_) => span,
            };
            match span {
                Span::Plain(p) => {
                    let mut t = RichText::new(p).size(size);
                    if let Some(c) = colour {
                        t = t.color(c);
                    }
                    ui.label(t);
                }
                Span::Term(word, term) => {
                    // Its own colour and underline: presentation mode overrides text colours.
                    let colour = ui.visuals().hyperlink_color;
                    let link = ui
                        .link(RichText::new(word).size(size).color(colour).underline())
                        .on_hover_text(term.definition);
                    if link.clicked() {
                        actions.push(Action::Teach(TeachAction::ShowTerm(term.id)));
                    }
                }
            }
        }
    });
}

pub fn glossary_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let palette = app.palette();
    let shown = app.teach.term.and_then(glossary::term);
    if let Some(term) = shown {
        heading_ui(ui, term.word, palette.accent);
        linked_text_ui(ui, term.definition, None, None, actions);
        ui.label(
            RichText::new(format!("Source: {}", term.source))
                .small()
                .color(palette.weak_text),
        );
        ui.separator();
    } else {
        ui.label(
            "Click an underlined word in the narration, or a word below, to see what it means.",
        );
    }
    ui.horizontal_wrapped(|ui| {
        for term in TERMS {
            let on = shown.is_some_and(|t| t.id == term.id);
            if ui.selectable_label(on, term.word).clicked() {
                actions.push(Action::Teach(TeachAction::ShowTerm(term.id)));
            }
        }
    });
}
