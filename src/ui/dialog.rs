//! The file dialogs (Open…, Save…), drawn by egui itself: they work on every desktop, with or
//! without an xdg-desktop-portal (the system dialog did nothing without one), tests drive them
//! like the rest of the app, and what they choose comes back as an [`Action`]. Nothing fails
//! silently: a folder that cannot be listed or a name that is not there is said in the dialog. Saving writes what the live session
//! captured with the same pcapng writer as `osiscope record`; what goes wrong is said in the
//! banner.

use std::path::{Path, PathBuf};

use egui::RichText;

use super::action::Action;
use super::app::App;
use super::live::Banner;

/// The extensions the Open dialog lists (folders are always listed).
pub const CAPTURE_EXTENSIONS: [&str; 4] = ["pcap", "pcapng", "cap", "dmp"];

/// The most entries a folder shows (a huge folder stays quick to draw).
const MAX_ENTRIES: usize = 2000;

/// What the dialog is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Open,
    Save,
}

/// One line of the folder's list.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    name: String,
    is_dir: bool,
}

/// An open file dialog: the folder shown (read once when it is entered, never while
/// drawing), the file name typed or picked, and what went wrong.
#[derive(Debug)]
pub struct Dialog {
    pub purpose: Purpose,
    dir: PathBuf,
    entries: Vec<Entry>,
    /// Why the folder could not be listed, or the file not chosen.
    problem: Option<String>,
    name: String,
    /// Save: the file exists and the next Save replaces it.
    replace: bool,
}

/// Where a dialog is after a frame.
enum Outcome {
    Open,
    Chose(Action),
    Cancelled,
}

fn is_capture(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CAPTURE_EXTENSIONS.iter().any(|c| e.eq_ignore_ascii_case(c)))
}

/// A file name in `dir` that is not taken yet: `osiscope-live.pcapng`, then `-2`, `-3`…
fn free_name(dir: &Path) -> String {
    (1..1000)
        .map(|n| match n {
            1 => "osiscope-live.pcapng".to_owned(),
            n => format!("osiscope-live-{n}.pcapng"),
        })
        .find(|name| !dir.join(name).exists())
        .unwrap_or_else(|| "osiscope-live.pcapng".to_owned())
}

/// The folders and (for Open, only the captures) files of `dir`, folders first, by name.
fn list(dir: &Path, purpose: Purpose) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for item in std::fs::read_dir(dir)?.flatten().take(MAX_ENTRIES) {
        let name = item.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // Follows links: a link to a folder is a folder.
        let is_dir = item.path().is_dir();
        if is_dir || purpose == Purpose::Save || is_capture(&item.path()) {
            entries.push(Entry { name, is_dir });
        }
    }
    entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then_with(|| a.name.cmp(&b.name)));
    Ok(entries)
}

impl Dialog {
    /// A dialog for `purpose` that starts in `dir`.
    pub fn new(purpose: Purpose, dir: PathBuf) -> Self {
        let name = match purpose {
            Purpose::Open => String::new(),
            Purpose::Save => free_name(&dir),
        };
        let mut dialog = Self {
            purpose,
            dir: PathBuf::new(),
            entries: Vec::new(),
            problem: None,
            name,
            replace: false,
        };
        dialog.enter(dir);
        dialog
    }

    /// Show folder `dir` (read it now, once).
    fn enter(&mut self, dir: PathBuf) {
        self.replace = false;
        match list(&dir, self.purpose) {
            Ok(entries) => {
                self.entries = entries;
                self.problem = None;
            }
            Err(e) => {
                self.entries.clear();
                self.problem = Some(format!("{} cannot be listed: {e}", dir.display()));
            }
        }
        self.dir = dir;
    }

    /// The folder shown (its full path is the dialog's second line).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What Open or Save does with the name typed: the action, or why not.
    fn confirm(&mut self) -> Option<Action> {
        let name = self.name.trim();
        if name.is_empty() {
            self.problem = Some("Type a file name or pick a file.".into());
            return None;
        }
        let path = self.dir.join(name);
        match self.purpose {
            Purpose::Open if path.is_dir() => {
                self.enter(path);
                self.name.clear();
                None
            }
            Purpose::Open if !path.exists() => {
                self.problem = Some(format!("There is no {name} in this folder."));
                None
            }
            Purpose::Open => Some(Action::Open(path)),
            Purpose::Save => {
                let path = with_pcapng_extension(&path);
                if path.exists() && !self.replace {
                    self.replace = true;
                    self.problem = Some(format!(
                        "{} exists: press Save again to replace it.",
                        path.display()
                    ));
                    return None;
                }
                Some(Action::Save(path))
            }
        }
    }

    /// Draw the dialog; what it chose, once it is done.
    fn show(&mut self, ctx: &egui::Context, palette: &super::theme::Palette) -> Outcome {
        let mut outcome = Outcome::Open;
        let (title, verb) = match self.purpose {
            Purpose::Open => ("Open a capture (pcap, pcapng)", "Open"),
            Purpose::Save => ("Save the live capture as pcapng", "Save"),
        };
        let screen = ctx.content_rect();
        let modal = egui::Modal::new(egui::Id::unique("osiscope-file-dialog")).show(ctx, |ui| {
            ui.set_width((screen.width() * 0.6).clamp(360.0, 760.0));
            ui.heading(title);
            ui.horizontal(|ui| {
                let parent = self.dir.parent().map(Path::to_path_buf);
                if ui
                    .add_enabled(parent.is_some(), egui::Button::new("Up one folder"))
                    .clicked()
                    && let Some(parent) = parent
                {
                    self.enter(parent);
                }
                ui.label(RichText::new(self.dir.display().to_string()).monospace());
            });
            ui.separator();
            let mut enter = None;
            let mut open_now = false;
            egui::ScrollArea::vertical()
                .max_height(screen.height() * 0.45)
                .auto_shrink([false, true])
                .show(ui, |ui| {
                    if self.entries.is_empty() && self.problem.is_none() {
                        ui.label(RichText::new("(no captures here)").color(palette.weak_text));
                    }
                    for entry in &self.entries {
                        let text = if entry.is_dir {
                            format!("{}/", entry.name)
                        } else {
                            entry.name.clone()
                        };
                        let picked = !entry.is_dir && entry.name == self.name;
                        let row = ui.selectable_label(picked, text);
                        if row.clicked() && entry.is_dir {
                            enter = Some(self.dir.join(&entry.name));
                        } else if row.clicked() {
                            self.name.clone_from(&entry.name);
                            self.replace = false;
                        }
                        if row.double_clicked() && !entry.is_dir {
                            self.name.clone_from(&entry.name);
                            open_now = true;
                        }
                    }
                });
            if let Some(dir) = enter {
                self.enter(dir);
            }
            if open_now {
                outcome = self.confirm().map_or(Outcome::Open, Outcome::Chose);
            }
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label("File name");
                let field = ui
                    .add(egui::TextEdit::singleline(&mut self.name).desired_width(320.0))
                    .labelled_by(label.id);
                if field.changed() {
                    self.replace = false;
                }
                let enter_pressed =
                    field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if ui.button(verb).clicked() || enter_pressed {
                    outcome = self.confirm().map_or(Outcome::Open, Outcome::Chose);
                }
                if ui.button("Cancel").clicked() {
                    outcome = Outcome::Cancelled;
                }
            });
            if let Some(problem) = &self.problem {
                ui.label(RichText::new(problem).color(palette.bad));
            }
        });
        if modal.should_close() {
            outcome = Outcome::Cancelled;
        }
        outcome
    }
}

/// `name` → `name.pcapng`: what is saved is pcapng, whatever the name typed.
fn with_pcapng_extension(path: &Path) -> PathBuf {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pcapng"))
    {
        path.to_path_buf()
    } else {
        let mut name = path.as_os_str().to_owned();
        name.push(".pcapng");
        PathBuf::from(name)
    }
}

impl App {
    /// Whether a file dialog is open (the app's keys wait until it closes).
    pub fn dialog_open(&self) -> bool {
        self.dialog.is_some()
    }

    /// What the open dialog is for.
    pub fn dialog_purpose(&self) -> Option<Purpose> {
        self.dialog.as_ref().map(|d| d.purpose)
    }

    /// Where a dialog starts: the folder of the most recent file, or the current folder.
    fn dialog_dir(&self) -> PathBuf {
        self.settings
            .recent_files
            .iter()
            .filter_map(|p| p.parent())
            .find(|d| d.is_dir())
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default()
    }

    /// Open the dialog for `purpose`. Saving needs a live session: without one the banner
    /// says why nothing can be saved.
    pub(crate) fn open_dialog(&mut self, purpose: Purpose) {
        if purpose == Purpose::Save && self.live.is_none() {
            self.banner = Some(Banner::notice(
                "Save… writes what was captured live; this window shows a file, which is \
                 saved already. Start osiscope without a file for live mode.",
                None,
            ));
            return;
        }
        self.dialog = Some(Dialog::new(purpose, self.dialog_dir()));
    }

    /// Draw the open dialog, if any, and take what it chose.
    pub(crate) fn dialog_ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        let palette = self.palette();
        let Some(dialog) = self.dialog.as_mut() else {
            return;
        };
        match dialog.show(ctx, &palette) {
            Outcome::Open => {}
            Outcome::Chose(action) => {
                self.dialog = None;
                actions.push(action);
            }
            Outcome::Cancelled => self.dialog = None,
        }
    }

    /// Write what the live session captured to `path` and say so (or why not) in the banner.
    pub(crate) fn save(&mut self, path: &Path) {
        let Some(live) = &self.live else {
            self.open_dialog(Purpose::Save);
            return;
        };
        self.banner = Some(match live.save_pcapng(path) {
            Ok(report) => {
                let left_out = if report.frames_left_out > 0 {
                    format!(
                        " ({} later packets left out: the recording is full)",
                        report.frames_left_out
                    )
                } else {
                    String::new()
                };
                Banner::notice(
                    format!(
                        "Saved {} packets to {}{left_out}",
                        report.frames_written,
                        path.display()
                    ),
                    None,
                )
            }
            Err(e) => Banner::from_error(&e),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_files_end_in_pcapng() {
        assert_eq!(
            with_pcapng_extension(Path::new("/tmp/lesson")),
            Path::new("/tmp/lesson.pcapng")
        );
        assert_eq!(
            with_pcapng_extension(Path::new("/tmp/a.PCAPNG")),
            Path::new("/tmp/a.PCAPNG")
        );
    }

    #[test]
    fn the_default_name_is_free() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(free_name(dir.path()), "osiscope-live.pcapng");
        std::fs::write(dir.path().join("osiscope-live.pcapng"), b"").unwrap_or_default();
        assert_eq!(free_name(dir.path()), "osiscope-live-2.pcapng");
    }

    #[test]
    fn the_open_dialog_lists_captures() {
        assert!(is_capture(Path::new("a/handshake.pcapng")));
        assert!(is_capture(Path::new("a/B.PCAP")));
        assert!(!is_capture(Path::new("a/README.md")));
    }
}
