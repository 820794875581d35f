//! Replay: opening a file from live mode, and going back (while a file is shown, the live
//! session keeps capturing in the background, but its model is parked, what it captures waits
//! beside it and nothing of it reaches the file's model; the live controls are hidden; "Back to
//! live" puts the live model back and takes in what waited), and the replay option that hides
//! the packets not reached yet, so that "what comes next?" is a real question.

use crate::model::Model;

/// The live model while a file is shown.
#[derive(Debug)]
pub struct ParkedLive {
    pub model: Model,
    pub title: String,
}

impl super::app::App {
    /// Whether the window shows the live session (not a file opened from live mode).
    pub fn is_live(&self) -> bool {
        self.live.is_some() && self.parked.is_none()
    }

    /// Whether a live session waits in the background while a file is shown.
    pub fn can_go_back_to_live(&self) -> bool {
        self.live.is_some() && self.parked.is_some()
    }

    /// With "hide what comes next" on, in replay: the last packet shown (the current step's);
    /// the packet list, the ladder and the graph stop there. `None`: everything is shown.
    pub fn horizon(&self) -> Option<usize> {
        if !self.settings.hide_future || self.is_live() {
            return None;
        }
        Some(
            self.current_step()
                .map_or(0, crate::model::Step::packet_index),
        )
    }

    /// Before a file replaces the model: keep the live model aside (once: opening a second
    /// file drops the first, not the live capture).
    pub(crate) fn park_live(&mut self) {
        if self.is_live() {
            self.parked = Some(ParkedLive {
                model: std::mem::take(&mut self.model),
                title: std::mem::take(&mut self.title),
            });
        }
    }

    /// Show the live session again: its model as it was, plus what it captured while the file
    /// was shown (taken in by the next frames, or step by step in step mode).
    pub(crate) fn back_to_live(&mut self) {
        let Some(parked) = self.parked.take() else {
            return;
        };
        self.loader = None;
        self.banner = None;
        self.set_model(parked.model, parked.title);
        if let Some(last) = self.model.steps.len().checked_sub(1) {
            self.playback.jump_to(last);
        }
    }
}
