//! The `engineio` and `socketio` lists of a packet's JSON line (DESIGN.md's contract), written
//! by hand as for WebSocket frames (through serde they were a quarter of the CPU time on a
//! Socket.IO capture, most of it escaping strings one byte at a time). The serde structs stay as
//! the reference the tests compare with.

use std::io::{self, Write};
use std::ops::Range;

#[cfg(test)]
use serde::Serialize;

use crate::app_proto::engineio::{EioRecord, IoEvent, SioRecord};
#[cfg(test)]
use crate::app_proto::socketio::SioData;

use super::summary::AppKinds;
use super::{array, bool, name, opt_str, opt_u64};
use crate::app_proto::json_text::{write_str, write_u64};

#[cfg(test)]
#[derive(Serialize)]
pub(super) struct JsonEngineIo<'a> {
    eio: u8,
    transport: &'static str,
    sid: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a str>,
    binary: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    binary_len: Option<u64>,
}

#[cfg(test)]
pub(super) fn engine_io(r: &EioRecord) -> JsonEngineIo<'_> {
    JsonEngineIo {
        eio: r.eio.number(),
        transport: r.transport.name(),
        sid: r.sid.as_deref(),
        kind: r.packet.kind.name(),
        data: r.packet.text(),
        binary: r.packet.is_binary(),
        binary_len: r.packet.binary_len(),
    }
}

#[cfg(test)]
#[derive(Serialize)]
pub(super) struct JsonSocketIo<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    nsp: &'a str,
    id: Option<u64>,
    attachments: u32,
    data: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ack_frame: Option<u64>,
}

#[cfg(test)]
pub(super) fn socket_io(r: &SioRecord) -> JsonSocketIo<'_> {
    JsonSocketIo {
        kind: r.packet.kind.name(),
        nsp: &r.packet.nsp,
        id: r.packet.id,
        attachments: r.packet.attachments,
        data: r.packet.data.as_ref().map(SioData::value),
        event: r.packet.event(),
        sid: r.packet.sid(),
        ack_frame: r.ack_frame,
    }
}

/// `,"engineio":[…]` and `,"socketio":[…]`, each only when it has records (`kinds` says).
/// `ws_text`: the packet's last WebSocket text and where in `out` it was written (escaped,
/// quoted), when it has one.
pub(super) fn write<'a>(
    out: &mut Vec<u8>,
    events: impl Iterator<Item = &'a IoEvent> + Clone,
    kinds: AppKinds,
    ws_text: Option<&(&str, Range<usize>)>,
) -> io::Result<()> {
    if kinds.engineio {
        out.write_all(b",\"engineio\":")?;
        let records = events.clone().filter_map(|e| match e {
            IoEvent::EngineIo(r) => Some(r),
            _ => None,
        });
        array(out, records, |out, r| engine_io_record(out, r, ws_text))?;
    }
    if kinds.socketio {
        out.write_all(b",\"socketio\":")?;
        let records = events.filter_map(|e| match e {
            IoEvent::SocketIo(r) => Some(r),
            _ => None,
        });
        array(out, records, socket_io_record)?;
    }
    Ok(())
}

/// One Engine.IO packet, the fields in `JsonEngineIo`'s order.
fn engine_io_record(
    out: &mut Vec<u8>,
    r: &EioRecord,
    ws_text: Option<&(&str, Range<usize>)>,
) -> io::Result<()> {
    out.write_all(b"{\"eio\":")?;
    write_u64(out, u64::from(r.eio.number()))?;
    out.write_all(b",\"transport\":")?;
    name(out, r.transport.name())?;
    out.write_all(b",\"sid\":")?;
    opt_str(out, r.sid.as_deref())?;
    out.write_all(b",\"type\":")?;
    name(out, r.packet.kind.name())?;
    if let Some(data) = r.packet.text() {
        out.write_all(b",\"data\":")?;
        match ws_text.and_then(|(text, at)| after_type_digit(text, out, at, data)) {
            Some(escaped) => {
                out.write_all(b"\"")?;
                out.extend_from_within(escaped);
            }
            None => write_str(out, data)?,
        }
    }
    out.write_all(b",\"binary\":")?;
    bool(out, r.packet.is_binary())?;
    if let Some(len) = r.packet.binary_len() {
        out.write_all(b",\"binary_len\":")?;
        write_u64(out, len)?;
    }
    out.write_all(b"}")
}

/// When `data` is `text` after its first byte, a type digit (an Engine.IO packet carried by
/// that WebSocket text), where the escaped `data` after its opening quote is in `out`: `at`
/// (`text` escaped and quoted) after the quote and the digit, which escaping leaves as they
/// are. This saves escaping each Socket.IO message's text a second time.
fn after_type_digit(text: &str, out: &[u8], at: &Range<usize>, data: &str) -> Option<Range<usize>> {
    let (&digit, rest) = text.as_bytes().split_first()?;
    (digit.is_ascii_digit() && rest == data.as_bytes() && out.get(at.start + 1) == Some(&digit))
        .then_some(at.start + 2..at.end)
        .filter(|r| r.start <= r.end && r.end <= out.len())
}

/// One Socket.IO packet, the fields in `JsonSocketIo`'s order.
fn socket_io_record(out: &mut Vec<u8>, r: &SioRecord) -> io::Result<()> {
    let p = &r.packet;
    out.write_all(b"{\"type\":")?;
    name(out, p.kind.name())?;
    out.write_all(b",\"nsp\":")?;
    write_str(out, &p.nsp)?;
    out.write_all(b",\"id\":")?;
    opt_u64(out, p.id)?;
    out.write_all(b",\"attachments\":")?;
    write_u64(out, u64::from(p.attachments))?;
    out.write_all(b",\"data\":")?;
    match &p.data {
        // Already the JSON `serde_json` writes for it.
        Some(data) => out.write_all(data.as_bytes())?,
        None => out.write_all(b"null")?,
    }
    if let Some(event) = p.event() {
        out.write_all(b",\"event\":")?;
        write_str(out, event)?;
    }
    if let Some(sid) = p.sid() {
        out.write_all(b",\"sid\":")?;
        write_str(out, sid)?;
    }
    if let Some(frame) = r.ack_frame {
        out.write_all(b",\"ack_frame\":")?;
        write_u64(out, frame)?;
    }
    out.write_all(b"}")
}
