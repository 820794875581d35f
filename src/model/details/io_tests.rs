//! Engine.IO and Socket.IO packets nested in what carried them, with their bytes.

use super::*;
use crate::app_proto::engineio::EioType;
use crate::app_proto::socketio::SioType;
use crate::capture::FileReader;

fn socketio() -> Model {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/captures/socketio.pcapng");
    crate::pipeline::process_all(FileReader::open(std::path::Path::new(path)).unwrap())
}

/// Packet `number`'s nested sections: (carrier, Engine.IO type, Socket.IO type, Engine.IO
/// bytes, Socket.IO bytes).
#[allow(clippy::type_complexity)] // a test's table of facts
fn nested(
    m: &Model,
    number: usize,
) -> Vec<(usize, EioType, Option<SioType>, Vec<u8>, Option<Vec<u8>>)> {
    let row = &m.packets[number - 1];
    let data = m.packet_details(number - 1).unwrap().data;
    io_sections(row)
        .into_iter()
        .map(|s| {
            (
                s.carrier,
                s.eio.packet.kind,
                s.sio.map(|r| r.packet.kind),
                data[s.range].to_vec(),
                s.sio_range.map(|r| data[r].to_vec()),
            )
        })
        .collect()
}

#[test]
fn socket_io_inside_engine_io_inside_a_websocket_frame() {
    let m = socketio();
    assert_eq!(
        nested(&m, 41),
        [
            (
                0,
                EioType::Message,
                Some(SioType::Event),
                br#"42["chat","hi"]"#.to_vec(),
                Some(br#"2["chat","hi"]"#.to_vec())
            ),
            (
                1,
                EioType::Message,
                Some(SioType::Ack),
                br#"430[{"ok":true}]"#.to_vec(),
                Some(br#"30[{"ok":true}]"#.to_vec())
            ),
        ]
    );
    // A binary event: its JSON in a text frame, its attachment in the binary frame after.
    let binary = nested(&m, 43);
    assert_eq!(binary.len(), 3);
    assert_eq!(binary[0].2, Some(SioType::BinaryEvent));
    assert!(binary[0].3.starts_with(b"451-[\"binary\""));
    assert!(binary[0].4.as_ref().unwrap().starts_with(b"51-[\"binary\""));
    assert_eq!(
        (binary[1].1, binary[1].2, binary[1].3.len(), &binary[1].4),
        (EioType::Message, Some(SioType::BinaryEvent), 4, &None)
    );
    assert_eq!(binary[2].2, Some(SioType::Ack));
}

#[test]
fn engine_io_packets_inside_an_http_body() {
    let m = socketio();
    let open = nested(&m, 9);
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].1, EioType::Open);
    assert!(open[0].3.starts_with(br#"0{"sid":"mb5SLjoul_nJCFni""#));
    // One body, two Engine.IO packets split on \x1e: a ping and the CONNECT answer.
    let body = nested(&m, 16);
    assert_eq!(body.len(), 2);
    assert_eq!(body[0].0, body[1].0);
    assert_eq!((body[0].1, body[0].2), (EioType::Ping, None));
    assert_eq!(
        (body[1].1, body[1].2),
        (EioType::Message, Some(SioType::Connect))
    );
    assert_eq!(body[0].3, b"2\x1e40{\"sid\":\"mb5SLjoul_nJCFni\"}".to_vec());
}
