//! Live mode hooks: the toolbar's Connect / Send / Ping / Close / scenario buttons talk to a
//! [`LiveControls`] (the bundled echo server and demo client, built elsewhere), and the app
//! shows the capture state and drop counters it reports.

/// A command for the demo client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveCommand {
    Connect,
    SendText(String),
    SendBinary,
    Ping,
    /// Start the close handshake with this code.
    Close(u16),
    Scenario(String),
}

/// What a live session reports each frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveStatus {
    /// E.g. "capturing on lo" or "stopped: …".
    pub state: String,
    pub packets: u64,
    /// Packets the capture could not hand over to the app (queue full).
    pub dropped: u64,
    /// The kernel's own drop count, when known.
    pub kernel_dropped: Option<u64>,
    /// The demo client is connected.
    pub connected: bool,
    /// The last things the demo client and the scenarios did, oldest first.
    pub log: Vec<String>,
    /// A scenario is running.
    pub busy: bool,
}

/// What the presenter typed into the live toolbar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveForm {
    pub text: String,
    pub close_code: u16,
}

impl Default for LiveForm {
    fn default() -> Self {
        Self {
            text: "hello".into(),
            close_code: 1000,
        }
    }
}

/// The live session the app drives: echo server, capture and demo client.
pub trait LiveControls {
    /// Perform a command; errors come back as a sentence for the banner.
    fn command(&mut self, command: &LiveCommand) -> Result<(), String>;
    fn status(&self) -> LiveStatus;
    /// The scenario names the demo client offers, in display order.
    fn scenarios(&self) -> Vec<String>;
    /// What the live pipeline produced since the last call, in capture order (never blocks).
    fn poll(&mut self) -> Vec<crate::pipeline::Update> {
        Vec::new()
    }
}

/// A calm message across the top (e.g. how to enable live capture), with an optional fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub text: String,
    pub fix: Option<String>,
    /// An error (red) rather than a notice.
    pub error: bool,
}

impl Banner {
    pub fn notice(text: impl Into<String>, fix: Option<String>) -> Self {
        Self {
            text: text.into(),
            fix,
            error: false,
        }
    }

    pub fn error(text: impl Into<String>, fix: Option<String>) -> Self {
        Self {
            text: text.into(),
            fix,
            error: true,
        }
    }
}

/// How long one frame may spend taking in live packets.
const LIVE_BUDGET: std::time::Duration = std::time::Duration::from_millis(4);
/// How often the window looks for new live packets while nothing moves.
const LIVE_POLL: std::time::Duration = std::time::Duration::from_millis(50);

impl super::app::App {
    /// Take what the live session produced. Outside step mode every new packet goes into the
    /// model (playback follows); in step mode they wait in `live_pending` until the presenter
    /// steps. Returns whether packets were added.
    pub(crate) fn drain_live(&mut self) -> bool {
        let Some(live) = self.live.as_mut() else {
            return false;
        };
        for update in live.poll() {
            match update {
                crate::pipeline::Update::Packets(batch) => self.live_pending.extend(batch),
                crate::pipeline::Update::Error(e) => {
                    self.banner = Some(Banner::error(e.to_string(), e.fix()));
                }
                crate::pipeline::Update::Finished => {}
            }
        }
        self.egui_ctx.request_repaint_after(LIVE_POLL);
        if self.settings.step_mode {
            return false;
        }
        let start = std::time::Instant::now();
        let mut added = false;
        while let Some(incoming) = self.live_pending.pop_front() {
            self.model.push_incoming(incoming);
            added = true;
            if start.elapsed() >= LIVE_BUDGET {
                break;
            }
        }
        if added {
            self.playback.playing = true;
        }
        added
    }

    /// Step mode: put the next waiting packet into the model and show it. Returns whether
    /// there was one.
    pub(crate) fn release_one(&mut self, now_secs: f64) -> bool {
        let Some(incoming) = self.live_pending.pop_front() else {
            return false;
        };
        self.model.push_incoming(incoming);
        let index = self.model.packets.len() - 1;
        if let Some(step) = self.model.packets.get(index).and_then(|r| r.step) {
            self.playback.go_to(step, now_secs);
        } else {
            self.selected = Some(index);
            self.view.list.scroll_to_selected = true;
        }
        true
    }

    /// Packets captured live and waiting for the presenter (step mode).
    pub fn pending_packets(&self) -> usize {
        self.live_pending.len()
    }

    /// Whether the app is in live mode.
    pub fn is_live(&self) -> bool {
        self.live.is_some()
    }
}

impl super::app::App {
    /// Turn step mode on or off (the "step mode" box).
    pub fn set_step_mode(&mut self, on: bool) {
        self.settings.step_mode = on;
    }

    /// The live session's status, in live mode.
    pub fn live_status(&self) -> Option<LiveStatus> {
        self.live.as_ref().map(|l| l.status())
    }
}
