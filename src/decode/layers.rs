//! The layer walk: link header → IP → TCP/UDP/ICMP, with etherparse's lax slicing.

use crate::capture::Frame;

use super::{LayerDetail, Packet};

pub(super) fn decode_frame(frame: Frame) -> Packet {
    let _ = frame;
    todo!("decode")
}

pub(super) fn details(packet: &Packet) -> Vec<LayerDetail> {
    let _ = packet;
    todo!("details")
}
