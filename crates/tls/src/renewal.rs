//! When to ask for a certificate: pure arithmetic over times (Unix seconds), so the schedule is
//! tested without waiting.
//!
//! A certificate is renewed once two thirds of its life have passed (30 days before the end of a
//! 90-day certificate, as Let's Encrypt suggests). A failed attempt is retried after 10 minutes,
//! then 20, 40… up to 12 hours: often enough to recover soon after the host fixes a port
//! forward, rarely enough to stay far below the CA's limit on failed validations.

/// The certificate in hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub not_before: i64,
    pub not_after: i64,
}

/// What to do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Ask for a certificate now.
    Issue,
    /// Sleep this many seconds, then ask again.
    Wait(u64),
}

/// The first retry after a failure.
pub const FIRST_RETRY: i64 = 10 * 60;
/// The longest wait between failed attempts.
pub const LONGEST_RETRY: i64 = 12 * 3600;
/// The longest sleep, so that a changed clock is noticed within a day.
const LONGEST_SLEEP: i64 = 24 * 3600;

/// When the certificate `held` should be replaced.
pub fn renew_at(held: Held) -> i64 {
    let life = (held.not_after - held.not_before).max(0);
    held.not_after - life / 3
}

/// How long to wait after `failures` failed attempts in a row (at least one).
pub fn retry_after(failures: u32) -> i64 {
    let doublings = failures.saturating_sub(1).min(16);
    (FIRST_RETRY << doublings).min(LONGEST_RETRY)
}

/// What to do at `now`, holding `held`, after `failures` failed attempts, the last at
/// `last_failure`.
pub fn next(now: i64, held: Option<Held>, failures: u32, last_failure: Option<i64>) -> Next {
    let due = held.map_or(now, renew_at);
    let due = match (failures, last_failure) {
        (0, _) | (_, None) => due,
        (n, Some(at)) => due.max(at + retry_after(n)),
    };
    if due <= now {
        Next::Issue
    } else {
        Next::Wait((due - now).min(LONGEST_SLEEP) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    /// What, now, held, failures, last failure, expected.
    type Case = (&'static str, i64, Option<Held>, u32, Option<i64>, Next);

    #[test]
    fn the_schedule() {
        let ninety = Held {
            not_before: 1_000 * DAY,
            not_after: 1_090 * DAY,
        };
        let cases: &[Case] = &[
            ("nothing held: ask now", 5, None, 0, None, Next::Issue),
            (
                "fresh certificate: sleep a day at most",
                1_001 * DAY,
                Some(ninety),
                0,
                None,
                Next::Wait(DAY as u64),
            ),
            (
                "30 days before the end: renew",
                1_060 * DAY,
                Some(ninety),
                0,
                None,
                Next::Issue,
            ),
            (
                "a day before renewal is due: wait a day",
                1_059 * DAY,
                Some(ninety),
                0,
                None,
                Next::Wait(DAY as u64),
            ),
            (
                "expired: renew",
                1_100 * DAY,
                Some(ninety),
                0,
                None,
                Next::Issue,
            ),
            (
                "just failed once: wait 10 minutes",
                100,
                None,
                1,
                Some(100),
                Next::Wait(600),
            ),
            (
                "failed once, 10 minutes ago: try again",
                700,
                None,
                1,
                Some(100),
                Next::Issue,
            ),
            (
                "failed three times: wait 40 minutes",
                100,
                None,
                3,
                Some(100),
                Next::Wait(2_400),
            ),
            (
                "failed many times: wait 12 hours at most",
                0,
                None,
                40,
                Some(0),
                Next::Wait(12 * 3600),
            ),
            (
                "a failed renewal while the old one still works: retry later",
                1_070 * DAY,
                Some(ninety),
                1,
                Some(1_070 * DAY),
                Next::Wait(600),
            ),
            (
                "a clock set far back: not due, sleep a day at most",
                0,
                Some(ninety),
                0,
                None,
                Next::Wait(DAY as u64),
            ),
        ];
        for (what, now, held, failures, last, want) in cases {
            assert_eq!(next(*now, *held, *failures, *last), *want, "{what}");
        }
    }

    #[test]
    fn renewal_comes_at_two_thirds_of_any_lifetime() {
        let week = Held {
            not_before: 0,
            not_after: 7 * DAY,
        };
        assert_eq!(renew_at(week), 7 * DAY - 7 * DAY / 3);
        let broken = Held {
            not_before: 10,
            not_after: 5,
        };
        assert_eq!(
            renew_at(broken),
            5,
            "a backwards validity is due at its end"
        );
    }
}
