//! Slows down password guessing without letting a guesser lock a member out.
//!
//! - **An address** that fails ten times in 15 minutes is refused (whatever names it tries)
//!   until the window passes: one guesser, one address, stopped.
//! - **A username** that fails ten times in 15 minutes from anywhere is slowed, not locked:
//!   each further try from a browser that has not logged in as them before waits 1 s, 2 s, 4 s…
//!   (at most a minute) after the last failure, so many addresses guessing together get a few
//!   tries a minute between them. A browser that has logged in as them before (it carries the
//!   member's device cookie) is not slowed by what others do: ten wrong passwords from ten
//!   other addresses no longer keep the host out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_FAILURES_PER_ADDRESS: usize = 10;
/// Failures of one username (from anywhere) before its tries are spaced out.
const FREE_FAILURES_PER_USERNAME: usize = 10;
/// The longest wait between tries of an attacked username.
const MAX_SPACING: Duration = Duration::from_secs(60);
/// Bound on remembered keys, so a flood of random names cannot grow memory without limit.
const MAX_KEYS: usize = 10_000;
/// Bound on the failures remembered for one key.
const MAX_REMEMBERED: usize = 64;

pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

fn address_key(address: &str) -> String {
    format!("addr:{address}")
}

fn username_key(username: &str) -> String {
    format!("user:{}", username.trim().to_ascii_lowercase())
}

impl LoginLimiter {
    pub fn new() -> Self {
        LoginLimiter {
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// How long until another attempt is allowed, or None if one is allowed now. `known_device`:
    /// the browser carries this member's device cookie (it logged in as them before).
    pub fn wait(
        &self,
        address: &str,
        username: &str,
        known_device: bool,
        now: Instant,
    ) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let recent = |key: &str| -> Vec<Instant> {
            failures
                .get(key)
                .map(|times| {
                    times
                        .iter()
                        .copied()
                        .filter(|t| now.duration_since(*t) < WINDOW)
                        .collect()
                })
                .unwrap_or_default()
        };
        let by_address = recent(&address_key(address));
        let address_wait = (by_address.len() >= MAX_FAILURES_PER_ADDRESS)
            .then(|| WINDOW - now.duration_since(by_address[0]));
        let username_wait = if known_device {
            None
        } else {
            let by_username = recent(&username_key(username));
            match by_username.len().checked_sub(FREE_FAILURES_PER_USERNAME) {
                Some(over) => {
                    let spacing = Duration::from_secs(1u64 << over.min(6)).min(MAX_SPACING);
                    let last = *by_username.last().expect("at least ten");
                    spacing.checked_sub(now.duration_since(last))
                }
                None => None,
            }
        };
        address_wait.max(username_wait).filter(|d| !d.is_zero())
    }

    pub fn failed(&self, address: &str, username: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for key in [address_key(address), username_key(username)] {
            let times = failures.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < WINDOW);
            if times.len() >= MAX_REMEMBERED {
                times.remove(0);
            }
            times.push(now);
        }
    }

    /// The right password from `address`: its failures are forgotten (the username's stay, as
    /// others may still be guessing it).
    pub fn succeeded(&self, address: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(&address_key(address));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guessing_address_is_stopped_and_the_window_forgives() {
        let limiter = LoginLimiter::new();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(limiter.wait("1.2.3.4", "ana", false, t0).is_none());
            limiter.failed("1.2.3.4", "ana", t0);
        }
        // That address is refused, for any name, device cookie or not.
        assert!(limiter.wait("1.2.3.4", "ana", false, t0).is_some());
        assert!(limiter.wait("1.2.3.4", "bo", true, t0).is_some());
        // Other names from other addresses are not.
        assert!(limiter.wait("5.6.7.8", "bo", false, t0).is_none());
        // The window passes.
        assert!(limiter.wait("1.2.3.4", "ana", false, t0 + WINDOW).is_none());
        limiter.failed("9.9.9.9", "cy", t0);
        limiter.succeeded("9.9.9.9");
        assert!(
            limiter
                .failures
                .lock()
                .unwrap()
                .get("addr:9.9.9.9")
                .is_none()
        );
    }

    #[test]
    fn a_name_guessed_from_many_addresses_is_slowed_not_locked() {
        let limiter = LoginLimiter::new();
        let t0 = Instant::now();
        // Ten wrong passwords for the host, each from another address.
        for i in 0..10 {
            limiter.failed(&format!("10.0.0.{i}"), "hana", t0);
        }
        // The host's own browser (it logged in before) gets straight in.
        assert_eq!(limiter.wait("192.168.1.5", "hana", true, t0), None);
        // A new browser waits a moment, not fifteen minutes…
        let wait = limiter.wait("192.168.1.5", "hana", false, t0).unwrap();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert_eq!(
            limiter.wait("192.168.1.5", "hana", false, t0 + Duration::from_secs(1)),
            None
        );
        // …and the more it is guessed, the longer the spacing, up to a minute.
        let mut t = t0;
        for i in 0..20 {
            t += Duration::from_secs(10);
            limiter.failed(&format!("10.0.1.{i}"), "hana", t);
        }
        let wait = limiter.wait("172.16.0.1", "hana", false, t).unwrap();
        assert_eq!(wait, MAX_SPACING);
        assert_eq!(limiter.wait("172.16.0.1", "hana", true, t), None);
        // Other members are untouched.
        assert_eq!(limiter.wait("172.16.0.1", "bo", false, t), None);
    }
}
