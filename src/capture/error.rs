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
    #[error("no interface named {name}")]
    NoSuchInterface {
        name: String,
        available: Vec<String>,
    },
    #[error("live capture failed: {message}")]
    Live { message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
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
            Self::NoSuchInterface { available, .. } => Some(format!(
                "Interfaces on this machine: {}",
                if available.is_empty() {
                    "(none found)".to_string()
                } else {
                    available.join(", ")
                }
            )),
            Self::Truncated { .. } => Some(
                "Every packet before the damage is shown. The file was probably copied while it \
                 was still being written; capture again to get the rest."
                    .to_string(),
            ),
            Self::NotACapture { .. } => Some(
                "osiscope reads pcap and pcapng files (Wireshark, tcpdump, dumpcap).".to_string(),
            ),
            _ => None,
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
}
