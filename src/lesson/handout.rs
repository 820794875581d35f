//! Handouts: the narrated story of a capture or of a guided lesson, step by step, with the
//! frames, the narration, the numbers worked out and what each layer of both models does,
//! as JSON (the test surface), Markdown or HTML for students.

use std::fmt::Write as _;

use serde::Serialize;

use super::guided::{Lesson, Question};
use super::layers::{OSI_LAYERS, TCPIP_LAYERS, layer_uses};
use super::steps::narrate_in;
use crate::flow::Direction;
use crate::model::Model;

/// One layer's line in a handout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LayerLine {
    pub layer: String,
    /// Whether the packet uses this layer.
    pub lit: bool,
    pub proto: String,
    pub text: String,
}

/// What each layer does for the step's first frame, in both models.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Layers {
    /// OSI layer 1 first.
    pub osi: Vec<LayerLine>,
    /// TCP/IP layers, link first.
    pub tcpip: Vec<LayerLine>,
}

/// One arithmetic line, e.g. "relative seq = raw − ISN" / "1935796732 − 1935796732 = 0".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Worked {
    pub what: String,
    pub value: String,
}

/// One step of a handout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HandoutStep {
    pub frames: Vec<u64>,
    pub title: String,
    pub text: String,
    pub next: Option<String>,
    pub numbers: Vec<Worked>,
    pub layers: Layers,
    pub questions: Vec<Question>,
}

/// A whole handout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handout {
    pub title: String,
    pub capture: String,
    pub steps: Vec<HandoutStep>,
}

fn layers_of(model: &Model, packet_index: usize) -> Layers {
    let Some(record) = model.packets.get(packet_index) else {
        return Layers::default();
    };
    let uses = layer_uses(record);
    let osi = OSI_LAYERS
        .iter()
        .zip(uses.iter())
        .map(|(l, u)| LayerLine {
            layer: format!("{} {}", l.number, l.name),
            lit: u.is_lit(),
            proto: u.proto().to_string(),
            text: u.text().to_string(),
        })
        .collect();
    let tcpip = TCPIP_LAYERS
        .iter()
        .map(|t| {
            let span: Vec<_> = (t.lowest..=t.highest)
                .filter_map(|n| uses.get(usize::from(n) - 1))
                .collect();
            let lit: Vec<_> = span.iter().copied().filter(|u| u.is_lit()).collect();
            let pick = if lit.is_empty() { &span } else { &lit };
            let mut protos: Vec<&str> = pick.iter().map(|u| u.proto()).collect();
            protos.dedup();
            let mut texts: Vec<&str> = pick.iter().map(|u| u.text()).collect();
            texts.dedup();
            LayerLine {
                layer: t.name.to_string(),
                lit: !lit.is_empty(),
                proto: protos.join(", "),
                text: texts.join(" "),
            }
        })
        .collect();
    Layers { osi, tcpip }
}

/// The arithmetic behind one packet's numbers (relative seq/ack, window, payload).
pub fn numbers(model: &Model, packet_index: usize) -> Vec<Worked> {
    let mut out = Vec::new();
    let Some(record) = model.packets.get(packet_index) else {
        return out;
    };
    let (Some(tcp), Some(seg)) = (record.packet.tcp.as_ref(), record.seg.as_ref()) else {
        return out;
    };
    let conn = model.connections.get(seg.stream as usize);
    let (own, peer) = match (conn, seg.direction) {
        (Some(c), Direction::ClientToServer) => (c.client_isn, c.server_isn),
        (Some(c), Direction::ServerToClient) => (c.server_isn, c.client_isn),
        (None, _) => (None, None),
    };
    if let Some(isn) = own {
        out.push(Worked {
            what: "relative seq = raw − ISN".into(),
            value: format!("{} − {isn} = {}", tcp.seq, seg.rel_seq),
        });
    }
    if let (Some(isn), true) = (peer, tcp.has(crate::decode::flags::ACK)) {
        out.push(Worked {
            what: "relative ack = raw − peer's ISN".into(),
            value: format!("{} − {isn} = {}", tcp.ack, seg.rel_ack),
        });
    }
    out.push(Worked {
        what: "window".into(),
        value: match seg.window_shift {
            Some(shift) => format!("{} × 2^{shift} = {} bytes", tcp.window, seg.window_scaled),
            None => format!("{} bytes (not scaled)", tcp.window),
        },
    });
    out.push(Worked {
        what: "payload".into(),
        value: format!("{} bytes, next seq = {}", tcp.payload_len, seg.next_rel_seq),
    });
    out
}

fn step_index_of_frame(model: &Model, frame: u64) -> Option<usize> {
    model.steps.iter().position(|s| s.packet == frame)
}

/// The story of a whole capture: one handout step per teaching step.
pub fn capture_handout(model: &Model, capture: &str) -> Handout {
    let steps = (0..model.steps.len())
        .filter_map(|i| {
            let step = model.steps.get(i)?;
            let n = narrate_in(model, i)?;
            Some(HandoutStep {
                frames: vec![step.packet],
                title: n.headline,
                text: n.body,
                next: n.next,
                numbers: numbers(model, step.packet_index),
                layers: layers_of(model, step.packet_index),
                questions: Vec::new(),
            })
        })
        .collect();
    Handout {
        title: format!("The story of {capture}"),
        capture: capture.to_string(),
        steps,
    }
}

/// A guided lesson on `model` (its capture): the lesson's words, then each frame's narration.
pub fn lesson_handout(lesson: &Lesson, model: &Model) -> Handout {
    let steps = lesson
        .steps
        .iter()
        .map(|ls| {
            let indices: Vec<usize> = ls
                .frames
                .iter()
                .filter_map(|&f| step_index_of_frame(model, f))
                .collect();
            let mut text = ls.text.to_string();
            let mut next = None;
            for &i in &indices {
                if let (Some(n), Some(step)) = (narrate_in(model, i), model.steps.get(i)) {
                    let _ = write!(
                        text,
                        "\n\nFrame {}: {} — {}",
                        step.packet, n.headline, n.body
                    );
                    next = n.next;
                }
            }
            let first = indices
                .first()
                .and_then(|&i| model.steps.get(i))
                .map(|s| s.packet_index);
            HandoutStep {
                frames: ls.frames.to_vec(),
                title: ls.title.to_string(),
                text,
                next,
                numbers: first.map(|p| numbers(model, p)).unwrap_or_default(),
                layers: first.map(|p| layers_of(model, p)).unwrap_or_default(),
                questions: ls.questions.to_vec(),
            }
        })
        .collect();
    Handout {
        title: lesson.title.to_string(),
        capture: lesson.capture.to_string(),
        steps,
    }
}

/// The handout as Markdown.
pub fn to_markdown(h: &Handout) -> String {
    let mut out = format!("# {}\n\nCapture: `{}`\n", h.title, h.capture);
    for (i, s) in h.steps.iter().enumerate() {
        let frames: Vec<String> = s.frames.iter().map(u64::to_string).collect();
        let _ = write!(
            out,
            "\n## {}. {} (frames {})\n\n{}\n",
            i + 1,
            s.title,
            frames.join(", "),
            s.text
        );
        if let Some(next) = &s.next {
            let _ = write!(out, "\n**Next:** {next}\n");
        }
        if !s.numbers.is_empty() {
            out.push_str("\n| the numbers | worked out |\n|---|---|\n");
            for w in &s.numbers {
                let _ = writeln!(out, "| {} | {} |", w.what, w.value);
            }
        }
        out.push_str("\n| OSI layer | what it does here |\n|---|---|\n");
        for l in s.layers.osi.iter().rev() {
            let _ = writeln!(out, "| {} | {} |", l.layer, l.text.replace('|', "\\|"));
        }
        for q in &s.questions {
            let _ = write!(out, "\n**Question:** {}\n\n", q.prompt);
            for (k, c) in q.choices.iter().enumerate() {
                let _ = writeln!(out, "- {} {c}", char::from(b'A' + k as u8));
            }
        }
    }
    let answers: Vec<&Question> = h.steps.iter().flat_map(|s| s.questions.iter()).collect();
    if !answers.is_empty() {
        out.push_str("\n## Answers\n\n");
        for (k, q) in answers.iter().enumerate() {
            let letter = char::from(b'A' + q.answer as u8);
            let _ = writeln!(out, "{}. {letter}: {}", k + 1, q.why);
        }
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The handout as a standalone HTML page.
pub fn to_html(h: &Handout) -> String {
    let mut out = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:60em;margin:auto;line-height:1.5}}\
         td,th{{border:1px solid #aaa;padding:.2em .5em;vertical-align:top}}\
         table{{border-collapse:collapse}}.dark{{color:#888}}</style></head><body>\n\
         <h1>{t}</h1>\n<p>Capture: <code>{c}</code></p>\n",
        t = esc(&h.title),
        c = esc(&h.capture)
    );
    for (i, s) in h.steps.iter().enumerate() {
        let frames: Vec<String> = s.frames.iter().map(u64::to_string).collect();
        let _ = writeln!(
            out,
            "<h2>{}. {} <small>(frames {})</small></h2>",
            i + 1,
            esc(&s.title),
            frames.join(", ")
        );
        for para in s.text.split("\n\n") {
            let _ = writeln!(out, "<p>{}</p>", esc(para));
        }
        if let Some(next) = &s.next {
            let _ = writeln!(out, "<p><b>Next:</b> {}</p>", esc(next));
        }
        out.push_str("<table><tr><th>OSI layer</th><th>what it does here</th></tr>\n");
        for l in s.layers.osi.iter().rev() {
            let class = if l.lit { "" } else { " class=\"dark\"" };
            let _ = writeln!(
                out,
                "<tr{class}><td>{}</td><td>{}</td></tr>",
                esc(&l.layer),
                esc(&l.text)
            );
        }
        out.push_str("</table>\n");
        for q in &s.questions {
            let _ = writeln!(
                out,
                "<p><b>Question:</b> {}</p><ol type=\"A\">",
                esc(q.prompt)
            );
            for c in q.choices {
                let _ = writeln!(out, "<li>{}</li>", esc(c));
            }
            out.push_str("</ol>\n");
        }
    }
    let answers: Vec<&Question> = h.steps.iter().flat_map(|s| s.questions.iter()).collect();
    if !answers.is_empty() {
        out.push_str("<h2>Answers</h2>\n<ol>\n");
        for q in answers {
            let letter = char::from(b'A' + q.answer as u8);
            let _ = writeln!(out, "<li>{letter}: {}</li>", esc(q.why));
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</body></html>\n");
    out
}
