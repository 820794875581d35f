//! The floor under `osiscope decode`'s time on a capture: read every frame through the same
//! reader (`capture::file::FileReader`, memory maps mapped ahead on a helper thread) and look at
//! each frame's first header bytes, as the decoder must, but decode nothing and write nothing
//! (`harness = false`; run by `benches/decode_bench.sh`, results in `DECODE_RESULTS.md`).
//!
//! `cargo bench --no-default-features --bench read_floor -- FILE`
//!
//! It prints the frames and bytes it saw. Its CPU time (user + system) is what any decode of the
//! file through this reader spends before the first instruction of decoding: mapping the file
//! and touching a new page for nearly every packet. On a capture of large packets that is most of
//! the time `decode` may take to be 20 times faster than tshark.

// A benchmark harness: a failure should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use osiscope::capture::file::FileReader;

fn main() {
    let file: PathBuf = std::env::args_os()
        .skip(1)
        .find(|a| a != "--bench")
        .expect("usage: read_floor FILE")
        .into();
    let mut reader = FileReader::open(&file).unwrap();
    let (mut frames, mut bytes, mut seen) = (0u64, 0u64, 0u64);
    while let Some(next) = reader.next_borrowed() {
        let (_, data) = next.unwrap();
        frames += 1;
        bytes += data.len() as u64;
        // The last byte of an Ethernet + IPv4 + TCP header (or the frame's last byte): the
        // decoder reads at least this far into every frame.
        seen = seen.wrapping_add(u64::from(
            data.get(53.min(data.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0),
        ));
    }
    println!("{frames} frames, {bytes} bytes of frames read (checksum {seen})");
}
