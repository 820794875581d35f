//! A real browser for the tests: Debian's headless Chromium, driven over its remote-debugging protocol
//! (JSON commands on a WebSocket, spoken here with tungstenite). Chromium missing is a failure
//! that says how to install it, never a skip: CI installs it (`.ci/test`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::stream::MaybeTlsStream;
use tokio_tungstenite::tungstenite::{self, Message, WebSocket};

/// The flags every run uses: no sandbox (CI runs as root), no GPU, no QUIC, and nothing that
/// talks to the network on its own (updates, sync, background requests).
pub const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

/// How long a remote-debugging command (a whole scripted chat) may take.
const COMMAND_TIMEOUT: Duration = Duration::from_mins(1);

/// A running headless Chromium with one page open.
pub struct Chromium {
    child: Child,
    _profile: tempfile::TempDir,
    devtools: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    session: String,
}

impl Chromium {
    /// Start Chromium and open `url` in a new page.
    pub fn open(url: &str) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new("chromium")
            .args(FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run chromium ({e}). This test drives a real browser: install Debian's \
                     `chromium` package (apt-get install chromium; .ci/test installs it)."
                )
            });
        let endpoint = devtools_endpoint(profile.path());
        let (devtools, _) = tungstenite::connect(&endpoint)
            .unwrap_or_else(|e| panic!("cannot reach Chromium's DevTools at {endpoint}: {e}"));
        if let MaybeTlsStream::Plain(s) = devtools.get_ref() {
            s.set_read_timeout(Some(COMMAND_TIMEOUT)).unwrap();
        }
        let mut browser = Self {
            child,
            _profile: profile,
            devtools,
            next_id: 0,
            session: String::new(),
        };
        let target = browser.call("Target.createTarget", &json!({ "url": "about:blank" }));
        let attached = browser.call(
            "Target.attachToTarget",
            &json!({ "targetId": target["targetId"], "flatten": true }),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        // Page.navigate answers once the new document is committed: a script evaluated after
        // it runs in that document, not in about:blank.
        let navigated = browser.call("Page.navigate", &json!({ "url": url }));
        assert!(navigated["errorText"].is_null(), "{url}: {navigated}");
        browser
    }

    /// Send one remote-debugging command (to the page once attached) and return its result.
    fn call(&mut self, method: &str, params: &Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            command["sessionId"] = json!(self.session);
        }
        self.devtools
            .send(Message::text(command.to_string()))
            .unwrap();
        loop {
            let message = self
                .devtools
                .read()
                .unwrap_or_else(|e| panic!("{method}: no answer from Chromium: {e}"));
            let Message::Text(text) = message else {
                continue;
            };
            let answer: Value = serde_json::from_str(text.as_str()).unwrap();
            if answer["id"] != id {
                continue; // an event
            }
            assert!(answer["error"].is_null(), "{method}: {answer}");
            return answer["result"].clone();
        }
    }

    /// Run `script` (an expression, awaited if it is a promise) in the page; its value as JSON.
    pub fn eval(&mut self, script: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            &json!({ "expression": script, "awaitPromise": true, "returnByValue": true }),
        );
        assert!(
            result["exceptionDetails"].is_null(),
            "the page's script failed: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    /// Close the browser (its connections end with it) and wait for the process.
    pub fn close(mut self) {
        self.session.clear();
        // Chromium may close the DevTools connection before it answers.
        self.next_id += 1;
        let close = json!({ "id": self.next_id, "method": "Browser.close" });
        let _ = self.devtools.send(Message::text(close.to_string()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("Chromium did not exit within 10 s of Browser.close");
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        // A test that failed half-way leaves no browser behind.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The browser's remote-debugging WebSocket: Chromium writes its port and path to
/// `DevToolsActivePort` in the profile once it listens.
fn devtools_endpoint(profile: &Path) -> String {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(&file)
            && let [port, path] = text.lines().collect::<Vec<_>>()[..]
        {
            return format!("ws://127.0.0.1:{port}{path}");
        }
        assert!(
            Instant::now() < deadline,
            "Chromium did not open its DevTools port within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
