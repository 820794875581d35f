//! Playback logic: which step is current, whether it plays, and how far its animation has got
//! (sender's stack top → bottom, the crossing, receiver's stack bottom → top), from an injected
//! clock. No drawing here.

use crate::model::{Chunked, Step};

use super::track::Track;

/// Seconds one step's animation takes at speed 1.
pub const STEP_SECS: f64 = 3.0;
/// Seconds a finished step stays on screen before playing moves on, at speed 1.
pub const HOLD_SECS: f64 = 1.0;

/// Parts of the animation, as fractions of it.
const SEND_END: f32 = 0.4;
const CROSS_END: f32 = 0.6;

#[derive(Clone, Debug, PartialEq)]
pub struct Playback {
    /// Index into `Model::steps`.
    pub current: Option<usize>,
    pub playing: bool,
    pub speed: f32,
    /// When the current step's animation started; `None` shows it finished.
    started_secs: Option<f64>,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            current: None,
            playing: false,
            speed: 1.0,
            started_secs: None,
        }
    }
}

/// What the stacks and the ladder show at one moment of a step's animation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stage {
    /// 0.0 just sent … 1.0 fully received.
    pub progress: f32,
    /// The sender's layers from this one up to the top are lit (8: none yet).
    pub sender_from: u8,
    /// The receiver's layers from 1 up to this one are lit (0: none yet).
    pub receiver_to: u8,
    /// Where the envelope is along the arrow (0 at the sender), while it moves.
    pub envelope: Option<f32>,
    /// The packet's highest layer: nothing above it lights.
    pub top: u8,
}

impl Stage {
    /// A step shown finished: both stacks lit up to the packet's top layer.
    pub fn finished(top_layer: u8) -> Self {
        Self {
            progress: 1.0,
            sender_from: 1,
            receiver_to: top_layer,
            envelope: None,
            top: top_layer,
        }
    }

    /// The moment `progress` (0–1) of a packet whose highest layer is `top_layer`.
    pub fn at(progress: f32, top_layer: u8) -> Self {
        let top = top_layer.clamp(1, 7);
        if progress >= 1.0 {
            return Self::finished(top);
        }
        let p = progress.max(0.0);
        let layers = f32::from(top);
        let sent = ((p / SEND_END * layers).floor() as u8 + 1).min(top);
        let sender_from = top + 1 - sent;
        let receiver_to = if p < CROSS_END {
            0
        } else {
            (((p - CROSS_END) / (1.0 - CROSS_END) * layers).floor() as u8 + 1).min(top)
        };
        let envelope = Some(((p - SEND_END) / (CROSS_END - SEND_END)).clamp(0.0, 1.0));
        Self {
            progress: p,
            sender_from,
            receiver_to,
            envelope,
            top,
        }
    }

    pub fn sender_lit(&self, layer: u8) -> bool {
        (self.sender_from..=self.top).contains(&layer)
    }

    pub fn receiver_lit(&self, layer: u8) -> bool {
        layer <= self.receiver_to
    }
}

impl Playback {
    pub fn with_speed(speed: f32) -> Self {
        Self {
            speed,
            ..Self::default()
        }
    }

    /// Show step `index` and start its animation at `now_secs`.
    pub fn go_to(&mut self, index: usize, now_secs: f64) {
        self.current = Some(index);
        self.started_secs = Some(now_secs);
    }

    /// Show step `index` finished, without animating (jumps, Home/End, the scrubber).
    pub fn jump_to(&mut self, index: usize) {
        self.current = Some(index);
        self.started_secs = None;
    }

    /// Play or pause along `track`; playing from its last step (or from off it) starts over.
    pub fn toggle_play(&mut self, now_secs: f64, track: Track<'_>) {
        self.playing = !self.playing;
        if self.playing {
            let at_end = self.current.is_none_or(|i| track.after(i).is_none());
            let on_track = self.current.is_some_and(|i| track.contains(i));
            if (at_end || !on_track)
                && let Some(first) = track.first()
            {
                self.go_to(first, now_secs);
            }
        }
    }

    pub fn step_forward(&mut self, now_secs: f64, track: Track<'_>) {
        let next = self.current.map_or(track.first(), |i| track.after(i));
        if let Some(next) = next {
            self.go_to(next, now_secs);
        }
    }

    /// The step before along `track` (the first step replays its animation).
    pub fn step_back(&mut self, now_secs: f64, track: Track<'_>) {
        if let Some(i) = self.current {
            let back = track
                .before(i)
                .or_else(|| track.first().filter(|&f| f <= i));
            if let Some(back) = back {
                self.go_to(back, now_secs);
            }
        }
    }

    /// Jump to the next phase of the current connection along `track`.
    pub fn next_phase(&mut self, steps: &Chunked<Step>, now_secs: f64, track: Track<'_>) {
        let target = match self.current {
            Some(i) => track.next_phase(steps, i),
            None => track.first(),
        };
        if let Some(target) = target {
            self.go_to(target, now_secs);
        }
    }

    /// Jump back to the start of this phase, or of the one before.
    pub fn previous_phase(&mut self, steps: &Chunked<Step>, now_secs: f64, track: Track<'_>) {
        if let Some(target) = self.current.and_then(|i| track.previous_phase(steps, i)) {
            self.go_to(target, now_secs);
        }
    }

    /// Fraction of the current step's animation done (1.0 when not animating).
    pub fn progress(&self, now_secs: f64) -> f32 {
        self.started_secs.map_or(1.0, |t0| {
            (((now_secs - t0) * f64::from(self.speed)) / STEP_SECS).clamp(0.0, 1.0) as f32
        })
    }

    /// The current step's animation stage.
    pub fn stage(&self, now_secs: f64, top_layer: u8) -> Stage {
        Stage::at(self.progress(now_secs), top_layer)
    }

    /// Advance time: while playing, move to the next step of `track` when this one is done
    /// and held; after the last one, stop (live mode starts playing again when packets come).
    /// Returns whether anything still moves (so the app keeps repainting).
    pub fn tick(&mut self, now_secs: f64, track: Track<'_>) -> bool {
        if self.playing {
            match (self.current, self.started_secs) {
                (None, _) => match track.first() {
                    Some(first) => self.go_to(first, now_secs),
                    None => self.playing = false,
                },
                (Some(i), started) => {
                    let done = started.is_none_or(|t0| {
                        (now_secs - t0) * f64::from(self.speed) >= STEP_SECS + HOLD_SECS
                    });
                    if done {
                        if let Some(next) = track.after(i) {
                            self.go_to(next, now_secs);
                        } else {
                            self.started_secs = None;
                            self.playing = false;
                        }
                    }
                }
            }
        }
        let animating = self.started_secs.is_some() && self.progress(now_secs) < 1.0;
        if !animating && !self.playing {
            self.started_secs = None;
        }
        animating || self.playing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_lights_top_down_then_receiver_bottom_up() {
        let s = Stage::at(0.0, 7);
        assert_eq!((s.sender_from, s.receiver_to), (7, 0));
        let s = Stage::at(0.39, 7);
        assert_eq!(s.sender_from, 1);
        assert_eq!(s.envelope, Some(0.0));
        let s = Stage::at(0.5, 7);
        assert_eq!(s.receiver_to, 0);
        assert!((s.envelope.unwrap_or_default() - 0.5).abs() < 1e-4);
        let s = Stage::at(0.61, 4);
        assert_eq!(s.receiver_to, 1);
        let s = Stage::at(1.0, 4);
        assert_eq!((s.sender_from, s.receiver_to, s.envelope), (1, 4, None));
    }

    #[test]
    fn a_syn_never_lights_layers_above_4() {
        for i in 0..=20 {
            let s = Stage::at(i as f32 / 20.0, 4);
            assert!(!s.sender_lit(5) && !s.receiver_lit(5), "at {i}");
        }
    }

    #[test]
    fn playing_advances_after_the_step_and_its_hold() {
        let mut p = Playback::default();
        p.toggle_play(0.0, Track::All(3));
        assert_eq!(p.current, Some(0));
        assert!(p.tick(1.0, Track::All(3)));
        assert_eq!(p.current, Some(0));
        p.tick(STEP_SECS + HOLD_SECS + 0.01, Track::All(3));
        assert_eq!(p.current, Some(1));
        p.speed = 2.0;
        p.tick(1.5 * (STEP_SECS + HOLD_SECS) + 0.01, Track::All(3));
        assert_eq!(p.current, Some(2));
    }

    #[test]
    fn paused_and_finished_means_idle() {
        let mut p = Playback::default();
        p.step_forward(0.0, Track::All(3));
        assert!(p.tick(0.5, Track::All(3)), "animating");
        assert!(
            !p.tick(STEP_SECS + 0.1, Track::All(3)),
            "finished and paused: no repaint needed"
        );
        p.step_back(10.0, Track::All(3));
        assert_eq!(p.current, Some(0));
    }

    #[test]
    fn play_stops_after_the_last_step() {
        let hold = STEP_SECS + HOLD_SECS + 0.01;
        let mut p = Playback::default();
        p.toggle_play(0.0, Track::All(2));
        p.tick(hold, Track::All(2));
        assert_eq!((p.current, p.playing), (Some(1), true));
        assert!(!p.tick(2.0 * hold, Track::All(2)), "nothing moves any more");
        assert_eq!((p.current, p.playing), (Some(1), false), "Play, not Pause");
    }

    #[test]
    fn playing_a_followed_connection_skips_the_others() {
        let only = [1u32, 4];
        let mut p = Playback::default();
        p.toggle_play(0.0, Track::Only(&only));
        assert_eq!(p.current, Some(1));
        p.tick(STEP_SECS + HOLD_SECS + 0.01, Track::Only(&only));
        assert_eq!(p.current, Some(4));
        p.step_back(20.0, Track::Only(&only));
        assert_eq!(p.current, Some(1));
    }
}
