//! The app's memory in small pages. The model grows in the UI frames that add packets, and
//! every new page it writes is cleared by the kernel first, in that frame. With transparent
//! huge pages (which mimalloc asks for on its arenas, `madvise(MADV_HUGEPAGE)`), the first
//! touch of a fresh 2 MiB region clears 2 MiB at once and may first compact memory to find
//! them: on a 2.4 GB capture, single allocations of a 1 MB chunk of rows took 12.8 ms in the
//! frame that made them (measured, see `benches/UI_RESULTS.md`, 2026-12-07 evening). Small
//! pages cost about the same in all, spread evenly over the frames.
#![allow(
    unsafe_code,
    reason = "prctl(2) has no safe wrapper in std or our dependencies"
)]

/// Ask the kernel for small pages only, for the rest of this process (`PR_SET_THP_DISABLE`;
/// the command-line tools, which have no frames to keep short, do not call this). Linux
/// only; elsewhere, and when the call fails, pages are what they were: nothing to report.
pub fn small_pages_only() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_THP_DISABLE takes integers only, no pointers; it changes a flag of
        // this process and nothing the program holds.
        let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn the_process_is_left_with_small_pages() {
        super::small_pages_only();
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("THP_enabled:"));
        // Kernels before 6.1 do not say; there the call is all we can check.
        if let Some(line) = line {
            assert!(line.ends_with('0'), "{line}");
        }
    }
}
