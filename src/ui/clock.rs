//! The time the animation runs on: egui's frame time in the app, a hand-set clock in tests so
//! that every frame is deterministic.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the animation gets "now" from.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// `ctx.input(|i| i.time)`.
    #[default]
    Egui,
    /// A clock the test sets by hand (seconds, stored as `f64` bits).
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A manual clock at t = 0 s.
    pub fn manual() -> Self {
        Self::Manual(Arc::new(AtomicU64::new(0f64.to_bits())))
    }

    /// Now, in seconds.
    pub fn now_secs(&self, ctx: &egui::Context) -> f64 {
        match self {
            Self::Egui => ctx.input(|i| i.time),
            Self::Manual(t) => f64::from_bits(t.load(Ordering::Relaxed)),
        }
    }

    /// Move a manual clock forward (no effect on the egui clock).
    pub fn advance(&self, secs: f64) {
        if let Self::Manual(t) = self {
            let now = f64::from_bits(t.load(Ordering::Relaxed));
            t.store((now + secs).to_bits(), Ordering::Relaxed);
        }
    }
}
