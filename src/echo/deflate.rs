//! permessage-deflate (RFC 7692) on the bundled server's `/deflate` endpoint and in the demo
//! client's `deflate` scenario, so that a class sees RSV1 set and compressed payloads made by
//! osiscope's own peers. tungstenite 0.30 has no permessage-deflate (it refuses a frame with
//! RSV1 set), so both ends read and write frames here: the header parser and unmasking of
//! `app_proto::websocket::frame`, osiscope's own [`Inflater`], and flate2's `Compress` for what
//! they send.

use std::sync::atomic::Ordering;
use std::time::Duration;

use flate2::{Compress, Compression, FlushCompress};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::watch;

use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::server::EchoStats;
use crate::app_proto::websocket::deflate::{DeflateParams, Inflater};
use crate::app_proto::websocket::frame::{FrameHeader, HeaderStatus, apply_mask, parse_header};
use crate::app_proto::websocket::opcode;

/// RSV1 in the 3-bit RSV field: "this message is compressed" (RFC 7692 §6).
pub const RSV1: u8 = 0b100;
/// The bytes a sender strips from the end of each compressed message (RFC 7692 §7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
/// How long the server waits for the client's FIN after the close handshake.
const LINGER: Duration = Duration::from_secs(2);

/// What the server answers in `Sec-WebSocket-Extensions` to a client's offer, or `None` when
/// it takes no compression: an offer that limits the server's window below 15 bits is declined
/// (flate2's compressor always uses 15), as RFC 7692 §7.1.1.1 allows.
pub fn accept_offer(offer: &str) -> Option<(DeflateParams, String)> {
    let params = DeflateParams::from_extensions(offer)?;
    if params.server_max_window_bits.is_some_and(|bits| bits < 15) {
        return None;
    }
    let mut answer = String::from("permessage-deflate");
    if params.server_no_context_takeover {
        answer.push_str("; server_no_context_takeover");
    }
    if params.client_no_context_takeover {
        answer.push_str("; client_no_context_takeover");
    }
    Some((params, answer))
}

/// One frame as read: its header facts and its unmasked payload.
#[derive(Debug)]
pub struct RawFrame {
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    pub payload: Vec<u8>,
}

/// Why reading a frame stopped.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the connection ended")]
    Closed,
    #[error("a frame of {len} bytes is over the limit of {max}")]
    TooBig { len: u64, max: usize },
}

/// Reads whole frames from a byte stream, keeping what arrived after the last one.
#[derive(Debug, Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    /// A reader that starts with `already`: bytes read with the HTTP head.
    pub fn new(already: Vec<u8>) -> Self {
        Self { buf: already }
    }

    /// The next frame; its payload is at most `max` bytes.
    pub async fn read<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
        max: usize,
    ) -> Result<RawFrame, FrameError> {
        loop {
            if let HeaderStatus::Parsed(h) = parse_header(&self.buf) {
                if h.payload_len > max as u64 {
                    return Err(FrameError::TooBig {
                        len: h.payload_len,
                        max,
                    });
                }
                let start = usize::from(h.header_len);
                let end = start + h.payload_len as usize;
                if let Some(bytes) = self.buf.get(start..end) {
                    let mut payload = bytes.to_vec();
                    if let Some(key) = h.masking_key {
                        apply_mask(&mut payload, key, 0);
                    }
                    self.buf.drain(..end);
                    return Ok(RawFrame {
                        fin: h.fin,
                        rsv: h.rsv,
                        opcode: h.opcode,
                        masked: h.masking_key.is_some(),
                        payload,
                    });
                }
            }
            // Read into the buffer's own spare room: no large array in the future.
            self.buf.reserve(16 * 1024);
            if stream.read_buf(&mut self.buf).await? == 0 {
                return Err(FrameError::Closed);
            }
        }
    }
}

/// Write one frame, masked with `mask` when given (a client's frames always are).
pub async fn write_frame<S: AsyncWrite + Unpin>(
    stream: &mut S,
    header: (bool, u8, u8),
    payload: &[u8],
    mask: Option<[u8; 4]>,
) -> std::io::Result<()> {
    let (fin, rsv, op) = header;
    let len = payload.len() as u64;
    let len_field = match len {
        0..=125 => len as u8,
        126..=0xffff => 126,
        _ => 127,
    };
    let mut out = FrameHeader {
        fin,
        rsv,
        opcode: op,
        masking_key: mask,
        len_field,
        payload_len: len,
        header_len: 0,
    }
    .format();
    let start = out.len();
    out.extend_from_slice(payload);
    if let (Some(key), Some(body)) = (mask, out.get_mut(start..)) {
        apply_mask(body, key, 0);
    }
    stream.write_all(&out).await
}

/// Compresses one direction's messages as RFC 7692 §7.2.1 says: DEFLATE with a sync flush,
/// the final `00 00 ff ff` stripped; the window carries over between messages unless
/// `no_context_takeover`.
pub struct Deflater {
    inner: Compress,
    no_context_takeover: bool,
}

impl std::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .finish_non_exhaustive()
    }
}

impl Deflater {
    pub fn new(no_context_takeover: bool) -> Self {
        Self {
            inner: Compress::new(Compression::default(), false),
            no_context_takeover,
        }
    }

    /// One message's compressed payload.
    pub fn compress(&mut self, data: &[u8]) -> Result<Vec<u8>, flate2::CompressError> {
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let mut input = data;
        loop {
            out.reserve(input.len() + 64);
            let before = self.inner.total_in();
            self.inner
                .compress_vec(input, &mut out, FlushCompress::Sync)?;
            let consumed = (self.inner.total_in() - before) as usize;
            input = input.get(consumed..).unwrap_or_default();
            // The flush is complete once all input is in and the output did not fill up.
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        if out.is_empty() {
            // Nothing to flush (an empty message): an empty stored block's first byte, whose
            // LEN and NLEN are the tail the receiver appends (RFC 7692 §7.2.3.6).
            out.push(0x00);
        }
        if self.no_context_takeover {
            self.inner.reset();
        }
        Ok(out)
    }
}

/// A message being put together from its frames.
#[derive(Debug)]
struct Partial {
    opcode: u8,
    compressed: bool,
    data: Vec<u8>,
}

/// How a connection of the `/deflate` endpoint ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Send Close with this code and stop reading messages.
    Close(u16),
    /// The client's Close was answered: wait for its FIN.
    Answered,
    /// The connection is gone.
    Gone,
}

/// `/deflate`: echo every text and binary message, compressed when the 101 accepted
/// permessage-deflate (`params`), answer pings, and end with the close handshake; the server
/// then closes TCP first, as RFC 6455 §7.1.1 asks.
pub(super) async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    rest: Vec<u8>,
    params: Option<DeflateParams>,
    max_bytes: usize,
    mut shutdown: watch::Receiver<bool>,
    stats: &EchoStats,
) {
    let mut reader = FrameReader::new(rest);
    let mut inflater = params.map(|p| Inflater::new(p.client_no_context_takeover));
    let mut deflater = params.map(|p| Deflater::new(p.server_no_context_takeover));
    let mut partial: Option<Partial> = None;
    let end = loop {
        let frame = tokio::select! {
            f = reader.read(&mut stream, max_bytes) => f,
            _ = shutdown.changed() => break End::Close(1001),
        };
        let frame = match frame {
            Ok(f) => f,
            Err(FrameError::TooBig { .. }) => break End::Close(1009),
            Err(_) => break End::Gone,
        };
        let step = on_frame(frame, &mut partial, inflater.as_mut(), max_bytes);
        let reply = match step {
            Step::Wait => continue,
            Step::End(end) => break end,
            Step::Pong(payload) => ((true, 0, opcode::PONG), payload),
            Step::CloseAnswer(payload) => {
                let _ = write_frame(&mut stream, (true, 0, opcode::CLOSE), &payload, None).await;
                break End::Answered;
            }
            Step::Echo(op, data) => {
                stats.messages_echoed.fetch_add(1, Ordering::Relaxed);
                match deflater.as_mut().map(|d| d.compress(&data)) {
                    Some(Ok(z)) => ((true, RSV1, op), z),
                    Some(Err(_)) => break End::Close(1011),
                    None => ((true, 0, op), data),
                }
            }
        };
        if write_frame(&mut stream, reply.0, &reply.1, None)
            .await
            .is_err()
        {
            break End::Gone;
        }
    };
    if let End::Close(code) = end {
        let _ = write_frame(
            &mut stream,
            (true, 0, opcode::CLOSE),
            &code.to_be_bytes(),
            None,
        )
        .await;
        // Wait for the client's Close before ending TCP.
        let _ = tokio::time::timeout(LINGER, async {
            while let Ok(f) = reader.read(&mut stream, max_bytes).await {
                if f.opcode == opcode::CLOSE {
                    break;
                }
            }
        })
        .await;
    }
    if end != End::Gone {
        let _ = stream.shutdown().await;
        // Read until the client's FIN, so that nothing unread turns the close into a RST.
        let _ = tokio::time::timeout(LINGER, async {
            let mut sink = [0u8; 1024];
            while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
        })
        .await;
    }
}

/// What the server does after one frame.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// A fragment: wait for the rest of the message.
    Wait,
    /// Echo this whole message (opcode, uncompressed data).
    Echo(u8, Vec<u8>),
    Pong(Vec<u8>),
    /// Answer the client's Close with this payload.
    CloseAnswer(Vec<u8>),
    End(End),
}

/// The server's decision on one client frame (RFC 6455 §5, RFC 7692 §6).
fn on_frame(
    frame: RawFrame,
    partial: &mut Option<Partial>,
    inflater: Option<&mut Inflater>,
    max_bytes: usize,
) -> Step {
    let rsv_allowed = if inflater.is_some() && frame.opcode != opcode::CONTINUATION {
        RSV1
    } else {
        0
    };
    if !frame.masked || frame.rsv & !rsv_allowed != 0 {
        return Step::End(End::Close(1002));
    }
    match frame.opcode {
        opcode::PING => return Step::Pong(frame.payload),
        opcode::PONG => return Step::Wait,
        opcode::CLOSE => {
            // Answer with the code the client sent (an empty Close is answered empty).
            let code = frame.payload.get(..2).map(<[u8]>::to_vec);
            return Step::CloseAnswer(code.unwrap_or_default());
        }
        opcode::TEXT | opcode::BINARY if partial.is_none() => {
            *partial = Some(Partial {
                opcode: frame.opcode,
                compressed: frame.rsv & RSV1 != 0,
                data: Vec::new(),
            });
        }
        opcode::CONTINUATION if partial.is_some() => {}
        _ => return Step::End(End::Close(1002)),
    }
    let Some(msg) = partial.as_mut() else {
        return Step::End(End::Close(1002));
    };
    if msg.compressed {
        let Some(inflater) = inflater else {
            return Step::End(End::Close(1002));
        };
        let out = inflater.inflate(&frame.payload, frame.fin, msg.data.len(), true);
        if out.issue.is_some() {
            return Step::End(End::Close(1007));
        }
        msg.data.extend_from_slice(&out.data);
    } else {
        msg.data.extend_from_slice(&frame.payload);
    }
    if msg.data.len() > max_bytes {
        return Step::End(End::Close(1009));
    }
    if !frame.fin {
        return Step::Wait;
    }
    let Some(msg) = partial.take() else {
        return Step::End(End::Close(1002));
    };
    if msg.opcode == opcode::TEXT && std::str::from_utf8(&msg.data).is_err() {
        return Step::End(End::Close(1007));
    }
    Step::Echo(msg.opcode, msg.data)
}

/// The texts of the `deflate` scenario: the third repeats the first, so with context takeover
/// its compressed form is only a few bytes (a back-reference to the first).
pub const DEFLATE_TEXTS: [&str; 3] = [
    "Hello, class! Hello, class! Compression finds the repeats and sends them once.",
    "Hello again, class: this message shares words with the first one.",
    "Hello, class! Hello, class! Compression finds the repeats and sends them once.",
];

/// What a client offers: permessage-deflate, and it can take a smaller window if asked.
pub const CLIENT_OFFER: &str = "permessage-deflate; client_max_window_bits";

/// Four random bytes for a masking key, from tungstenite's key generator.
fn random_mask() -> [u8; 4] {
    use base64::Engine as _;
    let key = tokio_tungstenite::tungstenite::handshake::client::generate_key();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key)
        .unwrap_or_default();
    bytes
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .unwrap_or([0x5a, 0xa5, 0x3c, 0xc3])
}

/// The demo client of the `deflate` scenario: offer permessage-deflate on `/deflate`, send
/// [`DEFLATE_TEXTS`] compressed (RSV1 set), inflate each echo, then close 1000.
pub(super) async fn scenario(
    addr: std::net::SocketAddr,
    r: &mut super::client::ScenarioReport,
) -> Result<(), super::client::ClientError> {
    use super::client::{ANSWER_TIMEOUT, ClientError, tcp_connect};
    let io = |what: &'static str| move |source| ClientError::Io { what, source };
    let mut stream = tcp_connect(addr).await?;
    r.client_ports
        .push(stream.local_addr().map_err(io("local address"))?.port());
    let key = tokio_tungstenite::tungstenite::handshake::client::generate_key();
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Extensions: {CLIENT_OFFER}\r\n\r\n",
        super::routes::DEFLATE
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(io("sending the Upgrade"))?;
    let (params, rest) = tokio::time::timeout(ANSWER_TIMEOUT, read_101(&mut stream, &key))
        .await
        .map_err(|_| ClientError::Timeout {
            what: "the 101".into(),
        })??;
    r.log.push(format!(
        "101: the server accepted permessage-deflate ({params:?})"
    ));
    let mut reader = FrameReader::new(rest);
    let mut deflater = Deflater::new(params.client_no_context_takeover);
    let mut inflater = Inflater::new(params.server_no_context_takeover);
    let unexpected = |expected: &str, got: String| ClientError::Unexpected {
        expected: expected.into(),
        got,
    };
    for text in DEFLATE_TEXTS {
        let z = deflater
            .compress(text.as_bytes())
            .map_err(|e| unexpected("a compressed message", e.to_string()))?;
        write_frame(
            &mut stream,
            (true, RSV1, opcode::TEXT),
            &z,
            Some(random_mask()),
        )
        .await
        .map_err(io("sending a message"))?;
        r.sent += 1;
        r.log.push(format!(
            "sent {text:?}: {} bytes compressed to {} (RSV1 set)",
            text.len(),
            z.len()
        ));
        let echo = tokio::time::timeout(ANSWER_TIMEOUT, reader.read(&mut stream, 1 << 20))
            .await
            .map_err(|_| ClientError::Timeout {
                what: "the echo".into(),
            })?
            .map_err(|e| unexpected("the echo", e.to_string()))?;
        let echoed = inflater.inflate(&echo.payload, echo.fin, 0, true);
        if echo.opcode != opcode::TEXT || echo.rsv != RSV1 || echoed.data != text.as_bytes() {
            return Err(unexpected(
                "the compressed echo of the same text",
                format!(
                    "opcode {} rsv {} inflating to {:?}",
                    echo.opcode,
                    echo.rsv,
                    String::from_utf8_lossy(&echoed.data)
                ),
            ));
        }
        r.received += 1;
        r.log.push(format!(
            "received the echo: {} bytes inflated to {}",
            echo.payload.len(),
            echoed.data.len()
        ));
    }
    close_normally(&mut stream, &mut reader, r).await
}

/// Send Close 1000, wait for the server's answer and for its FIN (the server closes TCP
/// first), then let the caller drop the socket.
async fn close_normally(
    stream: &mut tokio::net::TcpStream,
    reader: &mut FrameReader,
    r: &mut super::client::ScenarioReport,
) -> Result<(), super::client::ClientError> {
    use super::client::{ANSWER_TIMEOUT, ClientError};
    write_frame(
        stream,
        (true, 0, opcode::CLOSE),
        &1000_u16.to_be_bytes(),
        Some(random_mask()),
    )
    .await
    .map_err(|source| ClientError::Io {
        what: "sending Close",
        source,
    })?;
    let code = tokio::time::timeout(ANSWER_TIMEOUT, async {
        loop {
            let f = reader.read(stream, 1 << 20).await?;
            if f.opcode == opcode::CLOSE {
                let code = f.payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
                return Ok::<_, FrameError>(code);
            }
        }
    })
    .await
    .map_err(|_| ClientError::Timeout {
        what: "the Close answer".into(),
    })?
    .map_err(|e| ClientError::Unexpected {
        expected: "the Close answer".into(),
        got: e.to_string(),
    })?;
    r.close_codes.push(code.unwrap_or(1005));
    r.log.push("close handshake done".into());
    let _ = tokio::time::timeout(ANSWER_TIMEOUT, async {
        let mut sink = [0u8; 256];
        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
    Ok(())
}

/// Read the server's answer to the Upgrade: a 101 whose Accept matches `key` and which
/// accepted permessage-deflate. Returns the parameters and the bytes after the head.
async fn read_101(
    stream: &mut tokio::net::TcpStream,
    key: &str,
) -> Result<(DeflateParams, Vec<u8>), super::client::ClientError> {
    use super::client::ClientError;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|source| ClientError::Io {
                what: "reading the 101",
                source,
            })?;
        if n == 0 || buf.len() > 16 * 1024 {
            return Err(ClientError::Unexpected {
                expected: "a 101 Switching Protocols".into(),
                got: String::from_utf8_lossy(&buf).into_owned(),
            });
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let Ok(httparse::Status::Complete(len)) = response.parse(&buf) else {
            continue;
        };
        let header = |name: &str| {
            response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .and_then(|h| std::str::from_utf8(h.value).ok())
        };
        let accept_ok =
            header("Sec-WebSocket-Accept") == Some(derive_accept_key(key.as_bytes()).as_str());
        let params = header("Sec-WebSocket-Extensions").and_then(DeflateParams::from_extensions);
        return match (response.code, accept_ok, params) {
            (Some(101), true, Some(params)) => {
                Ok((params, buf.get(len..).unwrap_or_default().to_vec()))
            }
            _ => Err(ClientError::Unexpected {
                expected: "101 with a valid Accept and permessage-deflate".into(),
                got: String::from_utf8_lossy(buf.get(..len).unwrap_or_default()).into_owned(),
            }),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_frame(fin: bool, rsv: u8, op: u8, payload: &[u8]) -> RawFrame {
        RawFrame {
            fin,
            rsv,
            opcode: op,
            masked: true,
            payload: payload.to_vec(),
        }
    }

    #[test]
    fn offers_are_answered_or_declined() {
        let (p, answer) = accept_offer("permessage-deflate; client_max_window_bits").unwrap();
        assert_eq!(answer, "permessage-deflate");
        assert!(!p.server_no_context_takeover);
        let (_, answer) = accept_offer("permessage-deflate; server_no_context_takeover").unwrap();
        assert_eq!(answer, "permessage-deflate; server_no_context_takeover");
        assert_eq!(
            accept_offer("permessage-deflate; server_max_window_bits=10"),
            None
        );
        assert_eq!(accept_offer("x-webkit-deflate-frame"), None);
    }

    #[test]
    fn what_the_deflater_sends_the_inflater_reads_with_and_without_context_takeover() {
        for no_context_takeover in [false, true] {
            let mut d = Deflater::new(no_context_takeover);
            let mut i = Inflater::new(no_context_takeover);
            for text in ["hello hello hello", "hello hello hello", "", "other words"] {
                let z = d.compress(text.as_bytes()).unwrap();
                assert!(!z.ends_with(&TAIL) || z.len() < 4);
                let out = i.inflate(&z, true, 0, true);
                assert_eq!(out.issue, None);
                assert_eq!(out.data, text.as_bytes());
            }
        }
    }

    #[test]
    fn the_same_text_twice_is_smaller_the_second_time_with_context_takeover() {
        let mut d = Deflater::new(false);
        let text = b"The server speaks first: a clock tick, then the news.";
        let first = d.compress(text).unwrap().len();
        let second = d.compress(text).unwrap().len();
        assert!(second < first / 2, "{first} then {second}");
    }

    #[test]
    fn fragments_of_a_compressed_message_are_joined_then_echoed() {
        let mut deflater = Deflater::new(false);
        let z = deflater.compress(b"one two three four five six").unwrap();
        let (head, tail) = z.split_at(z.len() / 2);
        let mut inflater = Inflater::new(false);
        let mut partial = None;
        let step = on_frame(
            client_frame(false, RSV1, opcode::TEXT, head),
            &mut partial,
            Some(&mut inflater),
            1024,
        );
        assert_eq!(step, Step::Wait);
        let step = on_frame(
            client_frame(true, 0, opcode::CONTINUATION, tail),
            &mut partial,
            Some(&mut inflater),
            1024,
        );
        assert_eq!(
            step,
            Step::Echo(opcode::TEXT, b"one two three four five six".to_vec())
        );
    }

    #[test]
    fn protocol_errors_end_the_connection_with_their_close_codes() {
        let mut partial = None;
        let mut frame = client_frame(true, 0, opcode::TEXT, b"hi");
        frame.masked = false;
        assert_eq!(
            on_frame(frame, &mut partial, None, 1024),
            Step::End(End::Close(1002)),
            "an unmasked client frame"
        );
        assert_eq!(
            on_frame(
                client_frame(true, RSV1, opcode::TEXT, b"hi"),
                &mut partial,
                None,
                1024
            ),
            Step::End(End::Close(1002)),
            "RSV1 without permessage-deflate"
        );
        let mut i = Inflater::new(false);
        assert_eq!(
            on_frame(
                client_frame(true, RSV1, opcode::TEXT, &[0xff; 8]),
                &mut None,
                Some(&mut i),
                1024
            ),
            Step::End(End::Close(1007)),
            "a payload that does not inflate"
        );
        assert_eq!(
            on_frame(
                client_frame(true, 0, opcode::BINARY, &[0; 20]),
                &mut None,
                None,
                10
            ),
            Step::End(End::Close(1009)),
            "a message over the limit"
        );
        assert_eq!(
            on_frame(
                client_frame(true, 0, opcode::TEXT, &[0xc3]),
                &mut None,
                None,
                10
            ),
            Step::End(End::Close(1007)),
            "text that is not UTF-8"
        );
    }

    #[tokio::test]
    async fn frames_written_are_read_back_across_any_split() {
        let mut wire = Vec::new();
        write_frame(
            &mut wire,
            (true, RSV1, opcode::TEXT),
            b"masked",
            Some([1, 2, 3, 4]),
        )
        .await
        .unwrap();
        write_frame(&mut wire, (true, 0, opcode::BINARY), &[7; 300], None)
            .await
            .unwrap();
        for split in 0..wire.len() {
            let (a, b) = wire.split_at(split);
            let mut reader = FrameReader::new(a.to_vec());
            let mut rest = b;
            let f = reader.read(&mut rest, 1024).await.unwrap();
            assert_eq!(
                (f.rsv, f.masked, f.payload.as_slice()),
                (RSV1, true, &b"masked"[..])
            );
            let f = reader.read(&mut rest, 1024).await.unwrap();
            assert_eq!((f.opcode, f.payload.len()), (opcode::BINARY, 300));
            assert!(matches!(
                reader.read(&mut rest, 1024).await,
                Err(FrameError::Closed)
            ));
        }
    }
}
