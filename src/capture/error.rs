//! Capture errors. Each variant carries the facts, and `fix()` says what the user can do.

use std::path::PathBuf;

/// Everything that can go wrong while getting frames.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not a pcap or pcapng file (first bytes {magic:02x?})")]
    NotACapture { magic: Vec<u8> },
    #[error(
        "the file is cut short at byte {offset}: {detail} ({packets} packets before it were read)"
    )]
    Truncated {
        offset: u64,
        packets: u64,
        detail: String,
    },
    #[error(
        "the file is damaged at byte {offset}: {detail} ({packets} packets before it were read)"
    )]
    Corrupt {
        offset: u64,
        packets: u64,
        detail: String,
    },
    #[error("read error at byte {offset}: {source}")]
    Read {
        offset: u64,
        #[source]
        source: std::io::Error,
    },
    #[error("no permission to capture on {interface}")]
    PermissionDenied { interface: String, binary: PathBuf },
    #[error("no interface to capture on: the list of interfaces is empty")]
    NoInterfaces { available: Vec<String> },
    #[error("no interface named {name}")]
    NoSuchInterface {
        name: String,
        available: Vec<String>,
    },
    #[error("this osiscope was built without the {backend} backend")]
    BackendNotBuilt {
        backend: &'static str,
        /// The cargo feature that builds it.
        feature: &'static str,
    },
    #[error("the pnet backend cannot use the filter expression {expression:?}")]
    ExpressionNeedsLibpcap { expression: String },
    #[error("libpcap does not understand the filter {expression:?}: {detail}")]
    BadFilter { expression: String, detail: String },
    #[error("live capture on {interface}: cannot {step}: {source}")]
    Socket {
        interface: String,
        step: SocketStep,
        #[source]
        source: std::io::Error,
    },
    #[error("live capture on {interface}: pnet gave a channel that is not Ethernet")]
    NotEthernet { interface: String },
    #[error("libpcap on {interface}: {detail}")]
    Libpcap { interface: String, detail: String },
    #[error("cannot start the {thread} thread: {source}")]
    Thread {
        thread: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("the {thread} thread panicked")]
    ThreadPanicked { thread: &'static str },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a live capture was doing with its socket when the system said no.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketStep {
    OpenSocket,
    IgnoreOutgoing,
    AttachFilter,
    OpenChannel,
    Read,
    Poll,
}

impl std::fmt::Display for SocketStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::OpenSocket => "open a packet socket",
            Self::IgnoreOutgoing => "ignore outgoing copies (PACKET_IGNORE_OUTGOING)",
            Self::AttachFilter => "attach the port filter",
            Self::OpenChannel => "open the capture channel",
            Self::Read => "read a packet",
            Self::Poll => "wait for packets",
        })
    }
}

impl CaptureError {
    /// What the user can do about it, in one or two sentences, or `None` when there is nothing
    /// more to say than the message.
    pub fn fix(&self) -> Option<String> {
        match self {
            Self::PermissionDenied { binary, .. } => Some(format!(
                "Live capture needs the CAP_NET_RAW capability. Grant it once with:\n  \
                 sudo setcap cap_net_raw,cap_net_admin=eip {}\nor run osiscope with sudo. \
                 Meanwhile you can open one of the bundled captures.",
                binary.display()
            )),
            Self::NoSuchInterface { available, .. } | Self::NoInterfaces { available } => {
                Some(format!(
                    "Interfaces on this machine: {}",
                    if available.is_empty() {
                        "(none found)".to_string()
                    } else {
                        available.join(", ")
                    }
                ))
            }
            Self::Truncated { .. } => Some(
                "Every packet before the damage is shown. The file was probably copied while it \
                 was still being written; capture again to get the rest."
                    .to_string(),
            ),
            Self::NotACapture { .. } => Some(
                "osiscope reads pcap and pcapng files (Wireshark, tcpdump, dumpcap).".to_string(),
            ),
            Self::BackendNotBuilt { feature, .. } => Some(format!(
                "Use --backend pnet, or build osiscope with the `{feature}` feature: \
                 cargo build --release --features {feature}"
            )),
            Self::ExpressionNeedsLibpcap { .. } => Some(
                "Filter by port with --port, or use --backend libpcap for filter expressions."
                    .to_string(),
            ),
            Self::BadFilter { .. } => Some(
                "The filter uses the tcpdump syntax (man pcap-filter), e.g. \"tcp port 8765\"."
                    .to_string(),
            ),
            Self::Socket {
                step: SocketStep::IgnoreOutgoing,
                ..
            } => Some("Live capture needs Linux 4.20 or later.".to_string()),
            Self::Open { .. }
            | Self::Corrupt { .. }
            | Self::Read { .. }
            | Self::Socket { .. }
            | Self::NotEthernet { .. }
            | Self::Libpcap { .. }
            | Self::Thread { .. }
            | Self::ThreadPanicked { .. }
            | Self::Write { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_fix_names_the_binary() {
        let e = CaptureError::PermissionDenied {
            interface: "lo".into(),
            binary: PathBuf::from("/usr/local/bin/osiscope"),
        };
        let fix = e.fix().unwrap_or_default();
        assert!(fix.contains("sudo setcap cap_net_raw,cap_net_admin=eip /usr/local/bin/osiscope"));
    }

    #[test]
    fn a_capture_on_no_interface_says_so_and_lists_the_interfaces() {
        let Err(e) = crate::capture::live::LiveCapture::start_merged(&[]) else {
            panic!("a capture on no interface started");
        };
        assert!(matches!(e, CaptureError::NoInterfaces { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "no interface to capture on: the list of interfaces is empty"
        );
        // Every Linux machine has loopback.
        assert!(e.fix().unwrap_or_default().contains("lo"), "{:?}", e.fix());
    }
}
