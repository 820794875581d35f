//! The guided lessons on a server that speaks first and on Socket.IO: the push, "Socket.IO is
//! not a WebSocket" and `io.on()` / `socket.emit()` on the wire. Their numbers come from the
//! capture (each frame's narration and its Engine.IO/Socket.IO breakdown, see `handout`); the
//! words here only say where to look. `tests/cli_lesson.rs` checks each step's frames.

use super::guided::{Bundled, Lesson, LessonStep, Q_MASKED, Question};

const PUSH_PCAP: &[u8] = include_bytes!("../../captures/push.pcapng");
const SOCKETIO: &[u8] = include_bytes!("../../captures/socketio.pcapng");
const PLAIN_WS: Bundled = Bundled {
    name: "socketio-plain-ws.pcapng",
    bytes: include_bytes!("../../captures/socketio-plain-ws.pcapng"),
};

const Q_WHO_ASKED: Question = Question {
    prompt: "What did the client send to get this message?",
    choices: &[
        "An HTTP request for it",
        "A WebSocket frame asking for it",
        "Nothing: the server sent it on its own",
    ],
    answer: 2,
    why: "Between the 101 and this frame the client sent only TCP ACKs, which carry no data. \
          On a WebSocket either side may send whenever it likes; with plain HTTP a server can \
          only answer a request.",
};

const Q_WS_ACK: Question = Question {
    prompt: "How does the server know the client received a pushed message?",
    choices: &[
        "The client answers with a WebSocket acknowledgement frame",
        "TCP's ACK says the bytes arrived; WebSocket itself has no acknowledgement",
        "It cannot know anything",
    ],
    answer: 1,
    why: "Each client packet after a push is a bare TCP ACK: its ack number covers the frame's \
          bytes. That proves the bytes reached the client's TCP, not that the program read \
          them; an application that needs that sends its own answer.",
};

const Q_POLLING_FIRST: Question = Question {
    prompt: "At this point, does this Socket.IO session use a WebSocket?",
    choices: &[
        "Yes: Socket.IO always is a WebSocket",
        "No: so far it is ordinary HTTP requests (long-polling)",
        "No: it uses raw TCP without HTTP",
    ],
    answer: 1,
    why: "The request has transport=polling, no Upgrade header, and the answer is 200 OK, not \
          101. Engine.IO, under Socket.IO, can carry the whole session over plain HTTP requests; \
          the WebSocket is an upgrade it tries next.",
};

const Q_SIO_IS: Question = Question {
    prompt: "What is Socket.IO?",
    choices: &[
        "Another name for WebSocket",
        "A library with its own protocol, carried over WebSocket or HTTP long-polling",
        "A replacement for TCP",
    ],
    answer: 1,
    why: "The WebSocket frame's payload is Socket.IO's own text: digits for the Engine.IO and \
          Socket.IO packet types, then JSON. A plain WebSocket peer sees only text; both ends \
          need the Socket.IO library to understand it.",
};

const Q_PLAIN_CLIENT: Question = Question {
    prompt: "Can a plain WebSocket client talk to a Socket.IO server?",
    choices: &[
        "Yes: Socket.IO servers accept any WebSocket messages",
        "It can connect, but it must speak Engine.IO and Socket.IO to stay",
        "No: the WebSocket handshake fails",
    ],
    answer: 1,
    why: "The Upgrade succeeded (101), so the WebSocket is fine. But \"hello\" is not an \
          Engine.IO packet, and the server closed the connection right after it.",
};

const Q_SILENT: Question = Question {
    prompt: "Why does the server close the quiet client's connection?",
    choices: &[
        "The client sent a malformed frame",
        "The client never answered the Engine.IO ping with a pong",
        "TCP gave up on the connection",
    ],
    answer: 1,
    why: "The server's 2 is an Engine.IO ping. A Socket.IO client answers 3 (pong); this one \
          says nothing, so after pingTimeout (announced in the open packet) the server ends the \
          session with 1 (close) and a WebSocket Close.",
};

const Q_ACK_ID: Question = Question {
    prompt: "In 420[\"chat\",\"hi\"], what is the 0 after 42?",
    choices: &[
        "The namespace",
        "The ack id: the emit passed a callback",
        "The message's length",
    ],
    answer: 1,
    why: "4 is Engine.IO's message type, 2 Socket.IO's EVENT type, then the ack id: the client \
          passed a callback, so the server's answer comes back as an ACK (type 3) with the same id.",
};

const Q_HEARTBEAT: Question = Question {
    prompt: "Are the 2 and 3 here WebSocket Ping and Pong frames?",
    choices: &[
        "Yes: opcodes 2 and 3",
        "No: Text frames carrying Engine.IO's own ping (2) and pong (3)",
    ],
    answer: 1,
    why: "The WebSocket header says opcode 1 (Text); WebSocket's Ping and Pong are opcodes 9 \
          and 10. Engine.IO has its own heartbeat, so it works the same over long-polling.",
};

/// The server speaks first: pushes with no request.
pub const PUSH: Lesson = Lesson {
    id: "push",
    title: "The server speaks first (push)",
    capture: "push.pcapng",
    capture_bytes: PUSH_PCAP,
    steps: &[
        LessonStep {
            capture: None,
            frames: &[4, 6],
            title: "One request, at the start",
            text: "The client opens a WebSocket as always: one HTTP GET with Upgrade, one \
                   101 answer. The query string asks this demo server to push messages; it is \
                   the only thing the client asks for.",
            questions: &[],
        },
        LessonStep {
            capture: None,
            frames: &[8, 9],
            title: "The server speaks first",
            text: "The first WebSocket frame on this connection comes from the server. The \
                   client's next packet is a bare TCP ACK: TCP confirms the bytes arrived.",
            questions: &[Q_WHO_ASKED, Q_WS_ACK],
        },
        LessonStep {
            capture: None,
            frames: &[10, 12, 14, 16],
            title: "More pushes, at the server's pace",
            text: "Each Text frame comes when the server has something to say, whatever its \
                   content. Compare their times: the server, not the client, sets the pace.",
            questions: &[Q_MASKED],
        },
        LessonStep {
            capture: None,
            frames: &[18, 20],
            title: "The client's only frame: goodbye",
            text: "The client's first WebSocket frame is its Close; the server answers with \
                   its own. The client never had to ask for a message.",
            questions: &[],
        },
    ],
};

/// Socket.IO is a protocol of its own, over polling or WebSocket.
pub const SOCKETIO_NOT_WEBSOCKET: Lesson = Lesson {
    id: "socketio-not-websocket",
    title: "Socket.IO is not a WebSocket",
    capture: "socketio.pcapng",
    capture_bytes: SOCKETIO,
    steps: &[
        LessonStep {
            capture: None,
            frames: &[7, 9],
            title: "It starts with plain HTTP",
            text: "socket.io-client's first request is an ordinary GET to /socket.io/ with \
                   transport=polling: no Upgrade, and the answer is 200 OK. Its body is an \
                   Engine.IO open packet: the digit 0, then JSON with the session id (sid) and \
                   the transports the server offers (upgrades).",
            questions: &[Q_POLLING_FIRST],
        },
        LessonStep {
            capture: None,
            frames: &[23, 25, 28, 29, 30],
            title: "Then it moves to a WebSocket",
            text: "A new TCP connection asks for a WebSocket with the same sid in its URL and \
                   gets 101. Over it the client sends 2probe (Engine.IO ping), the server \
                   answers 3probe (pong), and the client's 5 (upgrade) moves the session onto \
                   the WebSocket.",
            questions: &[],
        },
        LessonStep {
            capture: None,
            frames: &[40],
            title: "Socket.IO's text inside a WebSocket frame",
            text: "The WebSocket frame is an ordinary Text frame. Its payload is Socket.IO's \
                   own protocol: 4 (Engine.IO message), 2 (Socket.IO EVENT), then a JSON array \
                   with the event name first. WebSocket carries it; only a Socket.IO peer \
                   understands it.",
            questions: &[Q_SIO_IS],
        },
        LessonStep {
            capture: Some(PLAIN_WS),
            frames: &[6, 8, 10, 11],
            title: "A plain WebSocket client at the Socket.IO URL",
            text: "This client speaks plain WebSocket to the same kind of server. The Upgrade \
                   succeeds, and the server sends its Engine.IO open packet, which the client \
                   does not understand. The client sends hello, as to an echo server: not an \
                   Engine.IO packet. The server's next packet is its FIN: it ends the \
                   connection.",
            questions: &[Q_PLAIN_CLIENT],
        },
        LessonStep {
            capture: Some(PLAIN_WS),
            frames: &[23, 25, 27],
            title: "A plain client that stays quiet",
            text: "A second plain client connects and sends nothing. The server's 2 is an \
                   Engine.IO ping; no pong comes back, so the server sends 1 (Engine.IO close) \
                   and then a WebSocket Close.",
            questions: &[Q_SILENT],
        },
    ],
};

/// `io.on()`, `socket.on()` and `socket.emit()` as packets.
pub const SOCKETIO_EMIT: Lesson = Lesson {
    id: "socketio-emit",
    title: "io.on() and socket.emit() on the wire",
    capture: "socketio.pcapng",
    capture_bytes: SOCKETIO,
    steps: &[
        LessonStep {
            capture: None,
            frames: &[11, 16],
            title: "io.on('connection'): the CONNECT",
            text: "The client joins the namespace \"/\" with a Socket.IO CONNECT, 40, in the \
                   body of a POST (4 = Engine.IO message, 0 = CONNECT). The server accepts it and \
                   runs its io.on('connection', socket => …) handler for the new socket; its \
                   answer, 40 with the socket's sid, comes back in the body of a long-poll \
                   GET's response.",
            questions: &[],
        },
        LessonStep {
            capture: None,
            frames: &[40],
            title: "socket.emit('chat', 'hi', callback)",
            text: "On the WebSocket, the client's socket.emit(\"chat\", \"hi\", callback) is \
                   one Text message: 4 (Engine.IO message), 2 (EVENT), the ack id, then the \
                   JSON array [\"chat\",\"hi\"]: the event name, then the arguments.",
            questions: &[Q_ACK_ID],
        },
        LessonStep {
            capture: None,
            frames: &[41],
            title: "socket.on('chat'): io.emit and the ack",
            text: "The server's socket.on('chat', (msg, ack) => …) handler sends the message \
                   to every client (io.emit: an EVENT, 42, without an ack id) and calls \
                   ack({ok: true}): an ACK, 43, with the same ack id. Both frames ride in one \
                   TCP segment.",
            questions: &[],
        },
        LessonStep {
            capture: None,
            frames: &[47, 49],
            title: "The heartbeat is Engine.IO's, not WebSocket's",
            text: "The server sends 2 (Engine.IO ping) and the client answers 3 (pong), each \
                   in a WebSocket Text frame.",
            questions: &[Q_HEARTBEAT],
        },
        LessonStep {
            capture: None,
            frames: &[51, 52, 53],
            title: "Leaving: DISCONNECT, then Close",
            text: "The client leaves each namespace with a Socket.IO DISCONNECT (41/admin, \
                   then 41), then closes the WebSocket with a Close frame.",
            questions: &[],
        },
    ],
};
