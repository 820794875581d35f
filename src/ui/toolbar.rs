//! The toolbar: open (dialog, recent files), playback (play/pause, step, next phase, speed),
//! the timeline scrubber, view options (theme, presentation, zoom), live controls, and the
//! banner and progress bar under it.

use egui::{RichText, Slider};

use super::action::Action;
use super::app::App;
use super::keys::{self, Command};
use super::live::LiveCommand;
use crate::session::Scenario;

/// The push interval's range in the toolbar (the server accepts 10 ms to 60 s).
const MIN_PUSH_MS: u32 = 100;
const MAX_PUSH_MS: u32 = 10_000;

pub fn toolbar_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        file_menu_ui(ui, app, actions);
        ui.separator();
        playback_ui(ui, app, actions);
        ui.separator();
        view_ui(ui, app);
        ui.separator();
        super::teach::toolbar_ui(ui, app, actions);
        if app.is_live() {
            ui.separator();
            live_ui(ui, app, actions);
        } else if app.can_go_back_to_live() {
            ui.separator();
            if ui
                .button("⟲ Back to live")
                .on_hover_text(
                    "Close this file and show the live capture again, with what it captured \
                     meanwhile",
                )
                .clicked()
            {
                actions.push(Action::BackToLive);
            }
        }
    });
    scrubber_ui(ui, app, actions);
    banner_ui(ui, app, actions);
    if let Some(loader) = &app.loader {
        ui.horizontal(|ui| {
            let text = format!(
                "Reading {} … {} packets",
                loader.path.display(),
                app.model.packets.len()
            );
            match loader.fraction() {
                Some(f) => ui.add(egui::ProgressBar::new(f).text(text).desired_width(480.0)),
                None => ui.add(
                    egui::ProgressBar::new(0.0)
                        .animate(true)
                        .text(text)
                        .desired_width(480.0),
                ),
            };
        });
    }
    ui.add_space(2.0);
}

fn file_menu_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    if ui
        .button("Open…")
        .on_hover_text(hint(
            "Open a pcap or pcapng file (or drop one on the window)",
            Command::Open,
        ))
        .clicked()
    {
        actions.push(Action::OpenDialog);
    }
    if app.live.is_some()
        && ui
            .button("Save…")
            .on_hover_text(hint(
                "Save what was captured live as a pcapng file (Wireshark and tshark open it)",
                Command::Save,
            ))
            .clicked()
    {
        actions.push(Action::SaveDialog);
    }
    ui.add_enabled_ui(!app.settings.recent_files.is_empty(), |ui| {
        ui.menu_button("Recent", |ui| {
            for path in &app.settings.recent_files {
                if ui.button(path.display().to_string()).clicked() {
                    actions.push(Action::Open(path.clone()));
                }
            }
        });
    });
    if !app.title.is_empty() {
        ui.label(RichText::new(&app.title).strong());
    }
}

fn playback_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    let has_steps = !app.model.steps.is_empty() || (app.is_live() && !app.live_pending.is_empty());
    ui.add_enabled_ui(has_steps, |ui| {
        if ui
            .button("|◀")
            .on_hover_text(hint("First step", Command::First))
            .clicked()
        {
            actions.push(Action::Home);
        }
        if ui
            .button("◀ Back")
            .on_hover_text(hint("Previous step", Command::Back))
            .clicked()
        {
            actions.push(Action::StepBack);
        }
        let play = if app.playback.playing {
            "❚❚ Pause"
        } else {
            "▶ Play"
        };
        if ui
            .button(play)
            .on_hover_text(hint("Play / pause", Command::PlayPause))
            .clicked()
        {
            actions.push(Action::TogglePlay);
        }
        if ui
            .button("Step ▶")
            .on_hover_text(hint("Next step", Command::Step))
            .clicked()
        {
            actions.push(Action::StepForward);
        }
        if ui
            .button("Next phase ▶▶")
            .on_hover_text(hint("Jump to the next phase", Command::NextPhase))
            .clicked()
        {
            actions.push(Action::NextPhase);
        }
    });
    wrap_unless_room(ui, slider_width(ui, "speed"));
    ui.add(
        Slider::new(&mut app.settings.speed, keys::SPEED_RANGE)
            .logarithmic(true)
            .text("speed")
            .suffix("×"),
    );
    if !app.is_live() {
        ui.checkbox(&mut app.settings.hide_future, "hide what comes next")
            .on_hover_text(
                "The packet list, the ladder and the graph show the packets only up to the \
                 current step: ask the class what comes next, then step",
            );
    }
}

fn view_ui(ui: &mut egui::Ui, app: &mut App) {
    let theme = if app.settings.dark {
        "☀ Light"
    } else {
        "☾ Dark"
    };
    if ui
        .button(theme)
        .on_hover_text(hint("Light or dark theme", Command::Theme))
        .clicked()
    {
        app.settings.dark = !app.settings.dark;
    }
    ui.toggle_value(&mut app.settings.presentation, "Presentation")
        .on_hover_text(hint(
            "Large fonts and high contrast for the projector (F11: full screen)",
            Command::Presentation,
        ));
    wrap_unless_room(ui, slider_width(ui, "zoom"));
    ui.add(
        Slider::new(&mut app.settings.zoom, keys::ZOOM_RANGE)
            .text("zoom")
            .fixed_decimals(1),
    );
    let fit = super::theme::max_zoom(ui.ctx());
    if app.settings.zoom > fit + 0.05 {
        ui.label(format!("(×{fit:.1}: the window is too small for more)"))
            .on_hover_text("Make the window bigger, or go full screen (F11), to zoom further.");
    }
}

fn live_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    let Some(live) = &app.live else { return };
    let status = live.status();
    let scenarios = live.scenarios();
    if ui
        .button("Connect")
        .on_hover_text("Open a WebSocket from the demo client to the bundled echo server")
        .clicked()
    {
        actions.push(Action::Live(LiveCommand::Connect));
    }
    let on = status.connected;
    wrap_unless_room(
        ui,
        text_width(ui, "message") + 90.0 + ui.spacing().item_spacing.x,
    );
    let label = ui.label("message");
    let message = ui
        .add_enabled(
            on,
            egui::TextEdit::singleline(&mut app.live_form.text).desired_width(90.0),
        )
        .labelled_by(label.id)
        .on_hover_text(hint("The text Send text sends", Command::Send));
    // Enter in the message box sends it (its binding in the keyboard map); the box gives the
    // keyboard back, so the app's keys work again.
    if message.lost_focus() && keys::pressed_in(ui, Command::Send) {
        actions.push(Action::Live(LiveCommand::SendText(
            app.live_form.text.clone(),
        )));
    }
    let buttons = [
        (
            "Send text",
            LiveCommand::SendText(app.live_form.text.clone()),
        ),
        ("Send binary", LiveCommand::SendBinary),
        ("Ping", LiveCommand::Ping),
        ("Close", LiveCommand::Close(app.live_form.close_code)),
    ];
    // RFC 6455 §7.4: some codes only report a close to a program and must never be sent.
    let refusal = crate::lesson::close_code_refusal(app.live_form.close_code);
    for (text, command) in buttons {
        let enabled = on && !(matches!(command, LiveCommand::Close(_)) && refusal.is_some());
        if ui.add_enabled(enabled, egui::Button::new(text)).clicked() {
            actions.push(Action::Live(command));
        }
    }
    wrap_unless_room(
        ui,
        text_width(ui, "code") + ui.spacing().interact_size.x + ui.spacing().item_spacing.x,
    );
    let label = ui.label("code");
    ui.add_enabled(
        on,
        egui::DragValue::new(&mut app.live_form.close_code).range(1000..=4999),
    )
    .labelled_by(label.id)
    .on_hover_text("1000 normal, 1001 going away, 4000–4999 the application's own");
    if let Some(why) = refusal {
        ui.label(RichText::new(why).color(app.palette().warn));
    }
    let open = std::mem::take(&mut app.view.open_scenarios);
    scenario_menu_ui(ui, scenarios, open, actions);
    // After the echo client's controls, so that they keep their place whatever this takes.
    server_push_ui(ui, app, actions);
    ui.checkbox(&mut app.settings.step_mode, "step mode")
        .on_hover_text("New packets wait until you press Step ▶");
    let waiting = app.live_pending.len();
    if app.settings.step_mode && waiting > 0 {
        let palette = app.palette();
        ui.label(
            RichText::new(format!(
                "{waiting} new packet{} waiting — press Step ▶",
                if waiting == 1 { "" } else { "s" }
            ))
            .color(palette.warn)
            .strong(),
        );
    }
    ui.end_row();
    let kernel = status.kernel_dropped.unwrap_or(0);
    let text = format!(
        "● {} · {} packets · dropped: kernel {kernel}, osiscope {}",
        status.state, status.packets, status.dropped
    );
    let colour = if status.dropped + kernel > 0 {
        app.palette().bad
    } else {
        app.palette().weak_text
    };
    ui.label(RichText::new(text).color(colour));
    if let Some(last) = status.log.last() {
        ui.label(RichText::new(format!("client: {last}")).italics())
            .on_hover_text(status.log.join("\n"));
    }
}

/// Width of `text` in the body font.
fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    let font = egui::TextStyle::Body.resolve(ui.style());
    ui.painter()
        .layout_no_wrap(text.to_owned(), font, egui::Color32::WHITE)
        .size()
        .x
}

/// Width of a slider with its value and its `label`.
fn slider_width(ui: &egui::Ui, label: &str) -> f32 {
    let spacing = ui.spacing();
    spacing.slider_width
        + spacing.interact_size.x
        + text_width(ui, label)
        + 3.0 * spacing.item_spacing.x
}

/// Start a new toolbar row unless `width` points fit on this one: a slider or a labelled field
/// is several widgets that a wrapping row would otherwise not move together (the zoom slider
/// ran off the right edge at 1280 px).
fn wrap_unless_room(ui: &mut egui::Ui, width: f32) {
    // In a wrapping row `available_width` is the whole row's: measure from the cursor.
    if ui.max_rect().right() - ui.cursor().left() < width {
        ui.end_row();
    }
}

/// "Server push" and its interval.
fn server_push_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    if ui
        .button("Server push")
        .on_hover_text(
            "Connect the demo client to the server's push endpoint: the server sends a clock \
             tick (and every third time a news item) without any request",
        )
        .clicked()
    {
        actions.push(Action::Live(LiveCommand::ServerPush {
            interval_ms: app.live_form.push_interval_ms,
        }));
    }
    wrap_unless_room(
        ui,
        text_width(ui, "every 10000 ms") + 2.0 * ui.spacing().item_spacing.x,
    );
    let label = ui.label("every");
    ui.add(
        egui::DragValue::new(&mut app.live_form.push_interval_ms)
            .range(MIN_PUSH_MS..=MAX_PUSH_MS)
            .suffix(" ms"),
    )
    .labelled_by(label.id)
    .on_hover_text("How often the server pushes after Server push");
}

/// The scenario menu: each scenario's name (a button) beside what the class will see.
/// `open`: open it now (its key).
fn scenario_menu_ui(
    ui: &mut egui::Ui,
    scenarios: Vec<Scenario>,
    open: bool,
    actions: &mut Vec<Action>,
) {
    let menu = ui.menu_button("Scenarios", |ui| {
        egui::Grid::new("scenario-menu").show(ui, |ui| {
            for scenario in scenarios {
                if ui.button(scenario.name()).clicked() {
                    actions.push(Action::Live(LiveCommand::Scenario(scenario)));
                    ui.close();
                }
                ui.label(scenario.description());
                ui.end_row();
            }
        });
    });
    if open {
        egui::Popup::open_id(ui.ctx(), egui::Popup::default_response_id(&menu.response));
    }
}

/// A button's hover text with its keys from the keyboard map: "Open a file (Ctrl+O)".
fn hint(text: &str, command: Command) -> String {
    match keys::binding(command) {
        Some(b) => format!("{text} ({})", keys::keys_text(b)),
        None => text.to_owned(),
    }
}

fn scrubber_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let track = app.track();
    let n = track.len();
    if n == 0 {
        return;
    }
    ui.horizontal(|ui| {
        let mut position = app.playback.current.map_or(0, |i| track.rank(i).min(n - 1));
        let of = app
            .view
            .follow
            .map(|s| format!(" of {}", app.view.overview.name(s)))
            .unwrap_or_default();
        ui.label(format!("step {} / {n}{of}", position + 1));
        ui.spacing_mut().slider_width = (ui.available_width() - 90.0).max(100.0);
        // With one step the knob stands at the end (all of it shown), not in the middle of an
        // empty range.
        let last = n - 1;
        if last == 0 {
            position = 1;
        }
        let response = ui.add_enabled(
            last > 0,
            Slider::new(&mut position, 0..=last.max(1))
                .show_value(false)
                .trailing_fill(true)
                .text("timeline"),
        );
        if response.changed()
            && let Some(step) = track.get(position)
        {
            actions.push(Action::JumpToStep(step));
        }
    });
}

fn banner_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let Some(banner) = &app.banner else { return };
    let palette = app.palette();
    let colour = if banner.error {
        palette.bad
    } else {
        palette.weak_text
    };
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.0, colour))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_top(|ui| {
                // Room on a small screen: the teacher can put the message away once read.
                if ui
                    .small_button("✕")
                    .on_hover_text("Hide this message")
                    .clicked()
                {
                    actions.push(Action::DismissBanner);
                }
                ui.add(egui::Label::new(RichText::new(&banner.text).color(colour)).wrap());
            });
            if let Some(fix) = &banner.fix {
                ui.label(RichText::new(fix).monospace());
            }
        });
}
