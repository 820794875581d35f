//! Getting frames: pcap/pcapng files (read and write), live capture, link types, and capture
//! errors that say how to fix them.

pub mod error;
pub mod file;
pub mod link;
pub mod live;
pub mod writer;

pub use error::CaptureError;
pub use file::FileReader;
pub use link::LinkType;

/// One captured frame, exactly as the capture source gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// 1-based position in the file (or in the live capture).
    pub number: u64,
    /// Capture time, nanoseconds since the Unix epoch.
    pub ts_ns: i64,
    /// Length of the packet on the wire.
    pub orig_len: u32,
    /// Link type of the interface it was captured on.
    pub link: LinkType,
    /// Interface index (pcapng Interface Description Block order; 0 for pcap and live).
    pub interface: u32,
    /// The captured bytes (`data.len()` is the captured length).
    pub data: Vec<u8>,
}
