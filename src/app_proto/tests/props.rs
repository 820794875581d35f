//! Property tests: arbitrary bytes never panic, and chunking never changes what is parsed.

use proptest::prelude::*;

use super::*;
use crate::app_proto::websocket::frame::{HeaderStatus, parse_header};

/// Send `bytes` to the server side split at `cuts`, after a handshake; returns the frames.
fn frames_split(bytes: &[u8], cuts: &[usize]) -> Vec<WsFrame> {
    let mut c = Conv::new();
    c.handshake(None);
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut last = 0;
    for cut in cuts.into_iter().chain(std::iter::once(bytes.len())) {
        if cut > last {
            c.send(C2S, &bytes[last..cut]);
            last = cut;
        }
    }
    c.frames()
}

fn valid_stream() -> impl Strategy<Value = Vec<u8>> {
    let one = (
        any::<bool>(),
        prop::sample::select(vec![0u8, 1, 2, 8, 9, 10]),
        any::<[u8; 4]>(),
        prop::collection::vec(any::<u8>(), 0..400),
    )
        .prop_map(|(fin, op, key, payload)| frame(fin, 0, op, Some(key), &payload));
    prop::collection::vec(one, 1..8).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(c2s in prop::collection::vec(any::<u8>(), 0..600), s2c in prop::collection::vec(any::<u8>(), 0..600), upgrade in any::<bool>()) {
        let mut c = Conv::new();
        if upgrade {
            c.handshake(None);
        }
        for (a, b) in c2s.chunks(37).zip(s2c.chunks(53)) {
            c.send(C2S, a);
            c.send(S2C, b);
        }
        let _ = c.lose(C2S, 3);
        c.send(C2S, &c2s);
    }

    #[test]
    fn any_chunking_gives_the_same_frames(bytes in valid_stream(), cuts in prop::collection::vec(any::<usize>(), 0..12)) {
        let whole = frames_split(&bytes, &[]);
        prop_assert_eq!(frames_split(&bytes, &cuts), whole);
    }

    #[test]
    fn header_agrees_with_tungstenite(bytes in prop::collection::vec(any::<u8>(), 0..16)) {
        use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;
        let mut cursor = std::io::Cursor::new(&bytes);
        let theirs = FrameHeader::parse(&mut cursor);
        match (parse_header(&bytes), theirs) {
            (HeaderStatus::Parsed(h), Ok(Some((t, len)))) => {
                prop_assert_eq!(h.payload_len, len);
                prop_assert_eq!(h.fin, t.is_final);
                prop_assert_eq!(h.masking_key, t.mask);
                prop_assert_eq!(u64::from(h.header_len), cursor.position());
                prop_assert_eq!(u8::from(t.opcode), h.opcode);
            }
            // tungstenite refuses reserved opcodes and huge lengths; we annotate them instead.
            (HeaderStatus::NeedMore(_), Ok(None)) | (HeaderStatus::Parsed(_), Err(_)) => {}
            (ours, theirs) => prop_assert!(false, "ours {:?} theirs {:?}", ours, theirs),
        }
    }
}
