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
