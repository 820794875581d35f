//! Fuzz one TCP stream: a valid handshake, then the fuzz input split into segments in both
//! directions, through flow tracking, HTTP and WebSocket parsing and the model.
#![no_main]

use etherparse::PacketBuilder;
use libfuzzer_sys::fuzz_target;
use osiscope::capture::{Frame, LinkType};
use osiscope::model::Model;
use osiscope::engine::Engine;

const CLIENT: ([u8; 4], u16) = ([127, 0, 0, 1], 40000);
const SERVER: ([u8; 4], u16) = ([127, 0, 0, 1], 8765);

fn segment(to_server: bool, seq: u32, ack: u32, syn: bool, payload: &[u8]) -> Vec<u8> {
    let (src, dst) = if to_server { (CLIENT, SERVER) } else { (SERVER, CLIENT) };
    let mut b = PacketBuilder::ipv4(src.0, dst.0, 64).tcp(src.1, dst.1, seq, 65535).ack(ack);
    if syn {
        b = b.syn();
    }
    let mut out = Vec::new();
    let _ = b.write(&mut out, payload);
    out
}

fuzz_target!(|data: &[u8]| {
    let mut engine = Engine::new();
    let mut model = Model::new();
    let (mut cseq, mut sseq) = (1000u32, 5000u32);
    let mut frames = vec![segment(true, cseq, 0, true, &[]), segment(false, sseq, cseq + 1, true, &[])];
    cseq += 1;
    sseq += 1;
    frames.push(segment(true, cseq, sseq, false, &[]));
    // The first byte of each chunk picks the direction and the length of the segment.
    let mut rest = data;
    while let Some((&ctl, tail)) = rest.split_first() {
        let n = usize::from(ctl & 0x7f).min(tail.len());
        let (payload, next) = tail.split_at(n);
        let to_server = ctl & 0x80 == 0;
        if to_server {
            frames.push(segment(true, cseq, sseq, false, payload));
            cseq = cseq.wrapping_add(n as u32);
        } else {
            frames.push(segment(false, sseq, cseq, false, payload));
            sseq = sseq.wrapping_add(n as u32);
        }
        rest = next;
    }
    for (i, data) in frames.into_iter().enumerate() {
        let frame = Frame { number: i as u64 + 1, ts_ns: i as i64, orig_len: data.len() as u32, link: LinkType::Raw, interface: 0, data };
        let out = engine.process(frame);
        let conn = engine.connection(&out).cloned();
        model.push(out, conn.as_ref());
    }
});
