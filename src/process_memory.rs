//! Allocator policy for processes that ipax owns (the `ipax` command, the benchmark harness's
//! solver children) — never called by the library or the Python extension, whose process
//! belongs to the user.
//!
//! Why: an interior-point iteration allocates and frees many vectors of length n (and the
//! assembled matrices and factors). glibc serves blocks above `M_MMAP_THRESHOLD` (at most
//! 32 MiB) with a fresh `mmap` and returns them with `munmap` on free, so at n = 1e7 (80 MB per
//! vector) every such allocation is first-touched page by page again. Measured on the disk
//! chain at n = 1e7 (condensed IC-CG, 16 iterations, 2-vCPU VM): 112 s wall of which 64 s in
//! the kernel, 26.8 million page faults; with freed blocks kept in the heap for reuse, 74.5 s
//! and 3.4 million faults (each page of the peak faulted once), peak RSS 11.5 → 13.1 GB.

/// Keep freed memory in the process for reuse: no `mmap` for large blocks (`M_MMAP_MAX = 0`),
/// and no trimming of the heap top below 2 GiB of free space (`M_TRIM_THRESHOLD`). Peak memory
/// stays mapped until exit, which is what a solver process needs anyway. A no-op off glibc.
/// (On threads other than the main one glibc still maps blocks too large for a thread arena's
/// heap, 64 MiB and up, by `mmap`; the command solves on its main thread.)
pub fn retain_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets glibc's allocator parameters (it takes the arena lock itself);
    // its arguments are plain integers and it returns 0 on an unknown parameter.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// Chunks glibc currently serves by `mmap`.
    fn mmapped_chunks() -> usize {
        // SAFETY: `mallinfo2` only reads the allocator's statistics.
        unsafe { libc::mallinfo2() }.hblks
    }

    #[test]
    fn large_blocks_come_from_the_heap_after_the_policy() {
        // 8 MiB: above glibc's initial mmap threshold (128 KiB), and small enough for the heap of
        // a thread's arena (test bodies run on threads; the command solves on its main thread).
        super::retain_freed_memory();
        let before = mmapped_chunks();
        let v = std::hint::black_box(vec![1u8; 8 << 20]);
        assert_eq!(mmapped_chunks(), before, "an 8 MiB block was mapped by mmap");
        drop(v);
        let w = std::hint::black_box(vec![2u8; 8 << 20]);
        assert_eq!(mmapped_chunks(), before);
        drop(w);
    }
}
