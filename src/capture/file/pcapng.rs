//! pcapng blocks (draft-ietf-opsawg-pcapng): framing, section byte order, interfaces with their
//! link types and timestamp resolution, and the three packet block kinds (EPB, SPB, obsolete PB).

use super::{MAX_RECORD, Step, magic, read_u32};
use crate::capture::{Frame, LinkType};

/// Block types (pcapng §4 and appendix).
mod block {
    pub const INTERFACE_DESCRIPTION: u32 = 0x0000_0001;
    pub const PACKET_OBSOLETE: u32 = 0x0000_0002;
    pub const SIMPLE_PACKET: u32 = 0x0000_0003;
    pub const ENHANCED_PACKET: u32 = 0x0000_0006;
    /// Custom blocks (pcapng §4.8), copyable and not copyable.
    pub const CUSTOM: u32 = 0x0000_0BAD;
    pub const CUSTOM_NO_COPY: u32 = 0x4000_0BAD;
}

/// The byte-order magic of a section header, read big-endian: this value means big-endian.
const BYTE_ORDER_MAGIC_BE: u32 = 0x1A2B_3C4D;
const BYTE_ORDER_MAGIC_LE: u32 = 0x4D3C_2B1A;

/// IDB options we use (pcapng §4.2).
mod option {
    pub const END: u16 = 0;
    pub const IF_TSRESOL: u16 = 9;
    pub const IF_TSOFFSET: u16 = 14;
}

/// One interface of the current section.
#[derive(Clone, Debug)]
struct Interface {
    link: LinkType,
    snaplen: u32,
    /// `if_tsresol`: bit 7 clear → 10^-n seconds, set → 2^-n seconds. Default 6 (µs).
    tsresol: u8,
    /// `if_tsoffset`: seconds added to every timestamp.
    tsoffset_s: i64,
}

impl Interface {
    /// Nanoseconds since the epoch for a raw timestamp count, saturating on absurd values.
    fn ts_ns(&self, count: u64) -> i64 {
        let count = i128::from(count);
        let exp = u32::from(self.tsresol & 0x7F);
        let ns = if self.tsresol & 0x80 == 0 {
            if exp <= 9 {
                count * 10_i128.pow(9 - exp)
            } else {
                count / 10_i128.checked_pow(exp - 9).unwrap_or(i128::MAX)
            }
        } else if exp < 64 {
            (count * 1_000_000_000) >> exp
        } else {
            0
        };
        let total = ns + i128::from(self.tsoffset_s) * 1_000_000_000;
        i64::try_from(total).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
    }
}

/// State of the current section: its byte order and its interfaces.
#[derive(Clone, Debug, Default)]
pub(super) struct Section {
    big_endian: bool,
    /// Until the first SHB is read, nothing else is valid.
    started: bool,
    interfaces: Vec<Interface>,
    /// Timestamp of the last packet, for blocks that have none (SPB, custom blocks).
    last_ts_ns: i64,
}

/// A little-endian or big-endian view of a block body.
struct Body<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl Body<'_> {
    fn u32(&self, at: usize) -> Option<u32> {
        read_u32(self.bytes, at, self.big_endian)
    }
    fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }
    fn u64_hi_lo(&self, at: usize) -> Option<u64> {
        Some(u64::from(self.u32(at)?) << 32 | u64::from(self.u32(at + 4)?))
    }
}

impl Section {
    /// Parses the block at the start of `src`.
    pub(super) fn step<'a>(&mut self, src: &'a [u8]) -> Step<'a> {
        let Some(kind) = read_u32(src, 0, self.big_endian) else {
            return Step::NeedMore("a pcapng block header needs 12 bytes".into());
        };
        let is_shb = kind == magic::PCAPNG_SHB;
        let big_endian = if is_shb {
            match read_u32(src, 8, true) {
                Some(BYTE_ORDER_MAGIC_BE) => true,
                Some(BYTE_ORDER_MAGIC_LE) => false,
                Some(other) => {
                    return Step::Damaged(format!(
                        "section header with byte-order magic {other:#010x}"
                    ));
                }
                None => return Step::NeedMore("a pcapng section header needs 28 bytes".into()),
            }
        } else if self.started {
            self.big_endian
        } else {
            return Step::Damaged(format!(
                "the file does not start with a section header (block type {kind:#x})"
            ));
        };
        let Some(len) = read_u32(src, 4, big_endian) else {
            return Step::NeedMore("a pcapng block header needs 12 bytes".into());
        };
        let len_usize = len as usize;
        if len_usize > MAX_RECORD || len < 12 || len % 4 != 0 {
            return Step::Damaged(format!("a pcapng block claims a length of {len} bytes"));
        }
        let Some(block) = src.get(..len_usize) else {
            return Step::NeedMore(format!("a pcapng block needs {len} bytes"));
        };
        if read_u32(block, len_usize - 4, big_endian) != Some(len) {
            return Step::Damaged(format!(
                "a pcapng block of {len} bytes does not end with its length"
            ));
        }
        let body = Body {
            bytes: block.get(8..len_usize - 4).unwrap_or_default(),
            big_endian,
        };
        if is_shb {
            self.big_endian = big_endian;
            self.started = true;
            self.interfaces.clear();
            return Step::Skip(len_usize);
        }
        let frame = match kind {
            block::INTERFACE_DESCRIPTION => match parse_idb(&body) {
                Some(interface) => {
                    self.interfaces.push(interface);
                    return Step::Skip(len_usize);
                }
                None => return Step::Damaged("an interface description block is too short".into()),
            },
            block::ENHANCED_PACKET => self.epb(&body),
            block::SIMPLE_PACKET => self.spb(&body),
            block::PACKET_OBSOLETE => self.obsolete_pb(&body),
            // Wireshark (4.0) lists a custom block as a frame of its own, its data after the
            // Private Enterprise Number as the bytes; we do too, so frame numbers agree.
            block::CUSTOM | block::CUSTOM_NO_COPY => {
                let data = body.bytes.get(4..).unwrap_or_default();
                Ok((
                    Frame {
                        number: 0,
                        ts_ns: self.last_ts_ns,
                        orig_len: data.len() as u32,
                        link: LinkType::PCAPNG_CUSTOM_BLOCK,
                        interface: 0,
                        data: Vec::new(),
                    },
                    data,
                ))
            }
            // Name resolution, statistics, journal, custom and unknown blocks carry no packet.
            _ => return Step::Skip(len_usize),
        };
        match frame {
            Ok((frame, data)) => {
                self.last_ts_ns = frame.ts_ns;
                Step::Frame(len_usize, frame, data)
            }
            Err(detail) => Step::Damaged(detail),
        }
    }

    fn interface(&self, id: u32) -> Result<&Interface, String> {
        self.interfaces.get(id as usize).ok_or_else(|| {
            format!(
                "a packet names interface {id}, but the section describes {}",
                self.interfaces.len()
            )
        })
    }

    /// A packet with explicit interface, timestamp and lengths at `at` (EPB layout).
    fn packet_at<'a>(
        &self,
        body: &Body<'a>,
        interface: u32,
        at: usize,
        kind: &str,
    ) -> Result<(Frame, &'a [u8]), String> {
        let short = || format!("{kind} is too short for its header");
        let ts = body.u64_hi_lo(at).ok_or_else(short)?;
        let caplen = body.u32(at + 8).ok_or_else(short)?;
        let orig_len = body.u32(at + 12).ok_or_else(short)?;
        let start = at + 16;
        let data = body
            .bytes
            .get(start..start + caplen as usize)
            .ok_or_else(|| {
                format!(
                    "{kind} claims {caplen} captured bytes but holds {}",
                    body.bytes.len().saturating_sub(start)
                )
            })?;
        let iface = self.interface(interface)?;
        Ok((
            Frame {
                number: 0,
                ts_ns: iface.ts_ns(ts),
                orig_len,
                link: iface.link,
                interface,
                data: Vec::new(),
            },
            data,
        ))
    }

    fn epb<'a>(&self, body: &Body<'a>) -> Result<(Frame, &'a [u8]), String> {
        let interface = body.u32(0).ok_or("an enhanced packet block is too short")?;
        self.packet_at(body, interface, 4, "an enhanced packet block")
    }

    fn obsolete_pb<'a>(&self, body: &Body<'a>) -> Result<(Frame, &'a [u8]), String> {
        let interface = body.u16(0).ok_or("a packet block is too short")?;
        self.packet_at(body, u32::from(interface), 4, "a packet block")
    }

    /// Simple packet block: interface 0, no timestamp (we repeat the previous packet's); captured length is the smaller of the
    /// original length and the interface's snap length (pcapng §4.4).
    fn spb<'a>(&self, body: &Body<'a>) -> Result<(Frame, &'a [u8]), String> {
        let orig_len = body.u32(0).ok_or("a simple packet block is too short")?;
        let iface = self.interface(0)?;
        let mut caplen = orig_len as usize;
        if iface.snaplen != 0 {
            caplen = caplen.min(iface.snaplen as usize);
        }
        let avail = body.bytes.get(4..).unwrap_or_default();
        let data = avail.get(..caplen.min(avail.len())).unwrap_or_default();
        Ok((
            Frame {
                number: 0,
                ts_ns: self.last_ts_ns,
                orig_len,
                link: iface.link,
                interface: 0,
                data: Vec::new(),
            },
            data,
        ))
    }
}

/// Interface description block: link type (u16), reserved, snaplen, options.
fn parse_idb(body: &Body) -> Option<Interface> {
    let link = LinkType::from_linktype(u32::from(body.u16(0)?));
    let snaplen = body.u32(4)?;
    let mut interface = Interface {
        link,
        snaplen,
        tsresol: 6,
        tsoffset_s: 0,
    };
    let mut at = 8;
    // Options: code (u16), length (u16), value padded to 4 bytes. A malformed option list
    // ends the list; the interface itself stays usable.
    while let (Some(code), Some(len)) = (body.u16(at), body.u16(at + 2)) {
        let value = body.bytes.get(at + 4..at + 4 + usize::from(len));
        match (code, value) {
            (option::END, _) | (_, None) => break,
            (option::IF_TSRESOL, Some([resol])) => interface.tsresol = *resol,
            (option::IF_TSOFFSET, Some(v)) => {
                // One 64-bit signed integer in the section's byte order.
                if let Ok(b) = <[u8; 8]>::try_from(v) {
                    interface.tsoffset_s = if body.big_endian {
                        i64::from_be_bytes(b)
                    } else {
                        i64::from_le_bytes(b)
                    };
                }
            }
            _ => {}
        }
        at += 4 + usize::from(len).div_ceil(4) * 4;
    }
    Some(interface)
}

impl Section {
    /// Where a packet block's captured bytes start, counted from the block's first byte: after
    /// type, length and the fields before the data (pcapng §4.3 EPB, §4.4 SPB, appendix A
    /// obsolete PB; a custom block's data follows its Private Enterprise Number, §4.8).
    pub(super) fn data_start(&self, block: &[u8]) -> usize {
        match read_u32(block, 0, self.big_endian) {
            Some(block::SIMPLE_PACKET | block::CUSTOM | block::CUSTOM_NO_COPY) => 12,
            _ => 28,
        }
    }
}
