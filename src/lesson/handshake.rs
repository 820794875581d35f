//! The three-way handshake told as it is on the wire: the ISNs, each side's options (MSS is
//! the largest segment the sender can receive, RFC 9293 §3.7.1; window scaling and SACK only
//! when both SYNs carry them, RFC 7323 §2.2 and RFC 2018), who becomes ESTABLISHED when, and
//! why loopback segments can be larger than the MSS.

use std::fmt::Write as _;

use super::steps::Narration;
use crate::decode::TcpOptions;
use crate::flow::{Connection, Direction};
use crate::model::{PacketRow, Step};

/// Where an MSS value comes from, when it is one of the usual ones.
pub fn mss_arithmetic(mss: u16, ipv6: bool) -> Option<&'static str> {
    match (mss, ipv6) {
        (65_495, false) => Some(
            "65495 = 65535 − 40: the largest IPv4 packet is 65535 bytes, minus 20 bytes of IP \
             header and 20 of TCP header; loopback's MTU (65536) allows that much",
        ),
        (65_476, true) => Some(
            "65476 = 65536 − 60: loopback's MTU minus 40 bytes of IPv6 header and 20 of TCP header",
        ),
        (1460, false) => {
            Some("1460 = 1500 − 40: an Ethernet MTU of 1500 bytes minus the IPv4 and TCP headers")
        }
        (1440, true) => {
            Some("1440 = 1500 − 60: an Ethernet MTU of 1500 bytes minus the IPv6 and TCP headers")
        }
        _ => None,
    }
}

fn is_ipv6(record: &PacketRow) -> bool {
    record.packet.ip().is_some_and(|ip| ip.version == 6)
}

/// The options one SYN carries, each with what it means for the side that sent it.
fn announced(options: &TcpOptions, ipv6: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(mss) = options.mss {
        let mut s = format!("MSS {mss}, the largest segment it can receive");
        if let Some(why) = mss_arithmetic(mss, ipv6) {
            let _ = write!(s, " ({why})");
        }
        out.push(s);
    }
    if let Some(ws) = options.window_scale {
        out.push(format!(
            "window scale {ws} (its later windows are to be multiplied by 2^{ws} = {})",
            1u64 << ws.min(30)
        ));
    }
    if options.sack_permitted {
        out.push("SACK permitted (it can acknowledge blocks out of order)".into());
    }
    if options.timestamps.is_some() {
        out.push("timestamps".into());
    }
    out
}

pub(super) fn syn(step: &Step, record: &PacketRow, conn: Option<&Connection>) -> Narration {
    let tcp = record.packet.tcp.as_ref();
    // The step's sender and receiver: its connection's client and server, in its direction.
    let (src, dst) = match (conn, step.direction) {
        (Some(c), Direction::ClientToServer) => (c.client.to_string(), c.server.to_string()),
        (Some(c), Direction::ServerToClient) => (c.server.to_string(), c.client.to_string()),
        (None, _) => ("an unknown address".to_owned(), "another".to_owned()),
    };
    let dst_port = tcp.map_or(0, |t| t.dst_port);
    let raw_seq = tcp.map_or(0, |t| t.seq);
    let mut body = format!(
        "The client at {src} asks {dst} to open a connection. It picks a random starting number for \
         counting its bytes (its ISN), {raw_seq} on the wire; tools show it as seq=0 (relative = \
         raw − ISN) to keep the arithmetic readable."
    );
    let options = record
        .announced_options()
        .map(|o| announced(o, is_ipv6(record)))
        .unwrap_or_default();
    if !options.is_empty() {
        let _ = write!(body, " It announces {}.", options.join("; "));
        body.push_str(
            " The MSS is not negotiated: each side tells the other what it can receive. Window \
             scaling, SACK and timestamps are offers: they are used only if the SYN, ACK carries \
             them too (RFC 7323, RFC 2018).",
        );
    }
    Narration {
        headline: "SYN: \"can we talk?\"".into(),
        body,
        next: Some(format!(
            "If a program listens on port {dst_port}, the server answers SYN, ACK; if not, it answers RST."
        )),
        analogy: Some(
            "Like starting a phone call: \"Hello, can you hear me?\" — \"Yes, I hear you; can you \
             hear me?\" — \"Yes.\" Each side proves it can send and receive, and each tells the \
             other the number it will start counting from."
                .into(),
        ),
    }
}

/// What the two SYNs agreed, from both sides' options.
fn agreed(conn: &Connection) -> String {
    let (c, s) = (&conn.client_options, &conn.server_options);
    let mut out = Vec::new();
    match (c.window_scale, s.window_scale) {
        (Some(cw), Some(sw)) => out.push(format!(
            "Both SYNs carry window scaling, so from the next segment on each window is \
             multiplied by its sender's own scale (client ×{}, server ×{}); the SYN and SYN, ACK \
             windows themselves are never scaled.",
            1u64 << cw.min(30),
            1u64 << sw.min(30)
        )),
        (Some(_), None) | (None, Some(_)) => out
            .push("Only one SYN carries window scaling, so neither side scales its window.".into()),
        (None, None) => {}
    }
    match (c.sack_permitted, s.sack_permitted) {
        (true, true) => out.push("Both allow SACK.".into()),
        (true, false) | (false, true) => {
            out.push("Only one side allows SACK, so SACK is not used.".into());
        }
        (false, false) => {}
    }
    if c.timestamps && s.timestamps {
        out.push(
            "Both carry timestamps: every later segment has a 12-byte timestamp option, so it \
             carries at most MSS − 12 bytes of data."
                .into(),
        );
    }
    out.join(" ")
}

pub(super) fn syn_ack(record: &PacketRow, conn: Option<&Connection>) -> Narration {
    let tcp = record.packet.tcp.as_ref();
    let seg = record.seg.as_ref();
    let rel_ack = seg.map_or(0, |s| s.rel_ack);
    let raw_seq = tcp.map_or(0, |t| t.seq);
    let ack_raw = tcp.map_or(0, |t| t.ack);
    let arithmetic = conn
        .and_then(|c| c.client_isn)
        .map_or(String::new(), |isn| {
            format!(" (raw {ack_raw} = client ISN {isn} + 1)")
        });
    let mut body = format!(
        "The server accepts. Its ack={rel_ack}{arithmetic} says \"I got your SYN; the next byte I \
         expect from you is number {rel_ack}\": a SYN counts as one sequence number although it \
         carries no data. Its own SYN picks its own starting number, {raw_seq} on the wire (seq=0)."
    );
    let options = record
        .announced_options()
        .map(|o| announced(o, is_ipv6(record)))
        .unwrap_or_default();
    if !options.is_empty() {
        let _ = write!(body, " It announces {}.", options.join("; "));
    }
    if let Some(conn) = conn {
        let agreed = agreed(conn);
        if !agreed.is_empty() {
            body.push(' ');
            body.push_str(&agreed);
        }
    }
    body.push_str(" The client is ESTABLISHED as soon as this arrives.");
    Narration {
        headline: "SYN, ACK: \"yes, and can you hear me?\"".into(),
        body,
        next: Some(
            "The client acknowledges the server's SYN; the server is ESTABLISHED when that ACK \
             arrives."
                .into(),
        ),
        analogy: Some("\"Yes, I hear you — can you hear me?\"".into()),
    }
}

pub(super) fn handshake_ack(record: &PacketRow, conn: Option<&Connection>) -> Narration {
    let rel_ack = record.seg.as_ref().map_or(0, |s| s.rel_ack);
    let rtt = conn
        .and_then(|c| c.handshake_rtt_ns)
        .map_or(String::new(), |ns| {
            format!(
                " The handshake took {:.3} ms seen from here.",
                ns as f64 / 1e6
            )
        });
    Narration {
        headline: "ACK: the connection is open".into(),
        body: format!(
            "The client acknowledges the server's SYN with ack={rel_ack}. The client became \
             ESTABLISHED when the SYN, ACK reached it; the server becomes ESTABLISHED when this ACK \
             reaches it. Exactly three segments, and each side knows the other's starting \
             number.{rtt}"
        ),
        next: Some(
            "Now either side can send data. This ACK carried none, but a third segment may \
             already carry the client's first bytes."
                .into(),
        ),
        analogy: Some("\"Yes, I hear you too.\" Now the conversation can begin.".into()),
    }
}

/// For a data segment that completes the handshake (the client's first bytes ride on the
/// third segment): the sentence that says so.
pub(super) fn data_on_third_segment(record: &PacketRow) -> Option<&'static str> {
    let seg = record.seg.as_ref()?;
    let payload = record.packet.tcp.as_ref()?.payload_len;
    let completes = record.state_changes().iter().any(|c| {
        c.from == crate::flow::TcpState::SynReceived && c.to == crate::flow::TcpState::Established
    });
    (completes && payload > 0 && seg.direction == Direction::ClientToServer).then_some(
        "This segment is also the third segment of the handshake: its ACK of the server's SYN \
         makes the server ESTABLISHED, and the client's first data rides on it.",
    )
}

/// For a segment larger than the MSS its receiver announced: why that happens on loopback.
pub(super) fn larger_than_mss(record: &PacketRow, conn: Option<&Connection>) -> Option<String> {
    let seg = record.seg.as_ref()?;
    let payload = record.packet.tcp.as_ref()?.payload_len;
    let conn = conn?;
    let mss = match seg.direction {
        Direction::ClientToServer => conn.server_options.mss,
        Direction::ServerToClient => conn.client_options.mss,
    }?;
    if payload <= u32::from(mss) || !super::is_loopback(record) {
        return None;
    }
    let receiver = match seg.direction {
        Direction::ClientToServer => "server",
        Direction::ServerToClient => "client",
    };
    Some(format!(
        "This segment carries {payload} bytes, more than the MSS of {mss} the {receiver} \
         announced. On loopback the kernel passes one large chunk and never cuts it up \
         (segmentation offload): sent through a real network card, it would be cut into \
         segments of at most {mss} bytes, by the card or just before it."
    ))
}
