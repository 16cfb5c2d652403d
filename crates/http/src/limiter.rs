//! Slows down password guessing: after too many failed logins from one address, or against one
//! username, further attempts are refused for a while.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_FAILURES_PER_ADDRESS: usize = 10;
const MAX_FAILURES_PER_USERNAME: usize = 10;
/// Bound on remembered keys, so a flood of random names cannot grow memory without limit.
const MAX_KEYS: usize = 10_000;

pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    pub fn new() -> Self {
        LoginLimiter {
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(address: &str, username: &str) -> [(String, usize); 2] {
        [
            (format!("addr:{address}"), MAX_FAILURES_PER_ADDRESS),
            (
                format!("user:{}", username.trim().to_ascii_lowercase()),
                MAX_FAILURES_PER_USERNAME,
            ),
        ]
    }

    /// How long until another attempt is allowed, or None if one is allowed now.
    pub fn wait(&self, address: &str, username: &str, now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        Self::keys(address, username)
            .iter()
            .filter_map(|(key, max)| {
                let times = failures.get(key)?;
                let recent: Vec<&Instant> = times
                    .iter()
                    .filter(|t| now.duration_since(**t) < WINDOW)
                    .collect();
                (recent.len() >= *max).then(|| WINDOW - now.duration_since(*recent[0]))
            })
            .max()
    }

    pub fn failed(&self, address: &str, username: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.len() >= MAX_KEYS {
            failures.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        for (key, max) in Self::keys(address, username) {
            let times = failures.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < WINDOW);
            if times.len() < max {
                times.push(now);
            }
        }
    }

    pub fn succeeded(&self, address: &str, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, _) in Self::keys(address, username) {
            failures.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_ten_failures_then_forgives() {
        let limiter = LoginLimiter::new();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(limiter.wait("1.2.3.4", "ana", t0).is_none());
            limiter.failed("1.2.3.4", "ana", t0);
        }
        assert!(limiter.wait("1.2.3.4", "ana", t0).is_some());
        // Another address guessing the same name is also slowed…
        assert!(limiter.wait("5.6.7.8", "ana", t0).is_some());
        // …but other names from other addresses are not.
        assert!(limiter.wait("5.6.7.8", "bo", t0).is_none());
        // The window passes.
        assert!(limiter.wait("1.2.3.4", "ana", t0 + WINDOW).is_none());
        limiter.failed("9.9.9.9", "cy", t0);
        limiter.succeeded("9.9.9.9", "cy");
        assert!(
            limiter
                .failures
                .lock()
                .unwrap()
                .get("addr:9.9.9.9")
                .is_none()
        );
    }
}
