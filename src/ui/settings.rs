//! Settings the teacher chooses, persisted with eframe's storage between runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The eframe storage key.
pub const STORAGE_KEY: &str = "osiscope.settings";

/// How many recent files the File menu remembers.
pub const MAX_RECENT: usize = 8;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
// Independent on/off choices of the teacher, each its own checkbox: not a state machine.
#[allow(clippy::struct_excessive_bools)]
pub struct Settings {
    pub dark: bool,
    /// Full screen, large fonts, high contrast.
    pub presentation: bool,
    /// Extra zoom on top of the screen's own scale.
    pub zoom: f32,
    /// Playback speed, 1.0 = one step every few seconds.
    pub speed: f32,
    /// Most recent first.
    pub recent_files: Vec<PathBuf>,
    /// Stop after each step in live mode instead of following new packets.
    pub step_mode: bool,
    /// Replay: show packets only up to the current step.
    pub hide_future: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dark: true,
            presentation: false,
            zoom: 1.0,
            speed: 1.0,
            recent_files: Vec::new(),
            step_mode: false,
            hide_future: false,
        }
    }
}

impl Settings {
    /// Remember `path` as the most recent file.
    pub fn add_recent(&mut self, path: &Path) {
        self.recent_files.retain(|p| p != path);
        self.recent_files.insert(0, path.to_path_buf());
        self.recent_files.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_newest_first_and_bounded() {
        let mut s = Settings::default();
        for i in 0..10 {
            s.add_recent(Path::new(&format!("/tmp/{i}.pcap")));
        }
        s.add_recent(Path::new("/tmp/5.pcap"));
        assert_eq!(s.recent_files.len(), MAX_RECENT);
        assert_eq!(s.recent_files[0], Path::new("/tmp/5.pcap"));
        assert_eq!(
            s.recent_files
                .iter()
                .filter(|p| p.ends_with("5.pcap"))
                .count(),
            1
        );
    }

    #[test]
    fn old_settings_files_still_load() {
        let s: Settings = serde_json::from_str(r#"{"dark":false}"#).unwrap_or_default();
        assert!(!s.dark);
        assert!((s.speed - 1.0).abs() < f32::EPSILON);
    }
}
