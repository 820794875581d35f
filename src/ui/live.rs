//! Live mode in the app: the toolbar's Connect / Send / Ping / Close / scenario buttons drive a
//! [`LiveSession`] (the bundled echo server, the capture and the demo client, run by
//! `session`), and the app takes in what it captured and shows its state, drop counters and
//! errors (with their fix) in the banner.

pub use crate::session::{LiveCommand, LiveSession, LiveStatus};

/// What the presenter typed into the live toolbar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveForm {
    pub text: String,
    pub close_code: u16,
    /// How often the server pushes after "Server push".
    pub push_interval_ms: u32,
}

impl Default for LiveForm {
    fn default() -> Self {
        Self {
            text: "hello".into(),
            close_code: 1000,
            push_interval_ms: 1000,
        }
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

    /// An error with the fix it carries.
    pub fn from_error(e: &crate::session::SessionError) -> Self {
        Self::error(e.to_string(), e.fix())
    }
}

/// The banner of live mode (`osiscope` with no arguments): what is running and what to press.
pub fn live_banner(session: &LiveSession) -> Banner {
    let addr = session.server_addr();
    let mut text = format!(
        "Live: the bundled echo server listens on ws://{addr}/ and osiscope captures its \
         traffic on loopback. Press Connect, then Send text, Ping or Close — or pick a \
         scenario. Tick \"step mode\" to walk through new packets one at a time."
    );
    if let Some(moved) = session.port_moved() {
        text = format!("{moved} {text}");
    }
    Banner::notice(text, None)
}

/// The banner of classroom mode: where students point their browsers, what is captured, and
/// the server's warning of who can now connect.
pub fn classroom_banner(session: &LiveSession) -> Banner {
    let interfaces = session.interfaces();
    let lan = interfaces.first().map_or("", String::as_str);
    let urls = session.page_urls();
    let open = match urls.as_slice() {
        [] => format!(
            "Students open http://<this machine's address on {lan}>:{}/ in a browser",
            session.server_addr().port()
        ),
        [one] => format!("Students open {one} in a browser"),
        many => format!("Students open one of {} in a browser", many.join(", ")),
    };
    let captured = if interfaces.len() > 1 {
        format!(
            "osiscope captures {lan} (the students' devices) and {} (this machine's Connect \
             button and scenarios)",
            interfaces[1..].join(", ")
        )
    } else {
        format!("osiscope captures {lan}")
    };
    let mut text = format!(
        "Classroom mode. {open} and join the chat: each device's connection appears as it \
         connects. {captured}."
    );
    if let Some(warning) = session.reachable_warning() {
        text = format!("{text} {warning}");
    }
    Banner::notice(text, None)
}

/// How long one frame may spend taking in live packets.
const LIVE_BUDGET: std::time::Duration = std::time::Duration::from_millis(4);
/// How often the window looks for new live packets while nothing moves.
const LIVE_POLL: std::time::Duration = std::time::Duration::from_millis(50);

impl super::app::App {
    /// Take what the live session produced. Outside step mode every new packet goes into the
    /// model (playback follows); in step mode they wait in `live_pending` until the presenter
    /// steps, and while a file is shown until Back to live. Returns whether packets were added.
    pub(crate) fn drain_live(&mut self) -> bool {
        let Some(live) = self.live.as_mut() else {
            return false;
        };
        let polled = live.poll();
        for update in polled.updates {
            match update {
                crate::pipeline::Update::Packets(batch) => self.live_pending.extend(batch),
                crate::pipeline::Update::Error(e) => {
                    self.banner = Some(Banner::error(e.to_string(), e.fix()));
                }
                crate::pipeline::Update::Finished => {}
            }
        }
        if let Some(e) = polled.errors.last() {
            self.banner = Some(Banner::from_error(e));
        }
        self.egui_ctx.request_repaint_after(LIVE_POLL);
        // A file opened from live mode is shown: what the capture brings waits for Back to live.
        if self.settings.step_mode || !self.is_live() {
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

    /// Step: put the next waiting packet into the model and show it, before any old step
    /// (the toolbar announces the waiting packets as what Step shows). Returns whether there
    /// was one.
    pub(crate) fn release_one(&mut self, now_secs: f64) -> bool {
        if !self.is_live() {
            return false;
        }
        let Some(incoming) = self.live_pending.pop_front() else {
            return false;
        };
        self.model.push_incoming(incoming);
        let index = self.model.packets.len() - 1;
        if let Some(step) = self
            .model
            .packets
            .get(index)
            .and_then(crate::model::PacketRow::step)
        {
            self.playback.go_to(step, now_secs);
        } else {
            self.selected = Some(index);
            self.view.list.scroll_to_selected.request();
        }
        true
    }

    /// Packets captured live and waiting for the presenter (step mode).
    pub fn pending_packets(&self) -> usize {
        self.live_pending.len()
    }
}

impl super::app::App {
    /// Turn step mode on or off (the "step mode" box).
    pub fn set_step_mode(&mut self, on: bool) {
        self.settings.step_mode = on;
    }

    /// Put `text` in the message box (what Send text and Enter send).
    pub fn set_message(&mut self, text: &str) {
        text.clone_into(&mut self.live_form.text);
    }

    /// Set the interval of the "Server push" button (the "every … ms" field).
    pub fn set_push_interval_ms(&mut self, interval_ms: u32) {
        self.live_form.push_interval_ms = interval_ms;
    }

    /// The live session's status, in live mode.
    pub fn live_status(&self) -> Option<LiveStatus> {
        self.live.as_ref().map(LiveSession::status)
    }
}
