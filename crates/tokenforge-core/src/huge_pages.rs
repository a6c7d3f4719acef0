//! Buffers that the kernel backs with huge pages (2 MiB) where it can: a table or buffer of several MiB in 4 KiB
//! pages misses the TLB on most random accesses and takes a page fault per 4 KiB on first write.

/// An empty `Vec` with room for `len` items; on Linux, when that is 2 MiB or more, the kernel is asked to back
/// the room with huge pages before it is first written.
pub fn huge_room<T>(len: usize) -> Vec<T> {
    let room = Vec::with_capacity(len);
    #[cfg(target_os = "linux")]
    if len * std::mem::size_of::<T>() >= 2 << 20 {
        extern "C" {
            fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
        }
        const MADV_HUGEPAGE: i32 = 14;
        let start = room.as_ptr() as usize;
        let from = start.next_multiple_of(4096);
        let end = start + len * std::mem::size_of::<T>();
        // SAFETY: the range lies within the allocation of `room`; the advice changes no contents.
        unsafe { madvise(from as *mut std::ffi::c_void, end - from, MADV_HUGEPAGE) };
    }
    room
}
