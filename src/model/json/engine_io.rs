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
use super::{array, opt_str};
use crate::app_proto::json_text::{fixed, write_str, write_u64};

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

/// One Engine.IO packet, the fields in `JsonEngineIo`'s order: the short ones in windows
/// (`json_text::fixed`), the session id too when it is short (16 bytes in v4).
fn engine_io_record(
    out: &mut Vec<u8>,
    r: &EioRecord,
    ws_text: Option<&(&str, Range<usize>)>,
) -> io::Result<()> {
    let sid = r.sid.as_deref();
    // Keys 27 bytes, the version 3 digits, the transport's name 16, the sid 18; and room for
    // the last piece's copy.
    let sid_written = fixed::<96, _>(out, |w| {
        w.key_num(b"{\"eio\":", u64::from(r.eio.number()));
        w.put(b",\"transport\":");
        w.name(r.transport.name());
        w.put(b",\"sid\":");
        if let Some(sid) = sid {
            w.short_str(sid)
        } else {
            w.put(b"null");
            true
        }
    });
    if !sid_written {
        opt_str(out, sid)?;
    }
    let data = r.packet.text();
    // Keys 17 bytes, the type's name 16, a quote; and room for the last piece's copy.
    fixed::<64, _>(out, |w| {
        w.put(b",\"type\":");
        w.name(r.packet.kind.name());
        if data.is_some() {
            w.put(b",\"data\":");
        }
    });
    if let Some(data) = data {
        match ws_text.and_then(|(text, at)| after_type_digit(text, out, at, data)) {
            Some(escaped) => {
                out.push(b'"');
                out.extend_from_within(escaped);
            }
            None => write_str(out, data)?,
        }
    }
    // Keys 24 bytes, values 25 at most; and room for the last piece's copy.
    fixed::<80, _>(out, |w| {
        w.put(b",\"binary\":");
        w.bool(r.packet.is_binary());
        if let Some(len) = r.packet.binary_len() {
            w.key_num(b",\"binary_len\":", len);
        }
        w.put(b"}");
    });
    Ok(())
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

/// One Socket.IO packet, the fields in `JsonSocketIo`'s order: the short ones in windows
/// (`json_text::fixed`), the namespace and the event's name too when they are short.
fn socket_io_record(out: &mut Vec<u8>, r: &SioRecord) -> io::Result<()> {
    let p = &r.packet;
    // Keys 15 bytes, the type's name 16, the namespace 18; and room for the last piece's copy.
    let nsp_written = fixed::<64, _>(out, |w| {
        w.put(b"{\"type\":");
        w.name(p.kind.name());
        w.put(b",\"nsp\":");
        w.short_str(&p.nsp)
    });
    if !nsp_written {
        write_str(out, &p.nsp)?;
    }
    // Keys 29 bytes, values 30 at most; and room for the last piece's copy.
    fixed::<80, _>(out, |w| {
        w.put(b",\"id\":");
        match p.id {
            Some(id) => w.num(id),
            None => w.put(b"null"),
        }
        w.key_num(b",\"attachments\":", u64::from(p.attachments));
        w.put(b",\"data\":");
        if p.data.is_none() {
            w.put(b"null");
        }
    });
    if let Some(data) = &p.data {
        // Already the JSON `serde_json` writes for it.
        out.extend_from_slice(data.as_bytes());
    }
    let event = p.event();
    let sid = p.sid();
    // Most packets end here: an event's name, short, and the closing brace. Keys 9 bytes, the
    // name 18; and room for the last piece's copy.
    let left = fixed::<48, _>(out, |w| {
        if let Some(event) = event {
            w.put(b",\"event\":");
            if !w.short_str(event) {
                return Left::EventName;
            }
        }
        if sid.is_some() || r.ack_frame.is_some() {
            return Left::Rest;
        }
        w.put(b"}");
        Left::Nothing
    });
    match (left, event) {
        (Left::Nothing, _) => return Ok(()),
        (Left::EventName, Some(event)) => write_str(out, event)?,
        _ => {}
    }
    if let Some(sid) = sid {
        out.write_all(b",\"sid\":")?;
        write_str(out, sid)?;
    }
    if let Some(frame) = r.ack_frame {
        out.write_all(b",\"ack_frame\":")?;
        write_u64(out, frame)?;
    }
    out.write_all(b"}")
}

/// What the last window of a Socket.IO record left to write.
#[derive(Default)]
enum Left {
    /// Nothing: the record is closed.
    #[default]
    Nothing,
    /// The event's name (long, or with bytes to escape; its key is written), then the rest.
    EventName,
    /// The sid or the ack's frame, and the closing brace.
    Rest,
}
