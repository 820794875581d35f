//! Bug 3 of issue 13, in the model and the narration: on captures with real loss a resend is
//! labelled "Retransmission of #N (after …)" and told as a resend, never as "more bytes of a
//! frame too big for one segment"; a duplicate ACK says what it asks for; no packet is both
//! "already acknowledged" and "not acknowledged in time"; a copy a resend replaced says so.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use osiscope::capture::FileReader;
use osiscope::lesson::{self, Severity};
use osiscope::model::{LossMark, Model, ResendKind, StepKind};

fn model(name: &str) -> Model {
    osiscope::pipeline::process_all(FileReader::open(&common::captures_dir().join(name)).unwrap())
}

fn step_of(m: &Model, packet: u64) -> usize {
    m.packets[packet as usize - 1].step().unwrap()
}

#[test]
fn a_resend_names_the_packet_it_copies_and_the_wait() {
    let m = model("edge_retransmissions.pcapng");
    // tshark: #105 is a retransmission of seq 34732, first sent in #100, 45.678 µs earlier
    // (tcp.analysis.rto 0.000045678, rto_frame 100).
    let i = step_of(&m, 105);
    let step = &m.steps[i];
    assert_eq!(
        m.step_label(step),
        "Retransmission of #100 (after 45.678 µs)"
    );
    assert_eq!(step.kind, StepKind::Data);
    let n = lesson::narrate_in(&m, i).unwrap();
    assert_eq!(n.headline, m.step_label(step));
    assert!(
        n.body
            .starts_with("The client sends bytes 34732 to 36179 again: they first went out in packet #100, 45.678 µs earlier."),
        "{}",
        n.body
    );
    assert!(
        n.body.contains("lost or not acknowledged in time"),
        "{}",
        n.body
    );
    for wrong in ["too big for one segment", "more bytes of a WebSocket frame"] {
        assert!(
            !n.body.contains(wrong) && !n.headline.contains(wrong),
            "{n:?}"
        );
    }
    // The copy it replaces says it was not acknowledged in time, and which packet resent it.
    let lost = &m.steps[step_of(&m, 100)];
    assert_eq!(lost.lost().map(|s| s.packet), Some(105));
    let n = lesson::narrate_in(&m, step_of(&m, 100)).unwrap();
    assert!(
        n.body
            .contains("packet #105 sends the same bytes again 45.678 µs later"),
        "{}",
        n.body
    );
}

#[test]
fn a_fast_retransmission_says_the_receiver_asked_for_it() {
    let m = model("edge_retransmissions.pcapng");
    // tshark: #116 is a fast retransmission of seq 31692 after Dup ACKs 110#1 (#113) and 110#2
    // (#115); #108 carried seq 31692 first.
    let step = &m.steps[step_of(&m, 116)];
    assert!(
        m.step_label(step)
            .starts_with("Fast retransmission of #108 (after "),
        "{}",
        m.step_label(step)
    );
    let n = lesson::narrate_in(&m, step_of(&m, 116)).unwrap();
    assert!(
        n.body.contains("sent duplicate ACKs asking for byte 31692"),
        "{}",
        n.body
    );
    let dup = &m.steps[step_of(&m, 115)];
    assert_eq!(
        m.step_label(dup),
        "Dup ACK ack=31692 (repeats #110, 3rd time)"
    );
    assert_eq!(
        dup.loss(),
        Some(LossMark::DupAck {
            ack: 31692,
            repeats: Some(110),
            num: 2
        })
    );
    let n = lesson::narrate_in(&m, step_of(&m, 115)).unwrap();
    assert_eq!(n.headline, m.step_label(dup));
    assert!(!n.headline.contains("got it"), "{}", n.headline);
    assert!(
        n.body
            .contains("\"I still miss the bytes starting at 31692\""),
        "{}",
        n.body
    );
    assert!(n.body.contains("first in packet #110"), "{}", n.body);
    // The copy the fast retransmission replaced was lost on the way.
    let n = lesson::narrate_in(&m, step_of(&m, 108)).unwrap();
    assert!(
        n.body.contains("This copy was lost on the way"),
        "{}",
        n.body
    );
}

#[test]
fn no_packet_is_both_already_acknowledged_and_not_acknowledged_in_time() {
    let m = model("loss_netem.pcapng");
    let mut spurious = 0;
    for (i, step) in m.steps.iter().enumerate() {
        let row = &m.packets[step.packet_index()];
        let said: Vec<String> = lesson::problems(row)
            .into_iter()
            .filter(|p| p.severity == Severity::Warning)
            .map(|p| p.sentence)
            .collect();
        let text = said.join(" ");
        assert!(
            !(text.contains("already acknowledged") && text.contains("not acknowledged in time")),
            "#{}: {text}",
            row.packet.number()
        );
        if let Some(LossMark::Resend {
            kind: ResendKind::Spurious,
            ..
        }) = step.loss()
        {
            spurious += 1;
            assert!(
                text.contains("already acknowledged"),
                "#{}: {text}",
                row.packet.number()
            );
            let n = lesson::narrate_in(&m, i).unwrap();
            assert!(!n.body.contains("not acknowledged in time"), "{}", n.body);
            assert!(n.body.contains("the first copy did arrive"), "{}", n.body);
        }
    }
    // tshark: 2 spurious retransmissions (#161, #254).
    assert_eq!(spurious, 2);
}

#[test]
fn a_second_resend_names_the_first_copy_and_the_one_before() {
    let m = model("loss_netem.pcapng");
    // tshark: the server sent seq 24128 (108 bytes) in #86, resent it in #88 and again in #89
    // (rto_frame 86 for both): the timer doubles, 206 ms then 414 ms after the first copy.
    let first = &m.steps[step_of(&m, 88)];
    assert_eq!(
        m.step_label(first),
        "Retransmission of #86 (after 205.829 ms)"
    );
    let second = &m.steps[step_of(&m, 89)];
    assert_eq!(
        m.step_label(second),
        "Retransmission of #86 (after 413.810 ms)"
    );
    assert_eq!(m.steps[step_of(&m, 86)].lost().map(|s| s.packet), Some(88));
    assert_eq!(first.lost().map(|s| s.packet), Some(89));
    let n = lesson::narrate_in(&m, step_of(&m, 89)).unwrap();
    assert!(
        n.body
            .contains("It is the 2nd resend of these bytes: packet #88, the one before"),
        "{}",
        n.body
    );
}

/// `loss_netem` without packet `dropped`: a capture that has only the resend.
pub fn without(dropped: u64) -> Model {
    let frames = FileReader::open(&common::captures_dir().join("loss_netem.pcapng"))
        .unwrap()
        .filter(|f| f.as_ref().map_or(true, |f| f.number != dropped));
    osiscope::pipeline::process_all(frames)
}

#[test]
fn a_resend_whose_first_copy_was_never_captured_says_so() {
    // tshark: #178 resends seq 51332, first sent in #171. Without #171 the capture has only
    // the resend.
    let m = without(171);
    let i = m
        .packets
        .iter()
        .position(|r| r.packet.number() == 178)
        .unwrap();
    let step = &m.steps[m.packets[i].step().unwrap()];
    assert!(
        matches!(step.loss(), Some(LossMark::Resend { original: None, .. })),
        "{:?}",
        step.loss()
    );
    assert!(
        m.step_label(step)
            .starts_with("Retransmission (first copy never seen)"),
        "{}",
        m.step_label(step)
    );
    let n = lesson::narrate_in(&m, m.packets[i].step().unwrap()).unwrap();
    assert!(
        n.body.starts_with("The client sends bytes 51332 to 52779 again (a retransmission), but this capture never saw the first copy"),
        "{}",
        n.body
    );
}
