//! The JSON writer against the serde structs it replaced: the same bytes for every packet of the
//! corpus and for records made up to reach the rare branches.

use std::io::{self, Write};

use serde::Serialize;

use crate::app_proto::{HttpKind, WsAnomaly, WsFrame};
use crate::capture::FileReader;
use crate::decode::{IpSummary, Issue, IssueKind, flags};
use crate::engine::Engine;
use crate::flow::{Direction, StateChange};
use crate::model::PacketRecord;
use crate::pipeline::tests::corpus_captures;

use super::engine_io::{JsonEngineIo, JsonSocketIo, engine_io, socket_io};
use super::tls::{JsonTls, tls_json};
use super::{JsonHttp, LineWriter, Sentences, http_json, write_packet};
use crate::app_proto::engineio::{EioRecord, IoEvent, SioRecord};

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
    ip: Option<JsonIp<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp: Option<JsonTcp<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    http: Vec<JsonHttp<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    ws: Vec<JsonWs<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    engineio: Vec<JsonEngineIo<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    socketio: Vec<JsonSocketIo<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tls: Vec<JsonTls<'a>>,
    issues: Vec<JsonIssue>,
    protocol: &'static str,
}

#[derive(Serialize)]
struct JsonIp<'a> {
    #[serde(flatten)]
    summary: &'a IpSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    reassembled_from: Option<&'a [u64]>,
}

#[derive(Serialize)]
struct JsonIssue {
    layer: &'static str,
    message: String,
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
    issues: Vec<String>,
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
        issues: f.issues.iter().map(debug_sentence).collect(),
    }
}

/// Sentences for the tests: the kind's `Debug` (the real ones are the lesson's).
fn debug_sentence<T: std::fmt::Debug>(kind: &T) -> String {
    format!("{kind:?} \"quoted\"")
}

const SENTENCES: Sentences = Sentences {
    decode_issue: debug_sentence,
    ws_anomaly: debug_sentence,
    tls_anomaly: debug_sentence,
    io_anomaly: |k| ("io", debug_sentence(k)),
};

fn reference_packet<W: Write>(out: &mut W, record: &PacketRecord) -> io::Result<()> {
    let p = &record.packet;
    let seg = record.seg.as_ref();
    let mut layers: Vec<&'static str> = p.layers.iter().map(|l| l.proto.name()).collect();
    if !record.tls.is_empty() {
        layers.push("tls");
    }
    if !record.http.is_empty() {
        layers.push("http");
    }
    if !record.ws.is_empty() {
        layers.push("websocket");
    }
    let engineio: Vec<_> = record
        .io
        .iter()
        .filter_map(|e| match e {
            IoEvent::EngineIo(r) => Some(engine_io(r)),
            _ => None,
        })
        .collect();
    let socketio: Vec<_> = record
        .io
        .iter()
        .filter_map(|e| match e {
            IoEvent::SocketIo(r) => Some(socket_io(r)),
            _ => None,
        })
        .collect();
    if !engineio.is_empty() {
        layers.push("engineio");
    }
    if !socketio.is_empty() {
        layers.push("socketio");
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
        caplen: p.caplen,
        link: p.link.json_name(),
        interface: p.interface,
        layers,
        ip: p.ip.as_ref().map(|summary| JsonIp {
            summary,
            reassembled_from: p.reassembled.as_ref().map(|r| r.frames.as_slice()),
        }),
        tcp,
        http: record.http.iter().map(http_json).collect(),
        ws: record.ws.iter().map(ws_json).collect(),
        engineio,
        socketio,
        tls: record.tls.iter().map(|r| tls_json(r, SENTENCES)).collect(),
        issues: p
            .issues
            .iter()
            .map(|i| JsonIssue {
                layer: i.layer,
                message: debug_sentence(&i.kind),
            })
            .chain(record.io.iter().filter_map(|e| match e {
                IoEvent::Anomaly(a) => {
                    let (layer, message) = (SENTENCES.io_anomaly)(&a.kind);
                    Some(JsonIssue { layer, message })
                }
                _ => None,
            }))
            .collect(),
        protocol: record.protocol,
    };
    serde_json::to_writer(&mut *out, &json)?;
    out.write_all(b"\n")
}

fn both(record: &PacketRecord) -> (String, String) {
    let mut ours = Vec::new();
    write_packet(&mut ours, record, SENTENCES).unwrap();
    let mut reference = Vec::new();
    reference_packet(&mut reference, record).unwrap();
    (
        String::from_utf8(ours).unwrap(),
        String::from_utf8(reference).unwrap(),
    )
}

#[test]
fn every_corpus_packet_writes_the_same_bytes_as_serde() {
    // Panics when the corpus is missing: these tests never skip.
    let files = corpus_captures();
    let mut packets = 0;
    for path in files {
        let mut engine = Engine::new();
        for frame in FileReader::open(&path).unwrap().map_while(Result::ok) {
            let record = PacketRecord::from_output(engine.process(frame));
            let (ours, reference) = both(&record);
            assert_eq!(
                ours,
                reference,
                "{} packet {}",
                path.display(),
                record.packet.number
            );
            packets += 1;
        }
    }
    assert!(packets > 1000, "only {packets} packets");
}

/// `decode --format json`'s way: one [`LineWriter`] for all the packets (what it keeps from
/// one line to the next in use), most packets written from the engine's output as it is.
#[test]
fn every_corpus_packet_written_from_the_output_by_one_writer_is_the_same_as_serde() {
    // Panics when the corpus is missing: these tests never skip.
    let files = corpus_captures();
    let mut packets = 0;
    let mut lines = LineWriter::default();
    for path in files {
        let mut engine = Engine::without_payloads();
        for frame in FileReader::open(&path).unwrap().map_while(Result::ok) {
            let output = engine.process(frame);
            let mut from_output = Vec::new();
            lines
                .append_packet(&mut from_output, &output, SENTENCES)
                .unwrap();
            let record = PacketRecord::without_info(output);
            let mut from_record = Vec::new();
            lines
                .append_packet(&mut from_record, &record, SENTENCES)
                .unwrap();
            let mut reference = Vec::new();
            reference_packet(&mut reference, &record).unwrap();
            let at = format!("{} packet {}", path.display(), record.packet.number);
            assert_eq!(
                String::from_utf8(from_output).unwrap(),
                String::from_utf8(reference.clone()).unwrap(),
                "{at}"
            );
            assert_eq!(from_record, reference, "{at}");
            packets += 1;
        }
    }
    assert!(packets > 1000, "only {packets} packets");
}

/// The corpus's `ws_suricata_basic.pcap` (WebSocket frames both ways).
fn suricata_basic() -> std::path::PathBuf {
    corpus_captures()
        .into_iter()
        .find(|p| p.ends_with("ws_suricata_basic.pcap"))
        .expect("the corpus has ws_suricata_basic.pcap")
}

/// The pieces a [`LineWriter`] keeps are used again only for the same facts: lines that
/// alternate and change them by a little write as serde does.
#[test]
fn kept_pieces_are_used_only_for_the_same_facts() {
    let path = suricata_basic();
    let records = records_of(&path);
    let r = records.iter().find(|r| !r.ws.is_empty()).unwrap();
    let v4 = |a: [u8; 4]| std::net::IpAddr::from(a);
    let ips = [
        IpSummary {
            version: 4,
            src: v4([10, 0, 0, 1]),
            dst: v4([10, 0, 0, 2]),
            ttl: 64,
        },
        IpSummary {
            version: 4,
            src: v4([10, 0, 0, 2]),
            dst: v4([10, 0, 0, 1]),
            ttl: 64,
        },
        IpSummary {
            version: 4,
            src: v4([10, 0, 0, 2]),
            dst: v4([10, 0, 0, 1]),
            ttl: 63,
        },
    ];
    let times = [
        1_796_622_158_487_728_000,
        1_796_622_158_000_000_001,
        1_796_622_159_999_999_999,
        1_000_000_000,
        999_999_999,
        0,
        -1,
        i64::MIN,
        i64::MAX,
        1_796_622_159_000_000_000,
    ];
    let mut lines = LineWriter::default();
    for (i, ts_ns) in times.into_iter().enumerate() {
        for (j, ip) in ips.iter().enumerate() {
            let mut record = r.clone();
            record.packet.ts_ns = ts_ns;
            record.packet.ip = Some(*ip);
            record.packet.caplen = record.packet.len - (i % 2) as u32;
            if (i + j) % 3 == 0 {
                record.ws.clear();
                record.io.clear();
            }
            if (i + j) % 4 == 1 {
                let mut layers = (*record.packet.layers).clone();
                layers.pop();
                record.packet.layers = layers.into();
            }
            let mut ours = Vec::new();
            lines.append_packet(&mut ours, &record, SENTENCES).unwrap();
            let mut reference = Vec::new();
            reference_packet(&mut reference, &record).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(reference).unwrap(),
                "ts {ts_ns}, ip {j}"
            );
        }
    }
}

#[test]
fn rare_fields_write_the_same_bytes_as_serde() {
    let path = suricata_basic();
    let mut records = records_of(&path);
    let ws = records.iter().find_map(|r| r.ws.first().cloned()).unwrap();
    let http = records
        .iter()
        .find_map(|r| r.http.first().cloned())
        .unwrap();
    let r = records.iter_mut().find(|r| r.seg.is_some()).unwrap();
    let mut issues = std::mem::take(&mut r.packet.issues).into_vec();
    issues.push(Issue {
        layer: "tcp",
        kind: IssueKind::Malformed {
            error: "odd \"quoted\" \\ \u{1} é".into(),
        },
    });
    r.packet.issues = issues.into();
    r.packet.ip = Some(IpSummary {
        version: 6,
        src: "2001:db8::1".parse().unwrap(),
        dst: "::ffff:10.0.0.1".parse().unwrap(),
        ttl: 0,
    });
    r.packet.ts_ns = -5;
    let mut frame = WsFrame {
        text: Some("line\nbreak \u{0}".into()),
        close_code: Some(1000),
        close_reason: Some("bye".into()),
        issues: vec![
            WsAnomaly::FrameAfterClose,
            WsAnomaly::InflateFailed {
                error: "odd \\ é".into(),
            },
        ]
        .into(),
        masking_key: Some([0, 0xab, 0x10, 0xff]),
        ..ws
    };
    r.ws = vec![frame.clone()];
    frame.masking_key = None;
    frame.text = None;
    r.ws.push(frame);
    let mut refused = http.clone();
    refused.kind = HttpKind::Response;
    refused.accept_valid = Some(false);
    r.http = vec![http, refused];
    if let Some(seg) = r.seg.as_mut() {
        seg.analysis = crate::flow::AnalysisSet::from([
            crate::flow::Analysis::Retransmission,
            crate::flow::Analysis::LostSegment,
        ]);
    }
    if let Some(t) = r.packet.tcp.as_mut() {
        t.flags = 0x1ff;
    }
    let (ours, reference) = both(r);
    assert_eq!(ours, reference);
    r.seg = None;
    r.packet.tcp = None;
    r.packet.ip = None;
    let (ours, reference) = both(r);
    assert_eq!(ours, reference);
    assert_eq!(flags::names(0x1ff).len(), 9);
}

#[test]
fn ipv4_addresses_and_flag_names_write_as_serde_does() {
    for a in [0u8, 1, 9, 10, 99, 100, 199, 200, 255] {
        let addr = std::net::IpAddr::from([a, 255 - a, a / 2, 7]);
        let mut ours = Vec::new();
        super::ip_addr(&mut ours, addr).unwrap();
        assert_eq!(ours, serde_json::to_vec(&addr).unwrap(), "{addr}");
    }
    for f in 0..=0xFFFu16 {
        let reference = serde_json::to_vec(&flags::names(f)).unwrap();
        let (json, len) = super::flag_names_json(f);
        assert_eq!(&json[..len], reference.as_slice(), "{f:#x}");
    }
}

/// The fixed windows (`json_text::fixed`) of a line's head, its `tcp` object, a WebSocket
/// frame and a TLS record are long enough for their longest content: every number at its
/// largest, every name at its longest (a debug build stops at a piece that does not fit).
#[test]
fn the_longest_fields_fit_their_windows() {
    use crate::capture::LinkType;
    let mut records = records_of(&suricata_basic());
    let r = records
        .iter_mut()
        .find(|r| !r.ws.is_empty() && r.seg.is_some())
        .unwrap();
    r.packet.number = u64::MAX;
    r.packet.len = u32::MAX;
    r.packet.caplen = u32::MAX - 1;
    r.packet.interface = u32::MAX;
    if let Some(t) = r.packet.tcp.as_mut() {
        (t.src_port, t.dst_port, t.window) = (u16::MAX, u16::MAX, u16::MAX);
        (t.seq, t.ack, t.payload_len) = (u32::MAX, u32::MAX, u32::MAX);
        t.flags = 0xFFF;
    }
    if let Some(seg) = r.seg.as_mut() {
        (seg.rel_seq, seg.rel_ack, seg.stream) = (u32::MAX, u32::MAX, u32::MAX);
        seg.window_scaled = u64::MAX;
        seg.direction = Direction::ServerToClient;
    }
    for f in &mut r.ws {
        (f.fin, f.masked, f.compressed) = (false, false, false);
        (f.rsv, f.opcode) = (u8::MAX, u8::MAX);
        f.payload_len = u64::MAX;
        f.masking_key = Some([0xFF; 4]);
        f.close_code = Some(u16::MAX);
        // Without a reason, the text's key is in the window too.
        f.close_reason = None;
    }
    let mut tls_records = records_of(
        &corpus_captures()
            .into_iter()
            .find(|p| p.ends_with("wss.pcapng"))
            .expect("captures/wss.pcapng"),
    );
    let mut tls = tls_records.iter_mut().find_map(|r| r.tls.pop()).unwrap();
    (tls.content_type, tls.version, tls.length) = (u8::MAX, u16::MAX, u16::MAX);
    tls.encrypted = false;
    r.tls = vec![tls];
    let links = [
        LinkType::Ethernet,
        LinkType::Null,
        LinkType::LinuxSll,
        LinkType::LinuxSll2,
        LinkType::Raw,
        LinkType::Other(u32::MAX),
    ];
    for (link, ts_ns) in links
        .into_iter()
        .zip([i64::MIN, i64::MAX, -1, 0, 1, 999_999_999])
    {
        r.packet.link = link;
        r.packet.ts_ns = ts_ns;
        let (ours, reference) = both(r);
        assert_eq!(ours, reference, "{link:?} {ts_ns}");
    }
}

/// Texts that the `engineio` and `socketio` windows take when short (a session id, a
/// namespace, an event's name): 16 bytes, 17, with bytes to escape, one byte, non-ASCII.
const IO_TEXTS: [&str; 5] = [
    "sixteen_bytes_16",
    "seventeen_bytes17",
    "a \"quote\"",
    "/",
    "é",
];

/// The windows of the `engineio` and `socketio` records hold their longest content, and
/// their short texts are written as serde writes them, in the window or round it.
#[test]
fn io_records_write_their_longest_and_rare_fields_as_serde_does() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("captures/sio_node2_polling_upgrade.pcapng");
    let mut records = records_of(&path);
    let io: Vec<IoEvent> = records.iter().flat_map(|r| &r.io).cloned().collect();
    let mut rare = Vec::new();
    if let Some(IoEvent::EngineIo(eio)) = io.iter().find(|e| matches!(e, IoEvent::EngineIo(_))) {
        rare.extend(engine_io_variants(eio));
    }
    if let Some(IoEvent::SocketIo(sio)) = io.iter().find(|e| matches!(e, IoEvent::SocketIo(_))) {
        rare.extend(socket_io_variants(sio));
    }
    let r = records.iter_mut().find(|r| !r.io.is_empty()).unwrap();
    r.io = rare;
    let (ours, reference) = both(r);
    assert_eq!(ours, reference);
    for piece in [
        "\"sid\":\"sixteen_bytes_16\"",
        "\"sid\":\"seventeen_bytes17\"",
        "\"binary_len\":18446744073709551615}",
        "\"nsp\":\"a \\\"quote\\\"\"",
        "\"attachments\":4294967295",
        "\"event\":\"seventeen_bytes17\"}",
        "\"event\":\"sixteen_bytes_16\",\"ack_frame\":18446744073709551615}",
        "\"sid\":\"a\\\"b\",\"ack_frame\":18446744073709551615}",
    ] {
        assert!(ours.contains(piece), "{piece} in {ours}");
    }
}

/// `eio` with each of [`IO_TEXTS`] as its sid, and none; no data, text data, the longest
/// binary length; the longest names.
fn engine_io_variants(eio: &EioRecord) -> Vec<IoEvent> {
    use crate::app_proto::engineio::{EioData, EioType, EioVersion, Transport};
    let sids = IO_TEXTS.iter().map(|t| Some((*t).into())).chain([None]);
    let mut all = Vec::new();
    for (i, sid) in sids.enumerate() {
        for data in [
            EioData::None,
            EioData::Text("x\"y\u{1}".into()),
            EioData::Binary {
                len: u64::MAX,
                bytes: Vec::new(),
            },
        ] {
            let mut r = eio.clone();
            r.sid.clone_from(&sid);
            (r.eio, r.transport, r.packet.kind) = if i % 2 == 0 {
                (EioVersion::V3, Transport::Polling, EioType::Message)
            } else {
                (EioVersion::V4, Transport::WebSocket, EioType::Upgrade)
            };
            r.packet.data = data;
            all.push(IoEvent::EngineIo(r));
        }
    }
    all
}

/// `sio` with each of [`IO_TEXTS`] as its namespace and event name, payloads with a sid;
/// events, acks and CONNECT with and without data; the longest id, attachment count and
/// ack frame.
fn socket_io_variants(sio: &SioRecord) -> Vec<IoEvent> {
    use crate::app_proto::socketio::{SioData, SioType};
    let payloads = IO_TEXTS
        .iter()
        .map(|t| serde_json::to_string(&(t, 1)).unwrap())
        .chain([r#"{"sid":"abc"}"#.into(), r#"{"sid":"a\"b"}"#.into()]);
    let kinds = [
        SioType::BinaryEvent,
        SioType::Event,
        SioType::Connect,
        SioType::BinaryAck,
    ];
    let mut all = Vec::new();
    for (i, (nsp, payload)) in IO_TEXTS.iter().cycle().zip(payloads).enumerate() {
        for kind in kinds {
            for data in [Some(SioData::parse(&payload).unwrap()), None] {
                let mut r = sio.clone();
                r.packet.kind = kind;
                r.packet.nsp = (*nsp).into();
                r.packet.id = (i % 2 == 0).then_some(u64::MAX);
                r.packet.attachments = u32::MAX;
                r.packet.data = data;
                r.ack_frame = (i % 3 == 0).then_some(u64::MAX);
                all.push(IoEvent::SocketIo(r));
            }
        }
    }
    all
}

fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[\"\\\\a-z\\n]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec(("[a-z\"\\\\é]{0,6}", inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// Socket.IO `data` is written as it is read (`SioData`); serde_json wrote the parsed
    /// value before.
    #[test]
    fn any_json_value_writes_as_serde_json_does(v in json_value()) {
        // Read back as serde_json reads it (a float may change in its last bit: no
        // `float_roundtrip`).
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        let data = crate::app_proto::socketio::SioData::parse(&pretty).unwrap();
        proptest::prop_assert_eq!(data.as_str(), serde_json::to_string(&parsed).unwrap());
        proptest::prop_assert_eq!(data.value(), parsed);
    }
}

#[test]
fn rare_tls_fields_write_the_same_bytes_as_serde() {
    let path = corpus_captures()
        .into_iter()
        .find(|p| p.ends_with("wss.pcapng"))
        .expect("captures/wss.pcapng");
    let mut records = records_of(&path);
    let r = records.iter_mut().find(|r| !r.tls.is_empty()).unwrap();
    let mut rare = r.tls[0].clone();
    rare.sni = Some("odd \"name\" é".into());
    rare.alpn = vec!["h2".into(), "http/1.1".into()];
    rare.cipher_suite = Some(0x1301);
    rare.selected_version = Some(0x0304);
    rare.alert = Some((2, 40));
    rare.handshake_types = vec![1, 2, 11];
    rare.issues = vec![
        crate::app_proto::TlsAnomaly::RecordTooLong { length: 40_000 },
        crate::app_proto::TlsAnomaly::UnknownContentType { content_type: 99 },
    ];
    let mut bare = rare.clone();
    bare.sni = None;
    bare.alpn.clear();
    bare.alert = None;
    bare.cipher_suite = None;
    bare.handshake_types.clear();
    bare.issues.clear();
    r.tls = vec![rare, bare];
    let (ours, reference) = both(r);
    assert_eq!(ours, reference);
    assert!(ours.contains("\"alert_description\":40"), "{ours}");
}

/// Every packet of a capture, decoded.
fn records_of(path: &std::path::Path) -> Vec<PacketRecord> {
    let mut engine = Engine::new();
    FileReader::open(path)
        .unwrap()
        .map_while(Result::ok)
        .map(|f| PacketRecord::from_output(engine.process(f)))
        .collect()
}
