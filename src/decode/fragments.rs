//! IP fragment reassembly (IPv4: RFC 791 §3.2; IPv6: RFC 8200 §4.5), as Wireshark does it: the
//! datagram is put together on the packet that brings its last missing byte, whatever order the
//! fragments came in, and the frames of its fragments are listed in offset order. Overlapping
//! fragments are kept (the earlier offset, then the earlier arrival, wins) and annotated.
//! Memory is bounded: datagrams older than a timeout (capture time) or past the limits are
//! dropped, oldest first.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// The largest IP datagram: IPv4's total length and IPv6's payload length are 16-bit (RFC 791
/// §3.1, RFC 8200 §3; jumbograms, RFC 2675, are not fragmented).
pub const MAX_DATAGRAM: usize = 65_535;

/// How much reassembly may hold, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragmentLimits {
    /// Datagrams waiting for fragments at once.
    pub max_datagrams: usize,
    /// Fragment bytes held in all.
    pub max_bytes: usize,
    /// A datagram not complete this long after its first fragment (capture time) is dropped:
    /// RFC 8200 §4.5 says 60 seconds (Linux's `ipfrag_time` is 30).
    pub timeout_ns: i64,
}

impl Default for FragmentLimits {
    fn default() -> Self {
        Self {
            max_datagrams: 1024,
            max_bytes: 8 * 1024 * 1024,
            timeout_ns: 60_000_000_000,
        }
    }
}

/// What identifies the fragments of one datagram (RFC 791 §3.2: source, destination, protocol
/// and identification; RFC 8200 §4.5: source, destination and identification).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4's protocol field; `None` for IPv6.
    pub protocol: Option<u8>,
    pub id: u32,
}

/// One fragment as it arrived.
#[derive(Clone, Copy, Debug)]
pub struct Fragment<'a> {
    pub key: FragmentKey,
    /// Where its data goes in the datagram's payload, in bytes.
    pub offset: usize,
    /// The More Fragments flag.
    pub more: bool,
    /// The protocol of the datagram's payload (IPv4's protocol, or the next header of IPv6's
    /// fragment header: only the first fragment's counts).
    pub next_header: u8,
    pub data: &'a [u8],
    pub frame: u64,
    pub ts_ns: i64,
}

/// A datagram put together again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// The frames of its fragments, in offset order (a frame with two fragments is listed twice).
    pub frames: Vec<u64>,
    /// The protocol of `data` (TCP 6, UDP 17, ICMP 1…).
    pub next_header: u8,
    /// The datagram's payload: the transport header and its data.
    pub data: Vec<u8>,
}

/// Something wrong with a fragment; it is still used, as Wireshark uses it.
/// The sentences are in `lesson::annotations`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FragmentIssue {
    /// The same bytes arrived twice (a duplicate or an overlapping fragment). RFC 8200 §4.5
    /// (RFC 5722) tells an IPv6 receiver to drop such a datagram.
    Overlap {
        start: usize,
        end: usize,
        earlier_frame: u64,
    },
    /// Overlapping bytes that differ: the earlier fragment's are used.
    OverlapConflict {
        start: usize,
        end: usize,
        earlier_frame: u64,
    },
    /// A second last fragment (More Fragments clear) that ends elsewhere.
    MultipleTails { end: usize, earlier_end: usize },
    /// Bytes past the end a last fragment gave.
    PastEnd { end: usize, datagram_end: usize },
    /// A datagram longer than an IP header can say.
    TooLong { end: usize },
    /// All fragments but the last carry a multiple of 8 bytes (RFC 791 §3.2, RFC 8200 §4.5).
    NotMultipleOf8 { len: usize },
}

/// What adding a fragment gave.
#[derive(Debug, Default)]
pub struct Added {
    /// The datagram, when this fragment completed it.
    pub datagram: Option<Datagram>,
    pub issues: Vec<FragmentIssue>,
}

#[derive(Debug)]
struct Piece {
    offset: usize,
    data: Vec<u8>,
    frame: u64,
}

#[derive(Debug)]
struct Pending {
    first_ts_ns: i64,
    /// In offset order; equal offsets in arrival order.
    pieces: Vec<Piece>,
    /// The end a last fragment gave.
    end: Option<usize>,
    next_header: Option<u8>,
    bytes: usize,
}

/// The datagrams waiting for fragments.
#[derive(Debug, Default)]
pub struct Reassembler {
    limits: FragmentLimits,
    pending: HashMap<FragmentKey, Pending>,
    /// Keys in the order their first fragment came (for timeouts and eviction); a key whose
    /// datagram already left is skipped when it comes up.
    order: VecDeque<(i64, FragmentKey)>,
    bytes: usize,
    /// Datagrams dropped unfinished (timeout or limits).
    dropped: u64,
}

impl Reassembler {
    pub fn new(limits: FragmentLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Fragment bytes held now.
    pub fn held_bytes(&self) -> usize {
        self.bytes
    }

    /// Datagrams waiting now.
    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// Datagrams dropped unfinished so far (timed out or evicted by the limits).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Add one fragment; returns the datagram if it is now complete, and what was wrong.
    pub fn add(&mut self, f: &Fragment<'_>) -> Added {
        let mut added = Added::default();
        self.expire(f.ts_ns);
        let end = f.offset.saturating_add(f.data.len());
        if end > MAX_DATAGRAM {
            added.issues.push(FragmentIssue::TooLong { end });
            return added;
        }
        if f.more && !f.data.len().is_multiple_of(8) {
            added
                .issues
                .push(FragmentIssue::NotMultipleOf8 { len: f.data.len() });
        }
        if !self.pending.contains_key(&f.key) {
            self.order.push_back((f.ts_ns, f.key));
        }
        let pending = self.pending.entry(f.key).or_insert_with(|| Pending {
            first_ts_ns: f.ts_ns,
            pieces: Vec::new(),
            end: None,
            next_header: None,
            bytes: 0,
        });
        if f.offset == 0 || pending.next_header.is_none() {
            pending.next_header = Some(f.next_header);
        }
        if !f.more {
            match pending.end {
                Some(earlier_end) if earlier_end != end => {
                    added
                        .issues
                        .push(FragmentIssue::MultipleTails { end, earlier_end });
                }
                Some(_) => {}
                None => pending.end = Some(end),
            }
        }
        for p in &pending.pieces {
            let start = p.offset.max(f.offset);
            let stop = (p.offset + p.data.len()).min(end);
            if start < stop {
                let theirs = p.data.get(start - p.offset..stop - p.offset);
                let ours = f.data.get(start - f.offset..stop - f.offset);
                let (start, end, earlier_frame) = (start, stop, p.frame);
                added.issues.push(if theirs == ours {
                    FragmentIssue::Overlap {
                        start,
                        end,
                        earlier_frame,
                    }
                } else {
                    FragmentIssue::OverlapConflict {
                        start,
                        end,
                        earlier_frame,
                    }
                });
            }
        }
        let at = pending.pieces.partition_point(|p| p.offset <= f.offset);
        pending.pieces.insert(
            at,
            Piece {
                offset: f.offset,
                data: f.data.to_vec(),
                frame: f.frame,
            },
        );
        pending.bytes += f.data.len();
        self.bytes += f.data.len();
        if let Some(datagram_end) = pending.end {
            if end > datagram_end {
                added
                    .issues
                    .push(FragmentIssue::PastEnd { end, datagram_end });
            }
            if covers(&pending.pieces, datagram_end)
                && let Some(done) = self.pending.remove(&f.key)
            {
                self.bytes -= done.bytes;
                added.datagram = Some(assemble(&done, datagram_end));
                return added;
            }
        }
        self.evict();
        added
    }

    /// Drop datagrams whose first fragment is older than the timeout at `now_ns`.
    fn expire(&mut self, now_ns: i64) {
        while let Some(&(ts, key)) = self.order.front() {
            let live = self.pending.get(&key).is_some_and(|p| p.first_ts_ns == ts);
            if live && now_ns.saturating_sub(ts) <= self.limits.timeout_ns {
                break;
            }
            self.order.pop_front();
            if live {
                self.drop_datagram(&key);
            }
        }
    }

    /// Drop the oldest datagrams while past the limits.
    fn evict(&mut self) {
        while self.pending.len() > self.limits.max_datagrams || self.bytes > self.limits.max_bytes {
            let Some((ts, key)) = self.order.pop_front() else {
                break;
            };
            if self.pending.get(&key).is_some_and(|p| p.first_ts_ns == ts) {
                self.drop_datagram(&key);
            }
        }
    }

    fn drop_datagram(&mut self, key: &FragmentKey) {
        if let Some(p) = self.pending.remove(key) {
            self.bytes -= p.bytes;
            self.dropped += 1;
        }
    }
}

/// Whether `pieces` (in offset order) leave no hole in `0..end`.
fn covers(pieces: &[Piece], end: usize) -> bool {
    let mut reached = 0;
    for p in pieces {
        if p.offset > reached {
            return false;
        }
        reached = reached.max(p.offset + p.data.len());
        if reached >= end {
            return true;
        }
    }
    reached >= end
}

/// The datagram's bytes: each piece gives the bytes no earlier piece gave.
fn assemble(p: &Pending, end: usize) -> Datagram {
    let mut data = Vec::with_capacity(end);
    let mut frames = Vec::with_capacity(p.pieces.len());
    for piece in &p.pieces {
        frames.push(piece.frame);
        let piece_end = (piece.offset + piece.data.len()).min(end);
        if piece_end > data.len() {
            let from = data.len().saturating_sub(piece.offset);
            data.extend_from_slice(
                piece
                    .data
                    .get(from..piece_end - piece.offset)
                    .unwrap_or_default(),
            );
        }
    }
    Datagram {
        frames,
        next_header: p.next_header.unwrap_or_default(),
        data,
    }
}

#[cfg(test)]
mod tests;
