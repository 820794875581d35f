//! The glossary: the words a class meets in the narration (ISN, MSS, window, TTL, XOR, socket,
//! segment/frame/packet, RFC, port, ACK, opcode, masking, handshake, Engine.IO, Socket.IO,
//! namespace, ack…), each with a definition, and [`spans`], which finds them in a sentence so the
//! app can make each one clickable (a class cannot hover).

use serde::Serialize;

/// One glossary entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Term {
    /// Stable id (used to open the entry).
    pub id: &'static str,
    /// The entry's heading.
    pub word: &'static str,
    /// The spellings found in a text, matched case-sensitively as whole words.
    pub forms: &'static [&'static str],
    pub definition: &'static str,
    /// Where the definition comes from (an RFC section or the project's specification).
    pub source: &'static str,
}

/// Every entry, in alphabetical order of `word`.
pub const TERMS: &[Term] = &[
    Term {
        id: "ack-flag",
        word: "ACK (TCP)",
        forms: &[
            "ACK",
            "ACKs",
            "ack number",
            "acknowledgement number",
            "ack=",
        ],
        definition: "The ACK flag says that the acknowledgement number is valid. The \
                     acknowledgement number is the next sequence number the sender expects \
                     from the other side: every byte before it has arrived. Every segment after \
                     the first SYN carries it.",
        source: "RFC 9293 §3.1, §3.4",
    },
    Term {
        id: "sio-ack",
        word: "ack (Socket.IO)",
        forms: &["ack id", "ack callback", "acknowledgement callback"],
        definition: "When socket.emit() is given a function as its last argument, the EVENT \
                     packet carries an id number, and the other side's reply comes back as an \
                     ACK packet with the same id, which calls that function. It has nothing to \
                     do with TCP's ACK.",
        source: "Socket.IO protocol v5",
    },
    Term {
        id: "engineio",
        word: "Engine.IO",
        forms: &["Engine.IO"],
        definition: "The transport under Socket.IO: it opens a session with an id (sid), \
                     carries packets over HTTP long-polling or over a WebSocket, upgrades from \
                     polling to WebSocket, and checks that the other side is alive with ping and \
                     pong. Each packet starts with a type digit: 0 open, 1 close, 2 ping, \
                     3 pong, 4 message, 5 upgrade, 6 noop.",
        source: "Engine.IO protocol v4",
    },
    Term {
        id: "fin",
        word: "FIN",
        forms: &["FIN", "FINs"],
        definition: "A TCP flag meaning \"I have nothing more to send\". Each direction of a \
                     connection is closed by its own FIN, which the other side acknowledges; \
                     a FIN counts as one sequence number.",
        source: "RFC 9293 §3.6",
    },
    Term {
        id: "handshake",
        word: "handshake",
        forms: &[
            "handshake",
            "three-way handshake",
            "opening handshake",
            "closing handshake",
        ],
        definition: "An exchange by which two sides agree to talk before they do. TCP's \
                     three-way handshake is exactly three segments (SYN, SYN-ACK, ACK); the \
                     WebSocket opening handshake is one HTTP request with Upgrade: websocket and \
                     its 101 Switching Protocols answer; the WebSocket closing handshake is one \
                     Close frame each way.",
        source: "RFC 9293 §3.5, RFC 6455 §4, §7",
    },
    Term {
        id: "isn",
        word: "ISN",
        forms: &["ISN", "ISNs", "initial sequence number"],
        definition: "Initial Sequence Number: the number a side picks for its SYN. The SYN \
                     itself takes that number, so its first data byte is ISN + 1. It is chosen \
                     hard to guess, so that an outsider cannot inject segments and old segments \
                     do not fit a new connection. Tools show sequence numbers relative to it \
                     (the SYN is 0).",
        source: "RFC 9293 §3.4.1, RFC 6528",
    },
    Term {
        id: "masking",
        word: "masking",
        forms: &["masking", "masked", "unmasked", "masking key", "mask"],
        definition: "A WebSocket client XORs every payload byte of every frame it sends with a \
                     4-byte key that travels in clear in the same frame header; a server never \
                     masks. It is not encryption: anyone can undo it. It stops a script in a \
                     browser from putting chosen bytes on the wire that a confused proxy could \
                     take for an HTTP request (cache poisoning). It is part of WebSocket's \
                     framing, layer 7.",
        source: "RFC 6455 §5.3, §10.3",
    },
    Term {
        id: "mss",
        word: "MSS",
        forms: &["MSS"],
        definition: "Maximum Segment Size: the most TCP data (not counting the IP and TCP \
                     headers) a side can receive in one segment, announced in its SYN as an \
                     option. Each side announces its own; it is not a negotiation. Over IPv4 on \
                     Linux loopback it is 65495 = 65535 − 40 (20 bytes of IPv4 header and 20 \
                     of TCP header).",
        source: "RFC 9293 §3.7.1",
    },
    Term {
        id: "namespace",
        word: "namespace",
        forms: &["namespace", "namespaces"],
        definition: "A Socket.IO channel inside one connection, named like a path: \"/\" (the \
                     main namespace) or \"/chat\". The client joins each namespace with a \
                     CONNECT packet; all of them share the one Engine.IO session.",
        source: "Socket.IO protocol v5",
    },
    Term {
        id: "opcode",
        word: "opcode",
        forms: &["opcode", "opcodes"],
        definition: "The 4-bit field of a WebSocket frame header that says what the frame \
                     carries: 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong.",
        source: "RFC 6455 §5.2",
    },
    Term {
        id: "port",
        word: "port",
        forms: &["port", "ports"],
        definition: "A 16-bit number in the TCP (or UDP) header that picks the program on a \
                     host, as the IP address picks the host. A server listens on a known port; \
                     the client's operating system picks a temporary (ephemeral) port for its \
                     side.",
        source: "RFC 9293 §3.1",
    },
    Term {
        id: "rfc",
        word: "RFC",
        forms: &["RFC", "RFCs"],
        definition: "Request for Comments: the numbered documents, published by the RFC \
                     Editor, that define internet protocols, e.g. RFC 9293 (TCP) and RFC 6455 \
                     (WebSocket). Engine.IO and Socket.IO are not RFCs: their specification is \
                     kept by the Socket.IO project.",
        source: "RFC 8729",
    },
    Term {
        id: "rst",
        word: "RST",
        forms: &["RST"],
        definition: "Reset: a TCP flag that aborts a connection at once, without the FIN \
                     exchange. A kernel sends it for a segment that belongs to no connection, \
                     or when a program closes a socket with data still unread.",
        source: "RFC 9293 §3.5.2",
    },
    Term {
        id: "segment",
        word: "segment, packet, frame",
        forms: &["segment", "segments", "datagram"],
        definition: "Names for a unit at each layer: a TCP segment (header + data) is carried \
                     in an IP packet (datagram), which is carried in a link-layer frame such as \
                     Ethernet. Capture tools call every captured unit a \"packet\". A WebSocket \
                     frame is something else: a unit of WebSocket's own protocol inside the TCP \
                     data; one TCP segment may hold several, or part of one.",
        source: "RFC 9293 §3.1, RFC 791, RFC 6455 §5",
    },
    Term {
        id: "socket",
        word: "socket",
        forms: &["socket", "sockets"],
        definition: "What a program asks its operating system for to use the network: one end \
                     of a connection. A TCP connection is told apart from every other by its \
                     two ends, each an IP address and a port.",
        source: "RFC 9293 §3.2",
    },
    Term {
        id: "socketio",
        word: "Socket.IO",
        forms: &["Socket.IO"],
        definition: "A library (JavaScript, and ports to other languages) with its own protocol \
                     on top of Engine.IO: named events, namespaces, acknowledgements, \
                     reconnection. It uses a WebSocket (or HTTP long-polling) to carry its \
                     packets, but it is not WebSocket: a plain WebSocket client cannot talk to \
                     a Socket.IO server, nor the other way round.",
        source: "Socket.IO protocol v5",
    },
    Term {
        id: "syn",
        word: "SYN",
        forms: &["SYN", "SYN-ACK", "SYNs"],
        definition: "Synchronize: the TCP flag of the first segment in each direction, which \
                     carries that side's ISN and its options (MSS, window scale, SACK, \
                     timestamps). The SYN-ACK is the server's SYN and its ACK of the client's \
                     SYN in one segment.",
        source: "RFC 9293 §3.5",
    },
    Term {
        id: "time-wait",
        word: "TIME-WAIT",
        forms: &["TIME-WAIT"],
        definition: "The state of the side that closed first, after it has acknowledged the \
                     other side's FIN: it keeps the connection's ports for 2·MSL (60 seconds on \
                     Linux) so that a lost last ACK can be sent again and late segments of this \
                     connection cannot land in a new one.",
        source: "RFC 9293 §3.6.1",
    },
    Term {
        id: "ttl",
        word: "TTL",
        forms: &["TTL", "hop limit"],
        definition: "Time To Live: a field of the IPv4 header that every router lowers by one; \
                     at zero the packet is dropped, so a packet cannot loop for ever. IPv6 calls \
                     it the hop limit. On loopback no router lowers it.",
        source: "RFC 791, RFC 8200 §3",
    },
    Term {
        id: "upgrade",
        word: "Upgrade",
        forms: &["Upgrade", "Switching Protocols"],
        definition: "An HTTP/1.1 header by which a client asks to switch the connection to \
                     another protocol. The server agrees with 101 Switching Protocols; from the \
                     next byte on, the same TCP connection speaks the new protocol.",
        source: "RFC 9110 §7.8, RFC 6455 §4",
    },
    Term {
        id: "websocket",
        word: "WebSocket",
        forms: &["WebSocket", "WebSockets"],
        definition: "A protocol that turns one HTTP/1.1 connection into a two-way channel for \
                     messages: after the Upgrade handshake, either side sends frames over the \
                     same TCP connection whenever it likes. It is an application protocol \
                     (layer 7), carried inside TCP's data, not a kind of TCP.",
        source: "RFC 6455",
    },
    Term {
        id: "window",
        word: "window",
        forms: &["window", "receive window"],
        definition: "The receive window: how many bytes, beyond those acknowledged, the sender \
                     of this segment can take in now. After the handshake it is multiplied by \
                     2^scale when both SYNs carried the window scale option; the window in a \
                     SYN or SYN-ACK is never scaled.",
        source: "RFC 9293 §3.8.6, RFC 7323 §2",
    },
    Term {
        id: "xor",
        word: "XOR",
        forms: &["XOR"],
        definition: "Exclusive or: each result bit is 1 when exactly one of the two input bits \
                     is 1. XOR with the same key twice gives the original back, which is how \
                     the server unmasks what the client masked.",
        source: "RFC 6455 §5.3",
    },
];

/// The entry with this id.
pub fn term(id: &str) -> Option<&'static Term> {
    TERMS.iter().find(|t| t.id == id)
}

/// A piece of a text: plain, or a glossary word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span<'a> {
    Plain(&'a str),
    Term(&'a str, &'static Term),
}

/// Letters, digits and the joiners of compound names ("Sec-WebSocket-Accept" is one word).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// The longest glossary form that starts at byte `at` of `text` as a whole word.
fn term_at(text: &str, at: usize) -> Option<(usize, &'static Term)> {
    let rest = text.get(at..)?;
    let before_ok = text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word_char(c));
    if !before_ok {
        return None;
    }
    TERMS
        .iter()
        .flat_map(|t| t.forms.iter().map(move |f| (*f, t)))
        .filter(|(form, _)| {
            rest.starts_with(form)
                && (form.ends_with('=')
                    || rest[form.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !is_word_char(c)))
        })
        .max_by_key(|(form, _)| form.len())
        .map(|(form, t)| (form.len(), t))
}

/// `text` cut into plain pieces and glossary words, in order; joined, they give `text` back.
pub fn spans(text: &str) -> Vec<Span<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut i = 0;
    while i < text.len() {
        if let Some((len, t)) = term_at(text, i) {
            if plain_from < i {
                out.push(Span::Plain(&text[plain_from..i]));
            }
            out.push(Span::Term(&text[i..i + len], t));
            i += len;
            plain_from = i;
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if plain_from < text.len() {
        out.push(Span::Plain(&text[plain_from..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(&str, &str)> {
        spans(text)
            .into_iter()
            .filter_map(|s| match s {
                Span::Term(w, t) => Some((w, t.id)),
                Span::Plain(_) => None,
            })
            .collect()
    }

    #[test]
    fn spans_join_back_to_the_text() {
        let text =
            "The SYN-ACK carries the server's ISN; ack=1 — the port, a WebSocket, Socket.IO.";
        let joined: String = spans(text)
            .iter()
            .map(|s| match s {
                Span::Plain(p) => *p,
                Span::Term(w, _) => *w,
            })
            .collect();
        assert_eq!(joined, text);
        assert_eq!(
            words(text),
            [
                ("SYN-ACK", "syn"),
                ("ISN", "isn"),
                ("ack=", "ack-flag"),
                ("port", "port"),
                ("WebSocket", "websocket"),
                ("Socket.IO", "socketio"),
            ]
        );
    }

    #[test]
    fn only_whole_words_match() {
        assert!(words("Transport imports supports").is_empty());
        assert!(words("unmaskedness XORed").is_empty());
        assert_eq!(words("(masked)"), [("masked", "masking")]);
        assert!(words("Sec-WebSocket-Accept").is_empty());
        // Socket.IO's ack is not TCP's ACK.
        assert_eq!(words("an ack id of 3"), [("ack id", "sio-ack")]);
    }

    #[test]
    fn every_asked_for_word_has_an_entry() {
        for id in [
            "isn",
            "mss",
            "window",
            "ttl",
            "xor",
            "socket",
            "segment",
            "rfc",
            "port",
            "ack-flag",
            "opcode",
            "masking",
            "handshake",
            "engineio",
            "socketio",
            "namespace",
            "sio-ack",
        ] {
            assert!(term(id).is_some(), "{id}");
        }
        let mut ids: Vec<_> = TERMS.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), TERMS.len(), "ids are unique");
        for t in TERMS {
            assert!(!t.forms.is_empty() && !t.source.is_empty(), "{}", t.id);
            assert!(!t.definition.contains('…'), "{}", t.id);
        }
    }
}
