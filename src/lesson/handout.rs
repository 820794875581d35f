//! Handouts: the narrated story of a capture or of a guided lesson, step by step, with the
//! frames, the narration, the numbers worked out and what each layer of both models does,
//! as JSON (the test surface), Markdown or HTML for students.

use std::fmt::Write as _;

use serde::Serialize;

use super::guided::{Lesson, Question};
use super::ladder_svg::ladder_svg;
use super::layers::{OSI_LAYERS, TCPIP_LAYERS, layer_uses};
use super::steps::narrate_in;
use crate::app_proto::engineio::{EioType, IoEvent};
use crate::app_proto::socketio::SioType;
use crate::flow::Direction;
use crate::model::{Model, PacketRow};

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
    /// The capture the frames are in.
    pub capture: String,
    pub frames: Vec<u64>,
    pub title: String,
    pub text: String,
    pub next: Option<String>,
    pub numbers: Vec<Worked>,
    pub layers: Layers,
    pub questions: Vec<Question>,
}

/// The ladder picture of one capture's frames in the handout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ladder {
    pub capture: String,
    /// One arrow per frame, in this order.
    pub frames: Vec<u64>,
    /// The picture (md and html; not in the JSON).
    #[serde(skip)]
    pub svg: String,
}

/// A whole handout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handout {
    pub title: String,
    pub capture: String,
    pub steps: Vec<HandoutStep>,
    /// One per capture the steps use, in the order of first use.
    pub ladders: Vec<Ladder>,
}

impl Handout {
    /// Draw one ladder per capture, with the frames of the steps on it, each once.
    fn with_ladders<'m>(mut self, model_of: impl Fn(&str) -> Option<&'m Model>) -> Self {
        let mut ladders: Vec<Ladder> = Vec::new();
        for s in &self.steps {
            let at = if let Some(at) = ladders.iter().position(|l| l.capture == s.capture) {
                at
            } else {
                ladders.push(Ladder {
                    capture: s.capture.clone(),
                    frames: Vec::new(),
                    svg: String::new(),
                });
                ladders.len() - 1
            };
            if let Some(l) = ladders.get_mut(at) {
                for f in &s.frames {
                    if !l.frames.contains(f) {
                        l.frames.push(*f);
                    }
                }
            }
        }
        for l in &mut ladders {
            l.frames.sort_unstable();
            if let Some(model) = model_of(&l.capture) {
                l.svg = ladder_svg(model, &l.frames, &format!("{}: {}", self.title, l.capture));
            }
        }
        self.ladders = ladders;
        self
    }
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
            Some(shift) => format!(
                "{} × 2^{shift} = {} bytes",
                tcp.window,
                seg.window_scaled(tcp.window)
            ),
            None => format!("{} bytes (not scaled)", tcp.window),
        },
    });
    out.push(Worked {
        what: "payload".into(),
        value: format!("{} bytes, next seq = {}", tcp.payload_len, seg.next_rel_seq),
    });
    out.extend(io_numbers(record));
    out
}

/// The type digit of an Engine.IO packet type, as on the wire.
fn eio_digit(kind: EioType) -> Option<u8> {
    (0..=6).find(|&n| EioType::from_number(n) == Some(kind))
}

/// The Engine.IO and Socket.IO packets this packet completes, taken apart: each type digit
/// and what it means, the namespace, the ack id and the data.
fn io_numbers(record: &PacketRow) -> Vec<Worked> {
    record
        .io()
        .iter()
        .filter_map(|e| match e {
            IoEvent::EngineIo(r) => {
                let digit = eio_digit(r.packet.kind)?;
                let mut value = format!(
                    "{digit} = {} (over {})",
                    r.packet.kind.name(),
                    r.transport.name()
                );
                if let Some(text) = r.packet.text().filter(|t| !t.is_empty()) {
                    let _ = write!(value, ", then \"{text}\"");
                }
                Some(Worked {
                    what: format!("Engine.IO packet in #{}", record.packet.number()),
                    value,
                })
            }
            IoEvent::SocketIo(r) => {
                let p = &r.packet;
                let digit = (b'0'..=b'6').find(|&d| SioType::from_digit(d) == Some(p.kind))?;
                let mut value = format!(
                    "{} = {}, namespace {}",
                    char::from(digit),
                    p.kind.name(),
                    p.nsp
                );
                if let Some(id) = p.id {
                    let _ = write!(value, ", ack id {id}");
                }
                if p.attachments > 0 {
                    let _ = write!(value, ", {} binary attachment(s)", p.attachments);
                }
                if let Some(data) = &p.data {
                    let _ = write!(value, ", data {data}");
                }
                Some(Worked {
                    what: format!("Socket.IO packet in #{}", record.packet.number()),
                    value,
                })
            }
            IoEvent::AckPair(_) | IoEvent::Anomaly(_) => None,
        })
        .collect()
}

/// The first packet's arithmetic, then what the other packets carry inside.
fn step_numbers(model: &Model, step_indices: &[usize]) -> Vec<Worked> {
    let packets: Vec<usize> = step_indices
        .iter()
        .filter_map(|&i| model.steps.get(i))
        .map(crate::model::Step::packet_index)
        .collect();
    let Some((&first, rest)) = packets.split_first() else {
        return Vec::new();
    };
    let mut out = numbers(model, first);
    for &p in rest {
        if let Some(record) = model.packets.get(p) {
            out.extend(io_numbers(record));
        }
    }
    out
}

fn step_index_of_frame(model: &Model, frame: u64) -> Option<usize> {
    model
        .steps
        .iter()
        .position(|s| model.step_number(s) == frame)
}

/// The story of a whole capture: one handout step per teaching step.
pub fn capture_handout(model: &Model, capture: &str) -> Handout {
    let steps = (0..model.steps.len())
        .filter_map(|i| {
            let step = model.steps.get(i)?;
            let n = narrate_in(model, i)?;
            Some(HandoutStep {
                capture: capture.to_string(),
                frames: vec![model.step_number(step)],
                title: n.headline,
                text: n.body,
                next: n.next,
                numbers: numbers(model, step.packet_index()),
                layers: layers_of(model, step.packet_index()),
                questions: Vec::new(),
            })
        })
        .collect();
    Handout {
        title: format!("The story of {capture}"),
        capture: capture.to_string(),
        steps,
        ladders: Vec::new(),
    }
    .with_ladders(|_| Some(model))
}

/// A guided lesson: the lesson's words, then each frame's narration. `model_of` gives the
/// model of each capture the lesson uses (by file name; see [`Lesson::captures`]).
pub fn lesson_handout<'m>(
    lesson: &Lesson,
    model_of: impl Fn(&str) -> Option<&'m Model>,
) -> Handout {
    let empty = Model::default();
    let steps = lesson
        .steps
        .iter()
        .map(|ls| {
            let capture = lesson.capture_of(ls).name;
            let model = model_of(capture).unwrap_or(&empty);
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
                        model.step_number(step),
                        n.headline,
                        n.body
                    );
                    next = n.next;
                }
            }
            let first = indices
                .first()
                .and_then(|&i| model.steps.get(i))
                .map(crate::model::Step::packet_index);
            HandoutStep {
                capture: capture.to_string(),
                frames: ls.frames.to_vec(),
                title: ls.title.to_string(),
                text,
                next,
                numbers: step_numbers(model, &indices),
                layers: first.map(|p| layers_of(model, p)).unwrap_or_default(),
                questions: ls.questions.to_vec(),
            }
        })
        .collect();
    Handout {
        title: lesson.title.to_string(),
        capture: lesson.capture.to_string(),
        steps,
        ladders: Vec::new(),
    }
    .with_ladders(model_of)
}

/// Where Markdown finds each ladder picture: a file written beside it, or the picture itself
/// in a `data:` URL (for a handout on standard output).
pub fn ladder_data_url(ladder: &Ladder) -> String {
    use base64::Engine as _;
    format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&ladder.svg)
    )
}

/// The handout as Markdown; `ladder_refs` holds where each of `h.ladders` is (see
/// [`ladder_data_url`]).
pub fn to_markdown(h: &Handout, ladder_refs: &[String]) -> String {
    let mut out = format!("# {}\n\nCapture: `{}`\n", h.title, h.capture);
    for (l, r) in h.ladders.iter().zip(ladder_refs) {
        let _ = write!(
            out,
            "\n![The ladder of {}: one arrow per packet]({r})\n",
            l.capture
        );
    }
    for (i, s) in h.steps.iter().enumerate() {
        let frames: Vec<String> = s.frames.iter().map(u64::to_string).collect();
        let on = if s.capture == h.capture {
            String::new()
        } else {
            format!(" of {}", s.capture)
        };
        let _ = write!(
            out,
            "\n## {}. {} (frames {}{on})\n\n{}\n",
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
                let _ = writeln!(out, "| {} | {} |", w.what, w.value.replace('|', "\\|"));
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
    for l in &h.ladders {
        let _ = writeln!(out, "<figure>{}</figure>", l.svg);
    }
    for (i, s) in h.steps.iter().enumerate() {
        let frames: Vec<String> = s.frames.iter().map(u64::to_string).collect();
        let on = if s.capture == h.capture {
            String::new()
        } else {
            format!(" of {}", esc(&s.capture))
        };
        let _ = writeln!(
            out,
            "<h2>{}. {} <small>(frames {}{on})</small></h2>",
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
        if !s.numbers.is_empty() {
            out.push_str("<table><tr><th>the numbers</th><th>worked out</th></tr>\n");
            for w in &s.numbers {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(&w.what),
                    esc(&w.value)
                );
            }
            out.push_str("</table>\n");
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
