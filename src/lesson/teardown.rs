//! The end of a connection told as it happens on the wire: the WebSocket closing handshake
//! (who started it, who answered), the two FINs (first and second are different stories),
//! TIME-WAIT and who holds it, RST, and the close status codes (RFC 6455 §7.4).

use crate::flow::{Direction, TcpState};

/// The meaning of a WebSocket close code: RFC 6455 §7.4.1 and the IANA "WebSocket Close Code
/// Number" registry (1012–1015).
pub fn close_code_meaning(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1004 => "reserved, never sent",
        1005 => "no status code (never sent on the wire)",
        1006 => "abnormal closure (never sent on the wire)",
        1007 => "invalid payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "missing extension",
        1011 => "internal server error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake failed (never sent on the wire)",
        0..=999 => "not used (RFC 6455 §7.4.2)",
        1016..=2999 => "reserved for future versions of the protocol",
        3000..=3999 => "registered by a library or framework",
        4000..=4999 => "private, chosen by the application",
        _ => "not a valid close code",
    }
}

/// Whether an endpoint may put `code` in a Close frame: never 1004–1006 or 1015 (RFC 6455
/// §7.4.1), nothing unassigned below 3000 (§7.4.2), nothing outside 1000–4999.
pub fn close_code_sendable(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Why `code` may not be sent, for the presenter (None when it may).
pub fn close_code_refusal(code: u16) -> Option<String> {
    if close_code_sendable(code) {
        return None;
    }
    Some(match code {
        1005 | 1006 | 1015 => format!(
            "{code} ({}) only reports a close to the program; RFC 6455 §7.4.1 says an endpoint \
             must never put it in a Close frame",
            close_code_meaning(code)
        ),
        1004 => "1004 is reserved (RFC 6455 §7.4.1): an endpoint must not send it".into(),
        1016..=2999 => format!(
            "{code} is reserved for future versions of WebSocket (RFC 6455 §7.4.2): use 1000–1003, \
             1007–1014, 3000–3999 (libraries) or 4000–4999 (your application)"
        ),
        _ => format!("{code} is not a close code: they run from 1000 to 4999"),
    })
}

/// Who started the WebSocket closing handshake, seen from one Close frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseRole {
    /// No Close came the other way before this one: this frame starts the closing handshake.
    Starts,
    /// The other side's Close came first: this frame answers it, and the handshake is done.
    Answers,
}

/// The connection's first FIN after a step: who sent it and in which packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FinSeen {
    pub direction: Direction,
    pub packet: u64,
}

fn name(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::ClientToServer => ("The client", "the server"),
        Direction::ServerToClient => ("The server", "the client"),
    }
}

fn lower(direction: Direction) -> &'static str {
    match direction {
        Direction::ClientToServer => "the client",
        Direction::ServerToClient => "the server",
    }
}

/// What a Close frame does in the closing handshake: one sentence, with `what` (its code and
/// reason, e.g. "code 1000 (normal closure)").
pub fn close_role_sentence(sender: Direction, role: Option<CloseRole>, what: &str) -> String {
    let (who, other) = name(sender);
    match role {
        Some(CloseRole::Starts) => {
            format!("{who} starts the closing handshake with a Close frame: {what}.")
        }
        Some(CloseRole::Answers) => format!(
            "{who} answers {other}'s Close with its own Close frame ({what}): the closing \
             handshake is complete."
        ),
        None => format!("{who} sends a Close frame: {what}."),
    }
}

/// The "Next" line after a Close frame.
pub fn close_next(sender: Direction, role: Option<CloseRole>, fin: Option<FinSeen>) -> String {
    let (_, receiver) = name(sender);
    let after = match fin {
        Some(FinSeen {
            direction: Direction::ServerToClient,
            packet,
        }) => format!(
            "the server sends the first FIN (packet {packet}), as RFC 6455 §7.1.1 asks, so that \
             the server, not the client, waits in TIME-WAIT afterwards"
        ),
        Some(FinSeen {
            direction: Direction::ClientToServer,
            packet,
        }) => format!(
            "here the client sends the first FIN (packet {packet}), although RFC 6455 §7.1.1 asks \
             the server to close TCP first; so the client will wait in TIME-WAIT"
        ),
        None => "RFC 6455 §7.1.1 asks the server to close TCP first (FIN), so that the server, \
                 not the client, waits in TIME-WAIT"
            .into(),
    };
    match role {
        Some(CloseRole::Answers) => format!("No more frames either way. TCP closes next: {after}."),
        _ => format!(
            "{} must answer with its own Close and then send nothing more. Then TCP closes: {after}.",
            capitalise(receiver)
        ),
    }
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// TIME-WAIT in two sentences: what it is, how long, and why.
pub const TIME_WAIT: &str = "TIME-WAIT lasts 2·MSL (twice the Maximum Segment Lifetime: 4 minutes \
     by RFC 9293's 2-minute MSL, 60 seconds on Linux): if the last ACK is lost, the other side \
     sends its FIN again and can still be answered, and a late copy of an old segment cannot be \
     taken for part of a new connection between the same two ports.";

/// Headline, body, next and analogy for a FIN, from the states the FIN left both sides in.
pub fn fin_texts(
    sender: Direction,
    rel_seq: u32,
    sender_state: TcpState,
    receiver_state: TcpState,
) -> (String, String, String) {
    let (who, other) = name(sender);
    match sender_state {
        TcpState::LastAck => (
            format!("FIN: {} closes its side too", lower(sender)),
            format!(
                "{other_cap} had already sent its FIN, so this is the second FIN: {who_l} closes \
                 its own sending direction too (seq={rel_seq}; a FIN counts as one sequence number). \
                 Both directions are now closed. {who} is {}: it waits only for the ACK of this FIN.",
                sender_state.rfc_name(),
                other_cap = capitalise(other),
                who_l = lower(sender)
            ),
            format!(
                "{other_cap} acknowledges this FIN with the last ACK of the connection and stays in \
                 TIME-WAIT; {who_l} is CLOSED as soon as that ACK arrives.",
                other_cap = capitalise(other),
                who_l = lower(sender)
            ),
        ),
        TcpState::Closing => (
            "FIN: both sides close at the same time".into(),
            format!(
                "{who} sends its FIN (seq={rel_seq}) while {other}'s FIN is still unacknowledged: \
                 a simultaneous close. {who} is CLOSING."
            ),
            "Each side acknowledges the other's FIN; both go through TIME-WAIT.".into(),
        ),
        _ => (
            "FIN: \"I have nothing more to send\"".into(),
            format!(
                "{who} closes its sending direction first (seq={rel_seq}; a FIN counts as one \
                 sequence number). It can still receive until {other} sends its own FIN. {who} is \
                 now {}; {other} is {}.",
                sender_state.rfc_name(),
                receiver_state.rfc_name()
            ),
            format!(
                "{other_cap} acknowledges, and sends its own FIN when it has nothing more to send. \
                 Because {who_l} closed first, {who_l} will hold TIME-WAIT at the end.",
                other_cap = capitalise(other),
                who_l = lower(sender)
            ),
        ),
    }
}

/// The last ACK of a closed connection, sent by the side that enters TIME-WAIT.
pub fn time_wait_texts(sender: Direction, rel_ack: u32) -> (String, String, String) {
    let (who, other) = name(sender);
    (
        format!("Last ACK: {} waits in TIME-WAIT", lower(sender)),
        format!(
            "{who} acknowledges {other}'s FIN (ack={rel_ack}). {other_cap} is now CLOSED. {who} \
             closed first, so it stays in TIME-WAIT. {TIME_WAIT}",
            other_cap = capitalise(other)
        ),
        format!(
            "Nothing more on the wire: when TIME-WAIT ends, {} forgets the connection.",
            lower(sender)
        ),
    )
}

/// What a RST is and where one comes from.
pub fn rst_body(sender: Direction) -> String {
    let (who, _) = name(sender);
    format!(
        "{who} resets the connection: no polite goodbye, both sides forget it at once and data \
         still in flight is lost. A RST comes from a segment for a connection that does not exist \
         (nothing listens on the port, or the connection was already forgotten), from a program \
         that closes a socket while received data is still unread, or from SO_LINGER set to 0. A \
         program that crashes does not cause one by itself: the kernel closes its sockets with a \
         normal FIN."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_a_peer_must_never_send_are_refused() {
        for code in [999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000] {
            assert!(!close_code_sendable(code), "{code}");
            assert!(close_code_refusal(code).is_some(), "{code}");
        }
        for code in [
            1000, 1001, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4000, 4999,
        ] {
            assert!(close_code_sendable(code), "{code}");
        }
    }

    #[test]
    fn iana_codes_have_names() {
        assert_eq!(close_code_meaning(1012), "service restart");
        assert_eq!(close_code_meaning(1013), "try again later");
        assert_eq!(close_code_meaning(1014), "bad gateway");
        assert!(close_code_meaning(1015).contains("TLS"));
        assert_eq!(close_code_meaning(1000), "normal closure");
        assert_eq!(
            close_code_meaning(4001),
            "private, chosen by the application"
        );
    }
}
