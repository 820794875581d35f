//! The UDP header's fields for the details tree.

use super::super::field::{self, be16, shift};
use super::{FieldNode, node, with_note};

pub(super) fn udp(b: &[u8], at: usize) -> (String, Vec<FieldNode>) {
    use field::udp::{CHECKSUM, DST_PORT, LENGTH, SRC_PORT};
    let n = |r| be16(b, r).unwrap_or_default();
    let (src, dst) = (n(SRC_PORT), n(DST_PORT));
    let fields = vec![
        node(
            "udp.srcport",
            "Source Port",
            src.to_string(),
            shift(SRC_PORT, at),
        ),
        node(
            "udp.dstport",
            "Destination Port",
            dst.to_string(),
            shift(DST_PORT, at),
        ),
        with_note(
            node(
                "udp.length",
                "Length",
                n(LENGTH).to_string(),
                shift(LENGTH, at),
            ),
            "8 header + payload".into(),
        ),
        node(
            "udp.checksum",
            "Checksum",
            format!("0x{:04x}", n(CHECKSUM)),
            shift(CHECKSUM, at),
        ),
    ];
    (
        format!("User Datagram Protocol, Src Port: {src}, Dst Port: {dst}"),
        fields,
    )
}
