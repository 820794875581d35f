//! What the details tree and the hex view show for one selected packet: its bytes decoded
//! again, the field tree of every header with the bytes of each field, which field and which
//! OSI layer a byte belongs to, and the HTTP messages and WebSocket frames the packet completes
//! with the part of them that lies in this packet (stream offsets turned into packet offsets).

use std::ops::Range;

use crate::app_proto::engineio::{EioRecord, IoEvent, SioRecord, Transport};
use crate::app_proto::{HttpMessage, TlsRecord};
use crate::decode::{self, FieldNode, LayerDetail, Packet};

use super::{ByteError, Model, PacketRow, WsFrame};

#[cfg(test)]
mod io_tests;

/// A packet decoded again from its bytes, with its field tree.
#[derive(Clone, Debug)]
pub struct PacketDetails {
    pub packet: Packet,
    /// The packet's bytes.
    pub data: Vec<u8>,
    /// Every header, in order, with its fields and their byte ranges.
    pub layers: Vec<LayerDetail>,
}

impl Model {
    /// Packet `index` read back (from the capture file, or from memory), decoded again, with
    /// its field tree: for the details tree and the hex view, once per selection.
    pub fn packet_details(&self, index: usize) -> Result<PacketDetails, ByteError> {
        let (packet, data) = self.packet(index)?;
        let layers = decode::details(&packet, &data);
        Ok(PacketDetails {
            packet,
            data,
            layers,
        })
    }
}

impl PacketDetails {
    /// The smallest field (or layer) whose bytes contain `byte`.
    pub fn innermost_range(&self, byte: usize) -> Option<Range<usize>> {
        fn walk(fields: &[FieldNode], byte: usize, best: &mut Option<Range<usize>>) {
            for f in fields.iter().filter(|f| f.range.contains(&byte)) {
                if best.as_ref().is_none_or(|b| f.range.len() <= b.len()) {
                    *best = Some(f.range.clone());
                }
                walk(&f.children, byte, best);
            }
        }
        let mut best = None;
        for layer in self.layers.iter().filter(|l| l.range.contains(&byte)) {
            if best.is_none() {
                best = Some(layer.range.clone());
            }
            walk(&layer.fields, byte, &mut best);
        }
        best
    }

    /// The OSI layer whose header holds `byte` (payload counts as the application, 7).
    pub fn osi_layer_of(&self, byte: usize) -> u8 {
        self.packet
            .frame_layers()
            .iter()
            .rev()
            .find(|l| l.range.contains(&byte))
            .map_or(7, |l| l.proto.osi_layer())
    }
}

/// An application-layer item whose last byte is in a packet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AppItem<'a> {
    Http(&'a HttpMessage),
    WebSocket(&'a WsFrame),
    Tls(&'a TlsRecord),
}

/// An application-layer item and the part of it that lies in this packet.
#[derive(Clone, Debug, PartialEq)]
pub struct AppSection<'a> {
    pub item: AppItem<'a>,
    /// Packet offsets (clamped to the TCP payload).
    pub range: Range<usize>,
}

/// The HTTP messages, WebSocket frames and TLS records whose last byte is in `row`, HTTP
/// first, each with its bytes in this packet.
pub fn app_sections(row: &PacketRow) -> Vec<AppSection<'_>> {
    let Some(tcp) = &row.packet.tcp else {
        return Vec::new();
    };
    let payload = tcp.payload();
    // Stream offset of the first payload byte: relative seq 1 is stream offset 0.
    let first = row
        .seg
        .as_ref()
        .map_or(0, |s| u64::from(s.rel_seq.saturating_sub(1)));
    let to_packet = |offset: u64, len: u64| -> Range<usize> {
        let start = offset.saturating_sub(first) as usize + payload.start;
        let end = (offset + len).saturating_sub(first) as usize + payload.start;
        start.clamp(payload.start, payload.end)..end.clamp(payload.start, payload.end)
    };
    let http = row.http().iter().map(|m| AppSection {
        item: AppItem::Http(m),
        range: to_packet(m.offset, m.head_len + m.body_len),
    });
    let ws = row.ws.iter().map(|f| AppSection {
        item: AppItem::WebSocket(f),
        range: to_packet(f.offset, u64::from(f.header_len) + f.payload_len),
    });
    let tls = row.tls().iter().map(|r| AppSection {
        item: AppItem::Tls(r),
        // The 5-byte record header and the fragment.
        range: to_packet(r.offset, 5 + u64::from(r.length)),
    });
    http.chain(ws).chain(tls).collect()
}

/// An Engine.IO packet completed in a packet, with the Socket.IO packet it completed, nested
/// in the application section (WebSocket frame or HTTP message) that carried it.
#[derive(Clone, Debug, PartialEq)]
pub struct IoSection<'a> {
    /// Index into [`app_sections`] of the frame or HTTP message that carried it.
    pub carrier: usize,
    pub eio: &'a EioRecord,
    /// The Socket.IO packet this Engine.IO message completed (for a binary event: its last
    /// attachment).
    pub sio: Option<&'a SioRecord>,
    /// Packet offsets of the Engine.IO packet: the frame's payload, or the whole HTTP body
    /// (which holds all the body's Engine.IO packets).
    pub range: Range<usize>,
    /// Packet offsets of the Socket.IO packet (the text after the Engine.IO type digit), when
    /// it is a WebSocket text frame whose payload is all in this packet.
    pub sio_range: Option<Range<usize>>,
}

/// The Engine.IO and Socket.IO packets of `row`, each with what carried it and its bytes:
/// the n-th WebSocket message completed here carried the n-th Engine.IO packet sent over
/// WebSocket; a polling body carried the Engine.IO packets sent in its direction.
pub fn io_sections(row: &PacketRow) -> Vec<IoSection<'_>> {
    let sections = app_sections(row);
    let mut ws = sections.iter().enumerate().filter(|(_, s)| {
        matches!(s.item, AppItem::WebSocket(f)
            if f.fin && matches!(f.opcode, crate::app_proto::websocket::opcode::TEXT
                | crate::app_proto::websocket::opcode::BINARY
                | crate::app_proto::websocket::opcode::CONTINUATION))
    });
    let mut out: Vec<IoSection<'_>> = Vec::new();
    for event in row.io() {
        match event {
            IoEvent::EngineIo(r) => {
                let carrier = match r.transport {
                    Transport::WebSocket => ws.next().map(|(i, s)| {
                        let AppItem::WebSocket(f) = s.item else {
                            return (i, s.range.clone(), None);
                        };
                        let end = s.range.end;
                        let len = usize::try_from(f.payload_len).unwrap_or(usize::MAX);
                        let start = end.saturating_sub(len).max(s.range.start);
                        let whole = end - start == len && len > 0;
                        let text = f.opcode == crate::app_proto::websocket::opcode::TEXT;
                        (i, start..end, (whole && text).then(|| start + 1..end))
                    }),
                    Transport::Polling => {
                        sections.iter().enumerate().find_map(|(i, s)| match s.item {
                            AppItem::Http(m) if m.direction == r.direction && m.body_len > 0 => {
                                let len = usize::try_from(m.body_len).unwrap_or(usize::MAX);
                                let end = s.range.end;
                                Some((i, end.saturating_sub(len).max(s.range.start)..end, None))
                            }
                            _ => None,
                        })
                    }
                };
                if let Some((carrier, range, sio_range)) = carrier {
                    out.push(IoSection {
                        carrier,
                        eio: r,
                        sio: None,
                        range,
                        sio_range,
                    });
                }
            }
            IoEvent::SocketIo(r) => attach(&mut out, r),
            IoEvent::AckPair(_) | IoEvent::Anomaly(_) => {}
        }
    }
    out
}

/// Put Socket.IO packet `r` on the Engine.IO messages that carried it. A plain packet: the
/// first text message not yet claimed (Socket.IO packets are reported after the Engine.IO
/// packets of their body). A binary one: the attachments (the messages not yet claimed at the
/// end) and the text message with its JSON before them, when that is in this packet.
fn attach<'a>(out: &mut [IoSection<'a>], r: &'a SioRecord) {
    let free = |s: &IoSection<'_>| {
        s.sio.is_none() && s.eio.packet.kind == crate::app_proto::engineio::EioType::Message
    };
    if r.packet.kind.is_binary() {
        for s in out.iter_mut().rev().take_while(|s| free(s)) {
            s.sio = Some(r);
            if s.eio.packet.is_binary() {
                s.sio_range = None;
            } else {
                break;
            }
        }
    } else if let Some(s) = out
        .iter_mut()
        .find(|s| free(s) && !s.eio.packet.is_binary())
    {
        s.sio = Some(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::FileReader;
    use crate::decode::Proto;

    /// The bundled chat capture (handshake, Upgrade, text frames and echoes, close).
    fn chat() -> Model {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/captures/chat.pcapng");
        crate::pipeline::process_all(FileReader::open(std::path::Path::new(path)).unwrap())
    }

    fn field(range: Range<usize>, children: Vec<FieldNode>) -> FieldNode {
        FieldNode {
            key: "k",
            name: "n",
            value: String::new(),
            note: None,
            range,
            bitmask: None,
            children,
        }
    }

    #[test]
    fn the_innermost_field_wins() {
        let model = chat();
        let mut details = model.packet_details(0).unwrap();
        details.layers = vec![LayerDetail {
            proto: Proto::Tcp,
            title: String::new(),
            range: 0..20,
            fields: vec![
                field(12..14, vec![field(13..14, vec![])]),
                field(0..2, vec![]),
            ],
        }];
        assert_eq!(details.innermost_range(13), Some(13..14));
        assert_eq!(details.innermost_range(12), Some(12..14));
        assert_eq!(details.innermost_range(5), Some(0..20));
        assert_eq!(details.innermost_range(25), None);
    }

    #[test]
    fn details_cover_every_byte_with_a_layer() {
        let model = chat();
        for i in 0..model.packets.len() {
            let details = model.packet_details(i).unwrap();
            assert_eq!(details.data.len(), details.packet.caplen as usize);
            assert_eq!(details.osi_layer_of(0), 2, "Ethernet first");
            let tcp = details.packet.tcp.as_ref().unwrap();
            assert_eq!(details.osi_layer_of(tcp.payload().start - 1), 4);
            assert_eq!(
                details.layers.first().map(|l| l.proto),
                Some(Proto::Ethernet)
            );
        }
        assert!(matches!(
            model.packet_details(9999),
            Err(ByteError::NoPacket { index: 9999 })
        ));
    }

    #[test]
    fn app_sections_are_the_items_bytes_in_this_packet() {
        let model = chat();
        let mut seen = (0, 0);
        for row in &model.packets {
            let payload = row.packet.tcp.as_ref().unwrap().payload();
            let sections = app_sections(row);
            assert_eq!(
                sections.len(),
                row.http().len() + row.ws.len() + row.tls().len()
            );
            for s in &sections {
                assert!(payload.start <= s.range.start && s.range.end <= payload.end);
                assert!(!s.range.is_empty(), "{s:?}");
                match s.item {
                    AppItem::Http(_) => seen.0 += 1,
                    AppItem::Tls(_) => unreachable!("chat.pcapng has no TLS"),
                    AppItem::WebSocket(f) => {
                        seen.1 += 1;
                        // A whole frame in one packet: the range is exactly the frame.
                        assert_eq!(
                            s.range.len() as u64,
                            u64::from(f.header_len) + f.payload_len
                        );
                    }
                }
            }
        }
        assert!(seen.0 >= 2 && seen.1 >= 2, "{seen:?}");
    }
}
