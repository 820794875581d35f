//! Link-layer headers etherparse does not know (BSD NULL/LOOP, Linux SLL2) or that we read
//! ourselves for their byte ranges (Linux SLL): what comes next and where.

use std::ops::Range;

use crate::capture::LinkType;

use super::field::{be16, be32, null, sll, sll2};
use super::{IssueKind, LengthLimit, Proto};

pub(super) const ETHERTYPE_IPV4: u16 = 0x0800;
pub(super) const ETHERTYPE_IPV6: u16 = 0x86DD;

/// What follows a link header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// An Ethernet II frame at offset 0 (etherparse parses it, with its VLAN tags).
    Ethernet,
    /// A payload of this ether type.
    EtherType(u16),
    /// An IP packet; the version nibble says which.
    Ip,
}

/// The header of a link type we parse ourselves, or what to do for the others.
pub(super) struct LinkHeader {
    /// The header's protocol and its byte range, if there is one.
    pub header: Option<(Proto, Range<usize>)>,
    pub next: Next,
}

/// The NULL header's address family: written in the capturing host's byte order, so a value
/// that only makes sense byte-swapped is swapped (as Wireshark does). LOOP is always big-endian.
pub(super) fn null_family(data: &[u8], link: LinkType) -> Option<u32> {
    let be = be32(data, null::FAMILY)?;
    if link == LinkType::Loop || be & 0xFFFF_0000 == 0 {
        Some(be)
    } else {
        Some(be.swap_bytes())
    }
}

/// Reads the link header of `data` for `link`; `Err` is the issue.
pub(super) fn parse(link: LinkType, data: &[u8]) -> Result<LinkHeader, IssueKind> {
    let need = |header: &'static str, needs: usize| IssueKind::TooShort {
        header,
        needs,
        got: data.len(),
        limit: LengthLimit::Captured,
    };
    match link {
        LinkType::Ethernet => Ok(LinkHeader {
            header: None,
            next: Next::Ethernet,
        }),
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 => Ok(LinkHeader {
            header: None,
            next: Next::Ip,
        }),
        LinkType::Null | LinkType::Loop => {
            let family = null_family(data, link).ok_or_else(|| need("Null/Loopback", null::LEN))?;
            let header = Some((Proto::Null, 0..null::LEN));
            let ether_type = match family {
                null::AF_INET => ETHERTYPE_IPV4,
                f if null::AF_INET6.contains(&f) => ETHERTYPE_IPV6,
                family => return Err(IssueKind::UnknownAddressFamily { family }),
            };
            Ok(LinkHeader {
                header,
                next: Next::EtherType(ether_type),
            })
        }
        LinkType::LinuxSll => {
            let protocol = be16(data, sll::PROTOCOL)
                .ok_or_else(|| need("Linux cooked capture (SLL)", sll::LEN))?;
            Ok(LinkHeader {
                header: Some((Proto::Sll, 0..sll::LEN)),
                next: Next::EtherType(protocol),
            })
        }
        LinkType::LinuxSll2 => {
            if data.len() < sll2::LEN {
                return Err(need("Linux cooked capture v2 (SLL2)", sll2::LEN));
            }
            let protocol = be16(data, sll2::PROTOCOL).unwrap_or_default();
            Ok(LinkHeader {
                header: Some((Proto::Sll2, 0..sll2::LEN)),
                next: Next::EtherType(protocol),
            })
        }
        LinkType::PCAPNG_CUSTOM_BLOCK => Err(IssueKind::CustomBlock),
        LinkType::Other(link_type) => Err(IssueKind::UnsupportedLinkType { link_type }),
    }
}
