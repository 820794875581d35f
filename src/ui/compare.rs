//! The Compare view (key F6, or the "Compare" tab): the same chat carried by polling,
//! long-polling, SSE, WebSocket and Socket.IO, measured from the bundled `compare-*` captures
//! on a background thread (`session::compare::measure_bundled`, the numbers `osiscope compare`
//! prints); a table, three charts, and a click on a transport opens its capture on the ladder.

use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

use egui::RichText;
use egui_plot::{Bar, BarChart, GridMark, Plot};

use crate::model::compare::ChatMeasure;
use crate::session::compare::{ChatTransport, measure_bundled};

use super::action::Action;
use super::app::App;

/// The measurements, once made.
#[derive(Debug, Default)]
pub enum CompareState {
    #[default]
    NotStarted,
    Measuring(Receiver<Result<Vec<ChatMeasure>, String>>),
    Ready(Vec<ChatMeasure>),
    Failed(String),
}

impl CompareState {
    /// Start measuring on a named thread (once); it asks for a repaint when done.
    pub fn start(&mut self, ctx: &egui::Context) {
        if !matches!(self, Self::NotStarted) {
            return;
        }
        let (tx, rx) = sync_channel(1);
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("osiscope-compare".into())
            .spawn(move || {
                let _ = tx.send(measure_bundled().map_err(|e| e.to_string()));
                ctx.request_repaint();
            });
        *self = match spawned {
            Ok(_) => Self::Measuring(rx),
            Err(e) => Self::Failed(format!("cannot start the measuring thread: {e}")),
        };
    }

    /// Take the measurements if they are ready.
    pub fn drain(&mut self) {
        if let Self::Measuring(rx) = self {
            *self = match rx.try_recv() {
                Ok(Ok(m)) => Self::Ready(m),
                Ok(Err(e)) => Self::Failed(e),
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    Self::Failed("the measuring thread ended without an answer".into())
                }
            };
        }
    }

    pub fn measures(&self) -> Option<&[ChatMeasure]> {
        match self {
            Self::Ready(m) => Some(m),
            _ => None,
        }
    }
}

const COLUMNS: [&str; 9] = [
    "transport",
    "messages",
    "TCP connections",
    "packets",
    "bytes on the wire",
    "bytes per message",
    "header bytes per message",
    "delay, median (ms)",
    "delay, worst (ms)",
];

pub fn compare_ui(ui: &mut egui::Ui, app: &App, actions: &mut Vec<Action>) {
    let measures = match &app.compare {
        CompareState::Ready(m) => m,
        CompareState::Failed(e) => {
            ui.colored_label(app.palette().bad, format!("Cannot measure: {e}"));
            return;
        }
        CompareState::NotStarted | CompareState::Measuring(_) => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Measuring the five bundled captures…");
            });
            return;
        }
    };
    ui.heading("When to use which: the same chat, five ways");
    if let Some(first) = measures.first() {
        ui.label(format!(
            "Each capture carries the same chat: {} messages, {} from the client and {} answers \
             from the server. Every number below is measured in the bundled captures by \
             osiscope's own decode, as \"osiscope compare\" measures a live run. \"Everything \
             else\" is every byte that is not a message's own text: headers, handshakes, \
             empty polls, ACKs. Click a transport to open its capture on the ladder.",
            first.messages, first.client_messages, first.server_messages
        ));
    }
    ui.add_space(6.0);
    table_ui(ui, measures, actions);
    ui.add_space(8.0);
    charts_ui(ui, app, measures);
}

fn table_ui(ui: &mut egui::Ui, measures: &[ChatMeasure], actions: &mut Vec<Action>) {
    egui::Grid::new("compare-table")
        .striped(true)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for c in COLUMNS {
                ui.label(RichText::new(c).strong());
            }
            ui.end_row();
            for m in measures {
                let transport = ChatTransport::from_name(&m.transport);
                let how = transport.map_or("", ChatTransport::how);
                let button = ui
                    .button(&m.transport)
                    .on_hover_text(format!("{how}\nClick to open its capture on the ladder."));
                if button.clicked()
                    && let Some(t) = transport
                {
                    actions.push(Action::OpenCompareCapture(t));
                }
                for c in m.cells() {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.label(c);
                    });
                }
                ui.end_row();
            }
        });
}

/// One horizontal bar per transport, the first at the top (y = n − 1, n − 2…), shifted by
/// `offset`.
fn bars(
    measures: &[ChatMeasure],
    offset: f64,
    width: f64,
    value: impl Fn(&ChatMeasure) -> f64,
) -> Vec<Bar> {
    let n = measures.len();
    measures
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Bar::new((n - 1 - i) as f64 + offset, value(m))
                .width(width)
                .name(&m.transport)
        })
        .collect()
}

/// A bar chart's plot: the transports' names on the y axis, round marks on the x axis up to
/// past `longest`, fixed (no drag or zoom: it is a picture for the class).
fn chart<'a>(id: &str, names: &[String], longest: f64, [width, height]: [f32; 2]) -> Plot<'a> {
    let n = names.len();
    let names = names.to_vec();
    Plot::new(id.to_owned())
        .height(height)
        .width(width)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_x(0.0)
        .include_x(longest * 1.1)
        .show_grid([true, false])
        .x_grid_spacer(move |_| round_marks(longest))
        .y_axis_min_width(90.0)
        .y_grid_spacer(move |_| {
            (0..n)
                .map(|i| GridMark {
                    value: i as f64,
                    step_size: 1.0,
                })
                .collect()
        })
        .y_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            names
                .len()
                .checked_sub(1 + i as usize)
                .and_then(|k| names.get(k))
                .cloned()
                .unwrap_or_default()
        })
}

fn charts_ui(ui: &mut egui::Ui, app: &App, measures: &[ChatMeasure]) {
    let palette = app.palette();
    let names: Vec<String> = measures.iter().map(|m| m.transport.clone()).collect();
    let height = (ui.available_height() - 30.0).max(160.0);
    let gap = ui.spacing().item_spacing.x;
    let width = ((ui.available_width() - 2.0 * gap) / 3.0).max(160.0);
    let plot = |id: &str, longest: f64| chart(id, &names, longest, [width, height]);
    ui.horizontal(|ui| {
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.horizontal(|ui| {
                ui.label(RichText::new("Bytes per message:").strong());
                ui.label(RichText::new("message text").color(palette.client));
                ui.label("+");
                ui.label(RichText::new("everything else").color(palette.server));
            });
            let longest = measures
                .iter()
                .map(|m| m.bytes_per_message)
                .fold(0.0, f64::max);
            let text = BarChart::new(
                "message text",
                bars(measures, 0.0, 0.6, |m| {
                    m.bytes_per_message - m.header_bytes_per_message
                }),
            )
            .color(palette.client)
            .horizontal();
            let header = BarChart::new(
                "everything else",
                bars(measures, 0.0, 0.6, |m| m.header_bytes_per_message),
            )
            .color(palette.server)
            .horizontal()
            .stack_on(&[&text]);
            plot("compare-bytes", longest).show(ui, |p| {
                p.bar_chart(text);
                p.bar_chart(header);
            });
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.label(RichText::new("Packets per message").strong());
            let longest = measures
                .iter()
                .map(ChatMeasure::packets_per_message)
                .fold(0.0, f64::max);
            let packets = BarChart::new(
                "packets per message",
                bars(measures, 0.0, 0.6, ChatMeasure::packets_per_message),
            )
            .color(palette.accent)
            .horizontal();
            plot("compare-packets", longest).show(ui, |p| p.bar_chart(packets));
        });
        ui.vertical(|ui| {
            ui.set_width(width);
            ui.horizontal(|ui| {
                ui.label(RichText::new("Delay, server → client (ms):").strong());
                ui.label(RichText::new("median").color(palette.good));
                ui.label(RichText::new("worst").color(palette.warn));
            });
            let longest = measures.iter().map(|m| m.delay_max_ms).fold(0.0, f64::max);
            let median = BarChart::new("median", bars(measures, 0.18, 0.34, |m| m.delay_median_ms))
                .color(palette.good)
                .horizontal();
            let worst = BarChart::new("worst", bars(measures, -0.18, 0.34, |m| m.delay_max_ms))
                .color(palette.warn)
                .horizontal();
            plot("compare-delay", longest).show(ui, |p| {
                p.bar_chart(median);
                p.bar_chart(worst);
            });
        });
    });
}

/// Grid marks at round multiples (1, 2 or 5 × 10ⁿ) from 0 to past `longest`, about four of
/// them, so that each is labelled.
fn round_marks(longest: f64) -> Vec<GridMark> {
    if longest <= 0.0 || !longest.is_finite() {
        return Vec::new();
    }
    let rough = longest / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|f| f * power)
        .find(|s| *s >= rough)
        .unwrap_or(power * 10.0);
    // `step` ≥ longest / 4: five or six marks reach past `longest`.
    (0..=8)
        .map(|k| f64::from(k) * step)
        .take_while(|v| *v <= longest * 1.1)
        .map(|value| GridMark {
            value,
            step_size: step,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_marks_are_about_four_round_numbers() {
        let values = |l: f64| -> Vec<f64> { round_marks(l).iter().map(|m| m.value).collect() };
        assert_eq!(values(560.4), [0.0, 200.0, 400.0, 600.0]);
        assert_eq!(values(3.7), [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(values(0.9), [0.0, 0.5]);
        assert!(values(0.0).is_empty());
    }
}
