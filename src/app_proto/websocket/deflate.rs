//! permessage-deflate (RFC 7692): the parameters a 101 accepted, and an inflater per direction.

use flate2::{Decompress, FlushDecompress, Status};

use super::WsAnomaly;

/// The bytes a sender strips from the end of each compressed message (RFC 7692 §7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Largest inflated message we keep; past it the rest is only counted.
pub const MAX_INFLATED: usize = 16 * 1024 * 1024;

/// permessage-deflate as the server accepted it in `Sec-WebSocket-Extensions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeflateParams {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: Option<u8>,
    pub client_max_window_bits: Option<u8>,
}

impl DeflateParams {
    /// Find permessage-deflate in an extensions header value (`None` when it is not there).
    pub fn from_extensions(value: &str) -> Option<Self> {
        value.split(',').find_map(|ext| {
            let mut parts = ext.split(';').map(str::trim);
            if !parts.next()?.eq_ignore_ascii_case("permessage-deflate") {
                return None;
            }
            let mut params = Self::default();
            for p in parts {
                let (name, val) = p
                    .split_once('=')
                    .map_or((p, None), |(n, v)| (n.trim(), Some(v)));
                let bits = val.and_then(|v| v.trim().trim_matches('"').parse().ok());
                match name.to_ascii_lowercase().as_str() {
                    "server_no_context_takeover" => params.server_no_context_takeover = true,
                    "client_no_context_takeover" => params.client_no_context_takeover = true,
                    "server_max_window_bits" => params.server_max_window_bits = bits.or(Some(15)),
                    "client_max_window_bits" => params.client_max_window_bits = bits.or(Some(15)),
                    _ => {}
                }
            }
            Some(params)
        })
    }
}

/// Inflates one direction's compressed messages.
pub struct Inflater {
    inner: Decompress,
    /// Reset after every message (the sender's `*_no_context_takeover`).
    no_context_takeover: bool,
    /// A previous message failed, so with context takeover later ones cannot be trusted.
    broken: bool,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

/// What inflating one frame's payload gave.
#[derive(Debug, Default)]
pub struct Inflated {
    pub data: Vec<u8>,
    /// Total inflated length, also past [`MAX_INFLATED`].
    pub len: u64,
    pub issue: Option<WsAnomaly>,
}

impl Inflater {
    pub fn new(no_context_takeover: bool) -> Self {
        Self {
            inner: Decompress::new(false),
            no_context_takeover,
            broken: false,
        }
    }

    /// Inflate one fragment's payload; `last` adds the stripped tail and ends the message.
    /// `kept` is how many inflated bytes of this message are already kept; `keep: false` when
    /// nothing needs the inflated bytes (they are only counted: the window still advances).
    pub fn inflate(&mut self, payload: &[u8], last: bool, kept: usize, keep: bool) -> Inflated {
        let mut out = Inflated::default();
        if self.broken {
            out.issue = Some(WsAnomaly::InflateAfterFailure);
        } else {
            let tail: &[u8] = if last { &TAIL } else { &[] };
            let keep_at_most = if keep {
                MAX_INFLATED.saturating_sub(kept)
            } else {
                0
            };
            for input in [payload, tail] {
                if let Err(e) = self.feed(input, keep_at_most, &mut out) {
                    out.issue = Some(WsAnomaly::InflateFailed {
                        error: e.to_string(),
                    });
                    self.broken = !self.no_context_takeover;
                    break;
                }
            }
            // Reported whether or not the bytes are kept: the frame says the same either way.
            if out.len > MAX_INFLATED.saturating_sub(kept) as u64 {
                out.issue
                    .get_or_insert(WsAnomaly::InflatedOverCap { cap: MAX_INFLATED });
            }
        }
        if last && self.no_context_takeover {
            self.inner.reset(false);
            self.broken = false;
        }
        out
    }

    /// Inflate `input`, keeping up to `keep_at_most` bytes of it in `out.data` and counting
    /// all. While the kept bytes have room, zlib writes straight into `out.data` (no copy, no
    /// zeroing); past it, and when nothing is kept, into the thread's scratch buffer.
    fn feed(
        &mut self,
        mut input: &[u8],
        keep_at_most: usize,
        out: &mut Inflated,
    ) -> Result<(), flate2::DecompressError> {
        /// Room zlib gets at most per call when writing straight into `out.data` (a guess
        /// from the compressed size: more is asked for when it fills up).
        const STEP: usize = 32 * 1024;
        SCRATCH.with_borrow_mut(|scratch| {
            loop {
                let before_in = self.inner.total_in();
                let before_out = self.inner.total_out();
                let room = keep_at_most.saturating_sub(out.data.len());
                if room >= 2 * STEP {
                    out.data.reserve((input.len() * 4 + 64).clamp(256, STEP));
                }
                let spare = out.data.capacity() - out.data.len();
                let direct = room >= 2 * STEP && spare <= room;
                let status = if direct {
                    self.inner
                        .decompress_vec(input, &mut out.data, FlushDecompress::Sync)?
                } else {
                    self.inner
                        .decompress(input, scratch, FlushDecompress::Sync)?
                };
                let consumed = (self.inner.total_in() - before_in) as usize;
                let produced = (self.inner.total_out() - before_out) as usize;
                input = input.get(consumed..).unwrap_or_default();
                if !direct {
                    out.data
                        .extend_from_slice(scratch.get(..produced.min(room)).unwrap_or_default());
                }
                out.len += produced as u64;
                let capacity = if direct { spare } else { scratch.len() };
                let stalled = consumed == 0 && produced == 0;
                if status == Status::StreamEnd
                    || stalled
                    || (input.is_empty() && produced < capacity)
                {
                    return Ok(());
                }
            }
        })
    }
}

thread_local! {
    /// Where every inflater of the thread writes first: allocated and zeroed once, not per
    /// message (a fresh zeroed buffer per message cost more than inflating small messages).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 32 * 1024]);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    /// Compress `data` as a permessage-deflate sender does (sync flush, tail stripped).
    pub fn deflate_message(c: &mut Compress, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 64);
        c.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
        while out.capacity() - out.len() < 16 {
            out.reserve(64);
            c.compress_vec(&[], &mut out, FlushCompress::Sync).unwrap();
        }
        assert!(out.ends_with(&TAIL));
        out.truncate(out.len() - 4);
        out
    }

    #[test]
    fn negotiation_is_parsed() {
        let p = DeflateParams::from_extensions(
            "x-foo, permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
        )
        .unwrap();
        assert!(p.server_no_context_takeover && !p.client_no_context_takeover);
        assert_eq!(p.client_max_window_bits, Some(10));
        assert_eq!(
            DeflateParams::from_extensions("x-webkit-deflate-frame"),
            None
        );
    }

    #[test]
    fn context_takeover_needs_one_inflater() {
        let mut c = Compress::new(Compression::default(), false);
        let a = deflate_message(&mut c, b"hello hello hello");
        let b = deflate_message(&mut c, b"hello hello hello");
        let mut inf = Inflater::new(false);
        assert_eq!(inf.inflate(&a, true, 0, true).data, b"hello hello hello");
        assert_eq!(inf.inflate(&b, true, 0, true).data, b"hello hello hello");
    }

    #[test]
    fn unkept_messages_are_counted_and_still_fill_the_window() {
        let mut c = Compress::new(Compression::default(), false);
        let text = b"binary-ish binary-ish binary-ish".repeat(3000);
        let a = deflate_message(&mut c, &text);
        let b = deflate_message(&mut c, &text);
        let mut inf = Inflater::new(false);
        let skipped = inf.inflate(&a, true, 0, false);
        assert!(skipped.data.is_empty() && skipped.issue.is_none());
        assert_eq!(skipped.len, text.len() as u64);
        // The second message refers back into the first one's bytes.
        let kept = inf.inflate(&b, true, 0, true);
        assert_eq!(kept.data, text);
        assert_eq!(kept.len, text.len() as u64);
    }

    #[test]
    fn no_context_takeover_resets() {
        let msg = |d: &[u8]| deflate_message(&mut Compress::new(Compression::default(), false), d);
        let mut inf = Inflater::new(true);
        assert_eq!(
            inf.inflate(&msg(b"abcabcabc"), true, 0, true).data,
            b"abcabcabc"
        );
        assert_eq!(
            inf.inflate(&msg(b"abcabcabc"), true, 0, true).data,
            b"abcabcabc"
        );
    }

    #[test]
    fn fragments_inflate_piecewise() {
        let mut c = Compress::new(Compression::default(), false);
        let z = deflate_message(&mut c, b"the quick brown fox jumps over the lazy dog");
        let (a, b) = z.split_at(z.len() / 2);
        let mut inf = Inflater::new(false);
        let mut got = inf.inflate(a, false, 0, true).data;
        got.extend(inf.inflate(b, true, got.len(), true).data);
        assert_eq!(got, b"the quick brown fox jumps over the lazy dog");
    }

    #[test]
    fn garbage_is_an_issue() {
        let mut inf = Inflater::new(false);
        let out = inf.inflate(&[0xff; 16], true, 0, true);
        assert!(out.issue.is_some());
        assert!(inf.inflate(&[0x00], true, 0, true).issue.is_some());
    }
}
