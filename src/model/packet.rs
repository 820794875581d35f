//! A packet's header facts as the app's model keeps them ([`RowPacket`], 64 bytes instead of
//! the decoder's 168): what the packet list, the ladder, the filters, the steps and the
//! narration read. What is read only when a packet is selected (checksums, urgent pointer,
//! header lengths, the TCP options after the handshake) is decoded again from the packet's
//! bytes ([`super::Model::packet`]). The layers, the link and the IP header's facts, the same on
//! most packets of a connection, are one [`Shape`] that the model shares between packets.

use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use crate::capture::LinkType;
use crate::decode::{IpSummary, Layer, Packet, TcpSegment};

/// A packet's header facts, without its bytes and without what only the details tree reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowPacket {
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    shape: Arc<Shape>,
    /// 1-based packet number (32 bits: see [`count32`]).
    number: u32,
    /// Original (on-the-wire) length.
    pub len: u32,
    /// Captured length: how many bytes the frame had.
    pub caplen: u32,
    /// Index into `Model::steps` of the packet's teaching step, `u32::MAX` for none (kept here,
    /// where it fills what would be padding; read with [`super::PacketRow::step`]).
    pub(super) step: u32,
    /// The TCP header's facts, if the packet is TCP.
    pub tcp: Option<TcpFacts>,
}

/// What many packets have in common: the link, the interface, the layers with their byte
/// ranges and the IP header's facts. Shared (behind one pointer) between the packets that have
/// the same (see [`Shapes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub link: LinkType,
    /// Interface index (pcapng).
    pub interface: u32,
    /// Headers in order, outermost first, each with its byte range in the frame's bytes: the
    /// decoder's list, which it already shares between the packets of one kind.
    pub layers: Arc<Vec<Layer>>,
    /// The innermost IP header's facts.
    pub ip: Option<IpSummary>,
}

impl Hash for Shape {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.link.hash(state);
        self.interface.hash(state);
        self.layers.hash(state);
        self.ip
            .map(|ip| (ip.version, ip.src, ip.dst, ip.ttl))
            .hash(state);
    }
}

/// The facts of a TCP header that the views read (a [`TcpSegment`] without its checksum,
/// urgent pointer, header length and options), 28 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpFacts {
    pub src_port: u16,
    pub dst_port: u16,
    /// Raw sequence number.
    pub seq: u32,
    /// Raw acknowledgement number (as on the wire, even when ACK is not set).
    pub ack: u32,
    /// The 12-bit flags field (see [`crate::decode::flags`]).
    pub flags: u16,
    /// The window as sent (unscaled).
    pub window: u16,
    /// TCP payload length as the IP header says, even where fewer bytes were captured.
    pub payload_len: u32,
    /// Byte range of the captured payload in the frame's bytes (32-bit offsets, as in
    /// [`TcpSegment::payload_at`]).
    payload_start: u32,
    payload_end: u32,
}

impl TcpFacts {
    pub fn of(tcp: &TcpSegment) -> Self {
        Self {
            src_port: tcp.src_port,
            dst_port: tcp.dst_port,
            seq: tcp.seq,
            ack: tcp.ack,
            flags: tcp.flags,
            window: tcp.window,
            payload_len: tcp.payload_len,
            payload_start: tcp.payload_at.start,
            payload_end: tcp.payload_at.end,
        }
    }

    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }

    /// Byte range of the captured payload in the frame's bytes.
    pub fn payload(&self) -> Range<usize> {
        self.payload_start as usize..self.payload_end as usize
    }
}

/// A count or index in 32 bits (a packet number, a step index): a model of 2^32 packets would
/// need hundreds of gigabytes, not a case to handle; a larger value is kept as `u32::MAX`.
pub(super) fn count32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl RowPacket {
    /// The facts of `packet` the model keeps (its shape not shared yet: see [`Shapes::share`]).
    pub fn of(packet: &Packet) -> Self {
        Self {
            ts_ns: packet.ts_ns,
            shape: Arc::new(Shape {
                link: packet.link,
                interface: packet.interface,
                layers: Arc::clone(&packet.layers),
                ip: packet.ip,
            }),
            number: count32(packet.number),
            len: packet.len,
            caplen: packet.caplen,
            step: u32::MAX,
            tcp: packet.tcp.as_ref().map(TcpFacts::of),
        }
    }

    /// 1-based packet number.
    pub fn number(&self) -> u64 {
        u64::from(self.number)
    }

    /// Link type it was captured with.
    pub fn link(&self) -> LinkType {
        self.shape.link
    }

    /// Interface index (pcapng).
    pub fn interface(&self) -> u32 {
        self.shape.interface
    }

    /// Headers in order, outermost first, each with its byte range in the frame's bytes.
    pub fn layers(&self) -> &[Layer] {
        self.shape.layers.as_slice()
    }

    /// The innermost IP header's facts.
    pub fn ip(&self) -> Option<IpSummary> {
        self.shape.ip
    }

    /// The shape (shared with other packets).
    pub fn shape(&self) -> &Arc<Shape> {
        &self.shape
    }

    /// The same facts, in `packet`'s order, without the step (to compare a packet decoded
    /// again with the one kept).
    pub fn same_facts(&self, other: &Self) -> bool {
        Self {
            step: other.step,
            ..self.clone()
        } == *other
    }
}

/// Distinct [`Shape`]s the model's packets share, at most [`Shapes::MAX`] (a capture of ever
/// different headers keeps its shapes unshared rather than a table as big).
#[derive(Debug, Default)]
pub struct Shapes(std::collections::HashSet<Arc<Shape>>);

impl Shapes {
    /// The layer lists the model shared before were at most 4,096; with the IP addresses and
    /// TTL in the shape there are more of them (one per host pair and header layout), and one
    /// left unshared costs a packet about 170 bytes.
    pub const MAX: usize = 1 << 16;

    /// Make `packet` point at the shared copy of its shape (its own the first time).
    pub fn share(&mut self, packet: &mut RowPacket) {
        if let Some(shared) = self.0.get(&packet.shape) {
            packet.shape.clone_from(shared);
        } else if self.0.len() < Self::MAX {
            self.0.insert(packet.shape.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_packet_keeps_64_bytes() {
        assert!(
            std::mem::size_of::<RowPacket>() <= 64,
            "{}",
            std::mem::size_of::<RowPacket>()
        );
        assert!(std::mem::size_of::<Option<TcpFacts>>() <= 32);
    }

    /// Every packet of every bundled and corpus capture: the kept facts read
    /// back as the decoder gave them.
    #[test]
    fn the_kept_facts_are_the_decoders() {
        use crate::capture::FileReader;
        // The public corpus and the bundled captures.
        let files = crate::pipeline::tests::corpus_captures();
        let mut seen = (0, 0, 0);
        for path in &files {
            let Ok(reader) = FileReader::open(path) else {
                continue;
            };
            let mut engine = crate::engine::Engine::new();
            for frame in reader.map_while(Result::ok) {
                let output = engine.process(frame);
                let packet = &output.packet;
                let kept = RowPacket::of(packet);
                let at = || format!("{} #{}", path.display(), packet.number);
                assert_eq!(kept.number(), packet.number, "{}", at());
                assert_eq!(kept.ts_ns, packet.ts_ns, "{}", at());
                assert_eq!((kept.len, kept.caplen), (packet.len, packet.caplen));
                assert_eq!(kept.link(), packet.link, "{}", at());
                assert_eq!(kept.interface(), packet.interface, "{}", at());
                assert_eq!(kept.layers(), packet.layers.as_slice(), "{}", at());
                assert_eq!(kept.ip(), packet.ip, "{}", at());
                assert_eq!(kept.tcp.is_some(), packet.tcp.is_some(), "{}", at());
                if let (Some(k), Some(t)) = (&kept.tcp, &packet.tcp) {
                    assert_eq!(
                        (k.src_port, k.dst_port, k.seq, k.ack, k.flags, k.window),
                        (t.src_port, t.dst_port, t.seq, t.ack, t.flags, t.window),
                        "{}",
                        at()
                    );
                    assert_eq!(k.payload_len, t.payload_len, "{}", at());
                    assert_eq!(k.payload(), t.payload(), "{}", at());
                    seen.1 += 1;
                }
                seen.2 += usize::from(packet.ip.is_some());
                seen.0 += 1;
            }
        }
        assert!(seen.0 > 1000 && seen.1 > 1000 && seen.2 > 1000, "{seen:?}");
    }

    #[test]
    fn packets_of_one_shape_share_it() {
        let model = crate::lesson::fixture::conversation();
        let mut shapes = Shapes::default();
        let mut a = model.packets[0].packet.clone();
        let mut b = RowPacket {
            shape: Arc::new(Shape::clone(a.shape())),
            ..a.clone()
        };
        assert!(!Arc::ptr_eq(a.shape(), b.shape()));
        shapes.share(&mut a);
        shapes.share(&mut b);
        assert!(Arc::ptr_eq(a.shape(), b.shape()));
        // A different IP header is a different shape.
        let mut c = a.clone();
        let mut other = Shape::clone(c.shape());
        if let Some(ip) = other.ip.as_mut() {
            ip.ttl = ip.ttl.wrapping_add(1);
        }
        c.shape = Arc::new(other);
        shapes.share(&mut c);
        assert!(!Arc::ptr_eq(a.shape(), c.shape()));
        assert_eq!(shapes.0.len(), 2);
    }

    #[test]
    fn a_full_table_leaves_new_shapes_unshared() {
        let model = crate::lesson::fixture::conversation();
        let packet = &model.packets[0].packet;
        let with_number = |n: u32| RowPacket {
            shape: Arc::new(Shape {
                interface: n,
                ..Shape::clone(packet.shape())
            }),
            ..packet.clone()
        };
        let mut shapes = Shapes::default();
        for n in 0..Shapes::MAX as u32 {
            shapes.share(&mut with_number(n));
        }
        let (mut known, mut new) = (with_number(7), with_number(Shapes::MAX as u32));
        let own = Arc::as_ptr(new.shape());
        shapes.share(&mut known);
        shapes.share(&mut new);
        assert_eq!(shapes.0.len(), Shapes::MAX);
        assert!(Arc::ptr_eq(
            shapes.0.get(known.shape()).unwrap(),
            known.shape()
        ));
        assert!(!shapes.0.contains(new.shape()));
        assert_eq!(Arc::as_ptr(new.shape()), own, "kept as it was");
        assert_eq!(new.interface(), Shapes::MAX as u32);
    }
}
