//! The OSI and TCP/IP layer models, and which layers one packet uses, with what it carries
//! there or why the layer stays dark (a SYN carries no application data…).

use crate::capture::LinkType;
use crate::decode::Proto;
use crate::decode::flags::{ACK, FIN, RST, SYN};
use crate::model::PacketRow;

/// One of the seven OSI layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsiLayer {
    /// 1 (physical) to 7 (application).
    pub number: u8,
    pub name: &'static str,
    /// What a unit of data is called at this layer.
    pub pdu: &'static str,
}

/// The seven layers, index 0 = layer 1.
pub const OSI_LAYERS: [OsiLayer; 7] = [
    OsiLayer {
        number: 1,
        name: "Physical",
        pdu: "bits",
    },
    OsiLayer {
        number: 2,
        name: "Data link",
        pdu: "frame",
    },
    OsiLayer {
        number: 3,
        name: "Network",
        pdu: "packet",
    },
    OsiLayer {
        number: 4,
        name: "Transport",
        pdu: "segment",
    },
    OsiLayer {
        number: 5,
        name: "Session",
        pdu: "data",
    },
    OsiLayer {
        number: 6,
        name: "Presentation",
        pdu: "data",
    },
    OsiLayer {
        number: 7,
        name: "Application",
        pdu: "data",
    },
];

/// One layer of the TCP/IP (RFC 1122) model and the OSI layers it spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpIpLayer {
    pub name: &'static str,
    pub lowest: u8,
    pub highest: u8,
}

/// The four TCP/IP layers, bottom first.
pub const TCPIP_LAYERS: [TcpIpLayer; 4] = [
    TcpIpLayer {
        name: "Link",
        lowest: 1,
        highest: 2,
    },
    TcpIpLayer {
        name: "Internet",
        lowest: 3,
        highest: 3,
    },
    TcpIpLayer {
        name: "Transport",
        lowest: 4,
        highest: 4,
    },
    TcpIpLayer {
        name: "Application",
        lowest: 5,
        highest: 7,
    },
];

/// What one packet does at one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerUse {
    /// The packet has a header or data here: the protocol and a one-line summary.
    Used { proto: String, what: String },
    /// The layer has a role but no header of its own (loopback's physical layer, WebSocket's
    /// session and presentation roles): lit, but drawn differently.
    Implicit { proto: String, what: String },
    /// Nothing here for this packet, and why.
    Unused { why: String },
}

impl LayerUse {
    pub fn is_lit(&self) -> bool {
        !matches!(self, Self::Unused { .. })
    }

    pub fn text(&self) -> &str {
        match self {
            Self::Used { what, .. } | Self::Implicit { what, .. } => what,
            Self::Unused { why } => why,
        }
    }

    pub fn proto(&self) -> &str {
        match self {
            Self::Used { proto, .. } | Self::Implicit { proto, .. } => proto,
            Self::Unused { .. } => "",
        }
    }
}

/// Whether the packet went over loopback (a loopback link type, or loopback addresses).
pub fn is_loopback(record: &PacketRow) -> bool {
    matches!(record.packet.link(), LinkType::Null | LinkType::Loop)
        || record
            .packet
            .ip()
            .is_some_and(|ip| ip.src.is_loopback() && ip.dst.is_loopback())
}

fn no_app_data_reason(record: &PacketRow) -> String {
    let Some(tcp) = &record.packet.tcp else {
        return "No TCP payload: nothing for the application.".into();
    };
    if tcp.payload_len > 0 {
        return "The payload is not a protocol osiscope understands.".into();
    }
    let flags = tcp.flags;
    if flags & SYN != 0 {
        "A SYN carries no application data: it only opens the connection.".into()
    } else if flags & RST != 0 {
        "A RST carries no application data: it aborts the connection.".into()
    } else if flags & FIN != 0 {
        "This FIN carries no application data: it only closes one direction.".into()
    } else if flags & ACK != 0 {
        "A pure ACK carries no application data: it only confirms bytes received.".into()
    } else {
        "No application data in this segment.".into()
    }
}

/// For each OSI layer (index 0 = layer 1): what this packet does there.
pub fn layer_uses(record: &PacketRow) -> [LayerUse; 7] {
    let packet = &record.packet;
    let has = |p: Proto| packet.layers().iter().any(|l| l.proto == p);
    let loopback = is_loopback(record);

    let l1 = if loopback {
        LayerUse::Implicit {
            proto: "no wire".into(),
            what: "Loopback: the kernel hands the frame straight back to its own receive path. No \
                   cable, no signal: layer 1 is a copy in memory. On a real network the bits \
                   would become voltages, light or radio here."
                .into(),
        }
    } else {
        LayerUse::Implicit {
            proto: "wire / radio".into(),
            what: format!(
                "The {} bytes leave as signals on a cable or radio. A capture sees the bytes, \
                 never the signals.",
                packet.len
            ),
        }
    };

    let l2 = if has(Proto::Ethernet) && loopback {
        LayerUse::Implicit {
            proto: "Ethernet (placeholder)".into(),
            what: "Linux's loopback interface (lo) writes a 14-byte Ethernet header, but it is a \
                   placeholder: both MAC addresses are 00:00:00:00:00:00, there is no ARP and no \
                   network card. Only its type field (IPv4/IPv6) is used."
                .into(),
        }
    } else if has(Proto::Ethernet) {
        LayerUse::Used { proto: "Ethernet".into(), what: "Ethernet header: destination and source MAC addresses and the type of what follows (IPv4/IPv6).".into() }
    } else if has(Proto::Null) {
        LayerUse::Used { proto: "Loopback (BSD)".into(), what: "A 4-byte loopback header (DLT_NULL, as BSD and macOS write it) that only says which protocol follows (the address family): no Ethernet, no MAC addresses.".into() }
    } else if has(Proto::Sll) || has(Proto::Sll2) {
        LayerUse::Used { proto: "Linux cooked".into(), what: "A pseudo-header Linux writes when capturing on \"any\" interface, in place of the real link header.".into() }
    } else {
        LayerUse::Unused {
            why: "This capture has no link-layer header (raw IP).".into(),
        }
    };

    let l3 = match packet.ip() {
        Some(ip) => LayerUse::Used {
            proto: format!("IPv{}", ip.version),
            what: format!(
                "IP header: from {} to {}, TTL {}: which host gets the packet.",
                ip.src, ip.dst, ip.ttl
            ),
        },
        None => LayerUse::Unused {
            why: "No IP header was decoded.".into(),
        },
    };

    let l4 = match &packet.tcp {
        Some(tcp) => LayerUse::Used {
            proto: "TCP".into(),
            what: format!(
                "TCP header: port {} → {}, flags {}: which program gets the bytes, and their order.",
                tcp.src_port,
                tcp.dst_port,
                crate::decode::flags::names(tcp.flags).join(", ")
            ),
        },
        None => LayerUse::Unused {
            why: "Not a TCP segment.".into(),
        },
    };

    let (l5, l6, l7) = app_layers(record);
    [l1, l2, l3, l4, l5, l6, l7]
}

/// Where a packet completes Socket.IO or Engine.IO packets: what they are, since a class
/// takes Socket.IO for WebSocket itself.
fn socket_io_note(record: &PacketRow) -> &'static str {
    use crate::app_proto::engineio::IoEvent;
    let sio = record
        .io()
        .iter()
        .any(|e| matches!(e, IoEvent::SocketIo(_)));
    let eio = record
        .io()
        .iter()
        .any(|e| matches!(e, IoEvent::EngineIo(_)));
    match (sio, eio, record.ws.is_empty()) {
        (true, _, false) => {
            " Inside it is Socket.IO's own protocol (an Engine.IO type digit, a Socket.IO type \
             digit, then JSON): Socket.IO is a library with its own protocol on top of \
             WebSocket, not WebSocket itself."
        }
        (_, true, false) => {
            " Inside it is an Engine.IO packet (a type digit, then its data): the transport \
             under Socket.IO, with its own protocol on top of WebSocket."
        }
        (_, true, true) => {
            " The body carries Engine.IO packets: Socket.IO over plain HTTP requests \
             (long-polling), with no WebSocket at all."
        }
        _ => "",
    }
}

/// Said of every WebSocket frame: where it travels.
const IN_TCP: &str = " The frame travels inside the TCP payload, after the TCP header: WebSocket \
                      is an application protocol carried by TCP, not part of the TCP layer.";

/// `layer` with `extra` after its text.
fn noted(layer: LayerUse, extra: &str) -> LayerUse {
    match layer {
        LayerUse::Used { proto, what } => LayerUse::Used {
            proto,
            what: format!("{what}{extra}"),
        },
        other => other,
    }
}

fn app_layers(record: &PacketRow) -> (LayerUse, LayerUse, LayerUse) {
    let folded = "TCP/IP has no separate session or presentation header: it folds layers 5–7 into \"Application\".";
    if let Some(frame) = record.ws.first() {
        let l5 = LayerUse::Implicit {
            proto: "WebSocket".into(),
            what: "No header of its own: the upgraded TCP connection is the WebSocket session, kept open for messages both ways.".into(),
        };
        let mut roles = Vec::new();
        if frame.compressed {
            roles.push("compressed (permessage-deflate)");
        }
        if frame.opcode == 1 {
            roles.push("text encoded as UTF-8");
        }
        let l6 = if roles.is_empty() {
            LayerUse::Unused {
                why: format!("Nothing is encoded or transformed in this frame. {folded}"),
            }
        } else {
            LayerUse::Implicit {
                proto: "WebSocket".into(),
                what: format!("The payload is {}.", roles.join(", ")),
            }
        };
        let mut what = record.info();
        if frame.masked {
            what.push_str(
                ". Masked: part of WebSocket's own framing (layer 7), an XOR with a key sent in \
                 clear in the same header. Not encryption.",
            );
        }
        if !what.ends_with('.') {
            what.push('.');
        }
        what.push_str(IN_TCP);
        let l7 = match super::io_steps::app_layer(record) {
            Some(io) => noted(io, &format!(".{IN_TCP}{}", socket_io_note(record))),
            None => LayerUse::Used {
                proto: "WebSocket".into(),
                what,
            },
        };
        return (l5, l6, l7);
    }
    if !record.tls().is_empty() {
        return tls_layers(record);
    }
    if let Some(http) = record.http().first() {
        let l7 = match super::io_steps::app_layer(record) {
            Some(io) => noted(io, &format!(".{}", socket_io_note(record))),
            None => LayerUse::Used {
                proto: "HTTP".into(),
                what: format!("HTTP: {}", http.start_line()),
            },
        };
        return (
            LayerUse::Unused { why: folded.into() },
            LayerUse::Unused {
                why: "HTTP headers are plain ASCII text: no separate encoding layer.".into(),
            },
            l7,
        );
    }
    let payload = record.packet.tcp.as_ref().map_or(0, |t| t.payload_len);
    if payload > 0 {
        let l7 = LayerUse::Used {
            proto: record.protocol().to_string(),
            what: format!("{payload} bytes of application data ({}).", record.info()),
        };
        return (
            LayerUse::Unused { why: folded.into() },
            LayerUse::Unused { why: folded.into() },
            l7,
        );
    }
    let why = no_app_data_reason(record);
    (
        LayerUse::Unused { why: why.clone() },
        LayerUse::Unused { why: why.clone() },
        LayerUse::Unused { why },
    )
}

/// Layers 5–7 of a packet that carries TLS records: TLS does the session and presentation
/// jobs (keys for the connection, encryption); what the application sends is inside.
fn tls_layers(record: &PacketRow) -> (LayerUse, LayerUse, LayerUse) {
    let encrypted = record.tls().iter().any(|r| r.encrypted);
    let l5 = LayerUse::Implicit {
        proto: "TLS".into(),
        what: "TLS keeps a session for this connection: the keys agreed in its handshake \
               protect every record that follows."
            .into(),
    };
    let l6 = LayerUse::Used {
        proto: "TLS".into(),
        what: if encrypted {
            format!(
                "TLS records ({}): encryption is this layer's job, the bytes are transformed so \
                 that only the two ends can read them.",
                record.info()
            )
        } else {
            format!(
                "TLS handshake in clear ({}): the two ends agree on a version, a cipher suite and keys.",
                record.info()
            )
        },
    };
    let l7 = if encrypted {
        LayerUse::Implicit {
            proto: "hidden".into(),
            what: "The application's bytes (for wss://, the HTTP Upgrade and the WebSocket \
                   frames) are inside the encrypted records: a capture cannot read them."
                .into(),
        }
    } else {
        LayerUse::Unused {
            why: "No application data yet: it waits until the TLS handshake is done.".into(),
        }
    };
    (l5, l6, l7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcpip_layers_cover_osi() {
        let mut covered: Vec<u8> = TCPIP_LAYERS
            .iter()
            .flat_map(|l| l.lowest..=l.highest)
            .collect();
        covered.sort_unstable();
        assert_eq!(covered, [1, 2, 3, 4, 5, 6, 7]);
        assert!(
            OSI_LAYERS
                .iter()
                .enumerate()
                .all(|(i, l)| usize::from(l.number) == i + 1)
        );
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;
    use crate::lesson::fixture;

    #[test]
    fn syn_leaves_application_layers_dark_with_a_reason() {
        let m = fixture::conversation();
        let uses = layer_uses(&m.packets[0]);
        assert!(uses[3].is_lit() && uses[2].is_lit() && uses[1].is_lit());
        assert!(!uses[6].is_lit());
        assert!(uses[6].text().contains("SYN carries no application data"));
        assert!(
            uses[0].text().contains("Loopback"),
            "physical layer on loopback is explained"
        );
    }

    #[test]
    fn masked_frame_lights_every_layer() {
        let m = fixture::conversation();
        let uses = layer_uses(&m.packets[5]);
        assert!(uses.iter().all(LayerUse::is_lit));
        assert!(uses[5].text().contains("UTF-8"));
        assert!(!uses[5].text().contains("masked"), "masking is not layer 6");
        assert!(uses[6].text().contains("Not encryption"));
    }
}
