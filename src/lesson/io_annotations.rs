//! The sentences of Engine.IO and Socket.IO violations: what `osiscope decode` prints and the
//! app shows. The kinds (in `app_proto::engineio` and `app_proto::socketio`) are facts.

use crate::app_proto::engineio::{EngineIoAnomaly, IoAnomalyKind};
use crate::app_proto::socketio::SocketIoAnomaly;

/// The layer name and sentence of an Engine.IO or Socket.IO violation.
pub fn io_anomaly(kind: &IoAnomalyKind) -> (&'static str, String) {
    match kind {
        IoAnomalyKind::EngineIo(a) => ("engineio", engine_io(a)),
        IoAnomalyKind::SocketIo(a) => ("socketio", socket_io(a)),
    }
}

fn engine_io(a: &EngineIoAnomaly) -> String {
    match a {
        EngineIoAnomaly::UnknownType { found } => {
            format!("Engine.IO packet type {found:?} is not one of 0 (open) to 6 (noop)")
        }
        EngineIoAnomaly::BadBase64 => {
            "a 'b' (binary) Engine.IO packet whose base64 does not decode".into()
        }
        EngineIoAnomaly::NotUtf8 => "an Engine.IO text payload that is not UTF-8".into(),
        EngineIoAnomaly::BadLength { at, prefix, why } => format!(
            "Engine.IO v3 length prefix {prefix:?} at byte {at}: {why}; the rest of the body is not read"
        ),
        EngineIoAnomaly::EmptyPart { index } => {
            format!("empty Engine.IO packet at position {index} of a \\x1e-separated polling body")
        }
        EngineIoAnomaly::UnknownSid { sid } => format!(
            "Engine.IO session {sid:?} was never opened in this capture (its open packet is not here)"
        ),
        EngineIoAnomaly::Truncated => {
            "this polling body is incomplete: some of its bytes are missing".into()
        }
        EngineIoAnomaly::OpenWithoutSid => "an Engine.IO open packet without a sid".into(),
    }
}

fn socket_io(a: &SocketIoAnomaly) -> String {
    match a {
        SocketIoAnomaly::UnknownType { found } => {
            format!("Socket.IO packet type {found:?} is not one of 0 (CONNECT) to 6 (BINARY_ACK)")
        }
        SocketIoAnomaly::BadAttachments { found } => {
            format!(
                "a binary Socket.IO packet with attachment count {found:?} (needs <n>- with n ≥ 1)"
            )
        }
        SocketIoAnomaly::NotJson => "a Socket.IO payload that is not JSON".into(),
        SocketIoAnomaly::InvalidPayload { kind } => {
            format!("a Socket.IO {kind} whose payload has the wrong shape for its type")
        }
        SocketIoAnomaly::UnexpectedAttachment => {
            "a binary message that no BINARY_EVENT or BINARY_ACK was waiting for".into()
        }
        SocketIoAnomaly::MissingAttachments {
            kind,
            expected,
            got,
        } => format!(
            "a Socket.IO {kind} announced {expected} binary attachments but only {got} came"
        ),
        SocketIoAnomaly::AckWithoutEvent { id } => {
            format!("Socket.IO ACK {id} answers no event seen in this capture")
        }
    }
}
