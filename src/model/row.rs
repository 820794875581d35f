//! The compact per-packet record the app's model keeps (Wireshark's `frame_data`): what the
//! packet list, ladder, sequence graph, steps and narration need, without the packet's bytes
//! (the model's byte store has those, see [`super::bytes`]) and with long WebSocket texts cut.
//!
//! A row is built from a full [`PacketRecord`] (off the UI thread when a file is loading). The
//! Protocol and Info columns are not kept: [`PacketRow::protocol`] and [`PacketRow::info`] make
//! them from the row's facts when a row is drawn, as `osiscope decode` makes them from the
//! record's (the kept texts are long enough for the Info column's quotes).

use crate::app_proto::{HttpMessage, NoteKind, TlsRecord, WsFrame};
use crate::decode::Packet;
use crate::flow::SegmentInfo;

use super::PacketRecord;
use crate::app_proto::engineio::IoEvent;

/// Bytes of a WebSocket text the model keeps (cut at a character boundary); the full length
/// is in [`WsFrame::text_len`]. 31 characters of up to 4 bytes: the Info column quotes 30 and
/// adds "…" when there are more, so it is the same as `osiscope decode`'s for any text. Longer
/// quotes (the narration's 60 characters, the quiz's 120) end in "…" where the kept text ends;
/// the details tree shows the kept text and says how much more there was.
pub const MODEL_TEXT_KEEP: usize = 124;

/// A step index in 32 bits: a model of 2^32 steps would need over a terabyte, not a case to
/// handle.
fn step_index(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// One packet as the app's model keeps it. Lists hold no spare capacity; those that are empty
/// on most packets are [`RareList`](crate::decode::RareList)s (a pointer, null when empty).
#[derive(Clone, Debug)]
pub struct PacketRow {
    pub packet: Packet,
    pub seg: Option<SegmentInfo>,
    /// WebSocket frames whose last byte is in this packet, their texts cut at
    /// [`MODEL_TEXT_KEEP`].
    pub ws: WsFrames,
    /// Index into `Model::steps` of this packet's teaching step, if it has one (32 bits: see
    /// [`PacketRow::step`]).
    pub(crate) step: Option<u32>,
    /// The lists that are empty on most packets (HTTP messages, notes, Engine.IO events, TLS
    /// records), behind one pointer: null when all four are empty. See [`PacketRow::http`],
    /// [`PacketRow::notes`], [`PacketRow::io`], [`PacketRow::tls`].
    rare: Option<Box<RareParts>>,
}

/// A row's WebSocket frames in one pointer (a boxed slice took two): null without frames,
/// one frame boxed alone (most packets with frames have one), several in a boxed slice.
/// Reads as a `[WsFrame]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WsFrames(Option<Box<Frames>>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Frames {
    One(WsFrame),
    Many(Box<[WsFrame]>),
}

impl WsFrames {
    /// Heap bytes: the frames and, for several, the box of their slice.
    pub fn heap_bytes(&self) -> usize {
        match self.0.as_deref() {
            None => 0,
            Some(Frames::One(_)) => std::mem::size_of::<Frames>(),
            Some(Frames::Many(frames)) => {
                std::mem::size_of::<Frames>() + std::mem::size_of_val::<[WsFrame]>(frames)
            }
        }
    }
}

impl std::ops::Deref for WsFrames {
    type Target = [WsFrame];

    fn deref(&self) -> &[WsFrame] {
        match self.0.as_deref() {
            None => &[],
            Some(Frames::One(frame)) => std::slice::from_ref(frame),
            Some(Frames::Many(frames)) => frames,
        }
    }
}

impl<'a> IntoIterator for &'a WsFrames {
    type Item = &'a WsFrame;
    type IntoIter = std::slice::Iter<'a, WsFrame>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<Vec<WsFrame>> for WsFrames {
    fn from(mut frames: Vec<WsFrame>) -> Self {
        Self(match frames.len() {
            0 => None,
            1 => frames.pop().map(|f| Box::new(Frames::One(f))),
            _ => Some(Box::new(Frames::Many(frames.into_boxed_slice()))),
        })
    }
}

/// The lists of a row that are empty on most packets.
#[derive(Clone, Debug, Default)]
struct RareParts {
    http: Box<[HttpMessage]>,
    notes: Box<[NoteKind]>,
    io: Box<[IoEvent]>,
    tls: Box<[TlsRecord]>,
}

impl RareParts {
    /// The parts, or `None` when every list is empty.
    fn of(
        http: Vec<HttpMessage>,
        notes: Vec<NoteKind>,
        io: Vec<IoEvent>,
        tls: Vec<TlsRecord>,
    ) -> Option<Box<Self>> {
        if http.is_empty() && notes.is_empty() && io.is_empty() && tls.is_empty() {
            return None;
        }
        Some(Box::new(Self {
            http: http.into_boxed_slice(),
            notes: notes.into_boxed_slice(),
            io: io.into_boxed_slice(),
            tls: tls.into_boxed_slice(),
        }))
    }
}

impl PacketRow {
    /// The row of `record`. Whole WebSocket messages are dropped (the views show frames),
    /// frames keep the first bytes of their text.
    pub fn from_record(record: PacketRecord) -> Self {
        let PacketRecord {
            packet,
            seg,
            http,
            ws,
            messages: _,
            notes,
            io,
            tls,
            protocol: _,
            info: _,
            step,
        } = record;
        Self {
            packet,
            seg,
            ws: ws
                .into_iter()
                .map(|mut frame| {
                    frame.cut_text(MODEL_TEXT_KEEP);
                    frame
                })
                .collect::<Vec<_>>()
                .into(),
            step: step.map(step_index),
            rare: RareParts::of(http, notes, io, tls),
        }
    }

    /// A row of these facts (no HTTP messages, WebSocket frames… until they are set).
    #[cfg(test)]
    pub(crate) fn new(packet: Packet, seg: Option<SegmentInfo>) -> Self {
        Self {
            packet,
            seg,
            ws: WsFrames::default(),
            step: None,
            rare: None,
        }
    }

    /// Set the lists that are empty on most packets.
    #[cfg(test)]
    pub(crate) fn set_lists(
        &mut self,
        http: Vec<HttpMessage>,
        notes: Vec<NoteKind>,
        io: Vec<IoEvent>,
        tls: Vec<TlsRecord>,
    ) {
        self.rare = RareParts::of(http, notes, io, tls);
    }

    /// HTTP messages whose last byte is in this packet.
    pub fn http(&self) -> &[HttpMessage] {
        self.rare.as_ref().map_or(&[], |r| &r.http)
    }

    /// Other remarks of the application parsers.
    pub fn notes(&self) -> &[NoteKind] {
        self.rare.as_ref().map_or(&[], |r| &r.notes)
    }

    /// Engine.IO and Socket.IO packets completed here (sessions named by sid, acks paired
    /// with the frame of their event).
    pub fn io(&self) -> &[IoEvent] {
        self.rare.as_ref().map_or(&[], |r| &r.io)
    }

    /// TLS records whose last byte is in this packet.
    pub fn tls(&self) -> &[TlsRecord] {
        self.rare.as_ref().map_or(&[], |r| &r.tls)
    }

    /// Heap bytes of the lists that are empty on most packets (the box of the four and their
    /// items).
    pub fn rare_heap_bytes(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| {
            std::mem::size_of::<RareParts>()
                + std::mem::size_of_val::<[HttpMessage]>(&r.http)
                + std::mem::size_of_val::<[NoteKind]>(&r.notes)
                + std::mem::size_of_val::<[IoEvent]>(&r.io)
                + std::mem::size_of_val::<[TlsRecord]>(&r.tls)
        })
    }

    /// Index into `Model::steps` of this packet's teaching step, if it has one.
    pub fn step(&self) -> Option<usize> {
        self.step.map(|i| i as usize)
    }

    /// Set the index of this packet's teaching step.
    pub fn set_step(&mut self, step: Option<usize>) {
        self.step = step.map(step_index);
    }

    /// What its Protocol and Info columns are made from.
    pub fn facts(&self) -> super::summary::Facts<'_> {
        super::summary::Facts {
            packet: &self.packet,
            seg: self.seg.as_ref(),
            http: self.http(),
            ws: &self.ws,
            io: self.io(),
            tls: self.tls(),
        }
    }

    /// The Protocol column: the highest protocol in the packet ("TCP", "HTTP", "WebSocket"…).
    pub fn protocol(&self) -> &'static str {
        super::summary::protocol(&self.facts())
    }

    /// The Info column, like Wireshark's but WebSocket-aware (made anew on each call: the
    /// model keeps the facts, not the text).
    pub fn info(&self) -> String {
        super::summary::info(&self.facts())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::wsbits::tests::masked_hello;

    #[test]
    fn long_texts_are_cut_at_a_character_boundary_and_keep_their_length() {
        let mut f = masked_hello();
        // 'é' is two bytes: the cut falls inside one.
        let text = format!("a{}", "é".repeat(MODEL_TEXT_KEEP));
        f.set_text(Some(text.clone()));
        f.cut_text(MODEL_TEXT_KEEP);
        let kept = f.text.as_deref().unwrap();
        assert_eq!(kept.len(), MODEL_TEXT_KEEP - 1);
        assert!(text.starts_with(kept));
        assert_eq!(f.text_len as usize, text.len());
        assert_eq!(f.text_cut(), (text.len() - kept.len()) as u64);
    }

    /// The sizes the model's bytes per packet rest on (`--bench-frames` reports them by part):
    /// a field that grows one of these grows every packet of a big capture.
    #[test]
    fn the_kept_types_stay_as_small_as_they_were_made() {
        use std::mem::size_of;
        assert!(size_of::<Packet>() <= 168, "{}", size_of::<Packet>());
        assert!(size_of::<Option<SegmentInfo>>() <= 48);
        assert!(size_of::<WsFrame>() <= 88, "{}", size_of::<WsFrame>());
        assert!(size_of::<PacketRow>() <= 240, "{}", size_of::<PacketRow>());
        // One frame costs what it did in a boxed slice.
        assert!(
            size_of::<Frames>() <= size_of::<WsFrame>(),
            "{}",
            size_of::<Frames>()
        );
        assert!(
            size_of::<crate::model::Step>() <= 24,
            "{}",
            size_of::<crate::model::Step>()
        );
    }

    #[test]
    fn short_texts_are_kept_whole() {
        let mut f = masked_hello();
        f.cut_text(MODEL_TEXT_KEEP);
        assert_eq!(f.text.as_deref(), Some("Hello"));
        assert_eq!(f.text_cut(), 0);
        assert_eq!(crate::model::summary::ws_payload_text(&f, 30), "'Hello'");
    }

    #[test]
    fn the_info_quote_of_a_cut_text_is_the_quote_of_the_whole_text() {
        use crate::model::summary::ws_payload_text;
        for unit in ["a", "é", "語", "🦀"] {
            let mut whole = masked_hello();
            whole.set_text(Some(unit.repeat(200)));
            let mut cut = whole.clone();
            cut.cut_text(MODEL_TEXT_KEEP);
            assert!(cut.text_cut() > 0, "{unit}");
            assert_eq!(
                ws_payload_text(&cut, 30),
                ws_payload_text(&whole, 30),
                "{unit}"
            );
            // Longer quotes than the model keeps still say that there was more.
            let long = ws_payload_text(&cut, 120);
            assert!(long.ends_with("…'"), "{long}");
            assert!(long.chars().count() <= 123, "{long}");
        }
    }
}
