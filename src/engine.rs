//! The synchronous engine: one frame in, everything learned from it out (decode → flow →
//! `app_proto`). No threads and no model: `pipeline` runs it, the model keeps what it says.

use crate::app_proto::{AppEvent, AppTracker};
use crate::capture::Frame;
use crate::decode::{self, FragmentLimits, Packet, Reassembler};
use crate::flow::{Connection, FlowLimits, FlowTracker, Gap, SegmentInfo, StreamChunk};

/// Everything the engine learned from one frame.
#[derive(Clone, Debug)]
pub struct PacketOutput {
    pub packet: Packet,
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
    /// Hand stream chunks' bytes to the app layer instead of copying them (see
    /// [`Engine::without_payloads`]).
    take_chunks: bool,
}

impl Engine {
    pub fn new() -> Self {
        Self {
            fragments: Reassembler::new(FragmentLimits::default()),
            flows: FlowTracker::new(FlowLimits::default()),
            apps: AppTracker::new(),
            take_chunks: false,
        }
    }

    /// An engine for output that shows no payload bytes (`osiscope decode`): see
    /// [`AppTracker::without_payloads`]. Everything else it reports is the same, except that
    /// the stream chunks in [`PacketOutput::seg`] have empty `data`: their bytes were moved or
    /// lent to the application parsers (see [`FlowTracker::lending`]).
    pub fn without_payloads() -> Self {
        Self {
            fragments: Reassembler::new(FragmentLimits::default()),
            flows: FlowTracker::lending(FlowLimits::default()),
            apps: AppTracker::without_payloads(),
            take_chunks: true,
        }
    }

    /// Decode one frame and run it through flow tracking and the application parsers.
    pub fn process(&mut self, frame: Frame) -> PacketOutput {
        let packet = decode::decode_with(frame, &mut self.fragments);
        let mut seg = self.flows.process(&packet);
        if let Some(range) = self.flows.take_lent()
            && let Some(chunk) = seg.as_mut().and_then(|s| s.chunks.first_mut())
        {
            chunk.data = packet.tcp_payload().get(range).unwrap_or_default().to_vec();
        }
        self.apps_process(packet, seg, None)
    }

    /// As [`Engine::process`], for a frame whose bytes are `bytes` (`frame.data` is not read,
    /// e.g. [`crate::capture::FileReader::next_borrowed`]): the packet's `data` is empty (its
    /// `caplen` is set), and stream bytes are parsed where they are when they can be.
    pub fn process_borrowed(&mut self, frame: &Frame, bytes: &[u8]) -> PacketOutput {
        let packet = decode::decode_borrowed_with(frame, bytes, &mut self.fragments);
        // A reassembled datagram's bytes live in the packet, which moves on below: copied.
        let datagram = packet
            .reassembled
            .is_some()
            .then(|| packet.tcp_payload().to_vec());
        let payload = match &datagram {
            Some(bytes) => bytes.as_slice(),
            None => packet
                .tcp
                .as_ref()
                .and_then(|t| bytes.get(t.payload.clone()))
                .unwrap_or_default(),
        };
        let seg = self.flows.process_payload(&packet, payload);
        let lent = self
            .flows
            .take_lent()
            .map(|range| payload.get(range).unwrap_or_default());
        self.apps_process(packet, seg, lent)
    }

    /// The application parsers' part of [`Engine::process`]. `lent`: the bytes of the first
    /// chunk of `seg`, when they were lent (its `data` is empty).
    fn apps_process(
        &mut self,
        packet: Packet,
        mut seg: Option<SegmentInfo>,
        lent: Option<&[u8]>,
    ) -> PacketOutput {
        let mut events = Vec::new();
        if self.take_chunks
            && let Some(seg) = seg.as_mut()
            && seg.gaps.is_empty()
            && seg.chunks.len() <= 1
        {
            // The usual case (one in-order chunk or none), without the ordering work below.
            if let Some(chunk) = seg.chunks.first_mut() {
                match lent {
                    Some(bytes) => {
                        self.apps.on_chunk_lent(
                            seg.stream,
                            chunk,
                            bytes,
                            packet.number,
                            &mut events,
                        );
                    }
                    None => {
                        self.apps
                            .on_chunk_taking(seg.stream, chunk, packet.number, &mut events);
                    }
                }
            }
            if self.flows.delivered_all(seg.stream) {
                self.apps.on_close(seg.stream);
            }
        } else if let Some(seg) = &mut seg {
            if let (Some(bytes), Some(chunk)) = (lent, seg.chunks.first_mut()) {
                chunk.data = bytes.to_vec();
            }
            // Hand over bytes and holes in stream order, direction by direction: a truncated
            // payload gives a chunk at offset 0 and then a gap after it.
            let mut work: Vec<(usize, u64, Result<&StreamChunk, &Gap>)> = seg
                .chunks
                .iter()
                .map(|c| (c.direction.index(), c.offset, Ok(c)))
                .chain(
                    seg.gaps
                        .iter()
                        .map(|g| (g.direction.index(), g.offset, Err(g))),
                )
                .collect();
            work.sort_by_key(|&(dir, offset, _)| (dir, offset));
            for (_, _, item) in work {
                events.extend(match item {
                    Ok(chunk) => self.apps.on_chunk(seg.stream, chunk, packet.number),
                    Err(gap) => self.apps.on_gap(seg.stream, gap, packet.number),
                });
            }
            if lent.is_some()
                && let Some(chunk) = seg.chunks.first_mut()
            {
                // As in the usual case: the lent bytes are not part of the output.
                chunk.data = Vec::new();
            }
            // Free the parsers of a finished connection: with many connections in a file,
            // memory follows the open ones, not all that were ever seen.
            if self.flows.delivered_all(seg.stream) {
                self.apps.on_close(seg.stream);
            }
        }
        PacketOutput {
            packet,
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
    fn borrowed_frames_give_what_owned_frames_give() {
        let files = corpus_captures();
        let mut lent = 0;
        for path in files {
            // The full engine copies stream bytes, the lean one lends them.
            for (lean, mut owned, mut borrowed) in [
                (false, Engine::new(), Engine::new()),
                (true, Engine::without_payloads(), Engine::without_payloads()),
            ] {
                let mut reader = FileReader::open(&path).unwrap();
                while let Some(Ok((frame, bytes))) = reader.next_borrowed() {
                    let mut whole = frame.clone();
                    whole.data = bytes.to_vec();
                    let a = owned.process(whole);
                    let b = borrowed.process_borrowed(&frame, bytes);
                    let at = format!("{} packet {}", path.display(), a.packet.number);
                    assert!(b.packet.data.is_empty(), "{at}");
                    assert_eq!(a.packet.caplen, b.packet.caplen, "{at}");
                    assert_eq!(a.packet.layers, b.packet.layers, "{at}");
                    assert_eq!(a.packet.tcp, b.packet.tcp, "{at}");
                    assert_eq!(a.packet.issues, b.packet.issues, "{at}");
                    assert_eq!(a.seg, b.seg, "{at}");
                    assert_eq!(a.events, b.events, "{at}");
                    lent += usize::from(lean && b.seg.is_some_and(|s| !s.chunks.is_empty()));
                }
            }
        }
        assert!(lent > 100, "{lent} segments through a lending tracker");
    }

    #[test]
    fn without_payloads_only_drops_payloads_and_messages() {
        use crate::app_proto::AppEvent;
        let files = corpus_captures();
        let (mut frames, mut messages) = (0, 0);
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
                            f.raw_payload = Box::default();
                            frames += 1;
                            AppEvent::WsFrame(f)
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
                // The lean engine moved the chunks' bytes into the app layer.
                let mut a_seg = a.seg.clone();
                for c in a_seg.iter_mut().flat_map(|s| s.chunks.iter_mut()) {
                    c.data.clear();
                }
                assert_eq!(a_seg, b.seg);
            }
        }
        assert!(
            frames > 100 && messages > 100,
            "{frames} frames, {messages} messages"
        );
    }
}
