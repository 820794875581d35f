//! Writing pcapng files (pcap-file) that tshark and Wireshark open: one Interface Description
//! Block per (interface, link type) with nanosecond timestamps, one Enhanced Packet Block per
//! frame, and an Interface Statistics Block with the drop counts at the end.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::interface_statistics::{
    InterfaceStatisticsBlock, InterfaceStatisticsOption,
};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::{Endianness, PcapError};

use super::{CaptureError, Frame, LinkType};

/// `if_tsresol` = 9: timestamps count nanoseconds (pcapng §4.2).
const TS_RESOLUTION_NS: u8 = 9;
const SNAPLEN: u32 = 262_144;

/// Drop counts written into the Interface Statistics Block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropCounts {
    /// Packets the kernel dropped (`isb_ifdrop`).
    pub kernel: u64,
    /// Packets osiscope dropped (`isb_osdrop`).
    pub osiscope: u64,
    /// Packets handed to the writer (`isb_usrdeliv`).
    pub delivered: u64,
}

/// Writes frames to a pcapng stream.
pub struct PcapNgFileWriter<W: Write> {
    inner: PcapNgWriter<W>,
    /// (frame.interface, link type) of each Interface Description Block written, in order.
    interfaces: Vec<(u32, LinkType)>,
    /// The name of each `frame.interface` (the last one names any further).
    interface_names: Vec<String>,
    path: PathBuf,
    last_ts_ns: i64,
}

impl PcapNgFileWriter<BufWriter<File>> {
    /// Create (or truncate) `path`.
    pub fn create(path: &Path, interface_name: &str) -> Result<Self, CaptureError> {
        let file = File::create(path).map_err(|source| CaptureError::Write {
            path: path.to_path_buf(),
            source,
        })?;
        Self::new(BufWriter::new(file), path, interface_name)
    }
}

fn write_error(path: &Path, e: PcapError) -> CaptureError {
    let source = match e {
        PcapError::IoError(io) => io,
        other => std::io::Error::other(other.to_string()),
    };
    CaptureError::Write {
        path: path.to_path_buf(),
        source,
    }
}

impl<W: Write> PcapNgFileWriter<W> {
    /// Start a pcapng stream on `writer`; `path` only names it in errors.
    pub fn new(writer: W, path: &Path, interface_name: &str) -> Result<Self, CaptureError> {
        let section = SectionHeaderBlock {
            endianness: Endianness::native(),
            options: vec![SectionHeaderOption::UserApplication(Cow::Owned(format!(
                "osiscope {}",
                env!("CARGO_PKG_VERSION")
            )))],
            ..SectionHeaderBlock::default()
        };
        let inner =
            PcapNgWriter::with_section_header(writer, section).map_err(|e| write_error(path, e))?;
        Ok(Self {
            inner,
            interfaces: Vec::new(),
            interface_names: vec![interface_name.to_string()],
            path: path.to_path_buf(),
            last_ts_ns: 0,
        })
    }

    /// Name the interfaces of a capture on several (`frame.interface` indexes `names`).
    #[must_use]
    pub fn with_interface_names(mut self, names: &[String]) -> Self {
        if !names.is_empty() {
            self.interface_names = names.to_vec();
        }
        self
    }

    fn interface_id(&mut self, frame: &Frame) -> Result<u32, CaptureError> {
        let key = (frame.interface, frame.link);
        if let Some(i) = self.interfaces.iter().position(|k| *k == key) {
            return Ok(i as u32);
        }
        let idb = InterfaceDescriptionBlock {
            linktype: DataLink::from(frame.link.linktype()),
            snaplen: SNAPLEN,
            options: vec![
                InterfaceDescriptionOption::IfName(Cow::Owned(self.name_of(frame.interface))),
                InterfaceDescriptionOption::IfTsResol(TS_RESOLUTION_NS),
            ],
        };
        self.inner
            .write_pcapng_block(idb)
            .map_err(|e| write_error(&self.path, e))?;
        self.interfaces.push(key);
        Ok(self.interfaces.len() as u32 - 1)
    }

    fn name_of(&self, interface: u32) -> String {
        let names = &self.interface_names;
        usize::try_from(interface)
            .ok()
            .and_then(|i| names.get(i))
            .or(names.last())
            .cloned()
            .unwrap_or_default()
    }

    pub fn write_frame(&mut self, frame: &Frame) -> Result<(), CaptureError> {
        let interface_id = self.interface_id(frame)?;
        self.last_ts_ns = self.last_ts_ns.max(frame.ts_ns);
        let epb = EnhancedPacketBlock {
            interface_id,
            timestamp: Duration::from_nanos(u64::try_from(frame.ts_ns).unwrap_or(0)),
            original_len: frame.orig_len.max(frame.data.len() as u32),
            data: Cow::Borrowed(&frame.data),
            options: vec![],
        };
        self.inner
            .write_pcapng_block(epb)
            .map_err(|e| write_error(&self.path, e))?;
        Ok(())
    }

    /// Record the drop counts of captured interface `interface` (a frame's `interface`): one
    /// Interface Statistics Block for each Interface Description Block its frames were written
    /// under. An interface none of whose frames was written has no block to attach them to.
    pub fn write_drop_counts(
        &mut self,
        interface: u32,
        drops: DropCounts,
    ) -> Result<(), CaptureError> {
        let ids: Vec<u32> = (0u32..)
            .zip(&self.interfaces)
            .filter(|(_, (i, _))| *i == interface)
            .map(|(id, _)| id)
            .collect();
        for interface_id in ids {
            let isb = InterfaceStatisticsBlock {
                interface_id,
                timestamp: u64::try_from(self.last_ts_ns).unwrap_or(0),
                options: vec![
                    InterfaceStatisticsOption::IsbIfDrop(drops.kernel),
                    InterfaceStatisticsOption::IsbOsDrop(drops.osiscope),
                    InterfaceStatisticsOption::IsbUsrDeliv(drops.delivered),
                ],
            };
            self.inner
                .write_pcapng_block(isb)
                .map_err(|e| write_error(&self.path, e))?;
        }
        Ok(())
    }

    /// Flush and give back the underlying writer.
    pub fn finish(self) -> Result<W, CaptureError> {
        let mut w = self.inner.into_inner();
        w.flush().map_err(|source| CaptureError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(number: u64, link: LinkType) -> Frame {
        Frame {
            number,
            ts_ns: 1_700_000_000_123_456_789,
            orig_len: 60,
            link,
            interface: 0,
            data: vec![0xab; 60],
        }
    }

    #[test]
    fn frames_read_back_with_nanosecond_timestamps() {
        let mut w = PcapNgFileWriter::new(Vec::new(), Path::new("mem"), "lo").unwrap();
        w.write_frame(&frame(1, LinkType::Ethernet)).unwrap();
        w.write_frame(&frame(2, LinkType::Ethernet)).unwrap();
        w.write_frame(&frame(3, LinkType::Raw)).unwrap();
        w.write_drop_counts(
            0,
            DropCounts {
                kernel: 1,
                osiscope: 2,
                delivered: 3,
            },
        )
        .unwrap();
        let bytes = w.finish().unwrap();
        let mut r = pcap_file::pcapng::PcapNgReader::new(&bytes[..]).unwrap();
        let mut packets = Vec::new();
        while let Some(block) = r.next_block() {
            if let pcap_file::pcapng::Block::EnhancedPacket(p) = block.unwrap() {
                packets.push((p.interface_id, p.timestamp.as_nanos(), p.data.len()));
            }
        }
        assert_eq!(
            packets,
            [
                (0, 1_700_000_000_123_456_789, 60),
                (0, 1_700_000_000_123_456_789, 60),
                (1, 1_700_000_000_123_456_789, 60)
            ]
        );
        assert_eq!(r.interfaces().len(), 2);
    }

    #[test]
    fn each_interface_gets_its_own_drop_counts() {
        let mut w = PcapNgFileWriter::new(Vec::new(), Path::new("mem"), "eth0")
            .unwrap()
            .with_interface_names(&["eth0".to_string(), "lo".to_string()]);
        let mut on_lo = frame(1, LinkType::Ethernet);
        on_lo.interface = 1;
        w.write_frame(&on_lo).unwrap();
        w.write_frame(&frame(2, LinkType::Ethernet)).unwrap();
        for (interface, kernel) in [(0, 5), (1, 7), (2, 9)] {
            let drops = DropCounts {
                kernel,
                osiscope: kernel + 1,
                delivered: 1,
            };
            w.write_drop_counts(interface, drops).unwrap();
        }
        let bytes = w.finish().unwrap();
        let mut r = pcap_file::pcapng::PcapNgReader::new(&bytes[..]).unwrap();
        let mut stats = Vec::new();
        while let Some(block) = r.next_block() {
            if let pcap_file::pcapng::Block::InterfaceStatistics(isb) = block.unwrap() {
                for option in isb.options {
                    if let InterfaceStatisticsOption::IsbIfDrop(n) = option {
                        stats.push((isb.interface_id, n));
                    }
                }
            }
        }
        // "lo" was seen first, so it is Interface Description Block 0; interface 2 had no
        // frames and so no block.
        let names: Vec<_> = r
            .interfaces()
            .iter()
            .map(|idb| {
                idb.options.iter().find_map(|o| match o {
                    InterfaceDescriptionOption::IfName(n) => Some(n.to_string()),
                    _ => None,
                })
            })
            .collect();
        assert_eq!(names, [Some("lo".into()), Some("eth0".into())]);
        assert_eq!(stats, [(1, 5), (0, 7)]);
    }
}
