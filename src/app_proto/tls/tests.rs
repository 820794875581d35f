//! TLS records through the app tracker, as a packet trace would bring them: hand-built hellos
//! (byte layouts of RFC 8446 §4.1.2–§4.1.3), records split across packets and several in one,
//! truncation loops and property tests.

use proptest::prelude::*;

use super::*;
use crate::app_proto::tests::{C2S, Conv, S2C};
use crate::app_proto::{AppEvent, NoteKind, StreamKind};

/// A record: 5-byte header and `fragment`.
pub fn record(content_type: u8, version: u16, fragment: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type];
    out.extend(version.to_be_bytes());
    out.extend((fragment.len() as u16).to_be_bytes());
    out.extend_from_slice(fragment);
    out
}

/// A handshake message: type, 24-bit length, body.
pub fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn ext(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_be_bytes().to_vec();
    out.extend((data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    out
}

fn vec16(data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(data);
    out
}

/// A ClientHello body offering TLS 1.3 and 1.2, with SNI `sni` and ALPN `alpn`.
pub fn client_hello_body(sni: &str, alpn: &[&str]) -> Vec<u8> {
    let mut b = 0x0303u16.to_be_bytes().to_vec();
    b.extend([7u8; 32]); // random
    b.push(32);
    b.extend([9u8; 32]); // legacy_session_id
    b.extend(vec16(&[0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f]));
    b.extend([1, 0]); // compression: null
    let mut name = vec![0u8]; // host_name
    name.extend(vec16(sni.as_bytes()));
    let mut exts = ext(0, &vec16(&name));
    let list: Vec<u8> = alpn
        .iter()
        .flat_map(|p| std::iter::once(p.len() as u8).chain(p.bytes()))
        .collect();
    exts.extend(ext(16, &vec16(&list)));
    exts.extend(ext(43, &[4, 0x03, 0x04, 0x03, 0x03]));
    b.extend(vec16(&exts));
    b
}

/// A ServerHello body choosing `suite`, with `supported_versions` = `version` when given.
pub fn server_hello_body(suite: u16, version: Option<u16>) -> Vec<u8> {
    let mut b = 0x0303u16.to_be_bytes().to_vec();
    b.extend([3u8; 32]);
    b.push(32);
    b.extend([9u8; 32]);
    b.extend(suite.to_be_bytes());
    b.push(0);
    if let Some(v) = version {
        b.extend(vec16(&ext(43, &v.to_be_bytes())));
    }
    b
}

fn records(c: &Conv) -> Vec<(u64, TlsRecord)> {
    c.events
        .iter()
        .filter_map(|(p, e)| match e {
            AppEvent::Tls(r) => Some((*p, r.clone())),
            _ => None,
        })
        .collect()
}

/// The TLS 1.3 handshake of a `wss://` connection as it looks on the wire: ClientHello;
/// ServerHello, Change Cipher Spec and the encrypted rest in one packet; then the client's
/// Change Cipher Spec and Finished; application data both ways.
fn tls13_conversation(c: &mut Conv) {
    let ch = record(
        22,
        0x0301,
        &handshake(1, &client_hello_body("localhost", &["http/1.1"])),
    );
    c.send(C2S, &ch);
    let mut flight = record(
        22,
        0x0303,
        &handshake(2, &server_hello_body(0x1301, Some(TLS13))),
    );
    flight.extend(record(20, 0x0303, &[1]));
    flight.extend(record(23, 0x0303, &[0xAA; 700]));
    c.send(S2C, &flight);
    let mut fin = record(20, 0x0303, &[1]);
    fin.extend(record(23, 0x0303, &[0xBB; 53]));
    c.send(C2S, &fin);
    c.send(C2S, &record(23, 0x0303, &[0xCC; 300]));
}

#[test]
fn a_tls13_handshake_shows_its_hellos_then_encrypted_records() {
    let mut c = Conv::new();
    tls13_conversation(&mut c);
    let r = records(&c);
    let summary: Vec<(u64, u8, u16, bool, Vec<u8>)> = r
        .iter()
        .map(|(p, r)| {
            (
                *p,
                r.content_type,
                r.length,
                r.encrypted,
                r.handshake_types.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, 22, 125, false, vec![1]),
            (2, 22, 82, false, vec![2]),
            (2, 20, 1, false, vec![]),
            (2, 23, 700, true, vec![]),
            (3, 20, 1, false, vec![]),
            (3, 23, 53, true, vec![]),
            (4, 23, 300, true, vec![]),
        ]
    );
    assert_eq!(r[0].1.sni.as_deref(), Some("localhost"));
    assert_eq!(r[0].1.alpn, vec!["http/1.1"]);
    assert_eq!(r[0].1.version, 0x0301);
    assert_eq!(r[1].1.cipher_suite, Some(0x1301));
    assert_eq!(r[1].1.selected_version, Some(TLS13));
    assert_eq!(c.tracker.stream_kind(0, C2S), StreamKind::Tls);
    assert_eq!(c.tracker.stream_kind(0, S2C), StreamKind::Tls);
    assert!(c.http().is_empty() && c.frames().is_empty() && c.notes().is_empty());
}

#[test]
fn a_record_split_across_packets_belongs_to_the_packet_of_its_last_byte() {
    let ch = record(
        22,
        0x0301,
        &handshake(1, &client_hello_body("example.org", &["h2", "http/1.1"])),
    );
    let mut c = Conv::new();
    for part in ch.chunks(20) {
        c.send(C2S, part);
    }
    let r = records(&c);
    assert_eq!(r.len(), 1);
    let (packet, rec) = &r[0];
    assert_eq!(*packet, c.packet);
    assert_eq!(rec.packets, (1..=c.packet).collect::<Vec<_>>());
    assert_eq!(rec.sni.as_deref(), Some("example.org"));
    assert_eq!(rec.alpn, vec!["h2", "http/1.1"]);
}

#[test]
fn a_handshake_message_split_across_records_counts_in_the_record_that_ends_it() {
    let msg = handshake(1, &client_hello_body("split.example", &[]));
    let (a, b) = msg.split_at(40);
    let mut c = Conv::new();
    c.send(
        C2S,
        &[record(22, 0x0303, a), record(22, 0x0303, b)].concat(),
    );
    let r = records(&c);
    assert_eq!(r.len(), 2);
    assert!(r[0].1.handshake_types.is_empty());
    assert_eq!(r[1].1.handshake_types, vec![1]);
    assert_eq!(r[1].1.sni.as_deref(), Some("split.example"));
}

#[test]
fn several_handshake_messages_in_one_record_are_listed_in_order() {
    // TLS 1.2: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone in one record.
    let mut flight = handshake(2, &server_hello_body(0xc02f, None));
    flight.extend(handshake(11, &[0, 0, 0]));
    flight.extend(handshake(12, &[1, 2, 3, 4]));
    flight.extend(handshake(14, &[]));
    let mut c = Conv::new();
    c.send(
        C2S,
        &record(22, 0x0301, &handshake(1, &client_hello_body("a", &[]))),
    );
    c.send(S2C, &record(22, 0x0303, &flight));
    let r = records(&c);
    assert_eq!(r[1].1.handshake_types, vec![2, 11, 12, 14]);
    assert_eq!(r[1].1.cipher_suite, Some(0xc02f));
    assert_eq!(r[1].1.selected_version, None);
}

/// A record's content type, whether it is encrypted, its handshake types and alert.
type Seen = (u8, bool, Vec<u8>, Option<(u8, u8)>);

#[test]
fn before_tls13_handshake_records_after_change_cipher_spec_are_encrypted() {
    let mut c = Conv::new();
    c.send(
        C2S,
        &record(22, 0x0301, &handshake(1, &client_hello_body("a", &[]))),
    );
    c.send(
        S2C,
        &record(22, 0x0303, &handshake(2, &server_hello_body(0x000a, None))),
    );
    let mut tail = record(20, 0x0303, &[1]);
    // An encrypted Finished: its first byte happens to look like a message type.
    tail.extend(record(22, 0x0303, &[20; 48]));
    tail.extend(record(21, 0x0303, &[1, 0, 5, 6]));
    c.send(C2S, &tail);
    let r = records(&c);
    let last: Vec<Seen> = r[2..]
        .iter()
        .map(|(_, r)| {
            (
                r.content_type,
                r.encrypted,
                r.handshake_types.clone(),
                r.alert,
            )
        })
        .collect();
    assert_eq!(
        last,
        vec![
            (20, false, vec![], None),
            (22, true, vec![], None),
            (21, true, vec![], None)
        ]
    );
}

#[test]
fn a_plaintext_alert_is_read() {
    let mut c = Conv::new();
    c.send(
        C2S,
        &record(22, 0x0301, &handshake(1, &client_hello_body("a", &[]))),
    );
    c.send(S2C, &record(21, 0x0303, &[2, 40]));
    assert_eq!(records(&c)[1].1.alert, Some((2, 40)));
}

#[test]
fn tls_inside_a_connect_tunnel_is_decoded_and_other_tunnels_are_not() {
    let connect = b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n";
    let ok = b"HTTP/1.1 200 Connection Established\r\n\r\n";
    let mut c = Conv::new();
    c.send(C2S, connect);
    c.send(S2C, ok);
    c.send(
        C2S,
        &record(
            22,
            0x0301,
            &handshake(1, &client_hello_body("example.org", &[])),
        ),
    );
    assert_eq!(c.notes(), vec![NoteKind::ConnectTunnel]);
    assert_eq!(records(&c).len(), 1);
    assert_eq!(c.tracker.stream_kind(0, S2C), StreamKind::Tls);

    let mut c = Conv::new();
    c.send(C2S, connect);
    c.send(S2C, ok);
    c.send(C2S, b"SSH-2.0-OpenSSH_9.2\r\n");
    assert!(records(&c).is_empty());
    assert_eq!(c.tracker.stream_kind(0, C2S), StreamKind::OpaqueUpgrade);
}

#[test]
fn a_clienthello_pipelined_behind_connect_waits_for_the_answer() {
    let mut first = b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n".to_vec();
    first.extend(record(
        22,
        0x0301,
        &handshake(1, &client_hello_body("example.org", &[])),
    ));
    let mut c = Conv::new();
    c.send(C2S, &first);
    assert!(records(&c).is_empty());
    c.send(S2C, b"HTTP/1.1 200 OK\r\n\r\n");
    let r = records(&c);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, 2);
    assert_eq!(r[0].1.packets, vec![1]);
}

#[test]
fn http_is_not_taken_for_tls() {
    let mut c = Conv::new();
    c.send(C2S, b"G");
    c.send(C2S, b"ET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(c.http().len(), 1);
    assert_eq!(sniff(b"GET"), Sniff::NotTls);
    assert_eq!(sniff(&[22]), Sniff::NeedMore);
    assert_eq!(sniff(&[22, 3]), Sniff::NeedMore);
    assert_eq!(sniff(&[22, 3, 1]), Sniff::Tls);
    assert_eq!(sniff(&[22, 3, 9]), Sniff::NotTls);
    assert_eq!(sniff(&[22, 2, 0]), Sniff::NotTls);
}

#[test]
fn a_lost_segment_stops_the_direction_with_a_note() {
    let mut c = Conv::new();
    c.send(
        C2S,
        &record(22, 0x0301, &handshake(1, &client_hello_body("a", &[]))),
    );
    c.lose(C2S, 100);
    c.send(C2S, &record(23, 0x0303, &[0; 10]));
    assert_eq!(c.notes(), vec![NoteKind::TlsGap { len: 100 }]);
    assert_eq!(records(&c).len(), 1);
}

#[test]
fn an_unknown_content_type_is_annotated_and_ends_the_direction() {
    let mut c = Conv::new();
    c.send(
        C2S,
        &record(22, 0x0301, &handshake(1, &client_hello_body("a", &[]))),
    );
    c.send(
        C2S,
        &[record(99, 0x0303, &[0; 4]), record(23, 0x0303, &[0; 4])].concat(),
    );
    let r = records(&c);
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[1].1.issues,
        vec![TlsAnomaly::UnknownContentType { content_type: 99 }]
    );
    assert_eq!(r[1].1.length, 4);
}

#[test]
fn every_prefix_of_a_hello_is_need_more_or_none_never_a_panic() {
    let ch = client_hello_body("prefix.example", &["h2"]);
    for n in 0..ch.len() {
        // A prefix may end where the optional extensions block starts: then it parses without them.
        if let Some(h) = parse_client_hello(&ch[..n]) {
            assert_eq!(h.sni, None, "prefix {n}");
        }
    }
    assert_eq!(
        parse_client_hello(&ch).unwrap().sni.as_deref(),
        Some("prefix.example")
    );
    let sh = server_hello_body(0x1302, Some(TLS13));
    for n in 0..sh.len() {
        if let Some(h) = parse_server_hello(&sh[..n]) {
            assert_eq!(h.selected_version, None, "prefix {n}");
        }
    }
    let rec = record(22, 0x0303, &[1, 2, 3]);
    for n in 0..HEADER_LEN {
        assert_eq!(parse_header(&rec[..n]), HeaderStatus::NeedMore(HEADER_LEN));
    }
    assert_eq!(
        parse_header(&rec),
        HeaderStatus::Parsed(RecordHeader {
            content_type: 22,
            version: 0x0303,
            length: 3
        })
    );
}

#[test]
fn every_prefix_of_a_record_stream_gives_no_record_before_its_last_byte() {
    let mut bytes = record(22, 0x0301, &handshake(1, &client_hello_body("a", &["x"])));
    let first = bytes.len();
    bytes.extend(record(23, 0x0303, &[5; 30]));
    for n in 0..=bytes.len() {
        let mut c = Conv::new();
        c.send(C2S, &bytes[..n]);
        let want = usize::from(n >= first) + usize::from(n == bytes.len());
        assert_eq!(records(&c).len(), want, "prefix {n}");
    }
}

/// Records of `bytes` sent split at `cuts`, without their packet lists.
fn records_split(bytes: &[u8], cuts: &[usize]) -> Vec<TlsRecord> {
    let mut c = Conv::new();
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut last = 0;
    for cut in cuts.into_iter().chain(std::iter::once(bytes.len())) {
        if cut > last {
            c.send(C2S, &bytes[last..cut]);
            last = cut;
        }
    }
    records(&c)
        .into_iter()
        .map(|(_, mut r)| {
            r.packets.clear();
            r
        })
        .collect()
}

fn valid_stream() -> impl Strategy<Value = Vec<u8>> {
    let one = (
        prop::sample::select(vec![20u8, 21, 22, 23]),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(t, body)| record(t, 0x0303, &body));
    let hello = "[a-z.]{1,20}".prop_map(|sni| {
        record(
            22,
            0x0301,
            &handshake(1, &client_hello_body(&sni, &["http/1.1"])),
        )
    });
    (hello, prop::collection::vec(one, 0..8))
        .prop_map(|(h, rest)| std::iter::once(h).chain(rest).collect::<Vec<_>>().concat())
}

proptest! {
    #[test]
    fn arbitrary_bytes_after_a_record_header_never_panic(
        c2s in prop::collection::vec(any::<u8>(), 0..800),
        s2c in prop::collection::vec(any::<u8>(), 0..800),
    ) {
        let mut c = Conv::new();
        c.send(C2S, &[22, 3, 3]);
        for (a, b) in c2s.chunks(41).zip(s2c.chunks(29)) {
            c.send(C2S, a);
            c.send(S2C, b);
        }
        let _ = c.lose(S2C, 7);
        c.send(S2C, &s2c);
    }

    #[test]
    fn arbitrary_hello_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_client_hello(&body);
        let _ = parse_server_hello(&body);
    }

    #[test]
    fn any_chunking_gives_the_same_records(bytes in valid_stream(), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let whole = records_split(&bytes, &[]);
        prop_assert!(!whole.is_empty());
        prop_assert_eq!(records_split(&bytes, &cuts), whole);
    }
}
