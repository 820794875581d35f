//! Where the model finds a packet's bytes again when the user selects it (Wireshark does the
//! same): a file's packets stay in the file and are read back with one positioned read; packets
//! with no file behind them (live capture, the bundled capture, tests) are kept in memory.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Where one packet's bytes are, as the pipeline hands it to the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameBytes {
    /// The bytes themselves, for the model to keep.
    Kept(Vec<u8>),
    /// In the model's capture file at `offset`, with the CRC-32 of the bytes (checked when they
    /// are read back, so a file changed since it was loaded is noticed).
    InFile { offset: u64, crc: u32 },
}

impl FrameBytes {
    /// The location of `data` found at `offset` in a file.
    pub fn in_file(offset: u64, data: &[u8]) -> Self {
        Self::InFile {
            offset,
            crc: crc32fast::hash(data),
        }
    }
}

/// Why a packet's bytes cannot be shown.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ByteError {
    #[error("no packet {index} in the model")]
    NoPacket { index: usize },
    #[error("the packet's bytes are in a file, but the model has none")]
    NoFile,
    #[error("cannot read {path} again: {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "{path} is shorter than when it was loaded: packet {number} was at bytes {offset}–{end}, \
         the file now has {file_len} bytes. Open the file again to see it as it is now."
    )]
    Truncated {
        path: PathBuf,
        number: u64,
        offset: u64,
        end: u64,
        file_len: u64,
    },
    #[error(
        "{path} changed since it was loaded: the bytes of packet {number} are not the same any \
         more. Open the file again to see it as it is now."
    )]
    Changed { path: PathBuf, number: u64 },
}

/// A packet's place in the store: 12 bytes, three 32-bit words (the offset's high word has
/// the kind in its top bit; a file or a memory store is far below 2^63 bytes).
#[derive(Clone, Copy, Debug)]
struct Location {
    low: u32,
    /// The offset's high 31 bits, and [`Location::MEMORY`] for a kept packet.
    high: u32,
    /// The CRC-32 of a packet in the file (0 for a kept packet).
    crc: u32,
}

/// A packet's place, unpacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// `memory[start..start + caplen]`.
    Memory {
        start: u64,
    },
    File {
        offset: u64,
        crc: u32,
    },
}

impl Location {
    const MEMORY: u32 = 1 << 31;

    fn new(place: Place) -> Self {
        let (at, kind, crc) = match place {
            Place::Memory { start } => (start, Self::MEMORY, 0),
            Place::File { offset, crc } => (offset, 0, crc),
        };
        assert!(at < 1 << 63, "a packet at byte {at}");
        Self {
            low: at as u32,
            high: (at >> 32) as u32 | kind,
            crc,
        }
    }

    fn place(self) -> Place {
        let at = u64::from(self.high & !Self::MEMORY) << 32 | u64::from(self.low);
        if self.high & Self::MEMORY == 0 {
            Place::File {
                offset: at,
                crc: self.crc,
            }
        } else {
            Place::Memory { start: at }
        }
    }
}

/// The capture file a model was loaded from, open for reading back.
#[derive(Debug)]
struct Source {
    path: PathBuf,
    file: File,
}

/// The bytes of every packet of a model, in packet order.
#[derive(Debug, Default)]
pub struct ByteStore {
    /// In chunks: it grows in the UI frames that add packets, without copying what it holds.
    locations: super::Chunked<Location>,
    /// Kept packets, back to back.
    memory: Vec<u8>,
    file: Option<Source>,
}

impl ByteStore {
    /// A store that reads packets given as [`FrameBytes::InFile`] from `path`.
    pub fn with_file(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            file: Some(Source {
                path: path.to_path_buf(),
                file: File::open(path)?,
            }),
            ..Self::default()
        })
    }

    /// The file packets are read back from, if any.
    pub fn file_path(&self) -> Option<&Path> {
        self.file.as_ref().map(|s| s.path.as_path())
    }

    /// Add the next packet's bytes.
    pub fn push(&mut self, bytes: FrameBytes) {
        let location = match bytes {
            FrameBytes::Kept(data) => {
                let start = self.memory.len() as u64;
                self.memory.extend_from_slice(&data);
                Place::Memory { start }
            }
            FrameBytes::InFile { offset, crc } => Place::File { offset, crc },
        };
        self.locations.push(Location::new(location));
    }

    /// Packets held.
    pub fn len(&self) -> usize {
        self.locations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.locations.is_empty()
    }

    /// Bytes in use in memory: kept packets and where every packet is (for the benchmark's
    /// memory report; spare capacity is not counted, it is never touched).
    pub fn memory_bytes(&self) -> usize {
        self.memory.len() + self.locations.len() * std::mem::size_of::<Location>()
    }

    /// The `caplen` bytes of packet `index` (number `number`, for messages).
    pub fn read(&self, index: usize, number: u64, caplen: u32) -> Result<Vec<u8>, ByteError> {
        let location = self
            .locations
            .get(index)
            .ok_or(ByteError::NoPacket { index })?
            .place();
        let len = u64::from(caplen);
        match location {
            Place::Memory { start } => usize::try_from(start)
                .ok()
                .and_then(|s| self.memory.get(s..s.checked_add(caplen as usize)?))
                .map(<[u8]>::to_vec)
                .ok_or(ByteError::NoPacket { index }),
            Place::File { offset, crc } => {
                let source = self.file.as_ref().ok_or(ByteError::NoFile)?;
                let data = source.read_at(offset, len, number)?;
                if crc32fast::hash(&data) == crc {
                    Ok(data)
                } else {
                    Err(ByteError::Changed {
                        path: source.path.clone(),
                        number,
                    })
                }
            }
        }
    }
}

impl Source {
    /// `len` bytes at `offset`, in one positioned read (more only if the system returns fewer).
    fn read_at(&self, offset: u64, len: u64, number: u64) -> Result<Vec<u8>, ByteError> {
        use std::os::unix::fs::FileExt as _;
        let read_err = |e: &std::io::Error| ByteError::Read {
            path: self.path.clone(),
            message: e.to_string(),
        };
        let end = offset.saturating_add(len);
        let file_len = self.file.metadata().map_err(|e| read_err(&e))?.len();
        let truncated = || ByteError::Truncated {
            path: self.path.clone(),
            number,
            offset,
            end,
            file_len,
        };
        if end > file_len {
            return Err(truncated());
        }
        let mut data = vec![0; usize::try_from(len).map_err(|_| truncated())?];
        match self.file.read_exact_at(&mut data, offset) {
            Ok(()) => Ok(data),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(truncated()),
            Err(e) => Err(read_err(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_is_12_bytes_and_keeps_any_offset() {
        assert_eq!(std::mem::size_of::<Location>(), 12);
        for at in [
            0,
            1,
            u64::from(u32::MAX),
            1 << 32,
            (1 << 40) + 7,
            (1 << 63) - 1,
        ] {
            for crc in [0, 1, u32::MAX] {
                let place = Place::File { offset: at, crc };
                assert_eq!(Location::new(place).place(), place);
            }
            let place = Place::Memory { start: at };
            assert_eq!(Location::new(place).place(), place);
        }
    }

    #[test]
    fn kept_bytes_come_back() {
        let mut store = ByteStore::default();
        store.push(FrameBytes::Kept(vec![1, 2, 3]));
        store.push(FrameBytes::Kept(vec![4, 5]));
        assert_eq!(store.read(0, 1, 3), Ok(vec![1, 2, 3]));
        assert_eq!(store.read(1, 2, 2), Ok(vec![4, 5]));
        assert_eq!(store.read(2, 3, 2), Err(ByteError::NoPacket { index: 2 }));
        assert_eq!(store.read(1, 2, 9), Err(ByteError::NoPacket { index: 1 }));
    }

    #[test]
    fn file_bytes_are_read_back_and_checked() {
        let dir = std::env::temp_dir().join(format!("osiscope-bytes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bin");
        std::fs::write(&path, b"..hello..world").unwrap();
        let mut store = ByteStore::with_file(&path).unwrap();
        store.push(FrameBytes::in_file(2, b"hello"));
        store.push(FrameBytes::in_file(9, b"world"));
        assert_eq!(store.read(0, 1, 5).unwrap(), b"hello");
        assert_eq!(store.read(1, 2, 5).unwrap(), b"world");
        // Changed in place: the CRC no longer matches.
        std::fs::write(&path, b"..HELLO..world").unwrap();
        assert!(matches!(
            store.read(0, 1, 5),
            Err(ByteError::Changed { number: 1, .. })
        ));
        // Cut short: the second packet is past the end.
        std::fs::write(&path, b"..hello..wo").unwrap();
        let err = store.read(1, 2, 5).unwrap_err();
        assert!(
            matches!(err, ByteError::Truncated { file_len: 11, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("shorter than when it was loaded"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_locations_without_a_file_are_an_error() {
        let mut store = ByteStore::default();
        store.push(FrameBytes::in_file(0, b"x"));
        assert_eq!(store.read(0, 1, 1), Err(ByteError::NoFile));
    }
}
