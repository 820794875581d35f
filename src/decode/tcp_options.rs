//! TCP options (RFC 9293 §3.2, RFC 7323 window scale and timestamps, RFC 2018 SACK).

use super::{IssueKind, RareList};

/// The TCP options Wireshark and a teacher care about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    /// Maximum segment size (kind 2).
    pub mss: Option<u16>,
    /// Window scale shift count (kind 3).
    pub window_scale: Option<u8>,
    /// SACK permitted (kind 4).
    pub sack_permitted: bool,
    /// SACK blocks (kind 5), left and right edges (on few packets: a [`RareList`]).
    pub sack: RareList<(u32, u32)>,
    /// Timestamps (kind 8): value and echo reply.
    pub timestamps: Option<(u32, u32)>,
}

/// Option kinds (IANA "TCP Option Kind Numbers").
pub mod kind {
    pub const END: u8 = 0;
    pub const NOP: u8 = 1;
    pub const MSS: u8 = 2;
    pub const WINDOW_SCALE: u8 = 3;
    pub const SACK_PERMITTED: u8 = 4;
    pub const SACK: u8 = 5;
    pub const TIMESTAMPS: u8 = 8;
}

/// One option as it sits in the header: its kind, its bytes (kind and length included) and
/// where they start within the options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawOption<'a> {
    pub kind: u8,
    /// Offset of the option within the options bytes.
    pub offset: usize,
    /// The whole option, kind byte included.
    pub bytes: &'a [u8],
}

impl RawOption<'_> {
    /// The value after kind and length (empty for END and NOP).
    pub fn value(&self) -> &[u8] {
        if self.kind <= kind::NOP {
            &[]
        } else {
            self.bytes.get(2..).unwrap_or_default()
        }
    }
}

/// Walks the options; `Err` says where the list stopped making sense. END ends the walk
/// (the bytes after it are padding).
pub fn iter(options: &[u8]) -> impl Iterator<Item = Result<RawOption<'_>, IssueKind>> + '_ {
    let mut offset = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let kind = *options.get(offset)?;
        let len = if kind <= kind::NOP {
            1
        } else {
            match options.get(offset + 1) {
                None => {
                    done = true;
                    return Some(Err(IssueKind::TcpOptionWithoutLength { kind, offset }));
                }
                Some(&l) if l < 2 || offset + usize::from(l) > options.len() => {
                    done = true;
                    let left = options.len() - offset;
                    return Some(Err(IssueKind::TcpOptionOverrun { kind, len: l, left }));
                }
                Some(&l) => usize::from(l),
            }
        };
        let option = RawOption {
            kind,
            offset,
            bytes: options.get(offset..offset + len).unwrap_or_default(),
        };
        offset += len;
        done = kind == kind::END;
        Some(Ok(option))
    })
}

fn be_u16(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(b.try_into().ok()?))
}

fn be_u32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.try_into().ok()?))
}

impl TcpOptions {
    /// Parses the options bytes of a TCP header; the second value is the first problem found.
    pub fn parse(options: &[u8]) -> (TcpOptions, Option<IssueKind>) {
        // What nearly every segment after the handshake carries (Linux and the BSDs pad the
        // timestamps to 12 bytes as RFC 7323 Appendix A suggests): read at once, which takes
        // a tenth of the walk's instructions, and gives what the walk gives.
        if let [kind::NOP, kind::NOP, kind::TIMESTAMPS, 10, ts @ ..] = options
            && let Some(timestamps) =
                be_u32(ts.get(..4).unwrap_or_default()).zip(be_u32(ts.get(4..).unwrap_or_default()))
        {
            let out = TcpOptions {
                timestamps: Some(timestamps),
                ..TcpOptions::default()
            };
            return (out, None);
        }
        Self::walk(options)
    }

    /// [`TcpOptions::parse`] without its shortcut: every option in turn.
    fn walk(options: &[u8]) -> (TcpOptions, Option<IssueKind>) {
        let mut out = TcpOptions::default();
        let mut problem = None;
        for option in iter(options) {
            let option = match option {
                Ok(o) => o,
                Err(e) => {
                    problem = Some(e);
                    break;
                }
            };
            let value = option.value();
            let ok = match option.kind {
                kind::MSS => be_u16(value).map(|v| out.mss = Some(v)).is_some(),
                kind::WINDOW_SCALE => {
                    value.first().map(|v| out.window_scale = Some(*v)).is_some() && value.len() == 1
                }
                kind::SACK_PERMITTED => {
                    out.sack_permitted = true;
                    value.is_empty()
                }
                kind::SACK => {
                    out.sack = value
                        .chunks_exact(8)
                        .filter_map(|c| Some((be_u32(c.get(..4)?)?, be_u32(c.get(4..)?)?)))
                        .collect();
                    value.len() % 8 == 0
                }
                kind::TIMESTAMPS => value
                    .get(..4)
                    .and_then(be_u32)
                    .zip(value.get(4..).and_then(be_u32))
                    .map(|t| out.timestamps = Some(t))
                    .is_some(),
                _ => true,
            };
            if !ok && problem.is_none() {
                problem = Some(IssueKind::TcpOptionBadLength {
                    kind: option.kind,
                    len: option.bytes.len(),
                });
            }
        }
        (out, problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamps_shortcut_reads_what_the_walk_reads() {
        // NOP, NOP, timestamps 7 and 9.
        let common = [1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9];
        let (options, problem) = TcpOptions::parse(&common);
        assert_eq!((options.timestamps, problem), (Some((7, 9)), None));
        let mut tried = vec![
            common.to_vec(),
            common[..11].to_vec(),
            [&common[..], &[0]].concat(),
        ];
        for at in 0..common.len() {
            for value in [0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 0xFF] {
                let mut o = common.to_vec();
                o[at] = value;
                tried.push(o);
            }
        }
        for o in &tried {
            assert_eq!(TcpOptions::parse(o), TcpOptions::walk(o), "{o:?}");
        }
    }
}
