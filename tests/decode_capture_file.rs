//! The file reader: pcap in both byte orders and resolutions, pcapng sections and interfaces,
//! and damaged files that give every good packet, then one error with its offset.

use std::path::{Path, PathBuf};

use osiscope::capture::{CaptureError, FileReader, Frame, LinkType};
use osiscope::decode::{self, IssueKind};

/// A capture of the public corpus (`../shared/corpus/captures`, DESIGN.md "Fixtures and
/// references"); its absence fails the test rather than skipping it.
fn corpus(name: &str) -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/captures");
    [beside, PathBuf::from("/work/shared/corpus/captures")]
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} of the public corpus was not found in ../shared/corpus"))
}

fn read_all(reader: FileReader) -> (Vec<Frame>, Option<CaptureError>) {
    let mut frames = Vec::new();
    let mut error = None;
    for item in reader {
        match item {
            Ok(f) => frames.push(f),
            Err(e) => {
                assert!(error.is_none(), "a second error after {error:?}");
                error = Some(e);
            }
        }
    }
    (frames, error)
}

#[test]
fn cut_file_gives_twenty_packets_then_truncated() {
    let path = corpus("ws_suricata_basic_cut.pcap");
    let size = std::fs::metadata(&path)
        .map(|m| m.len())
        .unwrap_or_default();
    let reader = FileReader::open(&path).expect("open");
    assert_eq!(reader.total_bytes(), Some(size));
    let (frames, error) = read_all(reader);
    assert_eq!(frames.len(), 20);
    assert_eq!(frames.last().map(|f| f.number), Some(20));
    match error {
        Some(CaptureError::Truncated {
            offset,
            packets: 20,
            ..
        }) => assert!(offset < size, "{offset} {size}"),
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[test]
fn packet_shorter_than_its_ip_header_says() {
    let path = corpus("ipv4_truncated_packet.pcap");
    let (frames, error) = read_all(FileReader::open(&path).expect("open"));
    assert!(error.is_none());
    let p = decode::decode(&frames.into_iter().next().expect("one packet"));
    assert_eq!(p.issues[0].layer, "ipv4");
    assert_eq!(
        p.issues[0].kind,
        IssueKind::IpLengthExceedsPacket {
            version: 4,
            declared: 65008,
            on_wire: 1496
        }
    );
}

/// A big-endian nanosecond pcap with one 4-byte raw packet.
fn pcap_be_ns() -> Vec<u8> {
    let mut b = vec![
        0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 101,
    ];
    b.extend_from_slice(&[0, 0, 0, 10, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0, 60]); // ts 10 s + 7 ns
    b.extend_from_slice(&[0x45, 0, 0, 0]);
    b
}

#[test]
fn pcap_big_endian_nanoseconds() {
    let (frames, error) = read_all(FileReader::from_bytes(pcap_be_ns()).expect("pcap"));
    assert!(error.is_none());
    assert_eq!(frames[0].ts_ns, 10_000_000_007);
    assert_eq!(
        (frames[0].orig_len, frames[0].link, frames[0].number),
        (60, LinkType::Raw, 1)
    );
}

#[test]
fn damage_gives_one_error_with_the_offset() {
    let mut b = pcap_be_ns();
    b[24 + 8..24 + 12].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
    let (frames, error) = read_all(FileReader::from_bytes(b).expect("pcap"));
    assert!(frames.is_empty());
    assert!(
        matches!(
            error,
            Some(CaptureError::Corrupt {
                offset: 24,
                packets: 0,
                ..
            })
        ),
        "{error:?}"
    );
    let mut b = pcap_be_ns();
    b.truncate(b.len() - 1);
    let (_, error) = read_all(FileReader::from_bytes(b).expect("pcap"));
    assert!(
        matches!(error, Some(CaptureError::Truncated { offset: 24, .. })),
        "{error:?}"
    );
    let error = FileReader::from_bytes(b"GIF89a..".to_vec()).err();
    assert!(
        matches!(error, Some(CaptureError::NotACapture { .. })),
        "{error:?}"
    );
}

/// One pcapng block in the given byte order.
fn block(be: bool, kind: u32, body: &[u8]) -> Vec<u8> {
    let len = (12 + body.len().div_ceil(4) * 4) as u32;
    let word = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut b = [word(kind), word(len)].concat();
    b.extend_from_slice(body);
    b.resize(len as usize - 4, 0);
    b.extend_from_slice(&word(len));
    b
}

fn words(be: bool, values: &[u32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|v| if be { v.to_be_bytes() } else { v.to_le_bytes() })
        .collect()
}

#[test]
fn pcapng_sections_interfaces_and_resolutions() {
    let mut file = Vec::new();
    // Section 1, big-endian: Ethernet at µs, raw IP at ns (if_tsresol = 9).
    file.extend(block(
        true,
        0x0A0D_0D0A,
        &[&[0x1a, 0x2b, 0x3c, 0x4d, 0, 1, 0, 0][..], &[0xff; 8]].concat(),
    ));
    file.extend(block(true, 1, &words(true, &[1 << 16, 0])));
    file.extend(block(
        true,
        1,
        &[
            words(true, &[101 << 16, 0]),
            vec![0, 9, 0, 1, 9, 0, 0, 0, 0, 0, 0, 0],
        ]
        .concat(),
    ));
    file.extend(block(true, 0x0000_0004, &[0, 0, 0, 0])); // name resolution: skipped
    file.extend(block(
        true,
        6,
        &[words(true, &[1, 0, 2_000_000_005, 2, 2]), vec![0x45, 0]].concat(),
    ));
    // Section 2, little-endian: interfaces reset; NULL at 2^-10 s; an SPB; an unknown block.
    file.extend(block(
        false,
        0x0A0D_0D0A,
        &[&[0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0][..], &[0xff; 8]].concat(),
    ));
    file.extend(block(
        false,
        1,
        &[words(false, &[0, 0]), vec![9, 0, 1, 0, 0x8a, 0, 0, 0]].concat(),
    ));
    file.extend(block(
        false,
        6,
        &[words(false, &[0, 0, 2048, 4, 4]), vec![2, 0, 0, 0]].concat(),
    ));
    file.extend(block(false, 0x1234, &[1, 2, 3, 4]));
    file.extend(block(
        false,
        3,
        &[words(false, &[3]), vec![1, 2, 3]].concat(),
    ));
    let (frames, error) = read_all(FileReader::from_bytes(file).expect("pcapng"));
    assert!(error.is_none(), "{error:?}");
    let got: Vec<_> = frames
        .iter()
        .map(|f| (f.number, f.interface, f.link, f.ts_ns, f.data.len()))
        .collect();
    assert_eq!(
        got,
        [
            (1, 1, LinkType::Raw, 2_000_000_005, 2),
            (2, 0, LinkType::Null, 2_000_000_000, 4),
            (3, 0, LinkType::Null, 2_000_000_000, 3)
        ]
    );
}

#[test]
fn pcapng_packet_for_a_missing_interface_is_damage() {
    let mut file = block(
        false,
        0x0A0D_0D0A,
        &[&[0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0][..], &[0xff; 8]].concat(),
    );
    let at = file.len() as u64;
    file.extend(block(false, 6, &words(false, &[3, 0, 0, 0, 0])));
    let (frames, error) = read_all(FileReader::from_bytes(file).expect("pcapng"));
    assert!(frames.is_empty());
    match error {
        Some(CaptureError::Corrupt { offset, detail, .. }) => {
            assert_eq!(offset, at);
            assert_eq!(
                detail,
                "a packet names interface 3, but the section describes 0"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A little-endian microsecond pcap of `sizes.len()` raw-IP records, record `i` holding
/// `sizes[i]` bytes that tell which record they belong to.
fn pcap_of_sizes(sizes: &[usize]) -> Vec<u8> {
    let mut b = vec![
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 101, 0, 0, 0,
    ];
    for (i, &n) in sizes.iter().enumerate() {
        let len = n as u32;
        b.extend_from_slice(&(i as u32).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(&len.to_le_bytes());
        b.extend((0..n).map(|j| (i + j) as u8));
    }
    b
}

/// Frames as a mapped file, as a stream, and lent by `next_borrowed`: the same frames and the
/// same error.
fn read_three_ways(
    bytes: &[u8],
) -> Result<(Vec<Frame>, Option<CaptureError>), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("t.pcap");
    std::fs::write(&path, bytes)?;
    let (mapped, mapped_err) = read_all(FileReader::open(&path)?);
    let stream = FileReader::from_reader(std::io::Cursor::new(bytes.to_vec()))?;
    let (streamed, streamed_err) = read_all(stream);
    assert_eq!(mapped.len(), streamed.len());
    assert!(mapped == streamed, "mapped and streamed frames differ");
    assert_eq!(format!("{mapped_err:?}"), format!("{streamed_err:?}"));
    let mut reader = FileReader::open(&path)?;
    let mut lent = 0;
    while let Some(item) = reader.next_borrowed() {
        let Ok((frame, data)) = item else { break };
        let whole = &mapped[lent];
        assert!(frame.data.is_empty());
        assert_eq!((frame.number, frame.ts_ns), (whole.number, whole.ts_ns));
        assert!(data == whole.data.as_slice(), "frame {}", frame.number);
        lent += 1;
    }
    assert_eq!(lent, mapped.len());
    Ok((mapped, mapped_err))
}

#[test]
fn mapped_file_of_many_windows_reads_as_a_stream() {
    // 24 MB in records of every size up to 64 KiB, and one of 3 MiB (longer than the overlap of
    // two windows mapped ahead), so that records straddle window ends.
    let mut sizes: Vec<usize> = (0..700).map(|i| (i * 7919) % 65_536 + 1).collect();
    sizes.insert(350, 3 << 20);
    let bytes = pcap_of_sizes(&sizes);
    assert!(bytes.len() > 24 << 20);
    let (frames, error) = read_three_ways(&bytes).expect("read");
    assert!(error.is_none(), "{error:?}");
    assert_eq!(frames.len(), sizes.len());
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.data.len(), sizes[i]);
        assert_eq!(f.data.first().copied(), Some(i as u8));
    }
}

#[test]
fn mapped_file_cut_short_gives_every_packet_before_then_one_error() {
    let sizes: Vec<usize> = (0..400).map(|i| (i * 104_729) % 60_000 + 1).collect();
    let bytes = pcap_of_sizes(&sizes);
    for cut in [bytes.len() - 5, bytes.len() / 2 + 3, 9 << 20] {
        let (frames, error) = read_three_ways(&bytes[..cut]).expect("read");
        let Some(CaptureError::Truncated {
            offset, packets, ..
        }) = error
        else {
            panic!("cut at {cut}: expected Truncated, got {error:?}");
        };
        assert_eq!(packets, frames.len() as u64);
        // The error names the offset of the record that was cut.
        let whole: usize = 24 + sizes[..frames.len()].iter().map(|n| 16 + n).sum::<usize>();
        assert_eq!(offset, whole as u64, "cut at {cut}");
    }
}

/// Every frame's `last_frame_offset` points at its captured bytes in `file` (up to a damaged
/// record, if any). Returns the number of frames.
fn assert_offsets(name: &str, file: &[u8], mut reader: FileReader) -> usize {
    let mut n = 0;
    while let Some(Ok(frame)) = reader.next() {
        let at = reader.last_frame_offset() as usize;
        assert_eq!(
            file.get(at..at + frame.data.len()),
            Some(frame.data.as_slice()),
            "{name}: frame {} at offset {at}",
            frame.number
        );
        n += 1;
    }
    n
}

#[test]
fn frame_offsets_point_at_the_captured_bytes() {
    // pcap, big-endian.
    let pcap = pcap_be_ns();
    assert_eq!(
        assert_offsets("pcap", &pcap, FileReader::from_bytes(pcap.clone()).unwrap()),
        1
    );
    // pcapng in both byte orders: an EPB, an obsolete PB, an SPB and a custom block.
    let mut ng = Vec::new();
    for be in [true, false] {
        let magic = if be {
            [0x1a, 0x2b, 0x3c, 0x4d]
        } else {
            [0x4d, 0x3c, 0x2b, 0x1a]
        };
        let version: [u8; 4] = if be { [0, 1, 0, 0] } else { [1, 0, 0, 0] };
        ng.extend(block(
            be,
            0x0A0D_0D0A,
            &[&magic[..], &version, &[0xff; 8]].concat(),
        ));
        ng.extend(block(
            be,
            1,
            &words(be, &[if be { 101 << 16 } else { 101 }, 0]),
        ));
        ng.extend(block(
            be,
            6,
            &[words(be, &[0, 0, 7, 3, 3]), vec![0x45, 1, 2]].concat(),
        ));
        ng.extend(block(
            be,
            2,
            &[words(be, &[0, 0, 8, 2, 2]), vec![0x60, 9]].concat(),
        ));
        ng.extend(block(
            be,
            3,
            &[words(be, &[4]), vec![0x45, 3, 4, 5]].concat(),
        ));
        ng.extend(block(
            be,
            0x0000_0BAD,
            &[words(be, &[32473]), vec![7, 7]].concat(),
        ));
    }
    assert_eq!(
        assert_offsets("pcapng", &ng, FileReader::from_bytes(ng.clone()).unwrap()),
        8
    );
    // The corpus, read from disk.
    let dir = corpus("ws_suricata_basic.pcap")
        .parent()
        .unwrap()
        .to_owned();
    let mut frames = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if !path
            .extension()
            .is_some_and(|x| x == "pcap" || x == "pcapng")
        {
            continue;
        }
        let file = std::fs::read(&path).unwrap();
        if let Ok(reader) = FileReader::open(&path) {
            frames += assert_offsets(&path.display().to_string(), &file, reader);
        }
    }
    assert!(frames > 1000, "{frames} frames in the corpus");
}

/// The app's reader (`open_streamed`): a file another program cuts short while it is being
/// read gives every packet it still could read and then one `Truncated` error, not SIGBUS.
#[test]
fn streamed_file_cut_short_while_reading_is_an_error() {
    let sizes: Vec<usize> = (0..600).map(|i| (i * 104_729) % 60_000 + 1).collect();
    let bytes = pcap_of_sizes(&sizes);
    assert!(bytes.len() > 16 << 20);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("growing.pcap");
    std::fs::write(&path, &bytes).expect("write");
    let mut reader = FileReader::open_streamed(&path).expect("open");
    let first: Vec<Frame> = reader.by_ref().take(10).map(Result::unwrap).collect();
    assert_eq!(first.len(), 10);
    // Another program cuts the file to a third while we hold it open.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(bytes.len() as u64 / 3))
        .expect("truncate");
    let (rest, error) = read_all(reader);
    assert!(10 + rest.len() < sizes.len(), "{} frames", 10 + rest.len());
    assert!(
        matches!(error, Some(CaptureError::Truncated { .. })),
        "{error:?}"
    );
    for (i, f) in first.iter().chain(&rest).enumerate() {
        assert_eq!(f.data.len(), sizes[i]);
        assert_eq!(f.data.first().copied(), Some(i as u8));
    }
}

#[test]
fn every_bundled_capture_is_in_time_order() {
    // A capture that goes back in time draws its ladder out of order and makes the narration's
    // intervals negative; captures/socketio.pcapng once did (its first packets were stamped when
    // read, not by the kernel: captures/README.md).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("captures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains(".pcap"))
        .collect();
    files.sort();
    assert!(
        files.len() > 40,
        "only {} captures in {}",
        files.len(),
        dir.display()
    );
    for path in files {
        let (frames, error) = read_all(FileReader::open(&path).expect("open"));
        assert!(error.is_none(), "{}: {error:?}", path.display());
        for pair in frames.windows(2) {
            assert!(
                pair[1].ts_ns >= pair[0].ts_ns,
                "{}: packet {} is {} ns before packet {}",
                path.display(),
                pair[1].number,
                pair[0].ts_ns - pair[1].ts_ns,
                pair[0].number
            );
        }
    }
}
