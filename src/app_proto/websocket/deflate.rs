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
    /// `kept` is how many inflated bytes of this message are already kept.
    pub fn inflate(&mut self, payload: &[u8], last: bool, kept: usize) -> Inflated {
        let mut out = Inflated::default();
        if self.broken {
            out.issue = Some(WsAnomaly::InflateAfterFailure);
        } else {
            let tail: &[u8] = if last { &TAIL } else { &[] };
            for input in [payload, tail] {
                if let Err(e) = self.feed(input, kept, &mut out) {
                    out.issue = Some(WsAnomaly::InflateFailed {
                        error: e.to_string(),
                    });
                    self.broken = !self.no_context_takeover;
                    break;
                }
            }
        }
        if last && self.no_context_takeover {
            self.inner.reset(false);
            self.broken = false;
        }
        out
    }

    /// Inflate `input` into the thread's scratch buffer, keeping up to [`MAX_INFLATED`] bytes
    /// of the message in `out.data` and counting the rest.
    fn feed(
        &mut self,
        mut input: &[u8],
        kept: usize,
        out: &mut Inflated,
    ) -> Result<(), flate2::DecompressError> {
        SCRATCH.with_borrow_mut(|scratch| {
            loop {
                let before_in = self.inner.total_in();
                let before_out = self.inner.total_out();
                let status = self
                    .inner
                    .decompress(input, scratch, FlushDecompress::Sync)?;
                let consumed = (self.inner.total_in() - before_in) as usize;
                let produced = (self.inner.total_out() - before_out) as usize;
                input = input.get(consumed..).unwrap_or_default();
                let room = MAX_INFLATED.saturating_sub(kept + out.data.len());
                out.data
                    .extend_from_slice(scratch.get(..produced.min(room)).unwrap_or_default());
                out.len += produced as u64;
                if produced.min(room) < produced && out.issue.is_none() {
                    out.issue = Some(WsAnomaly::InflatedOverCap { cap: MAX_INFLATED });
                }
                let stalled = consumed == 0 && produced == 0;
                if status == Status::StreamEnd
                    || stalled
                    || (input.is_empty() && produced < scratch.len())
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
        assert_eq!(inf.inflate(&a, true, 0).data, b"hello hello hello");
        assert_eq!(inf.inflate(&b, true, 0).data, b"hello hello hello");
    }

    #[test]
    fn no_context_takeover_resets() {
        let msg = |d: &[u8]| deflate_message(&mut Compress::new(Compression::default(), false), d);
        let mut inf = Inflater::new(true);
        assert_eq!(inf.inflate(&msg(b"abcabcabc"), true, 0).data, b"abcabcabc");
        assert_eq!(inf.inflate(&msg(b"abcabcabc"), true, 0).data, b"abcabcabc");
    }

    #[test]
    fn fragments_inflate_piecewise() {
        let mut c = Compress::new(Compression::default(), false);
        let z = deflate_message(&mut c, b"the quick brown fox jumps over the lazy dog");
        let (a, b) = z.split_at(z.len() / 2);
        let mut inf = Inflater::new(false);
        let mut got = inf.inflate(a, false, 0).data;
        got.extend(inf.inflate(b, true, got.len()).data);
        assert_eq!(got, b"the quick brown fox jumps over the lazy dog");
    }

    #[test]
    fn garbage_is_an_issue() {
        let mut inf = Inflater::new(false);
        let out = inf.inflate(&[0xff; 16], true, 0);
        assert!(out.issue.is_some());
        assert!(inf.inflate(&[0x00], true, 0).issue.is_some());
    }
}
