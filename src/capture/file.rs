//! Reading pcap and pcapng files (pcap-file), frame by frame, stopping with one clear error at
//! the first damage.

use super::{CaptureError, Frame};

/// Reads a capture file frame by frame. After an error it yields nothing more.
pub struct FileReader {}

impl Iterator for FileReader {
    type Item = Result<Frame, CaptureError>;
    fn next(&mut self) -> Option<Self::Item> {
        todo!("file reader")
    }
}

impl FileReader {
    /// Open a pcap or pcapng file.
    pub fn open(path: &std::path::Path) -> Result<Self, CaptureError> {
        let _ = path;
        todo!()
    }
}
