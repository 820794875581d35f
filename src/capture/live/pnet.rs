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
