//! The TCP header's fields, flags and options for the details tree.

use std::fmt::Write as _;
use std::ops::Range;

use super::super::field::{self, be16, be32, shift};
use super::super::tcp_options::{self, kind};
use super::super::{FieldNode, Packet, flags};
use super::{bits, node, set, with_note};

pub(super) fn tcp(b: &[u8], at: usize, packet: &Packet) -> (String, Vec<FieldNode>) {
    use field::tcp::{
        ACK_NUM, CHECKSUM, DATA_OFFSET, DATA_OFFSET_MASK, DST_PORT, FLAGS, FLAGS_MASK, SEQ_NUM,
        SRC_PORT, URGENT, WIN_SIZE,
    };
    let Some(t) = packet.tcp.as_ref() else {
        return ("Transmission Control Protocol".into(), Vec::new());
    };
    let doff = t.header_len / 4;
    let flag_kids = flag_nodes(t.flags, at);
    let names = flags::names(t.flags).join(", ");
    let mut fields = vec![
        node(
            "tcp.srcport",
            "Source Port",
            t.src_port.to_string(),
            shift(SRC_PORT, at),
        ),
        node(
            "tcp.dstport",
            "Destination Port",
            t.dst_port.to_string(),
            shift(DST_PORT, at),
        ),
        node(
            "tcp.seq_raw",
            "Sequence Number (raw)",
            t.seq.to_string(),
            shift(SEQ_NUM, at),
        ),
        node(
            "tcp.ack_raw",
            "Acknowledgment Number (raw)",
            t.ack.to_string(),
            shift(ACK_NUM, at),
        ),
        with_note(
            bits(
                "tcp.hdr_len",
                "Header Length",
                format!("{} bytes ({doff})", t.header_len),
                shift(DATA_OFFSET, at),
                u32::from(DATA_OFFSET_MASK),
            ),
            format!("data offset {doff} × 4 = {} bytes", t.header_len),
        ),
        FieldNode {
            children: flag_kids,
            ..bits(
                "tcp.flags",
                "Flags",
                format!("0x{:03x} ({names})", t.flags),
                shift(FLAGS, at),
                u32::from(FLAGS_MASK),
            )
        },
        with_note(
            node(
                "tcp.window_size_value",
                "Window",
                t.window.to_string(),
                shift(WIN_SIZE, at),
            ),
            if t.flags & flags::SYN == 0 {
                "as sent; multiplied by 2^(the window scale this segment's sender announced in its SYN), if both SYNs carried one".into()
            } else {
                "as sent: a SYN's window is never scaled".into()
            },
        ),
        node(
            "tcp.checksum",
            "Checksum",
            format!("0x{:04x}", t.checksum),
            shift(CHECKSUM, at),
        ),
        node(
            "tcp.urgent_pointer",
            "Urgent Pointer",
            t.urgent.to_string(),
            shift(URGENT, at),
        ),
    ];
    fields.extend(options_node(b, usize::from(t.header_len), at));
    fields.push(with_note(
        node(
            "tcp.len",
            "TCP Segment Len",
            t.payload_len.to_string(),
            t.payload(),
        ),
        "IP payload length − TCP header length".into(),
    ));
    let mut title = format!(
        "Transmission Control Protocol, Src Port: {}, Dst Port: {}, Seq: {}",
        t.src_port, t.dst_port, t.seq
    );
    if t.has(flags::ACK) {
        let _ = write!(title, ", Ack: {}", t.ack);
    }
    let _ = write!(title, ", Len: {}", t.payload_len);
    (title, fields)
}

fn option_node(o: &tcp_options::RawOption<'_>, at: usize) -> FieldNode {
    use field::tcp::option::{MSS, SACK_BLOCK_LEN, SACK_LEFT, SACK_RIGHT, TS_ECR, TS_VAL};
    let range = at + o.offset..at + o.offset + o.bytes.len();
    let v = o.value();
    let n32 = |r: Range<usize>| be32(v, r).unwrap_or_default();
    match o.kind {
        kind::END => node(
            "tcp.option_kind",
            "End of Option List (EOL)",
            String::new(),
            range,
        ),
        kind::NOP => node(
            "tcp.options.nop",
            "No-Operation (NOP)",
            String::new(),
            range,
        ),
        kind::MSS => node(
            "tcp.options.mss_val",
            "Maximum segment size",
            format!("{} bytes", be16(v, MSS).unwrap_or_default()),
            range,
        ),
        kind::WINDOW_SCALE => {
            let s = v.first().copied().unwrap_or_default();
            let n = node(
                "tcp.options.wscale.shift",
                "Window scale",
                format!("{s} (multiply by {})", 1u64 << s.min(63)),
                range,
            );
            with_note(n, format!("window × 2^{s}"))
        }
        kind::SACK_PERMITTED => node(
            "tcp.options.sack_perm",
            "SACK permitted",
            String::new(),
            range,
        ),
        kind::SACK => {
            let blocks: Vec<String> = v
                .chunks_exact(SACK_BLOCK_LEN)
                .map(|c| {
                    format!(
                        "{}-{}",
                        be32(c, SACK_LEFT).unwrap_or_default(),
                        be32(c, SACK_RIGHT).unwrap_or_default()
                    )
                })
                .collect();
            node("tcp.options.sack", "SACK", blocks.join(", "), range)
        }
        kind::TIMESTAMPS => node(
            "tcp.options.timestamp.tsval",
            "Timestamps",
            format!("TSval {}, TSecr {}", n32(TS_VAL), n32(TS_ECR)),
            range,
        ),
        other => node(
            "tcp.option_kind",
            "Unknown option",
            format!("kind {other}, {} bytes", o.bytes.len()),
            range,
        ),
    }
}

/// One child per flag bit of the 12-bit flags field (RFC 9293 §3.1).
fn flag_nodes(value: u16, at: usize) -> Vec<FieldNode> {
    [
        (flags::AE, "tcp.flags.ae", "Accurate ECN"),
        (flags::CWR, "tcp.flags.cwr", "Congestion Window Reduced"),
        (flags::ECE, "tcp.flags.ece", "ECN-Echo"),
        (flags::URG, "tcp.flags.urg", "Urgent"),
        (flags::ACK, "tcp.flags.ack", "Acknowledgment"),
        (flags::PSH, "tcp.flags.push", "Push"),
        (flags::RST, "tcp.flags.reset", "Reset"),
        (flags::SYN, "tcp.flags.syn", "Syn"),
        (flags::FIN, "tcp.flags.fin", "Fin"),
    ]
    .into_iter()
    .map(|(bit, key, name)| {
        bits(
            key,
            name,
            set(value & bit),
            shift(field::tcp::FLAGS, at),
            u32::from(bit),
        )
    })
    .collect()
}

/// The options between the fixed header and the header's end, one child per option.
fn options_node(b: &[u8], header_len: usize, at: usize) -> Option<FieldNode> {
    let start = field::tcp::OPTIONS;
    let options = b.get(start..header_len).filter(|o| !o.is_empty())?;
    let kids = tcp_options::iter(options)
        .filter_map(Result::ok)
        .map(|o| option_node(&o, at + start))
        .collect();
    let value = format!("({} bytes)", options.len());
    Some(FieldNode {
        children: kids,
        ..node(
            "tcp.options",
            "Options",
            value,
            shift(start..header_len, at),
        )
    })
}
