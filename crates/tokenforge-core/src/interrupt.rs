//! Stopping long work early: loops that may run for more than a moment call [`check`], which fails with
//! [`Error::Interrupted`] once [`request`] was called (the Python binding does on Ctrl-C). One flag for the
//! process: an interrupt stops every learner running at the time.
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every running loop to stop at its next [`check`].
pub fn request() {
    STOP.store(true, Ordering::Relaxed);
}

/// Clears a request (before new work starts).
pub fn clear() {
    STOP.store(false, Ordering::Relaxed);
}

/// `Err(Error::Interrupted)` when a stop was requested.
pub fn check() -> Result<()> {
    if STOP.load(Ordering::Relaxed) {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}
