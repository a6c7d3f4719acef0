//! A file's bytes for `encode_file`, read without the GIL on all cores (a chunk per task), so that reading is a
//! small part of encoding. Read, not memory-mapped: a mapped file cut short by another process while in use
//! kills the reader with SIGBUS; a read file cut short is an error.
use std::fs::File;
use std::io;
use std::mem::MaybeUninit;
use std::os::unix::fs::FileExt;
use std::path::Path;

use rayon::prelude::*;
use tokenforge_core::huge_pages::huge_room;

/// Bytes each task reads.
const CHUNK: usize = 1 << 20;

/// The bytes of the file at `path`.
pub fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return std::fs::read(path);
    }
    let len = usize::try_from(meta.len()).map_err(|_| io::Error::other("file too large for this machine"))?;
    let mut data = huge_room::<u8>(len);
    // Each task zeroes its chunk (the first write: page faults on all cores too), then reads into it.
    data.spare_capacity_mut()[..len].par_chunks_mut(CHUNK).enumerate().try_for_each(|(k, chunk)| {
        chunk.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `chunk` was just written, and `MaybeUninit<u8>` has the layout of `u8`.
        let chunk = unsafe { &mut *(chunk as *mut [MaybeUninit<u8>] as *mut [u8]) };
        file.read_exact_at(chunk, (k * CHUNK) as u64)
    })?;
    // SAFETY: the first `len` bytes were written above (an error returned before this line).
    unsafe { data.set_len(len) };
    Ok(data)
}
