//! Reading pcap and pcapng files (pcap-file), frame by frame, stopping with one clear error at
//! the first damage.
//!
//! A regular file is memory-mapped a window at a time (the `map` module); other sources are
//! streamed through a refilling buffer that holds at most one record or block plus one read
//! chunk. Either way a 1 GB capture is never loaded whole. The format is told by magic number.
//!
//! What pcap-file does here and what we do ourselves:
//! - pcap: pcap-file's `PcapParser` reads the file header (both byte orders, µs and ns magic) and
//!   frames each record (`next_raw_packet`). We check `incl_len` first so a corrupt length is
//!   reported as damage instead of making us buffer gigabytes, and we convert timestamps ourselves.
//! - pcapng: we frame and parse blocks ourselves in the `pcapng` submodule. pcap-file's `PcapNgParser` falls
//!   short of real files: it parses every SHB/IDB into typed blocks whose option parsing is strict
//!   (invalid UTF-8 in a comment or `if_name`, an odd option length → error for the whole file),
//!   its EPB timestamp ignores `if_tsresol`/`if_tsoffset` (it takes the raw count as ns), and its
//!   `RawBlock::from_slice` needs a byte-order type from `byteorder_slice`, which it does not
//!   re-export. Block framing is 12 bytes of header and trailer, so doing it here is simpler.

mod map;
mod pcapng;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use pcap_file::PcapError;
use pcap_file::pcap::PcapParser;

use super::{CaptureError, Frame, LinkType};

/// How many bytes one read asks for (at least).
const READ_CHUNK: usize = 256 * 1024;
/// A record or block longer than this is taken as damage (Wireshark's own limit for packets is
/// 256 KiB; pcapng blocks may carry a little more, so we allow generous room).
const MAX_RECORD: usize = 64 * 1024 * 1024;

/// pcap file magic numbers (big-endian reading of the first 4 bytes), and the pcapng SHB type.
mod magic {
    pub const PCAP_US: [u32; 2] = [0xA1B2_C3D4, 0xD4C3_B2A1];
    pub const PCAP_NS: [u32; 2] = [0xA1B2_3C4D, 0x4D3C_B2A1];
    pub const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
}

enum Format {
    Pcap {
        parser: PcapParser,
        link: LinkType,
        big_endian: bool,
        nanos: bool,
    },
    PcapNg(pcapng::Section),
}

/// Where the bytes come from.
enum Source {
    /// Any reader, through a refilling buffer: `buf[..filled]` are the bytes read; the rest is
    /// room for the next read (kept, so that a refill does not zero it again).
    Stream {
        reader: Box<dyn Read + Send>,
        buf: Vec<u8>,
        filled: usize,
    },
    /// A regular file, mapped a window at a time (no copy into a buffer).
    Mapped(map::MappedFile),
}

impl Source {
    /// The bytes at hand: the buffer's or the window's.
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Stream { buf, filled, .. } => buf.get(..*filled).unwrap_or_default(),
            Self::Mapped(m) => m.bytes(),
        }
    }
}

/// Reads a capture file frame by frame. After an error it yields nothing more.
pub struct FileReader {
    source: Source,
    /// Parse position in `source.bytes()`.
    pos: usize,
    /// File offset of `source.bytes()[0]`.
    buf_offset: u64,
    eof: bool,
    done: bool,
    format: Format,
    packets: u64,
    total_bytes: Option<u64>,
    /// A buffer given back with [`FileReader::recycle`], for the next frame's bytes.
    spare: Vec<u8>,
    /// File offset of the last frame's captured bytes.
    frame_offset: u64,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("bytes_read", &self.bytes_read())
            .field("packets", &self.packets)
            .finish_non_exhaustive()
    }
}

impl FileReader {
    /// Opens a pcap or pcapng file. A regular file is memory-mapped a window at a time (see
    /// the `map` module); anything else (a pipe, a device) is read.
    ///
    /// A mapped file that another program cuts short *while* it is being read ends the process
    /// with SIGBUS; damage present when the file is opened is reported as usual. The app, which
    /// holds a file open for long, uses [`FileReader::open_streamed`] instead.
    pub fn open(path: &Path) -> Result<FileReader, CaptureError> {
        Self::open_with(path, true)
    }

    /// Opens a pcap or pcapng file and reads it with `read()` (never mapped): slower than
    /// [`FileReader::open`], but a file cut short while it is read is only an error.
    pub fn open_streamed(path: &Path) -> Result<FileReader, CaptureError> {
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, map: bool) -> Result<FileReader, CaptureError> {
        let open_err = |source| CaptureError::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(open_err)?;
        let meta = file.metadata().map_err(open_err)?;
        let total = meta.len();
        let source = if map && meta.is_file() {
            match map::MappedFile::open(file, total) {
                Ok(mapped) => Source::Mapped(mapped),
                // A file system that cannot map files: read it instead.
                Err((file, _)) => Self::stream(file),
            }
        } else {
            Self::stream(file)
        };
        let mut reader = Self::from_source(source)?;
        reader.total_bytes = Some(total);
        Ok(reader)
    }

    /// Reads a capture held in memory (e.g. embedded in the binary).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<FileReader, CaptureError> {
        let total = bytes.len() as u64;
        let mut reader = Self::from_reader(std::io::Cursor::new(bytes))?;
        reader.total_bytes = Some(total);
        Ok(reader)
    }

    /// Reads a capture from any reader; the format is told by its magic number.
    pub fn from_reader(source: impl Read + Send + 'static) -> Result<FileReader, CaptureError> {
        Self::from_source(Self::stream(source))
    }

    fn stream(reader: impl Read + Send + 'static) -> Source {
        Source::Stream {
            reader: Box::new(reader),
            buf: Vec::new(),
            filled: 0,
        }
    }

    fn from_source(source: Source) -> Result<FileReader, CaptureError> {
        let mut reader = FileReader {
            source,
            pos: 0,
            buf_offset: 0,
            eof: false,
            done: false,
            format: Format::PcapNg(pcapng::Section::default()),
            packets: 0,
            total_bytes: None,
            spare: Vec::new(),
            frame_offset: 0,
        };
        while reader.data().len() < 24 && !reader.eof {
            reader.refill()?;
        }
        let first = reader
            .data()
            .get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        let Some(first) = first else {
            return Err(CaptureError::NotACapture {
                magic: reader.data().to_vec(),
            });
        };
        if magic::PCAP_US.contains(&first) || magic::PCAP_NS.contains(&first) {
            let have = reader.data().len();
            let (rest, parser) = PcapParser::new(reader.data()).map_err(|e| match e {
                PcapError::IncompleteBuffer => CaptureError::Truncated {
                    offset: have as u64,
                    packets: 0,
                    detail: "the pcap file header needs 24 bytes".into(),
                },
                other => CaptureError::Corrupt {
                    offset: 0,
                    packets: 0,
                    detail: other.to_string(),
                },
            })?;
            let header = parser.header();
            reader.pos = have - rest.len();
            // The upper bits of the link type field may carry FCS information (pcap spec §8).
            let link = LinkType::from_linktype(u32::from(header.datalink) & 0x0FFF_FFFF);
            reader.format = Format::Pcap {
                parser,
                link,
                big_endian: header.endianness == pcap_file::Endianness::Big,
                nanos: header.ts_resolution == pcap_file::TsResolution::NanoSecond,
            };
        } else if first != magic::PCAPNG_SHB {
            return Err(CaptureError::NotACapture {
                magic: reader.data().iter().take(8).copied().collect(),
            });
        }
        Ok(reader)
    }

    /// Bytes consumed so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.buf_offset + self.pos as u64
    }

    /// Size of the file, when known.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }

    /// Packets yielded so far.
    pub fn packets_read(&self) -> u64 {
        self.packets
    }

    /// Where the last frame's captured bytes are in the file (or in the bytes given to
    /// [`FileReader::from_bytes`]): the app reads them back from there instead of keeping them.
    pub fn last_frame_offset(&self) -> u64 {
        self.frame_offset
    }

    /// The bytes at hand (read or mapped) and not yet dropped.
    fn data(&self) -> &[u8] {
        self.source.bytes()
    }

    /// Give back a frame's `data` once it is no longer needed: the next frame's bytes are copied
    /// into it instead of a new allocation.
    pub fn recycle(&mut self, mut data: Vec<u8>) {
        if data.capacity() > self.spare.capacity() {
            data.clear();
            self.spare = data;
        }
    }

    /// Makes more bytes available after the unparsed ones: reads one more chunk, or maps the
    /// next window. Sets `eof` when there are none.
    fn refill(&mut self) -> Result<(), CaptureError> {
        let offset = self.bytes_read();
        match &mut self.source {
            Source::Stream {
                reader,
                buf,
                filled,
            } => {
                // Move the unparsed bytes to the front.
                if self.pos > 0 {
                    buf.copy_within(self.pos..*filled, 0);
                    *filled -= self.pos;
                    self.buf_offset += self.pos as u64;
                    self.pos = 0;
                }
                let old = *filled;
                if buf.len() < old + READ_CHUNK {
                    buf.resize(old + READ_CHUNK, 0);
                }
                let n = loop {
                    match reader.read(buf.get_mut(old..).unwrap_or_default()) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(source) => {
                            return Err(CaptureError::Read {
                                offset: self.buf_offset + old as u64,
                                source,
                            });
                        }
                    }
                };
                *filled = old + n;
                if n == 0 {
                    self.eof = true;
                }
            }
            Source::Mapped(m) => {
                let unparsed = m.bytes().len().saturating_sub(self.pos);
                let grew = m
                    .slide(offset, unparsed)
                    .map_err(|source| CaptureError::Read { offset, source })?;
                self.buf_offset = m.start();
                self.pos = (offset - m.start()) as usize;
                if !grew {
                    self.eof = true;
                }
            }
        }
        Ok(())
    }

    fn offset(&self) -> u64 {
        self.bytes_read()
    }

    fn corrupt(&self, detail: String) -> CaptureError {
        CaptureError::Corrupt {
            offset: self.offset(),
            packets: self.packets,
            detail,
        }
    }

    /// As [`Iterator::next`], but the frame's bytes are lent instead of copied into its `data`
    /// (which is left empty): they stay valid until the next call. For a reader that only
    /// needs to look at them (`Engine::process_borrowed`).
    pub fn next_borrowed(&mut self) -> Option<Result<(Frame, &[u8]), CaptureError>> {
        if self.done {
            return None;
        }
        match self.next_frame() {
            Ok(Some((frame, range))) => {
                Some(Ok((frame, self.data().get(range).unwrap_or_default())))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// The next frame (its `data` empty) and where its bytes are in `self.data()`, `Ok(None)`
    /// at a clean end of file.
    fn next_frame(&mut self) -> Result<Option<(Frame, std::ops::Range<usize>)>, CaptureError> {
        loop {
            let data = self.source.bytes();
            let Some(src) = data.get(self.pos..).filter(|s| !s.is_empty()) else {
                if self.eof {
                    return Ok(None);
                }
                self.refill()?;
                continue;
            };
            let step = match &mut self.format {
                Format::Pcap {
                    parser,
                    link,
                    big_endian,
                    nanos,
                } => pcap_step(parser, *link, *big_endian, *nanos, src),
                Format::PcapNg(section) => section.step(src),
            };
            match step {
                Step::NeedMore(what) => {
                    if self.eof {
                        let have = src.len();
                        return Err(CaptureError::Truncated {
                            offset: self.offset(),
                            packets: self.packets,
                            detail: format!("{what}, but only {have} bytes are left in the file"),
                        });
                    }
                    self.refill()?;
                }
                Step::Skip(n) => self.pos += n,
                Step::Frame(n, mut frame, bytes) => {
                    let start = self.pos + self.format.data_start(src);
                    let range = start..start + bytes.len();
                    self.frame_offset = self.buf_offset + start as u64;
                    self.pos += n;
                    self.packets += 1;
                    frame.number = self.packets;
                    return Ok(Some((frame, range)));
                }
                Step::Damaged(detail) => return Err(self.corrupt(detail)),
            }
        }
    }
}

impl Format {
    /// Where a packet record's captured bytes start, counted from the record's first byte.
    fn data_start(&self, record: &[u8]) -> usize {
        match self {
            // ts_sec, ts_frac, incl_len, orig_len (pcap spec §5).
            Format::Pcap { .. } => 16,
            Format::PcapNg(section) => section.data_start(record),
        }
    }
}

/// What one parse step at the current position found.
enum Step<'a> {
    /// Not enough bytes buffered; the text says what was being read.
    NeedMore(String),
    /// A block that carries no packet, this many bytes long.
    Skip(usize),
    /// A packet record this many bytes long (its `number` is filled in by the reader), and its
    /// captured bytes (the reader copies them into `Frame::data`).
    Frame(usize, Frame, &'a [u8]),
    /// The bytes here cannot be a valid record.
    Damaged(String),
}

fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    })
}

fn pcap_step<'a>(
    parser: &PcapParser,
    link: LinkType,
    big_endian: bool,
    nanos: bool,
    src: &'a [u8],
) -> Step<'a> {
    // pcap record header: ts_sec, ts_frac, incl_len, orig_len (pcap spec §5).
    let Some(incl_len) = read_u32(src, 8, big_endian) else {
        return Step::NeedMore("a pcap record header needs 16 bytes".into());
    };
    if incl_len as usize > MAX_RECORD {
        return Step::Damaged(format!("a record claims {incl_len} captured bytes"));
    }
    match parser.next_raw_packet(src) {
        Ok((rest, raw)) => {
            let frac_ns = if nanos {
                i64::from(raw.ts_frac)
            } else {
                i64::from(raw.ts_frac) * 1000
            };
            let frame = Frame {
                number: 0,
                ts_ns: i64::from(raw.ts_sec) * 1_000_000_000 + frac_ns,
                orig_len: raw.orig_len,
                link,
                interface: 0,
                data: Vec::new(),
            };
            // The record's bytes follow its 16-byte header (what `raw.data` borrows).
            let data = src.get(16..16 + raw.data.len()).unwrap_or_default();
            Step::Frame(src.len() - rest.len(), frame, data)
        }
        Err(PcapError::IncompleteBuffer) => {
            Step::NeedMore(format!("a packet record needs {} bytes", 16 + incl_len))
        }
        Err(e) => Step::Damaged(e.to_string()),
    }
}

impl Iterator for FileReader {
    type Item = Result<Frame, CaptureError>;
    fn next(&mut self) -> Option<Self::Item> {
        let spare = std::mem::take(&mut self.spare);
        Some(self.next_borrowed()?.map(|(mut frame, bytes)| {
            let mut data = spare;
            data.clear();
            data.extend_from_slice(bytes);
            frame.data = data;
            frame
        }))
    }
}
