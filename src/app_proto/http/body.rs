//! The bytes of a message body, kept only where a protocol above HTTP reads them (Engine.IO
//! long-polling): every other body is counted and skipped without being buffered.

use crate::app_proto::input::Input;

use super::HttpMessage;

/// The most body bytes kept for one message (Engine.IO's default `maxPayload` is 1 MB; v3's
/// `maxHttpBufferSize` allows more, which is then cut and reported as truncated).
pub const MAX_BODY_KEEP: usize = 4 << 20;

/// Consume `n` body bytes (after de-chunking) of `msg` from the front of `input`, keeping them
/// when `msg` keeps its body.
pub(super) fn take_body(input: &mut Input<'_, '_>, n: usize, msg: &mut HttpMessage) {
    if let Some(body) = &mut msg.body {
        let room = MAX_BODY_KEEP.saturating_sub(body.len());
        let bytes = input.bytes();
        let kept = bytes.get(..n.min(room)).unwrap_or(bytes);
        body.extend_from_slice(kept);
        if kept.len() < n {
            msg.body_cut = true;
        }
    }
    input.consume(n);
    msg.body_len += n as u64;
}
