//! The guided lesson "when to use which": the same chat carried by polling, long-polling,
//! Server-Sent Events, WebSocket and Socket.IO, on the five captures `osiscope compare` made
//! (`captures/compare-*.pcapng`). The words say where to look and why the transports differ;
//! the numbers (bytes and packets per message, delays) come from the Compare tab (F6) and
//! `osiscope compare`, which measure these same captures, and from each frame's narration.
//! `tests/cli_lesson_paths.rs` checks each step's frames.

use super::guided::{Bundled, Lesson, LessonStep, Question};

const POLLING: Bundled = Bundled {
    name: "compare-polling.pcapng",
    bytes: include_bytes!("../../captures/compare-polling.pcapng"),
};
const LONG_POLLING: Bundled = Bundled {
    name: "compare-long-polling.pcapng",
    bytes: include_bytes!("../../captures/compare-long-polling.pcapng"),
};
const SSE: Bundled = Bundled {
    name: "compare-sse.pcapng",
    bytes: include_bytes!("../../captures/compare-sse.pcapng"),
};
const SOCKETIO: Bundled = Bundled {
    name: "compare-socketio.pcapng",
    bytes: include_bytes!("../../captures/compare-socketio.pcapng"),
};
const WEBSOCKET: &[u8] = include_bytes!("../../captures/compare-websocket.pcapng");

const Q_POLL_WAIT: Question = Question {
    prompt: "The server has a new message just after a poll was answered. When does the client \
             get it?",
    choices: &[
        "At once: the server sends it",
        "With the answer to the client's next GET",
        "Never: polling only carries the client's messages",
    ],
    answer: 1,
    why: "Over plain HTTP a server can only answer a request. With polling the message waits \
          on the server until the next GET comes, so its delay is up to one polling interval, \
          and the GETs that find nothing still cost a request and an answer each.",
};

const Q_HELD: Question = Question {
    prompt: "What does the server do with a long-poll GET when it has nothing to send?",
    choices: &[
        "Answers at once with an empty body",
        "Holds the request open and answers when a message comes (or the wait ends)",
        "Closes the TCP connection",
    ],
    answer: 1,
    why: "The GET asks with wait_ms; the 200 OK comes only after the client's POST made a \
          message for it. The delay is short, but every message still needs a new GET and a \
          full HTTP answer with its headers.",
};

const Q_SSE_WAY: Question = Question {
    prompt: "With Server-Sent Events, how do the client's own chat messages reach the server?",
    choices: &[
        "On the same event stream",
        "As separate HTTP requests (POST)",
        "As WebSocket frames",
    ],
    answer: 1,
    why: "The event stream (text/event-stream) is one long HTTP response: server to client \
          only. The client's lines go as POSTs on another connection.",
};

const Q_WS_BYTES: Question = Question {
    prompt: "Why does the WebSocket carry the chat in the fewest bytes per message?",
    choices: &[
        "Its frames are compressed",
        "After one handshake each message is a frame with a few header bytes, in both \
         directions on one connection",
        "It skips TCP",
    ],
    answer: 1,
    why: "Nothing here is compressed and TCP is still underneath. The saving is HTTP: no \
          request line and headers per message, no new request to ask for the next one; a \
          frame's header is 2 to 14 bytes.",
};

const Q_WHICH: Question = Question {
    prompt: "A chat between your own web page and your own server needs rooms, \
             acknowledgements and automatic reconnection. Which fits best?",
    choices: &[
        "Plain polling",
        "Socket.IO (a little more on the wire, those features built in)",
        "Server-Sent Events",
    ],
    answer: 1,
    why: "Socket.IO adds Engine.IO packets (pings, the polling start) and its own packet \
          format, so it uses somewhat more bytes than plain WebSocket, but both ends run its \
          library and get rooms, acks and reconnection. Plain WebSocket fits when the peer \
          speaks only the standard protocol; SSE when only the server talks.",
};

/// WebSocket or Socket.IO, polling or SSE: when to use which.
pub const WHEN_TO_USE_WHICH: Lesson = Lesson {
    id: "when-to-use-which",
    title: "WebSocket or Socket.IO, polling or SSE: when to use which",
    capture: "compare-websocket.pcapng",
    capture_bytes: WEBSOCKET,
    steps: &[
        LessonStep {
            capture: Some(POLLING),
            frames: &[7, 11, 28, 31],
            title: "Polling: ask again and again",
            text: "The same chat five ways; the Compare tab (F6) and `osiscope compare` measure \
                   these captures. First polling: the client sends GET /chat/poll on a timer. \
                   The first answer is empty, nothing had happened yet; a later answer carries \
                   several server messages at once, the ones that waited since the GET \
                   before it.",
            questions: &[Q_POLL_WAIT],
        },
        LessonStep {
            capture: Some(LONG_POLLING),
            frames: &[7, 9, 13],
            title: "Long-polling: the server holds the request",
            text: "The GET now says wait_ms. The server does not answer it until it has \
                   something: here the client's POST makes an answer, and only then comes the \
                   GET's 200 OK. The client sends its next GET at once.",
            questions: &[Q_HELD],
        },
        LessonStep {
            capture: Some(SSE),
            frames: &[7, 11, 15],
            title: "Server-Sent Events: one long answer",
            text: "One GET /chat/events gets a response that never ends: each server message \
                   is a few more lines of it (text/event-stream), sent when the message is \
                   made. The client's own lines go as POSTs on another connection.",
            questions: &[Q_SSE_WAY],
        },
        LessonStep {
            capture: None,
            frames: &[8, 9],
            title: "WebSocket: one connection, frames both ways",
            text: "After one Upgrade the client's message and the server's answer are frames \
                   on the same TCP connection, each with a header of a few bytes and no HTTP \
                   headers.",
            questions: &[Q_WS_BYTES],
        },
        LessonStep {
            capture: Some(SOCKETIO),
            frames: &[7, 9, 23, 37, 39],
            title: "Socket.IO: polling first, then a WebSocket, with its own packets",
            text: "Socket.IO starts with Engine.IO over polling, moves to a WebSocket, and \
                   then carries the chat as Socket.IO EVENT packets inside WebSocket frames. \
                   Its pings and packet format cost a little more than plain WebSocket; its \
                   library gives both ends rooms, acknowledgements and reconnection.",
            questions: &[Q_WHICH],
        },
    ],
};
