//! The RFC 9293 §3.3.2 connection states, as a passive observer infers them for each peer.

use serde::Serialize;

/// A TCP connection state (RFC 9293 §3.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TcpState {
    Closed,
    Listen,
    SynSent,
    SynReceived,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
}

impl TcpState {
    /// The name as the RFC spells it ("SYN-RECEIVED").
    pub fn rfc_name(self) -> &'static str {
        match self {
            Self::Closed => "CLOSED",
            Self::Listen => "LISTEN",
            Self::SynSent => "SYN-SENT",
            Self::SynReceived => "SYN-RECEIVED",
            Self::Established => "ESTABLISHED",
            Self::FinWait1 => "FIN-WAIT-1",
            Self::FinWait2 => "FIN-WAIT-2",
            Self::CloseWait => "CLOSE-WAIT",
            Self::Closing => "CLOSING",
            Self::LastAck => "LAST-ACK",
            Self::TimeWait => "TIME-WAIT",
        }
    }
}

impl std::fmt::Display for TcpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.rfc_name())
    }
}

/// What a passive observer learns about the connection state from one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "one per TCP flag, as on the wire"
)]
pub(crate) struct Observed {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    /// The segment acknowledges the receiver's FIN.
    pub acks_peer_fin: bool,
}

/// Which end a transition happened at, relative to the segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    Sender,
    Receiver,
}

/// Apply RFC 9293 §3.10 as an observer on the wire sees it: the sender's state changes when it
/// sends, the receiver's when (we assume) it receives. Returns the transitions, in order.
pub(crate) fn observe(
    sender: &mut TcpState,
    receiver: &mut TcpState,
    seg: Observed,
) -> Vec<(End, TcpState, TcpState)> {
    use TcpState::{
        CloseWait, Closed, Closing, Established, FinWait1, FinWait2, LastAck, Listen, SynReceived,
        SynSent, TimeWait,
    };
    let mut changes = Vec::new();
    let mut set = |end: End, state: &mut TcpState, to: TcpState| {
        if *state != to {
            changes.push((end, *state, to));
            *state = to;
        }
    };
    if seg.rst {
        // RFC 9293 §3.10.7: a reset closes both ends (the sender as it sends it).
        set(End::Sender, sender, Closed);
        set(End::Receiver, receiver, Closed);
        return changes;
    }
    if seg.syn {
        if seg.ack {
            // SYN-ACK: the server has received the SYN; the client, on receiving this, is open.
            if matches!(*sender, Closed | Listen | SynSent) {
                set(End::Sender, sender, SynReceived);
            }
            if *receiver == SynSent {
                set(End::Receiver, receiver, Established);
            }
        } else {
            if matches!(*sender, Closed | Listen) {
                set(End::Sender, sender, SynSent);
            }
            // Simultaneous open (RFC 9293 §3.5, figure 8).
            if *receiver == SynSent {
                set(End::Receiver, receiver, SynReceived);
            }
        }
        return changes;
    }
    if seg.ack {
        match *receiver {
            SynReceived => set(End::Receiver, receiver, Established),
            FinWait1 if seg.acks_peer_fin => set(End::Receiver, receiver, FinWait2),
            Closing if seg.acks_peer_fin => set(End::Receiver, receiver, TimeWait),
            LastAck if seg.acks_peer_fin => set(End::Receiver, receiver, Closed),
            _ => {}
        }
        if *sender == SynReceived {
            set(End::Sender, sender, Established);
        }
    }
    if seg.fin {
        match *sender {
            Established | SynReceived => set(End::Sender, sender, FinWait1),
            // The FIN does not acknowledge the receiver's FIN: they crossed (simultaneous close,
            // RFC 9293 §3.6 figure 13), so the sender went FIN-WAIT-1 and then CLOSING.
            CloseWait if seg.ack && !seg.acks_peer_fin => set(End::Sender, sender, Closing),
            CloseWait => set(End::Sender, sender, LastAck),
            _ => {}
        }
        match *receiver {
            Established => set(End::Receiver, receiver, CloseWait),
            FinWait1 => set(End::Receiver, receiver, Closing),
            FinWait2 => set(End::Receiver, receiver, TimeWait),
            _ => {}
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_spelled_as_in_the_rfc() {
        assert_eq!(TcpState::SynReceived.to_string(), "SYN-RECEIVED");
        assert_eq!(TcpState::FinWait2.rfc_name(), "FIN-WAIT-2");
    }

    #[test]
    fn fin_ack_that_acks_our_fin_goes_through_fin_wait_2_to_time_wait() {
        let (mut a, mut b) = (TcpState::CloseWait, TcpState::FinWait1);
        let seg = Observed {
            ack: true,
            fin: true,
            acks_peer_fin: true,
            ..Observed::default()
        };
        let changes = observe(&mut a, &mut b, seg);
        assert_eq!(a, TcpState::LastAck);
        assert_eq!(b, TcpState::TimeWait);
        assert_eq!(changes.len(), 3);
    }
}
