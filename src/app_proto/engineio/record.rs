//! What following Engine.IO sessions reports: each Engine.IO packet, each complete Socket.IO
//! packet, each ack paired with its event, and each violation, attributed to the packet that
//! carried the last byte of the message or body that completed it.

use smol_str::SmolStr;

use crate::app_proto::socketio::{SioPacket, SocketIoAnomaly};
use crate::flow::Direction;

use super::{EioPacket, EioVersion, EngineIoAnomaly, Transport};

/// One Engine.IO packet of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EioRecord {
    pub direction: Direction,
    pub eio: EioVersion,
    pub transport: Transport,
    /// The session, once known (from the open packet, or `sid=` in the URL).
    pub sid: Option<SmolStr>,
    pub packet: EioPacket,
    /// The packet that carried the last byte of its body or WebSocket message.
    pub frame: u64,
}

/// One complete Socket.IO packet.
#[derive(Clone, Debug, PartialEq)]
pub struct SioRecord {
    pub direction: Direction,
    /// The Engine.IO session that carried it.
    pub eio_sid: Option<SmolStr>,
    pub transport: Transport,
    pub packet: SioPacket,
    /// The lengths of its binary attachments, in order.
    pub attachment_lens: Vec<u64>,
    /// On an ACK: the frame of the event it answers. (On an event, the ack comes later: see
    /// [`AckPair`].)
    pub ack_frame: Option<u64>,
    /// The packet that completed it (for binary packets: the one with the last attachment).
    pub frame: u64,
}

/// An event that asked for an ack, and the ACK that answered it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckPair {
    pub eio_sid: Option<SmolStr>,
    pub nsp: SmolStr,
    pub id: u64,
    /// Who sent the event.
    pub event_direction: Direction,
    pub event_frame: u64,
    pub ack_frame: u64,
}

/// A violation found while following a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IoAnomalyKind {
    EngineIo(EngineIoAnomaly),
    SocketIo(SocketIoAnomaly),
}

/// A violation, where it was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoAnomaly {
    pub direction: Direction,
    pub sid: Option<SmolStr>,
    pub frame: u64,
    pub kind: IoAnomalyKind,
}

/// Everything [`super::EioSessions`] reports.
#[derive(Clone, Debug, PartialEq)]
pub enum IoEvent {
    EngineIo(EioRecord),
    SocketIo(SioRecord),
    AckPair(AckPair),
    Anomaly(IoAnomaly),
}
