//! The keyboard map (issue 13): every binding of the one table (`ui::keys::BINDINGS`) does what
//! the table says, pressed in the real app through `egui_kittest`; the help overlay opens with
//! F1 and `?` and lists every binding; no key acts while a text box has the keyboard. The live
//! bindings (Connect, Send, Ping, Close, Scenarios) run against the live session and need
//! CAP_NET_RAW (CI runs as root); without it that test says SKIPPED and passes.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use egui::{Key, KeyboardShortcut};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use osiscope::model::{StepKind, opcode};
use osiscope::ui::App;
use osiscope::ui::dialog::Purpose;
use osiscope::ui::keys::{BINDINGS, Binding, Command, When, keys_text};
use osiscope::ui::settings::Settings;
use osiscope::ui::teach::TeachTab;
use osiscope::ui::view::{LadderMode, Tab};
use ui_support::{live_app, poll_until};

fn app_on(name: &str) -> Harness<'static, App> {
    ui_support::app_on_bundled(name, Settings::default(), [1600.0, 1000.0])
}

fn press(harness: &mut Harness<'_, App>, shortcut: KeyboardShortcut) {
    harness.key_press_modifiers(shortcut.modifiers, shortcut.logical_key);
    harness.run_steps(2);
}

fn key(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(egui::Modifiers::NONE, k)
}

/// What a key may change, read before and after it.
// A snapshot of independent on/off states, compared whole: not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    step: Option<usize>,
    playing: bool,
    settings: Settings,
    tab: Tab,
    help: bool,
    dialog: Option<Purpose>,
    fullscreen: bool,
    teach_open: bool,
    teach_tab: TeachTab,
    quiz_on: bool,
    quiz_chosen: Option<usize>,
    quiz_asked: bool,
    quiz_revealed: bool,
    lesson_step: Option<usize>,
    answers: bool,
    show_bytes: bool,
    banner: Option<String>,
    ladder_mode: LadderMode,
}

fn seen(app: &App) -> Seen {
    let teach = app.teach();
    Seen {
        step: app.current_step_index(),
        playing: app.is_playing(),
        settings: app.settings().clone(),
        tab: app.tab(),
        help: app.help_open(),
        dialog: app.dialog_purpose(),
        fullscreen: app.is_fullscreen(),
        teach_open: teach.open,
        teach_tab: teach.tab,
        quiz_on: teach.quiz.on,
        quiz_chosen: teach.quiz.chosen,
        quiz_asked: teach.quiz.question.is_some(),
        quiz_revealed: teach.quiz.revealed,
        lesson_step: teach.lesson.as_ref().map(|l| l.step),
        answers: teach.lesson.as_ref().is_some_and(|l| l.answers_shown),
        show_bytes: teach.show_bytes,
        banner: app.banner().map(|b| b.text.clone()),
        ladder_mode: app.ladder_mode(),
    }
}

/// The app ready for `binding`'s key: on the handshake capture, in the middle of it, with
/// what the binding needs first (a lesson, the quiz, the map open…).
fn ready_for(binding: &Binding) -> Harness<'static, App> {
    let mut harness = match binding.when {
        When::Lesson => {
            let mut h = app_on("handshake.pcapng");
            press(&mut h, key(Key::L));
            h.get_by_label_contains("Goodbye: Close, FIN and TIME-WAIT")
                .click();
            h.run_steps(2);
            h
        }
        _ => app_on("handshake.pcapng"),
    };
    match binding.command {
        // In the middle: there is a step before and after, a phase before and after.
        Command::Step
        | Command::Back
        | Command::First
        | Command::Last
        | Command::NextPhase
        | Command::PreviousPhase => press(&mut harness, key(Key::PageDown)),
        Command::CloseHelp => press(&mut harness, key(Key::F1)),
        Command::ShowTab(Tab::Ladder) => press(&mut harness, key(Key::F3)),
        Command::LessonBack => press(&mut harness, key(Key::N)),
        Command::QuizChoice | Command::QuizNext => {
            press(&mut harness, key(Key::Q));
            // → asks the first question.
            press(&mut harness, key(Key::ArrowRight));
            assert!(harness.state().teach().quiz.question.is_some());
        }
        _ => {}
    }
    harness
}

/// What `binding`'s key `pressed` must have changed from `before` to `after`.
fn check(binding: &Binding, pressed: KeyboardShortcut, before: &Seen, after: &Seen, app: &App) {
    let what = format!("{:?} ({})", binding.command, keys_text(binding));
    let mut expected = before.clone();
    match binding.command {
        Command::Help => expected.help = true,
        Command::CloseHelp => expected.help = false,
        Command::Open => expected.dialog = Some(Purpose::Open),
        // Without a live session there is nothing to save: the banner says why.
        Command::Save => {
            let banner = after.banner.clone().unwrap_or_default();
            assert!(
                banner.contains("writes what was captured live"),
                "{what}: {banner}"
            );
            expected.banner.clone_from(&after.banner);
        }
        Command::PlayPause => {
            expected.playing = !before.playing;
            // Playing from a finished step goes on to the next at once.
            assert!(after.step >= before.step, "{what}");
            expected.step = after.step;
        }
        Command::Step => expected.step = before.step.map(|s| s + 1),
        Command::Back => expected.step = before.step.map(|s| s - 1),
        Command::First => expected.step = Some(0),
        Command::Last => expected.step = Some(app.model().steps.len() - 1),
        Command::NextPhase | Command::PreviousPhase => {
            let (b, a) = (before.step.unwrap(), after.step.unwrap());
            let forward = binding.command == Command::NextPhase;
            assert!(if forward { a > b } else { a < b }, "{what}: {b} → {a}");
            let phase = |i: usize| app.model().steps[i].phase;
            assert_ne!(phase(a), phase(b), "{what}");
            expected.step = after.step;
        }
        Command::HideFuture => expected.settings.hide_future = !before.settings.hide_future,
        Command::Faster | Command::Slower => {
            let (b, a) = (before.settings.speed, after.settings.speed);
            let faster = binding.command == Command::Faster;
            assert!(if faster { a > b } else { a < b }, "{what}: {b} → {a}");
            expected.settings.speed = a;
        }
        Command::ShowTab(tab) => expected.tab = tab,
        Command::Presentation => expected.settings.presentation = !before.settings.presentation,
        Command::FullScreen => expected.fullscreen = !before.fullscreen,
        Command::Theme => expected.settings.dark = !before.settings.dark,
        Command::ZoomIn | Command::ZoomOut => {
            let (b, a) = (before.settings.zoom, after.settings.zoom);
            let bigger = binding.command == Command::ZoomIn;
            assert!(if bigger { a > b } else { a < b }, "{what}: {b} → {a}");
            expected.settings.zoom = a;
        }
        // Live keys do nothing in replay (their test is below, on the live session).
        Command::Connect | Command::Send | Command::Ping | Command::Close | Command::Scenarios => {}
        Command::Lessons | Command::Glossary => {
            expected.teach_open = true;
            expected.teach_tab = if binding.command == Command::Lessons {
                TeachTab::Lessons
            } else {
                TeachTab::Glossary
            };
        }
        Command::LessonNext => expected.lesson_step = before.lesson_step.map(|s| s + 1),
        Command::LessonBack => expected.lesson_step = before.lesson_step.map(|s| s - 1),
        Command::LessonAnswers => expected.answers = true,
        Command::Quiz => {
            expected.quiz_on = true;
            expected.teach_open = true;
            expected.teach_tab = TeachTab::Quiz;
        }
        Command::QuizChoice => {
            let n = [Key::Num1, Key::Num2, Key::Num3, Key::Num4]
                .iter()
                .position(|k| *k == pressed.logical_key)
                .unwrap();
            let choices = app.teach().quiz.question.as_ref().unwrap().choices.len();
            expected.quiz_chosen = (n < choices).then_some(n);
        }
        Command::QuizNext => expected.quiz_revealed = true,
        Command::Packets => expected.show_bytes = !before.show_bytes,
        Command::LadderLanes => {
            expected.ladder_mode = match before.ladder_mode {
                LadderMode::Connection => LadderMode::Lanes,
                LadderMode::Lanes => LadderMode::Connection,
            };
        }
    }
    // A step or a selection moves with some keys (a lesson step shows its packet).
    if matches!(
        binding.command,
        Command::LessonNext | Command::LessonBack | Command::Quiz
    ) {
        expected.step = after.step;
    }
    assert_eq!(after, &expected, "{what}");
}

#[test]
fn every_binding_does_what_the_map_says() {
    let mut checked = 0;
    for binding in &BINDINGS {
        if binding.when == When::MessageBox {
            continue;
        }
        for &shortcut in binding.keys {
            let mut harness = ready_for(binding);
            let before = seen(harness.state());
            press(&mut harness, shortcut);
            let after = seen(harness.state());
            check(binding, shortcut, &before, &after, harness.state());
            checked += 1;
        }
    }
    assert!(checked >= BINDINGS.len(), "{checked} keys checked");
}

#[test]
fn the_map_opens_with_f1_and_question_mark_and_lists_every_binding() {
    for opener in [Key::F1, Key::Questionmark] {
        let mut harness = app_on("handshake.pcapng");
        assert!(harness.query_by_label("Keyboard map").is_none());
        // Each line's keys and words, counted before and after: the map adds one of each
        // (some words, "Ladder diagram", are also a tab's).
        let lines = |h: &Harness<'_, App>| -> Vec<(usize, usize)> {
            BINDINGS
                .iter()
                .map(|b| {
                    let note = b.when.note();
                    let what = if note.is_empty() {
                        b.what.to_owned()
                    } else {
                        format!("{} ({note})", b.what)
                    };
                    (
                        h.query_all_by_label(&keys_text(b)).count(),
                        h.query_all_by_label(&what).count(),
                    )
                })
                .collect()
        };
        let before = lines(&harness);
        press(&mut harness, key(opener));
        harness.get_by_label("Keyboard map");
        let after = lines(&harness);
        for ((b, (keys_before, what_before)), (keys_after, what_after)) in
            BINDINGS.iter().zip(before).zip(after)
        {
            // Keys shared by two lines (Enter) show twice.
            let shared = BINDINGS.iter().filter(|o| o.keys == b.keys).count();
            assert_eq!(keys_after, keys_before + shared, "{}", keys_text(b));
            assert_eq!(what_after, what_before + 1, "{}", b.what);
        }
        // Its button closes it; so does Escape.
        harness.get_by_label("Close (Esc)").click();
        harness.run_steps(2);
        assert!(!harness.state().help_open());
        press(&mut harness, key(opener));
        press(&mut harness, key(Key::Escape));
        assert!(harness.query_by_label("Keyboard map").is_none());
    }
}

fn has_step(app: &App, kind: StepKind) -> bool {
    app.model().steps.iter().any(|s| s.kind == kind)
}

#[test]
fn the_live_keys_connect_send_ping_close_and_open_the_scenarios() {
    let Some(mut harness) = live_app(Settings::default(), [1600.0, 1000.0]) else {
        return;
    };
    let live = BINDINGS
        .iter()
        .filter(|b| matches!(b.when, When::Live | When::MessageBox));
    let mut checked = 0;
    for binding in live {
        let shortcut = binding.keys[0];
        match binding.command {
            Command::Connect => {
                press(&mut harness, shortcut);
                poll_until(&mut harness, "the client to connect", |app| {
                    app.live_status().is_some_and(|s| s.connected)
                        && has_step(app, StepKind::UpgradeResponse)
                });
            }
            Command::Send => {
                // Typed keys go to the message box, not to the app's keys.
                let dark = harness.state().settings().dark;
                let field = harness.get_by_label("message");
                field.focus();
                harness.run_steps(1);
                for k in [Key::T, Key::L, Key::C] {
                    press(&mut harness, key(k));
                }
                assert_eq!(harness.state().settings().dark, dark, "T changed the theme");
                assert!(!harness.state().teach().open, "L opened the lessons");
                harness.state_mut().set_message("keys work");
                harness.run_steps(1);
                press(&mut harness, shortcut);
                poll_until(&mut harness, "the text message", |app| {
                    app.model().packets.iter().any(|p| {
                        p.ws.iter()
                            .any(|f| f.text.as_deref() == Some("keys work") && f.masked)
                    })
                });
            }
            Command::Ping => {
                press(&mut harness, shortcut);
                poll_until(&mut harness, "a Ping", |app| {
                    has_step(
                        app,
                        StepKind::WsFrame {
                            opcode: opcode::PING,
                        },
                    )
                });
            }
            Command::Close => {
                press(&mut harness, shortcut);
                poll_until(&mut harness, "the close handshake", |app| {
                    app.live_status().is_some_and(|s| !s.connected)
                        && has_step(
                            app,
                            StepKind::WsFrame {
                                opcode: opcode::CLOSE,
                            },
                        )
                });
            }
            Command::Scenarios => {
                assert!(harness.query_by_label("refused").is_none());
                press(&mut harness, shortcut);
                harness.run_steps(2);
                harness.get_by_label("refused");
                harness.get_by_label("rejected");
            }
            other => panic!("{other:?} is not a live binding"),
        }
        checked += 1;
    }
    assert_eq!(checked, 5);
}
