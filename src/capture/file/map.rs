//! A regular file read through memory maps, one window at a time: the bytes are parsed where
//! the page cache holds them, without the copy `read(2)` makes into a buffer (on a 2.4 GB
//! capture that copy was a quarter of `decode`'s time), and bytes nobody looks at (binary
//! WebSocket payloads) are never read at all.
//!
//! Filling a window's page tables costs about as much as that copy, so a file larger than one
//! window is mapped ahead by a helper thread (`osiscope-map`) with `MAP_POPULATE`: the reader
//! finds the next window ready. Windows overlap, so that a record cut by the end of one is
//! whole in the next. Resident memory stays at a few windows whatever the file's size: a window
//! is unmapped when the reader moves past it.
//!
//! The one unsafe call of this module is the mapping. Its risk is the usual one of mapping a
//! file: if another process truncates the file while a window over the lost part is mapped,
//! touching those bytes raises `SIGBUS` and ends the process (ripgrep and git accept the same
//! risk). A file that grows is fine: its length is read again when the reader reaches the end
//! it knew, as `read(2)` would see the new bytes. Damage in the bytes themselves (a file cut
//! short before it was opened) is found by the parsers and reported as usual.
#![allow(
    unsafe_code,
    reason = "mmap(2) has no safe wrapper in std or our dependencies"
)]

use std::fs::File;
use std::io;
use std::sync::{Arc, mpsc};

use memmap2::{Mmap, MmapOptions};

/// Bytes mapped at a time (more when one record is longer).
const WINDOW: usize = 8 * 1024 * 1024;
/// How much a window mapped ahead repeats of the end of the one before it: a record that
/// starts in that stretch is whole in the next window.
const OVERLAP: u64 = 1024 * 1024;
/// Retired windows waiting for the helper to unmap them, at most.
const RETIRED_WAITING: usize = 2;
/// Mapping offsets are multiples of this (a multiple of every page size Linux uses).
const ALIGN: u64 = 64 * 1024;

/// A window of the file.
struct Window {
    /// File offset of the first byte.
    start: u64,
    map: Mmap,
}

impl Window {
    fn end(&self) -> u64 {
        self.start + self.map.len() as u64
    }
}

/// Map `len` bytes of `file` from `start` (a multiple of [`ALIGN`]).
fn map(file: &File, start: u64, len: u64, populate: bool) -> io::Result<Window> {
    let len = usize::try_from(len).map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    let mut options = MmapOptions::new();
    options.offset(start).len(len);
    if populate {
        options.populate();
    }
    // SAFETY: the map is read-only, and its bytes are only handed out as `&[u8]` borrowed
    // from the `MappedFile` that owns it (so never past the unmapping). They can change under
    // us only if another process writes the file while we read it; a truncation then raises
    // SIGBUS on access (see the module docs), which we accept as every program that maps
    // files does.
    let map = unsafe { options.map(file)? };
    Ok(Window { start, map })
}

/// The windows after `from` to the end of the file as it was (`file_len`), each overlapping
/// the one before, mapped and populated on their own thread and handed over in order; windows
/// the reader is done with come back on `retired` to be unmapped here. Stops when the receiver
/// is dropped.
fn map_ahead(
    file: &File,
    mut from: u64,
    file_len: u64,
    out: &mpsc::SyncSender<io::Result<Window>>,
    retired: &mpsc::Receiver<Window>,
) {
    while from < file_len {
        let end = file_len.min(from + WINDOW as u64);
        let window = map(file, from, end - from, true);
        let failed = window.is_err();
        if out.send(window).is_err() || failed || end == file_len {
            return;
        }
        drop(retired.try_iter().collect::<Vec<_>>());
        from = (end - OVERLAP) / ALIGN * ALIGN;
    }
}

/// The mapped window of a file and where it is.
pub(super) struct MappedFile {
    file: Arc<File>,
    /// `None` before the first window and for an empty file.
    window: Option<Window>,
    /// The file's length when last looked at.
    file_len: u64,
    /// Windows mapped ahead, in order; `None` once we map them ourselves.
    ahead: Option<mpsc::Receiver<io::Result<Window>>>,
    /// Where windows we are done with go to be unmapped by the helper.
    retire: Option<mpsc::SyncSender<Window>>,
}

impl MappedFile {
    /// Maps the first window of `file`, which is `file_len` bytes long. A larger file gets its
    /// next windows mapped ahead on a helper thread.
    pub fn open(file: File, file_len: u64) -> Result<Self, (File, io::Error)> {
        let first_len = file_len.min(WINDOW as u64);
        let window = if first_len == 0 {
            None
        } else {
            match map(&file, 0, first_len, false) {
                Ok(w) => Some(w),
                Err(e) => return Err((file, e)),
            }
        };
        let file = Arc::new(file);
        let (mut ahead, mut retire) = (None, None);
        if file_len > first_len {
            let (tx, rx) = mpsc::sync_channel(1);
            let (retire_tx, retire_rx) = mpsc::sync_channel(RETIRED_WAITING);
            let from = (first_len - OVERLAP.min(first_len)) / ALIGN * ALIGN;
            let helper = Arc::clone(&file);
            let spawned = std::thread::Builder::new()
                .name("osiscope-map".into())
                .spawn(move || map_ahead(&helper, from, file_len, &tx, &retire_rx));
            // Without the thread, windows are mapped as they are needed.
            if spawned.is_ok() {
                ahead = Some(rx);
                retire = Some(retire_tx);
            }
        }
        Ok(Self {
            file,
            window,
            file_len,
            ahead,
            retire,
        })
    }

    /// The window's bytes.
    pub fn bytes(&self) -> &[u8] {
        self.window.as_ref().map_or(&[], |w| &w.map[..])
    }

    /// File offset of `bytes()[0]`.
    pub fn start(&self) -> u64 {
        self.window.as_ref().map_or(0, |w| w.start)
    }

    /// Move to a window that holds file offset `from` and the `want` bytes after it that the
    /// current window has, and more after them if the file has more. Returns whether it holds
    /// more bytes after `from` than the old window did (`false`: the end of the file).
    pub fn slide(&mut self, from: u64, want: usize) -> io::Result<bool> {
        let old_end = self.window.as_ref().map_or(0, Window::end);
        // The next window mapped ahead, if it starts early enough and brings more.
        while let Some(ahead) = &self.ahead {
            match ahead.recv() {
                Ok(Ok(w)) if w.start <= from && w.end() > old_end => {
                    let old = self.window.replace(w);
                    if let (Some(old), Some(retire)) = (old, &self.retire) {
                        // When the helper is behind, the window is unmapped here (dropped).
                        let _ = retire.try_send(old);
                    }
                    return Ok(true);
                }
                Ok(Err(e)) => return Err(e),
                // Behind us (a record longer than the overlap), or the helper mapped the whole
                // file as it was when opened: map from here ourselves.
                Ok(Ok(_)) | Err(_) => self.ahead = None,
            }
        }
        let len = WINDOW.max(want.saturating_mul(2)) as u64;
        if from + len > self.file_len {
            // The file may have grown since we looked.
            self.file_len = self.file.metadata()?.len();
        }
        let start = from / ALIGN * ALIGN;
        let end = self.file_len.min(from + len);
        // Unmap the old window before mapping the next one: one window's worth of memory.
        self.window = None;
        if end > start {
            self.window = Some(map(&self.file, start, end - start, false)?);
        }
        Ok(end > old_end)
    }
}
