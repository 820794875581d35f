//! TCP options (RFC 9293 §3.2, RFC 7323 window scale and timestamps, RFC 2018 SACK).

/// The TCP options Wireshark and a teacher care about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// Maximum segment size (kind 2).
    pub mss: Option<u16>,
    /// Window scale shift count (kind 3).
    pub window_scale: Option<u8>,
    /// SACK permitted (kind 4).
    pub sack_permitted: bool,
    /// SACK blocks (kind 5), left and right edges.
    pub sack: Vec<(u32, u32)>,
    /// Timestamps (kind 8): value and echo reply.
    pub timestamps: Option<(u32, u32)>,
}
