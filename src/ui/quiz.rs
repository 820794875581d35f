//! Quiz mode: before the next packet is shown, the class predicts it (questions from
//! `lesson::quiz`, made from the real packet). → or Enter first asks, then shows the answer
//! and why, then shows the packet; 1–4 pick a choice. Every fourth question asks which layer a
//! highlighted byte of the packet on show belongs to. The ladder hides what is still to come.

use egui::RichText;

use crate::lesson::quiz::{QuizKind, QuizQuestion, question_for};

use super::action::Action;
use super::app::App;
use super::glossary::linked_text_ui;
use super::teach::{TeachAction, heading_ui};

/// The quiz's state.
#[derive(Clone, Debug, Default)]
pub struct QuizState {
    pub on: bool,
    /// The question asked now.
    pub question: Option<QuizQuestion>,
    pub chosen: Option<usize>,
    pub revealed: bool,
    /// Questions asked so far (picks the next kind).
    pub turn: usize,
    /// Questions answered right, and answered at all.
    pub right: u32,
    pub answered: u32,
}

impl QuizState {
    pub fn choose(&mut self, n: usize) {
        if let Some(q) = &self.question
            && n < q.choices.len()
            && !self.revealed
        {
            self.chosen = Some(n);
        }
    }

    /// Whether the ladder hides step `i` (still to come while the quiz runs).
    pub fn hides(&self, step: usize, current: Option<usize>) -> bool {
        self.on && current.is_none_or(|c| step > c)
    }

    /// Whether a question is up and not answered yet.
    pub fn is_asking(&self) -> bool {
        self.question.is_some() && !self.revealed
    }
}

impl App {
    /// What → does while the quiz runs: ask about the next packet, then show the answer, then
    /// let the step go ahead. Returns whether it took the key.
    pub(crate) fn quiz_step_forward(&mut self) -> bool {
        let quiz = &mut self.teach.quiz;
        if !quiz.on {
            return false;
        }
        if let Some(q) = &quiz.question {
            if quiz.revealed {
                quiz.question = None;
                quiz.chosen = None;
                quiz.revealed = false;
                return false;
            }
            quiz.revealed = true;
            if let Some(c) = quiz.chosen {
                quiz.answered += 1;
                quiz.right += u32::from(c == q.answer);
            }
            return true;
        }
        let turn = quiz.turn;
        let track = self.track();
        let next = match self.playback.current {
            Some(c) => track.after(c),
            None => track.first(),
        };
        // Every fourth question: a byte of the packet on show (its bytes are read already).
        let question = if turn % 4 == 3
            && let Some(selected) = &self.view.details
            && let Ok(details) = &selected.decoded
        {
            question_for(&self.model, selected.index, Some(details), turn)
                .filter(|q| q.kind == QuizKind::ByteLayer)
        } else {
            None
        };
        let question = question.or_else(|| {
            let step = self.model.steps.get(next?)?;
            question_for(&self.model, step.packet_index(), None, turn)
        });
        let Some(q) = question else {
            return false;
        };
        if let Some(h) = &q.highlight {
            self.view.selected_bytes = Some(h.clone());
        }
        let quiz = &mut self.teach.quiz;
        quiz.question = Some(q);
        quiz.turn += 1;
        true
    }
}

pub fn quiz_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let palette = app.palette();
    let quiz = &app.teach.quiz;
    ui.horizontal_wrapped(|ui| {
        let label = if quiz.on {
            "Stop the quiz (Q)"
        } else {
            "Start the quiz (Q)"
        };
        if ui.button(label).clicked() {
            actions.push(Action::Teach(TeachAction::QuizOnOff));
        }
        if quiz.answered > 0 {
            ui.label(format!("{} of {} right", quiz.right, quiz.answered));
        }
    });
    if !quiz.on {
        ui.label(
            "In quiz mode the ladder hides what is still to come. Press → and the class \
             predicts the next packet: its flags, its numbers, its opcode, what socket.emit \
             puts on the wire. → again shows the answer and why, → again shows the packet.",
        );
        return;
    }
    let Some(q) = &quiz.question else {
        ui.label("Press → (or Enter) for a question about the next packet.");
        return;
    };
    let size = ui.text_style_height(&egui::TextStyle::Body) * 1.15;
    ui.add_space(4.0);
    heading_ui(ui, &format!("Question {}", quiz.turn), palette.accent);
    linked_text_ui(ui, &q.prompt, Some(size), None, actions);
    if let Some(h) = &q.highlight {
        byte_row_ui(ui, app, h.start);
    }
    ui.add_space(4.0);
    for (i, choice) in q.choices.iter().enumerate() {
        let mut text = RichText::new(format!("{}  {choice}", i + 1)).size(size);
        if quiz.revealed && i == q.answer {
            text = text.color(palette.good).strong();
        } else if quiz.revealed && quiz.chosen == Some(i) {
            text = text.color(palette.bad);
        }
        if ui
            .add(egui::Button::selectable(quiz.chosen == Some(i), text).wrap())
            .clicked()
        {
            actions.push(Action::Teach(TeachAction::QuizChoose(i)));
        }
    }
    ui.add_space(6.0);
    if quiz.revealed {
        let verdict = match quiz.chosen {
            Some(c) if c == q.answer => ("Right!", palette.good),
            Some(_) => ("Not this time.", palette.bad),
            None => ("The answer:", palette.text),
        };
        ui.label(
            RichText::new(verdict.0)
                .color(verdict.1)
                .strong()
                .size(size),
        );
        let answer = q.choices.get(q.answer).map_or("", String::as_str);
        ui.label(
            RichText::new(answer)
                .color(palette.good)
                .strong()
                .size(size),
        );
        linked_text_ui(ui, &q.why, None, None, actions);
        ui.label(RichText::new("→ shows the packet.").color(palette.weak_text));
    } else if ui.button("Show the answer (→)").clicked() {
        actions.push(Action::StepForward);
    }
}

/// The 16-byte line of the packet on show around `byte`, with `byte` marked, so the byte
/// question can be read with the bytes view folded away.
fn byte_row_ui(ui: &mut egui::Ui, app: &App, byte: usize) {
    let Some(Ok(details)) = app.view.details.as_ref().map(|s| &s.decoded) else {
        return;
    };
    let data = &details.data;
    let start = byte / 16 * 16;
    let end = (start + 16).min(data.len());
    let palette = app.palette();
    ui.horizontal_wrapped(|ui| {
        ui.monospace(format!("{start:04x} "));
        for (i, b) in data.get(start..end).unwrap_or_default().iter().enumerate() {
            let text = RichText::new(format!("{b:02x}")).monospace();
            if start + i == byte {
                ui.label(
                    text.background_color(palette.selected)
                        .color(egui::Color32::BLACK)
                        .strong(),
                );
            } else {
                ui.label(text);
            }
        }
    });
}
