//! `io.emit` seen on the wire: the server wrote the same Socket.IO event (same namespace, same
//! arguments, no ack id) to two or more Engine.IO sessions within [`WINDOW_NS`]. One packet
//! cannot tell this; the model sees every session, so it decides here, as packets arrive, and
//! remembers which Socket.IO records were such broadcasts.

use std::collections::{HashSet, VecDeque};

use crate::app_proto::engineio::{IoEvent, SioRecord};
use crate::app_proto::socketio::SioType;
use crate::flow::Direction;

use super::PacketRow;
use super::io_label::EmitScope;

/// How close in time the copies of one broadcast are (a server writes them one after the
/// other: 24 µs apart in captures/socketio-broadcast.pcapng).
pub const WINDOW_NS: i64 = 50_000_000;
/// Server events remembered at most while looking for copies.
const RECENT_MAX: usize = 256;

/// A server event recently seen.
#[derive(Debug)]
struct Seen {
    ts_ns: i64,
    sid: smol_str::SmolStr,
    /// Namespace and JSON arguments.
    key: String,
    /// Packet index and position in the packet's `io`.
    at: (u32, u16),
}

/// The broadcasts found so far.
#[derive(Debug, Default)]
pub struct Broadcasts {
    recent: VecDeque<Seen>,
    everyone: HashSet<(u32, u16)>,
}

impl Broadcasts {
    /// Look at the Socket.IO events of packet `index`. Returns the earlier packets whose
    /// events turned out to be broadcasts because of this one (their labels change).
    pub fn observe(&mut self, index: usize, row: &PacketRow) -> Vec<u32> {
        let mut earlier = Vec::new();
        let Ok(index) = u32::try_from(index) else {
            return earlier;
        };
        let ts_ns = row.packet.ts_ns;
        while self
            .recent
            .front()
            .is_some_and(|s| ts_ns.saturating_sub(s.ts_ns) > WINDOW_NS)
        {
            self.recent.pop_front();
        }
        for (i, event) in row.io().iter().enumerate() {
            let IoEvent::SocketIo(r) = event else {
                continue;
            };
            let (Some(sid), Some(key), Ok(i)) = (&r.eio_sid, broadcast_key(r), u16::try_from(i))
            else {
                continue;
            };
            let at = (index, i);
            for s in self.recent.iter().filter(|s| s.key == key && &s.sid != sid) {
                self.everyone.insert(at);
                if self.everyone.insert(s.at) {
                    earlier.push(s.at.0);
                }
            }
            if self.recent.len() == RECENT_MAX {
                self.recent.pop_front();
            }
            self.recent.push_back(Seen {
                ts_ns,
                sid: sid.clone(),
                key,
                at,
            });
        }
        earlier.sort_unstable();
        earlier.dedup();
        earlier
    }

    /// Whether Socket.IO record `record` (in packet `index`) went to everyone.
    pub fn scope(&self, index: usize, row: &PacketRow, record: &SioRecord) -> EmitScope {
        let position = row
            .io()
            .iter()
            .position(|e| matches!(e, IoEvent::SocketIo(r) if std::ptr::eq(r, record)));
        match position.and_then(|p| Some((u32::try_from(index).ok()?, u16::try_from(p).ok()?))) {
            Some(at) if self.everyone.contains(&at) => EmitScope::Everyone,
            _ => EmitScope::Socket,
        }
    }
}

/// What two copies of one broadcast share: a server event without an ack id, its namespace
/// and its arguments.
fn broadcast_key(r: &SioRecord) -> Option<String> {
    let p = &r.packet;
    let event = matches!(p.kind, SioType::Event | SioType::BinaryEvent);
    (event && p.id.is_none() && r.direction == Direction::ServerToClient).then(|| {
        format!(
            "{}\u{0}{}",
            p.nsp,
            p.data.as_ref().map(ToString::to_string).unwrap_or_default()
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::capture::FileReader;
    use crate::model::Model;

    fn model(name: &str) -> Model {
        let path = format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"));
        crate::pipeline::process_all(FileReader::open(std::path::Path::new(&path)).unwrap())
    }

    fn labels(m: &Model) -> Vec<(u64, String)> {
        m.steps
            .iter()
            .map(|s| (m.step_number(s), m.step_label(s).into_owned()))
            .filter(|(_, label)| label.contains(".emit("))
            .collect()
    }

    #[test]
    fn one_event_to_both_sessions_reads_io_emit_and_a_reply_to_one_reads_socket_emit() {
        let m = model("socketio-broadcast.pcapng");
        assert_eq!(
            labels(&m),
            [
                (
                    24,
                    r#"socket.emit("chat", "hello, everyone") + ack 0"#.into()
                ),
                (
                    28,
                    r#"io.emit("chat", "hello, everyone"), ack 0 → [{"ok":true}]"#.into()
                ),
                (29, r#"io.emit("chat", "hello, everyone")"#.into()),
            ]
        );
    }

    #[test]
    fn with_one_session_nothing_is_a_broadcast() {
        let m = model("socketio.pcapng");
        assert!(labels(&m).iter().all(|(_, l)| !l.starts_with("io.")));
        assert!(
            labels(&m)
                .iter()
                .any(|(_, l)| l == r#"socket.emit("chat", "hi") + ack 0"#),
            "{:?}",
            labels(&m)
        );
    }
}
