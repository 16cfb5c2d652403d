//! The bugle: any member calls every other member with one private message, a few times a day.
//! Who hears it and when it may sound are decided here, with no I/O.

use crate::UnixTime;

/// How many times a member may sound the bugle in a day.
pub const BUGLES_PER_DAY: usize = 3;
/// The day the limit counts over, ending now.
pub const WINDOW_SECS: i64 = 24 * 3600;

/// Why the bugle does not sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BugleRefusal {
    /// A host or moderator took it away from this member.
    Taken,
    /// Sounded too often in the last day; it may sound again at this time.
    TooOften { again_at: UnixTime },
    /// Everyone else opted out, is suspended or blocks the member.
    NobodyToHear,
}

/// Whether a member may sound the bugle now: `recent` are the times they sounded it, any order.
pub fn may_sound(
    taken: bool,
    recent: &[UnixTime],
    listeners: usize,
    now: UnixTime,
) -> Result<(), BugleRefusal> {
    if taken {
        return Err(BugleRefusal::Taken);
    }
    let mut in_window: Vec<UnixTime> = recent
        .iter()
        .copied()
        .filter(|&t| t > now - WINDOW_SECS)
        .collect();
    if in_window.len() >= BUGLES_PER_DAY {
        in_window.sort_unstable();
        // The oldest of the last few leaves the window first.
        let oldest = in_window[in_window.len() - BUGLES_PER_DAY];
        return Err(BugleRefusal::TooOften {
            again_at: oldest + WINDOW_SECS,
        });
    }
    if listeners == 0 {
        return Err(BugleRefusal::NobodyToHear);
    }
    Ok(())
}

/// How many more times the member may sound it today.
pub fn left_today(recent: &[UnixTime], now: UnixTime) -> usize {
    let used = recent.iter().filter(|&&t| t > now - WINDOW_SECS).count();
    BUGLES_PER_DAY.saturating_sub(used)
}

/// Whether a member hears another's bugle: not the one sounding it, not someone who turned it
/// off, is suspended, or blocks the one sounding it.
pub fn hears(is_sounder: bool, turned_off: bool, suspended: bool, blocks_sounder: bool) -> bool {
    !(is_sounder || turned_off || suspended || blocks_sounder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_the_bugle_may_sound() {
        let now = 100_000;
        let h = 3600;
        // (taken, sounded at, listeners, outcome)
        type Case = (bool, Vec<UnixTime>, usize, Result<(), BugleRefusal>);
        let cases: Vec<Case> = vec![
            (false, vec![], 5, Ok(())),
            (false, vec![now - h, now - 2 * h], 5, Ok(())),
            (
                false,
                vec![now - h, now - 2 * h, now - 3 * h],
                5,
                Err(BugleRefusal::TooOften {
                    again_at: now - 3 * h + WINDOW_SECS,
                }),
            ),
            // Yesterday's do not count.
            (false, vec![now - 25 * h, now - 26 * h, now - h], 5, Ok(())),
            (true, vec![], 5, Err(BugleRefusal::Taken)),
            (false, vec![], 0, Err(BugleRefusal::NobodyToHear)),
            (
                false,
                vec![now - 10, now - 5 * h, now - 20, now - 9 * h],
                5,
                Err(BugleRefusal::TooOften {
                    again_at: now - 5 * h + WINDOW_SECS,
                }),
            ),
        ];
        for (taken, recent, listeners, want) in cases {
            assert_eq!(
                may_sound(taken, &recent, listeners, now),
                want,
                "{taken} {recent:?} {listeners}"
            );
        }
        assert_eq!(left_today(&[now - 10, now - 25 * h], now), 2);
        assert_eq!(left_today(&[now - 1, now - 2, now - 3, now - 4], now), 0);
    }

    #[test]
    fn who_hears_it() {
        assert!(hears(false, false, false, false));
        assert!(!hears(true, false, false, false));
        assert!(!hears(false, true, false, false));
        assert!(!hears(false, false, true, false));
        assert!(!hears(false, false, false, true));
    }
}
