//! Loss in sentences: a resend (which packet it copies, how long the sender waited, and why it
//! sent again), a duplicate ACK (what it asks for), and a copy that a later resend replaced.

use std::fmt::Write as _;

use super::steps::Narration;
use super::teardown::capitalise;
use crate::flow::Direction;
use crate::model::step::ordinal;
use crate::model::timefmt::offset_text;
use crate::model::{LossMark, ResendKind, Sent, Step};

fn who(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::ClientToServer => ("the client", "the server"),
        Direction::ServerToClient => ("the server", "the client"),
    }
}

/// The bytes a segment carries, "bytes 1 to 1448", or "its SYN" for a segment without payload.
fn what_bytes(rel_seq: u32, payload: u32, syn: bool) -> String {
    if payload == 0 {
        if syn { "its SYN" } else { "its FIN" }.to_string()
    } else {
        format!(
            "bytes {rel_seq} to {}",
            rel_seq.saturating_add(payload).saturating_sub(1)
        )
    }
}

/// What a resend's sender does and why: two or three sentences with the packet numbers.
/// `payload` is the segment's TCP payload length.
pub fn resend_sentences(
    step: &Step,
    mark: &LossMark,
    (rel_seq, payload, syn, ts_ns): (u32, u32, bool, i64),
) -> Option<String> {
    let LossMark::Resend {
        kind,
        original,
        previous,
        copy,
    } = mark
    else {
        return None;
    };
    let (sender, receiver) = who(step.direction);
    let bytes = what_bytes(rel_seq, payload, syn);
    let (subject, object) = if payload == 0 {
        ("it", "it")
    } else {
        ("they", "them")
    };
    let Some(original) = original else {
        return Some(format!(
            "{} sends {bytes} again (a retransmission), but this capture never saw the first \
             copy: it was lost before it reached the point where the capture was taken. TCP \
             resends a segment that was lost or not acknowledged in time.",
            capitalise(sender)
        ));
    };
    let wait = offset_text(ts_ns - original.ts_ns, 3);
    let first = format!(
        "{} sends {bytes} again: {subject} first went out in packet #{}, {wait} earlier.",
        capitalise(sender),
        original.packet
    );
    let why = match kind {
        ResendKind::Timeout => format!(
            "{} got no acknowledgement for {object} in time{}, so it took {object} for lost: \
             TCP resends a segment that was lost or not acknowledged in time.",
            capitalise(sender),
            if payload == 0 {
                ""
            } else {
                " (or only acknowledgements showing that later bytes arrived but not these)"
            }
        ),
        ResendKind::Fast => format!(
            "{} sent duplicate ACKs asking for byte {rel_seq}: later segments arrived but this \
             one did not. After duplicate ACKs TCP resends at once, without waiting for its \
             timer (a fast retransmission).",
            capitalise(receiver)
        ),
        ResendKind::Spurious => format!(
            "The capture already shows {receiver} acknowledging these bytes, so the first copy \
             did arrive: the acknowledgement was lost or came too late for {sender}. This copy \
             is not needed, and {receiver} drops it."
        ),
        ResendKind::OutOfOrder => format!(
            "Wireshark calls it out of order, because it came less than one round trip after \
             the newest segment; but packet #{} already carried the same bytes, so this is a \
             resend of a copy that was lost or not acknowledged in time.",
            original.packet
        ),
    };
    let mut text = format!("{first} {why}");
    if *copy > 1
        && let Some(p) = previous
    {
        let _ = write!(
            text,
            " It is the {} resend of these bytes: packet #{}, the one before, got no \
             acknowledgement in time either.",
            ordinal(*copy),
            p.packet
        );
    }
    Some(text)
}

/// The narration of a resend that carries nothing new for the application.
pub fn resend(step: &Step, mark: &LossMark, facts: (u32, u32, bool, i64)) -> Option<Narration> {
    let body = resend_sentences(step, mark, facts)?;
    let (_, receiver) = who(step.direction);
    Some(Narration {
        // The step's label: the caller, which has the packet's row, sets it.
        headline: String::new(),
        body,
        next: Some(format!(
            "{} puts the bytes in their place by their sequence numbers (dropping any copy it \
             already has) and acknowledges them.",
            capitalise(receiver)
        )),
        analogy: Some(
            "Like a numbered postcard sent again because no reply came: the reader files it by \
             its number and throws away a second copy."
                .into(),
        ),
    })
}

/// The narration of a duplicate ACK: what it asks for.
pub fn dup_ack(step: &Step, mark: &LossMark) -> Option<Narration> {
    let LossMark::DupAck { ack, repeats, num } = *mark else {
        return None;
    };
    let (sender, receiver) = who(step.direction);
    let first = repeats.map_or_else(String::new, |p| format!(", first in packet #{p}"));
    Some(Narration {
        // The step's label: the caller, which has the packet's row, sets it.
        headline: String::new(),
        body: format!(
            "{} sends ack={ack} again: the {} time it sends this number{first}. It says \"I \
             still miss the bytes starting at {ack}\": later segments arrived (a receiver \
             answers each segment that arrives out of order at once), but the one starting \
             at byte {ack} did not.",
            capitalise(sender),
            ordinal(num.saturating_add(1)),
        ),
        next: Some(format!(
            "{} resends the bytes from {ack} on: at once after duplicate ACKs (a fast \
             retransmission), or when its retransmission timer runs out.",
            capitalise(receiver)
        )),
        analogy: None,
    })
}

/// What the narration of a copy that a later packet resent adds: it was lost (or not
/// acknowledged in time), and which packet replaced it.
pub fn lost_sentence(step: &Step, ts_ns: i64, resend: Sent, kind: ResendKind, syn: bool) -> String {
    let (_, receiver) = who(step.direction);
    let same = if syn {
        "the same SYN"
    } else {
        "the same bytes"
    };
    let later = offset_text(resend.ts_ns - ts_ns, 3);
    match kind {
        ResendKind::Fast => format!(
            "This copy was lost on the way: {receiver} never got it and asked for it again with \
             duplicate ACKs, and packet #{} sends {same} {later} later.",
            resend.packet
        ),
        _ => format!(
            "This copy got no acknowledgement in time (it was lost, or its acknowledgement was): \
             packet #{} sends {same} again {later} later.",
            resend.packet
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_read_as_english() {
        let names: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            names,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"
            ]
        );
    }

    #[test]
    fn bytes_name_their_range_or_the_flag() {
        assert_eq!(what_bytes(1, 1448, false), "bytes 1 to 1448");
        assert_eq!(what_bytes(0, 0, true), "its SYN");
    }
}
