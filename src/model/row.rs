//! The compact per-packet record the app's model keeps (Wireshark's `frame_data`): what the
//! packet list, ladder, sequence graph, steps and narration need, without the packet's bytes
//! (the model's byte store has those, see [`super::bytes`]), without the header fields only the
//! details tree shows (decoded again on selection: [`super::packet`]) and with long WebSocket
//! texts cut.
//!
//! A row is built from a full [`PacketRecord`] (off the UI thread when a file is loading). The
//! Protocol and Info columns are not kept: [`PacketRow::protocol`] and [`PacketRow::info`] make
//! them from the row's facts when a row is drawn, as `osiscope decode` makes them from the
//! record's (the kept texts are long enough for the Info column's quotes).

use crate::app_proto::{HttpMessage, NoteKind, TlsRecord, WsFrame};
use crate::decode::{Issue, Packet, Reassembled, TcpOptions, flags};
use crate::flow::StateChange;

use super::PacketRecord;
use super::packet::{RowPacket, count32};
use super::seg::Seg;
use crate::app_proto::engineio::IoEvent;

/// Bytes of a WebSocket text the model keeps (cut at a character boundary); the full length
/// is in [`WsFrame::text_len`]. 31 characters of up to 4 bytes: the Info column quotes 30 and
/// adds "…" when there are more, so it is the same as `osiscope decode`'s for any text. Longer
/// quotes (the narration's 60 characters, the quiz's 120) end in "…" where the kept text ends;
/// the details tree shows the kept text and says how much more there was.
pub const MODEL_TEXT_KEEP: usize = 124;

/// One packet as the app's model keeps it (104 bytes). Lists hold no spare capacity; those
/// that are empty on most packets, and the facts few packets have, are behind one pointer.
#[derive(Clone, Debug)]
pub struct PacketRow {
    /// The header facts (the rest is decoded again on selection: [`super::Model::packet`]);
    /// the row's step index too (see [`PacketRow::step`]).
    pub packet: RowPacket,
    /// Flow facts.
    pub seg: Option<Seg>,
    /// WebSocket frames whose last byte is in this packet, their texts cut at
    /// [`MODEL_TEXT_KEEP`].
    pub ws: WsFrames,
    /// What is empty or absent on most packets (HTTP messages, notes, Engine.IO events, TLS
    /// records, decode issues, a reassembled datagram, the options a SYN announces, TCP state
    /// changes), behind one pointer: null when there is none. See [`PacketRow::http`],
    /// [`PacketRow::notes`], [`PacketRow::io`], [`PacketRow::tls`], [`PacketRow::issues`],
    /// [`PacketRow::reassembled`], [`PacketRow::announced_options`],
    /// [`PacketRow::state_changes`].
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

/// What a row has on few packets.
#[derive(Clone, Debug, Default)]
struct RareParts {
    http: Box<[HttpMessage]>,
    notes: Box<[NoteKind]>,
    io: Box<[IoEvent]>,
    tls: Box<[TlsRecord]>,
    /// What went wrong while decoding (the issues found while reassembling fragments too,
    /// which the packet's own bytes cannot show again).
    issues: Box<[Issue]>,
    /// The IP datagram this packet completed, when it was the last missing fragment.
    reassembled: Option<Box<Reassembled>>,
    /// The TCP options of a SYN, or of any segment that announces an MSS, a window scale or
    /// SACK (what the Info column and the handshake's narration read).
    announced: Option<TcpOptions>,
    state_changes: Box<[StateChange]>,
}

/// What a row has on few packets, as the stages before gave it.
#[derive(Default)]
struct RareInput {
    http: Vec<HttpMessage>,
    notes: Vec<NoteKind>,
    io: Vec<IoEvent>,
    tls: Vec<TlsRecord>,
    issues: Vec<Issue>,
    reassembled: Option<Box<Reassembled>>,
    announced: Option<TcpOptions>,
    state_changes: Vec<StateChange>,
}

impl RareParts {
    /// The parts, or `None` when there is none.
    fn of(input: RareInput) -> Option<Box<Self>> {
        let RareInput {
            http,
            notes,
            io,
            tls,
            issues,
            reassembled,
            announced,
            state_changes,
        } = input;
        if http.is_empty()
            && notes.is_empty()
            && io.is_empty()
            && tls.is_empty()
            && issues.is_empty()
            && reassembled.is_none()
            && announced.is_none()
            && state_changes.is_empty()
        {
            return None;
        }
        Some(Box::new(Self {
            http: http.into_boxed_slice(),
            notes: notes.into_boxed_slice(),
            io: io.into_boxed_slice(),
            tls: tls.into_boxed_slice(),
            issues: issues.into_boxed_slice(),
            reassembled,
            announced,
            state_changes: state_changes.into_boxed_slice(),
        }))
    }

    #[cfg(test)]
    fn input(&self) -> RareInput {
        RareInput {
            http: self.http.to_vec(),
            notes: self.notes.to_vec(),
            io: self.io.to_vec(),
            tls: self.tls.to_vec(),
            issues: self.issues.to_vec(),
            reassembled: self.reassembled.clone(),
            announced: self.announced.clone(),
            state_changes: self.state_changes.to_vec(),
        }
    }
}

/// The options of `packet` a row keeps: those of a SYN, or of a segment that announces an MSS,
/// a window scale or SACK.
fn announced(packet: &Packet) -> Option<TcpOptions> {
    let tcp = packet.tcp.as_ref()?;
    let o = &tcp.options;
    let announces = o.mss.is_some() || o.window_scale.is_some() || o.sack_permitted;
    (announces || tcp.has(flags::SYN)).then(|| o.clone())
}

impl PacketRow {
    /// The row of `record`. Whole WebSocket messages are dropped (the views show frames),
    /// frames keep the first bytes of their text.
    pub fn from_record(record: PacketRecord) -> Self {
        let PacketRecord {
            mut packet,
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
        let mut row = Self {
            packet: RowPacket::of(&packet),
            seg: seg.as_ref().map(Seg::of),
            ws: ws
                .into_iter()
                .map(|mut frame| {
                    frame.cut_text(MODEL_TEXT_KEEP);
                    frame
                })
                .collect::<Vec<_>>()
                .into(),
            rare: RareParts::of(RareInput {
                http,
                notes,
                io,
                tls,
                announced: announced(&packet),
                issues: std::mem::take(&mut packet.issues).into_vec(),
                reassembled: packet.reassembled.take(),
                state_changes: seg.map(|s| s.state_changes.into_vec()).unwrap_or_default(),
            }),
        };
        row.set_step(step);
        row
    }

    /// A row of these facts (no HTTP messages, WebSocket frames… until they are set).
    #[cfg(test)]
    pub(crate) fn new(packet: Packet, seg: Option<crate::flow::SegmentInfo>) -> Self {
        Self::from_record(PacketRecord::bare(packet, seg))
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
        let kept = self.rare.as_ref().map(|r| r.input()).unwrap_or_default();
        self.rare = RareParts::of(RareInput {
            http,
            notes,
            io,
            tls,
            ..kept
        });
    }

    /// Whether `packet` (decoded again from this row's bytes, with the issues found while
    /// reassembling put back) is the packet this row was made from, as far as the row tells.
    pub fn keeps(&self, packet: &Packet) -> bool {
        self.packet.same_facts(&RowPacket::of(packet))
            && *self.issues() == *packet.issues
            && self.reassembled() == packet.reassembled.as_deref()
            && self.announced_options() == announced(packet).as_ref()
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

    /// What went wrong while decoding (truncation, bad lengths…). Parsed layers are kept.
    pub fn issues(&self) -> &[Issue] {
        self.rare.as_ref().map_or(&[], |r| &r.issues)
    }

    /// The IP datagram this packet completed, when it was the last missing fragment.
    pub fn reassembled(&self) -> Option<&Reassembled> {
        self.rare.as_ref().and_then(|r| r.reassembled.as_deref())
    }

    /// The TCP options of a SYN, or of a segment that announces an MSS, a window scale or SACK
    /// (`None` on other segments: their options, timestamps and SACK blocks, are in the details
    /// read back on selection).
    pub fn announced_options(&self) -> Option<&TcpOptions> {
        self.rare.as_ref().and_then(|r| r.announced.as_ref())
    }

    /// The peers' TCP state changes this packet caused.
    pub fn state_changes(&self) -> &[StateChange] {
        self.rare.as_ref().map_or(&[], |r| &r.state_changes)
    }

    /// Heap bytes of what few packets have (the box and the items of its lists, the
    /// reassembled datagram with its bytes).
    pub fn rare_heap_bytes(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| {
            std::mem::size_of::<RareParts>()
                + std::mem::size_of_val::<[HttpMessage]>(&r.http)
                + std::mem::size_of_val::<[NoteKind]>(&r.notes)
                + std::mem::size_of_val::<[IoEvent]>(&r.io)
                + std::mem::size_of_val::<[TlsRecord]>(&r.tls)
                + std::mem::size_of_val::<[Issue]>(&r.issues)
                + std::mem::size_of_val::<[StateChange]>(&r.state_changes)
                + r.reassembled.as_ref().map_or(0, |d| {
                    std::mem::size_of::<Reassembled>()
                        + d.frames.len() * std::mem::size_of::<u64>()
                        + d.data.len()
                })
                + r.announced.as_ref().map_or(0, |o| o.sack.heap_bytes())
        })
    }

    /// Index into `Model::steps` of this packet's teaching step, if it has one.
    pub fn step(&self) -> Option<usize> {
        (self.packet.step != u32::MAX).then_some(self.packet.step as usize)
    }

    /// Set the index of this packet's teaching step.
    pub fn set_step(&mut self, step: Option<usize>) {
        self.packet.step = step.map_or(u32::MAX, |i| count32(i as u64));
    }

    /// The window in bytes: scaled by the negotiated shift where it is known (`None` for a
    /// packet that is not TCP).
    pub fn window_scaled(&self) -> Option<u64> {
        let tcp = self.packet.tcp.as_ref()?;
        Some(
            self.seg
                .map_or(u64::from(tcp.window), |s| s.window_scaled(tcp.window)),
        )
    }

    /// What its Protocol and Info columns are made from.
    pub fn facts(&self) -> super::summary::Facts<'_> {
        super::summary::Facts {
            layers: self.packet.layers(),
            ip: self.packet.ip(),
            tcp: self.packet.tcp,
            options: self.announced_options(),
            seg: self.seg,
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
        assert!(size_of::<WsFrame>() <= 88, "{}", size_of::<WsFrame>());
        assert!(size_of::<PacketRow>() <= 104, "{}", size_of::<PacketRow>());
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

    /// Every packet of every bundled and corpus capture: a row answers what the record it was
    /// made from answers (columns, issues, state changes, a SYN's options, the datagram), and
    /// the packet decoded again is the one it keeps.
    #[test]
    fn a_row_tells_what_its_record_told() {
        use crate::capture::FileReader;
        let (mut rows, mut syns, mut changes) = (0, 0, 0);
        for path in crate::pipeline::tests::corpus_captures() {
            let Ok(reader) = FileReader::open(&path) else {
                continue;
            };
            let mut engine = crate::engine::Engine::new();
            for frame in reader.map_while(Result::ok) {
                let record = PacketRecord::from_output(engine.process(frame));
                let row = PacketRow::from_record(record.clone());
                let at = || format!("{} #{}", path.display(), record.packet.number);
                assert_eq!(row.protocol(), record.protocol, "{}", at());
                assert_eq!(row.info(), record.info, "{}", at());
                assert_eq!(row.issues(), &*record.packet.issues, "{}", at());
                assert_eq!(
                    row.reassembled(),
                    record.packet.reassembled.as_deref(),
                    "{}",
                    at()
                );
                let seg = record.seg.as_ref();
                assert_eq!(
                    row.state_changes(),
                    seg.map_or(&[][..], |s| &*s.state_changes),
                    "{}",
                    at()
                );
                assert_eq!(row.seg, seg.map(Seg::of), "{}", at());
                assert_eq!(
                    row.window_scaled(),
                    record
                        .packet
                        .tcp
                        .as_ref()
                        .map(|t| { seg.map_or(u64::from(t.window), |s| s.window_scaled) }),
                    "{}",
                    at()
                );
                let tcp = record.packet.tcp.as_ref();
                let syn = tcp.is_some_and(|t| t.has(flags::SYN));
                match row.announced_options() {
                    Some(o) => assert_eq!(Some(o), tcp.map(|t| &t.options), "{}", at()),
                    None => assert!(
                        !syn && tcp.is_none_or(|t| t.options.mss.is_none()
                            && t.options.window_scale.is_none()
                            && !t.options.sack_permitted),
                        "{}",
                        at()
                    ),
                }
                assert!(row.keeps(&record.packet), "{}", at());
                rows += 1;
                syns += usize::from(syn);
                changes += usize::from(!row.state_changes().is_empty());
            }
        }
        assert!(
            rows > 1000 && syns > 50 && changes > 50,
            "{rows} {syns} {changes}"
        );
    }

    /// A packet decoded again that differs from the kept one in a fact the row keeps, or in
    /// one only its rare parts keep, is not the row's packet.
    #[test]
    fn a_changed_packet_is_not_the_rows() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/captures/chat.pcapng");
        let reader = crate::capture::FileReader::open(std::path::Path::new(path)).unwrap();
        let model = crate::pipeline::process_all(reader);
        let (packet, _) = model.packet(0).unwrap();
        let row = &model.packets[0];
        assert!(packet.tcp.as_ref().is_some_and(|t| t.has(flags::SYN)));
        assert!(row.keeps(&packet));
        let mut other = packet.clone();
        other.tcp.as_mut().unwrap().window ^= 1;
        assert!(!row.keeps(&other));
        let mut other = packet.clone();
        other.tcp.as_mut().unwrap().options.mss = Some(1);
        assert!(!row.keeps(&other), "a SYN's options are kept");
        let mut other = packet;
        other.ts_ns += 1;
        assert!(!row.keeps(&other));
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
