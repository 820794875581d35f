//! The layer walk: link header → IP → TCP/UDP/ICMP, with etherparse's lax slicing.
//!
//! Byte ranges of etherparse's slices are found from their position in the frame's bytes
//! (`offset_in`), so every header keeps its place for the hex view without copying.

use std::net::{IpAddr, Ipv4Addr};
use std::ops::Range;
use std::sync::Arc;

use etherparse::err::packet::SliceError;
use etherparse::err::{Layer as EpLayer, LenError};
use etherparse::{
    EtherType, IpNumber, LaxIpPayloadSlice, LaxLinkExtSlice, LaxNetSlice, LaxSlicedPacket,
    LenSource, LinkSlice, TransportSlice,
};

use crate::capture::{Frame, LinkType};

use super::field::{self, be16};
use super::fragments::Reassembler;
use super::ip_fragment::FragmentSource;
use super::link::{self, Next};
use super::{
    IpSummary, Issue, IssueKind, Layer, LengthLimit, Packet, Proto, Reassembled, TcpOptions,
    TcpSegment,
};

/// Tunnels nest at most this deep (IP in IP in IP…), so a crafted packet cannot recurse far.
const MAX_IP_DEPTH: usize = 4;

thread_local! {
    /// The layers of the packet decoded last on this thread, and the list the walk fills:
    /// most packets of a capture have the same headers at the same offsets as the one before,
    /// and then share its list (a count) instead of allocating one each (which the thread that
    /// writes them out would then free).
    static LAYERS: std::cell::RefCell<(Arc<Vec<Layer>>, Vec<Layer>)> =
        std::cell::RefCell::default();
}

/// `layers` as a shared list: the last packet's when they are the same.
fn shared_layers(last: &mut Arc<Vec<Layer>>, layers: &[Layer]) -> Arc<Vec<Layer>> {
    if last.as_slice() != layers {
        *last = Arc::new(layers.to_vec());
    }
    Arc::clone(last)
}

/// A frame that completed `datagram`, decoded again from its bytes `bytes`: the fragment,
/// then the datagram's layers.
pub(super) fn decode_completed(frame: &Frame, bytes: &[u8], datagram: &Reassembled) -> Packet {
    let mut packet = decode_bytes(frame, bytes, None);
    let mut layers = packet.layers.to_vec();
    let mut issues = std::mem::take(&mut packet.issues).into_vec();
    Walk {
        data: bytes,
        orig_len: frame.orig_len as usize,
        packet: &mut packet,
        layers: &mut layers,
        issues: &mut issues,
        fragments: None,
    }
    .reassembled(datagram.clone());
    packet.layers = layers.into();
    packet.issues = issues.into();
    packet
}

/// The packet of a frame whose bytes are `bytes` (`frame.data` is not read).
#[allow(
    clippy::redundant_closure_for_method_calls,
    reason = "`Walk::link` is not a function of every walk: its lifetimes are its impl's"
)]
pub(super) fn decode_bytes(
    frame: &Frame,
    bytes: &[u8],
    fragments: Option<&mut Reassembler>,
) -> Packet {
    decode_walk(frame, bytes, fragments, |w| w.link())
}

/// The packet `walk` makes of a frame whose bytes are `bytes`.
pub(super) fn decode_walk(
    frame: &Frame,
    bytes: &[u8],
    fragments: Option<&mut Reassembler>,
    walk: impl FnOnce(&mut Walk<'_, '_>),
) -> Packet {
    let mut packet = Packet {
        number: frame.number,
        ts_ns: frame.ts_ns,
        len: frame.orig_len,
        link: frame.link,
        interface: frame.interface,
        caplen: bytes.len() as u32,
        // Replaced once the walk is done; a count, where `Arc::default()` allocated an empty
        // list for every packet only to free it. (The packet is made out here, not where the
        // list is borrowed below: returned from there, it was copied once more.)
        layers: LAYERS.with_borrow(|(last, _)| Arc::clone(last)),
        ip: None,
        tcp: None,
        issues: super::RareList::default(),
        reassembled: None,
    };
    LAYERS.with_borrow_mut(|(last, layers)| {
        layers.clear();
        let mut issues = Vec::new();
        let mut state = Walk {
            data: bytes,
            orig_len: frame.orig_len as usize,
            packet: &mut packet,
            layers,
            issues: &mut issues,
            fragments,
        };
        walk(&mut state);
        packet.layers = shared_layers(last, layers);
        packet.issues = issues.into();
    });
    packet
}

/// One walk down a frame's headers, filling in `packet` (its lists grow in `layers` and
/// `issues`, which the packet keeps boxed once the walk is done).
pub(super) struct Walk<'p, 'd> {
    pub(super) data: &'d [u8],
    pub(super) orig_len: usize,
    pub(super) packet: &'p mut Packet,
    pub(super) layers: &'p mut Vec<Layer>,
    pub(super) issues: &'p mut Vec<Issue>,
    pub(super) fragments: Option<&'p mut Reassembler>,
}

/// Where `inner` starts within `outer` (both views of the same frame bytes).
pub(super) fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize)
        .saturating_sub(outer.as_ptr() as usize)
        .min(outer.len())
}

impl Walk<'_, '_> {
    pub(super) fn issue(&mut self, layer: &'static str, kind: IssueKind) {
        self.issues.push(Issue { layer, kind });
    }

    pub(super) fn push(&mut self, proto: Proto, bytes: &[u8]) {
        let start = offset_in(self.data, bytes);
        let end = (start + bytes.len()).min(self.data.len());
        self.layers.push(Layer {
            proto,
            range: start..end,
        });
    }

    fn link(&mut self) {
        if self.packet.link == LinkType::Ethernet && self.ethernet_ipv4_tcp() {
            return;
        }
        self.link_general();
    }

    /// [`Walk::link`] without its shortcut for the common frame (see
    /// [`Walk::ethernet_ipv4_tcp`]): every frame, with etherparse.
    pub(super) fn link_general(&mut self) {
        let data = self.data;
        let header = match link::parse(self.packet.link, data) {
            Ok(h) => h,
            Err(kind) => {
                self.issue("link", kind);
                return;
            }
        };
        let mut rest = data;
        if let Some((proto, range)) = header.header {
            rest = data.get(range.end..).unwrap_or_default();
            self.layers.push(Layer { proto, range });
        }
        let sliced = match header.next {
            Next::Ethernet => match LaxSlicedPacket::from_ethernet(rest) {
                Ok(s) => s,
                Err(e) => return self.issue("eth", too_short("Ethernet", &e)),
            },
            Next::EtherType(t) => LaxSlicedPacket::from_ether_type(EtherType(t), rest),
            Next::Ip => match LaxSlicedPacket::from_ip(rest) {
                Ok(s) => s,
                Err(e) => return self.issue("ip", ip_start_issue(&e)),
            },
        };
        self.sliced(&sliced, 0);
    }

    fn sliced(&mut self, s: &LaxSlicedPacket<'_>, depth: usize) {
        if let Some(LinkSlice::Ethernet2(eth)) = &s.link {
            self.push(Proto::Ethernet, eth.header_slice());
        }
        for ext in &s.link_exts {
            if let LaxLinkExtSlice::Vlan(v) = ext {
                self.push(Proto::Vlan, v.header_slice());
            }
        }
        let mut payload: Option<&LaxIpPayloadSlice<'_>> = None;
        let mut fragment = None;
        match &s.net {
            Some(LaxNetSlice::Ipv4(ip)) => {
                let h = ip.header();
                self.ipv4(h.slice());
                fragment = Some(FragmentSource::v4(&h));
                payload = Some(ip.payload());
            }
            Some(LaxNetSlice::Ipv6(ip)) => {
                let h = ip.header();
                self.push(Proto::Ipv6, h.slice());
                let src = IpAddr::V6(h.source_addr());
                let dst = IpAddr::V6(h.destination_addr());
                self.packet.ip = Some(IpSummary {
                    version: 6,
                    src,
                    dst,
                    ttl: h.hop_limit(),
                });
                fragment = self.ipv6_exts(h.next_header(), ip.extensions().slice());
                payload = Some(ip.payload());
            }
            Some(LaxNetSlice::Arp(arp)) => self.push(Proto::Arp, arp.slice()),
            None => {}
        }
        if let Some((err, layer)) = &s.stop_err {
            let (name, kind) = stop_issue(err, *layer);
            self.issue(name, kind);
        }
        let Some(payload) = payload else { return };
        self.check_ip_length(payload);
        if payload.fragmented {
            if let Some(source) = fragment {
                self.fragment(source, payload);
            }
            return;
        }
        match &s.transport {
            Some(TransportSlice::Tcp(tcp)) => self.tcp(tcp, payload),
            Some(TransportSlice::Udp(udp)) => self.push(Proto::Udp, udp.header_slice()),
            Some(TransportSlice::Icmpv4(icmp)) => self.push(Proto::Icmpv4, icmp.slice()),
            Some(TransportSlice::Icmpv6(icmp)) => self.push(Proto::Icmpv6, icmp.slice()),
            None if s.stop_err.is_none()
                && depth < MAX_IP_DEPTH
                && matches!(payload.ip_number, IpNumber::IPV4 | IpNumber::IPV6) =>
            {
                // IP in IP: decode the inner packet; `ip` ends up the innermost.
                if let Ok(inner) = LaxSlicedPacket::from_ip(payload.payload) {
                    self.sliced(&inner, depth + 1);
                }
            }
            Some(TransportSlice::Igmp(_)) | None => {}
        }
    }

    /// An IPv4 header (`header`: at least the fixed 20 bytes, its options after): its layer
    /// and its facts.
    pub(super) fn ipv4(&mut self, header: &[u8]) {
        self.push(Proto::Ipv4, header);
        let addr = |range| Ipv4Addr::from(field::be32(header, range).unwrap_or_default());
        self.packet.ip = Some(IpSummary {
            version: 4,
            src: IpAddr::V4(addr(field::ipv4::SRC_ADDR)),
            dst: IpAddr::V4(addr(field::ipv4::DST_ADDR)),
            ttl: field::u8_at(header, field::ipv4::TTL).unwrap_or_default(),
        });
    }

    /// An IP header that declares more payload than the packet had on the wire is malformed
    /// (Wireshark: "IPv4 total length exceeds packet length"); fewer captured bytes than on the
    /// wire is only a short snap length and no issue.
    fn check_ip_length(&mut self, payload: &LaxIpPayloadSlice<'_>) {
        if !payload.incomplete {
            return;
        }
        let (declared, proto) = declared_ip_payload_len(payload, self.data, self.layers);
        let start = offset_in(self.data, payload.payload);
        let on_wire = self.orig_len.saturating_sub(start);
        if declared > on_wire {
            let (layer, version) = match proto {
                Proto::Ipv6 => ("ipv6", 6),
                _ => ("ipv4", 4),
            };
            self.issue(
                layer,
                IssueKind::IpLengthExceedsPacket {
                    version,
                    declared,
                    on_wire,
                },
            );
        }
    }

    /// IPv6 extension headers, one layer each (RFC 8200 §4; AH is RFC 4302 §2.2). Returns
    /// what the fragment header says, if there is one.
    fn ipv6_exts(&mut self, first: IpNumber, exts: &[u8]) -> Option<FragmentSource> {
        let mut fragment = None;
        let mut next = first;
        let mut rest = exts;
        while !rest.is_empty() {
            let len = match next {
                IpNumber::IPV6_FRAGMENTATION_HEADER => 8,
                IpNumber::AUTHENTICATION_HEADER => {
                    rest.get(1).map_or(0, |l| (usize::from(*l) + 2) * 4)
                }
                _ => rest.get(1).map_or(0, |l| (usize::from(*l) + 1) * 8),
            };
            let Some(header) = rest.get(..len) else { break };
            if header.is_empty() {
                break;
            }
            if next == IpNumber::IPV6_FRAGMENTATION_HEADER {
                fragment = FragmentSource::v6(header, offset_in(self.data, header) + len);
            }
            self.push(Proto::Ipv6Ext, header);
            next = IpNumber(header.first().copied().unwrap_or_default());
            rest = rest.get(len..).unwrap_or_default();
        }
        fragment
    }

    pub(super) fn tcp(&mut self, tcp: &etherparse::TcpSlice<'_>, ip: &LaxIpPayloadSlice<'_>) {
        let header = tcp.header_slice();
        self.push(Proto::Tcp, header);
        // The IP payload length as the IP header says, but no more than the packet's original
        // length leaves (Wireshark: "total length exceeds packet length" → reported length).
        let ip_start = offset_in(self.data, ip.payload);
        let declared = declared_ip_payload_len(ip, self.data, self.layers)
            .0
            .min(self.orig_len.saturating_sub(ip_start));
        let payload_start = offset_in(self.data, tcp.payload());
        let payload_end = (payload_start + tcp.payload().len()).min(self.data.len());
        self.tcp_facts(header, declared, payload_start..payload_end);
    }

    /// The facts of the TCP header `header` (whole: at least 20 bytes, as long as its data
    /// offset says), in an IP payload that declares `declared` bytes (header included), whose
    /// captured payload is at `payload` in the frame's bytes. Its layer was pushed.
    pub(super) fn tcp_facts(&mut self, header: &[u8], declared: usize, payload: Range<usize>) {
        use field::tcp;
        let (options, problem) = TcpOptions::parse(header.get(tcp::OPTIONS..).unwrap_or_default());
        if let Some(problem) = problem {
            self.issue("tcp", problem);
        }
        let h16 = |range| be16(header, range).unwrap_or_default();
        let h32 = |range| field::be32(header, range).unwrap_or_default();
        self.packet.tcp = Some(TcpSegment {
            src_port: h16(tcp::SRC_PORT),
            dst_port: h16(tcp::DST_PORT),
            seq: h32(tcp::SEQ_NUM),
            ack: h32(tcp::ACK_NUM),
            flags: h16(tcp::FLAGS) & tcp::FLAGS_MASK,
            window: h16(tcp::WIN_SIZE),
            checksum: h16(tcp::CHECKSUM),
            urgent: h16(tcp::URGENT),
            header_len: header.len() as u8,
            options,
            payload_len: declared.saturating_sub(header.len()) as u32,
            payload_at: TcpSegment::payload_range(payload),
        });
    }
}

/// The IP payload length the IP header declares, when it says more than was captured
/// (etherparse then falls back to the captured length): IPv4 total length − header length, or
/// IPv6 payload length − extension headers. Also says which IP version it was.
fn declared_ip_payload_len(
    ip: &LaxIpPayloadSlice<'_>,
    data: &[u8],
    layers: &[Layer],
) -> (usize, Proto) {
    let captured = ip.payload.len();
    let Some(at) = layers
        .iter()
        .rposition(|l| matches!(l.proto, Proto::Ipv4 | Proto::Ipv6))
    else {
        return (captured, Proto::Ipv4);
    };
    let ip_layer = &layers[at];
    if !ip.incomplete {
        return (captured, ip_layer.proto);
    }
    let header = data.get(ip_layer.range.clone()).unwrap_or_default();
    let declared = if ip_layer.proto == Proto::Ipv4 {
        usize::from(be16(header, field::ipv4::LENGTH).unwrap_or_default())
            .saturating_sub(header.len())
    } else {
        let exts: usize = layers
            .iter()
            .skip(at + 1)
            .filter(|l| l.proto == Proto::Ipv6Ext)
            .map(|l| l.range.len())
            .sum();
        usize::from(be16(header, field::ipv6::LENGTH).unwrap_or_default()).saturating_sub(exts)
    };
    (declared.max(captured), ip_layer.proto)
}

/// A header of `header` cut short, e.g. "Ethernet header needs 14 bytes, 9 captured".
pub(super) fn too_short(header: &'static str, e: &LenError) -> IssueKind {
    let limit = match e.len_source {
        LenSource::Slice => LengthLimit::Captured,
        LenSource::Ipv4HeaderTotalLen => LengthLimit::Ipv4TotalLength,
        LenSource::Ipv6HeaderPayloadLen => LengthLimit::Ipv6PayloadLength,
        LenSource::UdpHeaderLen => LengthLimit::UdpLength,
        LenSource::TcpHeaderLen => LengthLimit::TcpHeaderLength,
        _ => LengthLimit::Other,
    };
    if header.starts_with("IP") && e.len == 0 {
        // etherparse asks for 1 byte (the version nibble); every IP header needs at least 20.
        return IssueKind::TooShort {
            header: "IP",
            needs: 20,
            got: 0,
            limit,
        };
    }
    IssueKind::TooShort {
        header,
        needs: e.required_len,
        got: e.len,
        limit,
    }
}

fn ip_start_issue(e: &etherparse::err::ip::LaxHeaderSliceError) -> IssueKind {
    use etherparse::err::ip::LaxHeaderSliceError as E;
    match e {
        E::Len(l) => too_short("IP", l),
        E::Content(c) => IssueKind::BadIpHeader {
            error: c.to_string(),
        },
    }
}

/// The layer name and issue for where etherparse stopped.
fn stop_issue(err: &SliceError, layer: EpLayer) -> (&'static str, IssueKind) {
    let name = match layer {
        EpLayer::LinuxSllHeader => "sll",
        EpLayer::Ethernet2Header | EpLayer::EtherPayload => "eth",
        EpLayer::VlanHeader => "vlan",
        EpLayer::IpHeader | EpLayer::Ipv4Header | EpLayer::Ipv4Packet | EpLayer::IpAuthHeader => {
            "ipv4"
        }
        EpLayer::Ipv6Header
        | EpLayer::Ipv6Packet
        | EpLayer::Ipv6ExtHeader
        | EpLayer::Ipv6HopByHopHeader
        | EpLayer::Ipv6DestOptionsHeader
        | EpLayer::Ipv6RouteHeader
        | EpLayer::Ipv6FragHeader => "ipv6",
        EpLayer::UdpHeader | EpLayer::UdpPayload => "udp",
        EpLayer::TcpHeader => "tcp",
        EpLayer::Icmpv4 | EpLayer::Icmpv4Timestamp | EpLayer::Icmpv4TimestampReply => "icmp",
        EpLayer::Icmpv6 => "icmpv6",
        EpLayer::Arp => "arp",
        _ => "link",
    };
    let kind = match err {
        SliceError::Len(l) => too_short(layer_title(layer), l),
        other => IssueKind::Malformed {
            error: other.to_string(),
        },
    };
    (name, kind)
}

fn layer_title(layer: EpLayer) -> &'static str {
    match layer {
        EpLayer::TcpHeader => "TCP",
        EpLayer::UdpHeader | EpLayer::UdpPayload => "UDP",
        EpLayer::Ipv4Header | EpLayer::IpHeader | EpLayer::Ipv4Packet => "IPv4",
        EpLayer::Ipv6Header | EpLayer::Ipv6Packet => "IPv6",
        EpLayer::Ipv6FragHeader => "IPv6 fragment",
        EpLayer::Ipv6ExtHeader
        | EpLayer::Ipv6HopByHopHeader
        | EpLayer::Ipv6DestOptionsHeader
        | EpLayer::Ipv6RouteHeader => "IPv6 extension",
        EpLayer::VlanHeader => "VLAN",
        EpLayer::Icmpv4 | EpLayer::Icmpv4Timestamp | EpLayer::Icmpv4TimestampReply => "ICMP",
        EpLayer::Icmpv6 => "ICMPv6",
        EpLayer::Arp => "ARP",
        _ => "link",
    }
}
