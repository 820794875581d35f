//! Connections one ladder shows side by side, a lane each: the TCP connections of one Engine.IO
//! session (its long-polling requests and its WebSocket, joined by their `sid`), or else every
//! client connection to the same server endpoint that overlaps the chosen one in time (a
//! broadcast fanned out to a room). Membership comes from per-connection facts (the session a
//! connection's Engine.IO packets named, its time span), kept up to date as packets arrive.

use std::net::SocketAddr;

use crate::app_proto::engineio::{EioData, EioRecord, EioType, EioUrl, IoEvent, Transport};

use super::{Model, PacketRow};

/// What a connection's Engine.IO packets said about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamSession {
    /// The Engine.IO session it carried (the first sid its packets named).
    pub sid: Box<str>,
    /// It carried the session's WebSocket (else HTTP long-polling).
    pub websocket: bool,
}

/// The Engine.IO session of every connection, by `tcp.stream`.
#[derive(Clone, Debug, Default)]
pub struct Sessions {
    per_stream: Vec<Option<StreamSession>>,
}

impl Sessions {
    /// Take in packet `row` of connection `stream`: constant work.
    pub fn observe(&mut self, stream: u32, row: &PacketRow) {
        for event in row.io() {
            let (sid, transport) = match event {
                IoEvent::EngineIo(r) => (r.sid.as_deref(), r.transport),
                IoEvent::SocketIo(r) => (r.eio_sid.as_deref(), r.transport),
                IoEvent::AckPair(_) | IoEvent::Anomaly(_) => continue,
            };
            let Some(sid) = sid else { continue };
            let id = stream as usize;
            if id >= self.per_stream.len() {
                self.per_stream.resize(id + 1, None);
            }
            let Some(slot) = self.per_stream.get_mut(id) else {
                continue;
            };
            let known = slot.get_or_insert_with(|| StreamSession {
                sid: sid.into(),
                websocket: false,
            });
            if transport == Transport::WebSocket && *known.sid == *sid {
                known.websocket = true;
            }
        }
    }

    /// The Engine.IO session connection `stream` carried, if its packets named one.
    pub fn of(&self, stream: u32) -> Option<&StreamSession> {
        self.per_stream.get(stream as usize)?.as_ref()
    }
}

/// Why the connections of a [`LaneGroup`] belong together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// The TCP connections of one Engine.IO session.
    Session { sid: String },
    /// Client connections to one server endpoint at the same time.
    Clients,
}

/// One lane: a client connection and what the ladder calls it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    pub stream: u32,
    /// "polling #1", "WebSocket", "client 2".
    pub name: String,
    pub client: SocketAddr,
}

/// Connections shown together, in order of their first packet, with the server they share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneGroup {
    pub kind: GroupKind,
    pub server: SocketAddr,
    pub lanes: Vec<Lane>,
}

/// Whether `row` carries a part of the move from long-polling to WebSocket: the WebSocket
/// request that names the session, the `ping probe` on it, its `pong probe`, the client's
/// `upgrade`, or the `noop` that answers the GET still waiting on the polling side.
pub fn upgrade_part(row: &PacketRow) -> bool {
    starts_upgrade(row)
        || eio_records(row).any(|r| {
            let probe = matches!(&r.packet.data, EioData::Text(t) if t == "probe");
            match r.packet.kind {
                EioType::Ping | EioType::Pong => probe,
                EioType::Upgrade => true,
                EioType::Noop => r.transport == Transport::Polling,
                _ => false,
            }
        })
}

/// Whether `row` opens the upgrade: the WebSocket request (`transport=websocket`) of a session
/// that already has a sid, so far long-polling.
pub fn starts_upgrade(row: &PacketRow) -> bool {
    row.http().iter().any(|m| {
        m.kind == crate::app_proto::HttpKind::Request
            && m.uri
                .as_deref()
                .and_then(EioUrl::parse)
                .is_some_and(|u| u.transport == Some(Transport::WebSocket) && u.sid.is_some())
    })
}

fn eio_records(row: &PacketRow) -> impl Iterator<Item = &EioRecord> {
    row.io().iter().filter_map(|e| match e {
        IoEvent::EngineIo(r) => Some(r),
        _ => None,
    })
}

/// A Socket.IO event that asked for an ack and the ACK that answered it, as packets of the
/// model, with the round trip between them (capture times of the two packets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckTie {
    /// Indices into `Model::packets`.
    pub event_index: usize,
    pub ack_index: usize,
    /// The ack id.
    pub id: u64,
    pub rtt_ns: i64,
}

impl Model {
    /// The events that the ACKs completed in packet `index` answer (the decode pairs them).
    pub fn ack_ties_at(&self, index: usize) -> impl Iterator<Item = AckTie> + '_ {
        let row = self.packets.get(index);
        let ack_ts = row.map_or(0, |r| r.packet.ts_ns);
        row.into_iter()
            .flat_map(|r| r.io().iter())
            .filter_map(move |e| match e {
                IoEvent::AckPair(pair) => {
                    let at = self
                        .packets
                        .partition_point(|p| p.packet.number() < pair.event_frame);
                    let event = self
                        .packets
                        .get(at)
                        .filter(|p| p.packet.number() == pair.event_frame)?;
                    Some(AckTie {
                        event_index: at,
                        ack_index: index,
                        id: pair.id,
                        rtt_ns: ack_ts.saturating_sub(event.packet.ts_ns),
                    })
                }
                _ => None,
            })
    }

    /// The Engine.IO session of connection `stream`, if its packets named one.
    pub fn stream_session(&self, stream: u32) -> Option<&StreamSession> {
        self.sessions.of(stream)
    }

    /// The connections to show beside connection `stream`: its Engine.IO session's when that
    /// spans several connections, else the client connections to the same server that overlap
    /// it in time. `None` when `stream` would be alone.
    pub fn lane_group(&self, stream: u32) -> Option<LaneGroup> {
        let chosen = self.connection(stream)?;
        let connections = self.connections.iter().enumerate().filter(|(slot, c)| {
            // A slot that no connection took holds a copy of another (see `Model::connection`).
            c.id as usize == *slot
        });
        if let Some(session) = self.sessions.of(stream) {
            let members: Vec<_> = connections
                .clone()
                .filter(|(_, c)| self.sessions.of(c.id).is_some_and(|s| s.sid == session.sid))
                .map(|(_, c)| c)
                .collect();
            if members.len() > 1 {
                let mut polls = 0;
                let lanes = members
                    .iter()
                    .map(|c| {
                        let name = if self.sessions.of(c.id).is_some_and(|s| s.websocket) {
                            "WebSocket".to_owned()
                        } else {
                            polls += 1;
                            format!("polling #{polls}")
                        };
                        Lane {
                            stream: c.id,
                            name,
                            client: c.client,
                        }
                    })
                    .collect();
                return Some(LaneGroup {
                    kind: GroupKind::Session {
                        sid: session.sid.to_string(),
                    },
                    server: chosen.server,
                    lanes,
                });
            }
        }
        let lanes: Vec<Lane> = connections
            .filter(|(_, c)| {
                c.server == chosen.server
                    && c.first_ts_ns <= chosen.last_ts_ns
                    && chosen.first_ts_ns <= c.last_ts_ns
            })
            .enumerate()
            .map(|(n, (_, c))| Lane {
                stream: c.id,
                name: format!("client {}", n + 1),
                client: c.client,
            })
            .collect();
        (lanes.len() > 1).then_some(LaneGroup {
            kind: GroupKind::Clients,
            server: chosen.server,
            lanes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::FileReader;

    fn model(name: &str) -> Model {
        let path = format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"));
        crate::pipeline::process_all(FileReader::open(std::path::Path::new(&path)).unwrap())
    }

    /// The sids and transports the decode itself gave each connection's Engine.IO packets.
    fn decoded_sessions(m: &Model) -> Vec<(u32, String, bool)> {
        let mut out: Vec<(u32, String, bool)> = Vec::new();
        for row in &m.packets {
            let Some(seg) = &row.seg else { continue };
            for e in row.io() {
                if let IoEvent::EngineIo(r) = e
                    && let Some(sid) = &r.sid
                {
                    let ws = r.transport == Transport::WebSocket;
                    match out.iter_mut().find(|(s, _, _)| *s == seg.stream) {
                        Some(known) => known.2 |= ws,
                        None => out.push((seg.stream, sid.to_string(), ws)),
                    }
                }
            }
        }
        out.sort();
        out
    }

    fn names(g: &LaneGroup) -> Vec<(u32, &str)> {
        g.lanes
            .iter()
            .map(|l| (l.stream, l.name.as_str()))
            .collect()
    }

    #[test]
    fn a_polling_session_and_its_websocket_are_one_group_named_by_sid() {
        for name in [
            "socketio.pcapng",
            "sio_node4_polling_upgrade.pcapng",
            "sio_python_polling_upgrade.pcapng",
            "sio_node2_polling_upgrade.pcapng",
        ] {
            let m = model(name);
            let decoded = decoded_sessions(&m);
            let (_, sid, _) = decoded.first().unwrap().clone();
            let members: Vec<_> = decoded.iter().filter(|(_, s, _)| *s == sid).collect();
            assert!(members.len() > 1, "{name}: {decoded:?}");
            let ws: Vec<u32> = members.iter().filter(|m| m.2).map(|m| m.0).collect();
            assert_eq!(ws.len(), 1, "{name}: one WebSocket");
            for (stream, _, _) in &members {
                let g = m.lane_group(*stream).unwrap();
                assert_eq!(g.kind, GroupKind::Session { sid: sid.clone() }, "{name}");
                let streams: Vec<u32> = g.lanes.iter().map(|l| l.stream).collect();
                let mut expected: Vec<u32> = members.iter().map(|m| m.0).collect();
                expected.sort_unstable();
                assert_eq!(streams, expected, "{name}: every connection, in order");
                for l in &g.lanes {
                    let conn = m.connection(l.stream).unwrap();
                    assert_eq!(l.client, conn.client);
                    assert_eq!(g.server, conn.server);
                    if l.stream == ws[0] {
                        assert_eq!(l.name, "WebSocket");
                    } else {
                        assert!(l.name.starts_with("polling #"), "{}", l.name);
                    }
                }
            }
        }
        let m = model("socketio.pcapng");
        assert_eq!(
            names(&m.lane_group(1).unwrap()),
            [(0, "polling #1"), (1, "polling #2"), (2, "WebSocket")]
        );
    }

    #[test]
    fn each_ack_is_tied_to_the_event_the_decode_paired_it_with() {
        let m = model("socketio.pcapng");
        let ties: Vec<AckTie> = (0..m.packets.len())
            .flat_map(|i| m.ack_ties_at(i))
            .collect();
        let mut pairs = 0;
        for row in &m.packets {
            for e in row.io() {
                let IoEvent::AckPair(p) = e else { continue };
                pairs += 1;
                let tie = ties
                    .iter()
                    .find(|t| m.packets[t.ack_index].packet.number() == p.ack_frame)
                    .unwrap();
                let event = &m.packets[tie.event_index];
                assert_eq!(event.packet.number(), p.event_frame);
                assert_eq!(tie.id, p.id);
                assert_eq!(tie.rtt_ns, row.packet.ts_ns - event.packet.ts_ns);
            }
        }
        assert_eq!(ties.len(), pairs);
        assert!(pairs >= 2, "{pairs}");
    }

    #[test]
    fn the_upgrade_is_the_probes_the_upgrade_and_the_noop() {
        let m = model("socketio.pcapng");
        let parts: Vec<u64> = m
            .packets
            .iter()
            .filter(|r| upgrade_part(r))
            .map(|r| r.packet.number())
            .collect();
        // Checked against the decode: 23 GET transport=websocket&sid=…, 27 noop (polling),
        // 28 ping probe, 29 pong probe, 30 upgrade.
        let eio = |n: u64| {
            eio_records(&m.packets[n as usize - 1])
                .map(|r| (r.packet.kind, r.transport))
                .collect::<Vec<_>>()
        };
        assert_eq!(parts, [23, 27, 28, 29, 30]);
        assert_eq!(eio(27), [(EioType::Noop, Transport::Polling)]);
        assert_eq!(eio(30), [(EioType::Upgrade, Transport::WebSocket)]);
        let starts: Vec<u64> = m
            .packets
            .iter()
            .filter(|r| starts_upgrade(r))
            .map(|r| r.packet.number())
            .collect();
        assert_eq!(starts, [23]);
    }

    #[test]
    fn clients_of_one_server_at_the_same_time_are_one_group() {
        let m = model("broadcast.pcapng");
        let g = m.lane_group(1).unwrap();
        assert_eq!(g.kind, GroupKind::Clients);
        assert_eq!(
            names(&g),
            [(0, "client 1"), (1, "client 2"), (2, "client 3")]
        );
        // Two WebSocket-only Socket.IO sessions: one session each, so the clients are grouped.
        let m = model("socketio-broadcast.pcapng");
        assert_ne!(
            m.stream_session(0).map(|s| &s.sid),
            m.stream_session(1).map(|s| &s.sid)
        );
        assert_eq!(
            names(&m.lane_group(0).unwrap()),
            [(0, "client 1"), (1, "client 2")]
        );
        // One connection alone: no group.
        let m = model("chat.pcapng");
        assert_eq!(m.connections.len(), 1);
        assert!(m.lane_group(0).is_none());
    }

    #[test]
    fn a_connection_that_ended_before_another_began_is_not_its_neighbour() {
        let m = model("sio_node4_reconnect.pcapng");
        for c in &m.connections {
            let Some(g) = m.lane_group(c.id) else {
                continue;
            };
            if g.kind != GroupKind::Clients {
                continue;
            }
            for l in &g.lanes {
                let other = m.connection(l.stream).unwrap();
                assert!(other.first_ts_ns <= c.last_ts_ns && c.first_ts_ns <= other.last_ts_ns);
                assert_eq!(other.server, c.server);
            }
        }
    }
}
