//! Shared by the echo server tests (included with `#[path]`): a server on an ephemeral port,
//! a raw HTTP exchange, and waiting for a condition.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use osiscope::echo::{EchoConfig, EchoServer, EchoServerHandle};

/// The bundled server with its defaults, on a free loopback port.
pub fn server() -> EchoServerHandle {
    EchoServer::start(EchoConfig::ephemeral()).unwrap()
}

/// Send raw bytes and read everything the server answers until it closes.
pub fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Wait (10 s at most) until `cond` holds.
#[allow(dead_code)] // not every test file that includes this module waits for something
pub fn poll_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}
