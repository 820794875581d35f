//! Where every header field is: the byte ranges of each protocol's fields, relative to the
//! start of its header (smoltcp's `mod field`), with the specification that lays them out, and
//! the big-endian readers that take a range. The parser and the details tree both read them.

use std::ops::Range;

/// BSD loopback (`LINKTYPE_NULL` / `LINKTYPE_LOOP`): one 4-byte address family.
pub(super) mod null {
    use std::ops::Range;
    pub const FAMILY: Range<usize> = 0..4;
    pub const LEN: usize = 4;
    /// `AF_INET` on every BSD.
    pub const AF_INET: u32 = 2;
    /// `AF_INET6` on NetBSD/OpenBSD (24), FreeBSD/DragonFly (28), macOS (30).
    pub const AF_INET6: [u32; 3] = [24, 28, 30];
}

/// Linux cooked capture v1 (`LINKTYPE_LINUX_SLL`), 16 bytes.
pub(super) mod sll {
    use std::ops::Range;
    pub const PACKET_TYPE: Range<usize> = 0..2;
    pub const ARPHRD: Range<usize> = 2..4;
    pub const ADDR_LEN: Range<usize> = 4..6;
    pub const ADDR: Range<usize> = 6..14;
    pub const PROTOCOL: Range<usize> = 14..16;
    pub const LEN: usize = 16;
}

/// Linux cooked capture v2 (`LINKTYPE_LINUX_SLL2`), 20 bytes.
pub(super) mod sll2 {
    use std::ops::Range;
    pub const PROTOCOL: Range<usize> = 0..2;
    pub const RESERVED: Range<usize> = 2..4;
    pub const IFINDEX: Range<usize> = 4..8;
    pub const ARPHRD: Range<usize> = 8..10;
    pub const PACKET_TYPE: Range<usize> = 10..11;
    pub const ADDR_LEN: Range<usize> = 11..12;
    pub const ADDR: Range<usize> = 12..20;
    pub const LEN: usize = 20;
}

/// Ethernet II (IEEE 802.3 §3.1.1), without the VLAN tags that may follow the source.
pub(super) mod ethernet {
    use std::ops::Range;
    pub const DESTINATION: Range<usize> = 0..6;
    pub const SOURCE: Range<usize> = 6..12;
    pub const ETHERTYPE: Range<usize> = 12..14;
}

/// An IEEE 802.1Q VLAN tag after its TPID (0x8100, in the type field of the header before
/// it): tag control information (priority, DEI, VLAN id) and the ether type.
pub(super) mod vlan {
    use std::ops::Range;
    pub const TCI: Range<usize> = 0..2;
    pub const ETHERTYPE: Range<usize> = 2..4;
    pub const PRIORITY_MASK: u16 = 0xE000;
    pub const DEI_MASK: u16 = 0x1000;
    pub const ID_MASK: u16 = 0x0FFF;
}

/// IPv4 (RFC 791 §3.1); options, if any, follow `DST_ADDR`.
pub(super) mod ipv4 {
    use std::ops::Range;
    /// Version (high nibble) and Internet Header Length in 32-bit words (low nibble).
    pub const VER_IHL: Range<usize> = 0..1;
    /// Differentiated Services (RFC 2474) and ECN (RFC 3168).
    pub const DSCP_ECN: Range<usize> = 1..2;
    pub const LENGTH: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    /// Flags (high 3 bits) and fragment offset in 8-byte units (low 13 bits).
    pub const FLG_OFF: Range<usize> = 6..8;
    pub const TTL: Range<usize> = 8..9;
    pub const PROTOCOL: Range<usize> = 9..10;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SRC_ADDR: Range<usize> = 12..16;
    pub const DST_ADDR: Range<usize> = 16..20;
    pub const VERSION_MASK: u8 = 0xF0;
    pub const IHL_MASK: u8 = 0x0F;
    pub const FLAGS_MASK: u16 = 0xE000;
    pub const RESERVED_BIT: u16 = 0x8000;
    pub const DONT_FRAGMENT: u16 = 0x4000;
    pub const MORE_FRAGMENTS: u16 = 0x2000;
    pub const OFFSET_MASK: u16 = 0x1FFF;
}

/// IPv6 (RFC 8200 §3); extension headers follow `DST_ADDR`.
pub(super) mod ipv6 {
    use std::ops::Range;
    /// Version (4 bits), Traffic Class (8 bits) and Flow Label (20 bits).
    pub const VER_TC_FLOW: Range<usize> = 0..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const NXT_HDR: Range<usize> = 6..7;
    pub const HOP_LIMIT: Range<usize> = 7..8;
    pub const SRC_ADDR: Range<usize> = 8..24;
    pub const DST_ADDR: Range<usize> = 24..40;
    pub const VERSION_MASK: u32 = 0xF000_0000;
    pub const TRAFFIC_CLASS_MASK: u32 = 0x0FF0_0000;
    pub const FLOW_LABEL_MASK: u32 = 0x000F_FFFF;
}

/// UDP (RFC 768).
pub(super) mod udp {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
}

/// ICMP (RFC 792) and `ICMPv6` (RFC 4443 §2.1): the two fields they share.
pub(super) mod icmp {
    use std::ops::Range;
    pub const TYPE: Range<usize> = 0..1;
    pub const CODE: Range<usize> = 1..2;
}

/// TCP (RFC 9293 §3.1); options from `OPTIONS` to the data offset.
pub(super) mod tcp {
    use std::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ_NUM: Range<usize> = 4..8;
    pub const ACK_NUM: Range<usize> = 8..12;
    /// Data offset in 32-bit words (high nibble of the first byte).
    pub const DATA_OFFSET: Range<usize> = 12..13;
    /// Data offset (4 bits) and the 12-bit flags field (reserved bits, AE, CWR, ECE, URG,
    /// ACK, PSH, RST, SYN, FIN).
    pub const FLAGS: Range<usize> = 12..14;
    pub const WIN_SIZE: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
    /// Where options start (the fixed header's length).
    pub const OPTIONS: usize = 20;
    pub const DATA_OFFSET_MASK: u8 = 0xF0;
    pub const FLAGS_MASK: u16 = 0x0FFF;

    /// The values of the options osiscope reads, relative to the value's first byte (after
    /// kind and length).
    pub mod option {
        use std::ops::Range;
        /// Maximum segment size (RFC 9293 §3.7.1).
        pub const MSS: Range<usize> = 0..2;
        /// Timestamps (RFC 7323 §3.2).
        pub const TS_VAL: Range<usize> = 0..4;
        pub const TS_ECR: Range<usize> = 4..8;
        /// One SACK block (RFC 2018 §3): left and right edge, 8 bytes in all.
        pub const SACK_LEFT: Range<usize> = 0..4;
        pub const SACK_RIGHT: Range<usize> = 4..8;
        pub const SACK_BLOCK_LEN: usize = 8;
    }
}

/// The byte at the start of `range` in `data`.
pub(super) fn u8_at(data: &[u8], range: Range<usize>) -> Option<u8> {
    data.get(range.start).copied()
}

/// The big-endian 16-bit value at `range` (2 bytes) in `data`.
pub(super) fn be16(data: &[u8], range: Range<usize>) -> Option<u16> {
    let b: [u8; 2] = data.get(range)?.try_into().ok()?;
    Some(u16::from_be_bytes(b))
}

/// The big-endian 32-bit value at `range` (4 bytes) in `data`.
pub(super) fn be32(data: &[u8], range: Range<usize>) -> Option<u32> {
    let b: [u8; 4] = data.get(range)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

/// `range` moved to start at `at` (a header's offset in the packet).
pub(super) fn shift(range: Range<usize>, at: usize) -> Range<usize> {
    range.start + at..range.end + at
}
