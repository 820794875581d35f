//! The background pipeline gives the same model as the synchronous one, and stops when dropped.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use osiscope::capture::FileReader;
use osiscope::model::Model;
use osiscope::pipeline::{Background, Frames, Update, process_all};

#[test]
fn background_and_synchronous_pipelines_agree() {
    let path = common::corpus_dir().join("captures/ws_zeek_wstunnel_https.pcap");
    let sync = process_all(FileReader::open(&path).unwrap());
    let reader = FileReader::open(&path).unwrap();
    let bg = Background::spawn("test-loader", reader).unwrap();
    let mut model = Model::new();
    while let Some(u) = bg.recv() {
        if !u.apply_to(&mut model) {
            break;
        }
    }
    assert_eq!(model.packets.len(), sync.packets.len());
    assert_eq!(model.steps, sync.steps);
    assert_eq!(model.connections, sync.connections);
    let infos = |m: &Model| {
        m.packets
            .iter()
            .map(osiscope::model::PacketRow::info)
            .collect::<Vec<_>>()
    };
    assert_eq!(infos(&model), infos(&sync));
}

#[test]
fn a_truncated_file_reports_its_error_after_every_good_packet() {
    let path = common::corpus_dir().join("captures/ws_suricata_basic_cut.pcap");
    let bg = Background::spawn("test-loader", FileReader::open(&path).unwrap()).unwrap();
    let mut packets = 0;
    let mut error = None;
    while let Some(u) = bg.recv() {
        match u {
            Update::Packets(b) => packets += b.len(),
            Update::Error(e) => error = Some(e),
            Update::Finished => break,
        }
        if error.is_some() {
            break;
        }
    }
    assert_eq!(packets, 20);
    assert!(error.is_some());
}

#[test]
fn dropping_the_handle_stops_an_endless_source() {
    let endless = std::iter::repeat_with(|| {
        Ok(osiscope::capture::Frame {
            number: 1,
            ts_ns: 0,
            orig_len: 4,
            link: osiscope::capture::LinkType::Raw,
            interface: 0,
            data: vec![0x45, 0, 0, 4],
        })
    });
    let bg = Background::spawn("test-endless", Frames(endless)).unwrap();
    assert!(matches!(bg.recv(), Some(Update::Packets(_))));
    drop(bg); // must return: the thread notices the closed channel
}
