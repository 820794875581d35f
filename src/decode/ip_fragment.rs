//! The layer walk's part in fragment reassembly: what an IPv4 header (RFC 791 §3.1) or an IPv6
//! fragment header (RFC 8200 §4.5) says about a fragment, handing it to the [`Reassembler`],
//! and decoding the transport header of a datagram it completes.

use std::net::IpAddr;
use std::ops::Range;

use etherparse::{IpNumber, Ipv4HeaderSlice, LaxIpPayloadSlice, LenSource};

use super::fragments::{Datagram, Fragment, FragmentKey};
use super::layers::{Walk, offset_in, too_short};
use super::{IssueKind, Proto, Reassembled};

/// IPv6 fragment header fields (RFC 8200 §4.5).
mod field {
    use std::ops::Range;
    pub const NEXT_HEADER: usize = 0;
    /// Fragment offset (13 bits, in 8-byte units), 2 reserved bits, the M flag.
    pub const OFFSET_FLAGS: Range<usize> = 2..4;
    pub const IDENTIFICATION: Range<usize> = 4..8;
}

/// What one IP header says about the fragment its packet carries.
#[derive(Clone, Copy, Debug)]
pub(super) struct FragmentSource {
    /// IPv4's protocol (part of the key), or `None` for IPv6.
    protocol: Option<u8>,
    id: u32,
    offset: usize,
    more: bool,
    next_header: u8,
    /// IPv6: where the fragmentable part starts in the frame's bytes (after the fragment
    /// header); IPv4: the IP payload's start.
    data_start: Option<usize>,
}

impl FragmentSource {
    pub(super) fn v4(h: &Ipv4HeaderSlice<'_>) -> Self {
        let protocol = h.protocol().0;
        Self {
            protocol: Some(protocol),
            id: u32::from(h.identification()),
            offset: usize::from(h.fragments_offset().value()) * 8,
            more: h.more_fragments(),
            next_header: protocol,
            data_start: None,
        }
    }

    /// From an IPv6 fragment header's 8 bytes, whose fragmentable part starts at `data_start`.
    pub(super) fn v6(header: &[u8], data_start: usize) -> Option<Self> {
        let flags = u16::from_be_bytes(header.get(field::OFFSET_FLAGS)?.try_into().ok()?);
        Some(Self {
            protocol: None,
            id: u32::from_be_bytes(header.get(field::IDENTIFICATION)?.try_into().ok()?),
            offset: usize::from(flags >> 3) * 8,
            more: flags & 1 == 1,
            next_header: *header.get(field::NEXT_HEADER)?,
            data_start: Some(data_start),
        })
    }
}

impl Walk<'_, '_> {
    /// Hand the fragment in `payload` to the reassembler; decode the datagram if it is done.
    pub(super) fn fragment(&mut self, source: FragmentSource, payload: &LaxIpPayloadSlice<'_>) {
        if payload.incomplete {
            // Fewer bytes captured than sent: a hole that no other fragment fills.
            return;
        }
        let Some(ip) = self.packet.ip else { return };
        let Some(fragments) = self.fragments.as_deref_mut() else {
            return;
        };
        let payload_start = offset_in(self.data, payload.payload);
        let end = payload_start + payload.payload.len();
        let start = source.data_start.unwrap_or(payload_start);
        let Some(data) = self.data.get(start..end) else {
            return;
        };
        let added = fragments.add(&Fragment {
            key: key(ip.src, ip.dst, source),
            offset: source.offset,
            more: source.more,
            next_header: source.next_header,
            data,
            frame: self.packet.number,
            ts_ns: self.packet.ts_ns,
        });
        let (layer, version) = if source.protocol.is_some() {
            ("ipv4", 4)
        } else {
            ("ipv6", 6)
        };
        for issue in added.issues {
            self.issue(layer, IssueKind::Fragment { version, issue });
        }
        if let Some(datagram) = added.datagram {
            self.datagram(datagram);
        }
    }

    /// The transport header of a reassembled datagram, with byte ranges in its bytes.
    fn datagram(&mut self, d: Datagram) {
        self.reassembled(Reassembled {
            frames: d.frames,
            first_layer: 0,
            next_header: d.next_header,
            data: d.data,
        });
    }

    /// Add the transport layer of `r`'s bytes to the packet, and `r` itself.
    pub(super) fn reassembled(&mut self, mut r: Reassembled) {
        r.first_layer = self.layers.len();
        let mut inner = Walk {
            data: &r.data,
            orig_len: r.data.len(),
            packet: &mut *self.packet,
            layers: &mut *self.layers,
            issues: &mut *self.issues,
            fragments: None,
        };
        inner.transport(IpNumber(r.next_header));
        self.packet.reassembled = Some(Box::new(r));
    }

    /// Decode `self.data` as the payload of protocol `next`.
    fn transport(&mut self, next: IpNumber) {
        let data = self.data;
        let whole: Range<usize> = 0..data.len();
        match next {
            IpNumber::TCP => match etherparse::TcpSlice::from_slice(data) {
                Ok(tcp) => {
                    let ip = LaxIpPayloadSlice {
                        incomplete: false,
                        ip_number: next,
                        fragmented: false,
                        len_source: LenSource::Slice,
                        payload: data,
                    };
                    self.tcp(&tcp, &ip);
                }
                Err(etherparse::err::tcp::HeaderSliceError::Len(e)) => {
                    self.issue("tcp", too_short("TCP", &e));
                }
                Err(etherparse::err::tcp::HeaderSliceError::Content(e)) => {
                    self.issue(
                        "tcp",
                        IssueKind::Malformed {
                            error: e.to_string(),
                        },
                    );
                }
            },
            IpNumber::UDP => match etherparse::UdpHeaderSlice::from_slice(data) {
                Ok(udp) => self.push(Proto::Udp, udp.slice()),
                Err(e) => self.issue("udp", too_short("UDP", &e)),
            },
            IpNumber::ICMP => self.push_whole(Proto::Icmpv4, whole),
            IpNumber::IPV6_ICMP => self.push_whole(Proto::Icmpv6, whole),
            _ => {}
        }
    }

    fn push_whole(&mut self, proto: Proto, range: Range<usize>) {
        self.layers.push(super::Layer { proto, range });
    }
}

fn key(src: IpAddr, dst: IpAddr, source: FragmentSource) -> FragmentKey {
    FragmentKey {
        src,
        dst,
        protocol: source.protocol,
        id: source.id,
    }
}
