//! Fragment reassembly read as fragment traces: which frame completes the datagram, with which
//! bytes and which frames, and what is annotated.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;

const KEY: FragmentKey = FragmentKey {
    src: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
    dst: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
    protocol: Some(6),
    id: 0x1234,
};

/// The payload of a datagram of `len` bytes: 0, 1, 2… (mod 251, so runs do not repeat at 8).
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Fragment `offset..end` of `data`, in frame `frame` at second `frame`.
fn frag(data: &[u8], offset: usize, end: usize, frame: u64) -> Fragment<'_> {
    Fragment {
        key: KEY,
        offset,
        more: end < data.len(),
        next_header: 6,
        data: &data[offset..end],
        frame,
        ts_ns: frame as i64 * 1_000_000_000,
    }
}

#[test]
fn in_order_fragments_complete_on_the_last() {
    let data = payload(3000);
    let mut r = Reassembler::default();
    assert!(r.add(&frag(&data, 0, 1480, 1)).datagram.is_none());
    assert!(r.add(&frag(&data, 1480, 2960, 2)).datagram.is_none());
    let done = r.add(&frag(&data, 2960, 3000, 3));
    assert!(done.issues.is_empty());
    let d = done.datagram.unwrap();
    assert_eq!(d.frames, [1, 2, 3]);
    assert_eq!(d.next_header, 6);
    assert_eq!(d.data, data);
    assert_eq!((r.waiting(), r.held_bytes()), (0, 0));
}

#[test]
fn the_packet_that_fills_the_last_hole_completes_and_frames_are_in_offset_order() {
    let data = payload(2000);
    let mut r = Reassembler::default();
    assert!(r.add(&frag(&data, 1600, 2000, 1)).datagram.is_none());
    assert!(r.add(&frag(&data, 0, 800, 2)).datagram.is_none());
    let d = r.add(&frag(&data, 800, 1600, 3)).datagram.unwrap();
    assert_eq!(d.frames, [2, 3, 1]);
    assert_eq!(d.data, data);
}

#[test]
fn a_duplicate_fragment_is_an_overlap_and_is_listed() {
    let data = payload(16);
    let mut r = Reassembler::default();
    r.add(&frag(&data, 0, 8, 1));
    let again = r.add(&frag(&data, 0, 8, 2));
    assert_eq!(
        again.issues,
        [FragmentIssue::Overlap {
            start: 0,
            end: 8,
            earlier_frame: 1
        }]
    );
    let d = r.add(&frag(&data, 8, 16, 3)).datagram.unwrap();
    assert_eq!(d.frames, [1, 2, 3]);
    assert_eq!(d.data, data);
}

#[test]
fn conflicting_overlap_keeps_the_earlier_bytes() {
    let data = payload(24);
    let mut other = data.clone();
    other[10] = 0xFF;
    let mut r = Reassembler::default();
    r.add(&frag(&data, 0, 16, 1));
    let conflict = r.add(&Fragment {
        data: &other[8..24],
        offset: 8,
        more: false,
        ..frag(&data, 8, 24, 2)
    });
    assert_eq!(
        conflict.issues,
        [FragmentIssue::OverlapConflict {
            start: 8,
            end: 16,
            earlier_frame: 1
        }]
    );
    assert_eq!(conflict.datagram.unwrap().data, data);
}

#[test]
fn a_second_tail_that_ends_elsewhere_is_annotated_and_the_first_counts() {
    let data = payload(32);
    let mut r = Reassembler::default();
    r.add(&frag(&data, 16, 32, 1));
    let second = r.add(&Fragment {
        more: false,
        ..frag(&data, 8, 24, 2)
    });
    assert!(second.issues.contains(&FragmentIssue::MultipleTails {
        end: 24,
        earlier_end: 32
    }));
    let d = r.add(&frag(&data, 0, 8, 3)).datagram.unwrap();
    assert_eq!(d.data, data);
    assert_eq!(d.frames, [3, 2, 1]);
}

#[test]
fn bytes_past_the_end_are_annotated_and_dropped() {
    let data = payload(40);
    let mut r = Reassembler::default();
    r.add(&frag(&data[..24], 16, 24, 1));
    let past = r.add(&Fragment {
        more: true,
        ..frag(&data, 8, 40, 2)
    });
    assert_eq!(
        past.issues,
        [
            FragmentIssue::Overlap {
                start: 16,
                end: 24,
                earlier_frame: 1
            },
            FragmentIssue::PastEnd {
                end: 40,
                datagram_end: 24
            }
        ]
    );
    let d = r.add(&frag(&data, 0, 8, 3)).datagram.unwrap();
    assert_eq!(d.data, &data[..24]);
}

#[test]
fn a_short_middle_fragment_is_annotated() {
    let data = payload(30);
    let mut r = Reassembler::default();
    let odd = r.add(&frag(&data, 0, 13, 1));
    assert_eq!(odd.issues, [FragmentIssue::NotMultipleOf8 { len: 13 }]);
    assert_eq!(r.add(&frag(&data, 13, 30, 2)).datagram.unwrap().data, data);
}

#[test]
fn a_datagram_past_65535_bytes_is_not_reassembled() {
    let data = payload(16);
    let mut r = Reassembler::default();
    let far = r.add(&Fragment {
        offset: MAX_DATAGRAM - 8,
        ..frag(&data, 0, 16, 1)
    });
    assert_eq!(
        far.issues,
        [FragmentIssue::TooLong {
            end: MAX_DATAGRAM + 8
        }]
    );
    assert_eq!(r.waiting(), 0);
}

#[test]
fn fragments_of_other_datagrams_do_not_mix() {
    let data = payload(16);
    let mut r = Reassembler::default();
    r.add(&frag(&data, 0, 8, 1));
    let v6 = FragmentKey {
        src: IpAddr::V6(Ipv6Addr::LOCALHOST),
        dst: IpAddr::V6(Ipv6Addr::LOCALHOST),
        protocol: None,
        id: KEY.id,
    };
    for key in [FragmentKey { id: 7, ..KEY }, v6] {
        let other = r.add(&Fragment {
            key,
            ..frag(&data, 8, 16, 2)
        });
        assert!(other.datagram.is_none());
    }
    assert_eq!(r.waiting(), 3);
}

#[test]
fn an_unfinished_datagram_times_out() {
    let data = payload(16);
    let mut r = Reassembler::new(FragmentLimits {
        timeout_ns: 30_000_000_000,
        ..FragmentLimits::default()
    });
    r.add(&frag(&data, 0, 8, 1));
    // 31 s later: the first fragment is gone, this one waits alone.
    let late = r.add(&frag(&data, 8, 16, 32));
    assert!(late.datagram.is_none());
    assert_eq!((r.waiting(), r.held_bytes(), r.dropped()), (1, 8, 1));
}

#[test]
fn limits_drop_the_oldest_datagram() {
    let data = payload(16);
    let mut r = Reassembler::new(FragmentLimits {
        max_datagrams: 2,
        max_bytes: 1 << 20,
        ..FragmentLimits::default()
    });
    for id in 0..3 {
        r.add(&Fragment {
            key: FragmentKey { id, ..KEY },
            ..frag(&data, 0, 8, u64::from(id) + 1)
        });
    }
    assert_eq!((r.waiting(), r.dropped()), (2, 1));
    // Datagram 0 was dropped: its tail alone completes nothing; datagram 2's does.
    let tail = |id| Fragment {
        key: FragmentKey { id, ..KEY },
        ..frag(&data, 8, 16, 9)
    };
    assert!(r.add(&tail(0)).datagram.is_none());
    assert!(r.add(&tail(2)).datagram.is_some());

    let mut small = Reassembler::new(FragmentLimits {
        max_bytes: 20,
        ..FragmentLimits::default()
    });
    let big = payload(64);
    for id in 0..3 {
        small.add(&Fragment {
            key: FragmentKey { id, ..KEY },
            ..frag(&big, 0, 16, 1)
        });
    }
    assert_eq!((small.waiting(), small.held_bytes()), (1, 16));
}

proptest! {
    /// Any order and duplication of a datagram's fragments reassembles to its bytes, on the
    /// fragment that fills the last hole.
    #[test]
    fn any_order_and_duplication_gives_the_same_datagram(
        len in 1usize..3000,
        cut in 8usize..600,
        order in proptest::collection::vec(any::<prop::sample::Index>(), 1..40),
    ) {
        let data = payload(len);
        let cut = cut / 8 * 8;
        let bounds: Vec<(usize, usize)> =
            (0..len).step_by(cut).map(|o| (o, (o + cut).min(len))).collect();
        let mut sends: Vec<usize> = order.iter().map(|i| i.index(bounds.len())).collect();
        sends.extend(0..bounds.len());
        let mut r = Reassembler::new(FragmentLimits {
            timeout_ns: i64::MAX,
            ..FragmentLimits::default()
        });
        let mut seen = vec![false; bounds.len()];
        for (n, &i) in sends.iter().enumerate() {
            let (o, e) = bounds[i];
            seen[i] = true;
            let added = r.add(&frag(&data, o, e, n as u64 + 1));
            if let Some(d) = added.datagram {
                prop_assert!(seen.iter().all(|s| *s));
                prop_assert_eq!(&d.data, &data);
                prop_assert_eq!(r.held_bytes(), 0);
                return Ok(());
            }
            prop_assert!(!seen.iter().all(|s| *s));
        }
        prop_assert!(false, "never completed");
    }

    /// Arbitrary fragments never panic, and the bytes held are always what the pieces hold.
    #[test]
    fn arbitrary_fragments_never_panic(
        frags in proptest::collection::vec(
            (0u32..4, 0usize..70_000, any::<bool>(), proptest::collection::vec(any::<u8>(), 0..64), 0i64..100),
            0..60,
        ),
    ) {
        let mut r = Reassembler::new(FragmentLimits {
            max_datagrams: 3,
            max_bytes: 500,
            timeout_ns: 30,
        });
        for (n, (id, offset, more, data, ts)) in frags.iter().enumerate() {
            let added = r.add(&Fragment {
                key: FragmentKey { id: *id, ..KEY },
                offset: *offset,
                more: *more,
                next_header: 17,
                data,
                frame: n as u64,
                ts_ns: *ts,
            });
            if let Some(d) = added.datagram {
                prop_assert!(d.data.len() <= MAX_DATAGRAM);
            }
            prop_assert!(r.waiting() <= 3);
            let held: usize = r.pending.values().map(|p| p.pieces.iter().map(|x| x.data.len()).sum::<usize>()).sum();
            prop_assert_eq!(held, r.held_bytes());
        }
    }
}
