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
    Close,
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
}

/// The live session the app drives: echo server, capture and demo client.
pub trait LiveControls {
    /// Perform a command; errors come back as a sentence for the banner.
    fn command(&mut self, command: &LiveCommand) -> Result<(), String>;
    fn status(&self) -> LiveStatus;
    /// The scenario names the demo client offers, in display order.
    fn scenarios(&self) -> Vec<String>;
    /// Take the packets captured since the last call into `model`. Returns how many arrived.
    fn drain(&mut self, model: &mut crate::model::Model) -> usize;
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
