//! Guided lessons: each a short path through a bundled capture (the frames to show, what to
//! say about them) with check questions, including the common wrong ideas a class brings.

use serde::Serialize;

/// A multiple-choice check question, with the answer and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Question {
    pub prompt: &'static str,
    pub choices: &'static [&'static str],
    /// Index into `choices`.
    pub answer: usize,
    pub why: &'static str,
}

/// A capture bundled in the binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Bundled {
    /// Its file name in `captures/`.
    pub name: &'static str,
    #[serde(skip)]
    pub bytes: &'static [u8],
}

/// One stop on a lesson's path: the frames to show and what to say about them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LessonStep {
    /// The capture of this step when it is not the lesson's (a lesson that compares two).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<Bundled>,
    /// Packet numbers (1-based) in the step's capture.
    pub frames: &'static [u64],
    pub title: &'static str,
    pub text: &'static str,
    pub questions: &'static [Question],
}

/// A guided lesson on one bundled capture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lesson {
    pub id: &'static str,
    pub title: &'static str,
    /// The bundled capture's file name in `captures/`.
    pub capture: &'static str,
    #[serde(skip)]
    pub capture_bytes: &'static [u8],
    pub steps: &'static [LessonStep],
}

impl Lesson {
    /// Every question of the lesson, in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.steps.iter().flat_map(|s| s.questions.iter())
    }

    /// The capture `step` is on: its own, or the lesson's.
    pub fn capture_of(&self, step: &LessonStep) -> Bundled {
        step.capture.unwrap_or(Bundled {
            name: self.capture,
            bytes: self.capture_bytes,
        })
    }

    /// Every capture the lesson uses, the lesson's first, each once.
    pub fn captures(&self) -> Vec<Bundled> {
        let mut out = vec![Bundled {
            name: self.capture,
            bytes: self.capture_bytes,
        }];
        for s in self.steps {
            let c = self.capture_of(s);
            if !out.iter().any(|o| o.name == c.name) {
                out.push(c);
            }
        }
        out
    }
}

use super::guided_compare::WHEN_TO_USE_WHICH;
use super::guided_sio::{PUSH, SOCKETIO_EMIT, SOCKETIO_NOT_WEBSOCKET};

const HANDSHAKE: &[u8] = include_bytes!("../../captures/handshake.pcapng");
const CHAT: &[u8] = include_bytes!("../../captures/chat.pcapng");

const Q_ONE_CONNECTION: Question = Question {
    prompt: "How many TCP connections does this whole chat use?",
    choices: &["One", "One per message", "Two: one each way"],
    answer: 0,
    why: "Every packet has the same two ports (client port → 8765 and back): one TCP connection \
          carries the Upgrade and every message in both directions.",
};

const Q_NOT_TCP_LAYER: Question = Question {
    prompt: "Is WebSocket a protocol \"at the TCP layer\", like TCP itself?",
    choices: &[
        "Yes, it replaces TCP",
        "No: its frames travel inside TCP payloads",
        "No: it runs directly over IP",
    ],
    answer: 1,
    why: "Select a WebSocket frame: the bytes view shows the TCP header, then the WebSocket frame \
          in the TCP payload. WebSocket is an application protocol (layer 7) carried by TCP.",
};

const Q_ACCEPT: Question = Question {
    prompt: "The 101's Sec-WebSocket-Accept matches the key. What does that prove?",
    choices: &[
        "That the server is who it claims to be",
        "That the connection is encrypted",
        "That whatever answered understood the WebSocket handshake",
    ],
    answer: 2,
    why: "Anyone can compute the Accept value from the key (SHA-1 of key + a fixed GUID). Identity \
          and encryption come from TLS (wss://); who may connect is decided from Origin, cookies \
          or tokens.",
};

const Q_AFTER_101: Question = Question {
    prompt: "After the 101, what do the client's next bytes on this connection start with?",
    choices: &[
        "Another HTTP request line",
        "A WebSocket frame header",
        "A new TCP handshake",
    ],
    answer: 1,
    why: "The 101 switches this same TCP connection to WebSocket: from its next byte on, both \
          sides send frames (here 0x81: FIN=1, opcode 1 = text).",
};

pub(super) const Q_MASKED: Question = Question {
    prompt: "Which frames are masked?",
    choices: &["Only the client's", "Only the server's", "Both directions"],
    answer: 0,
    why: "RFC 6455 §5.1: a client masks every frame it sends, a server never does. Masking is an \
          XOR with a key sent in clear: not encryption.",
};

const Q_THREE: Question = Question {
    prompt: "How many segments does the TCP handshake take?",
    choices: &["Two", "Three", "Four"],
    answer: 1,
    why: "SYN, SYN-ACK, ACK: exactly three. The server's ACK of the client's SYN and its own SYN \
          travel in one segment.",
};

const Q_ACK_ONE: Question = Question {
    prompt: "The client's SYN has seq=0 (relative). What ack does the SYN-ACK carry?",
    choices: &["0", "1", "The server's own ISN"],
    answer: 1,
    why: "A SYN counts as one sequence number: the server expects byte number 1 next, so ack=1.",
};

const Q_PORTS: Question = Question {
    prompt: "Which layer's header carries the port numbers?",
    choices: &["Network (IP)", "Transport (TCP)", "Application"],
    answer: 1,
    why: "The TCP header starts with the source and destination ports: they pick the program, as \
          IP addresses pick the host.",
};

const Q_MACS: Question = Question {
    prompt: "This capture was made on Linux loopback. What are the MAC addresses?",
    choices: &[
        "The network card's address",
        "All zeros: the header is a placeholder",
        "There is no layer-2 header at all",
    ],
    answer: 1,
    why: "Look at the first 12 bytes in the bytes view: all 00. Linux's lo writes a 14-byte \
          Ethernet header with zero MACs; no card, no ARP.",
};

const Q_FIRST_FIN: Question = Question {
    prompt: "Who sends the first FIN here?",
    choices: &["The client", "The server"],
    answer: 1,
    why: "Packet 12 comes from port 8765. RFC 6455 §7.1.1 asks the server to close TCP first.",
};

const Q_TIME_WAIT: Question = Question {
    prompt: "Which side waits in TIME-WAIT at the end?",
    choices: &["The client", "The server", "Neither"],
    answer: 1,
    why: "The side that sent the first FIN sends the last ACK and waits 2·MSL: here the server, so \
          the client's port is free again at once.",
};

/// The guided lessons, in teaching order.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        id: "what-is-websocket",
        title: "What is a WebSocket?",
        capture: "chat.pcapng",
        capture_bytes: CHAT,
        steps: &[
            LessonStep {
                capture: None,
                frames: &[1, 2, 3],
                title: "It starts as an ordinary TCP connection",
                text: "A WebSocket begins like any web request: the browser opens a TCP \
                       connection with the three-way handshake.",
                questions: &[],
            },
            LessonStep {
                capture: None,
                frames: &[4, 6],
                title: "One HTTP request asks to switch",
                text: "The client sends an HTTP GET with \"Upgrade: websocket\"; the server \
                       answers 101 Switching Protocols. That is the last HTTP on this connection.",
                questions: &[],
            },
            LessonStep {
                capture: None,
                frames: &[8, 9],
                title: "Messages both ways, any time",
                text: "Now either side may send a message whenever it likes, on the same \
                       connection: here the client's text and the server's echo. No new request, \
                       no new connection.",
                questions: &[Q_ONE_CONNECTION, Q_NOT_TCP_LAYER],
            },
            LessonStep {
                capture: None,
                frames: &[16, 17],
                title: "A polite goodbye",
                text: "Each side sends a Close frame; then TCP closes the connection.",
                questions: &[],
            },
        ],
    },
    Lesson {
        id: "upgrade",
        title: "The Upgrade handshake, and what happens after it",
        capture: "handshake.pcapng",
        capture_bytes: HANDSHAKE,
        steps: &[
            LessonStep {
                capture: None,
                frames: &[4],
                title: "The request: Upgrade and a random key",
                text: "The client's GET carries Connection: Upgrade, Upgrade: websocket, \
                       Sec-WebSocket-Version: 13 and a random 16-byte Sec-WebSocket-Key in base64.",
                questions: &[],
            },
            LessonStep {
                capture: None,
                frames: &[6],
                title: "The answer: 101 and the Accept",
                text: "The server answers 101 Switching Protocols with Sec-WebSocket-Accept: \
                       base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)). The client \
                       checks it.",
                questions: &[Q_ACCEPT],
            },
            LessonStep {
                capture: None,
                frames: &[8, 9],
                title: "After the 101: frames",
                text: "The next bytes are WebSocket frames: a 2-byte header (FIN, opcode, MASK, \
                       length), a 4-byte masking key from the client, then the payload.",
                questions: &[Q_AFTER_101, Q_MASKED],
            },
        ],
    },
    PUSH,
    SOCKETIO_NOT_WEBSOCKET,
    SOCKETIO_EMIT,
    WHEN_TO_USE_WHICH,
    Lesson {
        id: "osi-layers",
        title: "The OSI model: which layer adds which header",
        capture: "handshake.pcapng",
        capture_bytes: HANDSHAKE,
        steps: &[
            LessonStep {
                capture: None,
                frames: &[1],
                title: "A SYN: headers only",
                text: "The SYN has a link header, an IP header and a TCP header, and no payload: \
                       layers 5 to 7 have nothing to carry.",
                questions: &[Q_PORTS, Q_MACS],
            },
            LessonStep {
                capture: None,
                frames: &[4],
                title: "An HTTP request: data at layer 7",
                text: "The same three headers, then the HTTP request as the TCP payload.",
                questions: &[],
            },
            LessonStep {
                capture: None,
                frames: &[8],
                title: "A WebSocket frame inside TCP",
                text: "Again the same headers; the TCP payload now starts with a WebSocket frame \
                       header. WebSocket lives inside the payload, above TCP.",
                questions: &[Q_NOT_TCP_LAYER],
            },
        ],
    },
    Lesson {
        id: "tcp-handshake",
        title: "The TCP handshake for a friend who is not technical",
        capture: "handshake.pcapng",
        capture_bytes: HANDSHAKE,
        steps: &[
            LessonStep {
                capture: None,
                frames: &[1],
                title: "\"Can we talk?\"",
                text: "The client picks a random starting number and asks to open a connection.",
                questions: &[],
            },
            LessonStep {
                capture: None,
                frames: &[2],
                title: "\"Yes — can you hear me?\"",
                text: "The server confirms the client's number plus one and picks its own.",
                questions: &[Q_ACK_ONE],
            },
            LessonStep {
                capture: None,
                frames: &[3],
                title: "\"Yes.\"",
                text: "The client confirms the server's number plus one. Both can now send.",
                questions: &[Q_THREE],
            },
        ],
    },
    Lesson {
        id: "goodbye",
        title: "Goodbye: Close, FIN and TIME-WAIT",
        capture: "handshake.pcapng",
        capture_bytes: HANDSHAKE,
        steps: &[
            LessonStep {
                capture: None,
                frames: &[10, 11],
                title: "The WebSocket closing handshake",
                text: "The client sends Close 1000 \"bye\"; the server answers with its own Close. \
                       After both Close frames, no more frames may be sent.",
                questions: &[],
            },
            LessonStep {
                capture: None,
                frames: &[12, 13],
                title: "Two FINs, one per direction",
                text: "TCP closes each direction separately: the server's FIN first, then the \
                       client's.",
                questions: &[Q_FIRST_FIN],
            },
            LessonStep {
                capture: None,
                frames: &[14],
                title: "The last ACK and TIME-WAIT",
                text: "The server acknowledges the client's FIN and waits in TIME-WAIT before \
                       forgetting the connection.",
                questions: &[Q_TIME_WAIT],
            },
        ],
    },
];

/// The lesson with this id.
pub fn lesson(id: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.id == id)
}
