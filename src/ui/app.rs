//! The eframe app: holds the model and the view state, drains new data, advances playback,
//! lays out the panels and applies what the user asked for.

use std::path::PathBuf;

use egui::{CentralPanel, Panel};

use crate::lesson::{self, Narration};
use crate::model::{Model, Peer, Step};

use super::action::Action;
use super::clock::Clock;
use super::dialog::Purpose;
use super::live::{Banner, LiveForm, LiveSession};
use super::loader::{LoadBudget, Loader};
use super::playback::{Playback, Stage};
use super::settings::{STORAGE_KEY, Settings};
use super::theme::{self, Palette};
use super::track::Track;
use super::view::{Tab, View};
use super::{
    compare, connections, details, hex, ladder, narration, osi, packet_list, seqgraph, toolbar,
};

/// What the app opens with.
pub enum Start {
    /// A model already built (tests, the bundled capture).
    Model {
        model: Box<Model>,
        title: String,
    },
    /// A capture file, read on a background thread.
    File(PathBuf),
    Empty,
}

/// How the app is started.
pub struct AppOptions {
    pub start: Start,
    pub clock: Clock,
    pub banner: Option<Banner>,
    pub live: Option<LiveSession>,
    /// What one frame may take in while a file loads.
    pub load_budget: LoadBudget,
}

impl AppOptions {
    pub fn new(start: Start) -> Self {
        Self {
            start,
            clock: Clock::Egui,
            banner: None,
            live: None,
            load_budget: LoadBudget::default(),
        }
    }
}

pub struct App {
    pub(crate) model: Model,
    pub(crate) title: String,
    pub(crate) settings: Settings,
    pub(crate) playback: Playback,
    pub(crate) clock: Clock,
    /// Index into `Model::packets`.
    pub(crate) selected: Option<usize>,
    pub(crate) view: View,
    pub(crate) banner: Option<Banner>,
    pub(crate) loader: Option<Loader>,
    load_budget: LoadBudget,
    pub(crate) live: Option<LiveSession>,
    /// The live model while a file opened from live mode is shown.
    pub(crate) parked: Option<super::replay::ParkedLive>,
    /// Live packets not yet in the model (step mode).
    pub(crate) live_pending: std::collections::VecDeque<crate::model::Incoming>,
    pub(crate) live_form: LiveForm,
    /// The step the view was last synced to.
    synced_step: Option<usize>,
    applied_settings: Option<Settings>,
    /// The text scale applied with them (presentation mode follows the window's height).
    applied_scale: f32,
    pub(crate) fullscreen: bool,
    pub(crate) egui_ctx: egui::Context,
    /// Lessons, quiz and glossary.
    pub(crate) teach: super::teach::Teach,
    /// The Compare view's measurements.
    pub(crate) compare: super::compare::CompareState,
    /// The keyboard map is shown.
    pub(crate) help: bool,
    /// The Open… or Save… dialog, while it is open.
    pub(crate) dialog: Option<super::dialog::Dialog>,
}

impl App {
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        Self::with_settings(&cc.egui_ctx, settings, options)
    }

    /// The app on a bare egui context (the headless benchmark), with `settings`.
    pub fn with_settings(ctx: &egui::Context, settings: Settings, options: AppOptions) -> Self {
        theme::install_fonts(ctx);
        let mut app = Self {
            model: Model::new(),
            title: String::new(),
            playback: Playback::with_speed(settings.speed),
            settings,
            clock: options.clock,
            selected: None,
            view: View::default(),
            banner: options.banner,
            loader: None,
            load_budget: options.load_budget,
            live: options.live,
            parked: None,
            live_pending: std::collections::VecDeque::new(),
            live_form: LiveForm::default(),
            synced_step: None,
            applied_settings: None,
            applied_scale: 1.0,
            fullscreen: false,
            egui_ctx: ctx.clone(),
            teach: super::teach::Teach::default(),
            compare: super::compare::CompareState::default(),
            help: false,
            dialog: None,
        };
        match options.start {
            Start::Model { model, title } => app.set_model(*model, title),
            Start::File(path) => app.open(path, ctx),
            Start::Empty => {}
        }
        app
    }

    pub(crate) fn set_model(&mut self, model: Model, title: String) {
        self.model = model;
        self.title = title;
        self.playback = Playback::with_speed(self.settings.speed);
        self.selected = None;
        self.view = View::default();
        self.synced_step = None;
        if !self.model.steps.is_empty() {
            self.playback.jump_to(0);
        }
        if let Some(e) = self.model.errors.first() {
            self.banner = Some(Banner::error(e.to_string(), e.fix()));
        }
    }

    /// Start reading `path` on a background thread; what was loaded stays until it succeeds.
    pub(crate) fn open(&mut self, path: PathBuf, ctx: &egui::Context) {
        self.settings.add_recent(&path);
        self.park_live();
        let title = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        // Packets' bytes stay in the file. If it cannot be opened, the loader cannot open it
        // either and says why.
        self.set_model(Model::reading_from(&path).unwrap_or_default(), title);
        self.banner = None;
        self.loader = Some(Loader::spawn(path, ctx, self.load_budget));
    }

    /// Show a capture held in memory (a lesson's bundled capture).
    pub(crate) fn open_bundled(&mut self, bytes: &[u8], title: &str) {
        self.loader = None;
        self.banner = None;
        self.set_model(crate::pipeline::process_bytes(bytes), title.to_owned());
    }

    /// The index in `Model::packets` of packet number `frame` (1-based).
    pub fn packet_of_frame(&self, frame: u64) -> Option<usize> {
        let guess = usize::try_from(frame).ok()?.checked_sub(1)?;
        match self.model.packets.get(guess) {
            Some(row) if row.packet.number() == frame => Some(guess),
            _ => self
                .model
                .packets
                .iter()
                .position(|r| r.packet.number() == frame),
        }
    }

    // ---- read access, for the panels and the tests ----

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The shown capture's title (its file name).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The Compare view's measurements, once made.
    pub fn compare_measures(&self) -> Option<&[crate::model::compare::ChatMeasure]> {
        self.compare.measures()
    }

    pub fn current_step(&self) -> Option<&Step> {
        self.playback.current.and_then(|i| self.model.steps.get(i))
    }

    pub fn current_step_index(&self) -> Option<usize> {
        self.playback.current
    }

    pub fn selected_packet(&self) -> Option<usize> {
        self.selected
    }

    /// Bytes of the selected field in the selected packet.
    pub fn selected_bytes(&self) -> Option<std::ops::Range<usize>> {
        self.view.selected_bytes.clone()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn is_playing(&self) -> bool {
        self.playback.playing
    }

    /// Whether a file is still being read.
    pub fn is_loading(&self) -> bool {
        self.loader.is_some()
    }

    /// The animation stage of the current step now.
    pub fn stage(&self, ctx: &egui::Context) -> Stage {
        let top = self.current_step().map_or(7, |s| s.top_layer);
        self.playback.stage(self.clock.now_secs(ctx), top)
    }

    /// Which OSI layers (index 0 = layer 1) of `peer`'s stack are lit now.
    pub fn lit_layers(&self, ctx: &egui::Context, peer: Peer) -> [bool; 7] {
        let mut lit = [false; 7];
        let Some(step) = self.current_step() else {
            return lit;
        };
        let Some(record) = self.model.packets.get(step.packet_index()) else {
            return lit;
        };
        let uses = lesson::layer_uses(record);
        let stage = self.stage(ctx);
        let sending = osi::peer_sends(peer, step.direction);
        for (i, u) in uses.iter().enumerate() {
            let layer = i as u8 + 1;
            let on = if sending {
                stage.sender_lit(layer)
            } else {
                stage.receiver_lit(layer)
            };
            lit[i] = on && u.is_lit() && layer <= step.top_layer;
        }
        lit
    }

    /// What the narration panel says now.
    pub fn narration(&self) -> Narration {
        if let Some(n) = self
            .current_step_index()
            .and_then(|i| lesson::narrate_in(&self.model, i))
        {
            return n;
        }
        match self.selected.and_then(|i| self.model.packets.get(i)) {
            Some(record) => lesson::narrate_packet(record),
            None => Narration::default(),
        }
    }

    /// What is wrong with the packet on show ("This frame breaks RFC 6455: …"), errors first.
    pub fn problems(&self) -> Vec<lesson::Problem> {
        let index = self
            .current_step()
            .map(crate::model::Step::packet_index)
            .or(self.selected);
        index
            .and_then(|i| self.model.packets.get(i))
            .map(lesson::problems)
            .unwrap_or_default()
    }

    pub fn palette(&self) -> Palette {
        Palette::new(self.settings.dark, self.settings.presentation)
    }

    // ---- logic ----

    /// Keep the selection, the list and the ladder in step with the current step.
    fn sync_view(&mut self) {
        if self.playback.current != self.synced_step {
            self.synced_step = self.playback.current;
            if let Some(step) = self.current_step() {
                self.selected = Some(step.packet_index());
                self.view.list.scroll_to_selected.request();
                self.view.ladder.scroll_to_current.request();
            }
        }
        let shown = self.current_step().map(|s| s.stream).or_else(|| {
            self.selected
                .and_then(|i| self.model.packets.get(i))
                .and_then(|r| r.seg.as_ref())
                .map(|s| s.stream)
        });
        // Following a connection: the ladder and the graph show it, whatever is selected.
        self.view
            .ladder
            .update(&self.model, self.view.follow.or(shown));
        self.view.list.update(&self.model, self.view.follow);
        self.view.overview.update(&self.model);
        self.view.ensure_details(&self.model, self.selected);
    }

    /// The steps playback walks: the followed connection's, or all.
    pub fn track(&self) -> Track<'_> {
        Track::of(&self.model, self.view.follow)
    }

    pub(crate) fn apply(&mut self, action: Action, ctx: &egui::Context) {
        // In quiz mode → first asks about the next packet and shows the answer.
        if matches!(action, Action::StepForward) && self.quiz_step_forward() {
            return;
        }
        let now = self.clock.now_secs(ctx);
        let track = Track::of(&self.model, self.view.follow);
        match action {
            Action::GoToStep(i) => self.playback.go_to(i, now),
            Action::JumpToStep(i) => self.playback.jump_to(i),
            Action::SelectPacket(i) => {
                self.selected = Some(i);
                match self
                    .model
                    .packets
                    .get(i)
                    .and_then(crate::model::PacketRow::step)
                {
                    Some(step) => self.playback.go_to(step, now),
                    None => self.playback.current = None,
                }
                self.synced_step = self.playback.current;
                self.view.ladder.scroll_to_current.request();
            }
            Action::TogglePlay => self.playback.toggle_play(now, track),
            Action::StepForward => {
                if !self.release_one(now) {
                    let track = Track::of(&self.model, self.view.follow);
                    self.playback.step_forward(now, track);
                }
            }
            Action::StepBack => self.playback.step_back(now, track),
            Action::NextPhase => self.playback.next_phase(&self.model.steps, now, track),
            Action::PreviousPhase => self.playback.previous_phase(&self.model.steps, now, track),
            Action::Home => {
                if let Some(first) = track.first() {
                    self.playback.jump_to(first);
                }
            }
            Action::End => {
                if let Some(last) = track.last() {
                    self.playback.jump_to(last);
                }
            }
            Action::Follow(stream) => self.follow(stream),
            Action::BackToLive => self.back_to_live(),
            Action::DismissBanner => self.banner = None,
            Action::OpenDialog => self.open_dialog(Purpose::Open),
            Action::SaveDialog => self.open_dialog(Purpose::Save),
            Action::Open(path) => self.open(path, ctx),
            Action::Save(path) => self.save(&path),
            Action::ToggleHelp => self.help = !self.help,
            Action::CloseHelp => self.help = false,
            Action::View(key) => self.apply_view_key(key),
            Action::SelectBytes(range) => self.view.selected_bytes = Some(range),
            Action::ToggleFullscreen => {
                self.fullscreen = !self.fullscreen;
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(self.fullscreen));
            }
            Action::Teach(a) => super::teach::apply(self, a, ctx),
            Action::OpenCompareCapture(t) => {
                use crate::session::compare::{bundled, capture_name};
                self.open_bundled(bundled(t), &capture_name(t));
            }
            Action::Live(cmd) => {
                // Live controls act only while live mode is shown, never on an opened file.
                if let Some(live) = self.live.as_mut().filter(|_| self.parked.is_none())
                    && let Err(e) = live.command(&cmd)
                {
                    self.banner = Some(Banner::from_error(&e));
                }
            }
        }
        self.playback.speed = self.settings.speed;
    }

    /// The keys pressed (see `keys::BINDINGS`) and a file dropped on the window.
    fn shortcuts(&self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        super::keys::shortcuts(ctx, self, actions);
        ctx.input(|i| {
            if let Some(path) = i.raw.dropped_files.first().map(|f| f.path().to_path_buf()) {
                actions.push(Action::Open(path));
            }
        });
    }

    /// The teaching panel (right), the packet list/details/bytes and the narration (bottom).
    fn lower_panels_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let ctx = ui.ctx().clone();
        let height = ui.available_height();
        if self.teach.open {
            let width = (ui.available_width() * 0.3).max(320.0);
            Panel::right("teach")
                .resizable(true)
                .default_size(width)
                .show(ui, |ui| super::teach::teach_ui(ui, self, actions));
        }
        if self.bytes_shown() {
            Panel::bottom("bytes")
                .resizable(true)
                .default_size(250.0)
                // Never more than a share of the window, so the ladder keeps room when zoomed.
                .size_range(120.0..=(height * 0.28).clamp(120.0, 420.0))
                .show(ui, |ui| {
                    egui_extras::StripBuilder::new(ui)
                        .size(egui_extras::Size::relative(0.36))
                        .size(egui_extras::Size::relative(0.32))
                        .size(egui_extras::Size::remainder())
                        .clip(true)
                        .horizontal(|mut strip| {
                            strip.cell(|ui| packet_list::packet_list_ui(ui, self, actions));
                            strip.cell(|ui| details::details_ui(ui, self, actions));
                            strip.cell(|ui| hex::hex_ui(ui, self));
                        });
                });
        }
        let narration_panel = if self.settings.presentation {
            // The narration whole: the panel takes the height its text took last frame.
            let wanted = narration::wanted_height(&ctx).unwrap_or(height * 0.3);
            // Up to its share of the window, but never so much that the stacks above lose a
            // layer (the live toolbar takes more height): the narration scrolls instead.
            let most = (height * narration::PRESENTATION_SHARE)
                .min(ui.available_height() - osi::stack_min_height(ui))
                .max(120.0);
            Panel::bottom("narration")
                .resizable(false)
                .exact_size(wanted.clamp(120.0, most))
        } else {
            Panel::bottom("narration")
                .resizable(true)
                .default_size(175.0)
                // The teacher may drag the narration up to half the window (a long
                // explanation, the Accept table); the ladder keeps the rest.
                .size_range(100.0..=(height * 0.5).max(100.0))
        };
        narration_panel.show(ui, |ui| {
            narration::narration_ui(ui, self, actions);
        });
    }

    /// One frame of the whole window.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let scale = theme::font_scale(&ctx, &self.settings);
        let rescaled = (scale - self.applied_scale).abs() > 0.01;
        if rescaled || self.applied_settings.as_ref() != Some(&self.settings) {
            // New font sizes move every row: bring the current packet back into view.
            let fonts_changed = rescaled
                || self.applied_settings.as_ref().is_none_or(|a| {
                    (a.presentation, a.zoom) != (self.settings.presentation, self.settings.zoom)
                });
            if fonts_changed {
                self.view.scroll_to_current();
            }
            theme::apply(&ctx, &self.settings, scale);
            self.applied_settings = Some(self.settings.clone());
            self.applied_scale = scale;
        }
        theme::fit_zoom(&ctx, self.settings.zoom);
        let mut actions = Vec::new();
        self.shortcuts(&ctx, &mut actions);
        // New data comes in once per frame: not again in a second pass egui may ask for.
        let loading = if ctx.current_pass_index() == 0 {
            self.drain_loader() | self.drain_live()
        } else {
            self.loader.is_some()
        };
        let now = self.clock.now_secs(&ctx);
        let moving = self
            .playback
            .tick(now, Track::of(&self.model, self.view.follow));
        self.sync_view();

        Panel::top("toolbar").show(ui, |ui| toolbar::toolbar_ui(ui, self, &mut actions));
        let comparing = self.view.tab == Tab::Compare;
        if comparing {
            self.compare.start(&ctx);
            self.compare.drain();
        } else {
            self.side_panels_ui(ui, &mut actions);
        }
        CentralPanel::default().show(ui, |ui| {
            // Wrapped: in a narrow middle (the teaching panel open at 1280 px) a row wider
            // than the panel would widen the ladder under the server's stack.
            ui.horizontal_wrapped(|ui| {
                ui.selectable_value(&mut self.view.tab, Tab::Ladder, "Ladder diagram");
                ui.selectable_value(&mut self.view.tab, Tab::TimeSequence, "Time-sequence graph");
                let n = self.view.overview.ids.len();
                ui.selectable_value(
                    &mut self.view.tab,
                    Tab::Connections,
                    format!("Connections ({n})"),
                );
                ui.selectable_value(&mut self.view.tab, Tab::Compare, "Compare (F6)")
                    .on_hover_text("The same chat by polling, long-polling, SSE, WebSocket and Socket.IO, measured");
            });
            match self.view.tab {
                Tab::Ladder => ladder::ladder_ui(ui, self, &mut actions),
                Tab::TimeSequence => seqgraph::seqgraph_ui(ui, self, &mut actions),
                Tab::Connections => connections::connections_ui(ui, self, &mut actions),
                Tab::Compare => compare::compare_ui(ui, self, &mut actions),
            }
        });

        self.dialog_ui(&ctx, &mut actions);
        super::help::help_ui(&ctx, self, &mut actions);
        for action in actions {
            self.apply(action, &ctx);
        }
        let hover_changed = self.view.swap_hover();
        let scroll_pending = self.view.end_frame();
        if moving
            || loading
            || hover_changed
            || scroll_pending
            || self.playback.current != self.synced_step
        {
            ctx.request_repaint();
        }
    }

    /// Everything around the centre: the lower panels and the two OSI stacks (not in the
    /// Compare view, which takes the whole window under the toolbar).
    fn side_panels_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        self.lower_panels_ui(ui, actions);
        // The stacks widen with the font (presentation mode), up to a quarter of the window each.
        let side = (330.0 * ui.text_style_height(&egui::TextStyle::Body) / 14.0)
            .min(ui.available_width() * 0.25)
            .max(240.0);
        Panel::left("client_stack")
            .resizable(false)
            .exact_size(side)
            .show(ui, |ui| {
                osi::osi_stack_ui(ui, self, Peer::Client);
            });
        Panel::right("server_stack")
            .resizable(false)
            .exact_size(side)
            .show(ui, |ui| {
                osi::osi_stack_ui(ui, self, Peer::Server);
            });
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }
}
