//! The frame nearly every capture is made of (Ethernet II → IPv4 → TCP, whole, not a fragment)
//! decoded straight from its bytes: the same layers and facts the general walk finds with
//! etherparse, in a fraction of the instructions (etherparse's lax slicing fills a result of
//! every layer it knows and copies it three times, about 500 instructions a packet; with the
//! walk around it, header decoding was 15 % of `osiscope decode`'s engine thread).
//!
//! Anything else (VLAN tags, IPv6, a fragment, fewer bytes than the IP header declares, a
//! length field that makes no sense…) is left to the general walk, untouched: the odd cases
//! and their issues live in one place. The tests hold the two to the same answer, on every
//! frame of the corpus and on every one-byte change and cut of a frame.

use super::Proto;
use super::field::{self, be16, u8_at};
use super::layers::Walk;
use super::link::ETHERTYPE_IPV4;

/// An Ethernet II header without VLAN tags (IEEE 802.3 §3.1.1).
const ETHERNET_LEN: usize = 14;
/// The fixed part of an IPv4 header (RFC 791 §3.1) and of a TCP header (RFC 9293 §3.1).
const MIN_HEADER_LEN: usize = 20;
/// TCP's protocol number in the IPv4 header (IANA "Assigned Internet Protocol Numbers").
const PROTOCOL_TCP: u8 = 6;

impl Walk<'_, '_> {
    /// Decode the frame if it is an Ethernet II frame carrying a whole, unfragmented IPv4
    /// packet (options allowed) with a whole TCP header, and say whether it was. When it was
    /// not, nothing was changed.
    pub(super) fn ethernet_ipv4_tcp(&mut self) -> bool {
        use field::ipv4::{FLG_OFF, IHL_MASK, LENGTH, MORE_FRAGMENTS, OFFSET_MASK, PROTOCOL};
        let data = self.data;
        if be16(data, field::ethernet::ETHERTYPE) != Some(ETHERTYPE_IPV4) {
            return false;
        }
        let ip = data.get(ETHERNET_LEN..).unwrap_or_default();
        let Some(&ver_ihl) = ip.first() else {
            return false;
        };
        let ihl = usize::from(ver_ihl & IHL_MASK) * 4;
        // etherparse reads a total length below the header's or past the captured bytes
        // differently (the latter with an issue): the general walk's cases.
        let total = usize::from(be16(ip, LENGTH).unwrap_or_default());
        let whole = ver_ihl >> 4 == 4 && ihl >= MIN_HEADER_LEN && ihl <= total && total <= ip.len();
        let fragment = be16(ip, FLG_OFF).unwrap_or_default() & (MORE_FRAGMENTS | OFFSET_MASK) != 0;
        if !whole || fragment || u8_at(ip, PROTOCOL) != Some(PROTOCOL_TCP) {
            return false;
        }
        // The IP payload ends where the total length says: bytes after it are link padding.
        let tcp = ip.get(ihl..total).unwrap_or_default();
        let tcp_len = u8_at(tcp, field::tcp::DATA_OFFSET)
            .map_or(0, |b| usize::from(b & field::tcp::DATA_OFFSET_MASK) >> 2);
        if tcp_len < MIN_HEADER_LEN || tcp_len > tcp.len() {
            return false;
        }
        let (Some(ethernet), Some(ip_header), Some(tcp_header)) =
            (data.get(..ETHERNET_LEN), ip.get(..ihl), tcp.get(..tcp_len))
        else {
            return false;
        };
        self.push(Proto::Ethernet, ethernet);
        self.ipv4(ip_header);
        self.push(Proto::Tcp, tcp_header);
        let tcp_start = ETHERNET_LEN + ihl;
        // No more than the packet's original length leaves, as in `Walk::tcp`.
        let declared = (total - ihl).min(self.orig_len.saturating_sub(tcp_start));
        self.tcp_facts(
            tcp_header,
            declared,
            tcp_start + tcp_len..ETHERNET_LEN + total,
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::layers::{decode_bytes, decode_walk};
    use crate::capture::{FileReader, Frame, LinkType};
    use crate::decode::Packet;

    /// `frame` decoded as `decode` does it, and by the general walk alone; and whether the
    /// shortcut took it.
    #[allow(
        clippy::redundant_closure_for_method_calls,
        reason = "`Walk::link_general` is not a function of every walk: its lifetimes are its impl's"
    )]
    fn both_ways(frame: &Frame) -> (Packet, Packet, bool) {
        let mut took = false;
        decode_walk(frame, &frame.data, None, |w| took = w.ethernet_ipv4_tcp());
        let fast = decode_bytes(frame, &frame.data, None);
        let general = decode_walk(frame, &frame.data, None, |w| w.link_general());
        (fast, general, took)
    }

    #[test]
    fn every_corpus_frame_decodes_as_the_general_walk_decodes_it() {
        let (mut took, mut left) = (0, 0);
        for path in crate::engine::tests::corpus_captures() {
            for frame in FileReader::open(&path).unwrap().map_while(Result::ok) {
                let (fast, general, shortcut) = both_ways(&frame);
                assert_eq!(fast, general, "{} frame {}", path.display(), frame.number);
                if shortcut {
                    took += 1;
                } else {
                    left += 1;
                }
            }
        }
        // Both ways were tried, each many times.
        assert!(took > 2_000 && left > 300, "{took} shortcut, {left} not");
    }

    /// Ethernet II, IPv4 with one option word (IHL 6), TCP with NOP NOP timestamps (data
    /// offset 8), 5 bytes of payload, 3 bytes of Ethernet padding.
    fn sample() -> Vec<u8> {
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00];
        let ip_total: u16 = 24 + 32 + 5;
        f.extend([0x46, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0]);
        f[16..18].copy_from_slice(&ip_total.to_be_bytes());
        f.extend([10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0]);
        f.extend([
            0xC3, 0x50, 0x1F, 0x90, 0, 0, 0, 1, 0, 0, 0, 2, 0x80, 0x18, 0x01, 0xF5,
        ]);
        f.extend([0, 0, 0, 0, 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9]);
        f.extend(b"hello");
        f.extend([0, 0, 0]);
        f
    }

    fn frame(data: Vec<u8>, orig_len: u32) -> Frame {
        Frame {
            number: 1,
            ts_ns: 0,
            orig_len,
            link: LinkType::Ethernet,
            interface: 0,
            data,
        }
    }

    #[test]
    fn every_one_byte_change_and_every_cut_decodes_as_the_general_walk_decodes_it() {
        let sample = sample();
        let whole = frame(sample.clone(), sample.len() as u32);
        let (fast, _, took) = both_ways(&whole);
        assert!(took, "the sample is the common case");
        let tcp = fast.tcp.unwrap();
        assert_eq!((tcp.payload_len, tcp.payload()), (5, 70..75));
        assert_eq!(tcp.options.timestamps, Some((7, 9)));
        let mut tried = Vec::new();
        for at in 0..sample.len() - 8 {
            let was = sample[at];
            for value in [
                0,
                0xFF,
                was ^ 0x01,
                was ^ 0x02,
                was ^ 0x10,
                was ^ 0x40,
                was ^ 0x80,
            ] {
                let mut data = sample.clone();
                data[at] = value;
                tried.push(frame(data, sample.len() as u32));
            }
        }
        for len in 0..=sample.len() {
            let cut = sample[..len].to_vec();
            // Cut by the snap length (the original was whole), and sent that short.
            tried.push(frame(cut.clone(), sample.len() as u32));
            tried.push(frame(cut, len as u32));
        }
        let (mut took, mut left) = (0, 0);
        for f in &tried {
            let (fast, general, shortcut) = both_ways(f);
            assert_eq!(fast, general, "{:02x?} of {}", f.data, f.orig_len);
            if shortcut {
                took += 1;
            } else {
                left += 1;
            }
        }
        assert!(took > 100 && left > 100, "{took} shortcut, {left} not");
    }
}
