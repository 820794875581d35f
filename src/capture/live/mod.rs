//! Live capture on an interface (loopback by default): a named thread reads packets with pnet
//! (default) or libpcap (feature `libpcap`) and hands them over as `Frame`s on a bounded
//! channel. It never blocks on the consumer: what it cannot hand over it counts, next to the
//! kernel's own drop count.

mod filter;
#[cfg(feature = "libpcap")]
mod libpcap;
mod pnet;
mod sys;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use filter::{CaptureFilter, tcp_ports_program};

use super::error::SocketStep;
use super::{CaptureError, Frame, LinkType};

/// The largest frame on Linux loopback: a 65,536-byte IP packet (the MTU of `lo`) and its
/// 14-byte Ethernet header. Read buffers and snap lengths hold at least this much.
pub const LOOPBACK_FRAME_MAX: usize = 65_536 + 14;

/// Which library reads the packets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// pnet's `AF_PACKET` channel (pure Rust), outgoing copies ignored, filter in the kernel.
    #[default]
    Pnet,
    /// libpcap through the pcap crate (needs the `libpcap` feature).
    Libpcap,
}

/// What to capture and how.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    /// Interface name; `lo` is loopback on Linux.
    pub interface: String,
    pub filter: CaptureFilter,
    pub backend: Backend,
    /// Frames that may wait for the consumer; more are counted as osiscope drops.
    pub channel_capacity: usize,
    /// Kernel buffer for packets not yet read.
    pub kernel_buffer_bytes: usize,
    /// On `stop()`, keep reading until the interface has been quiet this long, so packets
    /// already sent (the last ACK of a teardown) are not cut off.
    pub linger: Duration,
}

impl LiveConfig {
    /// Loopback, TCP to or from `port`, pnet.
    pub fn loopback_port(port: u16) -> Self {
        Self {
            interface: "lo".into(),
            filter: CaptureFilter::TcpPorts(vec![port]),
            backend: Backend::default(),
            channel_capacity: 4096,
            kernel_buffer_bytes: 32 << 20,
            linger: Duration::from_millis(200),
        }
    }
}

/// Counters of a live capture, all since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Packets read from the kernel (after the filter).
    pub received: u64,
    /// Frames handed to the consumer.
    pub delivered: u64,
    /// Frames osiscope dropped because the consumer's channel was full.
    pub osiscope_dropped: u64,
    /// Packets the kernel dropped because its buffer was full (never read).
    pub kernel_dropped: u64,
    /// Packets the interface or driver dropped (libpcap's `ps_ifdrop`; 0 for pnet).
    pub interface_dropped: u64,
}

impl LiveStats {
    /// Every drop, whoever dropped it.
    pub fn total_dropped(&self) -> u64 {
        self.osiscope_dropped + self.kernel_dropped + self.interface_dropped
    }
}

#[derive(Debug, Default)]
struct Counters {
    received: AtomicU64,
    delivered: AtomicU64,
    osiscope_dropped: AtomicU64,
    kernel_dropped: AtomicU64,
    interface_dropped: AtomicU64,
}

/// One packet as a backend reads it.
pub(crate) struct RawPacket<'a> {
    pub ts_ns: i64,
    pub orig_len: u32,
    pub data: &'a [u8],
}

/// Kernel drop counters, cumulative.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KernelDrops {
    pub dropped: u64,
    pub interface_dropped: u64,
}

/// What the capture thread needs from a backend.
pub(crate) trait Source: Send {
    fn link(&self) -> LinkType;
    /// The next packet, or `None` when none arrived within the read timeout.
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError>;
    fn kernel_drops(&mut self) -> KernelDrops;
}

/// A running live capture: one reading thread per interface, all handing frames to one channel.
pub struct LiveCapture {
    frames: Option<Receiver<Frame>>,
    /// One per interface, in the order they were asked for (a frame's `interface` is its index).
    readers: Vec<Reader>,
    stop: Arc<AtomicBool>,
    link: LinkType,
}

/// One interface's reading thread and what it reports.
struct Reader {
    counters: Arc<Counters>,
    error: Arc<Mutex<Option<CaptureError>>>,
    thread: Option<JoinHandle<()>>,
}

impl LiveCapture {
    /// Open the interface (errors come back here: permission, unknown interface) and start the
    /// capture thread. Every packet sent after this returns is captured.
    pub fn start(config: &LiveConfig) -> Result<Self, CaptureError> {
        let (mut capture, frames) = Self::start_taking_frames(config)?;
        capture.frames = Some(frames);
        Ok(capture)
    }

    /// As [`LiveCapture::start`], with the frames' receiver handed out at once, for a consumer
    /// on another thread ([`LiveCapture::frames`] is then `None`).
    pub fn start_taking_frames(
        config: &LiveConfig,
    ) -> Result<(Self, Receiver<Frame>), CaptureError> {
        Self::start_merged(std::slice::from_ref(config))
    }

    /// Capture on several interfaces at once (classroom mode: the LAN interface where students'
    /// devices connect, and loopback where the teacher's own demo client does), every frame on
    /// one channel in the order the threads read them, numbered in that order; a frame's
    /// `interface` is the index of its config. Every interface is opened before any thread
    /// starts, so an error leaves nothing running. Channel capacity and linger are the first
    /// config's.
    pub fn start_merged(configs: &[LiveConfig]) -> Result<(Self, Receiver<Frame>), CaptureError> {
        let first = configs.first().ok_or_else(|| CaptureError::NoInterfaces {
            available: interface_names(),
        })?;
        let sources = configs
            .iter()
            .map(open_source)
            .collect::<Result<Vec<_>, _>>()?;
        let link = sources[0].link();
        let (tx, rx) = sync_channel(first.channel_capacity.max(1));
        let stop = Arc::new(AtomicBool::new(false));
        let numbers = Arc::new(Mutex::new(0));
        let mut capture = Self {
            frames: None,
            readers: Vec::with_capacity(sources.len()),
            stop: Arc::clone(&stop),
            link,
        };
        for (index, source) in sources.into_iter().enumerate() {
            let counters = Arc::new(Counters::default());
            let error = Arc::new(Mutex::new(None));
            let worker = Worker {
                source,
                interface: u32::try_from(index).unwrap_or(u32::MAX),
                tx: tx.clone(),
                numbers: Arc::clone(&numbers),
                counters: Arc::clone(&counters),
                stop: Arc::clone(&stop),
                error: Arc::clone(&error),
                linger: first.linger,
            };
            // On an error, dropping `capture` tells the threads already started to stop.
            let thread = std::thread::Builder::new()
                .name("osiscope-capture".into())
                .spawn(move || worker.run())
                .map_err(|source| CaptureError::Thread {
                    thread: "osiscope-capture",
                    source,
                })?;
            capture.readers.push(Reader {
                counters,
                error,
                thread: Some(thread),
            });
        }
        Ok((capture, rx))
    }

    /// The link type of every frame (Ethernet on Linux loopback).
    pub fn link(&self) -> LinkType {
        self.link
    }

    /// The frames, for a consumer that reads them here.
    pub fn frames(&self) -> Option<&Receiver<Frame>> {
        self.frames.as_ref()
    }

    /// Take the frame channel, for a consumer on another thread (e.g. the live pipeline).
    pub fn take_frames(&mut self) -> Option<Receiver<Frame>> {
        self.frames.take()
    }

    /// The counters, summed over the interfaces.
    pub fn stats(&self) -> LiveStats {
        self.stats_by_interface()
            .iter()
            .fold(LiveStats::default(), |total, s| LiveStats {
                received: total.received + s.received,
                delivered: total.delivered + s.delivered,
                osiscope_dropped: total.osiscope_dropped + s.osiscope_dropped,
                kernel_dropped: total.kernel_dropped + s.kernel_dropped,
                interface_dropped: total.interface_dropped + s.interface_dropped,
            })
    }

    /// The counters of each interface, in the order they were asked for (index = a frame's
    /// `interface`).
    pub fn stats_by_interface(&self) -> Vec<LiveStats> {
        self.readers
            .iter()
            .map(|r| {
                let c = &r.counters;
                LiveStats {
                    received: c.received.load(Ordering::Relaxed),
                    delivered: c.delivered.load(Ordering::Relaxed),
                    osiscope_dropped: c.osiscope_dropped.load(Ordering::Relaxed),
                    kernel_dropped: c.kernel_dropped.load(Ordering::Relaxed),
                    interface_dropped: c.interface_dropped.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    /// The error that ended the capture (on one of its interfaces), if it ended on its own.
    pub fn take_error(&self) -> Option<CaptureError> {
        self.readers.iter().find_map(|r| {
            r.error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
        })
    }

    /// Whether every capture thread is still reading.
    pub fn is_running(&self) -> bool {
        self.readers
            .iter()
            .all(|r| r.thread.as_ref().is_some_and(|t| !t.is_finished()))
    }

    /// Stop after the interfaces have been quiet for `linger`, wait for the threads, and
    /// return the final counters (or the error that ended the capture). Frames not yet read
    /// stay in the channel.
    pub fn stop(mut self) -> Result<LiveStats, CaptureError> {
        self.stop.store(true, Ordering::Relaxed);
        let mut panicked = false;
        for r in &mut self.readers {
            if let Some(t) = r.thread.take() {
                panicked |= t.join().is_err();
            }
        }
        if panicked {
            return Err(CaptureError::ThreadPanicked {
                thread: "osiscope-capture",
            });
        }
        match self.take_error() {
            Some(e) => Err(e),
            None => Ok(self.stats()),
        }
    }
}

/// Open `config`'s interface with its backend.
fn open_source(config: &LiveConfig) -> Result<Box<dyn Source>, CaptureError> {
    Ok(match config.backend {
        Backend::Pnet => Box::new(pnet::PnetSource::open(config)?),
        #[cfg(feature = "libpcap")]
        Backend::Libpcap => Box::new(libpcap::PcapSource::open(config)?),
        #[cfg(not(feature = "libpcap"))]
        Backend::Libpcap => {
            return Err(CaptureError::BackendNotBuilt {
                backend: "libpcap",
                feature: "libpcap",
            });
        }
    })
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        // The threads notice within one read timeout; they are not joined here.
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// How much longer than `linger` a stop may wait while packets keep arriving.
const MAX_LINGER: Duration = Duration::from_secs(1);
/// How long a backend waits for a packet before checking whether to stop.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_millis(50);

struct Worker {
    source: Box<dyn Source>,
    /// Its index among the capture's interfaces.
    interface: u32,
    tx: SyncSender<Frame>,
    /// The last frame number handed out, shared by the interfaces' threads.
    numbers: Arc<Mutex<u64>>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    error: Arc<Mutex<Option<CaptureError>>>,
    linger: Duration,
}

impl Worker {
    fn run(mut self) {
        let link = self.source.link();
        let mut last_packet = Instant::now();
        let mut delivered = 0u64;
        let mut since_stats = 0u32;
        let mut stop_asked: Option<Instant> = None;
        loop {
            if stop_asked.is_none() && self.stop.load(Ordering::Relaxed) {
                stop_asked = Some(Instant::now());
            }
            // Stop once quiet for `linger`, or at the latest `MAX_LINGER` later under load.
            if let Some(asked) = stop_asked
                && (last_packet.elapsed() >= self.linger
                    || asked.elapsed() >= self.linger + MAX_LINGER)
            {
                break;
            }
            match self.source.next_packet() {
                Ok(Some(p)) => {
                    last_packet = Instant::now();
                    self.counters.received.fetch_add(1, Ordering::Relaxed);
                    let mut frame = Frame {
                        number: 0,
                        ts_ns: p.ts_ns,
                        orig_len: p.orig_len,
                        link,
                        interface: self.interface,
                        data: p.data.to_vec(),
                    };
                    // Numbered under the lock that orders the interfaces' sends: a frame's
                    // number is its place in the channel, whichever thread read it.
                    let sent = {
                        let mut last = self.numbers.lock().unwrap_or_else(PoisonError::into_inner);
                        frame.number = *last + 1;
                        let sent = self.tx.try_send(frame);
                        if sent.is_ok() {
                            *last += 1;
                        }
                        sent
                    };
                    match sent {
                        Ok(()) => {
                            delivered += 1;
                            self.counters.delivered.store(delivered, Ordering::Relaxed);
                        }
                        Err(TrySendError::Full(_)) => {
                            self.counters
                                .osiscope_dropped
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        // Nobody reads any more: the capture has no purpose left.
                        Err(TrySendError::Disconnected(_)) => break,
                    }
                    since_stats += 1;
                    if since_stats >= 4096 {
                        since_stats = 0;
                        self.update_kernel_drops();
                    }
                }
                Ok(None) => self.update_kernel_drops(),
                Err(e) => {
                    tracing::error!("live capture ended: {e}");
                    *self.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(e);
                    break;
                }
            }
        }
        self.update_kernel_drops();
    }

    fn update_kernel_drops(&mut self) {
        let k = self.source.kernel_drops();
        self.counters
            .kernel_dropped
            .store(k.dropped, Ordering::Relaxed);
        self.counters
            .interface_dropped
            .store(k.interface_dropped, Ordering::Relaxed);
    }
}

/// The path of the running binary, for the `setcap` fix.
pub(crate) fn current_binary() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("osiscope"))
}

/// The names of the interfaces on this machine, sorted.
pub fn interface_names() -> Vec<String> {
    let mut names: Vec<String> = ::pnet::datalink::interfaces()
        .into_iter()
        .map(|i| i.name)
        .collect();
    names.sort();
    names
}

/// The addresses of interface `name` (none when there is no such interface).
pub fn interface_addresses(name: &str) -> Vec<std::net::IpAddr> {
    ::pnet::datalink::interfaces()
        .into_iter()
        .filter(|i| i.name == name)
        .flat_map(|i| i.ips.into_iter().map(|net| net.ip()))
        .collect()
}

/// The interface a classroom's devices most likely reach this machine on: the first (by name)
/// that is up, not loopback and has an IPv4 address.
pub fn default_lan_interface() -> Option<String> {
    let mut candidates: Vec<String> = ::pnet::datalink::interfaces()
        .into_iter()
        .filter(|i| {
            i.is_up() && !i.is_loopback() && i.ips.iter().any(::pnet::ipnetwork::IpNetwork::is_ipv4)
        })
        .map(|i| i.name)
        .collect();
    candidates.sort();
    candidates.into_iter().next()
}

pub(crate) fn permission_denied(interface: &str) -> CaptureError {
    CaptureError::PermissionDenied {
        interface: interface.to_string(),
        binary: current_binary(),
    }
}

/// The system refused `step` of a live capture on `interface`.
pub(crate) fn socket_error(
    interface: &str,
    step: SocketStep,
    source: std::io::Error,
) -> CaptureError {
    CaptureError::Socket {
        interface: interface.to_string(),
        step,
        source,
    }
}
