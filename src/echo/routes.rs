//! The bundled server's WebSocket endpoints (`Route`): which path does what, and its query
//! parameters (`/push?interval_ms=200&count=5`), read strictly: a parameter that is unknown,
//! repeated or out of range is a `RouteError` the server answers with `400 Bad Request` and the
//! sentence that says what is wrong.

use std::time::Duration;

/// The path of the server-push endpoint.
pub const PUSH: &str = "/push";
/// The path of the broadcast rooms.
pub const BROADCAST: &str = "/broadcast";
/// The path of the two-way stream.
pub const DUPLEX: &str = "/duplex";
/// The path where the server pings.
pub const SERVER_PING: &str = "/server-ping";
/// The path where the server closes.
pub const SERVER_CLOSE: &str = "/server-close";
/// The path of the echo that compresses (permessage-deflate, when the client offers it).
pub const DEFLATE: &str = "/deflate";
/// The path of the chat on a WebSocket (the HTTP transports of the same chat are under
/// [`CHAT_PREFIX`]).
pub const CHAT_WS: &str = "/chat";

/// Where the chat's HTTP transports live (`chat_http.rs`): every path under it goes to hyper.
pub const CHAT_PREFIX: &str = "/chat/";
/// The client's messages (`POST`, the body is the text).
pub const CHAT_SEND: &str = "/chat/send";
/// The server's messages for a client, by polling or (with `wait_ms`) long-polling.
pub const CHAT_POLL: &str = "/chat/poll";
/// The server's messages for a client as Server-Sent Events.
pub const CHAT_EVENTS: &str = "/chat/events";
/// The longest a long-poll may be held.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// The shortest push, duplex or ping interval the server accepts.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// The longest.
pub const MAX_INTERVAL: Duration = Duration::from_mins(1);
/// The most messages (or pings) one `count` may ask for.
pub const MAX_COUNT: u32 = 10_000;
/// The longest room name.
pub const MAX_ROOM_CHARS: usize = 32;

/// What the server does on an upgraded connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/` and `/echo`: every text and binary message is sent back.
    Echo,
    /// `/push`: the server sends a clock tick (and every third time a news item) every
    /// `interval`, `count` times (`None`: until the client closes); it never waits for the client.
    Push {
        interval: Duration,
        count: Option<u32>,
    },
    /// `/broadcast?room=NAME`: every message a member sends is relayed to every member.
    Broadcast { room: String },
    /// `/duplex`: the server sends `count` messages every `interval` while it reads the client's
    /// own stream (which it counts, and does not answer).
    Duplex { interval: Duration, count: u32 },
    /// `/server-ping`: the server sends `count` pings, `interval` apart, each after the pong of
    /// the one before; then it echoes.
    ServerPing { interval: Duration, count: u32 },
    /// `/server-close`: the server sends Close 4000 "lesson over" at once, and closes TCP first
    /// once the client's Close has answered it.
    ServerClose,
    /// `/deflate`: the echo, with permessage-deflate when the client offers it (RFC 7692):
    /// the server's echoes are compressed and carry RSV1.
    Deflate,
    /// `/chat`: every text message is answered as the chat's HTTP transports answer it
    /// (`chat_http::answer_line`: "re: …" with the time the answer was made).
    Chat,
}

/// The close code the server sends on `/server-close`: the application's own range (RFC 6455
/// §7.4.2).
pub const SERVER_CLOSE_CODE: u16 = 4000;
/// And its reason.
pub const SERVER_CLOSE_REASON: &str = "lesson over";

/// Why a request's path or query does not name an endpoint.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("no WebSocket endpoint at {path}")]
    NotFound { path: String },
    #[error("{path} takes no parameter {name:?} (it takes: {known})")]
    Unknown {
        path: String,
        name: String,
        known: &'static str,
    },
    #[error("parameter {name} is given twice")]
    Repeated { name: String },
    #[error("parameter {name} is missing")]
    Missing { name: &'static str },
    #[error("no chat endpoint at {path} (there are /chat/send, /chat/poll and /chat/events)")]
    NoChatEndpoint { path: String },
    #[error("{path} takes {allow} requests only")]
    Method {
        path: &'static str,
        allow: &'static str,
    },
    #[error("{name}={value:?} is not {wanted}")]
    Invalid {
        name: &'static str,
        value: String,
        wanted: &'static str,
    },
}

impl RouteError {
    /// The HTTP status the server answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotFound { .. } | Self::NoChatEndpoint { .. } => 404,
            Self::Method { .. } => 405,
            _ => 400,
        }
    }
}

impl Route {
    /// The route of a request target such as `/push?interval_ms=200`.
    pub fn parse(target: &str) -> Result<Self, RouteError> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut params = Params::parse(query)?;
        let route = match path {
            "/" | "/echo" => Self::Echo,
            PUSH => Self::Push {
                interval: params.interval(1000)?,
                count: params.count()?,
            },
            BROADCAST => Self::Broadcast {
                room: params.room()?,
            },
            DUPLEX => Self::Duplex {
                interval: params.interval(100)?,
                count: params.count()?.unwrap_or(5),
            },
            SERVER_PING => Self::ServerPing {
                interval: params.interval(500)?,
                count: params.count()?.unwrap_or(2),
            },
            SERVER_CLOSE => Self::ServerClose,
            CHAT_WS => Self::Chat,
            DEFLATE => Self::Deflate,
            _ => {
                return Err(RouteError::NotFound {
                    path: path.to_string(),
                });
            }
        };
        params.finish(path)?;
        Ok(route)
    }

    /// Whether `path` (without a query) is one of the WebSocket endpoints.
    pub fn is_endpoint(path: &str) -> bool {
        let path = path.split_once('?').map_or(path, |(p, _)| p);
        matches!(
            path,
            "/" | "/echo"
                | PUSH
                | BROADCAST
                | DUPLEX
                | SERVER_PING
                | SERVER_CLOSE
                | CHAT_WS
                | DEFLATE
        )
    }

    /// The parameters `path` takes, for the error that names an unknown one.
    fn known(path: &str) -> &'static str {
        match path {
            PUSH | DUPLEX | SERVER_PING => "interval_ms, count",
            BROADCAST => "room",
            CHAT_SEND | CHAT_EVENTS => "client",
            CHAT_POLL => "client, wait_ms",
            _ => "none",
        }
    }
}

/// A request to the chat's HTTP transports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChatRoute {
    /// `POST /chat/send?client=ID`: the body is one message from the client.
    Send { client: String },
    /// `GET /chat/poll?client=ID`: what the server has for the client, at once; with `wait_ms`
    /// the request is held until there is something (long-polling) or that time has passed.
    Poll {
        client: String,
        wait: Option<Duration>,
    },
    /// `GET /chat/events?client=ID`: one response that never ends, a Server-Sent Event per message.
    Events { client: String },
}

impl ChatRoute {
    /// The chat request of `method` on `target` (a path under [`CHAT_PREFIX`]).
    pub fn parse(method: &str, target: &str) -> Result<Self, RouteError> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let (path, allow) = match path {
            CHAT_SEND => (CHAT_SEND, "POST"),
            CHAT_POLL => (CHAT_POLL, "GET"),
            CHAT_EVENTS => (CHAT_EVENTS, "GET"),
            _ => {
                return Err(RouteError::NoChatEndpoint {
                    path: path.to_string(),
                });
            }
        };
        if method != allow {
            return Err(RouteError::Method { path, allow });
        }
        let mut params = Params::parse(query)?;
        let client = params
            .name("client")?
            .ok_or(RouteError::Missing { name: "client" })?;
        let route = match path {
            CHAT_SEND => Self::Send { client },
            CHAT_POLL => Self::Poll {
                client,
                wait: params.wait()?,
            },
            _ => Self::Events { client },
        };
        params.finish(path)?;
        Ok(route)
    }
}

/// A query string's `name=value` pairs, each taken once by the route that knows it.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str) -> Result<Self, RouteError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if pairs.iter().any(|(n, _)| n == name) {
                return Err(RouteError::Repeated { name: name.into() });
            }
            pairs.push((name.to_string(), value.to_string()));
        }
        Ok(Self(pairs))
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let at = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(at).1)
    }

    fn interval(&mut self, default_ms: u64) -> Result<Duration, RouteError> {
        let Some(value) = self.take("interval_ms") else {
            return Ok(Duration::from_millis(default_ms));
        };
        value
            .parse::<u64>()
            .ok()
            .map(Duration::from_millis)
            .filter(|d| (MIN_INTERVAL..=MAX_INTERVAL).contains(d))
            .ok_or(RouteError::Invalid {
                name: "interval_ms",
                value,
                wanted: "a whole number of milliseconds from 10 to 60000",
            })
    }

    fn count(&mut self) -> Result<Option<u32>, RouteError> {
        let Some(value) = self.take("count") else {
            return Ok(None);
        };
        match value.parse::<u32>() {
            Ok(n) if (1..=MAX_COUNT).contains(&n) => Ok(Some(n)),
            _ => Err(RouteError::Invalid {
                name: "count",
                value,
                wanted: "a whole number from 1 to 10000",
            }),
        }
    }

    fn room(&mut self) -> Result<String, RouteError> {
        Ok(self.name("room")?.unwrap_or_else(|| "lobby".into()))
    }

    /// A room or client name: 1 to 32 letters, digits, `-` or `_`.
    fn name(&mut self, key: &'static str) -> Result<Option<String>, RouteError> {
        let Some(value) = self.take(key) else {
            return Ok(None);
        };
        let valid = (1..=MAX_ROOM_CHARS).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if valid {
            Ok(Some(value))
        } else {
            Err(RouteError::Invalid {
                name: key,
                value,
                wanted: "1 to 32 letters, digits, '-' or '_'",
            })
        }
    }

    fn wait(&mut self) -> Result<Option<Duration>, RouteError> {
        let Some(value) = self.take("wait_ms") else {
            return Ok(None);
        };
        value
            .parse::<u64>()
            .ok()
            .map(Duration::from_millis)
            .filter(|d| (MIN_INTERVAL..=MAX_WAIT).contains(d))
            .map(Some)
            .ok_or(RouteError::Invalid {
                name: "wait_ms",
                value,
                wanted: "a whole number of milliseconds from 10 to 30000",
            })
    }

    /// Every parameter must have been taken.
    fn finish(self, path: &str) -> Result<(), RouteError> {
        match self.0.into_iter().next() {
            None => Ok(()),
            Some((name, _)) => Err(RouteError::Unknown {
                path: path.to_string(),
                name,
                known: Route::known(path),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_with_and_without_parameters() {
        assert_eq!(Route::parse("/"), Ok(Route::Echo));
        assert_eq!(Route::parse("/echo"), Ok(Route::Echo));
        assert_eq!(
            Route::parse("/push?interval_ms=200&count=5"),
            Ok(Route::Push {
                interval: Duration::from_millis(200),
                count: Some(5)
            })
        );
        assert_eq!(
            Route::parse("/push"),
            Ok(Route::Push {
                interval: Duration::from_secs(1),
                count: None
            })
        );
        assert_eq!(
            Route::parse("/broadcast?room=class-7b"),
            Ok(Route::Broadcast {
                room: "class-7b".into()
            })
        );
        assert_eq!(
            Route::parse("/broadcast"),
            Ok(Route::Broadcast {
                room: "lobby".into()
            })
        );
        assert_eq!(
            Route::parse("/duplex?count=3"),
            Ok(Route::Duplex {
                interval: Duration::from_millis(100),
                count: 3
            })
        );
        assert_eq!(
            Route::parse("/server-ping?interval_ms=10"),
            Ok(Route::ServerPing {
                interval: Duration::from_millis(10),
                count: 2
            })
        );
        assert_eq!(Route::parse("/server-close"), Ok(Route::ServerClose));
        assert_eq!(Route::parse("/chat"), Ok(Route::Chat));
        assert_eq!(Route::parse("/deflate"), Ok(Route::Deflate));
        assert!(Route::parse("/deflate?level=9").is_err());
    }

    #[test]
    fn garbage_is_named_precisely() {
        let err = |t: &str| Route::parse(t).unwrap_err().to_string();
        assert_eq!(err("/private"), "no WebSocket endpoint at /private");
        assert_eq!(
            err("/push?interval_ms=fast"),
            "interval_ms=\"fast\" is not a whole number of milliseconds from 10 to 60000"
        );
        assert_eq!(
            err("/push?interval_ms=5"),
            "interval_ms=\"5\" is not a whole number of milliseconds from 10 to 60000"
        );
        assert_eq!(
            err("/duplex?count=0"),
            "count=\"0\" is not a whole number from 1 to 10000"
        );
        assert_eq!(
            err("/push?count=1&count=2"),
            "parameter count is given twice"
        );
        assert_eq!(
            err("/broadcast?room=a%20b"),
            "room=\"a%20b\" is not 1 to 32 letters, digits, '-' or '_'"
        );
        assert_eq!(
            err("/server-close?code=1000"),
            "/server-close takes no parameter \"code\" (it takes: none)"
        );
        assert_eq!(
            err("/push?room=x"),
            "/push takes no parameter \"room\" (it takes: interval_ms, count)"
        );
        assert_eq!(Route::parse("/nope").unwrap_err().status(), 404);
        assert_eq!(Route::parse("/push?x").unwrap_err().status(), 400);
        assert!(Route::is_endpoint("/push?whatever"));
        let chat =
            |m: &str, t: &str| ChatRoute::parse(m, t).map_err(|e| (e.status(), e.to_string()));
        assert_eq!(
            chat("GET", "/chat/poll?client=a&wait_ms=2000"),
            Ok(ChatRoute::Poll {
                client: "a".into(),
                wait: Some(Duration::from_secs(2))
            })
        );
        assert_eq!(
            chat("POST", "/chat/send?client=a"),
            Ok(ChatRoute::Send { client: "a".into() })
        );
        assert_eq!(
            chat("GET", "/chat/send?client=a"),
            Err((405, "/chat/send takes POST requests only".into()))
        );
        assert_eq!(
            chat("GET", "/chat/events"),
            Err((400, "parameter client is missing".into()))
        );
        assert_eq!(
            chat("GET", "/chat/poll?client=a&wait_ms=40000"),
            Err((
                400,
                "wait_ms=\"40000\" is not a whole number of milliseconds from 10 to 30000".into()
            ))
        );
        assert_eq!(chat("GET", "/chat/x").unwrap_err().0, 404);
        assert!(!Route::is_endpoint("/pushx"));
        assert!(Route::is_endpoint("/chat"));
        assert_eq!(
            err("/chat?client=a"),
            "/chat takes no parameter \"client\" (it takes: none)"
        );
    }
}
