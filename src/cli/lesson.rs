//! `osiscope lesson`: list the guided lessons (`--list`), or export the narrated story of a
//! lesson or of any capture file as a handout (`--format md|html|json`, `--output F`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use osiscope::capture::FileReader;
use osiscope::lesson::guided::{LESSONS, lesson};
use osiscope::lesson::handout::{self, Handout};
use osiscope::pipeline::process_all;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for students.
    Md,
    /// A standalone HTML page, for students.
    Html,
    /// JSON: the handout's steps with every field (the machine-readable form).
    Json,
    /// With --list: one line per lesson.
    Text,
}

#[derive(Debug, clap::Args)]
pub struct LessonArgs {
    /// A lesson id (see --list) or a pcap/pcapng file.
    #[arg(required_unless_present = "list")]
    pub target: Option<String>,
    /// List the guided lessons.
    #[arg(long)]
    pub list: bool,
    /// Output format (default: text for --list, md for a handout).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

fn list(format: Format) -> anyhow::Result<String> {
    if format == Format::Json {
        let items: Vec<serde_json::Value> = LESSONS
            .iter()
            .map(|l| {
                serde_json::json!({
                    "id": l.id,
                    "title": l.title,
                    "capture": l.capture,
                    "steps": l.steps.len(),
                    "questions": l.questions().collect::<Vec<_>>(),
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&items)? + "\n");
    }
    let mut out = String::new();
    for l in LESSONS {
        let _ = writeln!(
            out,
            "{:<20} {} ({} steps, {} questions, on {})",
            l.id,
            l.title,
            l.steps.len(),
            l.questions().count(),
            l.capture
        );
    }
    Ok(out)
}

fn handout_of(target: &str) -> anyhow::Result<Handout> {
    if let Some(l) = lesson(target) {
        let mut models = Vec::new();
        for c in l.captures() {
            let reader = FileReader::from_bytes(c.bytes.to_vec())?;
            models.push((c.name, process_all(reader)));
        }
        return Ok(handout::lesson_handout(l, |name| {
            models.iter().find(|(n, _)| *n == name).map(|(_, m)| m)
        }));
    }
    let path = PathBuf::from(target);
    anyhow::ensure!(
        path.exists(),
        "{target} is neither a lesson (see `osiscope lesson --list`) nor a file"
    );
    let reader = FileReader::open(&path).with_context(|| format!("opening {target}"))?;
    let name = path
        .file_name()
        .map_or_else(|| target.to_string(), |n| n.to_string_lossy().into_owned());
    Ok(handout::capture_handout(&process_all(reader), &name))
}

/// Markdown with its ladder pictures: beside `output` as `STEM-ladder-K.svg` (written here),
/// or inside the Markdown as `data:` URLs when it goes to standard output.
fn markdown(h: &Handout, output: Option<&Path>) -> anyhow::Result<String> {
    let Some(output) = output else {
        let refs: Vec<String> = h.ladders.iter().map(handout::ladder_data_url).collect();
        return Ok(handout::to_markdown(h, &refs));
    };
    let stem = output
        .file_stem()
        .map_or_else(|| "handout".into(), |s| s.to_string_lossy().into_owned());
    let dir = output.parent().unwrap_or_else(|| Path::new(""));
    let mut refs = Vec::new();
    for (k, l) in h.ladders.iter().enumerate() {
        let name = format!("{stem}-ladder-{}.svg", k + 1);
        let path = dir.join(&name);
        std::fs::write(&path, &l.svg).with_context(|| format!("writing {}", path.display()))?;
        refs.push(name);
    }
    Ok(handout::to_markdown(h, &refs))
}

pub fn run(args: &LessonArgs) -> anyhow::Result<ExitCode> {
    let text = match (&args.target, args.list) {
        (_, true) => list(args.format.unwrap_or(Format::Text))?,
        (Some(target), false) => {
            let h = handout_of(target)?;
            match args.format.unwrap_or(Format::Md) {
                Format::Json => serde_json::to_string_pretty(&h)? + "\n",
                Format::Html => handout::to_html(&h),
                Format::Md | Format::Text => markdown(&h, args.output.as_deref())?,
            }
        }
        (None, false) => anyhow::bail!("give a lesson id or a capture file, or --list"),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}
