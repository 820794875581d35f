//! The default live backend: pnet's `AF_PACKET` channel on a socket osiscope prepares itself
//! (outgoing copies ignored on loopback, BPF port filter, large kernel buffer, kernel timestamps).

use std::os::fd::{AsRawFd as _, IntoRawFd as _, RawFd};

use pnet::datalink::{self, Channel, DataLinkReceiver, DataLinkSender};

use super::{
    CaptureFilter, KernelDrops, LOOPBACK_FRAME_MAX, LiveConfig, READ_TIMEOUT, RawPacket, Source,
    socket_error, sys,
};
use crate::capture::error::SocketStep;
use crate::capture::{CaptureError, LinkType};

pub(crate) struct PnetSource {
    interface: String,
    rx: Box<dyn DataLinkReceiver>,
    /// Kept so the shared socket stays open while `fd` is used for statistics.
    _tx: Box<dyn DataLinkSender>,
    fd: RawFd,
    drops: KernelDrops,
}

impl PnetSource {
    pub(crate) fn open(config: &LiveConfig) -> Result<Self, CaptureError> {
        let name = &config.interface;
        let Some(interface) = datalink::interfaces().into_iter().find(|i| &i.name == name) else {
            return Err(CaptureError::NoSuchInterface {
                name: name.clone(),
                available: super::interface_names(),
            });
        };
        let program = match &config.filter {
            CaptureFilter::All => None,
            CaptureFilter::TcpPorts(ports) => super::tcp_ports_program(ports),
            CaptureFilter::Bpf(expression) => {
                return Err(CaptureError::ExpressionNeedsLibpcap {
                    expression: expression.clone(),
                });
            }
        };
        let socket = sys::packet_socket().map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => super::permission_denied(name),
            _ => socket_error(name, SocketStep::OpenSocket, e),
        })?;
        // Loopback shows every packet twice (sent, then received): keep one. On any other
        // interface the outgoing copy is the only one (the server's packets to a student).
        if interface.is_loopback() {
            sys::ignore_outgoing(&socket)
                .map_err(|e| socket_error(name, SocketStep::IgnoreOutgoing, e))?;
        }
        if let Err(e) = sys::set_receive_buffer(&socket, config.kernel_buffer_bytes) {
            tracing::warn!("cannot enlarge the capture buffer: {e}");
        }
        if let Some(program) = program {
            sys::attach_filter(&socket, &program)
                .map_err(|e| socket_error(name, SocketStep::AttachFilter, e))?;
        }
        let fd = socket.as_raw_fd();
        if let Err(e) = sys::enable_kernel_timestamps(fd) {
            tracing::warn!("no kernel timestamps: packets are timed when read: {e}");
        }
        let pnet_config = datalink::Config {
            read_buffer_size: LOOPBACK_FRAME_MAX,
            read_timeout: Some(READ_TIMEOUT),
            promiscuous: false,
            // pnet binds it to the interface with ETH_P_ALL and closes it when dropped.
            socket_fd: Some(socket.into_raw_fd()),
            ..datalink::Config::default()
        };
        match datalink::channel(&interface, pnet_config) {
            Ok(Channel::Ethernet(tx, rx)) => Ok(Self {
                interface: name.clone(),
                rx,
                _tx: tx,
                fd,
                drops: KernelDrops::default(),
            }),
            Ok(_) => Err(CaptureError::NotEthernet {
                interface: name.clone(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                Err(super::permission_denied(name))
            }
            Err(e) => Err(socket_error(name, SocketStep::OpenChannel, e)),
        }
    }
}

impl Source for PnetSource {
    fn link(&self) -> LinkType {
        LinkType::Ethernet
    }

    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        match self.rx.next() {
            Ok(data) => {
                let ts_ns = sys::last_packet_time_ns(self.fd).unwrap_or_else(|_| wall_clock_ns());
                // A recv into a buffer of LOOPBACK_FRAME_MAX bytes; longer frames are truncated.
                let orig_len = data.len() as u32;
                Ok(Some(RawPacket {
                    ts_ns,
                    orig_len,
                    data,
                }))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(socket_error(&self.interface, SocketStep::Read, e)),
        }
    }

    fn kernel_drops(&mut self) -> KernelDrops {
        match sys::packet_statistics(self.fd) {
            Ok((_, dropped)) => self.drops.dropped += dropped,
            Err(e) => tracing::debug!("PACKET_STATISTICS: {e}"),
        }
        self.drops
    }
}

fn wall_clock_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::*;

    fn now_ns() -> i64 {
        i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos(),
        )
        .unwrap()
    }

    /// The first packets of a capture (the handshake a teacher's Connect makes) carry the
    /// kernel's receive time, not the time they were read: read 200 ms late, they are still
    /// timed when they happened, and the SYN-ACK comes microseconds after the SYN.
    #[test]
    fn the_first_packets_carry_the_kernels_time_not_the_reads() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let config = LiveConfig::loopback_port(listener.local_addr().unwrap().port());
        let mut source = match PnetSource::open(&config) {
            Ok(s) => s,
            Err(e @ CaptureError::PermissionDenied { .. }) => {
                assert!(
                    std::env::var_os("OSISCOPE_NO_SKIP").is_none(),
                    "live capture needs root here: {e}"
                );
                eprintln!("SKIPPED: live capture needs CAP_NET_RAW (CI runs as root): {e}");
                return;
            }
            Err(e) => panic!("{e}"),
        };
        // The capture is open before anyone connects, as in the app.
        std::thread::sleep(Duration::from_millis(50));
        let connected_ns = now_ns();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let _server = listener.accept().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let read_ns = now_ns();
        let mut times = Vec::new();
        while times.len() < 3 {
            if let Some(p) = source.next_packet().unwrap() {
                times.push(p.ts_ns);
            }
        }
        for ts in &times {
            assert!(
                *ts >= connected_ns && *ts < read_ns - 100_000_000,
                "timed {} ms after the connect, read {} ms after it",
                (ts - connected_ns) / 1_000_000,
                (read_ns - connected_ns) / 1_000_000
            );
        }
        assert!(times[1] - times[0] < 10_000_000, "SYN-ACK {times:?}");
    }
}
