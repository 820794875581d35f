//! The teaching panel on the right: guided lessons, the quiz and the glossary in three tabs,
//! their state and what the user can ask of them ([`TeachAction`]). Their keys (L lessons,
//! Q quiz, G glossary, D packet list/details/bytes in presentation mode) are in the one
//! keyboard map, `super::keys`.

use egui::RichText;

use crate::lesson::glossary;
use crate::lesson::guided::{LESSONS, Lesson};

use super::action::Action;
use super::app::App;
use super::quiz::QuizState;
use super::{glossary as glossary_ui, lessons, quiz};

/// The panel's tabs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TeachTab {
    #[default]
    Lessons,
    Quiz,
    Glossary,
}

impl TeachTab {
    pub const ALL: [Self; 3] = [Self::Lessons, Self::Quiz, Self::Glossary];

    pub fn label(self) -> &'static str {
        match self {
            Self::Lessons => "Lessons (L)",
            Self::Quiz => "Quiz (Q)",
            Self::Glossary => "Glossary (G)",
        }
    }
}

/// A guided lesson being walked.
#[derive(Clone, Debug)]
pub struct LessonRun {
    pub lesson: &'static Lesson,
    /// Index into `lesson.steps`.
    pub step: usize,
    /// Whether the answers of this step's questions are shown.
    pub answers_shown: bool,
    /// The choice picked for each question of this step.
    pub chosen: Vec<Option<usize>>,
}

impl LessonRun {
    fn at(lesson: &'static Lesson, step: usize) -> Self {
        let n = lesson.steps.get(step).map_or(0, |s| s.questions.len());
        Self {
            lesson,
            step,
            answers_shown: false,
            chosen: vec![None; n],
        }
    }
}

/// Everything the teaching panel remembers.
#[derive(Clone, Debug, Default)]
pub struct Teach {
    /// Whether the panel is shown.
    pub open: bool,
    pub tab: TeachTab,
    pub lesson: Option<LessonRun>,
    pub quiz: QuizState,
    /// The glossary entry shown (an id of [`glossary::TERMS`]).
    pub term: Option<&'static str>,
    /// In presentation mode: whether the packet list, details and bytes are unfolded.
    pub show_bytes: bool,
}

/// What the user asked of the teaching panel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TeachAction {
    /// Show the panel on this tab (or hide it, if it shows this tab already).
    Toggle(TeachTab),
    /// Open a guided lesson (its id) on its bundled capture, at its first step.
    OpenLesson(&'static str),
    /// Go to step `n` of the open lesson.
    LessonStep(usize),
    /// Next / previous lesson step.
    LessonNext,
    LessonBack,
    /// Pick choice `choice` of question `question` of the lesson step.
    LessonChoose {
        question: usize,
        choice: usize,
    },
    /// Show the answers of the lesson step's questions.
    LessonAnswers,
    CloseLesson,
    /// Show a glossary entry (opens the panel on the glossary).
    ShowTerm(&'static str),
    /// Quiz mode on or off.
    QuizOnOff,
    /// Pick a choice of the quiz question (0-based).
    QuizChoose(usize),
    /// Fold or unfold the packet list, details and bytes (presentation and quiz modes).
    ToggleBytes,
}

impl App {
    /// Whether the packet list, details and bytes are shown: folded away in presentation mode
    /// and while the quiz hides what comes next, until D brings them back.
    pub fn bytes_shown(&self) -> bool {
        let folded = self.settings.presentation || self.teach.quiz.on;
        !folded || self.teach.show_bytes
    }

    /// The teaching panel's state.
    pub fn teach(&self) -> &Teach {
        &self.teach
    }
}

/// Go to the lesson step's first frame, on the step's capture (opened if another is shown).
fn show_lesson_step(app: &mut App, ctx: &egui::Context) {
    let Some(run) = &app.teach.lesson else { return };
    let Some(step) = run.lesson.steps.get(run.step) else {
        return;
    };
    let capture = run.lesson.capture_of(step);
    let frame = step.frames.first().copied();
    if app.title != capture.name {
        app.open_bundled(capture.bytes, capture.name);
    }
    if let Some(index) = frame.and_then(|f| app.packet_of_frame(f)) {
        app.apply(Action::SelectPacket(index), ctx);
    }
}

/// Apply a teaching action.
pub fn apply(app: &mut App, action: TeachAction, ctx: &egui::Context) {
    let teach = &mut app.teach;
    match action {
        TeachAction::Toggle(tab) => {
            if teach.open && teach.tab == tab {
                teach.open = false;
            } else {
                teach.open = true;
                teach.tab = tab;
            }
        }
        TeachAction::OpenLesson(id) => {
            let Some(lesson) = LESSONS.iter().find(|l| l.id == id) else {
                return;
            };
            app.open_bundled(lesson.capture_bytes, lesson.capture);
            app.teach.lesson = Some(LessonRun::at(lesson, 0));
            app.teach.open = true;
            app.teach.tab = TeachTab::Lessons;
            show_lesson_step(app, ctx);
        }
        TeachAction::LessonStep(n) => {
            if let Some(run) = &teach.lesson
                && n < run.lesson.steps.len()
            {
                teach.lesson = Some(LessonRun::at(run.lesson, n));
                show_lesson_step(app, ctx);
            }
        }
        TeachAction::LessonNext | TeachAction::LessonBack => {
            if let Some(run) = &teach.lesson {
                let n = if action == TeachAction::LessonNext {
                    run.step + 1
                } else {
                    run.step.saturating_sub(1)
                };
                apply(app, TeachAction::LessonStep(n), ctx);
            }
        }
        TeachAction::LessonChoose { question, choice } => {
            if let Some(slot) = teach
                .lesson
                .as_mut()
                .and_then(|r| r.chosen.get_mut(question))
            {
                *slot = Some(choice);
            }
        }
        TeachAction::LessonAnswers => {
            if let Some(run) = teach.lesson.as_mut() {
                run.answers_shown = true;
            }
        }
        TeachAction::CloseLesson => teach.lesson = None,
        TeachAction::ShowTerm(id) => {
            teach.term = glossary::term(id).map(|t| t.id);
            teach.open = true;
            teach.tab = TeachTab::Glossary;
        }
        TeachAction::QuizOnOff => {
            teach.quiz = QuizState {
                on: !teach.quiz.on,
                ..QuizState::default()
            };
            if teach.quiz.on {
                teach.open = true;
                teach.tab = TeachTab::Quiz;
            }
        }
        TeachAction::QuizChoose(n) => teach.quiz.choose(n),
        TeachAction::ToggleBytes => {
            teach.show_bytes = !teach.show_bytes;
            // The list and details open where the current packet is.
            app.view.scroll_to_current();
        }
    }
}

/// The toolbar's buttons for the panel's tabs and the folded panels.
pub fn toolbar_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    for (tab, text) in [
        (TeachTab::Lessons, "Lessons"),
        (TeachTab::Quiz, "Quiz"),
        (TeachTab::Glossary, "Glossary"),
    ] {
        let on = app.teach.open && app.teach.tab == tab;
        let on = on || (tab == TeachTab::Quiz && app.teach.quiz.on);
        if ui
            .selectable_label(on, text)
            .on_hover_text(tab.label())
            .clicked()
        {
            let action = if tab == TeachTab::Quiz {
                TeachAction::QuizOnOff
            } else {
                TeachAction::Toggle(tab)
            };
            actions.push(Action::Teach(action));
        }
    }
    if app.settings.presentation || app.teach.quiz.on {
        let text = if app.bytes_shown() {
            "Fold packets (D)"
        } else {
            "Packets (D)"
        };
        if ui
            .button(text)
            .on_hover_text("The packet list, details and bytes")
            .clicked()
        {
            actions.push(Action::Teach(TeachAction::ToggleBytes));
        }
    }
}

/// The teaching panel: tabs, then the tab's content.
pub fn teach_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        for tab in TeachTab::ALL {
            let on = app.teach.tab == tab;
            if ui.selectable_label(on, tab.label()).clicked() && !on {
                actions.push(Action::Teach(TeachAction::Toggle(tab)));
            }
        }
        if ui.button("✕").on_hover_text("Hide this panel").clicked() {
            let tab = app.teach.tab;
            actions.push(Action::Teach(TeachAction::Toggle(tab)));
        }
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("teach")
        .auto_shrink(false)
        .show(ui, |ui| match app.teach.tab {
            TeachTab::Lessons => lessons::lessons_ui(ui, app, actions),
            TeachTab::Quiz => quiz::quiz_ui(ui, app, actions),
            TeachTab::Glossary => glossary_ui::glossary_ui(ui, app, actions),
        });
}

/// A heading in the teaching panel.
pub(crate) fn heading_ui(ui: &mut egui::Ui, text: &str, colour: egui::Color32) {
    ui.label(
        RichText::new(text)
            .color(colour)
            .strong()
            .size(ui.text_style_height(&egui::TextStyle::Heading)),
    );
}
