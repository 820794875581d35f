//! Following one connection: the overview of all connections of a capture (endpoints, packets,
//! phases reached, states at the end), from which the teacher chooses one to follow, the
//! "connection 2 of 5" names the ladder and the packet list use, and what choosing does.

use egui::RichText;
use egui_extras::{Column, TableBuilder};

use crate::model::{Model, Phase};

use super::action::Action;
use super::app::App;

/// The phases in story order, each with its bit in `Overview::phases`.
const PHASES: [Phase; 5] = [
    Phase::TcpHandshake,
    Phase::HttpUpgrade,
    Phase::Data,
    Phase::WebSocket,
    Phase::Teardown,
];

fn phase_bit(phase: Phase) -> u8 {
    PHASES
        .iter()
        .position(|p| *p == phase)
        .map_or(0, |i| 1 << i)
}

/// What the overview shows, brought up to date incrementally (never a scan per frame).
#[derive(Clone, Debug, Default)]
pub struct Overview {
    /// The `tcp.stream` ids of the connections, ascending (ids can skip a number).
    pub ids: Vec<u32>,
    /// Per `tcp.stream` id: the phases its steps reached, one bit per phase in story order.
    pub phases: Vec<u8>,
    scanned_connections: usize,
    scanned_steps: usize,
}

impl Overview {
    pub fn update(&mut self, model: &Model) {
        if self.scanned_connections > model.connections.len()
            || self.scanned_steps > model.steps.len()
        {
            *self = Self::default();
        }
        for (slot, c) in model
            .connections
            .iter()
            .enumerate()
            .skip(self.scanned_connections)
        {
            if c.id as usize == slot {
                self.ids.push(c.id);
            }
        }
        self.scanned_connections = model.connections.len();
        for step in model.steps.iter().skip(self.scanned_steps) {
            let id = step.stream as usize;
            if id >= self.phases.len() {
                self.phases.resize(id + 1, 0);
            }
            if let Some(bits) = self.phases.get_mut(id) {
                *bits |= phase_bit(step.phase);
            }
        }
        self.scanned_steps = model.steps.len();
    }

    /// 1-based position of connection `id` among all connections, and how many there are.
    pub fn ordinal(&self, id: u32) -> Option<(usize, usize)> {
        let at = self.ids.binary_search(&id).ok()?;
        Some((at + 1, self.ids.len()))
    }

    /// "connection 2 of 5".
    pub fn name(&self, id: u32) -> String {
        match self.ordinal(id) {
            Some((n, of)) => format!("connection {n} of {of}"),
            None => format!("connection tcp.stream {id}"),
        }
    }

    /// The phases connection `id` reached, in story order.
    pub fn phases_of(&self, id: u32) -> impl Iterator<Item = Phase> + '_ {
        let bits = self.phases.get(id as usize).copied().unwrap_or(0);
        PHASES
            .into_iter()
            .filter(move |p| bits & phase_bit(*p) != 0)
    }
}

impl App {
    /// Follow connection `stream` (or all, with `None`): the packet list, the ladder, the graph
    /// and playback keep to it. If the current step is another connection's, its first step
    /// is shown.
    pub(crate) fn follow(&mut self, stream: Option<u32>) {
        self.view.follow = stream;
        if self.view.tab == super::view::Tab::Connections {
            self.view.tab = super::view::Tab::Ladder;
        }
        let track = self.track();
        if self.playback.current.is_none_or(|i| !track.contains(i))
            && let Some(first) = track.first()
        {
            self.playback.jump_to(first);
        }
        self.view.list.scroll_to_selected.request();
        self.view.ladder.scroll_to_current.request();
    }

    /// The connection followed, if any.
    pub fn followed(&self) -> Option<u32> {
        self.view.follow
    }
}

/// The connection chooser above the packet list: "All connections" or one to follow.
pub fn follow_combo_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let overview = &app.view.overview;
    let label = app.view.follow.map_or_else(
        || "All connections".to_string(),
        |s| format!("Following {}", overview.name(s)),
    );
    egui::ComboBox::new("conn_filter", "connection")
        .selected_text(label)
        .show_ui(ui, |ui| {
            if ui
                .selectable_label(app.view.follow.is_none(), "All connections")
                .clicked()
            {
                actions.push(Action::Follow(None));
            }
            for (n, &id) in overview.ids.iter().enumerate().take(500) {
                let Some(c) = app.model.connection(id) else {
                    continue;
                };
                let text = format!("{}: {} ↔ {}", n + 1, c.client, c.server);
                if ui
                    .selectable_label(app.view.follow == Some(id), text)
                    .clicked()
                {
                    actions.push(Action::Follow(Some(id)));
                }
            }
            if overview.ids.len() > 500 {
                ui.label(format!(
                    "… and {} more (see the Connections tab)",
                    overview.ids.len() - 500
                ));
            }
        });
}

/// The Connections tab: one row per connection, with a Follow button.
pub fn connections_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let overview = &app.view.overview;
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "{} connection{} in this capture. Follow one to step, play and draw only its packets.",
            overview.ids.len(),
            if overview.ids.len() == 1 { "" } else { "s" }
        ));
        if app.view.follow.is_some() && ui.button("Show all connections").clicked() {
            actions.push(Action::Follow(None));
        }
    });
    let row_h = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    let em = ui.text_style_height(&egui::TextStyle::Body) * 0.6;
    TableBuilder::new(ui)
        .id_salt("connections")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::auto().at_least(em * 8.0))
        .column(Column::initial(em * 4.0).at_least(em * 3.0))
        .column(Column::initial(em * 36.0).at_least(em * 12.0).clip(true))
        .column(Column::initial(em * 8.0).at_least(em * 5.0))
        .column(Column::initial(em * 40.0).at_least(em * 10.0).clip(true))
        .column(Column::remainder().at_least(em * 10.0).clip(true))
        .header(row_h, |mut header| {
            for title in [
                "",
                "No.",
                "Client ↔ Server",
                "Packets",
                "Phases reached",
                "States at the end",
            ] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(row_h, overview.ids.len(), |mut row| {
                let n = row.index();
                let Some(&id) = overview.ids.get(n) else {
                    return;
                };
                let Some(c) = app.model.connection(id) else {
                    return;
                };
                let following = app.view.follow == Some(id);
                row.set_selected(following);
                row.col(|ui| {
                    let text = if following { "Following" } else { "Follow" };
                    if ui
                        .add_enabled(!following, egui::Button::new(text))
                        .on_hover_text(format!("Follow {}", overview.name(id)))
                        .clicked()
                    {
                        actions.push(Action::Follow(Some(id)));
                    }
                });
                row.col(|ui| {
                    ui.label(format!("{}", n + 1))
                        .on_hover_text(format!("tcp.stream == {id} in Wireshark"));
                });
                row.col(|ui| {
                    ui.label(format!("{} ↔ {}", c.client, c.server));
                });
                row.col(|ui| {
                    ui.label(app.model.stream_packets(id).len().to_string());
                });
                row.col(|ui| {
                    let phases: Vec<&str> = overview.phases_of(id).map(Phase::title).collect();
                    let text = if phases.is_empty() {
                        "—".to_string()
                    } else {
                        phases.join(" → ")
                    };
                    ui.label(RichText::new(text));
                });
                row.col(|ui| {
                    ui.label(format!(
                        "client {}, server {}{}",
                        c.client_state.rfc_name(),
                        c.server_state.rfc_name(),
                        if c.midstream {
                            " (picked up mid-stream)"
                        } else {
                            ""
                        }
                    ));
                });
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::fixture;

    #[test]
    fn the_overview_numbers_connections_and_collects_their_phases() {
        let model = fixture::conversation();
        let mut o = Overview::default();
        o.update(&model);
        assert_eq!(o.ids, [0]);
        assert_eq!(o.name(0), "connection 1 of 1");
        assert_eq!(
            o.phases_of(0).collect::<Vec<_>>(),
            [
                Phase::TcpHandshake,
                Phase::HttpUpgrade,
                Phase::WebSocket,
                Phase::Teardown
            ]
        );
        o.update(&model);
        assert_eq!(o.ids, [0], "incremental: nothing added twice");
        assert_eq!(o.phases_of(3).count(), 0);
    }
}
