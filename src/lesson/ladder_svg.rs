//! The ladder of a handout as an SVG picture: client and server lanes, time flowing down, one
//! arrow per packet with its number, its time and its textbook label, as the app's ladder
//! draws them. SVG rather than PNG: the release binary has no renderer (egui draws through a
//! GPU, and the offscreen one is a dev-dependency), and text in SVG stays sharp when printed.

use std::fmt::Write as _;

use crate::flow::Direction;
use crate::model::Model;

/// Left edge of the client lane, top of the first arrow, height of one arrow's row.
const CLIENT_X: f32 = 190.0;
const TOP_Y: f32 = 78.0;
const ROW_H: f32 = 40.0;
/// Room between the lanes: at least this, more for a long label.
const MIN_GAP: f32 = 420.0;
/// An upper bound of the width of one character at the label's font size (13 px sans-serif).
const CHAR_W: f32 = 7.6;
const CLIENT_COLOUR: &str = "#1f5fbf";
const SERVER_COLOUR: &str = "#1d7a3a";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An arrowhead in `colour` (each colour its own marker: `context-stroke` is SVG 2, which
/// not every viewer draws).
fn marker(id: &str, colour: &str) -> String {
    format!(
        "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" \
         markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>"
    )
}

/// One arrow of the picture.
struct Arrow {
    frame: u64,
    to_server: bool,
    time: String,
    label: String,
}

/// The ladder of `frames` of `model` (packets that are not in it are left out), titled `title`.
pub fn ladder_svg(model: &Model, frames: &[u64], title: &str) -> String {
    let first_ts = model.steps.first().map_or(0, |s| model.step_ts_ns(s));
    let shown: Vec<_> = frames
        .iter()
        .filter_map(|&f| {
            let step = model.steps.iter().find(|s| model.step_number(s) == f)?;
            Some((step, model.step_endpoints(step)?))
        })
        .collect();
    let several_streams = shown.windows(2).any(|w| w[0].0.stream != w[1].0.stream);
    let arrows: Vec<Arrow> = shown
        .iter()
        .map(|&(s, (src, dst))| {
            let to_server = s.direction == Direction::ClientToServer;
            let client = if to_server { src } else { dst };
            let mut label = model.step_label(s).into_owned();
            if several_streams {
                let _ = write!(label, " (client port {})", client.port());
            }
            let ms = (model.step_ts_ns(s) - first_ts) as f64 / 1e6;
            Arrow {
                frame: model.step_number(s),
                to_server,
                time: format!("+{ms:.3} ms"),
                label,
            }
        })
        .collect();
    let (client, server) = shown.first().map_or_else(
        || ("client".to_owned(), "server".to_owned()),
        |&(s, (src, dst))| {
            let (c, sv) = if s.direction == Direction::ClientToServer {
                (src, dst)
            } else {
                (dst, src)
            };
            let c = if several_streams {
                c.ip().to_string()
            } else {
                c.to_string()
            };
            (format!("client {c}"), format!("server {sv}"))
        },
    );
    let longest = arrows
        .iter()
        .map(|a| a.label.chars().count())
        .max()
        .unwrap_or(0);
    let gap = MIN_GAP.max(longest as f32 * CHAR_W + 40.0);
    let server_x = CLIENT_X + gap;
    let width = server_x + 170.0;
    let height = TOP_Y + ROW_H * arrows.len() as f32 + 20.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"13\">\n\
         <title>{t}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <defs>{c}{s}</defs>\n",
        t = esc(title),
        c = marker("to-server", CLIENT_COLOUR),
        s = marker("to-client", SERVER_COLOUR),
    );
    let lane_bottom = height - 10.0;
    for (x, name) in [(CLIENT_X, &client), (server_x, &server)] {
        let _ = writeln!(
            out,
            "<text x=\"{x:.0}\" y=\"28\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n\
             <line x1=\"{x:.0}\" y1=\"40\" x2=\"{x:.0}\" y2=\"{lane_bottom:.0}\" stroke=\"#555\" \
             stroke-width=\"3\"/>",
            esc(name)
        );
    }
    for (i, a) in arrows.iter().enumerate() {
        let y = TOP_Y + ROW_H * i as f32;
        let (x1, x2, colour, head) = if a.to_server {
            (CLIENT_X, server_x, CLIENT_COLOUR, "to-server")
        } else {
            (server_x, CLIENT_X, SERVER_COLOUR, "to-client")
        };
        let mid = f32::midpoint(CLIENT_X, server_x);
        let _ = writeln!(
            out,
            "<g class=\"arrow\" data-frame=\"{f}\">\
             <text x=\"8\" y=\"{ty:.0}\" fill=\"#444\">#{f} {time}</text>\
             <line x1=\"{x1:.0}\" y1=\"{y:.0}\" x2=\"{x2:.0}\" y2=\"{y2:.0}\" stroke=\"{colour}\" \
             stroke-width=\"2.5\" marker-end=\"url(#{head})\"/>\
             <text x=\"{mid:.0}\" y=\"{ly:.0}\" text-anchor=\"middle\" fill=\"{colour}\">{label}</text>\
             </g>",
            f = a.frame,
            time = esc(&a.time),
            ty = y + 10.0,
            y2 = y + 12.0,
            ly = y - 4.0,
            label = esc(&a.label),
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::FileReader;
    use crate::pipeline::process_all;

    #[test]
    fn one_arrow_per_frame_in_the_direction_it_travelled() {
        let path =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures/handshake.pcapng");
        let model = process_all(FileReader::open(&path).unwrap());
        let svg = ladder_svg(&model, &[1, 2, 3], "The TCP <handshake>");
        assert_eq!(svg.matches("class=\"arrow\"").count(), 3);
        assert!(svg.contains("The TCP &lt;handshake&gt;"));
        // The SYN goes right (client lane to server lane), the SYN-ACK left.
        let x1 = |frame: u64| {
            let g = svg
                .split("<g class=\"arrow\" ")
                .find(|g| g.starts_with(&format!("data-frame=\"{frame}\"")))
                .unwrap();
            let at = g.find("x1=\"").unwrap() + 4;
            g[at..].split('"').next().unwrap().parse::<f32>().unwrap()
        };
        assert!((x1(1) - CLIENT_X).abs() < 0.5);
        assert!(x1(2) > CLIENT_X);
        assert!(svg.contains(&*model.step_label(&model.steps[0])));
    }
}
