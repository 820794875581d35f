//! The `engineio` and `socketio` lists of a packet's JSON line (DESIGN.md's contract).

use std::io::{self, Write};

use serde::Serialize;

use crate::app_proto::engineio::{EioRecord, IoEvent, SioRecord};

use super::serde_array;

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

#[derive(Serialize)]
pub(super) struct JsonSocketIo<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    nsp: &'a str,
    id: Option<u64>,
    attachments: u32,
    data: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ack_frame: Option<u64>,
}

pub(super) fn socket_io(r: &SioRecord) -> JsonSocketIo<'_> {
    JsonSocketIo {
        kind: r.packet.kind.name(),
        nsp: &r.packet.nsp,
        id: r.packet.id,
        attachments: r.packet.attachments,
        data: r.packet.data.as_ref(),
        event: r.packet.event(),
        sid: r.packet.sid(),
        ack_frame: r.ack_frame,
    }
}

/// The layer names a packet's Engine.IO and Socket.IO records add to `layers`.
pub(super) fn layers(events: &[IoEvent]) -> (Option<&'static str>, Option<&'static str>) {
    let eio = events.iter().any(|e| matches!(e, IoEvent::EngineIo(_)));
    let sio = events.iter().any(|e| matches!(e, IoEvent::SocketIo(_)));
    (eio.then_some("engineio"), sio.then_some("socketio"))
}

/// `,"engineio":[…]` and `,"socketio":[…]`, each only when it has records.
pub(super) fn write<W: Write>(out: &mut W, events: &[IoEvent]) -> io::Result<()> {
    let (eio, sio) = layers(events);
    if eio.is_some() {
        out.write_all(b",\"engineio\":")?;
        serde_array(
            out,
            events.iter().filter_map(|e| match e {
                IoEvent::EngineIo(r) => Some(engine_io(r)),
                _ => None,
            }),
        )?;
    }
    if sio.is_some() {
        out.write_all(b",\"socketio\":")?;
        serde_array(
            out,
            events.iter().filter_map(|e| match e {
                IoEvent::SocketIo(r) => Some(socket_io(r)),
                _ => None,
            }),
        )?;
    }
    Ok(())
}
