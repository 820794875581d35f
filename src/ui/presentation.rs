//! Presentation mode's rule for text: shown whole or said another way, never cut with "…"
//! (a class cannot hover for the rest). Here: a ladder label whose quoted message the model
//! cut is written with the whole message when it fits the row, or with its length.

use std::borrow::Cow;

use crate::model::PacketRow;

/// A step's `label` without a cut quote (`row`: the step's packet): the whole kept text if
/// `fits` it, else its length.
pub fn whole_label<'a>(
    label: Cow<'a, str>,
    row: Option<&PacketRow>,
    fits: impl Fn(&str) -> bool,
) -> Cow<'a, str> {
    if !label.contains('…') {
        return label;
    }
    let Some(frame) = row.and_then(|r| r.ws.first()) else {
        return label;
    };
    // The label quotes the first frame's text as `payload_text(20)` does (model::step).
    let cut = crate::model::summary::ws_payload_text(frame, 20);
    if !label.contains(&cut) {
        return label;
    }
    if frame.text_cut() == 0 {
        let whole = label.replace(
            &cut,
            &crate::model::summary::ws_payload_text(frame, usize::MAX),
        );
        if !whole.contains('…') && fits(&whole) {
            return Cow::Owned(whole);
        }
    }
    let units = if frame.text.is_some() {
        "bytes of text"
    } else {
        "bytes"
    };
    Cow::Owned(label.replace(
        &cut,
        &format!(
            "({} {units})",
            u64::from(frame.text_len).max(frame.payload_len)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::process_bytes;

    #[test]
    fn a_cut_message_is_written_whole_or_by_its_length() {
        let path =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("captures/chat.pcapng");
        let model = process_bytes(&std::fs::read(&path).unwrap());
        let step = model
            .steps
            .iter()
            .find(|s| model.step_label(s).contains('…'))
            .expect("a cut label in chat.pcapng");
        let row = model.packets.get(step.packet_index());
        let label = || model.step_label(step);
        let whole = whole_label(label(), row, |_| true);
        assert!(!whole.contains('…'), "{whole}");
        let text = row.unwrap().ws[0].text.as_deref().unwrap();
        assert!(whole.contains(text), "{whole} has {text}");
        let short = whole_label(label(), row, |_| false);
        assert!(!short.contains('…'), "{short}");
        assert!(
            short.contains(&format!("({} bytes of text)", text.len())),
            "{short}"
        );
        let plain = &model.steps[0];
        assert_eq!(
            whole_label(model.step_label(plain), None, |_| false),
            model.step_label(plain)
        );
    }
}
