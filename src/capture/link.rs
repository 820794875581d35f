//! Link-layer header types (`LINKTYPE_*` values from tcpdump.org's registry).

use serde::Serialize;

/// The link-layer header type of a capture interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum LinkType {
    /// `LINKTYPE_ETHERNET` (1).
    Ethernet,
    /// `LINKTYPE_NULL` (0): BSD loopback, 4-byte address family in the capturing host's byte order.
    Null,
    /// `LINKTYPE_LOOP` (108): OpenBSD loopback, address family in network byte order.
    Loop,
    /// `LINKTYPE_LINUX_SLL` (113): Linux cooked capture v1.
    LinuxSll,
    /// `LINKTYPE_LINUX_SLL2` (276): Linux cooked capture v2.
    LinuxSll2,
    /// `LINKTYPE_RAW` (101): raw IPv4 or IPv6, version from the first nibble.
    Raw,
    /// `LINKTYPE_IPV4` (228).
    Ipv4,
    /// `LINKTYPE_IPV6` (229).
    Ipv6,
    /// Anything else, by its LINKTYPE number.
    Other(u32),
}

impl LinkType {
    /// Not a LINKTYPE: a pcapng custom block shown as a frame (as Wireshark does), its bytes
    /// the block's data after the Private Enterprise Number. The value is outside the LINKTYPE
    /// range (the upper bits of a pcap link type field are reserved).
    pub const PCAPNG_CUSTOM_BLOCK: LinkType = LinkType::Other(0x0BAD_0000);

    /// From a `LINKTYPE_*` number (also accepts the `DLT_RAW` aliases 12 and 14).
    pub fn from_linktype(value: u32) -> Self {
        match value {
            0 => Self::Null,
            1 => Self::Ethernet,
            108 => Self::Loop,
            113 => Self::LinuxSll,
            276 => Self::LinuxSll2,
            101 | 12 | 14 => Self::Raw,
            228 => Self::Ipv4,
            229 => Self::Ipv6,
            other => Self::Other(other),
        }
    }

    /// The `LINKTYPE_*` number to write into a pcap/pcapng file.
    pub fn linktype(self) -> u32 {
        match self {
            Self::Null => 0,
            Self::Ethernet => 1,
            Self::Loop => 108,
            Self::LinuxSll => 113,
            Self::LinuxSll2 => 276,
            Self::Raw => 101,
            Self::Ipv4 => 228,
            Self::Ipv6 => 229,
            Self::Other(v) => v,
        }
    }

    /// The name used in `decode --format json` (`link`).
    pub fn json_name(self) -> &'static str {
        match self {
            Self::Ethernet => "ethernet",
            Self::Null | Self::Loop => "null",
            Self::LinuxSll => "sll",
            Self::LinuxSll2 => "sll2",
            Self::Raw | Self::Ipv4 | Self::Ipv6 => "raw",
            Self::Other(_) => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linktype_numbers_round_trip() {
        for v in [0, 1, 101, 108, 113, 228, 229, 276, 147] {
            assert_eq!(LinkType::from_linktype(v).linktype(), v);
        }
        assert_eq!(LinkType::from_linktype(12), LinkType::Raw);
    }
}
