//! A file's bytes for `encode_file`: memory-mapped, so that reading it is the encoding's first touch of each
//! page, on every core, with no copy into a buffer first.
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

/// The bytes of a file: mapped, or read in full when it cannot be mapped (empty, not a regular file).
pub enum FileBytes {
    Mapped { ptr: *mut libc::c_void, len: usize },
    Read(Vec<u8>),
}

// SAFETY: the mapping is read-only and owned by this value alone; reading it from any thread is sound.
unsafe impl Send for FileBytes {}
unsafe impl Sync for FileBytes {}

impl FileBytes {
    /// The bytes of the file at `path`. The file must not be cut short while they are in use (reading the
    /// lost pages would kill the process with SIGBUS, as with any mapped file).
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        let len = usize::try_from(meta.len()).unwrap_or(0);
        if meta.is_file() && len > 0 {
            // SAFETY: a private read-only mapping of `len` bytes of an open file; checked for failure below.
            let ptr = unsafe {
                libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0)
            };
            if ptr != libc::MAP_FAILED {
                return Ok(Self::Mapped { ptr, len });
            }
        }
        std::fs::read(path).map(Self::Read)
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            // SAFETY: the mapping holds `len` readable bytes until `self` is dropped.
            Self::Mapped { ptr, len } => unsafe { std::slice::from_raw_parts(*ptr as *const u8, *len) },
            Self::Read(data) => data,
        }
    }
}

impl Drop for FileBytes {
    fn drop(&mut self) {
        if let Self::Mapped { ptr, len } = *self {
            // SAFETY: `ptr` and `len` are the mapping made in `open`, unmapped once.
            unsafe { libc::munmap(ptr, len) };
        }
    }
}
