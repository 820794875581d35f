//! `decode --format json`: the JSON Lines contract of DESIGN.md, one object per packet.
//! Add fields freely; never rename. The Info column (`PacketRecord::info`) is not written: it
//! is for people (the UI, the text output), and formatting it for every packet is costly.
//!
//! The frequent parts (the packet, its TCP facts, WebSocket frames) are written by hand straight
//! into the output, with no intermediate structs or `Vec`s per packet; the rare ones (HTTP
//! messages, state changes, issues) go through serde. The bytes are exactly what serializing the
//! structs in `tests.rs` with `serde_json` gives; the tests there compare the two on the corpus.

mod engine_io;
#[cfg(test)]
mod tests;
mod tls;

use std::io::{self, Write};
use std::net::IpAddr;
use std::ops::Range;

use serde::Serialize;

use crate::app_proto::engineio::{IoAnomalyKind, IoEvent};
use crate::app_proto::{
    AppEvent, HttpKind, HttpMessage, TlsAnomaly, TlsRecord, WsAnomaly, WsFrame,
};
use crate::decode::{IpSummary, Issue, IssueKind, Packet, Proto, flags};
use crate::engine::PacketOutput;
use crate::flow::{Direction, SegmentInfo};

use super::PacketRecord;
use super::summary::{self, AppKinds};
use crate::app_proto::json_text::{
    Digits, Fixed, fixed, nine_digits, write_name, write_str, write_u64,
};

/// What a packet's JSON line is made from: a [`PacketRecord`], or the engine's
/// [`PacketOutput`] as it is. `decode --format json` writes most packets straight from the
/// output: sorting its events into a record's lists, then freeing those, was a fifth of the
/// writer thread's instructions.
pub trait JsonPacket {
    fn packet(&self) -> &Packet;
    fn seg(&self) -> Option<&SegmentInfo>;
    /// HTTP messages whose last byte is in this packet.
    fn http(&self) -> impl Iterator<Item = &HttpMessage> + Clone;
    /// WebSocket frames whose last byte is in this packet.
    fn ws(&self) -> impl Iterator<Item = &WsFrame> + Clone;
    /// Engine.IO and Socket.IO events of this packet.
    fn io(&self) -> impl Iterator<Item = &IoEvent> + Clone;
    /// TLS records whose last byte is in this packet.
    fn tls(&self) -> impl Iterator<Item = &TlsRecord> + Clone;
    /// Which of those it has.
    fn kinds(&self) -> AppKinds;
    /// The Protocol column, of a packet with records of `kinds` (see [`JsonPacket::kinds`]).
    fn protocol(&self, kinds: AppKinds) -> &'static str;
}

impl JsonPacket for PacketRecord {
    fn packet(&self) -> &Packet {
        &self.packet
    }
    fn seg(&self) -> Option<&SegmentInfo> {
        self.seg.as_ref()
    }
    fn http(&self) -> impl Iterator<Item = &HttpMessage> + Clone {
        self.http.iter()
    }
    fn ws(&self) -> impl Iterator<Item = &WsFrame> + Clone {
        self.ws.iter()
    }
    fn io(&self) -> impl Iterator<Item = &IoEvent> + Clone {
        self.io.iter()
    }
    fn tls(&self) -> impl Iterator<Item = &TlsRecord> + Clone {
        self.tls.iter()
    }
    fn kinds(&self) -> AppKinds {
        AppKinds {
            socketio: self.io.iter().any(|e| matches!(e, IoEvent::SocketIo(_))),
            engineio: self.io.iter().any(|e| matches!(e, IoEvent::EngineIo(_))),
            ws: !self.ws.is_empty(),
            http: !self.http.is_empty(),
            tls: !self.tls.is_empty(),
        }
    }
    /// The record's own (made when it was built).
    fn protocol(&self, _: AppKinds) -> &'static str {
        self.protocol
    }
}

impl JsonPacket for PacketOutput {
    fn packet(&self) -> &Packet {
        &self.packet
    }
    fn seg(&self) -> Option<&SegmentInfo> {
        self.seg.as_ref()
    }
    fn http(&self) -> impl Iterator<Item = &HttpMessage> + Clone {
        self.events.iter().filter_map(|e| match e {
            AppEvent::Http(m) => Some(&**m),
            _ => None,
        })
    }
    fn ws(&self) -> impl Iterator<Item = &WsFrame> + Clone {
        self.events.iter().filter_map(|e| match e {
            AppEvent::WsFrame(f) => Some(f),
            _ => None,
        })
    }
    fn io(&self) -> impl Iterator<Item = &IoEvent> + Clone {
        self.events.iter().filter_map(|e| match e {
            AppEvent::Io(e) => Some(e),
            _ => None,
        })
    }
    fn tls(&self) -> impl Iterator<Item = &TlsRecord> + Clone {
        self.events.iter().filter_map(|e| match e {
            AppEvent::Tls(r) => Some(r),
            _ => None,
        })
    }
    fn kinds(&self) -> AppKinds {
        let mut kinds = AppKinds::default();
        for event in &self.events {
            match event {
                AppEvent::Http(_) => kinds.http = true,
                AppEvent::WsFrame(_) => kinds.ws = true,
                AppEvent::Io(IoEvent::SocketIo(_)) => kinds.socketio = true,
                AppEvent::Io(IoEvent::EngineIo(_)) => kinds.engineio = true,
                AppEvent::Tls(_) => kinds.tls = true,
                AppEvent::Io(_) | AppEvent::WsMessage(_) | AppEvent::Note(_) => {}
            }
        }
        kinds
    }
    /// As [`PacketRecord::without_info`] makes it.
    fn protocol(&self, kinds: AppKinds) -> &'static str {
        summary::protocol_of(kinds, &self.packet.layers)
    }
}

/// The words for the typed annotations the JSON carries as text. They are written in
/// `lesson::annotations`, which the model may not import (the lesson imports the model), so
/// the caller passes them: `osiscope decode` gives `lesson::annotations::SENTENCES`.
#[derive(Clone, Copy, Debug)]
pub struct Sentences {
    pub decode_issue: fn(&IssueKind) -> String,
    pub ws_anomaly: fn(&WsAnomaly) -> String,
    pub tls_anomaly: fn(&TlsAnomaly) -> String,
    /// The layer (`"engineio"`, `"socketio"`) and sentence of a violation.
    pub io_anomaly: fn(&IoAnomalyKind) -> (&'static str, String),
}

#[derive(Serialize)]
struct JsonHttp<'a> {
    kind: &'static str,
    method: Option<&'a str>,
    uri: Option<&'a str>,
    status: Option<u16>,
    upgrade: Option<&'a str>,
    sec_websocket_key: Option<&'a str>,
    sec_websocket_accept: Option<&'a str>,
    accept_valid: Option<bool>,
    expected_accept: Option<&'a str>,
    content_type: Option<&'a str>,
    body_len: u64,
    /// Every header as `[name, value]`, in the order on the wire (a browser's Origin,
    /// User-Agent, Sec-WebSocket-Extensions…).
    headers: &'a [(String, String)],
}

fn http_json(m: &HttpMessage) -> JsonHttp<'_> {
    JsonHttp {
        kind: match m.kind {
            HttpKind::Request => "request",
            HttpKind::Response => "response",
        },
        method: m.method.as_deref(),
        uri: m.uri.as_deref(),
        status: m.status,
        upgrade: m.upgrade.as_deref(),
        sec_websocket_key: m.sec_websocket_key.as_deref(),
        sec_websocket_accept: m.sec_websocket_accept.as_deref(),
        accept_valid: m.accept_valid,
        expected_accept: m.expected_accept.as_deref(),
        content_type: m.header("Content-Type"),
        body_len: m.body_len,
        headers: &m.headers,
    }
}

/// `key` (the bytes before a value, e.g. `,"seq":`), then a number. Inlined, so that the key's
/// length is known where it is copied (a few moves instead of a call to `memcpy`).
#[allow(
    clippy::inline_always,
    reason = "measured: without it the keys were copied by a call to memcpy (wss: 329.9M → 317.0M instructions)"
)]
#[inline(always)]
fn num(out: &mut Vec<u8>, key: &[u8], n: u64) -> io::Result<()> {
    out.write_all(key)?;
    write_u64(out, n)
}

fn opt_str(out: &mut Vec<u8>, v: Option<&str>) -> io::Result<()> {
    match v {
        Some(s) => write_str(out, s),
        None => out.write_all(b"null"),
    }
}

/// A JSON array: `each` writes one item.
pub(super) fn array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(&mut Vec<u8>, T) -> io::Result<()>,
) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        each(out, item)?;
    }
    out.write_all(b"]")
}

/// A JSON array of strings.
fn str_array<'a>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
    array(out, items, write_str)
}

/// A name of ours (a layer, a link type, an enum variant: ASCII letters, digits, `_`, `-`, `/`,
/// `.`) as a JSON string, quoted without looking for bytes to escape: there are none.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the shape of every writer here, chained with `?`"
)]
#[inline]
pub(super) fn name(out: &mut Vec<u8>, s: &'static str) -> io::Result<()> {
    write_name(out, s);
    Ok(())
}

/// A JSON array of serde-serialized items.
fn serde_array<T: Serialize>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
) -> io::Result<()> {
    array(out, items, |out, item| {
        Ok(serde_json::to_writer(out, &item)?)
    })
}

/// The longest `flag_names` array (all nine named bits) fits in this, with room to spare.
const FLAG_NAMES_MAX: usize = 64;

/// The `flag_names` array of a flags value and its length, made once for each of the 512
/// combinations of the named bits (the bits above have no name). Each is padded to
/// [`FLAG_NAMES_MAX`] bytes, so that it is copied with a length known when compiling.
fn flag_names_json(flags: u16) -> (&'static [u8; FLAG_NAMES_MAX], usize) {
    static TABLE: std::sync::OnceLock<Vec<([u8; FLAG_NAMES_MAX], usize)>> =
        std::sync::OnceLock::new();
    const EMPTY: ([u8; FLAG_NAMES_MAX], usize) = {
        let mut json = [0; FLAG_NAMES_MAX];
        json[0] = b'[';
        json[1] = b']';
        (json, 2)
    };
    let table = TABLE.get_or_init(|| {
        (0..512u16)
            .map(|f| {
                let mut v = Vec::new();
                let _ = str_array(&mut v, flags::names_iter(f));
                let mut json = [0; FLAG_NAMES_MAX];
                match json.get_mut(..v.len()) {
                    Some(to) => to.copy_from_slice(&v),
                    None => return EMPTY,
                }
                (json, v.len())
            })
            .collect()
    });
    let (json, len) = table.get(usize::from(flags & 0x1FF)).unwrap_or(&EMPTY);
    (json, *len)
}

fn ip_addr(out: &mut Vec<u8>, addr: IpAddr) -> io::Result<()> {
    match addr {
        IpAddr::V4(v4) => {
            // `"255.255.255.255"` at most: built here, written at once.
            let mut buf = [0u8; 17];
            let mut len = 0;
            let mut put = |b: u8| {
                if let Some(slot) = buf.get_mut(len) {
                    *slot = b;
                }
                len += 1;
            };
            put(b'"');
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    put(b'.');
                }
                if octet >= 100 {
                    put(b'0' + octet / 100);
                }
                if octet >= 10 {
                    put(b'0' + octet / 10 % 10);
                }
                put(b'0' + octet % 10);
            }
            put(b'"');
            out.write_all(buf.get(..len).unwrap_or_default())
        }
        IpAddr::V6(v6) => write!(out, "\"{v6}\""),
    }
}

/// `,"ip":{"version":…,"src":…,"dst":…,"ttl":…`: the `ip` object without its closing brace
/// (`reassembled_from` may follow).
fn ip(out: &mut Vec<u8>, ip: &IpSummary) -> io::Result<()> {
    num(out, b",\"ip\":{\"version\":", u64::from(ip.version))?;
    out.write_all(b",\"src\":")?;
    ip_addr(out, ip.src)?;
    out.write_all(b",\"dst\":")?;
    ip_addr(out, ip.dst)?;
    num(out, b",\"ttl\":", u64::from(ip.ttl))
}

/// The longest `tcp` object up to its `analysis` list: keys 167 bytes, numbers 130 at most,
/// `flag_names` copied as [`FLAG_NAMES_MAX`] bytes, the direction 16; with room for the last
/// piece's copy.
const TCP_FIXED: usize = 400;

/// `,"tcp":{…}`.
fn tcp(
    out: &mut Vec<u8>,
    t: &crate::decode::TcpSegment,
    seg: Option<&SegmentInfo>,
) -> io::Result<()> {
    let analysis = seg.map(|s| s.analysis).unwrap_or_default();
    let state_changes = seg.map(|s| &s.state_changes).filter(|c| !c.is_empty());
    // Most segments have neither: their object ends in the window.
    let plain = analysis.is_empty() && state_changes.is_none();
    fixed::<TCP_FIXED, _>(out, |w| {
        w.key_num(b",\"tcp\":{\"src_port\":", u64::from(t.src_port));
        w.key_num(b",\"dst_port\":", u64::from(t.dst_port));
        w.key_num(b",\"seq\":", u64::from(t.seq));
        w.key_num(b",\"ack\":", u64::from(t.ack));
        w.put(b",\"rel_seq\":");
        opt_num(w, seg.map(|s| u64::from(s.rel_seq)));
        w.put(b",\"rel_ack\":");
        opt_num(w, seg.map(|s| u64::from(s.rel_ack)));
        w.key_num(b",\"flags\":", u64::from(t.flags));
        w.put(b",\"flag_names\":");
        let (names, len) = flag_names_json(t.flags);
        w.put_cut(names, len);
        w.key_num(b",\"window\":", u64::from(t.window));
        w.put(b",\"window_scaled\":");
        opt_num(w, seg.map(|s| s.window_scaled));
        w.key_num(b",\"payload_len\":", u64::from(t.payload_len));
        w.put(b",\"stream\":");
        opt_num(w, seg.map(|s| u64::from(s.stream)));
        w.put(b",\"direction\":");
        match seg.map(|s| s.direction) {
            Some(Direction::ClientToServer) => w.put(b"\"ClientToServer\""),
            Some(Direction::ServerToClient) => w.put(b"\"ServerToClient\""),
            None => w.put(b"null"),
        }
        w.put(b",\"analysis\":");
        if plain {
            w.put(b"[]}");
        }
    });
    if plain {
        return Ok(());
    }
    array(out, analysis.iter().map(|a| a.json_name()), name)?;
    if let Some(changes) = state_changes {
        out.write_all(b",\"state_changes\":")?;
        serde_array(out, changes)?;
    }
    out.write_all(b"}")
}

/// A number or `null`, in a window.
#[allow(
    clippy::inline_always,
    reason = "measured: left to the compiler it was a call (sio: 16M instructions of 417M)"
)]
#[inline(always)]
fn opt_num<const N: usize>(w: &mut Fixed<'_, N>, v: Option<u64>) {
    match v {
        Some(n) => w.num(n),
        None => w.put(b"null"),
    }
}

/// One WebSocket frame; where in `out` its text went (escaped and quoted), when it has one: an
/// Engine.IO packet's `data` is usually that text after its type digit, and is then copied
/// from there instead of escaped again (see `engine_io::write`).
fn ws(out: &mut Vec<u8>, f: &WsFrame, sentences: Sentences) -> io::Result<Option<Range<usize>>> {
    // Keys 116 bytes, values 60 at most, and room for the last piece's copy.
    fixed::<192, _>(out, |w| {
        w.put(b"{\"fin\":");
        w.bool(f.fin);
        w.key_num(b",\"rsv\":", u64::from(f.rsv));
        w.key_num(b",\"opcode\":", u64::from(f.opcode));
        w.put(b",\"masked\":");
        w.bool(f.masked);
        w.key_num(b",\"payload_len\":", f.payload_len);
        w.put(b",\"masking_key\":");
        match f.masking_key {
            Some(k) => {
                // `"0a1b2c3d"`, made here and written at once (no formatting machinery).
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let mut quoted = [b'"'; 10];
                for (i, b) in k.into_iter().enumerate() {
                    quoted[1 + 2 * i] = HEX[usize::from(b >> 4)];
                    quoted[2 + 2 * i] = HEX[usize::from(b & 0xF)];
                }
                w.put(&quoted);
            }
            None => w.put(b"null"),
        }
        w.put(b",\"compressed\":");
        w.bool(f.compressed);
        w.put(b",\"close_code\":");
        opt_num(w, f.close_code.map(u64::from));
        w.put(b",\"close_reason\":");
        // Most frames have none: the text's key follows in the window.
        if f.close_reason.is_none() {
            w.put(b"null,\"text\":");
        }
    });
    if let Some(reason) = f.close_reason.as_deref() {
        write_str(out, reason)?;
        out.write_all(b",\"text\":")?;
    }
    let start = out.len();
    opt_str(out, f.text.as_deref())?;
    let text_at = f.text.is_some().then_some(start..out.len());
    if !f.issues.is_empty() {
        out.write_all(b",\"issues\":")?;
        let issues: Vec<String> = f.issues.iter().map(sentences.ws_anomaly).collect();
        str_array(out, issues.iter().map(String::as_str))?;
    }
    out.write_all(b"}")?;
    Ok(text_at)
}

/// `[{"layer":…,"message":…}]`.
fn issues<'a>(
    out: &mut Vec<u8>,
    issues: &[Issue],
    io_events: impl Iterator<Item = &'a IoEvent>,
    sentences: Sentences,
) -> io::Result<()> {
    out.write_all(b"[")?;
    let decode = issues
        .iter()
        .map(|issue| (issue.layer, (sentences.decode_issue)(&issue.kind)));
    let io = io_events.filter_map(|e| match e {
        IoEvent::Anomaly(a) => Some((sentences.io_anomaly)(&a.kind)),
        _ => None,
    });
    for (i, (layer, message)) in decode.chain(io).enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"{\"layer\":")?;
        write_str(out, layer)?;
        out.write_all(b",\"message\":")?;
        write_str(out, &message)?;
        out.write_all(b"}")?;
    }
    out.write_all(b"]")
}

/// Write one packet as a line of JSON, its annotations in `sentences`' words.
pub fn write_packet<W: Write>(
    out: &mut W,
    record: &PacketRecord,
    sentences: Sentences,
) -> io::Result<()> {
    LINE.with_borrow_mut(|(writer, line)| {
        line.clear();
        writer.append_packet(line, record, sentences)?;
        out.write_all(line)
    })
}

thread_local! {
    /// `write_packet`'s writer, and its line, made here first.
    static LINE: std::cell::RefCell<(LineWriter, Vec<u8>)> =
        std::cell::RefCell::new((LineWriter::default(), Vec::new()));
}

/// Writes packets' lines, and remembers pieces of the last ones that the next ones usually
/// repeat: the seconds of the capture time, the `layers` list, the IP header's facts. Each
/// is kept with what it was made from and used again only when that is equal, so the bytes
/// never depend on what came before.
#[derive(Debug, Default)]
pub struct LineWriter {
    /// The seconds of the last `ts_ns` and their digits.
    ts_secs: Option<(u64, Digits)>,
    /// The last `layers` list: the protocols of the packet's headers, the kinds of records
    /// above, and the JSON (`,"layers":[…]`).
    layers: (Vec<Proto>, AppKinds, Vec<u8>),
    /// The last two IP headers' facts and their JSON (`,"ip":{…,"ttl":64`, without the
    /// closing brace): the two directions of a connection alternate.
    ips: [Option<(IpSummary, Vec<u8>)>; 2],
    /// Which of `ips` to replace next.
    ip_next: usize,
}

impl LineWriter {
    /// Append `packet`'s line to `out`: the JSON is made in a `Vec`, where appending a piece
    /// whose length is known when compiling costs a few moves.
    pub fn append_packet(
        &mut self,
        out: &mut Vec<u8>,
        packet: &impl JsonPacket,
        sentences: Sentences,
    ) -> io::Result<()> {
        let p = packet.packet();
        let seg = packet.seg();
        let kinds = packet.kinds();
        // Keys 56 bytes, numbers 70 at most, the link's name 16; and room for the last piece's
        // copy.
        fixed::<192, _>(out, |w| {
            w.key_num(b"{\"frame\":", p.number);
            w.put(b",\"ts_ns\":");
            self.ts_ns(w, p.ts_ns);
            // The captured length is usually the original: its digits are written twice.
            let len = Digits::of(u64::from(p.len));
            w.put(b",\"len\":");
            w.digits(&len);
            w.put(b",\"caplen\":");
            if p.caplen == p.len {
                w.digits(&len);
            } else {
                w.num(u64::from(p.caplen));
            }
            w.put(b",\"link\":");
            w.name(p.link.json_name());
            w.key_num(b",\"interface\":", u64::from(p.interface));
        });
        self.layers(out, p, kinds)?;
        if let Some(summary) = &p.ip {
            self.ip(out, summary)?;
            if let Some(r) = &p.reassembled {
                out.write_all(b",\"reassembled_from\":")?;
                array(out, &r.frames, |out, frame| write_u64(out, *frame))?;
            }
            out.write_all(b"}")?;
        }
        if let Some(t) = &p.tcp {
            tcp(out, t, seg)?;
        }
        if kinds.http {
            out.write_all(b",\"http\":")?;
            serde_array(out, packet.http().map(http_json))?;
        }
        // The last text written and where it is in `out`.
        let mut last_text = None;
        if kinds.ws {
            out.write_all(b",\"ws\":")?;
            array(out, packet.ws(), |out, f| {
                if let (Some(text), Some(at)) = (f.text.as_deref(), ws(out, f, sentences)?) {
                    last_text = Some((text, at));
                }
                Ok(())
            })?;
        }
        engine_io::write(out, packet.io(), kinds, last_text.as_ref())?;
        if kinds.tls {
            out.write_all(b",\"tls\":")?;
            array(out, packet.tls(), |out, r| tls::write(out, r, sentences))?;
        }
        let protocol = packet.protocol(kinds);
        let anomaly = |e: &IoEvent| matches!(e, IoEvent::Anomaly(_));
        if p.issues.is_empty() && !packet.io().any(anomaly) {
            // Most packets: the end of the line is one piece. `"protocol":` and a name of 14
            // bytes at most, and room for its copy.
            fixed::<48, _>(out, |w| {
                w.put(b",\"issues\":[],\"protocol\":");
                w.name(protocol);
                w.put(b"}\n");
            });
            return Ok(());
        }
        out.write_all(b",\"issues\":")?;
        issues(out, &p.issues, packet.io(), sentences)?;
        out.write_all(b",\"protocol\":")?;
        name(out, protocol)?;
        out.write_all(b"}\n")
    }

    /// `ts_ns`: the seconds' digits are made again only when the second changes (packets come
    /// many a second), then the nanoseconds, nine digits.
    #[inline]
    fn ts_ns<const N: usize>(&mut self, w: &mut Fixed<'_, N>, ts_ns: i64) {
        const NS_PER_SEC: u64 = 1_000_000_000;
        let Ok(ts_ns) = u64::try_from(ts_ns) else {
            w.put(b"-");
            return w.num(ts_ns.unsigned_abs());
        };
        let secs = ts_ns / NS_PER_SEC;
        if secs == 0 {
            // No seconds: the nanoseconds have no leading zeros.
            return w.num(ts_ns);
        }
        let digits = match self.ts_secs {
            Some((last, digits)) if last == secs => digits,
            _ => {
                let digits = Digits::of(secs);
                self.ts_secs = Some((secs, digits));
                digits
            }
        };
        w.digits(&digits);
        // Below 10⁹: fits.
        w.put(&nine_digits((ts_ns % NS_PER_SEC) as u32));
    }

    /// `,"layers":[…]`: the header's protocols, then the records' (`tls`, `http`,
    /// `websocket`, `engineio`, `socketio`); most packets have the same list as the last one.
    fn layers(&mut self, out: &mut Vec<u8>, p: &Packet, kinds: AppKinds) -> io::Result<()> {
        let (protos, last_kinds, json) = &mut self.layers;
        let same = *last_kinds == kinds
            && protos.len() == p.layers.len()
            && protos
                .iter()
                .zip(p.layers.iter())
                .all(|(a, b)| *a == b.proto);
        if !same || json.is_empty() {
            protos.clear();
            protos.extend(p.layers.iter().map(|l| l.proto));
            *last_kinds = kinds;
            json.clear();
            json.write_all(b",\"layers\":")?;
            let above = [
                (kinds.tls, "tls"),
                (kinds.http, "http"),
                (kinds.ws, "websocket"),
                (kinds.engineio, "engineio"),
                (kinds.socketio, "socketio"),
            ];
            array(
                json,
                protos.iter().map(|p| p.name()).chain(
                    above
                        .into_iter()
                        .filter_map(|(has, name)| has.then_some(name)),
                ),
                name,
            )?;
        }
        out.write_all(json)
    }

    /// `,"ip":{"version":…,"src":…,"dst":…,"ttl":…`, without its closing brace.
    fn ip(&mut self, out: &mut Vec<u8>, summary: &IpSummary) -> io::Result<()> {
        let known = self.ips.iter().flatten().find(|(kept, _)| kept == summary);
        if let Some((_, json)) = known {
            return out.write_all(json);
        }
        let mut json = Vec::new();
        ip(&mut json, summary)?;
        out.write_all(&json)?;
        if let Some(slot) = self.ips.get_mut(self.ip_next) {
            *slot = Some((*summary, json));
        }
        self.ip_next = (self.ip_next + 1) % self.ips.len();
        Ok(())
    }
}
