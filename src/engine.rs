//! The synchronous engine: one frame in, everything learned from it out (decode → flow →
//! `app_proto`). No threads and no model: `pipeline` runs it, the model keeps what it says.

use crate::app_proto::{AppEvent, AppTracker};
use crate::capture::Frame;
use crate::decode::{self, FragmentLimits, Packet, Reassembler};
use crate::flow::{Connection, Delivered, FlowLimits, FlowTracker, SegmentInfo, StreamChunk};

/// Everything the engine learned from one frame.
#[derive(Clone, Debug)]
pub struct PacketOutput {
    pub packet: Packet,
    /// The frame's bytes, when the engine was given them ([`Engine::process`]); empty when
    /// they were lent ([`Engine::process_borrowed`]).
    pub data: Vec<u8>,
    pub seg: Option<SegmentInfo>,
    /// HTTP messages, WebSocket frames and messages whose last byte is in this packet.
    pub events: Vec<AppEvent>,
}

/// The decode engine: owns the flow and application trackers.
#[derive(Debug, Default)]
pub struct Engine {
    /// IP fragments waiting for the rest of their datagram.
    fragments: Reassembler,
    flows: FlowTracker,
    apps: AppTracker,
    /// What the packet being processed delivered (kept for its allocation: one a packet was a
    /// tenth of flow tracking's instructions).
    delivered: Vec<Delivered>,
}

impl Engine {
    pub fn new() -> Self {
        Self {
            fragments: Reassembler::new(FragmentLimits::default()),
            flows: FlowTracker::new(FlowLimits::default()),
            apps: AppTracker::new(),
            delivered: Vec::new(),
        }
    }

    /// An engine for output that shows no payload bytes (`osiscope decode`): see
    /// [`AppTracker::without_payloads`]. Everything else it reports is the same.
    pub fn without_payloads() -> Self {
        Self {
            apps: AppTracker::without_payloads(),
            ..Self::new()
        }
    }

    /// Decode one frame and run it through flow tracking and the application parsers. The
    /// output keeps the frame's bytes.
    pub fn process(&mut self, mut frame: Frame) -> PacketOutput {
        let bytes = std::mem::take(&mut frame.data);
        let mut output = self.process_borrowed(&frame, &bytes);
        output.data = bytes;
        output
    }

    /// As [`Engine::process`], for a frame whose bytes are `bytes` (`frame.data` is not read,
    /// e.g. [`crate::capture::FileReader::next_borrowed`]): the output's `data` is empty.
    pub fn process_borrowed(&mut self, frame: &Frame, bytes: &[u8]) -> PacketOutput {
        self.process_borrowed_reusing(frame, bytes, Vec::new())
    }

    /// As [`Engine::process_borrowed`], with `spent`, the events of an output that was used
    /// and handed back (see [`crate::pipeline::Sink::recycled_events`]), as the new output's
    /// list: those events are dropped and its room holds this packet's. Giving a list of room
    /// was one allocation for every packet that had an event (two on a Socket.IO capture, with
    /// its free, were 2 % of `osiscope decode`'s engine thread); the output is what a fresh
    /// one would be. (The list alone is handed over: a whole output was copied to get here.)
    pub fn process_borrowed_reusing(
        &mut self,
        frame: &Frame,
        bytes: &[u8],
        mut spent: Vec<AppEvent>,
    ) -> PacketOutput {
        spent.clear();
        self.run(frame, bytes, spent, |_, _, _| {})
    }

    /// As [`Engine::process_borrowed`], and `tap` is shown every run of in-order stream bytes
    /// the packet made available: its stream (0-based), the chunk, and the packet's TCP payload
    /// (where the chunk's bytes may be, see [`StreamChunk::data`]). For measurements that read
    /// the reassembled bytes themselves (`model::compare`).
    pub fn process_tapped(
        &mut self,
        frame: &Frame,
        bytes: &[u8],
        tap: impl FnMut(u32, &StreamChunk, &[u8]),
    ) -> PacketOutput {
        self.run(frame, bytes, Vec::new(), tap)
    }

    /// What every `process` is: the frame through decode, flow tracking and the application
    /// parsers, its events appended to `events` (empty, perhaps with room).
    fn run(
        &mut self,
        frame: &Frame,
        bytes: &[u8],
        mut events: Vec<AppEvent>,
        mut tap: impl FnMut(u32, &StreamChunk, &[u8]),
    ) -> PacketOutput {
        let packet = decode::decode_borrowed_with(frame, bytes, &mut self.fragments);
        let payload = packet.tcp_payload(bytes);
        let mut delivered = std::mem::take(&mut self.delivered);
        let seg = self
            .flows
            .process_into(&packet, payload, &mut delivered)
            .inspect(|seg| {
                // Stream bytes are parsed where they are in `payload` (see `AppTracker::feed`).
                for d in &delivered {
                    if let Delivered::Chunk(chunk) = d {
                        tap(seg.stream, chunk, payload);
                    }
                    self.apps
                        .feed(seg.stream, d, payload, packet.number, &mut events);
                }
                // Free the parsers of a finished connection: with many connections in a file,
                // memory follows the open ones, not all that were ever seen.
                if self.flows.delivered_all(seg.stream) {
                    self.apps.on_close(seg.stream);
                }
            });
        delivered.clear();
        self.delivered = delivered;
        PacketOutput {
            packet,
            data: Vec::new(),
            seg,
            events,
        }
    }

    /// The connection a processed packet belongs to.
    pub fn connection(&self, output: &PacketOutput) -> Option<&Connection> {
        output
            .seg
            .as_ref()
            .and_then(|s| self.flows.connection(s.stream))
    }

    pub fn connections(&self) -> &[Connection] {
        self.flows.connections()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::capture::FileReader;

    /// The public corpus's captures and this repository's `captures/`, sorted. Panics when the
    /// corpus is not beside the repository: the tests that use it compare against it.
    pub(crate) fn corpus_captures() -> Vec<std::path::PathBuf> {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dirs = [
            here.join("../shared/corpus/captures"),
            std::path::PathBuf::from("/work/shared/corpus/captures"),
        ];
        let Some(corpus) = dirs.into_iter().find(|d| d.is_dir()) else {
            panic!(
                "the public capture corpus was not found at {}/../shared/corpus",
                here.display()
            );
        };
        let mut files: Vec<_> = [corpus, here.join("captures")]
            .into_iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn parsers_of_finished_connections_are_freed() {
        let files = corpus_captures();
        let mut finished = 0;
        for path in files {
            let mut engine = Engine::new();
            for frame in FileReader::open(&path).unwrap().map_while(Result::ok) {
                engine.process(frame);
            }
            for c in engine.connections() {
                if engine.flows.delivered_all(c.id) {
                    finished += 1;
                    assert!(
                        !engine.apps.holds(c.id),
                        "{} stream {}",
                        path.display(),
                        c.id
                    );
                }
            }
        }
        assert!(finished > 0, "no capture closes a connection");
    }

    #[test]
    fn one_list_of_deliveries_kept_across_packets_gives_what_a_new_list_a_packet_gives() {
        let mut delivered_any = 0;
        for path in corpus_captures() {
            let mut fresh = FlowTracker::new(FlowLimits::default());
            let mut reusing = FlowTracker::new(FlowLimits::default());
            // Never emptied here: `process_into` must start it afresh.
            let mut kept = Vec::new();
            for frame in FileReader::open(&path).unwrap().map_while(Result::ok) {
                let packet = decode::decode(&frame);
                let payload = packet.tcp_payload(&frame.data);
                let a = fresh.process(&packet, payload);
                let b = reusing.process_into(&packet, payload, &mut kept);
                let (seg, delivered) = a.map_or((None, Vec::new()), |(s, d)| (Some(s), d));
                assert_eq!(seg, b, "{} packet {}", path.display(), packet.number);
                if b.is_some() {
                    assert_eq!(
                        delivered,
                        kept,
                        "{} packet {}",
                        path.display(),
                        packet.number
                    );
                    delivered_any += usize::from(!kept.is_empty());
                }
            }
        }
        assert!(delivered_any > 1000, "{delivered_any} packets delivered");
    }

    #[test]
    fn an_output_filled_again_is_what_a_fresh_output_is() {
        let mut refilled = 0;
        for make in [Engine::new as fn() -> Engine, Engine::without_payloads] {
            for path in corpus_captures() {
                let (mut fresh, mut reusing) = (make(), make());
                // Outputs handed back with their events still in them, each filled again three
                // packets later.
                let mut spent = std::collections::VecDeque::new();
                for frame in FileReader::open(&path).unwrap().map_while(Result::ok) {
                    let a = fresh.process_borrowed(&frame, &frame.data);
                    let old = (spent.len() >= 3).then(|| spent.pop_front()).flatten();
                    refilled += usize::from(old.as_ref().is_some_and(|o: &PacketOutput| {
                        !o.events.is_empty() && o.events.capacity() > 0
                    }));
                    let old = old.map(|o| o.events).unwrap_or_default();
                    let b = reusing.process_borrowed_reusing(&frame, &frame.data, old);
                    let at = format!("{} packet {}", path.display(), frame.number);
                    assert_eq!(a.packet, b.packet, "{at}");
                    assert_eq!(a.seg, b.seg, "{at}");
                    assert_eq!(a.events, b.events, "{at}");
                    assert!(b.data.is_empty(), "{at}");
                    spent.push_back(b);
                }
            }
        }
        assert!(
            refilled > 1000,
            "{refilled} outputs with events filled again"
        );
    }

    #[test]
    fn without_payloads_only_drops_payloads_messages_and_lists_of_packets() {
        use crate::app_proto::AppEvent;
        let files = corpus_captures();
        let (mut frames, mut messages, mut records) = (0, 0, 0);
        for path in files {
            let mut full = Engine::new();
            let mut lean = Engine::without_payloads();
            let reader = FileReader::open(&path).unwrap().map_while(Result::ok);
            for frame in reader {
                let a = full.process(frame.clone());
                let b = lean.process(frame);
                let kept: Vec<AppEvent> = a
                    .events
                    .iter()
                    .filter(|e| !matches!(e, AppEvent::WsMessage(_)))
                    .cloned()
                    .map(|e| match e {
                        AppEvent::WsFrame(mut f) => {
                            f.raw_payload = crate::app_proto::websocket::RawPrefix::default();
                            frames += 1;
                            AppEvent::WsFrame(f)
                        }
                        AppEvent::Tls(mut r) => {
                            assert!(!r.packets.is_empty());
                            r.packets.clear();
                            records += 1;
                            AppEvent::Tls(r)
                        }
                        other => other,
                    })
                    .collect();
                messages += a.events.len() - kept.len();
                assert_eq!(
                    kept,
                    b.events,
                    "{} packet {}",
                    path.display(),
                    a.packet.number
                );
                assert_eq!(a.seg, b.seg);
            }
        }
        assert!(
            frames > 100 && messages > 100 && records > 100,
            "{frames} frames, {messages} messages, {records} TLS records"
        );
    }
}
