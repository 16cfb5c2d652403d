//! systemd's notify protocol (`Type=notify`): READY=1 once the database is open and the port
//! bound, WATCHDOG=1 while the server is healthy, STATUS= for `systemctl status`, STOPPING=1 on
//! the way out. Outside systemd (no `NOTIFY_SOCKET`) every call does nothing.

use std::time::Duration;

/// Tells the service manager the server is ready.
pub fn ready(status: &str) {
    send(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status(status),
    ]);
}

/// Tells the service manager the server is still healthy (call more often than the interval
/// [`watchdog_interval`] gives).
pub fn alive() {
    send(&[sd_notify::NotifyState::Watchdog]);
}

/// Tells the service manager the server is starting again in the same process (it then says
/// READY=1 once more).
pub fn reloading() {
    send(&[sd_notify::NotifyState::Reloading]);
}

pub fn stopping() {
    send(&[sd_notify::NotifyState::Stopping]);
}

/// How often to say so, if the service manager watches: half its `WatchdogSec`.
pub fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|interval| interval / 2)
}

fn send(states: &[sd_notify::NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        log::warn!("could not notify the service manager: {e}");
    }
}
