//! The Lessons tab: the list of guided lessons, and the open lesson's step (its frames, what to
//! say, its check questions, whose answers show on A or a click).

use egui::RichText;

use crate::lesson::guided::{LESSONS, LessonStep};

use super::action::Action;
use super::app::App;
use super::glossary::linked_text_ui;
use super::teach::{LessonRun, TeachAction, heading_ui};
use super::theme::Palette;

pub fn lessons_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let palette = app.palette();
    match &app.teach.lesson {
        Some(run) => lesson_run_ui(ui, app, run, palette, actions),
        None => lesson_list_ui(ui, actions),
    }
}

fn lesson_list_ui(ui: &mut egui::Ui, actions: &mut Vec<Action>) {
    ui.label("Pick a lesson: it opens its capture and walks it step by step.");
    ui.add_space(4.0);
    for l in LESSONS {
        let text = format!(
            "{} ({} steps, {} questions)",
            l.title,
            l.steps.len(),
            l.questions().count()
        );
        if ui
            .add(egui::Button::new(RichText::new(text)).wrap())
            .clicked()
        {
            actions.push(Action::Teach(TeachAction::OpenLesson(l.id)));
        }
    }
}

fn lesson_run_ui(
    ui: &mut egui::Ui,
    app: &App,
    run: &LessonRun,
    palette: Palette,
    actions: &mut Vec<Action>,
) {
    let lesson = run.lesson;
    let n = lesson.steps.len();
    ui.horizontal_wrapped(|ui| {
        if ui.button("◀ All lessons").clicked() {
            actions.push(Action::Teach(TeachAction::CloseLesson));
        }
        ui.label(RichText::new(lesson.title).strong());
    });
    ui.horizontal(|ui| {
        ui.add_enabled_ui(run.step > 0, |ui| {
            if ui.button("◀ Previous (P)").clicked() {
                actions.push(Action::Teach(TeachAction::LessonBack));
            }
        });
        ui.label(format!("step {} / {n}", run.step + 1));
        ui.add_enabled_ui(run.step + 1 < n, |ui| {
            if ui.button("Next (N) ▶").clicked() {
                actions.push(Action::Teach(TeachAction::LessonNext));
            }
        });
    });
    let Some(step) = lesson.steps.get(run.step) else {
        return;
    };
    ui.separator();
    heading_ui(ui, step.title, palette.accent);
    frames_ui(ui, app, step, actions);
    let size = ui.text_style_height(&egui::TextStyle::Body) * 1.1;
    linked_text_ui(ui, step.text, Some(size), None, actions);
    for (qi, q) in step.questions.iter().enumerate() {
        ui.add_space(8.0);
        linked_text_ui(
            ui,
            &format!("Question {}: {}", qi + 1, q.prompt),
            Some(size),
            Some(palette.accent),
            actions,
        );
        let chosen = run.chosen.get(qi).copied().flatten();
        for (ci, choice) in q.choices.iter().enumerate() {
            let letter = char::from(b'a' + ci as u8);
            let mut text = RichText::new(format!("{letter}) {choice}"));
            if run.answers_shown && ci == q.answer {
                text = text.color(palette.good).strong();
            } else if run.answers_shown && chosen == Some(ci) {
                text = text.color(palette.bad);
            }
            if ui.selectable_label(chosen == Some(ci), text).clicked() {
                actions.push(Action::Teach(TeachAction::LessonChoose {
                    question: qi,
                    choice: ci,
                }));
            }
        }
        if run.answers_shown {
            let answer = q.choices.get(q.answer).copied().unwrap_or_default();
            ui.label(
                RichText::new(format!("Answer: {answer}"))
                    .color(palette.good)
                    .strong(),
            );
            linked_text_ui(ui, q.why, None, None, actions);
        }
    }
    if !step.questions.is_empty() && !run.answers_shown {
        ui.add_space(4.0);
        if ui.button("Show the answers (A)").clicked() {
            actions.push(Action::Teach(TeachAction::LessonAnswers));
        }
    }
}

/// The step's frames, each a button that shows it.
fn frames_ui(ui: &mut egui::Ui, app: &App, step: &LessonStep, actions: &mut Vec<Action>) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Packets:");
        for &frame in step.frames {
            let Some(index) = app.packet_of_frame(frame) else {
                continue;
            };
            let shown = app.selected_packet() == Some(index);
            if ui
                .selectable_label(shown, format!("#{frame}"))
                .on_hover_text("Show this packet")
                .clicked()
            {
                actions.push(Action::SelectPacket(index));
            }
        }
    });
}
