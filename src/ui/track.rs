//! The steps playback walks: every step of the capture, or only those of the connection the
//! teacher follows ("follow this connection"). Step, Back, Play, Home/End, the phase jumps and
//! the timeline all move along a track, so none of them can wander into another connection.

use crate::model::{Chunked, Model, Step, StepKind};

/// An ordered set of step indices (into `Model::steps`), without copying them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track<'a> {
    /// Steps `0..n`.
    All(usize),
    /// These steps, ascending (one connection's, from `Model::stream_steps`).
    Only(&'a [u32]),
}

impl<'a> Track<'a> {
    /// All steps of `model`, or only those of connection `follow`.
    pub fn of(model: &'a Model, follow: Option<u32>) -> Self {
        match follow {
            Some(stream) => Self::Only(model.stream_steps(stream)),
            None => Self::All(model.steps.len()),
        }
    }

    pub fn len(self) -> usize {
        match self {
            Self::All(n) => n,
            Self::Only(steps) => steps.len(),
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The step at `position` along the track.
    pub fn get(self, position: usize) -> Option<usize> {
        match self {
            Self::All(n) => (position < n).then_some(position),
            Self::Only(steps) => steps.get(position).map(|&s| s as usize),
        }
    }

    pub fn first(self) -> Option<usize> {
        self.get(0)
    }

    pub fn last(self) -> Option<usize> {
        self.len().checked_sub(1).and_then(|p| self.get(p))
    }

    /// How many steps of the track come before `step` (its position, if it is on the track).
    pub fn rank(self, step: usize) -> usize {
        match self {
            Self::All(n) => step.min(n),
            Self::Only(steps) => steps.partition_point(|&s| (s as usize) < step),
        }
    }

    /// The position of `step`, if it is on the track.
    pub fn position(self, step: usize) -> Option<usize> {
        let rank = self.rank(step);
        (self.get(rank) == Some(step)).then_some(rank)
    }

    pub fn contains(self, step: usize) -> bool {
        self.position(step).is_some()
    }

    /// The first step of the track after `step`.
    pub fn after(self, step: usize) -> Option<usize> {
        self.get(self.rank(step + 1))
    }

    /// The last step of the track before `step`.
    pub fn before(self, step: usize) -> Option<usize> {
        self.rank(step).checked_sub(1).and_then(|p| self.get(p))
    }

    /// The steps of the track from position `from` on.
    fn from(self, from: usize) -> impl Iterator<Item = usize> {
        (from..self.len()).filter_map(move |p| self.get(p))
    }

    /// Where "Next phase" lands from `current`: the first step of the next phase of the same
    /// connection, skipping a plain ACK at its start (the ACK of a 101 already belongs to
    /// "WebSocket messages", but the phase is about the frames).
    pub fn next_phase(self, steps: &Chunked<Step>, current: usize) -> Option<usize> {
        let here = steps.get(current)?;
        let start = self.from(self.rank(current + 1)).find(|&i| {
            steps
                .get(i)
                .is_some_and(|s| s.stream == here.stream && s.phase != here.phase)
        })?;
        Some(self.landing(steps, start))
    }

    /// Where "Previous phase" lands from `current`: the start of its own phase when it is past
    /// it, else the start of the phase before (with Next phase's rule for a leading plain ACK).
    pub fn previous_phase(self, steps: &Chunked<Step>, current: usize) -> Option<usize> {
        let stream = steps.get(current)?.stream;
        let here = self.landing(steps, self.phase_start(steps, current));
        if here < current {
            return Some(here);
        }
        let start = self.phase_start(steps, current);
        let before = (0..self.rank(start))
            .rev()
            .filter_map(|p| self.get(p))
            .find(|&i| steps.get(i).is_some_and(|s| s.stream == stream))?;
        Some(self.landing(steps, self.phase_start(steps, before)))
    }

    /// The first step of the run of same-phase steps of its connection that `step` is in.
    fn phase_start(self, steps: &Chunked<Step>, step: usize) -> usize {
        let Some(here) = steps.get(step) else {
            return step;
        };
        let mut start = step;
        for i in (0..self.rank(step)).rev().filter_map(|p| self.get(p)) {
            match steps.get(i) {
                Some(s) if s.stream != here.stream => {}
                Some(s) if s.phase == here.phase => start = i,
                _ => break,
            }
        }
        start
    }

    /// Where a phase that starts at `start` is shown from: its first step that is not a plain
    /// ACK, or `start` when it has only ACKs.
    fn landing(self, steps: &Chunked<Step>, start: usize) -> usize {
        let Some(first) = steps.get(start) else {
            return start;
        };
        self.from(self.rank(start))
            .filter(|&i| steps.get(i).is_some_and(|s| s.stream == first.stream))
            .take_while(|&i| steps.get(i).is_some_and(|s| s.phase == first.phase))
            .find(|&i| steps.get(i).is_some_and(|s| s.kind != StepKind::Ack))
            .unwrap_or(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::fixture;
    use crate::model::Phase;

    #[test]
    fn a_connections_track_moves_only_over_its_steps() {
        let only = [2u32, 5, 9];
        let t = Track::Only(&only);
        assert_eq!((t.first(), t.last(), t.len()), (Some(2), Some(9), 3));
        assert_eq!(t.after(2), Some(5));
        assert_eq!(t.after(3), Some(5), "from a step of another connection");
        assert_eq!(t.after(9), None);
        assert_eq!(t.before(5), Some(2));
        assert_eq!(t.before(2), None);
        assert_eq!(t.position(5), Some(1));
        assert_eq!(t.position(4), None);
        let all = Track::All(4);
        assert_eq!(
            (all.after(1), all.after(3), all.before(0)),
            (Some(2), None, None)
        );
        assert_eq!(all.position(3), Some(3));
    }

    #[test]
    fn next_phase_skips_the_ack_that_opens_websocket_messages() {
        let m = fixture::conversation();
        let track = Track::All(m.steps.len());
        let mut at = 0;
        let mut visited = vec![(m.steps[0].phase, m.steps[0].kind)];
        while let Some(next) = track.next_phase(&m.steps, at) {
            assert!(next > at);
            at = next;
            visited.push((m.steps[at].phase, m.steps[at].kind));
        }
        let phases: Vec<Phase> = visited.iter().map(|v| v.0).collect();
        assert_eq!(
            phases,
            [
                Phase::TcpHandshake,
                Phase::HttpUpgrade,
                Phase::WebSocket,
                Phase::Teardown
            ]
        );
        for (phase, kind) in &visited {
            assert_ne!(*kind, StepKind::Ack, "{phase:?} opened on a plain ACK");
        }
        // And back again, phase by phase, to the SYN.
        let mut back = vec![at];
        while let Some(prev) = track.previous_phase(&m.steps, at) {
            assert!(prev < at);
            at = prev;
            back.push(at);
        }
        assert_eq!(m.steps[at].kind, StepKind::Syn);
        assert_eq!(back.len(), visited.len());
    }
}
