//! What can be wrong with a packet's headers: a header cut short, a length field that says more
//! than the packet holds, a malformed option. Each kind keeps the numbers; the sentence a
//! person reads is in `lesson::annotations`. A packet with an issue keeps the layers that parsed.

/// Something wrong with a packet, at a layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// The layer's short name, as in the JSON `layers` ("eth", "ipv4", "tcp"…).
    pub layer: &'static str,
    pub kind: IssueKind,
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueKind {
    /// A header needs `needs` bytes and only `got` are there, `got` being limited by `limit`
    /// (the capture, or a length field of an enclosing header). `header` is its title
    /// ("Ethernet", "IPv4", "TCP", "Linux cooked capture (SLL)"…).
    TooShort {
        header: &'static str,
        needs: usize,
        got: usize,
        limit: LengthLimit,
    },
    /// The IP header itself is malformed (bad version, header length…, RFC 791 §3.1,
    /// RFC 8200 §3); `error` is etherparse's reason.
    BadIpHeader { error: String },
    /// etherparse stopped at a malformed header; `error` is its reason.
    Malformed { error: String },
    /// The IPv4 total length (RFC 791 §3.1) or IPv6 payload length (RFC 8200 §3) says more
    /// payload than the packet had on the wire.
    IpLengthExceedsPacket {
        version: u8,
        declared: usize,
        on_wire: usize,
    },
    /// A BSD loopback header whose address family is neither IPv4 nor IPv6.
    UnknownAddressFamily { family: u32 },
    /// A pcapng custom block, not a packet.
    CustomBlock,
    /// A link type osiscope does not decode (its `LINKTYPE_` number).
    UnsupportedLinkType { link_type: u32 },
    /// A TCP option whose length byte is missing (RFC 9293 §3.2).
    TcpOptionWithoutLength { kind: u8, offset: usize },
    /// A TCP option whose length byte runs past the header, or is under 2 (RFC 9293 §3.2).
    TcpOptionOverrun { kind: u8, len: u8, left: usize },
    /// A TCP option of a known kind with the wrong length for it (RFC 9293 §3.2, RFC 7323,
    /// RFC 2018).
    TcpOptionBadLength { kind: u8, len: usize },
    /// Something wrong with an IP fragment of a datagram of IP version `version` (RFC 791 §3.2,
    /// RFC 8200 §4.5): it is still used, as Wireshark uses it.
    Fragment {
        version: u8,
        issue: super::FragmentIssue,
    },
}

/// What limited the bytes a header could use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthLimit {
    /// The captured bytes.
    Captured,
    /// The IPv4 total length.
    Ipv4TotalLength,
    /// The IPv6 payload length.
    Ipv6PayloadLength,
    /// The UDP length.
    UdpLength,
    /// The TCP header length.
    TcpHeaderLength,
    /// Something else etherparse tracks.
    Other,
}

impl IssueKind {
    /// The RFC section the kind is about, e.g. "RFC 9293 §3.2"; `None` where the packet is
    /// only cut short or not something we decode.
    pub fn rfc_section(&self) -> Option<&'static str> {
        match self {
            Self::IpLengthExceedsPacket { version: 6, .. } => Some("RFC 8200 §3"),
            Self::IpLengthExceedsPacket { .. } | Self::BadIpHeader { .. } => Some("RFC 791 §3.1"),
            Self::Fragment { version: 6, .. } => Some("RFC 8200 §4.5"),
            Self::Fragment { .. } => Some("RFC 791 §3.2"),
            Self::TcpOptionWithoutLength { .. }
            | Self::TcpOptionOverrun { .. }
            | Self::TcpOptionBadLength { .. } => Some("RFC 9293 §3.2"),
            Self::TooShort { .. }
            | Self::Malformed { .. }
            | Self::UnknownAddressFamily { .. }
            | Self::CustomBlock
            | Self::UnsupportedLinkType { .. } => None,
        }
    }
}
