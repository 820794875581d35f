//! What the user asked for during a frame. Panels return actions; the app applies them after
//! drawing, so no panel mutates another's state.

use std::path::PathBuf;

use super::live::LiveCommand;

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Show a step and animate it.
    GoToStep(usize),
    /// Show a step finished, without animation (scrubber, Home/End).
    JumpToStep(usize),
    /// Select a packet (and its step, if it has one).
    SelectPacket(usize),
    TogglePlay,
    StepForward,
    StepBack,
    NextPhase,
    PreviousPhase,
    Home,
    End,
    /// Ask for a file with the dialog.
    OpenDialog,
    Open(PathBuf),
    /// Select a field of the details tree: its byte range in the packet.
    SelectBytes(std::ops::Range<usize>),
    ToggleFullscreen,
    Live(LiveCommand),
    /// Lessons, quiz, glossary, the folded panels.
    Teach(super::teach::TeachAction),
    /// Follow one connection (`tcp.stream`), or all with `None`.
    Follow(Option<u32>),
    /// Put the banner away.
    DismissBanner,
    /// Leave the file opened from live mode and show the live session again.
    BackToLive,
    /// Open a compared transport's bundled capture on the ladder.
    OpenCompareCapture(crate::session::compare::ChatTransport),
    /// Show or hide the keyboard map (F1, ?).
    ToggleHelp,
    CloseHelp,
    /// Ask where to save what was captured live.
    SaveDialog,
    /// Save what was captured live, as pcapng, at this path.
    Save(PathBuf),
    /// A view choice made with a key (the toolbar's widgets change settings directly).
    View(super::keys::ViewKey),
}
