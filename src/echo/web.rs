//! The browser page the bundled server serves to a plain GET: the class chat (`assets/web/`,
//! embedded with `include_str!`, no build step), a plain-WebSocket chat on
//! `/broadcast?room=class` and a Socket.IO chat with the official `socket.io-client` bundle.

/// One embedded file.
#[derive(Debug, PartialEq, Eq)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static str,
}

/// The page (`/` and `/index.html`).
pub const INDEX: Asset = Asset {
    content_type: "text/html; charset=utf-8",
    body: include_str!("../../assets/web/index.html"),
};
/// The page's script.
pub const CHAT_JS: Asset = Asset {
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../assets/web/chat.js"),
};
/// `socket.io-client` 4.8.4's browser bundle, unmodified (MIT, see
/// `assets/web/LICENSE-socket.io-client.txt`).
pub const SOCKET_IO_JS: Asset = Asset {
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../assets/web/socket.io.min.js"),
};
/// Its licence, served beside it.
pub const SOCKET_IO_LICENSE: Asset = Asset {
    content_type: "text/plain; charset=utf-8",
    body: include_str!("../../assets/web/LICENSE-socket.io-client.txt"),
};

/// The room the page's plain-WebSocket chat joins.
pub const CLASS_ROOM: &str = "class";

/// The file at `target` (its query, if any, ignored), or `None`.
pub fn asset(target: &str) -> Option<&'static Asset> {
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    match path {
        "/" | "/index.html" => Some(&INDEX),
        "/chat.js" => Some(&CHAT_JS),
        "/socket.io.min.js" => Some(&SOCKET_IO_JS),
        "/socket.io-client-LICENSE.txt" => Some(&SOCKET_IO_LICENSE),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_page_loads_is_served() {
        for src in ["/socket.io.min.js", "/chat.js"] {
            assert!(INDEX.body.contains(&format!("src=\"{src}\"")), "{src}");
            assert!(asset(src).is_some(), "{src}");
        }
        assert!(
            CHAT_JS
                .body
                .contains(&format!("/broadcast?room={CLASS_ROOM}"))
        );
        assert!(SOCKET_IO_JS.body.starts_with("/*!\n * Socket.IO v4.8.4\n"));
        assert!(SOCKET_IO_LICENSE.body.contains("MIT License"));
        assert_eq!(asset("/?from=qr"), Some(&INDEX));
        assert_eq!(asset("/index.htm"), None);
        // The page warns that the class sees everything.
        assert!(
            INDEX
                .body
                .contains("Everything you send here is shown to the whole class.")
        );
    }
}
