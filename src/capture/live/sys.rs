//! The system calls live capture needs on a Linux `AF_PACKET` socket that neither pnet nor std
//! offer, each unsafe block with its justification. (The only other unsafe call in osiscope maps
//! capture files: `capture/file/map.rs`.)
#![allow(
    unsafe_code,
    reason = "AF_PACKET socket options and poll(2) have no safe wrapper in std or pnet"
)]

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd, RawFd};

/// `SOL_PACKET` options, from `linux/if_packet.h`.
const PACKET_STATISTICS: libc::c_int = 6;
/// Linux 4.20+: do not queue the copies of packets this host sends (loopback would show each
/// packet twice: once outgoing, once incoming).
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// `SIOCGSTAMPNS` (`linux/sockios.h`): kernel receive time of the last packet read.
const SIOCGSTAMPNS: libc::c_ulong = 0x8907;

/// `struct tpacket_stats` from `linux/if_packet.h`.
#[repr(C)]
#[derive(Default)]
struct TpacketStats {
    tp_packets: libc::c_uint,
    tp_drops: libc::c_uint,
}

/// A new `AF_PACKET` raw socket with protocol 0: it receives nothing until it is bound (by
/// pnet, with `ETH_P_ALL` on one interface), so options and the filter apply to every packet.
pub fn packet_socket() -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes no pointers; a non-negative result is a new descriptor we own.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just returned by socket(2) and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn setsockopt<T>(fd: RawFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    // SAFETY: `value` is a live reference to a `T` and we pass its exact size, so the kernel reads
    // only memory we own; an invalid `fd` makes the call fail with EBADF, nothing worse.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            std::ptr::from_ref(value).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Drop the outgoing copies of packets (`PACKET_IGNORE_OUTGOING`).
pub fn ignore_outgoing(fd: &OwnedFd) -> io::Result<()> {
    setsockopt(
        fd.as_raw_fd(),
        libc::SOL_PACKET,
        PACKET_IGNORE_OUTGOING,
        &1_i32,
    )
}

/// Ask for a receive buffer of `bytes` (`SO_RCVBUFFORCE` when allowed, else `SO_RCVBUF`, which
/// the kernel caps at `net.core.rmem_max`).
pub fn set_receive_buffer(fd: &OwnedFd, bytes: usize) -> io::Result<()> {
    let bytes = i32::try_from(bytes).unwrap_or(i32::MAX);
    setsockopt(
        fd.as_raw_fd(),
        libc::SOL_SOCKET,
        libc::SO_RCVBUFFORCE,
        &bytes,
    )
    .or_else(|_| setsockopt(fd.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF, &bytes))
}

/// Attach a classic BPF program (`SO_ATTACH_FILTER`).
pub fn attach_filter(fd: &OwnedFd, program: &[libc::sock_filter]) -> io::Result<()> {
    let len =
        u16::try_from(program.len()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let fprog = libc::sock_fprog {
        len,
        filter: program.as_ptr().cast_mut(),
    };
    // The kernel copies the program during the call; `program` outlives it.
    setsockopt(
        fd.as_raw_fd(),
        libc::SOL_SOCKET,
        libc::SO_ATTACH_FILTER,
        &fprog,
    )
}

/// Packets passed to the socket and packets dropped for lack of buffer space since the last call
/// (`PACKET_STATISTICS` resets the kernel's counters when read).
pub fn packet_statistics(fd: RawFd) -> io::Result<(u64, u64)> {
    let mut stats = TpacketStats::default();
    let mut len = size_of::<TpacketStats>() as libc::socklen_t;
    // SAFETY: `stats` and `len` are live, writable, and `len` holds the size of `stats`, so the
    // kernel writes at most that many bytes into memory we own.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_PACKET,
            PACKET_STATISTICS,
            std::ptr::from_mut(&mut stats).cast(),
            &raw mut len,
        )
    };
    if rc == 0 {
        Ok((u64::from(stats.tp_packets), u64::from(stats.tp_drops)))
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Ask the kernel to timestamp the packets `fd` will receive, before the first one arrives.
///
/// The kernel turns timestamps on for a socket the first time its last packet's time is asked
/// for (`SIOCGSTAMPNS`); until then a packet socket's packets carry none and their time is that
/// of the read. Asking once at open, when no packet has come (the answer is `ENOENT`), makes the
/// very first packets (a TCP handshake, on Connect) carry the kernel's receive time like
/// tcpdump's.
pub fn enable_kernel_timestamps(fd: RawFd) -> io::Result<()> {
    match last_packet_time_ns(fd) {
        Err(e) if e.raw_os_error() != Some(libc::ENOENT) => Err(e),
        _ => Ok(()),
    }
}

/// The kernel's receive time of the packet just read from `fd`, nanoseconds since the epoch.
pub fn last_packet_time_ns(fd: RawFd) -> io::Result<i64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: SIOCGSTAMPNS writes one `struct timespec` through the pointer, which points to a
    // live, writable `timespec` we own.
    let rc = unsafe { libc::ioctl(fd, SIOCGSTAMPNS as _, &raw mut ts) };
    if rc == 0 {
        Ok(ts
            .tv_sec
            .saturating_mul(1_000_000_000)
            .saturating_add(ts.tv_nsec))
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Wait until `fd` is readable or `timeout` passes; `true` when readable.
#[cfg_attr(
    not(feature = "libpcap"),
    allow(dead_code, reason = "only the libpcap capture waits on its descriptor")
)]
pub fn wait_readable(fd: RawFd, timeout: std::time::Duration) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one live, writable `pollfd` and a count of 1; the kernel writes only `revents`.
    let rc = unsafe { libc::poll(&raw mut pfd, 1, ms) };
    match rc {
        0 => Ok(false),
        n if n > 0 => Ok(true),
        _ => {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(e)
            }
        }
    }
}
