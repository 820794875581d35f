//! Fuzz one frame through decode (every link type) and its field details.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osiscope::capture::{Frame, LinkType};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let link = match selector % 8 {
        0 => LinkType::Ethernet,
        1 => LinkType::Null,
        2 => LinkType::Loop,
        3 => LinkType::LinuxSll,
        4 => LinkType::LinuxSll2,
        5 => LinkType::Raw,
        6 => LinkType::Ipv4,
        _ => LinkType::Ipv6,
    };
    let frame = Frame { number: 1, ts_ns: 0, orig_len: bytes.len() as u32, link, interface: 0, data: bytes.to_vec() };
    let packet = osiscope::decode::decode(&frame);
    let _ = osiscope::decode::details(&packet, &frame.data);
});
