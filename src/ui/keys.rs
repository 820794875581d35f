//! The keyboard map: ONE table of bindings ([`BINDINGS`]) that both the key handling
//! ([`shortcuts`]) and the help overlay (F1, `?`) read, so that the overlay can never say
//! something the keys do not do. Keys never fire while a text box has the keyboard (the
//! message box's Enter is the message box's own binding) or while a file dialog is open.

use egui::{Event, Key, KeyboardShortcut, Modifiers};

use super::action::Action;
use super::app::App;
use super::live::LiveCommand;
use super::teach::{TeachAction, TeachTab};
use super::view::{LadderMode, Tab};

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    CloseHelp,
    Open,
    Save,
    PlayPause,
    Step,
    Back,
    First,
    Last,
    NextPhase,
    PreviousPhase,
    HideFuture,
    Faster,
    Slower,
    ShowTab(Tab),
    Presentation,
    FullScreen,
    Theme,
    ZoomIn,
    ZoomOut,
    Connect,
    Send,
    Ping,
    Close,
    Scenarios,
    Lessons,
    LessonNext,
    LessonBack,
    LessonAnswers,
    Quiz,
    /// 1–4: the quiz's answers.
    QuizChoice,
    QuizNext,
    Glossary,
    Packets,
    /// The ladder: the chosen connection, or a lane per connection of its session or server.
    LadderLanes,
}

/// When a binding is active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Always,
    /// A file (or a lesson's capture) is shown, not the live session.
    Replay,
    /// The live session is shown.
    Live,
    /// In the live toolbar's message box (the text box has the keyboard).
    MessageBox,
    /// Quiz mode is on.
    Quiz,
    /// A guided lesson is open.
    Lesson,
}

impl When {
    /// Whether the key handling acts on bindings of this kind now.
    fn holds(self, app: &App) -> bool {
        match self {
            Self::Always => true,
            Self::Replay => !app.is_live(),
            Self::Live => app.is_live(),
            // The message box handles its own Enter (see the toolbar).
            Self::MessageBox => false,
            Self::Quiz => app.teach.quiz.on,
            Self::Lesson => app.teach.lesson.is_some(),
        }
    }

    /// The overlay's note on a binding that is not always active.
    pub fn note(self) -> &'static str {
        match self {
            Self::Always => "",
            Self::Replay => "in replay",
            Self::Live => "live mode",
            Self::MessageBox => "in the message box",
            Self::Quiz => "quiz mode",
            Self::Lesson => "in a lesson",
        }
    }
}

/// The overlay's groups, in the order it shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Playback,
    View,
    Files,
    Live,
    Teaching,
}

impl Group {
    pub const ALL: [Self; 5] = [
        Self::Playback,
        Self::View,
        Self::Files,
        Self::Live,
        Self::Teaching,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Playback => "Playback",
            Self::View => "View",
            Self::Files => "Files and help",
            Self::Live => "Live capture",
            Self::Teaching => "Lessons, quiz, glossary",
        }
    }
}

/// One line of the keyboard map: the keys, what they do, and when.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: &'static [KeyboardShortcut],
    pub command: Command,
    pub when: When,
    pub group: Group,
    /// What the overlay says the keys do.
    pub what: &'static str,
}

const fn key(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, k)
}

const fn ctrl(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, k)
}

const fn bind(
    keys: &'static [KeyboardShortcut],
    command: Command,
    when: When,
    group: Group,
    what: &'static str,
) -> Binding {
    Binding {
        keys,
        command,
        when,
        group,
        what,
    }
}

use Group as G;
use When as W;

/// Every key of the app. The teaching keys (L, Q, G, D, N, P, A, 1–4) are the ones the
/// teaching panel's buttons name.
// One binding per line: the table reads as the keyboard map it is.
#[rustfmt::skip]
pub static BINDINGS: [Binding; 38] = [
    bind(&[key(Key::Space)], Command::PlayPause, W::Always, G::Playback, "Play / pause"),
    bind(&[key(Key::ArrowRight)], Command::Step, W::Always, G::Playback, "Next step"),
    bind(&[key(Key::ArrowLeft)], Command::Back, W::Always, G::Playback, "Previous step"),
    bind(&[key(Key::Home)], Command::First, W::Always, G::Playback, "First step"),
    bind(&[key(Key::End)], Command::Last, W::Always, G::Playback, "Last step"),
    bind(&[key(Key::PageDown)], Command::NextPhase, W::Always, G::Playback, "Next phase"),
    bind(&[key(Key::PageUp)], Command::PreviousPhase, W::Always, G::Playback, "Previous phase"),
    bind(&[key(Key::Period)], Command::Faster, W::Always, G::Playback, "Play faster"),
    bind(&[key(Key::Comma)], Command::Slower, W::Always, G::Playback, "Play slower"),
    bind(&[key(Key::H)], Command::HideFuture, W::Replay, G::Playback,
        "Hide / show what comes next"),
    bind(&[key(Key::F2)], Command::ShowTab(Tab::Ladder), W::Always, G::View, "Ladder diagram"),
    bind(&[key(Key::F3)], Command::ShowTab(Tab::TimeSequence), W::Always, G::View,
        "Time-sequence graph"),
    bind(&[key(Key::F4)], Command::ShowTab(Tab::Connections), W::Always, G::View,
        "Connections"),
    bind(&[key(Key::F6)], Command::ShowTab(Tab::Compare), W::Always, G::View,
        "Compare: the same chat five ways"),
    bind(&[key(Key::F5)], Command::Presentation, W::Always, G::View,
        "Presentation mode on / off"),
    bind(&[key(Key::F11)], Command::FullScreen, W::Always, G::View, "Full screen on / off"),
    bind(&[key(Key::M)], Command::LadderLanes, W::Always, G::View,
        "Ladder: this connection / its whole session or all clients, a lane each"),
    bind(&[key(Key::T)], Command::Theme, W::Always, G::View, "Light / dark theme"),
    bind(&[key(Key::Plus), key(Key::Equals)], Command::ZoomIn, W::Always, G::View, "Zoom in"),
    bind(&[key(Key::Minus)], Command::ZoomOut, W::Always, G::View, "Zoom out"),
    bind(&[key(Key::F1), key(Key::Questionmark)], Command::Help, W::Always, G::Files,
        "This keyboard map"),
    bind(&[key(Key::Escape)], Command::CloseHelp, W::Always, G::Files, "Close this map"),
    bind(&[ctrl(Key::O)], Command::Open, W::Always, G::Files, "Open a capture file"),
    bind(&[ctrl(Key::S)], Command::Save, W::Always, G::Files,
        "Save what was captured live (pcapng)"),
    bind(&[key(Key::C)], Command::Connect, W::Live, G::Live, "Connect the demo client"),
    bind(&[key(Key::Enter)], Command::Send, W::MessageBox, G::Live, "Send the message"),
    bind(&[key(Key::I)], Command::Ping, W::Live, G::Live, "Send a Ping"),
    bind(&[key(Key::X)], Command::Close, W::Live, G::Live, "Close with the code in the toolbar"),
    bind(&[key(Key::S)], Command::Scenarios, W::Live, G::Live, "The scenario menu"),
    bind(&[key(Key::L)], Command::Lessons, W::Always, G::Teaching, "Lessons panel"),
    bind(&[key(Key::N)], Command::LessonNext, W::Lesson, G::Teaching, "Next lesson step"),
    bind(&[key(Key::P)], Command::LessonBack, W::Lesson, G::Teaching, "Previous lesson step"),
    bind(&[key(Key::A)], Command::LessonAnswers, W::Lesson, G::Teaching, "Show the answers"),
    bind(&[key(Key::Q)], Command::Quiz, W::Always, G::Teaching, "Quiz mode on / off"),
    bind(&[key(Key::Num1), key(Key::Num2), key(Key::Num3), key(Key::Num4)],
        Command::QuizChoice, W::Quiz, G::Teaching, "Pick answer 1–4"),
    bind(&[key(Key::Enter)], Command::QuizNext, W::Quiz, G::Teaching,
        "Show the answer, then go on"),
    bind(&[key(Key::G)], Command::Glossary, W::Always, G::Teaching, "Glossary panel"),
    bind(&[key(Key::D)], Command::Packets, W::Always, G::Teaching,
        "Packet list and bytes (folded in presentation and quiz)"),
];

/// What a view key changes (the toolbar's widgets change these settings directly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKey {
    Theme,
    Presentation,
    ZoomIn,
    ZoomOut,
    Faster,
    Slower,
    HideFuture,
    Tab(Tab),
    /// Open the scenario menu.
    Scenarios,
    /// Switch the ladder between the chosen connection and a lane per connection.
    LadderLanes,
}

/// Zoom and speed steps of one key press.
const ZOOM_STEP: f32 = 0.1;
const SPEED_FACTOR: f32 = 1.25;
/// The toolbar sliders' ranges (the keys stay inside them).
pub const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.6..=2.5;
pub const SPEED_RANGE: std::ops::RangeInclusive<f32> = 0.25..=4.0;

impl Command {
    /// What the app does for this command now; `None` where there is nothing to do (Escape
    /// with no map open). `shortcut` is the key pressed (which quiz answer).
    fn action(self, app: &App, shortcut: KeyboardShortcut) -> Option<Action> {
        Some(match self {
            Self::Help => Action::ToggleHelp,
            Self::CloseHelp => {
                if !app.help_open() {
                    return None;
                }
                Action::CloseHelp
            }
            Self::Open => Action::OpenDialog,
            Self::Save => Action::SaveDialog,
            Self::PlayPause => Action::TogglePlay,
            Self::Step | Self::QuizNext => Action::StepForward,
            Self::Back => Action::StepBack,
            Self::First => Action::Home,
            Self::Last => Action::End,
            Self::NextPhase => Action::NextPhase,
            Self::PreviousPhase => Action::PreviousPhase,
            Self::HideFuture => Action::View(ViewKey::HideFuture),
            Self::Faster => Action::View(ViewKey::Faster),
            Self::Slower => Action::View(ViewKey::Slower),
            Self::ShowTab(tab) => Action::View(ViewKey::Tab(tab)),
            Self::Presentation => Action::View(ViewKey::Presentation),
            Self::FullScreen => Action::ToggleFullscreen,
            Self::Theme => Action::View(ViewKey::Theme),
            Self::ZoomIn => Action::View(ViewKey::ZoomIn),
            Self::ZoomOut => Action::View(ViewKey::ZoomOut),
            Self::Connect => Action::Live(LiveCommand::Connect),
            Self::Send => Action::Live(LiveCommand::SendText(app.live_form.text.clone())),
            Self::Ping => Action::Live(LiveCommand::Ping),
            Self::Close => Action::Live(LiveCommand::Close(app.live_form.close_code)),
            Self::Scenarios => Action::View(ViewKey::Scenarios),
            Self::Lessons => Action::Teach(TeachAction::Toggle(TeachTab::Lessons)),
            Self::LessonNext => Action::Teach(TeachAction::LessonNext),
            Self::LessonBack => Action::Teach(TeachAction::LessonBack),
            Self::LessonAnswers => Action::Teach(TeachAction::LessonAnswers),
            Self::Quiz => Action::Teach(TeachAction::QuizOnOff),
            Self::QuizChoice => {
                let n = QUIZ_KEYS.iter().position(|k| *k == shortcut.logical_key)?;
                Action::Teach(TeachAction::QuizChoose(n))
            }
            Self::Glossary => Action::Teach(TeachAction::Toggle(TeachTab::Glossary)),
            Self::Packets => Action::Teach(TeachAction::ToggleBytes),
            Self::LadderLanes => Action::View(ViewKey::LadderLanes),
        })
    }
}

/// The quiz's answer keys, in the order of the answers.
const QUIZ_KEYS: [Key; 4] = [Key::Num1, Key::Num2, Key::Num3, Key::Num4];

/// Whether `shortcut` was pressed this frame (extra Shift is allowed, so `?` works on
/// keyboards where it needs Shift; Ctrl must match).
pub fn pressed(input: &egui::InputState, shortcut: KeyboardShortcut) -> bool {
    input.events.iter().any(|e| {
        matches!(e, Event::Key { key, pressed: true, modifiers, .. }
            if *key == shortcut.logical_key && modifiers.matches_logically(shortcut.modifiers))
    })
}

/// Whether one of `command`'s keys was pressed this frame (the message box asks for Enter).
pub fn pressed_in(ui: &egui::Ui, command: Command) -> bool {
    binding(command).is_some_and(|b| ui.input(|i| b.keys.iter().any(|&k| pressed(i, k))))
}

/// The binding of `command` (for the message box's Enter and the buttons' hover texts).
pub fn binding(command: Command) -> Option<&'static Binding> {
    BINDINGS.iter().find(|b| b.command == command)
}

/// How the overlay writes a key: the sign on the key cap where it has one.
fn key_name(key: Key) -> &'static str {
    match key {
        Key::ArrowRight => "→",
        Key::ArrowLeft => "←",
        Key::Questionmark => "?",
        Key::Plus => "+",
        Key::Equals => "=",
        Key::Minus => "-",
        Key::Period => ".",
        Key::Comma => ",",
        Key::PageDown => "Page Down",
        Key::PageUp => "Page Up",
        Key::Escape => "Esc",
        other => other.name(),
    }
}

/// The keys of a binding as the overlay writes them ("Ctrl+S", "F1 / ?").
pub fn keys_text(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(|k| {
            let modifiers =
                egui::ModifierNames::NAMES.format(&k.modifiers, cfg!(target_os = "macos"));
            let plus = if modifiers.is_empty() { "" } else { "+" };
            format!("{modifiers}{plus}{}", key_name(k.logical_key))
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The actions of the keys pressed this frame.
pub fn shortcuts(ctx: &egui::Context, app: &App, actions: &mut Vec<Action>) {
    // Typing in a text box (the message, a dialog's file name) is not a command.
    if ctx.egui_wants_keyboard_input() || app.dialog_open() {
        return;
    }
    ctx.input(|i| {
        for b in BINDINGS.iter().filter(|b| b.when.holds(app)) {
            for &shortcut in b.keys {
                if pressed(i, shortcut)
                    && let Some(action) = b.command.action(app, shortcut)
                {
                    actions.push(action);
                }
            }
        }
    });
}

impl App {
    /// Apply a view key.
    pub(crate) fn apply_view_key(&mut self, key: ViewKey) {
        let s = &mut self.settings;
        match key {
            ViewKey::Theme => s.dark = !s.dark,
            ViewKey::Presentation => s.presentation = !s.presentation,
            ViewKey::ZoomIn | ViewKey::ZoomOut => {
                let step = if key == ViewKey::ZoomIn {
                    ZOOM_STEP
                } else {
                    -ZOOM_STEP
                };
                s.zoom = (s.zoom + step).clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end());
            }
            ViewKey::Faster => {
                s.speed = (s.speed * SPEED_FACTOR).clamp(*SPEED_RANGE.start(), *SPEED_RANGE.end());
            }
            ViewKey::Slower => {
                s.speed = (s.speed / SPEED_FACTOR).clamp(*SPEED_RANGE.start(), *SPEED_RANGE.end());
            }
            ViewKey::HideFuture => s.hide_future = !s.hide_future,
            ViewKey::Tab(tab) => self.view.tab = tab,
            ViewKey::Scenarios => self.view.open_scenarios = true,
            ViewKey::LadderLanes => {
                let ladder = &mut self.view.ladder;
                ladder.mode = match ladder.mode {
                    LadderMode::Connection => LadderMode::Lanes,
                    LadderMode::Lanes => LadderMode::Connection,
                };
                ladder.scroll_to_current.request();
            }
        }
    }

    /// Whether the window was asked to be full screen (F11).
    pub fn is_fullscreen(&self) -> bool {
        self.fullscreen
    }

    /// The message across the top, if any.
    pub fn banner(&self) -> Option<&super::live::Banner> {
        self.banner.as_ref()
    }

    /// The centre tab on show.
    pub fn tab(&self) -> Tab {
        self.view.tab
    }

    /// Whether the ladder shows the chosen connection or a lane per connection of its group.
    pub fn ladder_mode(&self) -> LadderMode {
        self.view.ladder.mode
    }

    /// The ladder's rows, lanes and ties as drawn.
    pub fn ladder(&self) -> &super::view::Ladder {
        &self.view.ladder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_has_two_meanings_at_once() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                // Two bindings may share a key only if they are never active together.
                let apart = matches!(
                    (a.when, b.when),
                    (When::MessageBox, _) | (_, When::MessageBox)
                ) || (a.command == b.command);
                if apart {
                    continue;
                }
                for k in a.keys {
                    assert!(
                        !b.keys.contains(k),
                        "{k:?} is bound to {:?} and to {:?}",
                        a.command,
                        b.command
                    );
                }
            }
        }
    }

    #[test]
    fn keys_are_written_as_a_teacher_reads_them() {
        let save = binding(Command::Save).map(keys_text);
        assert!(matches!(save.as_deref(), Some("Ctrl+S" | "⌘S")), "{save:?}");
        assert_eq!(
            binding(Command::Help).map(keys_text).as_deref(),
            Some("F1 / ?")
        );
    }
}
