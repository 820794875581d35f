//! The libpcap live backend (cargo feature `libpcap`): kernel BPF filter compiled by libpcap,
//! kernel timestamps in nanoseconds, a large buffer, immediate delivery. libpcap already skips
//! the outgoing copies on loopback.

use std::os::fd::AsRawFd as _;

use pcap::{Active, Capture, Device, Precision};

use super::{
    KernelDrops, LOOPBACK_FRAME_MAX, LiveConfig, READ_TIMEOUT, RawPacket, Source, socket_error, sys,
};
use crate::capture::error::SocketStep;
use crate::capture::{CaptureError, LinkType};

pub(crate) struct PcapSource {
    interface: String,
    cap: Capture<Active>,
    link: LinkType,
    /// The last counters libpcap gave (kept when a later `stats()` call fails).
    drops: KernelDrops,
    /// poll(2) said readable and libpcap has not yet said "nothing more".
    ready: bool,
}

fn classify(interface: &str, e: &pcap::Error) -> CaptureError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("permission") || lower.contains("not permitted") {
        super::permission_denied(interface)
    } else if lower.contains("no such device") {
        CaptureError::NoSuchInterface {
            name: interface.to_string(),
            available: super::interface_names(),
        }
    } else {
        CaptureError::Libpcap {
            interface: interface.to_string(),
            detail: text,
        }
    }
}

impl PcapSource {
    pub(crate) fn open(config: &LiveConfig) -> Result<Self, CaptureError> {
        let name = config.interface.as_str();
        let known = Device::list()
            .map_err(|e| classify(name, &e))?
            .into_iter()
            .any(|d| d.name == name);
        if !known {
            return Err(CaptureError::NoSuchInterface {
                name: name.to_string(),
                available: super::interface_names(),
            });
        }
        let fail = |e: pcap::Error| classify(name, &e);
        let mut cap = Capture::from_device(name)
            .map_err(fail)?
            .promisc(false)
            .snaplen(i32::try_from(LOOPBACK_FRAME_MAX).unwrap_or(i32::MAX))
            .buffer_size(i32::try_from(config.kernel_buffer_bytes).unwrap_or(i32::MAX))
            .immediate_mode(true)
            .timeout(i32::try_from(READ_TIMEOUT.as_millis()).unwrap_or(50))
            .precision(Precision::Nano)
            .open()
            .map_err(fail)?
            // libpcap's own read timeout is not honoured in immediate mode on Linux: read
            // without blocking and wait with poll(2) on its descriptor instead.
            .setnonblock()
            .map_err(fail)?;
        if let Some(expr) = config.filter.expression() {
            cap.filter(&expr, true)
                .map_err(|e| CaptureError::BadFilter {
                    detail: e.to_string(),
                    expression: expr,
                })?;
        }
        let link = LinkType::from_linktype(cap.get_datalink().0 as u32);
        Ok(Self {
            interface: name.to_string(),
            cap,
            link,
            drops: KernelDrops::default(),
            ready: false,
        })
    }
}

impl Source for PcapSource {
    fn link(&self) -> LinkType {
        self.link
    }

    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        let fd = self.cap.as_raw_fd();
        if !self.ready {
            match sys::wait_readable(fd, READ_TIMEOUT) {
                Ok(true) => self.ready = true,
                Ok(false) => return Ok(None),
                Err(e) => return Err(socket_error(&self.interface, SocketStep::Poll, e)),
            }
        }
        match self.cap.next_packet() {
            Ok(p) => {
                // With nanosecond precision libpcap puts nanoseconds in `tv_usec`.
                let ts_ns = p
                    .header
                    .ts
                    .tv_sec
                    .saturating_mul(1_000_000_000)
                    .saturating_add(p.header.ts.tv_usec);
                Ok(Some(RawPacket {
                    ts_ns,
                    orig_len: p.header.len,
                    data: p.data,
                }))
            }
            Err(pcap::Error::TimeoutExpired) => {
                self.ready = false;
                Ok(None)
            }
            Err(e) => Err(CaptureError::Libpcap {
                interface: self.interface.clone(),
                detail: format!("reading a packet failed: {e}"),
            }),
        }
    }

    fn kernel_drops(&mut self) -> KernelDrops {
        match self.cap.stats() {
            Ok(s) => {
                self.drops = KernelDrops {
                    dropped: u64::from(s.dropped),
                    interface_dropped: u64::from(s.if_dropped),
                };
            }
            Err(e) => tracing::debug!("pcap stats: {e}"),
        }
        self.drops
    }
}
