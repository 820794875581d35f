//! `decode --format json`: the JSON Lines contract of DESIGN.md, one object per packet.
//! Add fields freely; never rename.

use std::io::{self, Write};

use serde::Serialize;

use crate::app_proto::{HttpKind, HttpMessage, WsFrame};
use crate::decode::{IpSummary, Issue, flags};
use crate::flow::{Direction, StateChange};

use super::PacketRecord;

#[derive(Serialize)]
struct JsonPacket<'a> {
    frame: u64,
    ts_ns: i64,
    len: u32,
    caplen: u32,
    link: &'static str,
    interface: u32,
    layers: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip: Option<&'a IpSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp: Option<JsonTcp<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    http: Vec<JsonHttp<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    ws: Vec<JsonWs<'a>>,
    issues: &'a [Issue],
    protocol: &'static str,
    info: &'a str,
}

#[derive(Serialize)]
struct JsonTcp<'a> {
    src_port: u16,
    dst_port: u16,
    seq: u32,
    ack: u32,
    rel_seq: Option<u32>,
    rel_ack: Option<u32>,
    flags: u16,
    flag_names: Vec<&'static str>,
    window: u16,
    window_scaled: Option<u64>,
    payload_len: u32,
    stream: Option<u32>,
    direction: Option<Direction>,
    analysis: Vec<&'static str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    state_changes: &'a [StateChange],
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
}

#[derive(Serialize)]
struct JsonWs<'a> {
    fin: bool,
    rsv: u8,
    opcode: u8,
    masked: bool,
    payload_len: u64,
    masking_key: Option<String>,
    compressed: bool,
    close_code: Option<u16>,
    close_reason: Option<&'a str>,
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    issues: &'a [String],
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
    }
}

fn ws_json(f: &WsFrame) -> JsonWs<'_> {
    JsonWs {
        fin: f.fin,
        rsv: f.rsv,
        opcode: f.opcode,
        masked: f.masked,
        payload_len: f.payload_len,
        masking_key: f
            .masking_key
            .map(|k| format!("{:02x}{:02x}{:02x}{:02x}", k[0], k[1], k[2], k[3])),
        compressed: f.compressed,
        close_code: f.close_code,
        close_reason: f.close_reason.as_deref(),
        text: f.text.as_deref(),
        issues: &f.issues,
    }
}

/// Write one packet as a line of JSON.
pub fn write_packet<W: Write>(out: &mut W, record: &PacketRecord) -> io::Result<()> {
    let p = &record.packet;
    let seg = record.seg.as_ref();
    let mut layers: Vec<&'static str> = p.layers.iter().map(|l| l.proto.name()).collect();
    if !record.http.is_empty() {
        layers.push("http");
    }
    if !record.ws.is_empty() {
        layers.push("websocket");
    }
    let tcp = p.tcp.as_ref().map(|t| JsonTcp {
        src_port: t.src_port,
        dst_port: t.dst_port,
        seq: t.seq,
        ack: t.ack,
        rel_seq: seg.map(|s| s.rel_seq),
        rel_ack: seg.map(|s| s.rel_ack),
        flags: t.flags,
        flag_names: flags::names(t.flags),
        window: t.window,
        window_scaled: seg.map(|s| s.window_scaled),
        payload_len: t.payload_len,
        stream: seg.map(|s| s.stream),
        direction: seg.map(|s| s.direction),
        analysis: seg
            .map(|s| s.analysis.iter().map(|a| a.json_name()).collect())
            .unwrap_or_default(),
        state_changes: seg.map_or(&[], |s| &s.state_changes),
    });
    let json = JsonPacket {
        frame: p.number,
        ts_ns: p.ts_ns,
        len: p.len,
        caplen: p.caplen(),
        link: p.link.json_name(),
        interface: p.interface,
        layers,
        ip: p.ip.as_ref(),
        tcp,
        http: record.http.iter().map(http_json).collect(),
        ws: record.ws.iter().map(ws_json).collect(),
        issues: &p.issues,
        protocol: record.protocol,
        info: &record.info,
    };
    serde_json::to_writer(&mut *out, &json)?;
    out.write_all(b"\n")
}
