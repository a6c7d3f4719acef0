//! Ctrl-C during long core work: the work runs on a helper thread while the calling (main) thread waits with
//! the GIL released and checks for signals every few milliseconds. On Ctrl-C Python's handler raises
//! `KeyboardInterrupt`; the core is asked to stop (`tokenforge_core::interrupt`), its loops return within
//! moments, and the exception propagates; nothing the work would have produced is returned.
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use pyo3::prelude::*;
use tokenforge_core::error::Result;
use tokenforge_core::interrupt;

use crate::convert::to_py;

/// How often the waiting thread looks for signals.
const POLL: Duration = Duration::from_millis(20);

/// Runs `work` so that Ctrl-C (any signal whose Python handler raises) stops it.
pub fn interruptible<T: Send>(py: Python<'_>, work: impl FnOnce() -> Result<T> + Send) -> PyResult<T> {
    interrupt::clear();
    thread::scope(|s| {
        let waiter = thread::current();
        let handle = s.spawn(move || {
            let out = work();
            waiter.unpark();
            out
        });
        let mut raised = None;
        while !handle.is_finished() {
            py.allow_threads(|| thread::park_timeout(POLL));
            if raised.is_none() {
                if let Err(e) = py.check_signals() {
                    interrupt::request();
                    raised = Some(e);
                }
            }
        }
        let out = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match raised {
            Some(e) => Err(e),
            None => out.map_err(to_py),
        }
    })
}

/// A progress callback `(done, total)` called from core work: the first exception it raises stops the work
/// (as Ctrl-C does) and is what the call raises.
pub struct Progress {
    callback: Option<PyObject>,
    failed: Mutex<Option<PyErr>>,
}

impl Progress {
    pub fn new(callback: Option<PyObject>) -> Self {
        Progress { callback, failed: Mutex::new(None) }
    }

    /// Calls the callback (from any thread); an exception asks the core to stop.
    pub fn report(&self, done: usize, total: usize) {
        let Some(cb) = &self.callback else { return };
        Python::with_gil(|py| {
            if let Err(e) = cb.call1(py, (done, total)) {
                self.failed.lock().expect("not poisoned").get_or_insert(e);
                interrupt::request();
            }
        });
    }

    /// The outcome of the work that reported here: the callback's exception if it raised one.
    pub fn outcome<T>(self, out: PyResult<T>) -> PyResult<T> {
        match self.failed.into_inner().expect("not poisoned") {
            Some(e) if out.is_err() => Err(e),
            _ => out,
        }
    }
}
