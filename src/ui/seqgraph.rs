//! The time-sequence graph of the shown connection (Stevens / tcptrace style): each segment a
//! vertical arrow from its first to its last sequence number at the time it was sent, the other
//! side's acknowledgements as a staircase beside them (an ACK holds until the next one), the
//! current packet marked; clicking a segment selects its packet.

use egui_plot::{Arrows, Corner, Legend, Line, MarkerShape, Plot, PlotPoint, Points};

use crate::model::{Direction, LossMark, Model};

use super::action::Action;
use super::app::App;

/// Points of one connection, built incrementally (never per frame).
#[derive(Debug, Default)]
pub struct SeqCache {
    stream: Option<u32>,
    /// Packets of the connection taken in.
    scanned: usize,
    /// Per direction: (time s, next relative seq) of each segment.
    pub seq: [Vec<PlotPoint>; 2],
    /// Per direction: (time s, relative seq) where each segment that carries sequence space
    /// (data, SYN or FIN) starts; `seq_tips` holds where it ends.
    pub seq_bases: [Vec<PlotPoint>; 2],
    pub seq_tips: [Vec<PlotPoint>; 2],
    /// Per direction: packet index of each `seq_bases`/`seq_tips` point.
    pub base_packets: [Vec<usize>; 2],
    /// Per direction: the acknowledgements *of* that direction's bytes (sent the other way), as
    /// a staircase: each ACK is a step up from the previous value at its time.
    pub acks: [Vec<PlotPoint>; 2],
    /// Per direction: packet index of each `acks` point.
    pub ack_packets: [Vec<usize>; 2],
    /// Per direction: packet index of each `seq` point.
    pub packets: [Vec<usize>; 2],
    /// Loss marks, per direction of the bytes concerned: resends (at their time and first
    /// sequence number), copies a resend replaced, and duplicate ACKs (at their ACK number).
    pub loss: [LossPoints; 2],
}

/// Points that mark loss on the graph, each with the packet that reveals it (a lost copy is
/// known when its resend arrives), in packet order.
#[derive(Debug, Default)]
pub struct LossPoints {
    pub resends: Vec<PlotPoint>,
    pub resend_packets: Vec<usize>,
    pub lost: Vec<PlotPoint>,
    pub lost_packets: Vec<usize>,
    pub dup_acks: Vec<PlotPoint>,
    pub dup_ack_packets: Vec<usize>,
}

impl SeqCache {
    // The values compared are whole sequence numbers and times of the same packets, exact in f64.
    #[allow(clippy::float_cmp)]
    pub fn update(&mut self, model: &Model, stream: Option<u32>) {
        let packets = stream.map_or(&[][..], |s| model.stream_packets(s));
        if stream != self.stream || self.scanned > packets.len() {
            *self = Self {
                stream,
                ..Self::default()
            };
        }
        let Some(stream) = stream else { return };
        let first_ts = model
            .connections
            .get(stream as usize)
            .map_or(0, |c| c.first_ts_ns);
        for &i in packets.iter().skip(self.scanned) {
            let i = i as usize;
            let Some(record) = model.packets.get(i) else {
                continue;
            };
            let Some(seg) = record.seg.as_ref().filter(|s| s.stream == stream) else {
                continue;
            };
            let t = (record.packet.ts_ns - first_ts) as f64 / 1e9;
            let d = seg.direction.index();
            self.seq[d].push(PlotPoint::new(t, f64::from(seg.next_rel_seq)));
            self.packets[d].push(i);
            if seg.next_rel_seq != seg.rel_seq {
                self.seq_bases[d].push(PlotPoint::new(t, f64::from(seg.rel_seq)));
                self.seq_tips[d].push(PlotPoint::new(t, f64::from(seg.next_rel_seq)));
                self.base_packets[d].push(i);
            }
            self.add_loss(model, i, t, first_ts);
            if record
                .packet
                .tcp
                .as_ref()
                .is_some_and(|t| t.has(crate::model::flags::ACK))
            {
                let r = seg.direction.reverse().index();
                let (acks, ack_packets) = (&mut self.acks[r], &mut self.ack_packets[r]);
                let ack = f64::from(seg.rel_ack);
                // Only corners: repeated points make the line's outline fold over itself.
                match acks.last().copied() {
                    Some(last) if last.y == ack => {}
                    Some(last) => {
                        if last.x != t {
                            acks.push(PlotPoint::new(t, last.y));
                            ack_packets.push(i);
                        }
                        acks.push(PlotPoint::new(t, ack));
                        ack_packets.push(i);
                    }
                    None => {
                        acks.push(PlotPoint::new(t, ack));
                        ack_packets.push(i);
                    }
                }
            }
        }
        self.scanned = packets.len();
    }

    /// The loss marks of packet `i` (at `t` seconds).
    fn add_loss(&mut self, model: &Model, i: usize, t: f64, first_ts: i64) {
        let Some(record) = model.packets.get(i) else {
            return;
        };
        let (Some(seg), Some(step)) = (
            record.seg.as_ref(),
            record.step().and_then(|s| model.steps.get(s)),
        ) else {
            return;
        };
        let Some(mark) = step.loss() else { return };
        match mark {
            LossMark::Resend { .. } => {
                let points = &mut self.loss[seg.direction.index()];
                points
                    .resends
                    .push(PlotPoint::new(t, f64::from(seg.rel_seq)));
                points.resend_packets.push(i);
                if let Some(copy) = mark.lost_copy()
                    && let Some(lost) = model.packets.get(copy.index).and_then(|r| r.seg.as_ref())
                {
                    let lost_t = (copy.ts_ns - first_ts) as f64 / 1e9;
                    points
                        .lost
                        .push(PlotPoint::new(lost_t, f64::from(lost.rel_seq)));
                    points.lost_packets.push(i);
                }
            }
            LossMark::DupAck { ack, .. } => {
                // Drawn with the bytes it asks for: the other direction's.
                let points = &mut self.loss[seg.direction.reverse().index()];
                points.dup_acks.push(PlotPoint::new(t, f64::from(ack)));
                points.dup_ack_packets.push(i);
            }
        }
    }

    /// The packet whose point is nearest to `at`, in screen distance given by `dist`, among
    /// the packets up to `horizon` (all with `None`).
    pub fn nearest(
        &self,
        dist: impl Fn(&PlotPoint) -> f32,
        horizon: Option<usize>,
    ) -> Option<(usize, f32)> {
        self.seq
            .iter()
            .zip(&self.packets)
            .flat_map(|(pts, idx)| pts.iter().zip(idx))
            .filter(|(_, i)| horizon.is_none_or(|h| **i <= h))
            .map(|(p, &i)| (i, dist(p)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// How many points of each series (direction `d`) belong to packets up to `horizon`.
    fn shown(&self, d: usize, horizon: Option<usize>) -> Shown {
        let upto = |packets: &[usize]| {
            horizon.map_or(packets.len(), |h| packets.partition_point(|&i| i <= h))
        };
        Shown {
            seq: upto(&self.packets[d]),
            bases: upto(&self.base_packets[d]),
            acks: upto(&self.ack_packets[d]),
        }
    }
}

/// The first `n` points of `points` (all of them if there are fewer).
fn prefix(points: &[PlotPoint], n: usize) -> &[PlotPoint] {
    points.get(..n).unwrap_or(points)
}

/// Prefix lengths of one direction's series (hide-future replay shows only the packets reached).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shown {
    seq: usize,
    bases: usize,
    acks: usize,
}

pub fn seqgraph_ui(ui: &mut egui::Ui, app: &mut App, actions: &mut Vec<Action>) {
    let stream = app.view.ladder.stream;
    app.view.seq.update(&app.model, stream);
    let palette = app.palette();
    let cache = &app.view.seq;
    let horizon = app.horizon();
    let current = app.selected.and_then(|i| {
        let r = app.model.packets.get(i)?;
        let seg = r.seg.as_ref().filter(|s| Some(s.stream) == stream)?;
        let first_ts = app.model.connections.get(seg.stream as usize)?.first_ts_ns;
        Some(PlotPoint::new(
            (r.packet.ts_ns - first_ts) as f64 / 1e9,
            f64::from(seg.next_rel_seq),
        ))
    });
    if let Some(s) = stream {
        ui.label(
            egui::RichText::new(format!(
                "Time-sequence graph of {}",
                app.view.overview.name(s)
            ))
            .color(palette.weak_text),
        );
    }
    let response = Plot::new(("seqgraph", stream))
        .legend(Legend::default().position(Corner::LeftTop))
        .x_axis_label("time since the first packet (s)")
        .y_axis_label("relative sequence number")
        .allow_boxed_zoom(true)
        .show(ui, |plot| {
            for (d, name, colour) in [
                (Direction::ClientToServer, "client → server", palette.client),
                (Direction::ServerToClient, "server → client", palette.server),
            ] {
                let i = d.index();
                let shown = cache.shown(i, horizon);
                plot.arrows(
                    Arrows::new(
                        format!("{name} segments"),
                        prefix(&cache.seq_bases[i], shown.bases),
                        prefix(&cache.seq_tips[i], shown.bases),
                    )
                    .color(colour)
                    .tip_length(6.0),
                );
                plot.points(
                    Points::new(format!("{name} segments"), prefix(&cache.seq[i], shown.seq))
                        .color(colour)
                        .radius(2.5),
                );
                plot.line(
                    Line::new(format!("{name} acked"), prefix(&cache.acks[i], shown.acks))
                        .color(colour.gamma_multiply(0.5))
                        // A staircase has vertical rises; egui_plot's band shortcut for dense
                        // lines would fill between them.
                        .allow_band(false),
                );
            }
            for d in [Direction::ClientToServer, Direction::ServerToClient] {
                loss_points_ui(plot, &cache.loss[d.index()], horizon, palette);
            }
            if let Some(p) = current {
                plot.points(
                    Points::new("current packet", vec![[p.x, p.y]])
                        .shape(MarkerShape::Diamond)
                        .radius(9.0)
                        .color(palette.accent),
                );
            }
        });
    let t = &response.transform;
    if response.response.clicked()
        && let Some(pos) = response.response.interact_pointer_pos()
        && let Some((index, d)) = cache.nearest(|p| t.position_from_point(p).distance(pos), horizon)
        && d < 20.0
    {
        actions.push(Action::SelectPacket(index));
    }
}

/// The loss marks of one direction, up to `horizon`: big enough to see at full scale, in the
/// theme's loss colours, each kind with its legend entry.
fn loss_points_ui<'a>(
    plot: &mut egui_plot::PlotUi<'a>,
    points: &'a LossPoints,
    horizon: Option<usize>,
    palette: super::theme::Palette,
) {
    let upto =
        |packets: &[usize]| horizon.map_or(packets.len(), |h| packets.partition_point(|&i| i <= h));
    for (name, series, packets, shape, colour) in [
        (
            "lost copies",
            &points.lost,
            &points.lost_packets,
            MarkerShape::Cross,
            palette.lost,
        ),
        (
            "retransmissions",
            &points.resends,
            &points.resend_packets,
            MarkerShape::Diamond,
            palette.resend,
        ),
        (
            "duplicate ACKs",
            &points.dup_acks,
            &points.dup_ack_packets,
            MarkerShape::Square,
            palette.dup_ack,
        ),
    ] {
        if series.is_empty() {
            continue;
        }
        plot.points(
            Points::new(name, prefix(series, upto(packets)))
                .shape(shape)
                .radius(7.0)
                .filled(shape != MarkerShape::Square)
                .color(colour),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::fixture;

    #[test]
    #[allow(clippy::float_cmp)] // whole sequence numbers and the same times, exact in f64
    fn points_per_direction_and_acks() {
        let m = fixture::conversation();
        let mut c = SeqCache::default();
        c.update(&m, Some(0));
        assert_eq!(c.seq[0].len() + c.seq[1].len(), m.packets.len());
        assert_eq!(c.packets[0][0], 0);
        assert!(
            c.acks[0].len() >= 4,
            "the server acknowledges the client's bytes"
        );
        // Every segment that uses sequence space has an arrow from its first to its next seq.
        for d in 0..2 {
            assert_eq!(c.seq_bases[d].len(), c.seq_tips[d].len());
            assert!(!c.seq_bases[d].is_empty(), "SYN and data in direction {d}");
            for (b, t) in c.seq_bases[d].iter().zip(&c.seq_tips[d]) {
                assert!(b.x == t.x && b.y < t.y, "{b:?} → {t:?}");
            }
            // The ACK line is a staircase: x never goes back, and each rise is vertical.
            for w in c.acks[d].windows(2) {
                assert!(w[0].x <= w[1].x);
                assert_ne!(w[0], w[1], "no repeated points");
                assert!(
                    w[0].y == w[1].y || w[0].x == w[1].x,
                    "{:?} → {:?}",
                    w[0],
                    w[1]
                );
            }
        }
        // A click lands on the segment nearest to it.
        let target = c.seq[1][1];
        let nearest = c.nearest(
            |p| ((p.x - target.x).abs() + (p.y - target.y).abs()) as f32,
            None,
        );
        assert_eq!(nearest.map(|n| n.0), Some(c.packets[1][1]));
        // Hiding what comes next: only the packets reached so far are drawn.
        let horizon = c.packets[1][1];
        for d in 0..2 {
            let shown = c.shown(d, Some(horizon));
            assert!(c.packets[d][..shown.seq].iter().all(|&i| i <= horizon));
            assert!(c.packets[d][shown.seq..].iter().all(|&i| i > horizon));
            assert_eq!(c.base_packets[d].len(), c.seq_bases[d].len());
            assert_eq!(c.ack_packets[d].len(), c.acks[d].len());
            assert!(c.ack_packets[d][shown.acks..].iter().all(|&i| i > horizon));
        }
        let again = c.seq[0].len();
        c.update(&m, Some(0));
        assert_eq!(c.seq[0].len(), again, "incremental: nothing added twice");
    }

    #[test]
    fn loss_marks_follow_the_model() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/loss_netem.pcapng");
        let m = crate::pipeline::process_bytes(&std::fs::read(&path).unwrap());
        let mut c = SeqCache::default();
        c.update(&m, Some(0));
        let count = |f: &dyn Fn(&LossPoints) -> usize| c.loss.iter().map(f).sum::<usize>();
        let resends = m
            .steps
            .iter()
            .filter(|s| matches!(s.loss(), Some(LossMark::Resend { .. })))
            .count();
        let dups = m
            .steps
            .iter()
            .filter(|s| matches!(s.loss(), Some(LossMark::DupAck { .. })))
            .count();
        let lost = m.steps.iter().filter(|s| s.lost().is_some()).count();
        let out_of_order_copies = m
            .steps
            .iter()
            .filter(|s| {
                matches!(
                    s.loss(),
                    Some(LossMark::Resend {
                        kind: crate::model::ResendKind::OutOfOrder,
                        ..
                    })
                )
            })
            .count();
        // tshark: 23 retransmissions, 5 out-of-order segments (each a copy of a captured
        // packet) and 24 duplicate ACKs.
        assert_eq!((resends, out_of_order_copies, dups), (28, 5, 24));
        assert_eq!(count(&|p| p.resends.len()), resends);
        assert_eq!(count(&|p| p.dup_acks.len()), dups);
        assert_eq!(count(&|p| p.lost.len()), lost);
        assert!(lost >= 15, "{lost} lost copies");
        for p in &c.loss {
            assert_eq!(p.resends.len(), p.resend_packets.len());
            assert_eq!(p.lost.len(), p.lost_packets.len());
            assert!(p.resend_packets.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
